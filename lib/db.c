#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "outfile.h"

extern const char db_schema_sql[];	/* lib/schema.sql, embedded */

/*
 * migrations[v] takes a database from version v to v + 1; version 0 is an
 * empty file and gets the whole schema.  Add a statement here (and bump
 * DB_SCHEMA_VERSION) for every change to lib/schema.sql after a release.
 */
static const char *const migrations[DB_SCHEMA_VERSION] = {
	db_schema_sql,
};

/* SQLite's sum() stops with this error where an integer sum would wrap
 * (total() would go on in floating point, which is why none is used). */
static int
db_overflowed(sqlite3 *db)
{
	return sqlite3_errcode(db) == SQLITE_ERROR &&
	    strcmp(sqlite3_errmsg(db), "integer overflow") == 0;
}

void
db_fatal(sqlite3 *db, const char *context)
{
	int code = sqlite3_extended_errcode(db), status = CLI_EIO;

	if ((code & 0xff) == SQLITE_BUSY)
		cli_warn("%s: the database is locked by another program "
		    "(waited out --busy-timeout)", context);
	else if (db_overflowed(db)) {
		cli_warn("%s: a sum of amounts or quantities in the database "
		    "does not fit in 64 bits", context);
		status = CLI_EDATA;
	} else
		cli_warn("%s: %s", context, sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	exit(status);
}

int
db_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		db_fatal(sqlite3_db_handle(st), "database");
	return 0;
}

void
db_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		db_fatal(db, "database");
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		db_fatal(db, "database");
	return st;
}

void
db_begin(sqlite3 *db)
{
	db_exec(db, "BEGIN IMMEDIATE");
}

void
db_begin_read(sqlite3 *db)
{
	db_exec(db, "BEGIN");
}

/*
 * A command's output is flushed before its commit, and a write error on
 * it (a full disk, a closed pipe) rolls the transaction back and ends the
 * program: the database never holds a change whose output was lost.  The
 * one home of that rule, for every verb.
 */
void
db_commit(sqlite3 *db)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int e = errno;

		db_rollback(db);
		errno = e;
		cli_finish_stdout();
	}
	db_exec(db, "COMMIT");
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* SQLite creates files with 0644 less the umask; a database of revenue
 * data should not be world-readable, so we create it ourselves. */
static void
create_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	if (fd >= 0) {
		fchmod(fd, mode);	/* the umask does not get a say */
		close(fd);
	} else if (errno != EEXIST)
		cli_die(CLI_EIO, "%s: %s", path, strerror(errno));
}

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA user_version");
	int v = 0;

	if (db_row(st))
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
migrate(sqlite3 *db, const char *path)
{
	char sql[64];
	int v;

	if (user_version(db) == DB_SCHEMA_VERSION)
		return;
	db_begin(db);
	v = user_version(db);	/* again, now that we hold the lock */
	if (v > DB_SCHEMA_VERSION) {
		db_rollback(db);
		cli_die(CLI_EIO, "%s: schema version %d is newer than this "
		    "revops (%d); upgrade revops", path, v, DB_SCHEMA_VERSION);
	}
	for (; v < DB_SCHEMA_VERSION; v++) {
		db_exec(db, migrations[v]);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		db_exec(db, sql);
	}
	db_commit(db);
}

