/*
 * db: the storage interface, the only code that talks to the database.
 *
 * Domain modules see two opaque objects, a connection (struct db) and a
 * prepared statement (struct db_stmt), and these calls; the backend
 * (lib/db_sqlite.c, the embedded default) is the one file that knows the
 * engine.  lib/db.c holds what is the same on every backend: the audit
 * log, settings, the id counters, the keys a verb writes out.
 *
 * db_open() for a command that writes creates the database (mode from the
 * options) with the whole schema on first use and migrates an older one
 * forward.  For a command that only reads it opens it read-only, and one
 * that is not there, or not of this schema, is an error; for a dry run it
 * opens a private copy, which the verb may change and which is thrown
 * away.  The connection is the caller's to close with db_close().
 *
 * Errors: every failure of the database itself is fatal.  It prints the
 * database's message with what was being done, rolls back, and exits
 * CLI_EIO, so that no caller can take an error for the end of the rows
 * or for success.  The exceptions are named: db_try() reports a refused
 * row to an import, which says which line it was.
 */
#ifndef REVOPS_DB_H
#define REVOPS_DB_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "date.h"

#define DB_SCHEMA_VERSION 1

struct db;		/* a connection */
struct db_stmt;		/* a prepared statement of one connection */

#define DB_MEMORY ":memory:"	/* a db_path for a database of no file */
enum db_mode {
	DB_WRITE,	/* created and migrated as needed */
	DB_READ,	/* read-only; never created */
	DB_DRY_RUN	/* a copy to change, read without a write lock */
};
/* shared: the connection is used from two threads (revops-import's writer
 * thread), so every call is locked against the other thread's (by SQLite
 * itself, in its serialized mode; by lib/db.c around each call that
 * reaches a PostgreSQL connection); otherwise none is, which saves a lock
 * a column read on a large output. */
struct db *db_open(const struct cli_common *c, enum db_mode mode, int shared);
/* Whether a database's name is a PostgreSQL URL (postgresql://… or
 * postgres://…) rather than the path of a SQLite file. */
int db_is_url(const char *path);
/* Closes the connection and every statement still prepared on it.  NULL
 * is fine. */
void db_close(struct db *db);
/* Whether the connection may be used from two threads (db_open()). */
int db_shared(const struct db *db);
/* A shared connection held by the calling thread from db_hold() to
 * db_release(), through many calls (a batch of rows bound and written),
 * which the other thread's do not come between: it waits once, not at
 * each call, and on SQLite, whose every call (a bind too) locks the
 * connection, each call's lock is the holder's, which costs next to
 * nothing.  Nested holds are fine; on a connection not shared,
 * nothing. */
void db_hold(struct db *db);
void db_release(struct db *db);

/*
 * A second connection that reads the database as db's write transaction
 * found it, for a thread that reads while db writes (the billing run's
 * biller, an import looking up what was there before it).  It writes
 * none of the database's tables, but may have tables of its own
 * (db_temp_table(): the accounts a run bills).  Opened after
 * db_begin(db) and used until db commits; the caller closes it with
 * db_close().  Opened after db_begin_read(db) and before db has read
 * anything, it reads db's snapshot, for a second thread of a command
 * that only reads (the metrics), or it is NULL where the backend cannot
 * share that snapshot (SQLite: a database in memory, or others'
 * commits coming between every try), and db reads it all.
 */
struct db *db_open_snapshot(struct db *db);

/*
 * Transactions.  A command that writes takes the write lock up front
 * (db_begin()), so that it waits (--busy-timeout) rather than failing
 * half-way; one that only reads reads one snapshot (db_begin_read()).
 * db_commit() comes once what the command has written to stdout is
 * flushed: a write error on it exits CLI_EIO (cli_finish_stdout())
 * uncommitted, so a verb writes its output before it commits.
 * db_rollback() is harmless outside a transaction.
 */
void db_begin(struct db *db);
void db_begin_read(struct db *db);
void db_commit(struct db *db);
void db_rollback(struct db *db);
/* Whether db is inside a transaction (a caller's snapshot to read in). */
int db_in_transaction(struct db *db);
/* What db's transaction writes from now on is held in memory (up to a
 * large bound) and written out at the commit, for a verb that writes
 * many rows on the thread that commits them (the billing run's
 * records). */
