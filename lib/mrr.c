/*
 * Each account's MRR at month ends, its movements, and their sums.
 *
 * An account's MRR is wanted at the end of every month from before the
 * first period (its start, and the trailing months of churn behind LTV)
 * to the last: a subscription adds its amount to a run of consecutive
 * month ends, so each goes into an array of differences once and one
 * pass sums them up, whatever the number of months.  A pause takes the
 * subscription's amounts off the run of month ends it covers, the same
 * way, and counts it paused there: a pause is not churn, and the
 * movements tell the two apart by that count.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "money.h"
#include "mrr.h"

struct mrr {
	int32_t first;		/* month of period 0 */
	size_t n;		/* periods */
	int months, trail;
	size_t nseg;
	int32_t snap0;		/* the first month whose end is kept */
	size_t nsnap;		/* month ends kept, to the last period's */
	int32_t trail0;		/* the first month of the churn series */
	size_t ntrail;		/* its months */
	struct mrr_sums *sums;	/* [period][segment] */
	int64_t *tstart, *tchurn;	/* [segment][month of the series] */
	int64_t *mrr, *cost, *seats;	/* per month end, one account */
	int64_t *paused;		/* its subscriptions paused there */
	int overflow;
};

struct mrr *
mrr_new(int32_t first, size_t n, int months, int trail, size_t nsegment)
{
	struct mrr *m = cli_calloc(1, sizeof(*m));
	int32_t last = first + (int32_t)(n * (size_t)months) - 1;

	m->first = first;
	m->n = n;
	m->months = months;
	m->trail = trail;
	m->nseg = nsegment;
	m->trail0 = first + months - trail;
	m->ntrail = (size_t)(last - m->trail0 + 1);
	m->snap0 = (first < m->trail0 ? first : m->trail0) - 1;
	m->nsnap = (size_t)(last - m->snap0 + 1);
	m->sums = cli_calloc(n * nsegment, sizeof(*m->sums));
	m->tstart = cli_calloc(nsegment * m->ntrail, sizeof(int64_t));
	m->tchurn = cli_calloc(nsegment * m->ntrail, sizeof(int64_t));
	m->mrr = cli_calloc(m->nsnap + 1, sizeof(int64_t));
	m->cost = cli_calloc(m->nsnap + 1, sizeof(int64_t));
	m->seats = cli_calloc(m->nsnap + 1, sizeof(int64_t));
	m->paused = cli_calloc(m->nsnap + 1, sizeof(int64_t));
	return m;
}

void
mrr_free(struct mrr *m)
{
	if (m == NULL)
		return;
	free(m->sums);
	free(m->tstart);
	free(m->tchurn);
	free(m->mrr);
	free(m->cost);
	free(m->seats);
	free(m->paused);
	free(m);
}

int32_t
mrr_period_last(const struct mrr *m, size_t k)
{
	return date_month_start(m->first + (int32_t)(k + 1) * m->months) - 1;
}

int
mrr_active(const struct mrr_sub *s, int32_t day)
{
	if (day < s->start || (s->end != DATE_NONE && day >= s->end))
		return 0;
	for (size_t i = 0; i < s->npause; i++)
		if (s->pause[i].start <= day && (s->pause[i].end == DATE_NONE ||
		    day < s->pause[i].end))
			return 0;
	return 1;
}

int64_t
mrr_at(const struct mrr_sub *sub, size_t nsub, int32_t day)
{
	__int128 sum = 0;	/* 2^64 subscriptions of 2^63 would not fit */

	for (size_t i = 0; i < nsub; i++)
		if (mrr_active(&sub[i], day))
			sum += sub[i].mrr;
	return sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN :
	    (int64_t)sum;
}

static int
by_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* The last day of the month of day. */
static int32_t
month_end_of(int32_t day)
{
	return date_month_end(date_month_of(day)) - 1;
}

/*
 * The account's MRR can only become positive on the first month end of a
 * subscription with a positive amount or of its resuming, or on the
 * first after one with a negative amount has ended or been paused; those
 * days are tried in order.
 */
int32_t
mrr_first_paying(const struct mrr_sub *sub, size_t nsub)
{
	size_t n = 0, cap = nsub;
	int32_t *day, found = DATE_NONE;

	for (size_t i = 0; i < nsub; i++)
		cap += sub[i].npause;
	day = cli_calloc(cap, sizeof(*day));
	for (size_t i = 0; i < nsub; i++) {
		const struct mrr_sub *s = &sub[i];
		int32_t d = month_end_of(s->start);

		if (s->mrr > 0 && (s->end == DATE_NONE || d < s->end))
			day[n++] = d;
		if (s->mrr < 0 && s->end != DATE_NONE)
			day[n++] = month_end_of(s->end);
		for (size_t j = 0; j < s->npause; j++)
			if (s->mrr > 0 && s->pause[j].end != DATE_NONE)
				day[n++] = month_end_of(s->pause[j].end);
			else if (s->mrr < 0)
				day[n++] = month_end_of(s->pause[j].start);
	}
	qsort(day, n, sizeof(*day), by_day);
	for (size_t i = 0; i < n && found == DATE_NONE; i++)
		if (mrr_at(sub, nsub, day[i]) > 0)
			found = day[i];
	free(day);
	return found;
}

/* *sum += v, or the mark that a sum went past 64 bits. */
static void
add(struct mrr *m, int64_t *sum, int64_t v)
{
	if (money_add(*sum, v, sum) != MONEY_OK)
		m->overflow = 1;
}

int
mrr_overflowed(const struct mrr *m)
{
	return m->overflow;
}

