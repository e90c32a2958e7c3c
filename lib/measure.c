/*
 * The metrics measured on the database.
 *
 * Each source is read once, in one statement, and its rows are added to
 * the periods and segments they fall in: subscriptions account by account
 * (their MRR, movements, seats, the value of their contracts and what is
 * left to deliver of it), contracts (renewals, bookings), invoice lines,
 * credit notes and payment applications (receivables, one-time margin),
 * and the smaller tables.  Money is converted into the report currency:
 * a subscription's amounts at the rate of its start, as ChartMogul does,
 * so that MRR moves with the business and not with exchange rates;
 * balances and sums of a period at the rate of its last day; a deal at
 * that of its close.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "fx.h"
#include "measure.h"
#include "money.h"
#include "mrr.h"
#include "pipeline.h"
#include "pricing.h"

const char *const measure_segments[] = { "segment", "region", "industry",
    "owner", "currency", NULL };

/* ---- SQL ------------------------------------------------------------------- */

/*
 * %1$s is the segment's expression (a.COLUMN from measure_segments, or
 * NULL), %2$s the join of accounts it needs (or nothing): without
 * --segment the large tables are read without a lookup a row.
 */
static const char sql_segments[] =
    "SELECT DISTINCT %1$s FROM accounts a ORDER BY 1";
static const char sql_products[] =
    "SELECT sku, kind, unit, unit_cost_micro FROM products ORDER BY sku";
/* In the order of their keys, so that the pauses, few, are merged with
 * them as they are read. */
static const char sql_subscriptions[] =
    "SELECT s.account_id, %1$s, s.quantity_micro, s.unit_price_micro, "
    "s.discount_pct_micro, s.currency, s.billing_period, s.start_date, "
    "s.end_date, s.contract_id, s.sku, s.subscription_id "
    "FROM subscriptions s%2$s ORDER BY s.account_id, s.subscription_id";
static const char sql_pauses[] =
    "SELECT account_id, subscription_id, start_date, end_date FROM pauses "
    "ORDER BY account_id, subscription_id, start_date";
static const char sql_contracts[] =
    "SELECT c.contract_id, c.account_id, %1$s, c.start_date, c.end_date, "
    "c.renewal_of, o.ordered_on, op.type FROM contracts c%2$s "
    "LEFT JOIN orders o ON o.order_id = c.order_id "
    "LEFT JOIN quotes q ON q.quote_id = o.quote_id "
    "LEFT JOIN opportunities op ON op.opportunity_id = q.opportunity_id "
    "ORDER BY c.account_id, c.start_date, c.contract_id";
static const char sql_contract_fees[] =
    "SELECT c.contract_id, o.currency, o.ordered_on, sum(ol.amount_minor) "
    "FROM contracts c JOIN orders o ON o.order_id = c.order_id "
    "JOIN order_lines ol ON ol.order_id = o.order_id "
    "AND ol.kind = 'one_time' "
    "GROUP BY c.contract_id, o.currency, o.ordered_on";
/* One-time order lines, and when they were billed: unbilled, they are
 * contracted value not yet recognised. */
static const char sql_unbilled[] =
    "SELECT %1$s, o.currency, o.ordered_on, i.issue_date, ol.amount_minor "
    "FROM order_lines ol JOIN orders o USING (account_id, order_id)%2$s "
    "LEFT JOIN invoices i ON i.invoice_id = ol.invoice_id "
    "WHERE ol.kind = 'one_time'";
static const char sql_first_invoice[] =
    "SELECT min(issue_date) FROM invoices";
/* Invoices, their lines and the payments applied to them, all in
 * invoice order: merged here, a scan each instead of a lookup of the
 * invoice for each line and payment. */
static const char sql_invoices[] =
    "SELECT i.invoice_id, %1$s, i.currency, i.issue_date, i.status "
    "FROM invoices i%2$s ORDER BY i.invoice_id";
static const char sql_invoice_lines[] =
    "SELECT invoice_id, amount_minor, tax_amount_minor, quantity_micro, "
    "sku FROM invoice_lines ORDER BY invoice_id, line_no";
static const char sql_credits[] =
    "SELECT %1$s, i.currency, c.issued_on, "
    "c.amount_minor + c.tax_amount_minor "
    "FROM credit_notes c JOIN invoices i USING (account_id, invoice_id)%2$s "
    "WHERE i.status != 'void'";
/* In invoice order from their index, which holds these columns: merged
 * with the invoices as the lines are (280,000 looked up one by one took
 * 1.3 s of the 3 s of every metric over 36 months). */
static const char sql_applications[] =
    "SELECT invoice_id, applied_on, amount_minor FROM payment_applications "
    "ORDER BY invoice_id";
static const char sql_csat[] =
    "SELECT %1$s, c.responded_on, c.score, "
    "CASE WHEN c.account_id IS NULL THEN 1 ELSE 0 END "
    "FROM csat c LEFT JOIN accounts a USING (account_id)";
static const char sql_users[] =
    "SELECT %1$s, u.activated_on, u.deactivated_on FROM users u%2$s";
static const char sql_opportunities[] =
    "SELECT %1$s, o.amount_minor, o.currency, o.created_on, o.close_date, "
    "s.is_closed, s.is_won FROM opportunities o%2$s "
    "JOIN stages s ON s.stage = o.stage";
static const char sql_spend[] =
    "SELECT month, amount_minor, currency FROM spend";

/* ---- the measurement ----------------------------------------------------- */

#define E6 1000000LL
#define TRAIL_MONTHS 6		/* of monthly churn, behind LTV */

enum booking { BOOK_NEW, BOOK_EXPANSION, BOOK_RENEWAL };

/* What a period and segment adds up besides the MRR sums. */
struct sums {
	int64_t renew_due, renew_done, value_due, value_done;
	int64_t tcv, acv, book[3];
	int64_t rpo, crpo;
	int64_t csat_good, csat_all;
	int64_t users_new, users_active;
	int64_t won, lost, won_amount, cycle_days, open;
	int64_t spend;
	int64_t ot_revenue, ot_cost;
	int64_t receivables, invoiced, countback;
};

struct contract {
	char *id, *account, *renewal_of;
	size_t seg;
	int32_t start, end, signed_on;
	int type;			/* enum booking */
	int renewed;
	int64_t fees;			/* one-time, report currency */
	int64_t value;			/* recurring over the term */
	int64_t arr;			/* at its last day */
};

/* What is invoiced and taken off it (credit notes, payments applied),
 * and sales and marketing spend, per currency, segment and month, before
 * they are converted at the end of each period. */
struct book {
	char cur[4];
	int64_t *invoiced, *reduced;	/* [segment][month] */
	int64_t *ot_revenue;		/* the one-time part of invoiced */
	int64_t *spend;			/* [month]: no segment */
};

struct ledger {
	int32_t first;			/* month of index 0 */
	size_t nmonth;
	struct book book[MONEY_CURRENCIES];
	size_t ncur;
	int64_t *ot_cost;		/* [segment][month], base currency */
};

struct product {
	char *sku;
	int one_time, seats;	/* kind one_time; unit seat or user */
	int64_t unit_cost;	/* base currency, minor x 10^6; 0: none */
};

