/*
 * The metrics as data, the arithmetic of their definitions, and the
 * table the program writes.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "metrics.h"
#include "money.h"
#include "pricing.h"

const struct metric_def metrics_defs[M_COUNT] = {
	{ "mrr", MK_MONEY, "MRR" },
	{ "arr", MK_MONEY, "ARR" },
	{ "new_mrr", MK_MONEY, "New MRR" },
	{ "expansion_mrr", MK_MONEY, "Expansion MRR" },
	{ "contraction_mrr", MK_MONEY, "Contraction MRR" },
	{ "churned_mrr", MK_MONEY, "Churned MRR" },
	{ "reactivation_mrr", MK_MONEY, "Reactivation MRR" },
	{ "paying_accounts", MK_COUNT, "Paying accounts" },
	{ "new_accounts", MK_COUNT, "New accounts" },
	{ "churned_accounts", MK_COUNT, "Churned accounts" },
	{ "logo_churn_rate", MK_RATE, "Logo churn rate" },
	{ "gross_revenue_churn", MK_RATE, "Gross revenue churn" },
	{ "net_revenue_churn", MK_RATE, "Net revenue churn" },
	{ "grr", MK_RATE, "GRR" },
	{ "nrr", MK_RATE, "NRR" },
	{ "renewal_rate", MK_RATE, "Renewal rate" },
	{ "renewal_rate_value", MK_RATE, "Renewal rate (value)" },
	{ "arpa", MK_MONEY, "ARPA" },
	{ "ltv", MK_MONEY, "LTV" },
	{ "cac", MK_MONEY, "CAC" },
	{ "cac_payback_months", MK_MONTHS, "CAC payback (months)" },
	{ "tcv", MK_MONEY, "TCV" },
	{ "acv", MK_MONEY, "ACV" },
	{ "bookings_new", MK_MONEY, "Bookings, new" },
	{ "bookings_expansion", MK_MONEY, "Bookings, expansion" },
	{ "bookings_renewal", MK_MONEY, "Bookings, renewal" },
	{ "dso", MK_DAYS, "DSO (days)" },
	{ "rpo", MK_MONEY, "RPO" },
	{ "crpo", MK_MONEY, "cRPO" },
	{ "csat", MK_RATE, "CSAT" },
	{ "adoption_rate", MK_RATE, "Adoption rate" },
	{ "seat_utilization", MK_RATE, "Seat utilisation" },
	{ "margin", MK_RATE, "One-time margin" },
	{ "win_rate", MK_RATE, "Win rate" },
	{ "avg_deal_size", MK_MONEY, "Average deal size" },
	{ "sales_cycle_days", MK_DAYS, "Sales cycle (days)" },
	{ "pipeline_velocity", MK_MONEY, "Pipeline velocity (per day)" },
};

const char *const metrics_movement_names[MV_COUNT] = { "", "new",
    "expansion", "contraction", "churn", "reactivation", "paused",
    "resumed" };

int
metrics_find(const char *name)
{
	for (int i = 0; i < M_COUNT; i++)
		if (strcmp(metrics_defs[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- arithmetic ---------------------------------------------------------- */

enum movement
metrics_movement(int64_t start, int64_t end, int paid_before,
    int64_t paused_start, int64_t paused_end, int64_t *amount)
{
	uint64_t d = end > start ? (uint64_t)end - (uint64_t)start :
	    (uint64_t)start - (uint64_t)end;
	int stops = start > 0 && end <= 0, pays = start <= 0 && end > 0;

	*amount = d > INT64_MAX ? -1 : (int64_t)d;
	if (start == end)
		return MV_NONE;
	if (end < start && (paused_end > paused_start ||
	    (stops && paused_end > 0)))
		return MV_PAUSED;
	/* an account that never paid is new, whatever it was paused for */
	if (end > start && (!pays || paid_before) &&
	    (paused_end < paused_start || (pays && paused_start > 0)))
		return MV_RESUMED;
	if (pays)
		return paid_before ? MV_REACTIVATION : MV_NEW;
	if (stops)
		return MV_CHURN;
	return end > start ? MV_EXPANSION : MV_CONTRACTION;
}

enum metric
metrics_movement_metric(enum movement mv)
{
	static const enum metric of[MV_COUNT] = { M_COUNT, M_NEW_MRR,
	    M_EXPANSION_MRR, M_CONTRACTION_MRR, M_CHURNED_MRR,
	    M_REACTIVATION_MRR, M_CONTRACTION_MRR, M_EXPANSION_MRR };

	return of[mv];
}

