/*
 * out: csv, tsv, jsonl and json cells go straight to the stdio stream as
 * they come, with no allocation per cell: each cell is scanned once for
 * the bytes that matter to the format (a 256-entry table for csv and tsv)
 * and written in runs.  The formats for a person are different: a
 * table's column widths, whether it fits the screen and which of its
 * columns are numbers are those of its cells, so the first LOOKAHEAD rows
 * are copied into an arena and the layout is chosen from them once; then
 * they are written, and every row after them as it ends, to the same
 * widths.  A later cell longer than its column pushes the rest of its line
 * rather than widening the column (the rows above are written) or being
 * cut (the data would be lost): column(1) and psql read everything first,
 * and 1,600,000 priced lines held that way took 736 MB.  Its memory is
 * that of the look-ahead, then of a row.  Only a table held whole (fewer
 * rows than the look-ahead) can be transposed; a longer one too wide for
 * the screen is written vertically.
 *
 * Every row has exactly ncolumns cells: out_end_row() pads a short row
 * with NULLs and cells past the last column are dropped.  A NULL pointer
 * given to out_text() or out_number() is a NULL cell, so a value fetched
 * from SQLite can be passed as it is; an empty number is NULL too.
 *
 * excel applies to csv and tsv only (a spreadsheet never reads a table or
 * json); decimal_comma applies to all but json and jsonl, whose numbers
 * must stay JSON numbers.  A table shows control characters escaped (\n,
 * \t, \x1b) so that a cell cannot break the columns or send escape
 * sequences to the terminal; its own escapes are SGR colours, and only
 * where the screen has colour.  xlsx hands every cell to lib/xlsx.c, which
 * holds the rows in its own files and writes the workbook at the end.
 */
#include <sys/ioctl.h>
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "money.h"
#include "out.h"
#include "utf8.h"
#include "xlsx.h"

enum kind { K_NULL, K_TEXT, K_NUMBER };

/* The rows held to choose a table's widths and layout from. */
#define LOOKAHEAD 1000

/* How the rows of a format for a person are laid out: chosen once, from
 * the look-ahead (vertical from the start). */
enum layout { L_UNDECIDED, L_TABLE, L_TRANSPOSED, L_VERTICAL, L_MARKDOWN };

struct cell {			/* a held cell */
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
	size_t rows;		/* rows written */
	unsigned char special[256];	/* bytes that need quotes */

	/* json, jsonl: "name": of column j, from keys[keyoff[j]] to
	 * keyoff[j+1]. */
	char *keys;
	size_t *keyoff;

	/* table, vertical, markdown */
	int group;		/* thousands separators: table, vertical */
	int color;		/* bold total rows, red negatives */
	size_t screen;		/* the width to fit, 0 for none */
	enum layout layout;
	struct cell *cells;	/* row after row, ncolumns each */
	size_t ncells, cellcap;
	char *arena;
	size_t arenalen, arenacap;
	size_t *width;		/* per column, in screen cells */
	size_t namewidth;	/* of the widest column name */
	unsigned char *seen;	/* per column, 1 << kind for kinds seen */
	int oom;		/* a cell could not be held */

