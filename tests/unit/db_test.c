/*
 * Many rows by one INSERT: every row written once, in order, whatever
 * the number of rows against DB_ROWS; a NULL first column left out.
 * Committing: a write error on stdout rolls back (exit 3) instead.  A
 * command that only reads never creates or writes the database; a dry
 * run changes a copy, which goes when it closes.  With references off,
 * what the check takes as there without a lookup (a key read, a key the
 * transaction added) is still an orphan's once taken away.
 */
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_backend.h"	/* db_redact() */
#include "suites.h"

static struct db *
memory_db(void)
{
	struct db *db;

	db = test_db(NULL);
	db_exec(db, "CREATE TABLE t (k TEXT, n INTEGER)");
	return db;
}

/* Rows 0..n-1 as ('r<i>', i); the sum of n is n(n-1)/2. */
static void
insert_rows(struct db *db, int n)
{
	struct db_rows *rows = db_rows_new(db, "INSERT INTO t (k, n)", 2);
	char k[16];

	for (int i = 0; i < n; i++) {
		int base;
		struct db_stmt *st = db_rows_add(rows, &base);

		snprintf(k, sizeof(k), "r%d", i);
		db_bind_text(st, base, k);
		db_bind_int(st, base + 1, i);
	}
	db_rows_flush(rows);
	db_rows_free(rows);
}

static long long
scalar(struct db *db, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	long long v;

	ck_assert(db_row(st));
	v = db_int(st, 0);
	db_finalize(st);
	return v;
}

START_TEST(rows_counts)
{
	/* none, one, one short of a statement, exactly one, one over, and
	 * two statements and 5 */
	static const int counts[] = { 0, 1, DB_ROWS - 1, DB_ROWS,
	    DB_ROWS + 1, 2 * DB_ROWS + 5 };
	int n = counts[_i];
	struct db *db = memory_db();

	insert_rows(db, n);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM t"), n);
	ck_assert_int_eq(scalar(db, "SELECT count(DISTINCT n) FROM t"), n);
	ck_assert_int_eq(scalar(db, "SELECT coalesce(sum(n), 0) FROM t"),
	    (long long)n * (n - 1) / 2);
	/* the text went with its number, in order */
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM t WHERE "
	    "k != 'r' || n"), 0);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM t WHERE "
	    "rowid != n + 1"), 0);
	db_close(db);
}
END_TEST

/* A flush after a part-filled statement, then more rows: the tuples of
 * the first part are not written again by the second statement. */
START_TEST(rows_again)
{
	struct db *db = memory_db();

	insert_rows(db, 3);
	insert_rows(db, DB_ROWS + 2);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM t"), DB_ROWS + 5);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM t WHERE "
	    "k = 'r1'"), 2);
	db_close(db);
}
END_TEST

