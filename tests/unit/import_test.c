/*
 * import: a small CSV on stdin into a database in memory, by the
 * contract of DESIGN.md section 3.  What a good file stores (the base
 * currency for an account that names none; amounts in minor units of
 * each row's currency, an invoice's total the sum of its lines); that
 * several bad values are each reported with line, column and value and
 * nothing of the file is committed, or with --rejects only the good rows
 * are; that importing the same file again with --upsert changes nothing,
 * and that --replace makes the file the whole table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "entity.h"
#include "import.h"
#include "suites.h"

struct run {
	struct cli_common c;
	struct import_opts o;
};

static void
run_init(struct run *r, enum import_mode mode)
{
	cli_init("revops-import", &r->c);
	memset(&r->o, 0, sizeof(r->o));
	r->o.mode = mode;
	r->o.common = &r->c;
	r->o.arguments = "";
}

/* Imports text as the entity from stdin; returns the exit status, and
 * what it said on stderr in *said (the caller frees it). */
static int
import_text(struct db *db, const char *entity, enum import_mode mode,
    const char *text, char **said)
{
	struct run r;
	struct test_capture err;
	int rc;

	run_init(&r, mode);
	test_stdin(text);
	test_capture(&err, stderr);
	rc = import_files(db, entity_find(entity), &r.o, NULL, 0);
	*said = test_captured(&err);
	return rc;
}

static const char accounts[] =
    "account_id,name,currency,created_on\n"
    "A-1,Acme,,2026-01-05\n"
    "A-2,Beta,JPY,\n";

/* A-1 names no currency: the base, USD (a new database's setting). */
START_TEST(accounts_stored)
{
	struct db *db = test_db(NULL);
	char *said, *got;

	ck_assert_int_eq(import_text(db, "accounts", IMPORT_INSERT, accounts,
	    &said), CLI_OK);
	ck_assert_str_eq(said, "revops-import: stdin: 2 rows inserted, 0 "
	    "updated\n");
	free(said);
	got = test_query(db, 4, "SELECT account_id, name, currency, "
	    "created_on FROM accounts ORDER BY account_id");
	ck_assert_str_eq(got, "A-1|Acme|USD|2026-01-05\nA-2|Beta|JPY|\n");
	free(got);
	got = test_query(db, 6, "SELECT entity, file_name, mode, rows_read, "
	    "inserted, updated FROM import_batches");
	ck_assert_str_eq(got, "accounts|stdin|insert|2|2|0\n");
	free(got);
	db_close(db);
}
END_TEST

/*
 * Amounts in the minor units of the row's currency, which is the
 * account's when the row names none: 12.34 USD is 1234 cents, 1.05 of
 * tax 105, 0.66 is 66; 1000 JPY is 1000 yen.  INV-1's total is 1234 +
 * 105 + 66 + 0 = 1405.
 */
START_TEST(invoice_lines_in_minor_units)
{
	static const char invoices[] =
	    "invoice_id,account_id,issue_date,due_date,line_no,amount,"
	    "tax_amount\n"
	    "INV-1,A-1,2026-03-01,2026-03-31,1,12.34,1.05\n"
	    "INV-1,A-1,2026-03-01,2026-03-31,2,0.66,\n"
	    "INV-2,A-2,2026-03-01,2026-03-31,1,1000,0\n";
	struct db *db = test_db(NULL);
	char *said, *got;

	ck_assert_int_eq(import_text(db, "accounts", IMPORT_INSERT, accounts,
	    &said), CLI_OK);
	free(said);
	ck_assert_int_eq(import_text(db, "invoices", IMPORT_INSERT, invoices,
	    &said), CLI_OK);
	free(said);
	got = test_query(db, 4, "SELECT invoice_id, line_no, amount_minor, "
	    "tax_amount_minor FROM invoice_lines ORDER BY invoice_id, "
	    "line_no");
	ck_assert_str_eq(got, "INV-1|1|1234|105\nINV-1|2|66|0\n"
	    "INV-2|1|1000|0\n");
	free(got);
	got = test_query(db, 4, "SELECT invoice_id, currency, status, "
	    "total_minor FROM invoice_totals ORDER BY invoice_id");
	ck_assert_str_eq(got, "INV-1|USD|open|1405\nINV-2|JPY|open|1000\n");
	free(got);
	db_close(db);
}
END_TEST

