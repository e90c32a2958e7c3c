/*
 * The reader feeds libcsv one physical line at a time.  That is how it
 * knows line numbers: libcsv keeps its state across calls, so quoted
 * fields may still span lines, and between calls we know which line we
 * are on.  A record starts on the line where libcsv is at ROW_NOT_BEGUN
 * (pstate 0 in libcsv 3) when the line is fed.  Bytes are checked for NUL
 * and UTF-8 on the way in, with a UTF-8 state that survives the ends of
 * read blocks.
 *
 * An error names the field it is in, by the header's name for it, and
 * shows the field as the file has it.  For a bad byte the line is fed to
 * libcsv up to that byte first, so that libcsv's state (public in its
 * csv.h: the state, whether the field is quoted, its text so far) says
 * which field the byte is in and what came before it in the field.
 */
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "cli.h"
#include "csv.h"
#include "entity.h"

/* make fuzz reads in blocks of a few bytes (at least 3, for the BOM),
 * so that block ends fall inside the lines, characters and quoted fields
 * of the fuzzer's small inputs. */
#ifndef CSV_BLOCK_SIZE
#define CSV_BLOCK_SIZE (256 * 1024)
#endif
#define LIBCSV_ROW_NOT_BEGUN 0
#define LIBCSV_FIELD_BEGUN 2
#define LIBCSV_FIELD_MIGHT_HAVE_ENDED 3	/* after a quote in a quoted field */
#define SHOW_BYTES 60		/* of a bad field, in a message */

struct utf8_state {
	unsigned need;		/* continuation bytes still to come */
	unsigned char lo, hi;	/* the range the next one must be in */
	unsigned long cp;	/* the code point so far */
	unsigned char lead;	/* the first byte of the character */
};

struct field_span {
	size_t off, len;
	int null;
};

/* The first bytes of a bad field, for its message. */
struct value {
	char s[SHOW_BYTES + 4];
	size_t n;
	int more;		/* bytes left out */
};

struct reader {
	struct csv_parser parser;
	const char *name;
	csv_report_fn report;
	csv_record_fn fn;
	void *arg;
	char *data;		/* the current record's fields, NUL after each */
	size_t ndata, capdata;
	struct field_span *span;
	struct csv_field *field;
	size_t nfield, capfield;
	unsigned long line;	/* the physical line being fed */
	int cr_last;		/* the last block ended with a CR */
	unsigned long record_line;
	unsigned long field_line;	/* where the field being read starts */
	int stop;		/* the callback's value, or -1 */
	int too_long;
	size_t too_long_field;	/* which field, its line and first bytes */
	unsigned long too_long_line;
	struct value too_long_value;
	struct utf8_state utf8;
	struct csv_record header;	/* the first record, kept for messages */
	char *header_data;
	struct csv_field *header_field;
};

static void
value_add(struct value *v, const char *s, size_t len)
{
	size_t room = sizeof(v->s) - v->n;

	if (len > room) {
		len = room;
		v->more = 1;
	}
	memcpy(v->s + v->n, s, len);
	v->n += len;
}

static void
on_field(void *s, size_t len, void *arg)
{
	struct reader *r = arg;
	struct field_span *sp;

	if (r->stop)
		return;
	if (len > CSV_FIELD_MAX) {
		if (!r->too_long) {
			r->too_long_field = r->nfield;
			r->too_long_line = r->field_line;
			value_add(&r->too_long_value, s, len);
		}
		r->too_long = 1;
		return;
	}
	if (r->nfield == r->capfield) {
		r->span = cli_grow(r->span, &r->capfield, r->nfield + 1,
		    sizeof(*r->span));
		r->field = cli_realloc(r->field, r->capfield,
		    sizeof(*r->field));
	}
	if (r->ndata + len + 1 > r->capdata)
		r->data = cli_grow(r->data, &r->capdata, r->ndata + len + 1, 1);
	sp = &r->span[r->nfield++];
	sp->off = r->ndata;
	sp->len = len;
	sp->null = s == NULL;
	if (len > 0)
		memcpy(r->data + r->ndata, s, len);
	r->data[r->ndata + len] = '\0';
	r->ndata += len + 1;
}

