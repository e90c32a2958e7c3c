/*
 * ar: the aging buckets and the dunning levels at their edges.  The
 * expected values follow from the header's words: 0 current (not yet past
 * due), 1 for 1-30 days, 2 for 31-60, 3 for 61-90, 4 for more; a level is
 * how many thresholds the days have reached.  Then the status rule, and
 * apply across currencies on a database in memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ar.h"
#include "date.h"
#include "db.h"
#include "suites.h"


#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(bucket_edges)
{
	/* due today or not yet due: current */
	ck_assert_int_eq(ar_bucket(0), 0);
	ck_assert_int_eq(ar_bucket(-1), 0);
	ck_assert_int_eq(ar_bucket(-30), 0);
	ck_assert_int_eq(ar_bucket(INT32_MIN), 0);
	/* 1-30 */
	ck_assert_int_eq(ar_bucket(1), 1);
	ck_assert_int_eq(ar_bucket(15), 1);
	ck_assert_int_eq(ar_bucket(30), 1);
	/* 31-60 */
	ck_assert_int_eq(ar_bucket(31), 2);
	ck_assert_int_eq(ar_bucket(60), 2);
	/* 61-90 */
	ck_assert_int_eq(ar_bucket(61), 3);
	ck_assert_int_eq(ar_bucket(90), 3);
	/* over 90 */
	ck_assert_int_eq(ar_bucket(91), 4);
	ck_assert_int_eq(ar_bucket(365), 4);
	ck_assert_int_eq(ar_bucket(INT32_MAX), 4);
}
END_TEST

START_TEST(levels_15_30_60)
{
	static const int levels[] = { 15, 30, 60 };

	ck_assert_int_eq(ar_level(-3, levels, 3), 0);
	ck_assert_int_eq(ar_level(0, levels, 3), 0);
	ck_assert_int_eq(ar_level(1, levels, 3), 0);
	ck_assert_int_eq(ar_level(14, levels, 3), 0);
	ck_assert_int_eq(ar_level(15, levels, 3), 1);
	ck_assert_int_eq(ar_level(29, levels, 3), 1);
	ck_assert_int_eq(ar_level(30, levels, 3), 2);
	ck_assert_int_eq(ar_level(59, levels, 3), 2);
	ck_assert_int_eq(ar_level(60, levels, 3), 3);
	ck_assert_int_eq(ar_level(61, levels, 3), 3);
	ck_assert_int_eq(ar_level(1000, levels, 3), 3);
}
END_TEST

START_TEST(levels_other_lists)
{
	static const int one[] = { 1 };
	static const int many[] = { 7, 14, 21, 28, 45, 90, 120, 180 };

	/* no thresholds: no level */
	ck_assert_int_eq(ar_level(100, one, 0), 0);
	/* one threshold of 1 day: any day past due */
	ck_assert_int_eq(ar_level(0, one, 1), 0);
	ck_assert_int_eq(ar_level(1, one, 1), 1);
	/* eight thresholds, the most ar_opts holds */
	ck_assert_int_eq(ar_level(6, many, (int)NELEM(many)), 0);
	ck_assert_int_eq(ar_level(7, many, (int)NELEM(many)), 1);
	ck_assert_int_eq(ar_level(44, many, (int)NELEM(many)), 4);
	ck_assert_int_eq(ar_level(45, many, (int)NELEM(many)), 5);
	ck_assert_int_eq(ar_level(179, many, (int)NELEM(many)), 7);
	ck_assert_int_eq(ar_level(180, many, (int)NELEM(many)), 8);
	/* only the first n count */
	ck_assert_int_eq(ar_level(180, many, 2), 2);
}
END_TEST

/*
 * apply --convert: a payment pays the invoices in its own currency before
 * any in another (issue 12).  EUR is 1.25 USD; I1 100.00 EUR of 15
 * February is older than I2 100.00 USD of 1 March.  P1, 150.00 USD of 10
 * March naming no invoice, pays I2 100.00 first, then converts the 50.00
 * USD left: 50 / 1.25 = 40.00 EUR of I1.
 */
