/*
 * recognition: splitting a line's amount over the months of its service
 * period, and what is recognised by a day.  Every expected value was
 * worked out by hand: each month gets amount x its days / the period's
 * days, rounded half away from zero, and the last month takes what is
 * left.  Amounts are in cents.
 */
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "recognition.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A month number as date.h defines it: year x 12 + (month - 1). */
#define MONTH(y, m) ((int32_t)(y) * 12 + ((m) - 1))

static int32_t
D(const char *s)
{
	int32_t d;

	ck_assert_msg(date_parse(s, strlen(s), &d) == 0, "bad date %s", s);
	return d;
}

/* The split is n parts, these months and amounts, adding up to amount. */
#define ck_assert_split(n, months, parts, amount, want_m, want_p) do {	\
	int64_t sum_ = 0;						\
									\
	ck_assert_uint_eq((n), NELEM(want_p));				\
	for (size_t i_ = 0; i_ < (n); i_++) {				\
		ck_assert_int_eq((months)[i_], (want_m)[i_]);		\
		ck_assert_int_eq((parts)[i_], (want_p)[i_]);		\
		sum_ += (parts)[i_];					\
	}								\
	ck_assert_int_eq(sum_, (amount));				\
} while (0)

START_TEST(remainder_in_the_last_month)
{
	/* 100.00 over [2026-01-15, 2026-04-15): January 15..31 = 17 days,
	 * February 28, March 31, April 1..14 = 14; 90 in all.
	 *   Jan 10000 x 17/90 = 1888.89 -> 1889
	 *   Feb 10000 x 28/90 = 3111.11 -> 3111
	 *   Mar 10000 x 31/90 = 3444.44 -> 3444
	 *   Apr 10000 - 1889 - 3111 - 3444 = 1556 (14/90 is 1555.56) */
	static const int32_t m[] = { MONTH(2026, 1), MONTH(2026, 2),
	    MONTH(2026, 3), MONTH(2026, 4) };
	static const int64_t p[] = { 1889, 3111, 3444, 1556 };
	static const int64_t neg[] = { -1889, -3111, -3444, -1556 };
	int32_t months[16];
	int64_t parts[16];
	size_t n;

	n = recognition_split(10000, D("2026-01-15"), D("2026-04-15"), months,
	    parts, 16);
	ck_assert_split(n, months, parts, 10000, m, p);
	/* a negative amount (a credit) rounds symmetrically */
	n = recognition_split(-10000, D("2026-01-15"), D("2026-04-15"),
	    months, parts, 16);
	ck_assert_split(n, months, parts, -10000, m, neg);
}
END_TEST

START_TEST(within_one_month)
{
	static const int32_t m[] = { MONTH(2026, 3) };
	static const int64_t p[] = { 5000 };
	static const int64_t neg[] = { -5000 };
	int32_t months[4];
	int64_t parts[4];
	size_t n;

	/* [03-05, 03-20): all of it in March */
	n = recognition_split(5000, D("2026-03-05"), D("2026-03-20"), months,
	    parts, 4);
	ck_assert_split(n, months, parts, 5000, m, p);
	/* the whole of March, ending on April 1st: still one row */
	n = recognition_split(5000, D("2026-03-01"), D("2026-04-01"), months,
	    parts, 4);
	ck_assert_split(n, months, parts, 5000, m, p);
	/* one day */
	n = recognition_split(-5000, D("2026-03-31"), D("2026-04-01"), months,
	    parts, 4);
	ck_assert_split(n, months, parts, -5000, m, neg);
}
END_TEST

