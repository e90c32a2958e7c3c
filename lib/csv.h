/*
 * csv: the streaming CSV/TSV reader, over libcsv.
 *
 * It reads RFC 4180 with a chosen delimiter and hands each record to a
 * callback.  It deals with libcsv's traps itself: nothing is trimmed (TSV
 * and data keep their blanks), line numbers are counted here (libcsv skips
 * blank lines and counts nothing), an unterminated quote is an error, a
 * leading UTF-8 BOM is dropped, and a NUL byte, invalid UTF-8, a BOM later
 * in the file or a field over CSV_FIELD_MAX bytes stop the read with an
 * error that names the line, the column (by the header's name for it)
 * and the field, as the file has it.  An empty unquoted field is NULL, "" is an
 * empty string.  Memory is bounded by the longest record, not the file.
 *
 * Records passed to the callback, and their fields, are owned by the
 * reader and valid only during the call.
 *
 * A data error is handed to a report function the caller gives, which
 * decides what it does to the command (cli_data_error() prints it and
 * counts it against --max-errors); csv itself counts nothing and keeps
 * no state between calls.
 */
#ifndef REVOPS_CSV_H
#define REVOPS_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "sha256.h"

#define CSV_FIELD_MAX (1024 * 1024)

struct csv_field {
	const char *s;		/* NUL-terminated; NULL for a NULL field */
	size_t len;
};

struct csv_record {
	const struct csv_field *field;
	size_t nfield;
	unsigned long line;	/* where the record starts, from 1 */
	const struct csv_record *header;	/* the first; NULL in it */
};

/* Where a data error goes: called as cli_data_error() (cli.h) is, once
 * for each, with the file, the line (0: none) and the column (NULL:
 * none) it is at; returns 1 while more may be reported, 0 to stop. */
typedef int (*csv_report_fn)(const char *file, unsigned long line,
    const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Returns 0 to go on, anything else to stop the read with that value. */
typedef int (*csv_record_fn)(void *arg, const struct csv_record *rec);

/*
 * Reads fp to its end, calling fn for every record, the header included.
 * name is the file's name in error messages, which go to report.  When
 * digest is not NULL every byte read is added to it.  Returns 0, the
 * callback's value when it stopped the read, or -1 after reporting an
 * error of the file itself (one; the read stops there).  A read error (a
 * directory, EIO) is not the end of the input: it is reported and the
 * program exits CLI_EIO, having committed nothing.
 */
int csv_read(FILE *fp, const char *name, csv_report_fn report, char delim,
    struct sha256 *digest, csv_record_fn fn, void *arg);

/* The data error of an input with no header line (an empty file or
 * stream), to report: every reader says it in the same words.  Returns
 * -1. */
int csv_no_header(csv_report_fn report, const char *name);

/*
 * Reads the named columns of a CSV with a header, as the verbs that act on
 * records read their ids from standard input: other columns are ignored,
 * the first `nrequired` names must be in the header (an error otherwise),
 * the rest may be missing (their fields are NULL).  fn gets one field per
 * name, in the order of the names.  Returns as csv_read(), -1 too after
 * reporting each required column the header lacks (until report says
 * stop) or a record of another number of fields.
 */
typedef int (*csv_columns_fn)(void *arg, const struct csv_field *field,
    unsigned long line);
int csv_read_columns(FILE *fp, const char *name, csv_report_fn report,
    char delim, const char *const *columns, size_t ncolumns, size_t nrequired,
    csv_columns_fn fn, void *arg);

/*
 * A field that holds an id, copied into buf (ENTITY_ID_MAX + 1 bytes; an
 * empty one as "" when it is optional): 1.  Otherwise the data error is
 * reported at file:line, column (empty, or longer than any id can be) and
 * the answer is report's: 0 to go on, -1 to stop.
 */
int csv_id(csv_report_fn report, const char *file, unsigned long line,
    const char *column, const struct csv_field *f, int optional, char *buf);

/*
 * The records of a verb that acts on existing records: its arguments,
 * taken per_record at a time as the first columns, or when there are none
 * (or only "-", as for a file) the named columns of a CSV on `in` (as
 * csv_read_columns()).  They are
 * read whole before the verb takes the database's write lock: a program
 * upstream in the same pipe may still be writing to it.
 *
 * csv_collect() returns 0, or -1 after an error was reported (to report,
 * as csv_read_columns() does); the rows
 * are the caller's to release with csv_rows_free().  csv_rows_each()
 * calls fn for each row, in order, until one returns non-zero.
 */
struct csv_input {
	char *const *argv;
	int argc;
	FILE *in;
	char delim;
	const char *name;	/* of in, for messages; NULL: "stdin" */
};

struct csv_text;

struct csv_rows {
	size_t n, ncolumns, cap;
	char **cell;		/* n x ncolumns, NULL for an empty field */
	unsigned long *line;	/* 0 for arguments */
	struct csv_text *text;	/* where the cells point: blocks of them */
};

int csv_collect(const struct csv_input *in, csv_report_fn report,
    const char *const *columns, size_t ncolumns, size_t nrequired,
    int per_record, struct csv_rows *rows);
int csv_rows_each(const struct csv_rows *rows, csv_columns_fn fn, void *arg);
void csv_rows_free(struct csv_rows *rows);

/*
 * Why a record has another number of fields than its header, in words
 * that name the columns and the fields ("3 fields, but the header has 4:
 * the field of column 'period' is missing"), for a message.  Writes it
 * into buf, of CSV_RAGGED_MAX bytes, and returns buf.
 */
#define CSV_RAGGED_MAX 768
const char *csv_ragged(const struct csv_record *rec, char *buf);

/*
 * A field as a message quotes it, into buf of CSV_SHOW_MAX bytes: in
 * quotes, its first 60 bytes and "..." when there are more, a byte that
 * is not printable text as \xHH.  Returns buf.
 */
#define CSV_SHOW_MAX (4 * 60 + 16)
const char *csv_show(char *buf, const struct csv_field *f);

/*
 * The index of the header field that names `column` (case and surrounding
 * blanks ignored), or -1.
 */
int csv_header_find(const struct csv_record *header, const char *column);

/* Whether a header field is `column`, by the same rule. */
int csv_header_is(const struct csv_field *f, const char *column);

#endif
