/*
 * reconcile: the invariants of DESIGN.md section 5 ("totals reconcile")
 * on a small set of books in memory: all pass when the books add up, and
 * each record that breaks one is named: an invoice with no lines (whose
 * total is then not the sum of any), a payment applied beyond its
 * amount, an invoice paid beyond its total, and MRR that cannot be
 * worked out for want of a rate.
 *
 * The books, as of 31 March 2026: account A-1 (USD) with S1, 100.00 a
 * month from 1 January; INV-1 of 1 March, due 31 March, one line of
 * 100.00 for March; P1 of 60.00 applied to it on 10 March: 40.00 open,
 * current.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "reconcile.h"
#include "suites.h"

static struct db *
books(void)
{
	struct db *db = test_db(NULL);

	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD');"
	    "INSERT INTO products (sku, name, kind, billing_period) VALUES "
	    "('P', 'P', 'recurring', 'month');"
	    "INSERT INTO subscriptions (subscription_id, account_id, sku, "
	    "quantity_micro, unit_price_micro, currency, billing_period, "
	    "start_date) VALUES ('S1', 'A-1', 'P', 1000000, 10000000000, "
	    "'USD', 'month', '2026-01-01');"
	    "INSERT INTO invoices (invoice_id, account_id, issue_date, "
	    "due_date, currency) VALUES "
	    "('INV-1', 'A-1', '2026-03-01', '2026-03-31', 'USD');"
	    "INSERT INTO invoice_lines (invoice_id, account_id, line_no, "
	    "amount_minor, service_start, service_end) VALUES "
	    "('INV-1', 'A-1', 1, 10000, '2026-03-01', '2026-04-01');"
	    "INSERT INTO payments (payment_id, account_id, received_on, "
	    "amount_minor, currency) VALUES "
	    "('P1', 'A-1', '2026-03-10', 6000, 'USD');"
	    "INSERT INTO payment_applications (payment_id, invoice_id, "
	    "account_id, applied_on, amount_minor, payment_amount_minor) "
	    "VALUES ('P1', 'INV-1', 'A-1', '2026-03-10', 6000, 6000)");
	return db;
}

/* Runs the checks as of 31 March; returns the exit status and the rows
 * without their descriptions (check,status,failures,ids), which the
 * caller frees. */
static char *
checked(struct db *db, int *rc)
{
	static const struct out_opts csv = { .header = 0 };
	struct test_capture out;
	char *s, *w, *r;

	test_capture(&out, stdout);
	*rc = reconcile_run(db, test_day("2026-03-31"), &csv);
	s = test_captured(&out);
	/* each line up to its fourth comma, and the line end */
	for (r = w = s; *r != '\0'; ) {
		int commas = 0;

		while (*r != '\0' && *r != '\n' && (commas += *r == ',') < 4)
			*w++ = *r++;
		while (*r != '\0' && *r != '\n')
			r++;
		if (*r == '\n')
			*w++ = *r++;
	}
	*w = '\0';
	return s;
}

START_TEST(books_that_add_up)
{
	struct db *db = books();
	int rc;
	char *got = checked(db, &rc);

	ck_assert_str_eq(got,
	    "mrr_bridge,pass,0,\n"
	    "invoice_totals,pass,0,\n"
	    "aging_buckets,pass,0,\n"
	    "schedule_lines,pass,0,\n"
	    "payments_applied,pass,0,\n"
	    "refunds,pass,0,\n"
	    "invoice_balances,pass,0,\n");
	ck_assert_int_eq(rc, CLI_OK);
	free(got);
	db_close(db);
}
END_TEST

/*
 * INV-2 has no line; P2, of 10.00, is applied to INV-1 as 50.00, which
 * is more than P2 and brings INV-1's payments to 60 + 50 = 110.00, over
 * its total of 100.00.  Each is named by its own check.
 */
