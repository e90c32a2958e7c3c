/*
 * metrics: the revenue metrics of revops-metrics as data (names, kinds,
 * one line of definition each), the arithmetic of their definitions, and
 * the table of values per period and segment that the program writes.
 *
 * Every figure is an integer at a fixed scale: money in minor units of
 * the report currency, rates as fractions x 10^4, days and months x 10^2,
 * counts as they are.  A figure made by division is rounded once, half
 * away from zero (money_div).  A value that is undefined (a rate over
 * nothing) is absent, never 0.
 *
 * metrics_table_new() returns a table the caller releases with
 * metrics_table_free(); the cells metrics_cell() points to belong to it.
 * Nothing else here allocates.
 */
#ifndef REVOPS_METRICS_H
#define REVOPS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

enum metric {
	M_MRR, M_ARR, M_NEW_MRR, M_EXPANSION_MRR, M_CONTRACTION_MRR,
	M_CHURNED_MRR, M_REACTIVATION_MRR, M_PAYING_ACCOUNTS, M_NEW_ACCOUNTS,
	M_CHURNED_ACCOUNTS, M_LOGO_CHURN_RATE, M_GROSS_REVENUE_CHURN,
	M_NET_REVENUE_CHURN, M_GRR, M_NRR, M_RENEWAL_RATE,
	M_RENEWAL_RATE_VALUE, M_ARPA, M_LTV, M_CAC, M_CAC_PAYBACK_MONTHS,
	M_TCV, M_ACV, M_BOOKINGS_NEW, M_BOOKINGS_EXPANSION,
	M_BOOKINGS_RENEWAL, M_DSO, M_RPO, M_CRPO, M_CSAT, M_ADOPTION_RATE,
	M_SEAT_UTILIZATION, M_MARGIN, M_WIN_RATE, M_AVG_DEAL_SIZE,
	M_SALES_CYCLE_DAYS, M_PIPELINE_VELOCITY, M_COUNT
};

enum metric_kind {
	MK_MONEY,		/* minor units of the report currency */
	MK_COUNT,
	MK_RATE,		/* a fraction x 10^4 */
	MK_DAYS,		/* x 10^2 */
	MK_MONTHS		/* x 10^2 */
};

#define METRICS_RATE_SCALE 4
#define METRICS_DAYS_SCALE 2

struct metric_def {
	const char *name;	/* the column name of DESIGN.md */
	enum metric_kind kind;
	const char *title;	/* for a person: the report, --help */
};

/* The definitions, indexed by enum metric. */
extern const struct metric_def metrics_defs[M_COUNT];

/* The metric named name, or -1. */
int metrics_find(const char *name);

/* ---- the arithmetic of the definitions ---- */

/* The kinds of an account's MRR movement from one period to the next.
 * MV_PAUSED and MV_RESUMED are a contraction and an expansion made by a
 * pause: a paused account has not churned (see metrics_movement()). */
enum movement {
	MV_NONE, MV_NEW, MV_EXPANSION, MV_CONTRACTION, MV_CHURN,
	MV_REACTIVATION, MV_PAUSED, MV_RESUMED, MV_COUNT
};

/* The movement names of --detail mrr, indexed by enum movement ("" for
 * none). */
extern const char *const metrics_movement_names[MV_COUNT];

/*
 * An account's movement from MRR start to MRR end, with its amount (>= 0)
 * such that start + new + expansion + reactivation + resumed -
 * contraction - churn - paused = end exactly.  An account pays when its
 * MRR is above 0; paid_before tells whether it paid at some earlier month
 * end (reactivation, not new).  paused_start and paused_end are the
 * account's subscriptions paused on the two days: MRR that goes down
 * with more of them paused, or to 0 with one paused, is paused (not
 * churn); MRR that comes back up with fewer paused, or from 0 of an
 * account that paid before and had one paused, is resumed (not
 * reactivation).  ChartMogul's way: a pause is a move to a free plan by
 * a customer who stays active (its "Free Customer Handling" default,
 * https://help.chartmogul.com/hc/en-us/articles/360015688860).
 */
enum movement metrics_movement(int64_t start, int64_t end, int paid_before,
    int64_t paused_start, int64_t paused_end,
    int64_t *amount);	/* |end - start|, or -1 past 64 bits */

/* The metric a movement's amount counts in (M_COUNT for none): a pause
 * in contraction_mrr and a resume in expansion_mrr. */
enum metric metrics_movement_metric(enum movement mv);

