/* One Check suite per library module; main.c runs them all. */
#ifndef REVOPS_SUITES_H
#define REVOPS_SUITES_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>

/*
 * For a loop of many thousand checks: a Check assertion that holds still
 * sends its file and line to the runner, which keeps them, and every test
 * after forks from the runner so grown (a million took it to 300 MB, and
 * the leak check at each child's end from 24 s to 71 s under the
 * sanitizers).  This one says nothing unless it fails.
 */
#define test_check(expr, ...) do { \
	if (!(expr)) \
		ck_abort_msg(__VA_ARGS__); \
} while (0)

struct db;
/* A database of the whole schema, in memory when path is NULL, opened
 * through the storage interface; the caller closes it with db_close(). */
struct db *test_db(const char *path);

/* The day of "YYYY-MM-DD" (date.h); a bad date fails the test. */
int32_t test_day(const char *s);

/* The rows of a query of ncol columns, as text: columns joined by '|'
 * (NULL as ""), each row ended by a newline; the caller frees it. */
char *test_query(struct db *db, int ncol, const char *sql);

/* Makes text the process's standard input, for a verb that reads "-"
 * (each test runs in a process of its own). */
void test_stdin(const char *text);

/* What a verb writes to stdout or stderr: test_capture() sends the
 * stream to a temporary file, test_captured() puts it back and returns
 * what was written, which the caller frees. */
struct test_capture {
	FILE *stream, *file;
	int fd, saved;
};
void test_capture(struct test_capture *c, FILE *stream);
char *test_captured(struct test_capture *c);

Suite *money_suite(void);
Suite *date_suite(void);
Suite *csv_suite(void);
Suite *out_suite(void);
Suite *xlsx_suite(void);
Suite *sha256_suite(void);
Suite *keyset_suite(void);
Suite *mapping_suite(void);
Suite *entity_suite(void);
Suite *fx_suite(void);
Suite *pipeline_suite(void);
Suite *pricing_suite(void);
Suite *billing_suite(void);
Suite *ar_suite(void);
Suite *recognition_suite(void);
Suite *db_suite(void);
Suite *metrics_suite(void);
Suite *cli_suite(void);
Suite *outfile_suite(void);
Suite *export_suite(void);
Suite *quote_suite(void);
Suite *import_suite(void);
Suite *measure_suite(void);
Suite *reconcile_suite(void);
Suite *report_suite(void);

#endif