START_TEST(each_break_named)
{
	struct db *db = books();
	int rc;
	char *got;

	db_exec(db, "INSERT INTO invoices (invoice_id, account_id, "
	    "issue_date, due_date, currency) VALUES "
	    "('INV-2', 'A-1', '2026-03-15', '2026-04-14', 'USD');"
	    "INSERT INTO payments (payment_id, account_id, received_on, "
	    "amount_minor, currency) VALUES "
	    "('P2', 'A-1', '2026-03-20', 1000, 'USD');"
	    "INSERT INTO payment_applications (payment_id, invoice_id, "
	    "account_id, applied_on, amount_minor, payment_amount_minor) "
	    "VALUES ('P2', 'INV-1', 'A-1', '2026-03-20', 5000, 5000)");
	got = checked(db, &rc);
	ck_assert_str_eq(got,
	    "mrr_bridge,pass,0,\n"
	    "invoice_totals,fail,1,INV-2\n"
	    "aging_buckets,pass,0,\n"
	    "schedule_lines,pass,0,\n"
	    "payments_applied,fail,1,P2\n"
	    "refunds,pass,0,\n"
	    "invoice_balances,fail,1,INV-1\n");
	ck_assert_int_eq(rc, CLI_EDATA);
	free(got);
	db_close(db);
}
END_TEST

/*
 * P1 (60.00, all of it applied to INV-1) is refunded 40.00 by R1 and
 * 30.00 by R2: 70.00, more than P1.  R1 took back 50.00 of INV-1, more
 * than its 40.00; R2 took 30.00 of it, as much as it is.  P1 gave no
 * more than it had (60.00 applied), so only the refunds' check fails,
 * naming the payment and the refund that took too much.
 */
START_TEST(refunds_beyond_named)
{
	struct db *db = books();
	int rc;
	char *got;

	db_exec(db, "INSERT INTO payments (payment_id, account_id, "
	    "received_on, amount_minor, currency, refund_of) VALUES "
	    "('R1', 'A-1', '2026-03-20', -4000, 'USD', 'P1'), "
	    "('R2', 'A-1', '2026-03-21', -3000, 'USD', 'P1');"
	    "INSERT INTO payment_applications (payment_id, invoice_id, "
	    "account_id, applied_on, amount_minor, payment_amount_minor) "
	    "VALUES ('R1', 'INV-1', 'A-1', '2026-03-20', -5000, -5000), "
	    "('R2', 'INV-1', 'A-1', '2026-03-21', -1000, -1000)");
	got = checked(db, &rc);
	ck_assert_str_eq(got,
	    "mrr_bridge,pass,0,\n"
	    "invoice_totals,pass,0,\n"
	    "aging_buckets,pass,0,\n"
	    "schedule_lines,pass,0,\n"
	    "payments_applied,pass,0,\n"
	    "refunds,fail,2,P1;R1\n"
	    "invoice_balances,pass,0,\n");
	ck_assert_int_eq(rc, CLI_EDATA);
	free(got);
	db_close(db);
}
END_TEST

/* A subscription in EUR with no EUR rate: its MRR in the base currency
 * cannot be known, and the bridge says so rather than pass. */
START_TEST(mrr_without_a_rate)
{
	struct db *db = books();
	struct test_capture err;
	int rc;
	char *got, *said;

	db_exec(db, "INSERT INTO subscriptions (subscription_id, account_id, "
	    "sku, quantity_micro, unit_price_micro, currency, "
	    "billing_period, start_date) VALUES ('S2', 'A-1', 'P', 1000000, "
	    "10000000000, 'EUR', 'month', '2026-02-01')");
	test_capture(&err, stderr);
	got = checked(db, &rc);
	said = test_captured(&err);
	ck_assert_str_eq(got,
	    "mrr_bridge,fail,1,(a missing exchange rate)\n"
	    "invoice_totals,pass,0,\n"
	    "aging_buckets,pass,0,\n"
	    "schedule_lines,pass,0,\n"
	    "payments_applied,pass,0,\n"
	    "refunds,pass,0,\n"
	    "invoice_balances,pass,0,\n");
	ck_assert_int_eq(rc, CLI_EDATA);
	ck_assert_ptr_nonnull(strstr(said, "EUR"));
	free(said);
	free(got);
	db_close(db);
}
END_TEST

Suite *
reconcile_suite(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("checks");

	tcase_add_test(tc, books_that_add_up);
	tcase_add_test(tc, each_break_named);
	tcase_add_test(tc, refunds_beyond_named);
	tcase_add_test(tc, mrr_without_a_rate);
	suite_add_tcase(s, tc);
	return s;
}
