/*
 * pipeline: the verbs of revops-pipeline (leads to opportunities, stage
 * changes, lists, funnel, forecast, velocity) and the arithmetic behind
 * them.  Each verb is one transaction and writes its result through out.
 * The arithmetic is exposed for the unit tests.  Nothing returned here
 * needs freeing.
 */
#ifndef REVOPS_PIPELINE_H
#define REVOPS_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "csv.h"
#include "out.h"

struct db;		/* db.h */


struct pipeline_filter {
	const char *stage, *owner, *type, *segment;
	int open_only;
	int32_t closing_from, closing_to;	/* inclusive, or DATE_NONE */
};

/* Verbs: each returns an exit status (CLI_OK, CLI_EDATA). */
int pipeline_convert(struct db *db, const struct csv_input *in,
    int all_qualified, int32_t on, const struct out_opts *oo,
    const char *arguments);
int pipeline_move(struct db *db, const struct csv_input *in, int32_t on,
    int reopen, const struct out_opts *oo, const char *arguments);
int pipeline_list(struct db *db, const struct pipeline_filter *f,
    const struct out_opts *oo);
int pipeline_won(struct db *db, int32_t since, const struct out_opts *oo);
int pipeline_funnel(struct db *db, int32_t from, int32_t to, const char *by,
    const struct out_opts *oo);
int pipeline_forecast(struct db *db, int quarters, int32_t from, int32_t to,
    const char *commit_stage, const char *currency,
    const struct out_opts *oo);
/*
 * The forecast's figures per period of expected close, in minor units of
 * the report currency (its exponent in *exp): open deals, their amount,
 * weighted by their stage's probability, commit and best case (both with
 * the won), and won.  Returns n of them; the caller frees the array.
 * Missing exchange rates are counted as data errors (cli.h).
 */
struct pipeline_forecast {
	char period[16];	/* "2026-11" or "2026-Q4" */
	long open;
	int64_t pipeline, weighted, commit, best_case, won;
};
struct pipeline_forecast *pipeline_forecast_sums(struct db *db, int quarters,
    int32_t from, int32_t to, const char *commit_stage, const char *currency,
    size_t *n, int *exp);
int pipeline_velocity(struct db *db, int32_t as_of, int window,
    const char *currency, const struct out_opts *oo);
int pipeline_stages(struct db *db, const struct out_opts *oo);

/*
 * The funnel of one opportunity.  Stages of the funnel are the open
 * stages and the won stage, in position order (lost stages are not a
 * step).  From its history (stage changes in date order, by funnel index,
 * -1 for a stage outside the funnel) and its current stage, it tells for
 * each funnel stage whether it was entered and when, whether that was
 * only implied (no history row: it was seen at a later stage), and the
 * days it spent there (-1 when it has not left or the entry is implied).
 */
#define FUNNEL_MAX 32

struct funnel_event {
	int stage;		/* funnel index, or -1 */
	int32_t day;
};

struct funnel_path {
	int reached;		/* the furthest funnel index, -1 for none */
	int32_t entered[FUNNEL_MAX];	/* DATE_NONE: not entered */
	int implied[FUNNEL_MAX];
	int32_t days[FUNNEL_MAX];
};

void pipeline_funnel_path(size_t nstages, const struct funnel_event *hist,
    size_t nhist, int current, int32_t created_on, struct funnel_path *p);

/* The median of n day counts (sorted in place), in tenths of a day. */
int64_t pipeline_median_tenths(int32_t *days, size_t n);

/*
 * Pipeline velocity per day, in minor units: open opportunities x average
 * won deal x win rate / average sales cycle, computed from the sums so
 * that it is rounded once: open x won_amount x won / ((won + lost) x
 * cycle_days).  Returns -1 when undefined (no won deal, no cycle), -2
 * when it does not fit in 64 bits.
 */
int pipeline_velocity_per_day(int64_t open, int64_t won_amount, int64_t won,
    int64_t lost, int64_t cycle_days, int64_t *per_day);

#endif
