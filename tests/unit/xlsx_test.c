/*
 * xlsx: the numbers a sheet holds.  A sheet keeps a double, which
 * libxlsxwriter writes with "%.16G" and a spreadsheet reads back and shows
 * with the decimals of the cell's format; every amount the programs print,
 * of up to 15 significant digits, must come back as it was printed, to the
 * last digit, and one of more digits must not be taken for a number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "out.h"
#include "suites.h"
#include "xlsx.h"

/* s as a sheet shows it after the file's round trip. */
static void
shows_as(const char *s, const char *want)
{
	struct xlsx_value v;
	char file[64], shown[64];
	double back;

	test_check(xlsx_value(s, strlen(s), &v) == 0, "%s refused", s);
	snprintf(file, sizeof(file), "%.16G", v.v);
	back = strtod(file, NULL);
	snprintf(shown, sizeof(shown), "%.*f%s", v.decimals,
	    v.percent ? back * 100 : back, v.percent ? "%" : "");
	test_check(strcmp(shown, want) == 0, "%s: the file holds %s, shown "
	    "%s", s, file, shown);
}

static void
round_trip(int64_t minor, int scale)
{
	char s[MONEY_FMT_MAX];

	money_format(s, minor, scale, '.');
	shows_as(s, s);
}

START_TEST(amounts_round_trip)
{
	static const int scales[] = { 0, 2, 3, 4, 6 };
	uint64_t x = 88172645463325252u;

	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		int64_t p = 1;

		/* 9, 99, ... 15 nines; 10, 100, ...; each negative too */
		for (int k = 1; k <= 15; k++) {
			p *= 10;
			round_trip(p - 1, scales[i]);
			round_trip(-(p - 1), scales[i]);
			round_trip(p / 10, scales[i]);
			round_trip(p - p / 10 + 1, scales[i]);
		}
		/* and 200,000 of any length up to 15 digits (xorshift) */
		for (int n = 0; n < 200000; n++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			round_trip((int64_t)(x % 1000000000000000u) *
			    (n % 2 ? -1 : 1) / (int64_t)(1 + n % 1000),
			    scales[i]);
		}
	}
	round_trip(999999999999999, 2);	/* 9,999,999,999,999.99 */
	round_trip(999999999999999, 3);	/* KWD */
	round_trip(1, 2);
}
END_TEST

/* A rate in percent (the metrics' 4 decimals as 2 in percent): the
 * fraction, shown as it was. */
START_TEST(percents_round_trip)
{
	char s[MONEY_FMT_MAX + 1];
	struct xlsx_value v;

	for (int64_t r = -20000; r <= 20000; r++) {
		size_t n = money_format(s, r, 2, '.');

		s[n] = '%';
		s[n + 1] = '\0';
		shows_as(s, s);
	}
	ck_assert_int_eq(xlsx_value("12.50%", 6, &v), 0);
	ck_assert(v.v == 0.125 && v.decimals == 2 && v.percent);
}
END_TEST

START_TEST(values_and_decimals)
{
	struct xlsx_value v;

	ck_assert_int_eq(xlsx_value("-1234.50", 8, &v), 0);
	ck_assert(v.v == -1234.5 && v.decimals == 2 && !v.percent);
	ck_assert_int_eq(xlsx_value("120000", 6, &v), 0);
	ck_assert(v.v == 120000 && v.decimals == 0);
	ck_assert_int_eq(xlsx_value("12.345", 6, &v), 0);
	ck_assert_int_eq(v.decimals, 3);
	/* zeros before the first digit hold nothing: 16 digits written */
	ck_assert_int_eq(xlsx_value("0.000000000000001", 17, &v), 0);
	ck_assert_int_eq(v.decimals, 15);
}
END_TEST

/* Past 15 significant digits, and what is no plain decimal: text. */
START_TEST(refused)
{
	static const char *const text[] = { "99999999999999.99",
	    "1234567890123456", "92233720368547758.07", "-92233720368547758.08",
	    "", "-", "5.", ".5", "1.2.3", "12%3", "%", "1e5", "0x10",
	    "12.50%%", "1,000" };
	struct xlsx_value v;

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		ck_assert_msg(xlsx_value(text[i], strlen(text[i]), &v) == -1,
		    "%s taken for a number", text[i]);
}
END_TEST

/* The workbook goes to the stream the table is written to: a zip. */
START_TEST(written_to_the_stream)
{
	static const char *const cols[] = { "id", "amount" };
	struct out_opts oo = { .format = OUT_XLSX, .header = 1, .name = "t" };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct out *o = out_new(fp, &oo, cols, 2);

	out_text(o, "00123", 5);
	out_number(o, "1.50", 4);
	out_end_row(o);
	ck_assert_int_eq(out_close(o), 0);
	fclose(fp);
	ck_assert_uint_gt(len, 1000);
	ck_assert_int_eq(memcmp(buf, "PK\003\004", 4), 0);
	free(buf);
}
END_TEST

Suite *
xlsx_suite(void)
{
	Suite *s = suite_create("xlsx");
	TCase *tc = tcase_create("numbers");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, amounts_round_trip);
	tcase_add_test(tc, percents_round_trip);
	tcase_add_test(tc, values_and_decimals);
	tcase_add_test(tc, refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("workbook");
	tcase_add_test(tc, written_to_the_stream);
	suite_add_tcase(s, tc);
	return s;
}
