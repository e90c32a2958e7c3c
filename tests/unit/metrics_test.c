/*
 * metrics and mrr: the definitions of DESIGN.md on small cases worked out
 * by hand (the arithmetic is in the comments), and the public MRR model of
 * dbt-labs' mrr-playbook as a conformance case.  Money is in cents.
 */
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "metrics.h"
#include "mrr.h"
#include "suites.h"

/* the gross of one unit at a price in cents: minor units x 10^12 */
#define GROSS(cents) ((__int128)(cents) * 1000000 * 1000000)

static int32_t
D(const char *s)
{
	int32_t d;

	ck_assert_msg(date_parse(s, strlen(s), &d) == 0, "bad date %s", s);
	return d;
}

static int32_t
M(const char *s)
{
	int32_t m;

	ck_assert_msg(date_parse_month(s, strlen(s), &m) == 0, "bad month %s",
	    s);
	return m;
}

START_TEST(movement)
{
	int64_t a;

	ck_assert_int_eq(metrics_movement(0, 10000, 0, 0, 0, &a), MV_NEW);
	ck_assert_int_eq(a, 10000);
	ck_assert_int_eq(metrics_movement(0, 10000, 1, 0, 0, &a),
	    MV_REACTIVATION);
	ck_assert_int_eq(a, 10000);
	ck_assert_int_eq(metrics_movement(10000, 15000, 1, 0, 0, &a),
	    MV_EXPANSION);
	ck_assert_int_eq(a, 5000);
	ck_assert_int_eq(metrics_movement(15000, 10000, 1, 0, 0, &a),
	    MV_CONTRACTION);
	ck_assert_int_eq(a, 5000);
	ck_assert_int_eq(metrics_movement(10000, 0, 1, 0, 0, &a), MV_CHURN);
	ck_assert_int_eq(a, 10000);
	ck_assert_int_eq(metrics_movement(10000, 10000, 1, 0, 0, &a),
	    MV_NONE);
	ck_assert_int_eq(a, 0);
	/* a credit subscription below zero: -20.00 to 30.00 is new 50.00,
	 * so that start + new = end still */
	ck_assert_int_eq(metrics_movement(-2000, 3000, 0, 0, 0, &a), MV_NEW);
	ck_assert_int_eq(a, 5000);
	ck_assert_int_eq(metrics_movement(3000, -2000, 0, 0, 0, &a),
	    MV_CHURN);
	ck_assert_int_eq(a, 5000);
	/* the widest moves: 2^63 - 1 fits, 2^63 and 2^64 - 1 do not */
	ck_assert_int_eq(metrics_movement(0, INT64_MAX, 0, 0, 0, &a), MV_NEW);
	ck_assert_int_eq(a, INT64_MAX);
	ck_assert_int_eq(metrics_movement(-1, INT64_MAX, 0, 0, 0, &a),
	    MV_NEW);
	ck_assert_int_eq(a, -1);
	ck_assert_int_eq(metrics_movement(INT64_MAX, INT64_MIN, 0, 0, 0, &a),
	    MV_CHURN);
	ck_assert_int_eq(a, -1);
}
END_TEST

/* The movements of a pause: paused and resumed, never churn, new or
 * reactivation, but for an account that never paid. */
