/*
 * report: the HTML of a tiny company holds its figures, worked out by
 * hand from DESIGN.md section 4, as a person reads them (thousands
 * grouped, rates in percent, changes of rates in percentage points), a
 * company of no data yet gets a page that says so, and the rules of the
 * charts' axes pick round ticks and label the periods evenly.
 *
 * The company, in USD: A pays 12 x 100.00 = 1,200.00 a month from 1
 * January 2026; B 300.00 a month from 1 February to 15 March.  INV-1, A's
 * 1,200.00 of 1 February, due 3 March, is unpaid.  The report is of
 * February and March, as of 31 March:
 *   February  MRR 1,200 + 300 = 1,500.00, new 300.00; the cohort (A)
 *             kept all: NRR and GRR 100.00%; no churn.
 *   March     MRR 1,200.00, ARR 14,400.00; churned 300.00 (B), one of
 *             two paying accounts: logo churn 50.00%, up 50.00 pp; the
 *             cohort A B went from 1,500 to 1,200: NRR and GRR 80.00%,
 *             down 20.00 pp; the quick ratio 0 / 300 = 0.00.
 *   Cohorts   B is February's (A paid first in January, before the
 *             report): 300.00, 100.0% of it in February, 0.0% in March.
 *   Axes      MRR 1,500 and 1,200: a span of 300.00 in at most five
 *             steps is steps of 100.00, from 1,200 to 1,500; the bridge
 *             one step lower, so that the end (1,200) is a bar.
 *   Aging     INV-1 is 28 days past due on 31 March: 1,200.00 in 1-30
 *             days, the open balance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "measure.h"
#include "money.h"
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
	ck_assert_int_eq(report_write(db, "-", 0600, &o, 1,
	    test_day("2026-03-31")), CLI_OK);
	return test_captured(&out);
}

#define ck_assert_has(html, s) \
	ck_assert_msg(strstr((html), (s)) != NULL, "no '%s' in the report", (s))
#define ck_assert_hasnt(html, s) \
	ck_assert_msg(strstr((html), (s)) == NULL, "'%s' in the report", (s))

static size_t
count(const char *html, const char *s)
{
	size_t n = 0;

	for (const char *p = html; (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

/* The SVG of the chart of a label, which the caller frees. */
static char *
chart(const char *html, const char *label)
{
	char key[64];
	const char *from, *to;

	snprintf(key, sizeof(key), "aria-label=\"%s\">", label);
	from = strstr(html, key);
	ck_assert_ptr_nonnull(from);
	to = strstr(from, "</svg>");
	ck_assert_ptr_nonnull(to);
	return strndup(from, (size_t)(to - from));
}

