/*
 * import: loading CSV files of one entity into the database, validated
 * against the contract in entity.c.  The way back out (--export) and the
 * audit log are export's (export.h).
 *
 * One call is one transaction: with any error (and no rejects file) the
 * database is left as it was.
 */
#ifndef REVOPS_IMPORT_H
#define REVOPS_IMPORT_H


#include "cli.h"
#include "entity.h"
#include "mapping.h"

struct db;		/* db.h */

enum import_mode { IMPORT_INSERT, IMPORT_UPSERT, IMPORT_REPLACE };

struct import_opts {
	enum import_mode mode;
	int dry_run;
	const char *rejects;	/* path of the rejects file, or NULL */
	const struct cli_common *common;
	const char *arguments;	/* the command line, for the audit log */
	/* Another system's export of the entity (mapping.h), read through
	 * its mapping and named in messages by its own columns; the rejects
	 * are its rows, with an error column.  NULL: revops's columns. */
	const struct mapping_export *from;
	const char *system;	/* with from: the system, as --from names it */
};

/* Exits CLI_EUSAGE when the options do not go together: --rejects with
 * an export of which a row may make several rows.  import_files() checks
 * them first; a program calls it before it opens the database. */
void import_check_opts(const struct import_opts *o);

/* Imports the files (NULL or "-": stdin) as one transaction.  Returns
 * CLI_OK or CLI_EDATA; database and I/O failures exit. */
int import_files(struct db *db, const struct entity *e,
    const struct import_opts *o, char *const files[], int nfiles);

#endif
