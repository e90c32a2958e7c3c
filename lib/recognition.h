/*
 * recognition: revenue recognition of invoice lines.  A line with a
 * service period [start, end) is recognised ratably by day: by each
 * month end the line has recognised amount x days so far / the period's
 * days, rounded once, and the month gets that less what the months before
 * got; the last month takes what is left, so the rows add up to the line
 * exactly and agree with recognition_through() at every month end.  A
 * line without a service period (a one-time charge) is recognised on the
 * invoice's date.  A credit note reverses in the
 * month it is issued.  Void invoices recognise nothing.
 */
#ifndef REVOPS_RECOGNITION_H
#define REVOPS_RECOGNITION_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

struct db;		/* db.h */

/*
 * Splits amount over the months of [start, end): months[i] (date.h month
 * numbers) and parts[i]; returns how many (at most max; a period longer
 * than max months has its tail in the last part).  Callers pass
 * RECOGNITION_MONTHS_MAX, a hundred years of months: the import refuses a
 * longer service period (recognition_months() says how long one is), so
 * every line in the database is split exactly.
 */
#define RECOGNITION_MONTHS_MAX 1200
size_t recognition_split(int64_t amount, int32_t start, int32_t end,
    int32_t *months, int64_t *parts, size_t max);

/* The months that [start, end) touches: the rows recognition_split()
 * makes of it (0 for an empty period). */
int32_t recognition_months(int32_t start, int32_t end);

/* A line's months and parts, as the schedule has them: split over its
 * service period, or all in the month it was issued when it has none
 * (or an empty one). */
size_t recognition_line(int64_t amount, int32_t start, int32_t end,
    int32_t issued, int32_t *months, int64_t *parts, size_t max);

/* The part of amount recognised by the end of day as_of. */
int64_t recognition_through(int64_t amount, int32_t start, int32_t end,
    int32_t as_of);

/* schedule: one row per line and month, months from..to (month numbers,
 * INT32_MIN/INT32_MAX for open); deferred: per account and currency,
 * billed, recognised and deferred as of a day.  Exit statuses. */
int recognition_schedule(struct db *db, int32_t from, int32_t to,
    const struct out_opts *oo);
int recognition_deferred(struct db *db, int32_t as_of,
    const struct out_opts *oo);

#endif
