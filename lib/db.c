/*
 * The storage interface's front (db.h): each call goes to the backend of
 * its connection (db_backend.h), chosen when the database is opened by
 * its name: a postgresql:// or postgres:// URL is PostgreSQL, anything
 * else a SQLite file.  Then what is the same on every backend: settings,
 * the audit log, the id counters and the keys a verb writes out, in SQL
 * that every backend accepts.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_backend.h"

extern const char db_schema_sql[];	/* lib/schema.sql, embedded */

/*
 * db_migrations[v] takes a database from version v to v + 1; version 0
 * is an empty database and gets the whole schema.  Add a statement here
 * (and bump DB_SCHEMA_VERSION) for every change to lib/schema.sql after a
 * release.
 */
const char *const db_migrations[DB_SCHEMA_VERSION] = {
	db_schema_sql,
};

/* ---- passwords ------------------------------------------------------------------ */

static void
cut(char *from, size_t n)
{
	memmove(from, from + n, strlen(from + n) + 1);
}

void
db_redact(char *s)
{
	for (char *p = s; (p = strstr(p, "://")) != NULL;) {
		size_t n = strcspn(p += 3, "/?# ");
		char *at = NULL, *colon, *q;

		for (size_t i = 0; i < n; i++)
			if (p[i] == '@')
				at = p + i;
		if (at != NULL && (colon = memchr(p, ':', (size_t)(at - p))))
			cut(colon, (size_t)(at - colon));
		/* the query's parameters, up to the end of the URL */
		q = p + strcspn(p, "?# ");
		while (*q == '?' || *q == '&') {
			char *param = q + 1;
			size_t len = strcspn(param, "&# ");

			if (strncmp(param, "password=", 9) != 0)
				q = param + len;
			else if (*q == '?' && param[len] == '&')
				cut(param, len + 1);	/* keeps the ? */
			else
				cut(q, len + 1);
		}
	}
}

/* ---- the backend of a connection -------------------------------------------- */

/* Around each call of a backend that reaches the connection (struct db's
 * serial): the calls that only bind or read a row's values do not, and
 * are left unlocked, as they are most of them. */
static void
hold(struct db *db)
{
	if (db->serial != NULL)
		pthread_mutex_lock(db->serial);
}

static void
release(struct db *db)
{
	if (db->serial != NULL)
		pthread_mutex_unlock(db->serial);
}

int
db_is_url(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
}

struct db *
db_open(const struct cli_common *c, enum db_mode mode, int shared)
{
	if (db_is_url(c->db_path))
		return db_pg_open(c, mode, shared);
	return db_sqlite_open(c, mode, shared);
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	while (db->stmts != NULL)
		db_finalize(db->stmts);
	db->ops->close(db);
}

int
db_shared(const struct db *db)
{
	return db->shared;
}

void
db_hold(struct db *db)
{
	if (db->shared)
		db->ops->hold(db, 1);
}

void
db_release(struct db *db)
{
	if (db->shared)
		db->ops->hold(db, 0);
}

struct db *
db_open_snapshot(struct db *db)
{
	struct db *rd;

	hold(db);
	rd = db->ops->open_snapshot(db);
	release(db);
	return rd;
}

void
db_begin(struct db *db)
{
	hold(db);
	db->ops->begin(db, 1);
	release(db);
}

void
db_begin_read(struct db *db)
{
	hold(db);
	db->ops->begin(db, 0);
	release(db);
}

/*
 * A command's output is flushed before its commit, and a write error on
 * it (a full disk, a closed pipe) rolls the transaction back and ends the
 * program: the database never holds a change whose output was lost.  The
 * one home of that rule, for every verb.
 */
void
db_commit(struct db *db)
{
	cli_release_stdout();
	(void)fflush(stdout);
	if (!cli_output_ok(stdout)) {	/* its errno kept over the rollback */
		db_rollback(db);
		cli_finish_stdout();
	}
	hold(db);
	db->ops->commit(db);
	release(db);
}

void
db_rollback(struct db *db)
{
	hold(db);
	db->ops->rollback(db);
	release(db);
}

int
db_in_transaction(struct db *db)
{
	int in;

	hold(db);
	in = db->ops->in_transaction(db);
	release(db);
	return in;
}

void
db_references(struct db *db, int on)
{
	hold(db);
	db->ops->references(db, on);
	release(db);
}

