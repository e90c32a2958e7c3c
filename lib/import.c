/*
 * How a row goes in.  Every field is parsed to the value it is stored as
 * (integers for money, prices, quantities and flags; checked text for
 * dates, ids and enums); references are looked up (the account's currency
 * comes back with the lookup, as money without a currency column is in the
 * account's currency); then the row is written with statements prepared
 * once per call.  Errors are reported as they are found, a row with one is
 * not written, and reading goes on to report more (up to --max-errors);
 * the transaction is rolled back at the end.
 *
 * Modes: insert relies on the tables' unique keys to find duplicates
 * (and asks a second connection, which sees the database as the import
 * found it, whether a duplicate was there before or came in the input);
 * upsert and replace look the key up first (with IS, so that a key with an
 * empty part such as prices' effective_from still matches) and update only
 * the columns the file has, and only when a value differs, so that
 * importing the same file twice changes nothing.  Replace records every
 * row it wrote or found in a temporary table and deletes the rest at the
 * end, after checking that nothing still refers to them.  A dry run does
 * all of it and rolls back.  The ids of a table whose key is one id are
 * noted as its rows go in, and the id counters of the programs set past
 * them before the commit (db_ids_seen_done()), so that the next id a
 * program assigns costs no scan of what the import wrote.
 *
 * invoices is the one entity stored in two tables: its header columns go
 * to invoices (once per invoice: the lines of one invoice follow each
 * other and must agree on them) and the rest to invoice_lines.
 */
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "billing.h"
#include "csv.h"
#include "date.h"
#include "db.h"
#include "import.h"
#include "keyset.h"
#include "money.h"
#include "out.h"
#include "outfile.h"
#include "recognition.h"
#include "sha256.h"

#define MAXCOL 16
#define VALUE_SHOW 60		/* bytes of a bad value quoted in a message */

enum { V_NULL, V_TEXT, V_INT };

struct value {
	int kind;
	const char *s;
	size_t len;
	int64_t i;
};

/*
 * Rows waiting to go db_batch_rows() at a time, by one statement of many
 * rows: starting and ending a statement costs more than adding a row.
 * Only plain inserts are batched (batchable()).  Text is
 * copied into the batch's arena, as the record it came from is gone by
 * the time the batch is written.  A batch refused is written again row
 * by row, and before the reading side reports an error every row before
 * it is written (write_waiting()), so that the errors come in the order
 * of the lines whatever the size of a batch, on every backend.
 *
 * A full batch goes to a writer thread, so that reading and checking the
 * next rows (one core) overlaps with the database writing these (the
 * other: SQLite in this process, or the PostgreSQL server while the
 * writer waits for it): a large import takes the longer of the two
 * instead of their sum.  The connection is shared (db_open()); the
 * reading side only touches it to look up a key that was not preloaded.
 * When a batch fails, the writer inserts its rows one by one to find and
 * report the culprits; the import then fails as a whole anyway.  At most
 * BATCH_WAITING rows of a table are in batches at once, so that memory
 * does not grow with a backend's batch.
 */
#define BATCH_WAITING 8192
#define BATCHES_PER_TABLE 8	/* and at most so many */

struct pending {
	int kind;
	size_t off, len;	/* V_TEXT: in the arena */
	int64_t i;
};

struct batch {
	struct target *t;
	struct pending *pend;	/* t->rows x t->ncol */
	unsigned long *line;	/* t->rows */
	int n;
	char *arena;
	size_t narena, caparena;
	struct batch *next;	/* in the queue, or the table's free list */
};

/* One of the (at most two) tables a row is written to. */
struct target {
	const char *table;
	int col[MAXCOL];	/* entity column indexes stored here */
	int ncol;
	int key[4];		/* entity column indexes of its key */
	int nkey;
	struct db_stmt *insert, *find, *update, *remember;
	struct db_stmt *was;	/* on importer.before: the key was there */
	int nupdate;		/* columns the update sets */
	int upd[MAXCOL];
	long inserted, updated, deleted;
	int parent;		/* the invoices header table */
	struct db_ids_seen *ids;	/* its ids, when its key is one */
	struct db_stmt *open;	/* a row written into entity.open_in */
	struct db_stmt *open_rows;	/* a batch's, made when first wanted */
	int open_all;		/* all of them, at the end (a first load) */
	int open_account;	/* entity column index of account_id */

	struct db_stmt *batch;	/* NULL: no batching */
	char *batch_head;	/* its INSERT's head */
	int rows, nmax;		/* rows a batch, batches at most */
	struct batch *fill;	/* being filled by the reading side */
	struct batch *free;	/* written, to be filled again */
	int nbatch, nfree;
	struct batch *all[BATCHES_PER_TABLE];
};

/*
 * The writer thread and its queue of full batches.  Each side is woken
 * only when it waits, and the reading side, waiting for a free batch,
 * only once half of that table's are free (or all is written): woken for
 * each batch, the two threads took turns at every one of the 20,000
 * batches of a million invoice lines, 105,790 futex calls (36,491).
 */
struct writer {
	pthread_t thread;
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t work;		/* the writer waits for a batch */
	pthread_cond_t done;		/* the reading side, for one written */
	struct batch *head, *tail;	/* to write */
	int busy;			/* writing one now */
	int idle, waiting;		/* which waits */
	struct target *want;		/* waited for a batch of; NULL: all */
	int quit;
};

/* References found are kept, at most KNOWN_MAX per column (keyset.h):
 * a million invoice lines over fifty products look each product up once.
 * Only keys found are kept: a later row may create a missing one. */
#define KNOWN_MAX (1 << 18)

/* When a check of the rows against a table reads all of its keys at once
 * rather than each as a row names it (time_to_scan()). */
struct scan_plan {
	const char *table;
	unsigned long asked;	/* the lookups one at a time so far */
	unsigned long at;	/* read all when they reach it; 0: read */
};

/* A reference lookup, with the last answer kept: ids repeat. */
struct ref {
	int col;
	int self;		/* to a row of the same table: checked at the end */
	const struct entity *to;	/* the table referred to */
	struct db *db;		/* find's: im->db, or im->lookups */
	struct db_stmt *find;
	char last[ENTITY_ID_MAX + 1];
	int last_found, valid;
	char currency[4];
	struct keyset *known;
	struct scan_plan scan;		/* of the keys of `to` */
};

#define MEANING_MAX 4		/* checks of meaning of one entity */

/* A row of a batch that the database refused, kept to be reported in the
 * order of the lines (write_waiting()). */
struct refusal {
	unsigned long line;
	int child;		/* the invoices' line, after its header */
	const char *column;	/* static, or NULL */
	char *msg;
};

struct meaning;

/*
 * The accounts of the rows that give a row its account (entity
 * account_of): read up front in the order of their ids, at most
 * KNOWN_MAX, and looked up by a binary search; past that, asked of the
 * database.  Each pair is "id\0account\0" in text, at[i] its offset.
 */
struct accounts_of {
	int col, from;		/* account_id, and the reference */
	struct db_stmt *find;
	char *text;
	size_t *at, n, ntext, cap, capat;
	int partial;			/* more rows than it holds */
	char account[ENTITY_ID_MAX + 1];	/* the row's */
};

struct importer {
	struct db *db;
	const struct entity *e;
	const struct import_opts *o;
	char mark;			/* decimal mark of the input */
	char base[4];			/* base currency */
	struct target table, parent;	/* parent.table NULL unless invoices */
	struct ref ref[MAXCOL];
	int nref;
	int currency_col, account_ref;	/* -1 when none */
	struct accounts_of acc;	/* acc.col -1 when no account_of */
	int line_no_col;		/* invoices' line_no, else -1 */
	int size_col[2];		/* their amount and tax_amount */
	int service_col[2];		/* invoices' service_start, _end */
	/* payments: the amount, the refund_of that makes the row a refund
	 * (EC_REFUNDED) and the invoice_id a refund has not; -1: none */
	int refund_col[3];
	int order_col[4][2];		/* e->order as column indexes */
	int when_col[ENTITY_WHEN_MAX][2];	/* e->when: col, other */
	/* usage: what changes in months a run billed (billing.h), by
	 * account_id, sku and used_on; NULL when nothing can be late */
	struct billing_watch *watch;
	int watch_col[3];

	/* per file */
	const char *file;
	int col_of[MAXCOL];		/* CSV field of each entity column */
	size_t nheader;
	int header_seen;
	unsigned long rows, errors, rejected;
	long f_inserted, f_updated, f_unchanged;

	/* per row */
	struct value val[MAXCOL];
	unsigned long line;
	int row_bad;
	char row_currency[4];
	char why[1024];			/* the row's errors, for rejects */
	size_t nwhy;
	_Atomic int stop;		/* the writer may set it too */
	struct refusal *refused;	/* the writer's, to report */
	size_t nrefused, caprefused;

	/* invoices: the header last written, to check the next lines */
	char last_parent[ENTITY_ID_MAX + 1];
	char parent_copy[MAXCOL][ENTITY_ID_MAX + 1];	/* ids, dates */
	int parent_null[MAXCOL];
	unsigned long parent_line;
	long last_line_no;
	int64_t invoice_size;		/* its lines' amounts and taxes */

	/* the checks of meaning (below) that apply to this entity */
	struct db_stmt *meaning[MEANING_MAX];
	const struct meaning *meaning_of[MEANING_MAX];
	struct keyset *meaning_fits[MEANING_MAX];	/* NULL: none */
	struct scan_plan fits_scan[MEANING_MAX];
	int meaning_col[MEANING_MAX][2];	/* column, other (-1: none) */
	int nmeaning;
	struct db_stmt *tier_line;	/* prices: where each row came from */
	struct db_stmt *replace_line;	/* subscriptions that replace one */
	struct db_stmt *pause_line;	/* pauses */
	struct db_stmt *refund_line;	/* refunds */
	struct db_stmt *self_ref;	/* a reference to a row not yet in */

	struct mapping_reader *reader;	/* --from: the export's columns */
	/* its ref conversions' lookups, a statement for each column read
	 * and the column it is read by */
	struct {
		const struct entity_column *c, *by;
		struct db_stmt *st;
	} mapped_ref[MAXCOL];
	int nmapped_ref;

	/* --excel: the record with what --excel added taken off */
	struct csv_field *xfield;
	size_t nxfield;
	char *xtext;
	size_t xcap;

	struct outfile *rejects_file;
	struct out *rejects;
	struct writer writer;
	struct db *before;		/* the database before the import */
	int before_tried;
	struct db *lookups;		/* ref_db()'s, or NULL */
	int lookups_tried;
	int nfile;			/* files read before this one */
	FILE *notes;			/* what went in, said once committed */
};

/* ---- strings ---------------------------------------------------------- */

struct sbuf {
	char s[2048];
	size_t n;
};

static void
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b->s) - b->n)
		cli_die(CLI_EIO, "internal error: SQL too long");
	b->n += (size_t)n;
}

/* s[0, len) into dst of size bytes, cut to fit and NUL-terminated: the
 * values kept from one row to the next (snprintf() cost a few per cent
 * of reading an import). */
static void
copy_text(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	if (len > 0)
		memcpy(dst, s, len);
	dst[len] = '\0';
}

/* The value as it will appear in a message: quoted, shortened, with
 * control characters shown as '?'. */
static const char *
show(char *buf, const char *s, size_t len)
{
	size_t n = len > VALUE_SHOW ? VALUE_SHOW : len, j = 0;

	buf[j++] = '\'';
	for (size_t i = 0; i < n; i++)
		buf[j++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	if (n < len) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j++] = '\'';
	buf[j] = '\0';
	return buf;
}

#define SHOW_MAX (VALUE_SHOW + 8)

/* ---- errors ------------------------------------------------------------- */

/*
 * Before the reading side reports an error, the rows before it are
 * written (write_waiting()), so that what the database refused of them
 * (earlier lines) is reported first, in the same order every time, on
 * every backend and whatever the size of a batch: else the two threads'
 * messages interleave as they happen to run, and a part-filled batch
 * would be written after the error.
 */
static void write_waiting(struct importer *im);

/* The importer reading now, for the CSV reader's reports, which carry no
 * context of their own. */
static struct importer *reading;

static int
read_error(const char *file, unsigned long line, const char *column,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (reading != NULL)
		write_waiting(reading);
	return cli_data_error(file, line, column, "%s", msg);
}

/* A column as messages name it: in an import --from another system,
 * that system's column it comes from. */
static const char *
label(const struct importer *im, const char *column)
{
	const char *l;
	int ci;

	if (im->reader == NULL || column == NULL ||
	    (ci = entity_column_index(im->e, column)) < 0 ||
	    (l = mapping_label(im->reader, (size_t)ci)) == NULL)
		return column;
	return l;
}

/*
 * An error of the import at the entity's column (NULL: none), at file
 * and line, named as label() names it: every error that names a column
 * of the entity comes here or through row_error(), which labels it too,
 * so that none names revops's column to one who imports another
 * system's export.  Returns what cli_data_error() does.
 */
static int
im_data_error(const struct importer *im, const char *file, unsigned long line,
    const char *column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
im_data_error(const struct importer *im, const char *file, unsigned long line,
    const char *column, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cli_data_error(file, line, label(im, column), "%s", msg);
}

/* The row's error at column, as it is named in the file, and at the
 * file and line of its value (of another file, in an import --from that
 * reads a companion's). */
static void
row_report(struct importer *im, const char *file, unsigned long line,
    const char *column, const char *msg)
{
	im->row_bad = 1;
	if (im->o->rejects != NULL) {
		int n = snprintf(im->why + im->nwhy, sizeof(im->why) - im->nwhy,
		    "%s%s:%lu: %s%s%s%s", im->nwhy > 0 ? "; " : "", file,
		    line, column != NULL ? "column '" : "",
		    column != NULL ? column : "", column != NULL ? "': " : "",
		    msg);
		if (n > 0)
			im->nwhy = im->nwhy + (size_t)n < sizeof(im->why) ?
			    im->nwhy + (size_t)n : sizeof(im->why) - 1;
		return;
	}
	im->errors++;
	write_waiting(im);
	if (!cli_data_error(file, line, column, "%s", msg))
		im->stop = 1;
}

/* The row's error at the entity's column. */
static void
row_error(struct importer *im, const char *column, const char *fmt, ...)
{
	const char *file = im->file;
	unsigned long line = im->line;
	char msg[1024];
	va_list ap;
	int ci;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (im->reader != NULL && column != NULL &&
	    (ci = entity_column_index(im->e, column)) >= 0)
		(void)mapping_where(im->reader, (size_t)ci, &file, &line);
	row_report(im, file, line, label(im, column), msg);
}

/* A value of the export that its mapping cannot convert (mapping.h). */
static const char *table_for_ref(const struct entity *e);

/* A mapping's ref (mapping.h): a column of the rows that a key or
 * another column names, by a statement made from the contract, one for
 * each column read and each it is read by.  Two rows are enough to know
 * that there is more than one. */
static int
mapped_lookup(void *arg, const struct entity *e, const struct entity_column *c,
    const struct entity_column *by, const char *key, size_t len, char *out,
    size_t size)
{
	struct importer *im = arg;
	struct db_stmt *st = NULL;
	struct sbuf sql = { .n = 0 };
	int found = 0;

	if (by == NULL)
		by = entity_ref_key(e);
	for (int i = 0; i < im->nmapped_ref && st == NULL; i++)
		if (im->mapped_ref[i].c == c && im->mapped_ref[i].by == by)
			st = im->mapped_ref[i].st;
	if (st == NULL) {
		if (im->nmapped_ref == MAXCOL)
			cli_die(CLI_EIO, "internal error: too many lookups");
		sb_add(&sql, "SELECT %s FROM %s WHERE %s = ?1 LIMIT 2", c->db,
		    table_for_ref(e), by->db);
		st = db_prepare(im->db, sql.s);
		im->mapped_ref[im->nmapped_ref].c = c;
		im->mapped_ref[im->nmapped_ref].by = by;
		im->mapped_ref[im->nmapped_ref++].st = st;
	}
	db_bind_ref(st, 1, key, len);
	while (db_row(st))
		if (found++ == 0)
			snprintf(out, size, "%s", db_text(st, 0));
	db_reset(st);
	return found;
}

static void
mapping_error(void *arg, const char *file, unsigned long line,
    const char *column, const char *msg)
{
	row_report(arg, file, line, column, msg);
}

/* ---- parsing fields ------------------------------------------------------ */

static int
parse_bool(const char *s, size_t len, int64_t *v)
{
	static const char *const yes[] = { "true", "1", "yes", "y", "t" };
	static const char *const no[] = { "false", "0", "no", "n", "f" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strlen(yes[i]) == len && strncasecmp(s, yes[i], len) == 0)
			return *v = 1, 0;
		if (strlen(no[i]) == len && strncasecmp(s, no[i], len) == 0)
			return *v = 0, 0;
	}
	return -1;
}

