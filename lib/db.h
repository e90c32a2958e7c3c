/*
 * db: opening the database, its schema and migrations, transactions, and
 * the audit log.
 *
 * db_open() for a command that writes creates the file (mode from the
 * options) with the whole schema on first use and migrates an older one
 * forward; it sets WAL, foreign keys and the busy timeout.  For a command
 * that only reads it opens the file read-only, and a file that is not
 * there, or not of this schema, is an error; for a dry run it opens a
 * private copy, which the verb may change and which is thrown away.  The
 * connection is the caller's to close with db_close().  Failures of the
 * database itself are fatal: they print and exit with CLI_EIO after
 * rolling back.
 */
#ifndef REVOPS_DB_H
#define REVOPS_DB_H

#include <sqlite3.h>

#include "cli.h"
#include "date.h"

#define DB_SCHEMA_VERSION 1

/* shared: the connection is used from two threads (revops-import's writer
 * thread), so SQLite locks it on every call; otherwise it does not, which
 * saves a lock a column read on a large output. */
#define DB_MEMORY ":memory:"	/* a db_path for a database of no file */
enum db_mode {
	DB_WRITE,	/* created and migrated as needed */
	DB_READ,	/* read-only; never created */
	DB_DRY_RUN	/* a copy to change, read without a write lock */
};
sqlite3 *db_open(const struct cli_common *c, enum db_mode mode, int shared);
void db_close(sqlite3 *db);

/*
 * A second connection to db's file, read-only, for a thread that reads
 * while db writes; the caller closes it with db_close().  Opened after
 * db_begin(db), it reads the database as db found it: no one else can
 * commit while db holds the write lock.
 */
sqlite3 *db_open_reader(sqlite3 *db, int busy_ms);

/* BEGIN IMMEDIATE: a command that writes takes the write lock up front,
 * so that it waits (busy timeout) rather than failing half-way. */
void db_begin(sqlite3 *db);
/* BEGIN (deferred): one snapshot for a command that only reads. */
void db_begin_read(sqlite3 *db);
/* COMMIT, once what the command has written to stdout is flushed: a
 * write error on it exits CLI_EIO (cli_finish_stdout()) uncommitted.  A
 * verb writes its output before it commits. */
void db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* A prepared statement (finalize it), or fatal. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);

/* Runs SQL without results, or fatal. */
void db_exec(sqlite3 *db, const char *sql);

/*
 * The next id a program assigns in table.column, PREFIX-NNNNNN, taken:
 * one past the largest number of that form there (so ids the company
 * imported in another form do not matter), kept in id_counters for the
 * next one, in the caller's write transaction.  table and column come
 * from the program's own fixed names, never from input.
 */
void db_next_id(sqlite3 *db, const char *table, const char *column,
    const char *prefix, char *buf, size_t size);
/* The number of that id, not taken, for a program that assigns many in
 * a row and counts on from it; db_took_numbers() then says how far, in
 * its write transaction (db may be another connection reading the same
 * snapshot). */
long long db_next_number(sqlite3 *db, const char *table, const char *column,
    const char *prefix);
void db_took_numbers(sqlite3 *db, const char *table, const char *prefix,
    long long next);
/* An import writes ids of any form into table: its counters go, and its
 * next ids are found by a scan again. */
void db_forget_numbers(sqlite3 *db, const char *table);

/* Reports the connection's last error with a context and exits CLI_EIO
 * (a busy database says so and names the timeout); a sum() that would
 * wrap past 64 bits is bad data, CLI_EDATA. */
_Noreturn void db_fatal(sqlite3 *db, const char *context);

/* A setting's value, copied into buf (size bytes); NULL when not set. */
const char *db_setting(sqlite3 *db, const char *key, char *buf, size_t size);

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
void db_audit(sqlite3 *db, const char *verb, const char *arguments,
    const struct db_changes *ch);

/*
 * Small helpers every program's statements use.  db_day() reads a date
 * column (DATE_NONE when empty or not a date); db_bind_day() binds one
 * (NULL for DATE_NONE); db_step_done() steps a statement that returns no
 * row and resets it (fatal on an error).
 */
int32_t db_day(sqlite3_stmt *st, int i);
/* A text column, "" for NULL; valid until the statement steps on. */
const char *db_text(sqlite3_stmt *st, int i);
void db_bind_day(sqlite3_stmt *st, int i, int32_t day);
void db_step_done(sqlite3 *db, sqlite3_stmt *st);
/* Steps a statement that returns rows: 1 for a row, 0 at the end, fatal
 * on an error, so that an error is never taken for the end of the rows. */
int db_row(sqlite3_stmt *st);

/*
 * Many rows by one INSERT: SQLite's cost of stepping a statement is about
 * that of inserting a small row, so rows go DB_ROWS to a statement.
 * head is the INSERT up to its VALUES ("INSERT INTO t (a, b)"), from the
 * program's own SQL; ncol the number of columns.  db_rows_add() returns
 * the statement to bind the next row's values to, at parameters *base to
 * *base + ncol - 1, after it has written a full statement; texts stay
 * bound until then, so they are bound SQLITE_TRANSIENT unless the caller
 * keeps them until the rows are written.  db_rows_flush() writes the rows
 * left; a row whose first column is NULL is never written (that is how a
 * part-filled statement leaves out the rest).
 * Fatal on a database error.  db_rows_free() finalizes without writing.
 */
#define DB_ROWS 64
struct db_rows;
struct db_rows *db_rows_new(sqlite3 *db, const char *head, int ncol);
sqlite3_stmt *db_rows_add(struct db_rows *r, int *base);
void db_rows_flush(struct db_rows *r);
void db_rows_free(struct db_rows *r);

/* Ends a verb that writes, after it has written its output: with no data
 * error, appends its audit row and commits (CLI_OK; db_commit() flushes
 * the output first); else rolls back and says "VERB: nothing changed (N
 * errors)" (CLI_EDATA). */
int db_finish(sqlite3 *db, const char *verb, const char *arguments,
    const struct db_changes *ch);

/* Whether table.column (the program's own names) holds key. */
int db_has(sqlite3 *db, const char *table, const char *column, const char *key);

/* Reports as a data error ("--account: account 'X' does not exist") each
 * of the n ids given to option opt that table.column does not hold;
 * returns how many.  what names the record. */
unsigned long db_unknown_ids(sqlite3 *db, const char *table,
    const char *column, const char *what, const char *opt, char *const *ids,
    size_t n);

/* temp.out_keys(key): the keys of the rows a verb made or changed, which
 * it then writes out.  db_keys_open() creates or empties it;
 * db_keys_add() returns 1 when the key is new, 0 when it was there. */
void db_keys_open(sqlite3 *db);
int db_keys_add(sqlite3 *db, const char *key);

#endif
