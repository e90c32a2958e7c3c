/*
 * report: the nightly report, one self-contained HTML file (inline CSS
 * and SVG drawn here; no script, font or image from anywhere else): the
 * headline metrics of the last period against the one before, the MRR
 * bridge, MRR, its movements, customers and ARPA, churn and retention
 * over the periods, a cohort retention grid, a breakdown by segment, the
 * accounts that moved most, the pipeline forecast and the AR aging.
 * Nothing returned needs freeing.
 */
#ifndef REVOPS_REPORT_H
#define REVOPS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "measure.h"

struct db;		/* db.h */

/*
 * Writes the report of the periods of o to path (replaced whole, or left
 * as it was on an error: see outfile.h; a new file has the given mode),
 * or to stdout for "-"; returns an exit status.  Without from_given the
 * periods start no earlier than the company's first month (that of the
 * first subscription), and o->segment adds a breakdown by it.
 */
int report_write(struct db *db, const char *path, mode_t mode,
    const struct measure_opts *o, int from_given, int32_t as_of);

/* The rules of a chart's axes, for the tests. */

/* The step of an axis over span in at most `intervals` steps: the
 * smallest 1, 2 or 5 x 10^k that is enough (1 for an empty span). */
int64_t report_step(int64_t span, int intervals);

/* Of n period labels of which fit fit on a chart: every how many to
 * label, counted back from the last, which is always labelled. */
size_t report_thin(size_t n, size_t fit);

/* A tick v at a step of an axis of figures of `scale` decimals, grouped
 * in thousands, without the decimals the step leaves at zero ("60,000",
 * "0.5"); buf needs MONEY_GROUPED_MAX bytes.  Returns its length. */
size_t report_tick(char *buf, int64_t v, int scale, int64_t step);

#endif
