/*
 * out: csv, tsv and jsonl cells go straight to the stdio stream as they
 * come, with no allocation per cell: each cell is scanned once for the
 * bytes that matter to the format (a 256-entry table for csv and tsv)
 * and written in runs.  A table is different: its column widths are
 * those of its cells, so they are copied into an arena and written a
 * block of TABLE_BLOCK rows at a time, each with the widths of all the
 * rows so far; a block that needs wider columns than the one before has
 * the header again over it, after a blank line.  Its memory is that of a
 * block, not of the output (1,600,000 priced lines held 736 MB).
 *
 * Every row has exactly ncolumns cells: out_end_row() pads a short row
 * with NULLs and cells past the last column are dropped.  A NULL pointer
 * given to out_text() or out_number() is a NULL cell, so a value fetched
 * from SQLite can be passed as it is; an empty number is NULL too.
 *
 * excel applies to csv and tsv only (a spreadsheet never reads a table or
 * jsonl); decimal_comma applies to csv, tsv and table, never to jsonl,
 * whose numbers must stay JSON numbers.  A table shows control characters
 * escaped (\n, \t, \x1b) so that a cell cannot break the columns or send
 * escape sequences to the terminal.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "money.h"
#include "out.h"

enum kind { K_NULL, K_TEXT, K_NUMBER };

#define TABLE_BLOCK 1000

struct cell {			/* a table cell held until out_finish() */
	size_t off;		/* into arena */
	size_t len;
	enum kind kind;
};

struct out {
	FILE *fp;
	enum out_format format;
	int header;
	int excel;		/* text cells as text; csv and tsv only */
	int in_header;		/* writing the header row: names as they are */
	int comma;		/* ',' as decimal mark in number cells */
	char delim;
	const char *eol;
	size_t ncolumns;
	char **columns;
	size_t col;		/* cells given so far in this row */
	unsigned char special[256];	/* bytes that need quotes */

	/* jsonl: "name": of column j, from keys[keyoff[j]] to keyoff[j+1]. */
	char *keys;
	size_t *keyoff;

	struct cell *cells;	/* table: row after row, ncolumns each */
	size_t ncells, cellcap;
	char *arena;
	size_t arenalen, arenacap;
	size_t *width;		/* per column, in code points as shown */
	size_t *shown;		/* the widths of the last block written */
	size_t blocks;		/* written */
	unsigned char *seen;	/* per column, 1 << kind for kinds seen */
	int oom;		/* a table cell could not be held */
};

/*
 * One thread writes the stream, so the stream lock is not taken for every
 * piece of a cell: on glibc that halves the time of a csv row.
 */
static inline void
put(FILE *fp, const void *p, size_t n)
{
	/* Most cells are short; stdio's per-call cost would dominate them. */
	if (n <= 24) {
		const char *s = p;

		while (n-- > 0)
			putc_unlocked(*s++, fp);
		return;
	}
#ifdef __GLIBC__
	fwrite_unlocked(p, 1, n, fp);
#else
	fwrite(p, 1, n, fp);
#endif
}

static inline void
put_str(FILE *fp, const char *s)
{
	put(fp, s, strlen(s));
}

static void
put_spaces(FILE *fp, size_t n)
{
	while (n-- > 0)
		putc_unlocked(' ', fp);
}

/* Writes s with every '.' as ',' when comma is set. */
static void
put_plain(FILE *fp, const char *s, size_t len, int comma)
{
	const char *dot;

	if (comma) {
		while ((dot = memchr(s, '.', len)) != NULL) {
			put(fp, s, (size_t)(dot - s));
			putc_unlocked(',', fp);
			len -= (size_t)(dot - s) + 1;
			s = dot + 1;
		}
	}
	if (len > 0)
		put(fp, s, len);
}

