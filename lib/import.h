/*
 * import: loading CSV files of one entity into the database, validated
 * against the contract in entity.c; and the way back out (--export), the
 * import history and the audit log.
 *
 * One call is one transaction: with any error (and no rejects file) the
 * database is left as it was.
 */
#ifndef REVOPS_IMPORT_H
#define REVOPS_IMPORT_H


#include "cli.h"
#include "entity.h"

struct db;		/* db.h */

enum import_mode { IMPORT_INSERT, IMPORT_UPSERT, IMPORT_REPLACE };

struct import_opts {
	enum import_mode mode;
	int dry_run;
	const char *rejects;	/* path of the rejects file, or NULL */
	const struct cli_common *common;
	const char *arguments;	/* the command line, for the audit log */
};

/* Imports the files (NULL or "-": stdin) as one transaction.  Returns
 * CLI_OK or CLI_EDATA; database and I/O failures exit. */
int import_files(struct db *db, const struct entity *e,
    const struct import_opts *o, char *const files[], int nfiles);

/* Writes the entity's rows with the contract's columns, so that they
 * import back unchanged: all of them, or with `only` the name of a
 * temporary table whose column `key` holds the keys of the rows wanted
 * (entities with a one-column key).  Returns 0, or -1 on a write error. */
int import_export(struct db *db, const struct entity *e,
    const struct out_opts *oo, const char *only);

/* As import_export(), with the values of the column `given` read from the
 * column of that name of the table `only` instead: the value the caller
 * worked out, where the stored one is not what it shows. */
int import_export_given(struct db *db, const struct entity *e,
    const struct out_opts *oo, const char *only, const char *given);

/* Writes one number cell of a column of type t (money, price, quantity,
 * percent, rate or int) as import_export() does, for a program that
 * writes an entity's rows from what it holds rather than reading them. */
void import_export_number(struct out *out, enum entity_type t, int64_t v,
    int exponent);

/* Writes the audit log, oldest first. */
int import_log(struct db *db, const struct out_opts *oo);

#endif