/* A new folder for a test's files (the caller removes them). */
static void
new_folder(char *dir, size_t size)
{
	snprintf(dir, size, "%s/revops-db-test.XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* The names in dir, but . and .., joined by spaces, into buf. */
static const char *
names_in(const char *dir, char *buf, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	buf[0] = '\0';
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
			    n > 0 ? " " : "", e->d_name);
	closedir(d);
	return buf;
}

static void
remove_folder(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A read with no file there: exit status 3, and still no file. */
START_TEST(read_never_creates)
{
	char dir[256], path[300], names[256];
	struct cli_common c;
	int status;
	pid_t pid;

	new_folder(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/revops.db", dir);
	if ((pid = fork()) == 0) {
		cli_init("test", &c);
		c.db_path = path;
		if (freopen("/dev/null", "w", stderr) != NULL)
			db_open(&c, DB_READ, 0);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), CLI_EIO);
	ck_assert_str_eq(names_in(dir, names, sizeof(names)), "");
	remove_folder(dir);
}
END_TEST

/* A database revops.db in dir, of one account, made by a command that
 * writes; c names it (path, of size bytes, holds its name). */
static void
one_account(struct cli_common *c, const char *dir, char *path, size_t size)
{
	struct db *db;

	snprintf(path, size, "%s/revops.db", dir);
	cli_init("test", c);
	c->db_path = path;
	db = db_open(c, DB_WRITE, 0);
	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD')");
	db_close(db);
}

/* A database of a table ids(id) holding ids (SQL values). */
static struct db *
ids_table(const char *ids)
{
	char sql[256];
	struct cli_common c;
	struct db *db;

	cli_init("test", &c);
	c.db_path = DB_MEMORY;
	db = db_open(&c, DB_WRITE, 0);
	db_exec(db, "CREATE TABLE ids (id TEXT PRIMARY KEY)");
	snprintf(sql, sizeof(sql), "INSERT INTO ids VALUES %s", ids);
	db_exec(db, sql);
	return db;
}

/* Ids are taken from the counter, one past the last taken, whatever is
 * in the table; with no counter, one past the largest of their form there
 * (Q-000007, not Q-000003). */
START_TEST(ids_counted)
{
	/* of another form: a prefix of its own, a number with more after
	 * it, no number, and one of 19 digits that would pass 10^18 */
	struct db *db = ids_table("('Q-000001'), ('Q-7'), ('QX-9'), "
	    "('Q-12b'), ('Q-'), ('Q-1000000000000000000')");
	char id[32];

	db_next_id(db, "ids", "id", "Q", id, sizeof(id));
	ck_assert_str_eq(id, "Q-000008");
	/* taken, though not inserted: the counter goes on from it */
	db_next_id(db, "ids", "id", "Q", id, sizeof(id));
	ck_assert_str_eq(id, "Q-000009");
	ck_assert_int_eq(scalar(db, "SELECT next FROM id_counters WHERE "
	    "tbl = 'ids' AND prefix = 'Q'"), 10);
	/* many in a row: never backwards */
	db_took_numbers(db, "ids", "Q", 5);
	ck_assert_int_eq(db_next_number(db, "ids", "id", "Q"), 10);
	db_took_numbers(db, "ids", "Q", 20);
	ck_assert_int_eq(db_next_number(db, "ids", "id", "Q"), 20);
	/* no counter (a database from before them): found again */
	db_exec(db, "DELETE FROM ids; INSERT INTO ids VALUES ('Q-000002'); "
	    "DELETE FROM id_counters");
	db_next_id(db, "ids", "id", "Q", id, sizeof(id));
	ck_assert_str_eq(id, "Q-000003");
	/* 18 digits are a number: 999999999999999998 + 1 */
	db_exec(db, "DELETE FROM ids; "
	    "INSERT INTO ids VALUES ('Q-999999999999999998'); "
	    "DELETE FROM id_counters");
	db_next_id(db, "ids", "id", "Q", id, sizeof(id));
	ck_assert_str_eq(id, "Q-999999999999999999");
	db_close(db);
}
END_TEST

/* Notes the ids (NULL ends them) as an import of table ids would, and
 * sets the counters past them. */
static void
seen(struct db *db, int was_empty, const char *const *ids)
{
	struct db_ids_seen *s = db_ids_seen_new("ids", "id", was_empty);

	for (; *ids != NULL; ids++)
		db_ids_seen_note(s, *ids, strlen(*ids));
	db_ids_seen_done(db, s);
	db_ids_seen_free(s);
}

/*
 * The ids an import wrote move the counters on past them, never back.
 * Over a counter at 10, Q-000050 makes it 51 (50 + 1 > 10); QX-9, of a
 * prefix of its own with no counter, and the table's QX-000004 make QX's
 * 10 (9 + 1 > 4 + 1); Q-X-000077's prefix is Q-X (all before the last
 * '-'), 78.  Q-12b, Q-, Q-x1 and a number of 19 digits are of another
 * form: they move nothing, nor make a counter.  Then Q-000007, below
 * 51, leaves Q at 51, as after a replace that took Q-000050 away; and
 * R-000003 over no counter and the table's R-000090 makes R's 91: the
 * table is scanned once when there is no counter, unless it was empty.
 */
START_TEST(ids_seen)
{
	static const char *const fifty[] = { "Q-000050", "QX-9", "Q-000020",
	    "Q-X-000077", NULL };
	static const char *const other[] = { "Q-12b", "Q-", "Q-x1",
	    "Q-1000000000000000000", "Q000099", NULL };
	static const char *const lower[] = { "Q-000007", "R-000003", NULL };
	static const char *const two[] = { "S-000002", NULL };
	struct db *db = ids_table("('Q-000005'), ('QX-000004'), "
	    "('R-000090')");
	char id[32], *got;

	db_took_numbers(db, "ids", "Q", 10);
	seen(db, 0, fifty);
	got = test_query(db, 2, "SELECT prefix, next FROM id_counters "
	    "ORDER BY prefix");
	ck_assert_str_eq(got, "Q|51\nQ-X|78\nQX|10\n");
	free(got);
	db_next_id(db, "ids", "id", "Q", id, sizeof(id));
	ck_assert_str_eq(id, "Q-000051");

	seen(db, 0, other);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM id_counters"), 3);
	ck_assert_int_eq(db_next_number(db, "ids", "id", "Q"), 52);

	seen(db, 0, lower);
	ck_assert_int_eq(db_next_number(db, "ids", "id", "Q"), 52);
	ck_assert_int_eq(db_next_number(db, "ids", "id", "R"), 91);

	/* a table said to have been empty is not scanned: S-000002 makes
	 * S's 3, whatever else the table holds */
	db_exec(db, "INSERT INTO ids VALUES ('S-000090')");
	seen(db, 1, two);
	ck_assert_int_eq(db_next_number(db, "ids", "id", "S"), 3);
	db_ids_seen_done(db, NULL);
	db_ids_seen_free(NULL);
	db_close(db);
}
END_TEST

/* Many prefixes, more than the first table of them holds, each kept
 * apart: P0-1 to P99-1, each noted twice, the second time 2. */
START_TEST(ids_seen_many_prefixes)
{
	struct db *db = ids_table("('x')");
	struct db_ids_seen *s = db_ids_seen_new("ids", "id", 0);
	char id[32];

	for (int round = 1; round <= 2; round++)
		for (int i = 0; i < 100; i++) {
			int n = snprintf(id, sizeof(id), "P%d-%d", i, round);

			db_ids_seen_note(s, id, (size_t)n);
		}
	db_ids_seen_done(db, s);
	db_ids_seen_free(s);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM id_counters "
	    "WHERE next = 3"), 100);
	ck_assert_int_eq(db_next_number(db, "ids", "id", "P42"), 3);
	db_close(db);
}
END_TEST