/* A currency without a rate, and the first day one was wanted. */
struct missing {
	char cur[4];
	int32_t day;
};

struct measure {
	struct db *db;
	const struct measure_opts *o;
	struct metrics_table *t;
	struct mrr *mrr;
	struct fx *fx;
	char base[4];
	char seg_expr[64];
	const char *seg_join;
	size_t np, ns;
	int32_t *pstart, *plast;	/* per period */
	struct sums *x;			/* [period][segment] */
	struct product *prod;		/* by sku */
	size_t nprod, capprod;
	struct contract *c;		/* by account, then start */
	size_t nc, capc, next_c;	/* next_c: of the next account */
	struct contract **by_id;
	struct ledger led;
	struct missing missing[MONEY_CURRENCIES];
	size_t nmissing;
	int overflow;
	char too_large[160];	/* the amount that could not be converted */
	const char *what;		/* measuring() */
	char where[ENTITY_ID_MAX + 1];
	char overflow_at[ENTITY_ID_MAX + 40];	/* where one went past */
};

static struct db_stmt *
prepare(struct measure *m, const char *fmt)
{
	char sql[2048];

	snprintf(sql, sizeof(sql), fmt, m->seg_expr, m->seg_join);
	return db_prepare(m->db, sql);
}

/* Runs one of the statements above and hands each row to fn. */
static void
each_row(struct measure *m, const char *sql,
    void (*fn)(struct measure *, struct db_stmt *))
{
	struct db_stmt *st = prepare(m, sql);

	while (db_row(st))
		fn(m, st);
	db_finalize(st);
}

static struct sums *
sums_of(struct measure *m, size_t period, size_t seg)
{
	return &m->x[period * m->ns + seg];
}

/* What is being measured, for the message of a figure past 64 bits: a
 * kind of row and its id, or a period (what is NULL).  It is noted for
 * each row, and put into words only for that message. */
static void
measuring(struct measure *m, const char *what, const char *name)
{
	size_t n = strnlen(name, sizeof(m->where) - 1);

	m->what = what;
	memcpy(m->where, name, n);
	m->where[n] = '\0';
}

/* The mark that a figure went past 64 bits, and where it first did. */
static void
overflowed(struct measure *m)
{
	if (!m->overflow && m->what != NULL)
		snprintf(m->overflow_at, sizeof(m->overflow_at), "%s '%s'",
		    m->what, m->where);
	else if (!m->overflow)
		snprintf(m->overflow_at, sizeof(m->overflow_at), "%s",
		    m->where);
	m->overflow = 1;
}

/* *sum += v, or the mark that a figure went past 64 bits. */
static void
add(struct measure *m, int64_t *sum, int64_t v)
{
	if (money_add(*sum, v, sum) != MONEY_OK)
		overflowed(m);
}

/* The mark, and what report_failures() says of the first amount that
 * cannot be converted into the report currency. */
static void
too_large(struct measure *m, int64_t amount, const char *currency,
    int32_t day)
{
	const struct currency *c = money_currency(currency, strlen(currency));
	char v[MONEY_FMT_MAX], d[DATE_FMT_MAX];

	if (m->too_large[0] == '\0') {
		money_format(v, amount, c != NULL ? c->exponent : 0, '.');
		date_format(d, day);
		snprintf(m->too_large, sizeof(m->too_large), "%s %s on %s does "
		    "not fit in 64 bits of minor units of %s at that day's "
		    "rates", v, currency, d, fx_currency(m->fx));
	}
	overflowed(m);
}

/* The period a day falls in, or -1. */
static long
period_of(const struct measure *m, int32_t day)
{
	if (day == DATE_NONE || day < m->pstart[0] ||
	    day > m->plast[m->np - 1])
		return -1;
	return (date_month_of(day) - date_month_of(m->pstart[0])) /
	    m->o->months;
}

