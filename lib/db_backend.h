/*
 * db_backend: what a backend of the storage interface provides (lib/db.h
 * is what the rest of revops sees).  Each backend's connection and
 * statement begin with struct db and struct db_stmt below, and point at
 * its table of operations; lib/db.c dispatches every call of db.h to it,
 * and holds what is the same on every backend.
 *
 * The contracts are those of the db.h call of the same name.  Only
 * lib/db.c and the backends include this header.
 */
#ifndef REVOPS_DB_BACKEND_H
#define REVOPS_DB_BACKEND_H

#include <pthread.h>

#include "db.h"

struct db_ops;

struct db {
	const struct db_ops *ops;
	int shared, busy_ms;
	struct db_stmt *stmts;	/* prepared on it, not yet finalized */
	struct db_stmt *keys_add;	/* db_keys_add()'s, once prepared */
	/* set by a backend whose connection takes one call at a time when
	 * it is shared (PostgreSQL's): db.c holds it, a recursive mutex,
	 * through every call that reaches the connection */
	pthread_mutex_t *serial;
};

struct db_stmt {
	const struct db_ops *ops;
	struct db *db;
	long changes;
	struct db_stmt *prev, *next;
};

struct db_ops {
	const char *name;	/* "sqlite", "postgresql" */
	void (*close)(struct db *db);
	void (*hold)(struct db *db, int on);	/* as db_hold() */
	struct db *(*open_snapshot)(struct db *db);
	void (*exec)(struct db *db, const char *sql);
	/* runs the schema's SQL (CREATE TABLE...), written in SQLite's
	 * words, as the backend says its types */
	void (*schema)(struct db *db, const char *sql);
	int (*secondary_indexes)(struct db *db, const char *table,
	    char *name[], char *sql[], int max);
	void (*begin)(struct db *db, int write);
	void (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	int (*in_transaction)(struct db *db);
	void (*write_at_commit)(struct db *db);
	void (*references)(struct db *db, int on);
	void (*references_vouch)(struct db *db, const char *table);
	void (*stmt_keys)(struct db_stmt *st, int col);
	unsigned long (*references_check)(struct db *db);
	const char *(*error)(struct db *db);
	/* says what failed, with the statement's SQL unless NULL, rolls
	 * back, and returns the exit status for it */
	int (*failed)(struct db *db, const char *context, const char *sql);

	/* prepare returns a statement of the backend's size, its struct
	 * db_stmt filled in but for the list, which db.c keeps */
	struct db_stmt *(*prepare)(struct db *db, const char *sql);
	void (*finalize)(struct db_stmt *st);
	int (*row)(struct db_stmt *st);
	enum db_result (*step)(struct db_stmt *st, int may_refuse);
	void (*reset)(struct db_stmt *st);
	int (*params)(struct db_stmt *st);
	void (*bind_int)(struct db_stmt *st, int i, int64_t v);
	void (*bind_null)(struct db_stmt *st, int i);
	/* s is not NULL; copy: the backend copies it, else the caller
	 * keeps it until the statement has run */
	void (*bind_text)(struct db_stmt *st, int i, const char *s, size_t len,
	    int copy);
	int (*null)(struct db_stmt *st, int i);
	int64_t (*int64)(struct db_stmt *st, int i);
	const char *(*text)(struct db_stmt *st, int i);
	size_t (*len)(struct db_stmt *st, int i);

	/* as db_prepare_rows(); NULL: one INSERT of the rows
	 * (db_rows_sql()); batch_rows as db_batch_rows() */
	int batch_rows;
	int lookups_before_scan;	/* as db_lookups_before_scan() */
	struct db_stmt *(*prepare_rows)(struct db *db, const char *head,
	    int ncol, int nrows);
	/* bulk load, as db_rows_new() and the rest */
	struct db_rows *(*rows_new)(struct db *db, const char *head, int ncol);
	struct db_stmt *(*rows_add)(struct db_rows *r, int *base);
	void (*rows_flush)(struct db_rows *r);
	void (*rows_free)(struct db_rows *r);
};

/* Every backend's struct db_rows begins with this. */
struct db_rows {
	const struct db_ops *ops;
	struct db *db;		/* db.c's */
};

extern const struct db_ops db_sqlite_ops, db_pg_ops;

/* The schema's migrations, in SQLite's dialect (lib/db.c); each backend
 * runs db_migrations[v] to take version v to v + 1. */
extern const char *const db_migrations[DB_SCHEMA_VERSION];

/* Takes the password out of every URL in s, in place, for messages and
 * the audit log: postgresql://user:secret@host/db becomes
 * postgresql://user@host/db, and a password=... of its query goes. */
void db_redact(char *s);

/*
 * What every backend says the same way (lib/db.c).  db_sql_start() puts
 * the start of a statement's SQL on one line into buf, for an error to
 * name the statement it was ("" for NULL).  db_busy_warn() and
 * db_overflow_warn() word the two errors a user can act on.
 * db_schema_check() ends a command that only reads, with the reason,
 * when the database's schema version is not this revops' (0: none).
 */
void db_sql_start(char *buf, size_t size, const char *sql);
/* "HEAD VALUES (?1, ...), ...": nrows rows of ncol parameters, numbered
 * on from 1; the caller frees it. */
char *db_rows_sql(const char *head, int ncol, int nrows);
void db_busy_warn(const char *context);
void db_overflow_warn(const char *context);
void db_schema_check(struct db *db, const char *name, int version);

/* Each backend's opening; the caller has chosen it by the db_path. */
struct db *db_sqlite_open(const struct cli_common *c, enum db_mode mode,
    int shared);
struct db *db_pg_open(const struct cli_common *c, enum db_mode mode,
    int shared);

#endif