/* A table's secondary indexes are those not unique, each with the
 * statement that makes it: not the primary key, nor a UNIQUE constraint
 * or index, but a unique index that holds the whole primary key (unique
 * by it); and no more than asked for.  A table with no declared key has
 * no unique index so. */
START_TEST(secondary_indexes)
{
	struct db *db = ids_table("('x')");
	char *name[4], *sql[4];
	int n;

	db_exec(db, "CREATE TABLE t (a TEXT, e TEXT, b TEXT UNIQUE, "
	    "c TEXT, d TEXT, PRIMARY KEY (a, e)); "
	    "CREATE UNIQUE INDEX t_d ON t (d); "
	    "CREATE UNIQUE INDEX t_da ON t (d, a); "
	    "CREATE INDEX t_c ON t (c, d); "
	    "CREATE UNIQUE INDEX t_dea ON t (d, e, a); "
	    "CREATE TABLE u (x TEXT, y TEXT); "
	    "CREATE UNIQUE INDEX u_xy ON u (x, y)");
	n = db_secondary_indexes(db, "t", name, sql, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(name[0], "t_c");
	ck_assert_str_eq(sql[0], "CREATE INDEX t_c ON t (c, d)");
	ck_assert_str_eq(name[1], "t_dea");
	ck_assert_str_eq(sql[1], "CREATE UNIQUE INDEX t_dea ON t (d, e, a)");
	for (int i = 0; i < n; i++) {
		free(name[i]);
		free(sql[i]);
	}
	ck_assert_int_eq(db_secondary_indexes(db, "t", name, sql, 0), 0);
	ck_assert_int_eq(db_secondary_indexes(db, "ids", name, sql, 4), 0);
	ck_assert_int_eq(db_secondary_indexes(db, "u", name, sql, 4), 0);
	db_close(db);
}
END_TEST

/* The audit row of a command: numbered one past the largest, as SQLite
 * numbers rows, and stamped with the time in UTC whatever the zone. */
START_TEST(audit_row)
{
	struct db_changes ch = { .n = 0 };
	struct cli_common c;
	char before[32], after[32];
	struct db_stmt *st;
	struct db *db;
	struct tm tm;
	time_t t;

	setenv("TZ", "XST-5:30", 1);	/* 5h30 ahead of UTC */
	tzset();
	cli_init("test", &c);
	db = test_db(NULL);
	db_exec(db, "INSERT INTO audit_log (audit_id, at, program, changes) "
	    "VALUES (41, 'x', 'test', '{}')");
	db_changes_add(&ch, "accounts", 2, 1, 0);
	t = time(NULL);
	strftime(before, sizeof(before), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t,
	    &tm));
	db_audit(db, "import", "a.csv", &ch);
	t = time(NULL);
	strftime(after, sizeof(after), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t,
	    &tm));
	st = db_prepare(db, "SELECT audit_id, at, program, verb, arguments, "
	    "changes FROM audit_log WHERE audit_id > 41");
	ck_assert(db_row(st));
	ck_assert_int_eq(db_int(st, 0), 42);
	ck_assert_int_eq(db_len(st, 1), 20);
	ck_assert_msg(strcmp(before, db_text(st, 1)) <= 0 &&
	    strcmp(db_text(st, 1), after) <= 0, "at %s, not from %s to %s",
	    db_text(st, 1), before, after);
	ck_assert_str_eq(db_text(st, 2), "test");
	ck_assert_str_eq(db_text(st, 3), "import");
	ck_assert_str_eq(db_text(st, 4), "a.csv");
	ck_assert_str_eq(db_text(st, 5), "{\"accounts\":{\"inserted\":2,"
	    "\"updated\":1,\"deleted\":0}}");
	ck_assert(!db_row(st));
	db_finalize(st);
	db_close(db);
	unsetenv("TZ");
	tzset();
}
END_TEST

/* Many ids in a row are the ids db_next_id() gives one at a time, and
 * the counter is written once, at db_ids_done(), only when one was given. */
START_TEST(ids_in_a_row)
{
	struct db_ids ids = { "ids", "id", "Q", 0 };
	struct db *db = ids_table("('Q-000041')");
	char id[32];

	db_ids_done(db, &ids);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM id_counters"), 0);
	db_ids_next(db, &ids, id, sizeof(id));
	ck_assert_str_eq(id, "Q-000042");
	db_ids_next(db, &ids, id, sizeof(id));
	ck_assert_str_eq(id, "Q-000043");
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM id_counters"), 0);
	db_ids_done(db, &ids);
	ck_assert_int_eq(scalar(db, "SELECT next FROM id_counters WHERE "
	    "tbl = 'ids' AND prefix = 'Q'"), 44);
	db_next_id(db, "ids", "id", "Q", id, sizeof(id));
	ck_assert_str_eq(id, "Q-000044");
	db_close(db);
}
END_TEST

