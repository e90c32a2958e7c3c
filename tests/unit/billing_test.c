/*
 * billing: the anchor, the periods a run bills, proration and tax.  Every
 * expected value was worked out by hand; the comments show the day counts
 * and the arithmetic.  Amounts are in cents, unit prices in cents x 10^6,
 * quantities and percents x 10^6 (money.h).
 */
#include <stdint.h>
#include <string.h>

#include "billing.h"
#include "date.h"
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
	return billing_periods(start, end, months, bday, from, to, out, max);
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
	ck_assert_uint_eq(billing_periods(D("9999-11-01"), DATE_NONE, 1, 1,
	    D("9999-11-01"), to, p, 4), 1);
	ck_assert_period(p[0], "9999-11-01", "9999-12-01", "9999-11-01",
	    "9999-12-01");
	ck_assert_uint_eq(billing_periods(D("9999-11-01"), DATE_NONE, 1, 1,
	    D("9999-12-01"), DATE_END, p, 4), BILLING_PAST_CALENDAR);
	ck_assert_uint_eq(billing_periods(D("9999-11-01"), DATE_NONE, 12, 1,
	    D("9999-11-01"), to, p, 4), BILLING_PAST_CALENDAR);
	/* a partial first period from the 10th, with billing day 1 */
	ck_assert_uint_eq(billing_periods(D("9999-12-10"), DATE_NONE, 1, 1,
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

START_TEST(wider_windows)
{
	struct billing_period p[4];

	/* the window [2026-03-01, 2026-05-01) for the annual one from
	 * 03-15: the partial period and the first year */
	ck_assert_uint_eq(billing_periods(D("2026-03-15"), DATE_NONE,
	    12, 1, D("2026-03-01"), D("2026-05-01"), p, 4), 2);
	ck_assert_period(p[0], "2026-03-15", "2026-04-01", "2025-04-01",
	    "2026-04-01");
	ck_assert_period(p[1], "2026-04-01", "2027-04-01", "2026-04-01",
	    "2027-04-01");
	/* monthly from 2026-01-31 over [2026-01-01, 2026-04-01): the day
	 * in January, then February and March */
	ck_assert_uint_eq(billing_periods(D("2026-01-31"), DATE_NONE,
	    1, 1, D("2026-01-01"), D("2026-04-01"), p, 4), 3);
	ck_assert_period(p[0], "2026-01-31", "2026-02-01", "2026-01-01",
	    "2026-02-01");
	ck_assert_period(p[1], "2026-02-01", "2026-03-01", "2026-02-01",
	    "2026-03-01");
	ck_assert_period(p[2], "2026-03-01", "2026-04-01", "2026-03-01",
	    "2026-04-01");
	/* an empty window */
	ck_assert_uint_eq(billing_periods(D("2026-01-01"), DATE_NONE,
	    1, 1, D("2026-03-01"), D("2026-03-01"), p, 4), 0);
}
END_TEST

START_TEST(amounts)
{
	int64_t a;

	/* 1 x 10.00 x 21/30 = 1000 x 0.7 = 700 cents */
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(1000), 0, 21, 30, &a),
	    0);
	ck_assert_int_eq(a, 700);
	/* 3 x 9.99 = 29.97; x 17/365 = 50949/365 = 139.586... -> 1.40
	 * (365 x 139 = 50735, 214 left, 214/365 > 1/2) */
	ck_assert_int_eq(billing_amount(QTY(3), PRICE(999), 0, 17, 365, &a),
	    0);
	ck_assert_int_eq(a, 140);
	/* leap year: 1 x 366.00 x 17/366 = 17.00; common: 365.00 x 17/365 */
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(36600), 0, 17, 366,
	    &a), 0);
	ck_assert_int_eq(a, 1700);
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(36500), 0, 17, 365,
	    &a), 0);
	ck_assert_int_eq(a, 1700);
	/* a full period: qty x price */
	ck_assert_int_eq(billing_amount(QTY(4), PRICE(2500), 0, 31, 31, &a),
	    0);
	ck_assert_int_eq(a, 10000);
	/* 12.5% off a full period: 2997 x 0.875 = 2622.375 -> 26.22 */
	ck_assert_int_eq(billing_amount(QTY(3), PRICE(999), 12500000, 30, 30,
	    &a), 0);
	ck_assert_int_eq(a, 2622);
	/* and prorated, rounded once: 2622.375 x 21/30 = 1835.6625 -> 18.36
	 * (rounding 26.22 first would give 1835.4 -> 18.35) */
	ck_assert_int_eq(billing_amount(QTY(3), PRICE(999), 12500000, 21, 30,
	    &a), 0);
	ck_assert_int_eq(a, 1836);
	/* 100% off: nothing */
	ck_assert_int_eq(billing_amount(QTY(3), PRICE(999), 100000000, 21, 30,
	    &a), 0);
	ck_assert_int_eq(a, 0);
	/* no days: nothing */
	ck_assert_int_eq(billing_amount(QTY(3), PRICE(999), 0, 0, 30, &a), 0);
	ck_assert_int_eq(a, 0);
	/* fractional quantity: 2.5 x 1.99 = 497.5 cents -> 4.98 */
	ck_assert_int_eq(billing_amount(2500000, PRICE(199), 0, 30, 30, &a),
	    0);
	ck_assert_int_eq(a, 498);
	/* a unit price with more digits: 1000 x 0.001234 = 1.234 -> 1.23 */
	ck_assert_int_eq(billing_amount(QTY(1000), 123400, 0, 1, 1, &a), 0);
	ck_assert_int_eq(a, 123);
	/* what a quote can price can be billed: 10^6 x 10^10.00 a month is
	 * 10^16.00, 15 of 30 days at 12.5% off 4.375 x 10^15.00; the most
	 * there is, 10^6 x 92233720368.54775807, is 2^63 - 1 cents */
	ck_assert_int_eq(billing_amount(QTY(1000000), PRICE(1000000000000), 0,
	    30, 30, &a), 0);
	ck_assert_int_eq(a, 1000000000000000000);
	ck_assert_int_eq(billing_amount(QTY(1000000), PRICE(1000000000000),
	    12500000, 15, 30, &a), 0);
	ck_assert_int_eq(a, 437500000000000000);
	ck_assert_int_eq(billing_amount(QTY(1000000), INT64_MAX, 0, 31, 31,
	    &a), 0);
	ck_assert_int_eq(a, INT64_MAX);
	ck_assert_int_eq(billing_amount(QTY(1000001), INT64_MAX, 0, 31, 31,
	    &a), -1);
}
END_TEST

