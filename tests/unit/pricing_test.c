/* Pricing by hand: every model on the same tiers, discounts and their
 * rounding, periods, margins, the price book and the rules. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pricing.h"
#include "suites.h"


#define E6 1000000LL
#define USD(cents) ((int64_t)(cents) * E6)	/* a unit price */
#define QTY(n) ((int64_t)(n) * E6)
#define PRICE(cents) USD(cents)
/* the gross of one unit at a price in cents: minor units x 10^12 */
#define GROSS(cents) ((__int128)(cents) * E6 * E6)

/* $10.00 for units 1-10, $8.00 for 11-50, $6.00 from 51 on. */
static const struct pricing_tier tiers[] = {
	{ QTY(1), USD(1000), 0 }, { QTY(11), USD(800), 0 },
	{ QTY(51), USD(600), 0 } };

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

/*
 * Flat fees (issue 16), Stripe's and Lago's rule: graduated adds the fee
 * of every tier the quantity reaches, volume the fee of the tier it
 * falls in.  5.00 from 1 with a fee of 20.00, 4.00 from 11 with 10.00,
 * 3.00 from 51 with none.
 */
START_TEST(tier_fees)
{
	static const struct pricing_tier fees[] = {
		{ QTY(1), USD(500), USD(2000) },
		{ QTY(11), USD(400), USD(1000) },
		{ QTY(51), USD(300), 0 } };
	/* from 0, 1.00 a unit and a fee of 15.00; 0.10 from 101 */
	static const struct pricing_tier zero[] = {
		{ QTY(0), USD(100), USD(1500) }, { QTY(101), USD(10), 0 } };
	int t;

	/* 10: 10 x 5 + 20 = 70.00 either way */
	ck_assert_int_eq(pricing_gross(PRICING_GRADUATED, fees, 3, QTY(10),
	    &t) / (E6 * E6), 7000);
	ck_assert_int_eq(pricing_gross(PRICING_VOLUME, fees, 3, QTY(10),
	    &t) / (E6 * E6), 7000);
	/* 15: graduated 10 x 5 + 5 x 4 + 20 + 10 = 100.00; volume 15 x 4
	 * + 10 = 70.00 */
	ck_assert_int_eq(pricing_gross(PRICING_GRADUATED, fees, 3, QTY(15),
	    &t) / (E6 * E6), 10000);
	ck_assert_int_eq(t, 1);
	ck_assert_int_eq(pricing_gross(PRICING_VOLUME, fees, 3, QTY(15),
	    &t) / (E6 * E6), 7000);
	/* 60: graduated 50 + 160 + 30 + 30 = 270.00; volume 60 x 3 =
	 * 180.00, its tier has no fee */
	ck_assert_int_eq(pricing_gross(PRICING_GRADUATED, fees, 3, QTY(60),
	    &t) / (E6 * E6), 27000);
	ck_assert_int_eq(pricing_gross(PRICING_VOLUME, fees, 3, QTY(60),
	    &t) / (E6 * E6), 18000);
	/* 0 reaches no tier from 1: nothing */
	ck_assert_int_eq(pricing_gross(PRICING_GRADUATED, fees, 3, 0, &t), 0);
	ck_assert_int_eq(t, -1);
	ck_assert_int_eq(pricing_gross(PRICING_VOLUME, fees, 3, 0, &t), 0);
	/* a tier from 0 holds 0: its fee for no use; 5 units are 5, not 6
	 * (the units from 0 to 5): 5.00 + 15.00; 150 are 100 x 1 + 50 x
	 * 0.10 + 15 = 120.00 */
	ck_assert_int_eq(pricing_gross(PRICING_GRADUATED, zero, 2, 0, &t) /
	    (E6 * E6), 1500);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(pricing_gross(PRICING_GRADUATED, zero, 2, QTY(5),
	    &t) / (E6 * E6), 2000);
	ck_assert_int_eq(pricing_gross(PRICING_GRADUATED, zero, 2, QTY(150),
	    &t) / (E6 * E6), 12000);
	ck_assert_int_eq(pricing_gross(PRICING_VOLUME, zero, 2, 0, &t) /
	    (E6 * E6), 1500);
}
END_TEST