START_TEST(movement_paused)
{
	int64_t a;

	/* 100.00 to 0 with its one subscription paused: not churn */
	ck_assert_int_eq(metrics_movement(10000, 0, 1, 0, 1, &a), MV_PAUSED);
	ck_assert_int_eq(a, 10000);
	/* back from 0 with that pause over: not reactivation */
	ck_assert_int_eq(metrics_movement(0, 10000, 1, 1, 0, &a), MV_RESUMED);
	ck_assert_int_eq(a, 10000);
	/* 150.00 to 100.00 with one more paused: a pause, not a contraction */
	ck_assert_int_eq(metrics_movement(15000, 10000, 1, 0, 1, &a),
	    MV_PAUSED);
	ck_assert_int_eq(a, 5000);
	/* and back, with one fewer */
	ck_assert_int_eq(metrics_movement(10000, 15000, 1, 1, 0, &a),
	    MV_RESUMED);
	/* the same number paused on both days: the change is another's */
	ck_assert_int_eq(metrics_movement(15000, 10000, 1, 1, 1, &a),
	    MV_CONTRACTION);
	ck_assert_int_eq(metrics_movement(10000, 15000, 1, 1, 1, &a),
	    MV_EXPANSION);
	/* an account that goes to 0 while one is paused has not churned,
	 * even when the pause began before */
	ck_assert_int_eq(metrics_movement(5000, 0, 1, 1, 1, &a), MV_PAUSED);
	/* a subscription paused before its first month end: new when it
	 * pays for the first time */
	ck_assert_int_eq(metrics_movement(0, 10000, 0, 1, 0, &a), MV_NEW);
	/* from 0 with one paused at the start, another new: resumed */
	ck_assert_int_eq(metrics_movement(0, 5000, 1, 1, 1, &a), MV_RESUMED);
	ck_assert_str_eq(metrics_movement_names[MV_PAUSED], "paused");
	ck_assert_str_eq(metrics_movement_names[MV_RESUMED], "resumed");
}
END_TEST

START_TEST(ratio)
{
	int64_t v;

	/* 165 / 130 = 1.269230... -> 1.2692; 125 / 130 = 0.961538 -> 0.9615 */
	ck_assert_int_eq(metrics_ratio(165, 130, 4, &v), 0);
	ck_assert_int_eq(v, 12692);
	ck_assert_int_eq(metrics_ratio(125, 130, 4, &v), 0);
	ck_assert_int_eq(v, 9615);
	/* CSAT: 10 x 5, 20 x 4, 10 x 3, 5 x 2, 5 x 1: (10 + 20) / 50 = 60% */
	ck_assert_int_eq(metrics_ratio(10 + 20, 10 + 20 + 10 + 5 + 5, 4, &v),
	    0);
	ck_assert_int_eq(v, 6000);
	/* halves go away from zero: 1/8 = 0.125 -> 0.13, -0.13 */
	ck_assert_int_eq(metrics_ratio(1, 8, 2, &v), 0);
	ck_assert_int_eq(v, 13);
	ck_assert_int_eq(metrics_ratio(-1, 8, 2, &v), 0);
	ck_assert_int_eq(v, -13);
	/* over nothing: undefined, not 0 */
	ck_assert_int_eq(metrics_ratio(5, 0, 4, &v), -1);
}
END_TEST

START_TEST(ltv)
{
	/* MRR 1000.00, cost 200.00, 10 accounts: 80.00 a month each.  Churn
	 * 1 of 10, 1 of 20 and a month with nobody paying (not counted):
	 * (0.10 + 0.05) / 2 = 0.075; 80.00 / 0.075 = 1066.666... */
	int64_t start[] = { 10, 20, 0 }, churned[] = { 1, 1, 0 }, v;

	ck_assert_int_eq(metrics_ltv(100000, 20000, 10, churned, start, 3,
	    &v), 0);
	ck_assert_int_eq(v, 106667);
	/* no churn: undefined */
	churned[0] = churned[1] = 0;
	ck_assert_int_eq(metrics_ltv(100000, 20000, 10, churned, start, 3,
	    &v), -1);
	/* nobody paying: undefined */
	churned[0] = 1;
	ck_assert_int_eq(metrics_ltv(0, 0, 0, churned, start, 3, &v), -1);
}
END_TEST

/* A hundred thousand accounts: the sum of six rates has a denominator
 * near 10^30, times the amount past 128 bits.  Worked out with exact
 * fractions: (10^12 - 2 x 10^11) / 10^5 / (sum of c/s / 6) =
 * 4,919,979,089.70 -> ...090; with a cost above the MRR the same way
 * -14,425,863.93 -> ...864. */
