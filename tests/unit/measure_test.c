/*
 * measure: the MRR of a small company and its movements over three
 * months, from its subscriptions in a database in memory, by the
 * definitions of DESIGN.md section 4 (MRR, its movements, logo churn,
 * revenue churn, GRR and NRR, ARPA).  Money in cents, rates x 10^4.
 *
 * The company, all in USD (the base), monthly unless said:
 *   A (smb)  S1 10 x 10.00 from 1 Jan 2026, open: 100.00; S2 5 x 10.00
 *            from 10 Feb: 50.00 more.
 *   B (smb)  S3 200.00 from 1 Jan to 15 Feb; S4 100.00 from 1 Mar.
 *   C (ent)  S5 300.00 a quarter from 1 Feb: 300 / 3 = 100.00 a month.
 *   D (ent)  S6 1,000.00 a year from 1 Dec 2025 to 1 Mar 2026: 1000 / 12
 *            = 83.333..., rounded 83.33; then S7 50.00 from 1 Mar.
 * The MRR of a month is that of its last day, its start that of the day
 * before its first:
 *            start    A    B    C    D     end     movements
 *   2026-01   83.33  100  200    0  83.33  383.33  new A 100, B 200
 *   2026-02  383.33  150    0  100  83.33  333.33  expansion A 50,
 *                                                  churn B 200, new C 100
 *   2026-03  333.33  150  100  100  50     400.00  reactivation B 100,
 *                                                  contraction D 33.33
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "db.h"
#include "measure.h"
#include "metrics.h"
#include "suites.h"

static struct db *
company(void)
{
	struct db *db = test_db(NULL);

	db_exec(db, "INSERT INTO accounts (account_id, name, segment, "
	    "currency) VALUES ('A', 'A', 'smb', 'USD'), "
	    "('B', 'B', 'smb', 'USD'), ('C', 'C', 'ent', 'USD'), "
	    "('D', 'D', 'ent', 'USD');"
	    "INSERT INTO products (sku, name, kind, billing_period) VALUES "
	    "('P', 'P', 'recurring', 'month');"
	    "INSERT INTO subscriptions (subscription_id, account_id, sku, "
	    "quantity_micro, unit_price_micro, currency, billing_period, "
	    "start_date, end_date) VALUES "
	    "('S1', 'A', 'P', 10000000, 1000000000, 'USD', 'month', "
	    "'2026-01-01', NULL), "
	    "('S2', 'A', 'P', 5000000, 1000000000, 'USD', 'month', "
	    "'2026-02-10', NULL), "
	    "('S3', 'B', 'P', 1000000, 20000000000, 'USD', 'month', "
	    "'2026-01-01', '2026-02-15'), "
	    "('S4', 'B', 'P', 1000000, 10000000000, 'USD', 'month', "
	    "'2026-03-01', NULL), "
	    "('S5', 'C', 'P', 1000000, 30000000000, 'USD', 'quarter', "
	    "'2026-02-01', NULL), "
	    "('S6', 'D', 'P', 1000000, 100000000000, 'USD', 'year', "
	    "'2025-12-01', '2026-03-01'), "
	    "('S7', 'D', 'P', 1000000, 5000000000, 'USD', 'month', "
	    "'2026-03-01', NULL)");
	return db;
}

static struct measure_opts
months(const char *segment)
{
	struct measure_opts o = { .months = 1, .segment = segment };
	int32_t m;

	ck_assert_int_eq(date_parse_month("2026-01", 7, &m), 0);
	o.from = m;
	ck_assert_int_eq(date_parse_month("2026-03", 7, &m), 0);
	o.to = m;
	return o;
}

/* The figures of one period and segment, space-separated, "-" for an
 * undefined one. */
static const char *
figures(const struct metrics_table *t, size_t k, size_t s,
    const enum metric *ms, size_t n)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct metrics_cell *c = metrics_cell(t, k, s, ms[i]);

		if (c->set)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s%lld", i ? " " : "", (long long)c->v);
		else
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s-", i ? " " : "");
	}
	return buf;
}

