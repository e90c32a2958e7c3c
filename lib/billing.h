/*
 * billing: subscription periods, proration, and the billing run of
 * revops-invoice.
 *
 * Periods start on the billing day B (setting billing_day, 1..28).  A
 * subscription's periods are anchored at the first day-B on or after its
 * start: [A + k x n months, A + (k+1) x n months) for n = 1, 3 or 12.  A
 * start before A makes a partial first period [start, A), and an end
 * inside a period a partial last one [start of period, end).  A partial
 * period is billed for its days over the days of the full period that
 * contains it ([A - n months, A) for the first one).  The run for month P
 * bills every period that starts in P.
 *
 * The pure functions are exposed for the tests; nothing here allocates
 * except billing_run's invoices, which go to the database, and the
 * pieces of a billing_charged, which its caller frees.
 */
#ifndef REVOPS_BILLING_H
#define REVOPS_BILLING_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "out.h"

struct db;		/* db.h */


struct billing_period {
	int32_t start, end;		/* what is billed, [start, end) */
	int32_t full_start, full_end;	/* the full period it is part of */
};

/* The first day on or after `day` whose day of the month is billing_day;
 * DATE_END when the calendar has none. */
int32_t billing_anchor(int32_t day, int billing_day);

/*
 * A day on which one of the periods of a subscription from `start`
 * begins, by the setting period_alignment: its first billing day
 * (billing_anchor()), or with `calendar` the billing day of January of
 * its year, so that quarters begin in January, April, July and October
 * and years in January, and a subscription that starts inside one is
 * billed for the days to its end, as Lago's calendar billing is.
 */
int32_t billing_align(int32_t start, int billing_day, int calendar);

/*
 * The periods of a subscription [start, end) (end DATE_NONE when open)
 * that start in [from, to): every `months` months from align
 * (billing_align()), and the days from start to the first.  Returns how
 * many were stored in out (at most max), or BILLING_PAST_CALENDAR when
 * one of them would begin or end outside 0001-01-01..9999-12-31: it
 * cannot be billed.
 */
#define BILLING_PAST_CALENDAR ((size_t)-1)
size_t billing_periods(int32_t start, int32_t end, int months,
    int32_t align, int32_t from, int32_t to, struct billing_period *out,
    size_t max);

/* The amount of `days` out of `full_days` of a period is
 * pricing_recurring()'s, of quantity x unit price. */

/*
 * One period of a subscription as charged: pieces of its days, each
 * billed at a net per full period (pricing_net(), minor units x 10^20):
 * a charge's days, or a change's difference on days charged; a credit
 * takes days back from every piece.  The run replays a period's billing
 * records into one and adds its own lines to it.  p grows in
 * billing_charged_add(); the caller frees it.
 */
struct billing_piece {
	int32_t start, end;
	int32_t origin;		/* the first day of the line that made it */
	__int128 net;
	int charge;		/* days billed (a charge), or a change */
};

struct billing_charged {
	int32_t fs, fe;		/* the full period */
	int32_t first;		/* its first day charged */
	struct billing_piece *p;
	size_t n, cap;
};

void billing_charged_add(struct billing_charged *c, int32_t start,
    int32_t end, __int128 net, int charge);
/* The net that day is billed at. */
__int128 billing_charged_net(const struct billing_charged *c, int32_t day);
/* Where the days billed end: the first day charged when none is. */
int32_t billing_charged_to(const struct billing_charged *c);
/* What the pieces billed for the days [from, to): of each, what its
 * line's days up to the end of them come to less what those up to their
 * start do (net x days / the days of the full period, each rounded
 * once), so that however many credits take its days back they add up to
 * what it billed, to the cent.  Returns 0, or -1 when it does not fit. */
int billing_charged_billed(const struct billing_charged *c, int32_t from,
    int32_t to, int64_t *sum);
/* The first run of days of [from, to) that no piece bills, [*a, *b);
 * 0 when every day is billed. */
int billing_charged_gap(const struct billing_charged *c, int32_t from,
    int32_t to, int32_t *a, int32_t *b);
/* The days [from, to) taken back from every piece. */
void billing_charged_take_back(struct billing_charged *c, int32_t from,
    int32_t to);

/* Tax on an amount at a rate in percent x 10^6, rounded per line. */
int billing_tax(int64_t amount, int64_t rate, int64_t *tax);

struct billing_opts {
	int32_t month;			/* the period P (date.h month number) */
	int32_t on;			/* the invoices' date */
	/* The accounts to bill: the arguments of in (--account), else the
	 * account_id column of a CSV on in->in (the output of revops-quote
	 * accept, say); NULL: every account (stdin is never read). */
	const struct csv_input *accounts;
	int dry_run;
	const struct out_opts *out;
	const char *arguments;
	int busy_ms;			/* the database's busy timeout */
};

/* The billing run: returns an exit status (cli.h). */
int billing_run(struct db *db, const struct billing_opts *o);

/*
 * A pause of subscription sub from day `from` up to `to` (the day it
 * resumes, exclusive; DATE_NONE: until resume), and the resume of the
 * pause that holds the day before `on`, which then ends on it (a pause
 * ending later is cut short).  Each a transaction that writes the
 * pause's row to o->out; o->arguments is its audit row's.  They return
 * an exit status (cli.h).
 */
int billing_pause(struct db *db, const char *sub, int32_t from, int32_t to,
    const struct billing_opts *o);
int billing_resume(struct db *db, const char *sub, int32_t on,
    const struct billing_opts *o);

/*
 * Late usage: an import of usage notes, of the months a billing run has
 * billed (usage_months), each account, sku and month whose events it
 * writes, changes or deletes (usage_changed), which the next run prices
 * again.  billing_watch_open() returns NULL when no month is billed, as
 * nothing is late then; the caller closes it with billing_watch_close().
 */
struct billing_watch;
struct billing_watch *billing_watch_open(struct db *db);
void billing_watch_close(struct billing_watch *w);
/* An event as written: its account, sku and day (YYYY-MM-DD), each of
 * the length given. */
void billing_watch_event(struct billing_watch *w, const char *account,
    size_t alen, const char *sku, size_t slen, const char *day);
/* The event of this id as the database holds it before an update, held
 * until billing_watch_release() says whether the update changed it. */
void billing_watch_hold(struct billing_watch *w, const char *event,
    size_t len);
void billing_watch_release(struct billing_watch *w, int changed);
/* Every event of the usage table (alias t) for which the SQL condition
 * `where` holds, before a replace deletes them.  What is noted is written
 * by billing_watch_close(), before the import commits. */
void billing_watch_where(struct billing_watch *w, const char *where);

#endif