/* The header, the first record, is kept for the messages about the
 * records after it. */
static void
keep_header(struct reader *r)
{
	size_t n = r->nfield;

	r->header_data = cli_realloc(NULL, r->ndata, 1);
	r->header_field = cli_realloc(NULL, n, sizeof(*r->header_field));
	memcpy(r->header_data, r->data, r->ndata);
	for (size_t i = 0; i < n; i++) {
		r->header_field[i].s = r->span[i].null ? NULL :
		    r->header_data + r->span[i].off;
		r->header_field[i].len = r->span[i].len;
	}
	r->header.field = r->header_field;
	r->header.nfield = n;
	r->header.line = r->record_line;
	r->header.header = NULL;
}

static void
on_record(int c, void *arg)
{
	struct reader *r = arg;
	struct csv_record rec;

	(void)c;
	if (r->stop || r->too_long)
		return;
	for (size_t i = 0; i < r->nfield; i++) {
		r->field[i].s = r->span[i].null ? NULL : r->data + r->span[i].off;
		r->field[i].len = r->span[i].len;
	}
	rec.field = r->field;
	rec.nfield = r->nfield;
	rec.line = r->record_line;
	rec.header = r->header.field != NULL ? &r->header : NULL;
	r->stop = r->fn(r->arg, &rec);
	if (rec.header == NULL)
		keep_header(r);
	r->nfield = 0;
	r->ndata = 0;
}

static int
trim_nothing(unsigned char c)
{
	(void)c;
	return 0;
}

/*
 * libcsv grows its field buffer through this; refusing past the cap makes
 * csv_parse() fail instead of eating memory on a runaway quoted field.
 * The buffer must hold a field of CSV_FIELD_MAX bytes and the closing
 * quote libcsv keeps there until the next byte, and one byte more so that
 * a field just over the limit reaches on_field() (at the end of the file
 * nothing else would catch it).
 */
static void *
capped_realloc(void *p, size_t size)
{
	if (size > CSV_FIELD_MAX + 2)
		return NULL;
	return realloc(p, size);
}

/*
 * Checks n bytes of UTF-8 that may start or end inside a character.
 * Returns the index of the first bad byte, or n.  *bom is set when the
 * bytes complete a U+FEFF.
 */
static size_t
utf8_check(struct utf8_state *u, const unsigned char *s, size_t n, int *bom)
{
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];

		if (u->need > 0) {
			if (c < u->lo || c > u->hi)
				return i;	/* u->lead is the culprit */
			u->cp = u->cp << 6 | (c & 0x3f);
			u->lo = 0x80;
			u->hi = 0xbf;
			if (--u->need == 0 && u->cp == 0xfeff) {
				*bom = 1;
				return i;
			}
			continue;
		}
		if (c < 0x80)
			continue;
		u->lead = (unsigned char)c;
		u->lo = 0x80;
		u->hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			u->need = 1;
			u->cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			u->need = 2;
			u->cp = c & 0x0f;
			if (c == 0xe0)
				u->lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				u->hi = 0x9f;	/* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			u->need = 3;
			u->cp = c & 0x07;
			if (c == 0xf0)
				u->lo = 0x90;	/* overlong */
			else if (c == 0xf4)
				u->hi = 0x8f;	/* past U+10FFFF */
		} else {
			u->need = 0;
			return i;
		}
	}
	return n;
}

/* ---- messages ------------------------------------------------------------ */

/* The bytes from s up to the end of the field (a delimiter or a line end). */
static void
value_rest(struct value *v, const struct reader *r, const char *s,
    size_t len)
{
	size_t n = 0;

	while (n < len && s[n] != (char)r->parser.delim_char && s[n] != '\n' &&
	    s[n] != '\r')
		n++;
	value_add(v, s, n);
}

/*
 * The field libcsv is in the middle of, as the file has it: its opening
 * quote, its text so far with the quotes in it doubled again, and the
 * closing quote it may have just read.  With one_line, only up to the
 * first line end in it.
 */
