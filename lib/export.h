/*
 * export: an entity's rows written back out in the import contract's
 * columns and forms (entity.c), so that what it writes imports back
 * unchanged; and the audit log.  The verbs of every program that write
 * records (revops-import --export, the invoices a billing run made, the
 * opportunities a pipeline verb changed) write them through here, so
 * that the contract has one writer; it is a layer above db, entity and
 * out, and knows nothing of importing.
 *
 * Output goes to stdout through an out writer of its own, which each
 * call closes; nothing is left for the caller to free.
 */
#ifndef REVOPS_EXPORT_H
#define REVOPS_EXPORT_H

#include <stdint.h>

#include "entity.h"
#include "out.h"

struct db;		/* db.h */
struct db_stmt;

/* Writes the entity's rows: all of them, or with `only` the name of a
 * table of the connection's own (db_temp_table()) whose column `key`
 * holds the keys of the rows wanted (entities with a one-column key).
 * Returns 0, or -1 on a write error. */
int export_rows(struct db *db, const struct entity *e,
    const struct out_opts *oo, const char *only);

/* As export_rows(), with the values of the column `given` read from the
 * column of that name of the table `only` instead: the value the caller
 * worked out, where the stored one is not what it shows. */
int export_given(struct db *db, const struct entity *e,
    const struct out_opts *oo, const char *only, const char *given);

/* Writes column i of the row st is on as a cell, as it is stored: a NULL
 * cell for NULL, else its text (db_len() bytes of db_text()), whatever
 * the column's type. */
void export_column(struct out *out, struct db_stmt *st, int i);

/* Writes one number cell of a column of type t (money, price, quantity,
 * percent, rate or int) as export_rows() does, for a program that writes
 * an entity's rows from what it holds rather than reading them. */
void export_number(struct out *out, enum entity_type t, int64_t v,
    int exponent);

/* Writes the audit log, oldest first: the entries from the day since on
 * ("YYYY-MM-DD", in UTC as their times are; NULL: all), of them the
 * last (0: all).  Returns as export_rows(). */
int export_log(struct db *db, const struct out_opts *oo, const char *since,
    long last);

#endif