/*
 * The month ends kept that are in [from, to) (to DATE_NONE: open), as the
 * indices first..last; 0 when there are none.  A month's end is in when
 * the month is from's or later and before to's (whose end is not before
 * to).
 */
static int
span(const struct mrr *m, int32_t from, int32_t to, int64_t *first,
    int64_t *last)
{
	int64_t n = (int64_t)m->nsnap;

	*first = date_month_of(from) - m->snap0;
	*last = to == DATE_NONE ? n - 1 : date_month_of(to) - 1 - m->snap0;
	if (*first < 0)
		*first = 0;
	if (*last > n - 1)
		*last = n - 1;
	return *first <= *last;
}

/* v at the month ends first..last, as differences. */
static void
put(struct mrr *m, int64_t *diff, int64_t first, int64_t last, int64_t v)
{
	add(m, &diff[first], v);
	add(m, &diff[last + 1], -v);
}

/* A subscription's amounts at the month ends first..last, or taken off
 * them (a pause). */
static void
put_sub(struct mrr *m, const struct mrr_sub *s, int64_t first, int64_t last,
    int off)
{
	put(m, m->mrr, first, last, off ? -s->mrr : s->mrr);
	put(m, m->cost, first, last, off ? -s->cost : s->cost);
	put(m, m->seats, first, last, off ? -s->seats : s->seats);
}

/* Its pauses, within the month ends first..last it is active at. */
static void
put_pauses(struct mrr *m, const struct mrr_sub *s, int64_t first,
    int64_t last)
{
	for (size_t j = 0; j < s->npause; j++) {
		int64_t pf, pl;

		if (!span(m, s->pause[j].start, s->pause[j].end, &pf, &pl))
			continue;
		if (pf < first)
			pf = first;
		if (pl > last)
			pl = last;
		if (pf > pl)
			continue;
		put_sub(m, s, pf, pl, 1);
		put(m, m->paused, pf, pl, 1);
	}
}

/* The account's MRR, cost, seats and paused subscriptions at every month
 * end kept. */
static void
month_ends(struct mrr *m, const struct mrr_sub *sub, size_t nsub)
{
	int64_t *series[] = { m->mrr, m->cost, m->seats, m->paused };
	size_t n = m->nsnap;

	for (size_t k = 0; k < 4; k++)
		memset(series[k], 0, (n + 1) * sizeof(int64_t));
	for (size_t i = 0; i < nsub; i++) {
		int64_t first, last;

		if (!span(m, sub[i].start, sub[i].end, &first, &last))
			continue;
		put_sub(m, &sub[i], first, last, 0);
		put_pauses(m, &sub[i], first, last);
	}
	for (size_t k = 0; k < 4; k++) {
		int64_t sum = 0;

		for (size_t i = 0; i < n; i++) {
			add(m, &sum, series[k][i]);
			series[k][i] = sum;
		}
	}
}

void
mrr_add(struct mrr *m, size_t segment, const struct mrr_sub *sub,
    size_t nsub, struct mrr_step *steps)
{
	int32_t paid = mrr_first_paying(sub, nsub);
	int64_t *ts = m->tstart + segment * m->ntrail;
	int64_t *tc = m->tchurn + segment * m->ntrail;

	month_ends(m, sub, nsub);
	for (size_t k = 0; k < m->n; k++) {
		struct mrr_sums *su = &m->sums[k * m->nseg + segment];
		size_t i0 = (size_t)(m->first + (int32_t)k * m->months - 1 -
		    m->snap0), i1 = i0 + (size_t)m->months;
		int64_t s = m->mrr[i0], e = m->mrr[i1], amount;
		enum movement mv = metrics_movement(s, e, paid != DATE_NONE &&
		    paid < date_month_start(m->first + (int32_t)k *
		    m->months) - 1, m->paused[i0], m->paused[i1], &amount);

		if (amount < 0)
			m->overflow = 1;	/* a move past 64 bits */

		add(m, &su->start, s);
		add(m, &su->end, e);
		add(m, &su->move[mv], amount);
		su->count[mv]++;
		su->paying_start += s > 0;
		su->paying_end += e > 0;
		if (s > 0) {
			add(m, &su->cohort_start, s);
			add(m, &su->cohort_kept, e < s ? e : s);
			add(m, &su->cohort_end, e);
		}
		add(m, &su->cost_end, m->cost[i1]);
		add(m, &su->seats_end, m->seats[i1]);
		if (steps != NULL) {
			steps[k].start = s;
			steps[k].end = e;
			steps[k].amount = amount;
			steps[k].move = mv;
		}
	}
	for (size_t i = 0; i < m->ntrail; i++) {
		size_t j = (size_t)(m->trail0 + (int32_t)i - 1 - m->snap0);
		int64_t s = m->mrr[j], e = m->mrr[j + 1], amount;

		ts[i] += s > 0;
		tc[i] += metrics_movement(s, e, 1, m->paused[j],
		    m->paused[j + 1], &amount) == MV_CHURN;
	}
}

const struct mrr_sums *
mrr_sums(const struct mrr *m, size_t period, size_t segment)
{
	return &m->sums[period * m->nseg + segment];
}

void
mrr_trail(const struct mrr *m, size_t period, size_t segment,
    const int64_t **start, const int64_t **churned)
{
	size_t last = (size_t)(m->first + (int32_t)(period + 1) * m->months -
	    1 - m->trail0);

	*start = m->tstart + segment * m->ntrail + last + 1 - (size_t)m->trail;
	*churned = m->tchurn + segment * m->ntrail + last + 1 -
	    (size_t)m->trail;
}