static void
value_partial(struct value *v, const struct csv_parser *p, int one_line)
{
	size_t n = p->entry_pos;
	int closing = p->pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED;

	if (p->pstate < LIBCSV_FIELD_BEGUN)
		return;
	if (p->quoted)
		value_add(v, "\"", 1);
	for (size_t i = 0; i < n && !v->more; i++) {
		char c = (char)p->entry_buf[i];

		if (one_line && (c == '\n' || c == '\r')) {
			while (i < n && (p->entry_buf[i] == '\n' ||
			    p->entry_buf[i] == '\r'))
				i++;
			v->more = i < n;
			return;
		}
		value_add(v, &c, 1);
		if (p->quoted && c == '"' && !(closing && i == n - 1))
			value_add(v, &c, 1);
	}
}

/* The length of the valid UTF-8 character at s, 0 for none. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	struct utf8_state u;
	int bom = 0;

	memset(&u, 0, sizeof(u));
	for (size_t i = 0; i < n; i++) {
		if (utf8_check(&u, s + i, 1, &bom) != 1 || bom)
			return 0;
		if (u.need == 0)
			return i + 1;
	}
	return 0;
}

/*
 * A field's bytes as a message shows them: in quotes, at most SHOW_BYTES
 * of them, then "..." when there are more; a byte that is not printable
 * text (a control byte, invalid UTF-8, a byte order mark) as \xHH.
 */
static const char *
show(char *buf, const struct value *v)
{
	const unsigned char *u = (const unsigned char *)v->s;
	size_t n = v->n > SHOW_BYTES ? SHOW_BYTES : v->n, i = 0, j = 0, k;

	buf[j++] = '\'';
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x7f)
			k = 1;
		else if (u[i] >= 0x80)
			k = utf8_char(u + i, v->n - i);
		else
			k = 0;
		if (k > 0) {
			memcpy(buf + j, u + i, k);
			j += k;
			i += k;
		} else
			j += (size_t)snprintf(buf + j, 5, "\\x%02X", u[i++]);
	}
	if (i < v->n || v->more) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j++] = '\'';
	buf[j] = '\0';
	return buf;
}

/* The name of field i for a message: the header's, when it has one that
 * can be shown as it is. */
static const char *
column_name(const struct reader *r, size_t i)
{
	const struct csv_field *f;

	if (i >= r->header.nfield)
		return NULL;
	f = &r->header.field[i];
	if (f->s == NULL || f->len == 0 || f->len > SHOW_BYTES)
		return NULL;
	for (size_t j = 0; j < f->len; j++)
		if ((unsigned char)f->s[j] < 0x20 || f->s[j] == 0x7f)
			return NULL;
	return f->s;
}

/* Reports an error in field i (from 0) of the record being read, whose
 * bytes are v: "column 'NAME': 'VALUE' WHAT", or "field N: ...". */
static int
field_error(struct reader *r, unsigned long line, size_t i,
    const struct value *v, const char *what)
{
	char shown[CSV_SHOW_MAX];
	const char *column = column_name(r, i);

	show(shown, v);
	if (column != NULL)
		r->report(r->name, line, column, "%s %s", shown, what);
	else
		r->report(r->name, line, NULL, "field %zu: %s %s", i + 1,
		    shown, what);
	return -1;
}

static int
too_long_error(struct reader *r, unsigned long line, size_t i,
    const struct value *v)
{
	return field_error(r, line, i, v, "is longer than 1 MiB");
}

/* ---- reading ---------------------------------------------------------------- */

/*
 * A whole line without a quote, at the start of a record, as most lines
 * of most files are: its fields are the text between the delimiters, an
 * empty one NULL, and a blank line is none, as libcsv gives them
 * (CSV_EMPTY_IS_NULL, no trimming), without a pass byte by byte through
 * libcsv's states and its buffer (the most of reading a large file).
 * Returns whether it took the line.
 */
static int
split_line(struct reader *r, const char *s, size_t len)
{
	const char *end = s + len, *d;
	unsigned char delim = csv_get_delim(&r->parser);
	size_t n;

	if (r->parser.pstate != LIBCSV_ROW_NOT_BEGUN || r->nfield != 0 ||
	    len == 0 || (end[-1] != '\n' && end[-1] != '\r') ||
	    memchr(s, '"', len) != NULL)
		return 0;
	/* line_end(): a CR is in a line only as its end, alone or before
	 * the LF */
	if (*--end == '\n' && end > s && end[-1] == '\r')
		end--;
	if (end == s)
		return 1;
	for (;; s = d + 1) {
		d = memchr(s, delim, (size_t)(end - s));
		n = (size_t)((d != NULL ? d : end) - s);
		on_field(n > 0 ? (void *)s : NULL, n, r);
		if (d == NULL)
			break;
	}
	on_record('\n', r);
	return 1;
}