void db_write_at_commit(struct db *db);

/*
 * References between tables are checked by the database as each row is
 * written.  A verb that writes many rows whose references it has itself
 * just read or made may turn that off for its transaction with
 * db_references(db, 0), and must then call db_references_check() last
 * before it commits: each row the transaction wrote (inserted, or changed
 * a reference of) that refers to a row not there, and each row that
 * refers to one the transaction took away (deleted, or changed the key
 * of), is reported as a data error naming its table, its key and the
 * reference, and their number is returned.  It costs what the
 * transaction wrote, not what the tables hold.  db_references(db, 1)
 * turns the check on again, outside a transaction.
 */
void db_references(struct db *db, int on);
unsigned long db_references_check(struct db *db);
/*
 * The values of column col of st's rows are read from a key that others
 * refer to (the backend asks the database which column of which table
 * col is, and leaves any other alone; a key of several columns, such as
 * account_id and an id, when st reads each of them from one row of the
 * table, never a join of the table with itself): with references off,
 * each one a row returns is taken as there by db_references_check(), with
 * no lookup, unless the transaction takes it away.  For a statement of
 * db's write transaction, or of its snapshot (db_open_snapshot()), which
 * reads what that transaction found; it costs a copy of the key for each
 * row read, and a set insert once a key written is looked up among them.
 */
void db_stmt_keys(struct db_stmt *st, int col);
/* A verb that checks the references of the rows it writes to table
 * itself, against the database as it writes each (an import, which names
 * the line), says so after db_references(db, 0): db_references_check()
 * then leaves those rows out, but not the rows that refer to what the
 * transaction takes away from table.  table is the program's own name. */
void db_references_vouch(struct db *db, const char *table);

/* Runs SQL of one or more statements without results. */
void db_exec(struct db *db, const char *sql);

/*
 * A table of the connection's own for what one command works through
 * (the keys it writes out, the accounts to bill), made if new, else
 * emptied; it goes when the connection closes, and SQL names it by name
 * alone, never with a schema.  name and columns ("key TEXT PRIMARY
 * KEY") are the program's own.
 */
void db_temp_table(struct db *db, const char *name, const char *columns);

/*
 * The secondary indexes of table, those not unique (a unique one finds a
 * duplicate at its row) or unique because they hold the table's primary
 * key, for a verb that drops them to load many rows and
 * makes them again once, from sorted keys (DROP INDEX "name", then sql):
 * up to max of them, each its name and the statement that makes it, both
 * the caller's to free; returns how many.  table is the program's own.
 */
int db_secondary_indexes(struct db *db, const char *table, char *name[],
    char *sql[], int max);

/*
 * Statements.  db_prepare() returns a statement, the caller's to free
 * with db_finalize() (or db_close() frees it); sql is the program's own
 * text, with parameters ?1, ?2... (the backend writes them as it needs).
 *
 * db_row() steps a statement that returns rows: 1 for a row, 0 at the
 * end.  db_done() runs one that returns none.  Either leaves the
 * statement ready to be bound and run again once it has reached its end;
 * db_reset() does so before (binding does too), and frees what a
 * statement read part of holds.  A bind stays until bound again.
 */
struct db_stmt *db_prepare(struct db *db, const char *sql);
void db_finalize(struct db_stmt *st);
int db_row(struct db_stmt *st);
void db_done(struct db_stmt *st);
void db_reset(struct db_stmt *st);
/* The rows the last db_done() or db_try() of st inserted, changed or
 * deleted. */
long db_changes(struct db_stmt *st);
/* The connection of a statement. */
struct db *db_stmt_db(struct db_stmt *st);

/*
 * db_try() runs a statement that returns no row, as db_done() does, but
 * a row the schema refuses is not fatal: DB_DUPLICATE when it repeats a
 * key, DB_REFUSED for any other constraint, with db_error() saying which.
 */
enum db_result { DB_OK, DB_DUPLICATE, DB_REFUSED };
enum db_result db_try(struct db_stmt *st);
/* The database's message for the last error on db; valid until the next
 * call on it. */
const char *db_error(struct db *db);

