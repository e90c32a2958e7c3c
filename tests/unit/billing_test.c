/*
 * billing: the anchor, the periods a run bills, proration and tax.  Every
 * expected value was worked out by hand; the comments show the day counts
 * and the arithmetic.  Amounts are in cents, unit prices in cents x 10^6,
 * quantities and percents x 10^6 (money.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "billing.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "pricing.h"
#include "suites.h"

#define E6 1000000LL
#define QTY(n) ((int64_t)(n) * E6)
#define PRICE(cents) ((int64_t)(cents) * E6)	/* a unit price */

/* A day from "YYYY-MM-DD"; fails the test on a bad date. */
static int32_t
D(const char *s)
{
	int32_t d;

	ck_assert_msg(date_parse(s, strlen(s), &d) == 0, "bad date %s", s);
	return d;
}

/* The date a day number stands for, for readable failures. */
#define ck_assert_day(day, s) do {					\
	char buf_[DATE_FMT_MAX];					\
									\
	date_format(buf_, (day));					\
	ck_assert_str_eq(buf_, (s));					\
} while (0)

/* Period p is [s, e) out of the full period [fs, fe). */
#define ck_assert_period(p, s, e, fs, fe) do {				\
	ck_assert_day((p).start, (s));					\
	ck_assert_day((p).end, (e));					\
	ck_assert_day((p).full_start, (fs));				\
	ck_assert_day((p).full_end, (fe));				\
} while (0)

/* The periods of a subscription starting in the month of `month` (its
 * first day, "YYYY-MM-01"): what the run for that month bills. */
static size_t
in_month(int32_t start, int32_t end, int months, int bday, const char *month,
    struct billing_period *out, size_t max)
{
	int32_t from = D(month), to = DATE_NONE;

	ck_assert_int_eq(date_add_months(from, 1, &to), 0);
	return billing_periods(start, end, months, billing_anchor(start, bday),
	    from, to, out, max);
}

START_TEST(anchor)
{
	/* on the billing day itself: that day */
	ck_assert_day(billing_anchor(D("2026-06-01"), 1), "2026-06-01");
	ck_assert_day(billing_anchor(D("2026-06-15"), 15), "2026-06-15");
	/* before it in the month: the same month */
	ck_assert_day(billing_anchor(D("2026-06-10"), 15), "2026-06-15");
	/* after it: the next month, across the year end too */
	ck_assert_day(billing_anchor(D("2026-06-10"), 1), "2026-07-01");
	ck_assert_day(billing_anchor(D("2026-06-16"), 15), "2026-07-15");
	ck_assert_day(billing_anchor(D("2026-12-20"), 15), "2027-01-15");
	ck_assert_day(billing_anchor(D("2026-12-31"), 1), "2027-01-01");
	/* the 31st, and 29 February */
	ck_assert_day(billing_anchor(D("2026-01-31"), 28), "2026-02-28");
	ck_assert_day(billing_anchor(D("2026-01-31"), 1), "2026-02-01");
	ck_assert_day(billing_anchor(D("2024-02-29"), 1), "2024-03-01");
	ck_assert_day(billing_anchor(D("2024-02-29"), 28), "2024-03-28");
	/* after it in 9999-12: none in the calendar */
	ck_assert_int_eq(billing_anchor(D("9999-12-10"), 1), DATE_END);
	ck_assert_day(billing_anchor(D("9999-12-10"), 15), "9999-12-15");
}
END_TEST

/* At the end of the calendar: a month from 9999-11-01 ends on 9999-12-01
 * and is billed; one from 9999-12-01 would end on 10000-01-01, and a year
 * from 9999-11-01 on 10000-11-01: neither can be. */
START_TEST(periods_at_the_end_of_the_calendar)
{
	struct billing_period p[4];
	int32_t to = DATE_NONE;

	ck_assert_int_eq(date_add_months(D("9999-11-01"), 1, &to), 0);
	ck_assert_uint_eq(billing_periods(D("9999-11-01"), DATE_NONE, 1,
	    billing_anchor(D("9999-11-01"), 1),
	    D("9999-11-01"), to, p, 4), 1);
	ck_assert_period(p[0], "9999-11-01", "9999-12-01", "9999-11-01",
	    "9999-12-01");
	ck_assert_uint_eq(billing_periods(D("9999-11-01"), DATE_NONE, 1,
	    billing_anchor(D("9999-11-01"), 1),
	    D("9999-12-01"), DATE_END, p, 4), BILLING_PAST_CALENDAR);
	ck_assert_uint_eq(billing_periods(D("9999-11-01"), DATE_NONE, 12,
	    billing_anchor(D("9999-11-01"), 1),
	    D("9999-11-01"), to, p, 4), BILLING_PAST_CALENDAR);
	/* a partial first period from the 10th, with billing day 1 */
	ck_assert_uint_eq(billing_periods(D("9999-12-10"), DATE_NONE, 1,
	    billing_anchor(D("9999-12-10"), 1),
	    D("9999-12-01"), DATE_END, p, 4), BILLING_PAST_CALENDAR);
}
END_TEST

