/*
 * Quotes.  A line is priced from the price book in effect on the quote
 * day, in the quote's currency (the account's unless --currency): the
 * model gives the gross, the discount is applied and the amount rounded
 * once (pricing.c).  For a recurring product that amount is per billing
 * period; its MRR and its term value over term_months (default 12) are
 * worked out from the gross, as the billing run's and the metrics' are,
 * by pricing_recurring(), not from the rounded amount.  Cost is
 * unit_cost (base currency) x quantity, rounded to the base's minor unit
 * and converted at the quote day's rate; margin is (amount - cost) /
 * amount.  The rules (most specific wins) then decide whether the quote
 * needs approval, one row per reason in quote_approvals.
 *
 * Statuses: needs_approval -> approved (every reason approved) or
 * rejected (one reason rejected); approved -> accepted (an order, a
 * contract and subscriptions); a quote that is revised becomes
 * superseded.  A quote is shown as expired once its valid_until day has
 * passed without acceptance; that is not stored, as it depends on the day
 * asked.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "export.h"
#include "fx.h"
#include "handoff.h"
#include "keyset.h"
#include "money.h"
#include "pricing.h"
#include "quote.h"

#define E6 1000000LL
#define TERM_DEFAULT 12
#define QTY_MAX (1000000000 * E6)	/* a billion units */

/* ---- SQL ------------------------------------------------------------------ */

static const char sql_account[] =
    "SELECT currency FROM accounts WHERE account_id = ?1";
static const char sql_opportunity_account[] =
    "SELECT account_id FROM opportunities WHERE opportunity_id = ?1";
static const char sql_new_quote[] =
    "INSERT INTO quotes (quote_id, quote_ref, account_id, opportunity_id, "
    "currency, quote_date, valid_until, status, revision_of) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_new_line[] =
    "INSERT INTO quote_lines (quote_id, line_no, sku, kind, billing_period, "
    "quantity_micro, discount_pct_micro, term_months, model, tier_min_micro, "
    "list_unit_price_micro, net_unit_price_micro, amount_minor, mrr_minor, "
    "term_value_minor, cost_minor, rules, account_id) VALUES (?1, ?2, ?3, "
    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
static const char sql_new_approval[] =
    "INSERT INTO quote_approvals (quote_id, line_no, rule_id, reason, "
    "approver, account_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_quote[] =
    "SELECT status, valid_until, account_id, currency, quote_ref, "
    "opportunity_id, quote_date FROM quotes WHERE quote_id = ?1";
static const char sql_lines[] =
    "SELECT q.quote_id, q.quote_ref, q.status, q.account_id, q.currency, "
    "l.line_no, l.sku, l.quantity_micro, l.discount_pct_micro, "
    "l.term_months, l.model, l.tier_min_micro, l.list_unit_price_micro, "
    "l.net_unit_price_micro, l.amount_minor, l.billing_period, l.mrr_minor, "
    "l.term_value_minor, l.cost_minor, l.rules, q.valid_until, l.kind "
    "FROM quotes q JOIN quote_lines l USING (quote_id) "
    "WHERE q.quote_id IN (SELECT key FROM out_keys) "
    "ORDER BY q.quote_id, l.line_no";
/* The quotes list and show: all (?1 = 0) or those in out_keys, of one
 * account (?2) or all. */
#define QUOTES_ASKED "(?1 = 0 OR q.quote_id IN (SELECT key FROM out_keys)) " \
    "AND (?2 IS NULL OR q.account_id = ?2)"
static const char sql_totals[] =
    "SELECT q.quote_id, q.quote_ref, q.account_id, q.status, q.currency, "
    "q.quote_date, q.valid_until, q.revision_of, "
    "(SELECT count(*) FROM quote_approvals a WHERE a.quote_id = q.quote_id "
    " AND a.status = 'pending') "
    "FROM quotes q WHERE " QUOTES_ASKED " ORDER BY q.quote_id";
/* The sums of their lines, in the same order: grouped by the key alone,
 * which the index gives in order, where grouping by the quote's other
 * columns too would sort every line. */
static const char sql_line_sums[] =
    "SELECT q.quote_id, "
    "sum(CASE WHEN l.kind = 'one_time' THEN l.amount_minor ELSE 0 END), "
    "sum(CASE WHEN l.kind = 'recurring' THEN l.mrr_minor ELSE 0 END), "
    "sum(CASE WHEN l.kind = 'recurring' THEN l.term_value_minor ELSE 0 END), "
    "sum(CASE WHEN l.cost_minor IS NOT NULL THEN l.amount_minor END), "
    "sum(l.cost_minor), "
    "max(CASE WHEN l.kind = 'recurring' THEN l.term_months END) "
    "FROM quotes q JOIN quote_lines l USING (quote_id) "
    "WHERE " QUOTES_ASKED " GROUP BY q.quote_id ORDER BY q.quote_id";
static const char sql_pending[] =
    "SELECT count(*), sum(CASE WHEN approver = ?2 THEN 1 ELSE 0 END) "
    "FROM quote_approvals WHERE quote_id = ?1 AND status = 'pending'";
static const char sql_decide[] =
    "UPDATE quote_approvals SET status = ?3, decided_by = ?4, "
    "decided_on = ?5, note = ?6 "
    "WHERE quote_id = ?1 AND approver = ?2 AND status = 'pending'";
static const char sql_set_status[] =
    "UPDATE quotes SET status = ?2 WHERE quote_id = ?1";
static const char sql_accept_lines[] =
    "SELECT line_no, sku, kind, billing_period, quantity_micro, "
    "discount_pct_micro, term_months, list_unit_price_micro, amount_minor "
    "FROM quote_lines WHERE quote_id = ?1 ORDER BY line_no";
static const char sql_new_order[] =
    "INSERT INTO orders (order_id, quote_id, account_id, ordered_on, "
    "currency) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_new_contract[] =
    "INSERT INTO contracts (contract_id, account_id, start_date, end_date, "
    "auto_renew, order_id, status) VALUES (?1, ?2, ?3, ?4, 0, ?5, 'active')";
static const char sql_new_subscription[] =
    "INSERT INTO subscriptions (subscription_id, account_id, contract_id, "
    "sku, quantity_micro, unit_price_micro, discount_pct_micro, currency, "
    "billing_period, start_date, end_date, replaces) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
/* accept --replaces: the subscription a plan change replaces, which ends
 * on the day the new ones start */
static const char sql_replaced[] =
    "SELECT account_id, start_date, end_date FROM subscriptions "
    "WHERE subscription_id = ?1";
static const char sql_end_replaced[] =
    "UPDATE subscriptions SET end_date = ?3 "
    "WHERE account_id = ?1 AND subscription_id = ?2";
static const char sql_new_order_line[] =
    "INSERT INTO order_lines (order_id, line_no, sku, kind, quantity_micro, "
    "unit_price_micro, discount_pct_micro, amount_minor, subscription_id, "
    "account_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_order_of[] =
    "SELECT order_id FROM orders WHERE quote_id = ?1";

/* ---- small helpers ---------------------------------------------------------- */

static int
exponent_of(const char *currency)
{
	const struct currency *c = money_currency(currency, strlen(currency));

	return c != NULL ? c->exponent : 2;
}

/* Reads a verb's quote ids before it takes the write lock. */
static int
collect_ids(const struct csv_input *in, struct csv_rows *rows)
{
	static const char *const columns[] = { "quote_id" };

	if (csv_collect(in, cli_data_error, columns, 1, 1, 1, rows) == 0)
		return 0;
	csv_rows_free(rows);
	return -1;
}

/* ---- pricing a line ------------------------------------------------------------ */

struct pricer {
	struct db *db;
	int32_t day;
	struct pricing_book *book;
	struct pricing_rules rules;
	struct fx *fx;
	char base[4];
};

struct priced {
	const struct pricing_product *p;
	struct pricing_line l;
	int64_t tier_min;		/* -1: none */
	int term, period_months;
	int64_t mrr, term_value, cost, margin;
	int has_mrr, has_term, has_cost, has_margin;
	const struct pricing_rule *broken[3];
	size_t nbroken;
	char rules[3 * (ENTITY_ID_MAX + 1)];	/* ids broken, ';' between */
};

static void
pricer_open(struct pricer *pr, struct db *db, int32_t day)
{
	pr->db = db;
	pr->day = day;
	pr->book = pricing_book_open(db, day);
	pricing_rules_load(db, &pr->rules);
	pr->fx = fx_open(db, NULL);
	snprintf(pr->base, sizeof(pr->base), "%s", fx_currency(pr->fx));
}

