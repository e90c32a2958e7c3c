/*
 * libxlsxwriter writes a workbook to a file by name, when it is closed;
 * the table may be going to stdout or to a held stream (out.c writes to
 * any stream), so the name given is that of an unlinked temporary of our
 * own, /proc/self/fd/N (which opens the file itself, never a path that
 * another could replace), and the zip is copied to the stream from it.
 * The library runs in its constant-memory mode: each row goes to its own
 * temporary file as it ends (strings inline, not in a shared table), so
 * memory stays that of a row however long the table, as out.c's other
 * formats; what it keeps to the end (column widths, the frozen pane, the
 * autofilter) is set at the end.
 *
 * A double is the number a sheet holds, and this is the one place one is
 * made from an amount: strtod() of the decimal text (the programs never
 * call setlocale(), so '.' is its decimal mark) is the double nearest to
 * it, and a decimal of XLSX_DIGITS (DBL_DIG) significant digits or fewer
 * is the one decimal of that many digits nearest to its double, so it
 * reads back as written, to the last digit shown.  USD amounts up to
 * 9,999,999,999,999.99 are numbers; larger ones, up to the 64-bit limit
 * the programs can print, are text, which keeps every digit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "cli.h"
#include "date.h"
#include "out.h"
#include "utf8.h"
#include "xlsx.h"

/* Excel's limits: a sheet's name, a cell's text in characters. */
#define NAME_MAX_CHARS 31
#define TEXT_MAX_CHARS 32767
/* The decimals of the number formats made; a number with more is text. */
#define DECIMALS_MAX 18
/* Column widths, in characters of the default font. */
#define WIDTH_MIN 6
#define WIDTH_MAX 60
/* The header's room for the autofilter's button. */
#define FILTER_ROOM 3

/* Day serials count from 1899-12-30; those before 1900-03-01 are taken
 * by Excel's 29 February 1900, a day that never was. */
#define SERIAL_1970 25569
#define SERIAL_FIRST 61

struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	int fd;			/* the unlinked temporary written to */
	size_t ncolumns;
	int header;
	lxw_row_t row;		/* the row being written */
	int bold;		/* it is a total row */
	lxw_error err;		/* the first error of the library */
	size_t *width;		/* per column, in characters */
	char *buf;		/* a cell's text with a NUL after it */
	size_t bufcap;
	/* [bold]: numbers by decimals, percents by decimals, dates, text */
	lxw_format *num[2][DECIMALS_MAX + 1];
	lxw_format *pct[2][DECIMALS_MAX + 1];
	lxw_format *date[2];
	lxw_format *bold_text;
};

int
xlsx_value(const char *s, size_t len, struct xlsx_value *out)
{
	char text[64];
	size_t i = 0, digits = 0, sig = 0, point = 0;
	int percent = len > 0 && s[len - 1] == '%';

	if (percent)
		len--;
	if (len + 4 > sizeof(text))
		return -1;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len; i++) {
		if (s[i] == '.' && point == 0 && digits > 0) {
			point = i;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		digits++;
		/* the zeros before the first other digit are not held */
		if (sig > 0 || s[i] != '0')
			sig++;
	}
	if (digits == 0 || (point > 0 && point == len - 1) ||
	    sig > XLSX_DIGITS)
		return -1;
	out->decimals = point > 0 ? (int)(len - point - 1) : 0;
	if (out->decimals > DECIMALS_MAX)
		return -1;
	/* 12.50% is 12.50e-2: one rounding, from the decimal itself */
	memcpy(text, s, len);
	strcpy(text + len, percent ? "e-2" : "");
	out->v = strtod(text, NULL);
	out->percent = percent;
	return 0;
}

/* The sheet's name: Excel forbids []:*?/\ and a ' at either end, and
 * takes 31 characters; an empty one is Sheet1. */
static void
sheet_name(const char *name, char *dst, size_t cap)
{
	size_t n = 0, chars = 0, len = strlen(name), k;

	for (size_t i = 0; i < len && chars < NAME_MAX_CHARS; i += k) {
		(void)utf8_decode(name + i, len - i, &k);
		if (n + k >= cap)
			break;
		if (k == 1 && strchr("[]:*?/\\", name[i]) != NULL)
			dst[n++] = '_';
		else if (!(name[i] == '\'' && (n == 0 || i + 1 == len)))
			for (size_t m = 0; m < k; m++)
				dst[n++] = name[i + m];
		chars++;
	}
	while (n > 0 && dst[n - 1] == '\'')
		n--;
	dst[n] = '\0';
	if (n == 0)
		snprintf(dst, cap, "Sheet1");
}