START_TEST(monthly_from_the_10th)
{
	struct billing_period p[4];
	int32_t s = D("2026-06-10");

	/* June has 30 days: [06-10, 07-01) is days 10..30 = 21 of the full
	 * month [06-01, 07-01) = 30: 21/30 */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 1, 1, "2026-06-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-06-10", "2026-07-01", "2026-06-01",
	    "2026-07-01");
	ck_assert_int_eq(p[0].end - p[0].start, 21);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 30);
	/* then full months: July 31 days */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 1, 1, "2026-07-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-07-01", "2026-08-01", "2026-07-01",
	    "2026-08-01");
	ck_assert_int_eq(p[0].end - p[0].start, 31);
	/* nothing in the month before the start */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 1, 1, "2026-05-01", p,
	    4), 0);
	/* years later (the jump over old periods): still the calendar
	 * month */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 1, 1, "2031-02-01", p,
	    4), 1);
	ck_assert_period(p[0], "2031-02-01", "2031-03-01", "2031-02-01",
	    "2031-03-01");
}
END_TEST

START_TEST(month_starts_and_ends)
{
	struct billing_period p[4];

	/* a start on the 1st with billing day 1: no partial period, the
	 * whole month */
	ck_assert_uint_eq(in_month(D("2026-06-01"), DATE_NONE, 1, 1,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-01", "2026-07-01", "2026-06-01",
	    "2026-07-01");
	/* a start on the last day: 1 day of 30 */
	ck_assert_uint_eq(in_month(D("2026-06-30"), DATE_NONE, 1, 1,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-30", "2026-07-01", "2026-06-01",
	    "2026-07-01");
	ck_assert_int_eq(p[0].end - p[0].start, 1);
	/* an end on the 1st of the next month: the last month is whole,
	 * and the month after has nothing */
	ck_assert_uint_eq(in_month(D("2026-01-01"), D("2026-04-01"), 1, 1,
	    "2026-03-01", p, 4), 1);
	ck_assert_period(p[0], "2026-03-01", "2026-04-01", "2026-03-01",
	    "2026-04-01");
	ck_assert_uint_eq(in_month(D("2026-01-01"), D("2026-04-01"), 1, 1,
	    "2026-04-01", p, 4), 0);
}
END_TEST

START_TEST(february)
{
	struct billing_period p[4];

	/* leap year: [2024-02-10, 03-01) is days 10..29 = 20 of 29 */
	ck_assert_uint_eq(in_month(D("2024-02-10"), DATE_NONE, 1, 1,
	    "2024-02-01", p, 4), 1);
	ck_assert_period(p[0], "2024-02-10", "2024-03-01", "2024-02-01",
	    "2024-03-01");
	ck_assert_int_eq(p[0].end - p[0].start, 20);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 29);
	/* common year: days 10..28 = 19 of 28 */
	ck_assert_uint_eq(in_month(D("2026-02-10"), DATE_NONE, 1, 1,
	    "2026-02-01", p, 4), 1);
	ck_assert_period(p[0], "2026-02-10", "2026-03-01", "2026-02-01",
	    "2026-03-01");
	ck_assert_int_eq(p[0].end - p[0].start, 19);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 28);
	/* a start on 29 February: 1 day of 29 */
	ck_assert_uint_eq(in_month(D("2024-02-29"), DATE_NONE, 1, 1,
	    "2024-02-01", p, 4), 1);
	ck_assert_int_eq(p[0].end - p[0].start, 1);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 29);
	/* billing day 15 across February: [02-15, 03-15) is 14 + 14 = 28
	 * days in 2026 and 15 + 14 = 29 in 2024 */
	ck_assert_uint_eq(in_month(D("2026-01-15"), DATE_NONE, 1, 15,
	    "2026-02-01", p, 4), 1);
	ck_assert_period(p[0], "2026-02-15", "2026-03-15", "2026-02-15",
	    "2026-03-15");
	ck_assert_int_eq(p[0].end - p[0].start, 28);
	ck_assert_uint_eq(in_month(D("2024-01-15"), DATE_NONE, 1, 15,
	    "2024-02-01", p, 4), 1);
	ck_assert_int_eq(p[0].end - p[0].start, 29);
}
END_TEST

START_TEST(annual_from_march_15)
{
	struct billing_period p[4];
	int32_t s = D("2026-03-15");

	/* billing day 1: the anchor is 2026-04-01; [03-15, 04-01) is days
	 * 15..31 = 17 of the year [2025-04-01, 2026-04-01), which holds
	 * February 2026 (28 days): 365 */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 12, 1, "2026-03-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-03-15", "2026-04-01", "2025-04-01",
	    "2026-04-01");
	ck_assert_int_eq(p[0].end - p[0].start, 17);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 365);
	/* then the full year starts in April */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 12, 1, "2026-04-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-04-01", "2027-04-01", "2026-04-01",
	    "2027-04-01");
	ck_assert_int_eq(p[0].end - p[0].start, 365);
	/* no period starts in May 2026 .. March 2027 */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 12, 1, "2026-05-01", p,
	    4), 0);
	ck_assert_uint_eq(in_month(s, DATE_NONE, 12, 1, "2027-03-01", p,
	    4), 0);
	/* the next year in April 2027; [2027-04-01, 2028-04-01) holds
	 * 29 February 2028: 366 days */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 12, 1, "2027-04-01", p,
	    4), 1);
	ck_assert_period(p[0], "2027-04-01", "2028-04-01", "2027-04-01",
	    "2028-04-01");
	ck_assert_int_eq(p[0].end - p[0].start, 366);
	/* a leap year: from 2024-03-15 the full year [2023-04-01,
	 * 2024-04-01) holds 29 February 2024: 17/366 */
	ck_assert_uint_eq(in_month(D("2024-03-15"), DATE_NONE, 12, 1,
	    "2024-03-01", p, 4), 1);
	ck_assert_period(p[0], "2024-03-15", "2024-04-01", "2023-04-01",
	    "2024-04-01");
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 366);
}
END_TEST