/* A plain decimal: optional sign, digits, optionally '.' and digits. */
static int
is_number(const char *s, size_t len)
{
	size_t i = 0, d;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d)
		return 0;
	if (i < len && s[i] == '.') {
		for (d = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == len;
}

/* Whether a spreadsheet would take this text cell for a formula. */
static int
is_formula(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	switch (s[0]) {
	case '=':
	case '@':
	case '\t':
	case '\r':
	case '\n':
		return 1;
	case '+':
	case '-':
		return !is_number(s, len);
	}
	return 0;
}

/*
 * A text cell for a spreadsheet: ="TEXT", a formula whose value is the
 * text, which Excel and LibreOffice keep as text when they open the file,
 * where a plain 000045 becomes 45, 1E5 100000 and 3/4 or 1-2 a date (a
 * leading ' is not read as such by their CSV import).  A string in a
 * formula may have 255 characters, so a longer text is written in parts
 * joined by &, never cut inside a UTF-8 sequence; a line end is CHAR(10)
 * or CHAR(13) between them, as LibreOffice does not evaluate a formula
 * with a line end in it.  A text too long for a
 * formula keeps the ' before what would be taken for one.  Written as a
 * quoted csv field, with every quote doubled once for the formula and
 * again for csv; an empty string stays "".
 */
#define EXCEL_PART_MAX 255
#define EXCEL_TEXT_MAX 4096

static void put_csv(struct out *o, const char *s, size_t len, int tick,
    int comma);

static void
put_excel(struct out *o, const char *s, size_t len)
{
	FILE *fp = o->fp;
	size_t part = 0;

	if (len == 0 || len > EXCEL_TEXT_MAX) {
		put_csv(o, s, len, is_formula(s, len), 0);
		return;
	}
	put(fp, "\"=\"\"", 4);
	for (size_t i = 0; i < len; i++, part++) {
		unsigned char c = (unsigned char)s[i];
		size_t seq = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
		    (c & 0xf0) == 0xe0 ? 3 : 4;

		if (c == '\n' || c == '\r') {
			put(fp, c == '\n' ? "\"\"&CHAR(10)&\"\"" :
			    "\"\"&CHAR(13)&\"\"", 14);
			part = 0;
			continue;
		}
		if ((c & 0xc0) != 0x80 && part + seq > EXCEL_PART_MAX) {
			put(fp, "\"\"&\"\"", 5);
			part = 0;
		}
		if (s[i] == '"')
			put(fp, "\"\"\"\"", 4);
		else
			putc_unlocked(s[i], fp);
	}
	put(fp, "\"\"\"", 3);
}

size_t
out_excel_text(const char *s, size_t len, char *dst)
{
	size_t i = 1, n = 0;

	if (len >= 3 && s[0] == '=') {
		for (;;) {
			if (i < len && s[i] == '"') {
				for (i++; i < len && (s[i] != '"' || (i + 1 < len &&
				    s[i + 1] == '"')); i++) {
					dst[n++] = s[i];
					i += s[i] == '"';
				}
				if (i++ >= len)
					break;	/* no closing quote: not ours */
			} else if (len - i >= 8 && (memcmp(s + i, "CHAR(10)", 8) ==
			    0 || memcmp(s + i, "CHAR(13)", 8) == 0)) {
				dst[n++] = s[i + 6] == '0' ? '\n' : '\r';
				i += 8;
			} else
				break;
			if (i == len)
				return n;
			if (s[i] != '&')
				break;
			i++;
		}
	} else if (len > 1 && s[0] == '\'' && is_formula(s + 1, len - 1)) {
		memcpy(dst, s + 1, len - 1);
		return len - 1;
	}
	memcpy(dst, s, len);
	return len;
}

/*
 * One csv or tsv cell.  The scan for a special byte stops at the first
 * one; no quote lies before it, so the doubling of quotes resumes there
 * and every byte is looked at about once.  An empty string is quoted so
 * that it is not read back as NULL.
 */
static void
put_csv(struct out *o, const char *s, size_t len, int tick, int comma)
{
	FILE *fp = o->fp;
	const char *q;
	size_t i = 0, start = 0;

	while (i < len && !o->special[(unsigned char)s[i]])
		i++;
	if (i == len && len > 0) {
		if (tick)
			putc_unlocked('\'', fp);
		put_plain(fp, s, len, comma);
		return;
	}
	putc_unlocked('"', fp);
	if (tick)
		putc_unlocked('\'', fp);
	while (i < len && (q = memchr(s + i, '"', len - i)) != NULL) {
		i = (size_t)(q - s) + 1;
		put_plain(fp, s + start, i - start, comma);
		putc_unlocked('"', fp);
		start = i;
	}
	put_plain(fp, s + start, len - start, comma);
	putc_unlocked('"', fp);
}

/* A JSON string; UTF-8 passes through, control characters do not. */
static void
put_json(FILE *fp, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	unsigned char c;

	putc_unlocked('"', fp);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put_plain(fp, s + start, i - start, 0);
		start = i + 1;
		putc_unlocked('\\', fp);
		switch (c) {
		case '"':
		case '\\':
			putc_unlocked(c, fp);
			break;
		case '\n':
			putc_unlocked('n', fp);
			break;
		case '\r':
			putc_unlocked('r', fp);
			break;
		case '\t':
			putc_unlocked('t', fp);
			break;
		default:
			put(fp, "u00", 3);
			putc_unlocked(hex[c >> 4], fp);
			putc_unlocked(hex[c & 15], fp);
			break;
		}
	}
	put_plain(fp, s + start, len - start, 0);
	putc_unlocked('"', fp);
}