static sqlite3 *
open_file(const char *path, int flags, int shared, int busy_ms)
{
	sqlite3 *db;

	/*
	 * SQLite counts every allocation under a global mutex for
	 * sqlite3_memory_used(), which nothing here reads; on a large import
	 * that lock is a few per cent of the time.  (It must be set before
	 * SQLite initialises; a second open gets SQLITE_MISUSE, harmlessly.)
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &db, flags | (shared ? SQLITE_OPEN_FULLMUTEX :
	    SQLITE_OPEN_NOMUTEX), NULL) != SQLITE_OK) {
		cli_warn("%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
		    "cannot open");
		exit(CLI_EIO);
	}
	sqlite3_busy_timeout(db, busy_ms);
	sqlite3_extended_result_codes(db, 1);
	return db;
}

/*
 * A command that only reads opens the file read-only and never creates
 * or migrates it.  SQLite reads a WAL database read-only only when it can
 * open or make the -shm file beside it; in a folder the user may not
 * write, with no -wal there (nothing is left to checkpoint, so no one is
 * writing), the file is all there is, and it is read as immutable.
 */
static sqlite3 *
open_read(const struct cli_common *c, int shared)
{
	char *uri, *wal;
	sqlite3 *db;
	int v, rc, no_wal;

	if (access(c->db_path, F_OK) != 0)
		cli_die(CLI_EIO, "%s: no such database: name one with -D PATH "
		    "or REVOPS_DB (a command that writes creates it)",
		    c->db_path);
	db = open_file(c->db_path, SQLITE_OPEN_READONLY, shared, c->busy_ms);
	rc = sqlite3_exec(db, "PRAGMA user_version", NULL, NULL, NULL) & 0xff;
	if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) {
		if ((wal = sqlite3_mprintf("%s-wal", c->db_path)) == NULL ||
		    (uri = sqlite3_mprintf("file:%s?immutable=1",
		    c->db_path)) == NULL)
			cli_die(CLI_EIO, "out of memory");
		no_wal = access(wal, F_OK) != 0;
		sqlite3_free(wal);
		if (!no_wal)
			db_fatal(db, c->db_path);
		db_close(db);
		db = open_file(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
		    shared, c->busy_ms);
		sqlite3_free(uri);
	}
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA temp_store = "
	    "MEMORY; PRAGMA cache_size = -16384; PRAGMA threads = 2", NULL, NULL,
	    NULL) != SQLITE_OK)
		db_fatal(db, c->db_path);
	if ((v = user_version(db)) != DB_SCHEMA_VERSION) {
		db_close(db);
		cli_die(CLI_EIO, "%s: %s", c->db_path, v == 0 ? "not a revops "
		    "database (a command that writes makes one)" : v >
		    DB_SCHEMA_VERSION ? "its schema is newer than this revops: "
		    "upgrade revops" : "its schema is older than this revops: "
		    "a command that writes migrates it");
	}
	return db;
}

/* The connection to the copy a dry run changes: the copy goes when it
 * closes, when the program ends, or when a signal ends it (outfile.h). */
static sqlite3 *dry_db;

/*
 * A dry run makes its changes to a private copy of the database, read in
 * one read transaction (SQLite's backup), and throws the copy away: it
 * takes no write lock, so it runs while another command writes, and the
 * verb runs as it would for real, its output included.
 */
static sqlite3 *
open_dry_run(const struct cli_common *c, int shared)
{
	static const char *const journals[] = { "-wal", "-shm", "-journal" };
	const char *tmpdir = getenv("TMPDIR");
	sqlite3 *src = open_read(c, 0), *db;
	sqlite3_backup *b;
	char dry_copy[PATH_MAX];
	int rc;

	if (snprintf(dry_copy, sizeof(dry_copy), "%s/revops-dry-run.XXXXXX",
	    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp") >=
	    (int)sizeof(dry_copy))
		cli_die(CLI_EIO, "%s: %s", tmpdir, strerror(ENAMETOOLONG));
	outfile_scratch(dry_copy, journals, 3);
	db = open_file(dry_copy, SQLITE_OPEN_READWRITE, shared, c->busy_ms);
	if ((b = sqlite3_backup_init(db, "main", src, "main")) == NULL)
		db_fatal(db, dry_copy);
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		db_fatal(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? src : db,
		    c->db_path);
	db_close(src);
	return dry_db = db;
}

sqlite3 *
db_open(const struct cli_common *c, enum db_mode mode, int shared)
{
	int memory = strcmp(c->db_path, DB_MEMORY) == 0;
	sqlite3 *db;

	if (mode == DB_READ && !memory)
		return open_read(c, shared);
	if (mode == DB_DRY_RUN && !memory)
		db = open_dry_run(c, shared);
	else {
		if (!memory)
			create_file(c->db_path, c->mode);
		db = open_file(c->db_path, SQLITE_OPEN_READWRITE, shared,
		    c->busy_ms);
	}
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = "
	    "NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
	    "PRAGMA cache_size = -16384; PRAGMA threads = 2", NULL, NULL, NULL)
	    != SQLITE_OK)
		db_fatal(db, c->db_path);
	migrate(db, c->db_path);
	return db;
}

