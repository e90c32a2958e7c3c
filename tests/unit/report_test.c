/*
 * report: the HTML of a tiny company holds its figures, worked out by
 * hand from DESIGN.md section 4, as a person reads them (thousands
 * grouped, rates in percent), and a company of no data yet gets a report
 * too.
 *
 * The company, in USD: A pays 12 x 100.00 = 1,200.00 a month from 1
 * January 2026; B 300.00 a month from 1 February to 15 March.  INV-1, A's
 * 1,200.00 of 1 February, due 3 March, is unpaid.  The report is of
 * February and March, as of 31 March:
 *   February  MRR 1,200 + 300 = 1,500.00, new 300.00; the cohort (A)
 *             kept all: NRR and GRR 100.00%; no churn.
 *   March     MRR 1,200.00, ARR 14,400.00; churned 300.00 (B), one of
 *             two paying accounts: logo churn 50.00%; the cohort A B
 *             went from 1,500 to 1,200: NRR and GRR 80.00%.
 *   Aging     INV-1 is 28 days past due on 31 March: 1,200.00 in 1-30
 *             days, the open balance.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "measure.h"
#include "report.h"
#include "suites.h"

static struct measure_opts
feb_to_march(void)
{
	struct measure_opts o = { .months = 1 };

	ck_assert_int_eq(date_parse_month("2026-02", 7, &o.from), 0);
	ck_assert_int_eq(date_parse_month("2026-03", 7, &o.to), 0);
	return o;
}

/* The report of db as of 31 March, which the caller frees. */
static char *
report(struct db *db)
{
	struct measure_opts o = feb_to_march();
	struct test_capture out;

	test_capture(&out, stdout);
	ck_assert_int_eq(report_write(db, "-", 0600, &o,
	    test_day("2026-03-31")), CLI_OK);
	return test_captured(&out);
}

#define ck_assert_has(html, s) \
	ck_assert_msg(strstr((html), (s)) != NULL, "no '%s' in the report", (s))

START_TEST(tiny_company)
{
	struct db *db = test_db(NULL);
	char *html;

	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A', 'A', 'USD'), ('B', 'B', 'USD');"
	    "INSERT INTO products (sku, name, kind, billing_period) VALUES "
	    "('P', 'P', 'recurring', 'month');"
	    "INSERT INTO subscriptions (subscription_id, account_id, sku, "
	    "quantity_micro, unit_price_micro, currency, billing_period, "
	    "start_date, end_date) VALUES "
	    "('S1', 'A', 'P', 12000000, 10000000000, 'USD', 'month', "
	    "'2026-01-01', NULL), "
	    "('S2', 'B', 'P', 1000000, 30000000000, 'USD', 'month', "
	    "'2026-02-01', '2026-03-15');"
	    "INSERT INTO invoices (invoice_id, account_id, issue_date, "
	    "due_date, currency) VALUES "
	    "('INV-1', 'A', '2026-02-01', '2026-03-03', 'USD');"
	    "INSERT INTO invoice_lines (invoice_id, account_id, line_no, "
	    "amount_minor) VALUES ('INV-1', 'A', 1, 120000)");
	html = report(db);
	ck_assert_has(html, "<title>Revenue report 2026-03-31</title>");
	ck_assert_has(html, "Period 2026-03, as of 2026-03-31; money in USD.");
	/* the headline of March, against February */
	ck_assert_has(html, "<div class=\"k\">MRR</div><div class=\"v\">"
	    "1,200.00</div><div class=\"d down\">&#9660; 300.00 vs "
	    "2026-02</div>");
	ck_assert_has(html, "<div class=\"k\">ARR</div><div class=\"v\">"
	    "14,400.00</div>");
	ck_assert_has(html, "<div class=\"k\">Logo churn rate</div>"
	    "<div class=\"v\">50.00%</div>");
	/* the bridge of March */
	ck_assert_has(html, "<title>Start: 1,500.00</title>");
	ck_assert_has(html, "<title>Churn: 300.00</title>");
	ck_assert_has(html, "<title>End: 1,200.00</title>");
	/* the table: MRR, new, expansion, contraction, churned,
	 * reactivation, NRR, GRR, logo churn */
	ck_assert_has(html, "<tr><td>2026-02</td><td>1,500.00</td>"
	    "<td>300.00</td><td>0.00</td><td>0.00</td><td>0.00</td>"
	    "<td>0.00</td><td>100.00%</td><td>100.00%</td><td>0.00%</td>"
	    "</tr>");
	ck_assert_has(html, "<tr><td>2026-03</td><td>1,200.00</td>"
	    "<td>0.00</td><td>0.00</td><td>0.00</td><td>300.00</td>"
	    "<td>0.00</td><td>80.00%</td><td>80.00%</td><td>50.00%</td>"
	    "</tr>");
	/* the aging */
	ck_assert_has(html, "1\u201330 days</text>");
	ck_assert_has(html, ">1,200.00</text>");
	ck_assert_has(html, "Open balance 1,200.00 USD as of the report "
	    "date");
	ck_assert_has(html, "</body></html>\n");
	free(html);
	db_close(db);
}
END_TEST

/* No data yet: a whole report all the same, of figures of nothing, with
 * no MRR and an open balance of 0.00. */
START_TEST(no_data_yet)
{
	struct db *db = test_db(NULL);
	char *html = report(db);

	ck_assert_has(html, "<!DOCTYPE html>");
	ck_assert_has(html, "<div class=\"k\">MRR</div><div class=\"v\">"
	    "0.00</div>");
	ck_assert_has(html, "Open balance 0.00 USD as of the report date");
	ck_assert_has(html, "</body></html>\n");
	free(html);
	db_close(db);
}
END_TEST

Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("html");

	tcase_add_test(tc, tiny_company);
	tcase_add_test(tc, no_data_yet);
	suite_add_tcase(s, tc);
	return s;
}
