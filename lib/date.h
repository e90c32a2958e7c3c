/*
 * date: calendar dates as day numbers, months as month numbers.
 *
 * A date is the count of days since 1970-01-01 (negative before it), in the
 * proleptic Gregorian calendar; a month is year * 12 + (month - 1).  Only
 * years 1..9999 are valid.  Periods are half-open [start, end).  Nothing
 * here allocates.
 */
#ifndef REVOPS_DATE_H
#define REVOPS_DATE_H

#include <stddef.h>
#include <stdint.h>

#define DATE_NONE INT32_MIN	/* no date */
#define DATE_MIN (-719162)	/* 0001-01-01, the first day there is */
#define DATE_MAX 2932896	/* 9999-12-31, the last */
#define DATE_END (DATE_MAX + 1)	/* the end of the last day, as the end of
				 * a half-open period: never a date */
#define DATE_FMT_MAX 11		/* "YYYY-MM-DD" and NUL */
#define MONTH_FMT_MAX 8		/* "YYYY-MM" and NUL */

/* Parses exactly "YYYY-MM-DD" (a real day: 2026-02-29 is rejected).
 * Returns 0 and stores the day number, or -1. */
int date_parse(const char *s, size_t len, int32_t *day);

/* Parses exactly "YYYY-MM".  Returns 0 and stores the month number, or -1. */
int date_parse_month(const char *s, size_t len, int32_t *month);

/*
 * Why s, which date_parse() (date_parse_month()) refused, is not a date
 * (a month), for a message: the rule of the calendar it breaks ("there is
 * no month 13", "February 2026 has 28 days", "there is no year 0000"),
 * written into buf of DATE_WHY_MAX bytes; NULL when s has not even the
 * form YYYY-MM-DD (YYYY-MM).
 */
#define DATE_WHY_MAX 40
const char *date_why_not(const char *s, size_t len, char *buf);
const char *date_month_why_not(const char *s, size_t len, char *buf);

int32_t date_from_ymd(int y, int m, int d);	/* no validation */
void date_to_ymd(int32_t day, int *y, int *m, int *d);
int date_is_leap(int y);
int date_days_in_month(int y, int m);

/* Writes "YYYY-MM-DD" / "YYYY-MM" and NUL; returns 10 / 7. */
size_t date_format(char *buf, int32_t day);
size_t date_format_month(char *buf, int32_t month);

/*
 * A fiscal year: the month it starts in (1 to 12; 1 is the calendar
 * year), and whether it is named by the calendar year it ends in (a year
 * from February 2026 to January 2027 is FY2027) or starts in (FY2026).
 * Quarters and years follow it; months are months.
 */
struct date_fiscal {
	int start;
	int named_by_end;
};
#define DATE_CALENDAR ((struct date_fiscal){ 1, 1 })

/* The first month of the period of `months` months (1, 3 or 12) of the
 * fiscal year fy that holds month. */
int32_t date_period_first(int32_t month, int months,
    const struct date_fiscal *fy);

/* The name of the period of `months` months that holds month: "2026-11";
 * of the calendar year, "2026-Q4" or "2026"; of another fiscal year,
 * "FY2027-Q1" or "FY2027".  buf needs PERIOD_FMT_MAX bytes, for up to
 * FY10000-Q4.  Returns the length. */
#define PERIOD_FMT_MAX 11
size_t date_format_period(char *buf, int32_t month, int months,
    const struct date_fiscal *fy);

/* Today in UTC: what --as-of and --on default to. */
int32_t date_today(void);
/* Now in UTC as "YYYY-MM-DDTHH:MM:SSZ" and NUL, when a record was
 * written (the audit log); buf needs DATE_TIME_FMT_MAX bytes.  Returns
 * the length. */
#define DATE_TIME_FMT_MAX 21
size_t date_format_now(char *buf);

/*
 * Parses the bound of a range given as a date or a month: a month stands
 * for its first day, or with `end` set for its last.  Returns 0 or -1.
 */
int date_parse_bound(const char *s, size_t len, int end, int32_t *day);

int32_t date_month_of(int32_t day);		/* the month a day falls in */
int32_t date_month_start(int32_t month);	/* its first day */
int32_t date_month_end(int32_t month);		/* the first day of the next */

/*
 * Date arithmetic, checked: the day n days (date_add_days) or n months
 * (date_add_months: the same day of the month, clamped to the last day of
 * a shorter month, 2026-01-31 + 1 month = 2026-02-28) after day, n
 * negative for before, into *out.  Returns 0, or -1 with *out untouched
 * when it would leave DATE_MIN..DATE_MAX: a date past 9999-12-31 is an
 * error for the caller to name, never a wrap.
 */
int date_add_days(int32_t day, int64_t n, int32_t *out);
int date_add_months(int32_t day, int n, int32_t *out);

#endif