/* MRR, new, expansion, contraction, churned, reactivation; the bridge
 * adds up: start + new + expansion + reactivation - contraction - churn
 * = end, each month. */
START_TEST(movements_of_three_months)
{
	static const enum metric ms[] = { M_MRR, M_NEW_MRR, M_EXPANSION_MRR,
	    M_CONTRACTION_MRR, M_CHURNED_MRR, M_REACTIVATION_MRR };
	struct measure_opts o = months(NULL);
	struct db *db = company();
	struct metrics_table *t = measure_table(db, &o);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nperiod, 3);
	ck_assert_str_eq(t->period[0], "2026-01");
	ck_assert_str_eq(t->period[2], "2026-03");
	ck_assert_str_eq(figures(t, 0, 0, ms, 6), "38333 30000 0 0 0 0");
	ck_assert_str_eq(figures(t, 1, 0, ms, 6), "33333 10000 5000 0 20000 0");
	ck_assert_str_eq(figures(t, 2, 0, ms, 6), "40000 0 0 3333 0 10000");
	metrics_table_free(t);
	db_close(db);
}
END_TEST

/*
 * Accounts: paying at the end 3 (A B D), 3 (A C D), 4; new 2, 1, 0;
 * churned 0, 1 (B), 0.  February: logo churn 1 / 3 paying at its start
 * = 0.3333; gross revenue churn (200 + 0) / 383.33 = 0.52174 -> 0.5217;
 * net (200 + 0 - 50 - 0) / 383.33 = 0.39131 -> 0.3913; over the cohort
 * A B D, GRR (100 + 0 + 83.33) / 383.33 = 0.47826 -> 0.4783 and NRR (150
 * + 0 + 83.33) / 383.33 = 0.60870 -> 0.6087.  March: ARR 12 x 400.00 =
 * 4,800.00, ARPA 400.00 / 4 = 100.00; no logo churn; gross revenue
 * churn 33.33 / 333.33 = 0.09999 -> 0.1000, net (33.33 - 100) / 333.33
 * = -0.20001 -> -0.2000; cohort A C D, GRR = NRR = (150 + 100 + 50) /
 * 333.33 = 0.90000 -> 0.9000.  January: GRR and NRR 1 (D
 * alone, unchanged), no churn.
 */
START_TEST(accounts_and_rates)
{
	static const enum metric counts[] = { M_PAYING_ACCOUNTS,
	    M_NEW_ACCOUNTS, M_CHURNED_ACCOUNTS };
	static const enum metric rates[] = { M_LOGO_CHURN_RATE,
	    M_GROSS_REVENUE_CHURN, M_NET_REVENUE_CHURN, M_GRR, M_NRR };
	static const enum metric size[] = { M_ARR, M_ARPA };
	struct measure_opts o = months(NULL);
	struct db *db = company();
	struct metrics_table *t = measure_table(db, &o);

	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(figures(t, 0, 0, counts, 3), "3 2 0");
	ck_assert_str_eq(figures(t, 1, 0, counts, 3), "3 1 1");
	ck_assert_str_eq(figures(t, 2, 0, counts, 3), "4 0 0");
	ck_assert_str_eq(figures(t, 0, 0, rates, 5), "0 0 0 10000 10000");
	ck_assert_str_eq(figures(t, 1, 0, rates, 5),
	    "3333 5217 3913 4783 6087");
	ck_assert_str_eq(figures(t, 2, 0, rates, 5), "0 1000 -2000 9000 9000");
	ck_assert_str_eq(figures(t, 2, 0, size, 2), "480000 10000");
	metrics_table_free(t);
	db_close(db);
}
END_TEST

/* By segment: smb is A and B, ent C and D.  March: smb 150 + 100 =
 * 250.00 with B's reactivation; ent 100 + 50 = 150.00 with D's
 * contraction of 33.33. */
