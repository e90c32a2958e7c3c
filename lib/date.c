/*
 * date: day numbers and month numbers in the proleptic Gregorian calendar.
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days:
 * the year is taken to start on March 1st, so the leap day falls at the
 * end of it, and the calendar repeats every 400 years (an "era" of 146097
 * days).  They work in int64_t so that no input, however far out of the
 * valid years 1..9999, can overflow; results for such years are
 * meaningless but defined.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"

#define DAYS_PER_ERA 146097
#define EPOCH_SHIFT 719468	/* days from 0000-03-01 to 1970-01-01 */

/* Division rounding toward minus infinity, for years and days before the
 * first era. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return (a >= 0 ? a : a - (b - 1)) / b;
}

int32_t
date_from_ymd(int y, int m, int d)
{
	/* yoe 0..399, mp 0..11 from March, doy 0..365, doe 0..146096 */
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;
	int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t)(era * DAYS_PER_ERA + doe - EPOCH_SHIFT);
}

void
date_to_ymd(int32_t day, int *y, int *m, int *d)
{
	/* doe 0..146096, yoe 0..399, doy 0..365, mp 0..11 from March */
	int64_t z = (int64_t)day + EPOCH_SHIFT;
	int64_t era = floor_div(z, DAYS_PER_ERA);
	int64_t doe = z - era * DAYS_PER_ERA;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
date_is_leap(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int
date_days_in_month(int y, int m)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && date_is_leap(y))
		return 29;
	return days[m - 1];
}

/* The n-digit number at s, or -1 if any of them is not a digit. */
static int
get_digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM" at the start of s, a year 1..9999 and a month 1..12. */
static int
get_year_month(const char *s, int *y, int *m)
{
	*y = get_digits(s, 4);
	*m = get_digits(s + 5, 2);
	if (s[4] != '-' || *y < 1 || *m < 1 || *m > 12)
		return -1;
	return 0;
}

int
date_parse(const char *s, size_t len, int32_t *day)
{
	int y, m, d;

	if (len != 10 || get_year_month(s, &y, &m) == -1 || s[7] != '-')
		return -1;
	d = get_digits(s + 8, 2);
	if (d < 1 || d > date_days_in_month(y, m))
		return -1;
	*day = date_from_ymd(y, m, d);
	return 0;
}

int
date_parse_month(const char *s, size_t len, int32_t *month)
{
	int y, m;

	if (len != 7 || get_year_month(s, &y, &m) == -1)
		return -1;
	*month = y * 12 + (m - 1);
	return 0;
}

/*
 * The rule of the calendar that s, of the form YYYY-MM-DD (len 10) or
 * YYYY-MM (len 7), breaks; NULL when it has not that form, or keeps the
 * rules.
 */
static const char *
why_not(const char *s, size_t len, size_t want, char *buf)
{
	static const char *const month_name[] = { "January", "February",
	    "March", "April", "May", "June", "July", "August", "September",
	    "October", "November", "December" };
	int y, m, d = 1;

	if (len != want || s[4] != '-' || (y = get_digits(s, 4)) < 0 ||
	    (m = get_digits(s + 5, 2)) < 0 || (want == 10 && (s[7] != '-' ||
	    (d = get_digits(s + 8, 2)) < 0)))
		return NULL;
	if (y == 0)
		snprintf(buf, DATE_WHY_MAX, "there is no year 0000");
	else if (m < 1 || m > 12)
		snprintf(buf, DATE_WHY_MAX, "there is no month %.2s", s + 5);
	else if (d < 1)
		snprintf(buf, DATE_WHY_MAX, "there is no day 00");
	else if (d > date_days_in_month(y, m))
		snprintf(buf, DATE_WHY_MAX, "%s %.4s has %d days",
		    month_name[m - 1], s, date_days_in_month(y, m));
	else
		return NULL;
	return buf;
}

const char *
date_why_not(const char *s, size_t len, char *buf)
{
	return why_not(s, len, 10, buf);
}

const char *
date_month_why_not(const char *s, size_t len, char *buf)
{
	return why_not(s, len, 7, buf);
}