/* No unit, the fee alone: a line of no unit price. */
START_TEST(fee_of_no_units)
{
	static const struct pricing_tier zero[] = {
		{ QTY(0), USD(100), USD(1500) } };
	struct pricing_line l;
	int t;

	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_VOLUME, zero, 1,
	    0, &t), 0, 0, &l), 0);
	ck_assert_int_eq(l.amount, 1500);
	ck_assert_int_eq(l.list_unit, 0);
	ck_assert_int_eq(l.net_unit, 0);
	ck_assert_int_eq(pricing_line(0, -1, 0, &l), -1);
}
END_TEST

START_TEST(flat_and_per_unit)
{
	static const struct pricing_tier fee[] = { { QTY(1), USD(50000), 0 } };
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
	static const struct pricing_tier p999[] = { { QTY(1), USD(999), 0 } };
	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_PER_UNIT, p999, 1,
	    QTY(3), &t), QTY(3), 12500000, &l), 0);
	ck_assert_int_eq(l.amount, 2622);
	ck_assert_int_eq(l.list_unit, 999000000);
	ck_assert_int_eq(l.net_unit, 874125000);
	/* a half cent rounds away from zero: 1 x 0.125 = 12.5 cents -> 13;
	 * at 50% off 6.25 -> 6; 3 x 0.125 = 37.5 -> 38 */
	static const struct pricing_tier p125[] = { { QTY(1), 12500000, 0 } };
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

/*
 * A usage line (issue 12): 150.5 GB on volume tiers 0.20 from 1 and 0.15
 * from 101 all fall in the second tier.  The unit price is the tier's,
 * 0.15 (gross / quantity, the list price), and the amount the gross
 * rounded once: 150.5 x 0.15 = 22.575 -> 22.58, not the amount / the
 * quantity, 0.15003322.
 */
START_TEST(usage_unit_price)
{
	static const struct pricing_tier gb[] = { { QTY(1), USD(20), 0 },
	    { QTY(101), USD(15), 0 } };
	struct pricing_line l;
	int t;

	ck_assert_int_eq(pricing_line(pricing_gross(PRICING_VOLUME, gb, 2,
	    150500000, &t), 150500000, 0, &l), 0);
	ck_assert_int_eq(t, 1);
	ck_assert_int_eq(l.list_unit, 15000000);
	ck_assert_int_eq(l.net_unit, 15000000);
	ck_assert_int_eq(l.amount, 2258);
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
	    USD(5000000000000), 0 } };
	static const struct pricing_tier most[] = { { QTY(1), INT64_MAX, 0 } };
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
	static const struct pricing_tier jpy[] = { { QTY(1), 1234500000, 0 } };
	static const struct pricing_tier kwd[] = { { QTY(1), 1234500000, 0 } };
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

/*
 * A billing period's amount: days of full days of quantity x unit price
 * x (1 - discount), by pricing_recurring(), rounded once.
 */
static int
period_amount(int64_t qty, int64_t price, int64_t discount, int64_t days,
    int64_t full_days, int64_t *a)
{
	return pricing_recurring((__int128)qty * price, discount, days,
	    full_days, a);
}