/* No password of a URL is shown or recorded, wherever it is written in
 * the URL, and nothing else of the text changes. */
START_TEST(passwords_redacted)
{
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@h/db", "postgresql://u@h/db" },
		{ "-D postgresql://u:p@ss@h:5432/db list",
		    "-D postgresql://u@h:5432/db list" },
		{ "--db=postgres://h/db?password=x", "--db=postgres://h/db" },
		{ "postgres://h/db?password=x&sslmode=disable",
		    "postgres://h/db?sslmode=disable" },
		{ "postgresql://u@h/db?sslmode=require&password=x&"
		    "connect_timeout=3 run", "postgresql://u@h/db?"
		    "sslmode=require&connect_timeout=3 run" },
		{ "a postgresql://a:1@h/x b postgresql://b:2@h/y",
		    "a postgresql://a@h/x b postgresql://b@h/y" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "revops.db --period 2026-05", "revops.db --period 2026-05" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[128];

		snprintf(buf, sizeof(buf), "%s", cases[i][0]);
		db_redact(buf);
		ck_assert_str_eq(buf, cases[i][1]);
	}
}
END_TEST

/* The read-only connection reads what was written, and cannot write. */
START_TEST(read_is_read_only)
{
	char dir[256], path[300];
	struct cli_common c;
	struct db *db;
	pid_t pid;
	int status;

	new_folder(dir, sizeof(dir));
	one_account(&c, dir, path, sizeof(path));
	db = db_open(&c, DB_READ, 0);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM accounts"), 1);
	if ((pid = fork()) == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(1);
		db_exec(db, "DELETE FROM accounts");
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == CLI_EIO);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM accounts"), 1);
	db_close(db);
	remove_folder(dir);
}
END_TEST

/*
 * A second reader of a reader's snapshot: an account committed by another
 * connection once both are open is seen by neither (a connection that
 * began its snapshot at its first read would see it: the reader's, or the
 * second's).  One who has read already has a snapshot that cannot be
 * shared: NULL.
 */