/* The escape a table shows for a control character, or NULL. */
static const char *
ctl_name(unsigned char c, char buf[5])
{
	static const char hex[] = "0123456789abcdef";

	if (c >= 0x20 && c != 0x7f)
		return NULL;
	switch (c) {
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	buf[0] = '\\';
	buf[1] = 'x';
	buf[2] = hex[c >> 4];
	buf[3] = hex[c & 15];
	buf[4] = '\0';
	return buf;
}

/* Width as a table shows the cell: code points, not bytes, since a
 * terminal gives one column to each (wide CJK characters aside). */
static size_t
shown_width(const char *s, size_t len)
{
	const char *e;
	char buf[5];
	size_t i, w = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		e = ctl_name((unsigned char)s[i], buf);
		w += e != NULL ? strlen(e) : 1;
	}
	return w;
}

static void
put_shown(FILE *fp, const char *s, size_t len, int comma)
{
	const char *e;
	char buf[5];
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if ((e = ctl_name((unsigned char)s[i], buf)) == NULL)
			continue;
		put_plain(fp, s + start, i - start, comma);
		put_str(fp, e);
		start = i + 1;
	}
	put_plain(fp, s + start, len - start, comma);
}

/* Room for one more held cell of len bytes. */
static int
reserve(struct out *o, size_t len)
{
	struct cell *c;
	char *a;
	size_t n;

	if (o->ncells == o->cellcap) {
		n = o->cellcap > 0 ? o->cellcap * 2 : 1024;
		if (n > SIZE_MAX / sizeof(*c) ||
		    (c = realloc(o->cells, n * sizeof(*c))) == NULL)
			return -1;
		o->cells = c;
		o->cellcap = n;
	}
	/* Allocated even for empty cells: arena + off must be a pointer. */
	if (o->arena == NULL || len > o->arenacap - o->arenalen) {
		if (len > SIZE_MAX / 2 - o->arenalen)
			return -1;
		n = o->arenacap > 0 ? o->arenacap * 2 : 65536;
		if (n < o->arenalen + len)
			n = o->arenalen + len;
		if ((a = realloc(o->arena, n)) == NULL)
			return -1;
		o->arena = a;
		o->arenacap = n;
	}
	return 0;
}

/* Holds a table cell.  After a failed allocation nothing more is held,
 * so what out_finish() writes is whole rows, and it reports the loss. */
static void
hold(struct out *o, enum kind kind, const char *s, size_t len)
{
	size_t j = o->col - 1;
	struct cell *c;
	size_t w;

	if (o->oom)
		return;
	if (reserve(o, len) == -1) {
		o->oom = 1;
		return;
	}
	c = &o->cells[o->ncells++];
	c->off = o->arenalen;
	c->len = len;
	c->kind = kind;
	if (len > 0)
		memcpy(o->arena + o->arenalen, s, len);
	o->arenalen += len;
	o->seen[j] |= 1 << kind;
	if ((w = shown_width(s, len)) > o->width[j])
		o->width[j] = w;
}

/* Starts a cell: writes what goes before it.  Returns 0 for a cell past
 * the last column, which is dropped. */
static int
begin_cell(struct out *o)
{
	size_t j = o->col;

	if (j >= o->ncolumns)
		return 0;
	o->col++;
	switch (o->format) {
	case OUT_CSV:
	case OUT_TSV:
		if (j > 0)
			putc_unlocked(o->delim, o->fp);
		break;
	case OUT_JSONL:
		putc_unlocked(j > 0 ? ',' : '{', o->fp);
		put(o->fp, o->keys + o->keyoff[j],
		    o->keyoff[j + 1] - o->keyoff[j]);
		break;
	case OUT_TABLE:
		break;
	}
	return 1;
}

