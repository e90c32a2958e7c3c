/* One Check suite per library module; main.c runs them all. */
#ifndef REVOPS_SUITES_H
#define REVOPS_SUITES_H

#include <check.h>

struct db;
/* A database of the whole schema, in memory when path is NULL, opened
 * through the storage interface; the caller closes it with db_close(). */
struct db *test_db(const char *path);

Suite *money_suite(void);
Suite *date_suite(void);
Suite *csv_suite(void);
Suite *out_suite(void);
Suite *sha256_suite(void);
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

#endif
