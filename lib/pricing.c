#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "money.h"
#include "pricing.h"

#define E6 1000000LL
#define HUNDRED_PCT (100 * E6)

static const char sql_product[] =
    "SELECT family, kind, billing_period, unit_cost_micro FROM products "
    "WHERE sku = ?1";
/* The tiers in effect on a day; where two rows give the same tier, the
 * one that took effect last.  A price of no start (NULL) took effect
 * before any other: NULLS LAST, for a database that sorts NULL high. */
static const char sql_tiers[] =
    "SELECT model, tier_min_micro, unit_price_micro, "
    "coalesce(flat_fee_micro, 0) FROM prices "
    "WHERE sku = ?1 AND currency = ?2 "
    "AND (effective_from IS NULL OR effective_from <= ?3) "
    "AND (effective_to IS NULL OR effective_to > ?3) "
    "ORDER BY tier_min_micro, effective_from DESC NULLS LAST";
static const char sql_rules[] =
    "SELECT rule_id, applies_to, kind, threshold_micro, approver FROM rules "
    "ORDER BY rule_id";

static const char *const model_names[] = { "flat", "per_unit", "volume",
    "graduated" };

int
pricing_model_of(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, model_names[i]) == 0)
			return i;
	return -1;
}

const char *
pricing_model_name(enum pricing_model m)
{
	return model_names[m];
}

/* The tier a quantity falls in: the last with min - 1 < qty. */
static int
tier_of(const struct pricing_tier *t, size_t n, int64_t qty)
{
	int k = -1;

	for (size_t i = 0; i < n; i++)
		if (qty > t[i].min - E6)
			k = (int)i;
	return k;
}

__int128
pricing_gross(enum pricing_model m, const struct pricing_tier *t, size_t n,
    int64_t qty, int *tier)
{
	__int128 sum = 0;

	*tier = tier_of(t, n, qty);
	switch (m) {
	case PRICING_FLAT:
		return *tier < 0 ? 0 : (__int128)t[*tier].price * E6;
	case PRICING_PER_UNIT:
		*tier = 0;
		return (__int128)qty * t[0].price;
	case PRICING_VOLUME:
		return *tier < 0 ? 0 : (__int128)qty * t[*tier].price +
		    (__int128)t[*tier].fee * E6;
	case PRICING_GRADUATED:
		for (int i = 0; i <= *tier; i++) {
			/* a tier from 0 holds no unit below it */
			int64_t lo = t[i].min > E6 ? t[i].min - E6 : 0;
			int64_t hi = (size_t)i + 1 < n ? t[i + 1].min - E6 : qty;

			if (hi > qty)
				hi = qty;
			sum += (__int128)(hi - lo) * t[i].price +
			    (__int128)t[i].fee * E6;
		}
		return sum;
	}
	return 0;
}

int
pricing_line(__int128 gross, int64_t qty, int64_t discount,
    struct pricing_line *l)
{
	int64_t kept = HUNDRED_PCT - discount;	/* percent x 10^6 */

	l->qty = qty;
	l->discount = discount;
	l->list_unit = l->net_unit = 0;	/* of no units: a fee, or nothing */
	if (qty < 0)
		return -1;
	/* gross x kept can pass 128 bits: money_muldiv() takes it whole */
	if (qty > 0 && (money_div(gross, qty, &l->list_unit) != MONEY_OK ||
	    money_muldiv(gross, kept, (__int128)HUNDRED_PCT * qty,
	    &l->net_unit) != MONEY_OK))
		return -1;
	return pricing_recurring(gross, discount, 1, 1, &l->amount);
}

int
pricing_period_months(const char *period)
{
	if (period == NULL)
		return 0;
	if (strcmp(period, "month") == 0)
		return 1;
	if (strcmp(period, "quarter") == 0)
		return 3;
	if (strcmp(period, "year") == 0)
		return 12;
	return 0;
}

int
pricing_net(__int128 gross, int64_t discount, __int128 *net)
{
	return __builtin_mul_overflow(gross, HUNDRED_PCT - (__int128)discount,
	    net) ? -1 : 0;
}

int
pricing_share(__int128 net, int64_t num, int64_t den, int64_t *amount)
{
	if (den <= 0 || __builtin_mul_overflow(net, num, &net))
		return -1;
	return money_div(net, (__int128)HUNDRED_PCT * E6 * E6 * den, amount) ==
	    MONEY_OK ? 0 : -1;
}

int
pricing_recurring(__int128 gross, int64_t discount, int64_t num,
    int64_t den, int64_t *amount)
{
	/* gross x what is kept can pass 128 bits: money_muldiv() takes it
	 * whole */
	if (den <= 0)
		return -1;
	return money_muldiv(gross, (HUNDRED_PCT - (__int128)discount) * num,
	    (__int128)HUNDRED_PCT * E6 * E6 * den, amount) == MONEY_OK ? 0 : -1;
}