sqlite3 *
db_open_reader(sqlite3 *db, int busy_ms)
{
	const char *path = sqlite3_db_filename(db, "main");
	sqlite3 *rd;
	int rc = sqlite3_open_v2(path, &rd, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(rd, busy_ms);
		sqlite3_extended_result_codes(rd, 1);
		rc = sqlite3_exec(rd, "PRAGMA temp_store = MEMORY; "
		    "PRAGMA cache_size = -16384", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		cli_warn("%s: %s", path, rd != NULL ? sqlite3_errmsg(rd) :
		    "cannot open");
		db_rollback(db);
		exit(CLI_EIO);
	}
	return rd;
}

void
db_close(sqlite3 *db)
{
	sqlite3_close_v2(db);
	if (db != NULL && db == dry_db) {
		dry_db = NULL;
		outfile_scratch_remove();
	}
}

const char *
db_setting(sqlite3 *db, const char *key, char *buf, size_t size)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT value FROM settings WHERE key = ?1");
	const char *v = NULL;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (db_row(st)) {
		snprintf(buf, size, "%s", sqlite3_column_text(st, 0));
		v = buf;
	}
	sqlite3_finalize(st);
	return v;
}

void
db_changes_add(struct db_changes *ch, const char *table, long inserted,
    long updated, long deleted)
{
	int i;

	for (i = 0; i < ch->n && strcmp(ch->t[i].table, table) != 0; i++)
		;
	if (i == ch->n) {
		if (ch->n == (int)(sizeof(ch->t) / sizeof(ch->t[0])))
			cli_die(CLI_EIO, "too many tables in one command");
		ch->n++;
		ch->t[i].table = table;
		ch->t[i].inserted = ch->t[i].updated = ch->t[i].deleted = 0;
	}
	ch->t[i].inserted += inserted;
	ch->t[i].updated += updated;
	ch->t[i].deleted += deleted;
}

const char *
db_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u != NULL && *u != '\0')
		return u;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : NULL;
}

void
db_audit(sqlite3 *db, const char *verb, const char *arguments,
    const struct db_changes *ch)
{
	char json[1024];
	size_t n = 0;
	sqlite3_stmt *st;

	n += (size_t)snprintf(json + n, sizeof(json) - n, "{");
	for (int i = 0; i < ch->n && n < sizeof(json); i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n,
		    "%s\"%s\":{\"inserted\":%ld,\"updated\":%ld,\"deleted\":%ld}",
		    i > 0 ? "," : "", ch->t[i].table, ch->t[i].inserted,
		    ch->t[i].updated, ch->t[i].deleted);
	if (n < sizeof(json))
		snprintf(json + n, sizeof(json) - n, "}");
	st = db_prepare(db, "INSERT INTO audit_log (at, user, program, verb, "
	    "arguments, changes) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
	    "?1, ?2, ?3, ?4, ?5)");
	sqlite3_bind_text(st, 1, db_user(), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, cli_progname(), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, verb, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, arguments, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, json, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		db_fatal(db, "audit log");
	sqlite3_finalize(st);
}

long long
db_next_number(sqlite3 *db, const char *table, const char *column,
    const char *prefix)
{
	char sql[256];
	size_t n = strlen(prefix) + 2;
	sqlite3_stmt *st;
	long long next = 1;

	st = db_prepare(db, "SELECT next FROM id_counters WHERE tbl = ?1 AND "
	    "prefix = ?2");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	if (db_row(st)) {
		next = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		return next;
	}
	sqlite3_finalize(st);
	/* The range bounds let an index on the column find the ids of this
	 * prefix without reading the rest; the scan is of every id of the
	 * prefix, as a number of more digits sorts before a smaller one. */
	snprintf(sql, sizeof(sql), "SELECT ifnull(max(CAST(substr(%s, %zu) AS "
	    "INTEGER)), 0) + 1 FROM %s WHERE %s >= '%s-0' AND %s < '%s-:' "
	    "AND %s GLOB '%s-[0-9]*'", column, n, table, column, prefix,
	    column, prefix, column, prefix);
	st = db_prepare(db, sql);
	if (db_row(st))
		next = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return next;
}

void
db_took_numbers(sqlite3 *db, const char *table, const char *prefix,
    long long next)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO id_counters (tbl, "
	    "prefix, next) VALUES (?1, ?2, ?3) ON CONFLICT (tbl, prefix) DO "
	    "UPDATE SET next = max(next, excluded.next)");

	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, next);
	db_step_done(db, st);
	sqlite3_finalize(st);
}

void
db_forget_numbers(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM id_counters WHERE "
	    "tbl = ?1");

	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	db_step_done(db, st);
	sqlite3_finalize(st);
}

void
db_next_id(sqlite3 *db, const char *table, const char *column,
    const char *prefix, char *buf, size_t size)
{
	long long n = db_next_number(db, table, column, prefix);

	snprintf(buf, size, "%s-%06lld", prefix, n);
	db_took_numbers(db, table, prefix, n + 1);
}