START_TEST(snapshot_of_a_reader)
{
	char dir[256], path[300];
	struct cli_common c;
	struct db *db, *rd, *w;

	new_folder(dir, sizeof(dir));
	one_account(&c, dir, path, sizeof(path));
	db = db_open(&c, DB_READ, 0);
	db_begin_read(db);
	rd = db_open_snapshot(db);
	ck_assert_ptr_nonnull(rd);
	w = db_open(&c, DB_WRITE, 0);
	db_exec(w, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-2', 'Beta', 'USD')");
	db_close(w);
	ck_assert_int_eq(scalar(rd, "SELECT count(*) FROM accounts"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM accounts"), 1);
	db_close(rd);
	db_commit(db);
	db_begin_read(db);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM accounts"), 2);
	ck_assert_ptr_null(db_open_snapshot(db));
	db_commit(db);
	db_close(db);
	remove_folder(dir);
}
END_TEST

/* A dry run's change is made, and seen, in its copy; the database is as
 * it was, and the copy is gone once closed. */
START_TEST(dry_run_changes_a_copy)
{
	char dir[256], path[300], names[256];
	struct cli_common c;
	struct db *db;

	new_folder(dir, sizeof(dir));
	setenv("TMPDIR", dir, 1);
	one_account(&c, dir, path, sizeof(path));
	db = db_open(&c, DB_DRY_RUN, 0);
	db_begin(db);
	db_exec(db, "DELETE FROM accounts");
	db_commit(db);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM accounts"), 0);
	db_close(db);
	ck_assert_ptr_null(strstr(names_in(dir, names, sizeof(names)),
	    "dry-run"));
	db = db_open(&c, DB_READ, 0);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM accounts"), 1);
	db_close(db);
	remove_folder(dir);
}
END_TEST

/* A row inserted, then output that cannot be written: db_commit() exits
 * 3 (in a child) and the row is not in the file. */
START_TEST(commit_after_write_error)
{
	char path[] = "/tmp/revops-db-test.XXXXXX";
	int fd = mkstemp(path), status;
	struct db *db;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	close(fd);
	db = test_db(path);
	db_exec(db, "CREATE TABLE t (k TEXT, n INTEGER)");
	db_close(db);
	if ((pid = fork()) == 0) {
		db = test_db(path);
		db_begin(db);
		db_exec(db, "INSERT INTO t VALUES ('a', 1)");
		if (freopen("/dev/full", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			_exit(1);
		printf("a,1\n");
		db_commit(db);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == CLI_EIO);
	db = test_db(path);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM t"), 0);
	db_close(db);
	unlink(path);
}
END_TEST

/*
 * The check of references, with the database's own off: a database of
 * account A-1 (one_account()), a write transaction on it, and its
 * snapshot; the tests write invoices and take accounts away, and count
 * what db_references_check() reports (each a data error).
 */
static struct db *
references_off_with(struct cli_common *c, char *dir, char *path,
    size_t size, struct db **rd, const char *const *tables)
{
	struct db *db;

	new_folder(dir, 256);
	one_account(c, dir, path, size);
	db = db_open(c, DB_WRITE, 0);
	for (; tables != NULL && *tables != NULL; tables++)
		db_exec(db, *tables);
	db_references(db, 0);
	db_begin(db);
	*rd = db_open_snapshot(db);
	return db;
}

static struct db *
references_off(struct cli_common *c, char *dir, char *path, size_t size,
    struct db **rd)
{
	return references_off_with(c, dir, path, size, rd, NULL);
}

static void
invoice(struct db *db, const char *id, const char *account)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO invoices (invoice_id, "
	    "account_id, issue_date, due_date, currency) VALUES ('%s', '%s', "
	    "'2026-06-01', '2026-07-01', 'USD')", id, account);
	db_exec(db, sql);
}

/* Reads every row of sql on db, its column 0 a column of keys. */
static void
read_keys(struct db *db, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);

	db_stmt_keys(st, 0);
	while (db_row(st))
		;
	db_finalize(st);
}

static void
references_done(struct db *db, struct db *rd, const char *dir)
{
	db_close(rd);
	db_rollback(db);
	db_references(db, 1);
	db_close(db);
	remove_folder(dir);
}

/* A key read is there with no lookup; one not read is still looked up:
 * INV-1 of A-1 (read) is good, INV-2 of A-2 (in no table) is not. */
START_TEST(keys_read_are_there)
{
	char dir[256], path[300];
	struct cli_common c;
	struct db *rd, *db = references_off(&c, dir, path, sizeof(path), &rd);

	read_keys(rd, "SELECT account_id FROM accounts");
	invoice(db, "INV-1", "A-1");
	ck_assert_uint_eq(db_references_check(db), 0);
	invoice(db, "INV-2", "A-2");
	ck_assert_uint_eq(db_references_check(db), 1);
	references_done(db, rd, dir);
}
END_TEST

/* A key known to be there, read on the snapshot (0) or by the
 * transaction (1), or added by it (2), or not known but there (3), then
 * taken away while invoice INV-1 written for it still refers to it:
 * none, then one orphan, reported once. */
START_TEST(known_then_taken_away)
{
	const char *account = _i == 2 ? "A-2" : "A-1";
	char dir[256], path[300], sql[128];
	struct cli_common c;
	struct db *rd, *db = references_off(&c, dir, path, sizeof(path), &rd);

	if (_i == 0)
		read_keys(rd, "SELECT account_id FROM accounts");
	else if (_i == 1)
		read_keys(db, "SELECT a.account_id FROM accounts a");
	else if (_i == 2)
		db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
		    "VALUES ('A-2', 'Beta', 'USD')");
	invoice(db, "INV-1", account);
	ck_assert_uint_eq(db_references_check(db), 0);
	snprintf(sql, sizeof(sql), "DELETE FROM accounts WHERE account_id = "
	    "'%s'", account);
	db_exec(db, sql);
	ck_assert_uint_eq(db_references_check(db), 1);
	references_done(db, rd, dir);
}
END_TEST

/* Values read from a column that is no key, even one that refers to a
 * key, or from no column, are not taken as there: INV-1 of account A-9
 * (in no table), its account read, 'A-9' read, then INV-2 of A-9: two
 * orphans. */
START_TEST(keys_of_no_key_column)
{
	char dir[256], path[300];
	struct cli_common c;
	struct db *rd, *db = references_off(&c, dir, path, sizeof(path), &rd);

	invoice(db, "INV-1", "A-9");
	read_keys(db, "SELECT account_id FROM invoices");
	read_keys(db, "SELECT 'A-9' FROM accounts");
	invoice(db, "INV-2", "A-9");
	ck_assert_uint_eq(db_references_check(db), 2);
	references_done(db, rd, dir);
}
END_TEST

/* Binds the invoice of a bulk write: its id (NULL: a row left out) and
 * account, from a buffer used again for the next row. */
static void
invoice_row(struct db_rows *rows, const char *id, const char *account)
{
	char buf[32];
	int k;
	struct db_stmt *st = db_rows_add(rows, &k);

	if (id != NULL)
		snprintf(buf, sizeof(buf), "%s", id);
	db_bind_text(st, k, id != NULL ? buf : NULL);
	snprintf(buf, sizeof(buf), "%s", account);
	db_bind_text(st, k + 1, buf);
	db_bind_text(st, k + 2, "2026-06-01");
	db_bind_text(st, k + 3, "2026-07-01");
	db_bind_text(st, k + 4, "USD");
}

static void
line_row(struct db_rows *rows, const char *invoice, const char *account)
{
	int k;
	struct db_stmt *st = db_rows_add(rows, &k);

	db_bind_text(st, k, invoice);
	db_bind_text(st, k + 1, account);
	db_bind_int(st, k + 2, 1);
	db_bind_int(st, k + 3, 100);
}

/*
 * A bulk write notes its references from what it binds: 70 invoices of
 * A-1 (more than a statement), a row left out whose account A-8 is in no
 * table, INV-3 of A-9 (in none); then lines of INV-3 (written by the same
 * write) and of INV-9 (by none): two orphans, INV-3's account and INV-9.
 * Each value bound from a buffer used again is written as it was bound.
 */
START_TEST(bulk_write_checked)
{
	char dir[256], path[300], id[16];
	struct cli_common c;
	struct db *rd, *db = references_off(&c, dir, path, sizeof(path), &rd);
	struct db_rows *inv = db_rows_new(db, "INSERT INTO invoices "
	    "(invoice_id, account_id, issue_date, due_date, currency)", 5);
	struct db_rows *lines = db_rows_new(db, "INSERT INTO invoice_lines "
	    "(invoice_id, account_id, line_no, amount_minor)", 4);

	for (int i = 10; i < 80; i++) {
		snprintf(id, sizeof(id), "INV-%d", i);
		invoice_row(inv, id, "A-1");
	}
	invoice_row(inv, NULL, "A-8");
	invoice_row(inv, "INV-3", "A-9");
	line_row(lines, "INV-3", "A-9");
	line_row(lines, "INV-9", "A-1");
	db_rows_flush(inv);
	db_rows_flush(lines);
	db_rows_free(inv);
	db_rows_free(lines);
	ck_assert_int_eq(scalar(db, "SELECT count(DISTINCT invoice_id) FROM "
	    "invoices WHERE account_id = 'A-1' AND invoice_id = 'INV-' || "
	    "CAST(substr(invoice_id, 5) AS INTEGER) AND CAST(substr("
	    "invoice_id, 5) AS INTEGER) BETWEEN 10 AND 79"), 70);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM invoices"), 71);
	ck_assert_uint_eq(db_references_check(db), 2);
	references_done(db, rd, dir);
}
END_TEST

/*
 * A bulk write into a table with a trigger: the trigger of invoice_lines
 * writes an invoice of A-404, in no table, for each line.  The hook must
 * see that row, though the bulk write notes its own (INV-1 of A-1, and its
 * line): one orphan, the trigger's invoice.
 */
START_TEST(bulk_write_triggered)
{
	char dir[256], path[300];
	struct cli_common c;
	struct db *rd, *db;
	struct db_rows *lines;

	new_folder(dir, sizeof(dir));
	one_account(&c, dir, path, sizeof(path));
	db = db_open(&c, DB_WRITE, 0);
	db_exec(db, "CREATE TRIGGER line_made AFTER INSERT ON invoice_lines "
	    "BEGIN INSERT INTO invoices (invoice_id, account_id, issue_date, "
	    "due_date, currency) VALUES (NEW.invoice_id || '-T', 'A-404', "
	    "'2026-06-01', '2026-07-01', 'USD'); END");
	db_references(db, 0);
	db_begin(db);
	rd = db_open_snapshot(db);
	invoice(db, "INV-1", "A-1");
	lines = db_rows_new(db, "INSERT INTO invoice_lines (invoice_id, "
	    "account_id, line_no, amount_minor)", 4);
	line_row(lines, "INV-1", "A-1");
	db_rows_flush(lines);
	db_rows_free(lines);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM invoices WHERE "
	    "invoice_id = 'INV-1-T' AND account_id = 'A-404'"), 1);
	ck_assert_uint_eq(db_references_check(db), 1);
	references_done(db, rd, dir);
}
END_TEST