/* A currency that is not ISO 4217, reported with its line, column and
 * value; the good row before it is not committed, nor the batch. */
START_TEST(bad_currency_nothing_committed)
{
	static const char bad_accounts[] =
	    "account_id,name,currency\n"
	    "A-1,Acme,USD\n"
	    "A-2,Beta,US\n";
	struct db *db = test_db(NULL);
	char *said, *got;

	ck_assert_int_eq(import_text(db, "accounts", IMPORT_INSERT,
	    bad_accounts, &said), CLI_EDATA);
	ck_assert_ptr_nonnull(strstr(said, "revops-import: stdin:3: column "
	    "'currency': 'US' is not an ISO 4217 currency code\n"));
	ck_assert_ptr_nonnull(strstr(said, "accounts: nothing imported "
	    "(1 error)\n"));
	free(said);
	got = test_query(db, 3, "SELECT (SELECT count(*) FROM accounts), "
	    "(SELECT count(*) FROM import_batches), "
	    "(SELECT count(*) FROM audit_log)");
	ck_assert_str_eq(got, "0|0|0\n");
	free(got);
	db_close(db);
}
END_TEST

/* Two bad rows of one file, each reported: an amount of more decimals
 * than yen have, an account that is not there; the good first row is
 * not committed. */
START_TEST(bad_lines_nothing_committed)
{
	static const char bad_invoices[] =
	    "invoice_id,account_id,issue_date,due_date,line_no,amount\n"
	    "INV-1,A-1,2026-03-01,2026-03-31,1,10.00\n"
	    "INV-2,A-2,2026-03-01,2026-03-31,1,1000.5\n"
	    "INV-3,A-9,2026-03-01,2026-03-31,1,5.00\n";
	struct db *db = test_db(NULL);
	char *said, *got;

	db_exec(db, "INSERT INTO accounts (account_id, name, currency) VALUES "
	    "('A-1', 'Acme', 'USD'), ('A-2', 'Beta', 'JPY')");
	ck_assert_int_eq(import_text(db, "invoices", IMPORT_INSERT,
	    bad_invoices, &said), CLI_EDATA);
	ck_assert_ptr_nonnull(strstr(said, "stdin:3: column 'amount': "
	    "'1000.5' has decimals, but JPY has none\n"));
	ck_assert_ptr_nonnull(strstr(said, "stdin:4: column 'account_id': "
	    "'A-9' is not in accounts\n"));
	ck_assert_ptr_nonnull(strstr(said, "invoices: nothing imported "
	    "(2 errors)\n"));
	ck_assert_ptr_null(strstr(said, "stdin:2:"));
	free(said);
	got = test_query(db, 3, "SELECT (SELECT count(*) FROM invoices), "
	    "(SELECT count(*) FROM invoice_lines), "
	    "(SELECT count(*) FROM import_batches)");
	ck_assert_str_eq(got, "0|0|0\n");
	free(got);
	db_close(db);
}
END_TEST

/* The same file again with --upsert: every row is as it was. */
START_TEST(upsert_again_changes_nothing)
{
	struct db *db = test_db(NULL);
	char *said, *got;

	ck_assert_int_eq(import_text(db, "accounts", IMPORT_INSERT, accounts,
	    &said), CLI_OK);
	free(said);
	ck_assert_int_eq(import_text(db, "accounts", IMPORT_UPSERT, accounts,
	    &said), CLI_OK);
	ck_assert_str_eq(said, "revops-import: stdin: 0 rows inserted, 0 "
	    "updated, 2 unchanged\n");
	free(said);
	got = test_query(db, 5, "SELECT mode, rows_read, inserted, updated, "
	    "unchanged FROM import_batches ORDER BY batch_id");
	ck_assert_str_eq(got, "insert|2|2|0|0\nupsert|2|0|0|2\n");
	free(got);
	db_close(db);
}
END_TEST

/* --rejects -: the good rows go in, the bad one is written out with the
 * contract's columns and why, and the import succeeds. */