START_TEST(by_segment)
{
	static const enum metric ms[] = { M_MRR, M_CONTRACTION_MRR,
	    M_REACTIVATION_MRR };
	struct measure_opts o = months("segment");
	struct db *db = company();
	struct metrics_table *t = measure_table(db, &o);
	size_t smb, ent;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nsegment, 2);
	smb = strcmp(t->segment[0], "smb") == 0 ? 0 : 1;
	ent = 1 - smb;
	ck_assert_str_eq(t->segment[smb], "smb");
	ck_assert_str_eq(t->segment[ent], "ent");
	ck_assert_str_eq(figures(t, 2, smb, ms, 3), "25000 0 10000");
	ck_assert_str_eq(figures(t, 2, ent, ms, 3), "15000 3333 0");
	metrics_table_free(t);
	db_close(db);
}
END_TEST

/* E pays 100.00 EUR a month from 1 February, when EUR was 1.10 USD:
 * 110.00 of MRR, still in March at 1.20, as a subscription's amounts are
 * converted at the rate of its start.  February: new 100 (C) + 110 (E)
 * = 210.00, MRR 333.33 + 110 = 443.33; March: 400 + 110 = 510.00, and no
 * expansion from the rate. */
START_TEST(converted_at_the_start)
{
	static const enum metric ms[] = { M_MRR, M_NEW_MRR, M_EXPANSION_MRR };
	struct measure_opts o = months(NULL);
	struct db *db = company();
	struct metrics_table *t;

	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('E', 'E', 'EUR');"
	    "INSERT INTO fx_rates VALUES ('EUR', '2026-01-01', 1100000000000), "
	    "('EUR', '2026-03-01', 1200000000000);"
	    "INSERT INTO subscriptions (subscription_id, account_id, sku, "
	    "quantity_micro, unit_price_micro, currency, billing_period, "
	    "start_date) VALUES ('S8', 'E', 'P', 1000000, 10000000000, 'EUR', "
	    "'month', '2026-02-01')");
	ck_assert_ptr_nonnull(t = measure_table(db, &o));
	ck_assert_str_eq(figures(t, 1, 0, ms, 3), "44333 21000 5000");
	ck_assert_str_eq(figures(t, 2, 0, ms, 3), "51000 0 0");
	metrics_table_free(t);
	db_close(db);
}
END_TEST

/* --detail mrr: a row per account and month whose MRR is not 0 at both
 * ends, contraction and churn as negative amounts. */
START_TEST(detail_of_b_and_d)
{
	static const struct out_opts csv = { .header = 1 };
	struct measure_opts o = months(NULL);
	struct db *db = company();
	struct test_capture out;
	char *got;

	db_exec(db, "DELETE FROM subscriptions WHERE account_id IN ('A', 'C')");
	test_capture(&out, stdout);
	ck_assert_int_eq(measure_detail_mrr(db, &o, &csv), 0);
	got = test_captured(&out);
	ck_assert_str_eq(got, "period,account_id,mrr_start,mrr_end,movement,"
	    "amount\n"
	    "2026-01,B,0.00,200.00,new,200.00\n"
	    "2026-02,B,200.00,0.00,churn,-200.00\n"
	    "2026-03,B,0.00,100.00,reactivation,100.00\n"
	    "2026-01,D,83.33,83.33,,0.00\n"
	    "2026-02,D,83.33,83.33,,0.00\n"
	    "2026-03,D,83.33,50.00,contraction,-33.33\n");
	free(got);
	db_close(db);
}
END_TEST

Suite *
measure_suite(void)
{
	Suite *s = suite_create("measure");
	TCase *tc = tcase_create("mrr");

	tcase_add_test(tc, movements_of_three_months);
	tcase_add_test(tc, accounts_and_rates);
	tcase_add_test(tc, by_segment);
	tcase_add_test(tc, converted_at_the_start);
	tcase_add_test(tc, detail_of_b_and_d);
	suite_add_tcase(s, tc);
	return s;
}