/*
 * References of two columns (as Citus wants account_id in each key):
 * books keyed by (account_id, book_id), and pages and notes that refer
 * to a book by its key (the pages not naming the parent's columns, the
 * notes naming them), made before the check is off (references_off_with()).
 */
static const char *const books[] = {
	"CREATE TABLE books (account_id TEXT NOT NULL, book_id TEXT NOT NULL, "
	"PRIMARY KEY (account_id, book_id))",
	"CREATE TABLE pages (account_id TEXT NOT NULL, book_id TEXT, page "
	"INTEGER, FOREIGN KEY (account_id, book_id) REFERENCES books)",
	"CREATE TABLE notes (account_id TEXT, book_id TEXT, FOREIGN KEY "
	"(account_id, book_id) REFERENCES books (account_id, book_id))",
	NULL
};

/*
 * Books (A, -1B) and (A-1, B), whose parts would run together as
 * "A-1B" both; pages of each, of (A-1, -1B) and (A, B), which are no
 * book, and of (A-1, none), which refers to nothing; a note of (A, B):
 * three orphans.  Then (A-1, B) taken away: its page is a fourth, and
 * reported once.
 */
START_TEST(references_of_two_columns)
{
	char dir[256], path[300];
	struct cli_common c;
	struct db *rd, *db = references_off_with(&c, dir, path,
	    sizeof(path), &rd, books);

	db_exec(db, "INSERT INTO books VALUES ('A', '-1B'), ('A-1', 'B')");
	db_exec(db, "INSERT INTO pages VALUES ('A', '-1B', 1), ('A-1', 'B', "
	    "2)");
	ck_assert_uint_eq(db_references_check(db), 0);
	db_exec(db, "INSERT INTO pages VALUES ('A-1', '-1B', 3), ('A', 'B', "
	    "4), ('A-1', NULL, 5)");
	db_exec(db, "INSERT INTO notes VALUES ('A', 'B')");
	ck_assert_uint_eq(db_references_check(db), 3);
	db_exec(db, "DELETE FROM books WHERE account_id = 'A-1'");
	ck_assert_uint_eq(db_references_check(db), 4);
	references_done(db, rd, dir);
}
END_TEST