START_TEST(apply_own_currency_first)
{
	static const struct out_opts csv = { .header = 1 };
	struct ar_opts o = { .convert = 1, .out = &csv, .arguments = "" };
	struct db *db;
	struct db_stmt *st;
	int32_t day;

	db = test_db(NULL);
	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD');"
	    "INSERT INTO fx_rates VALUES ('EUR', '2026-01-01', 1250000000000);"
	    "INSERT INTO invoices (invoice_id, account_id, issue_date, "
	    "due_date, currency, status) VALUES "
	    "('I1', 'A-1', '2026-02-15', '2026-03-15', 'EUR', 'open'), "
	    "('I2', 'A-1', '2026-03-01', '2026-03-31', 'USD', 'open');"
	    "INSERT INTO invoice_lines (invoice_id, account_id, line_no, "
	    "amount_minor, tax_amount_minor) VALUES ('I1', 'A-1', 1, 10000, 0), "
	    "('I2', 'A-1', 1, 10000, 0);"
	    "INSERT INTO payments (payment_id, account_id, received_on, "
	    "amount_minor, currency) VALUES "
	    "('P1', 'A-1', '2026-03-10', 15000, 'USD');"
	    /* as revops-import notes each payment it writes */
	    "INSERT INTO payments_open VALUES ('A-1', 'P1')");
	ck_assert_int_eq(date_parse("2026-03-31", 10, &day), 0);
	o.as_of = day;
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(ar_apply(db, &o), 0);
	st = db_prepare(db, "SELECT invoice_id, amount_minor, "
	    "payment_amount_minor FROM payment_applications "
	    "ORDER BY application_id");
	ck_assert(db_row(st));
	ck_assert_str_eq(db_text(st, 0), "I2");
	ck_assert_int_eq(db_int(st, 1), 10000);
	ck_assert_int_eq(db_int(st, 2), 10000);
	ck_assert(db_row(st));
	ck_assert_str_eq(db_text(st, 0), "I1");
	ck_assert_int_eq(db_int(st, 1), 4000);
	ck_assert_int_eq(db_int(st, 2), 5000);
	ck_assert(!db_row(st));
	db_finalize(st);
	db_close(db);
}
END_TEST

/*
 * Refunds (ar.h, apply): I1 and I2, 100.00 each of 1 January and 1
 * February, paid by P1 and P2 (100.00 each); P3, 50.00 of 10 February,
 * is account credit.  R1 pays back 80.00 of P1 on 1 March: P1 has
 * nothing unapplied, so it takes the account's 50.00 (P3's) and the 30.00
 * left back from I1, which P1 paid: I1 owes 30.00 again.  R2 pays back
 * P3's 50.00 on 2 March: R1 took P3's credit and P3 paid no invoice, so
 * it takes back what another payment paid, the latest invoice first: 50.00
 * of I2.  Everything is then used up.
 */
START_TEST(refund_credit_then_payments)
{
	static const struct out_opts csv = { .header = 1 };
	struct ar_opts o = { .out = &csv, .arguments = "" };
	struct db *db;
	struct db_stmt *st;

	ck_assert_int_eq(date_parse("2026-03-31", 10, &o.as_of), 0);
	db = test_db(NULL);
	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD');"
	    "INSERT INTO invoices (invoice_id, account_id, issue_date, "
	    "due_date, currency, status) VALUES "
	    "('I1', 'A-1', '2026-01-01', '2026-01-31', 'USD', 'paid'), "
	    "('I2', 'A-1', '2026-02-01', '2026-03-03', 'USD', 'paid');"
	    "INSERT INTO invoice_lines (invoice_id, account_id, line_no, "
	    "amount_minor, tax_amount_minor) VALUES ('I1', 'A-1', 1, 10000, 0), "
	    "('I2', 'A-1', 1, 10000, 0);"
	    "INSERT INTO payments (payment_id, account_id, received_on, "
	    "amount_minor, currency, refund_of) VALUES "
	    "('P1', 'A-1', '2026-01-05', 10000, 'USD', NULL), "
	    "('P2', 'A-1', '2026-02-05', 10000, 'USD', NULL), "
	    "('P3', 'A-1', '2026-02-10', 5000, 'USD', NULL), "
	    "('R1', 'A-1', '2026-03-01', -8000, 'USD', 'P1'), "
	    "('R2', 'A-1', '2026-03-02', -5000, 'USD', 'P3');"
	    "INSERT INTO payment_applications (payment_id, invoice_id, "
	    "account_id, applied_on, amount_minor, payment_amount_minor) "
	    "VALUES ('P1', 'I1', 'A-1', '2026-01-05', 10000, 10000), "
	    "('P2', 'I2', 'A-1', '2026-02-05', 10000, 10000);"
	    "INSERT INTO payments_open VALUES ('A-1', 'P3'), ('A-1', 'R1'), "
	    "('A-1', 'R2')");
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(ar_apply(db, &o), 0);
	st = db_prepare(db, "SELECT refund_id, payment_id, taken_on, "
	    "amount_minor FROM refund_credits");
	ck_assert(db_row(st));
	ck_assert_str_eq(db_text(st, 0), "R1");
	ck_assert_str_eq(db_text(st, 1), "P3");
	ck_assert_str_eq(db_text(st, 2), "2026-03-01");
	ck_assert_int_eq(db_int(st, 3), 5000);
	ck_assert(!db_row(st));
	db_finalize(st);
	st = db_prepare(db, "SELECT payment_id, invoice_id, applied_on, "
	    "amount_minor FROM payment_applications WHERE amount_minor < 0 "
	    "ORDER BY application_id");
	ck_assert(db_row(st));
	ck_assert_str_eq(db_text(st, 0), "R1");
	ck_assert_str_eq(db_text(st, 1), "I1");
	ck_assert_str_eq(db_text(st, 2), "2026-03-01");
	ck_assert_int_eq(db_int(st, 3), -3000);
	ck_assert(db_row(st));
	ck_assert_str_eq(db_text(st, 0), "R2");
	ck_assert_str_eq(db_text(st, 1), "I2");
	ck_assert_str_eq(db_text(st, 2), "2026-03-02");
	ck_assert_int_eq(db_int(st, 3), -5000);
	ck_assert(!db_row(st));
	db_finalize(st);
	/* owed again, so open */
	st = db_prepare(db, "SELECT count(*) FROM invoices WHERE "
	    "status = 'open'");
	ck_assert(db_row(st));
	ck_assert_int_eq(db_int(st, 0), 2);
	db_finalize(st);
	st = db_prepare(db, "SELECT count(*) FROM payments_open");
	ck_assert(db_row(st));
	ck_assert_int_eq(db_int(st, 0), 0);
	db_finalize(st);
	db_close(db);
}
END_TEST

