/*
 * pricing: the price of a line from the price book, the rules it breaks.
 *
 * Scales: quantities and percentages are x 10^6 (money.h), unit prices
 * and costs are minor units x 10^6.  A line's amount before rounding is
 * kept in minor units x 10^12 (quantity x unit price) and rounded once,
 * half away from zero, after the discount: the one rounding of a line.
 *
 * Tiers: tier i (tier_min m_i, sorted ascending) holds the quantities q
 * with m_i - 1 < q <= m_{i+1} - 1, so with tiers at 1 and 11 a quantity
 * of 10 is in the first and 10.5 or 11 in the second.  The models:
 *   flat       the price of the quantity's tier, once, whatever the
 *              quantity (one tier: one price);
 *   per_unit   quantity x the first tier's price;
 *   volume     quantity x the price of the quantity's tier, and that
 *              tier's flat fee;
 *   graduated  each tier prices the units inside it, and adds its flat
 *              fee once it is reached (Stripe's flat_amount, Lago's
 *              flat fee of a range).
 * A tier is reached by a quantity inside it: with a first tier from 1, a
 * quantity of 0 reaches none and costs nothing; from 0, it reaches the
 * first, whose fee is then owed for no use at all.
 *
 * The price book (pricing_book_*) caches the tiers of each sku and
 * currency in effect on one day; pricing_book_open() returns a book the
 * caller releases with pricing_book_close().
 */
#ifndef REVOPS_PRICING_H
#define REVOPS_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include "entity.h"

struct db;		/* db.h */

#define PRICING_TIERS_MAX 64

enum pricing_model { PRICING_FLAT, PRICING_PER_UNIT, PRICING_VOLUME,
    PRICING_GRADUATED };

struct pricing_tier {
	int64_t min;		/* first quantity, x 10^6 */
	int64_t price;		/* minor units x 10^6 */
	int64_t fee;		/* its flat fee, minor units x 10^6; 0 none */
};

/* The model of a name in prices.model, or -1. */
int pricing_model_of(const char *name);
const char *pricing_model_name(enum pricing_model m);

/*
 * The gross amount of a quantity (minor units x 10^12) and the index of
 * the tier it falls in (the highest reached, for graduated; -1 for a
 * quantity in no tier).  Tiers sorted by min, n > 0.
 */
__int128 pricing_gross(enum pricing_model m, const struct pricing_tier *t,
    size_t n, int64_t qty, int *tier);

struct pricing_line {
	int64_t qty;			/* x 10^6 */
	int64_t discount;		/* percent x 10^6 */
	int tier;			/* index, -1 none */
	int64_t list_unit;		/* minor x 10^6: gross / qty */
	int64_t net_unit;		/* minor x 10^6: after the discount */
	int64_t amount;			/* minor: the line, rounded once */
};

/* Prices a line from its gross amount: unit prices to 6 decimals (0 for
 * a quantity of 0), the amount rounded once.  Returns 0, or -1 when a
 * figure overflows or the quantity is negative. */
int pricing_line(__int128 gross, int64_t qty, int64_t discount,
    struct pricing_line *l);

/* Months in a billing period: month 1, quarter 3, year 12; 0 for none. */
int pricing_period_months(const char *period);

/*
 * The one rule for a line's money over time: its gross for a period
 * (quantity x unit price, or priced through tiers: minor units x 10^12)
 * less the discount (percent x 10^6), x num / den of the period, worked
 * out exactly and rounded once, half away from zero.  The line amount is
 * 1/1; a billing period's amount its days / the full period's days; the
 * monthly amount (MRR) 1 / the period's months; the value over a length
 * of months (TCV, RPO) the months / the period's months.  The quote, the
 * billing run and the metrics all come here, so one subscription has one
 * MRR everywhere and a term's value is what billing it collects, never a
 * rounded monthly amount multiplied.  den > 0.  Returns 0, or -1 when it
 * does not fit.
 */
int pricing_recurring(__int128 gross, int64_t discount, int64_t num,
    int64_t den, int64_t *amount);

/* The same in two steps, for a difference of two terms worked out before
 * it is rounded (a change of terms): the net of a gross less a discount,
 * minor units x 10^20, exact (-1 when it does not fit); and the part
 * num / den of a net, rounded once. */
int pricing_net(__int128 gross, int64_t discount, __int128 *net);
int pricing_share(__int128 net, int64_t num, int64_t den, int64_t *amount);

/* ACV: a recurring value over months_num / months_den months, per year
 * (x 12 over the months), rounded once; 0 for no months.  Returns 0, or
 * -1 when it does not fit. */
int pricing_per_year(int64_t value, int64_t months_num, int64_t months_den,
    int64_t *acv);

/* Margin in percent x 100 (2 decimals) of an amount over a cost, rounded
 * once; -1 when the amount is 0. */
int pricing_margin(int64_t amount, int64_t cost, int64_t *pct_x100);

/* ---- the price book ---- */

struct pricing_book;

struct pricing_product {
	char *sku;			/* owned by the book */
	char *family;			/* owned by the book; "" for none */
	char kind[16];			/* one_time, recurring, usage */
	char period[16];		/* month, quarter, year, or "" */
	int recurring, usage;		/* from kind */
	int period_months;		/* pricing_period_months(period) */
	int has_cost;
	int64_t unit_cost;		/* base currency, minor x 10^6 */
	enum pricing_model model;
	struct pricing_tier tier[PRICING_TIERS_MAX];
	size_t ntier;
};

struct pricing_book *pricing_book_open(struct db *db, int32_t day);
void pricing_book_close(struct pricing_book *b);

/*
 * The product and its tiers in `currency` on the book's day.  Returns
 * NULL after writing why (size bytes, PRICING_WHY_MAX holds any): an
 * unknown sku, or no price in that currency on that day.  The result
 * belongs to the book.
 */
#define PRICING_WHY_MAX (ENTITY_ID_MAX + 80)
const struct pricing_product *pricing_book_find(struct pricing_book *b,
    const char *sku, const char *currency, char *why, size_t size);

/* ---- rules ---- */

enum pricing_rule_kind { RULE_MAX_DISCOUNT, RULE_MIN_MARGIN,
    RULE_MAX_TERM };

struct pricing_rule {		/* its strings belong to the rules */
	char *id;
	char *applies_to;	/* "*", "family:NAME", "sku:SKU" */
	enum pricing_rule_kind kind;
	int64_t threshold;	/* x 10^6: percent, or months */
	char *approver;		/* "" for none */
};

struct pricing_rules {
	struct pricing_rule *r;
	size_t n;
};

/* Reads the rules table; the caller releases them with
 * pricing_rules_free(). */
void pricing_rules_load(struct db *db, struct pricing_rules *rules);
void pricing_rules_free(struct pricing_rules *rules);

/*
 * For each kind, the most specific rule that applies to the product (sku,
 * then family, then '*'), and whether the line breaks it: discount above
 * max_discount, margin (percent x 100; has_margin 0 when undefined) below
 * min_margin, term above max_term_months.  Fills broken[] with the rules
 * broken, at most 3; returns how many.
 */
size_t pricing_rules_check(const struct pricing_rules *rules,
    const struct pricing_product *p, int64_t discount, int has_margin,
    int64_t margin_x100, int term_months,
    const struct pricing_rule *broken[3]);

#endif