START_TEST(ltv_large)
{
	int64_t start[] = { 100003, 100019, 100043, 100049, 100057, 100069 };
	int64_t churned[] = { 166, 170, 157, 161, 163, 159 }, v;

	ck_assert_int_eq(metrics_ltv(1000000000000, 200000000000, 100000,
	    churned, start, 6, &v), 0);
	ck_assert_int_eq(v, 4919979090);
	ck_assert_int_eq(metrics_ltv(10000000000, 12345678901, 100000,
	    churned, start, 6, &v), 0);
	ck_assert_int_eq(v, -14425864);
	/* past int64: too large, not undefined */
	ck_assert_int_eq(metrics_ltv(INT64_MAX, 0, 1, churned, start, 6, &v),
	    -2);
}
END_TEST

START_TEST(dso_countback)
{
	/* receivables 1500.00; going back, March invoiced 1000.00 (31 days:
	 * all covered, 500.00 left), February 800.00 (28 days: 500 / 800 of
	 * them = 17.5): 48.5 days */
	int64_t inv[] = { 100000, 80000, 90000 };
	int32_t days[] = { 31, 28, 31 };

	ck_assert_int_eq(metrics_dso_countback(150000, inv, days, 3), 4850);
	/* exactly one month's worth: its days */
	ck_assert_int_eq(metrics_dso_countback(100000, inv, days, 3), 3100);
	/* more than all months: all their days, 90 */
	ck_assert_int_eq(metrics_dso_countback(900000, inv, days, 3), 9000);
	/* 1.00 left in a month of 3.00 and 31 days: 10.333... -> 10.33 */
	inv[0] = 300;
	ck_assert_int_eq(metrics_dso_countback(100, inv, days, 3), 1033);
	ck_assert_int_eq(metrics_dso_countback(0, inv, days, 3), 0);
}
END_TEST

START_TEST(months_between)
{
	struct metrics_months m;

	m = metrics_months_between(D("2026-01-15"), D("2027-01-15"));
	ck_assert_int_eq(m.num, 12 * m.den);
	/* 1 month, then 14 days of February's 28 */
	m = metrics_months_between(D("2026-01-01"), D("2026-02-15"));
	ck_assert_int_eq(m.num, 28 + 14);
	ck_assert_int_eq(m.den, 28);
	/* from the 31st: to 2026-02-28 is a month, then 1 day of the 31
	 * to 03-31; to 03-30, 30 of them; to 03-31 two months: never fewer
	 * months for a longer term */
	m = metrics_months_between(D("2026-01-31"), D("2026-03-01"));
	ck_assert_int_eq(m.num, 31 + 1);
	ck_assert_int_eq(m.den, 31);
	m = metrics_months_between(D("2026-01-31"), D("2026-03-30"));
	ck_assert_int_eq(m.num, 31 + 30);
	ck_assert_int_eq(m.den, 31);
	m = metrics_months_between(D("2026-01-31"), D("2026-03-31"));
	ck_assert_int_eq(m.num, 2 * m.den);
	m = metrics_months_between(D("2026-03-01"), D("2026-03-01"));
	ck_assert_int_eq(m.num, 0);
}
END_TEST