void
db_references_vouch(struct db *db, const char *table)
{
	hold(db);
	db->ops->references_vouch(db, table);
	release(db);
}

void
db_stmt_keys(struct db_stmt *st, int col)
{
	hold(st->db);
	st->ops->stmt_keys(st, col);
	release(st->db);
}

unsigned long
db_references_check(struct db *db)
{
	unsigned long n;

	hold(db);
	n = db->ops->references_check(db);
	release(db);
	return n;
}

void
db_write_at_commit(struct db *db)
{
	db->ops->write_at_commit(db);
}

void
db_exec(struct db *db, const char *sql)
{
	hold(db);
	db->ops->exec(db, sql);
	release(db);
}

int
db_secondary_indexes(struct db *db, const char *table, char *name[],
    char *sql[], int max)
{
	return db->ops->secondary_indexes(db, table, name, sql, max);
}

void
db_temp_table(struct db *db, const char *name, const char *columns)
{
	char *sql = cli_calloc(1, 2 * strlen(name) + strlen(columns) + 64);

	sprintf(sql, "CREATE TEMP TABLE IF NOT EXISTS %s (%s); DELETE FROM %s",
	    name, columns, name);
	hold(db);
	db->ops->schema(db, sql);
	release(db);
	free(sql);
}

const char *
db_error(struct db *db)
{
	const char *m;

	hold(db);
	m = db->ops->error(db);
	release(db);
	return m;
}

void
db_fatal(struct db *db, const char *context)
{
	hold(db);	/* until the end: the other thread waits */
	exit(db->ops->failed(db, context, NULL));
}

void
db_sql_start(char *buf, size_t size, const char *sql)
{
	size_t n = 0;

	for (; sql != NULL && *sql != '\0' && n + 4 < size; sql++)
		if ((*sql != ' ' && *sql != '\n' && *sql != '\t') ||
		    (n > 0 && buf[n - 1] != ' '))
			buf[n++] = *sql == '\n' || *sql == '\t' ? ' ' : *sql;
	if (sql != NULL && *sql != '\0')
		buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
	buf[n] = '\0';
}

void
db_busy_warn(const char *context)
{
	cli_warn("%s: the database is locked by another program (waited out "
	    "--busy-timeout)", context);
}

void
db_overflow_warn(const char *context)
{
	cli_warn("%s: a sum of amounts or quantities in the database does "
	    "not fit in 64 bits", context);
}

void
db_schema_check(struct db *db, const char *name, int v)
{
	if (v == DB_SCHEMA_VERSION)
		return;
	/* name may be db's own, gone once it is closed: said first */
	cli_warn("%s: %s", name, v == 0 ? "not a revops database (a "
	    "command that writes makes one)" : v > DB_SCHEMA_VERSION ? "its "
	    "schema is newer than this revops: upgrade revops" : "its schema "
	    "is older than this revops: a command that writes migrates it");
	db_close(db);
	exit(CLI_EIO);
}

/* ---- statements ----------------------------------------------------------------- */

/* A statement the backend made, kept in db's list. */
static struct db_stmt *
prepared(struct db *db, struct db_stmt *st)
{
	st->ops = db->ops;
	st->db = db;
	st->prev = NULL;
	hold(db);
	if ((st->next = db->stmts) != NULL)
		st->next->prev = st;
	db->stmts = st;
	release(db);
	return st;
}

struct db_stmt *
db_prepare(struct db *db, const char *sql)
{
	return prepared(db, db->ops->prepare(db, sql));
}

char *
db_rows_sql(const char *head, int ncol, int nrows)
{
	size_t cap = strlen(head) + 16 + (size_t)nrows * ((size_t)ncol * 8 + 4);
	char *sql = cli_calloc(1, cap), *o = sql;
	int k = 0;

	o += sprintf(o, "%s VALUES ", head);
	for (int i = 0; i < nrows; i++) {
		*o++ = i > 0 ? ',' : ' ';
		*o++ = '(';
		for (int j = 0; j < ncol; j++)
			o += sprintf(o, j > 0 ? ",?%d" : "?%d", ++k);
		*o++ = ')';
	}
	*o = '\0';
	return sql;
}

int
db_batch_rows(const struct db *db)
{
	return db->ops->batch_rows;
}

int
db_lookups_before_scan(const struct db *db)
{
	return db->ops->lookups_before_scan;
}