/* A movement's amount with its sign: less MRR (contraction, churn, a
 * pause) negative. */
int64_t metrics_signed_amount(enum movement mv, int64_t amount);

/* num / den x 10^scale, rounded once; -1 when den is 0 (undefined) or
 * the result does not fit. */
int metrics_ratio(__int128 num, __int128 den, int scale, int64_t *out);

/*
 * LTV: ARPA x gross margin / the average monthly logo churn rate of n
 * months, which is (mrr - cost) / paying x n / sum(churned[i] /
 * start[i]) over the months with start[i] > 0 (the others do not count
 * in n).  Computed as one fraction, rounded once.  Returns 0; -1 when
 * undefined (no paying account, or no churn); -2 when it does not fit.
 */
int metrics_ltv(int64_t mrr, int64_t cost, int64_t paying,
    const int64_t *churned, const int64_t *start, size_t n, int64_t *ltv);

/*
 * DSO by the countback method: from the receivables at the end of the
 * period, take away the amounts invoiced month by month going back (the
 * latest first), counting each month's days while the receivables cover
 * it, and the part days x rest / invoiced of the month they run out in.
 * invoiced[i] and days[i] are the months from the latest back; x 10^2,
 * rounded once.  When the months run out first, their days are all that
 * is counted.
 */
int64_t metrics_dso_countback(int64_t receivables, const int64_t *invoiced,
    const int32_t *days, size_t n);

/*
 * A length of time in months, as a fraction: the whole months from
 * `from` to `to` by date_add_months(), and the days left over the days
 * of the month that would come next.  2026-01-15 to 2027-01-15 is 12;
 * 2026-01-01 to 2026-02-15 is 1 + 14/28; 2026-01-31 to 2026-03-01 is
 * 1 (to 02-28) + 1/31 (the next month ending 03-31), so a longer term is
 * never fewer months.
 */
struct metrics_months {
	int64_t num, den;	/* months = num / den */
};
struct metrics_months metrics_months_between(int32_t from, int32_t to);

/* The value over [from, to) of a recurring line of gross and discount
 * per billing period of period_months (pricing.h): the months between
 * them (metrics_months_between) over the period's, by
 * pricing_recurring(), rounded once.  Returns 0, or -1 when it does not
 * fit. */
int metrics_value_over(__int128 gross, int64_t discount, int period_months,
    int32_t from, int32_t to, int64_t *v);

/* ACV: a recurring value over [start, end), per year: value x 12 / the
 * months of the term, rounded once; 0 for an empty term.  Returns 0, or
 * -1 when it does not fit. */
int metrics_acv(int64_t value, int32_t start, int32_t end, int64_t *acv);

/* DSO x 10^2: receivables / invoiced x days; -1 when nothing was
 * invoiced. */
int metrics_dso(int64_t receivables, int64_t invoiced, int64_t days,
    int64_t *dso);

/*
 * CAC payback in months x 10^2: CAC / (new-account ARPA x gross margin),
 * which is spend x mrr / (new_mrr x (mrr - cost)) with CAC = spend / new
 * accounts, their ARPA = new_mrr / new accounts and the margin (mrr -
 * cost) / mrr.  -1 when undefined: no new MRR, or no margin.
 */
int metrics_payback(int64_t spend, int64_t mrr, int64_t cost,
    int64_t new_mrr, int64_t *months);

/* ---- the table of values ---- */

struct metrics_cell {
	int64_t v;
	int set;		/* 0: undefined, written empty */
};

struct metrics_table {
	size_t nperiod, nsegment;
	char (*period)[16];		/* "2026-11", "2026-Q4", "2026" */
	char **segment;			/* NULL entries: no value */
	int has_segment;		/* --segment: a column for it */
	int exponent;			/* of the report currency */
	struct metrics_cell *cell;	/* [period][segment][metric] */
};

struct metrics_table *metrics_table_new(size_t nperiod, size_t nsegment);
void metrics_table_free(struct metrics_table *t);
const struct metrics_cell *metrics_cell(const struct metrics_table *t,
    size_t period, size_t segment, enum metric m);
void metrics_set(struct metrics_table *t, size_t period, size_t segment,
    enum metric m, int64_t v);

/*
 * Writes the table: one row per period and segment with a column per
 * metric of `which` (n of them), or with `longform` one row per period,
 * segment and metric.  Returns 0, or -1 on a write error.
 */
int metrics_write(const struct metrics_table *t, const enum metric *which,
    size_t n, int longform, const struct out_opts *oo);


#endif
