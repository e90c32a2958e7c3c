/*
 * quote: pricing a graduated tier, a discount past a rule's limit that
 * needs approval, its approval by the rule's role, the totals of the
 * quote, and what accepting one makes (DESIGN.md section 4,
 * revops-quote).  The price book of every
 * test: SEAT, a monthly seat of unit cost 2.00 USD priced graduated at
 * 10.00 for units 1-10, 8.00 for 11-50 and 6.00 from 51; SETUP, a one-time
 * fee of 500.00 whatever the quantity (flat, no cost); and one rule,
 * R-DISC: a discount over 20 % on anything needs the role finance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "date.h"
#include "db.h"
#include "measure.h"
#include "metrics.h"
#include "quote.h"
#include "suites.h"

static const struct out_opts csv_out = { .header = 1 };

static struct db *
price_book(struct quote_opts *o)
{
	struct db *db = test_db(NULL);

	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD');"
	    "INSERT INTO products (sku, name, kind, billing_period, "
	    "unit_cost_micro) VALUES "
	    "('SEAT', 'Seat', 'recurring', 'month', 200000000), "
	    "('SETUP', 'Setup', 'one_time', NULL, NULL);"
	    "INSERT INTO prices (sku, currency, model, tier_min_micro, "
	    "unit_price_micro) VALUES "
	    "('SEAT', 'USD', 'graduated', 1000000, 1000000000), "
	    "('SEAT', 'USD', 'graduated', 11000000, 800000000), "
	    "('SEAT', 'USD', 'graduated', 51000000, 600000000), "
	    "('SETUP', 'USD', 'flat', 1000000, 50000000000);"
	    "INSERT INTO rules (rule_id, applies_to, kind, threshold_micro, "
	    "approver) VALUES ('R-DISC', '*', 'max_discount', 20000000, "
	    "'finance')");
	memset(o, 0, sizeof(*o));
	o->on = test_day("2026-04-15");
	o->start = DATE_NONE;
	o->valid_days = 30;
	o->out = &csv_out;
	o->arguments = "";
	return db;
}

/*
 * 30 seats, graduated: 10 x 10.00 + 20 x 8.00 = 260.00, in the tier
 * from 11; the list unit price 260 / 30 = 8.666666666... to 8 places.
 * At 10 %: 234.00, 7.80 a seat; monthly, so its MRR is 234.00 and its
 * value over the default 12 months 12 x 234 = 2808.00; the cost 30 x
 * 2.00 = 60.00, the margin (234 - 60) / 234 = 74.358...%.  At 25 %:
 * 195.00, 6.50 a seat, 12 x 195 = 2340.00, (195 - 60) / 195 = 69.230...%,
 * over R-DISC's 20 %.
 */
START_TEST(price_graduated)
{
	static char in[] = "sku,quantity,discount_pct\n"
	    "SEAT,30,10\nSEAT,30,25\n";
	struct quote_opts o;
	struct test_capture out;
	struct db *db = price_book(&o);
	FILE *fp = fmemopen(in, strlen(in), "r");
	char *got;

	o.currency = "USD";
	test_capture(&out, stdout);
	ck_assert_int_eq(quote_price(db, fp, "lines.csv", ',', &o), CLI_OK);
	got = test_captured(&out);
	ck_assert_str_eq(got, "sku,quantity,discount_pct,currency,model,tier,"
	    "list_unit_price,net_unit_price,amount,billing_period,mrr,"
	    "term_value,margin_pct,rules\n"
	    "SEAT,30,10,USD,graduated,11,8.66666667,7.80,234.00,month,234.00,"
	    "2808.00,74.36,\n"
	    "SEAT,30,25,USD,graduated,11,8.66666667,6.50,195.00,month,195.00,"
	    "2340.00,69.23,R-DISC\n");
	free(got);
	fclose(fp);
	db_close(db);
}
END_TEST

/* A tier from m holds the quantities past m - 1: with BULK's first
 * tier from 5, 4.5 is in it (4.5 x 1.00, a one-time line of no cost) and
 * 4 in none, an error naming the line and the column. */