static void
pricer_close(struct pricer *pr)
{
	pricing_book_close(pr->book);
	pricing_rules_free(&pr->rules);
	fx_close(pr->fx);
}

/* Prices one line; returns 0, or -1 with the reason in why and the
 * column of the line it is about in *column. */
static int
price_one(struct pricer *pr, const char *sku, const char *currency,
    int64_t qty, int64_t discount, int term, struct priced *out, char *why,
    size_t size, const char **column)
{
	const struct pricing_product *p;
	char q[MONEY_FMT_MAX], m[MONEY_FMT_MAX], fx[256];
	__int128 gross;
	int tier;
	size_t n = 0;

	out->has_mrr = out->has_cost = out->has_margin = 0;
	out->nbroken = 0;
	out->rules[0] = '\0';
	*column = "sku";
	if ((p = pricing_book_find(pr->book, sku, currency, why, size)) == NULL)
		return -1;
	out->p = p;
	out->term = term;
	gross = pricing_gross(p->model, p->tier, p->ntier, qty, &tier);
	*column = "quantity";
	if (tier < 0) {
		money_format_trim(q, qty, 6, 0, '.');
		money_format_trim(m, p->tier[0].min, 6, 0, '.');
		snprintf(why, size, "'%s' is below the first price tier of "
		    "'%s' (from %s)", q, sku, m);
		return -1;
	}
	out->tier_min = p->tier[tier].min;
	if (pricing_line(gross, qty, discount, &out->l) != 0) {
		money_format_trim(q, qty, 6, 0, '.');
		snprintf(why, size, "'%s' of '%s' is too large to price", q, sku);
		return -1;
	}
	out->period_months = p->period_months;
	if (p->recurring && out->period_months > 0) {
		out->has_mrr = pricing_recurring(gross, discount, 1,
		    out->period_months, &out->mrr) == 0;
		if (pricing_recurring(gross, discount, term,
		    out->period_months, &out->term_value) != 0) {
			money_format_trim(q, qty, 6, 0, '.');
			snprintf(why, size, "'%s' of '%s' over %d months is "
			    "too large to price", q, sku, term);
			return -1;
		}
	} else
		out->term_value = out->l.amount;
	/* usage is estimated, billed from real usage: in no TCV */
	out->has_term = !p->usage;
	if (p->has_cost) {
		int64_t cost_base;

		/* The base currency is valid: no lookup for most lines. */
		if (money_div((__int128)p->unit_cost * qty, E6 * E6,
		    &cost_base) != MONEY_OK) {
			money_format_trim(q, qty, 6, 0, '.');
			snprintf(why, size, "'%s' of '%s' is too large to cost",
			    q, sku);
			return -1;
		}
		if (strcmp(currency, pr->base) == 0)
			out->cost = cost_base;
		else if (fx_convert_into(pr->fx, cost_base, pr->base,
		    currency, pr->day, &out->cost, fx, sizeof(fx)) != 0) {
			*column = "sku";
			snprintf(why, size, "the unit cost of '%s' is in %s, the "
			    "quote in %s: %s", sku, pr->base, currency, fx);
			return -1;
		}
		out->has_cost = 1;
		out->has_margin = pricing_margin(out->l.amount, out->cost,
		    &out->margin) == 0;
	}
	out->nbroken = pricing_rules_check(&pr->rules, p, discount,
	    out->has_margin, out->margin, term, out->broken);
	for (size_t i = 0; i < out->nbroken; i++) {
		size_t len = strlen(out->broken[i]->id);

		if (n + len + 2 > sizeof(out->rules))
			break;
		if (i > 0)
			out->rules[n++] = ';';
		memcpy(out->rules + n, out->broken[i]->id, len + 1);
		n += len;
	}
	return 0;
}

/* Why a rule is broken, in words, for quote_approvals.reason. */
static void
reason(const struct priced *pd, const struct pricing_rule *r, char *buf,
    size_t size)
{
	char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX];

	money_format_trim(b, r->threshold, 6, 0, '.');
	switch (r->kind) {
	case RULE_MAX_DISCOUNT:
		money_format_trim(a, pd->l.discount, 6, 0, '.');
		snprintf(buf, size, "discount %s%% on %s is over the maximum "
		    "of %s%%", a, pd->p->sku, b);
		break;
	case RULE_MIN_MARGIN:
		money_format(a, pd->margin, 2, '.');
		snprintf(buf, size, "margin %s%% on %s is under the minimum of "
		    "%s%%", a, pd->p->sku, b);
		break;
	case RULE_MAX_TERM:
		snprintf(buf, size, "term of %d months on %s is over the "
		    "maximum of %s", pd->term, pd->p->sku, b);
		break;
	}
}

/* ---- the columns of a priced line ------------------------------------------------ */

/* The billing period a line shows: a usage line's estimate is of one
 * month's use, as usage is billed. */
static const char *
line_period(const struct pricing_product *p)
{
	return p->usage ? "month" : p->period;
}

static const char *const priced_names[] = { "model", "tier",
    "list_unit_price", "net_unit_price", "amount", "billing_period", "mrr",
    "term_value", "margin_pct", "rules" };
#define NPRICED 10

static void
out_dec(struct out *o, int64_t v, int scale, int keep)
{
	char buf[MONEY_FMT_MAX];

	out_number(o, buf, money_format_trim(buf, v, scale, keep, '.'));
}

static void
out_priced(struct out *o, const char *model, const struct priced *pd,
    const char *period, int exp)
{
	out_text(o, model, strlen(model));
	if (pd->tier_min >= 0)
		out_dec(o, pd->tier_min, 6, 0);
	else
		out_null(o);
	out_dec(o, pd->l.list_unit, exp + 6, exp);
	out_dec(o, pd->l.net_unit, exp + 6, exp);
	out_dec(o, pd->l.amount, exp, exp);
	if (period != NULL && *period != '\0')
		out_text(o, period, strlen(period));
	else
		out_null(o);
	if (pd->has_mrr) {
		out_dec(o, pd->mrr, exp, exp);
	} else
		out_null(o);
	if (pd->has_term)
		out_dec(o, pd->term_value, exp, exp);
	else
		out_null(o);
	if (pd->has_margin)
		out_dec(o, pd->margin, 2, 2);
	else
		out_null(o);
	if (pd->rules[0] != '\0')
		out_text(o, pd->rules, strlen(pd->rules));
	else
		out_null(o);
}

/* ---- price: the filter ------------------------------------------------------------- */

/*
 * price hands the lines it has priced to a second thread, which formats
 * and writes them: reading and pricing take about as long as writing, so
 * on two cores a large file goes through in about half the time.
 */
#define PRICE_BATCH 512
#define PRICE_BUFFERS 4

struct price_row {
	struct priced pd;
	char currency[4];
	int exp;
	size_t field;		/* its first field in the batch's span */
};

struct price_span {
	size_t off, len;
	int null;
};

struct price_batch {
	size_t n;
	struct price_row row[PRICE_BATCH];
	struct price_span *span;	/* PRICE_BATCH x the fields of a line */
	char *arena;
	size_t narena, caparena;
};

struct price_run {
	struct pricer pr;
	const struct quote_opts *o;
	const char *name;
	struct out *out;
	struct handoff *handoff;
	struct price_batch batch[PRICE_BUFFERS], *fill;
	int col_sku, col_qty, col_discount, col_term, col_account;
	size_t nheader;
	int have_header;
	struct db_stmt *account;
	struct keyset *accounts;	/* account_id -> currency */
	char currency[4];
	char exp_currency[4];		/* the currency of exp, the last seen */
	int exp;
	const char **names;
};

static int
parse_dec(const char *name, unsigned long line, const char *column,
    const struct csv_field *f, int64_t min, int64_t max, int64_t dflt,
    int64_t *v)
{
	if (f == NULL || f->s == NULL || f->len == 0) {
		if (dflt < min) {	/* none to fall back on */
			cli_data_error(name, line, column, "is empty");
			return -1;
		}
		*v = dflt;
		return 0;
	}
	if (money_parse(f->s, f->len, 6, '.', v) != MONEY_OK || *v < min ||
	    *v > max) {
		int n = (int)(f->len > 60 ? 60 : f->len);

		/* min 1 (a millionth) stands for "more than zero" */
		if (min == 1)
			cli_data_error(name, line, column, "'%.*s' is not a "
			    "number more than 0 (up to %lld)", n, f->s,
			    (long long)(max / E6));
		else
			cli_data_error(name, line, column, "'%.*s' is not a "
			    "number from %lld to %lld", n, f->s,
			    (long long)(min / E6), (long long)(max / E6));
		return -1;
	}
	return 0;
}