void
out_null(struct out *o)
{
	if (!begin_cell(o))
		return;
	if (o->format == OUT_JSONL)
		put(o->fp, "null", 4);
	else if (o->format == OUT_TABLE)
		hold(o, K_NULL, "", 0);
}

void
out_text(struct out *o, const char *s, size_t len)
{
	if (s == NULL) {
		out_null(o);
		return;
	}
	if (!begin_cell(o))
		return;
	switch (o->format) {
	case OUT_CSV:
	case OUT_TSV:
		if (o->excel && !o->in_header)
			put_excel(o, s, len);
		else
			put_csv(o, s, len, 0, 0);
		break;
	case OUT_JSONL:
		put_json(o->fp, s, len);
		break;
	case OUT_TABLE:
		hold(o, K_TEXT, s, len);
		break;
	}
}

void
out_number(struct out *o, const char *s, size_t len)
{
	if (s == NULL || len == 0) {
		out_null(o);
		return;
	}
	if (!begin_cell(o))
		return;
	switch (o->format) {
	case OUT_CSV:
	case OUT_TSV:
		/* a plain decimal never needs quotes */
		put_plain(o->fp, s, len, o->comma);
		break;
	case OUT_JSONL:
		put(o->fp, s, len);
		break;
	case OUT_TABLE:
		hold(o, K_NUMBER, s, len);
		break;
	}
}

void
out_str(struct out *o, const char *s)
{
	if (s != NULL)
		out_text(o, s, strlen(s));
	else
		out_null(o);
}

void
out_long(struct out *o, long v)
{
	char buf[32];

	out_number(o, buf, (size_t)snprintf(buf, sizeof(buf), "%ld", v));
}

void
out_decimal(struct out *o, int64_t v, int scale)
{
	char buf[MONEY_FMT_MAX];

	out_number(o, buf, money_format(buf, v, scale, '.'));
}

/*
 * One table cell padded to the column width.  Blanks are owed in *pending
 * and written only before something visible, so no line ends in blanks
 * whatever the alignment of its last cells.
 */
static void
put_padded(struct out *o, size_t j, const char *s, size_t len, int right,
    int comma, size_t *pending)
{
	size_t pad = o->width[j] - shown_width(s, len);

	if (j > 0)
		*pending += 2;
	if (right)
		*pending += pad;
	if (len > 0) {
		put_spaces(o->fp, *pending);
		*pending = 0;
		put_shown(o->fp, s, len, comma);
	}
	if (!right)
		*pending += pad;
}

static void
put_table(struct out *o)
{
	const struct cell *c;
	size_t i, j, nrows, pending;
	int wider = o->blocks > 0 && memcmp(o->shown, o->width,
	    o->ncolumns * sizeof(*o->width)) != 0;

	if (o->ncolumns == 0)
		return;
	if (o->header && (o->blocks == 0 || wider)) {
		if (wider)
			putc_unlocked('\n', o->fp);
		/* A column of numbers has its name over the numbers. */
		pending = 0;
		for (j = 0; j < o->ncolumns; j++)
			put_padded(o, j, o->columns[j], strlen(o->columns[j]),
			    (o->seen[j] & ~(1 << K_NULL)) == 1 << K_NUMBER,
			    0, &pending);
		putc_unlocked('\n', o->fp);
		pending = 0;
		for (j = 0; j < o->ncolumns; j++) {
			pending += j > 0 ? 2 : 0;
			if (o->width[j] == 0)
				continue;
			put_spaces(o->fp, pending);
			pending = 0;
			for (i = 0; i < o->width[j]; i++)
				putc_unlocked('-', o->fp);
		}
		putc_unlocked('\n', o->fp);
	}
	nrows = o->ncells / o->ncolumns;
	for (c = o->cells, i = 0; i < nrows; i++) {
		pending = 0;
		for (j = 0; j < o->ncolumns; j++, c++)
			put_padded(o, j, o->arena + c->off, c->len,
			    c->kind == K_NUMBER,
			    c->kind == K_NUMBER && o->comma, &pending);
		putc_unlocked('\n', o->fp);
	}
	memcpy(o->shown, o->width, o->ncolumns * sizeof(*o->width));
	o->blocks++;
	o->ncells = o->arenalen = 0;
}