START_TEST(price_below_first_tier)
{
	static char in[] = "sku,quantity\nBULK,4.5\nBULK,4\n";
	struct quote_opts o;
	struct test_capture out, err;
	struct db *db = price_book(&o);
	FILE *fp = fmemopen(in, strlen(in), "r");
	char *got, *said;

	db_exec(db, "INSERT INTO products (sku, name, kind) VALUES "
	    "('BULK', 'Bulk', 'one_time');"
	    "INSERT INTO prices (sku, currency, model, tier_min_micro, "
	    "unit_price_micro) VALUES ('BULK', 'USD', 'volume', 5000000, "
	    "100000000)");
	o.currency = "USD";
	test_capture(&out, stdout);
	test_capture(&err, stderr);
	ck_assert_int_eq(quote_price(db, fp, "lines.csv", ',', &o),
	    CLI_EDATA);
	said = test_captured(&err);
	got = test_captured(&out);
	ck_assert_ptr_nonnull(strstr(said, "lines.csv:3: column 'quantity': "
	    "'4' is below the first price tier of 'BULK' (from 5)\n"));
	ck_assert_ptr_null(strstr(said, "lines.csv:2"));
	ck_assert_str_eq(got, "sku,quantity,currency,model,tier,"
	    "list_unit_price,net_unit_price,amount,billing_period,mrr,"
	    "term_value,margin_pct,rules\n"
	    "BULK,4.5,USD,volume,5,1.00,1.00,4.50,,,4.50,,\n");
	free(got);
	free(said);
	fclose(fp);
	db_close(db);
}
END_TEST

/* Two quotes made by `new`, as DESIGN.md's lindqvist example: "ok" at 10 %
 * within the rule, "big" at 25 % over 24 months with the setup fee. */
static void
two_quotes(struct db *db, const struct quote_opts *o)
{
	static char in[] = "quote_ref,account_id,sku,quantity,discount_pct,"
	    "term_months\n"
	    "ok,A-1,SEAT,30,10,12\n"
	    "big,A-1,SEAT,30,25,24\n"
	    "big,A-1,SETUP,1,,\n";
	struct csv_input ci = { .in = fmemopen(in, strlen(in), "r"),
	    .delim = ',', .name = "quotes.csv" };

	ck_assert_ptr_nonnull(ci.in);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(quote_new(db, &ci, o), CLI_OK);
	fclose(ci.in);
}

/* The discount over 20 % makes "big" need approval, by finance, with
 * the reason in words; "ok" is approved as it is.  Ids in input order;
 * valid 30 days from 15 April: to 14 May. */
START_TEST(discount_over_limit_needs_approval)
{
	struct quote_opts o;
	struct db *db = price_book(&o);
	char *got;

	two_quotes(db, &o);
	got = test_query(db, 5, "SELECT quote_id, quote_ref, status, "
	    "quote_date, valid_until FROM quotes ORDER BY quote_id");
	ck_assert_str_eq(got,
	    "Q-000001|ok|approved|2026-04-15|2026-05-14\n"
	    "Q-000002|big|needs_approval|2026-04-15|2026-05-14\n");
	free(got);
	got = test_query(db, 6, "SELECT quote_id, line_no, rule_id, reason, "
	    "approver, status FROM quote_approvals ORDER BY quote_id, "
	    "line_no");
	ck_assert_str_eq(got, "Q-000002|1|R-DISC|discount 25% on SEAT is "
	    "over the maximum of 20%|finance|pending\n");
	free(got);
	db_close(db);
}
END_TEST

/* Another role cannot approve it: a data error, and it still needs
 * approval. */
START_TEST(approve_by_another_role)
{
	static char *const ids[] = { "Q-000002" };
	struct csv_input ci = { .argv = ids, .argc = 1, .delim = ',' };
	struct quote_opts o;
	struct test_capture err;
	struct db *db = price_book(&o);
	char *got, *said;

	two_quotes(db, &o);
	o.on = test_day("2026-04-16");
	o.role = "sales";
	test_capture(&err, stderr);
	ck_assert_int_eq(quote_decide(db, &ci, 1, &o), CLI_EDATA);
	said = test_captured(&err);
	ck_assert_ptr_nonnull(strstr(said, "quote 'Q-000002': none of its 1 "
	    "pending reasons is for the role 'sales'"));
	free(said);
	got = test_query(db, 2, "SELECT q.status, a.status FROM quotes q "
	    "JOIN quote_approvals a USING (quote_id)");
	ck_assert_str_eq(got, "needs_approval|pending\n");
	free(got);
	db_close(db);
}
END_TEST

/*
 * finance approves it; then its totals: one-time 500.00; MRR 195.00;
 * TCV 24 x 195 + 500 = 5180.00; ACV the recurring 4680.00 x 12 / 24 =
 * 2340.00; the margin over the lines with a cost, (195 - 60) / 195 =
 * 69.23 %; nothing pending.
 */