START_TEST(quarterly)
{
	struct billing_period p[4];
	int32_t s = D("2026-02-10");

	/* anchor 2026-03-01; [02-10, 03-01) is 19 days of the quarter
	 * [2025-12-01, 2026-03-01) = 31 + 31 + 28 = 90 */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 3, 1, "2026-02-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-02-10", "2026-03-01", "2025-12-01",
	    "2026-03-01");
	ck_assert_int_eq(p[0].end - p[0].start, 19);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 90);
	/* [03-01, 06-01): 31 + 30 + 31 = 92 */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 3, 1, "2026-03-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-03-01", "2026-06-01", "2026-03-01",
	    "2026-06-01");
	ck_assert_int_eq(p[0].end - p[0].start, 92);
	/* nothing starts in April or May */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 3, 1, "2026-04-01", p,
	    4), 0);
	ck_assert_uint_eq(in_month(s, DATE_NONE, 3, 1, "2026-05-01", p,
	    4), 0);
	ck_assert_uint_eq(in_month(s, DATE_NONE, 3, 1, "2026-06-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-06-01", "2026-09-01", "2026-06-01",
	    "2026-09-01");
	/* December: [2026-12-01, 2027-03-01) = 31 + 31 + 28 = 90 */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 3, 1, "2026-12-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-12-01", "2027-03-01", "2026-12-01",
	    "2027-03-01");
	ck_assert_int_eq(p[0].end - p[0].start, 90);
	/* a start on the anchor day itself: no partial quarter */
	ck_assert_uint_eq(in_month(D("2026-01-01"), DATE_NONE, 3, 1,
	    "2026-01-01", p, 4), 1);
	ck_assert_period(p[0], "2026-01-01", "2026-04-01", "2026-01-01",
	    "2026-04-01");
	ck_assert_int_eq(p[0].end - p[0].start, 90);	/* 31 + 28 + 31 */
}
END_TEST

START_TEST(start_on_the_31st)
{
	struct billing_period p[4];

	/* monthly, billing day 1: [01-31, 02-01) is 1 day of January's 31,
	 * then February whole (28) */
	ck_assert_uint_eq(in_month(D("2026-01-31"), DATE_NONE, 1, 1,
	    "2026-01-01", p, 4), 1);
	ck_assert_period(p[0], "2026-01-31", "2026-02-01", "2026-01-01",
	    "2026-02-01");
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 31);
	ck_assert_uint_eq(in_month(D("2026-01-31"), DATE_NONE, 1, 1,
	    "2026-02-01", p, 4), 1);
	ck_assert_period(p[0], "2026-02-01", "2026-03-01", "2026-02-01",
	    "2026-03-01");
	/* billing day 28 from 2026-08-31: anchor 09-28; [08-31, 09-28) is
	 * 1 + 27 = 28 days of [08-28, 09-28) = 4 + 27 = 31 */
	ck_assert_uint_eq(in_month(D("2026-08-31"), DATE_NONE, 1, 28,
	    "2026-08-01", p, 4), 1);
	ck_assert_period(p[0], "2026-08-31", "2026-09-28", "2026-08-28",
	    "2026-09-28");
	ck_assert_int_eq(p[0].end - p[0].start, 28);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 31);
	/* September: the first full period [09-28, 10-28) = 3 + 27 = 30 */
	ck_assert_uint_eq(in_month(D("2026-08-31"), DATE_NONE, 1, 28,
	    "2026-09-01", p, 4), 1);
	ck_assert_period(p[0], "2026-09-28", "2026-10-28", "2026-09-28",
	    "2026-10-28");
	ck_assert_int_eq(p[0].end - p[0].start, 30);
	/* quarterly from 2026-03-31: 1 day of [2026-01-01, 04-01) =
	 * 31 + 28 + 31 = 90 */
	ck_assert_uint_eq(in_month(D("2026-03-31"), DATE_NONE, 3, 1,
	    "2026-03-01", p, 4), 1);
	ck_assert_period(p[0], "2026-03-31", "2026-04-01", "2026-01-01",
	    "2026-04-01");
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 90);
}
END_TEST