/* Feeds bytes that passed the checks to libcsv, reporting its errors. */
static int
parse(struct reader *r, const char *s, size_t len)
{
	struct value v = { .n = 0 };
	size_t done = split_line(r, s, len) ? len : csv_parse(&r->parser, s,
	    len, on_field, on_record, r);

	if (done == len && !r->too_long)
		return r->stop;
	if (r->stop)	/* stopped before the error (after a CR) */
		return r->stop;
	if (r->too_long)
		return too_long_error(r, r->too_long_line, r->too_long_field,
		    &r->too_long_value);
	if (csv_error(&r->parser) == CSV_ENOMEM) {
		value_add(&v, (const char *)r->parser.entry_buf,
		    r->parser.entry_pos);
		return too_long_error(r, r->field_line, r->nfield, &v);
	}
	value_partial(&v, &r->parser, 0);
	value_rest(&v, r, s + done, len - done);
	return field_error(r, r->line, r->nfield, &v,
	    r->parser.pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED ?
	    "has text after its closing quote (quote the whole field, and "
	    "double the quotes in it)" : "has a quote inside an unquoted "
	    "field (quote the whole field, and double the quotes in it)");
}

/*
 * Checks and feeds one line, or the part of it in this block: the bytes
 * before the first bad one are fed, then the bad one is reported in the
 * field it falls in.
 */
static int
feed(struct reader *r, const char *s, size_t len)
{
	const char *nul = memchr(s, '\0', len);
	size_t n = nul != NULL ? (size_t)(nul - s) : len, bad, start;
	struct utf8_state *u = &r->utf8;
	struct value v = { .n = 0 };
	char what[128];
	int bom = 0, rc;

	if (r->parser.pstate < LIBCSV_FIELD_BEGUN || !r->parser.quoted)
		r->field_line = r->line;	/* not inside a quoted field */
	bad = utf8_check(u, (const unsigned char *)s, n, &bom);
	if (bad == n && nul == NULL)
		return parse(r, s, len);
	if (bad == n) {
		start = n;
		snprintf(what, sizeof(what), "contains a NUL byte (the file "
		    "is not text)");
	} else if (bom) {
		start = bad >= 2 ? bad - 2 : 0;
		snprintf(what, sizeof(what), "has a byte order mark inside "
		    "the file (were files joined together?)");
	} else {
		/* The culprit is the lead byte of a character cut short. */
		unsigned lead = u->need > 0 ? u->lead : (unsigned char)s[bad];
		size_t seen = u->need == 0 ? 0 : (lead >= 0xf0 ? 3 : lead >=
		    0xe0 ? 2 : 1) - u->need;

		start = bad >= seen ? bad - seen : 0;
		snprintf(what, sizeof(what), "is invalid UTF-8 (byte 0x%02X); "
		    "convert the file to UTF-8, e.g. with iconv", lead);
	}
	if ((rc = parse(r, s, start)) != 0)
		return rc;
	value_partial(&v, &r->parser, 0);
	value_rest(&v, r, s + start, len - start);
	return field_error(r, r->line, r->nfield, &v, what);
}

/*
 * The end of the line that starts at p, in a block ending at end: after
 * its LF, its CR LF, or a CR alone (the files of old Macs, and of Excel's
 * "CSV (Macintosh)"); *eol says whether a line ends there.  A CR last in
 * the block ends a line, and r->cr_last says so: an LF first in the next
 * block is the rest of that line end.
 */
static const char *
line_end(struct reader *r, const char *p, const char *end, int *eol)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *cr = memchr(p, '\r', (size_t)((nl != NULL ? nl : end) -
	    p));

	*eol = 1;
	if (cr != NULL && (cr + 1 == end || cr[1] != '\n')) {
		r->cr_last = cr + 1 == end;
		return cr + 1;
	}
	if (nl != NULL)
		return nl + 1;
	*eol = 0;
	return end;
}

