/*
 * report: the nightly report, one self-contained HTML file (inline CSS
 * and SVG drawn here; no script, font or image from anywhere else): the
 * headline metrics of the last period against the one before, the MRR
 * bridge as a waterfall, MRR and ARR over time, churn and retention
 * trends, the pipeline forecast and the AR aging.  Nothing returned
 * needs freeing.
 */
#ifndef REVOPS_REPORT_H
#define REVOPS_REPORT_H

#include <stdint.h>
#include <sys/types.h>

#include "measure.h"

struct db;		/* db.h */

/* Writes the report of the periods of o to path (replaced whole, or left
 * as it was on an error: see outfile.h; a new file has the given mode),
 * or to stdout for "-"; returns an exit status. */
int report_write(struct db *db, const char *path, mode_t mode,
    const struct measure_opts *o, int32_t as_of);

#endif