/* Screen cells and characters of a text; most are printable ASCII, one
 * cell a byte, which needs no decoding. */
static size_t
text_width(const char *s, size_t len, size_t *chars)
{
	size_t i = 0, w, k;

	while (i < len && s[i] >= ' ' && s[i] < 0x7f)
		i++;
	w = *chars = i;
	for (; i < len; i += k) {
		uint32_t cp = utf8_decode(s + i, len - i, &k);
		int cw = cp == UTF8_INVALID ? 1 : utf8_width(cp);

		w += cw > 0 ? (size_t)cw : 0;
		(*chars)++;
	}
	return w;
}

static void
widen(struct xlsx *x, size_t col, size_t w)
{
	if (w > x->width[col])
		x->width[col] = w;
}

/* The text with a NUL after it, which the library wants. */
static const char *
terminated(struct xlsx *x, const char *s, size_t len)
{
	x->buf = cli_grow(x->buf, &x->bufcap, len + 1, 1);
	memcpy(x->buf, s, len);
	x->buf[len] = '\0';
	return x->buf;
}

static void
note(struct xlsx *x, lxw_error err)
{
	if (x->err == LXW_NO_ERROR)
		x->err = err;
}

static lxw_format *
format_of(struct xlsx *x, const char *code, int bold)
{
	lxw_format *f = workbook_add_format(x->wb);

	if (f == NULL)
		cli_die(CLI_EIO, "out of memory");
	if (code != NULL)
		format_set_num_format(f, code);
	if (bold)
		format_set_bold(f);
	return f;
}

/* #,##0.00 or 0.00%: the decimals shown, made when first wanted. */
static lxw_format *
number_format(struct xlsx *x, int decimals, int percent)
{
	lxw_format **f = percent ? &x->pct[x->bold][decimals] :
	    &x->num[x->bold][decimals];
	char code[32];
	int n;

	if (*f != NULL)
		return *f;
	n = snprintf(code, sizeof(code), "%s", percent ? "0" : "#,##0");
	if (decimals > 0)
		n += snprintf(code + n, sizeof(code) - (size_t)n, ".%.*s",
		    decimals, "000000000000000000");
	if (percent)
		snprintf(code + n, sizeof(code) - (size_t)n, "%%");
	return *f = format_of(x, code, x->bold);
}

/* The sheet's rows end at Excel's last; a longer table is refused rather
 * than cut. */
static void
check_row(const struct xlsx *x)
{
	if (x->row >= LXW_ROW_MAX)
		cli_die(CLI_EIO, "--format xlsx: a sheet has %d rows at most%s; "
		    "this table has more (write csv)", LXW_ROW_MAX,
		    x->header ? ", the header's among them" : "");
}

static void
put_string(struct xlsx *x, size_t col, const char *s, size_t len)
{
	size_t chars, w = text_width(s, len, &chars);

	if (chars > TEXT_MAX_CHARS)
		cli_die(CLI_EIO, "--format xlsx: row %lu, column %zu: a cell "
		    "holds %d characters at most; this text has %zu (write "
		    "csv)", (unsigned long)x->row + 1, col + 1, TEXT_MAX_CHARS,
		    chars);
	widen(x, col, w);
	note(x, worksheet_write_string(x->ws, x->row, (lxw_col_t)col,
	    terminated(x, s, len), x->bold ? x->bold_text : NULL));
}

void
xlsx_text(struct xlsx *x, size_t col, const char *s, size_t len)
{
	int32_t day;

	check_row(x);
	if (col == 0)
		x->bold = out_is_total(s, len);
	if (len == 0)
		return;
	if (len == 10 && date_parse(s, len, &day) == 0 &&
	    day + SERIAL_1970 >= SERIAL_FIRST) {
		if (x->date[x->bold] == NULL)
			x->date[x->bold] = format_of(x, "yyyy-mm-dd", x->bold);
		widen(x, col, len);
		note(x, worksheet_write_number(x->ws, x->row, (lxw_col_t)col,
		    (double)day + SERIAL_1970, x->date[x->bold]));
		return;
	}
	put_string(x, col, s, len);
}

