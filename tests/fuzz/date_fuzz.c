/*
 * date: libFuzzer harness for the parsers and the calendar.  The input
 * goes to date_parse(), date_parse_month() and date_parse_bound(), and
 * what they take must say again what they were given:
 *  - a date is in the years 1..9999 and date_format() writes the same 10
 *    bytes; a month, date_format_month() the same 7;
 *  - a bound is taken when a date or a month is: the date itself, or the
 *    first and the last day of the month;
 * and its first four bytes, as a day number, any at all, go to
 * date_to_ymd() and back through date_from_ymd() to the same day, with the
 * month and the day of the month in range; in the years 1..9999 the day
 * formats, parses back, and lies in its month.
 * Nothing here reports errors or exits.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "date.h"

static void
check_date(const char *s, size_t len, int32_t day)
{
	char buf[DATE_FMT_MAX];
	int y, m, d;

	assert(len == 10);
	date_to_ymd(day, &y, &m, &d);
	assert(y >= 1 && y <= 9999);
	assert(date_format(buf, day) == 10 && memcmp(buf, s, 10) == 0);
}

static void
check_month(const char *s, size_t len, int32_t month)
{
	char buf[MONTH_FMT_MAX];

	assert(len == 7);
	assert(date_format_month(buf, month) == 7 && memcmp(buf, s, 7) == 0);
}

/* The bounds of month s: its first day, and its last, the day before
 * another month's first. */
static void
check_month_bounds(const char *s, int32_t lo, int32_t hi)
{
	char buf[DATE_FMT_MAX];

	date_format(buf, lo);
	assert(memcmp(buf, s, 7) == 0 && strcmp(buf + 7, "-01") == 0);
	date_format(buf, hi);
	assert(memcmp(buf, s, 7) == 0);
	date_format(buf, hi + 1);
	assert(memcmp(buf, s, 7) != 0 && strcmp(buf + 7, "-01") == 0);
}

static void
check_parsers(const char *s, size_t len)
{
	int32_t day = DATE_NONE, month = DATE_NONE, lo, hi;
	int is_date, is_month, rlo, rhi;

	if ((is_date = date_parse(s, len, &day) == 0))
		check_date(s, len, day);
	if ((is_month = date_parse_month(s, len, &month) == 0))
		check_month(s, len, month);
	rlo = date_parse_bound(s, len, 0, &lo);
	rhi = date_parse_bound(s, len, 1, &hi);
	assert(rlo == rhi && (rlo == 0) == (is_date || is_month));
	if (is_date)
		assert(lo == day && hi == day);
	else if (is_month)
		check_month_bounds(s, lo, hi);
}

static void
check_day(int32_t day)
{
	char buf[DATE_FMT_MAX];
	int32_t again, month;
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	assert(m >= 1 && m <= 12 && d >= 1 && d <= date_days_in_month(y, m));
	assert(date_from_ymd(y, m, d) == day);
	if (y < 1 || y > 9999)
		return;
	date_format(buf, day);
	assert(date_parse(buf, 10, &again) == 0 && again == day);
	month = date_month_of(day);
	assert(date_month_start(month) <= day && day < date_month_end(month));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t day;

	check_parsers((const char *)data, size);
	if (size >= sizeof(day)) {
		memcpy(&day, data, sizeof(day));
		check_day(day);
	}
	return 0;
}