int
pricing_per_year(int64_t value, int64_t months_num, int64_t months_den,
    int64_t *acv)
{
	*acv = 0;
	if (months_num == 0)
		return 0;
	return money_div((__int128)value * 12 * months_den, months_num, acv) ==
	    MONEY_OK ? 0 : -1;
}

int
pricing_margin(int64_t amount, int64_t cost, int64_t *pct_x100)
{
	if (amount == 0)
		return -1;
	return money_div((__int128)(amount - cost) * 10000, amount, pct_x100)
	    == MONEY_OK ? 0 : -1;
}

/* ---- the price book -------------------------------------------------------- */

struct book_entry {
	char currency[4];
	struct pricing_product p;
	int found;		/* 0: the reason is in why */
	char why[PRICING_WHY_MAX];
};

struct pricing_book {
	struct db_stmt *product, *tiers;
	char day[DATE_FMT_MAX];
	struct book_entry **slot;	/* open addressing by sku, currency */
	size_t nslot, n;
};

struct pricing_book *
pricing_book_open(struct db *db, int32_t day)
{
	struct pricing_book *b = cli_calloc(1, sizeof(*b));

	b->slot = cli_calloc(256, sizeof(*b->slot));
	b->nslot = 256;
	b->product = db_prepare(db, sql_product);
	b->tiers = db_prepare(db, sql_tiers);
	date_format(b->day, day);
	return b;
}

void
pricing_book_close(struct pricing_book *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nslot; i++)
		if (b->slot[i] != NULL) {
			free(b->slot[i]->p.sku);
			free(b->slot[i]->p.family);
			free(b->slot[i]);
		}
	free(b->slot);
	db_finalize(b->product);
	db_finalize(b->tiers);
	free(b);
}

static size_t
book_hash(const char *sku, const char *currency)
{
	size_t h = 5381;

	for (; *sku; sku++)
		h = h * 33 + (unsigned char)*sku;
	for (; *currency; currency++)
		h = h * 33 + (unsigned char)*currency;
	return h;
}

static struct book_entry **
book_slot(struct pricing_book *b, const char *sku, const char *currency)
{
	size_t i = book_hash(sku, currency) & (b->nslot - 1);

	for (;; i = (i + 1) & (b->nslot - 1)) {
		struct book_entry *e = b->slot[i];

		if (e == NULL || (strcmp(e->p.sku, sku) == 0 &&
		    strcmp(e->currency, currency) == 0))
			return &b->slot[i];
	}
}

static void
book_grow(struct pricing_book *b)
{
	struct book_entry **old = b->slot;
	size_t nold = b->nslot;

	b->nslot *= 2;
	b->slot = cli_calloc(b->nslot, sizeof(*b->slot));
	for (size_t i = 0; i < nold; i++)
		if (old[i] != NULL)
			*book_slot(b, old[i]->p.sku, old[i]->currency) = old[i];
	free(old);
}

static void
book_load(struct pricing_book *b, struct book_entry *e)
{
	struct pricing_product *p = &e->p;
	int rc;

	db_bind_text(b->product, 1, p->sku);
	if ((rc = db_row(b->product))) {
		p->family = cli_strdup(db_text(b->product, 0));
		snprintf(p->kind, sizeof(p->kind), "%s", db_text(b->product, 1));
		snprintf(p->period, sizeof(p->period), "%s",
		    db_text(b->product, 2));
		p->recurring = strcmp(p->kind, "recurring") == 0;
		p->usage = strcmp(p->kind, "usage") == 0;
		p->period_months = pricing_period_months(p->period);
		p->has_cost = !db_null(b->product, 3);
		p->unit_cost = db_int(b->product, 3);
	}
	db_reset(b->product);
	if (!rc) {
		snprintf(e->why, sizeof(e->why), "'%s' is not a product",
		    p->sku);
		return;
	}
	db_bind_text(b->tiers, 1, p->sku);
	db_bind_text(b->tiers, 2, e->currency);
	db_bind_text(b->tiers, 3, b->day);
	while (db_row(b->tiers)) {
		int64_t min = db_int(b->tiers, 1);

		if (p->ntier > 0 && p->tier[p->ntier - 1].min == min)
			continue;	/* an older price of the same tier */
		if (p->ntier == 0)
			p->model = (enum pricing_model)pricing_model_of(
			    db_text(b->tiers, 0));
		else if ((int)p->model != pricing_model_of(db_text(b->tiers, 0))) {
			/* tiers of two models (imported before the import
			 * refused them): refuse rather than misprice */
			p->ntier = 0;
			snprintf(e->why, sizeof(e->why), "'%s' has price tiers "
			    "of more than one model in %s", p->sku, e->currency);
			break;
		}
		if (p->ntier == PRICING_TIERS_MAX) {
			p->ntier = 0;	/* refuse rather than misprice */
			snprintf(e->why, sizeof(e->why), "'%s' has more than %d "
			    "price tiers in %s", p->sku, PRICING_TIERS_MAX,
			    e->currency);
			break;
		}
		p->tier[p->ntier].min = min;
		p->tier[p->ntier].price = db_int(b->tiers, 2);
		p->tier[p->ntier++].fee = db_int(b->tiers, 3);
	}
	db_reset(b->tiers);
	if (e->why[0] != '\0')
		return;
	if (p->ntier == 0 || (int)p->model < 0)
		snprintf(e->why, sizeof(e->why), "'%s' has no price in %s on "
		    "%s", p->sku, e->currency, b->day);
	else
		e->found = 1;
}