START_TEST(amounts_round_half_away)
{
	int64_t a;

	/* 1 x 10.01 x 15/30 = 500.5 -> 5.01; negative -> -5.01 */
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(1001), 0, 15, 30, &a),
	    0);
	ck_assert_int_eq(a, 501);
	ck_assert_int_eq(billing_amount(QTY(-1), PRICE(1001), 0, 15, 30, &a),
	    0);
	ck_assert_int_eq(a, -501);
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(-1001), 0, 15, 30, &a),
	    0);
	ck_assert_int_eq(a, -501);
	/* 1 x 0.15 x 1/2 = 7.5 -> 8, -7.5 -> -8 */
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(15), 0, 1, 2, &a), 0);
	ck_assert_int_eq(a, 8);
	ck_assert_int_eq(billing_amount(QTY(-1), PRICE(15), 0, 1, 2, &a), 0);
	ck_assert_int_eq(a, -8);
	/* either side of a half: 1 x 0.07 x 7/15 = 49/15 = 3.27 -> 0.03
	 * and x 8/15 = 56/15 = 3.73 -> 0.04 */
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(7), 0, 7, 15, &a), 0);
	ck_assert_int_eq(a, 3);
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(7), 0, 8, 15, &a), 0);
	ck_assert_int_eq(a, 4);
	/* a negative quantity with a discount: -(2997 x 0.875) = -2622.375
	 * -> -26.22 */
	ck_assert_int_eq(billing_amount(QTY(-3), PRICE(999), 12500000, 30,
	    30, &a), 0);
	ck_assert_int_eq(a, -2622);
}
END_TEST