static const char *const one_book[] = {
	"CREATE TABLE books (account_id TEXT NOT NULL, book_id TEXT NOT NULL, "
	"PRIMARY KEY (account_id, book_id))",
	"CREATE TABLE pages (account_id TEXT NOT NULL, book_id TEXT, page "
	"INTEGER, FOREIGN KEY (account_id, book_id) REFERENCES books)",
	"INSERT INTO books VALUES ('A', '-1B')",
	NULL
};

/*
 * The keys of two columns read from book (A, -1B), made before the
 * check was off: by the snapshot in the key's order (0), by the
 * transaction in the other order (1), or only one of their columns read
 * (2, no key).  Pages of (A, -1B), of (A-1, B), whose parts run together
 * as (A, -1B)'s, and of (-1B, A), its parts swapped: two orphans, neither
 * taken for the key read; then the book taken away: a third.
 */
START_TEST(keys_of_two_columns_read)
{
	static const char *const sql[] = {
		"SELECT account_id, book_id FROM books",
		"SELECT b.book_id, b.account_id FROM books b",
		"SELECT book_id FROM books",
	};
	char dir[256], path[300];
	struct cli_common c;
	struct db *rd, *db = references_off_with(&c, dir, path,
	    sizeof(path), &rd, one_book);

	read_keys(_i == 0 ? rd : db, sql[_i]);
	db_exec(db, "INSERT INTO pages VALUES ('A', '-1B', 1)");
	ck_assert_uint_eq(db_references_check(db), 0);
	db_exec(db, "INSERT INTO pages VALUES ('A-1', 'B', 2), ('-1B', 'A', "
	    "3)");
	ck_assert_uint_eq(db_references_check(db), 2);
	db_exec(db, "DELETE FROM books WHERE account_id = 'A'");
	ck_assert_uint_eq(db_references_check(db), 3);
	references_done(db, rd, dir);
}
END_TEST

/* Binds a row of two texts and a number (NULL: a row left out). */
static void
two_texts(struct db_rows *rows, const char *a, const char *b, int n)
{
	char buf[2][16];
	int k;
	struct db_stmt *st = db_rows_add(rows, &k);

	/* from buffers used again for the next row */
	snprintf(buf[0], sizeof(buf[0]), "%s", a != NULL ? a : "");
	snprintf(buf[1], sizeof(buf[1]), "%s", b);
	db_bind_text(st, k, a != NULL ? buf[0] : NULL);
	db_bind_text(st, k + 1, buf[1]);
	if (n >= 0)
		db_bind_int(st, k + 2, n);
}

/*
 * Bulk writes, more than a statement each: 70 books (A-1, B0) to
 * (A-1, B69), then a row left out (book Z of no account, not written);
 * 70 pages of (A-1, B0) to (A-1, B69), one of (A-1, Z) and one of
 * (A-1, C), which are none, and one of (A-1B, 0), whose parts would run
 * together as (A-1, B0)'s: three orphans.
 */
START_TEST(bulk_references_of_two_columns)
{
	char dir[256], path[300], id[16];
	struct cli_common c;
	struct db *rd, *db = references_off_with(&c, dir, path,
	    sizeof(path), &rd, books);
	struct db_rows *b = db_rows_new(db, "INSERT INTO books "
	    "(account_id, book_id)", 2);
	struct db_rows *pages = db_rows_new(db, "INSERT INTO pages "
	    "(account_id, book_id, page)", 3);

	for (int i = 0; i < 70; i++) {
		snprintf(id, sizeof(id), "B%d", i);
		two_texts(b, "A-1", id, -1);
	}
	two_texts(b, NULL, "Z", -1);
	db_rows_flush(b);
	db_rows_free(b);
	for (int i = 0; i < 70; i++) {
		snprintf(id, sizeof(id), "B%d", i);
		two_texts(pages, "A-1", id, i);
	}
	two_texts(pages, "A-1", "Z", 70);
	two_texts(pages, "A-1", "C", 71);
	two_texts(pages, "A-1B", "0", 72);
	db_rows_flush(pages);
	db_rows_free(pages);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM books"), 70);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM pages"), 73);
	ck_assert_uint_eq(db_references_check(db), 3);
	references_done(db, rd, dir);
}
END_TEST

/*
 * On PostgreSQL (tests/pg.sh names a database in REVOPS_TEST_PG_URL):
 * the references a COPY wrote without the triggers, checked at the end,
 * the keys of every table that names one parent as one set.  Invoice
 * INV-2 names account A-9, and a payment names invoice INV-4, neither
 * there; the lines name INV-1, which is; a second transaction has a line
 * of INV-3 instead, and payments of INV-1 only.  Each missing key is
 * reported once, by the table that names it.
 */
static void
pg_row_of(struct db *db, const char *head, int ncol, const char *const *v)
{
	struct db_rows *r = db_rows_new(db, head, ncol);
	int k;
	struct db_stmt *st;

	for (; *v != NULL; v += ncol) {
		st = db_rows_add(r, &k);
		for (int i = 0; i < ncol; i++)
			db_bind_text(st, k + i, v[i]);
	}
	db_rows_flush(r);
	db_rows_free(r);
}