/* Writes v as exactly n digits, keeping the low ones if it is longer. */
static void
put_digits(char *buf, int v, int n)
{
	unsigned u = v < 0 ? 0 : (unsigned)v;

	while (n-- > 0) {
		buf[n] = '0' + u % 10;
		u /= 10;
	}
}

size_t
date_format(char *buf, int32_t day)
{
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	put_digits(buf, y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = '\0';
	return 10;
}

int32_t
date_period_first(int32_t month, int months, const struct date_fiscal *fy)
{
	int32_t from = month - (fy->start - 1);	/* months into its year */

	return month - (int32_t)(from - floor_div(from, months) * months);
}

size_t
date_format_period(char *buf, int32_t month, int months,
    const struct date_fiscal *fy)
{
	int32_t from = month - (fy->start - 1);
	int64_t y = floor_div(from, 12);	/* the year it starts in */
	int q = (int)(from - y * 12) / 3 + 1;

	if (months == 1)
		return date_format_month(buf, month);
	if (fy->start == 1) {
		put_digits(buf, (int)y, 4);
		if (months == 12) {
			buf[4] = '\0';
			return 4;
		}
		memcpy(buf + 4, "-Q", 2);
		buf[6] = (char)('0' + q);
		buf[7] = '\0';
		return 7;
	}
	/* a year that starts after January ends in the next */
	y += fy->named_by_end;
	if (months == 12)
		return (size_t)snprintf(buf, PERIOD_FMT_MAX, "FY%d", (int)y);
	return (size_t)snprintf(buf, PERIOD_FMT_MAX, "FY%d-Q%d", (int)y, q);
}

size_t
date_format_month(char *buf, int32_t month)
{
	put_digits(buf, (int)floor_div(month, 12), 4);
	buf[4] = '-';
	put_digits(buf + 5, (int)(month - floor_div(month, 12) * 12) + 1, 2);
	buf[7] = '\0';
	return 7;
}

int32_t
date_month_of(int32_t day)
{
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	return y * 12 + (m - 1);
}

int32_t
date_month_start(int32_t month)
{
	int64_t y = floor_div(month, 12);

	return date_from_ymd((int)y, (int)(month - y * 12) + 1, 1);
}

int32_t
date_month_end(int32_t month)
{
	return date_month_start(month + 1);
}

int
date_add_days(int32_t day, int64_t n, int32_t *out)
{
	/* both within 2^32: no wrap */
	if (day < DATE_MIN || day > DATE_MAX || n < (int64_t)DATE_MIN - day ||
	    n > (int64_t)DATE_MAX - day)
		return -1;
	*out = (int32_t)(day + n);
	return 0;
}

int
date_add_months(int32_t day, int n, int32_t *out)
{
	int y, m, d, dim;
	int64_t mo, ny;

	if (day < DATE_MIN || day > DATE_MAX)
		return -1;
	date_to_ymd(day, &y, &m, &d);
	mo = (int64_t)y * 12 + (m - 1) + n;
	ny = floor_div(mo, 12);
	if (ny < 1 || ny > 9999)
		return -1;
	m = (int)(mo - ny * 12) + 1;
	dim = date_days_in_month((int)ny, m);
	*out = date_from_ymd((int)ny, m, d < dim ? d : dim);
	return 0;
}

int32_t
date_today(void)
{
	return (int32_t)(time(NULL) / 86400);
}

size_t
date_format_now(char *buf)
{
	time_t t = time(NULL);
	long s = (long)(t % 86400);
	size_t n = date_format(buf, (int32_t)(t / 86400));

	return n + (size_t)snprintf(buf + n, DATE_TIME_FMT_MAX - n,
	    "T%02ld:%02ld:%02ldZ", s / 3600, s / 60 % 60, s % 60);
}

int
date_parse_bound(const char *s, size_t len, int end, int32_t *day)
{
	int32_t month;

	if (date_parse(s, len, day) == 0)
		return 0;
	if (date_parse_month(s, len, &month) != 0)
		return -1;
	*day = end ? date_month_end(month) - 1 : date_month_start(month);
	return 0;
}