void
xlsx_number(struct xlsx *x, size_t col, const char *s, size_t len)
{
	struct xlsx_value v;
	size_t whole;

	check_row(x);
	if (xlsx_value(s, len, &v) != 0) {
		put_string(x, col, s, len);
		return;
	}
	/* as shown: the digits with their thousands separators */
	whole = len - (size_t)v.decimals - (v.decimals > 0) -
	    (size_t)v.percent - (s[0] == '-' || s[0] == '+');
	widen(x, col, len + (whole - 1) / 3);
	note(x, worksheet_write_number(x->ws, x->row, (lxw_col_t)col, v.v,
	    number_format(x, v.decimals, v.percent)));
}

void
xlsx_end_row(struct xlsx *x)
{
	x->row++;
	x->bold = 0;
}

struct xlsx *
xlsx_new(const char *name, const char *const *columns, size_t ncolumns,
    int header)
{
	lxw_workbook_options opts = { .constant_memory = 1 };
	const char *tmp = getenv("TMPDIR"), *epoch = getenv("SOURCE_DATE_EPOCH");
	char path[4096], file[64], sheet[4 * NAME_MAX_CHARS + 1];
	struct xlsx *x;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->fd = -1;
	x->ncolumns = ncolumns;
	x->header = header;
	if ((x->width = calloc(ncolumns + 1, sizeof(*x->width))) == NULL)
		goto fail;
	if (snprintf(path, sizeof(path), "%s/revops-xlsx.XXXXXX", tmp) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if ((x->fd = mkstemp(path)) < 0)
		goto fail;
	(void)unlink(path);
	snprintf(file, sizeof(file), "/proc/self/fd/%d", x->fd);
	opts.tmpdir = (char *)tmp;
	sheet_name(name, sheet, sizeof(sheet));
	if ((x->wb = workbook_new_opt(file, &opts)) == NULL ||
	    (x->ws = workbook_add_worksheet(x->wb, sheet)) == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	/* SOURCE_DATE_EPOCH (reproducible-builds.org) makes the same file
	 * of the same rows byte for byte; else it was made now */
	if (epoch != NULL && *epoch != '\0') {
		lxw_doc_properties props = { .created = (time_t)strtoll(epoch,
		    NULL, 10) };

		workbook_set_properties(x->wb, &props);
	}
	x->bold_text = format_of(x, NULL, 1);
	if (header) {
		for (size_t j = 0; j < ncolumns; j++) {
			size_t chars;

			widen(x, j, text_width(columns[j], strlen(columns[j]),
			    &chars) + FILTER_ROOM);
			note(x, worksheet_write_string(x->ws, 0, (lxw_col_t)j,
			    columns[j], x->bold_text));
		}
		x->row = 1;
	}
	return x;
fail:
	xlsx_free(x);
	return NULL;
}

/* What the library keeps to the end: widths, the pane, the filter. */
static void
sheet_layout(struct xlsx *x)
{
	for (size_t j = 0; j < x->ncolumns; j++) {
		size_t w = x->width[j] + 1;

		w = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
		note(x, worksheet_set_column(x->ws, (lxw_col_t)j,
		    (lxw_col_t)j, (double)w, NULL));
	}
	if (x->header && x->ncolumns > 0) {
		worksheet_freeze_panes(x->ws, 1, 0);
		note(x, worksheet_autofilter(x->ws, 0, 0, x->row - 1,
		    (lxw_col_t)(x->ncolumns - 1)));
	}
}

void
xlsx_finish(struct xlsx *x, FILE *fp)
{
	char block[65536];
	lxw_error err;
	ssize_t n = 0;

	sheet_layout(x);
	err = workbook_close(x->wb);
	x->wb = NULL;
	if (x->err != LXW_NO_ERROR || err != LXW_NO_ERROR)
		cli_die(CLI_EIO, "--format xlsx: %s", lxw_strerror(
		    x->err != LXW_NO_ERROR ? x->err : err));
	if (lseek(x->fd, 0, SEEK_SET) != 0)
		n = -1;
	else
		while ((n = read(x->fd, block, sizeof(block))) > 0 &&
		    fwrite(block, 1, (size_t)n, fp) == (size_t)n)
			;
	if (n < 0)
		cli_die(CLI_EIO, "--format xlsx: reading the workbook back: "
		    "%s", strerror(errno));
}

void
xlsx_free(struct xlsx *x)
{
	if (x == NULL)
		return;
	if (x->wb != NULL)
		lxw_workbook_free(x->wb);
	if (x->fd >= 0)
		(void)close(x->fd);
	free(x->width);
	free(x->buf);
	free(x);
}