int32_t
db_day(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	int32_t d;

	if (s == NULL || date_parse(s, strlen(s), &d) != 0)
		return DATE_NONE;
	return d;
}

const char *
db_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

void
db_bind_day(sqlite3_stmt *st, int i, int32_t day)
{
	char buf[DATE_FMT_MAX];

	if (day == DATE_NONE) {
		sqlite3_bind_null(st, i);
		return;
	}
	date_format(buf, day);
	sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

void
db_step_done(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		db_fatal(db, "database");
	sqlite3_reset(st);
}

struct db_rows {
	sqlite3 *db;
	sqlite3_stmt *st;
	int ncol, n;		/* n: rows bound */
};

/*
 * The tuples are a VALUES table filtered on its first column, so that a
 * last, part-filled statement writes only its rows: the first column of
 * the others is bound NULL.  Plain "INSERT ... VALUES (...), (...)" would
 * need a second statement for the rest, and their values bound again.
 */
struct db_rows *
db_rows_new(sqlite3 *db, const char *head, int ncol)
{
	struct db_rows *r;
	size_t cap = strlen(head) + 64 + (size_t)DB_ROWS * ((size_t)ncol * 3 + 4);
	char *sql;
	size_t n;

	if ((r = calloc(1, sizeof(*r))) == NULL || (sql = malloc(cap)) == NULL)
		cli_die(CLI_EIO, "out of memory");
	n = (size_t)snprintf(sql, cap, "%s SELECT * FROM (VALUES ", head);
	for (int i = 0; i < DB_ROWS; i++) {
		sql[n++] = i > 0 ? ',' : ' ';
		sql[n++] = '(';
		for (int j = 0; j < ncol; j++) {
			if (j > 0)
				sql[n++] = ',';
			sql[n++] = '?';
		}
		sql[n++] = ')';
	}
	snprintf(sql + n, cap - n, ") WHERE column1 IS NOT NULL");
	r->db = db;
	r->ncol = ncol;
	r->st = db_prepare(db, sql);
	free(sql);
	return r;
}

sqlite3_stmt *
db_rows_add(struct db_rows *r, int *base)
{
	if (r->n == DB_ROWS) {
		db_step_done(r->db, r->st);
		r->n = 0;
	}
	*base = r->n++ * r->ncol + 1;
	return r->st;
}

void
db_rows_flush(struct db_rows *r)
{
	if (r->n == 0)
		return;
	for (int i = r->n * r->ncol + 1; i <= DB_ROWS * r->ncol; i += r->ncol)
		sqlite3_bind_null(r->st, i);
	db_step_done(r->db, r->st);
	r->n = 0;
}

void
db_rows_free(struct db_rows *r)
{
	if (r == NULL)
		return;
	sqlite3_finalize(r->st);
	free(r);
}

int
db_finish(sqlite3 *db, const char *verb, const char *arguments,
    const struct db_changes *ch)
{
	unsigned long errors = cli_data_errors();

	if (errors > 0) {
		db_rollback(db);
		cli_warn("%s: nothing changed (%lu error%s)", verb, errors,
		    errors == 1 ? "" : "s");
		return CLI_EDATA;
	}
	db_audit(db, verb, arguments, ch);
	db_commit(db);
	return CLI_OK;
}

int
db_has(sqlite3 *db, const char *table, const char *column, const char *key)
{
	char sql[128];
	sqlite3_stmt *st;
	int found;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s = ?1", table,
	    column);
	st = db_prepare(db, sql);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	found = db_row(st);
	sqlite3_finalize(st);
	return found;
}

unsigned long
db_unknown_ids(sqlite3 *db, const char *table, const char *column,
    const char *what, const char *opt, char *const *ids, size_t n)
{
	unsigned long unknown = 0;

	for (size_t i = 0; i < n; i++)
		if (!db_has(db, table, column, ids[i])) {
			unknown++;
			if (!cli_data_error(opt, 0, NULL, "%s '%s' does not exist",
			    what, ids[i]))
				break;
		}
	return unknown;
}

void
db_keys_open(sqlite3 *db)
{
	db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS out_keys "
	    "(key TEXT PRIMARY KEY); DELETE FROM temp.out_keys");
}

int
db_keys_add(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT OR IGNORE INTO "
	    "temp.out_keys (key) VALUES (?1)");
	int added;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	db_step_done(db, st);
	added = sqlite3_changes(db) > 0;
	sqlite3_finalize(st);
	return added;
}