START_TEST(value_and_acv)
{
	int64_t v;

	/* 100.00 a month from 2026-04-01 to 2027-03-10: 11 months and 9 of
	 * March's 31 days: 1,129.032... -> 1,129.03 */
	ck_assert_int_eq(metrics_value_over(GROSS(10000), 0, 1,
	    D("2026-04-01"), D("2027-03-10"), &v), 0);
	ck_assert_int_eq(v, 112903);
	ck_assert_int_eq(metrics_value_over(GROSS(27000), 0, 1,
	    D("2026-04-01"), D("2026-09-01"), &v), 0);
	ck_assert_int_eq(v, 135000);
	ck_assert_int_eq(metrics_value_over(GROSS(27000), 0, 1,
	    D("2026-09-01"), D("2026-09-01"), &v), 0);
	ck_assert_int_eq(v, 0);
	/* from the terms, not the MRR: 100.00 a quarter for a year is
	 * 400.00, not 12 x 33.33; 100,000.00 a year for three 300,000.00;
	 * 120.0599 a year from 2026-01-15 to 2026-03-01 is 1 + 14/28
	 * months, 120.0599 x 1.5 / 12 = 15.0074875 -> 15.01 */
	ck_assert_int_eq(metrics_value_over(GROSS(10000), 0, 3,
	    D("2026-01-01"), D("2027-01-01"), &v), 0);
	ck_assert_int_eq(v, 40000);
	ck_assert_int_eq(metrics_value_over(GROSS(10000000), 0, 12,
	    D("2026-01-01"), D("2029-01-01"), &v), 0);
	ck_assert_int_eq(v, 30000000);
	ck_assert_int_eq(metrics_value_over((__int128)12005990000LL *
	    1000000, 0, 12, D("2026-01-15"), D("2026-03-01"), &v), 0);
	ck_assert_int_eq(v, 1501);
	ck_assert_int_eq(metrics_value_over(GROSS(INT64_MAX), 0, 1,
	    D("2026-01-01"), D("2028-01-01"), &v), -1);
	/* ACV: 1,620.00 over six months is 3,240.00 a year; 3,600.00 over
	 * three years 1,200.00; 1,200.00 over a year itself */
	ck_assert_int_eq(metrics_acv(162000, D("2026-03-01"), D("2026-09-01"),
	    &v), 0);
	ck_assert_int_eq(v, 324000);
	ck_assert_int_eq(metrics_acv(360000, D("2026-01-01"), D("2029-01-01"),
	    &v), 0);
	ck_assert_int_eq(v, 120000);
	ck_assert_int_eq(metrics_acv(120000, D("2026-03-10"), D("2027-03-10"),
	    &v), 0);
	ck_assert_int_eq(v, 120000);
	ck_assert_int_eq(metrics_acv(120000, D("2026-03-10"), D("2026-03-10"),
	    &v), 0);
	ck_assert_int_eq(v, 0);
}
END_TEST

START_TEST(dso_and_payback)
{
	int64_t v;

	/* 1,500.00 open, 1,000.00 invoiced in a month of 31 days: 46.50 */
	ck_assert_int_eq(metrics_dso(150000, 100000, 31, &v), 0);
	ck_assert_int_eq(v, 4650);
	ck_assert_int_eq(metrics_dso(150000, 0, 31, &v), -1);
	/* spend 8,000.00 for 2 new accounts bringing 370.00 of MRR, with MRR
	 * 980.00 costing 120.00: CAC 4,000.00; new ARPA 185.00 x margin
	 * 860/980 = 162.35 a month; 4,000 / 162.35 = 24.64 months */
	ck_assert_int_eq(metrics_payback(800000, 98000, 12000, 37000, &v), 0);
	ck_assert_int_eq(v, 2464);
	/* nothing new, or no margin: undefined */
	ck_assert_int_eq(metrics_payback(800000, 98000, 12000, 0, &v), -1);
	ck_assert_int_eq(metrics_payback(800000, 98000, 98000, 37000, &v), -1);
}
END_TEST

/*
 * The subscription periods of dbt-labs' mrr-playbook seed, customers 1,
 * 5, 17, 26 and 27 (monthly amounts, end dates exclusive), and the
 * figures of June, July and August 2019.
 */
#define SUB(s, e, amount) { D(s), D(e), (amount) * 100, 0, 0, NULL, 0 }