const struct pricing_product *
pricing_book_find(struct pricing_book *b, const char *sku,
    const char *currency, char *why, size_t size)
{
	struct book_entry **slot = book_slot(b, sku, currency), *e;

	if (*slot == NULL) {
		e = cli_calloc(1, sizeof(*e));
		e->p.sku = cli_strdup(sku);
		snprintf(e->currency, sizeof(e->currency), "%s", currency);
		book_load(b, e);
		*slot = e;
		if (2 * ++b->n > b->nslot)
			book_grow(b);
		slot = book_slot(b, sku, currency);
	}
	e = *slot;
	if (!e->found) {
		snprintf(why, size, "%s", e->why);
		return NULL;
	}
	return &e->p;
}

/* ---- rules ------------------------------------------------------------------ */

void
pricing_rules_load(struct db *db, struct pricing_rules *rules)
{
	struct db_stmt *st = db_prepare(db, sql_rules);
	size_t cap = 0;

	rules->r = NULL;
	rules->n = 0;
	while (db_row(st)) {
		struct pricing_rule *r;
		const char *kind = db_text(st, 2);

		rules->r = cli_grow(rules->r, &cap, rules->n + 1,
		    sizeof(*rules->r));
		r = &rules->r[rules->n++];
		r->id = cli_strdup(db_text(st, 0));
		r->applies_to = cli_strdup(db_text(st, 1));
		r->kind = strcmp(kind, "max_discount") == 0 ?
		    RULE_MAX_DISCOUNT : strcmp(kind, "min_margin") == 0 ?
		    RULE_MIN_MARGIN : RULE_MAX_TERM;
		r->threshold = db_int(st, 3);
		r->approver = cli_strdup(db_text(st, 4));
	}
	db_finalize(st);
}

void
pricing_rules_free(struct pricing_rules *rules)
{
	for (size_t i = 0; i < rules->n; i++) {
		free(rules->r[i].id);
		free(rules->r[i].applies_to);
		free(rules->r[i].approver);
	}
	free(rules->r);
	rules->r = NULL;
	rules->n = 0;
}

/* 3 for the sku's own rule, 2 for its family's, 1 for '*', 0 for none. */
static int
specificity(const struct pricing_rule *r, const struct pricing_product *p)
{
	if (strcmp(r->applies_to, "*") == 0)
		return 1;
	if (strncmp(r->applies_to, "family:", 7) == 0)
		return p->family != NULL && p->family[0] != '\0' &&
		    strcmp(r->applies_to + 7, p->family) == 0 ? 2 : 0;
	if (strncmp(r->applies_to, "sku:", 4) == 0)
		return strcmp(r->applies_to + 4, p->sku) == 0 ? 3 : 0;
	return 0;
}

size_t
pricing_rules_check(const struct pricing_rules *rules,
    const struct pricing_product *p, int64_t discount, int has_margin,
    int64_t margin_x100, int term_months,
    const struct pricing_rule *broken[3])
{
	size_t nbroken = 0;

	for (int kind = RULE_MAX_DISCOUNT; kind <= RULE_MAX_TERM; kind++) {
		const struct pricing_rule *best = NULL;
		int best_rank = 0, breaks = 0;

		for (size_t i = 0; i < rules->n; i++) {
			int rank;

			if ((int)rules->r[i].kind != kind)
				continue;
			rank = specificity(&rules->r[i], p);
			if (rank > best_rank) {
				best = &rules->r[i];
				best_rank = rank;
			}
		}
		if (best == NULL)
			continue;
		switch (best->kind) {
		case RULE_MAX_DISCOUNT:
			breaks = discount > best->threshold;
			break;
		case RULE_MIN_MARGIN:
			breaks = has_margin && margin_x100 * 10000 <
			    best->threshold;
			break;
		case RULE_MAX_TERM:
			breaks = (int64_t)term_months * E6 > best->threshold;
			break;
		}
		if (breaks)
			broken[nbroken++] = best;
	}
	return nbroken;
}
