/* Runs every library suite; the exit status is the number of failures
 * capped at 1. */
#include <stdlib.h>

#include "db.h"
#include "suites.h"

struct db *
test_db(const char *path)
{
	struct cli_common c = { .db_path = path != NULL ? path : DB_MEMORY,
	    .busy_ms = 1000, .mode = 0600 };

	return db_open(&c, DB_WRITE, 0);
}

int
main(void)
{
	Suite *(*const suites[])(void) = {
		money_suite, date_suite, csv_suite, out_suite, sha256_suite,
		entity_suite, fx_suite, pipeline_suite, pricing_suite,
		billing_suite, ar_suite, recognition_suite, db_suite,
		metrics_suite, cli_suite, outfile_suite,
		export_suite,
	};
	SRunner *sr = srunner_create(NULL);
	int failed;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