void
out_end_row(struct out *o)
{
	while (o->col < o->ncolumns)
		out_null(o);
	switch (o->format) {
	case OUT_CSV:
	case OUT_TSV:
		put_str(o->fp, o->eol);
		break;
	case OUT_JSONL:
		if (o->ncolumns == 0)
			putc_unlocked('{', o->fp);
		put(o->fp, "}\n", 2);
		break;
	case OUT_TABLE:
		if (o->ncells >= TABLE_BLOCK * o->ncolumns && o->ncolumns > 0)
			put_table(o);
		break;
	}
	o->col = 0;
	(void)cli_output_ok(o->fp);
}

/* "name": for every column, escaped once here rather than per cell. */
static int
make_keys(struct out *o)
{
	FILE *ms;
	size_t j, size;
	off_t off;

	if ((o->keyoff = calloc(o->ncolumns + 1, sizeof(*o->keyoff))) == NULL)
		return -1;
	if ((ms = open_memstream(&o->keys, &size)) == NULL)
		return -1;
	for (j = 0; j < o->ncolumns; j++) {
		put_json(ms, o->columns[j], strlen(o->columns[j]));
		putc_unlocked(':', ms);
		if ((off = ftello(ms)) == -1)
			break;
		o->keyoff[j + 1] = (size_t)off;
	}
	if (fclose(ms) == EOF || j < o->ncolumns)
		return -1;
	return 0;
}

struct out *
out_new(FILE *fp, const struct out_opts *opts, const char *const *columns,
    size_t ncolumns)
{
	struct out *o;
	size_t j;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->fp = fp;
	o->format = opts->format;
	o->header = opts->header;
	o->excel = opts->excel &&
	    (o->format == OUT_CSV || o->format == OUT_TSV);
	o->comma = opts->decimal_comma && o->format != OUT_JSONL;
	o->delim = o->format == OUT_TSV ? '\t' : o->comma ? ';' : ',';
	o->eol = o->excel ? "\r\n" : "\n";
	o->ncolumns = ncolumns;
	o->special[(unsigned char)o->delim] = 1;
	o->special['"'] = o->special['\r'] = o->special['\n'] = 1;
	if ((o->columns = calloc(ncolumns + 1, sizeof(*o->columns))) == NULL ||
	    (o->width = calloc(ncolumns + 1, sizeof(*o->width))) == NULL ||
	    (o->shown = calloc(ncolumns + 1, sizeof(*o->shown))) == NULL ||
	    (o->seen = calloc(ncolumns + 1, 1)) == NULL)
		goto fail;
	for (j = 0; j < ncolumns; j++) {
		if ((o->columns[j] = strdup(columns[j])) == NULL)
			goto fail;
		if (o->header)
			o->width[j] = shown_width(columns[j],
			    strlen(columns[j]));
	}
	if (o->format == OUT_JSONL && make_keys(o) == -1)
		goto fail;

	if (o->excel)
		put(fp, "\xef\xbb\xbf", 3);
	if (o->header && (o->format == OUT_CSV || o->format == OUT_TSV)) {
		o->in_header = 1;
		for (j = 0; j < ncolumns; j++)
			out_text(o, columns[j], strlen(columns[j]));
		out_end_row(o);
		o->in_header = 0;
	}
	return o;
fail:
	out_free(o);
	return NULL;
}

int
out_finish(struct out *o)
{
	/* the rows left, or an empty table's header */
	if (o->format == OUT_TABLE && (o->ncells > 0 || o->blocks == 0))
		put_table(o);
	(void)fflush(o->fp);
	if (!cli_output_ok(o->fp))
		return -1;
	if (o->oom) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
out_free(struct out *o)
{
	size_t j;

	if (o == NULL)
		return;
	if (o->columns != NULL)
		for (j = 0; j < o->ncolumns; j++)
			free(o->columns[j]);
	free(o->columns);
	free(o->keys);
	free(o->keyoff);
	free(o->cells);
	free(o->arena);
	free(o->width);
	free(o->shown);
	free(o->seen);
	free(o);
}

int
out_close(struct out *o)
{
	int rc = out_finish(o);

	out_free(o);
	return rc;
}

int
out_parse_format(const char *name, enum out_format *fmt)
{
	static const struct {
		const char *name;
		enum out_format fmt;
	} names[] = {
		{ "csv", OUT_CSV },
		{ "jsonl", OUT_JSONL },
		{ "table", OUT_TABLE },
		{ "tsv", OUT_TSV },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*fmt = names[i].fmt;
			return 0;
		}
	}
	return -1;
}
