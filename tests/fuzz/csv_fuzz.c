/*
 * csv: libFuzzer harness for the reader.  The input is read as CSV and as
 * TSV, by csv_read() and by csv_read_columns(), and each read is held to
 * what csv.h promises:
 *  - a field is NUL-terminated at its length, with no NUL before it and
 *    at most CSV_FIELD_MAX bytes; a NULL field has length 0;
 *  - records come in the order of their lines, which are lines of the
 *    input;
 *  - the callback's value stops the read: no record after it, and
 *    csv_read() returns it (it stops at a record whose first field is
 *    "stop");
 *  - -1 comes with exactly one error reported, 0 with none;
 *  - a whole read's digest is the digest of the input;
 *  - what an --excel field stands for (out_excel_text()) fits in the
 *    field's own length.
 * The reader is built with blocks of 64 bytes (see the Makefile), so its
 * state is carried over many block ends.
 *
 * Errors go to the harness's own report function, which counts them and
 * prints nothing (the fuzzer would spend its time printing).  cli_die()
 * is called only when memory runs out or for more than 16 column names,
 * neither of which happens here, so no input makes the harness exit.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "out.h"
#include "sha256.h"

#define STOP 7		/* the callback's value: neither 0 nor -1 */

static const char *const columns[] = { "id", "amount" };
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static unsigned long nerrors;	/* reported to count_error() */

static int
count_error(const char *file, unsigned long line, const char *column,
    const char *fmt, ...)
{
	(void)file;
	(void)line;
	(void)column;
	(void)fmt;
	nerrors++;
	return 1;
}

struct seen {
	unsigned long lines;	/* in the input */
	unsigned long line;	/* of the last record */
	int stopped;
};

static void
check_field(const struct csv_field *f)
{
	char *text;

	if (f->s == NULL) {
		assert(f->len == 0);
		return;
	}
	assert(f->len <= CSV_FIELD_MAX);
	assert(strlen(f->s) == f->len);
	if ((text = malloc(f->len + 1)) == NULL)
		return;
	assert(out_excel_text(f->s, f->len, text) <= f->len);
	free(text);
}

static void
check_line(struct seen *sn, unsigned long line)
{
	assert(!sn->stopped);
	assert(line >= 1 && line >= sn->line && line <= sn->lines);
	sn->line = line;
}

static int
on_record(void *arg, const struct csv_record *rec)
{
	struct seen *sn = arg;

	check_line(sn, rec->line);
	for (size_t i = 0; i < rec->nfield; i++)
		check_field(&rec->field[i]);
	if (rec->nfield > 0 && rec->field[0].s != NULL &&
	    strcmp(rec->field[0].s, "stop") == 0) {
		sn->stopped = 1;
		return STOP;
	}
	return 0;
}

static int
on_columns(void *arg, const struct csv_field *field, unsigned long line)
{
	check_line(arg, line);
	for (size_t i = 0; i < NCOLUMNS; i++)
		check_field(&field[i]);
	return 0;
}

/* A whole read has seen every byte of the input. */
static void
check_digest(struct sha256 *digest, const uint8_t *data, size_t size)
{
	struct sha256 whole;
	char got[65], want[65];

	sha256_init(&whole);
	sha256_update(&whole, data, size);
	sha256_final_hex(digest, got);
	sha256_final_hex(&whole, want);
	assert(strcmp(got, want) == 0);
}

/* Reads the input once, by columns or not, and checks how it ended. */
static void
read_input(const uint8_t *data, size_t size, char delim, int by_columns)
{
	struct seen sn = { 1, 0, 0 };
	unsigned long before = nerrors;
	struct sha256 digest;
	FILE *fp;
	int rc;

	/* a line ends at LF, CR LF, or a CR alone */
	for (size_t i = 0; i < size; i++)
		sn.lines += data[i] == '\n' || (data[i] == '\r' &&
		    (i + 1 == size || data[i + 1] != '\n'));
	fp = fmemopen((void *)data, size, "r");
	assert(fp != NULL);
	sha256_init(&digest);
	if (by_columns)
		rc = csv_read_columns(fp, "fuzz", count_error, delim, columns,
		    NCOLUMNS, 1, on_columns, &sn);
	else
		rc = csv_read(fp, "fuzz", count_error, delim, &digest,
		    on_record, &sn);
	fclose(fp);

	if (sn.stopped)
		assert(rc == STOP);
	else
		assert(rc == 0 || rc == -1);
	assert(nerrors - before == (rc == -1));
	if (!by_columns && rc == 0)
		check_digest(&digest, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_input(data, size, ',', 0);
	read_input(data, size, '\t', 0);
	read_input(data, size, ',', 1);
	read_input(data, size, '\t', 1);
	return 0;
}