START_TEST(period_amounts)
{
	int64_t a;

	/* 1 x 10.00 x 21/30 = 1000 x 0.7 = 700 cents */
	ck_assert_int_eq(period_amount(QTY(1), PRICE(1000), 0, 21, 30, &a),
	    0);
	ck_assert_int_eq(a, 700);
	/* 3 x 9.99 = 29.97; x 17/365 = 50949/365 = 139.586... -> 1.40
	 * (365 x 139 = 50735, 214 left, 214/365 > 1/2) */
	ck_assert_int_eq(period_amount(QTY(3), PRICE(999), 0, 17, 365, &a),
	    0);
	ck_assert_int_eq(a, 140);
	/* leap year: 1 x 366.00 x 17/366 = 17.00; common: 365.00 x 17/365 */
	ck_assert_int_eq(period_amount(QTY(1), PRICE(36600), 0, 17, 366,
	    &a), 0);
	ck_assert_int_eq(a, 1700);
	ck_assert_int_eq(period_amount(QTY(1), PRICE(36500), 0, 17, 365,
	    &a), 0);
	ck_assert_int_eq(a, 1700);
	/* a full period: qty x price */
	ck_assert_int_eq(period_amount(QTY(4), PRICE(2500), 0, 31, 31, &a),
	    0);
	ck_assert_int_eq(a, 10000);
	/* 12.5% off a full period: 2997 x 0.875 = 2622.375 -> 26.22 */
	ck_assert_int_eq(period_amount(QTY(3), PRICE(999), 12500000, 30, 30,
	    &a), 0);
	ck_assert_int_eq(a, 2622);
	/* and prorated, rounded once: 2622.375 x 21/30 = 1835.6625 -> 18.36
	 * (rounding 26.22 first would give 1835.4 -> 18.35) */
	ck_assert_int_eq(period_amount(QTY(3), PRICE(999), 12500000, 21, 30,
	    &a), 0);
	ck_assert_int_eq(a, 1836);
	/* 100% off: nothing */
	ck_assert_int_eq(period_amount(QTY(3), PRICE(999), 100000000, 21, 30,
	    &a), 0);
	ck_assert_int_eq(a, 0);
	/* no days: nothing */
	ck_assert_int_eq(period_amount(QTY(3), PRICE(999), 0, 0, 30, &a), 0);
	ck_assert_int_eq(a, 0);
	/* fractional quantity: 2.5 x 1.99 = 497.5 cents -> 4.98 */
	ck_assert_int_eq(period_amount(2500000, PRICE(199), 0, 30, 30, &a),
	    0);
	ck_assert_int_eq(a, 498);
	/* a unit price with more digits: 1000 x 0.001234 = 1.234 -> 1.23 */
	ck_assert_int_eq(period_amount(QTY(1000), 123400, 0, 1, 1, &a), 0);
	ck_assert_int_eq(a, 123);
	/* what a quote can price can be billed: 10^6 x 10^10.00 a month is
	 * 10^16.00, 15 of 30 days at 12.5% off 4.375 x 10^15.00; the most
	 * there is, 10^6 x 92233720368.54775807, is 2^63 - 1 cents */
	ck_assert_int_eq(period_amount(QTY(1000000), PRICE(1000000000000), 0,
	    30, 30, &a), 0);
	ck_assert_int_eq(a, 1000000000000000000);
	ck_assert_int_eq(period_amount(QTY(1000000), PRICE(1000000000000),
	    12500000, 15, 30, &a), 0);
	ck_assert_int_eq(a, 437500000000000000);
	ck_assert_int_eq(period_amount(QTY(1000000), INT64_MAX, 0, 31, 31,
	    &a), 0);
	ck_assert_int_eq(a, INT64_MAX);
	ck_assert_int_eq(period_amount(QTY(1000001), INT64_MAX, 0, 31, 31,
	    &a), -1);
}
END_TEST

START_TEST(period_amounts_round_half_away)
{
	int64_t a;

	/* 1 x 10.01 x 15/30 = 500.5 -> 5.01; negative -> -5.01 */
	ck_assert_int_eq(period_amount(QTY(1), PRICE(1001), 0, 15, 30, &a),
	    0);
	ck_assert_int_eq(a, 501);
	ck_assert_int_eq(period_amount(QTY(-1), PRICE(1001), 0, 15, 30, &a),
	    0);
	ck_assert_int_eq(a, -501);
	ck_assert_int_eq(period_amount(QTY(1), PRICE(-1001), 0, 15, 30, &a),
	    0);
	ck_assert_int_eq(a, -501);
	/* 1 x 0.15 x 1/2 = 7.5 -> 8, -7.5 -> -8 */
	ck_assert_int_eq(period_amount(QTY(1), PRICE(15), 0, 1, 2, &a), 0);
	ck_assert_int_eq(a, 8);
	ck_assert_int_eq(period_amount(QTY(-1), PRICE(15), 0, 1, 2, &a), 0);
	ck_assert_int_eq(a, -8);
	/* either side of a half: 1 x 0.07 x 7/15 = 49/15 = 3.27 -> 0.03
	 * and x 8/15 = 56/15 = 3.73 -> 0.04 */
	ck_assert_int_eq(period_amount(QTY(1), PRICE(7), 0, 7, 15, &a), 0);
	ck_assert_int_eq(a, 3);
	ck_assert_int_eq(period_amount(QTY(1), PRICE(7), 0, 8, 15, &a), 0);
	ck_assert_int_eq(a, 4);
	/* a negative quantity with a discount: -(2997 x 0.875) = -2622.375
	 * -> -26.22 */
	ck_assert_int_eq(period_amount(QTY(-3), PRICE(999), 12500000, 30,
	    30, &a), 0);
	ck_assert_int_eq(a, -2622);
}
END_TEST

