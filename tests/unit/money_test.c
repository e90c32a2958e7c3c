/*
 * money: every expected value below was worked out by hand; the comment
 * beside a row shows the arithmetic where it is not obvious.
 */
#include <stdint.h>
#include <string.h>

#include "money.h"
#include "suites.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 10^n as a __int128, for values beyond int64. */
static __int128
pow10_128(int n)
{
	__int128 p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

/*
 * Currencies.  The lists name every code of the table by its exponent, so
 * a code out of order (which the binary search would miss) fails here.
 */
static const char *const exponent_lists[] = {
	/* 0 */ "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF "
	    "XOF XPF",
	/* 1 */ "",
	/* 2 */ "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB "
	    "BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC "
	    "CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP "
	    "GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW "
	    "KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR "
	    "MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP "
	    "PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD "
	    "SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN "
	    "UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG",
	/* 3 */ "BHD IQD JOD KWD LYD OMR TND",
	/* 4 */ "CLF UYW",
};

START_TEST(currency_every_code)
{
	const struct currency *c;
	const char *p;
	size_t e, count = 0;

	for (e = 0; e < NELEM(exponent_lists); e++) {
		for (p = exponent_lists[e]; *p != '\0'; p += 3) {
			if (*p == ' ')
				p++;
			c = money_currency(p, 3);
			ck_assert_msg(c != NULL, "%.3s not found", p);
			ck_assert_int_eq(memcmp(c->code, p, 3), 0);
			ck_assert_str_eq(c->code + 3, "");
			ck_assert_int_eq(c->exponent, (int)e);
			count++;
		}
	}
	ck_assert_uint_eq(count, 165);
}
END_TEST

START_TEST(currency_unknown)
{
	static const char *const bad[] = {
		"", "US", "USDX", "usd", "Usd", "U5D", "US ", " US", "AAA",
		"ZZZ", "BGN", "HRK", "ANG", "SLL", "ZWL", "XAU", "XDR", "XXX",
	};
	size_t i;

	for (i = 0; i < NELEM(bad); i++)
		ck_assert_msg(money_currency(bad[i], strlen(bad[i])) == NULL,
		    "'%s' accepted", bad[i]);
	/* Only len bytes are read. */
	ck_assert_str_eq(money_currency("USDX", 3)->code, "USD");
	ck_assert_ptr_null(money_currency("USD", 2));
}
END_TEST

/* Parsing. */
static const struct {
	const char *s;
	int scale;
	char mark;
	int64_t v;
} parse_ok[] = {
	{ "12", 2, '.', 1200 },
	{ "-0.5", 2, '.', -50 },
	{ "+3", 2, '.', 300 },
	{ "3.", 2, '.', 300 },
	{ ".25", 2, '.', 25 },
	{ "-.25", 2, '.', -25 },
	{ "1.500", 2, '.', 150 },	/* trailing zeros past the scale */
	{ "007", 2, '.', 700 },
	{ "0", 2, '.', 0 },
	{ "-0", 2, '.', 0 },
	{ "-0.00", 2, '.', 0 },
	{ "12,5", 2, ',', 1250 },
	{ "1.0", 0, '.', 1 },
	{ "1234", 0, '.', 1234 },
	{ "1.234", 3, '.', 1234 },
	{ "19.99", 8, '.', 1999000000 },	/* a price in cents x 10^6 */
	{ "0.000001", 6, '.', 1 },
	{ "12.345678", 6, '.', 12345678 },
	{ "9223372036854775807", 0, '.', INT64_MAX },
	{ "-9223372036854775808", 0, '.', INT64_MIN },
	{ "92233720368547758.07", 2, '.', INT64_MAX },
	{ "-92233720368547758.08", 2, '.', INT64_MIN },
	{ "-9.223372036854775808", 18, '.', INT64_MIN },
	{ "0009223372036854775807.000", 0, '.', INT64_MAX },
};

START_TEST(parse_accepts)
{
	int64_t v = -1;
	enum money_status st;

	st = money_parse(parse_ok[_i].s, strlen(parse_ok[_i].s),
	    parse_ok[_i].scale, parse_ok[_i].mark, &v);
	ck_assert_msg(st == MONEY_OK, "'%s': status %d", parse_ok[_i].s, st);
	ck_assert_int_eq(v, parse_ok[_i].v);
}
END_TEST

static const struct {
	const char *s;
	int scale;
	char mark;
	enum money_status st;
} parse_bad[] = {
	{ "", 2, '.', MONEY_EMPTY },
	{ "-", 2, '.', MONEY_EMPTY },
	{ "+", 2, '.', MONEY_EMPTY },
	{ ".", 2, '.', MONEY_EMPTY },
	{ "-.", 2, '.', MONEY_EMPTY },
	{ "1,000.00", 2, '.', MONEY_SYNTAX },
	{ "1.000,00", 2, ',', MONEY_SYNTAX },
	{ "1.5", 2, ',', MONEY_SYNTAX },
	{ "1e5", 2, '.', MONEY_SYNTAX },
	{ "1E5", 2, '.', MONEY_SYNTAX },
	{ " 5", 2, '.', MONEY_SYNTAX },
	{ "5 ", 2, '.', MONEY_SYNTAX },
	{ "1 000", 2, '.', MONEY_SYNTAX },
	{ "$5", 2, '.', MONEY_SYNTAX },
	{ "5$", 2, '.', MONEY_SYNTAX },
	{ "0x10", 2, '.', MONEY_SYNTAX },
	{ "1.2.3", 2, '.', MONEY_SYNTAX },
	{ "--5", 2, '.', MONEY_SYNTAX },
	{ "+-5", 2, '.', MONEY_SYNTAX },
	{ "5-", 2, '.', MONEY_SYNTAX },
	{ "- 5", 2, '.', MONEY_SYNTAX },
	{ "abc", 2, '.', MONEY_SYNTAX },
	{ "inf", 2, '.', MONEY_SYNTAX },
	{ "12.345", 2, '.', MONEY_PRECISION },
	{ "1.001", 2, '.', MONEY_PRECISION },
	{ "1.5", 0, '.', MONEY_PRECISION },
	{ "0.0000001", 6, '.', MONEY_PRECISION },
	{ "9223372036854775808", 0, '.', MONEY_RANGE },
	{ "-9223372036854775809", 0, '.', MONEY_RANGE },
	{ "92233720368547758.08", 2, '.', MONEY_RANGE },
	{ "-92233720368547758.09", 2, '.', MONEY_RANGE },
	{ "92233720368547759", 2, '.', MONEY_RANGE },	/* fits unscaled */
	{ "99999999999999999999999999", 0, '.', MONEY_RANGE },
	{ "10", 18, '.', MONEY_RANGE },
	/* A bad character wins over an overflow before it. */
	{ "99999999999999999999x", 0, '.', MONEY_SYNTAX },
};

START_TEST(parse_rejects)
{
	int64_t v = 42;
	enum money_status st;

	st = money_parse(parse_bad[_i].s, strlen(parse_bad[_i].s),
	    parse_bad[_i].scale, parse_bad[_i].mark, &v);
	ck_assert_msg(st == parse_bad[_i].st, "'%s': status %d, not %d",
	    parse_bad[_i].s, st, parse_bad[_i].st);
	ck_assert_int_eq(v, 42);	/* untouched on error */
}
END_TEST

START_TEST(parse_uses_len)
{
	int64_t v = 0;

	/* An embedded NUL is a bad character, not the end. */
	ck_assert_int_eq(money_parse("5\0", 2, 2, '.', &v), MONEY_SYNTAX);
	/* Bytes past len are not read. */
	ck_assert_int_eq(money_parse("12.34x", 5, 2, '.', &v), MONEY_OK);
	ck_assert_int_eq(v, 1234);
	ck_assert_int_eq(money_parse("12", 0, 2, '.', &v), MONEY_EMPTY);
}
END_TEST

/* The scale comes from the currency: JPY has no minor unit, KWD three. */
START_TEST(parse_by_currency)
{
	const struct currency *jpy = money_currency("JPY", 3);
	const struct currency *kwd = money_currency("KWD", 3);
	const struct currency *clf = money_currency("CLF", 3);
	int64_t v;

	ck_assert_int_eq(money_parse("1500", 4, jpy->exponent, '.', &v),
	    MONEY_OK);
	ck_assert_int_eq(v, 1500);
	ck_assert_int_eq(money_parse("1500.", 5, jpy->exponent, '.', &v),
	    MONEY_OK);
	ck_assert_int_eq(v, 1500);
	ck_assert_int_eq(money_parse("1500.5", 6, jpy->exponent, '.', &v),
	    MONEY_PRECISION);
	ck_assert_int_eq(money_parse("1.5", 3, kwd->exponent, '.', &v),
	    MONEY_OK);
	ck_assert_int_eq(v, 1500);
	ck_assert_int_eq(money_parse("-0.125", 6, kwd->exponent, '.', &v),
	    MONEY_OK);
	ck_assert_int_eq(v, -125);
	ck_assert_int_eq(money_parse("1.2345", 6, kwd->exponent, '.', &v),
	    MONEY_PRECISION);
	ck_assert_int_eq(money_parse("35000.1234", 10, clf->exponent, '.',
	    &v), MONEY_OK);
	ck_assert_int_eq(v, 350001234);
}
END_TEST

START_TEST(strerror_phrases)
{
	enum money_status st;

	for (st = MONEY_OK; st <= MONEY_RANGE; st++) {
		ck_assert_ptr_nonnull(money_strerror(st));
		ck_assert_int_gt(strlen(money_strerror(st)), 0);
	}
	ck_assert_str_ne(money_strerror(MONEY_SYNTAX),
	    money_strerror(MONEY_RANGE));
}
END_TEST

/* Rounding: half away from zero, never to even. */
static const struct {
	int64_t v;
	int digits;
	int64_t r;
} round_ok[] = {
	{ 25, 1, 3 },		/* 2.5 */
	{ -25, 1, -3 },
	{ 35, 1, 4 },		/* 3.5: to even would also give 4 */
	{ 15, 1, 2 },
	{ -15, 1, -2 },
	{ 5, 1, 1 },		/* 0.5 */
	{ -5, 1, -1 },
	{ 4, 1, 0 },
	{ -4, 1, 0 },
	{ 24, 1, 2 },		/* 2.4 */
	{ -24, 1, -2 },
	{ 26, 1, 3 },
	{ -26, 1, -3 },
	{ 24999, 4, 2 },	/* 2.4999 */
	{ -24999, 4, -2 },
	{ 25000, 4, 3 },
	{ 149, 2, 1 },
	{ 150, 2, 2 },
	{ 123, 0, 123 },
	{ -123, 0, -123 },
	{ 0, 6, 0 },
	{ 999999, 6, 1 },
	{ 499999, 6, 0 },
	{ 500000, 6, 1 },
	{ -500000, 6, -1 },
	{ INT64_MAX, 0, INT64_MAX },
	{ INT64_MIN, 0, INT64_MIN },
	{ INT64_MAX, 18, 9 },	/* 9.223... */
	{ INT64_MIN, 18, -9 },
	{ INT64_MAX, 19, 1 },	/* 0.922... */
	{ INT64_MIN, 19, -1 },
	{ INT64_MAX, 20, 0 },	/* 0.0922... */
};

START_TEST(round_table)
{
	int64_t r = 42;

	ck_assert_int_eq(money_round(round_ok[_i].v, round_ok[_i].digits, &r),
	    MONEY_OK);
	ck_assert_msg(r == round_ok[_i].r, "round(%lld, %d) = %lld, not %lld",
	    (long long)round_ok[_i].v, round_ok[_i].digits, (long long)r,
	    (long long)round_ok[_i].r);
}
END_TEST

START_TEST(round_wide)
{
	__int128 max128 = (__int128)(((unsigned __int128)1 << 127) - 1);
	__int128 min128 = -max128 - 1;
	__int128 half36 = 5 * pow10_128(35);
	int64_t r = 42;

	/* 10^36 digits: 0.5 and just under it. */
	ck_assert_int_eq(money_round(half36, 36, &r), MONEY_OK);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(money_round(-half36, 36, &r), MONEY_OK);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(money_round(half36 - 1, 36, &r), MONEY_OK);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(money_round(-half36 + 1, 36, &r), MONEY_OK);
	ck_assert_int_eq(r, 0);
	/* The extremes of __int128 are +-170.14... x 10^36. */
	ck_assert_int_eq(money_round(max128, 36, &r), MONEY_OK);
	ck_assert_int_eq(r, 170);
	ck_assert_int_eq(money_round(min128, 36, &r), MONEY_OK);
	ck_assert_int_eq(r, -170);
	/* Just inside and just outside int64 after rounding. */
	ck_assert_int_eq(money_round((__int128)INT64_MAX * 10 + 4, 1, &r),
	    MONEY_OK);
	ck_assert_int_eq(r, INT64_MAX);
	ck_assert_int_eq(money_round((__int128)INT64_MIN * 10 - 4, 1, &r),
	    MONEY_OK);
	ck_assert_int_eq(r, INT64_MIN);
	r = 42;
	ck_assert_int_eq(money_round((__int128)INT64_MAX * 10 + 5, 1, &r),
	    MONEY_RANGE);
	ck_assert_int_eq(money_round((__int128)INT64_MIN * 10 - 5, 1, &r),
	    MONEY_RANGE);
	ck_assert_int_eq(money_round((__int128)INT64_MAX + 1, 0, &r),
	    MONEY_RANGE);
	ck_assert_int_eq(money_round((__int128)INT64_MIN - 1, 0, &r),
	    MONEY_RANGE);
	ck_assert_int_eq(money_round(max128, 0, &r), MONEY_RANGE);
	ck_assert_int_eq(money_round(min128, 0, &r), MONEY_RANGE);
	ck_assert_int_eq(r, 42);	/* untouched on error */
}
END_TEST

/* Products: the line amount is price x quantity, rounded once. */
static const struct {
	int64_t a, b;
	int digits;
	int64_t r;
} mul_ok[] = {
	{ 25, 1, 1, 3 },			/* 2.5 */
	{ -25, 1, 1, -3 },
	{ 25, -1, 1, -3 },
	{ 24999, 1, 4, 2 },			/* 2.4999 */
	{ -24999, 1, 4, -2 },
	/* $19.99 (1999 cents x 10^6) x 3 (x 10^6) = 5997 cents */
	{ 1999000000, 3000000, 12, 5997 },
	/* 1.5 cents x 1 = 2 cents; a credit of it = -2 */
	{ 1500000, 1000000, 12, 2 },
	{ 1500000, -1000000, 12, -2 },
	/* 1.4999 cents x 1 = 1 cent */
	{ 1499900, 1000000, 12, 1 },
	/* 0.5 cent x 2.5 = 1.25 cents -> 1 */
	{ 500000, 2500000, 12, 1 },
	/* 15% (x 10^6) of 1999 cents = 299.85 -> 300: digits 6 + 2 */
	{ 1999, 15000000, 8, 300 },
	/* EUR 100.00 at 1.0842 USD (x 10^12) = USD 108.42 */
	{ 10000, 1084200000000, 12, 10842 },
	/* JPY 1234 at 0.006543 USD = 8.074062 USD: 807.4062 cents -> 807;
	 * JPY has 0 digits, USD 2, so the rate is scaled by 10^(12 - 2) */
	{ 1234, 6543000000, 10, 807 },
	/* 2^63 x 2^63 = 2^126 = 85.07... x 10^36 */
	{ INT64_MIN, INT64_MIN, 36, 85 },
	{ INT64_MIN, 1, 0, INT64_MIN },
	{ INT64_MAX, -1, 0, -INT64_MAX },
	{ 0, INT64_MIN, 0, 0 },
};

/* Division by any divisor rounds by the same rule as money_round(). */
static const struct {
	int64_t v, d, want;
} div_ok[] = {
	{ 7, 2, 4 },		/* 3.5 -> 4 */
	{ -7, 2, -4 },		/* -3.5 -> -4 */
	{ 7, -2, -4 },
	{ -7, -2, 4 },
	{ 5, 3, 2 },		/* 1.67 */
	{ 4, 3, 1 },		/* 1.33 */
	{ 1, 3, 0 },
	{ -1, 3, 0 },
	{ 0, 9, 0 },
	{ 2, 4, 1 },		/* 0.5 -> 1 */
	{ -2, 4, -1 },
	{ 1, 4, 0 },		/* 0.25 */
	/* velocity: 18 open x 42,000.00 x 6/25 won / (468/6 days), in
	 * cents per day: 18 * 4200000 * 6 * 6 / (25 * 468) = 232615.38 */
	{ (int64_t)18 * 4200000 * 6 * 6, 25 * 468, 232615 },
	/* a ratio to 4 decimals: 25 of 26 = 0.961538 -> 0.9615 */
	{ 25 * 10000, 26, 9615 },
	{ INT64_MAX, 1, INT64_MAX },
	{ INT64_MIN, 1, INT64_MIN },
};

/* Unit prices keep the currency's decimals and drop zeros past them. */
START_TEST(format_keep)
{
	char buf[MONEY_FMT_MAX];

	money_format_trim(buf, 1250000000, 8, 2, '.');	/* 12.50 USD */
	ck_assert_str_eq(buf, "12.50");
	money_format_trim(buf, 12500000, 8, 2, '.');	/* 0.125 USD */
	ck_assert_str_eq(buf, "0.125");
	money_format_trim(buf, 300000000, 8, 2, '.');
	ck_assert_str_eq(buf, "3.00");
	money_format_trim(buf, 3000000, 6, 0, '.');	/* 3 yen */
	ck_assert_str_eq(buf, "3");
	money_format_trim(buf, -1234567, 6, 0, ',');
	ck_assert_str_eq(buf, "-1,234567");
}
END_TEST

/* Figures for a person (the report, invoice documents): the thousands
 * grouped, the decimals trimmed past `keep`, the sign first. */
START_TEST(format_grouped)
{
	char buf[MONEY_GROUPED_MAX];

	money_format_grouped(buf, 162756, 2, 2);
	ck_assert_str_eq(buf, "1,627.56");
	money_format_grouped(buf, -100000, 2, 2);
	ck_assert_str_eq(buf, "-1,000.00");
	money_format_grouped(buf, 99999, 2, 2);
	ck_assert_str_eq(buf, "999.99");
	money_format_grouped(buf, 1234567, 3, 3);	/* KWD */
	ck_assert_str_eq(buf, "1,234.567");
	money_format_grouped(buf, 36000, 0, 0);		/* JPY */
	ck_assert_str_eq(buf, "36,000");
	money_format_grouped(buf, 11333333, 9, 2);	/* a unit price */
	ck_assert_str_eq(buf, "0.011333333");
	money_format_grouped(buf, 1500000000, 6, 0);	/* a quantity */
	ck_assert_str_eq(buf, "1,500");
	money_format_grouped(buf, INT64_MIN, 2, 2);
	ck_assert_str_eq(buf, "-92,233,720,368,547,758.08");
}
END_TEST

START_TEST(div_table)
{
	int64_t got;

	ck_assert_int_eq(money_div(div_ok[_i].v, div_ok[_i].d, &got), MONEY_OK);
	ck_assert_int_eq(got, div_ok[_i].want);
}
END_TEST

START_TEST(div_range)
{
	int64_t got;

	ck_assert_int_eq(money_div((__int128)INT64_MAX * 4, 2, &got),
	    MONEY_RANGE);
	ck_assert_int_eq(money_div((__int128)INT64_MAX * 4, 4, &got),
	    MONEY_OK);
	ck_assert_int_eq(got, INT64_MAX);
}
END_TEST

START_TEST(mul_table)
{
	int64_t r = 42;

	ck_assert_int_eq(money_mul(mul_ok[_i].a, mul_ok[_i].b,
	    mul_ok[_i].digits, &r), MONEY_OK);
	ck_assert_int_eq(r, mul_ok[_i].r);
}
END_TEST

START_TEST(mul_range)
{
	int64_t r = 42;

	ck_assert_int_eq(money_mul(INT64_MAX, 2, 0, &r), MONEY_RANGE);
	ck_assert_int_eq(money_mul(INT64_MIN, -1, 0, &r), MONEY_RANGE);
	ck_assert_int_eq(money_mul(INT64_MIN, INT64_MIN, 18, &r),
	    MONEY_RANGE);
	ck_assert_int_eq(r, 42);
	/* The same product fits once divided far enough. */
	ck_assert_int_eq(money_mul(INT64_MAX, 2, 1, &r), MONEY_OK);
	ck_assert_int_eq(r, 1844674407370955161);	/* ...161.4 */
}
END_TEST

START_TEST(add_checks)
{
	int64_t r = 42;

	ck_assert_int_eq(money_add(1, 2, &r), MONEY_OK);
	ck_assert_int_eq(r, 3);
	ck_assert_int_eq(money_add(-5, 3, &r), MONEY_OK);
	ck_assert_int_eq(r, -2);
	ck_assert_int_eq(money_add(INT64_MIN, INT64_MAX, &r), MONEY_OK);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(money_add(INT64_MAX, 0, &r), MONEY_OK);
	ck_assert_int_eq(r, INT64_MAX);
	ck_assert_int_eq(money_add(INT64_MAX - 1, 1, &r), MONEY_OK);
	ck_assert_int_eq(r, INT64_MAX);
	ck_assert_int_eq(money_add(INT64_MIN + 1, -1, &r), MONEY_OK);
	ck_assert_int_eq(r, INT64_MIN);
	r = 42;
	ck_assert_int_eq(money_add(INT64_MAX, 1, &r), MONEY_RANGE);
	ck_assert_int_eq(money_add(1, INT64_MAX, &r), MONEY_RANGE);
	ck_assert_int_eq(money_add(INT64_MIN, -1, &r), MONEY_RANGE);
	ck_assert_int_eq(money_add(INT64_MIN, INT64_MIN, &r), MONEY_RANGE);
	ck_assert_int_eq(r, 42);
	/* a - b: 2^63 - 1 - (-1) and -2^63 - 1 do not fit */
	ck_assert_int_eq(money_sub(INT64_MAX, -1, &r), MONEY_RANGE);
	ck_assert_int_eq(money_sub(INT64_MIN, 1, &r), MONEY_RANGE);
	ck_assert_int_eq(money_sub(0, INT64_MIN, &r), MONEY_RANGE);
	ck_assert_int_eq(r, 42);
	ck_assert_int_eq(money_sub(-1, INT64_MIN, &r), MONEY_OK);
	ck_assert_int_eq(r, INT64_MAX);
	ck_assert_int_eq(money_sub(INT64_MAX, INT64_MAX, &r), MONEY_OK);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(money_sub(5, 7, &r), MONEY_OK);
	ck_assert_int_eq(r, -2);
}
END_TEST

/* a x b / d in 256 bits, rounded half away from zero, every sign. */
START_TEST(muldiv_exact)
{
	const __int128 e38 = (__int128)10000000000000000000ULL *
	    10000000000000000000ULL;	/* 10^38, near 2^126 */
	int64_t r = 42;

	ck_assert_int_eq(money_muldiv(7, 5, 2, &r), MONEY_OK);	/* 17.5 */
	ck_assert_int_eq(r, 18);
	ck_assert_int_eq(money_muldiv(-7, 5, 2, &r), MONEY_OK);
	ck_assert_int_eq(r, -18);
	ck_assert_int_eq(money_muldiv(7, -5, -2, &r), MONEY_OK);
	ck_assert_int_eq(r, 18);
	ck_assert_int_eq(money_muldiv(7, 5, -2, &r), MONEY_OK);
	ck_assert_int_eq(r, -18);
	ck_assert_int_eq(money_muldiv(0, -5, -2, &r), MONEY_OK);
	ck_assert_int_eq(r, 0);
	/* 10^38 x 10^8 / 10^28 = 10^18: the product is 2^153 */
	ck_assert_int_eq(money_muldiv(e38, 100000000, e38 / 10000000000, &r),
	    MONEY_OK);
	ck_assert_int_eq(r, 1000000000000000000);
	/* a product past 2^64 but within 2^128: (2^63 - 1) x 5 / 10 is
	 * 2^62 - 0.5, half away from zero */
	ck_assert_int_eq(money_muldiv(INT64_MAX, 5, 10, &r), MONEY_OK);
	ck_assert_int_eq(r, 4611686018427387904);
	ck_assert_int_eq(money_muldiv(INT64_MAX, -5, 10, &r), MONEY_OK);
	ck_assert_int_eq(r, -4611686018427387904);
	/* (2^63 - 1) x 3 / 11 = 2515465100960393401 10/11, up; x 7 / 11 =
	 * 5869418568907584604 5/11, down */
	ck_assert_int_eq(money_muldiv(INT64_MAX, 3, 11, &r), MONEY_OK);
	ck_assert_int_eq(r, 2515465100960393402);
	ck_assert_int_eq(money_muldiv(INT64_MAX, 7, 11, &r), MONEY_OK);
	ck_assert_int_eq(r, 5869418568907584604);
	/* the ends of int64 */
	ck_assert_int_eq(money_muldiv(INT64_MAX, 3, 3, &r), MONEY_OK);
	ck_assert_int_eq(r, INT64_MAX);
	ck_assert_int_eq(money_muldiv(INT64_MIN, 3, 3, &r), MONEY_OK);
	ck_assert_int_eq(r, INT64_MIN);
	r = 42;
	ck_assert_int_eq(money_muldiv(INT64_MAX, 2, 1, &r), MONEY_RANGE);
	ck_assert_int_eq(money_muldiv(INT64_MIN, -1, 1, &r), MONEY_RANGE);
	ck_assert_int_eq(money_muldiv(e38, e38, 1, &r), MONEY_RANGE);
	ck_assert_int_eq(r, 42);
}
END_TEST

/* An invoice's two lines of 5 x 10^16.00 are 10^19 cents: past 2^63 - 1
 * = 9223372036854775807; a line of that with a tax of one cent too. */
START_TEST(add_magnitude_checks)
{
	int64_t sum = 0;

	ck_assert_int_eq(money_add_magnitude(&sum, 5000000000000000000),
	    MONEY_OK);
	ck_assert_int_eq(money_add_magnitude(&sum, -4000000000000000000),
	    MONEY_OK);
	ck_assert_int_eq(sum, 9000000000000000000);	/* |a| + |b| */
	ck_assert_int_eq(money_add_magnitude(&sum, 5000000000000000000),
	    MONEY_RANGE);
	ck_assert_int_eq(sum, 9000000000000000000);	/* untouched */
	sum = 0;
	ck_assert_int_eq(money_add_magnitude(&sum, INT64_MAX), MONEY_OK);
	ck_assert_int_eq(money_add_magnitude(&sum, 1), MONEY_RANGE);
	ck_assert_int_eq(money_add_magnitude(&sum, -1), MONEY_RANGE);
	ck_assert_int_eq(money_add_magnitude(&sum, 0), MONEY_OK);
	ck_assert_int_eq(sum, INT64_MAX);
	sum = 0;
	/* |INT64_MIN| is not an int64 */
	ck_assert_int_eq(money_add_magnitude(&sum, INT64_MIN), MONEY_RANGE);
	ck_assert_int_eq(money_add_magnitude(&sum, INT64_MIN + 1), MONEY_OK);
	ck_assert_int_eq(sum, INT64_MAX);
}
END_TEST

/* Splits: the parts, and that they add up, are both checked. */
#define SPLIT_MAX 12
static const struct {
	int64_t total;
	size_t n;
	int64_t w[SPLIT_MAX];
	int64_t parts[SPLIT_MAX];
} split_ok[] = {
	{ 100, 3, { 1, 1, 1 }, { 34, 33, 33 } },
	{ -100, 3, { 1, 1, 1 }, { -34, -33, -33 } },
	/* 10 cents in 3 equal parts */
	{ 10, 3, { 0, 0, 0 }, { 4, 3, 3 } },
	{ -10, 3, { 0, 0, 0 }, { -4, -3, -3 } },
	{ 10, 3, { 5, 5, 5 }, { 4, 3, 3 } },
	/* $1000.00 over 12 months: 8333.33 each, 4 cents left over */
	{ 100000, 12, { 0 }, { 8334, 8334, 8334, 8334, 8333, 8333, 8333, 8333,
	    8333, 8333, 8333, 8333 } },
	/* proration: 21 of 30 days of 3000, then of 9999:
	 * 9999 x 21 / 30 = 6999 r 9, 9999 x 9 / 30 = 2999 r 21 */
	{ 3000, 2, { 21, 9 }, { 2100, 900 } },
	{ 9999, 2, { 21, 9 }, { 6999, 3000 } },
	{ -9999, 2, { 21, 9 }, { -6999, -3000 } },
	/* 100 x 1 / 7 = 14 r 2, x 2 / 7 = 28 r 4, x 4 / 7 = 57 r 1 */
	{ 100, 3, { 1, 2, 4 }, { 14, 29, 57 } },
	{ 10, 4, { 1, 2, 3, 4 }, { 1, 2, 3, 4 } },
	/* ties go to the earlier parts */
	{ 5, 4, { 1, 1, 1, 1 }, { 2, 1, 1, 1 } },
	{ 10, 6, { 1, 1, 1, 1, 1, 1 }, { 2, 2, 2, 2, 1, 1 } },
	{ 7, 10, { 0 }, { 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 } },
	/* weight 0 gets nothing: 100 / 3 = 33 r 1, 200 / 3 = 66 r 2 */
	{ 100, 4, { 0, 1, 0, 2 }, { 0, 33, 0, 67 } },
	{ 0, 3, { 1, 2, 3 }, { 0, 0, 0 } },
	{ 0, 3, { 0, 0, 0 }, { 0, 0, 0 } },
	{ -12345, 1, { 7 }, { -12345 } },
	{ -12345, 1, { 0 }, { -12345 } },
	/* the extremes: 2^63 - 1 = 2 x (2^62 - 1) + 1 */
	{ INT64_MAX, 2, { 1, 1 }, { 4611686018427387904,
	    4611686018427387903 } },
	{ INT64_MIN, 2, { 1, 1 }, { -4611686018427387904,
	    -4611686018427387904 } },
	{ INT64_MIN, 2, { 0, 1 }, { 0, INT64_MIN } },
	/* 2^63 = 3 x 3074457345618258602 + 2 */
	{ INT64_MIN, 3, { 1, 1, 1 }, { -3074457345618258603,
	    -3074457345618258603, -3074457345618258602 } },
	{ 100, 3, { INT64_MAX, INT64_MAX, INT64_MAX }, { 34, 33, 33 } },
	/* 1000 x (2^63 - 1) / 2^63 = 999 r 2^63 - 1000; 1000 x 1 / 2^63 = 0
	 * r 1000 */
	{ 1000, 2, { INT64_MAX, 1 }, { 1000, 0 } },
};

START_TEST(split_table)
{
	int64_t parts[SPLIT_MAX + 1];	/* one more: no write past n */
	__int128 sum = 0;
	size_t i;

	memset(parts, 0x55, sizeof(parts));
	money_split(split_ok[_i].total, split_ok[_i].w, split_ok[_i].n,
	    parts);
	for (i = 0; i < split_ok[_i].n; i++) {
		ck_assert_msg(parts[i] == split_ok[_i].parts[i],
		    "row %d part %zu: %lld, not %lld", _i, i,
		    (long long)parts[i], (long long)split_ok[_i].parts[i]);
		sum += parts[i];
	}
	ck_assert(sum == split_ok[_i].total);
	ck_assert_int_eq(parts[split_ok[_i].n], 0x5555555555555555);
}
END_TEST

/* Many pseudo-random splits: the parts add up, carry the sign of the
 * total, and each is within one unit of its exact share. */
START_TEST(split_properties)
{
	uint64_t seed = 12345;
	int64_t w[40], parts[40], total;
	__int128 sum, wsum, exact;
	size_t n, i;
	int round;

	for (round = 0; round < 2000; round++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = 1 + (seed >> 33) % 40;
		total = (int64_t)(seed >> 20) % 1000000007 - 500000000;
		if (round % 7 == 0)
			total = round % 2 ? INT64_MAX : INT64_MIN;
		wsum = 0;
		for (i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL +
			    1442695040888963407ULL;
			/* Weights below 2^56 keep part x W in 128 bits. */
			w[i] = round % 3 ? (int64_t)(seed >> 40) % 100 :
			    (int64_t)(seed >> 8);
			wsum += w[i];
		}
		money_split(total, w, n, parts);
		sum = 0;
		for (i = 0; i < n; i++) {
			sum += parts[i];
			ck_assert(total >= 0 ? parts[i] >= 0 : parts[i] <= 0);
			if (wsum == 0)
				continue;
			/* |part x W - total x w| < W, in 128 bits. */
			exact = (__int128)parts[i] * wsum -
			    (__int128)total * w[i];
			ck_assert(exact < wsum && -exact < wsum);
		}
		ck_assert(sum == total);
	}
}
END_TEST

/* Formatting. */
static const struct {
	int64_t v;
	int scale;
	char mark;
	const char *s, *trim;
} format_ok[] = {
	{ 0, 2, '.', "0.00", "0" },
	{ 5, 2, '.', "0.05", "0.05" },
	{ -5, 2, '.', "-0.05", "-0.05" },
	{ 50, 2, '.', "0.50", "0.5" },
	{ 100, 2, '.', "1.00", "1" },
	{ 123456, 2, '.', "1234.56", "1234.56" },
	{ -123456, 2, ',', "-1234,56", "-1234,56" },
	{ -1050, 3, '.', "-1.050", "-1.05" },
	{ 7, 0, '.', "7", "7" },
	{ -7, 0, '.', "-7", "-7" },
	{ 0, 0, '.', "0", "0" },
	{ 100, 0, '.', "100", "100" },	/* no decimals: zeros stay */
	{ 99, 0, '.', "99", "99" },
	{ 10, 1, '.', "1.0", "1" },
	{ -99, 1, '.', "-9.9", "-9.9" },
	{ 1234567, 3, '.', "1234.567", "1234.567" },
	{ -12345678, 5, '.', "-123.45678", "-123.45678" },
	{ 12500000, 6, '.', "12.500000", "12.5" },
	{ 3000000, 6, '.', "3.000000", "3" },
	{ 1, 6, '.', "0.000001", "0.000001" },
	{ INT64_MAX, 0, '.', "9223372036854775807", "9223372036854775807" },
	{ INT64_MIN, 0, '.', "-9223372036854775808",
	    "-9223372036854775808" },
	{ INT64_MAX, 2, '.', "92233720368547758.07", "92233720368547758.07" },
	{ INT64_MIN, 2, '.', "-92233720368547758.08",
	    "-92233720368547758.08" },
	{ INT64_MIN, 18, '.', "-9.223372036854775808",
	    "-9.223372036854775808" },
	{ INT64_MIN, 19, '.', "-0.9223372036854775808",
	    "-0.9223372036854775808" },
	{ 1, 18, '.', "0.000000000000000001", "0.000000000000000001" },
	{ INT64_MIN, 36, '.',
	    "-0.000000000000000009223372036854775808",
	    "-0.000000000000000009223372036854775808" },
	{ 1000000000000000000, 36, '.',
	    "0.000000000000000001000000000000000000",
	    "0.000000000000000001" },
};

START_TEST(format_table)
{
	char buf[MONEY_FMT_MAX];
	size_t len;

	len = money_format(buf, format_ok[_i].v, format_ok[_i].scale,
	    format_ok[_i].mark);
	ck_assert_str_eq(buf, format_ok[_i].s);
	ck_assert_uint_eq(len, strlen(buf));
	len = money_format_trim(buf, format_ok[_i].v, format_ok[_i].scale, 0,
	    format_ok[_i].mark);
	ck_assert_str_eq(buf, format_ok[_i].trim);
	ck_assert_uint_eq(len, strlen(buf));
}
END_TEST

/* What money_format() writes, money_parse() reads back, at any scale. */
START_TEST(format_round_trip)
{
	static const int64_t values[] = {
		0, 1, -1, 5, -5, 99, -99, 100, 1999, -1999, 123456789,
		-123456789, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
	};
	static const int scales[] = { 0, 1, 2, 3, 4, 6, 12, 18 };
	char buf[MONEY_FMT_MAX];
	size_t i, j, len;
	int64_t v;

	for (i = 0; i < NELEM(values); i++) {
		for (j = 0; j < NELEM(scales); j++) {
			len = money_format(buf, values[i], scales[j], '.');
			ck_assert_int_eq(money_parse(buf, len, scales[j], '.',
			    &v), MONEY_OK);
			ck_assert_int_eq(v, values[i]);
			len = money_format_trim(buf, values[i], scales[j], 0,
			    ',');
			ck_assert_int_eq(money_parse(buf, len, scales[j], ',',
			    &v), MONEY_OK);
			ck_assert_int_eq(v, values[i]);
		}
	}
}
END_TEST

Suite *
money_suite(void)
{
	Suite *s = suite_create("money");
	TCase *tc;

	tc = tcase_create("currency");
	tcase_add_test(tc, currency_every_code);
	tcase_add_test(tc, currency_unknown);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, parse_accepts, 0, NELEM(parse_ok));
	tcase_add_loop_test(tc, parse_rejects, 0, NELEM(parse_bad));
	tcase_add_test(tc, parse_uses_len);
	tcase_add_test(tc, parse_by_currency);
	tcase_add_test(tc, strerror_phrases);
	suite_add_tcase(s, tc);

	tc = tcase_create("arithmetic");
	tcase_add_loop_test(tc, round_table, 0, NELEM(round_ok));
	tcase_add_test(tc, round_wide);
	tcase_add_loop_test(tc, mul_table, 0, NELEM(mul_ok));
	tcase_add_test(tc, mul_range);
	tcase_add_test(tc, add_checks);
	tcase_add_test(tc, add_magnitude_checks);
	tcase_add_test(tc, muldiv_exact);
	tcase_add_loop_test(tc, div_table, 0, NELEM(div_ok));
	tcase_add_test(tc, div_range);
	tcase_add_test(tc, format_keep);
	tcase_add_test(tc, format_grouped);
	suite_add_tcase(s, tc);

	tc = tcase_create("split");
	tcase_add_loop_test(tc, split_table, 0, NELEM(split_ok));
	tcase_add_test(tc, split_properties);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, format_table, 0, NELEM(format_ok));
	tcase_add_test(tc, format_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
