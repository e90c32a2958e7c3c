/*
 * date: day numbers were worked out by hand from known anchors: 2000-01-01
 * is day 10957 (30 years, 7 of them leap), and a year has 365 or 366 days.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int32_t
day_of(const char *s)
{
	int32_t day = INT32_MIN;

	ck_assert_msg(date_parse(s, strlen(s), &day) == 0, "'%s' rejected", s);
	return day;
}

static const struct {
	const char *s;
	int32_t day;
} parse_ok[] = {
	{ "1970-01-01", 0 },
	{ "1970-01-02", 1 },
	{ "1969-12-31", -1 },
	{ "1971-01-01", 365 },
	{ "1972-03-01", 790 },		/* 365 + 365 + 31 + 29 */
	{ "2000-01-01", 10957 },
	{ "2000-02-29", 11016 },	/* 10957 + 31 + 28 */
	{ "2000-03-01", 11017 },
	{ "2024-01-01", 19723 },	/* 10957 + 24 x 365 + 6 */
	{ "2024-02-29", 19782 },	/* 19723 + 31 + 28 */
	{ "2026-01-01", 20454 },	/* 19723 + 366 + 365 */
	{ "2026-11-26", 20783 },	/* 20454 + 304 + 25 */
	{ "2026-12-31", 20818 },
	{ "0001-01-01", -719162 },
	{ "9999-12-31", 2932896 },
};

START_TEST(parse_accepts)
{
	int32_t day = INT32_MIN;
	char buf[DATE_FMT_MAX];

	ck_assert_int_eq(date_parse(parse_ok[_i].s, strlen(parse_ok[_i].s),
	    &day), 0);
	ck_assert_int_eq(day, parse_ok[_i].day);
	ck_assert_uint_eq(date_format(buf, day), 10);
	ck_assert_str_eq(buf, parse_ok[_i].s);
}
END_TEST

static const char *const parse_bad[] = {
	"2026-02-29",		/* not a leap year */
	"2026-02-30",
	"1900-02-29",		/* divisible by 100, not by 400 */
	"2100-02-29",
	"2026-04-31",
	"2026-01-32",
	"2026-01-00",
	"2026-13-01",
	"2026-00-10",
	"0000-01-01",		/* year 0 is outside 1..9999 */
	"2026-1-5",
	"2026-01-5",
	"2026-1-05",
	"2026-01-05T00:00",
	"2026-01-05 ",
	" 2026-01-05",
	"2026/01/05",
	"2026/01-05",
	"2026-01/05",
	"2026-01.05",
	"2026.01.05",
	"20260105",
	"2026-01",
	"2026-0a-05",
	"2026-01-0x",
	"+026-01-05",
	"-001-01-01",
	"12026-01-05",
	"",
};

START_TEST(parse_rejects)
{
	int32_t day = 42;

	ck_assert_msg(date_parse(parse_bad[_i], strlen(parse_bad[_i]), &day)
	    == -1, "'%s' accepted", parse_bad[_i]);
	ck_assert_int_eq(day, 42);	/* untouched on error */
}
END_TEST

START_TEST(parse_uses_len)
{
	int32_t day;

	ck_assert_int_eq(date_parse("2026-01-05", 9, &day), -1);
	ck_assert_int_eq(date_parse("2026-01-05\0", 11, &day), -1);
	ck_assert_int_eq(date_parse("2026-01-05X", 10, &day), 0);
	ck_assert_int_eq(day, 20458);
}
END_TEST

