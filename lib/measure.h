/*
 * measure: the metrics of revops-metrics measured on the database, per
 * period and segment, and the MRR detail behind them.  All of its SQL is
 * here; the definitions are in metrics.h and the MRR sums in mrr.h.
 *
 * measure_table() returns a table the caller frees with
 * metrics_table_free(), or NULL after reporting data errors (a missing
 * exchange rate).
 */
#ifndef REVOPS_MEASURE_H
#define REVOPS_MEASURE_H

#include <stdint.h>

#include "metrics.h"
#include "out.h"

struct db;		/* db.h */

struct measure_opts {
	int32_t from, to;	/* months (date.h), inclusive */
	int months;		/* a period: 1, 3 or 12 */
	const char *segment;	/* an accounts column, or NULL */
	const char *currency;	/* the report's, or NULL for the base */
	int countback;		/* --dso countback */
};

/* The accounts columns --segment takes, NULL-terminated. */
extern const char *const measure_segments[];

struct metrics_table *measure_table(struct db *db, const struct measure_opts *o);

/* The month of the first subscription's start, or DATE_NONE: where the
 * company's figures begin. */
int32_t measure_first_month(struct db *db);

/*
 * Each account's MRR step in each period of o, for --detail mrr and the
 * report: begin() once, after the amounts are known to convert (with the
 * table of the periods and segments, without figures), then account()
 * for each account of a segment, in id order, with one step a period.
 * The table and the steps are valid during the call.  Returns an exit
 * status.
 */
struct mrr_step;	/* mrr.h */
struct measure_visitor {
	void (*begin)(void *arg, const struct metrics_table *t);
	void (*account)(void *arg, const char *id, size_t segment,
	    const struct mrr_step *steps);
	void *arg;
};
int measure_accounts(struct db *db, const struct measure_opts *o,
    const struct measure_visitor *v);

/* --detail mrr: one row per account and period whose MRR is not 0 at
 * both ends.  Returns an exit status. */
int measure_detail_mrr(struct db *db, const struct measure_opts *o,
    const struct out_opts *oo);

#endif