START_TEST(rejects_written_out)
{
	static const char some_bad[] =
	    "account_id,name,currency\n"
	    "A-1,Acme,USD\n"
	    "A-2,Beta,US\n";
	struct test_capture out, err;
	struct db *db = test_db(NULL);
	struct run r;
	char *said, *got;

	run_init(&r, IMPORT_INSERT);
	r.o.rejects = "-";
	test_stdin(some_bad);
	test_capture(&out, stdout);
	test_capture(&err, stderr);
	ck_assert_int_eq(import_files(db, entity_find("accounts"), &r.o, NULL,
	    0), CLI_OK);
	said = test_captured(&err);
	got = test_captured(&out);
	ck_assert_str_eq(said, "revops-import: stdin: 1 row inserted, 0 "
	    "updated, 1 rejected (in standard output)\n");
	ck_assert_str_eq(got, "account_id,name,segment,region,industry,owner,"
	    "currency,created_on,billing_email,billing_address,error\n"
	    "A-2,Beta,,,,,US,,,,stdin:3: column 'currency': 'US' is not an "
	    "ISO 4217 currency code\n");
	free(said);
	free(got);
	got = test_query(db, 1, "SELECT account_id FROM accounts");
	ck_assert_str_eq(got, "A-1\n");
	free(got);
	db_close(db);
}
END_TEST

/* --rejects with an export of which a row makes several rows (HubSpot's
 * deal-stage-history, a row of a deal a row of each stage it entered)
 * is a usage error of import_files() itself, for any caller, before a
 * row is read: a row set aside would be many. */
START_TEST(rejects_of_a_repeating_export_refused)
{
	/* static: still reachable at the exit, for the leak checker */
	static struct mapping *m;
	struct db *db = test_db(NULL);
	struct run r;

	m = mapping_load("hubspot", NULL);
	ck_assert_ptr_nonnull(m);
	run_init(&r, IMPORT_INSERT);
	r.o.rejects = "-";
	r.o.from = mapping_export_find(m, "deal-stage-history");
	r.o.system = "hubspot";
	ck_assert_ptr_nonnull(r.o.from);
	test_stdin("");
	(void)import_files(db, mapping_export_entity(r.o.from), &r.o, NULL, 0);
}
END_TEST

/* --replace: the file is the whole table; A-1, not in it, goes, A-2 is
 * updated, A-3 is new. */
START_TEST(replace_is_the_whole_table)
{
	static const char again[] =
	    "account_id,name,currency\n"
	    "A-2,Beta Ltd,JPY\n"
	    "A-3,Gamma,EUR\n";
	struct db *db = test_db(NULL);
	char *said, *got;

	ck_assert_int_eq(import_text(db, "accounts", IMPORT_INSERT, accounts,
	    &said), CLI_OK);
	free(said);
	ck_assert_int_eq(import_text(db, "accounts", IMPORT_REPLACE, again,
	    &said), CLI_OK);
	ck_assert_ptr_nonnull(strstr(said, "revops-import: stdin: 1 row "
	    "inserted, 1 updated\n"));
	ck_assert_ptr_nonnull(strstr(said, "revops-import: accounts: 1 row "
	    "not in the input deleted\n"));
	free(said);
	got = test_query(db, 3, "SELECT account_id, name, currency "
	    "FROM accounts ORDER BY account_id");
	ck_assert_str_eq(got, "A-2|Beta Ltd|JPY\nA-3|Gamma|EUR\n");
	free(got);
	got = test_query(db, 1, "SELECT changes FROM audit_log "
	    "ORDER BY audit_id DESC LIMIT 1");
	ck_assert_str_eq(got, "{\"accounts\":{\"inserted\":1,\"updated\":1,"
	    "\"deleted\":1}}\n");
	free(got);
	db_close(db);
}
END_TEST

/* The counter of a table's prefix, as the ids it gave have it. */
static long long
counter(struct db *db, const char *table, const char *prefix)
{
	char *got, sql[160];
	long long next;

	snprintf(sql, sizeof(sql), "SELECT coalesce(max(next), 0) FROM "
	    "id_counters WHERE tbl = '%s' AND prefix = '%s'", table, prefix);
	got = test_query(db, 1, sql);
	next = atoll(got);
	free(got);
	return next;
}