/* Why a string is not a date: the rule it breaks, or NULL for the form. */
START_TEST(why_not)
{
	static const struct {
		const char *s, *why;
	} dates[] = {
		{ "2026-02-30", "February 2026 has 28 days" },
		{ "2024-02-30", "February 2024 has 29 days" },
		{ "2026-04-31", "April 2026 has 30 days" },
		{ "2026-13-01", "there is no month 13" },
		{ "2026-00-10", "there is no month 00" },
		{ "2026-01-00", "there is no day 00" },
		{ "2026-01-99", "January 2026 has 31 days" },
		{ "0000-01-01", "there is no year 0000" },
		{ "03/01/2026", NULL },
		{ "2026-1-5", NULL },
		{ "2026-01-0x", NULL },
		{ "2026-01", NULL },
		{ "2026-01-05", NULL },
	};
	char buf[DATE_WHY_MAX];
	const char *why;
	size_t i;

	for (i = 0; i < NELEM(dates); i++) {
		why = date_why_not(dates[i].s, strlen(dates[i].s), buf);
		ck_assert_msg(dates[i].why == NULL ? why == NULL : why != NULL &&
		    strcmp(why, dates[i].why) == 0, "'%s': '%s'", dates[i].s,
		    why ? why : "(null)");
	}
	ck_assert_str_eq(date_month_why_not("2026-13", 7, buf),
	    "there is no month 13");
	ck_assert_str_eq(date_month_why_not("0000-05", 7, buf),
	    "there is no year 0000");
	ck_assert_ptr_null(date_month_why_not("2026-05", 7, buf));
	ck_assert_ptr_null(date_month_why_not("2026-05-01", 10, buf));
	ck_assert_ptr_null(date_month_why_not("26-05", 5, buf));
}
END_TEST

START_TEST(parse_month)
{
	static const char *const bad[] = {
		"2026-13", "2026-00", "0000-01", "2026-1", "2026-011",
		"2026/11", "2026-11-01", "202611", "2026-1a", "", " 2026-11",
	};
	int32_t m = 42;
	size_t i;

	ck_assert_int_eq(date_parse_month("2026-11", 7, &m), 0);
	ck_assert_int_eq(m, 2026 * 12 + 10);
	ck_assert_int_eq(date_parse_month("0001-01", 7, &m), 0);
	ck_assert_int_eq(m, 12);
	ck_assert_int_eq(date_parse_month("9999-12", 7, &m), 0);
	ck_assert_int_eq(m, 119999);
	m = 42;
	for (i = 0; i < NELEM(bad); i++)
		ck_assert_msg(date_parse_month(bad[i], strlen(bad[i]), &m) ==
		    -1, "'%s' accepted", bad[i]);
	ck_assert_int_eq(m, 42);
}
END_TEST

START_TEST(leap_years)
{
	ck_assert(date_is_leap(2024));
	ck_assert(!date_is_leap(2026));
	ck_assert(!date_is_leap(1900));
	ck_assert(date_is_leap(2000));
	ck_assert(!date_is_leap(2100));
	ck_assert(date_is_leap(2400));
	ck_assert(date_is_leap(4));
	ck_assert(!date_is_leap(1));
	ck_assert_int_eq(date_days_in_month(2024, 2), 29);
	ck_assert_int_eq(date_days_in_month(2026, 2), 28);
	ck_assert_int_eq(date_days_in_month(1900, 2), 28);
	ck_assert_int_eq(date_days_in_month(2000, 2), 29);
	ck_assert_int_eq(date_days_in_month(2026, 1), 31);
	ck_assert_int_eq(date_days_in_month(2026, 4), 30);
	ck_assert_int_eq(date_days_in_month(2026, 6), 30);
	ck_assert_int_eq(date_days_in_month(2026, 9), 30);
	ck_assert_int_eq(date_days_in_month(2026, 11), 30);
	ck_assert_int_eq(date_days_in_month(2026, 12), 31);
	ck_assert_int_eq(date_days_in_month(2026, 0), 0);
	ck_assert_int_eq(date_days_in_month(2026, 13), 0);
}
END_TEST

START_TEST(day_counts)
{
	ck_assert_int_eq(day_of("2025-01-01") - day_of("2024-01-01"), 366);
	ck_assert_int_eq(day_of("2027-01-01") - day_of("2026-01-01"), 365);
	ck_assert_int_eq(day_of("2000-03-01") - day_of("2000-02-28"), 2);
	ck_assert_int_eq(day_of("1900-03-01") - day_of("1900-02-28"), 1);
	ck_assert_int_eq(day_of("2024-03-01") - day_of("2024-02-28"), 2);
	ck_assert_int_eq(day_of("2026-03-01") - day_of("2026-02-28"), 1);
	ck_assert_int_eq(day_of("2026-12-25") - day_of("2026-11-26"), 29);
	/* 1901..2000 hold 25 leap years (2000 among them), 1801..1900 24 */
	ck_assert_int_eq(day_of("2001-01-01") - day_of("1901-01-01"), 36525);
	ck_assert_int_eq(day_of("1901-01-01") - day_of("1801-01-01"), 36524);
	/* the calendar repeats every 400 years */
	ck_assert_int_eq(day_of("2400-01-01") - day_of("2000-01-01"), 146097);
	ck_assert_int_eq(day_of("0401-03-01") - day_of("0001-03-01"), 146097);
	ck_assert_int_eq(date_from_ymd(2026, 11, 26), 20783);
}
END_TEST