START_TEST(dbt_playbook)
{
	struct mrr_sub c1[] = { SUB("2019-04-01", "2019-06-01", 50),
	    SUB("2019-06-01", "2019-08-01", 75) };
	struct mrr_sub c5[] = { SUB("2018-12-01", "2019-03-01", 25),
	    SUB("2019-07-01", "2019-08-01", 50),
	    SUB("2019-08-01", "2019-09-01", 25) };
	struct mrr_sub c17[] = { SUB("2018-12-01", "2019-05-01", 50),
	    SUB("2019-05-01", "2019-06-01", 25),
	    SUB("2019-06-01", "2019-09-01", 40) };
	struct mrr_sub c26[] = { SUB("2019-05-01", "2019-06-01", 55),
	    SUB("2019-06-01", "2019-08-01", 50) };
	struct mrr_sub c27[] = { SUB("2019-07-01", "2019-08-01", 130),
	    SUB("2019-08-01", "2020-01-01", 125) };
	static const int64_t mrr[] = { 165, 345, 190 }, new[] = { 0, 130, 0 },
	    exp[] = { 40, 0, 0 }, con[] = { 5, 0, 30 },
	    churn[] = { 0, 0, 125 }, react[] = { 0, 50, 0 };
	struct mrr *m = mrr_new(M("2019-06"), 3, 1, 6, 1);
	struct mrr_step steps[3];
	int64_t v;

	mrr_add(m, 0, c1, 2, NULL);
	mrr_add(m, 0, c5, 3, steps);
	mrr_add(m, 0, c17, 3, NULL);
	mrr_add(m, 0, c26, 2, NULL);
	mrr_add(m, 0, c27, 2, NULL);
	for (size_t k = 0; k < 3; k++) {
		const struct mrr_sums *s = mrr_sums(m, k, 0);

		ck_assert_int_eq(s->end, mrr[k] * 100);
		ck_assert_int_eq(s->move[MV_NEW], new[k] * 100);
		ck_assert_int_eq(s->move[MV_EXPANSION], exp[k] * 100);
		ck_assert_int_eq(s->move[MV_CONTRACTION], con[k] * 100);
		ck_assert_int_eq(s->move[MV_CHURN], churn[k] * 100);
		ck_assert_int_eq(s->move[MV_REACTIVATION], react[k] * 100);
		/* start + movements = end */
		ck_assert_int_eq(s->start + s->move[MV_NEW] +
		    s->move[MV_EXPANSION] + s->move[MV_REACTIVATION] -
		    s->move[MV_CONTRACTION] - s->move[MV_CHURN], s->end);
	}
	/* June: NRR 165 / 130 = 126.92%, GRR (50 + 25 + 50) / 130 = 96.15% */
	ck_assert_int_eq(metrics_ratio(mrr_sums(m, 0, 0)->cohort_end,
	    mrr_sums(m, 0, 0)->cohort_start, 4, &v), 0);
	ck_assert_int_eq(v, 12692);
	ck_assert_int_eq(metrics_ratio(mrr_sums(m, 0, 0)->cohort_kept,
	    mrr_sums(m, 0, 0)->cohort_start, 4, &v), 0);
	ck_assert_int_eq(v, 9615);
	/* August: 2 of the 5 paying at its start churned */
	ck_assert_int_eq(mrr_sums(m, 2, 0)->count[MV_CHURN], 2);
	ck_assert_int_eq(mrr_sums(m, 2, 0)->paying_start, 5);
	/* customer 5 comes back in July after paying until February, and
	 * goes down to 25 in August */
	ck_assert_int_eq(steps[1].move, MV_REACTIVATION);
	ck_assert_int_eq(steps[1].amount, 5000);
	ck_assert_int_eq(steps[2].move, MV_CONTRACTION);
	ck_assert_int_eq(steps[2].end, 2500);
	mrr_free(m);
}
END_TEST

/* Quarters: the movement is from one quarter's end to the next, and the
 * trailing monthly churn counts every month of the last six. */