/*
 * An import moves the counters of the ids it writes on past them, so
 * that the next id a program assigns costs no scan: over a counter at 10,
 * an import of ACC-000050 makes the next ACC-000051; ACC-12b and a number
 * of 19 digits are of another form and leave it; a replace by ACC-000005
 * alone, which deletes ACC-000050, keeps it at 51 and does not give
 * ACC-000050 again.  An invoice's id is its header's, in invoices: INV-7
 * makes that counter 8, and invoice_lines, of a key of two columns, has
 * none.
 */
START_TEST(ids_counted_on)
{
	static const char fifty[] =
	    "account_id,name,currency\n"
	    "ACC-000050,Acme,USD\n"
	    "ACC-000003,Beta,USD\n";
	static const char other[] =
	    "account_id,name,currency\n"
	    "ACC-12b,Gamma,USD\n"
	    "ACC-1234567890123456789,Delta,USD\n";
	static const char five[] =
	    "account_id,name,currency\n"
	    "ACC-000005,Epsilon,USD\n";
	static const char invoice[] =
	    "invoice_id,account_id,issue_date,due_date,line_no,amount\n"
	    "INV-7,ACC-000005,2026-03-01,2026-03-31,1,1.00\n"
	    "INV-7,ACC-000005,2026-03-01,2026-03-31,2,2.00\n";
	struct db *db = test_db(NULL);
	char id[32], *said;

	db_begin(db);
	db_took_numbers(db, "accounts", "ACC", 10);
	db_commit(db);
	ck_assert_int_eq(import_text(db, "accounts", IMPORT_INSERT, fifty,
	    &said), CLI_OK);
	free(said);
	ck_assert_int_eq(counter(db, "accounts", "ACC"), 51);
	ck_assert_int_eq(import_text(db, "accounts", IMPORT_UPSERT, other,
	    &said), CLI_OK);
	free(said);
	ck_assert_int_eq(counter(db, "accounts", "ACC"), 51);
	ck_assert_int_eq(import_text(db, "accounts", IMPORT_REPLACE, five,
	    &said), CLI_OK);
	free(said);
	ck_assert_int_eq(counter(db, "accounts", "ACC"), 51);
	db_begin(db);
	db_next_id(db, "accounts", "account_id", "ACC", id, sizeof(id));
	db_rollback(db);
	ck_assert_str_eq(id, "ACC-000051");
	ck_assert_int_eq(import_text(db, "invoices", IMPORT_INSERT, invoice,
	    &said), CLI_OK);
	free(said);
	ck_assert_int_eq(counter(db, "invoices", "INV"), 8);
	ck_assert_int_eq(counter(db, "invoice_lines", "INV"), 0);
	db_close(db);
}
END_TEST

/*
 * The first id after an import of 100,000 accounts is read from the
 * counter, not found by a scan: ACC-100001, though an account ACC-500000
 * written since behind the import's back would make a scan say
 * ACC-500001.
 */
START_TEST(ids_after_a_large_import)
{
	size_t n = 0, size = 64 + 100000 * 24;
	char *text = malloc(size), *said;
	struct db *db = test_db(NULL);

	n += (size_t)snprintf(text + n, size - n, "account_id,name\n");
	for (int i = 1; i <= 100000; i++)
		n += (size_t)snprintf(text + n, size - n, "ACC-%06d,a\n", i);
	ck_assert_int_eq(import_text(db, "accounts", IMPORT_INSERT, text,
	    &said), CLI_OK);
	free(said);
	free(text);
	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('ACC-500000', 'b', 'USD')");
	ck_assert_int_eq(db_next_number(db, "accounts", "account_id", "ACC"),
	    100001);
	db_close(db);
}
END_TEST

Suite *
import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, accounts_stored);
	tcase_add_test(tc, invoice_lines_in_minor_units);
	tcase_add_test(tc, bad_currency_nothing_committed);
	tcase_add_test(tc, bad_lines_nothing_committed);
	tcase_add_test(tc, upsert_again_changes_nothing);
	tcase_add_test(tc, rejects_written_out);
	tcase_add_exit_test(tc, rejects_of_a_repeating_export_refused,
	    CLI_EUSAGE);
	tcase_add_test(tc, replace_is_the_whole_table);
	tcase_add_test(tc, ids_counted_on);
	tcase_add_test(tc, ids_after_a_large_import);
	suite_add_tcase(s, tc);
	return s;
}