START_TEST(tiny_company)
{
	struct db *db = test_db(NULL);
	char *html, *mrr;

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
	ck_assert_has(html, "<meta name=\"viewport\" content=\"width="
	    "device-width, initial-scale=1\">");
	ck_assert_has(html, "<title>Revenue report 2026-03</title>");
	ck_assert_has(html, "By month, 2026-02 to 2026-03, as of 2026-03-31; "
	    "money in USD.");
	/* the headline of March, against February: money with its
	 * currency, changes of rates in percentage points */
	ck_assert_has(html, "<div class=\"k\">MRR</div><div class=\"v\">"
	    "1,200.00&nbsp;<span class=\"cur\">USD</span></div>"
	    "<div class=\"d down\">&#9660; 300.00 vs 2026-02</div>");
	ck_assert_has(html, "<div class=\"k\">ARR</div><div class=\"v\">"
	    "14,400.00&nbsp;");
	ck_assert_has(html, "<div class=\"k\">NRR</div><div class=\"v\">"
	    "80.00%</div><div class=\"d down\">&#9660; 20.00 pp vs 2026-02"
	    "</div>");
	ck_assert_has(html, "<div class=\"k\">Logo churn rate</div>"
	    "<div class=\"v\">50.00%</div><div class=\"d down\">&#9650; "
	    "50.00 pp vs 2026-02</div>");
	ck_assert_has(html, "<div class=\"k\">Quick ratio</div>"
	    "<div class=\"v\">0.00</div>");
	/* every chart scales: a viewBox, no fixed width */
	ck_assert_uint_eq(count(html, "<svg "), count(html, "<svg viewBox="));
	ck_assert_hasnt(html, "<svg width");
	ck_assert_hasnt(html, "http");
	/* the bridge of March, with its amounts, on an axis from 1,100 */
	ck_assert_has(html, "text-anchor=\"middle\">1,100</text>");
	ck_assert_has(html, "<text class=\"val\" x=\"401.0\" y=\"41\">"
	    "1,500.00</text>");
	ck_assert_has(html, ">&minus;300.00</text>");
	ck_assert_has(html, ">End</text>");
	/* MRR over the periods from 1,200 to 1,500, both labelled */
	mrr = chart(html, "MRR");
	ck_assert_has(mrr, "text-anchor=\"end\">1,200</text>");
	ck_assert_has(mrr, "text-anchor=\"end\">1,500</text>");
	ck_assert_hasnt(mrr, "text-anchor=\"end\">1,100</text>");
	ck_assert_has(mrr, "text-anchor=\"middle\">2026-02</text>");
	ck_assert_has(mrr, "text-anchor=\"middle\">2026-03</text>");
	free(mrr);
	/* the tables: MRR, new, expansion, reactivation, contraction,
	 * churn, quick ratio; then paying, new, churned, ARPA, logo,
	 * gross and net revenue churn, GRR, NRR */
	ck_assert_has(html, "<tr><td>2026-02</td><td>1,500.00</td>"
	    "<td>300.00</td><td>0.00</td><td>0.00</td><td>0.00</td>"
	    "<td>0.00</td><td></td></tr>");
	ck_assert_has(html, "<tr><td>2026-03</td><td>1,200.00</td>"
	    "<td>0.00</td><td>0.00</td><td>0.00</td><td>0.00</td>"
	    "<td>300.00</td><td>0.00</td></tr>");
	ck_assert_has(html, "<tr><td>2026-03</td><td>1</td><td>0</td>"
	    "<td>1</td><td>1,200.00</td><td>50.00%</td><td>20.00%</td>"
	    "<td>20.00%</td><td>80.00%</td><td>80.00%</td></tr>");
	/* February's cohort: B */
	ck_assert_has(html, "<tr><td>2026-02</td><td>1</td><td>300.00</td>"
	    "<td class=\"heat\" style=\"background:hsl(217,68%,62%)\">"
	    "100.0%</td><td class=\"heat\" style=\"background:hsl(217,68%,"
	    "97%)\">0.0%</td></tr>");
	/* the largest movements of March */
	ck_assert_has(html, "<h2>Largest movements, 2026-03</h2>");
	ck_assert_has(html, "<tr><td>B</td><td>300.00</td><td>0.00</td>"
	    "<td>-300.00</td></tr>");
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

/* No data yet: a page that says so, without a chart or a table of
 * zeros. */
START_TEST(no_data_yet)
{
	struct db *db = test_db(NULL);
	char *html = report(db);

	ck_assert_has(html, "<!DOCTYPE html>");
	ck_assert_has(html, "No data yet: no subscription was active from "
	    "2026-02 to 2026-03.");
	ck_assert_hasnt(html, "<svg");
	ck_assert_hasnt(html, "<table");
	ck_assert_has(html, "Nothing is owed.");
	ck_assert_has(html, "</body></html>\n");
	free(html);
	db_close(db);
}
END_TEST

/* An axis over a span takes the smallest step of 1, 2 or 5 x 10^k that
 * covers it in five. */
START_TEST(round_steps)
{
	ck_assert_int_eq(report_step(0, 5), 1);
	ck_assert_int_eq(report_step(5, 5), 1);
	ck_assert_int_eq(report_step(6, 5), 2);
	ck_assert_int_eq(report_step(10, 5), 2);
	ck_assert_int_eq(report_step(11, 5), 5);
	ck_assert_int_eq(report_step(26, 5), 10);
	/* retention from 95.00% to 101.40%: 2% steps */
	ck_assert_int_eq(report_step(640, 5), 200);
	/* MRR from 50,000.00 to 60,675.49: 5,000 steps */
	ck_assert_int_eq(report_step(1067549, 5), 500000);
	ck_assert_int_eq(report_step(INT64_MAX, 5), 2000000000000000000LL);
}
END_TEST

/* Labels thinned evenly from the last: 12 months with room for 6 are
 * every other one (11, 9, ..., 1), 13 every third (12, 9, 6, 3, 0). */
START_TEST(thinned_labels)
{
	ck_assert_uint_eq(report_thin(12, 12), 1);
	ck_assert_uint_eq(report_thin(12, 6), 2);
	ck_assert_uint_eq(report_thin(13, 6), 3);
	ck_assert_uint_eq(report_thin(7, 6), 2);
	ck_assert_uint_eq(report_thin(1, 0), 1);
}
END_TEST

/* A tick shows the decimals its step needs, grouped. */
START_TEST(tick_labels)
{
	char buf[MONEY_GROUPED_MAX];

	report_tick(buf, 6000000, 2, 500000);
	ck_assert_str_eq(buf, "60,000");
	report_tick(buf, -500000, 2, 500000);
	ck_assert_str_eq(buf, "-5,000");
	report_tick(buf, 50, 2, 50);
	ck_assert_str_eq(buf, "0.5");
	report_tick(buf, 125, 2, 25);
	ck_assert_str_eq(buf, "1.25");
	report_tick(buf, 0, 0, 1);
	ck_assert_str_eq(buf, "0");
}
END_TEST

Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("html");
	TCase *ax = tcase_create("axes");

	tcase_add_test(tc, tiny_company);
	tcase_add_test(tc, no_data_yet);
	suite_add_tcase(s, tc);
	tcase_add_test(ax, round_steps);
	tcase_add_test(ax, thinned_labels);
	tcase_add_test(ax, tick_labels);
	suite_add_tcase(s, ax);
	return s;
}
