/* Pricing by hand: every model on the same tiers, discounts and their
 * rounding, periods, margins, the price book and the rules. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "pricing.h"
#include "suites.h"

extern const char db_schema_sql[];

#define E6 1000000LL
#define USD(cents) ((int64_t)(cents) * E6)	/* a unit price */
#define QTY(n) ((int64_t)(n) * E6)

/* $10.00 for units 1-10, $8.00 for 11-50, $6.00 from 51 on. */
static const struct pricing_tier tiers[] = {
	{ QTY(1), USD(1000) }, { QTY(11), USD(800) }, { QTY(51), USD(600) } };

/* gross is in cents x 10^12 */
static int64_t
cents(enum pricing_model m, int64_t qty, int *tier)
{
	return (int64_t)(pricing_gross(m, tiers, 3, qty, tier) / (E6 * E6));
}

START_TEST(volume_and_graduated)
{
	int t;

	/* 10: the last unit of the first tier; both models agree */
	ck_assert_int_eq(cents(PRICING_VOLUME, QTY(10), &t), 10000);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(cents(PRICING_GRADUATED, QTY(10), &t), 10000);
	/* 11, exactly on the second tier: volume 11 x 8 = 88.00; graduated
	 * 10 x 10 + 1 x 8 = 108.00 */
	ck_assert_int_eq(cents(PRICING_VOLUME, QTY(11), &t), 8800);
	ck_assert_int_eq(t, 1);
	ck_assert_int_eq(cents(PRICING_GRADUATED, QTY(11), &t), 10800);
	ck_assert_int_eq(t, 1);
	/* 30, inside it: 240.00 against 100 + 20 x 8 = 260.00 */
	ck_assert_int_eq(cents(PRICING_VOLUME, QTY(30), &t), 24000);
	ck_assert_int_eq(cents(PRICING_GRADUATED, QTY(30), &t), 26000);
	/* 60, above the last tier's start: 360.00 against 100 + 320 + 60 */
	ck_assert_int_eq(cents(PRICING_VOLUME, QTY(60), &t), 36000);
	ck_assert_int_eq(t, 2);
	ck_assert_int_eq(cents(PRICING_GRADUATED, QTY(60), &t), 48000);
	/* 10.5 is past 10, so in the second tier: 84.00 and 104.00 */
	ck_assert_int_eq(cents(PRICING_VOLUME, 10500000, &t), 8400);
	ck_assert_int_eq(cents(PRICING_GRADUATED, 10500000, &t), 10400);
}
END_TEST

START_TEST(flat_and_per_unit)
{
	static const struct pricing_tier fee[] = { { QTY(1), USD(50000) } };
	int t;

	/* flat: the tier's price once; one tier is one price for any qty */
	ck_assert_int_eq(cents(PRICING_FLAT, QTY(30), &t), 800);
	ck_assert_int_eq((int64_t)(pricing_gross(PRICING_FLAT, fee, 1,
	    QTY(1), &t) / (E6 * E6)), 50000);
	ck_assert_int_eq((int64_t)(pricing_gross(PRICING_FLAT, fee, 1,
	    QTY(250), &t) / (E6 * E6)), 50000);
	/* per_unit: the first tier's price for every unit */
	ck_assert_int_eq(cents(PRICING_PER_UNIT, QTY(30), &t), 30000);
	ck_assert_int_eq(t, 0);
}
END_TEST

START_TEST(discounts_round_once)
{
	struct pricing_line l;
	int t;

	/* 3 x 9.99 at 12.5% off: 29.97 x 0.875 = 26.22375 -> 26.22; net
	 * unit 9.99 x 0.875 = 8.74125 */
	static const struct pricing_tier p999[] = { { QTY(1), USD(999) } };
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, p999, 1,
	    QTY(3), &t), QTY(3), 12500000, &l), 0);
	ck_assert_int_eq(l.amount, 2622);
	ck_assert_int_eq(l.list_unit, 999000000);
	ck_assert_int_eq(l.net_unit, 874125000);
	/* a half cent rounds away from zero: 1 x 0.125 = 12.5 cents -> 13;
	 * at 50% off 6.25 -> 6; 3 x 0.125 = 37.5 -> 38 */
	static const struct pricing_tier p125[] = { { QTY(1), 12500000 } };
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, p125, 1,
	    QTY(1), &t), QTY(1), 0, &l), 0);
	ck_assert_int_eq(l.amount, 13);
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, p125, 1,
	    QTY(1), &t), QTY(1), 50 * E6, &l), 0);
	ck_assert_int_eq(l.amount, 6);
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, p125, 1,
	    QTY(3), &t), QTY(3), 0, &l), 0);
	ck_assert_int_eq(l.amount, 38);
	/* graduated 30 at 10% off: 260.00 x 0.9 = 234.00; average list
	 * unit price 260 / 30 = 8.666667 */
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_GRADUATED, tiers,
	    3, QTY(30), &t), QTY(30), 10 * E6, &l), 0);
	ck_assert_int_eq(l.amount, 23400);
	ck_assert_int_eq(l.list_unit, 866666667);
	/* 100% off is free */
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_GRADUATED, tiers,
	    3, QTY(30), &t), QTY(30), 100 * E6, &l), 0);
	ck_assert_int_eq(l.amount, 0);
}
END_TEST