static int
by_text(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	if (x == NULL || y == NULL)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

/* The segment of a value from the row's column i; SIZE_MAX when it is
 * not one of the accounts' (a row without an account).  An account of
 * no segment (NULL) is in a segment of its own, apart from "". */
static size_t
seg_at(const struct measure *m, struct db_stmt *st, int i)
{
	const char *v = db_null(st, i) ? NULL : db_text(st, i);
	char **hit;

	if (!m->t->has_segment)
		return 0;
	hit = bsearch(&v, m->t->segment, m->ns, sizeof(char *), by_text);
	return hit == NULL ? SIZE_MAX : (size_t)(hit - m->t->segment);
}

/*
 * amount of currency into the report currency at day.  A missing rate is
 * remembered with the first day it was wanted, and reported once at the
 * end: that day says what to import, the thousand after it nothing more.
 */
static int64_t
convert(struct measure *m, int64_t amount, const char *currency,
    int32_t day)
{
	char why[256];
	int64_t v;
	size_t i;

	if (amount == 0)
		return 0;
	if (fx_convert(m->fx, amount, currency, day, &v, why,
	    sizeof(why)) == 0)
		return v;
	if (fx_convert(m->fx, 1, currency, day, &v, why, sizeof(why)) == 0) {
		too_large(m, amount, currency, day);	/* a rate is there */
		return 0;
	}
	for (i = 0; i < m->nmissing; i++)
		if (strcmp(m->missing[i].cur, currency) == 0)
			break;
	if (i == m->nmissing && m->nmissing < MONEY_CURRENCIES) {
		snprintf(m->missing[i].cur, 4, "%s", currency);
		m->missing[m->nmissing++].day = day;
	} else if (i < m->nmissing && day < m->missing[i].day)
		m->missing[i].day = day;
	return 0;
}

/* Reports what went wrong while measuring; 1 when something did. */
static int
report_failures(struct measure *m)
{
	char why[256];
	int64_t v;

	if (mrr_overflowed(m->mrr))
		overflowed(m);
	for (size_t i = 0; i < m->nmissing; i++)
		if (fx_convert(m->fx, 1, m->missing[i].cur, m->missing[i].day,
		    &v, why, sizeof(why)) != 0)
			cli_data_error(NULL, 0, NULL, "%s", why);
	if (m->too_large[0] != '\0')
		cli_data_error(NULL, 0, NULL, "%s", m->too_large);
	else if (m->overflow)
		cli_data_error(NULL, 0, NULL, "%s: a figure is too large for "
		    "64 bits of minor units of %s", m->overflow_at,
		    fx_currency(m->fx));
	return m->nmissing > 0 || m->overflow;
}

/* ---- periods and segments ------------------------------------------------- */


static void
load_segments(struct measure *m)
{
	struct db_stmt *st;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (m->o->segment == NULL) {
		m->t = metrics_table_new(m->np, 1);
		return;
	}
	st = prepare(m, sql_segments);
	while (db_row(st)) {
		v = cli_grow(v, &cap, n + 1, sizeof(*v));
		v[n++] = db_strdup(st, 0);
	}
	db_finalize(st);
	m->t = metrics_table_new(m->np, n ? n : 1);
	m->t->has_segment = 1;
	for (size_t i = 0; i < n; i++)
		m->t->segment[i] = v[i];
	free(v);
	/* SQLite's order of texts (BINARY) is strcmp's, with NULL first */
	qsort(m->t->segment, n, sizeof(char *), by_text);
	m->ns = m->t->nsegment;
}

static void
open_measure(struct measure *m, struct db *db, const struct measure_opts *o)
{
	struct date_fiscal fy = db_fiscal_year(db);
	/* from, back to the start of its quarter or year, and every period
	 * up to the one holding to */
	int32_t first = date_period_first(o->from, o->months, &fy);

	memset(m, 0, sizeof(*m));
	m->db = db;
	m->o = o;
	m->np = (size_t)((o->to - first) / o->months + 1);
	m->ns = 1;
	if (o->segment != NULL) {
		snprintf(m->seg_expr, sizeof(m->seg_expr), "a.%s", o->segment);
		m->seg_join = " JOIN accounts a USING (account_id)";
	} else {
		snprintf(m->seg_expr, sizeof(m->seg_expr), "NULL");
		m->seg_join = "";
	}
	if (db_setting(db, "base_currency", m->base, sizeof(m->base)) == NULL)
		memcpy(m->base, "USD", 4);
	m->fx = fx_open(db, o->currency);
	load_segments(m);
	m->t->exponent = fx_exponent(m->fx);
	m->pstart = cli_calloc(m->np, sizeof(int32_t));
	m->plast = cli_calloc(m->np, sizeof(int32_t));
	for (size_t k = 0; k < m->np; k++) {
		int32_t month = first + (int32_t)k * o->months;

		m->pstart[k] = date_month_start(month);
		m->plast[k] = date_month_start(month + o->months) - 1;
		date_format_period(m->t->period[k], month, o->months, &fy);
	}
	m->x = cli_calloc(m->np * m->ns, sizeof(*m->x));
	m->mrr = mrr_new(first, m->np, o->months, TRAIL_MONTHS, m->ns);
}

static void
close_measure(struct measure *m)
{
	for (size_t i = 0; i < m->nc; i++) {
		free(m->c[i].id);
		free(m->c[i].account);
		free(m->c[i].renewal_of);
	}
	free(m->c);
	free(m->by_id);
	for (size_t i = 0; i < m->nprod; i++)
		free(m->prod[i].sku);
	free(m->prod);
	for (size_t i = 0; i < m->led.ncur; i++) {
		free(m->led.book[i].invoiced);
		free(m->led.book[i].reduced);
		free(m->led.book[i].ot_revenue);
		free(m->led.book[i].spend);
	}
	free(m->led.ot_cost);
	free(m->pstart);
	free(m->plast);
	free(m->x);
	mrr_free(m->mrr);
	fx_close(m->fx);
}

/* ---- merged scans --------------------------------------------------------------- */

/* A statement in the order of its first columns read beside the scan of
 * another in that order: a scan each, instead of a lookup per row. */
struct follower {
	struct db_stmt *st;
	int more;
};

/* Whether the follower's row is of the n keys (its first n columns),
 * once past the rows before them (of nothing in the other scan). */
static int
follows(struct follower *f, const char *const *key, int n)
{
	while (f->more) {
		int c = 0;

		for (int i = 0; i < n && c == 0; i++)
			c = strcmp(db_text(f->st, i), key[i]);
		if (c >= 0)
			return c == 0;
		f->more = db_row(f->st);
	}
	return 0;
}

/* ---- products ------------------------------------------------------------------ */

/* The products are few and every subscription and invoice line names
 * one: they are read once and looked up here. */
static void
product_row(struct measure *m, struct db_stmt *st)
{
	struct product *p;
	const char *kind = db_text(st, 1), *unit = db_text(st, 2);

	m->prod = cli_grow(m->prod, &m->capprod, m->nprod + 1,
	    sizeof(*m->prod));
	p = &m->prod[m->nprod++];
	p->sku = db_strdup(st, 0);
	p->one_time = strcmp(kind, "one_time") == 0;
	p->seats = strcmp(unit, "seat") == 0 || strcmp(unit, "user") == 0;
	p->unit_cost = db_int(st, 3);
}

static int
sku_of(const void *key, const void *elem)
{
	return strcmp(key, ((const struct product *)elem)->sku);
}

static const struct product *
find_product(const struct measure *m, const char *sku)
{
	return m->nprod == 0 ? NULL : bsearch(sku, m->prod, m->nprod,
	    sizeof(*m->prod), sku_of);
}

/* ---- contracts ---------------------------------------------------------------- */

static int
by_contract_id(const void *a, const void *b)
{
	return strcmp((*(struct contract *const *)a)->id,
	    (*(struct contract *const *)b)->id);
}

static int
id_of(const void *key, const void *elem)
{
	return strcmp(key, (*(struct contract *const *)elem)->id);
}

static struct contract *
find_contract(struct measure *m, const char *id)
{
	struct contract **c = id == NULL || m->nc == 0 ? NULL : bsearch(id,
	    m->by_id, m->nc, sizeof(*m->by_id), id_of);

	return c != NULL ? *c : NULL;
}

/*
 * A contract's kind of booking: a renewal when it renews one; else the
 * type of the opportunity it was quoted from ("" for none: a type is
 * never empty); else new for an account's first contract and expansion
 * for a later one.
 */
static int
booking_type(const char *renewal_of, const char *opp_type, int first)
{
	if (renewal_of != NULL)
		return BOOK_RENEWAL;
	if (strcmp(opp_type, "renewal") == 0)
		return BOOK_RENEWAL;
	if (strcmp(opp_type, "expansion") == 0)
		return BOOK_EXPANSION;
	if (*opp_type != '\0')
		return BOOK_NEW;
	return first ? BOOK_NEW : BOOK_EXPANSION;
}

static void
contract_row(struct measure *m, struct db_stmt *st)
{
	struct contract *c;
	const char *account = db_text(st, 1);

	m->c = cli_grow(m->c, &m->capc, m->nc + 1, sizeof(*m->c));
	c = &m->c[m->nc++];
	memset(c, 0, sizeof(*c));
	c->id = db_strdup(st, 0);
	c->account = cli_strdup(account);
	c->seg = seg_at(m, st, 2);
	c->start = db_day(st, 3);
	c->end = db_day(st, 4);
	c->renewal_of = db_strdup(st, 5);
	c->signed_on = db_day(st, 6) != DATE_NONE ? db_day(st, 6) : c->start;
	c->type = booking_type(c->renewal_of, db_text(st, 7), m->nc == 1 ||
	    strcmp(m->c[m->nc - 2].account, account) != 0);
}

static void
fee_row(struct measure *m, struct db_stmt *st)
{
	struct contract *c = find_contract(m, db_text(st, 0));

	if (c != NULL)
		c->fees = convert(m, db_int(st, 3), db_text(st, 1),
		    db_day(st, 2));
}

static void
load_contracts(struct measure *m)
{
	each_row(m, sql_contracts, contract_row);
	m->by_id = cli_calloc(m->nc, sizeof(*m->by_id));
	for (size_t i = 0; i < m->nc; i++)
		m->by_id[i] = &m->c[i];
	qsort(m->by_id, m->nc, sizeof(*m->by_id), by_contract_id);
	for (size_t i = 0; i < m->nc; i++) {
		struct contract *r = find_contract(m, m->c[i].renewal_of);

		if (r != NULL)
			r->renewed = 1;
	}
	each_row(m, sql_contract_fees, fee_row);
}

/* Renewals, bookings, TCV and ACV by the period of each contract. */
static void
add_contracts(struct measure *m)
{
	for (size_t i = 0; i < m->nc; i++) {
		struct contract *c = &m->c[i];
		int64_t acv;
		long k;

		if (c->seg == SIZE_MAX)
			continue;
		measuring(m, "contract", c->id);
		if ((k = period_of(m, c->end - 1)) >= 0) {
			struct sums *x = sums_of(m, (size_t)k, c->seg);

			x->renew_due++;
			add(m, &x->value_due, c->arr);
			if (c->renewed) {
				x->renew_done++;
				add(m, &x->value_done, c->arr);
			}
		}
		if ((k = period_of(m, c->signed_on)) >= 0) {
			struct sums *x = sums_of(m, (size_t)k, c->seg);
			int64_t tcv = c->value;

			add(m, &tcv, c->fees);
			if (metrics_acv(c->value, c->start, c->end, &acv) != 0)
				overflowed(m);
			add(m, &x->tcv, tcv);
			add(m, &x->acv, acv);
			add(m, &x->book[c->type], tcv);
		}
	}
}

/* ---- subscriptions ------------------------------------------------------------ */

/* What a subscription is worth over a length of time is worked out from
 * its terms (pricing_recurring()), in its own currency, then converted as
 * its MRR is: never from its rounded MRR. */
struct terms {
	__int128 gross;		/* quantity x unit price */
	int64_t discount;
	int months;		/* of its billing period */
	char currency[4];
};

struct account {
	char *id;
	size_t idcap;
	size_t seg;
	struct mrr_sub *sub;
	struct terms *terms;		/* of each sub */
	struct contract **contract;	/* of each sub, or NULL */
	size_t n, cap;
	struct mrr_pause *pause;	/* of the subs, in their order */
	size_t npause, cappause;
};

/* The value of subscription s over [from, to) in the report currency. */
static int64_t
value_over(struct measure *m, const struct mrr_sub *s,
    const struct terms *t, int32_t from, int32_t to)
{
	int64_t v;

	if (metrics_value_over(t->gross, t->discount, t->months, from, to,
	    &v) != 0) {
		overflowed(m);
		return 0;
	}
	return convert(m, v, t->currency, s->start);
}

/*
 * What is left to deliver of a subscription after each period's last
 * day, up to the end it is committed to (its contract's, or its own);
 * cRPO the part of it within twelve months.  The day after a period is
 * the first of a month, so the months left are whole months to the end's
 * month and its days before the end over that month's days, without
 * walking the calendar for each of hundreds of thousands of subscriptions
 * and dozens of periods.
 */
static void
add_remaining(struct measure *m, size_t seg, const struct mrr_sub *s,
    const struct terms *t, const struct contract *c)
{
	int32_t until = s->end, sold = c != NULL ? c->signed_on : s->start;
	int64_t v, year_v, whole;
	int y, mo, d, dim;

	if (c != NULL && (until == DATE_NONE || c->end < until))
		until = c->end;
	if (until == DATE_NONE)
		return;
	date_to_ymd(until, &y, &mo, &d);
	dim = date_days_in_month(y, mo);
	for (size_t k = 0; k < m->np; k++) {
		int32_t from = m->plast[k] + 1, year;
		struct sums *x = sums_of(m, k, seg);

		if (from >= until)
			break;
		if (sold > m->plast[k])
			continue;	/* not sold yet */
		if (s->start > from) {
			/* the calendar may end first */
			if (date_add_months(from, 12, &year) != 0)
				year = DATE_END;
			v = value_over(m, s, t, s->start, until);
			year_v = value_over(m, s, t, s->start, until < year ?
			    until : year);
		} else {
			whole = date_month_of(until) - date_month_of(from);
			v = year_v = 0;
			if (pricing_recurring(t->gross, t->discount, whole *
			    dim + d - 1, (int64_t)dim * t->months, &v) != 0 ||
			    (whole >= 12 && pricing_recurring(t->gross,
			    t->discount, 12, t->months, &year_v) != 0))
				overflowed(m);
			v = convert(m, v, t->currency, s->start);
			year_v = whole < 12 ? v : convert(m, year_v,
			    t->currency, s->start);
		}
		add(m, &x->rpo, v);
		add(m, &x->crpo, year_v);
	}
}

/*
 * The contracts of the account: those of the accounts before it in
 * order had no subscriptions; its own are renewed when it still pays on
 * their end date.
 */
static void
account_contracts(struct measure *m, const struct account *a)
{
	while (m->next_c < m->nc && strcmp(m->c[m->next_c].account,
	    a->id) < 0)
		m->next_c++;
	for (; m->next_c < m->nc && strcmp(m->c[m->next_c].account,
	    a->id) == 0; m->next_c++) {
		struct contract *c = &m->c[m->next_c];

		if (!c->renewed && mrr_at(a->sub, a->n, c->end) > 0)
			c->renewed = 1;
	}
}

static void
end_account(struct measure *m, struct account *a)
{
	measuring(m, "account", a->id);
	if (a->seg != SIZE_MAX)
		mrr_add(m->mrr, a->seg, a->sub, a->n, NULL);
	if (mrr_overflowed(m->mrr))
		overflowed(m);
	account_contracts(m, a);
	for (size_t i = 0; i < a->n; i++) {
		struct contract *c = a->contract[i];
		const struct mrr_sub *s = &a->sub[i];
		int32_t from, to;
		int64_t v;

		if (a->seg != SIZE_MAX)
			add_remaining(m, a->seg, s, &a->terms[i], c);
		if (c == NULL)
			continue;
		from = s->start > c->start ? s->start : c->start;
		to = s->end != DATE_NONE && s->end < c->end ? s->end : c->end;
		add(m, &c->value, value_over(m, s, &a->terms[i], from, to));
		if (mrr_active(s, c->end - 1)) {
			if (money_mul(s->mrr, 12, 0, &v) != MONEY_OK)
				overflowed(m);
			add(m, &c->arr, v);
		}
	}
}

static struct mrr_sub *
next_sub(struct account *a)
{
	if (a->n == a->cap) {
		a->sub = cli_grow(a->sub, &a->cap, a->n + 1, sizeof(*a->sub));
		a->terms = cli_realloc(a->terms, a->cap, sizeof(*a->terms));
		a->contract = cli_realloc(a->contract, a->cap,
		    sizeof(*a->contract));
	}
	return &a->sub[a->n++];
}

static void
set_id(struct account *a, const char *id)
{
	size_t len = strlen(id) + 1;

	a->id = cli_grow(a->id, &a->idcap, len, 1);
	memcpy(a->id, id, len);
}

/* A subscription's terms, and its monthly amount and cost in the report
 * currency. */
static void
sub_amounts(struct measure *m, struct db_stmt *st, struct mrr_sub *s,
    struct terms *t)
{
	int64_t qty = db_int(st, 2), mrr = 0, cost = 0;
	const struct product *p = find_product(m, db_text(st, 10));

	t->gross = (__int128)qty * db_int(st, 3);
	t->discount = db_int(st, 4);
	t->months = pricing_period_months(db_text(st, 6));
	snprintf(t->currency, sizeof(t->currency), "%s", db_text(st, 5));
	if (t->months <= 0 || pricing_recurring(t->gross, t->discount, 1,
	    t->months, &mrr) != 0 || (p != NULL && pricing_recurring(
	    (__int128)qty * p->unit_cost, 0, 1, t->months, &cost) != 0))
		overflowed(m);
	s->mrr = convert(m, mrr, db_text(st, 5), s->start);
	s->cost = convert(m, cost, m->base, s->start);
	s->seats = p != NULL && p->seats ? qty : 0;
}

/*
 * The pauses of the subscription of the row st, from the follower.  A
 * pause that runs into the subscription's end is its end: the customer
 * who pauses and then cancels has churned, on the day of the pause, not
 * contracted for good.
 */
static void
read_pauses(struct account *a, struct mrr_sub *s, struct db_stmt *st,
    struct follower *p)
{
	const char *key[] = { db_text(st, 0), db_text(st, 11) };

	s->pause = NULL;
	s->npause = 0;
	for (; follows(p, key, 2); p->more = db_row(p->st)) {
		int32_t start = db_day(p->st, 2), end = db_day(p->st, 3);

		if (s->end != DATE_NONE && (end == DATE_NONE || end >= s->end)) {
			if (start < s->end)
				s->end = start;
			continue;
		}
		a->pause = cli_grow(a->pause, &a->cappause, a->npause + 1,
		    sizeof(*a->pause));
		a->pause[a->npause].start = start;
		a->pause[a->npause++].end = end;
		s->npause++;
	}
}

/* Each subscription's pauses, once the account's have stopped moving. */
static void
link_pauses(struct account *a)
{
	const struct mrr_pause *p = a->pause;

	for (size_t i = 0; i < a->n; i++) {
		a->sub[i].pause = p;
		p += a->sub[i].npause;
	}
}

static void
end_of_account(struct measure *m, struct account *a,
    void (*each)(struct measure *, struct account *, void *), void *arg)
{
	link_pauses(a);
	each(m, a, arg);
	a->n = 0;
	a->npause = 0;
}

/* Reads the subscriptions account by account, with their pauses; each()
 * gets every account with its subscriptions, then forgets them. */
static void
read_subscriptions(struct measure *m,
    void (*each)(struct measure *, struct account *, void *), void *arg)
{
	struct db_stmt *st = prepare(m, sql_subscriptions);
	struct follower p = { db_prepare(m->db, sql_pauses), 0 };
	struct account a = { .n = 0 };

	p.more = db_row(p.st);
	while (db_row(st)) {
		const char *id = db_text(st, 0);
		struct mrr_sub *s;

		if (a.n > 0 && strcmp(id, a.id) != 0)
			end_of_account(m, &a, each, arg);
		if (a.n == 0) {
			set_id(&a, id);
			a.seg = seg_at(m, st, 1);
		}
		measuring(m, "account", id);
		s = next_sub(&a);
		s->start = db_day(st, 7);
		s->end = db_day(st, 8);
		a.contract[a.n - 1] = db_null(st, 9) ? NULL :
		    find_contract(m, db_text(st, 9));
		sub_amounts(m, st, s, &a.terms[a.n - 1]);
		read_pauses(&a, s, st, &p);
	}
	if (a.n > 0)
		end_of_account(m, &a, each, arg);
	db_finalize(p.st);
	db_finalize(st);
	free(a.id);
	free(a.sub);
	free(a.terms);
	free(a.contract);
	free(a.pause);
}

static void
each_account(struct measure *m, struct account *a, void *arg)
{
	(void)arg;
	end_account(m, a);
}

/* ---- receivables ---------------------------------------------------------------- */

static struct book *
book_of(struct measure *m, const char *code)
{
	struct ledger *l = &m->led;
	struct book *b;
	size_t n = m->ns * l->nmonth;

	for (size_t i = 0; i < l->ncur; i++)
		if (strcmp(l->book[i].cur, code) == 0)
			return &l->book[i];
	if (l->ncur == MONEY_CURRENCIES)
		cli_die(CLI_EDATA, "more than %d currencies", MONEY_CURRENCIES);
	b = &l->book[l->ncur++];
	snprintf(b->cur, sizeof(b->cur), "%s", code);
	b->invoiced = cli_calloc(n, sizeof(int64_t));
	b->reduced = cli_calloc(n, sizeof(int64_t));
	b->ot_revenue = cli_calloc(n, sizeof(int64_t));
	b->spend = cli_calloc(l->nmonth, sizeof(int64_t));
	return b;
}

/* The ledger's index of a segment and day: days before its first month
 * count in it (balances carried in), days after the last period nowhere
 * (-1). */
static long
ledger_index(const struct measure *m, size_t seg, int32_t day)
{
	const struct ledger *l = &m->led;
	int64_t i;

	if (seg == SIZE_MAX || day == DATE_NONE)
		return -1;
	i = date_month_of(day) - l->first;
	if (i >= (int64_t)l->nmonth)
		return -1;
	return (long)(seg * l->nmonth + (size_t)(i < 0 ? 0 : i));
}

static void
open_ledger(struct measure *m)
{
	struct ledger *l = &m->led;
	struct db_stmt *st = db_prepare(m->db, sql_first_invoice);
	int32_t last = date_month_of(m->plast[m->np - 1]);

	l->first = date_month_of(m->pstart[0]);
	if (db_row(st) && db_day(st, 0) != DATE_NONE &&
	    date_month_of(db_day(st, 0)) < l->first)
		l->first = date_month_of(db_day(st, 0));
	db_finalize(st);
	l->nmonth = (size_t)(last - l->first + 1);
	l->ot_cost = cli_calloc(m->ns * l->nmonth, sizeof(int64_t));
}

static void
invoice_line(struct measure *m, struct book *b, long i, struct db_stmt *st)
{
	const struct product *p;
	int64_t amount = db_int(st, 1), cost = 0;

	add(m, &b->invoiced[i], amount);
	add(m, &b->invoiced[i], db_int(st, 2));
	if (db_null(st, 4) || (p = find_product(m, db_text(st, 4))) == NULL ||
	    !p->one_time)
		return;
	add(m, &b->ot_revenue[i], amount);
	/* unit cost x quantity, in the base currency */
	if (pricing_recurring((__int128)db_int(st, 3) * p->unit_cost, 0, 1, 1,
	    &cost) != 0)
		overflowed(m);
	add(m, &m->led.ot_cost[i], cost);
}

/*
 * Each invoice but a void one: its lines on its day, and the payments
 * applied to it on theirs, in its segment and currency.  The lines, the
 * most rows, are the last of the three begun: on a connection that runs
 * one statement at a time (PostgreSQL's), the rows left of those begun
 * before are read into memory as the next begins, and the last comes as
 * it is read (the lines first: 200,000 read so in 120 ms of the ledger's
 * 210, at scale 0.2).
 */
static void
read_invoices(struct measure *m)
{
	struct db_stmt *inv = prepare(m, sql_invoices);
	struct follower lines = { db_prepare(m->db, sql_invoice_lines), 0 };
	struct follower paid = { db_prepare(m->db, sql_applications), 0 };
	int more;

	paid.more = db_row(paid.st);
	more = db_row(inv);
	lines.more = db_row(lines.st);
	for (; more; more = db_row(inv)) {
		const char *id = db_text(inv, 0), *key[] = { id };
		size_t seg;
		long i;

		if (strcmp(db_text(inv, 4), "void") == 0)
			continue;
		measuring(m, "invoice", id);
		seg = seg_at(m, inv, 1);
		i = ledger_index(m, seg, db_day(inv, 3));
		for (; follows(&lines, key, 1); lines.more = db_row(lines.st))
			if (i >= 0)
				invoice_line(m, book_of(m, db_text(inv, 2)), i,
				    lines.st);
		for (; follows(&paid, key, 1); paid.more = db_row(paid.st))
			if ((i = ledger_index(m, seg, db_day(paid.st, 1))) >= 0)
				add(m, &book_of(m, db_text(inv, 2))->reduced[i],
				    db_int(paid.st, 2));
	}
	db_finalize(paid.st);
	db_finalize(lines.st);
	db_finalize(inv);
}

/* Credit notes reduce the receivables. */
static void
credit_row(struct measure *m, struct db_stmt *st)
{
	long i = ledger_index(m, seg_at(m, st, 0), db_day(st, 2));

	if (i >= 0)
		add(m, &book_of(m, db_text(st, 1))->reduced[i],
		    db_int(st, 3));
}

/* Spend belongs to no account: it counts only without --segment. */
static void
spend_row(struct measure *m, struct db_stmt *st)
{
	int32_t month;
	long i;

	if (m->t->has_segment || date_parse_month(db_text(st, 0), 7,
	    &month) != 0 ||
	    period_of(m, date_month_start(month)) < 0 ||
	    (i = ledger_index(m, 0, date_month_start(month))) < 0)
		return;
	add(m, &book_of(m, db_text(st, 2))->spend[i], db_int(st, 1));
}

/*
 * At each period's end, per currency converted at its rate: the
 * receivables, what was invoiced in the period and each month before it
 * (for DSO by countback), the one-time revenue, and the spend; the
 * one-time cost from the base currency.  Each a sum first, then one
 * conversion.  The months are gone through once a segment, not once a
 * period (which made the metrics of 24,000 months take minutes): the
 * receivables run on from the period before, and the countback is given
 * the months invoiced in, with each run of months between them as one of
 * their days, which it counts whole as it would each of them.
 */
static void
add_ledger(struct measure *m)
{
	struct ledger *l = &m->led;
	size_t n = l->nmonth;
	int64_t *upto = cli_calloc(n + 1, sizeof(int64_t));	/* days */
	size_t *billed = cli_calloc(n ? n : 1, sizeof(size_t));
	int64_t *back = cli_calloc(2 * n + 1, sizeof(int64_t));
	int32_t *days = cli_calloc(2 * n + 1, sizeof(int32_t));
	int64_t open[MONEY_CURRENCIES];

	for (size_t i = 0; i < n; i++) {
		int y, mo, d;

		date_to_ymd(date_month_start(l->first + (int32_t)i), &y, &mo,
		    &d);
		upto[i + 1] = upto[i] + date_days_in_month(y, mo);
	}
	for (size_t s = 0; s < m->ns; s++) {
		size_t at = s * n, nbilled = 0, done = 0;

		memset(open, 0, sizeof(open));
		for (size_t i = 0; i < n; i++)
			for (size_t c = 0; c < l->ncur; c++)
				if (l->book[c].invoiced[at + i] != 0) {
					billed[nbilled++] = i;
					break;
				}
		for (size_t k = 0; k < m->np; k++) {
			struct sums *x = sums_of(m, k, s);
			int32_t e = m->plast[k];
			size_t last = (size_t)(date_month_of(e) - l->first);
			size_t first = last + 1 - (size_t)m->o->months;
			size_t nb = 0, j = nbilled, top = last + 1;
			int64_t cost = 0;

			measuring(m, NULL, m->t->period[k]);
			for (; done <= last; done++)
				for (size_t c = 0; c < l->ncur; c++) {
					const struct book *b = &l->book[c];
					size_t i = at + done;

					add(m, &open[c], b->invoiced[i]);
					add(m, &open[c], -b->reduced[i]);
				}
			for (size_t c = 0; c < l->ncur; c++) {
				const struct book *b = &l->book[c];
				int64_t period = 0, rev = 0, spend = 0;

				for (size_t i = first; i <= last; i++) {
					add(m, &period, b->invoiced[at + i]);
					add(m, &rev, b->ot_revenue[at + i]);
					if (s == 0)
						add(m, &spend, b->spend[i]);
				}
				add(m, &x->receivables, convert(m, open[c],
				    b->cur, e));
				add(m, &x->invoiced, convert(m, period,
				    b->cur, e));
				add(m, &x->ot_revenue, convert(m, rev,
				    b->cur, e));
				add(m, &x->spend, convert(m, spend, b->cur, e));
			}
			for (size_t i = first; i <= last; i++)
				add(m, &cost, l->ot_cost[at + i]);
			add(m, &x->ot_cost, convert(m, cost, m->base, e));
			/* from the latest back */
			while (j > 0 && billed[j - 1] > last)
				j--;
			while (j > 0) {
				size_t i = billed[--j];

				if (top > i + 1) {
					back[nb] = 0;
					days[nb++] = (int32_t)(upto[top] -
					    upto[i + 1]);
				}
				back[nb] = 0;
				for (size_t c = 0; c < l->ncur; c++)
					add(m, &back[nb], convert(m,
					    l->book[c].invoiced[at + i],
					    l->book[c].cur, e));
				days[nb++] = (int32_t)(upto[i + 1] - upto[i]);
				top = i;
			}
			if (top > 0) {
				back[nb] = 0;
				days[nb++] = (int32_t)upto[top];
			}
			x->countback = metrics_dso_countback(x->receivables,
			    back, days, nb);
		}
	}
	free(upto);
	free(billed);
	free(back);
	free(days);
}

/* ---- the smaller sources ----------------------------------------------------- */

static void
unbilled_row(struct measure *m, struct db_stmt *st)
{
	size_t seg = seg_at(m, st, 0);
	int32_t ordered = db_day(st, 2), billed = db_day(st, 3);
	int64_t v;

	if (seg == SIZE_MAX)
		return;
	v = convert(m, db_int(st, 4), db_text(st, 1), ordered);
	for (size_t k = 0; k < m->np; k++) {
		int32_t e = m->plast[k];

		if (ordered > e || (billed != DATE_NONE && billed <= e))
			continue;
		add(m, &sums_of(m, k, seg)->rpo, v);
		add(m, &sums_of(m, k, seg)->crpo, v);
	}
}

static void
csat_row(struct measure *m, struct db_stmt *st)
{
	size_t seg = seg_at(m, st, 0);
	long k = period_of(m, db_day(st, 1));
	struct sums *x;

	/* a response of no account is in no segment */
	if (k < 0 || seg == SIZE_MAX || (m->t->has_segment &&
	    db_int(st, 3)))
		return;
	x = sums_of(m, (size_t)k, seg);
	x->csat_all++;
	x->csat_good += db_int(st, 2) >= 4;
}

static void
user_row(struct measure *m, struct db_stmt *st)
{
	size_t seg = seg_at(m, st, 0);
	int32_t on = db_day(st, 1), off = db_day(st, 2);
	long k = period_of(m, on);

	if (seg == SIZE_MAX)
		return;
	if (k >= 0)
		sums_of(m, (size_t)k, seg)->users_new++;
	for (size_t j = 0; j < m->np; j++)
		if (on <= m->plast[j] && (off == DATE_NONE || off > m->plast[j]))
			sums_of(m, j, seg)->users_active++;
}

/*
 * Deals by their close date: won and lost in the period, the amount and
 * days of the won; open at the period's end are those created by then
 * and not closed by then.
 */
static void
opportunity_row(struct measure *m, struct db_stmt *st)
{
	size_t seg = seg_at(m, st, 0);
	int32_t created = db_day(st, 3), closed_on = db_day(st, 4);
	int closed = db_int(st, 5);
	long k = closed ? period_of(m, closed_on) : -1;
	struct sums *x;

	/* closed on no known day: neither open nor closed in any period,
	 * as revops-pipeline velocity has it */
	if (seg == SIZE_MAX || (closed && closed_on == DATE_NONE))
		return;
	for (size_t j = 0; j < m->np; j++)
		if (created <= m->plast[j] && (!closed || closed_on > m->plast[j]))
			sums_of(m, j, seg)->open++;
	if (k < 0)
		return;
	x = sums_of(m, (size_t)k, seg);
	if (!db_int(st, 6)) {
		x->lost++;
		return;
	}
	x->won++;
	x->cycle_days += closed_on - created;
	if (!db_null(st, 1))
		add(m, &x->won_amount, convert(m, db_int(st, 1),
		    db_text(st, 2), closed_on));
}

/* ---- the figures ------------------------------------------------------------------ */

/* A ratio, empty when den is 0 (undefined), the mark when it does not
 * fit. */
static void
set_ratio(struct measure *m, size_t k, size_t s, enum metric id,
    __int128 num, __int128 den, int scale)
{
	int64_t v;

	if (metrics_ratio(num, den, scale, &v) == 0)
		metrics_set(m->t, k, s, id, v);
	else if (den != 0)
		overflowed(m);
}

static void
mrr_figures(struct measure *m, size_t k, size_t s)
{
	struct metrics_table *t = m->t;
	const struct mrr_sums *r = mrr_sums(m->mrr, k, s);
	const int64_t *mv = r->move, *cnt = r->count;
	const int64_t *start, *churned;
	int64_t v, moved[M_COUNT] = { 0 }, expansion, contraction;

	/* a pause is a contraction and a resume an expansion, not churn and
	 * reactivation: the customer stays (ChartMogul's way) */
	for (int i = MV_NEW; i < MV_COUNT; i++)
		add(m, &moved[metrics_movement_metric((enum movement)i)],
		    mv[i]);
	expansion = moved[M_EXPANSION_MRR];
	contraction = moved[M_CONTRACTION_MRR];
	metrics_set(t, k, s, M_MRR, r->end);
	if (money_mul(r->end, 12, 0, &v) != MONEY_OK)
		overflowed(m);
	metrics_set(t, k, s, M_ARR, v);
	metrics_set(t, k, s, M_NEW_MRR, moved[M_NEW_MRR]);
	metrics_set(t, k, s, M_EXPANSION_MRR, expansion);
	metrics_set(t, k, s, M_CONTRACTION_MRR, contraction);
	metrics_set(t, k, s, M_CHURNED_MRR, moved[M_CHURNED_MRR]);
	metrics_set(t, k, s, M_REACTIVATION_MRR, moved[M_REACTIVATION_MRR]);
	metrics_set(t, k, s, M_PAYING_ACCOUNTS, r->paying_end);
	metrics_set(t, k, s, M_NEW_ACCOUNTS, cnt[MV_NEW]);
	metrics_set(t, k, s, M_CHURNED_ACCOUNTS, cnt[MV_CHURN]);
	set_ratio(m, k, s, M_LOGO_CHURN_RATE, cnt[MV_CHURN], r->paying_start,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_GROSS_REVENUE_CHURN, (__int128)mv[MV_CHURN] +
	    contraction, r->start, METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_NET_REVENUE_CHURN, (__int128)mv[MV_CHURN] +
	    contraction - expansion - mv[MV_REACTIVATION], r->start,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_GRR, r->cohort_kept, r->cohort_start,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_NRR, r->cohort_end, r->cohort_start,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_ARPA, r->end, r->paying_end, 0);
	mrr_trail(m->mrr, k, s, &start, &churned);
	switch (metrics_ltv(r->end, r->cost_end, r->paying_end, churned, start,
	    TRAIL_MONTHS, &v)) {
	case 0:
		metrics_set(t, k, s, M_LTV, v);
		break;
	case -2:
		overflowed(m);
		break;
	}
}

static void
other_figures(struct measure *m, size_t k, size_t s)
{
	struct metrics_table *t = m->t;
	const struct mrr_sums *r = mrr_sums(m->mrr, k, s);
	const struct sums *x = sums_of(m, k, s);
	int64_t days = m->plast[k] - m->pstart[k] + 1, v;

	set_ratio(m, k, s, M_RENEWAL_RATE, x->renew_done, x->renew_due,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_RENEWAL_RATE_VALUE, x->value_done, x->value_due,
	    METRICS_RATE_SCALE);
	if (!t->has_segment) {
		set_ratio(m, k, s, M_CAC, x->spend, r->count[MV_NEW], 0);
		if (metrics_payback(x->spend, r->end, r->cost_end,
		    r->move[MV_NEW], &v) == 0)
			metrics_set(t, k, s, M_CAC_PAYBACK_MONTHS, v);
	}
	metrics_set(t, k, s, M_TCV, x->tcv);
	metrics_set(t, k, s, M_ACV, x->acv);
	metrics_set(t, k, s, M_BOOKINGS_NEW, x->book[BOOK_NEW]);
	metrics_set(t, k, s, M_BOOKINGS_EXPANSION, x->book[BOOK_EXPANSION]);
	metrics_set(t, k, s, M_BOOKINGS_RENEWAL, x->book[BOOK_RENEWAL]);
	if (m->o->countback) {
		if (x->invoiced != 0 || x->receivables != 0)
			metrics_set(t, k, s, M_DSO, x->countback);
	} else if (metrics_dso(x->receivables, x->invoiced, days, &v) == 0)
		metrics_set(t, k, s, M_DSO, v);
	metrics_set(t, k, s, M_RPO, x->rpo);
	metrics_set(t, k, s, M_CRPO, x->crpo);
	set_ratio(m, k, s, M_CSAT, x->csat_good, x->csat_all,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_ADOPTION_RATE, x->users_new, x->users_active,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_SEAT_UTILIZATION, (__int128)x->users_active * E6,
	    r->seats_end, METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_MARGIN, (__int128)x->ot_revenue - x->ot_cost,
	    x->ot_revenue, METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_WIN_RATE, x->won, x->won + x->lost,
	    METRICS_RATE_SCALE);
	set_ratio(m, k, s, M_AVG_DEAL_SIZE, x->won_amount, x->won, 0);
	set_ratio(m, k, s, M_SALES_CYCLE_DAYS, x->cycle_days, x->won,
	    METRICS_DAYS_SCALE);
	switch (pipeline_velocity_per_day(x->open, x->won_amount, x->won,
	    x->lost, x->cycle_days, &v)) {
	case 0:
		metrics_set(t, k, s, M_PIPELINE_VELOCITY, v);
		break;
	case -2:
		overflowed(m);
		break;
	}
}

/*
 * What the ledger adds up, from the invoices, credit notes and spend:
 * read on a thread of its own, with a connection of its own on the same
 * snapshot, while the subscriptions are (each is about half of the time
 * of every metric).  It has its own copy of the measure: what the two
 * change in it (the ledger; where each is, and the first figure past 64
 * bits) is apart until the subscriptions are read.
 */
static void *
read_ledger(void *arg)
{
	struct measure *m = arg;

	open_ledger(m);
	read_invoices(m);
	each_row(m, sql_credits, credit_row);
	each_row(m, sql_spend, spend_row);
	return NULL;
}

struct metrics_table *
measure_table(struct db *db, const struct measure_opts *o)
{
	struct measure m, led;
	struct metrics_table *t;
	struct db *rd;
	pthread_t thread;
	int own = !db_in_transaction(db), threaded;

	/* one snapshot of every table, unless the caller has one */
	if (own)
		db_begin_read(db);
	rd = db_open_snapshot(db);
	open_measure(&m, db, o);
	each_row(&m, sql_products, product_row);
	load_contracts(&m);
	led = m;
	led.db = rd != NULL ? rd : db;
	if (rd != NULL)
		threaded = cli_thread(&thread, read_ledger, &led);
	else {
		threaded = 0;
		read_ledger(&led);
	}
	read_subscriptions(&m, each_account, NULL);
	add_contracts(&m);
	if (threaded)
		pthread_join(thread, NULL);
	db_close(rd);
	m.led = led.led;
	if (led.overflow && !m.overflow) {
		m.overflow = 1;
		memcpy(m.overflow_at, led.overflow_at, sizeof(m.overflow_at));
	}
	add_ledger(&m);
	each_row(&m, sql_unbilled, unbilled_row);
	each_row(&m, sql_csat, csat_row);
	each_row(&m, sql_users, user_row);
	each_row(&m, sql_opportunities, opportunity_row);
	if (own)
		db_commit(db);
	for (size_t k = 0; k < m.np; k++)
		for (size_t s = 0; s < m.ns; s++) {
			measuring(&m, NULL, m.t->period[k]);
			mrr_figures(&m, k, s);
			other_figures(&m, k, s);
		}
	t = m.t;
	if (report_failures(&m)) {
		metrics_table_free(t);
		t = NULL;
	}
	close_measure(&m);
	return t;
}

/* ---- each account's steps ------------------------------------------------------ */

static const char sql_first_month[] =
    "SELECT min(start_date) FROM subscriptions";

int32_t
measure_first_month(struct db *db)
{
	struct db_stmt *st = db_prepare(db, sql_first_month);
	int32_t day = db_row(st) ? db_day(st, 0) : DATE_NONE;

	db_finalize(st);
	return day == DATE_NONE ? DATE_NONE : date_month_of(day);
}

struct visit {
	const struct measure_visitor *v;
	struct mrr_step *steps;
};

static void
visit_account(struct measure *m, struct account *a, void *arg)
{
	struct visit *vi = arg;

	if (a->seg == SIZE_MAX)
		return;
	mrr_add(m->mrr, a->seg, a->sub, a->n, vi->steps);
	vi->v->account(vi->v->arg, a->id, a->seg, vi->steps);
}

static void
skip_account(struct measure *m, struct account *a, void *arg)
{
	(void)m;
	(void)a;
	(void)arg;
}

int
measure_accounts(struct db *db, const struct measure_opts *o,
    const struct measure_visitor *v)
{
	struct measure m;
	struct visit vi = { v, NULL };
	int own = !db_in_transaction(db), rc = CLI_OK;

	if (own)
		db_begin_read(db);
	open_measure(&m, db, o);
	each_row(&m, sql_products, product_row);
	/* the amounts first, so that a missing rate hands out nothing */
	read_subscriptions(&m, skip_account, NULL);
	if (!report_failures(&m)) {
		v->begin(v->arg, m.t);
		vi.steps = cli_calloc(m.np, sizeof(*vi.steps));
		read_subscriptions(&m, visit_account, &vi);
		free(vi.steps);
	} else
		rc = CLI_EDATA;
	if (own)
		db_commit(db);
	close_measure(&m);
	metrics_table_free(m.t);
	return rc;
}

/* ---- --detail mrr ---------------------------------------------------------------- */

struct detail {
	struct out *out;
	const struct out_opts *oo;
	const struct metrics_table *t;
};

static void
detail_begin(void *arg, const struct metrics_table *t)
{
	static const char *const names[] = { "period", "segment",
	    "account_id", "mrr_start", "mrr_end", "movement", "amount" };
	static const char *const plain[] = { "period", "account_id",
	    "mrr_start", "mrr_end", "movement", "amount" };
	struct detail *d = arg;

	d->t = t;
	d->out = t->has_segment ? out_new(stdout, d->oo, names, 7) :
	    out_new(stdout, d->oo, plain, 6);
}

static void
detail_account(void *arg, const char *id, size_t seg,
    const struct mrr_step *steps)
{
	struct detail *d = arg;
	int exp = d->t->exponent;

	for (size_t k = 0; k < d->t->nperiod; k++) {
		const struct mrr_step *s = &steps[k];
		const char *mv = metrics_movement_names[s->move];

		if (s->start == 0 && s->end == 0)
			continue;
		out_str(d->out, d->t->period[k]);
		if (d->t->has_segment)
			out_str(d->out, d->t->segment[seg]);
		out_str(d->out, id);
		out_decimal(d->out, s->start, exp);
		out_decimal(d->out, s->end, exp);
		out_str(d->out, *mv != '\0' ? mv : NULL);
		out_decimal(d->out, metrics_signed_amount(s->move, s->amount),
		    exp);
		out_end_row(d->out);
	}
}

int
measure_detail_mrr(struct db *db, const struct measure_opts *o,
    const struct out_opts *oo)
{
	struct detail d = { NULL, oo, NULL };
	struct measure_visitor v = { detail_begin, detail_account, &d };
	int rc = measure_accounts(db, o, &v);

	if (d.out != NULL && out_close(d.out) != 0 && rc == CLI_OK)
		rc = CLI_EIO;
	return rc;
}
