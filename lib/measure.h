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

/* --detail mrr: one row per account and period whose MRR is not 0 at
 * both ends.  Returns an exit status. */
int measure_detail_mrr(struct db *db, const struct measure_opts *o,
    const struct out_opts *oo);

#endif