START_TEST(quarters)
{
	/* paying 100.00 from January to mid-May, then 300.00 from July */
	struct mrr_sub a[] = { SUB("2026-01-01", "2026-05-15", 100),
	    SUB("2026-07-01", "2027-01-01", 300) };
	struct mrr *m = mrr_new(M("2026-01"), 3, 3, 6, 1);
	struct mrr_step steps[3];
	const int64_t *start, *churned;

	mrr_add(m, 0, a, 2, steps);
	/* Q1: new 100; Q2 ends at 0 (churn 100); Q3: back at 300 */
	ck_assert_int_eq(steps[0].move, MV_NEW);
	ck_assert_int_eq(steps[1].move, MV_CHURN);
	ck_assert_int_eq(steps[1].amount, 10000);
	ck_assert_int_eq(steps[2].move, MV_REACTIVATION);
	ck_assert_int_eq(steps[2].amount, 30000);
	/* Q3's trailing months April..September: paying at the start of
	 * April and May, churned in May */
	mrr_trail(m, 2, 0, &start, &churned);
	ck_assert_int_eq(start[0], 1);	/* April */
	ck_assert_int_eq(start[1], 1);	/* May */
	ck_assert_int_eq(churned[1], 1);
	ck_assert_int_eq(start[2], 0);	/* June */
	ck_assert_int_eq(start[3], 0);	/* July: paying only from its end */
	ck_assert_int_eq(start[4], 1);	/* August */
	ck_assert_int_eq(churned[5], 0);
	ck_assert_int_eq(mrr_period_last(m, 2), D("2026-09-30"));
	mrr_free(m);
}
END_TEST

/*
 * A subscription of 100.00 a month from January, paused from 2026-03-10
 * up to 2026-05-15.  Month ends: January 31 and February 28 before the
 * pause (100.00), March 31 and April 30 inside it (0), May 31 after it
 * (100.00).  March: 100.00 to 0, one paused at its end and none at its
 * start: paused 100.00, no churn.  May: 0 to 100.00, one paused at its
 * start and none at its end, the account paid before: resumed 100.00,
 * neither reactivation nor new.
 */
START_TEST(paused_months)
{
	struct mrr_pause p[] = { { D("2026-03-10"), D("2026-05-15") } };
	struct mrr_sub a[] = { { D("2026-01-01"), DATE_NONE, 10000, 0, 0, p,
	    1 } };
	static const int64_t mrr[] = { 10000, 10000, 0, 0, 10000, 10000 };
	static const enum movement mv[] = { MV_NEW, MV_NONE, MV_PAUSED,
	    MV_NONE, MV_RESUMED, MV_NONE };
	struct mrr *m = mrr_new(M("2026-01"), 6, 1, 6, 1);
	struct mrr_step steps[6];

	mrr_add(m, 0, a, 1, steps);
	for (size_t k = 0; k < 6; k++) {
		const struct mrr_sums *s = mrr_sums(m, k, 0);

		ck_assert_int_eq(steps[k].end, mrr[k]);
		ck_assert_int_eq(steps[k].move, mv[k]);
		ck_assert_int_eq(s->count[MV_CHURN], 0);
		ck_assert_int_eq(s->count[MV_REACTIVATION], 0);
		ck_assert_int_eq(s->paying_end, mrr[k] > 0);
	}
	ck_assert_int_eq(steps[2].amount, 10000);
	ck_assert_int_eq(mrr_sums(m, 2, 0)->move[MV_PAUSED], 10000);
	ck_assert_int_eq(steps[4].amount, 10000);
	ck_assert_int_eq(mrr_sums(m, 4, 0)->move[MV_RESUMED], 10000);
	ck_assert_int_eq(mrr_sums(m, 0, 0)->count[MV_NEW], 1);
	ck_assert_int_eq(mrr_sums(m, 4, 0)->count[MV_NEW], 0);
	/* on the days themselves: paused from the 10th, back on the 15th */
	ck_assert_int_eq(mrr_at(a, 1, D("2026-03-09")), 10000);
	ck_assert_int_eq(mrr_at(a, 1, D("2026-03-10")), 0);
	ck_assert_int_eq(mrr_at(a, 1, D("2026-05-14")), 0);
	ck_assert_int_eq(mrr_at(a, 1, D("2026-05-15")), 10000);
	/* June's trailing months January..June: paying at the start of
	 * February (January 31), March (February 28) and June (May 31); the
	 * March pause is no churn */
	{
		const int64_t *start, *churned;

		mrr_trail(m, 5, 0, &start, &churned);
		for (size_t i = 0; i < 6; i++)
			ck_assert_int_eq(churned[i], 0);
		ck_assert_int_eq(start[0], 0);	/* January */
		ck_assert_int_eq(start[1], 1);	/* February */
		ck_assert_int_eq(start[2], 1);	/* March */
		ck_assert_int_eq(start[3], 0);	/* April: paused */
		ck_assert_int_eq(start[4], 0);	/* May: paused */
		ck_assert_int_eq(start[5], 1);	/* June */
	}
	mrr_free(m);
}
END_TEST