START_TEST(approve_by_the_rules_role)
{
	static char *const ids[] = { "Q-000002" };
	struct csv_input ci = { .argv = ids, .argc = 1, .delim = ',' };
	struct quote_opts o;
	struct test_capture out;
	struct db *db = price_book(&o);
	char *got;

	two_quotes(db, &o);
	o.on = test_day("2026-04-16");
	o.role = "finance";
	ck_assert_int_eq(quote_decide(db, &ci, 1, &o), CLI_OK);
	got = test_query(db, 3, "SELECT q.status, a.status, a.decided_on "
	    "FROM quotes q JOIN quote_approvals a USING (quote_id)");
	ck_assert_str_eq(got, "approved|approved|2026-04-16\n");
	free(got);
	test_capture(&out, stdout);
	ck_assert_int_eq(quote_list(db, &ci, &o), CLI_OK);
	got = test_captured(&out);
	ck_assert_str_eq(got, "quote_id,quote_ref,account_id,status,currency,"
	    "quote_date,valid_until,one_time,mrr,tcv,acv,margin_pct,"
	    "pending_approvals,revision_of\n"
	    "Q-000002,big,A-1,approved,USD,2026-04-15,2026-05-14,500.00,"
	    "195.00,5180.00,2340.00,69.23,0,\n");
	free(got);
	db_close(db);
}
END_TEST

/* A quote that needs approval cannot be accepted: a data error, and no
 * order. */
START_TEST(accept_needs_approval)
{
	static char *const ids[] = { "Q-000002" };
	struct csv_input ci = { .argv = ids, .argc = 1, .delim = ',' };
	struct quote_opts o;
	struct test_capture err;
	struct db *db = price_book(&o);
	char *got, *said;

	two_quotes(db, &o);
	o.on = test_day("2026-04-20");
	test_capture(&err, stderr);
	ck_assert_int_eq(quote_accept(db, &ci, &o), CLI_EDATA);
	said = test_captured(&err);
	ck_assert_ptr_nonnull(strstr(said, "quote 'Q-000002' is "
	    "needs_approval, not approved"));
	free(said);
	got = test_query(db, 3, "SELECT (SELECT count(*) FROM orders), "
	    "(SELECT count(*) FROM subscriptions), "
	    "(SELECT status FROM quotes WHERE quote_id = 'Q-000002')");
	ck_assert_str_eq(got, "0|0|needs_approval\n");
	free(got);
	db_close(db);
}
END_TEST

/*
 * Accepting "ok" on 20 April, to start on 1 May: an order, a contract of
 * its 12 months (1 May 2026 to 1 May 2027) and a subscription of 30 seats
 * at the list unit price with the 10 % discount.  That subscription's MRR
 * in the metrics is the quote's: 30 x 8.66666667 x 0.9 = 234.0000009,
 * 234.00 (one rule, one home).
 */
START_TEST(accept_makes_a_subscription)
{
	static char *const ids[] = { "Q-000001" };
	struct csv_input ci = { .argv = ids, .argc = 1, .delim = ',' };
	struct measure_opts mo = { .months = 1 };
	struct quote_opts o;
	struct test_capture out;
	struct db *db = price_book(&o);
	struct metrics_table *t;
	char *got;

	two_quotes(db, &o);
	o.on = test_day("2026-04-20");
	o.start = test_day("2026-05-01");
	test_capture(&out, stdout);
	ck_assert_int_eq(quote_accept(db, &ci, &o), CLI_OK);
	got = test_captured(&out);
	ck_assert_str_eq(got, "quote_id,account_id,order_id,contract_id,"
	    "line_no,sku,kind,subscription_id,amount,currency,start_date,"
	    "end_date\n"
	    "Q-000001,A-1,ORD-000001,CTR-000001,1,SEAT,recurring,SUB-000001,"
	    "234.00,USD,2026-05-01,2027-05-01\n");
	free(got);
	got = test_query(db, 9, "SELECT subscription_id, contract_id, "
	    "quantity_micro, unit_price_micro, discount_pct_micro, "
	    "billing_period, start_date, end_date, (SELECT status FROM quotes "
	    "WHERE quote_id = 'Q-000001') FROM subscriptions");
	ck_assert_str_eq(got, "SUB-000001|CTR-000001|30000000|866666667|"
	    "10000000|month|2026-05-01|2027-05-01|accepted\n");
	free(got);
	mo.from = mo.to = date_month_of(o.start);
	ck_assert_ptr_nonnull(t = measure_table(db, &mo));
	ck_assert_int_eq(metrics_cell(t, 0, 0, M_MRR)->v, 23400);
	metrics_table_free(t);
	db_close(db);
}
END_TEST

Suite *
quote_suite(void)
{
	Suite *s = suite_create("quote");
	TCase *price = tcase_create("price");
	TCase *rules = tcase_create("rules");
	TCase *accept = tcase_create("accept");

	tcase_add_test(price, price_graduated);
	tcase_add_test(price, price_below_first_tier);
	suite_add_tcase(s, price);
	tcase_add_test(rules, discount_over_limit_needs_approval);
	tcase_add_test(rules, approve_by_another_role);
	tcase_add_test(rules, approve_by_the_rules_role);
	suite_add_tcase(s, rules);
	tcase_add_test(accept, accept_needs_approval);
	tcase_add_test(accept, accept_makes_a_subscription);
	suite_add_tcase(s, accept);
	return s;
}