static int
feed_block(struct reader *r, const char *p, const char *end)
{
	const char *stop;
	int rc, eol;

	if (r->cr_last && p < end && *p == '\n') {
		if ((rc = feed(r, p, 1)) != 0)
			return rc;
		p++;
	}
	r->cr_last = 0;
	while (p < end) {
		stop = line_end(r, p, end, &eol);
		if (r->utf8.need == 0 && r->parser.pstate ==
		    LIBCSV_ROW_NOT_BEGUN && r->nfield == 0)
			r->record_line = r->line;
		if ((rc = feed(r, p, (size_t)(stop - p))) != 0)
			return rc;
		r->line += eol;
		p = stop;
	}
	return 0;
}

/*
 * A read error is never the end of the input: what was read of a file is
 * not all of it, and a verb that went on would commit a part of its
 * input (or, with --replace, delete what the rest held).  So it ends the
 * program, before anything is committed.
 */
static _Noreturn void
read_failed(const char *name)
{
	cli_die(CLI_EIO, "%s: %s", name, strerror(errno != 0 ? errno : EIO));
}

static int
read_all(struct reader *r, FILE *fp, struct sha256 *digest)
{
	struct value v = { .n = 0 };
	char *block;
	size_t n;
	int first = 1, rc = 0;

	block = cli_realloc(NULL, CSV_BLOCK_SIZE, 1);
	cli_input_read(fp);
	while (rc == 0 && (n = fread(block, 1, CSV_BLOCK_SIZE, fp)) > 0) {
		const char *p = block;

		if (digest != NULL)
			sha256_update(digest, block, n);
		if (first && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		first = 0;
		rc = feed_block(r, p, block + n);
	}
	free(block);
	if (rc != 0)
		return rc;
	if (ferror(fp))
		read_failed(r->name);
	if (r->utf8.need > 0) {
		value_partial(&v, &r->parser, 0);
		return field_error(r, r->line, r->nfield, &v, "is invalid "
		    "UTF-8 (the file ends inside a character)");
	}
	value_partial(&v, &r->parser, 1);	/* csv_fini() forgets it */
	if (csv_fini(&r->parser, on_field, on_record, r) != 0)
		return field_error(r, r->field_line, r->nfield, &v, "is an "
		    "unterminated quoted field: its quote is never closed, so "
		    "it runs to the end of the file");
	if (r->too_long)
		return too_long_error(r, r->too_long_line, r->too_long_field,
		    &r->too_long_value);
	return r->stop;
}

int
csv_read(FILE *fp, const char *name, csv_report_fn report, char delim,
    struct sha256 *digest, csv_record_fn fn, void *arg)
{
	struct reader r;
	int rc;

	memset(&r, 0, sizeof(r));
	if (csv_init(&r.parser, CSV_STRICT | CSV_STRICT_FINI |
	    CSV_EMPTY_IS_NULL) != 0)
		cli_die(CLI_EIO, "out of memory");
	csv_set_delim(&r.parser, (unsigned char)delim);
	csv_set_space_func(&r.parser, trim_nothing);
	csv_set_realloc_func(&r.parser, capped_realloc);
	csv_set_blk_size(&r.parser, 64 * 1024);
	r.name = name;
	r.report = report;
	r.fn = fn;
	r.arg = arg;
	r.line = 1;
	r.record_line = 1;
	rc = read_all(&r, fp, digest);
	csv_free(&r.parser);
	free(r.header_data);
	free(r.header_field);
	free(r.data);
	free(r.span);
	free(r.field);
	return rc;
}

int
csv_header_is(const struct csv_field *f, const char *column)
{
	const char *s = f->s, *e;
	size_t n = strlen(column);

	if (s == NULL)
		return 0;
	e = s + f->len;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return (size_t)(e - s) == n && strncasecmp(s, column, n) == 0;
}

int
csv_header_find(const struct csv_record *header, const char *column)
{
	for (size_t i = 0; i < header->nfield; i++)
		if (csv_header_is(&header->field[i], column))
			return (int)i;
	return -1;
}

const char *
csv_show(char *buf, const struct csv_field *f)
{
	struct value v = { .n = 0 };

	if (f->s != NULL)
		value_add(&v, f->s, f->len);
	return show(buf, &v);
}

const char *
csv_ragged(const struct csv_record *rec, char *buf)
{
	const struct csv_record *h = rec->header;
	size_t n = rec->nfield, nh = h->nfield, nonempty = 0, room;
	char a[CSV_SHOW_MAX], b[CSV_SHOW_MAX], *p;

	room = CSV_RAGGED_MAX - (size_t)snprintf(buf, CSV_RAGGED_MAX,
	    "%zu field%s, but the header has %zu: ", n, n == 1 ? "" : "s", nh);
	p = buf + CSV_RAGGED_MAX - room;
	if (n + 1 == nh) {
		snprintf(p, room, "the field of column %s is missing",
		    csv_show(a, &h->field[n]));
		return buf;
	}
	if (n < nh) {
		snprintf(p, room, "the fields of columns %s to %s are missing",
		    csv_show(a, &h->field[n]), csv_show(b, &h->field[nh - 1]));
		return buf;
	}
	for (size_t i = nh; i < n; i++)
		nonempty += rec->field[i].len > 0;
	csv_show(b, &h->field[nh - 1]);
	if (nonempty == 0 && n - nh == 1)
		snprintf(p, room, "an empty field is past the last column, %s "
		    "(a delimiter at the end of the line?)", b);
	else if (nonempty == 0)
		snprintf(p, room, "empty fields are past the last column, %s "
		    "(delimiters at the end of the line?)", b);
	else
		snprintf(p, room, "%s %s past the last column, %s (a value with "
		    "a delimiter in it that is not quoted?)",
		    csv_show(a, &rec->field[nh]), n - nh == 1 ? "is" :
		    "and more are", b);
	return buf;
}

#define COLUMNS_MAX 16

struct columns {
	const char *name;
	csv_report_fn report;
	const char *const *columns;
	size_t ncolumns, nrequired, nheader;
	int index[COLUMNS_MAX];
	int have_header;
	csv_columns_fn fn;
	void *arg;
};

static int
on_columns_record(void *arg, const struct csv_record *rec)
{
	struct columns *c = arg;
	struct csv_field field[COLUMNS_MAX];

	if (!c->have_header) {
		int missing = 0;

		c->have_header = 1;
		c->nheader = rec->nfield;
		for (size_t i = 0; i < c->ncolumns; i++) {
			c->index[i] = csv_header_find(rec, c->columns[i]);
			if (c->index[i] < 0 && i < c->nrequired) {
				missing = 1;
				if (!c->report(c->name, rec->line, NULL,
				    "header: the column '%s' is missing",
				    c->columns[i]))
					break;
			}
		}
		return missing ? -1 : 0;
	}
	if (rec->nfield != c->nheader) {
		char why[CSV_RAGGED_MAX];

		c->report(c->name, rec->line, NULL, "%s",
		    csv_ragged(rec, why));
		return -1;
	}
	for (size_t i = 0; i < c->ncolumns; i++) {
		field[i].s = NULL;
		field[i].len = 0;
		if (c->index[i] >= 0)
			field[i] = rec->field[c->index[i]];
	}
	return c->fn(c->arg, field, rec->line);
}

int
csv_read_columns(FILE *fp, const char *name, csv_report_fn report,
    char delim, const char *const *columns, size_t ncolumns,
    size_t nrequired, csv_columns_fn fn, void *arg)
{
	struct columns c = { name, report, columns, ncolumns, nrequired, 0,
	    { 0 }, 0, fn, arg };
	int rc;

	if (ncolumns > COLUMNS_MAX)
		cli_die(CLI_EIO, "internal error: too many columns");
	rc = csv_read(fp, name, report, delim, NULL, on_columns_record, &c);
	return rc == 0 && !c.have_header ? csv_no_header(report, name) : rc;
}

int
csv_no_header(csv_report_fn report, const char *name)
{
	report(name, 0, NULL, "empty input: a header line naming the "
	    "columns is needed");
	return -1;
}

/* The cells of csv_rows, packed into blocks instead of a malloc each (a
 * million ids of ten bytes: 32 MB of chunks, 11 MB of blocks). */
struct csv_text {
	struct csv_text *next;
	size_t used, size;
	char s[];
};

#define TEXT_BLOCK 65536

static char *
keep_text(struct csv_rows *r, const char *s, size_t len)
{
	struct csv_text *t = r->text;
	char *p;

	if (t == NULL || t->size - t->used < len + 1) {
		size_t size = len + 1 > TEXT_BLOCK ? len + 1 : TEXT_BLOCK;

		t = cli_calloc(1, sizeof(*t) + size);
		t->size = size;
		t->next = r->text;
		r->text = t;
	}
	p = t->s + t->used;
	memcpy(p, s, len);
	p[len] = '\0';
	t->used += len + 1;
	return p;
}

static int
keep_row(void *arg, const struct csv_field *f, unsigned long line)
{
	struct csv_rows *r = arg;

	if (r->n == r->cap) {
		r->line = cli_grow(r->line, &r->cap, r->n + 1,
		    sizeof(*r->line));
		r->cell = cli_realloc(r->cell, r->cap,
		    r->ncolumns * sizeof(*r->cell));
	}
	for (size_t j = 0; j < r->ncolumns; j++) {
		char **c = &r->cell[r->n * r->ncolumns + j];

		*c = f[j].s != NULL && f[j].len > 0 ?
		    keep_text(r, f[j].s, f[j].len) : NULL;
	}
	r->line[r->n++] = line;
	return 0;
}

int
csv_collect(const struct csv_input *in, csv_report_fn report,
    const char *const *columns, size_t ncolumns, size_t nrequired,
    int per_record, struct csv_rows *rows)
{
	struct csv_field f[COLUMNS_MAX];

	memset(rows, 0, sizeof(*rows));
	rows->ncolumns = ncolumns;
	if (in->argc == 0 || (in->argc == 1 && strcmp(in->argv[0], "-") == 0))
		return csv_read_columns(in->in, in->name ? in->name : "stdin",
		    report, in->delim, columns, ncolumns, nrequired, keep_row,
		    rows) == 0 ? 0 : -1;
	if (in->argc % per_record != 0)
		cli_usage_error("arguments come in groups of %d", per_record);
	for (int i = 0; i < in->argc; i += per_record) {
		for (size_t j = 0; j < ncolumns; j++) {
			f[j].s = (int)j < per_record ? in->argv[i + j] : NULL;
			f[j].len = f[j].s != NULL ? strlen(f[j].s) : 0;
		}
		keep_row(rows, f, 0);
	}
	return 0;
}

int
csv_rows_each(const struct csv_rows *rows, csv_columns_fn fn, void *arg)
{
	struct csv_field f[COLUMNS_MAX];
	int rc;

	for (size_t i = 0; i < rows->n; i++) {
		for (size_t j = 0; j < rows->ncolumns; j++) {
			f[j].s = rows->cell[i * rows->ncolumns + j];
			f[j].len = f[j].s != NULL ? strlen(f[j].s) : 0;
		}
		if ((rc = fn(arg, f, rows->line[i])) != 0)
			return rc;
	}
	return 0;
}

void
csv_rows_free(struct csv_rows *rows)
{
	struct csv_text *t, *next;

	for (t = rows->text; t != NULL; t = next) {
		next = t->next;
		free(t);
	}
	free(rows->cell);
	free(rows->line);
	memset(rows, 0, sizeof(*rows));
}

int
csv_id(csv_report_fn report, const char *file, unsigned long line,
    const char *column, const struct csv_field *f, int optional, char *buf)
{
	size_t len = f != NULL && f->s != NULL ? f->len : 0;

	if (len > ENTITY_ID_MAX)
		return report(file, line, column, "'%.40s...' is "
		    "longer than %d characters, the longest an id can be",
		    f->s, ENTITY_ID_MAX) ? 0 : -1;
	if (len == 0 && !optional)
		return report(file, line, column, "is empty") ? 0 : -1;
	if (len > 0)
		memcpy(buf, f->s, len);
	buf[len] = '\0';
	return 1;
}