	struct xlsx *xlsx;
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

/*
 * The code point at s as a table shows it: its length in *n, its screen
 * cells in *w, and the escape written in its place (in buf, or static),
 * or NULL for the code point itself.  Escaped: control characters (C0,
 * DEL and C1, which a terminal would obey, and which would break a line
 * of cells), a byte that is not UTF-8, and in markdown the '|' that would
 * end a cell and the '\' that would escape the next byte.
 */
static const char *
glyph(const char *s, size_t len, int md, size_t *n, size_t *w, char buf[8])
{
	uint32_t cp = utf8_decode(s, len, n);
	const char *e = NULL;

	switch (cp) {
	case '\n':
		e = "\\n";
		break;
	case '\r':
		e = "\\r";
		break;
	case '\t':
		e = "\\t";
		break;
	case '|':
		e = md ? "\\|" : NULL;
		break;
	case '\\':
		e = md ? "\\\\" : NULL;
		break;
	default:
		if (cp == UTF8_INVALID)
			snprintf(buf, 8, "\\x%02x", (unsigned char)s[0]);
		else if (cp < 0x20 || cp == 0x7f)
			snprintf(buf, 8, "\\x%02x", (unsigned)cp);
		else if (cp >= 0x80 && cp <= 0x9f)
			snprintf(buf, 8, "\\u%04x", (unsigned)cp);
		else
			break;
		e = buf;
	}
	*w = e != NULL ? strlen(e) : (size_t)utf8_width(cp);
	return e;
}

/* The run of printable ASCII at s that a table shows as it is, one cell
 * a byte: most of every cell, so glyph() is left for the rest. */
static size_t
plain_run(const char *s, size_t len, int md)
{
	size_t i = 0;

	while (i < len && (unsigned char)s[i] >= 0x20 &&
	    (unsigned char)s[i] < 0x7f && !(md && (s[i] == '|' ||
	    s[i] == '\\')))
		i++;
	return i;
}

/* Screen cells of a text as a table shows it. */
static size_t
shown_width(const char *s, size_t len, int md)
{
	char buf[8];
	size_t i, n, w, sum;

	for (i = sum = plain_run(s, len, md); i < len; i += n) {
		(void)glyph(s + i, len - i, md, &n, &w, buf);
		sum += w;
	}
	return sum;
}

static void
put_shown(FILE *fp, const char *s, size_t len, int md, int comma)
{
	const char *e;
	char buf[8];
	size_t i, n, w, start = 0;

	for (i = plain_run(s, len, md); i < len; i += n) {
		if ((e = glyph(s + i, len - i, md, &n, &w, buf)) == NULL)
			continue;
		put_plain(fp, s + start, i - start, comma);
		put_str(fp, e);
		start = i + n;
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

/* The whole part of a number cell, s[*lo] to s[*hi]: where the
 * thousands separators go. */
static void
whole_part(const char *s, size_t len, size_t *lo, size_t *hi)
{
	size_t i = len > 0 && (s[0] == '-' || s[0] == '+');

	*lo = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	*hi = i;
}

/* Screen cells of a held cell as it is shown. */
static size_t
cell_width(const struct out *o, enum kind kind, const char *s, size_t len)
{
	size_t w = shown_width(s, len, o->format == OUT_MARKDOWN), lo, hi;

	if (kind == K_NUMBER && o->group) {
		whole_part(s, len, &lo, &hi);
		if (hi - lo > 3)
			w += (hi - lo - 1) / 3;
	}
	return w;
}

/* Holds a cell.  While the layout is not chosen, the cell widens its
 * column; afterwards the widths stay, so that the rows written before
 * and after line up, and a longer cell pushes the rest of its line.
 * After a failed allocation nothing more is held, so what is written is
 * whole rows, and out_finish() reports the loss. */
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
	if (o->layout != L_UNDECIDED)
		return;
	o->seen[j] |= 1 << kind;
	if ((w = cell_width(o, kind, s, len)) > o->width[j])
		o->width[j] = w;
}

/* jsonl: a line per row; json: the rows as one array. */
static void
json_begin_row(struct out *o)
{
	if (o->format == OUT_JSON)
		put(o->fp, o->rows == 0 ? "[" : ",\n", o->rows == 0 ? 1 : 2);
	putc_unlocked('{', o->fp);
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
	case OUT_JSON:
	case OUT_JSONL:
		if (j > 0)
			putc_unlocked(',', o->fp);
		else
			json_begin_row(o);
		put(o->fp, o->keys + o->keyoff[j],
		    o->keyoff[j + 1] - o->keyoff[j]);
		break;
	case OUT_TABLE:
	case OUT_VERTICAL:
	case OUT_MARKDOWN:
	case OUT_XLSX:
		break;
	}
	return 1;
}

void
out_null(struct out *o)
{
	if (!begin_cell(o))
		return;
	if (o->format == OUT_JSON || o->format == OUT_JSONL)
		put(o->fp, "null", 4);
	else if (out_for_people(o->format))
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
	case OUT_JSON:
	case OUT_JSONL:
		put_json(o->fp, s, len);
		break;
	case OUT_TABLE:
	case OUT_VERTICAL:
	case OUT_MARKDOWN:
		hold(o, K_TEXT, s, len);
		break;
	case OUT_XLSX:
		xlsx_text(o->xlsx, o->col - 1, s, len);
		break;
	}
}

/* A JSON number is the decimal text as it is; a cell that JSON would not
 * take for a number ("+5", "007", "12.50%") is written as a string. */