/* Amounts up to 2^63 - 1 minor units are priced, though gross x discount
 * passes 128 bits: 10^6 x 50,000,000,000.00 = 5 x 10^16.00; at 12.5%
 * off 4.375 x 10^16.00; 10^6 units of the largest price there is,
 * 92,233,720,368.54775807, are 2^63 - 1 cents exactly; one unit more is
 * past it. */
START_TEST(the_largest_amounts)
{
	static const struct pricing_tier big[] = { { QTY(1),
	    USD(5000000000000) } };
	static const struct pricing_tier most[] = { { QTY(1), INT64_MAX } };
	struct pricing_line l;
	int t;

	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, big, 1,
	    QTY(1000000), &t), QTY(1000000), 0, &l), 0);
	ck_assert_int_eq(l.amount, 5000000000000000000);
	ck_assert_int_eq(l.net_unit, USD(5000000000000));
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, big, 1,
	    QTY(1000000), &t), QTY(1000000), 12500000, &l), 0);
	ck_assert_int_eq(l.amount, 4375000000000000000);
	ck_assert_int_eq(l.net_unit, 4375000000000 * E6);
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, most, 1,
	    QTY(1000000), &t), QTY(1000000), 0, &l), 0);
	ck_assert_int_eq(l.amount, INT64_MAX);
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, most, 1,
	    QTY(1000001), &t), QTY(1000001), 0, &l), -1);
}
END_TEST

/* Minor units are the currency's: 3 x 1,234.5 yen = 3,703.5 -> 3,704 yen;
 * 2 x 1.2345 KWD = 2.469 KWD = 2,469 fils. */
START_TEST(other_exponents)
{
	static const struct pricing_tier jpy[] = { { QTY(1), 1234500000 } };
	static const struct pricing_tier kwd[] = { { QTY(1), 1234500000 } };
	struct pricing_line l;
	int t;

	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, jpy, 1,
	    QTY(3), &t), QTY(3), 0, &l), 0);
	ck_assert_int_eq(l.amount, 3704);
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, kwd, 1,
	    QTY(2), &t), QTY(2), 0, &l), 0);
	ck_assert_int_eq(l.amount, 2469);
}
END_TEST

START_TEST(periods_and_margin)
{
	int64_t v;

	ck_assert_int_eq(pricing_period_months("quarter"), 3);
	ck_assert_int_eq(pricing_period_months(""), 0);
	/* 1,200.00 a year is 100.00 a month; 100.00 a quarter 33.33 */
	ck_assert_int_eq(pricing_mrr(120000, 12, &v), 0);
	ck_assert_int_eq(v, 10000);
	ck_assert_int_eq(pricing_mrr(10000, 3, &v), 0);
	ck_assert_int_eq(v, 3333);
	/* 12 months of 100.00 a quarter = 400.00; 18 of 1,200.00 a year */
	ck_assert_int_eq(pricing_term_value(10000, 3, 12, &v), 0);
	ck_assert_int_eq(v, 40000);
	ck_assert_int_eq(pricing_term_value(120000, 12, 18, &v), 0);
	ck_assert_int_eq(v, 180000);
	/* 100.00 against a cost of 37.50: 62.50% */
	ck_assert_int_eq(pricing_margin(10000, 3750, &v), 0);
	ck_assert_int_eq(v, 6250);
	/* 3.00 against 2.00: 33.333..% -> 33.33 */
	ck_assert_int_eq(pricing_margin(300, 200, &v), 0);
	ck_assert_int_eq(v, 3333);
	ck_assert_int_eq(pricing_margin(0, 200, &v), -1);
}
END_TEST

static sqlite3 *
book_db(void)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, db_schema_sql, NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	    "INSERT INTO products (sku, name, family, kind, billing_period, "
	    " unit_cost_micro) VALUES "
	    " ('SEAT', 'Seat', 'core', 'recurring', 'month', 250000000),"
	    " ('ONB', 'Onboarding', 'services', 'one_time', NULL, NULL),"
	    " ('TRAIN', 'Training', 'services', 'one_time', NULL, NULL);"
	    "INSERT INTO prices (sku, currency, model, tier_min_micro, "
	    " unit_price_micro, effective_from, effective_to) VALUES "
	    " ('SEAT', 'USD', 'graduated', 1000000, 1000000000, '2026-01-01',"
	    "  '2026-07-01'),"
	    " ('SEAT', 'USD', 'graduated', 11000000, 800000000, '2026-01-01',"
	    "  '2026-07-01'),"
	    " ('SEAT', 'USD', 'graduated', 1000000, 1200000000, '2026-07-01',"
	    "  NULL),"
	    " ('SEAT', 'EUR', 'volume', 1000000, 900000000, NULL, NULL);"
	    "INSERT INTO rules VALUES "
	    " ('R-1', '*', 'max_discount', 20000000, 'sales_manager'),"
	    " ('R-2', 'family:services', 'max_discount', 10000000, 'vp_sales'),"
	    " ('R-3', 'sku:ONB', 'max_discount', 30000000, 'cfo'),"
	    " ('R-4', '*', 'min_margin', 60000000, 'cfo'),"
	    " ('R-5', '*', 'max_term_months', 36000000, 'cfo');",
	    NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* The price in effect on the day, in the currency asked for. */