struct db_stmt *
db_prepare_rows(struct db *db, const char *head, int ncol, int nrows)
{
	struct db_stmt *st;
	char *sql;

	if (db->ops->prepare_rows != NULL)
		return prepared(db, db->ops->prepare_rows(db, head, ncol,
		    nrows));
	sql = db_rows_sql(head, ncol, nrows);
	st = db_prepare(db, sql);
	free(sql);
	return st;
}

void
db_finalize(struct db_stmt *st)
{
	struct db *db;

	if (st == NULL)
		return;
	db = st->db;
	hold(db);
	if (st->prev != NULL)
		st->prev->next = st->next;
	else
		db->stmts = st->next;
	if (st->next != NULL)
		st->next->prev = st->prev;
	st->ops->finalize(st);
	release(db);
}

struct db *
db_stmt_db(struct db_stmt *st)
{
	return st->db;
}

int
db_row(struct db_stmt *st)
{
	struct db *db = st->db;
	int r;

	hold(db);
	r = st->ops->row(st);
	release(db);
	return r;
}

void
db_done(struct db_stmt *st)
{
	hold(st->db);
	(void)st->ops->step(st, 0);
	release(st->db);
}

enum db_result
db_try(struct db_stmt *st)
{
	struct db *db = st->db;
	enum db_result r;

	hold(db);
	r = st->ops->step(st, 1);
	release(db);
	return r;
}

void
db_reset(struct db_stmt *st)
{
	hold(st->db);
	st->ops->reset(st);
	release(st->db);
}

long
db_changes(struct db_stmt *st)
{
	return st->changes;
}

int
db_params(struct db_stmt *st)
{
	return st->ops->params(st);
}

void
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	st->ops->bind_int(st, i, v);
}

void
db_bind_null(struct db_stmt *st, int i)
{
	st->ops->bind_null(st, i);
}

void
db_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		st->ops->bind_null(st, i);
	else
		st->ops->bind_text(st, i, s, strlen(s), 1);
}

void
db_bind_ref(struct db_stmt *st, int i, const char *s, size_t len)
{
	if (s == NULL)
		st->ops->bind_null(st, i);
	else
		st->ops->bind_text(st, i, s, len, 0);
}

void
db_bind_day(struct db_stmt *st, int i, int32_t day)
{
	char buf[DATE_FMT_MAX];

	if (day == DATE_NONE) {
		db_bind_null(st, i);
		return;
	}
	date_format(buf, day);
	db_bind_text(st, i, buf);
}

int
db_null(struct db_stmt *st, int i)
{
	return st->ops->null(st, i);
}

int64_t
db_int(struct db_stmt *st, int i)
{
	return st->ops->int64(st, i);
}

const char *
db_text(struct db_stmt *st, int i)
{
	return st->ops->text(st, i);
}

size_t
db_len(struct db_stmt *st, int i)
{
	return st->ops->len(st, i);
}

int32_t
db_day(struct db_stmt *st, int i)
{
	const char *s = db_text(st, i);
	int32_t d;

	if (date_parse(s, db_len(st, i), &d) != 0)
		return DATE_NONE;
	return d;
}

char *
db_strdup(struct db_stmt *st, int i)
{
	return db_null(st, i) ? NULL : cli_strdup(db_text(st, i));
}

/* ---- bulk load ------------------------------------------------------------------ */

struct db_rows *
db_rows_new(struct db *db, const char *head, int ncol)
{
	struct db_rows *r;

	hold(db);
	r = db->ops->rows_new(db, head, ncol);
	r->db = db;
	release(db);
	return r;
}

struct db_stmt *
db_rows_add(struct db_rows *r, int *base)
{
	struct db_stmt *st;

	hold(r->db);
	st = r->ops->rows_add(r, base);
	release(r->db);
	return st;
}

void
db_rows_flush(struct db_rows *r)
{
	hold(r->db);
	r->ops->rows_flush(r);
	release(r->db);
}

void
db_rows_free(struct db_rows *r)
{
	struct db *db;

	if (r == NULL)
		return;
	db = r->db;
	hold(db);
	r->ops->rows_free(r);
	release(db);
}

/* ---- on every backend ------------------------------------------------------------ */

#define ID_DIGITS_MAX 18	/* of an id's number: below 10^18 */