START_TEST(period_amounts_that_do_not_fit)
{
	int64_t a;

	/* no days in the full period */
	ck_assert_int_eq(period_amount(QTY(1), PRICE(1000), 0, 0, 0, &a),
	    -1);
	/* qty x price far beyond what an amount can hold */
	ck_assert_int_eq(period_amount(INT64_MAX, INT64_MAX, 0, 1, 1, &a),
	    -1);
	ck_assert_int_eq(period_amount(INT64_MAX, INT64_MIN, 0, 1, 1, &a),
	    -1);
	/* 10^12 units at 10^8 cents: 10^20 cents is over INT64_MAX
	 * (about 9.22 x 10^18) */
	ck_assert_int_eq(period_amount(QTY(1000000000000LL),
	    PRICE(100000000), 0, 1, 1, &a), -1);
	/* 10^6 units at 10^6 cents = 10^12 cents fits; half of it 31/62 */
	ck_assert_int_eq(period_amount(QTY(1000000), PRICE(1000000), 0, 31,
	    62, &a), 0);
	ck_assert_int_eq(a, 500000000000LL);
}
END_TEST

/*
 * One rule, one home (issue 12): a line's period amount, its MRR and its
 * value over a term each come from the gross, rounded once, never from
 * another rounded figure.
 */
START_TEST(one_value_rounded_once)
{
	int64_t v;

	/* 100,000.00 a year over 36 months: 100,000 x 36 / 12 = 300,000.00
	 * (12 x 36 x the MRR 8,333.33 would be 299,999.88) */
	ck_assert_int_eq(pricing_recurring(GROSS(10000000), 0, 1, 12, &v), 0);
	ck_assert_int_eq(v, 833333);
	ck_assert_int_eq(pricing_recurring(GROSS(10000000), 0, 36, 12, &v),
	    0);
	ck_assert_int_eq(v, 30000000);
	/* 100.00 a quarter over 12 months: 100 x 12 / 3 = 400.00 (12 x the
	 * MRR 33.33 would be 399.96) */
	ck_assert_int_eq(pricing_recurring(GROSS(10000), 0, 12, 3, &v), 0);
	ck_assert_int_eq(v, 40000);
	/* 120.0599 a year: MRR 120.0599 / 12 = 10.004991.. -> 10.00 (the
	 * amount rounded first, 120.06 / 12 = 10.005, would give 10.01);
	 * the year itself 120.06 */
	ck_assert_int_eq(pricing_recurring((__int128)QTY(1) * 12005990000LL,
	    0, 1, 12, &v), 0);
	ck_assert_int_eq(v, 1000);
	ck_assert_int_eq(pricing_recurring((__int128)QTY(1) * 12005990000LL, 0,
	    12, 12, &v), 0);
	ck_assert_int_eq(v, 12006);
	/* with a discount: 2 x 199.00 at 12.5% off a year, 348.25; its MRR
	 * 348.25 / 12 = 29.0208.. -> 29.02 */
	ck_assert_int_eq(pricing_recurring((__int128)QTY(2) * PRICE(19900),
	    12500000, 1, 12, &v), 0);
	ck_assert_int_eq(v, 2902);
}
END_TEST

/*
 * A change of terms inside a period billed (issue 12): the difference of
 * the two nets, worked out before it is rounded, x the days left / the
 * days of the period, rounded once.
 */