/* term_months: whole months, 1 to 600, 12 when empty. */
static int
parse_term(const char *name, unsigned long line, const struct csv_field *f,
    int *term)
{
	int64_t v;

	if (parse_dec(name, line, "term_months", f, E6, 600 * E6,
	    TERM_DEFAULT * E6, &v) != 0)
		return -1;
	if (v % E6 != 0) {
		cli_data_error(name, line, "term_months", "'%.*s' is not a whole "
		    "number of months", (int)(f->len > 60 ? 60 : f->len), f->s);
		return -1;
	}
	*term = (int)(v / E6);
	return 0;
}

/* The line's currency: --currency, else its account's. */
static const char *
line_currency(struct price_run *r, const struct csv_field *acct,
    unsigned long line)
{
	const char *cur;
	char id[ENTITY_ID_MAX + 1];

	if (r->o->currency != NULL)
		return r->o->currency;
	if (acct == NULL || acct->s == NULL || acct->len == 0) {
		cli_data_error(r->name, line, "account_id", "is empty; give it, "
		    "or --currency");
		return NULL;
	}
	if ((cur = keyset_find(r->accounts, acct->s, acct->len)) != NULL)
		return cur;
	if (csv_id(cli_data_error, r->name, line, "account_id", acct, 0,
	    id) != 1)
		return NULL;
	db_bind_text(r->account, 1, id);
	if (!db_row(r->account)) {
		db_reset(r->account);
		cli_data_error(r->name, line, "account_id", "'%s' is not in "
		    "accounts", id);
		return NULL;
	}
	snprintf(r->currency, sizeof(r->currency), "%s",
	    db_text(r->account, 0));
	db_reset(r->account);
	keyset_add(r->accounts, acct->s, acct->len, r->currency);
	return r->currency;
}

/* The writer's side: one batch of priced lines out. */
static void
write_batch(void *ctx, void *buf)
{
	struct price_run *r = ctx;
	struct price_batch *b = buf;
	size_t nf = r->nheader;

	for (size_t i = 0; i < b->n; i++) {
		const struct price_row *row = &b->row[i];
		const struct price_span *sp = &b->span[row->field];

		for (size_t j = 0; j < nf; j++)
			if (sp[j].null)
				out_null(r->out);
			else
				out_text(r->out, b->arena + sp[j].off,
				    sp[j].len);
		out_text(r->out, row->currency, 3);
		out_priced(r->out, pricing_model_name(row->pd.p->model),
		    &row->pd, line_period(row->pd.p), row->exp);
		out_end_row(r->out);
	}
	b->n = 0;
	b->narena = 0;
}

static void
start_writer(struct price_run *r)
{
	void *bufs[PRICE_BUFFERS];

	for (int i = 0; i < PRICE_BUFFERS; i++) {
		r->batch[i].span = cli_calloc(PRICE_BATCH * r->nheader,
		    sizeof(*r->batch[i].span));
		bufs[i] = &r->batch[i];
	}
	r->handoff = handoff_start(bufs, PRICE_BUFFERS, write_batch, r, 1);
	r->fill = handoff_take(r->handoff);
}

/* The reader's side: the line priced into the batch's next row (in
 * place: a struct priced is most of a kilobyte) kept with its fields. */
static void
keep_priced(struct price_run *r, const struct csv_record *rec,
    const char *currency)
{
	struct price_batch *b = r->fill;
	struct price_row *row = &b->row[b->n];
	struct price_span *sp = &b->span[b->n * r->nheader];

	memcpy(row->currency, currency, 4);
	if (strcmp(currency, r->exp_currency) != 0) {
		memcpy(r->exp_currency, currency, 4);
		r->exp = exponent_of(currency);
	}
	row->exp = r->exp;
	row->field = b->n * r->nheader;
	for (size_t j = 0; j < rec->nfield; j++) {
		size_t len = rec->field[j].len;

		b->arena = cli_grow(b->arena, &b->caparena, b->narena + len, 1);
		sp[j].null = rec->field[j].s == NULL;
		sp[j].off = b->narena;
		sp[j].len = len;
		if (len > 0)
			memcpy(b->arena + b->narena, rec->field[j].s, len);
		b->narena += len;
	}
	if (++b->n == PRICE_BATCH) {
		handoff_give(r->handoff, b);
		r->fill = handoff_take(r->handoff);
	}
}

static int
price_header(struct price_run *r, const struct csv_record *rec)
{
	size_t n = rec->nfield;

	r->have_header = 1;
	r->nheader = n;
	r->col_sku = csv_header_find(rec, "sku");
	r->col_qty = csv_header_find(rec, "quantity");
	r->col_discount = csv_header_find(rec, "discount_pct");
	r->col_term = csv_header_find(rec, "term_months");
	r->col_account = csv_header_find(rec, "account_id");
	if (r->col_sku < 0 || r->col_qty < 0) {
		cli_data_error(r->name, rec->line, NULL, "header: the columns "
		    "'sku' and 'quantity' are needed");
		return -1;
	}
	if (r->col_account < 0 && r->o->currency == NULL) {
		cli_data_error(r->name, rec->line, NULL, "header: no "
		    "'account_id' column; give one, or --currency");
		return -1;
	}
	r->names = cli_calloc(n + 1 + NPRICED, sizeof(*r->names));
	for (size_t i = 0; i < n; i++)
		r->names[i] = cli_strndup(rec->field[i].s ? rec->field[i].s :
		    "", rec->field[i].len);
	r->names[n] = "currency";
	for (int i = 0; i < NPRICED; i++)
		r->names[n + 1 + i] = priced_names[i];
	r->out = out_new(stdout, r->o->out, r->names, n + 1 + NPRICED);
	start_writer(r);
	return 0;
}

static int
price_record(void *arg, const struct csv_record *rec)
{
	struct price_run *r = arg;
	const struct csv_field *f = rec->field;
	int64_t qty, discount;
	int term;
	const char *currency;
	char sku[ENTITY_ID_MAX + 1], why[CSV_RAGGED_MAX];
	const char *column;
	int rc;

	if (!r->have_header)
		return price_header(r, rec);
	if (rec->nfield != r->nheader)
		return cli_data_error(r->name, rec->line, NULL, "%s",
		    csv_ragged(rec, why)) ? 0 : 1;
	if ((rc = csv_id(cli_data_error, r->name, rec->line, "sku",
	    &f[r->col_sku], 0, sku)) != 1)
		return rc < 0;
	if (parse_dec(r->name, rec->line, "quantity", &f[r->col_qty], 1, QTY_MAX,
	    -1, &qty) != 0 || parse_dec(r->name, rec->line, "discount_pct",
	    r->col_discount >= 0 ? &f[r->col_discount] : NULL, 0, 100 * E6, 0,
	    &discount) != 0 || parse_term(r->name, rec->line, r->col_term >= 0 ?
	    &f[r->col_term] : NULL, &term) != 0)
		return 0;
	if ((currency = line_currency(r, r->col_account >= 0 ?
	    &f[r->col_account] : NULL, rec->line)) == NULL)
		return 0;
	if (price_one(&r->pr, sku, currency, qty, discount, term,
	    &r->fill->row[r->fill->n].pd, why, sizeof(why), &column) != 0)
		return cli_data_error(r->name, rec->line, column, "%s", why) ?
		    0 : 1;
	keep_priced(r, rec, currency);
	return 0;
}

int
quote_price(struct db *db, FILE *in, const char *name, char delim,
    const struct quote_opts *o)
{
	struct price_run r;
	int rc, wrc = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.name = name;
	/* One read transaction: one snapshot of the price book, and no lock
	 * taken and dropped for every line. */
	db_begin_read(db);
	pricer_open(&r.pr, db, o->on);
	r.account = db_prepare(db, sql_account);
	r.accounts = keyset_new(1 << 18);
	rc = csv_read(in, name, cli_data_error, delim, NULL, price_record, &r);
	if (rc == 0 && r.names == NULL)
		rc = csv_no_header(cli_data_error, name);
	if (r.out != NULL) {
		if (r.fill->n > 0)
			handoff_give(r.handoff, r.fill);
		handoff_stop(r.handoff);
		for (int i = 0; i < PRICE_BUFFERS; i++) {
			free(r.batch[i].span);
			free(r.batch[i].arena);
		}
		wrc = out_close(r.out);
		for (size_t i = 0; i < r.nheader; i++)
			free((char *)r.names[i]);
		free(r.names);
	}
	db_finalize(r.account);
	keyset_free(r.accounts);
	pricer_close(&r.pr);
	db_commit(db);
	if (wrc != 0)
		return CLI_EIO;
	return rc == 0 && cli_data_errors() == 0 ? CLI_OK : CLI_EDATA;
}