int64_t
metrics_signed_amount(enum movement mv, int64_t amount)
{
	enum metric m = metrics_movement_metric(mv);

	return m == M_CONTRACTION_MRR || m == M_CHURNED_MRR ? -amount : amount;
}

static const __int128 pow10_i128[] = { 1, 10, 100, 1000, 10000, 100000,
    1000000 };

int
metrics_ratio(__int128 num, __int128 den, int scale, int64_t *out)
{
	__int128 scaled;

	if (den == 0 || __builtin_mul_overflow(num, pow10_i128[scale], &scaled))
		return -1;
	return money_div(scaled, den, out) == MONEY_OK ? 0 : -1;
}

static __int128
gcd128(__int128 a, __int128 b)
{
	if (a < 0)
		a = -a;
	if (b < 0)
		b = -b;
	while (b != 0) {
		__int128 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* *p = a x b; 0, or -1 on overflow. */
static int
mul128(__int128 a, __int128 b, __int128 *p)
{
	return __builtin_mul_overflow(a, b, p) ? -1 : 0;
}

int
metrics_ltv(int64_t mrr, int64_t cost, int64_t paying,
    const int64_t *churned, const int64_t *start, size_t n, int64_t *ltv)
{
	__int128 sn = 0, sd = 1, g, den;	/* sum of churned / start */
	int64_t months = 0, v;

	for (size_t i = 0; i < n; i++) {
		__int128 a, b, d;

		if (start[i] <= 0)
			continue;
		months++;
		/* sn/sd + c/s = (sn s + c sd) / (sd s), reduced */
		if (mul128(sn, start[i], &a) || mul128(churned[i], sd, &b) ||
		    mul128(sd, start[i], &d))
			return -2;
		sn = a + b;
		sd = d;
		g = gcd128(sn, sd);
		if (g > 1) {
			sn /= g;
			sd /= g;
		}
	}
	if (paying <= 0 || sn == 0)
		return -1;
	/* (mrr - cost) / paying x months / (sn / sd) */
	g = gcd128(sd, paying);
	/* the product may need 256 bits: the sum of six churn rates of a
	 * hundred thousand accounts each has a denominator near 10^30 */
	if (mul128(sn, paying / g, &den) || money_muldiv((__int128)
	    (mrr > cost ? mrr - cost : cost - mrr) * months, sd / g, den,
	    &v) != MONEY_OK)
		return -2;
	*ltv = mrr >= cost ? v : -v;
	return 0;
}

int64_t
metrics_dso_countback(int64_t receivables, const int64_t *invoiced,
    const int32_t *days, size_t n)
{
	__int128 whole = 0;	/* days x 100 */
	int64_t left = receivables, part;

	for (size_t i = 0; i < n && left > 0; i++) {
		if (invoiced[i] <= 0 || left >= invoiced[i]) {
			whole += (__int128)days[i] * 100;
			left -= invoiced[i] > 0 ? invoiced[i] : 0;
			continue;
		}
		money_div((__int128)days[i] * 100 * left, invoiced[i], &part);
		return (int64_t)(whole + part);
	}
	return (int64_t)whole;
}

struct metrics_months
metrics_months_between(int32_t from, int32_t to)
{
	struct metrics_months m = { 0, 1 };
	int64_t whole;
	int32_t at, next;

	if (to <= from)
		return m;
	/* whole months: a first guess from the months, then step back (a
	 * month past the calendar is past `to` too) */
	whole = date_month_of(to) - date_month_of(from);
	while (whole > 0 && (date_add_months(from, (int)whole, &at) != 0 ||
	    at > to))
		whole--;
	if (date_add_months(from, (int)whole, &at) != 0)
		at = from;	/* whole is 0: from itself */
	/* the month after December 9999 would be a January, 31 days */
	if (date_add_months(from, (int)whole + 1, &next) != 0)
		next = at + 31;
	m.den = next - at;
	m.num = whole * m.den + (to - at);
	return m;
}

int
metrics_value_over(__int128 gross, int64_t discount, int period_months,
    int32_t from, int32_t to, int64_t *v)
{
	struct metrics_months t = metrics_months_between(from, to);

	*v = 0;
	if (t.num == 0)
		return 0;
	return pricing_recurring(gross, discount, t.num, t.den * period_months,
	    v);
}

int
metrics_acv(int64_t value, int32_t start, int32_t end, int64_t *acv)
{
	struct metrics_months t = metrics_months_between(start, end);

	return pricing_per_year(value, t.num, t.den, acv);
}

int
metrics_dso(int64_t receivables, int64_t invoiced, int64_t days,
    int64_t *dso)
{
	return metrics_ratio((__int128)receivables * days, invoiced,
	    METRICS_DAYS_SCALE, dso);
}

int
metrics_payback(int64_t spend, int64_t mrr, int64_t cost, int64_t new_mrr,
    int64_t *months)
{
	if (new_mrr <= 0 || mrr <= cost)
		return -1;
	return metrics_ratio((__int128)spend * mrr, (__int128)new_mrr *
	    (mrr - cost), METRICS_DAYS_SCALE, months);
}

/* ---- the table ------------------------------------------------------------- */

struct metrics_table *
metrics_table_new(size_t nperiod, size_t nsegment)
{
	struct metrics_table *t = cli_calloc(1, sizeof(*t));

	t->period = cli_calloc(nperiod, sizeof(*t->period));
	t->segment = cli_calloc(nsegment, sizeof(*t->segment));
	t->cell = cli_calloc((nperiod ? nperiod : 1) * nsegment,
	    M_COUNT * sizeof(*t->cell));
	t->nperiod = nperiod;
	t->nsegment = nsegment;
	t->exponent = 2;
	return t;
}

void
metrics_table_free(struct metrics_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nsegment; i++)
		free(t->segment[i]);
	free(t->segment);
	free(t->period);
	free(t->cell);
	free(t);
}

const struct metrics_cell *
metrics_cell(const struct metrics_table *t, size_t period, size_t segment,
    enum metric m)
{
	return &t->cell[(period * t->nsegment + segment) * M_COUNT + m];
}

void
metrics_set(struct metrics_table *t, size_t period, size_t segment,
    enum metric m, int64_t v)
{
	struct metrics_cell *c =
	    &t->cell[(period * t->nsegment + segment) * M_COUNT + m];

	c->v = v;
	c->set = 1;
}

/* One value at its kind's scale into buf (MONEY_FMT_MAX). */
static size_t
format_value(const struct metrics_table *t, enum metric m, int64_t v,
    char *buf)
{
	switch (metrics_defs[m].kind) {
	case MK_MONEY:
		return money_format(buf, v, t->exponent, '.');
	case MK_RATE:
		return money_format(buf, v, METRICS_RATE_SCALE, '.');
	case MK_DAYS:
	case MK_MONTHS:
		return money_format(buf, v, METRICS_DAYS_SCALE, '.');
	case MK_COUNT:
		break;
	}
	return money_format(buf, v, 0, '.');
}

/* A person at a terminal (the table format) reads rates in percent;
 * every other format keeps the fraction a program can compute with. */
static void
write_value(struct out *o, const struct metrics_table *t, size_t p,
    size_t s, enum metric m, int percent)
{
	const struct metrics_cell *c = metrics_cell(t, p, s, m);
	char buf[MONEY_FMT_MAX + 1];
	size_t len;

	if (!c->set) {
		out_null(o);
		return;
	}
	if (percent && metrics_defs[m].kind == MK_RATE) {
		len = money_format(buf, c->v, METRICS_RATE_SCALE - 2, '.');
		buf[len++] = '%';
		out_number(o, buf, len);
	} else
		out_number(o, buf, format_value(t, m, c->v, buf));
}

static void
write_keys(struct out *o, const struct metrics_table *t, size_t p,
    size_t s)
{
	const char *seg = t->segment[s];

	out_text(o, t->period[p], strlen(t->period[p]));
	if (t->has_segment)
		out_text(o, seg, seg != NULL ? strlen(seg) : 0);
}

int
metrics_write(const struct metrics_table *t, const enum metric *which,
    size_t n, int longform, const struct out_opts *oo)
{
	const char **names = cli_calloc(4 + n, sizeof(*names));
	size_t k = 0;
	struct out *o;

	names[k++] = "period";
	if (t->has_segment)
		names[k++] = "segment";
	if (longform) {
		names[k++] = "metric";
		names[k++] = "value";
	} else
		for (size_t i = 0; i < n; i++)
			names[k++] = metrics_defs[which[i]].name;
	o = out_new(stdout, oo, names, k);
	free(names);
	for (size_t p = 0; p < t->nperiod; p++)
		for (size_t s = 0; s < t->nsegment; s++) {
			if (!longform)
				write_keys(o, t, p, s);
			for (size_t i = 0; i < n; i++) {
				if (longform) {
					const char *name =
					    metrics_defs[which[i]].name;

					write_keys(o, t, p, s);
					out_text(o, name, strlen(name));
				}
				write_value(o, t, p, s, which[i],
				    out_percent(oo->format));
				if (longform)
					out_end_row(o);
			}
			if (!longform)
				out_end_row(o);
		}
	return out_close(o);
}