START_TEST(book)
{
	sqlite3 *db = book_db();
	struct pricing_book *b;
	const struct pricing_product *p;
	char why[160];

	b = pricing_book_open(db, 20634);	/* 2026-06-30 */
	p = pricing_book_find(b, "SEAT", "USD", why, sizeof(why));
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->model, PRICING_GRADUATED);
	ck_assert_uint_eq(p->ntier, 2);
	ck_assert_int_eq(p->tier[0].price, 1000000000);
	ck_assert_int_eq(p->unit_cost, 250000000);
	p = pricing_book_find(b, "SEAT", "EUR", why, sizeof(why));
	ck_assert_int_eq(p->model, PRICING_VOLUME);
	ck_assert_ptr_null(pricing_book_find(b, "SEAT", "GBP", why,
	    sizeof(why)));
	ck_assert_str_eq(why, "'SEAT' has no price in GBP on 2026-06-30");
	ck_assert_ptr_null(pricing_book_find(b, "NOPE", "USD", why,
	    sizeof(why)));
	ck_assert_str_eq(why, "'NOPE' is not a product");
	pricing_book_close(b);
	b = pricing_book_open(db, 20635);	/* 2026-07-01: the new price */
	p = pricing_book_find(b, "SEAT", "USD", why, sizeof(why));
	ck_assert_uint_eq(p->ntier, 1);
	ck_assert_int_eq(p->tier[0].price, 1200000000);
	pricing_book_close(b);
	sqlite3_close(db);
}
END_TEST

/* Most specific wins, per kind: sku, then family, then '*'. */
START_TEST(rules)
{
	sqlite3 *db = book_db();
	struct pricing_book *b = pricing_book_open(db, 20634);
	struct pricing_rules rules;
	const struct pricing_rule *broken[3];
	const struct pricing_product *seat, *onb, *train;
	char why[160];

	pricing_rules_load(db, &rules);
	ck_assert_uint_eq(rules.n, 5);
	seat = pricing_book_find(b, "SEAT", "USD", why, sizeof(why));
	onb = pricing_book_find(b, "ONB", "USD", why, sizeof(why));
	ck_assert_ptr_null(onb);	/* no price, but the product is known */
	struct pricing_product o = { .sku = "ONB", .family = "services" };
	struct pricing_product t = { .sku = "TRAIN", .family = "services" };
	onb = &o;
	train = &t;
	/* 25% on a seat breaks '*' (20); 20% does not */
	ck_assert_uint_eq(pricing_rules_check(&rules, seat, 25 * E6, 1, 7000,
	    12, broken), 1);
	ck_assert_str_eq(broken[0]->id, "R-1");
	ck_assert_uint_eq(pricing_rules_check(&rules, seat, 20 * E6, 1, 7000,
	    12, broken), 0);
	/* training's family rule (10) wins over '*': 15% breaks it */
	ck_assert_uint_eq(pricing_rules_check(&rules, train, 15 * E6, 1,
	    7000, 12, broken), 1);
	ck_assert_str_eq(broken[0]->id, "R-2");
	ck_assert_str_eq(broken[0]->approver, "vp_sales");
	/* onboarding's own rule (30) wins over its family's: 25% is fine */
	ck_assert_uint_eq(pricing_rules_check(&rules, onb, 25 * E6, 1, 7000,
	    12, broken), 0);
	/* margin 55.00% < 60, term 48 > 36: two reasons */
	ck_assert_uint_eq(pricing_rules_check(&rules, seat, 0, 1, 5500, 48,
	    broken), 2);
	ck_assert_str_eq(broken[0]->id, "R-4");
	ck_assert_str_eq(broken[1]->id, "R-5");
	/* no cost: no margin to judge */
	ck_assert_uint_eq(pricing_rules_check(&rules, seat, 0, 0, 0, 36,
	    broken), 0);
	pricing_rules_free(&rules);
	pricing_book_close(b);
	sqlite3_close(db);
}
END_TEST

Suite *
pricing_suite(void)
{
	Suite *s = suite_create("pricing");
	TCase *tc = tcase_create("models");

	tcase_add_test(tc, volume_and_graduated);
	tcase_add_test(tc, flat_and_per_unit);
	tcase_add_test(tc, discounts_round_once);
	tcase_add_test(tc, the_largest_amounts);
	tcase_add_test(tc, other_exponents);
	tcase_add_test(tc, periods_and_margin);
	tcase_add_test(tc, book);
	tcase_add_test(tc, rules);
	suite_add_tcase(s, tc);
	return s;
}
