/*
 * mrr: each account's MRR at the ends of the report's periods and of the
 * months before them, its movement from one period to the next, and the
 * sums of those per period and segment that the metrics are made of.
 *
 * An account is given whole, as its subscriptions with their monthly
 * amounts already in the report currency; nothing is read from the
 * database here.  A subscription is active on day d when start <= d <
 * end and d is in none of its pauses (DESIGN.md: no MRR while paused).
 * MRR on a day is the sum of the active subscriptions' amounts;
 * the MRR of a period is that of its last day, and its start that of the
 * day before its first.
 *
 * mrr_new() returns sums the caller releases with mrr_free(); the sums
 * and series it hands out belong to it.  The subscriptions and their
 * pauses belong to the caller, and are not kept past the call given them.
 */
#ifndef REVOPS_MRR_H
#define REVOPS_MRR_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

/* Days [start, end) within the subscription's; end DATE_NONE: until
 * resumed. */
struct mrr_pause {
	int32_t start, end;
};

struct mrr_sub {
	int32_t start, end;	/* end DATE_NONE: open-ended */
	int64_t mrr;		/* per month, minor units, rounded */
	int64_t cost;		/* per month, the same units */
	int64_t seats;		/* licensed seats x 10^6 (per-seat products) */
	const struct mrr_pause *pause;	/* npause, in order, apart */
	size_t npause;
};

/* The sums of one period and segment over its accounts. */
struct mrr_sums {
	int64_t start, end;		/* MRR */
	int64_t move[MV_COUNT];		/* amounts by movement */
	int64_t count[MV_COUNT];	/* accounts by movement */
	int64_t paying_start, paying_end;	/* accounts */
	int64_t cohort_start, cohort_kept, cohort_end;	/* GRR, NRR */
	int64_t cost_end, seats_end;
};

/* One account in one period, for --detail mrr. */
struct mrr_step {
	int64_t start, end, amount;
	enum movement move;
};

struct mrr;

/*
 * Periods of `months` months (1, 3, 12), the first starting in month
 * `first` (date.h month number), n of them; monthly churn is also kept
 * for the `trail` months that end with each period's last month.
 */
struct mrr *mrr_new(int32_t first, size_t n, int months, int trail,
    size_t nsegment);
void mrr_free(struct mrr *m);

/* The last day of period k. */
int32_t mrr_period_last(const struct mrr *m, size_t k);

/*
 * Adds one account of the given segment; when steps is not NULL it
 * receives the account's step in each period (n of them).
 */
void mrr_add(struct mrr *m, size_t segment, const struct mrr_sub *sub,
    size_t nsub, struct mrr_step *steps);

const struct mrr_sums *mrr_sums(const struct mrr *m, size_t period,
    size_t segment);

/* Whether a sum went past 64 bits (the sums are then not to be used). */
int mrr_overflowed(const struct mrr *m);

/* The monthly logo churn of the trail months ending with period k's last
 * month: accounts paying at each month's start and those of them that
 * churned in it (trail entries each, the latest month last); one whose
 * MRR went to 0 with a pause has not churned. */
void mrr_trail(const struct mrr *m, size_t period, size_t segment,
    const int64_t **start, const int64_t **churned);

/* Whether the subscription is active on a day: in its days, and not
 * paused. */
int mrr_active(const struct mrr_sub *s, int32_t day);

/* MRR on a day (held at the int64 range: it answers whether an account
 * pays; the figures come from the checked sums), and the first month end
 * on which the account paid (DATE_NONE: none). */
int64_t mrr_at(const struct mrr_sub *sub, size_t nsub, int32_t day);
int32_t mrr_first_paying(const struct mrr_sub *sub, size_t nsub);

#endif