const char *
db_setting(struct db *db, const char *key, char *buf, size_t size)
{
	struct db_stmt *st = db_prepare(db,
	    "SELECT value FROM settings WHERE key = ?1");
	const char *v = NULL;

	db_bind_text(st, 1, key);
	if (db_row(st)) {
		snprintf(buf, size, "%s", db_text(st, 0));
		v = buf;
	}
	db_finalize(st);
	return v;
}

struct date_fiscal
db_fiscal_year(struct db *db)
{
	struct date_fiscal fy = DATE_CALENDAR;
	char v[16];
	long m;

	/* the import takes 1 to 12 and end or start: another value was not
	 * written by it, and counts for nothing */
	if (db_setting(db, "fiscal_year_start_month", v, sizeof(v)) != NULL &&
	    (m = strtol(v, NULL, 10)) >= 1 && m <= 12)
		fy.start = (int)m;
	if (db_setting(db, "fiscal_year_named_by", v, sizeof(v)) != NULL)
		fy.named_by_end = strcmp(v, "start") != 0;
	return fy;
}

void
db_changes_add(struct db_changes *ch, const char *table, long inserted,
    long updated, long deleted)
{
	int i;

	for (i = 0; i < ch->n && strcmp(ch->t[i].table, table) != 0; i++)
		;
	if (i == ch->n) {
		if (ch->n == (int)(sizeof(ch->t) / sizeof(ch->t[0])))
			cli_die(CLI_EIO, "too many tables in one command");
		ch->n++;
		ch->t[i].table = table;
		ch->t[i].inserted = ch->t[i].updated = ch->t[i].deleted = 0;
	}
	ch->t[i].inserted += inserted;
	ch->t[i].updated += updated;
	ch->t[i].deleted += deleted;
}

const char *
db_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u != NULL && *u != '\0')
		return u;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : NULL;
}

void
db_audit(struct db *db, const char *verb, const char *arguments,
    const struct db_changes *ch)
{
	char json[1024], at[DATE_TIME_FMT_MAX];
	char *args = arguments != NULL ? cli_strdup(arguments) : NULL;
	size_t n = 0;
	struct db_stmt *st;

	n += (size_t)snprintf(json + n, sizeof(json) - n, "{");
	for (int i = 0; i < ch->n && n < sizeof(json); i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n,
		    "%s\"%s\":{\"inserted\":%ld,\"updated\":%ld,\"deleted\":%ld}",
		    i > 0 ? "," : "", ch->t[i].table, ch->t[i].inserted,
		    ch->t[i].updated, ch->t[i].deleted);
	if (n < sizeof(json))
		snprintf(json + n, sizeof(json) - n, "}");
	if (args != NULL)
		db_redact(args);	/* -D with a password in its URL */
	date_format_now(at);
	/* audit_id one past the largest, as SQLite numbers a rowid, on any
	 * backend: a sequence would leave the number of each command rolled
	 * back out of what revops-import --log lists */
	st = db_prepare(db, "INSERT INTO audit_log (audit_id, at, \"user\", "
	    "program, verb, arguments, changes) VALUES ((SELECT "
	    "coalesce(max(audit_id), 0) + 1 FROM audit_log), ?1, ?2, ?3, ?4, "
	    "?5, ?6)");
	db_bind_text(st, 1, at);
	db_bind_text(st, 2, db_user());
	db_bind_text(st, 3, cli_progname());
	db_bind_text(st, 4, verb);
	db_bind_text(st, 5, args);
	db_bind_text(st, 6, json);
	db_done(st);
	db_finalize(st);
	free(args);
}

/*
 * The number of id (len bytes) when it is of the form of db_next_id(),
 * its first plen bytes the prefix, then '-' and 1 to ID_DIGITS_MAX digits
 * (so that it cannot wrap); else -1.
 */
static long long
id_number(const char *id, size_t len, size_t plen)
{
	long long v = 0;

	if (len <= plen + 1 || len - plen - 1 > ID_DIGITS_MAX ||
	    id[plen] != '-')
		return -1;
	for (size_t i = plen + 1; i < len; i++) {
		if (id[i] < '0' || id[i] > '9')
			return -1;
		v = v * 10 + (id[i] - '0');
	}
	return v;
}

static const char sql_counter[] =
    "SELECT next FROM id_counters WHERE tbl = ?1 AND prefix = ?2";
static const char sql_took[] =
    "INSERT INTO id_counters (tbl, prefix, next) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (tbl, prefix) DO UPDATE SET next = excluded.next "
    "WHERE excluded.next > id_counters.next";