START_TEST(change_rounded_once)
{
	__int128 was, now;
	int64_t v;

	/* 2 then 3 seats at 199.00 with 12.5% off a year: 348.25, then the
	 * difference 174.125 x 274 / 365 = 130.7130.. -> 130.71 (rounding
	 * each year first, 522.38 - 348.25 = 174.13, gives 130.72) */
	ck_assert_int_eq(pricing_net((__int128)QTY(2) * PRICE(19900), 12500000,
	    &was), 0);
	ck_assert_int_eq(pricing_net((__int128)QTY(3) * PRICE(19900), 12500000,
	    &now), 0);
	ck_assert_int_eq(pricing_share(was, 365, 365, &v), 0);
	ck_assert_int_eq(v, 34825);
	ck_assert_int_eq(pricing_share(now - was, 274, 365, &v), 0);
	ck_assert_int_eq(v, 13071);
	/* 16,000.00 at 33.333333% then 33.3333% off: both years round to
	 * 10,666.67, but the terms differ by 16,000 x 0.00000033 = 0.00528:
	 * 0.01 for the whole year, nothing for 274 days of it (0.00396) */
	ck_assert_int_eq(pricing_net((__int128)QTY(1) * PRICE(1600000),
	    33333333, &was), 0);
	ck_assert_int_eq(pricing_net((__int128)QTY(1) * PRICE(1600000),
	    33333300, &now), 0);
	ck_assert_int_eq(pricing_share(was, 1, 1, &v), 0);
	ck_assert_int_eq(v, 1066667);
	ck_assert_int_eq(pricing_share(now, 1, 1, &v), 0);
	ck_assert_int_eq(v, 1066667);
	ck_assert_int_eq(pricing_share(now - was, 365, 365, &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(pricing_share(now - was, 274, 365, &v), 0);
	ck_assert_int_eq(v, 0);
	/* fewer seats: the difference is negative, rounded away from zero:
	 * -174.125 x 274 / 365 -> -130.71 */
	ck_assert_int_eq(pricing_net((__int128)QTY(3) * PRICE(19900), 12500000,
	    &was), 0);
	ck_assert_int_eq(pricing_net((__int128)QTY(2) * PRICE(19900), 12500000,
	    &now), 0);
	ck_assert_int_eq(pricing_share(now - was, 274, 365, &v), 0);
	ck_assert_int_eq(v, -13071);
	/* a net that does not fit, and no days in the period */
	ck_assert_int_eq(pricing_net((__int128)INT64_MAX * INT64_MAX, 0, &now),
	    -1);
	ck_assert_int_eq(pricing_share(was, 1, 0, &v), -1);
}
END_TEST

/*
 * Days of a period charged again or credited (issue 12): 5 seats at
 * 10.00 a month credited from 10 August, 50.00 x 22 / 31 = 35.48, and
 * the same charged again once the end is taken away; 365.00 a year from
 * 1 April credited from 20 July, 255 of 365 days, 255.00, then charged
 * again for 43 days to a new end on 1 September, 43.00; 31.00 a month
 * charged again from an old end on 20 August, 12 of 31 days, 12.00.
 */
START_TEST(days_again)
{
	int64_t v;

	ck_assert_int_eq(period_amount(QTY(5), PRICE(1000), 0, 22, 31, &v), 0);
	ck_assert_int_eq(v, 3548);
	ck_assert_int_eq(period_amount(QTY(1), PRICE(36500), 0, 255, 365, &v),
	    0);
	ck_assert_int_eq(v, 25500);
	ck_assert_int_eq(period_amount(QTY(1), PRICE(36500), 0, 43, 365, &v),
	    0);
	ck_assert_int_eq(v, 4300);
	ck_assert_int_eq(period_amount(QTY(1), PRICE(3100), 0, 12, 31, &v), 0);
	ck_assert_int_eq(v, 1200);
}
END_TEST

START_TEST(periods_and_margin)
{
	int64_t v;

	ck_assert_int_eq(pricing_period_months("quarter"), 3);
	ck_assert_int_eq(pricing_period_months(""), 0);
	/* 1,200.00 a year is 100.00 a month; 100.00 a quarter 33.33 */
	ck_assert_int_eq(pricing_recurring(GROSS(120000), 0, 1, 12, &v), 0);
	ck_assert_int_eq(v, 10000);
	ck_assert_int_eq(pricing_recurring(GROSS(10000), 0, 1, 3, &v), 0);
	ck_assert_int_eq(v, 3333);
	/* 12 months of 100.00 a quarter = 400.00; 18 of 1,200.00 a year */
	ck_assert_int_eq(pricing_recurring(GROSS(10000), 0, 12, 3, &v), 0);
	ck_assert_int_eq(v, 40000);
	ck_assert_int_eq(pricing_recurring(GROSS(120000), 0, 18, 12, &v), 0);
	ck_assert_int_eq(v, 180000);
	/* ACV: 1,620.00 over six months is 3,240.00 a year; none without
	 * months */
	ck_assert_int_eq(pricing_per_year(162000, 6, 1, &v), 0);
	ck_assert_int_eq(v, 324000);
	ck_assert_int_eq(pricing_per_year(162000, 0, 1, &v), 0);
	ck_assert_int_eq(v, 0);
	/* 100.00 against a cost of 37.50: 62.50% */
	ck_assert_int_eq(pricing_margin(10000, 3750, &v), 0);
	ck_assert_int_eq(v, 6250);
	/* 3.00 against 2.00: 33.333..% -> 33.33 */
	ck_assert_int_eq(pricing_margin(300, 200, &v), 0);
	ck_assert_int_eq(v, 3333);
	ck_assert_int_eq(pricing_margin(0, 200, &v), -1);
}
END_TEST

static struct db *
book_db(void)
{
	struct db *db = test_db(NULL);

	db_exec(db,
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
	    " ('SEAT', 'EUR', 'volume', 1000000, 900000000, NULL, NULL),"
	    " ('SEAT', 'EUR', 'volume', 1000000, 950000000, '2026-07-01',"
	    "  NULL);"
	    "INSERT INTO rules VALUES "
	    " ('R-1', '*', 'max_discount', 20000000, 'sales_manager'),"
	    " ('R-2', 'family:services', 'max_discount', 10000000, 'vp_sales'),"
	    " ('R-3', 'sku:ONB', 'max_discount', 30000000, 'cfo'),"
	    " ('R-4', '*', 'min_margin', 60000000, 'cfo'),"
	    " ('R-5', '*', 'max_term_months', 36000000, 'cfo');");
	return db;
}

/* The price in effect on the day, in the currency asked for; of two
 * prices of one tier, the one that took effect last, and a price of no
 * start took effect before any other (a NULL sorts last whatever the
 * database's rule for NULLs). */
START_TEST(book)
{
	struct db *db = book_db();
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
	ck_assert_uint_eq(p->ntier, 1);
	ck_assert_int_eq(p->tier[0].price, 900000000);
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
	p = pricing_book_find(b, "SEAT", "EUR", why, sizeof(why));
	ck_assert_uint_eq(p->ntier, 1);
	ck_assert_int_eq(p->tier[0].price, 950000000);
	pricing_book_close(b);
	db_close(db);
}
END_TEST

/* Most specific wins, per kind: sku, then family, then '*'. */
START_TEST(rules)
{
	struct db *db = book_db();
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
	db_close(db);
}
END_TEST

Suite *
pricing_suite(void)
{
	Suite *s = suite_create("pricing");
	TCase *tc = tcase_create("models");

	tcase_add_test(tc, volume_and_graduated);
	tcase_add_test(tc, tier_fees);
	tcase_add_test(tc, fee_of_no_units);
	tcase_add_test(tc, flat_and_per_unit);
	tcase_add_test(tc, discounts_round_once);
	tcase_add_test(tc, usage_unit_price);
	tcase_add_test(tc, the_largest_amounts);
	tcase_add_test(tc, other_exponents);
	tcase_add_test(tc, period_amounts);
	tcase_add_test(tc, period_amounts_round_half_away);
	tcase_add_test(tc, period_amounts_that_do_not_fit);
	tcase_add_test(tc, periods_and_margin);
	tcase_add_test(tc, one_value_rounded_once);
	tcase_add_test(tc, change_rounded_once);
	tcase_add_test(tc, days_again);
	tcase_add_test(tc, book);
	tcase_add_test(tc, rules);
	suite_add_tcase(s, tc);
	return s;
}