START_TEST(a_year_over_13_months)
{
	/* 1200.00 over [2026-01-15, 2027-01-15): 17 + 28 + 31 + 30 + 31 +
	 * 30 + 31 + 31 + 30 + 31 + 30 + 31 + 14 = 365 days.
	 * Each month gets round(120000 x days so far / 365) less the months
	 * before: at the ends of January..December the days so far are 17,
	 * 45, 76, 106, 137, 167, 198, 229, 259, 290, 320, 351, so the running
	 * totals are 5589.04 -> 5589, 14794.52 -> 14795, 24986.30 -> 24986,
	 * 34849.32 -> 34849, 45041.10 -> 45041, 54904.11 -> 54904,
	 * 65095.89 -> 65096, 75287.67 -> 75288, 85150.68 -> 85151,
	 * 95342.47 -> 95342, 105205.48 -> 105205, 115397.26 -> 115397, and
	 * January 2027 takes 120000 - 115397 = 4603. */
	static const int32_t m[] = { MONTH(2026, 1), MONTH(2026, 2),
	    MONTH(2026, 3), MONTH(2026, 4), MONTH(2026, 5), MONTH(2026, 6),
	    MONTH(2026, 7), MONTH(2026, 8), MONTH(2026, 9), MONTH(2026, 10),
	    MONTH(2026, 11), MONTH(2026, 12), MONTH(2027, 1) };
	static const int64_t p[] = { 5589, 9206, 10191, 9863, 10192, 9863,
	    10192, 10192, 9863, 10191, 9863, 10192, 4603 };
	static const int32_t m3[] = { MONTH(2026, 1), MONTH(2026, 2),
	    MONTH(2026, 3) };
	/* with room for 3: the third takes the tail, 120000 - 14795 =
	 * 105205 */
	static const int64_t p3[] = { 5589, 9206, 105205 };
	int32_t months[16];
	int64_t parts[16];
	size_t n;

	n = recognition_split(120000, D("2026-01-15"), D("2027-01-15"),
	    months, parts, 16);
	ck_assert_split(n, months, parts, 120000, m, p);
	n = recognition_split(120000, D("2026-01-15"), D("2027-01-15"),
	    months, parts, 3);
	ck_assert_split(n, months, parts, 120000, m3, p3);
	/* room for one: everything in the first month */
	n = recognition_split(120000, D("2026-01-15"), D("2027-01-15"),
	    months, parts, 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(months[0], MONTH(2026, 1));
	ck_assert_int_eq(parts[0], 120000);
}
END_TEST

/* 0.08 over the same year: rounding month by month would give a cent to
 * each of eleven months and -0.03 to the last; the running totals
 * round(8 x days so far / 365) are 0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8,
 * so the months get 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0: none
 * negative, 8 in all. */
START_TEST(small_amount_never_negative)
{
	static const int64_t p[] = { 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0 };
	int32_t months[16];
	int64_t parts[16];
	size_t n = recognition_split(8, D("2026-01-15"), D("2027-01-15"),
	    months, parts, 16);

	ck_assert_uint_eq(n, 13);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(parts[i], p[i]);
}
END_TEST

START_TEST(years_and_halves)
{
	/* across a year end: 90.00 over [2025-12-01, 2026-03-01) = 31 + 31
	 * + 28 = 90 days, a cent a day: 3100, 3100, 2800 */
	static const int32_t m1[] = { MONTH(2025, 12), MONTH(2026, 1),
	    MONTH(2026, 2) };
	static const int64_t p1[] = { 3100, 3100, 2800 };
	/* a leap year: 100.00 over [2024-01-01, 2024-03-01) = 31 + 29 = 60:
	 * 10000 x 31/60 = 5166.67 -> 5167, February 10000 - 5167 = 4833 */
	static const int32_t m2[] = { MONTH(2024, 1), MONTH(2024, 2) };
	static const int64_t p2[] = { 5167, 4833 };
	/* a half: 0.05 over [2026-01-31, 2026-02-02), a day in each month:
	 * 5 x 1/2 = 2.5 -> 3, then 2; negative -3, -2 */
	static const int32_t m3[] = { MONTH(2026, 1), MONTH(2026, 2) };
	static const int64_t p3[] = { 3, 2 };
	static const int64_t n3[] = { -3, -2 };
	int32_t months[8];
	int64_t parts[8];
	size_t n;

	n = recognition_split(9000, D("2025-12-01"), D("2026-03-01"), months,
	    parts, 8);
	ck_assert_split(n, months, parts, 9000, m1, p1);
	n = recognition_split(10000, D("2024-01-01"), D("2024-03-01"), months,
	    parts, 8);
	ck_assert_split(n, months, parts, 10000, m2, p2);
	n = recognition_split(5, D("2026-01-31"), D("2026-02-02"), months,
	    parts, 8);
	ck_assert_split(n, months, parts, 5, m3, p3);
	n = recognition_split(-5, D("2026-01-31"), D("2026-02-02"), months,
	    parts, 8);
	ck_assert_split(n, months, parts, -5, m3, n3);
}
END_TEST

START_TEST(nothing_to_split)
{
	int32_t months[4];
	int64_t parts[4];

	/* an empty or backwards period, or no room: no rows */
	ck_assert_uint_eq(recognition_split(10000, D("2026-03-01"),
	    D("2026-03-01"), months, parts, 4), 0);
	ck_assert_uint_eq(recognition_split(10000, D("2026-03-02"),
	    D("2026-03-01"), months, parts, 4), 0);
	ck_assert_uint_eq(recognition_split(10000, D("2026-03-01"),
	    D("2026-04-01"), months, parts, 0), 0);
}
END_TEST

/* The rows a period makes, which the import holds to a hundred years. */
START_TEST(months_of_a_period)
{
	static int32_t months[RECOGNITION_MONTHS_MAX];
	static int64_t parts[RECOGNITION_MONTHS_MAX];
	int64_t sum = 0;
	size_t n;

	ck_assert_int_eq(recognition_months(D("2026-03-01"), D("2026-03-01")),
	    0);
	ck_assert_int_eq(recognition_months(D("2026-03-31"), D("2026-04-01")),
	    1);
	ck_assert_int_eq(recognition_months(D("2026-03-31"), D("2026-04-02")),
	    2);
	ck_assert_int_eq(recognition_months(D("0001-01-01"), D("9999-12-31")),
	    9999 * 12);
	/* 2001-01 to 2100-12: the longest the import takes, split exactly;
	 * 1200.00 over 36524 days, 31 days of January 2001 = 1.0186... */
	ck_assert_int_eq(recognition_months(D("2001-01-01"), D("2101-01-01")),
	    RECOGNITION_MONTHS_MAX);
	n = recognition_split(120000, D("2001-01-01"), D("2101-01-01"), months,
	    parts, RECOGNITION_MONTHS_MAX);
	ck_assert_uint_eq(n, RECOGNITION_MONTHS_MAX);
	ck_assert_int_eq(parts[0], 102);
	for (size_t i = 0; i < n; i++)
		sum += parts[i];
	ck_assert_int_eq(sum, 120000);
}
END_TEST

START_TEST(through)
{
	int32_t s = D("2026-01-15"), e = D("2026-04-15");

	/* 100.00 over [2026-01-15, 2026-04-15), 90 days */
	/* the day before the start: nothing; long before: nothing */
	ck_assert_int_eq(recognition_through(10000, s, e, D("2026-01-14")), 0);
	ck_assert_int_eq(recognition_through(10000, s, e, D("2025-06-30")), 0);
	/* the end of the first day: 10000 x 1/90 = 111.11 -> 111 */
	ck_assert_int_eq(recognition_through(10000, s, e, s), 111);
	/* the end of January, 17 days: 1888.89 -> 1889, as the split */
	ck_assert_int_eq(recognition_through(10000, s, e, D("2026-01-31")),
	    1889);
	/* the end of February, 17 + 28 = 45 days: exactly half, 5000
	 * (= 1889 + 3111) */
	ck_assert_int_eq(recognition_through(10000, s, e, D("2026-02-28")),
	    5000);
	/* the middle of March, 45 + 15 = 60 days: 6666.67 -> 6667 */
	ck_assert_int_eq(recognition_through(10000, s, e, D("2026-03-15")),
	    6667);
	/* the end of March, 76 days: 8444.44 -> 8444 (= 1889 + 3111 +
	 * 3444) */
	ck_assert_int_eq(recognition_through(10000, s, e, D("2026-03-31")),
	    8444);
	/* the last day, 2026-04-14: all of it; after: all of it */
	ck_assert_int_eq(recognition_through(10000, s, e, D("2026-04-14")),
	    10000);
	ck_assert_int_eq(recognition_through(10000, s, e, e), 10000);
	ck_assert_int_eq(recognition_through(10000, s, e, D("2030-01-01")),
	    10000);
	/* negative amounts mirror: -111, -1889, -6667, -10000 */
	ck_assert_int_eq(recognition_through(-10000, s, e, s), -111);
	ck_assert_int_eq(recognition_through(-10000, s, e, D("2026-01-31")),
	    -1889);
	ck_assert_int_eq(recognition_through(-10000, s, e, D("2026-03-15")),
	    -6667);
	ck_assert_int_eq(recognition_through(-10000, s, e, D("2026-04-14")),
	    -10000);
	ck_assert_int_eq(recognition_through(-10000, s, e, D("2026-01-14")),
	    0);
	/* a half: 0.05 over two days, after the first 2.5 -> 3, -3 */
	ck_assert_int_eq(recognition_through(5, D("2026-01-31"),
	    D("2026-02-02"), D("2026-01-31")), 3);
	ck_assert_int_eq(recognition_through(-5, D("2026-01-31"),
	    D("2026-02-02"), D("2026-01-31")), -3);
	/* a one-day period: nothing before it, all of it on it */
	ck_assert_int_eq(recognition_through(700, D("2026-06-10"),
	    D("2026-06-11"), D("2026-06-09")), 0);
	ck_assert_int_eq(recognition_through(700, D("2026-06-10"),
	    D("2026-06-11"), D("2026-06-10")), 700);
	/* a leap day counts: 366.00 over 2024, by 2024-02-29 (31 + 29 = 60
	 * days) 60.00 */
	ck_assert_int_eq(recognition_through(36600, D("2024-01-01"),
	    D("2025-01-01"), D("2024-02-29")), 6000);
}
END_TEST

Suite *
recognition_suite(void)
{
	Suite *s = suite_create("recognition");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, remainder_in_the_last_month);
	tcase_add_test(tc, within_one_month);
	tcase_add_test(tc, a_year_over_13_months);
	tcase_add_test(tc, small_amount_never_negative);
	tcase_add_test(tc, years_and_halves);
	tcase_add_test(tc, nothing_to_split);
	tcase_add_test(tc, months_of_a_period);
	tcase_add_test(tc, through);
	suite_add_tcase(s, tc);
	return s;
}
