/*
 * reconcile: the invariants that make the database's figures add up,
 * checked across all of it: each prints a row with pass or fail, how many
 * records break it and the first of their ids.  Nothing returned needs
 * freeing.
 */
#ifndef REVOPS_RECONCILE_H
#define REVOPS_RECONCILE_H

#include <stdint.h>

#include "out.h"

struct db;		/* db.h */

/* Runs every check as of a day; CLI_OK when all pass, CLI_EDATA when one
 * fails. */
int reconcile_run(struct db *db, int32_t as_of, const struct out_opts *oo);

#endif