START_TEST(amounts_that_do_not_fit)
{
	int64_t a;

	/* no days in the full period */
	ck_assert_int_eq(billing_amount(QTY(1), PRICE(1000), 0, 0, 0, &a),
	    -1);
	/* qty x price far beyond what an amount can hold */
	ck_assert_int_eq(billing_amount(INT64_MAX, INT64_MAX, 0, 1, 1, &a),
	    -1);
	ck_assert_int_eq(billing_amount(INT64_MAX, INT64_MIN, 0, 1, 1, &a),
	    -1);
	/* 10^12 units at 10^8 cents: 10^20 cents is over INT64_MAX
	 * (about 9.22 x 10^18) */
	ck_assert_int_eq(billing_amount(QTY(1000000000000LL),
	    PRICE(100000000), 0, 1, 1, &a), -1);
	/* 10^6 units at 10^6 cents = 10^12 cents fits; half of it 31/62 */
	ck_assert_int_eq(billing_amount(QTY(1000000), PRICE(1000000), 0, 31,
	    62, &a), 0);
	ck_assert_int_eq(a, 500000000000LL);
}
END_TEST

START_TEST(parts)
{
	int64_t p;

	/* a credit of the unused days: 10.00 charged for June (30 days),
	 * ended 06-21: [06-21, 07-01) is 10 days, 1000 x 10/30 = 333.33 ->
	 * 3.33 */
	ck_assert_int_eq(billing_part(1000, 10, 30, &p), 0);
	ck_assert_int_eq(p, 333);
	/* 20 days: 666.67 -> 6.67 */
	ck_assert_int_eq(billing_part(1000, 20, 30, &p), 0);
	ck_assert_int_eq(p, 667);
	/* 7.00 charged for [06-10, 07-01) (21 days), ended 06-20: 11 days
	 * unused, 700 x 11/21 = 7700/21 = 366.67 -> 3.67 */
	ck_assert_int_eq(billing_part(700, 11, 21, &p), 0);
	ck_assert_int_eq(p, 367);
	/* 120.00 for [2026-04-01, 2027-04-01) (365), ended 2026-10-01:
	 * unused 31 + 30 + 31 + 31 + 28 + 31 = 182 days, 12000 x 182/365 =
	 * 2184000/365 = 5983.56 -> 59.84 (365 x 5983 = 2183795, 205 left) */
	ck_assert_int_eq(billing_part(12000, 182, 365, &p), 0);
	ck_assert_int_eq(p, 5984);
	/* all and none */
	ck_assert_int_eq(billing_part(12000, 365, 365, &p), 0);
	ck_assert_int_eq(p, 12000);
	ck_assert_int_eq(billing_part(12000, 0, 365, &p), 0);
	ck_assert_int_eq(p, 0);
	/* halves away from zero: 5 x 1/2 = 2.5 -> 3, -2.5 -> -3 */
	ck_assert_int_eq(billing_part(5, 1, 2, &p), 0);
	ck_assert_int_eq(p, 3);
	ck_assert_int_eq(billing_part(-5, 1, 2, &p), 0);
	ck_assert_int_eq(p, -3);
	/* a negative amount: -1000 x 10/30 -> -3.33 */
	ck_assert_int_eq(billing_part(-1000, 10, 30, &p), 0);
	ck_assert_int_eq(p, -333);
	/* a result beyond int64 */
	ck_assert_int_eq(billing_part(INT64_MAX, 2, 1, &p), -1);
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

Suite *
billing_suite(void)
{
	Suite *s = suite_create("billing");
	TCase *tc = tcase_create("periods");
	TCase *tm = tcase_create("amounts");

	tcase_add_test(tc, anchor);
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
	tcase_add_test(tm, amounts);
	tcase_add_test(tm, amounts_round_half_away);
	tcase_add_test(tm, amounts_that_do_not_fit);
	tcase_add_test(tm, parts);
	tcase_add_test(tm, tax);
	suite_add_tcase(s, tm);
	return s;
}