/*
 * Binds, parameter i from 1.  One rule for text: a NULL pointer binds SQL
 * NULL, and every string, "" too, binds as that text.  db_bind_text()
 * copies s; db_bind_ref() does not (len bytes of s, which the caller
 * keeps unchanged until the statement has run), for the rows of a bulk
 * write.  db_bind_day() binds a day as YYYY-MM-DD, NULL for DATE_NONE.
 */
void db_bind_int(struct db_stmt *st, int i, int64_t v);
void db_bind_null(struct db_stmt *st, int i);
void db_bind_text(struct db_stmt *st, int i, const char *s);
void db_bind_ref(struct db_stmt *st, int i, const char *s, size_t len);
void db_bind_day(struct db_stmt *st, int i, int32_t day);
/* How many parameters the statement has. */
int db_params(struct db_stmt *st);

/*
 * Columns of the row db_row() returned, i from 0.  One reader for text:
 * db_text() is "" for NULL (db_null() tells them apart), valid until the
 * statement steps on; db_len() is its length in bytes.  db_int() reads 0
 * for NULL; db_day() is DATE_NONE for NULL or what is not a day.
 * db_strdup() is a copy of a text column, NULL for NULL, the caller's to
 * free.
 */
int db_null(struct db_stmt *st, int i);
int64_t db_int(struct db_stmt *st, int i);
const char *db_text(struct db_stmt *st, int i);
size_t db_len(struct db_stmt *st, int i);
int32_t db_day(struct db_stmt *st, int i);
char *db_strdup(struct db_stmt *st, int i);

/*
 * Bulk load: many rows by one INSERT, since a statement run costs about
 * what a small row does.  head is the INSERT up to its VALUES ("INSERT
 * INTO t (a, b)"), from the program's own SQL; ncol the number of
 * columns.  db_rows_add() returns the statement to bind the next row's
 * values to, each once and before the next call, at parameters *base to
 * *base + ncol - 1, after it has written a full statement; what is bound stays bound until then, so
 * texts go through db_bind_text() unless the caller keeps them until the
 * rows are written.  db_rows_flush() writes the rows left; a row whose
 * first column is NULL is never written (that is how a part-filled
 * statement leaves out the rest).  db_rows_free() frees without writing.
 */
#define DB_ROWS 64
struct db_rows;
struct db_rows *db_rows_new(struct db *db, const char *head, int ncol);
struct db_stmt *db_rows_add(struct db_rows *r, int *base);
void db_rows_flush(struct db_rows *r);
void db_rows_free(struct db_rows *r);

/*
 * A statement that inserts nrows rows of ncol values each into one table,
 * by the fastest means the backend has for a batch it may refuse: head is
 * as db_rows_new()'s, row r's values are bound at parameters r * ncol + 1
 * to (r + 1) * ncol, and db_try() writes all of the rows or, refused,
 * none of them (db_done() too, any refusal fatal).  The caller's to free
 * with db_finalize().
 */
struct db_stmt *db_prepare_rows(struct db *db, const char *head, int ncol,
    int nrows);
/* How many rows such a batch should hold on db's backend: where a
 * statement more costs about what a row does. */
int db_batch_rows(const struct db *db);
/* How many keys of a table a command should look up one at a time before
 * it asks whether reading them all at once costs less (0: read them all
 * at once from the start). */
int db_lookups_before_scan(const struct db *db);

/* Reports the connection's last error with a context and exits CLI_EIO
 * (a busy database says so and names the timeout); a sum() that would
 * wrap past 64 bits is bad data, CLI_EDATA. */
_Noreturn void db_fatal(struct db *db, const char *context);

/* ---- on every backend (lib/db.c) ------------------------------------------ */

/*
 * The next id a program assigns in table.column, PREFIX-NNNNNN, taken:
 * the number the prefix's counter in id_counters holds, or, when it has
 * none yet, one past the largest number of that form there, PREFIX- and
 * 1 to 18 digits (so ids the company imported in another form do not
 * matter, Q-12b or a number of 19 digits among them, and an import moves
 * the counter on past those of the form: db_ids_seen_done()), kept in
 * the counter for the next one, in the caller's write transaction.
 * table and column come from the program's own fixed names, never from
 * input.
 */
void db_next_id(struct db *db, const char *table, const char *column,
    const char *prefix, char *buf, size_t size);