/*
 * Two subscriptions, 100.00 and 50.00 a month from January; the 50.00
 * one paused from 2026-03-01 up to 2026-04-01.  March 31: 100.00 (150.00
 * less the paused 50.00), one paused, none at February 28: paused 50.00,
 * which the metrics count as contraction; the account pays on, it has
 * not churned.  April 30: 150.00 again, resumed 50.00.
 */
START_TEST(paused_one_of_two)
{
	struct mrr_pause p[] = { { D("2026-03-01"), D("2026-04-01") } };
	struct mrr_sub a[] = {
		{ D("2026-01-01"), DATE_NONE, 10000, 0, 0, NULL, 0 },
		{ D("2026-01-01"), DATE_NONE, 5000, 0, 0, p, 1 } };
	struct mrr *m = mrr_new(M("2026-03"), 2, 1, 6, 1);
	struct mrr_step steps[2];
	const struct mrr_sums *mar = mrr_sums(m, 0, 0);

	mrr_add(m, 0, a, 2, steps);
	ck_assert_int_eq(steps[0].start, 15000);
	ck_assert_int_eq(steps[0].end, 10000);
	ck_assert_int_eq(steps[0].move, MV_PAUSED);
	ck_assert_int_eq(steps[0].amount, 5000);
	ck_assert_int_eq(mar->move[MV_PAUSED], 5000);
	ck_assert_int_eq(mar->move[MV_CONTRACTION], 0);
	ck_assert_int_eq(mar->count[MV_CHURN], 0);
	ck_assert_int_eq(mar->paying_end, 1);
	/* GRR as defined: kept 100.00 of 150.00 */
	ck_assert_int_eq(mar->cohort_kept, 10000);
	ck_assert_int_eq(mar->cohort_start, 15000);
	ck_assert_int_eq(steps[1].move, MV_RESUMED);
	ck_assert_int_eq(steps[1].amount, 5000);
	ck_assert_int_eq(steps[1].end, 15000);
	mrr_free(m);
}
END_TEST

/* A pause from 2026-02-20 not resumed: 0 at every month end from
 * February's to the last; no churn in any month of the trail. */
START_TEST(paused_open)
{
	struct mrr_pause p[] = { { D("2026-02-20"), DATE_NONE } };
	struct mrr_sub a[] = { { D("2026-01-01"), DATE_NONE, 10000, 0, 0, p,
	    1 } };
	struct mrr *m = mrr_new(M("2026-01"), 6, 1, 6, 1);
	struct mrr_step steps[6];
	const int64_t *start, *churned;

	mrr_add(m, 0, a, 1, steps);
	ck_assert_int_eq(steps[0].end, 10000);
	ck_assert_int_eq(steps[1].move, MV_PAUSED);
	for (size_t k = 1; k < 6; k++)
		ck_assert_int_eq(steps[k].end, 0);
	for (size_t k = 2; k < 6; k++)
		ck_assert_int_eq(steps[k].move, MV_NONE);
	ck_assert_int_eq(mrr_at(a, 1, D("2027-12-31")), 0);
	mrr_trail(m, 5, 0, &start, &churned);
	ck_assert_int_eq(start[1], 1);	/* February: paying on January 31 */
	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(churned[i], 0);
	mrr_free(m);
}
END_TEST