START_TEST(billing_day_15)
{
	struct billing_period p[4];
	int32_t s = D("2026-06-10");

	/* two periods start in June: [06-10, 06-15), 5 days of [05-15,
	 * 06-15) = 17 + 14 = 31, and [06-15, 07-15), 16 + 14 = 30 days */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 1, 15, "2026-06-01", p,
	    4), 2);
	ck_assert_period(p[0], "2026-06-10", "2026-06-15", "2026-05-15",
	    "2026-06-15");
	ck_assert_int_eq(p[0].end - p[0].start, 5);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 31);
	ck_assert_period(p[1], "2026-06-15", "2026-07-15", "2026-06-15",
	    "2026-07-15");
	ck_assert_int_eq(p[1].end - p[1].start, 30);
	/* with room for one, only the first */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 1, 15, "2026-06-01", p,
	    1), 1);
	ck_assert_period(p[0], "2026-06-10", "2026-06-15", "2026-05-15",
	    "2026-06-15");
	/* July: [07-15, 08-15) */
	ck_assert_uint_eq(in_month(s, DATE_NONE, 1, 15, "2026-07-01", p,
	    4), 1);
	ck_assert_period(p[0], "2026-07-15", "2026-08-15", "2026-07-15",
	    "2026-08-15");
	/* from the 16th: anchor 07-15, [06-16, 07-15) is 15 + 14 = 29 of
	 * [06-15, 07-15) = 30; June has only that one */
	ck_assert_uint_eq(in_month(D("2026-06-16"), DATE_NONE, 1, 15,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-16", "2026-07-15", "2026-06-15",
	    "2026-07-15");
	ck_assert_int_eq(p[0].end - p[0].start, 29);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 30);
	/* from the 15th itself: no partial period */
	ck_assert_uint_eq(in_month(D("2026-06-15"), DATE_NONE, 1, 15,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-15", "2026-07-15", "2026-06-15",
	    "2026-07-15");
	/* a start in May after the 15th: May's run has the partial
	 * [05-20, 06-15); June's only [06-15, 07-15) */
	ck_assert_uint_eq(in_month(D("2026-05-20"), DATE_NONE, 1, 15,
	    "2026-05-01", p, 4), 1);
	ck_assert_period(p[0], "2026-05-20", "2026-06-15", "2026-05-15",
	    "2026-06-15");
	ck_assert_uint_eq(in_month(D("2026-05-20"), DATE_NONE, 1, 15,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-15", "2026-07-15", "2026-06-15",
	    "2026-07-15");
}
END_TEST

START_TEST(end_inside_a_period)
{
	struct billing_period p[4];

	/* monthly from 2026-01-01 to 2026-03-20: March bills [03-01, 03-20),
	 * 19 days of 31; nothing after */
	ck_assert_uint_eq(in_month(D("2026-01-01"), D("2026-03-20"), 1, 1,
	    "2026-02-01", p, 4), 1);
	ck_assert_period(p[0], "2026-02-01", "2026-03-01", "2026-02-01",
	    "2026-03-01");
	ck_assert_uint_eq(in_month(D("2026-01-01"), D("2026-03-20"), 1, 1,
	    "2026-03-01", p, 4), 1);
	ck_assert_period(p[0], "2026-03-01", "2026-03-20", "2026-03-01",
	    "2026-04-01");
	ck_assert_int_eq(p[0].end - p[0].start, 19);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 31);
	ck_assert_uint_eq(in_month(D("2026-01-01"), D("2026-03-20"), 1, 1,
	    "2026-04-01", p, 4), 0);
	ck_assert_uint_eq(in_month(D("2026-01-01"), D("2026-03-20"), 1, 1,
	    "2027-01-01", p, 4), 0);
	/* start and end inside one month: [06-10, 06-20), 10 of 30 */
	ck_assert_uint_eq(in_month(D("2026-06-10"), D("2026-06-20"), 1, 1,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-10", "2026-06-20", "2026-06-01",
	    "2026-07-01");
	ck_assert_int_eq(p[0].end - p[0].start, 10);
	ck_assert_uint_eq(in_month(D("2026-06-10"), D("2026-06-20"), 1, 1,
	    "2026-07-01", p, 4), 0);
	/* annual from 2026-03-15 ending 2026-09-01: April bills [04-01,
	 * 09-01) = 30 + 31 + 30 + 31 + 31 = 153 of 365 */
	ck_assert_uint_eq(in_month(D("2026-03-15"), D("2026-09-01"), 12, 1,
	    "2026-04-01", p, 4), 1);
	ck_assert_period(p[0], "2026-04-01", "2026-09-01", "2026-04-01",
	    "2027-04-01");
	ck_assert_int_eq(p[0].end - p[0].start, 153);
	ck_assert_int_eq(p[0].full_end - p[0].full_start, 365);
	/* billing day 15, ending before the first anchor: [06-10, 06-12),
	 * 2 days of [05-15, 06-15) = 31; no [06-15, ...) */
	ck_assert_uint_eq(in_month(D("2026-06-10"), D("2026-06-12"), 1, 15,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-10", "2026-06-12", "2026-05-15",
	    "2026-06-15");
	/* ending on the anchor: the partial period whole, nothing else */
	ck_assert_uint_eq(in_month(D("2026-06-10"), D("2026-06-15"), 1, 15,
	    "2026-06-01", p, 4), 1);
	ck_assert_period(p[0], "2026-06-10", "2026-06-15", "2026-05-15",
	    "2026-06-15");
}
END_TEST

/*
 * Calendar alignment (issue 16): quarters from January, April, July and
 * October on the billing day.  A quarterly subscription from 10 February
 * has the 50 days to 1 April of the quarter [2026-01-01, 2026-04-01);
 * with billing day 15, the days to 15 April of [2026-01-15, 2026-04-15).
 * An alignment day after the start (a later anniversary) gives the same
 * periods: they run from it backwards too.
 */
START_TEST(calendar_periods)
{
	struct billing_period p[4];

	ck_assert_day(billing_align(D("2026-02-10"), 1, 1), "2026-01-01");
	ck_assert_day(billing_align(D("2026-02-10"), 1, 0), "2026-03-01");
	ck_assert_uint_eq(billing_periods(D("2026-02-10"), DATE_NONE, 3,
	    billing_align(D("2026-02-10"), 1, 1), D("2026-02-01"),
	    D("2026-03-01"), p, 4), 1);
	ck_assert_period(p[0], "2026-02-10", "2026-04-01", "2026-01-01",
	    "2026-04-01");
	ck_assert_uint_eq(billing_periods(D("2026-02-10"), DATE_NONE, 3,
	    billing_align(D("2026-02-10"), 15, 1), D("2026-02-01"),
	    D("2026-03-01"), p, 4), 1);
	ck_assert_period(p[0], "2026-02-10", "2026-04-15", "2026-01-15",
	    "2026-04-15");
	ck_assert_uint_eq(billing_periods(D("2026-02-10"), DATE_NONE, 3,
	    D("2027-01-01"), D("2026-04-01"), D("2026-05-01"), p, 4), 1);
	ck_assert_period(p[0], "2026-04-01", "2026-07-01", "2026-04-01",
	    "2026-07-01");
	/* a year from 15 March: 292 days to 1 January */
	ck_assert_uint_eq(billing_periods(D("2026-03-15"), DATE_NONE, 12,
	    billing_align(D("2026-03-15"), 1, 1), D("2026-03-01"),
	    D("2026-04-01"), p, 4), 1);
	ck_assert_period(p[0], "2026-03-15", "2027-01-01", "2026-01-01",
	    "2027-01-01");
}
END_TEST

START_TEST(wider_windows)
{
	struct billing_period p[4];

	/* the window [2026-03-01, 2026-05-01) for the annual one from
	 * 03-15: the partial period and the first year */
	ck_assert_uint_eq(billing_periods(D("2026-03-15"), DATE_NONE,
	    12,
	    billing_anchor(D("2026-03-15"), 1), D("2026-03-01"),
	    D("2026-05-01"), p, 4), 2);
	ck_assert_period(p[0], "2026-03-15", "2026-04-01", "2025-04-01",
	    "2026-04-01");
	ck_assert_period(p[1], "2026-04-01", "2027-04-01", "2026-04-01",
	    "2027-04-01");
	/* monthly from 2026-01-31 over [2026-01-01, 2026-04-01): the day
	 * in January, then February and March */
	ck_assert_uint_eq(billing_periods(D("2026-01-31"), DATE_NONE,
	    1,
	    billing_anchor(D("2026-01-31"), 1), D("2026-01-01"),
	    D("2026-04-01"), p, 4), 3);
	ck_assert_period(p[0], "2026-01-31", "2026-02-01", "2026-01-01",
	    "2026-02-01");
	ck_assert_period(p[1], "2026-02-01", "2026-03-01", "2026-02-01",
	    "2026-03-01");
	ck_assert_period(p[2], "2026-03-01", "2026-04-01", "2026-03-01",
	    "2026-04-01");
	/* an empty window */
	ck_assert_uint_eq(billing_periods(D("2026-01-01"), DATE_NONE,
	    1,
	    billing_anchor(D("2026-01-01"), 1), D("2026-03-01"),
	    D("2026-03-01"), p, 4), 0);
}
END_TEST

/* The net of n units at a price in cents with a discount (percent x
 * 10^6): minor units x 10^20. */
static __int128
net_of(int64_t n, int64_t cents, int64_t discount)
{
	__int128 net;

	ck_assert_int_eq(pricing_net((__int128)QTY(n) * PRICE(cents), discount,
	    &net), 0);
	return net;
}

static int64_t
billed(const struct billing_charged *c, const char *from, const char *to)
{
	int64_t sum;

	ck_assert_int_eq(billing_charged_billed(c, D(from), D(to), &sum), 0);
	return sum;
}

/*
 * Days credited and charged again (issue 12): August of 5 seats at
 * 10.00, 50.00, credited from 10 August (22 of 31 days: 35.48), leaves
 * the 9 days before, 50 x 9 / 31 = 14.516 -> 14.52, billed to the 10th;
 * charged again from the 10th, 35.48, the month is billed 50.00 again,
 * to the cent.
 */
START_TEST(charged_days_again)
{
	struct billing_charged c = { .fs = D("2026-08-01"),
	    .fe = D("2026-09-01"), .first = D("2026-08-01") };

	billing_charged_add(&c, c.fs, c.fe, net_of(5, 1000, 0), 1);
	ck_assert_day(billing_charged_to(&c), "2026-09-01");
	ck_assert_int_eq(billed(&c, "2026-08-10", "2026-09-01"), 3548);
	billing_charged_take_back(&c, D("2026-08-10"), c.fe);
	ck_assert_day(billing_charged_to(&c), "2026-08-10");
	ck_assert_int_eq(billed(&c, "2026-08-01", "2026-09-01"), 1452);
	ck_assert(billing_charged_net(&c, D("2026-08-10")) == 0);
	billing_charged_add(&c, D("2026-08-10"), c.fe, net_of(5, 1000, 0), 1);
	ck_assert_day(billing_charged_to(&c), "2026-09-01");
	ck_assert_int_eq(billed(&c, "2026-08-01", "2026-09-01"), 5000);
	/* all of it taken back: billed to its first day, nothing billed */
	billing_charged_take_back(&c, c.fs, c.fe);
	ck_assert_day(billing_charged_to(&c), "2026-08-01");
	ck_assert_int_eq(billed(&c, "2026-08-01", "2026-09-01"), 0);
	free(c.p);
}
END_TEST

/*
 * Credits of one line's days in parts add up to what it billed: April of
 * 99.99 taken back as 1 to 15 April, then 16 to 30, is 99.99 x 15 / 30 =
 * 49.995 -> 50.00, then 99.99 - 50.00 = 49.99 (each part rounded on its
 * own would give back 100.00).  0.10 a month taken back 10 days at a time,
 * the middle ones first: 0.10 x 20 / 30 - 0.10 x 10 / 30 = 0.07 - 0.03 =
 * 0.04, then 0.03, then 0.10 - 0.07 = 0.03: 0.10 in all, where three
 * parts of 0.0333 each would give back 0.09.
 */
START_TEST(charged_credits_add_up)
{
	struct billing_charged c = { .fs = D("2026-04-01"),
	    .fe = D("2026-05-01"), .first = D("2026-04-01") };

	billing_charged_add(&c, c.fs, c.fe, net_of(1, 9999, 0), 1);
	ck_assert_int_eq(billed(&c, "2026-04-01", "2026-04-16"), 5000);
	billing_charged_take_back(&c, c.fs, D("2026-04-16"));
	ck_assert_int_eq(billed(&c, "2026-04-16", "2026-05-01"), 4999);
	free(c.p);
	memset(&c, 0, sizeof(c));
	c.fs = c.first = D("2026-04-01");
	c.fe = D("2026-05-01");
	billing_charged_add(&c, c.fs, c.fe, net_of(1, 10, 0), 1);
	ck_assert_int_eq(billed(&c, "2026-04-11", "2026-04-21"), 4);
	billing_charged_take_back(&c, D("2026-04-11"), D("2026-04-21"));
	ck_assert_int_eq(billed(&c, "2026-04-01", "2026-04-11"), 3);
	billing_charged_take_back(&c, c.fs, D("2026-04-11"));
	ck_assert_int_eq(billed(&c, "2026-04-21", "2026-05-01"), 3);
	free(c.p);
}
END_TEST

/*
 * A change and an end (issue 12): a year from 1 April 2026 of 2 seats at
 * 199.00 with 12.5% off, 348.25, raised to 3 seats from 1 July: the
 * difference 174.125 a year on the 274 days left, 130.71.  Ended on 1
 * October, the 182 days after give back each piece's part: 348.25 x 182
 * / 365 = 173.6486 -> 173.65 and 174.125 x 182 / 365 = 86.8240 -> 86.82,
 * 260.47; the whole year is what was billed, 348.25 + 130.71 = 478.96.
 */
START_TEST(charged_change_and_end)
{
	struct billing_charged c = { .fs = D("2026-04-01"),
	    .fe = D("2027-04-01"), .first = D("2026-04-01") };
	__int128 two = net_of(2, 19900, 12500000);
	__int128 three = net_of(3, 19900, 12500000);

	billing_charged_add(&c, c.fs, c.fe, two, 1);
	billing_charged_add(&c, D("2026-07-01"), c.fe, three - two, 0);
	ck_assert(billing_charged_net(&c, D("2026-06-30")) == two);
	ck_assert(billing_charged_net(&c, D("2026-07-01")) == three);
	ck_assert_int_eq(billed(&c, "2026-04-01", "2027-04-01"), 47896);
	ck_assert_int_eq(billed(&c, "2026-10-01", "2027-04-01"), 26047);
	/* a change is no charge: the days billed still end with the year */
	ck_assert_day(billing_charged_to(&c), "2027-04-01");
	billing_charged_take_back(&c, D("2026-10-01"), c.fe);
	ck_assert_day(billing_charged_to(&c), "2026-10-01");
	ck_assert_int_eq(billed(&c, "2026-04-01", "2027-04-01"),
	    47896 - 26047);
	free(c.p);
}
END_TEST

/* Days taken back from the middle of a piece leave the days on either
 * side: 10 days charged, 4 of them back. */
START_TEST(charged_take_back_middle)
{
	struct billing_charged c = { .fs = D("2026-06-01"),
	    .fe = D("2026-07-01"), .first = D("2026-06-01") };
	__int128 net = net_of(1, 3000, 0);

	billing_charged_add(&c, D("2026-06-01"), D("2026-06-11"), net, 1);
	billing_charged_take_back(&c, D("2026-06-03"), D("2026-06-07"));
	ck_assert(billing_charged_net(&c, D("2026-06-02")) == net);
	ck_assert(billing_charged_net(&c, D("2026-06-03")) == 0);
	ck_assert(billing_charged_net(&c, D("2026-06-06")) == 0);
	ck_assert(billing_charged_net(&c, D("2026-06-07")) == net);
	ck_assert_day(billing_charged_to(&c), "2026-06-11");
	/* 30.00 a month: 6 days of 30 left, 2 + 4, 2.00 + 4.00 */
	ck_assert_int_eq(billed(&c, "2026-06-01", "2026-07-01"), 600);
	free(c.p);
}
END_TEST

/* The days no piece bills, run by run: a pause credited from the middle
 * of a charge (10 June to 20 June), the days after a charge cut short
 * (from 25 June), and none where a change lies over a charge. */
START_TEST(charged_gap)
{
	struct billing_charged c = { .fs = D("2026-06-01"),
	    .fe = D("2026-07-01"), .first = D("2026-06-01") };
	__int128 net = net_of(1, 3000, 0);
	int32_t a, z;

	billing_charged_add(&c, D("2026-06-01"), D("2026-06-25"), net, 1);
	billing_charged_add(&c, D("2026-06-05"), D("2026-06-25"), net, 0);
	ck_assert(!billing_charged_gap(&c, D("2026-06-01"), D("2026-06-10"),
	    &a, &z));
	billing_charged_take_back(&c, D("2026-06-10"), D("2026-06-20"));
	ck_assert(billing_charged_gap(&c, D("2026-06-01"), c.fe, &a, &z));
	ck_assert_day(a, "2026-06-10");
	ck_assert_day(z, "2026-06-20");
	ck_assert(billing_charged_gap(&c, z, c.fe, &a, &z));
	ck_assert_day(a, "2026-06-25");
	ck_assert_day(z, "2026-07-01");
	/* a gap found from inside it starts there */
	ck_assert(billing_charged_gap(&c, D("2026-06-12"), D("2026-06-15"),
	    &a, &z));
	ck_assert_day(a, "2026-06-12");
	ck_assert_day(z, "2026-06-15");
	free(c.p);
}
END_TEST

START_TEST(tax)
{
	int64_t t;

	/* 200.00 at 6.25% = 12.50 */
	ck_assert_int_eq(billing_tax(20000, 6250000, &t), 0);
	ck_assert_int_eq(t, 1250);
	/* 0.10 at 6.25% = 0.625 cents -> 0.01; -0.10 -> -0.01 */
	ck_assert_int_eq(billing_tax(10, 6250000, &t), 0);
	ck_assert_int_eq(t, 1);
	ck_assert_int_eq(billing_tax(-10, 6250000, &t), 0);
	ck_assert_int_eq(t, -1);
	/* exact halves: 0.08 x 6.25% = 0.5 cents -> 1, -0.08 -> -1; 0.24 x
	 * 6.25% = 1.5 -> 2, -0.24 -> -2 */
	ck_assert_int_eq(billing_tax(8, 6250000, &t), 0);
	ck_assert_int_eq(t, 1);
	ck_assert_int_eq(billing_tax(-8, 6250000, &t), 0);
	ck_assert_int_eq(t, -1);
	ck_assert_int_eq(billing_tax(24, 6250000, &t), 0);
	ck_assert_int_eq(t, 2);
	ck_assert_int_eq(billing_tax(-24, 6250000, &t), 0);
	ck_assert_int_eq(t, -2);
	/* under a half: 0.07 x 6.25% = 0.4375 -> 0 */
	ck_assert_int_eq(billing_tax(7, 6250000, &t), 0);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(billing_tax(-7, 6250000, &t), 0);
	ck_assert_int_eq(t, 0);
	/* 123.45 at 8.875%: 12345 x 8875 = 109561875, / 10^5 = 1095.61875
	 * -> 10.96 */
	ck_assert_int_eq(billing_tax(12345, 8875000, &t), 0);
	ck_assert_int_eq(t, 1096);
	/* 9.99 at 19.6%: 195.804 -> 1.96 */
	ck_assert_int_eq(billing_tax(999, 19600000, &t), 0);
	ck_assert_int_eq(t, 196);
	/* per line, not on the sum: two lines of 0.10 at 6.25% are 0.01
	 * each, 0.02 in all, where 0.20 at once is 1.25 -> 0.01 */
	ck_assert_int_eq(billing_tax(20, 6250000, &t), 0);
	ck_assert_int_eq(t, 1);
	/* no rate: no tax */
	ck_assert_int_eq(billing_tax(20000, 0, &t), 0);
	ck_assert_int_eq(t, 0);
	/* beyond int64: the largest amount at 200% */
	ck_assert_int_eq(billing_tax(INT64_MAX, 200000000, &t), -1);
}
END_TEST

/* The one integer that sql reads. */
static int64_t
scalar(struct db *db, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	int64_t v;

	ck_assert(db_row(st));
	v = db_int(st, 0);
	db_finalize(st);
	return v;
}

/* A database file for a run, whose reader is a second connection;
 * run_db_done() closes and removes it. */
static struct db *
run_db(char *path)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return test_db(path);
}

static void
run_db_done(struct db *db, const char *path)
{
	char side[64];

	db_close(db);
	for (size_t i = 0; i < 2; i++) {
		snprintf(side, sizeof(side), "%s%s", path, i ? "-shm" : "-wal");
		unlink(side);
	}
	ck_assert_int_eq(unlink(path), 0);
}

/* Runs February 2026 for the accounts of argv, its output dropped. */
static void
run_february(struct db *db, char **argv, int argc)
{
	static const struct out_opts csv = { .header = 1 };
	struct csv_input accounts = { argv, argc, NULL, ',', NULL };
	struct billing_opts o = { .accounts = &accounts, .out = &csv,
	    .arguments = "" };

	o.on = D("2026-02-01");
	o.month = date_month_of(o.on);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(billing_run(db, &o), CLI_OK);
}

/*
 * A run of accounts named twice (--account A-1 --account A-1, or a CSV
 * with an account on two rows, as accept writes for two quotes of one
 * account) bills each once.  S-1, 10 seats at 25.00 a month from
 * 2026-01-01, in the run of February: one invoice with one line of
 * 10 x 25.00 = 250.00, no tax (no rate).
 */
START_TEST(run_account_named_twice)
{
	char path[] = "/tmp/revops-billing-test.XXXXXX";
	char *twice[] = { "A-1", "A-1" };
	struct db *db = run_db(path);

	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD');"
	    "INSERT INTO products (sku, name, kind, billing_period) "
	    "VALUES ('SEAT', 'Seat', 'recurring', 'month');"
	    "INSERT INTO subscriptions (subscription_id, account_id, sku, "
	    "quantity_micro, unit_price_micro, currency, billing_period, "
	    "start_date) VALUES ('S-1', 'A-1', 'SEAT', 10000000, 2500000000, "
	    "'USD', 'month', '2026-01-01')");
	run_february(db, twice, 2);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM invoices"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM invoice_lines"), 1);
	ck_assert_int_eq(scalar(db, "SELECT sum(amount_minor) FROM "
	    "invoice_lines WHERE invoice_id = 'INV-2026-000001'"), 25000);
	run_db_done(db, path);
}
END_TEST