/* The number of that id, not taken, for a program that assigns many in
 * a row and counts on from it; db_took_numbers() then says how far, in
 * its write transaction (db may be another connection reading the same
 * snapshot). */
long long db_next_number(struct db *db, const char *table,
    const char *column, const char *prefix);
void db_took_numbers(struct db *db, const char *table, const char *prefix,
    long long next);
/*
 * The ids of db_next_id() for a verb that assigns many of one table in
 * its write transaction (an accept's orders, a conversion's accounts):
 * the first costs a lookup, the rest count on in memory, and
 * db_ids_done() takes what was given, before the commit.
 */
struct db_ids {
	const char *table, *column, *prefix;	/* as db_next_id()'s */
	long long next;				/* 0 before the first */
};
void db_ids_next(struct db *db, struct db_ids *ids, char *buf, size_t size);
void db_ids_done(struct db *db, const struct db_ids *ids);
/*
 * An import writes ids of any form into table.column (the program's own
 * names), and the counters go on past the ids of their form it wrote, so
 * that the first id after it costs no scan either.  db_ids_seen_note()
 * notes one id as the import reads it: its prefix is all before its last
 * '-', and it counts when 1 to 18 digits follow (db_next_id()'s form);
 * per prefix the largest number is kept, in memory.  db_ids_seen_done(),
 * in the import's write transaction before the commit, sets the counter
 * of each prefix noted to one past the larger of that number and the
 * last the counter gave, or, when there is no counter yet, the largest
 * the table holds (a scan, once, unless the caller says that the table
 * held no row before: then the ids noted are all there is).  A counter
 * never goes back: a replace that takes ids away does not give them
 * again, and ids of another form move nothing.  The caller frees with
 * db_ids_seen_free(); NULL, no ids to note, is fine to both.
 */
struct db_ids_seen;
struct db_ids_seen *db_ids_seen_new(const char *table, const char *column,
    int was_empty);
void db_ids_seen_note(struct db_ids_seen *s, const char *id, size_t len);
void db_ids_seen_done(struct db *db, struct db_ids_seen *s);
void db_ids_seen_free(struct db_ids_seen *s);

/* A setting's value, copied into buf (size bytes); NULL when not set. */
const char *db_setting(struct db *db, const char *key, char *buf,
    size_t size);

/* The fiscal year of the settings fiscal_year_start_month and
 * fiscal_year_named_by: the calendar year when they are not set. */
struct date_fiscal db_fiscal_year(struct db *db);

/*
 * Change counts per table for the audit log.  db_changes_add() adds to a
 * table's counts (tables are added as first seen); db_audit() appends the
 * audit_log row for the command.
 */
struct db_changes {
	struct {
		const char *table;	/* static storage */
		long inserted, updated, deleted;
	} t[8];
	int n;
};
void db_changes_add(struct db_changes *ch, const char *table, long inserted,
    long updated, long deleted);
/* Who runs the command, for the audit log: $USER, else the password
 * entry; NULL when neither says.  Static storage. */
const char *db_user(void);
void db_audit(struct db *db, const char *verb, const char *arguments,
    const struct db_changes *ch);

/* Ends a verb that writes, after it has written its output: with no data
 * error, appends its audit row and commits (CLI_OK; db_commit() flushes
 * the output first); else rolls back and says "VERB: nothing changed (N
 * errors)" (CLI_EDATA). */
int db_finish(struct db *db, const char *verb, const char *arguments,
    const struct db_changes *ch);

/* Whether table.column (the program's own names) holds key. */
int db_has(struct db *db, const char *table, const char *column,
    const char *key);

/* Reports as a data error ("--account: account 'X' does not exist") each
 * of the n ids given to option opt that table.column does not hold;
 * returns how many.  what names the record. */
unsigned long db_unknown_ids(struct db *db, const char *table,
    const char *column, const char *what, const char *opt, char *const *ids,
    size_t n);

/* out_keys(key): the keys of the rows a verb made or changed, which
 * it then writes out.  db_keys_open() creates or empties it;
 * db_keys_add() returns 1 when the key is new, 0 when it was there. */
void db_keys_open(struct db *db);
int db_keys_add(struct db *db, const char *key);

#endif
