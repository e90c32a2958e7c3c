/* Currency conversion arithmetic: one rounding, any pair of exponents. */
#include "fx.h"
#include "suites.h"

#define BASE 1000000000000LL	/* the base currency's own rate */

START_TEST(apply)
{
	int64_t v;

	/* 100.00 EUR at 1.0842 USD = 108.42 USD */
	ck_assert_int_eq(fx_apply(10000, 2, 1084200000000LL, 2, BASE, &v), 0);
	ck_assert_int_eq(v, 10842);
	/* 12.35 EUR at 1.0842 = 13.38987 -> 13.39 */
	ck_assert_int_eq(fx_apply(1235, 2, 1084200000000LL, 2, BASE, &v), 0);
	ck_assert_int_eq(v, 1339);
	/* 500000 JPY at 0.006712345678 USD = 3356.172839 -> 3356.17 */
	ck_assert_int_eq(fx_apply(500000, 0, 6712345678LL, 2, BASE, &v), 0);
	ck_assert_int_eq(v, 335617);
	/* 10.000 KWD at 3.25 USD = 32.50 USD */
	ck_assert_int_eq(fx_apply(10000, 3, 3250000000000LL, 2, BASE, &v), 0);
	ck_assert_int_eq(v, 3250);
	/* 1.00 USD into JPY at 149.5 = 149.5 -> 150 (half away) */
	ck_assert_int_eq(fx_apply(100, 2, 149500000000000LL, 0, BASE, &v), 0);
	ck_assert_int_eq(v, 150);
	/* refunds convert symmetrically: -12.35 EUR -> -13.39 */
	ck_assert_int_eq(fx_apply(-1235, 2, 1084200000000LL, 2, BASE, &v), 0);
	ck_assert_int_eq(v, -1339);
}
END_TEST

/* A report in another currency than the base goes through the base: with
 * EUR at 1.0842 USD and GBP at 1.2650 USD, 100.00 EUR = 108.42 USD =
 * 85.707... GBP -> 85.71 GBP; USD itself: 100.00 USD = 79.05 GBP. */
START_TEST(cross)
{
	int64_t v;

	ck_assert_int_eq(fx_apply(10000, 2, 1084200000000LL, 2,
	    1265000000000LL, &v), 0);
	ck_assert_int_eq(v, 8571);
	ck_assert_int_eq(fx_apply(10000, 2, BASE, 2, 1265000000000LL, &v), 0);
	ck_assert_int_eq(v, 7905);
}
END_TEST

Suite *
fx_suite(void)
{
	Suite *s = suite_create("fx");
	TCase *tc = tcase_create("apply");

	tcase_add_test(tc, apply);
	tcase_add_test(tc, cross);
	suite_add_tcase(s, tc);
	return s;
}