/* ---- writing quotes back out ---------------------------------------------------------- */

static const char *const line_names[] = { "quote_id", "quote_ref", "status",
    "account_id", "currency", "line_no", "sku", "quantity", "discount_pct",
    "term_months" };
#define NLINE 10

/* The first n columns of a row as text, the status shown in column at. */
static void
out_columns(struct out *out, struct db_stmt *st, int n, int at,
    const char *status)
{
	for (int i = 0; i < n; i++)
		if (i == at)
			out_str(out, status);
		else
			export_column(out, st, i);
}

/* The shown status: an open quote past its last day is expired. */
static const char *
shown_status(const char *status, const char *valid_until, int32_t on)
{
	int32_t last;

	if ((strcmp(status, "approved") == 0 ||
	    strcmp(status, "needs_approval") == 0) &&
	    date_parse(valid_until, strlen(valid_until), &last) == 0 &&
	    on > last)
		return "expired";
	return status;
}

static int
write_lines(struct db *db, const struct quote_opts *o)
{
	const char *names[NLINE + NPRICED];
	struct db_stmt *st = db_prepare(db, sql_lines);
	struct out *out;

	memcpy(names, line_names, sizeof(line_names));
	memcpy(names + NLINE, priced_names, sizeof(priced_names));
	out = out_new(stdout, o->out, names, NLINE + NPRICED);
	while (db_row(st)) {
		struct priced pd;
		const char *status = shown_status(db_text(st, 2),
		    db_text(st, 20), o->on);
		int exp = exponent_of(db_text(st, 4));

		memset(&pd, 0, sizeof(pd));
		out_columns(out, st, 5, 2, status);
		out_long(out, db_int(st, 5));
		out_text(out, db_text(st, 6), db_len(st, 6));
		out_dec(out, db_int(st, 7), 6, 0);
		out_dec(out, db_int(st, 8), 6, 0);
		out_long(out, db_int(st, 9));
		pd.tier_min = db_null(st, 11) ? -1 :
		    db_int(st, 11);
		pd.l.list_unit = db_int(st, 12);
		pd.l.net_unit = db_int(st, 13);
		pd.l.amount = db_int(st, 14);
		pd.has_mrr = !db_null(st, 16);
		pd.mrr = db_int(st, 16);
		pd.term_value = db_int(st, 17);
		pd.has_term = strcmp(db_text(st, 21), "usage") != 0;
		pd.has_margin = !db_null(st, 18) &&
		    pricing_margin(pd.l.amount, db_int(st, 18),
		    &pd.margin) == 0;
		snprintf(pd.rules, sizeof(pd.rules), "%s", db_text(st, 19));
		out_priced(out, db_text(st, 10), &pd, db_text(st, 15), exp);
		out_end_row(out);
	}
	db_finalize(st);
	return out_close(out) == 0 ? CLI_OK : CLI_EIO;
}

/* What a quote's lines add up to (sql_line_sums). */
struct line_sums {
	int64_t one_time, mrr, recurring, costed, cost, term;
	int has_cost;			/* costed and cost are of some line */
};

/* The sums of the quote that quote is on: sums' row if it is of that
 * quote, which it then steps past (*more: whether it has a row), else
 * none, as for a quote of no lines. */
static void
read_sums(struct db_stmt *quote, struct db_stmt *sums, int *more,
    struct line_sums *s)
{
	memset(s, 0, sizeof(*s));
	if (!*more || strcmp(db_text(sums, 0), db_text(quote, 0)) != 0)
		return;
	s->one_time = db_int(sums, 1);
	s->mrr = db_int(sums, 2);
	s->recurring = db_int(sums, 3);
	s->has_cost = !db_null(sums, 4);
	s->costed = db_int(sums, 4);
	s->cost = db_int(sums, 5);
	s->term = db_int(sums, 6);
	*more = db_row(sums);
}

/* One row per quote: its totals.  only: just the quotes in out_keys. */
static int
write_totals(struct db *db, const struct quote_opts *o, int only)
{
	static const char *const names[] = { "quote_id", "quote_ref",
	    "account_id", "status", "currency", "quote_date", "valid_until",
	    "one_time", "mrr", "tcv", "acv", "margin_pct", "pending_approvals",
	    "revision_of" };
	struct db_stmt *st = db_prepare(db, sql_totals);
	struct db_stmt *sums = db_prepare(db, sql_line_sums);
	struct out *out = out_new(stdout, o->out, names, 14);
	int more;

	db_bind_int(st, 1, only);
	db_bind_text(st, 2, only ? NULL : o->account);
	db_bind_int(sums, 1, only);
	db_bind_text(sums, 2, only ? NULL : o->account);
	more = db_row(sums);
	while (db_row(st)) {
		const char *status = shown_status(db_text(st, 3),
		    db_text(st, 6), o->on);
		int exp = exponent_of(db_text(st, 4));
		struct line_sums s;
		int64_t acv, margin;

		read_sums(st, sums, &more, &s);
		if (!only && o->status != NULL && strcmp(o->status, status))
			continue;
		out_columns(out, st, 7, 3, status);
		out_dec(out, s.one_time, exp, exp);
		out_dec(out, s.mrr, exp, exp);
		out_dec(out, s.recurring + s.one_time, exp, exp);
		/* per year of the contract that accepting it makes, whose
		 * term is the longest of its recurring lines' (metrics_acv) */
		if (pricing_per_year(s.recurring, s.term, 1, &acv) == 0)
			out_dec(out, acv, exp, exp);
		else
			out_null(out);
		if (s.has_cost && pricing_margin(s.costed, s.cost,
		    &margin) == 0)
			out_dec(out, margin, 2, 2);
		else
			out_null(out);
		out_long(out, db_int(st, 8));
		export_column(out, st, 7);
		out_end_row(out);
	}
	db_finalize(st);
	db_finalize(sums);
	return out_close(out) == 0 ? CLI_OK : CLI_EIO;
}

/* A quote is revised, decided and accepted on or after its own date:
 * what happens to it cannot come before it. */
static int
before_quote(struct db_stmt *quote, const char *qid, int32_t on,
    const char *what, const char *loc, unsigned long line)
{
	const char *made = db_text(quote, 6);
	char day[DATE_FMT_MAX];
	int32_t d;

	if (date_parse(made, strlen(made), &d) != 0 || on >= d)
		return 0;
	date_format(day, on);
	return cli_data_error(loc, line, NULL, "quote '%s' is dated %s: it "
	    "cannot be %s on %s, before it was made", qid, made, what, day) ?
	    1 : -1;
}

/* ---- new and revise ----------------------------------------------------------------- */

/* ref and opportunity are "" for none */
struct new_line {
	char ref[ENTITY_ID_MAX + 1], account[ENTITY_ID_MAX + 1];
	char opportunity[ENTITY_ID_MAX + 1], sku[ENTITY_ID_MAX + 1];
	int64_t qty, discount;
	int term;
	unsigned long line;
};

/* Where each field is among the columns read: new reads quote_ref,
 * account_id, sku, quantity, opportunity_id, discount_pct, term_months;
 * revise reads sku, quantity, discount_pct, term_months (-1: none). */
enum { F_REF, F_ACCOUNT, F_SKU, F_QTY, F_OPP, F_DISCOUNT, F_TERM, NF };

struct new_run {
	struct db *db;
	const struct quote_opts *o;
	const char *name;	/* of the input, for messages */
	int at[NF];
	struct new_line *l;
	size_t n, cap;
};