static int
is_json_number(const char *s, size_t len)
{
	size_t i = len > 0 && s[0] == '-';

	return is_number(s, len) && s[0] != '+' &&
	    !(s[i] == '0' && i + 1 < len && s[i + 1] != '.');
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
	case OUT_JSON:
	case OUT_JSONL:
		if (is_json_number(s, len))
			put(o->fp, s, len);
		else
			put_json(o->fp, s, len);
		break;
	case OUT_TABLE:
	case OUT_VERTICAL:
	case OUT_MARKDOWN:
		hold(o, K_NUMBER, s, len);
		break;
	case OUT_XLSX:
		xlsx_number(o->xlsx, o->col - 1, s, len);
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

int
out_for_people(enum out_format format)
{
	return format == OUT_TABLE || format == OUT_VERTICAL ||
	    format == OUT_MARKDOWN;
}

int
out_percent(enum out_format format)
{
	return out_for_people(format) || format == OUT_XLSX;
}

/* A number with its thousands separators (table and vertical: '.' where
 * the decimal mark is ',') and its decimal mark. */
static void
put_number(struct out *o, const char *s, size_t len)
{
	size_t lo, hi, i;

	whole_part(s, len, &lo, &hi);
	if (!o->group || hi - lo <= 3) {
		put_shown(o->fp, s, len, 0, o->comma);
		return;
	}
	put(o->fp, s, lo);
	for (i = lo; i < hi; i++) {
		if (i > lo && (hi - i) % 3 == 0)
			putc_unlocked(o->comma ? '.' : ',', o->fp);
		putc_unlocked(s[i], o->fp);
	}
	put_shown(o->fp, s + hi, len - hi, 0, o->comma);
}

/* A cell's text, bold in a total row and red when negative where the
 * screen has colour (SGR sequences, which take no cells). */
static void
put_styled(struct out *o, enum kind kind, const char *s, size_t len,
    int bold)
{
	int red = o->color && kind == K_NUMBER && s[0] == '-';

	bold = bold && o->color;
	if (bold || red)
		put_str(o->fp, bold && red ? "\033[1;31m" : bold ? "\033[1m" :
		    "\033[31m");
	if (kind == K_NUMBER)
		put_number(o, s, len);
	else
		put_shown(o->fp, s, len, o->format == OUT_MARKDOWN, 0);
	if (bold || red)
		put_str(o->fp, "\033[0m");
}

/*
 * One cell of a line, width cells wide.  Blanks are owed in *pending
 * and written only before something visible, so that no line ends in
 * blanks whatever the alignment of its last cells.
 */
static void
put_cell(struct out *o, enum kind kind, const char *s, size_t len,
    size_t width, int right, int bold, size_t *pending)
{
	size_t w = cell_width(o, kind, s, len);
	size_t pad = width > w ? width - w : 0;

	if (right)
		*pending += pad;
	if (len > 0) {
		put_spaces(o->fp, *pending);
		*pending = 0;
		put_styled(o, kind, s, len, bold);
	}
	if (!right)
		*pending += pad;
}

static void
put_held_cell(struct out *o, const struct cell *c, size_t width, int right,
    int bold, size_t *pending)
{
	put_cell(o, c->kind, o->arena + c->off, c->len, width, right, bold,
	    pending);
}

static void
put_name(struct out *o, size_t j, size_t width, int right, size_t *pending)
{
	put_cell(o, K_TEXT, o->columns[j], strlen(o->columns[j]), width, right,
	    0, pending);
}

/* A column of numbers has its name over the numbers, and in markdown
 * its cells aligned right. */
static int
is_numeric(const struct out *o, size_t j)
{
	return (o->seen[j] & ~(1 << K_NULL)) == 1 << K_NUMBER;
}

int
out_is_total(const char *s, size_t len)
{
	return len == 5 && memcmp(s, "TOTAL", 5) == 0;
}

static int
is_total(const struct out *o, const struct cell *row)
{
	return row[0].kind == K_TEXT &&
	    out_is_total(o->arena + row[0].off, row[0].len);
}

/* A part of the rule under a header: w dashes, after the blanks owed. */
static void
put_dashes(struct out *o, size_t w, size_t *pending)
{
	if (w == 0)
		return;
	put_spaces(o->fp, *pending);
	*pending = 0;
	while (w-- > 0)
		putc_unlocked('-', o->fp);
}

static void
table_head(struct out *o)
{
	size_t pending = 0;

	for (size_t j = 0; j < o->ncolumns; j++) {
		pending += j > 0 ? 2 : 0;
		put_name(o, j, o->width[j], is_numeric(o, j), &pending);
	}
	putc_unlocked('\n', o->fp);
	pending = 0;
	for (size_t j = 0; j < o->ncolumns; j++) {
		pending += j > 0 ? 2 : 0;
		put_dashes(o, o->width[j], &pending);
	}
	putc_unlocked('\n', o->fp);
}

static void
table_row(struct out *o, const struct cell *row)
{
	size_t pending = 0;
	int bold = is_total(o, row);

	for (size_t j = 0; j < o->ncolumns; j++) {
		pending += j > 0 ? 2 : 0;
		put_held_cell(o, &row[j], o->width[j], row[j].kind == K_NUMBER,
		    bold, &pending);
	}
	putc_unlocked('\n', o->fp);
}

/* One record: a line per column, its name and its value, as mlr --oxtab
 * and psql's \x write them; a blank line between records. */
static void
vertical_row(struct out *o, const struct cell *row)
{
	int bold = is_total(o, row);
	size_t pending;

	if (o->rows > 0)
		putc_unlocked('\n', o->fp);
	for (size_t j = 0; j < o->ncolumns; j++) {
		pending = 0;
		put_name(o, j, o->namewidth, 0, &pending);
		pending += 2;
		put_held_cell(o, &row[j], 0, 0, bold, &pending);
		putc_unlocked('\n', o->fp);
	}
}

/* A markdown line: every cell between pipes, one blank either side. */
static void
markdown_line(struct out *o, const struct cell *row)
{
	size_t pending;

	for (size_t j = 0; j < o->ncolumns; j++) {
		putc_unlocked('|', o->fp);
		pending = 1;
		if (row != NULL)
			put_held_cell(o, &row[j], o->width[j],
			    is_numeric(o, j), 0, &pending);
		else
			put_name(o, j, o->width[j], is_numeric(o, j),
			    &pending);
		put_spaces(o->fp, pending + 1);
	}
	put(o->fp, "|\n", 2);
}

/* The header, and the separator row whose colons align each column. */
static void
markdown_head(struct out *o)
{
	markdown_line(o, NULL);
	for (size_t j = 0; j < o->ncolumns; j++) {
		putc_unlocked('|', o->fp);
		for (size_t i = 0; i <= o->width[j]; i++)
			putc_unlocked('-', o->fp);
		putc_unlocked(is_numeric(o, j) ? ':' : '-', o->fp);
	}
	put(o->fp, "|\n", 2);
}

/*
 * The table transposed: a line per column, a column per row, as hledger
 * shows a report of many periods.  width[0] is that of the names, which
 * are the first column, width[1 + k] that of row k.  With a header the
 * first line is the header and its cells are over their columns as in a
 * table; without one there are no names either.  One panel: rows
 * from..to-1.
 */
static void
transposed(struct out *o, const size_t *width, size_t from, size_t to)
{
	size_t pending, j, k;

	for (j = 0; j < o->ncolumns; j++) {
		pending = 0;
		if (o->header)
			put_name(o, j, width[0], 0, &pending);
		for (k = from; k < to; k++) {
			const struct cell *row = o->cells + k * o->ncolumns;
			int right = 1;

			pending += o->header || k > from ? 2 : 0;
			if (j > 0 || !o->header)
				right = row[j].kind == K_NUMBER;
			else
				for (size_t m = 1; m < o->ncolumns; m++)
					right &= row[m].kind != K_TEXT;
			put_held_cell(o, &row[j], width[1 + k], right,
			    is_total(o, row), &pending);
		}
		putc_unlocked('\n', o->fp);
		if (j > 0 || !o->header)
			continue;
		pending = 0;
		put_dashes(o, width[0], &pending);
		for (k = from; k < to; k++) {
			pending += 2;
			put_dashes(o, width[1 + k], &pending);
		}
		putc_unlocked('\n', o->fp);
	}
}

/* The end of the panel of a transposed table that starts at row from:
 * as many rows as fit the screen beside the names, one at least. */
static size_t
panel_end(const struct out *o, const size_t *width, size_t from,
    size_t nrows)
{
	size_t to = from, sum = o->header ? width[0] : 0;

	do
		sum += width[1 + to] + (o->header || to > from ? 2 : 0);
	while (++to < nrows && sum + 2 + width[1 + to] <= o->screen);
	return to;
}

/* A transposed table too wide for the screen in panels of the rows that
 * fit, as R and pandas print a wide table, a blank line between them. */
static void
put_transposed(struct out *o, const size_t *width, size_t nrows)
{
	for (size_t from = 0, to; from < nrows; from = to) {
		to = panel_end(o, width, from, nrows);
		if (from > 0)
			putc_unlocked('\n', o->fp);
		transposed(o, width, from, to);
	}
}

/*
 * The layout of a table, chosen from its look-ahead: as it is where it
 * fits the screen (or there is none, or no rows to show otherwise); else,
 * where the whole table is held, transposed in panels that fit when they
 * take fewer lines than one record at a time, as a table of few columns
 * and many rows does (the metrics: a line per metric, the periods as
 * columns); else vertical.  width gets the columns of the transposed
 * table (transposed()).
 */
static enum layout
choose(struct out *o, int all, size_t *width)
{
	size_t nrows = o->ncells / o->ncolumns, sum = 0, panels = 0, i, j;

	if (o->format == OUT_MARKDOWN)
		return L_MARKDOWN;
	for (j = 0; j < o->ncolumns; j++)
		sum += o->width[j] + (j > 0 ? 2 : 0);
	if (o->screen == 0 || sum <= o->screen || nrows == 0)
		return L_TABLE;
	if (!all)
		return L_VERTICAL;
	width[0] = o->header ? o->namewidth : 0;
	for (i = 0; i < nrows; i++) {
		const struct cell *row = o->cells + i * o->ncolumns;

		width[1 + i] = 0;
		for (j = 0; j < o->ncolumns; j++) {
			size_t w = cell_width(o, row[j].kind,
			    o->arena + row[j].off, row[j].len);

			if (w > width[1 + i])
				width[1 + i] = w;
		}
	}
	for (i = 0; i < nrows; i = panel_end(o, width, i, nrows))
		panels++;
	/* lines: a panel has its columns, a rule, a blank line after it */
	return panels * (o->ncolumns + (o->header ? 2 : 1)) <
	    nrows * (o->ncolumns + 1) ? L_TRANSPOSED : L_VERTICAL;
}

/* Writes the rows held, and first the head of the layout when it is
 * chosen now; all: no row will follow. */
static void
put_held(struct out *o, int all)
{
	size_t width[LOOKAHEAD + 1];
	size_t nrows = o->ncells / o->ncolumns;
	const struct cell *row = o->cells;

	if (o->layout == L_UNDECIDED) {
		o->layout = choose(o, all, width);
		if (o->layout == L_TABLE && o->header)
			table_head(o);
		else if (o->layout == L_MARKDOWN)
			markdown_head(o);
	}
	if (o->layout == L_TRANSPOSED) {
		put_transposed(o, width, nrows);
		o->rows += nrows;
	}
	for (; o->layout != L_TRANSPOSED && nrows > 0; nrows--, o->rows++,
	    row += o->ncolumns) {
		if (o->layout == L_TABLE)
			table_row(o, row);
		else if (o->layout == L_VERTICAL)
			vertical_row(o, row);
		else
			markdown_line(o, row);
	}
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
	case OUT_JSON:
	case OUT_JSONL:
		if (o->ncolumns == 0)
			json_begin_row(o);
		put(o->fp, o->format == OUT_JSON ? "}" : "}\n",
		    o->format == OUT_JSON ? 1 : 2);
		o->rows++;
		break;
	case OUT_TABLE:
	case OUT_VERTICAL:
	case OUT_MARKDOWN:
		if (o->ncolumns > 0 && (o->layout != L_UNDECIDED ||
		    o->ncells >= LOOKAHEAD * o->ncolumns))
			put_held(o, 0);
		break;
	case OUT_XLSX:
		xlsx_end_row(o->xlsx);
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

/*
 * The screen that fp is, as the environment describes it: a terminal's
 * width from COLUMNS, else from the terminal, as ls(1) and git take it;
 * colour unless NO_COLOR is set to anything but "" (no-color.org).  A
 * stream that is not a terminal has neither: a pipe or a file gets the
 * table as wide as it is, and no escape sequences.
 */
static void
screen_of(FILE *fp, struct out_screen *sc)
{
	const char *cols = getenv("COLUMNS"), *nc = getenv("NO_COLOR");
	int fd = fileno(fp);
	struct winsize ws;
	char *end;
	long n;

	sc->width = 0;
	sc->color = 0;
	if (fd == -1 || !isatty(fd))
		return;
	sc->color = nc == NULL || *nc == '\0';
	errno = 0;
	if (cols != NULL && (n = strtol(cols, &end, 10)) > 0 &&
	    *end == '\0' && errno == 0)
		sc->width = (size_t)n;
	else if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		sc->width = ws.ws_col;
	else
		sc->width = OUT_SCREEN_WIDTH;
}

/* A table of no name is named after its program: metrics. */
static const char *
program_name(void)
{
	const char *p = cli_progname();

	return strncmp(p, "revops-", 7) == 0 ? p + 7 : p;
}

struct out *
out_new(FILE *fp, const struct out_opts *opts, const char *const *columns,
    size_t ncolumns)
{
	struct out_screen sc;
	struct out *o;
	size_t j, w;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->fp = fp;
	o->format = opts->format;
	o->header = opts->header;
	o->excel = opts->excel &&
	    (o->format == OUT_CSV || o->format == OUT_TSV);
	o->comma = opts->decimal_comma && o->format != OUT_JSONL &&
	    o->format != OUT_JSON;
	o->delim = o->format == OUT_TSV ? '\t' : o->comma ? ';' : ',';
	o->eol = o->excel ? "\r\n" : "\n";
	o->ncolumns = ncolumns;
	o->special[(unsigned char)o->delim] = 1;
	o->special['"'] = o->special['\r'] = o->special['\n'] = 1;
	if (o->format == OUT_TABLE || o->format == OUT_VERTICAL) {
		if (opts->screen != NULL)
			sc = *opts->screen;
		else
			screen_of(fp, &sc);
		o->group = 1;
		o->color = sc.color;
		o->screen = o->format == OUT_TABLE ? sc.width : 0;
	}
	/* Markdown is a header and rows, and vertical a record at a time. */
	if (o->format == OUT_MARKDOWN)
		o->header = 1;
	if (o->format == OUT_VERTICAL)
		o->layout = L_VERTICAL;
	if ((o->columns = calloc(ncolumns + 1, sizeof(*o->columns))) == NULL ||
	    (o->width = calloc(ncolumns + 1, sizeof(*o->width))) == NULL ||
	    (o->seen = calloc(ncolumns + 1, 1)) == NULL)
		goto fail;
	for (j = 0; j < ncolumns; j++) {
		if ((o->columns[j] = strdup(columns[j])) == NULL)
			goto fail;
		w = shown_width(columns[j], strlen(columns[j]),
		    o->format == OUT_MARKDOWN);
		if (w > o->namewidth)
			o->namewidth = w;
		if (o->header)
			o->width[j] = w;
	}
	if ((o->format == OUT_JSONL || o->format == OUT_JSON) &&
	    make_keys(o) == -1)
		goto fail;
	if (o->format == OUT_XLSX && (o->xlsx = xlsx_new(opts->name != NULL ?
	    opts->name : program_name(), columns, ncolumns,
	    o->header)) == NULL)
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
	/* the rows held, or the head of a table without rows */
	if (out_for_people(o->format) && o->ncolumns > 0 &&
	    (o->ncells > 0 || o->layout == L_UNDECIDED))
		put_held(o, 1);
	if (o->format == OUT_JSON)
		put_str(o->fp, o->rows == 0 ? "[]\n" : "]\n");
	if (o->format == OUT_XLSX)
		xlsx_finish(o->xlsx, o->fp);
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
	free(o->seen);
	xlsx_free(o->xlsx);
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
		{ "json", OUT_JSON },
		{ "jsonl", OUT_JSONL },
		{ "markdown", OUT_MARKDOWN },
		{ "table", OUT_TABLE },
		{ "tsv", OUT_TSV },
		{ "vertical", OUT_VERTICAL },
		{ "xlsx", OUT_XLSX },
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