/*
 * credit: what a line and the invoice have left to credit, and the tax
 * in proportion.  I1 has line 1 of 100.00 with 20.00 tax and line 2 of
 * 50.00 with none.  25.00 of line 1 takes 25.00 x 20.00 / 100.00 = 5.00
 * of its tax; the rest of the invoice is then 150.00 - 25.00 = 125.00
 * with 20.00 - 5.00 = 15.00 of tax.  Line 3 is not there.
 */
START_TEST(credit_what_is_left)
{
	static const struct out_opts csv = { .header = 1 };
	struct ar_opts o = { .line = 1, .amount = "25.00", .out = &csv,
	    .arguments = "" };
	FILE *err = tmpfile();
	char msg[200] = "";
	struct db *db;
	struct db_stmt *st;

	ck_assert_int_eq(date_parse("2026-03-01", 10, &o.as_of), 0);
	db = test_db(NULL);
	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD');"
	    "INSERT INTO invoices (invoice_id, account_id, issue_date, "
	    "due_date, currency, status) VALUES "
	    "('I1', 'A-1', '2026-02-01', '2026-03-03', 'USD', 'open');"
	    "INSERT INTO invoice_lines (invoice_id, account_id, line_no, "
	    "amount_minor, tax_amount_minor) VALUES ('I1', 'A-1', 1, 10000, "
	    "2000), ('I1', 'A-1', 2, 5000, 0)");
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(ar_credit(db, "I1", &o), 0);
	o.line = 0;
	o.amount = NULL;
	ck_assert_int_eq(ar_credit(db, "I1", &o), 0);
	st = db_prepare(db, "SELECT line_no, amount_minor, tax_amount_minor "
	    "FROM credit_notes ORDER BY credit_note_id");
	ck_assert(db_row(st));
	ck_assert_int_eq(db_int(st, 0), 1);
	ck_assert_int_eq(db_int(st, 1), 2500);
	ck_assert_int_eq(db_int(st, 2), 500);
	ck_assert(db_row(st));
	ck_assert(db_null(st, 0));
	ck_assert_int_eq(db_int(st, 1), 12500);
	ck_assert_int_eq(db_int(st, 2), 1500);
	ck_assert(!db_row(st));
	db_finalize(st);

	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(dup2(fileno(err), 2), 2);
	o.line = 3;
	ck_assert_int_eq(ar_credit(db, "I1", &o), 1);
	rewind(err);
	ck_assert_ptr_nonnull(fgets(msg, sizeof(msg), err));
	ck_assert_ptr_nonnull(strstr(msg, "invoice 'I1' has no line 3"));
	db_close(db);
}
END_TEST

/* The status rule of ar.h: void as stored; else open while a balance is
 * owed either way; at zero, credited when the credit notes are at least
 * the total, else paid, whatever the stored status says. */
START_TEST(status_from_sums)
{
	ck_assert_str_eq(ar_status("void", 10000, 0, 10000), "void");
	ck_assert_str_eq(ar_status("paid", 10000, 0, 10000), "open");
	ck_assert_str_eq(ar_status("open", 10000, 0, -500), "open");
	ck_assert_str_eq(ar_status("open", 10000, 0, 0), "paid");
	ck_assert_str_eq(ar_status("open", 10000, 10000, 0), "credited");
	ck_assert_str_eq(ar_status("paid", 10000, 4000, 0), "paid");
	ck_assert_str_eq(ar_status("open", 0, 0, 0), "paid");
}
END_TEST

Suite *
ar_suite(void)
{
	Suite *s = suite_create("ar");
	TCase *tc = tcase_create("aging");
	TCase *apply = tcase_create("apply");
	TCase *credit = tcase_create("credit");

	tcase_add_test(tc, bucket_edges);
	tcase_add_test(tc, levels_15_30_60);
	tcase_add_test(tc, levels_other_lists);
	tcase_add_test(tc, status_from_sums);
	suite_add_tcase(s, tc);
	tcase_add_test(apply, apply_own_currency_first);
	tcase_add_test(apply, refund_credit_then_payments);
	suite_add_tcase(s, apply);
	tcase_add_test(credit, credit_what_is_left);
	suite_add_tcase(s, credit);
	return s;
}