/* The statement of the scan: every id of table.column from ?1 up to ?2. */
static struct db_stmt *
scan_prepare(struct db *db, const char *table, const char *column)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s >= ?1 AND "
	    "%s < ?2", column, table, column, column);
	return db_prepare(db, sql);
}

/*
 * One past the largest number of the form PREFIX-digits that scan's
 * table holds (1 when none).  The range, PREFIX-0 up to PREFIX-:, lets an
 * index on the column find the ids of this prefix without reading the
 * rest; the form is then checked here, byte by byte, as a number of more
 * digits sorts before a smaller one.  The prefix is bound, never written
 * into the SQL: an import's come from its input.
 */
static long long
scan_next(struct db_stmt *scan, const char *prefix, size_t plen)
{
	char *bound = cli_calloc(plen + 3, 1);
	long long next = 1, v;

	memcpy(bound, prefix, plen);
	memcpy(bound + plen, "-0", 2);
	db_bind_text(scan, 1, bound);
	bound[plen + 1] = ':';
	db_bind_text(scan, 2, bound);
	free(bound);
	while (db_row(scan))
		if ((v = id_number(db_text(scan, 0), db_len(scan, 0),
		    plen)) >= next)
			next = v + 1;
	return next;
}

long long
db_next_number(struct db *db, const char *table, const char *column,
    const char *prefix)
{
	struct db_stmt *st;
	long long next;

	st = db_prepare(db, sql_counter);
	db_bind_text(st, 1, table);
	db_bind_text(st, 2, prefix);
	if (db_row(st)) {
		next = db_int(st, 0);
		db_finalize(st);
		return next;
	}
	db_finalize(st);
	st = scan_prepare(db, table, column);
	next = scan_next(st, prefix, strlen(prefix));
	db_finalize(st);
	return next;
}

void
db_took_numbers(struct db *db, const char *table, const char *prefix,
    long long next)
{
	struct db_stmt *st = db_prepare(db, sql_took);

	db_bind_text(st, 1, table);
	db_bind_text(st, 2, prefix);
	db_bind_int(st, 3, next);
	db_done(st);
	db_finalize(st);
}

/*
 * The prefixes noted, in a table of open addressing that doubles when
 * half full; last is the slot of the prefix noted last, as the ids of a
 * file mostly share one.
 */
struct seen_prefix {
	char *prefix;		/* NULL: a free slot */
	size_t len;
	long long max;
};

struct db_ids_seen {
	const char *table, *column;
	int was_empty;		/* no row but those noted: no scan */
	struct seen_prefix *slot;
	size_t cap, n, last;
};

struct db_ids_seen *
db_ids_seen_new(const char *table, const char *column, int was_empty)
{
	struct db_ids_seen *s = cli_calloc(1, sizeof(*s));

	s->table = table;
	s->column = column;
	s->was_empty = was_empty;
	s->cap = 16;
	s->slot = cli_calloc(s->cap, sizeof(*s->slot));
	return s;
}

static size_t
prefix_hash(const char *p, size_t len)
{
	size_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

/* The slot of the prefix (len bytes), a free one when it is not there. */
static size_t
seen_slot(const struct seen_prefix *slot, size_t cap, const char *p,
    size_t len)
{
	size_t i = prefix_hash(p, len) & (cap - 1);

	while (slot[i].prefix != NULL && (slot[i].len != len ||
	    memcmp(slot[i].prefix, p, len) != 0))
		i = (i + 1) & (cap - 1);
	return i;
}

static void
seen_grow(struct db_ids_seen *s)
{
	size_t cap = s->cap * 2;
	struct seen_prefix *slot = cli_calloc(cap, sizeof(*slot));

	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i].prefix != NULL)
			slot[seen_slot(slot, cap, s->slot[i].prefix,
			    s->slot[i].len)] = s->slot[i];
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	s->last = 0;
}

void
db_ids_seen_note(struct db_ids_seen *s, const char *id, size_t len)
{
	struct seen_prefix *e = &s->slot[s->last];
	size_t plen = len;
	long long v;

	while (plen > 0 && id[plen - 1] != '-')
		plen--;
	if (plen == 0 || (v = id_number(id, len, --plen)) < 0)
		return;
	if (e->prefix == NULL || e->len != plen ||
	    memcmp(e->prefix, id, plen) != 0) {
		if (2 * (s->n + 1) > s->cap)
			seen_grow(s);
		s->last = seen_slot(s->slot, s->cap, id, plen);
		e = &s->slot[s->last];
		if (e->prefix == NULL) {
			e->prefix = cli_calloc(plen + 1, 1);
			memcpy(e->prefix, id, plen);
			e->len = plen;
			e->max = v;
			s->n++;
		}
	}
	if (v > e->max)
		e->max = v;
}