static int
collect_line(void *arg, const struct csv_field *f, unsigned long line)
{
	struct new_run *r = arg;
	struct new_line *l;
	int rc;

	r->l = cli_grow(r->l, &r->cap, r->n + 1, sizeof(*r->l));
	l = &r->l[r->n];
	memset(l, 0, sizeof(*l));
	l->line = line;
	/* a won opportunity makes a quote of its own: its id is the ref */
	if (r->at[F_REF] >= 0) {
		if ((rc = csv_id(cli_data_error, r->name, line, "account_id",
		    &f[r->at[F_ACCOUNT]], 0, l->account)) != 1 ||
		    (rc = csv_id(cli_data_error, r->name, line,
		    "opportunity_id", &f[r->at[F_OPP]], 1,
		    l->opportunity)) != 1 ||
		    (rc = csv_id(cli_data_error, r->name, line, "quote_ref",
		    &f[r->at[F_REF]], 1, l->ref)) != 1)
			return rc;
		if (l->ref[0] == '\0' && snprintf(l->ref, sizeof(l->ref),
		    "%s", l->opportunity) == 0)
			return cli_data_error(r->name, line, "quote_ref",
			    "is empty, and so is opportunity_id") ? 0 : -1;
	}
	if ((rc = csv_id(cli_data_error, r->name, line, "sku",
	    &f[r->at[F_SKU]], 1, l->sku)) != 1)
		return rc;
	if (l->sku[0] == '\0') {
		if (r->o->sku == NULL)
			return cli_data_error(r->name, line, "sku", "is empty; "
			    "give it, or --sku") ? 0 : -1;
		if (strlen(r->o->sku) > ENTITY_ID_MAX)
			cli_usage_error("option '--sku': '%.40s...' is longer "
			    "than %d characters, the longest an id can be",
			    r->o->sku, ENTITY_ID_MAX);
		snprintf(l->sku, sizeof(l->sku), "%s", r->o->sku);
	}
	if (parse_dec(r->name, line, "quantity", &f[r->at[F_QTY]], 1, QTY_MAX,
	    r->o->quantity > 0 ? r->o->quantity : -1, &l->qty) != 0 ||
	    parse_dec(r->name, line, "discount_pct",
	    &f[r->at[F_DISCOUNT]], 0, 100 * E6, 0, &l->discount) != 0 ||
	    parse_term(r->name, line, &f[r->at[F_TERM]], &l->term) != 0)
		return 0;
	r->n++;
	return 0;
}

struct quote_writer {
	struct db *db;
	const char *name;	/* of the input, for messages */
	struct pricer pr;
	struct db_stmt *quote, *line, *approval, *account, *opp;
	struct db_ids ids;
	long quotes, lines, approvals;
};

static void
writer_open(struct quote_writer *w, struct db *db, int32_t day)
{
	memset(w, 0, sizeof(*w));
	w->db = db;
	pricer_open(&w->pr, db, day);
	w->quote = db_prepare(db, sql_new_quote);
	w->line = db_prepare(db, sql_new_line);
	w->approval = db_prepare(db, sql_new_approval);
	w->account = db_prepare(db, sql_account);
	w->opp = db_prepare(db, sql_opportunity_account);
	w->ids = (struct db_ids){ "quotes", "quote_id", "Q", 0 };
}

static void
writer_close(struct quote_writer *w)
{
	db_finalize(w->quote);
	db_finalize(w->line);
	db_finalize(w->approval);
	db_finalize(w->account);
	db_finalize(w->opp);
	pricer_close(&w->pr);
}

static void
store_line(struct quote_writer *w, const char *qid, const char *account,
    int line_no, const struct priced *pd, int64_t qty, int64_t discount)
{
	struct db_stmt *st = w->line;

	db_bind_text(st, 1, qid);
	db_bind_int(st, 2, line_no);
	db_bind_text(st, 3, pd->p->sku);
	db_bind_text(st, 4, pd->p->kind);
	db_bind_text(st, 5, *line_period(pd->p) != '\0' ? line_period(pd->p) :
	    NULL);
	db_bind_int(st, 6, qty);
	db_bind_int(st, 7, discount);
	db_bind_int(st, 8, pd->term);
	db_bind_text(st, 9, pricing_model_name(pd->p->model));
	if (pd->tier_min >= 0)
		db_bind_int(st, 10, pd->tier_min);
	else
		db_bind_null(st, 10);
	db_bind_int(st, 11, pd->l.list_unit);
	db_bind_int(st, 12, pd->l.net_unit);
	db_bind_int(st, 13, pd->l.amount);
	if (pd->has_mrr)
		db_bind_int(st, 14, pd->mrr);
	else
		db_bind_null(st, 14);
	db_bind_int(st, 15, pd->term_value);
	if (pd->has_cost)
		db_bind_int(st, 16, pd->cost);
	else
		db_bind_null(st, 16);
	db_bind_text(st, 17, pd->rules[0] != '\0' ? pd->rules : NULL);
	db_bind_text(st, 18, account);
	db_done(st);
	w->lines++;
	for (size_t i = 0; i < pd->nbroken; i++) {
		char why[300];

		reason(pd, pd->broken[i], why, sizeof(why));
		db_bind_text(w->approval, 1, qid);
		db_bind_int(w->approval, 2, line_no);
		db_bind_text(w->approval, 3, pd->broken[i]->id);
		db_bind_text(w->approval, 4, why);
		db_bind_text(w->approval, 5, pd->broken[i]->approver[0] ?
		    pd->broken[i]->approver : "unassigned");
		db_bind_text(w->approval, 6, account);
		db_done(w->approval);
		w->approvals++;
	}
}

/*
 * Whether the sums that list and show make of a quote's lines would not
 * fit: its TCV (one-time amounts and recurring term values), its MRR, its
 * ACV (the recurring term values x 12 / the longest term) and the amounts
 * and costs of its margin.  Magnitudes, as the SQL adds them in an order
 * of its own (see money_add_magnitude()).
 */
static int
totals_too_large(const struct priced *pd, size_t n)
{
	int64_t tcv = 0, recurring = 0, mrr = 0, amount = 0, cost = 0, acv;
	int term = 0;

	for (size_t i = 0; i < n; i++) {
		const struct priced *p = &pd[i];

		int64_t value = p->p->recurring ? p->term_value : p->l.amount;

		if ((p->has_term && money_add_magnitude(&tcv, value) !=
		    MONEY_OK) ||
		    (p->p->recurring && money_add_magnitude(&recurring,
		    value) != MONEY_OK) ||
		    (p->has_mrr && money_add_magnitude(&mrr, p->mrr) !=
		    MONEY_OK) || (p->has_cost && (money_add_magnitude(&amount,
		    p->l.amount) != MONEY_OK || money_add_magnitude(&cost,
		    p->cost) != MONEY_OK)))
			return 1;
		if (p->p->recurring && p->term > term)
			term = p->term;
	}
	return pricing_per_year(recurring, term, 1, &acv) != 0;
}

/*
 * Stores the lines of one quote (lines[0..n), all of one ref): checks the
 * account, the opportunity and every line, then writes the quote, its
 * lines and its approvals.  Returns 0, or -1 after reporting errors.
 */
static int
store_quote(struct quote_writer *w, const struct quote_opts *o,
    const struct new_line *lines, size_t n, const char *revision_of,
    char *qid, size_t qsize)
{
	char currency[4], why[512], valid[DATE_FMT_MAX];
	const char *column;
	struct priced *pd = cli_calloc(n, sizeof(*pd));
	const struct new_line *h = &lines[0];
	/* the quote's optional columns: an empty one is none, NULL */
	const char *ref = h->ref[0] != '\0' ? h->ref : NULL;
	const char *opp = h->opportunity[0] != '\0' ? h->opportunity : NULL;
	int broken = 0, bad = 0;
	int32_t until;

	db_bind_text(w->account, 1, h->account);
	if (!db_row(w->account)) {
		db_reset(w->account);
		free(pd);
		return cli_data_error(w->name, h->line, "account_id", "'%s' is "
		    "not in accounts", h->account), -1;
	}
	snprintf(currency, sizeof(currency), "%s", o->currency ? o->currency :
	    db_text(w->account, 0));
	db_reset(w->account);
	if (opp != NULL) {
		db_bind_text(w->opp, 1, opp);
		if (!db_row(w->opp))
			bad = !cli_data_error(w->name, h->line, "opportunity_id",
			    "'%s' is not in opportunities", h->opportunity) + 1;
		else if (strcmp(db_text(w->opp, 0), h->account) != 0)
			bad = !cli_data_error(w->name, h->line, "opportunity_id",
			    "'%s' belongs to account '%s', not '%s'",
			    h->opportunity, db_text(w->opp, 0), h->account) + 1;
		db_reset(w->opp);
	}
	for (size_t i = 0; i < n; i++) {
		const struct new_line *l = &lines[i];

		if (strcmp(l->account, h->account) != 0 ||
		    strcmp(l->opportunity, h->opportunity) != 0) {
			cli_data_error(w->name, l->line, NULL, "quote '%s': every "
			    "line needs the same account_id and opportunity_id "
			    "(as on line %lu)", l->ref, h->line);
			bad = 1;
		} else if (price_one(&w->pr, l->sku, currency, l->qty,
		    l->discount, l->term, &pd[i], why, sizeof(why),
		    &column) != 0) {
			cli_data_error(l->line ? w->name : NULL, l->line,
			    column, "%s", why);
			bad = 1;
		} else
			broken |= pd[i].nbroken > 0;
	}
	if (!bad && totals_too_large(pd, n))
		bad = !cli_data_error(w->name, h->line, NULL, "quote '%s': "
		    "its totals (TCV, ACV, margin) do not fit in 64 bits",
		    h->ref) + 1;
	if (bad) {
		free(pd);
		return -1;
	}
	if (date_add_days(o->on, o->valid_days - 1, &until) != 0) {
		date_format(valid, o->on);
		free(pd);
		return cli_data_error(NULL, 0, NULL, "--on %s, --valid-days "
		    "%d: the quote would be valid until after 9999-12-31, the "
		    "last date there is", valid, o->valid_days), -1;
	}
	db_ids_next(w->db, &w->ids, qid, qsize);
	date_format(valid, until);
	db_bind_text(w->quote, 1, qid);
	db_bind_text(w->quote, 2, ref);
	db_bind_text(w->quote, 3, h->account);
	db_bind_text(w->quote, 4, opp);
	db_bind_text(w->quote, 5, currency);
	db_bind_day(w->quote, 6, o->on);
	db_bind_text(w->quote, 7, valid);
	db_bind_text(w->quote, 8, broken ? "needs_approval" : "approved");
	db_bind_text(w->quote, 9, revision_of);
	db_done(w->quote);
	w->quotes++;
	for (size_t i = 0; i < n; i++)
		store_line(w, qid, h->account, (int)i + 1, &pd[i],
		    lines[i].qty, lines[i].discount);
	db_keys_add(w->db, qid);
	free(pd);
	return 0;
}