/*
 * Each invoice's tax at its account's region's rate, in a run of some
 * accounts, the accounts written out of their order
 * so that their rates are sorted after they are read.  February, a seat
 * at 25.00 a month for each account, 10 seats:
 *   A-1, NA at 6.25%: 250.00 x 6.25% = 15.625 -> 15.63
 *   A-2, EU at 20%: 250.00 x 20% = 50.00
 *   A-3, APAC, no rate: 0.00
 *   A-4, NA, not named: not billed.
 */
START_TEST(run_tax_by_region)
{
	char path[] = "/tmp/revops-billing-test.XXXXXX";
	char *some[] = { "A-1", "A-2", "A-3" };
	struct db *db = run_db(path);
	char *got;

	db_exec(db, "INSERT INTO tax_rates (region, rate_micro) VALUES "
	    "('NA', 6250000), ('EU', 20000000);"
	    "INSERT INTO accounts (account_id, name, currency, region) VALUES "
	    "('A-3', 'C', 'USD', 'APAC'), ('A-2', 'B', 'USD', 'EU'), "
	    "('A-1', 'A', 'USD', 'NA'), ('A-4', 'D', 'USD', 'NA');"
	    "INSERT INTO products (sku, name, kind, billing_period) "
	    "VALUES ('SEAT', 'Seat', 'recurring', 'month');"
	    "INSERT INTO subscriptions (subscription_id, account_id, sku, "
	    "quantity_micro, unit_price_micro, currency, billing_period, "
	    "start_date) SELECT 'S-' || substr(account_id, 3), account_id, "
	    "'SEAT', 10000000, 2500000000, 'USD', 'month', '2026-01-01' "
	    "FROM accounts");
	run_february(db, some, 3);
	got = test_query(db, 3, "SELECT i.account_id, sum(l.amount_minor), "
	    "sum(l.tax_amount_minor) FROM invoices i JOIN invoice_lines l "
	    "USING (invoice_id) GROUP BY i.account_id ORDER BY 1");
	ck_assert_str_eq(got, "A-1|25000|1563\nA-2|25000|5000\n"
	    "A-3|25000|0\n");
	free(got);
	run_db_done(db, path);
}
END_TEST