static int
parse_int(const char *s, size_t len, long min, long max, int64_t *v)
{
	int64_t n;

	if (money_parse(s, len, 0, '.', &n) != MONEY_OK || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

static int
valid_id(const char *s, size_t len)
{
	if (len == 0 || len > ENTITY_ID_MAX || isspace((unsigned char)s[0]) ||
	    isspace((unsigned char)s[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
valid_email(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);

	if (at == NULL || at == s || at == s + len - 1 ||
	    memchr(at + 1, '@', (size_t)(s + len - at - 1)) != NULL)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (isspace((unsigned char)s[i]) || s[i] == ',' || s[i] == ';')
			return 0;
	return memchr(at, '.', (size_t)(s + len - at)) != NULL;
}

static int
valid_scope(const char *s, size_t len)
{
	if (len == 1 && s[0] == '*')
		return 1;
	if (len > 7 && memcmp(s, "family:", 7) == 0)
		return valid_id(s + 7, len - 7);
	if (len > 4 && memcmp(s, "sku:", 4) == 0)
		return valid_id(s + 4, len - 4);
	return 0;
}

/* Money-like columns: the digits after the mark they may have. */
static int
scale_of(const struct importer *im, enum entity_type t)
{
	const struct currency *c = money_currency(im->row_currency, 3);
	int exp = c != NULL ? c->exponent : 2;

	switch (t) {
	case ET_MONEY:
		return exp;
	case ET_PRICE:
		return exp + MONEY_PRICE_DIGITS;
	case ET_RATE:
		return MONEY_RATE_SCALE;
	default:
		return MONEY_QTY_SCALE;
	}
}

static int
is_decimal_type(enum entity_type t)
{
	return t == ET_MONEY || t == ET_PRICE || t == ET_QUANTITY ||
	    t == ET_PERCENT || t == ET_RATE;
}

static void
decimal_error(struct importer *im, const struct entity_column *c,
    enum money_status st, const char *s, size_t len, int scale)
{
	char v[SHOW_MAX];

	show(v, s, len);
	if (st == MONEY_PRECISION && c->type == ET_MONEY && scale == 0)
		row_error(im, c->name, "%s has decimals, but %s has none", v,
		    im->row_currency);
	else if (st == MONEY_PRECISION && c->type == ET_MONEY)
		row_error(im, c->name, "%s has more than %d decimals for %s", v,
		    scale, im->row_currency);
	else if (st == MONEY_PRECISION)
		row_error(im, c->name, "%s has more than %d decimals", v, scale);
	else if (st == MONEY_RANGE)
		row_error(im, c->name, "%s is too large", v);
	else
		row_error(im, c->name, "%s is not a plain decimal number "
		    "(digits and one '%c', no thousands separators or "
		    "exponent)", v, im->mark);
}

static void
parse_decimal(struct importer *im, const struct entity_column *c,
    const char *s, size_t len, struct value *v)
{
	int scale = scale_of(im, c->type);
	enum money_status st = money_parse(s, len, scale, im->mark, &v->i);
	char sv[SHOW_MAX];

	v->kind = V_INT;
	v->s = s;		/* as written, for a message */
	v->len = len;
	if (st != MONEY_OK)
		return decimal_error(im, c, st, s, len, scale);
	if (v->i < 0 && !(c->flags & (EC_SIGNED | EC_REFUNDED)))
		row_error(im, c->name, "%s is negative", show(sv, s, len));
	else if (v->i <= 0 && (c->flags & EC_POSITIVE))
		row_error(im, c->name, "%s is not more than zero",
		    show(sv, s, len));
	else if (c->type == ET_PERCENT && v->i > 100 * (int64_t)1000000)
		row_error(im, c->name, "%s is more than 100 (percent)",
		    show(sv, s, len));
	else if (c->type == ET_RATE && v->i <= 0)
		row_error(im, c->name, "%s is not more than zero",
		    show(sv, s, len));
}

static void
parse_setting(struct importer *im, const struct entity_column *c,
    const char *s, size_t len)
{
	const struct value *key = &im->val[0];
	const struct entity_setting *t;
	char sv[SHOW_MAX], sk[SHOW_MAX];
	int64_t n;

	if (key->kind != V_TEXT)
		return;
	t = entity_setting_find(key->s, key->len);
	show(sv, s, len);
	if (t == NULL)
		row_error(im, "key", "%s is not a setting (one of %s)",
		    show(sk, key->s, key->len), entity_setting_keys);
	else if (t->type == ET_CURRENCY && money_currency(s, len) == NULL)
		row_error(im, c->name, "%s is not an ISO 4217 currency code",
		    sv);
	else if (t->type == ET_INT &&
	    parse_int(s, len, t->min, t->max, &n) != 0)
		row_error(im, c->name, "%s is not a whole number from %ld to "
		    "%ld", sv, t->min, t->max);
	else if (t->type == ET_ENUM && !entity_enum_has(t->values, s, len))
		row_error(im, c->name, "%s is not one of %s", sv, t->values);
}

/* A date or a month that is not one: the rule of the calendar it breaks
 * (why), or else the form it should have. */
static void
bad_date(struct importer *im, const struct entity_column *c, const char *sv,
    const char *why, const char *what, const char *form)
{
	if (why != NULL)
		row_error(im, c->name, "%s is not %s: %s", sv, what, why);
	else
		row_error(im, c->name, "%s is not %s (%s)", sv, what, form);
}

/* Parses one field of a type that does not depend on the currency.  The
 * value is quoted for a message only when there is one: this is the hot
 * path. */
#define SV show(sv, s, len)
static void
parse_field(struct importer *im, const struct entity_column *c,
    const char *s, size_t len, struct value *v)
{
	char sv[SHOW_MAX], why[DATE_WHY_MAX];
	int32_t d;

	v->kind = V_TEXT;
	v->s = s;
	v->len = len;
	switch (c->type) {
	case ET_TEXT:
		break;
	case ET_ID:
		if (len > ENTITY_ID_MAX)
			row_error(im, c->name, "%s is %zu characters, longer "
			    "than %d, the longest an id can be", SV, len,
			    ENTITY_ID_MAX);
		else if (!valid_id(s, len))
			row_error(im, c->name, "%s is not a valid id (1 to %d "
			    "characters, no blanks around it)", SV,
			    ENTITY_ID_MAX);
		break;
	case ET_DATE:
		if (date_parse(s, len, &d) != 0)
			bad_date(im, c, SV, date_why_not(s, len, why), "a date",
			    "YYYY-MM-DD");
		break;
	case ET_MONTH:
		if (date_parse_month(s, len, &d) != 0)
			bad_date(im, c, SV, date_month_why_not(s, len, why),
			    "a month", "YYYY-MM");
		break;
	case ET_INT:
		v->kind = V_INT;
		if (parse_int(s, len, c->min, c->max, &v->i) != 0)
			row_error(im, c->name, "%s is not a whole number from "
			    "%ld to %ld", SV, c->min, c->max);
		break;
	case ET_BOOL:
		v->kind = V_INT;
		if (parse_bool(s, len, &v->i) != 0)
			row_error(im, c->name, "%s is not true or false", SV);
		break;
	case ET_ENUM:
		if (!entity_enum_has(c->values, s, len))
			row_error(im, c->name, "%s is not one of %s", SV,
			    c->values);
		break;
	case ET_CURRENCY:
		if (money_currency(s, len) == NULL)
			row_error(im, c->name, "%s is not an ISO 4217 currency "
			    "code", SV);
		break;
	case ET_EMAIL:
		if (!valid_email(s, len))
			row_error(im, c->name, "%s is not an email address", SV);
		break;
	case ET_SETTING:
		parse_setting(im, c, s, len);
		break;
	case ET_SCOPE:
		if (!valid_scope(s, len))
			row_error(im, c->name, "%s is not '*', 'family:NAME' or "
			    "'sku:SKU'", SV);
		break;
	default:
		break;
	}
}

#undef SV

/* The field of entity column ci in this record, with its default. */
static int
field_of(struct importer *im, const struct csv_record *rec, size_t ci,
    const char **s, size_t *len)
{
	const struct entity_column *c = &im->e->column[ci];
	int f = im->col_of[ci];

	*s = NULL;
	*len = 0;
	if (f >= 0 && (size_t)f < rec->nfield && rec->field[f].s != NULL &&
	    (rec->field[f].len > 0 || c->type == ET_TEXT)) {
		*s = rec->field[f].s;
		*len = rec->field[f].len;
	} else if (c->dflt != NULL) {
		*s = c->dflt;
		*len = strlen(c->dflt);
	}
	return *s != NULL;
}

static void
parse_row(struct importer *im, const struct csv_record *rec, int decimals)
{
	const struct entity *e = im->e;

	for (size_t ci = 0; ci < e->ncolumn; ci++) {
		const struct entity_column *c = &e->column[ci];
		const char *s;
		size_t len;

		if (is_decimal_type(c->type) != decimals)
			continue;
		if (!field_of(im, rec, ci, &s, &len)) {
			im->val[ci].kind = V_NULL;
			if (c->flags & EC_REQUIRED)
				row_error(im, c->name, "is empty; a value is "
				    "required");
		} else if (decimals)
			parse_decimal(im, c, s, len, &im->val[ci]);
		else
			parse_field(im, c, s, len, &im->val[ci]);
	}
}

/* ---- references ---------------------------------------------------------- */

static const char *
table_for_ref(const struct entity *e)
{
	return e->parent_table != NULL ? e->parent_table : e->table;
}

/*
 * The referenced keys, read in one scan (time_to_scan()).  The import
 * vouches for its references (db_references_vouch()), so a key is known
 * only where the database would find it too: one that is not text (a
 * BLOB another program wrote) is not the key a field of text names.
 */
static void
preload_ref(struct db *db, struct ref *r)
{
	const char *key = entity_ref_key(r->to)->db;
	struct sbuf sql = { .n = 0 };
	struct db_stmt *st;
	int has_currency = entity_column_index(r->to, "currency") >= 0;

	sb_add(&sql, "SELECT %s, %s FROM %s WHERE %s = CAST(%s AS TEXT) "
	    "LIMIT %d", key, has_currency ? "currency" : "''",
	    table_for_ref(r->to), key, key, KNOWN_MAX);
	st = db_prepare(db, sql.s);
	while (db_row(st)) {
		char currency[4] = "";

		snprintf(currency, sizeof(currency), "%s",
		    db_text(st, 1));
		keyset_add(r->known, db_text(st, 0),
		    db_len(st, 0), currency);
	}
	db_finalize(st);
}

/* Whether to read all of table's keys at once from the start. */
static int
scan_plan_init(struct scan_plan *p, struct db *db, const char *table)
{
	p->table = table;
	p->asked = 0;
	p->at = (unsigned long)db_lookups_before_scan(db);
	return p->at == 0;
}

/*
 * Whether to read all of the table's keys now, at a lookup one at a time
 * more: once those reach a quarter of the rows there (counted once,
 * after the backend's first lookups).  An import of a day's payments
 * names few of the invoices of three years, which reading them all cost
 * more than its lookups (20,000 payments against 333,000 invoices: 38 %
 * of the import); a large import names most of them, and one scan costs
 * less than as many lookups.
 */
static int
time_to_scan(struct db *db, struct scan_plan *p)
{
	struct sbuf sql = { .n = 0 };
	struct db_stmt *st;

	if (p->at == 0 || ++p->asked < p->at)
		return 0;
	if (p->asked == (unsigned long)db_lookups_before_scan(db)) {
		sb_add(&sql, "SELECT count(*) FROM %s", p->table);
		st = db_prepare(db, sql.s);
		p->at = db_row(st) ? (unsigned long)db_int(st, 0) / 4 : 0;
		db_finalize(st);
		if (p->asked < p->at)
			return 0;
	}
	p->at = 0;
	return 1;
}

/* Looks a referenced key up: the last one, the keys known, the database. */
static void
lookup_ref(struct ref *r, const char *s, size_t len)
{
	struct db *db = r->db;
	const char *cur = keyset_find(r->known, s, len);

	if (cur == NULL && time_to_scan(db, &r->scan)) {
		preload_ref(db, r);
		cur = keyset_find(r->known, s, len);
	}
	r->currency[0] = '\0';
	if (cur != NULL) {
		r->last_found = 1;
		memcpy(r->currency, cur, 4);
		return;
	}
	db_bind_ref(r->find, 1, s, len);
	r->last_found = db_row(r->find);
	if (r->last_found && !db_null(r->find, 0))
		snprintf(r->currency, sizeof(r->currency), "%s",
		    db_text(r->find, 0));
	db_reset(r->find);
	if (r->last_found)
		keyset_add(r->known, s, len, r->currency);
}

static void bind_value(struct db_stmt *st, int i, const struct value *v);

/* Runs st, a note of the row for a check once every row is in, with
 * where the row came from at parameters first..first + 2: its file, the
 * file's number and the line. */
static void
note_where(struct importer *im, struct db_stmt *st, int first)
{
	db_bind_text(st, first, im->file);
	db_bind_int(st, first + 1, im->nfile);
	db_bind_int(st, first + 2, im->line);
	db_done(st);
}

static void
check_ref(struct importer *im, struct ref *r)
{
	const struct entity_column *c = &im->e->column[r->col];
	const struct value *v = &im->val[r->col];
	char sv[SHOW_MAX];

	if (v->kind != V_TEXT || v->len >= sizeof(r->last))
		return;
	if (!r->valid || strlen(r->last) != v->len ||
	    memcmp(r->last, v->s, v->len) != 0) {
		lookup_ref(r, v->s, v->len);
		copy_text(r->last, sizeof(r->last), v->s, v->len);
		r->valid = 1;
	}
	if (r->last_found)
		return;
	if (!r->self) {
		row_error(im, c->name, "%s is not in %s", show(sv, v->s,
		    v->len), c->ref);
		return;
	}
	/* a row of this table may come later in the input (an export is in
	 * the order of the keys, a plan change's new row first) */
	db_bind_text(im->self_ref, 1, c->name);
	db_bind_ref(im->self_ref, 2, v->s, v->len);
	bind_value(im->self_ref, 3, &im->val[entity_column_index(im->e,
	    entity_ref_key(im->e)->name)]);
	note_where(im, im->self_ref, 4);
}

/* The references to rows of the same table that were not in it when
 * their row was read, once every row is in: of the rows written (one
 * refused has said why). */
static void
check_self_refs(struct importer *im)
{
	for (int i = 0; i < im->nref; i++) {
		const struct ref *r = &im->ref[i];
		const char *name = im->e->column[r->col].name;
		struct sbuf sql = { .n = 0 };
		struct db_stmt *st;

		if (!r->self)
			continue;
		sb_add(&sql, "SELECT s.file, s.line, s.value FROM self_refs s "
		    "WHERE s.col = ?1 AND NOT EXISTS (SELECT 1 FROM %s t WHERE "
		    "t.%s = s.value) AND EXISTS (SELECT 1 FROM %s t WHERE "
		    "t.%s = s.row_key) ORDER BY s.nfile, s.line",
		    table_for_ref(r->to), entity_ref_key(r->to)->db,
		    table_for_ref(r->to), entity_ref_key(r->to)->db);
		st = db_prepare(im->db, sql.s);
		db_bind_text(st, 1, name);
		while (db_row(st)) {
			char sv[SHOW_MAX];

			if (!im_data_error(im, db_text(st, 0), (unsigned long)
			    db_int(st, 1), name, "%s is not in %s",
			    show(sv, db_text(st, 2), db_len(st, 2)),
			    r->to->name))
				break;
		}
		db_finalize(st);
	}
	db_finalize(im->self_ref);
	im->self_ref = NULL;
}

/* The currency of the row's money: its own column, else its account's,
 * else the base currency.  It is stored in the currency column. */
static void
resolve_currency(struct importer *im)
{
	const char *cur = im->base;
	struct value *cv = im->currency_col >= 0 ?
	    &im->val[im->currency_col] : NULL;

	if (cv != NULL && cv->kind == V_TEXT && cv->len == 3)
		cur = cv->s;
	else if (im->account_ref >= 0 && im->ref[im->account_ref].last_found &&
	    im->ref[im->account_ref].currency[0] != '\0')
		cur = im->ref[im->account_ref].currency;
	memcpy(im->row_currency, cur, 3);
	im->row_currency[3] = '\0';
	if (cv != NULL && cv->kind == V_NULL) {
		cv->kind = V_TEXT;
		cv->s = im->row_currency;
		cv->len = 3;
	}
}

static int
by_account_id(const void *key, const void *elem)
{
	const struct accounts_of *a = key;

	return strcmp(a->account, a->text + *(const size_t *)elem);
}

/* A row without an account takes that of the row its reference names
 * (a stage change, its opportunity's); one that gives it must give that
 * one (meanings[]).  A reference not found is the row's error already. */
static void
resolve_account(struct importer *im)
{
	struct accounts_of *a = &im->acc;
	const struct value *from;
	const size_t *hit;
	int found = 0;

	if (a->col < 0 || im->val[a->col].kind != V_NULL ||
	    (from = &im->val[a->from])->kind != V_TEXT ||
	    from->len > ENTITY_ID_MAX)
		return;
	copy_text(a->account, sizeof(a->account), from->s, from->len);
	hit = bsearch(a, a->at, a->n, sizeof(*a->at), by_account_id);
	if (hit != NULL) {
		const char *id = a->text + *hit;

		snprintf(a->account, sizeof(a->account), "%s",
		    id + strlen(id) + 1);
		found = 1;
	} else if (a->partial) {
		db_bind_ref(a->find, 1, from->s, from->len);
		if ((found = db_row(a->find)))
			snprintf(a->account, sizeof(a->account), "%s",
			    db_text(a->find, 0));
		db_reset(a->find);
	}
	if (found) {
		im->val[a->col].kind = V_TEXT;
		im->val[a->col].s = a->account;
		im->val[a->col].len = strlen(a->account);
	}
}

/* ---- checks across columns ---------------------------------------------- */

/* A service period that the revenue schedule could not split month by
 * month (0001-01-01..9999-12-31 would put all but a century's share in
 * its last month) is refused. */
static void
check_service_period(struct importer *im)
{
	const struct value *vs, *ve;
	int32_t s, e;

	if (im->service_col[0] < 0 || im->service_col[1] < 0)
		return;
	vs = &im->val[im->service_col[0]];
	ve = &im->val[im->service_col[1]];
	if (vs->kind != V_TEXT || ve->kind != V_TEXT ||
	    date_parse(vs->s, vs->len, &s) != 0 ||
	    date_parse(ve->s, ve->len, &e) != 0 ||
	    recognition_months(s, e) <= RECOGNITION_MONTHS_MAX)
		return;
	row_error(im, "service_end", "'%.10s' to '%.10s' runs over %ld "
	    "months: revenue is recognised over at most %d (a hundred years)",
	    vs->s, ve->s, (long)recognition_months(s, e),
	    RECOGNITION_MONTHS_MAX);
}

/*
 * A payment's amount is more than zero; a refund's, money paid back, is
 * less, and it names the payment it pays back instead of an invoice: it
 * takes back what that payment paid (ar.c).
 */
static void
check_refund_row(struct importer *im)
{
	const struct value *v, *of, *inv;
	char sv[SHOW_MAX];

	if (im->refund_col[0] < 0 || im->row_bad)
		return;	/* not after an amount that did not parse */
	v = &im->val[im->refund_col[0]];
	of = &im->val[im->refund_col[1]];
	inv = &im->val[im->refund_col[2]];
	if (v->kind != V_INT)
		return;
	if (of->kind == V_NULL && v->i < 0)
		row_error(im, im->e->column[im->refund_col[0]].name, "%s is "
		    "negative: a refund names the payment it pays back in %s",
		    show(sv, v->s, v->len), label(im, im->e->column[
		    im->refund_col[1]].name));
	else if (of->kind == V_NULL && v->i == 0)
		row_error(im, im->e->column[im->refund_col[0]].name, "%s is "
		    "not more than zero", show(sv, v->s, v->len));
	else if (of->kind != V_NULL && v->i >= 0)
		row_error(im, im->e->column[im->refund_col[0]].name, "%s is "
		    "not less than zero: a refund (%s is given) is money paid "
		    "back", show(sv, v->s, v->len), label(im, im->e->column[
		    im->refund_col[1]].name));
	else if (of->kind != V_NULL && inv->kind != V_NULL)
		row_error(im, im->e->column[im->refund_col[2]].name, "%s is "
		    "given, but a refund names no invoice: it takes back what "
		    "its payment paid", show(sv, inv->s, inv->len));
}

static void
check_row(struct importer *im)
{
	const struct entity *e = im->e;

	for (int i = 0; e->order[i].later != NULL; i++) {
		const struct entity_order *o = &e->order[i];
		const struct value *va = &im->val[im->order_col[i][0]];
		const struct value *vb = &im->val[im->order_col[i][1]];
		int cmp;

		if (va->kind != V_TEXT || vb->kind != V_TEXT ||
		    va->len != 10 || vb->len != 10)
			continue;
		cmp = memcmp(va->s, vb->s, 10);
		if (cmp < 0 || (cmp == 0 && !o->or_equal))
			row_error(im, o->later, "'%.10s' is %s %s '%.10s'",
			    va->s, o->or_equal ? "before" : "not after",
			    label(im, o->earlier), vb->s);
	}
	check_service_period(im);
	check_refund_row(im);
	for (int i = 0; e->when[i].col != NULL; i++) {
		const struct entity_when *w = &e->when[i];
		const struct value *v = &im->val[im->when_col[i][0]];
		const struct value *vo = &im->val[im->when_col[i][1]];
		int in = vo->kind == V_TEXT &&
		    entity_enum_has(w->values, vo->s, vo->len);
		char sv[SHOW_MAX], so[SHOW_MAX], values[64];

		if (in != w->required || (v->kind == V_NULL) != w->required)
			continue;
		entity_one_of(values, sizeof(values), w->values);
		if (w->required)
			row_error(im, w->col, "is empty; a value is required "
			    "when %s is %s", label(im, w->other), values);
		else
			row_error(im, w->col, "%s is given, but %s is %s: "
			    "%s is only for %s %s", show(sv, v->s, v->len),
			    label(im, w->other), vo->kind == V_TEXT ?
			    show(so, vo->s, vo->len) : "empty",
			    label(im, w->col), label(im, w->other), values);
	}
}

/* ---- writing ------------------------------------------------------------- */

enum { ROW_FAILED = -1, ROW_INSERTED, ROW_UPDATED, ROW_UNCHANGED };

static void
bind_value(struct db_stmt *st, int i, const struct value *v)
{
	if (v->kind == V_TEXT)
		db_bind_ref(st, i, v->s, v->len);
	else if (v->kind == V_INT)
		db_bind_int(st, i, v->i);
	else
		db_bind_null(st, i);
}

/* A line names its invoice by the invoice's account and id, the
 * reference of lib/SCALE-OUT that keeps both rows of one account. */
static int
in_target(const struct entity *e, const struct entity_column *c, int parent)
{
	if (e->parent_table == NULL)
		return !parent;
	if (parent)
		return (c->flags & EC_HEADER) != 0;
	return !(c->flags & EC_HEADER) || strcmp(c->name, e->parent_key) == 0 ||
	    (c->ref != NULL && strcmp(c->ref, "accounts") == 0);
}

/* A reference to a row of the same table that a lookup misses (the row
 * may be waiting in a batch, or come later) is checked once every row is
 * in (check_self_refs()), as are the checks that read the rows it names
 * (plan changes, refunds): only --rejects, which judges a row as it
 * comes, needs each written before the next is read. */
static int
batchable(const struct importer *im)
{
	return im->o->rejects == NULL;
}

/* The statement of a batch: the single-row INSERT's head, as many rows
 * as the backend takes best. */
static void
target_init_batch(struct importer *im, struct target *t, const char *one)
{
	size_t head = (size_t)(strstr(one, " VALUES ") - one);

	t->batch_head = cli_strndup(one, head);
	t->rows = db_batch_rows(im->db);
	t->nmax = BATCH_WAITING / t->rows;
	t->nmax = t->nmax < 2 ? 2 : t->nmax > BATCHES_PER_TABLE ?
	    BATCHES_PER_TABLE : t->nmax;
	t->batch = db_prepare_rows(im->db, t->batch_head, t->ncol, t->rows);
}

/*
 * How a key part is matched: a part that may be empty (prices'
 * effective_from) by IS NOT DISTINCT FROM, so that NULL matches NULL; a
 * required one, never NULL on the side the import wrote, by =, which is
 * the same then and which PostgreSQL can look up in an index (it scans
 * the table for IS NOT DISTINCT FROM: an --upsert of 5,000 accounts took
 * 13 s).
 */
static const char *
key_op(const struct entity_column *c)
{
	return c->flags & EC_REQUIRED ? "=" : "IS NOT DISTINCT FROM";
}

/* "k1 = ?N AND ...": a row's key, NULL parts included, as parameters
 * from `first` on. */
static void
sb_key_match(struct sbuf *sql, const struct importer *im,
    const struct target *t, int first)
{
	for (int i = 0; i < t->nkey; i++) {
		const struct entity_column *c = &im->e->column[t->key[i]];

		sb_add(sql, "%s%s %s ?%d", i ? " AND " : "", c->db, key_op(c),
		    first + i);
	}
}

/* "NOT EXISTS (...)": the row of `alias` is not among those seen. */
static void
sb_unseen(struct sbuf *sql, const struct importer *im, const struct target *t,
    const char *alias)
{
	sb_add(sql, "NOT EXISTS (SELECT 1 FROM seen_%s s WHERE ", t->table);
	for (int i = 0; i < t->nkey; i++) {
		const struct entity_column *c = &im->e->column[t->key[i]];

		sb_add(sql, "%ss.%s %s %s.%s", i ? " AND " : "", c->db,
		    key_op(c), alias, c->db);
	}
	sb_add(sql, ")");
}

/* The SQL type of a column's values as they are stored. */
static const char *
sql_type(const struct entity_column *c)
{
	return is_decimal_type(c->type) || c->type == ET_INT ||
	    c->type == ET_BOOL ? "BIGINT" : "TEXT";
}

/* seen_TABLE: the keys of the rows a replace wrote or found, with an
 * index, which is the connection's own as its table is. */
static void
seen_table(struct importer *im, const struct target *t)
{
	struct sbuf name = { .n = 0 }, cols = { .n = 0 }, sql = { .n = 0 };

	sb_add(&name, "seen_%s", t->table);
	for (int i = 0; i < t->nkey; i++) {
		const struct entity_column *c = &im->e->column[t->key[i]];

		sb_add(&cols, "%s%s %s", i ? ", " : "", c->db, sql_type(c));
	}
	db_temp_table(im->db, name.s, cols.s);
	sb_add(&sql, "CREATE INDEX IF NOT EXISTS %s_key ON %s (", name.s,
	    name.s);
	for (int i = 0; i < t->nkey; i++)
		sb_add(&sql, "%s%s", i ? ", " : "", im->e->column[t->key[i]].db);
	sb_add(&sql, ")");
	db_exec(im->db, sql.s);
}

/* Whether table (the contract's name) holds no row. */
static int
table_empty(struct db *db, const char *table)
{
	struct sbuf sql = { .n = 0 };
	struct db_stmt *st;
	int empty;

	sb_add(&sql, "SELECT 1 FROM %s LIMIT 1", table);
	st = db_prepare(db, sql.s);
	empty = !db_row(st);
	db_finalize(st);
	return empty;
}

/* INSERT of nrows rows into entity.open_in: (account_id, key) each. */
static struct db_stmt *
open_prepare(struct importer *im, const struct target *t, int nrows)
{
	size_t cap = 128 + (size_t)nrows * 24, n;
	char *sql = cli_calloc(1, cap);
	struct db_stmt *st;

	n = (size_t)snprintf(sql, cap, "INSERT INTO %s (account_id, %s) "
	    "VALUES ", im->e->open_in, im->e->column[t->key[0]].db);
	for (int r = 0; r < nrows; r++)
		n += (size_t)snprintf(sql + n, cap - n, "%s(?%d, ?%d)",
		    r ? ", " : "", 2 * r + 1, 2 * r + 2);
	snprintf(sql + n, cap - n, " ON CONFLICT DO NOTHING");
	st = db_prepare(im->db, sql);
	free(sql);
	return st;
}

/*
 * entity.open_in gets the account and key of each row written: after a
 * first load, of all of them at once (open_rest()), else of each as it
 * is written, a batch's in one statement.
 */
static void
open_init(struct importer *im, struct target *t, int empty)
{
	t->open_account = entity_column_index(im->e, "account_id");
	if (empty)
		t->open_all = 1;
	else
		t->open = open_prepare(im, t, 1);
}

/* Row r's parameters of an open_prepare() statement: the account and
 * the key in val. */
static void
open_bind(const struct target *t, struct db_stmt *st, int r,
    const struct value *val)
{
	bind_value(st, 2 * r + 1, &val[t->open_account]);
	bind_value(st, 2 * r + 2, &val[t->key[0]]);
}

/* A usage event written, for late usage (billing_watch). */
static void
note_changed(struct importer *im, const struct target *t,
    const struct value *val)
{
	const struct value *a = &val[im->watch_col[0]];
	const struct value *k = &val[im->watch_col[1]];
	const struct value *d = &val[im->watch_col[2]];

	if (im->watch == NULL || t != &im->table || d->kind != V_TEXT ||
	    d->len != 10)
		return;
	billing_watch_event(im->watch, a->s, a->len, k->s, k->len, d->s);
}

static void
note_open(struct target *t, const struct value *val)
{
	if (t->open == NULL)
		return;
	open_bind(t, t->open, 0, val);
	db_done(t->open);
}

/*
 * A first load's rows into entity.open_in, all at once.  The table held
 * no row before, so any row of open_in names a row gone: those go first,
 * and the insert meets no conflict to skip (PostgreSQL's ON CONFLICT
 * made 54,000 payments 0.3 s slower).
 */
static void
open_rest(struct importer *im)
{
	const struct target *t = &im->table;
	const char *key = im->e->column[t->key[0]].db;
	struct sbuf sql = { .n = 0 };

	if (!t->open_all)
		return;
	sb_add(&sql, "DELETE FROM %s", im->e->open_in);
	db_exec(im->db, sql.s);
	sql.n = 0;
	sb_add(&sql, "INSERT INTO %s (account_id, %s) SELECT account_id, %s "
	    "FROM %s", im->e->open_in, key, key, t->table);
	db_exec(im->db, sql.s);
}

static void
target_init(struct importer *im, struct target *t, const char *table,
    int parent)
{
	const struct entity *e = im->e;
	struct sbuf sql = { .n = 0 };
	int empty;

	memset(t, 0, sizeof(*t));
	t->table = table;
	t->parent = parent;
	for (size_t ci = 0; ci < e->ncolumn; ci++) {
		const struct entity_column *c = &e->column[ci];

		if (!in_target(e, c, parent))
			continue;
		t->col[t->ncol++] = (int)ci;
		if ((c->flags & EC_KEY) && t->nkey < 4)
			t->key[t->nkey++] = (int)ci;
	}
	empty = table_empty(im->db, table);
	if (t->nkey == 1 && e->column[t->key[0]].type == ET_ID)
		t->ids = db_ids_seen_new(table, e->column[t->key[0]].db, empty);
	if (!parent && e->open_in != NULL)
		open_init(im, t, empty);
	sb_add(&sql, "INSERT INTO %s (", table);
	for (int i = 0; i < t->ncol; i++)
		sb_add(&sql, "%s%s", i ? ", " : "", e->column[t->col[i]].db);
	sb_add(&sql, ") VALUES (");
	for (int i = 0; i < t->ncol; i++)
		sb_add(&sql, "%s?%d", i ? ", " : "", i + 1);
	sb_add(&sql, ")");
	t->insert = db_prepare(im->db, sql.s);
	if (im->o->mode == IMPORT_INSERT) {
		if (batchable(im))
			target_init_batch(im, t, sql.s);
		return;
	}
	sql.n = 0;
	sb_add(&sql, "SELECT 1 FROM %s WHERE ", table);
	sb_key_match(&sql, im, t, 1);
	t->find = db_prepare(im->db, sql.s);
	if (im->o->mode != IMPORT_REPLACE)
		return;
	seen_table(im, t);
	sql.n = 0;
	sb_add(&sql, "INSERT INTO seen_%s VALUES (", table);
	for (int i = 0; i < t->nkey; i++)
		sb_add(&sql, "%s?%d", i ? ", " : "", i + 1);
	sb_add(&sql, ")");
	t->remember = db_prepare(im->db, sql.s);
}

static int
is_key_of(const struct target *t, int ci)
{
	for (int i = 0; i < t->nkey; i++)
		if (t->key[i] == ci)
			return 1;
	return 0;
}

/* The update of an existing row sets the columns this file has, and only
 * when one of them differs. */
static void
target_prepare_update(struct importer *im, struct target *t)
{
	const struct entity *e = im->e;
	struct sbuf sql = { .n = 0 };

	db_finalize(t->update);
	t->update = NULL;
	t->nupdate = 0;
	if (im->o->mode == IMPORT_INSERT)
		return;
	for (int i = 0; i < t->ncol; i++)
		if (im->col_of[t->col[i]] >= 0 && !is_key_of(t, t->col[i]))
			t->upd[t->nupdate++] = t->col[i];
	if (t->nupdate == 0)
		return;
	sb_add(&sql, "UPDATE %s SET ", t->table);
	for (int i = 0; i < t->nupdate; i++)
		sb_add(&sql, "%s%s = ?%d", i ? ", " : "",
		    e->column[t->upd[i]].db, i + 1);
	sb_add(&sql, " WHERE ");
	sb_key_match(&sql, im, t, t->nupdate + 1);
	sb_add(&sql, " AND NOT (");
	for (int i = 0; i < t->nupdate; i++)
		sb_add(&sql, "%s%s IS NOT DISTINCT FROM ?%d", i ? " AND " : "",
		    e->column[t->upd[i]].db, i + 1);
	sb_add(&sql, ")");
	t->update = db_prepare(im->db, sql.s);
}

static void
target_free(struct target *t)
{
	db_finalize(t->batch);
	free(t->batch_head);
	for (int i = 0; i < t->nbatch; i++) {
		free(t->all[i]->pend);
		free(t->all[i]->line);
		free(t->all[i]->arena);
		free(t->all[i]);
	}
	db_finalize(t->insert);
	db_finalize(t->find);
	db_finalize(t->update);
	db_finalize(t->remember);
	db_finalize(t->was);
	db_finalize(t->open);
	db_finalize(t->open_rows);
	db_ids_seen_free(t->ids);
}

/* The id of the row just written, for the counters of t's ids. */
static void
note_id(struct importer *im, struct target *t)
{
	const struct value *v = &im->val[t->key[0]];

	if (t->ids != NULL && v->kind == V_TEXT)
		db_ids_seen_note(t->ids, v->s, v->len);
}

/* A key column's value as the file wrote it. */
static const char *
key_value(const struct entity_column *c, const struct value *v, char *buf,
    size_t size)
{
	if (v->kind == V_TEXT)
		show(buf, v->s, v->len);
	else if (v->kind == V_INT && (c->type == ET_QUANTITY ||
	    c->type == ET_PERCENT))
		money_format_trim(buf, v->i, MONEY_QTY_SCALE, 0, '.');
	else if (v->kind == V_INT)
		snprintf(buf, size, "%lld", (long long)v->i);
	else
		snprintf(buf, size, "(empty)");
	return buf;
}

static void
key_text(struct importer *im, const struct target *t, const struct value *val,
    char *buf, size_t size)
{
	size_t n = 0;
	char sv[SHOW_MAX + MONEY_FMT_MAX];

	buf[0] = '\0';
	for (int i = 0; i < t->nkey && n < size; i++) {
		const struct entity_column *c = &im->e->column[t->key[i]];

		n += (size_t)snprintf(buf + n, size - n, "%s%s %s",
		    i ? ", " : "", label(im, c->name), key_value(c, &val[t->key[i]], sv,
		    sizeof(sv)));
	}
}

/*
 * Whether a key was in the database before this import: looked up on a
 * second connection, which sees the database as the import found it.  It
 * is opened at the first duplicate, by the one thread that writes rows.
 * A database that has none (one in memory: a dry run of a file not made
 * yet) held nothing before the import.
 */
static int
was_there(struct importer *im, struct target *t, const struct value *val)
{
	struct sbuf sql = { .n = 0 };
	int found;

	if (im->before == NULL && !im->before_tried) {
		im->before = db_open_snapshot(im->db);
		im->before_tried = 1;
	}
	if (im->before == NULL)
		return 0;
	if (t->was == NULL) {
		sb_add(&sql, "SELECT 1 FROM %s WHERE ", t->table);
		sb_key_match(&sql, im, t, 1);
		t->was = db_prepare(im->before, sql.s);
	}
	for (int i = 0; i < t->nkey; i++)
		bind_value(t->was, i + 1, &val[t->key[i]]);
	found = db_row(t->was);
	db_reset(t->was);
	return found;
}

/*
 * A key that is there already: in the database, or earlier in this
 * import.  Words it in msg; returns the column to name, for a key of one
 * column (a key of several names its columns in msg).
 */
static const char *
duplicate(struct importer *im, struct target *t, const struct value *val,
    char *msg, size_t size)
{
	const struct entity_column *c = &im->e->column[t->key[0]];
	char key[512];
	const char *where;

	if (t->nkey == 1)
		key_value(c, &val[t->key[0]], key, sizeof(key));
	else
		key_text(im, t, val, key, sizeof(key));
	if (was_there(im, t, val))
		where = "is already in the database (--upsert updates it)";
	else if (im->nfile > 0)
		where = "is already earlier in this import, in this file or "
		    "one before it";
	else if (t->parent)
		where = "is already on an earlier line of the file: the lines "
		    "of an invoice must follow each other";
	else
		where = "is already on an earlier line of the file";
	snprintf(msg, size, "%s %s", key, where);
	return t->nkey == 1 ? c->name : NULL;
}

/*
 * The writer keeps what it was refused, to be reported when every row
 * read so far is written.  The reading side is stopped once they are
 * as many as the errors still to be reported (--max-errors): the rows
 * read until then are all written, so the first errors by line are the
 * same however far it had read.
 */
static void
refusal_keep(struct importer *im, const struct target *t,
    unsigned long line, const char *column, const char *msg)
{
	struct refusal *r;

	im->refused = cli_grow(im->refused, &im->caprefused, im->nrefused + 1,
	    sizeof(*im->refused));
	r = &im->refused[im->nrefused++];
	r->line = line;
	r->child = t == &im->table && im->parent.table != NULL;
	r->column = column;
	r->msg = cli_strdup(msg);
	if (im->nrefused >= cli_data_errors_left())
		im->stop = 1;
}

static int
refusal_order(const void *a, const void *b)
{
	const struct refusal *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->child - y->child;
}

/* Reports what the writer kept, by line; the writer is idle. */
static void
refusals_report(struct importer *im)
{
	if (im->nrefused == 0)
		return;		/* qsort() takes no NULL, even of none */
	qsort(im->refused, im->nrefused, sizeof(*im->refused), refusal_order);
	for (size_t i = 0; i < im->nrefused; i++) {
		struct refusal *r = &im->refused[i];

		if (!im_data_error(im, im->file, r->line, r->column, "%s",
		    r->msg))
			im->stop = 1;
		free(r->msg);
	}
	im->nrefused = 0;
}

/* Reports a failed statement of a row; anything but a constraint is
 * fatal. */
static int
step_failed(struct importer *im, struct target *t, enum db_result rc,
    const struct value *val, unsigned long line)
{
	char key[512], msg[1024];
	const char *column = NULL;

	if (rc == DB_DUPLICATE)
		column = duplicate(im, t, val, msg, sizeof(msg));
	else {
		key_text(im, t, val, key, sizeof(key));
		snprintf(msg, sizeof(msg), "%s: the database refused the row: "
		    "%s", key, db_error(im->db));
	}
	if (val == im->val)
		row_error(im, column, "%s", msg);
	else
		refusal_keep(im, t, line, column, msg);
	return ROW_FAILED;
}

static void
remember(struct importer *im, struct target *t)
{
	if (t->remember == NULL)
		return;
	for (int i = 0; i < t->nkey; i++)
		bind_value(t->remember, i + 1, &im->val[t->key[i]]);
	db_done(t->remember);
}

static int
target_insert(struct importer *im, struct target *t, const struct value *val,
    unsigned long line)
{
	enum db_result rc;

	for (int i = 0; i < t->ncol; i++)
		bind_value(t->insert, i + 1, &val[t->col[i]]);
	if ((rc = db_try(t->insert)) != DB_OK)
		return step_failed(im, t, rc, val, line);
	t->inserted++;
	remember(im, t);
	note_open(t, val);
	note_changed(im, t, val);
	return ROW_INSERTED;
}

/* A free batch of t to fill: one written, or a new one, or wait. */
static struct batch *
batch_take(struct importer *im, struct target *t)
{
	struct writer *w = &im->writer;
	struct batch *b;

	pthread_mutex_lock(&w->mu);
	while (t->free == NULL && t->nbatch == t->nmax) {
		w->waiting = 1;
		w->want = t;
		pthread_cond_wait(&w->done, &w->mu);
	}
	if ((b = t->free) != NULL) {
		t->free = b->next;
		t->nfree--;
	}
	pthread_mutex_unlock(&w->mu);
	if (b == NULL) {
		b = cli_calloc(1, sizeof(*b));
		b->pend = cli_calloc((size_t)t->rows * t->ncol,
		    sizeof(*b->pend));
		b->line = cli_calloc((size_t)t->rows, sizeof(*b->line));
		b->t = t;
		t->all[t->nbatch++] = b;
	}
	b->n = 0;
	b->narena = 0;
	return b;
}

static void
batch_add(struct importer *im, struct batch *b)
{
	const struct target *t = b->t;
	struct pending *row = &b->pend[(size_t)b->n * t->ncol];

	for (int i = 0; i < t->ncol; i++) {
		const struct value *v = &im->val[t->col[i]];

		row[i].kind = v->kind;
		row[i].i = v->i;
		row[i].len = v->len;
		if (v->kind != V_TEXT)
			continue;
		b->arena = cli_grow(b->arena, &b->caparena, b->narena + v->len,
		    1);
		memcpy(b->arena + b->narena, v->s, v->len);
		row[i].off = b->narena;
		b->narena += v->len;
	}
	b->line[b->n++] = im->line;
}

/* Row r of a batch as values of the entity's columns, in val. */
static void
batch_row(const struct batch *b, int r, struct value *val)
{
	const struct target *t = b->t;
	const struct pending *row = &b->pend[(size_t)r * t->ncol];

	for (int i = 0; i < t->ncol; i++) {
		struct value *v = &val[t->col[i]];

		v->kind = row[i].kind;
		v->i = row[i].i;
		v->len = row[i].len;
		v->s = row[i].kind == V_TEXT ? b->arena + row[i].off : NULL;
	}
}

/* The rows of a clean batch into entity.open_in, in one statement. */
static void
note_open_batch(struct importer *im, struct target *t, const struct batch *b)
{
	struct value val[MAXCOL];
	struct db_stmt *st;

	if (t->open == NULL)
		return;
	if (b->n == t->rows && t->open_rows == NULL)
		t->open_rows = open_prepare(im, t, t->rows);
	st = b->n == t->rows ? t->open_rows : open_prepare(im, t, b->n);
	for (int r = 0; r < b->n; r++) {
		batch_row(b, r, val);
		open_bind(t, st, r, val);
	}
	db_done(st);
	if (st != t->open_rows)
		db_finalize(st);
}

/* A clean batch's usage events, for late usage. */
static void
note_changed_batch(struct importer *im, struct target *t,
    const struct batch *b)
{
	struct value val[MAXCOL];

	if (im->watch == NULL)
		return;
	for (int r = 0; r < b->n; r++) {
		batch_row(b, r, val);
		note_changed(im, t, val);
	}
}

/* Writes a batch: whole when clean (the last, part-filled one by a
 * statement of its own size), else row by row. */
static void
batch_write(struct importer *im, struct batch *b)
{
	struct target *t = b->t;
	struct value val[MAXCOL];
	enum db_result rc = DB_REFUSED;
	struct db_stmt *st = b->n == t->rows ? t->batch : b->n > 1 ?
	    db_prepare_rows(im->db, t->batch_head, t->ncol, b->n) : NULL;

	if (st != NULL) {
		for (int k = 0; k < b->n * t->ncol; k++) {
			const struct pending *v = &b->pend[k];

			if (v->kind == V_TEXT)
				db_bind_ref(st, k + 1, b->arena + v->off,
				    v->len);
			else if (v->kind == V_INT)
				db_bind_int(st, k + 1, v->i);
			else
				db_bind_null(st, k + 1);
		}
		rc = db_try(st);
		if (st != t->batch)
			db_finalize(st);
	}
	if (rc == DB_OK) {
		t->inserted += b->n;
		note_open_batch(im, t, b);
		note_changed_batch(im, t, b);
		return;
	}
	for (int r = 0; r < b->n; r++) {
		batch_row(b, r, val);
		target_insert(im, t, val, b->line[r]);
	}
}

static void
batch_done(struct writer *w, struct batch *b)
{
	struct target *t = b->t;

	b->next = t->free;
	t->free = b;
	t->nfree++;
	if (w->waiting && ((w->want == t && 2 * t->nfree >= t->nmax) ||
	    (w->head == NULL && !w->busy))) {
		w->waiting = 0;
		pthread_cond_broadcast(&w->done);
	}
}

static void *
writer_main(void *arg)
{
	struct importer *im = arg;
	struct writer *w = &im->writer;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct batch *b;

		while (w->head == NULL && !w->quit) {
			w->idle = 1;
			pthread_cond_wait(&w->work, &w->mu);
		}
		w->idle = 0;
		if ((b = w->head) == NULL)
			break;
		if ((w->head = b->next) == NULL)
			w->tail = NULL;
		w->busy = 1;
		pthread_mutex_unlock(&w->mu);
		db_hold(im->db);
		batch_write(im, b);
		db_release(im->db);
		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		batch_done(w, b);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The writer thread runs only where the connection may be shared. */
static void
writer_start(struct importer *im)
{
	struct writer *w = &im->writer;

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	w->threaded = im->table.batch != NULL &&
	    db_shared(im->db) &&
	    pthread_create(&w->thread, NULL, writer_main, im) == 0;
}

static void
writer_submit(struct importer *im, struct batch *b)
{
	struct writer *w = &im->writer;

	if (!w->threaded) {
		batch_write(im, b);
		pthread_mutex_lock(&w->mu);
		batch_done(w, b);
		pthread_mutex_unlock(&w->mu);
		return;
	}
	b->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail != NULL)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	if (w->idle)
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
}

/* Waits until every batch submitted is written. */
static void
writer_drain(struct importer *im)
{
	struct writer *w = &im->writer;

	pthread_mutex_lock(&w->mu);
	while (w->head != NULL || w->busy) {
		w->waiting = 1;
		w->want = NULL;
		pthread_cond_wait(&w->done, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
}

static void
writer_stop(struct importer *im)
{
	struct writer *w = &im->writer;

	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
}

/* Sends what waits in a table's batch to be written. */
static void
target_send(struct importer *im, struct target *t)
{
	if (t->fill != NULL && t->fill->n > 0) {
		writer_submit(im, t->fill);
		t->fill = NULL;
	}
}

/* Writes every row that waits, the invoices' before their lines, and
 * reports what the database refused of them. */
static void
write_waiting(struct importer *im)
{
	target_send(im, &im->parent);
	target_send(im, &im->table);
	writer_drain(im);
	refusals_report(im);
}

static int
target_write(struct importer *im, struct target *t)
{
	enum db_result rc;
	int found, changed;

	if (t->batch != NULL) {
		if (t->fill == NULL)
			t->fill = batch_take(im, t);
		batch_add(im, t->fill);
		if (t->fill->n == t->rows) {
			writer_submit(im, t->fill);
			t->fill = NULL;
		}
		return ROW_INSERTED;
	}
	if (t->find == NULL)
		return target_insert(im, t, im->val, im->line);
	for (int i = 0; i < t->nkey; i++)
		bind_value(t->find, i + 1, &im->val[t->key[i]]);
	found = db_row(t->find);
	db_reset(t->find);
	if (!found)
		return target_insert(im, t, im->val, im->line);
	remember(im, t);
	if (t->update == NULL)
		return ROW_UNCHANGED;
	/* the month it leaves is changed too */
	if (im->watch != NULL && t == &im->table)
		billing_watch_hold(im->watch, im->val[t->key[0]].s,
		    im->val[t->key[0]].len);
	for (int i = 0; i < t->nupdate; i++)
		bind_value(t->update, i + 1, &im->val[t->upd[i]]);
	for (int i = 0; i < t->nkey; i++)
		bind_value(t->update, t->nupdate + 1 + i, &im->val[t->key[i]]);
	if ((rc = db_try(t->update)) != DB_OK) {
		billing_watch_release(im->watch, 0);
		return step_failed(im, t, rc, im->val, im->line);
	}
	changed = db_changes(t->update) > 0;
	t->updated += changed;
	billing_watch_release(im->watch, changed);
	if (changed) {
		note_open(t, im->val);
		note_changed(im, t, im->val);
	}
	return changed ? ROW_UPDATED : ROW_UNCHANGED;
}

static int
same_value(const struct value *v, const char *copy, int null)
{
	if (v->kind == V_NULL)
		return null;
	return !null && strlen(copy) == v->len && memcmp(copy, v->s, v->len) == 0;
}

/* The lines of one invoice must agree on its header columns. */
static int
check_parent_same(struct importer *im)
{
	const struct target *t = &im->parent;
	int bad = 0;

	for (int i = 0; i < t->ncol; i++) {
		const struct value *v = &im->val[t->col[i]];
		char sv[SHOW_MAX];

		if (same_value(v, im->parent_copy[i], im->parent_null[i]))
			continue;
		row_error(im, im->e->column[t->col[i]].name, "%s differs from "
		    "'%s' on line %lu of the same invoice",
		    v->kind == V_NULL ? "(empty)" : show(sv, v->s, v->len),
		    im->parent_copy[i], im->parent_line);
		bad = 1;
	}
	return bad ? ROW_FAILED : ROW_UNCHANGED;
}

static int
write_parent(struct importer *im)
{
	const struct value *id = &im->val[im->parent.key[0]];
	struct target *t = &im->parent;
	int rc;

	if (id->len < sizeof(im->last_parent) &&
	    strlen(im->last_parent) == id->len &&
	    memcmp(im->last_parent, id->s, id->len) == 0)
		return check_parent_same(im);
	if ((rc = target_write(im, t)) == ROW_FAILED)
		return rc;
	note_id(im, t);
	for (int i = 0; i < t->ncol; i++) {
		const struct value *v = &im->val[t->col[i]];

		im->parent_null[i] = v->kind == V_NULL;
		copy_text(im->parent_copy[i], sizeof(im->parent_copy[i]), v->s,
		    v->kind == V_TEXT ? v->len : 0);
	}
	copy_text(im->last_parent, sizeof(im->last_parent), id->s, id->len);
	im->parent_line = im->line;
	im->last_line_no = 0;
	im->invoice_size = 0;
	return rc;
}

/* The most an invoice can hold in its currency, for a message. */
static const char *
invoice_max(char *buf, const char *currency)
{
	const struct currency *cur = money_currency(currency, strlen(currency));

	money_format(buf, INT64_MAX, cur != NULL ? cur->exponent : 0, '.');
	return buf;
}

/*
 * An invoice whose lines and taxes cannot be added up in 64 bits is
 * refused at the line that takes it past them, as every report would
 * otherwise fail on it (money_add_magnitude() says why magnitudes).
 * The lines in the file are counted here; check_invoice_sizes() counts
 * those an --upsert or --replace keeps from the database.
 */
static int
invoice_too_large(struct importer *im)
{
	int64_t size = im->invoice_size;

	for (int i = 0; i < 2; i++) {
		const struct value *v = &im->val[im->size_col[i]];
		const struct currency *cur;
		char max[MONEY_FMT_MAX], sv[MONEY_FMT_MAX];

		if (v->kind != V_INT ||
		    money_add_magnitude(&size, v->i) == MONEY_OK)
			continue;
		cur = money_currency(im->row_currency, 3);
		money_format(sv, v->i, cur != NULL ? cur->exponent : 0, '.');
		row_error(im, im->e->column[im->size_col[i]].name, "'%s' takes invoice '%s' past %s %s, "
		    "the most an invoice's lines and tax can add up to", sv,
		    im->last_parent, invoice_max(max, im->row_currency),
		    im->row_currency);
		return 1;
	}
	im->invoice_size = size;
	return 0;
}

static void remember_tier(struct importer *im);
static void remember_replace(struct importer *im);
static void remember_pause(struct importer *im);
static void remember_refund(struct importer *im);

static void
write_row(struct importer *im)
{
	int prc = ROW_UNCHANGED, rc;
	int line_no = im->line_no_col;

	if (im->e->parent_table != NULL &&
	    ((prc = write_parent(im)) == ROW_FAILED || invoice_too_large(im)))
		return;
	if (line_no >= 0) {
		struct value *v = &im->val[line_no];

		if (v->kind == V_NULL) {
			v->kind = V_INT;
			v->i = im->last_line_no + 1;
		}
		im->last_line_no = v->i;
	}
	if ((rc = target_write(im, &im->table)) == ROW_FAILED)
		return;
	note_id(im, &im->table);
	remember_tier(im);
	remember_replace(im);
	remember_pause(im);
	remember_refund(im);
	if (rc == ROW_INSERTED)
		im->f_inserted++;
	else if (rc == ROW_UPDATED || prc == ROW_UPDATED)
		im->f_updated++;
	else
		im->f_unchanged++;
}

/* ---- meaning ----------------------------------------------------------- */

/*
 * Checks of what a row means, beyond its form and its references: each
 * is a query that finds the rows of other tables the row contradicts
 * (?1 the value of `column`, ?2 that of `other`), and returns what its
 * message names.  What other rows must fit (a product's kind, an
 * invoice's or a payment's account) is checked only where they may
 * already be there, i.e. when the row can be an update.  The rows a check
 * reads are in tables the import does not write, so a row can be judged,
 * and rejected, as it comes.  For the same reason the values that fit
 * (`fits`: the column's, with the other's, that the query finds nothing
 * against) can be read in one scan up front, as the references are: a row
 * whose values are among them costs no query, which on a server is a
 * round trip a row.
 */
struct meaning {
	const char *entity, *column, *other;
	int updates_only;
	const char *sql;
	const char *fmt;	/* the value, then the query's columns */
	const char *fits;	/* NULL: the query asked every row */
	const char *fits_from;	/* the table fits reads */
};

static const struct meaning meanings[] = {
	{ "usage", "sku", NULL, 0,
	    "SELECT kind, '' FROM products WHERE sku = ?1 AND kind != 'usage'",
	    "%s is a product of kind %s: usage is billed only for products "
	    "of kind usage",
	    "SELECT sku, '' FROM products WHERE kind = 'usage' AND "
	    "sku = CAST(sku AS TEXT)", "products" },
	{ "subscriptions", "sku", NULL, 0,
	    "SELECT kind, '' FROM products WHERE sku = ?1 AND "
	    "kind != 'recurring'",
	    "%s is a product of kind %s: only a recurring product can be "
	    "subscribed to",
	    "SELECT sku, '' FROM products WHERE kind = 'recurring' AND "
	    "sku = CAST(sku AS TEXT)", "products" },
	{ "payments", "invoice_id", "account_id", 0,
	    "SELECT account_id, ?2 FROM invoices WHERE invoice_id = ?1 AND "
	    "account_id != ?2",
	    "%s is an invoice of account '%s', not of the payment's account "
	    "'%s'",
	    "SELECT invoice_id, account_id FROM invoices WHERE "
	    "invoice_id = CAST(invoice_id AS TEXT) AND "
	    "account_id = CAST(account_id AS TEXT)", "invoices" },
	{ "stage_history", "opportunity_id", "account_id", 0,
	    "SELECT account_id, ?2 FROM opportunities WHERE "
	    "opportunity_id = ?1 AND account_id != ?2",
	    "%s is an opportunity of account '%s', not of the row's account "
	    "'%s'",
	    "SELECT opportunity_id, account_id FROM opportunities WHERE "
	    "opportunity_id = CAST(opportunity_id AS TEXT) AND "
	    "account_id = CAST(account_id AS TEXT)", "opportunities" },
	{ "pauses", "subscription_id", "account_id", 0,
	    "SELECT account_id, ?2 FROM subscriptions WHERE "
	    "subscription_id = ?1 AND account_id != ?2",
	    "%s is a subscription of account '%s', not of the row's account "
	    "'%s'",
	    "SELECT subscription_id, account_id FROM subscriptions WHERE "
	    "subscription_id = CAST(subscription_id AS TEXT) AND "
	    "account_id = CAST(account_id AS TEXT)", "subscriptions" },
	/* A contract of one account: the subscriptions and the renewals
	 * that name it are of that account too (the references of
	 * (account_id, contract_id) that lib/SCALE-OUT section 2 makes). */
	{ "subscriptions", "contract_id", "account_id", 0,
	    "SELECT account_id, ?2 FROM contracts WHERE contract_id = ?1 AND "
	    "account_id != ?2",
	    "%s is a contract of account '%s', not of the subscription's "
	    "account '%s'",
	    "SELECT contract_id, account_id FROM contracts WHERE "
	    "contract_id = CAST(contract_id AS TEXT) AND "
	    "account_id = CAST(account_id AS TEXT)", "contracts" },
	{ "contracts", "renewal_of", "account_id", 0,
	    "SELECT account_id, ?2 FROM contracts WHERE contract_id = ?1 AND "
	    "account_id != ?2",
	    "%s is a contract of account '%s', not of the renewal's account "
	    "'%s'",
	    "SELECT contract_id, account_id FROM contracts WHERE "
	    "contract_id = CAST(contract_id AS TEXT) AND "
	    "account_id = CAST(account_id AS TEXT)", "contracts" },
	{ "subscriptions", "replaces", "account_id", 0,
	    "SELECT account_id, ?2 FROM subscriptions WHERE "
	    "subscription_id = ?1 AND account_id != ?2",
	    "%s is a subscription of account '%s', not of the account '%s' "
	    "of the one that replaces it",
	    "SELECT subscription_id, account_id FROM subscriptions WHERE "
	    "subscription_id = CAST(subscription_id AS TEXT) AND "
	    "account_id = CAST(account_id AS TEXT)", "subscriptions" },
	{ "subscriptions", "replaces", "subscription_id", 0,
	    "SELECT ?1, '' WHERE ?1 = ?2",
	    "%s is this subscription: a plan change replaces another", NULL,
	    NULL },
	/* The rows that would refer to an updated row are looked for only
	 * when the update changes what they depend on: a scan of usage or
	 * payments, which have no index by product or invoice, then. */
	{ "payments", "account_id", "payment_id", 1,
	    "SELECT i.invoice_id, i.account_id FROM payments p "
	    "CROSS JOIN payment_applications a CROSS JOIN invoices i "
	    "WHERE p.payment_id = ?2 AND p.account_id != ?1 AND "
	    "a.payment_id = p.payment_id AND i.invoice_id = a.invoice_id AND "
	    "i.account_id != ?1 LIMIT 1",
	    "%s, but the payment pays invoice '%s' of account '%s'",
	    NULL, NULL },
	{ "products", "kind", "sku", 1,
	    "SELECT 'usage event', u.event_id FROM products p CROSS JOIN usage u "
	    "WHERE p.sku = ?2 AND p.kind = 'usage' AND ?1 != 'usage' AND "
	    "u.sku = ?2 UNION ALL SELECT 'subscription', s.subscription_id "
	    "FROM products p CROSS JOIN subscriptions s WHERE p.sku = ?2 AND "
	    "p.kind != ?1 AND ?1 != 'recurring' AND s.sku = ?2 LIMIT 1",
	    "%s does not fit %s '%s' of this product (usage events are of "
	    "usage products, subscriptions of recurring ones)",
	    NULL, NULL },
	{ "invoices", "account_id", "invoice_id", 1,
	    "SELECT p.payment_id, p.account_id FROM invoices i CROSS JOIN "
	    "payments p WHERE i.invoice_id = ?2 AND i.account_id != ?1 AND "
	    "p.account_id != ?1 AND (p.invoice_id = ?2 OR p.payment_id IN "
	    "(SELECT payment_id FROM payment_applications WHERE "
	    "invoice_id = ?2)) LIMIT 1",
	    "%s, but payment '%s' of account '%s' names or pays this invoice",
	    NULL, NULL },
	{ "contracts", "account_id", "contract_id", 1,
	    "SELECT 'subscription', s.subscription_id FROM contracts k "
	    "CROSS JOIN subscriptions s WHERE k.contract_id = ?2 AND "
	    "k.account_id != ?1 AND s.contract_id = ?2 AND s.account_id != ?1 "
	    "UNION ALL SELECT 'contract', r.contract_id FROM contracts k "
	    "CROSS JOIN contracts r WHERE k.contract_id = ?2 AND "
	    "k.account_id != ?1 AND r.renewal_of = ?2 AND r.account_id != ?1 "
	    "LIMIT 1",
	    "%s, but %s '%s' of another account names this contract",
	    NULL, NULL },
};

/* The key of a check's values in its set of those that fit: the value,
 * then, for a check of two, a NUL and the other (an id holds no NUL);
 * its length, or 0 when either is too long to be an id. */
static size_t
fits_key(char *buf, const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen > ENTITY_ID_MAX || blen > ENTITY_ID_MAX)
		return 0;
	memcpy(buf, a, alen);
	if (b == NULL)
		return alen;
	buf[alen] = '\0';
	memcpy(buf + alen + 1, b, blen);
	return alen + 1 + blen;
}

/* The values that fit check i, read at once (struct meaning). */
static void
preload_fits(struct importer *im, int i)
{
	const struct meaning *m = im->meaning_of[i];
	struct sbuf sql = { .n = 0 };
	struct db_stmt *st;
	char key[2 * ENTITY_ID_MAX + 2];
	size_t n;

	sb_add(&sql, "%s LIMIT %d", m->fits, KNOWN_MAX);
	st = db_prepare(im->db, sql.s);
	while (db_row(st))
		if ((n = fits_key(key, db_text(st, 0), db_len(st, 0),
		    m->other != NULL ? db_text(st, 1) : NULL,
		    db_len(st, 1))) > 0)
			keyset_add(im->meaning_fits[i], key, n, "");
	db_finalize(st);
}

/* Whether the row's values are among those that fit check i. */
static int
fits(const struct importer *im, int i)
{
	const struct value *v = &im->val[im->meaning_col[i][0]];
	const struct value *o = im->meaning_col[i][1] >= 0 ?
	    &im->val[im->meaning_col[i][1]] : NULL;
	char key[2 * ENTITY_ID_MAX + 2];
	size_t n;

	if (im->meaning_fits[i] == NULL || (o != NULL && o->kind != V_TEXT))
		return 0;
	n = fits_key(key, v->s, v->len, o != NULL ? o->s : NULL,
	    o != NULL ? o->len : 0);
	return n > 0 && keyset_find(im->meaning_fits[i], key, n) != NULL;
}

static void
meaning_init(struct importer *im)
{
	for (size_t i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++) {
		const struct meaning *m = &meanings[i];

		if (strcmp(m->entity, im->e->name) != 0 ||
		    (m->updates_only && im->o->mode == IMPORT_INSERT))
			continue;
		if (im->nmeaning == MEANING_MAX)
			cli_die(CLI_EIO, "internal error: too many checks of %s",
			    m->entity);
		im->meaning_of[im->nmeaning] = m;
		im->meaning_col[im->nmeaning][0] = entity_column_index(im->e,
		    m->column);
		im->meaning_col[im->nmeaning][1] = m->other != NULL ?
		    entity_column_index(im->e, m->other) : -1;
		im->meaning[im->nmeaning] = db_prepare(im->db, m->sql);
		if (m->fits != NULL) {
			im->meaning_fits[im->nmeaning] = keyset_new(KNOWN_MAX);
			if (scan_plan_init(&im->fits_scan[im->nmeaning], im->db,
			    m->fits_from))
				preload_fits(im, im->nmeaning);
		}
		im->nmeaning++;
	}
	if (strcmp(im->e->name, "prices") == 0) {
		db_temp_table(im->db, "tier_lines", "sku TEXT, currency TEXT, "
		    "tier_min_micro BIGINT, effective_from TEXT, file TEXT, "
		    "nfile BIGINT, line BIGINT");
		im->tier_line = db_prepare(im->db, "INSERT INTO tier_lines "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	}
	if (strcmp(im->e->name, "subscriptions") == 0) {
		db_temp_table(im->db, "replace_lines", "subscription_id TEXT, "
		    "file TEXT, nfile BIGINT, line BIGINT");
		im->replace_line = db_prepare(im->db, "INSERT INTO "
		    "replace_lines VALUES (?1, ?2, ?3, ?4)");
	}
	if (strcmp(im->e->name, "pauses") == 0) {
		db_temp_table(im->db, "pause_lines", "subscription_id TEXT, "
		    "start_date TEXT, file TEXT, nfile BIGINT, line BIGINT");
		im->pause_line = db_prepare(im->db, "INSERT INTO "
		    "pause_lines VALUES (?1, ?2, ?3, ?4, ?5)");
	}
	if (im->refund_col[0] >= 0) {
		db_temp_table(im->db, "refund_lines", "payment_id TEXT, "
		    "file TEXT, nfile BIGINT, line BIGINT");
		im->refund_line = db_prepare(im->db, "INSERT INTO "
		    "refund_lines VALUES (?1, ?2, ?3, ?4)");
	}
}

static void
meaning_free(struct importer *im)
{
	for (int i = 0; i < im->nmeaning; i++) {
		db_finalize(im->meaning[i]);
		keyset_free(im->meaning_fits[i]);
	}
	db_finalize(im->tier_line);
	db_finalize(im->replace_line);
	db_finalize(im->pause_line);
	db_finalize(im->refund_line);
}

static void
check_meaning(struct importer *im)
{
	for (int i = 0; i < im->nmeaning; i++) {
		const struct meaning *m = im->meaning_of[i];
		struct db_stmt *st = im->meaning[i];
		const struct value *v = &im->val[im->meaning_col[i][0]];
		char sv[SHOW_MAX];

		if (v->kind != V_TEXT || fits(im, i))
			continue;
		if (m->fits != NULL && time_to_scan(im->db,
		    &im->fits_scan[i])) {
			preload_fits(im, i);
			if (fits(im, i))
				continue;
		}
		bind_value(st, 1, v);
		if (im->meaning_col[i][1] >= 0)
			bind_value(st, 2, &im->val[im->meaning_col[i][1]]);
		if (db_row(st))
			row_error(im, m->column, m->fmt, show(sv, v->s, v->len),
			    db_text(st, 0), db_text(st, 1));
		db_reset(st);
	}
}

/* A subscription that replaces another, and where it came from, for
 * check_replaces(). */
static void
remember_replace(struct importer *im)
{
	struct db_stmt *st = im->replace_line;

	if (st == NULL ||
	    im->val[entity_column_index(im->e, "replaces")].kind != V_TEXT)
		return;
	bind_value(st, 1, &im->val[entity_column_index(im->e,
	    "subscription_id")]);
	note_where(im, st, 2);
}

/*
 * A plan change ends the subscription it replaces on the day it starts
 * (DESIGN.md section 3, subscriptions.replaces), which began before it:
 * checked once every row is in, against the table as the import leaves
 * it, as the two rows may come in either order, or an update may move
 * one.  The order of the starts also keeps a chain of changes from
 * going round in a circle.
 */
static void
check_replaces(struct importer *im)
{
	struct db_stmt *st;

	if (im->replace_line == NULL)
		return;
	/* every plan change of the table (they are few: an index holds
	 * them), as an update of the one replaced may break it too; told
	 * on the line of the one that replaces when it is in the input */
	st = db_prepare(im->db, "SELECT l.file, l.line, o.subscription_id, "
	    "o.start_date, o.end_date, n.start_date, n.subscription_id "
	    "FROM subscriptions n JOIN subscriptions o "
	    "ON o.account_id = n.account_id AND o.subscription_id = n.replaces "
	    "LEFT JOIN replace_lines l ON l.subscription_id = n.subscription_id "
	    "WHERE n.replaces IS NOT NULL AND NOT (o.start_date < n.start_date "
	    "AND o.end_date IS NOT NULL AND o.end_date = n.start_date) "
	    "ORDER BY l.nfile, l.line, n.subscription_id");
	while (db_row(st)) {
		int open = db_null(st, 4), here = !db_null(st, 1);
		char what[ENTITY_ID_MAX + 32];

		snprintf(what, sizeof(what), here ? "this subscription" :
		    "'%s', which replaces it,", db_text(st, 6));
		if (!im_data_error(im, here ? db_text(st, 0) : im->file, here ?
		    (unsigned long)db_int(st, 1) : 0, here ? "replaces" : NULL,
		    "'%s' runs from %s %s%s, not to %s, the day %s starts: a "
		    "plan change ends the subscription it replaces on that day, "
		    "after it began", db_text(st, 2), db_text(st, 3), open ?
		    "with no end" : "to ", open ? "" : db_text(st, 4),
		    db_text(st, 5), what))
			break;
	}
	db_finalize(st);
}

/* A pause and where it came from, for check_pauses(). */
static void
remember_pause(struct importer *im)
{
	struct db_stmt *st = im->pause_line;

	if (st == NULL)
		return;
	bind_value(st, 1, &im->val[entity_column_index(im->e,
	    "subscription_id")]);
	bind_value(st, 2, &im->val[entity_column_index(im->e, "start_date")]);
	note_where(im, st, 3);
}

/*
 * A pause lies within its subscription's days, and two pauses of one
 * subscription do not overlap (a day is paused or not): checked once
 * every row is in, against the table as the import leaves it, for the
 * pauses of the input; a conflict is told on the later pause's line, or
 * on the earlier's when the later one was there before.
 */
static void
check_pauses(struct importer *im)
{
	struct db_stmt *st;

	if (im->pause_line == NULL)
		return;
	st = db_prepare(im->db, "SELECT l.file, l.line, p.start_date, "
	    "s.start_date, s.end_date FROM pause_lines l "
	    "JOIN pauses p ON p.subscription_id = l.subscription_id "
	    "AND p.start_date = l.start_date "
	    "JOIN subscriptions s ON s.account_id = p.account_id "
	    "AND s.subscription_id = p.subscription_id "
	    "WHERE p.start_date < s.start_date OR p.start_date >= s.end_date "
	    "ORDER BY l.nfile, l.line");
	while (db_row(st))
		if (!im_data_error(im, db_text(st, 0), (unsigned long)
		    db_int(st, 1), "start_date", "'%s' is not a day of the "
		    "subscription, "
		    "which runs from %s %s%s", db_text(st, 2), db_text(st, 3),
		    db_null(st, 4) ? "with no end" : "to ", db_null(st, 4) ?
		    "" : db_text(st, 4)))
			break;
	db_finalize(st);
	if (cli_data_errors() > 0)
		return;
	st = db_prepare(im->db, "SELECT coalesce(lb.file, la.file), "
	    "coalesce(lb.line, la.line), b.start_date, a.start_date, "
	    "a.end_date, b.subscription_id FROM pauses a JOIN pauses b "
	    "ON b.account_id = a.account_id "
	    "AND b.subscription_id = a.subscription_id "
	    "AND b.start_date > a.start_date "
	    "LEFT JOIN pause_lines la ON la.subscription_id = a.subscription_id "
	    "AND la.start_date = a.start_date "
	    "LEFT JOIN pause_lines lb ON lb.subscription_id = b.subscription_id "
	    "AND lb.start_date = b.start_date "
	    "WHERE (a.end_date IS NULL OR a.end_date > b.start_date) "
	    "AND (la.line IS NOT NULL OR lb.line IS NOT NULL) "
	    "ORDER BY coalesce(lb.nfile, la.nfile), coalesce(lb.line, la.line)");
	while (db_row(st))
		if (!im_data_error(im, db_text(st, 0), (unsigned long)
		    db_int(st, 1), "start_date", "subscription '%s': the "
		    "pause from %s "
		    "overlaps the one from %s %s%s", db_text(st, 5),
		    db_text(st, 2), db_text(st, 3), db_null(st, 4) ?
		    "with no end" : "to ", db_null(st, 4) ? "" :
		    db_text(st, 4)))
			break;
	db_finalize(st);
}

/* A refund and where it came from, for check_refunds(). */
static void
remember_refund(struct importer *im)
{
	struct db_stmt *st = im->refund_line;

	if (st == NULL || im->val[im->refund_col[1]].kind != V_TEXT)
		return;
	bind_value(st, 1, &im->val[entity_column_index(im->e,
	    entity_ref_key(im->e)->name)]);
	note_where(im, st, 2);
}

/*
 * A refund pays back a payment of its account, in its currency, received
 * on or before it, and not a refund; the refunds of a payment, in the
 * order received, come to at most its amount.  Checked once every row is
 * in, against the table as the import leaves it, as a payment and its
 * refunds may come in one file, in any order; each is told on the
 * refund's line.
 */
static void
check_refunds(struct importer *im)
{
	const char *of = im->refund_line != NULL ?
	    im->e->column[im->refund_col[1]].name : NULL;
	char money[2][MONEY_FMT_MAX], amount[MONEY_FMT_MAX];
	struct db_stmt *st;

	if (im->refund_line == NULL)
		return;
	st = db_prepare(im->db, "SELECT l.file, l.line, r.refund_of, "
	    "p.account_id, r.account_id, p.currency, r.currency, "
	    "CASE WHEN p.refund_of IS NULL THEN 0 ELSE 1 END, "
	    "p.received_on, r.received_on, p.amount_minor, "
	    "(SELECT sum(-q.amount_minor) FROM payments q "
	    "WHERE q.refund_of = r.refund_of AND (q.received_on < r.received_on "
	    "OR (q.received_on = r.received_on AND "
	    "q.payment_id <= r.payment_id))) "
	    "FROM refund_lines l JOIN payments r ON r.payment_id = l.payment_id "
	    "JOIN payments p ON p.payment_id = r.refund_of "
	    "ORDER BY l.nfile, l.line");
	while (db_row(st)) {
		const char *file = db_text(st, 0), *pay = db_text(st, 2);
		const char *cur = db_text(st, 5);
		unsigned long line = (unsigned long)db_int(st, 1);
		int ok = 1;

		if (strcmp(db_text(st, 3), db_text(st, 4)) != 0)
			ok = im_data_error(im, file, line, of, "'%s' is a "
			    "payment of account '%s', not of the refund's "
			    "account '%s'", pay, db_text(st, 3), db_text(st, 4));
		else if (db_int(st, 7))
			ok = im_data_error(im, file, line, of, "'%s' is a "
			    "refund itself: a refund pays back a payment", pay);
		else if (strcmp(cur, db_text(st, 6)) != 0)
			ok = im_data_error(im, file, line, "currency",
			    "'%s' is not %s, the currency of payment '%s': a "
			    "refund pays back in the payment's currency",
			    db_text(st, 6), cur, pay);
		else if (strcmp(db_text(st, 9), db_text(st, 8)) < 0)
			ok = im_data_error(im, file, line, "received_on",
			    "'%s' is before %s, when payment '%s' was "
			    "received", db_text(st, 9), db_text(st, 8), pay);
		else if (db_int(st, 11) > db_int(st, 10)) {
			const struct currency *c = money_currency(cur, 3);
			int x = c != NULL ? c->exponent : 2;

			money_format(money[0], db_int(st, 11), x, '.');
			money_format(money[1], db_int(st, 10), x, '.');
			money_format(amount, db_int(st, 11) - db_int(st, 10), x,
			    '.');
			ok = im_data_error(im, file, line, "amount",
			    "the refunds of payment '%s' up to this one come "
			    "to %s %s, %s more than its %s", pay, money[0], cur,
			    amount, money[1]);
		}
		if (!ok)
			break;
	}
	db_finalize(st);
}

/* A price row's key and where it came from, for check_tiers(). */
static void
remember_tier(struct importer *im)
{
	struct db_stmt *st = im->tier_line;
	static const char *const key[] = { "sku", "currency", "tier_min",
	    "effective_from" };

	if (st == NULL)
		return;
	for (int i = 0; i < 4; i++)
		bind_value(st, i + 1, &im->val[entity_column_index(im->e,
		    key[i])]);
	note_where(im, st, 5);
}

/*
 * The tiers of one sku and currency that are in effect on the same day
 * price with one model: a tier of another model is not a tier of the
 * same price.  Checked once every row is in, against the table as the
 * import leaves it, as an update may change the model of all the tiers
 * of a price, one row at a time; each conflict is told on the later of
 * its two rows (or on the import's, against a row already there).
 */
static void
check_tiers(struct importer *im)
{
	struct db_stmt *st;
	char tier[MONEY_FMT_MAX];
	int nfile = -1;
	unsigned long line = 0;

	if (im->tier_line == NULL)
		return;
	st = db_prepare(im->db, "SELECT l.nfile, l.line, l.file, p.model, "
	    "q.model, q.tier_min_micro, p.sku, p.currency, "
	    "CASE WHEN min(m.line) IS NULL THEN 1 ELSE 0 END "
	    "FROM tier_lines l JOIN prices p ON p.sku = l.sku AND "
	    "p.currency = l.currency AND p.tier_min_micro = l.tier_min_micro "
	    "AND p.effective_from IS NOT DISTINCT FROM l.effective_from "
	    "JOIN prices q ON q.sku = p.sku AND q.currency = p.currency AND "
	    "q.model != p.model AND (q.effective_from IS NULL OR "
	    "p.effective_to IS NULL OR q.effective_from < p.effective_to) AND "
	    "(p.effective_from IS NULL OR q.effective_to IS NULL OR "
	    "p.effective_from < q.effective_to) "
	    "LEFT JOIN tier_lines m ON m.sku = q.sku AND "
	    "m.currency = q.currency AND m.tier_min_micro = q.tier_min_micro "
	    "AND m.effective_from IS NOT DISTINCT FROM q.effective_from "
	    "GROUP BY l.nfile, l.line, l.file, p.price_id, p.model, p.sku, "
	    "p.currency, q.price_id, q.model, q.tier_min_micro "
	    "HAVING min(m.line) IS NULL OR min(m.nfile) < l.nfile OR "
	    "(min(m.nfile) = l.nfile AND min(m.line) < l.line) "
	    "ORDER BY l.nfile, l.line, q.tier_min_micro");
	while (db_row(st)) {
		if (db_int(st, 0) == nfile &&
		    (unsigned long)db_int(st, 1) == line)
			continue;	/* one message a row */
		nfile = db_int(st, 0);
		line = (unsigned long)db_int(st, 1);
		money_format_trim(tier, db_int(st, 5),
		    MONEY_QTY_SCALE, 0, '.');
		if (!im_data_error(im, db_text(st, 2), line, "model",
		    "'%s' differs "
		    "from '%s', the model of the tier from %s of '%s' in %s%s: "
		    "the tiers of one sku and currency in effect on the same day "
		    "use one model", db_text(st, 3), db_text(st, 4), tier,
		    db_text(st, 6), db_text(st, 7), db_int(st, 8) ?
		    " in the database" : ""))
			break;
	}
	db_finalize(st);
}

/* ---- rejects ------------------------------------------------------------- */

static void
open_rejects(struct importer *im)
{
	const struct mapping_export *x = im->o->from;
	struct out_opts oo = { .format = OUT_CSV, .header = 1 };
	size_t n = x != NULL ? mapping_nsources(x) : im->e->ncolumn;
	const char **cols;

	if (im->o->rejects == NULL)
		return;
	im->rejects_file = outfile_open(im->o->rejects, im->o->common->mode);
	cols = cli_calloc(n + 1, sizeof(*cols));
	for (size_t i = 0; i < n; i++)
		cols[i] = x != NULL ? mapping_source(x, i) :
		    im->e->column[i].name;
	cols[n] = "error";
	im->rejects = out_new(outfile_fp(im->rejects_file), &oo, cols, n + 1);
	free(cols);
}

/* A field written as it came, NULL as an empty cell. */
static void
reject_field(struct importer *im, const struct csv_field *f)
{
	if (f != NULL && f->s != NULL)
		out_text(im->rejects, f->s, f->len);
	else
		out_null(im->rejects);
}

static void
write_reject(struct importer *im, const struct csv_record *rec)
{
	if (im->reader != NULL)
		for (size_t i = 0; i < mapping_nsources(im->o->from); i++)
			reject_field(im, mapping_source_field(im->reader, rec,
			    i));
	else
		for (size_t ci = 0; ci < im->e->ncolumn; ci++) {
			int f = im->col_of[ci];

			reject_field(im, f >= 0 && (size_t)f < rec->nfield ?
			    &rec->field[f] : NULL);
		}
	out_text(im->rejects, im->why, im->nwhy);
	out_end_row(im->rejects);
	im->rejected++;
}

/* Puts the rejects file in place (keep), last before the import commits,
 * or leaves the old one as it was: a failed import lists nothing. */
static void
close_rejects(struct importer *im, int keep)
{
	if (im->rejects == NULL)
		return;
	out_finish(im->rejects);
	out_free(im->rejects);
	if (!keep)
		outfile_abort(im->rejects_file);
	else if (outfile_commit(im->rejects_file) != 0)
		exit(CLI_EIO);
}

/* ---- one file ------------------------------------------------------------- */

static void
list_columns(const struct entity *e, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < e->ncolumn && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
		    e->column[i].name);
}

static int
map_header(struct importer *im, const struct csv_record *rec)
{
	const struct entity *e = im->e;
	char cols[512], unknown[512], sv[SHOW_MAX];
	size_t nunknown = 0, n = 0;
	unsigned long before = cli_data_errors();

	for (size_t ci = 0; ci < e->ncolumn; ci++)
		im->col_of[ci] = -1;
	list_columns(e, cols, sizeof(cols));
	for (size_t f = 0; f < rec->nfield; f++) {
		const struct csv_field *hf = &rec->field[f];
		size_t ci;

		if (csv_header_is(hf, "error"))
			continue;	/* a rejects file, fixed and sent back */
		for (ci = 0; ci < e->ncolumn; ci++)
			if (csv_header_is(hf, e->column[ci].name))
				break;
		if (ci < e->ncolumn && im->col_of[ci] >= 0)
			cli_data_error(im->file, rec->line, NULL, "header: "
			    "column '%s' is given twice", e->column[ci].name);
		else if (ci < e->ncolumn)
			im->col_of[ci] = (int)f;
		else if (nunknown++ < 5)
			n += (size_t)snprintf(unknown + n, sizeof(unknown) - n,
			    "%s%s", n ? ", " : "", show(sv, hf->s ? hf->s : "",
			    hf->len));
	}
	if (nunknown > 5)
		snprintf(unknown + n, sizeof(unknown) - n, " and %zu more",
		    nunknown - 5);
	if (nunknown > 0)
		cli_data_error(im->file, rec->line, NULL, "header: %s %s of %s "
		    "(its columns: %s)", unknown, nunknown > 1 ?
		    "are not columns" : "is not a column", e->name, cols);
	for (size_t ci = 0; ci < e->ncolumn; ci++)
		if (im->col_of[ci] < 0 && (e->column[ci].flags & EC_REQUIRED))
			cli_data_error(im->file, rec->line, NULL, "header: the "
			    "required column '%s' is missing", e->column[ci].name);
	im->nheader = rec->nfield;
	if (cli_data_errors() > before)
		return -1;
	target_prepare_update(im, &im->table);
	if (im->parent.table != NULL)
		target_prepare_update(im, &im->parent);
	return 0;
}

/* A file that --excel wrote is read back as the text it stands for. */
static const struct csv_record *
excel_record(struct importer *im, const struct csv_record *rec,
    struct csv_record *copy)
{
	size_t need = 0, off = 0;

	for (size_t i = 0; i < rec->nfield; i++)
		need += rec->field[i].len + 1;
	if (rec->nfield > im->nxfield) {
		im->nxfield = rec->nfield;
		im->xfield = cli_realloc(im->xfield, im->nxfield,
		    sizeof(*im->xfield));
	}
	if (need > im->xcap) {
		im->xcap = need;
		im->xtext = cli_realloc(im->xtext, im->xcap, 1);
	}
	for (size_t i = 0; i < rec->nfield; i++) {
		const struct csv_field *f = &rec->field[i];
		size_t n;

		if (f->s == NULL) {
			im->xfield[i] = *f;
			continue;
		}
		n = out_excel_text(f->s, f->len, im->xtext + off);
		im->xtext[off + n] = '\0';
		im->xfield[i].s = im->xtext + off;
		im->xfield[i].len = n;
		off += n + 1;
	}
	*copy = *rec;
	copy->field = im->xfield;
	return copy;
}

/* A record of the entity, checked and written. */
static void
import_record(struct importer *im, const struct csv_record *rec)
{
	parse_row(im, rec, 0);
	for (int i = 0; i < im->nref; i++)
		check_ref(im, &im->ref[i]);
	resolve_currency(im);
	resolve_account(im);
	parse_row(im, rec, 1);
	check_row(im);
	if (!im->row_bad)
		check_meaning(im);
	if (!im->row_bad)
		write_row(im);
}

static int
on_record(void *arg, const struct csv_record *rec)
{
	struct importer *im = arg;
	const struct csv_record *file_rec;
	struct csv_record copy;
	enum mapping_got got = MAPPING_RECORD;

	if (im->o->common->out.excel)
		rec = excel_record(im, rec, &copy);
	file_rec = rec;
	if (!im->header_seen) {
		im->header_seen = 1;
		if (im->reader != NULL && (rec = mapping_header(im->reader,
		    rec, im->file, read_error)) == NULL)
			return 1;
		if (map_header(im, rec) != 0)
			return 1;
		im->nheader = file_rec->nfield;
		return 0;
	}
	im->rows++;
	im->line = rec->line;
	im->row_bad = 0;
	im->nwhy = 0;
	if (rec->nfield != im->nheader) {
		char why[CSV_RAGGED_MAX];

		row_error(im, NULL, "%s", csv_ragged(rec, why));
	} else if (im->reader != NULL)
		got = mapping_record(im->reader, rec, mapping_error, im, &rec);
	/* a row of an export with a pattern makes a record of each of its
	 * columns that is given */
	for (size_t i = 0; !im->row_bad && got == MAPPING_RECORD &&
	    i < (im->reader != NULL ? mapping_nrecords(im->reader) : 1); i++)
		import_record(im, &rec[i]);
	if (im->row_bad && im->rejects != NULL)
		write_reject(im, file_rec);
	return im->stop;
}

/* The rows of an export that folds its events, at the end of its file:
 * the rejects of one are its events. */
static void
import_folded(struct importer *im)
{
	const struct csv_record *rec, *ev;
	enum mapping_got got;

	while (!im->stop && (got = mapping_fold_next(im->reader,
	    mapping_error, im, &rec)) != MAPPING_END) {
		im->row_bad = 0;
		im->nwhy = 0;
		if (got == MAPPING_RECORD) {
			im->line = rec->line;
			import_record(im, rec);
		}
		for (size_t i = 0; im->row_bad && im->rejects != NULL &&
		    (ev = mapping_held(im->reader, i)) != NULL; i++)
			write_reject(im, ev);
	}
}

/* The companion of an export's lookup, its first file: read whole, into
 * the reader, and not imported itself. */
static int
on_companion(void *arg, const struct csv_record *rec)
{
	struct importer *im = arg;

	if (!im->header_seen)
		im->header_seen = 1;
	else
		im->rows++;
	return mapping_companion_record(im->reader, rec, im->file,
	    read_error);
}

/* The time of the batch is the program's, not the database's, which
 * another backend would give in its own form. */
static void
record_batch(struct importer *im, const char *hex)
{
	static const char *const modes[] = { "insert", "upsert", "replace" };
	struct db_stmt *st = db_prepare(im->db, "INSERT INTO import_batches "
	    "(entity, file_name, sha256, mode, rows_read, inserted, updated, "
	    "unchanged, deleted, rejected, imported_at, \"user\", from_system, "
	    "from_export) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?11, "
	    "?10, ?12, ?13)");
	time_t now = time(NULL);
	struct tm tm;
	char at[32];

	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));

	db_bind_text(st, 1, im->e->name);
	db_bind_text(st, 2, im->file);
	db_bind_text(st, 3, hex);
	db_bind_text(st, 4, modes[im->o->mode]);
	db_bind_int(st, 5, im->rows);
	db_bind_int(st, 6, im->f_inserted);
	db_bind_int(st, 7, im->f_updated);
	db_bind_int(st, 8, im->f_unchanged);
	db_bind_int(st, 9, im->rejected);
	db_bind_text(st, 10, db_user());
	db_bind_text(st, 11, at);
	db_bind_text(st, 12, im->o->from != NULL ? im->o->system : NULL);
	db_bind_text(st, 13, im->o->from != NULL ?
	    mapping_export_name(im->o->from) : NULL);
	db_done(st);
	db_finalize(st);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static void
summary(struct importer *im)
{
	FILE *fp = im->notes;

	char why[256];
	unsigned long skipped;

	fprintf(fp, "%s: %s: %s%ld row%s %s, %ld updated", cli_progname(),
	    im->file, im->o->dry_run ? "dry run: " : "", im->f_inserted,
	    im->f_inserted == 1 ? "" : "s",
	    im->o->dry_run ? "would be inserted" : "inserted", im->f_updated);
	if (im->f_unchanged > 0)
		fprintf(fp, ", %ld unchanged", im->f_unchanged);
	if (im->reader != NULL && (skipped = mapping_skipped(im->reader, why,
	    sizeof(why))) > 0)
		fprintf(fp, ", %lu left out (%s)", skipped, why);
	if (im->rejected > 0)
		fprintf(fp, ", %lu rejected (in %s)", im->rejected,
		    strcmp(im->o->rejects, "-") == 0 ? "standard output" :
		    im->o->rejects);
	fputc('\n', fp);
}

static void
import_file(struct importer *im, const char *path, FILE *fp, int companion)
{
	const struct cli_common *c = im->o->common;
	struct sha256 sha;
	char hex[65];
	char delim = c->delim;
	unsigned long before = cli_data_errors();
	int rc;

	im->file = cli_input_name(path);
	if (!c->delim_set && ends_with(im->file, ".tsv"))
		delim = '\t';
	im->header_seen = 0;
	im->rows = im->rejected = 0;
	im->f_inserted = im->f_updated = im->f_unchanged = 0;
	im->last_parent[0] = '\0';
	sha256_init(&sha);
	if (companion) {
		rc = csv_read(fp, im->file, read_error, delim, &sha,
		    on_companion, im);
		if (rc == 0 && !im->header_seen)
			csv_no_header(cli_data_error, im->file);
		if (rc == 0 && im->header_seen)
			(void)mapping_companion_done(im->reader, read_error);
		if (cli_data_errors() == before)
			fprintf(im->notes, "%s: %s: %ld row%s read (the %s "
			    "file, for the files after it)\n", cli_progname(),
			    im->file, im->rows, im->rows == 1 ? "" : "s",
			    mapping_companion(im->o->from));
		return;
	}
	reading = im;
	rc = csv_read(fp, im->file, read_error, delim, &sha, on_record, im);
	if (rc == 0 && im->header_seen && im->reader != NULL)
		import_folded(im);
	reading = NULL;
	write_waiting(im);
	if (rc == 0 && !im->header_seen)
		csv_no_header(cli_data_error, im->file);
	sha256_final_hex(&sha, hex);
	if (cli_data_errors() > before)
		return;
	record_batch(im, hex);
	summary(im);
}

/* ---- replace: what the files did not have goes ---------------------------- */

/* Rows of other entities that still refer to a row about to go make the
 * replace fail, naming them. */
static void
check_referrers(struct importer *im, const struct target *t)
{
	const struct entity_column *key = entity_ref_key(im->e);

	for (size_t i = 0; i < entity_count; i++) {
		const struct entity *ce = &entity_table[i];

		for (size_t j = 0; j < ce->ncolumn; j++) {
			const struct entity_column *cc = &ce->column[j];
			struct sbuf sql = { .n = 0 };
			struct db_stmt *st;

			if (cc->ref == NULL || strcmp(cc->ref, im->e->name) != 0)
				continue;
			sb_add(&sql, "SELECT DISTINCT %s FROM %s WHERE %s IN "
			    "(SELECT t.%s FROM %s t WHERE ", cc->db,
			    (cc->flags & EC_HEADER) && ce->parent_table ?
			    ce->parent_table : ce->table, cc->db, key->db,
			    t->table);
			sb_unseen(&sql, im, t, "t");
			sb_add(&sql, ") LIMIT 5");
			st = db_prepare(im->db, sql.s);
			while (db_row(st))
				cli_data_error(im->e->name, 0, NULL, "cannot "
				    "remove %s '%s': rows of %s refer to it "
				    "(column %s)", key->name,
				    db_text(st, 0), ce->name,
				    cc->name);
			db_finalize(st);
		}
	}
}

static void
delete_unseen(struct importer *im, struct target *t)
{
	struct sbuf sql = { .n = 0 };
	struct db_stmt *st;

	if (im->watch != NULL && t == &im->table) {
		sb_unseen(&sql, im, t, "t");
		billing_watch_where(im->watch, sql.s);
		sql.n = 0;
	}
	sb_add(&sql, "DELETE FROM %s AS t WHERE ", t->table);
	sb_unseen(&sql, im, t, "t");
	st = db_prepare(im->db, sql.s);
	db_done(st);
	t->deleted = db_changes(st);
	db_finalize(st);
}

static void
replace_rest(struct importer *im)
{
	unsigned long before = cli_data_errors();

	check_referrers(im, im->parent.table != NULL ? &im->parent :
	    &im->table);
	if (cli_data_errors() > before)
		return;
	delete_unseen(im, &im->table);
	if (im->parent.table != NULL)
		delete_unseen(im, &im->parent);
	if (im->table.deleted > 0)
		fprintf(im->notes, "%s: %s: %ld row%s not in the input %s\n",
		    cli_progname(), im->e->name, im->table.deleted,
		    im->table.deleted == 1 ? "" : "s",
		    im->o->dry_run ? "would be deleted" : "deleted");
}

/* Reports the rows that share value, their keys written to fp, and frees
 * both. */
static void
used_twice(const struct importer *im, char *value, FILE *fp, char **keys)
{
	fclose(fp);
	im_data_error(im, im->e->name, 0, im->e->unique, "'%s' is used by "
	    "more than one row: %s", value, *keys);
	free(value);
	free(*keys);
}

/* A column that must be unique across the table is checked once all rows
 * are in, so that a replace may move values between rows.  The keys of
 * the rows that share a value are listed in key order. */
static void
check_unique(struct importer *im)
{
	const struct entity *e = im->e;
	const char *key = entity_ref_key(e)->db;
	struct sbuf sql = { .n = 0 };
	struct db_stmt *st;
	char *value = NULL, *keys = NULL;
	size_t nkeys;
	FILE *fp = NULL;

	if (e->unique == NULL)
		return;
	sb_add(&sql, "SELECT %s, %s FROM %s WHERE %s IN (SELECT %s FROM %s "
	    "GROUP BY %s HAVING count(*) > 1) ORDER BY %s, %s", e->unique, key,
	    e->table, e->unique, e->unique, e->table, e->unique, e->unique, key);
	st = db_prepare(im->db, sql.s);
	while (db_row(st)) {
		if (value != NULL && strcmp(value, db_text(st, 0)) != 0) {
			used_twice(im, value, fp, &keys);
			value = NULL;
		}
		if (value == NULL) {
			value = db_strdup(st, 0);
			fp = cli_memstream(&keys, &nkeys);
		} else
			fputs(", ", fp);
		fputs(db_text(st, 1), fp);
	}
	db_finalize(st);
	if (value != NULL)
		used_twice(im, value, fp, &keys);
}

/*
 * An --upsert or --replace can add lines to an invoice already in the
 * database, which invoice_too_large() does not see.  The magnitudes are
 * added in SQL as two sums of 32-bit halves, each of which fits, so that
 * sum() cannot stop on the very overflow it is asked about: the total
 * passes INT64_MAX just when hi + lo / 2^32 reaches 2^31.  (The casts are
 * for a database whose sum() of integers is a decimal, which has no >>.)
 */
static const char sql_invoice_sizes[] =
    "SELECT l.invoice_id, i.currency FROM invoice_lines l "
    "JOIN invoices i USING (account_id, invoice_id) "
    "GROUP BY l.invoice_id, i.currency "
    "HAVING CAST(sum((abs(l.amount_minor) >> 32) + "
    "(abs(l.tax_amount_minor) >> 32)) AS BIGINT) + "
    "(CAST(sum((abs(l.amount_minor) & 4294967295) + "
    "(abs(l.tax_amount_minor) & 4294967295)) AS BIGINT) >> 32) "
    ">= 2147483648 LIMIT 5";

static void
check_invoice_sizes(struct importer *im)
{
	struct db_stmt *st;
	char max[MONEY_FMT_MAX];

	if (im->e->parent_table == NULL || im->o->mode == IMPORT_INSERT)
		return;
	st = db_prepare(im->db, sql_invoice_sizes);
	while (db_row(st))
		cli_data_error(im->e->name, 0, NULL, "invoice '%s': its lines "
		    "and tax, with those already in the database, add up past "
		    "%s %s, the most an invoice can hold", db_text(st, 0),
		    invoice_max(max, db_text(st, 1)), db_text(st, 1));
	db_finalize(st);
}

/* ---- the call ------------------------------------------------------------ */

/*
 * Where the reading side looks up the keys of a table the import does
 * not write: a connection of its own, which reads the database as the
 * import's transaction found it, and so as the import sees that table,
 * as long as an import writes no table but its entity's own and their
 * parent (import_files(): a referenced table is never among them, or it
 * is the entity's own, looked up on im->db).  On the shared connection
 * each lookup waited for the writer's batch: a million invoice lines
 * looked up 25,000 accounts at 4 microseconds each before reading them
 * all.  A backend that reads every referenced key up front
 * (db_lookups_before_scan() 0, PostgreSQL's) has no lookups to move.
 */
static struct db *
ref_db(struct importer *im, const struct entity *re)
{
	const char *table = table_for_ref(re);

	if (!db_shared(im->db) || db_lookups_before_scan(im->db) == 0 ||
	    strcmp(table, im->e->table) == 0 || (im->e->parent_table != NULL &&
	    strcmp(table, im->e->parent_table) == 0))
		return im->db;
	if (!im->lookups_tried) {
		im->lookups = db_open_snapshot(im->db);
		im->lookups_tried = 1;
	}
	return im->lookups != NULL ? im->lookups : im->db;
}

static void
refs_init(struct importer *im)
{
	const struct entity *e = im->e;

	im->account_ref = -1;
	for (size_t ci = 0; ci < e->ncolumn; ci++) {
		const struct entity_column *c = &e->column[ci];
		const struct entity *re;
		struct sbuf sql = { .n = 0 };
		struct ref *r;

		if (c->ref == NULL || (re = entity_find(c->ref)) == NULL)
			continue;
		r = &im->ref[im->nref];
		memset(r, 0, sizeof(*r));
		r->col = (int)ci;
		sb_add(&sql, "SELECT %s FROM %s WHERE %s = ?1",
		    entity_column_index(re, "currency") >= 0 ? "currency" : "1",
		    table_for_ref(re), entity_ref_key(re)->db);
		r->to = re;
		r->db = ref_db(im, re);
		r->find = db_prepare(r->db, sql.s);
		r->known = keyset_new(KNOWN_MAX);
		/* with --rejects a row is judged as it comes, so it names
		 * one before it, as any reference does */
		r->self = re == e && im->o->rejects == NULL;
		if (r->self && im->self_ref == NULL) {
			db_temp_table(im->db, "self_refs", "col TEXT, value TEXT, "
			    "row_key TEXT, file TEXT, nfile BIGINT, line BIGINT");
			im->self_ref = db_prepare(im->db, "INSERT INTO self_refs "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
		}
		if (scan_plan_init(&r->scan, r->db, table_for_ref(re)))
			preload_ref(r->db, r);
		if (strcmp(c->ref, "accounts") == 0)
			im->account_ref = im->nref;
		im->nref++;
	}
}

static void
accounts_of_init(struct importer *im)
{
	struct accounts_of *a = &im->acc;
	const struct entity *re;
	const char *key;
	struct sbuf sql = { .n = 0 };
	struct db_stmt *st;

	a->col = -1;
	if (im->e->account_of == NULL)
		return;
	a->col = entity_column_index(im->e, "account_id");
	a->from = entity_column_index(im->e, im->e->account_of);
	re = entity_find(im->e->column[a->from].ref);
	key = entity_ref_key(re)->db;
	sb_add(&sql, "SELECT account_id FROM %s WHERE %s = ?1",
	    table_for_ref(re), key);
	a->find = db_prepare(im->db, sql.s);
	sql.n = 0;
	/* in the order strcmp() gives: the database's collation is "C" */
	sb_add(&sql, "SELECT %s, account_id FROM %s WHERE %s = CAST(%s AS "
	    "TEXT) ORDER BY %s LIMIT %d", key, table_for_ref(re), key, key,
	    key, KNOWN_MAX + 1);
	st = db_prepare(im->db, sql.s);
	while (db_row(st)) {
		size_t n0 = db_len(st, 0) + 1, n1 = db_len(st, 1) + 1;

		if (a->n == KNOWN_MAX) {
			a->partial = 1;
			break;
		}
		a->text = cli_grow(a->text, &a->cap, a->ntext + n0 + n1, 1);
		a->at = cli_grow(a->at, &a->capat, a->n + 1, sizeof(*a->at));
		a->at[a->n++] = a->ntext;
		memcpy(a->text + a->ntext, db_text(st, 0), n0);
		memcpy(a->text + a->ntext + n0, db_text(st, 1), n1);
		a->ntext += n0 + n1;
	}
	db_finalize(st);
}

/* The columns of a refund (refund_col), when the entity has them. */
static void
refund_cols_init(struct importer *im)
{
	const struct entity *e = im->e;

	im->refund_col[0] = im->refund_col[1] = im->refund_col[2] = -1;
	for (size_t i = 0; i < e->ncolumn; i++)
		if (e->column[i].flags & EC_REFUNDED)
			im->refund_col[0] = (int)i;
		else if (e->column[i].ref != NULL &&
		    strcmp(e->column[i].ref, e->name) == 0)
			im->refund_col[1] = (int)i;
	im->refund_col[2] = entity_column_index(e, "invoice_id");
	if (im->refund_col[0] < 0 || im->refund_col[1] < 0 ||
	    im->refund_col[2] < 0)
		im->refund_col[0] = -1;
}

static void
importer_init(struct importer *im, struct db *db, const struct entity *e,
    const struct import_opts *o)
{
	memset(im, 0, sizeof(*im));
	im->db = db;
	im->e = e;
	im->o = o;
	im->mark = o->common->decimal_comma ? ',' : '.';
	if (o->from != NULL)
		im->reader = mapping_reader_new(o->from, mapped_lookup, im);
	if (db_setting(db, "base_currency", im->base, sizeof(im->base)) == NULL)
		memcpy(im->base, "USD", 4);
	im->currency_col = entity_column_index(e, "currency");
	if (strcmp(e->name, "usage") == 0 &&
	    (im->watch = billing_watch_open(db)) != NULL) {
		im->watch_col[0] = entity_column_index(e, "account_id");
		im->watch_col[1] = entity_column_index(e, "sku");
		im->watch_col[2] = entity_column_index(e, "used_on");
	}
	im->line_no_col = entity_column_index(e, "line_no");
	im->size_col[0] = entity_column_index(e, "amount");
	im->size_col[1] = entity_column_index(e, "tax_amount");
	im->service_col[0] = entity_column_index(e, "service_start");
	im->service_col[1] = entity_column_index(e, "service_end");
	refund_cols_init(im);
	for (int i = 0; e->order[i].later != NULL; i++) {
		im->order_col[i][0] = entity_column_index(e, e->order[i].later);
		im->order_col[i][1] = entity_column_index(e,
		    e->order[i].earlier);
	}
	for (int i = 0; e->when[i].col != NULL; i++) {
		im->when_col[i][0] = entity_column_index(e, e->when[i].col);
		im->when_col[i][1] = entity_column_index(e, e->when[i].other);
	}
	refs_init(im);
	accounts_of_init(im);
	meaning_init(im);
	target_init(im, &im->table, e->table, 0);
	if (e->parent_table != NULL)
		target_init(im, &im->parent, e->parent_table, 1);
	writer_start(im);
	open_rejects(im);
}

static void
importer_free(struct importer *im)
{
	writer_stop(im);
	for (int i = 0; i < im->nref; i++) {
		db_finalize(im->ref[i].find);
		keyset_free(im->ref[i].known);
	}
	meaning_free(im);
	db_finalize(im->acc.find);
	free(im->acc.text);
	free(im->acc.at);
	free(im->xfield);
	free(im->xtext);
	mapping_reader_free(im->reader);
	for (int i = 0; i < im->nmapped_ref; i++)
		db_finalize(im->mapped_ref[i].st);
	free(im->refused);
	target_free(&im->table);
	if (im->parent.table != NULL)
		target_free(&im->parent);
	billing_watch_close(im->watch);
	if (im->before != NULL)
		db_close(im->before);
	if (im->lookups != NULL)
		db_close(im->lookups);
}

static void
audit(struct importer *im)
{
	struct db_changes ch = { .n = 0 };

	if (im->parent.table != NULL)
		db_changes_add(&ch, im->parent.table, im->parent.inserted,
		    im->parent.updated, im->parent.deleted);
	db_changes_add(&ch, im->table.table, im->table.inserted,
	    im->table.updated, im->table.deleted);
	db_audit(im->db, "import", im->o->arguments, &ch);
}

/*
 * A first load into an empty table builds the table's secondary indexes
 * once at the end, from sorted keys, instead of row by row in the random
 * order of the file (an index of invoices by account, say): the way a
 * database restore is fast.  It all happens inside the transaction, so a
 * failed import leaves them as they were.  Unique indexes stay, as they
 * find duplicates at their line, but those unique by the table's key.
 */
#define DEFERRED_MAX 8

struct deferred {
	char *sql[DEFERRED_MAX], *name[DEFERRED_MAX];
	int n;
};

static void
defer_indexes(struct db *db, const char *table, struct deferred *d)
{
	struct sbuf sql = { .n = 0 };
	int first = d->n;

	if (!table_empty(db, table))
		return;
	d->n += db_secondary_indexes(db, table, d->name + d->n, d->sql + d->n,
	    DEFERRED_MAX - d->n);
	for (int i = first; i < d->n; i++) {
		sql.n = 0;
		sb_add(&sql, "DROP INDEX \"%s\"", d->name[i]);
		db_exec(db, sql.s);
	}
}

static void
rebuild_indexes(struct db *db, struct deferred *d, int build)
{
	for (int i = 0; i < d->n; i++) {
		if (build)
			db_exec(db, d->sql[i]);
		free(d->sql[i]);
		free(d->name[i]);
	}
	d->n = 0;
}

void
import_check_opts(const struct import_opts *o)
{
	/* a row set aside is a row of the export, but it is many of the
	 * entity, some of which may be fine */
	if (o->from != NULL && o->rejects != NULL &&
	    mapping_export_repeats(o->from))
		cli_usage_error("--rejects does not go with the export %s: a "
		    "row of it makes several rows of %s, not one to set aside",
		    mapping_export_name(o->from),
		    mapping_export_entity(o->from)->name);
}

int
import_files(struct db *db, const struct entity *e,
    const struct import_opts *o, char *const files[], int nfiles)
{
	struct importer im;
	struct deferred later = { .n = 0 };
	char *const stdin_only[] = { NULL };
	unsigned long errors;
	FILE **fp, *notes;
	char *said = NULL;
	size_t nsaid = 0;

	import_check_opts(o);
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	/* Every file is opened first, so that one that cannot be fails the
	 * import before the summary of another says that it went in. */
	fp = cli_calloc((size_t)nfiles, sizeof(*fp));
	for (int i = 0; i < nfiles; i++)
		if (strcmp(cli_input_name(files[i]), "stdin") == 0)
			fp[i] = stdin;
		else if ((fp[i] = fopen(files[i], "r")) == NULL)
			cli_die(CLI_EIO, "%s: %s", files[i], strerror(errno));
	/*
	 * Every reference of the contract is checked row by row above, to name
	 * the line and the value, and the lines of an invoice refer to the
	 * header written with them; the database's own check would look each
	 * one up again, which costs a fifth of a large import.  (The unit
	 * tests hold the schema's foreign keys of these tables to the
	 * contract's.)  What a replace deletes is checked once before the
	 * commit (db_references_check()), in tables outside the contract too.
	 */
	db_references(db, 0);
	db_references_vouch(db, e->table);
	if (e->parent_table != NULL)
		db_references_vouch(db, e->parent_table);
	db_begin(db);
	defer_indexes(db, e->table, &later);
	if (e->parent_table != NULL)
		defer_indexes(db, e->parent_table, &later);
	importer_init(&im, db, e, o);
	/* what each file did is said once it is all checked: before, a
	 * later error would make it untrue */
	notes = im.notes = cli_memstream(&said, &nsaid);
	for (im.nfile = 0; im.nfile < nfiles && cli_data_errors() == 0;
	    im.nfile++)
		import_file(&im, files[im.nfile], fp[im.nfile], im.nfile == 0 &&
		    o->from != NULL && mapping_companion(o->from) != NULL);
	for (int i = 0; i < nfiles; i++)
		if (fp[i] != stdin)
			fclose(fp[i]);
	free(fp);
	/* before a replace deletes: an id it takes away is not given again */
	if (cli_data_errors() == 0) {
		db_ids_seen_done(db, im.table.ids);
		if (im.parent.table != NULL)
			db_ids_seen_done(db, im.parent.ids);
	}
	if (cli_data_errors() == 0 && o->mode == IMPORT_REPLACE)
		replace_rest(&im);
	if (cli_data_errors() == 0)
		check_unique(&im);
	if (cli_data_errors() == 0)
		open_rest(&im);
	if (cli_data_errors() == 0)
		check_invoice_sizes(&im);
	if (cli_data_errors() == 0)
		check_tiers(&im);
	check_self_refs(&im);
	if (cli_data_errors() == 0)
		check_replaces(&im);
	if (cli_data_errors() == 0)
		check_pauses(&im);
	if (cli_data_errors() == 0)
		check_refunds(&im);
	importer_free(&im);
	rebuild_indexes(db, &later, cli_data_errors() == 0);
	if (cli_data_errors() == 0)
		db_references_check(db);
	fclose(notes);
	if ((errors = cli_data_errors()) > 0) {
		free(said);
		close_rejects(&im, 0);
		db_rollback(db);
		db_references(db, 1);
		cli_warn("%s: nothing imported (%lu error%s)", e->name, errors,
		    errors == 1 ? "" : "s");
		return CLI_EDATA;
	}
	audit(&im);
	/* what the files did is the import's output, and written first: if
	 * it cannot be, nothing is imported */
	if (!cli_quiet())
		fputs(said, stderr);
	free(said);
	cli_finish_output(stderr);
	close_rejects(&im, 1);
	if (o->dry_run)
		db_rollback(db);
	else
		db_commit(db);
	db_references(db, 1);
	return CLI_OK;
}
