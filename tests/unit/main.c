/* Runs every library suite; the exit status is the number of failures
 * capped at 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "db.h"
#include "suites.h"

struct db *
test_db(const char *path)
{
	struct cli_common c = { .db_path = path != NULL ? path : DB_MEMORY,
	    .busy_ms = 1000, .mode = 0600 };

	return db_open(&c, DB_WRITE, 0);
}

int32_t
test_day(const char *s)
{
	int32_t d;

	ck_assert_msg(date_parse(s, strlen(s), &d) == 0, "bad date %s", s);
	return d;
}

char *
test_query(struct db *db, int ncol, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(f);
	while (db_row(st)) {
		for (int i = 0; i < ncol; i++)
			fprintf(f, "%s%s", i > 0 ? "|" : "", db_text(st, i));
		fputc('\n', f);
	}
	db_finalize(st);
	ck_assert_int_eq(fclose(f), 0);
	return s;
}

void
test_stdin(const char *text)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_ge(dup2(fileno(f), STDIN_FILENO), 0);
	ck_assert_int_eq(fclose(f), 0);
	/* dup2() shares the offset, which is at the end */
	ck_assert_int_eq(lseek(STDIN_FILENO, 0, SEEK_SET), 0);
	clearerr(stdin);
}

void
test_capture(struct test_capture *c, FILE *stream)
{
	c->stream = stream;
	c->fd = fileno(stream);
	ck_assert_ptr_nonnull(c->file = tmpfile());
	fflush(stream);
	ck_assert_int_ge(c->saved = dup(c->fd), 0);
	ck_assert_int_ge(dup2(fileno(c->file), c->fd), 0);
}

char *
test_captured(struct test_capture *c)
{
	char *s;
	long n;

	fflush(c->stream);
	ck_assert_int_ge(dup2(c->saved, c->fd), 0);
	close(c->saved);
	clearerr(c->stream);
	ck_assert_int_eq(fseek(c->file, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(c->file), 0);
	rewind(c->file);
	ck_assert_ptr_nonnull(s = malloc((size_t)n + 1));
	ck_assert_int_eq(fread(s, 1, (size_t)n, c->file), (size_t)n);
	s[n] = '\0';
	fclose(c->file);
	return s;
}

int
main(void)
{
	Suite *(*const suites[])(void) = {
		money_suite, date_suite, csv_suite, out_suite, xlsx_suite,
		sha256_suite, entity_suite, fx_suite, pipeline_suite, pricing_suite,
		billing_suite, ar_suite, recognition_suite, db_suite,
		metrics_suite, cli_suite, outfile_suite, quote_suite,
		import_suite, measure_suite, reconcile_suite, report_suite,
		export_suite, keyset_suite, mapping_suite,
	};
	SRunner *sr = srunner_create(NULL);
	int failed;

	/* the tester's own config file is no part of the tests */
	setenv("REVOPS_CONFIG", "", 1);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