void
db_ids_seen_done(struct db *db, struct db_ids_seen *s)
{
	struct db_stmt *counter, *scan = NULL, *took;

	if (s == NULL || s->n == 0)
		return;
	counter = db_prepare(db, sql_counter);
	took = db_prepare(db, sql_took);
	db_bind_text(counter, 1, s->table);
	db_bind_text(took, 1, s->table);
	for (size_t i = 0; i < s->cap; i++) {
		const struct seen_prefix *e = &s->slot[i];
		long long next;

		if (e->prefix == NULL)
			continue;
		db_bind_text(counter, 2, e->prefix);
		if (db_row(counter)) {
			next = db_int(counter, 0);
			db_reset(counter);
		} else if (s->was_empty) {
			next = 1;
		} else {
			if (scan == NULL)
				scan = scan_prepare(db, s->table, s->column);
			next = scan_next(scan, e->prefix, e->len);
		}
		if (e->max >= next)
			next = e->max + 1;
		db_bind_text(took, 2, e->prefix);
		db_bind_int(took, 3, next);
		db_done(took);
	}
	db_finalize(counter);
	db_finalize(took);
	if (scan != NULL)
		db_finalize(scan);
}

void
db_ids_seen_free(struct db_ids_seen *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i].prefix);
	free(s->slot);
	free(s);
}

void
db_ids_next(struct db *db, struct db_ids *ids, char *buf, size_t size)
{
	if (ids->next == 0)
		ids->next = db_next_number(db, ids->table, ids->column,
		    ids->prefix);
	snprintf(buf, size, "%s-%06lld", ids->prefix, ids->next++);
}

void
db_ids_done(struct db *db, const struct db_ids *ids)
{
	if (ids->next != 0)
		db_took_numbers(db, ids->table, ids->prefix, ids->next);
}

void
db_next_id(struct db *db, const char *table, const char *column,
    const char *prefix, char *buf, size_t size)
{
	struct db_ids ids = { table, column, prefix, 0 };

	db_ids_next(db, &ids, buf, size);
	db_ids_done(db, &ids);
}

int
db_finish(struct db *db, const char *verb, const char *arguments,
    const struct db_changes *ch)
{
	unsigned long errors = cli_data_errors();

	if (errors > 0) {
		db_rollback(db);
		cli_warn("%s: nothing changed (%lu error%s)", verb, errors,
		    errors == 1 ? "" : "s");
		return CLI_EDATA;
	}
	db_audit(db, verb, arguments, ch);
	db_commit(db);
	return CLI_OK;
}

int
db_has(struct db *db, const char *table, const char *column, const char *key)
{
	char sql[128];
	struct db_stmt *st;
	int found;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s = ?1", table,
	    column);
	st = db_prepare(db, sql);
	db_bind_text(st, 1, key);
	found = db_row(st);
	db_finalize(st);
	return found;
}

unsigned long
db_unknown_ids(struct db *db, const char *table, const char *column,
    const char *what, const char *opt, char *const *ids, size_t n)
{
	unsigned long unknown = 0;

	for (size_t i = 0; i < n; i++)
		if (!db_has(db, table, column, ids[i])) {
			unknown++;
			if (!cli_data_error(opt, 0, NULL, "%s '%s' does not exist",
			    what, ids[i]))
				break;
		}
	return unknown;
}

/* The insert is prepared once: a verb adds a key for each row it makes
 * (db_close() finalizes it with the connection's other statements). */
void
db_keys_open(struct db *db)
{
	db_temp_table(db, "out_keys", "key TEXT PRIMARY KEY");
	if (db->keys_add == NULL)
		db->keys_add = db_prepare(db, "INSERT INTO out_keys (key) "
		    "VALUES (?1) ON CONFLICT DO NOTHING");
}

int
db_keys_add(struct db *db, const char *key)
{
	struct db_stmt *st = db->keys_add;
	int added;

	db_bind_text(st, 1, key);
	db_done(st);
	added = db_changes(st) > 0;
	db_reset(st);
	return added;
}