static int
finish_quotes(struct quote_writer *w, const char *verb,
    const struct quote_opts *o, long superseded)
{
	struct db_changes ch = { .n = 0 };

	db_changes_add(&ch, "quotes", w->quotes, superseded, 0);
	db_changes_add(&ch, "quote_lines", w->lines, 0, 0);
	db_changes_add(&ch, "quote_approvals", w->approvals, 0, 0);
	db_ids_done(w->db, &w->ids);
	writer_close(w);
	if (cli_data_errors() == 0)
		write_lines(w->db, o);
	return db_finish(w->db, verb, o->arguments, &ch);
}

/* Lines in the order of their ref's first line, then their own order. */
static const struct new_line *sort_base;

static int
by_ref(const void *a, const void *b)
{
	const struct new_line *x = &sort_base[*(const size_t *)a];
	const struct new_line *y = &sort_base[*(const size_t *)b];
	int c = strcmp(x->ref, y->ref);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

struct group {
	size_t first, start, n;		/* first: the ref's first line */
};

static int
by_first(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

int
quote_new(struct db *db, const struct csv_input *in, const struct quote_opts *o)
{
	static const char *const columns[] = { "account_id", "quote_ref",
	    "sku", "quantity", "opportunity_id", "discount_pct",
	    "term_months" };
	struct new_run r = { .db = db, .o = o, .name = in->name ? in->name :
	    "stdin", .at = { 1, 0, 2, 3, 4, 5, 6 } };
	struct quote_writer w;
	struct new_line *lines;
	struct group *g;
	size_t *idx, ng = 0;
	char qid[32];

	csv_read_columns(in->in, r.name, cli_data_error, in->delim, columns, 7,
	    1, collect_line, &r);
	db_begin(db);
	db_keys_open(db);
	writer_open(&w, db, o->on);
	w.name = r.name;
	idx = cli_realloc(NULL, r.n + 1, sizeof(*idx));
	g = cli_realloc(NULL, r.n + 1, sizeof(*g));
	lines = cli_realloc(NULL, r.n + 1, sizeof(*lines));
	for (size_t i = 0; i < r.n; i++)
		idx[i] = i;
	sort_base = r.l;
	qsort(idx, r.n, sizeof(*idx), by_ref);
	for (size_t i = 0; i < r.n; i++) {
		lines[i] = r.l[idx[i]];
		if (i == 0 || strcmp(lines[i].ref, lines[i - 1].ref) != 0) {
			g[ng].first = idx[i];
			g[ng].start = i;
			g[ng++].n = 0;
		}
		g[ng - 1].n++;
	}
	qsort(g, ng, sizeof(*g), by_first);
	for (size_t k = 0; k < ng && cli_data_errors() == 0; k++)
		store_quote(&w, o, &lines[g[k].start], g[k].n, NULL, qid,
		    sizeof(qid));
	free(idx);
	free(g);
	free(lines);
	free(r.l);
	return finish_quotes(&w, "new", o, 0);
}

int
quote_revise(struct db *db, const char *quote_id, FILE *in, const char *name,
    char delim, const struct quote_opts *o)
{
	static const char *const columns[] = { "sku", "quantity",
	    "discount_pct", "term_months" };
	struct new_run r = { .db = db, .o = o, .name = name,
	    .at = { -1, -1, 0, 1, -1, 2, 3 } };
	struct quote_writer w;
	struct db_stmt *st;
	char account[ENTITY_ID_MAX + 1] = "", ref[ENTITY_ID_MAX + 1] = "";
	char opp[ENTITY_ID_MAX + 1] = "", qid[32];
	char status[32] = "";
	struct quote_opts ro = *o;
	char currency[4] = "";
	int found, early = 0;

	csv_read_columns(in, r.name, cli_data_error, delim, columns, 4, 2,
	    collect_line, &r);
	db_begin(db);
	db_keys_open(db);
	st = db_prepare(db, sql_quote);
	db_bind_text(st, 1, quote_id);
	if ((found = db_row(st))) {
		snprintf(status, sizeof(status), "%s", db_text(st, 0));
		snprintf(account, sizeof(account), "%s", db_text(st, 2));
		snprintf(currency, sizeof(currency), "%s", db_text(st, 3));
		snprintf(ref, sizeof(ref), "%s", db_text(st, 4));
		snprintf(opp, sizeof(opp), "%s", db_text(st, 5));
		early = before_quote(st, quote_id, o->on, "revised", NULL, 0);
	}
	db_finalize(st);
	if (!found)
		cli_data_error(NULL, 0, NULL, "quote '%s' does not exist",
		    quote_id);
	else if (!early && (strcmp(status, "accepted") == 0 ||
	    strcmp(status, "superseded") == 0))
		cli_data_error(NULL, 0, NULL, "quote '%s' is %s: it cannot be "
		    "revised", quote_id, status);
	writer_open(&w, db, o->on);
	w.name = name;
	ro.currency = currency;
	if (cli_data_errors() == 0 && r.n == 0)
		cli_data_error(name, 0, NULL, "no lines: the revision needs its "
		    "lines (sku,quantity,...)");
	if (cli_data_errors() == 0) {
		for (size_t i = 0; i < r.n; i++) {
			snprintf(r.l[i].ref, sizeof(r.l[i].ref), "%s", ref);
			snprintf(r.l[i].account, sizeof(r.l[i].account), "%s",
			    account);
			snprintf(r.l[i].opportunity, sizeof(r.l[i].opportunity),
			    "%s", opp);
		}
		if (store_quote(&w, &ro, r.l, r.n, quote_id, qid,
		    sizeof(qid)) == 0) {
			st = db_prepare(db, sql_set_status);
			db_bind_text(st, 1, quote_id);
			db_bind_text(st, 2, "superseded");
			db_done(st);
			db_finalize(st);
		}
	}
	free(r.l);
	return finish_quotes(&w, "revise", o, 1);
}

/* ---- approve and reject -------------------------------------------------------------- */

struct decide {
	struct db *db;
	const struct quote_opts *o;
	int approve;
	struct db_stmt *quote, *pending, *decide, *status;
	long decided, changed;
};

static int
decide_one(void *arg, const struct csv_field *f, unsigned long line)
{
	struct decide *d = arg;
	char qid[ENTITY_ID_MAX + 1], status[32], day[DATE_FMT_MAX];
	const char *loc = line ? "stdin" : NULL;
	int pending, mine, early, rc;

	if ((rc = csv_id(cli_data_error, loc, line, "quote_id", &f[0], 0,
	    qid)) != 1)
		return rc;
	if (!db_keys_add(d->db, qid))
		return 0;
	db_bind_text(d->quote, 1, qid);
	if (!db_row(d->quote)) {
		db_reset(d->quote);
		return cli_data_error(loc, line, NULL, "quote '%s' does not "
		    "exist", qid) ? 0 : -1;
	}
	snprintf(status, sizeof(status), "%s",
	    shown_status(db_text(d->quote, 0), db_text(d->quote, 1), d->o->on));
	if ((early = before_quote(d->quote, qid, d->o->on, d->approve ?
	    "approved" : "rejected", loc, line)) != 0) {
		db_reset(d->quote);
		return early > 0 ? 0 : -1;
	}
	db_reset(d->quote);
	if (strcmp(status, "needs_approval") != 0)
		return cli_data_error(loc, line, NULL, "quote '%s' is %s: "
		    "there is nothing to %s", qid, status, d->approve ?
		    "approve" : "reject") ? 0 : -1;
	db_bind_text(d->pending, 1, qid);
	db_bind_text(d->pending, 2, d->o->role);
	db_row(d->pending);	/* count(*): a row, always */
	pending = db_int(d->pending, 0);
	mine = db_int(d->pending, 1);
	db_reset(d->pending);
	if (mine == 0)
		return cli_data_error(loc, line, NULL, "quote '%s': none of its "
		    "%d pending reasons is for the role '%s' (see quote_approvals)",
		    qid, pending, d->o->role) ? 0 : -1;
	date_format(day, d->o->on);
	db_bind_text(d->decide, 1, qid);
	db_bind_text(d->decide, 2, d->o->role);
	db_bind_text(d->decide, 3, d->approve ? "approved" : "rejected");
	db_bind_text(d->decide, 4, db_user());
	db_bind_text(d->decide, 5, day);
	db_bind_text(d->decide, 6, d->o->note);
	db_done(d->decide);
	d->decided += mine;
	if (!d->approve || mine == pending) {
		db_bind_text(d->status, 1, qid);
		db_bind_text(d->status, 2, d->approve ? "approved" :
		    "rejected");
		db_done(d->status);
		d->changed++;
	}
	return 0;
}

int
quote_decide(struct db *db, const struct csv_input *in, int approve,
    const struct quote_opts *o)
{
	struct decide d = { .db = db, .o = o, .approve = approve };
	struct db_changes ch = { .n = 0 };
	struct csv_rows ids;

	if (collect_ids(in, &ids) != 0)
		return db_finish(db, approve ? "approve" : "reject",
		    o->arguments, &ch);
	db_begin(db);
	db_keys_open(db);
	d.quote = db_prepare(db, sql_quote);
	d.pending = db_prepare(db, sql_pending);
	d.decide = db_prepare(db, sql_decide);
	d.status = db_prepare(db, sql_set_status);
	csv_rows_each(&ids, decide_one, &d);
	csv_rows_free(&ids);
	db_finalize(d.quote);
	db_finalize(d.pending);
	db_finalize(d.decide);
	db_finalize(d.status);
	db_changes_add(&ch, "quote_approvals", 0, d.decided, 0);
	db_changes_add(&ch, "quotes", 0, d.changed, 0);
	if (cli_data_errors() == 0)
		write_totals(db, o, 1);
	return db_finish(db, approve ? "approve" : "reject", o->arguments,
	    &ch);
}

/* ---- accept ------------------------------------------------------------------------ */

struct accept {
	struct db *db;
	const struct quote_opts *o;
	struct db_stmt *quote, *lines, *order, *contract, *sub, *oline, *order_of,
	    *status;
	struct db_ids order_ids, contract_ids, sub_ids;
	struct out *out;
	long orders, subs, olines, ended;
};

/* The quote being accepted and what it becomes. */
struct accepted {
	char qid[ENTITY_ID_MAX + 1], account[ENTITY_ID_MAX + 1], currency[4];
	char order[32], contract[32], start[DATE_FMT_MAX], end[DATE_FMT_MAX];
};

static void
accept_row(struct accept *a, const struct accepted *q, struct db_stmt *l,
    const char *sub)
{
	int exp = exponent_of(q->currency);

	out_text(a->out, q->qid, strlen(q->qid));
	out_text(a->out, q->account, strlen(q->account));
	out_text(a->out, q->order, strlen(q->order));
	out_text(a->out, q->contract, strlen(q->contract));
	out_long(a->out, db_int(l, 0));
	out_text(a->out, db_text(l, 1), db_len(l, 1));
	out_text(a->out, db_text(l, 2), db_len(l, 2));
	if (sub != NULL)
		out_text(a->out, sub, strlen(sub));
	else
		out_null(a->out);
	out_dec(a->out, db_int(l, 8), exp, exp);
	out_text(a->out, q->currency, strlen(q->currency));
	out_text(a->out, q->start, strlen(q->start));
	out_text(a->out, q->end, strlen(q->end));
	out_end_row(a->out);
}

/* The quote's lines into the order; recurring ones also into
 * subscriptions for the term of the contract. */
static void
accept_lines(struct accept *a, const struct accepted *q)
{
	struct db_stmt *l = a->lines;

	db_bind_text(l, 1, q->qid);
	while (db_row(l)) {
		char sub[32];
		int recurring = strcmp(db_text(l, 2), "recurring") == 0;

		if (recurring) {
			db_ids_next(a->db, &a->sub_ids, sub, sizeof(sub));
			db_bind_text(a->sub, 1, sub);
			db_bind_text(a->sub, 2, q->account);
			db_bind_text(a->sub, 3, q->contract);
			db_bind_text(a->sub, 4, db_text(l, 1));
			db_bind_int(a->sub, 5, db_int(l, 4));
			db_bind_int(a->sub, 6, db_int(l, 7));
			db_bind_int(a->sub, 7, db_int(l, 5));
			db_bind_text(a->sub, 8, q->currency);
			db_bind_text(a->sub, 9, db_text(l, 3));
			db_bind_text(a->sub, 10, q->start);
			db_bind_text(a->sub, 11, q->end);
			db_bind_text(a->sub, 12, a->o->replaces);
			db_done(a->sub);
			a->subs++;
		}
		db_bind_text(a->oline, 1, q->order);
		db_bind_int(a->oline, 2, db_int(l, 0));
		db_bind_text(a->oline, 3, db_text(l, 1));
		db_bind_text(a->oline, 4, db_text(l, 2));
		db_bind_int(a->oline, 5, db_int(l, 4));
		db_bind_int(a->oline, 6, db_int(l, 7));
		db_bind_int(a->oline, 7, db_int(l, 5));
		db_bind_int(a->oline, 8, db_int(l, 8));
		db_bind_text(a->oline, 9, recurring ? sub : NULL);
		db_bind_text(a->oline, 10, q->account);
		db_done(a->oline);
		a->olines++;
		accept_row(a, q, l, recurring ? sub : NULL);
	}
	db_reset(l);
}

/* The contract's term: the longest term of its recurring lines, else of
 * all its lines. */
static int
contract_term(struct accept *a, const char *qid)
{
	int term = 0, any = 0, recurring = 0;

	db_bind_text(a->lines, 1, qid);
	while (db_row(a->lines)) {
		int t = db_int(a->lines, 6);
		int r = strcmp(db_text(a->lines, 2), "recurring") == 0;

		if (r && (!recurring || t > term))
			term = t;
		else if (!recurring && t > any)
			any = t;
		recurring |= r;
	}
	db_reset(a->lines);
	return recurring ? term : any > 0 ? any : TERM_DEFAULT;
}

/*
 * accept --replaces: the plan change the quote makes.  The subscription
 * it replaces must be the quote's account's, running on the day the new
 * subscriptions start (its end moves to that day, and the run credits
 * what it billed past it); the quote must have a recurring line to
 * replace it with.  Returns 0, or -1 after the error.
 */
static int
replace(struct accept *a, const struct accepted *q, int32_t begin,
    const char *loc, unsigned long line)
{
	const char *sub = a->o->replaces;
	struct db_stmt *st = db_prepare(a->db, sql_replaced);
	char start[DATE_FMT_MAX], end[DATE_FMT_MAX];
	int found, ok = 0, recurring = 0;

	db_bind_text(st, 1, sub);
	if ((found = db_row(st)) != 0) {
		snprintf(start, sizeof(start), "%s", db_text(st, 1));
		snprintf(end, sizeof(end), "%s", db_text(st, 2));
		ok = strcmp(db_text(st, 0), q->account) == 0;
	}
	if (!found)
		cli_data_error(loc, line, NULL, "--replaces: subscription '%s' "
		    "does not exist", sub);
	else if (!ok)
		cli_data_error(loc, line, NULL, "--replaces: subscription '%s' "
		    "is of account '%s', and quote '%s' of account '%s'", sub,
		    db_text(st, 0), q->qid, q->account);
	else if (strcmp(start, q->start) >= 0 || (end[0] != '\0' &&
	    strcmp(end, q->start) <= 0)) {
		cli_data_error(loc, line, NULL, "--replaces: subscription '%s' "
		    "runs from %s to %s, not on %s, when quote '%s' starts",
		    sub, start, end[0] != '\0' ? end : "no end", q->start,
		    q->qid);
		ok = 0;
	}
	db_finalize(st);
	db_bind_text(a->lines, 1, q->qid);
	while (db_row(a->lines))
		recurring |= strcmp(db_text(a->lines, 2), "recurring") == 0;
	db_reset(a->lines);
	if (ok && !recurring) {
		cli_data_error(loc, line, NULL, "--replaces: quote '%s' has no "
		    "recurring line to replace subscription '%s' with", q->qid,
		    sub);
		ok = 0;
	}
	if (!ok)
		return -1;
	st = db_prepare(a->db, sql_end_replaced);
	db_bind_text(st, 1, q->account);
	db_bind_text(st, 2, sub);
	db_bind_day(st, 3, begin);
	db_done(st);
	db_finalize(st);
	a->ended++;
	return 0;
}

static int
accept_one(void *arg, const struct csv_field *f, unsigned long line)
{
	struct accept *a = arg;
	struct accepted q;
	char status[32], valid[16];
	const char *loc = line ? "stdin" : NULL;
	int32_t last, begin, end;
	int rc, term, early;

	if ((rc = csv_id(cli_data_error, loc, line, "quote_id", &f[0], 0,
	    q.qid)) != 1)
		return rc;
	if (!db_keys_add(a->db, q.qid))
		return 0;
	db_bind_text(a->quote, 1, q.qid);
	if (!db_row(a->quote)) {
		db_reset(a->quote);
		return cli_data_error(loc, line, NULL, "quote '%s' does not "
		    "exist", q.qid) ? 0 : -1;
	}
	snprintf(status, sizeof(status), "%s", db_text(a->quote, 0));
	snprintf(valid, sizeof(valid), "%s", db_text(a->quote, 1));
	snprintf(q.account, sizeof(q.account), "%s", db_text(a->quote, 2));
	snprintf(q.currency, sizeof(q.currency), "%s", db_text(a->quote, 3));
	if ((early = before_quote(a->quote, q.qid, a->o->on, "accepted", loc,
	    line)) != 0) {
		db_reset(a->quote);
		return early > 0 ? 0 : -1;
	}
	db_reset(a->quote);
	if (strcmp(status, "accepted") == 0) {
		db_bind_text(a->order_of, 1, q.qid);
		q.order[0] = '\0';
		if (db_row(a->order_of))
			snprintf(q.order, sizeof(q.order), "%s",
			    db_text(a->order_of, 0));
		db_reset(a->order_of);
		return cli_data_error(loc, line, NULL, "quote '%s' is already "
		    "accepted (order '%s')", q.qid, q.order) ? 0 : -1;
	}
	if (strcmp(status, "approved") != 0)
		return cli_data_error(loc, line, NULL, "quote '%s' is %s, not "
		    "approved", q.qid, status) ? 0 : -1;
	if (date_parse(valid, strlen(valid), &last) == 0 && a->o->on > last)
		return cli_data_error(loc, line, NULL, "quote '%s' expired: it "
		    "could be accepted until %s", q.qid, valid) ? 0 : -1;
	begin = a->o->start != DATE_NONE ? a->o->start : a->o->on;
	date_format(q.start, begin);
	term = contract_term(a, q.qid);
	if (date_add_months(begin, term, &end) != 0)
		return cli_data_error(loc, line, NULL, "quote '%s': a contract "
		    "of %d months from %s would end after 9999-12-31, the last "
		    "date there is", q.qid, term, q.start) ? 0 : -1;
	date_format(q.end, end);
	if (a->o->replaces != NULL && replace(a, &q, begin, loc, line) != 0)
		return 0;
	db_ids_next(a->db, &a->order_ids, q.order, sizeof(q.order));
	db_ids_next(a->db, &a->contract_ids, q.contract, sizeof(q.contract));
	db_bind_text(a->order, 1, q.order);
	db_bind_text(a->order, 2, q.qid);
	db_bind_text(a->order, 3, q.account);
	db_bind_day(a->order, 4, a->o->on);
	db_bind_text(a->order, 5, q.currency);
	db_done(a->order);
	db_bind_text(a->contract, 1, q.contract);
	db_bind_text(a->contract, 2, q.account);
	db_bind_text(a->contract, 3, q.start);
	db_bind_text(a->contract, 4, q.end);
	db_bind_text(a->contract, 5, q.order);
	db_done(a->contract);
	accept_lines(a, &q);
	db_bind_text(a->status, 1, q.qid);
	db_bind_text(a->status, 2, "accepted");
	db_done(a->status);
	a->orders++;
	return 0;
}

int
quote_accept(struct db *db, const struct csv_input *in,
    const struct quote_opts *o)
{
	static const char *const names[] = { "quote_id", "account_id",
	    "order_id", "contract_id", "line_no", "sku", "kind",
	    "subscription_id", "amount", "currency", "start_date", "end_date" };
	struct accept a = { .db = db, .o = o,
	    .order_ids = { "orders", "order_id", "ORD", 0 },
	    .contract_ids = { "contracts", "contract_id", "CTR", 0 },
	    .sub_ids = { "subscriptions", "subscription_id", "SUB", 0 } };
	struct db_changes ch = { .n = 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *held;
	struct csv_rows ids;

	if (collect_ids(in, &ids) != 0)
		return db_finish(db, "accept", o->arguments, &ch);
	if (o->replaces != NULL && ids.n != 1)
		cli_usage_error("accept --replaces: one quote makes one plan "
		    "change (%zu given)", ids.n);
	/* The rows are held, and shown only when every quote was accepted. */
	held = cli_memstream(&buf, &len);
	db_begin(db);
	db_keys_open(db);
	a.out = out_new(held, o->out, names, 12);
	a.quote = db_prepare(db, sql_quote);
	a.lines = db_prepare(db, sql_accept_lines);
	a.order = db_prepare(db, sql_new_order);
	a.contract = db_prepare(db, sql_new_contract);
	a.sub = db_prepare(db, sql_new_subscription);
	a.oline = db_prepare(db, sql_new_order_line);
	a.order_of = db_prepare(db, sql_order_of);
	a.status = db_prepare(db, sql_set_status);
	csv_rows_each(&ids, accept_one, &a);
	csv_rows_free(&ids);
	if (out_close(a.out) != 0 || fclose(held) != 0)
		cli_die(CLI_EIO, "out of memory");
	db_finalize(a.quote);
	db_finalize(a.lines);
	db_finalize(a.order);
	db_finalize(a.contract);
	db_finalize(a.sub);
	db_finalize(a.oline);
	db_finalize(a.order_of);
	db_finalize(a.status);
	db_ids_done(db, &a.order_ids);
	db_ids_done(db, &a.contract_ids);
	db_ids_done(db, &a.sub_ids);
	db_changes_add(&ch, "orders", a.orders, 0, 0);
	db_changes_add(&ch, "order_lines", a.olines, 0, 0);
	db_changes_add(&ch, "contracts", a.orders, 0, 0);
	db_changes_add(&ch, "subscriptions", a.subs, a.ended, 0);
	db_changes_add(&ch, "quotes", 0, a.orders, 0);
	if (cli_data_errors() == 0)
		(void)cli_put_stdout(buf, len);
	free(buf);
	return db_finish(db, "accept", o->arguments, &ch);
}

/* ---- list and show ------------------------------------------------------------------- */

static int
keep_id(void *arg, const struct csv_field *f, unsigned long line)
{
	struct db *db = arg;
	struct db_stmt *st;
	char qid[ENTITY_ID_MAX + 1];
	int found, rc;

	if ((rc = csv_id(cli_data_error, line ? "stdin" : NULL, line,
	    "quote_id", &f[0], 0, qid)) != 1)
		return rc;
	st = db_prepare(db, sql_quote);
	db_bind_text(st, 1, qid);
	found = db_row(st);
	db_finalize(st);
	if (!found)
		return cli_data_error(line ? "stdin" : NULL, line, NULL, "quote "
		    "'%s' does not exist", qid) ? 0 : -1;
	db_keys_add(db, qid);
	return 0;
}

int
quote_list(struct db *db, const struct csv_input *in,
    const struct quote_opts *o)
{
	struct csv_rows ids;

	db_keys_open(db);
	if (in == NULL)
		return write_totals(db, o, 0);
	if (collect_ids(in, &ids) != 0)
		return CLI_EDATA;
	csv_rows_each(&ids, keep_id, db);
	csv_rows_free(&ids);
	if (cli_data_errors() > 0)
		return CLI_EDATA;
	return o->lines ? write_lines(db, o) : write_totals(db, o, 1);
}