/* Paying first at a month end after a pause: a subscription paused from
 * its third day to 2026-04-02 first pays on April 30, and that is new;
 * a credit of -100.00 paused in March lets a 100.00 one pay on March
 * 31. */
START_TEST(first_paying_paused)
{
	struct mrr_pause p[] = { { D("2026-01-03"), D("2026-04-02") } };
	struct mrr_pause q[] = { { D("2026-03-01"), D("2026-04-01") } };
	struct mrr_sub a[] = { { D("2026-01-01"), DATE_NONE, 10000, 0, 0, p,
	    1 } };
	struct mrr_sub b[] = {
		{ D("2026-01-01"), DATE_NONE, 10000, 0, 0, NULL, 0 },
		{ D("2026-01-01"), D("2026-06-01"), -10000, 0, 0, q, 1 } };
	struct mrr *m = mrr_new(M("2026-04"), 1, 1, 6, 1);
	struct mrr_step step;

	ck_assert_int_eq(mrr_first_paying(a, 1), D("2026-04-30"));
	mrr_add(m, 0, a, 1, &step);
	ck_assert_int_eq(step.move, MV_NEW);
	ck_assert_int_eq(mrr_first_paying(b, 2), D("2026-03-31"));
	mrr_free(m);
}
END_TEST

/* Paying means at a month end: a subscription inside one month never
 * pays, so the account that comes later is new. */
START_TEST(first_paying)
{
	struct mrr_sub a[] = { SUB("2026-01-05", "2026-01-20", 100),
	    SUB("2026-03-01", "2026-06-01", 100) };

	ck_assert_int_eq(mrr_first_paying(a, 2), D("2026-03-31"));
	ck_assert_int_eq(mrr_at(a, 2, D("2026-01-10")), 10000);
	ck_assert_int_eq(mrr_at(a, 2, D("2026-01-20")), 0);
	ck_assert_int_eq(mrr_first_paying(a, 1), DATE_NONE);
}
END_TEST

/* A credit subscription of -100.00 cancels the first month of a 100.00
 * one; the account first pays at the end of the month the credit ends
 * in, so coming back in August is a reactivation. */
START_TEST(first_paying_negative)
{
	struct mrr_sub a[] = { SUB("2026-01-05", "2026-06-01", 100),
	    SUB("2026-01-01", "2026-03-15", -100),
	    SUB("2026-08-01", "2027-01-01", 100) };
	struct mrr *m = mrr_new(M("2026-08"), 1, 1, 6, 1);
	struct mrr_step step;

	ck_assert_int_eq(mrr_first_paying(a, 3), D("2026-03-31"));
	mrr_add(m, 0, a, 3, &step);
	ck_assert_int_eq(step.move, MV_REACTIVATION);
	mrr_free(m);
}
END_TEST

Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("definitions");

	tcase_add_test(tc, movement);
	tcase_add_test(tc, movement_paused);
	tcase_add_test(tc, ratio);
	tcase_add_test(tc, ltv);
	tcase_add_test(tc, ltv_large);
	tcase_add_test(tc, dso_countback);
	tcase_add_test(tc, months_between);
	tcase_add_test(tc, value_and_acv);
	tcase_add_test(tc, dso_and_payback);
	tcase_add_test(tc, dbt_playbook);
	tcase_add_test(tc, quarters);
	tcase_add_test(tc, first_paying);
	tcase_add_test(tc, first_paying_negative);
	tcase_add_test(tc, paused_months);
	tcase_add_test(tc, paused_one_of_two);
	tcase_add_test(tc, paused_open);
	tcase_add_test(tc, first_paying_paused);
	suite_add_tcase(s, tc);
	return s;
}
