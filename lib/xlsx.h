/*
 * xlsx: a table as an Excel workbook of one sheet (--format xlsx), made
 * with libxlsxwriter; out.c gives it the cells of its own kinds, text and
 * number, and it writes the workbook, a zip file, to a stream at the end.
 *
 * Cells: a text cell is a string (an id "00123" stays that text), except a
 * date "YYYY-MM-DD" from 1900-03-01 on, which is a date (a day serial shown
 * yyyy-mm-dd); a number cell is a number shown with the decimals it has and
 * thousands separators (#,##0.00), or with a '%' after it a fraction shown
 * in percent (12.50% is 0.125, shown 0.00%); a number of more than
 * XLSX_DIGITS significant digits is text, as a double holds no more of them
 * exactly.  NULL and an empty text are blank.  The header row is bold and
 * frozen, with an autofilter; a row whose first cell is TOTAL is bold;
 * each column is as wide as its widest cell, within bounds.
 *
 * xlsx_new() returns a writer that xlsx_free() releases, or NULL (errno
 * set); it copies what it needs of its arguments.  A table past a sheet's
 * rows, a text past a cell's length, or an error of the library or of its
 * files ends the program (CLI_EIO) with a message that says which.
 */
#ifndef REVOPS_XLSX_H
#define REVOPS_XLSX_H

#include <stddef.h>
#include <stdio.h>

#define XLSX_DIGITS 15

struct xlsx;

/* name: the sheet's, cut to Excel's 31 characters and rid of those it
 * forbids; header: write columns as the first row. */
struct xlsx *xlsx_new(const char *name, const char *const *columns,
    size_t ncolumns, int header);

/* One cell in column col of the row being written; cells left out are
 * blank. */
void xlsx_text(struct xlsx *x, size_t col, const char *s, size_t len);
void xlsx_number(struct xlsx *x, size_t col, const char *s, size_t len);
void xlsx_end_row(struct xlsx *x);

/* Writes the workbook to fp, whose error (ferror) a write error is. */
void xlsx_finish(struct xlsx *x, FILE *fp);
void xlsx_free(struct xlsx *x);

/*
 * The number a number cell stands for, as the sheet holds it: "-1234.50"
 * is -1234.5 with 2 decimals, "12.50%" 0.125 with 2 decimals, percent.
 * Returns 0, or -1 for a cell that is not a plain decimal (with an
 * optional '%') of at most XLSX_DIGITS significant digits, which the
 * sheet holds as text.
 */
struct xlsx_value {
	double v;
	int decimals;
	int percent;
};
int xlsx_value(const char *s, size_t len, struct xlsx_value *out);

#endif