/*
 * Every day of years 1..9999: the next day is the same month's next day
 * or the first of the next month, and converting, formatting and parsing
 * all give the day back.
 */
START_TEST(every_day)
{
	int32_t first = date_from_ymd(1, 1, 1), last = date_from_ymd(9999, 12,
	    31), day, back;
	int y = 1, m = 1, d = 1, yy, mm, dd;
	char buf[DATE_FMT_MAX];

	for (day = first; day <= last; day++) {
		date_to_ymd(day, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			ck_abort_msg("day %d is %d-%d-%d, not %d-%d-%d", day,
			    yy, mm, dd, y, m, d);
		if (date_from_ymd(y, m, d) != day)
			ck_abort_msg("%d-%d-%d is not day %d", y, m, d, day);
		if (day % 97 == 0) {
			date_format(buf, day);
			if (date_parse(buf, 10, &back) != 0 || back != day)
				ck_abort_msg("'%s' does not read back", buf);
		}
		if (++d > date_days_in_month(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	ck_assert_int_eq(y, 10000);
}
END_TEST

START_TEST(format)
{
	char buf[DATE_FMT_MAX];
	char mbuf[MONTH_FMT_MAX];

	ck_assert_uint_eq(date_format(buf, 0), 10);
	ck_assert_str_eq(buf, "1970-01-01");
	ck_assert_uint_eq(date_format(buf, -1), 10);
	ck_assert_str_eq(buf, "1969-12-31");
	date_format(buf, -719162);
	ck_assert_str_eq(buf, "0001-01-01");
	date_format(buf, 2932896);
	ck_assert_str_eq(buf, "9999-12-31");
	date_format(buf, 19782);
	ck_assert_str_eq(buf, "2024-02-29");
	ck_assert_uint_eq(date_format_month(mbuf, 2026 * 12 + 10), 7);
	ck_assert_str_eq(mbuf, "2026-11");
	date_format_month(mbuf, 12);
	ck_assert_str_eq(mbuf, "0001-01");
	date_format_month(mbuf, 119999);
	ck_assert_str_eq(mbuf, "9999-12");
	date_format_month(mbuf, 2024 * 12 + 1);
	ck_assert_str_eq(mbuf, "2024-02");
}
END_TEST

START_TEST(months)
{
	int32_t nov = 2026 * 12 + 10, dec = nov + 1;

	ck_assert_int_eq(date_month_of(day_of("2026-11-26")), nov);
	ck_assert_int_eq(date_month_of(day_of("2026-11-01")), nov);
	ck_assert_int_eq(date_month_of(day_of("2026-11-30")), nov);
	ck_assert_int_eq(date_month_of(day_of("2026-12-01")), dec);
	ck_assert_int_eq(date_month_of(day_of("0001-01-01")), 12);
	ck_assert_int_eq(date_month_start(nov), day_of("2026-11-01"));
	ck_assert_int_eq(date_month_end(nov), day_of("2026-12-01"));
	ck_assert_int_eq(date_month_start(dec), day_of("2026-12-01"));
	ck_assert_int_eq(date_month_end(dec), day_of("2027-01-01"));
	/* half-open: the end is the next month's start, length the days */
	ck_assert_int_eq(date_month_end(2024 * 12 + 1) -
	    date_month_start(2024 * 12 + 1), 29);
	ck_assert_int_eq(date_month_end(2026 * 12 + 1) -
	    date_month_start(2026 * 12 + 1), 28);
	ck_assert_int_eq(date_month_end(nov) - date_month_start(nov), 30);
	ck_assert_int_eq(date_month_of(date_month_end(nov) - 1), nov);
	ck_assert_int_eq(date_month_start(12), -719162);
	ck_assert_int_eq(date_month_end(119999), 2932897);
}
END_TEST

static const struct {
	const char *from;
	int n;
	const char *to;
} add_months[] = {
	{ "2026-01-31", 1, "2026-02-28" },
	{ "2024-01-31", 1, "2024-02-29" },
	{ "2026-03-31", -1, "2026-02-28" },
	{ "2024-03-31", -1, "2024-02-29" },
	{ "2026-01-15", 1, "2026-02-15" },
	{ "2026-01-31", 0, "2026-01-31" },
	{ "2026-05-31", 1, "2026-06-30" },
	{ "2026-12-31", 1, "2027-01-31" },
	{ "2026-01-31", -1, "2025-12-31" },
	{ "2026-11-30", 3, "2027-02-28" },
	{ "2026-08-31", 6, "2027-02-28" },
	{ "2026-10-31", -8, "2026-02-28" },
	{ "2026-03-31", -13, "2025-02-28" },
	{ "2026-01-01", -24, "2024-01-01" },
	{ "2024-02-29", 12, "2025-02-28" },
	{ "2024-02-29", 48, "2028-02-29" },
	{ "2026-02-28", 1, "2026-03-28" },	/* no snap to month end */
	{ "0001-01-31", 1, "0001-02-28" },
	{ "9999-11-30", 1, "9999-12-30" },
	{ "9999-12-31", -119987, "0001-01-31" },
};

/*
 * Quarters and years of a fiscal year (issue 16), as Salesforce names
 * them: by default the year that starts in February 2026 ends in
 * January 2027 and is FY2027, its first quarter February to April.
 */
#define MONTH(y, m) ((int32_t)(y) * 12 + (m) - 1)
static const char *
period(int32_t month, int months, int start, int by_end)
{
	static char buf[PERIOD_FMT_MAX];
	struct date_fiscal fy = { start, by_end };

	date_format_period(buf, date_period_first(month, months, &fy), months,
	    &fy);
	return buf;
}

START_TEST(fiscal_periods)
{
	struct date_fiscal feb = { 2, 1 };

	/* the calendar year: as it has always been */
	ck_assert_str_eq(period(MONTH(2026, 11), 1, 1, 1), "2026-11");
	ck_assert_str_eq(period(MONTH(2026, 11), 3, 1, 1), "2026-Q4");
	ck_assert_str_eq(period(MONTH(2026, 11), 12, 1, 0), "2026");
	ck_assert_int_eq(date_period_first(MONTH(2026, 11), 3, &feb),
	    MONTH(2026, 11));
	/* from February, named by the year it ends in */
	ck_assert_str_eq(period(MONTH(2026, 2), 3, 2, 1), "FY2027-Q1");
	ck_assert_str_eq(period(MONTH(2026, 4), 3, 2, 1), "FY2027-Q1");
	ck_assert_str_eq(period(MONTH(2026, 5), 3, 2, 1), "FY2027-Q2");
	ck_assert_str_eq(period(MONTH(2027, 1), 3, 2, 1), "FY2027-Q4");
	ck_assert_int_eq(date_period_first(MONTH(2027, 1), 3, &feb),
	    MONTH(2026, 11));
	ck_assert_str_eq(period(MONTH(2027, 1), 12, 2, 1), "FY2027");
	ck_assert_int_eq(date_period_first(MONTH(2027, 1), 12, &feb),
	    MONTH(2026, 2));
	ck_assert_str_eq(period(MONTH(2026, 1), 12, 2, 1), "FY2026");
	ck_assert_str_eq(period(MONTH(2026, 1), 1, 2, 1), "2026-01");
	/* named by the year it starts in */
	ck_assert_str_eq(period(MONTH(2026, 2), 12, 2, 0), "FY2026");
	ck_assert_str_eq(period(MONTH(2027, 1), 3, 2, 0), "FY2026-Q4");
	/* from July: June closes FY2026, July opens FY2027 */
	ck_assert_str_eq(period(MONTH(2026, 6), 3, 7, 1), "FY2026-Q4");
	ck_assert_str_eq(period(MONTH(2026, 7), 3, 7, 1), "FY2027-Q1");
	/* the last year a date has ends in the year 10000 */
	ck_assert_str_eq(period(MONTH(9999, 12), 3, 2, 1), "FY10000-Q4");
	ck_assert_str_eq(period(MONTH(9999, 12), 12, 2, 1), "FY10000");
}
END_TEST

START_TEST(add_months_table)
{
	char buf[DATE_FMT_MAX];
	int32_t to = DATE_NONE;

	ck_assert_int_eq(date_add_months(day_of(add_months[_i].from),
	    add_months[_i].n, &to), 0);
	date_format(buf, to);
	ck_assert_msg(strcmp(buf, add_months[_i].to) == 0, "%s %+d: %s, not %s",
	    add_months[_i].from, add_months[_i].n, buf, add_months[_i].to);
}
END_TEST

/* The calendar runs from 0001-01-01 to 9999-12-31: arithmetic that would
 * leave it is refused, and *out is left as it was. */
START_TEST(arithmetic_range)
{
	int32_t out = 42;

	ck_assert_int_eq(DATE_MIN, day_of("0001-01-01"));
	ck_assert_int_eq(DATE_MAX, day_of("9999-12-31"));
	ck_assert_int_eq(DATE_END, day_of("9999-12-31") + 1);
	/* quote new --on 9999-12-31: valid for 30 days, to 10000-01-29 */
	ck_assert_int_eq(date_add_days(DATE_MAX, 29, &out), -1);
	/* --valid-days 3000 from 9999-12-01 */
	ck_assert_int_eq(date_add_days(day_of("9999-12-01"), 2999, &out), -1);
	ck_assert_int_eq(date_add_days(DATE_MAX, 1, &out), -1);
	ck_assert_int_eq(date_add_days(DATE_MIN, -1, &out), -1);
	ck_assert_int_eq(date_add_days(DATE_MAX, INT64_MAX, &out), -1);
	ck_assert_int_eq(date_add_days(DATE_MIN, INT64_MIN, &out), -1);
	ck_assert_int_eq(date_add_days(DATE_END, 0, &out), -1);
	ck_assert_int_eq(out, 42);
	ck_assert_int_eq(date_add_days(DATE_MAX, 0, &out), 0);
	ck_assert_int_eq(out, DATE_MAX);
	ck_assert_int_eq(date_add_days(DATE_MAX, DATE_MIN - DATE_MAX, &out), 0);
	ck_assert_int_eq(out, DATE_MIN);
	ck_assert_int_eq(date_add_days(day_of("9999-12-01"), 30, &out), 0);
	ck_assert_int_eq(out, DATE_MAX);
	out = 42;
	/* a contract of 12 months from 9999-12-31 ends on 10000-12-31 */
	ck_assert_int_eq(date_add_months(DATE_MAX, 12, &out), -1);
	ck_assert_int_eq(date_add_months(DATE_MAX, 1, &out), -1);
	ck_assert_int_eq(date_add_months(day_of("9999-12-01"), 1, &out), -1);
	ck_assert_int_eq(date_add_months(DATE_MIN, -1, &out), -1);
	ck_assert_int_eq(date_add_months(DATE_MAX, -119988, &out), -1);
	ck_assert_int_eq(date_add_months(DATE_MIN, INT_MAX, &out), -1);
	ck_assert_int_eq(date_add_months(DATE_MAX, INT_MIN, &out), -1);
	ck_assert_int_eq(date_add_months(DATE_END, 0, &out), -1);
	ck_assert_int_eq(out, 42);
	ck_assert_int_eq(date_add_months(day_of("9999-11-30"), 1, &out), 0);
	ck_assert_int_eq(out, DATE_MAX - 1);
}
END_TEST

Suite *
date_suite(void)
{
	Suite *s = suite_create("date");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, parse_accepts, 0, NELEM(parse_ok));
	tcase_add_loop_test(tc, parse_rejects, 0, NELEM(parse_bad));
	tcase_add_test(tc, parse_uses_len);
	tcase_add_test(tc, parse_month);
	tcase_add_test(tc, why_not);
	suite_add_tcase(s, tc);

	tc = tcase_create("calendar");
	tcase_add_test(tc, leap_years);
	tcase_add_test(tc, day_counts);
	tcase_add_test(tc, every_day);
	tcase_add_test(tc, format);
	suite_add_tcase(s, tc);

	tc = tcase_create("months");
	tcase_add_test(tc, months);
	tcase_add_test(tc, fiscal_periods);
	tcase_add_loop_test(tc, add_months_table, 0, NELEM(add_months));
	tcase_add_test(tc, arithmetic_range);
	suite_add_tcase(s, tc);
	return s;
}
