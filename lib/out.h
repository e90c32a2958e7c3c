/*
 * out: the writer of every program's tabular output.
 *
 * Formats: csv (RFC 4180, minimal quoting, LF), tsv (the same with a TAB),
 * jsonl (one object per row), json (one array of the same objects, as
 * the SQLite shell's -json), and for a person: table (aligned columns, widths
 * in screen cells, numbers right-aligned with thousands separators),
 * vertical (a `name  value` line per column, a blank line between rows)
 * and markdown (a pipe table, numbers aligned right).  A table's widths
 * and layout come from its first 1,000 rows; on a screen narrower than
 * it, it is written transposed (a line per column, in panels that fit)
 * when it has fewer rows and that takes fewer lines, else vertical.  A NULL cell is written empty (null in
 * json); an empty string is written "" in csv/tsv so that it reads back
 * as an empty string, not NULL.  excel: UTF-8 BOM, CRLF, and every text
 * cell but the header's as ="TEXT", which a spreadsheet shows as that
 * text and never takes for a number, a date or a formula (a text too long
 * for a formula gets a leading ' where it starts with = + - @ TAB CR or
 * LF).  decimal_comma: ';' between fields and ',' as the decimal mark of
 * number cells ('.' between thousands in a table).  xlsx: an Excel workbook
 * of one sheet named opts->name, cells typed as lib/xlsx.h says, written
 * to the stream whole at out_finish().
 *
 * out_new() returns a writer that the caller releases with out_free(); it
 * copies the column names.  Cells are copied or written at once.
 */
#ifndef REVOPS_OUT_H
#define REVOPS_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum out_format {
	OUT_CSV, OUT_TSV, OUT_JSONL, OUT_JSON, OUT_TABLE, OUT_VERTICAL,
	OUT_MARKDOWN, OUT_XLSX
};
/* --format html or pdf: documents (revops-invoice render), which a table
 * is not: out_new() refuses one. */
enum out_document { OUT_NO_DOCUMENT, OUT_HTML, OUT_PDF };

/* A terminal's width in cells (0: not a terminal, a table as wide as it
 * is) and whether it shows colour.  OUT_SCREEN_WIDTH when a terminal does
 * not say. */
struct out_screen {
	size_t width;
	int color;
};
#define OUT_SCREEN_WIDTH 80

struct out_opts {
	enum out_format format;
	enum out_document document;
	int header;		/* write the header row (csv, tsv, table) */
	int excel;
	int decimal_comma;
	/* table, vertical: the screen written to; NULL for the stream's own
	 * (a terminal's COLUMNS or size, and NO_COLOR). */
	const struct out_screen *screen;
	/* xlsx: what the table is (a verb, an entity), the sheet's name;
	 * NULL: the program's */
	const char *name;
};

struct out;

struct out *out_new(FILE *fp, const struct out_opts *opts,
    const char *const *columns, size_t ncolumns);

/* One cell each, left to right; out_end_row() after the last. */
void out_text(struct out *o, const char *s, size_t len);
void out_number(struct out *o, const char *s, size_t len); /* "-12.50" */
void out_null(struct out *o);
void out_end_row(struct out *o);

/* Cells of the kinds every verb writes: a text that may be NULL (a NULL
 * cell), an integer, and v / 10^scale as a plain decimal (money in minor
 * units with its currency's exponent, a rate x 10^4). */
void out_str(struct out *o, const char *s);
void out_long(struct out *o, long v);
void out_decimal(struct out *o, int64_t v, int scale);

/* 1 for the formats a person reads (table, vertical, markdown). */
int out_for_people(enum out_format format);

/* Whether a row whose first cell is s is a total row (its first cell is
 * TOTAL: the aging's, a report's), set in bold by table and xlsx. */
int out_is_total(const char *s, size_t len);
/* 1 where a rate is written in percent (12.50%, a number cell all the
 * same): the formats for a person, and xlsx, which holds the fraction and
 * shows it so. */
int out_percent(enum out_format format);

/* Writes what is held, flushes, and returns 0, or -1 when the stream has
 * had a write error (ferror). */
int out_finish(struct out *o);
void out_free(struct out *o);

/* out_finish() then out_free(): what a verb does with its output last. */
int out_close(struct out *o);

/* The text that an excel cell stands for, as a reader of such a file
 * wants it back: ="TEXT" (in parts joined by &) or 'TEXT as written
 * above, else the cell as it is.  Writes it to dst, which has room for len
 * bytes (it is never longer), and returns its length. */
size_t out_excel_text(const char *s, size_t len, char *dst);

/* Parses a --format name; returns 0, or -1 for an unknown name. */
int out_parse_format(const char *name, enum out_format *fmt);
/* The names out_parse_format() knows, for messages. */
#define OUT_FORMAT_NAMES \
	"csv, tsv, jsonl, json, table, vertical, markdown, xlsx"

#endif