Suite *
billing_suite(void)
{
	Suite *s = suite_create("billing");
	TCase *tc = tcase_create("periods");
	TCase *tm = tcase_create("amounts");
	TCase *tr = tcase_create("run");

	tcase_add_test(tc, anchor);
	tcase_add_test(tc, calendar_periods);
	tcase_add_test(tc, periods_at_the_end_of_the_calendar);
	tcase_add_test(tc, monthly_from_the_10th);
	tcase_add_test(tc, month_starts_and_ends);
	tcase_add_test(tc, february);
	tcase_add_test(tc, annual_from_march_15);
	tcase_add_test(tc, quarterly);
	tcase_add_test(tc, start_on_the_31st);
	tcase_add_test(tc, billing_day_15);
	tcase_add_test(tc, end_inside_a_period);
	tcase_add_test(tc, wider_windows);
	suite_add_tcase(s, tc);
	tcase_add_test(tm, charged_days_again);
	tcase_add_test(tm, charged_change_and_end);
	tcase_add_test(tm, charged_take_back_middle);
	tcase_add_test(tm, charged_gap);
	tcase_add_test(tm, charged_credits_add_up);
	tcase_add_test(tm, tax);
	suite_add_tcase(s, tm);
	tcase_add_test(tr, run_account_named_twice);
	tcase_add_test(tr, run_tax_by_region);
	suite_add_tcase(s, tr);
	return s;
}