static char *
pg_checked(struct db *db, const char *line, const char *payment,
    const char *then, unsigned long want)
{
	const char *const inv[] = { "INV-1", "A-1", "2026-06-01", "2026-07-01",
	    "USD", "INV-2", "A-9", "2026-06-01", "2026-07-01", "USD", NULL };
	const char *const lines[] = { "INV-1", "A-1", "1", "100", line, "A-1",
	    "2", "50", NULL };
	const char *const pay[] = { "PAY-1", "A-1", "2026-06-02", "100", "USD",
	    "INV-1", "PAY-2", "A-1", "2026-06-03", "50", "USD", payment, NULL };
	struct test_capture err;

	db_references(db, 0);
	db_begin(db);
	pg_row_of(db, "INSERT INTO invoices (invoice_id, account_id, "
	    "issue_date, due_date, currency)", 5, inv);
	pg_row_of(db, "INSERT INTO invoice_lines (invoice_id, account_id, "
	    "line_no, amount_minor)", 4, lines);
	pg_row_of(db, "INSERT INTO payments (payment_id, account_id, "
	    "received_on, amount_minor, currency, invoice_id)", 6, pay);
	if (then != NULL)
		db_exec(db, then);
	test_capture(&err, stderr);
	ck_assert_uint_eq(db_references_check(db), want);
	db_rollback(db);
	db_references(db, 1);
	return test_captured(&err);
}

START_TEST(references_on_postgresql)
{
	struct cli_common c = { .db_path = getenv("REVOPS_TEST_PG_URL"),
	    .busy_ms = 1000, .mode = 0600 };
	struct db *db = db_open(&c, DB_WRITE, 0);
	char *err;

	db_begin(db);
	db_exec(db, "DELETE FROM accounts");
	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'One', 'USD')");
	db_commit(db);
	err = pg_checked(db, "INV-1", "INV-4", NULL, 2);
	ck_assert_str_eq(err, "revops: invoices: Key (account_id)=(A-9) is not "
	    "present in table \"accounts\".\n"
	    "revops: payments: Key (account_id, invoice_id)=(A-1, INV-4) is "
	    "not present in table \"invoices\".\n");
	free(err);
	err = pg_checked(db, "INV-3", "INV-1", NULL, 2);
	ck_assert_str_eq(err, "revops: invoices: Key (account_id)=(A-9) is not "
	    "present in table \"accounts\".\n"
	    "revops: invoice_lines: Key (account_id, invoice_id)=(A-1, INV-3) "
	    "is not present in table \"invoices\".\n");
	free(err);
	/* INV-1, written in the transaction, then deleted by it: its lines
	 * and payment, which no lookup checks, are the server's to refuse */
	err = pg_checked(db, "INV-1", "INV-1", "DELETE FROM invoices WHERE "
	    "invoice_id = 'INV-1'", 2);
	ck_assert_str_eq(err, "revops: invoice_lines: Key (account_id, "
	    "invoice_id)=(A-1, INV-1) is still referenced from table "
	    "\"invoice_lines\".\n"
	    "revops: invoices: Key (account_id)=(A-9) is not present in table "
	    "\"accounts\".\n");
	free(err);
	db_close(db);
}
END_TEST

Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, rows_counts, 0, 6);
	tcase_add_test(tc, rows_again);
	suite_add_tcase(s, tc);
	tc = tcase_create("open");
	tcase_add_test(tc, passwords_redacted);
	tcase_add_test(tc, read_never_creates);
	tcase_add_test(tc, read_is_read_only);
	tcase_add_test(tc, snapshot_of_a_reader);
	tcase_add_test(tc, ids_counted);
	tcase_add_test(tc, audit_row);
	tcase_add_test(tc, ids_in_a_row);
	tcase_add_test(tc, ids_seen);
	tcase_add_test(tc, ids_seen_many_prefixes);
	tcase_add_test(tc, secondary_indexes);
	tcase_add_test(tc, dry_run_changes_a_copy);
	suite_add_tcase(s, tc);
	tc = tcase_create("commit");
	tcase_add_test(tc, commit_after_write_error);
	suite_add_tcase(s, tc);
	tc = tcase_create("references");
	tcase_add_test(tc, keys_read_are_there);
	tcase_add_loop_test(tc, known_then_taken_away, 0, 4);
	tcase_add_test(tc, references_of_two_columns);
	tcase_add_loop_test(tc, keys_of_two_columns_read, 0, 3);
	tcase_add_test(tc, bulk_references_of_two_columns);
	tcase_add_test(tc, keys_of_no_key_column);
	tcase_add_test(tc, bulk_write_checked);
	tcase_add_test(tc, bulk_write_triggered);
	suite_add_tcase(s, tc);
	if (getenv("REVOPS_TEST_PG_URL") != NULL) {
		tc = tcase_create("postgresql");
		tcase_add_test(tc, references_on_postgresql);
		suite_add_tcase(s, tc);
	}
	return s;
}
