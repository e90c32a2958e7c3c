/*
 * The PostgreSQL backend of the storage interface (db.h, db_backend.h),
 * through libpq: the one file that includes libpq-fe.h.
 *
 * SQL is revops' one text, with SQLite's ?N parameters written as $N
 * here.  A statement is prepared on the server when it first runs, with
 * the types of its first binds (an integer is int8; a text or a NULL is
 * left for the server to infer from where it stands, or text where the
 * server cannot), and again if later binds differ in type.  Its rows come
 * one at a time (libpq's single-row mode), so that memory stays flat on
 * a large read, until another statement needs the connection: the rows
 * left are then read into memory first (drain()).  Rows written many at
 * a time (an import's
 * batches, db_rows_new()) go by COPY; a statement in a savepoint of its
 * own goes with it in one round trip (sent()).
 *
 * Transactions: a command's reads are one snapshot (REPEATABLE READ).  A
 * command that writes first takes revops' writer lock (a session advisory
 * lock, waited for as long as --busy-timeout), then begins: writers take
 * turns as on SQLite, so none can fail to serialize against another, and
 * each sees what the one before committed.  A dry run rolls back where
 * it would commit.  A row that a constraint refuses (db_try) is undone to
 * a savepoint, as PostgreSQL ends the transaction otherwise.  References
 * are deferred to the commit where a verb turns their check off.
 *
 * Another program (psql, a BI tool) takes no writer lock, and a row it
 * changed and committed after our snapshot makes our change of it fail
 * to serialize (40001), as a deadlock with it does (40P01).  The command
 * is then run again from the start, as a new process (cli_run_again()),
 * where that is unseen: a command that writes, and a dry run, hold
 * their stdout until the commit (cli_hold_stdout(); db_commit() lets it
 * out), so that a failure before it has shown nothing.  A run again in
 * the process would have to undo every module's state; a new one has
 * none.  Where it cannot be, the command fails with exit 3, saying that
 * nothing was committed and that it may be run again.
 *
 * The schema is lib/schema.sql, written for SQLite, with its types mapped
 * here (map_schema()); the schema version is kept in revops_schema.  Text
 * columns are collated "C", so that text compares as on SQLite; those of
 * a database an older revops made are migrated (sql_collate).  A command
 * that reads, and a dry run, never migrate: they refuse a database that
 * needs it, or has no schema, as on SQLite.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_backend.h"
#include "keyset.h"

/*
 * libpq is loaded when a command first opens a PostgreSQL database, not
 * linked: with the 20 libraries it needs (OpenSSL, Kerberos, LDAP,
 * GnuTLS...) it took 5 ms from the start of every program, on SQLite
 * too.  Its functions are called through this table, by their own names.
 */
#define PQ_FUNCTIONS(X) X(PQclear) X(PQcmdTuples) X(PQconnectdb) \
    X(PQenterPipelineMode) X(PQerrorMessage) X(PQexec) X(PQexecParams) \
    X(PQexitPipelineMode) X(PQfinish) X(PQgetResult) X(PQgetisnull) \
    X(PQgetlength) X(PQgetvalue) X(PQnfields) X(PQntuples) \
    X(PQpipelineSync) X(PQputCopyData) X(PQputCopyEnd) \
    X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) \
    X(PQsendPrepare) X(PQsendQueryParams) X(PQsendQueryPrepared) \
    X(PQsetNoticeReceiver) X(PQsetSingleRowMode) X(PQstatus) \
    X(PQtransactionStatus)
#define PQ_FIELD(f) __typeof__(f) *f;
static struct {
	PQ_FUNCTIONS(PQ_FIELD)
} pq;
#define PQ_SYMBOL(f) { #f, (void **)&pq.f },

/* Loads libpq into pq, once; dies with exit 3 where it cannot. */
static void
pq_load(const char *name)
{
	static const struct {
		const char *name;
		void **at;
	} sym[] = { PQ_FUNCTIONS(PQ_SYMBOL) };
	static void *lib;

	if (lib != NULL)
		return;
	if ((lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL)
		cli_die(CLI_EIO, "%s: PostgreSQL's client library cannot be "
		    "loaded (%s): apt-get install libpq5", name, dlerror());
	for (size_t i = 0; i < sizeof(sym) / sizeof(sym[0]); i++)
		if ((*sym[i].at = dlsym(lib, sym[i].name)) == NULL)
			cli_die(CLI_EIO, "%s: PostgreSQL's client library "
			    "(libpq.so.5) has no %s: libpq 14 or later is "
			    "needed", name, sym[i].name);
}

#define INT8OID 20
#define TEXTOID 25
#define PG_UNKNOWN 0

/* The writers' lock: one key for revops in the database ("rvps"). */
#define WRITER_LOCK "7267767073"

struct pg {
	struct db base;
	PGconn *c;
	char *name;		/* the URL without its password, for messages */
	char *url;		/* for the snapshot reader */
	int dry_run, locked, defer_refs;
	struct pg_stmt *live;	/* whose rows are coming, one a result */
	unsigned long names;	/* prepared statements so far */
	char state[6];		/* SQLSTATE of the last error */
	char msg[512];		/* its message */
	struct untriggered *untriggered; /* tables COPYed so, a list */
	int replica;		/* may turn triggers off: -1 not asked yet */
	pthread_mutex_t serial;	/* base.serial's, when shared */
};

struct param {
	char *v;		/* NUL-terminated copy, NULL for SQL NULL */
	size_t cap;
	unsigned int type;	/* INT8OID or PG_UNKNOWN */
};

struct pg_stmt {
	struct db_stmt base;
	char *sql;		/* with $N parameters */
	int np;
	struct param *p;
	const char **v;		/* the values of p, as libpq takes them */
	unsigned int *types;	/* those it was prepared with */
	char name[24];		/* "" until prepared */
	PGresult *res;		/* the current row, of pg_row(), unless */
	const char **qv;	/* it came from the queue: its values, */
	int *ql;		/* and their lengths, -1 for NULL */
	int running;		/* between its first row and its end */
	int ncol;
	char *queue;		/* the rows left, when another needed db: */
	size_t nqueue, qpos, capqueue;	/* each value its int length, its
					 * bytes and a NUL */
	int copy_cols;		/* a COPY of rows of so many values, else 0 */
	char *table;		/* its table and columns, as the head names */
	char **cols;		/* them: one allocation */
	char *data;		/* its rows in COPY's text format */
	size_t cap;
};

#define PG(db) ((struct pg *)(db))
#define PS(st) ((struct pg_stmt *)(st))

/* ---- text ------------------------------------------------------------------- */

/*
 * ?N becomes $N; a bare ? the next number.  Quoted text, quoted names
 * and comments are left as they are.  *np: the largest number.
 */
static char *
rewrite_params(const char *sql, int *np)
{
	size_t n = strlen(sql), marks = 0;
	char *out, *o;
	int bare = 0, max = 0;

	/* a ? becomes at most $ and ten digits */
	for (const char *s = sql; *s != '\0'; s++)
		marks += *s == '?';
	out = o = cli_calloc(1, n + marks * 10 + 1);

	for (const char *s = sql; *s != '\0'; s++) {
		if (*s == '\'' || *s == '"') {
			char q = *s;

			*o++ = *s++;
			while (*s != '\0' && !(*s == q && s[1] != q)) {
				if (*s == q)
					*o++ = *s++;
				*o++ = *s++;
			}
			if (*s == '\0')
				break;
			*o++ = *s;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s != '\0' && *s != '\n')
				*o++ = *s++;
			if (*s == '\0')
				break;
			*o++ = *s;
		} else if (*s == '?') {
			int k = 0;

			if (s[1] >= '0' && s[1] <= '9') {
				while (s[1] >= '0' && s[1] <= '9')
					k = k * 10 + (*++s - '0');
			} else
				k = ++bare;
			o += sprintf(o, "$%d", k);
			if (k > max)
				max = k;
		} else
			*o++ = *s;
	}
	*o = '\0';
	*np = max;
	return out;
}

/*
 * lib/schema.sql is written for SQLite; these are the differences of its
 * types, one place for them.  A rowid key becomes an identity column,
 * every integer 64 bits, WITHOUT ROWID (a SQLite storage choice) goes,
 * and a reference may be deferred to the commit (db_references()).  Text
 * compares byte by byte, as SQLite's does, whatever the database's
 * collation (often en_US.UTF-8, which orders 'b' before 'C' and ':'
 * before digits): ORDER BY, min(), a range of ids and the order of every
 * output are then SQLite's.  No word grows more than 4 times.
 */
static const struct {
	const char *from, *to;
} schema_map[] = {
	{ "INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY "
	    "PRIMARY KEY" },
	{ "INTEGER", "BIGINT" },
	{ "TEXT", "TEXT COLLATE \"C\"" },
	{ ") WITHOUT ROWID;", ");" },
};

static int
word_at(const char *sql, const char *s, const char *w)
{
	size_t n = strlen(w);

	return strncmp(s, w, n) == 0 &&
	    (s == sql || !(s[-1] == '_' || (s[-1] >= 'A' && s[-1] <= 'Z') ||
	    (s[-1] >= 'a' && s[-1] <= 'z'))) &&
	    !(s[n] == '_' || (s[n] >= 'A' && s[n] <= 'Z') ||
	    (s[n] >= 'a' && s[n] <= 'z'));
}

static char *
map_schema(const char *sql)
{
	size_t n = strlen(sql);
	char *out = cli_calloc(1, n * 4 + 16), *o = out;
	const char *s = sql;

	while (*s != '\0') {
		size_t i, k;

		if (s[0] == '-' && s[1] == '-') {
			while (*s != '\0' && *s != '\n')
				*o++ = *s++;
			continue;
		}
		for (i = 0; i < sizeof(schema_map) / sizeof(schema_map[0]); i++)
			if (word_at(sql, s, schema_map[i].from) ||
			    (schema_map[i].from[0] == ')' &&
			    strncmp(s, schema_map[i].from,
			    strlen(schema_map[i].from)) == 0))
				break;
		if (i < sizeof(schema_map) / sizeof(schema_map[0])) {
			o += sprintf(o, "%s", schema_map[i].to);
			s += strlen(schema_map[i].from);
			continue;
		}
		if (word_at(sql, s, "REFERENCES")) {
			/* REFERENCES t (c): deferrable after the closing ) or
			 * the table's name */
			for (k = 10; s[k] == ' ' || s[k] == '\t'; k++)
				;
			while (s[k] != '\0' && s[k] != ' ' && s[k] != ',' &&
			    s[k] != '\n' && s[k] != ')' && s[k] != '(')
				k++;
			while (s[k] == ' ')
				k++;
			if (s[k] == '(')
				while (s[k] != '\0' && s[k++] != ')')
					;
			memcpy(o, s, k);
			o += k;
			o += sprintf(o, " DEFERRABLE");
			s += k;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* ---- errors ---------------------------------------------------------------- */

/* libpq's message m on one line, as a diagnostic is: its lines joined by
 * a space (for the tab that indents a hint), no space or newline at the
 * end. */
static void
one_line(char *m)
{
	char *o = m;
	size_t n;

	for (const char *p = m; *p != '\0'; p++)
		if (*p != '\n')
			*o++ = *p;
		else if (p[1] != '\0') {
			*o++ = ' ';
			p += p[1] == '\t';
		}
	*o = '\0';
	n = strlen(m);
	while (n > 0 && m[n - 1] == ' ')
		m[--n] = '\0';
}

/* Keeps the error of res (NULL: of the connection) for db_error() and
 * the failure's message. */
static void
keep_error(struct pg *db, const PGresult *res)
{
	const char *m = res != NULL ?
	    pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *s = res != NULL ?
	    pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(db->msg, sizeof(db->msg), "%s", m != NULL ? m :
	    pq.PQerrorMessage(db->c));
	one_line(db->msg);
	snprintf(db->state, sizeof(db->state), "%s", s != NULL ? s : "");
}

/* A warning of the server's (client_min_messages), such as the one it
 * sends as it shuts down, said as the program's: libpq would print it
 * bare ("WARNING:  terminating connection ..."). */
static void
notice(void *arg, const PGresult *res)
{
	const char *m = pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	cli_warn("%s: %s", (const char *)arg, m != NULL ? m :
	    pq.PQresultErrorMessage(res));
}

static void pg_rollback(struct db *);

static int
pg_failed(struct db *base, const char *context, const char *sql)
{
	struct pg *db = PG(base);
	char in[64];
	int status = CLI_EIO;

	db_sql_start(in, sizeof(in), sql);
	/* serialization_failure, deadlock_detected */
	if (strcmp(db->state, "40001") == 0 || strcmp(db->state, "40P01") == 0) {
		pg_rollback(base);
		cli_run_again();
		cli_warn("%s: %s%s%s%s: another program changed the same rows "
		    "at the same time; nothing was committed: run the command "
		    "again", context, db->msg, in[0] != '\0' ? ", in '" : "",
		    in, in[0] != '\0' ? "'" : "");
	} else if (strcmp(db->state, "55P03") == 0)	/* lock_not_available */
		db_busy_warn(context);
	else if (strcmp(db->state, "22003") == 0) {	/* out of range */
		db_overflow_warn(context);
		status = CLI_EDATA;
	} else if (in[0] != '\0')
		cli_warn("%s: %s, in '%s'", context, db->msg, in);
	else
		cli_warn("%s: %s", context, db->msg);
	pg_rollback(base);
	return status;
}

static const char *
pg_error(struct db *db)
{
	return PG(db)->msg;
}

/* res (NULL: none came) if it succeeded, else NULL with its error kept. */
static PGresult *
succeeded(struct pg *db, PGresult *res)
{
	ExecStatusType s = pq.PQresultStatus(res);

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return res;
	keep_error(db, res);
	pq.PQclear(res);
	return NULL;
}

static void drain(struct pg *db);

/* Runs sql of no parameters; the result, or NULL (the error kept). */
static PGresult *
run(struct pg *db, const char *sql)
{
	drain(db);
	return succeeded(db, pq.PQexec(db->c, sql));
}

static void
pg_exec(struct db *db, const char *sql)
{
	PGresult *res = run(PG(db), sql);

	if (res == NULL)
		exit(pg_failed(db, "database", sql));
	pq.PQclear(res);
}

/* ---- statements --------------------------------------------------------------- */

static struct db_stmt *
pg_prepare(struct db *db, const char *sql)
{
	struct pg_stmt *st = cli_calloc(1, sizeof(*st));

	(void)db;
	st->sql = rewrite_params(sql, &st->np);
	st->p = cli_calloc((size_t)st->np + 1, sizeof(*st->p));
	st->v = cli_calloc((size_t)st->np + 1, sizeof(*st->v));
	return &st->base;
}

static _Noreturn void stmt_fatal(struct pg_stmt *st);

/* The next row of db's live statement, or NULL at its end; an error is
 * fatal. */
static PGresult *
next_row(struct pg *db)
{
	struct pg_stmt *st = db->live;
	PGresult *res = pq.PQgetResult(db->c), *more;
	ExecStatusType s = pq.PQresultStatus(res);

	if (s == PGRES_SINGLE_TUPLE)
		return res;
	/* the end (a result of no row) or an error, then none */
	db->live = NULL;
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
		keep_error(db, res);
	pq.PQclear(res);
	while ((more = pq.PQgetResult(db->c)) != NULL)
		pq.PQclear(more);
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
		stmt_fatal(st);
	return NULL;
}

/* Reads the rows left of the live statement into its queue, for another
 * to use the connection: packed, as a PGresult a row costs a few
 * kilobytes. */
static void
drain(struct pg *db)
{
	struct pg_stmt *st = db->live;
	PGresult *res;

	while (st != NULL && (res = next_row(db)) != NULL) {
		st->ncol = pq.PQnfields(res);
		for (int i = 0; i < st->ncol; i++) {
			int len = pq.PQgetisnull(res, 0, i) ? -1 :
			    pq.PQgetlength(res, 0, i);
			size_t n = len > 0 ? (size_t)len : 0;

			st->queue = cli_grow(st->queue, &st->capqueue,
			    st->nqueue + sizeof(len) + n + 1, 1);
			memcpy(st->queue + st->nqueue, &len, sizeof(len));
			memcpy(st->queue + st->nqueue + sizeof(len),
			    pq.PQgetvalue(res, 0, i), n);
			st->queue[st->nqueue + sizeof(len) + n] = '\0';
			st->nqueue += sizeof(len) + n + 1;
		}
		pq.PQclear(res);
	}
}

/* The next row of st's queue as its current one; 0 when none is left. */
static int
dequeue(struct pg_stmt *st)
{
	if (st->qpos >= st->nqueue)
		return 0;
	if (st->qv == NULL) {
		st->qv = cli_calloc((size_t)st->ncol + 1, sizeof(*st->qv));
		st->ql = cli_calloc((size_t)st->ncol + 1, sizeof(*st->ql));
	}
	for (int i = 0; i < st->ncol; i++) {
		memcpy(&st->ql[i], st->queue + st->qpos, sizeof(int));
		st->qv[i] = st->queue + st->qpos + sizeof(int);
		st->qpos += sizeof(int) + (st->ql[i] > 0 ?
		    (size_t)st->ql[i] : 0) + 1;
	}
	return 1;
}

/* Ends st's rows, read or not. */
static void
clear_result(struct pg_stmt *st)
{
	struct pg *db = PG(st->base.db);
	PGresult *res;

	pq.PQclear(st->res);
	st->res = NULL;
	if (db->live == st)
		while ((res = next_row(db)) != NULL)
			pq.PQclear(res);
	st->nqueue = st->qpos = 0;
	st->running = 0;
}

static void
pg_finalize(struct db_stmt *base)
{
	struct pg_stmt *st = PS(base);
	char sql[40];

	clear_result(st);
	if (st->name[0] != '\0' &&
	    pq.PQstatus(PG(base->db)->c) == CONNECTION_OK) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
		drain(PG(base->db));
		pq.PQclear(pq.PQexec(PG(base->db)->c, sql));
	}
	for (int i = 0; i < st->np; i++)
		free(st->p[i].v);
	free(st->p);
	free(st->v);
	free(st->types);
	free(st->sql);
	free(st->table);
	free(st->cols);
	free(st->data);
	free(st->queue);
	free(st->qv);
	free(st->ql);
	free(st);
}

/* Rolls back to a savepoint and ends it (a savepoint rolled back to is
 * still open, and a snapshot cannot be exported from inside one),
 * keeping the error that made it needed. */
static void
undo_to(struct pg *db, const char *savepoint)
{
	char state[sizeof(db->state)], msg[sizeof(db->msg)], sql[128];

	memcpy(state, db->state, sizeof(state));
	memcpy(msg, db->msg, sizeof(msg));
	snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT %s; RELEASE "
	    "SAVEPOINT %s", savepoint, savepoint);
	pg_exec(&db->base, sql);
	memcpy(db->state, state, sizeof(state));
	memcpy(db->msg, msg, sizeof(msg));
}

static _Noreturn void
stmt_fatal(struct pg_stmt *st)
{
	exit(pg_failed(st->base.db, "database", st->sql));
}

/* What a statement sends to the server: its prepare, or a run of it with
 * the values bound; 1 when sent. */
static int
send_prepare(struct pg_stmt *st)
{
	return pq.PQsendPrepare(PG(st->base.db)->c, st->name, st->sql, st->np,
	    st->types);
}

static int
send_execute(struct pg_stmt *st)
{
	for (int i = 0; i < st->np; i++)
		st->v[i] = st->p[i].v;
	return pq.PQsendQueryPrepared(PG(st->base.db)->c, st->name, st->np,
	    st->v, NULL, NULL, 0);
}

/* A query of no parameters sent in pipeline mode, which takes no other. */
static int
send_plain(struct pg *db, const char *sql)
{
	return pq.PQsendQueryParams(db->c, sql, 0, NULL, NULL, NULL, NULL, 0);
}

/*
 * Sends what send() sends for st and waits for its result: alone, or,
 * with a savepoint's name, between a SAVEPOINT and its RELEASE (a
 * statement that fails in a transaction ends it otherwise), the three in
 * one round trip in libpq's pipeline mode.  The statement's result, or
 * NULL with its error kept and the savepoint left open for undo_to().
 * Anything else that fails (the savepoint, the connection) is fatal.
 */
static PGresult *
sent(struct pg_stmt *st, int (*send)(struct pg_stmt *), const char *savepoint)
{
	struct pg *db = PG(st->base.db);
	PGresult *res, *got = NULL, *bad = NULL;
	char begin[64], end[80];
	int synced;

	drain(db);
	if (savepoint == NULL) {
		if (send(st) != 1)
			return succeeded(db, NULL);
		while ((res = pq.PQgetResult(db->c)) != NULL) {
			pq.PQclear(got);
			got = res;
		}
		return succeeded(db, got);
	}
	snprintf(begin, sizeof(begin), "SAVEPOINT %s", savepoint);
	snprintf(end, sizeof(end), "RELEASE SAVEPOINT %s", savepoint);
	synced = pq.PQenterPipelineMode(db->c) == 1 &&
	    send_plain(db, begin) == 1 && send(st) == 1 &&
	    send_plain(db, end) == 1 && pq.PQpipelineSync(db->c) == 1;
	/* each query's results end with a NULL; the sync's follows */
	for (int q = 0; synced && q < 3; q++)
		while ((res = pq.PQgetResult(db->c)) != NULL)
			if (q == 1 && got == NULL)
				got = res;
			else if (q == 0 && pq.PQresultStatus(res) !=
			    PGRES_COMMAND_OK && bad == NULL)
				bad = res;
			else
				pq.PQclear(res);
	res = synced ? pq.PQgetResult(db->c) : NULL;
	synced = synced && pq.PQresultStatus(res) == PGRES_PIPELINE_SYNC;
	pq.PQclear(res);
	if (pq.PQexitPipelineMode(db->c) != 1 || !synced || bad != NULL) {
		keep_error(db, bad);
		pq.PQclear(bad);
		pq.PQclear(got);
		stmt_fatal(st);
	}
	return succeeded(db, got);
}

/* Prepares st on the server for the types of its first binds (all are
 * sent as text, so later binds of another type still do); 0, or -1
 * with the error kept. */
static int
server_prepare(struct pg_stmt *st)
{
	struct pg *db = PG(st->base.db);
	PGresult *res;
	int retry;

	drain(db);	/* so that the transaction's status is its own */
	st->types = cli_calloc((size_t)st->np + 1, sizeof(*st->types));
	for (int i = 0; i < st->np; i++)
		st->types[i] = st->p[i].v != NULL ? st->p[i].type : PG_UNKNOWN;
	snprintf(st->name, sizeof(st->name), "r%lu", ++db->names);
	/*
	 * A parameter whose type the server cannot infer (?1 IS NULL) is
	 * text: all of revops' such parameters are.  A failed prepare ends
	 * a transaction, so in one it is tried inside a savepoint.
	 */
	for (retry = 0; retry < 2; retry++) {
		int in = pq.PQtransactionStatus(db->c) == PQTRANS_INTRANS;

		if ((res = sent(st, send_prepare, in ? "revops_prepare" :
		    NULL)) != NULL) {
			pq.PQclear(res);
			return 0;
		}
		if (in)
			undo_to(db, "revops_prepare");
		/* indeterminate_datatype, ambiguous_parameter */
		if (strcmp(db->state, "42P18") != 0 &&
		    strcmp(db->state, "42P08") != 0)
			break;
		for (int i = 0; i < st->np; i++)
			if (st->types[i] == PG_UNKNOWN)
				st->types[i] = TEXTOID;
	}
	st->name[0] = '\0';
	return -1;
}

/* Runs st, in a savepoint unless NULL: its result, or NULL with the error
 * kept. */
static PGresult *
execute(struct pg_stmt *st, const char *savepoint)
{
	if (st->name[0] == '\0' && server_prepare(st) != 0)
		return NULL;
	return sent(st, send_execute, savepoint);
}

static int
pg_row(struct db_stmt *base)
{
	struct pg_stmt *st = PS(base);
	struct pg *db = PG(base->db);
	PGresult *res = NULL;

	pq.PQclear(st->res);
	st->res = NULL;
	if (!st->running) {
		if (st->name[0] == '\0' && server_prepare(st) != 0)
			stmt_fatal(st);
		drain(db);
		if (send_execute(st) != 1 ||
		    pq.PQsetSingleRowMode(db->c) != 1) {
			keep_error(db, NULL);
			stmt_fatal(st);
		}
		db->live = st;
		st->running = 1;
	}
	if (db->live == st)
		res = next_row(db);
	else if (dequeue(st))
		return 1;
	if ((st->res = res) != NULL)
		return 1;
	clear_result(st);
	return 0;
}

static long
changes_of(PGresult *res)
{
	const char *n = pq.PQcmdTuples(res);

	return *n != '\0' ? strtol(n, NULL, 10) : 0;
}

/* A statement failed, its error kept: a row the schema refuses is undone
 * to its savepoint where the caller may be refused one (db_try()); any
 * other failure is fatal. */
static enum db_result
refused(struct pg_stmt *st, int may_refuse)
{
	struct pg *db = PG(st->base.db);

	st->base.changes = 0;
	if (!may_refuse || strncmp(db->state, "23", 2) != 0) /* integrity */
		stmt_fatal(st);
	undo_to(db, "revops_row");
	return strcmp(db->state, "23505") == 0 ? DB_DUPLICATE : DB_REFUSED;
}

static enum db_result copy_rows(struct pg_stmt *st, int nrows,
    int may_refuse);

static enum db_result
pg_step(struct db_stmt *base, int may_refuse)
{
	struct pg_stmt *st = PS(base);
	PGresult *res;

	clear_result(st);
	if (st->copy_cols > 0)
		return copy_rows(st, st->np / st->copy_cols, may_refuse);
	if ((res = execute(st, may_refuse ? "revops_row" : NULL)) != NULL) {
		base->changes = changes_of(res);
		pq.PQclear(res);
		return DB_OK;
	}
	return refused(st, may_refuse);
}

static void
pg_reset(struct db_stmt *st)
{
	clear_result(PS(st));
}

static int
pg_params(struct db_stmt *st)
{
	return PS(st)->np;
}

/* ---- binds ------------------------------------------------------------------ */

static struct param *
param(struct db_stmt *base, int i)
{
	struct pg_stmt *st = PS(base);

	clear_result(st);
	if (i < 1 || i > st->np) {
		snprintf(PG(base->db)->msg, sizeof(PG(base->db)->msg),
		    "parameter %d of %d bound", i, st->np);
		stmt_fatal(st);
	}
	return &st->p[i - 1];
}

static void
set(struct param *p, const char *s, size_t len, unsigned int type)
{
	if (p->v == NULL || p->cap < len + 1) {
		free(p->v);
		p->cap = len + 1 > 32 ? len + 1 : 32;
		p->v = cli_calloc(1, p->cap);
	}
	memcpy(p->v, s, len);
	p->v[len] = '\0';
	p->type = type;
}

static void
pg_bind_int(struct db_stmt *st, int i, int64_t v)
{
	char buf[24];

	set(param(st, i), buf, (size_t)snprintf(buf, sizeof(buf), "%lld",
	    (long long)v), INT8OID);
}

static void
pg_bind_null(struct db_stmt *st, int i)
{
	struct param *p = param(st, i);

	free(p->v);
	p->v = NULL;
	p->cap = 0;
	p->type = PG_UNKNOWN;
}

/* libpq sends text NUL-terminated, so every text is copied. */
static void
pg_bind_text(struct db_stmt *st, int i, const char *s, size_t len, int copy)
{
	(void)copy;
	set(param(st, i), s, len, PG_UNKNOWN);
}

/* ---- columns ------------------------------------------------------------------ */

static int
pg_null(struct db_stmt *st, int i)
{
	return PS(st)->res != NULL ? pq.PQgetisnull(PS(st)->res, 0, i) :
	    PS(st)->ql[i] < 0;
}

static const char *
pg_text(struct db_stmt *st, int i)
{
	return PS(st)->res != NULL ? pq.PQgetvalue(PS(st)->res, 0, i) :
	    PS(st)->qv[i];
}

static size_t
pg_len(struct db_stmt *st, int i)
{
	return (size_t)(PS(st)->res != NULL ?
	    pq.PQgetlength(PS(st)->res, 0, i) :
	    PS(st)->ql[i] < 0 ? 0 : PS(st)->ql[i]);
}

/* An integer of at most 18 digits, which cannot overflow: most are, and
 * read here rather than by strtoll(), which took 7 % of the metrics'
 * time on PostgreSQL. */
static int
short_int(const char *s, int64_t *v)
{
	const char *p = s + (s[0] == '-');
	int64_t m = 0;
	int n;

	for (n = 0; n < 18 && p[n] >= '0' && p[n] <= '9'; n++)
		m = m * 10 + (p[n] - '0');
	if (n == 0 || p[n] != '\0')
		return 0;
	*v = s[0] == '-' ? -m : m;
	return 1;
}

/*
 * An integer column.  sum() of BIGINTs is a NUMERIC in PostgreSQL, so a
 * sum past 64 bits arrives whole and is refused here as SQLite refuses
 * it; a boolean arrives as t or f.
 */
static int64_t
pg_integer(struct db_stmt *st, int i)
{
	const char *s = pg_text(st, i);
	char *end;
	long long v;
	int64_t m;

	if (s[0] == '\0' || ((s[0] == 't' || s[0] == 'f') && s[1] == '\0'))
		return s[0] == 't';
	if (short_int(s, &m))
		return m;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE) {
		snprintf(PG(st->db)->state, sizeof(PG(st->db)->state), "22003");
		stmt_fatal(PS(st));
	}
	if (*end != '\0') {
		snprintf(PG(st->db)->msg, sizeof(PG(st->db)->msg),
		    "column %d is '%s', not an integer", i + 1, s);
		PG(st->db)->state[0] = '\0';
		stmt_fatal(PS(st));
	}
	return v;
}

/* ---- transactions --------------------------------------------------------------- */

static void
pg_begin(struct db *base, int write)
{
	struct pg *db = PG(base);
	char sql[96];

	if (write && !db->dry_run && !db->locked) {
		snprintf(sql, sizeof(sql), "SET lock_timeout = %d; SELECT "
		    "pg_advisory_lock(" WRITER_LOCK ")", base->busy_ms);
		pg_exec(base, sql);
		db->locked = 1;
	}
	pg_exec(base, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	if (db->defer_refs)
		pg_exec(base, "SET CONSTRAINTS ALL DEFERRED");
}

static void
unlock(struct pg *db)
{
	if (db->locked) {
		db->locked = 0;
		drain(db);
		pq.PQclear(pq.PQexec(db->c, "SELECT pg_advisory_unlock("
		    WRITER_LOCK
		    ")"));
	}
}

static void
pg_commit(struct db *base)
{
	struct pg *db = PG(base);

	pg_exec(base, db->dry_run ? "ROLLBACK" : "COMMIT");
	unlock(db);
}

static void
pg_rollback(struct db *base)
{
	struct pg *db = PG(base);

	drain(db);
	if (pq.PQtransactionStatus(db->c) != PQTRANS_IDLE)
		pq.PQclear(pq.PQexec(db->c, "ROLLBACK"));
	unlock(db);
}

static int
pg_in_transaction(struct db *db)
{
	drain(PG(db));	/* a statement's rows coming say ACTIVE */
	return pq.PQtransactionStatus(PG(db)->c) != PQTRANS_IDLE;
}

/* None: an index cannot be made in a transaction whose references wait
 * for its commit (SET CONSTRAINTS ALL DEFERRED), and the server's bulk
 * load keeps its indexes as it goes. */
static int
pg_secondary_indexes(struct db *db, const char *table, char *name[],
    char *sql[], int max)
{
	(void)db;
	(void)table;
	(void)name;
	(void)sql;
	(void)max;
	return 0;
}

/* The server keeps what a transaction writes in its own buffers and
 * sizes them itself. */
static void
pg_write_at_commit(struct db *db)
{
	(void)db;
}

/*
 * A COPY of a transaction whose references are off (db_references(db,
 * 0): an import, which looks up each reference of each row itself, and
 * the billing run, which writes what it has just read) goes without the
 * server's triggers of the references, which look each row's parent up
 * again at the commit: three quarters of an import of invoice lines
 * (BENCHMARKS.md).  Only the COPYs go so, "SET LOCAL
 * session_replication_role = replica" around each, and only where the
 * role may (a superuser, or one granted SET ON PARAMETER
 * session_replication_role); never a change or a delete, whose own check
 * the setting would skip too.  The keys the rows name are kept, a set a
 * foreign key of the table, and db_references_check() looks them up in
 * one anti-join a parent and locks the parents FOR KEY SHARE, as the
 * triggers would: a parent that another session deletes meanwhile fails
 * one of the two (40001, which runs the command again, or the other's
 * own check).  A key of a parent row that a COPY of the transaction
 * wrote is neither looked up nor locked (the billing run's invoices, to
 * its lines and records): no one else sees the row, and a delete of it,
 * which keeps the triggers, is the server's to refuse.  The keys are kept
 * as COPY's text, to be sent as they are.
 */
#define REPLICA "SET LOCAL session_replication_role = replica"
#define ORIGIN "SET LOCAL session_replication_role = origin"
#define FKEY_COLS 4
#define FKEYS_MAX 8

struct fkey {
	char *parent;		/* as regclass prints it */
	int ncol;
	char *col[FKEY_COLS], *pcol[FKEY_COLS];
	struct keyset *keys;
};

/* A table so written, its foreign keys, and the keys of its own that
 * foreign keys name (col unused), with the values its rows wrote: a
 * child's key among them is of a row of this transaction, which no one
 * else can take away, so it is neither looked up nor locked. */
struct untriggered {
	char *table;
	struct fkey fk[FKEYS_MAX];
	int nfk;
	struct fkey made[FKEYS_MAX];
	int nmade;
	struct untriggered *next;
};

/* Every row a COPY writes with the triggers off is checked as above,
 * the program's word or not. */
static void
pg_references_vouch(struct db *db, const char *table)
{
	(void)db;
	(void)table;
}

static void
fkeys_free(struct fkey *fk, int n)
{
	for (int i = 0; i < n; i++) {
		free(fk[i].parent);
		for (int j = 0; j < fk[i].ncol; j++) {
			free(fk[i].col[j]);
			free(fk[i].pcol[j]);
		}
		keyset_free(fk[i].keys);
	}
}

static void
untriggered_free(struct pg *db)
{
	while (db->untriggered != NULL) {
		struct untriggered *v = db->untriggered;

		db->untriggered = v->next;
		fkeys_free(v->fk, v->nfk);
		fkeys_free(v->made, v->nmade);
		free(v->table);
		free(v);
	}
}

/* References are always checked; turned off, at the commit. */
static void
pg_references(struct db *db, int on)
{
	PG(db)->defer_refs = !on;
	if (on)
		untriggered_free(PG(db));
}

static int fkey_same_parent(const struct fkey *a, const struct fkey *b);

/* Drops the last of the n keys that others name when it is one of those
 * before it (many tables name accounts (account_id)). */
static void
made_once(struct fkey *made, int *n)
{
	for (int i = 0; i < *n - 1; i++)
		if (fkey_same_parent(&made[i], &made[*n - 1])) {
			fkeys_free(&made[*n - 1], 1);
			memset(&made[*n - 1], 0, sizeof(made[0]));
			(*n)--;
			return;
		}
}

/*
 * The foreign keys of v's table (which 0), or those that name it (1),
 * from the catalogue: of each, the parent and its columns, and for which
 * 0 the columns that name them.
 */
static void
untriggered_load(struct pg *db, struct untriggered *v, int which)
{
	static const char *const sql[] = {
	    "SELECT c.oid, c.confrelid::regclass::text, a.attname, "
	    "f.attname FROM pg_constraint c CROSS JOIN LATERAL "
	    "unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ck, fk, i) "
	    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND "
	    "a.attnum = k.ck JOIN pg_attribute f ON f.attrelid = c.confrelid "
	    "AND f.attnum = k.fk WHERE c.conrelid = $1::regclass AND "
	    "c.contype = 'f' ORDER BY c.oid, k.i",
	    /* only the deferred NO ACTION kind, which the schema's are: a
	     * delete or a change of a parent is then refused at the check
	     * while a child names it, whenever the child was written */
	    "SELECT c.oid, c.confrelid::regclass::text, NULL, "
	    "f.attname FROM pg_constraint c CROSS JOIN LATERAL "
	    "unnest(c.confkey) WITH ORDINALITY AS k(fk, i) "
	    "JOIN pg_attribute f ON f.attrelid = c.confrelid "
	    "AND f.attnum = k.fk WHERE c.confrelid = $1::regclass AND "
	    "c.contype = 'f' AND c.condeferrable AND c.confdeltype = 'a' "
	    "AND c.confupdtype = 'a' ORDER BY c.oid, k.i",
	};
	const char *param[1] = { v->table };
	struct fkey *all = which == 0 ? v->fk : v->made, *fk = NULL;
	int *n = which == 0 ? &v->nfk : &v->nmade;
	PGresult *res;

	drain(db);
	res = succeeded(db, pq.PQexecParams(db->c, sql[which], 1, NULL, param,
	    NULL, NULL, 0));
	if (res == NULL)
		exit(pg_failed(&db->base, "database", sql[which]));
	for (int r = 0; r < pq.PQntuples(res); r++) {
		if (r == 0 || strcmp(pq.PQgetvalue(res, r, 0),
		    pq.PQgetvalue(res, r - 1, 0)) != 0) {
			if (which == 1 && fk != NULL)
				made_once(all, n);
			if (*n == FKEYS_MAX)
				cli_die(CLI_EIO, "internal error: more than %d "
				    "references from or to %s", FKEYS_MAX,
				    v->table);
			fk = &all[(*n)++];
			fk->parent = cli_strdup(pq.PQgetvalue(res, r, 1));
			fk->keys = keyset_new(SIZE_MAX);
		}
		if (fk->ncol == FKEY_COLS)
			cli_die(CLI_EIO, "internal error: a reference of more "
			    "than %d columns from or to %s", FKEY_COLS,
			    v->table);
		if (which == 0)
			fk->col[fk->ncol] = cli_strdup(pq.PQgetvalue(res, r,
			    2));
		fk->pcol[fk->ncol++] = cli_strdup(pq.PQgetvalue(res, r, 3));
	}
	if (which == 1 && fk != NULL)
		made_once(all, n);
	pq.PQclear(res);
}

/* Whether this connection may turn the triggers off: asked once. */
static int
may_skip_triggers(struct pg *db)
{
	PGresult *res;

	if (db->replica >= 0)
		return db->replica;
	drain(db);
	res = pq.PQexec(db->c, "SAVEPOINT revops_role; " REPLICA "; " ORIGIN
	    "; RELEASE SAVEPOINT revops_role");
	db->replica = pq.PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!db->replica) {
		keep_error(db, res);
		if (strcmp(db->state, "42501") != 0) {	/* not allowed */
			pq.PQclear(res);
			exit(pg_failed(&db->base, "database", NULL));
		}
		undo_to(db, "revops_role");
	}
	pq.PQclear(res);
	return db->replica;
}

/* The table that st's COPY writes, if it may go without the triggers;
 * NULL for the triggers. */
static struct untriggered *
copy_untriggered(struct pg_stmt *st)
{
	struct pg *db = PG(st->base.db);
	struct untriggered *v;

	if (!db->defer_refs || st->table == NULL)
		return NULL;
	if (!may_skip_triggers(db))
		return NULL;
	for (v = db->untriggered; v != NULL; v = v->next)
		if (strcmp(v->table, st->table) == 0)
			return v;
	v = cli_calloc(1, sizeof(*v));
	v->table = cli_strdup(st->table);
	v->next = db->untriggered;
	db->untriggered = v;
	untriggered_load(db, v, 0);
	untriggered_load(db, v, 1);
	return v;
}

static size_t copy_value(char *out, const char *v);

/* Keeps in fk's set the keys that the first nrows rows of st hold in
 * columns cols (fk's own, or its parent's), as COPY's text.  A row that
 * holds the key of the row before (the lines of one invoice) adds
 * nothing. */
static void
keep_keys(struct pg_stmt *st, struct fkey *fk, char *const *cols,
    int nrows)
{
	char *key = NULL, *last = NULL;
	size_t cap = 0, lastcap = 0, nlast = SIZE_MAX;
	int at[FKEY_COLS], j;

	for (j = 0; j < fk->ncol; j++) {
		for (at[j] = 0; at[j] < st->copy_cols; at[j]++)
			if (strcmp(st->cols[at[j]], cols[j]) == 0)
				break;
		if (at[j] == st->copy_cols)
			return;	/* a default: no reference */
	}
	for (int r = 0; r < nrows; r++) {
		const struct param *p = &st->p[r * st->copy_cols];
		size_t n = 0;
		int k;

		for (k = 0; k < fk->ncol && p[at[k]].v != NULL; k++) {
			key = cli_grow(key, &cap, n + 2 * strlen(p[at[k]].v) +
			    1, 1);
			n += copy_value(key + n, p[at[k]].v);
			key[n++] = k + 1 < fk->ncol ? '\t' : '\n';
		}
		/* a NULL in it: no reference (MATCH SIMPLE) */
		if (k < fk->ncol || (n == nlast && memcmp(key, last, n) == 0))
			continue;
		(void)keyset_add(fk->keys, key, n, "");
		last = cli_grow(last, &lastcap, n, 1);
		memcpy(last, key, n);
		nlast = n;
	}
	free(key);
	free(last);
}

/* Keeps the keys that the first nrows rows of st name, and those of its
 * own they hold that others name. */
static void
copy_keep_keys(struct pg_stmt *st, struct untriggered *v, int nrows)
{
	for (int f = 0; f < v->nfk; f++)
		keep_keys(st, &v->fk[f], v->fk[f].col, nrows);
	for (int f = 0; f < v->nmade; f++)
		keep_keys(st, &v->made[f], v->made[f].pcol, nrows);
}

/* What a key of fk's names, for a message: "(a, b)=(x, y)". */
static void
key_show(const struct fkey *fk, PGresult *res, char *buf, size_t size)
{
	size_t n = 0;

	n += (size_t)snprintf(buf, size, "(");
	for (int j = 0; j < fk->ncol && n < size; j++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", j ? ", " : "",
		    fk->col[j]);
	for (int j = 0; j < fk->ncol && n < size; j++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", j ? ", " :
		    ")=(", pq.PQgetvalue(res, 0, j));
	if (n < size)
		snprintf(buf + n, size - n, ")");
}

/*
 * The statements of fkey_check(), one a call: the temporary table of the
 * keys, of the parent's columns and types; the lock on each parent that
 * is there, counted; the first key not there.  The caller frees it.
 */
static char *
fkey_sql(const struct fkey *fk, int which)
{
	char *buf;
	size_t n;
	FILE *f = cli_memstream(&buf, &n);

	if (which == 0) {
		fputs("DROP TABLE IF EXISTS revops_keys; CREATE TEMP TABLE "
		    "revops_keys ON COMMIT DROP AS SELECT ", f);
		for (int j = 0; j < fk->ncol; j++)
			fprintf(f, "%s%s", j ? ", " : "", fk->pcol[j]);
		fprintf(f, " FROM %s LIMIT 0", fk->parent);
	} else {
		/* the keys' count, for the planner to hash them, not the
		 * parent: a sample of 300 rows gives it (of the default 30,000,
		 * ANALYZE took 59 ms of 42,000 keys) */
		fprintf(f, which == 1 ? "SELECT k.* FROM revops_keys k WHERE "
		    "NOT EXISTS (SELECT 1 FROM %s p WHERE " : "SET LOCAL "
		    "default_statistics_target = 1; ANALYZE revops_keys; "
		    "RESET default_statistics_target; SELECT count(*) FROM "
		    "(SELECT 1 FROM %s p JOIN revops_keys k ON ", fk->parent);
		for (int j = 0; j < fk->ncol; j++)
			fprintf(f, "%sp.%s = k.%s", j ? " AND " : "",
			    fk->pcol[j], fk->pcol[j]);
		fputs(which == 1 ? ") LIMIT 1" : " FOR KEY SHARE OF p) l", f);
	}
	if (fclose(f) != 0)
		cli_die(CLI_EIO, "out of memory");
	return buf;
}

/* Runs a query of fkey_check()'s, which frees it. */
static PGresult *
fkey_run(struct pg *db, char *sql)
{
	PGresult *res = run(db, sql);

	if (res == NULL)
		exit(pg_failed(&db->base, "database", sql));
	free(sql);
	return res;
}

/* Sends the keys into revops_keys. */
static void
fkey_copy(struct pg *db, const struct keyset *keys)
{
	PGresult *res;
	const char *key;
	size_t at = 0, len;
	int ok;

	drain(db);
	res = pq.PQexec(db->c, "COPY revops_keys FROM STDIN");
	ok = pq.PQresultStatus(res) == PGRES_COPY_IN;
	if (!ok)
		keep_error(db, res);
	pq.PQclear(res);
	while (ok && (key = keyset_next(keys, &at, &len)) != NULL)
		ok = pq.PQputCopyData(db->c, key, (int)len) == 1;
	if (ok && (ok = pq.PQputCopyEnd(db->c, NULL) == 1)) {
		res = pq.PQgetResult(db->c);
		if (!(ok = pq.PQresultStatus(res) == PGRES_COMMAND_OK))
			keep_error(db, res);
		pq.PQclear(res);
		while ((res = pq.PQgetResult(db->c)) != NULL)
			pq.PQclear(res);
	}
	if (!ok)
		exit(pg_failed(&db->base, "database", NULL));
}

/* Whether two foreign keys refer to the same columns of one parent. */
static int
fkey_same_parent(const struct fkey *a, const struct fkey *b)
{
	if (strcmp(a->parent, b->parent) != 0 || a->ncol != b->ncol)
		return 0;
	for (int j = 0; j < a->ncol; j++)
		if (strcmp(a->pcol[j], b->pcol[j]) != 0)
			return 0;
	return 1;
}

/* Whether v's fk[f] was checked with an earlier one of its parent. */
static int
checked_before(struct pg *db, struct untriggered *v, int f)
{
	for (struct untriggered *u = db->untriggered; ; u = u->next) {
		for (int g = 0; g < (u == v ? f : u->nfk); g++)
			if (keyset_count(u->fk[g].keys) > 0 &&
			    fkey_same_parent(&u->fk[g], &v->fk[f]))
				return 1;
		if (u == v)
			return 0;
	}
}

/* The key of res's first row as COPY's text, as the keys are kept, into
 * *buf (of *cap bytes): its length. */
static size_t
key_text(PGresult *res, int ncol, char **buf, size_t *cap)
{
	size_t n = 0;

	for (int j = 0; j < ncol; j++) {
		const char *v = pq.PQgetvalue(res, 0, j);

		*buf = cli_grow(*buf, cap, n + 2 * strlen(v) + 1, 1);
		n += copy_value(*buf + n, v);
		(*buf)[n++] = j + 1 < ncol ? '\t' : '\n';
	}
	return n;
}

static void
keys_add(struct keyset *to, const struct keyset *from)
{
	const char *k;
	size_t at = 0, len;

	while ((k = keyset_next(from, &at, &len)) != NULL)
		(void)keyset_add(to, k, len, "");
}

/* The keys of v's fk[f] and of every later foreign key to its parent:
 * fk[f]'s own set when it is the only one, else a union of them in *all,
 * which the caller frees. */
static const struct keyset *
fkey_keys(struct untriggered *v, int f, struct keyset **all)
{
	const struct fkey *fk = &v->fk[f];

	*all = NULL;
	for (struct untriggered *u = v; u != NULL; u = u->next)
		for (int g = u == v ? f + 1 : 0; g < u->nfk; g++) {
			if (!fkey_same_parent(fk, &u->fk[g]))
				continue;
			if (*all == NULL) {
				*all = keyset_new(SIZE_MAX);
				keys_add(*all, fk->keys);
			}
			keys_add(*all, u->fk[g].keys);
		}
	return *all != NULL ? *all : fk->keys;
}

/* Says that the key of res's first row, to the parent of v's fk[f], is
 * not there, as the first table to name it (from v on). */
static void
fkey_missing(struct untriggered *v, int f, PGresult *res)
{
	const struct fkey *fk = &v->fk[f];
	char shown[512], *key = NULL;
	size_t cap = 0, n = key_text(res, fk->ncol, &key, &cap);

	for (struct untriggered *u = v; u != NULL; u = u->next)
		for (int g = u == v ? f : 0; g < u->nfk; g++)
			if (fkey_same_parent(fk, &u->fk[g]) &&
			    keyset_find(u->fk[g].keys, key, n) != NULL) {
				key_show(&u->fk[g], res, shown, sizeof(shown));
				(void)cli_data_error(u->table, 0, NULL, "Key %s "
				    "is not present in table \"%s\".", shown,
				    fk->parent);
				free(key);
				return;
			}
	free(key);
}

/*
 * Of keys, to fk's parent, those that no row this transaction wrote
 * there holds: keys itself when it wrote none, else the set *left, which
 * the caller frees (NULL when none is left, *left made all the same).
 */
static const struct keyset *
not_made(struct pg *db, const struct fkey *fk, const struct keyset *keys,
    struct keyset **left)
{
	const struct fkey *m = NULL;
	const char *k;
	size_t at = 0, len;

	for (struct untriggered *u = db->untriggered; u != NULL && m == NULL;
	    u = u->next)
		for (int g = 0; g < u->nmade && m == NULL; g++)
			if (fkey_same_parent(&u->made[g], fk) &&
			    keyset_count(u->made[g].keys) > 0)
				m = &u->made[g];
	if (m == NULL)
		return keys;
	*left = keyset_new(SIZE_MAX);
	while ((k = keyset_next(keys, &at, &len)) != NULL)
		if (keyset_find(m->keys, k, len) == NULL)
			(void)keyset_add(*left, k, len, "");
	return keyset_count(*left) > 0 ? *left : NULL;
}

/*
 * Checks the keys of the foreign keys to one parent (from
 * db->untriggered, the first of them at v's fk[f]), of the tables written
 * without the triggers, and locks the parents they name; 1 if one is not
 * there (reported).  One set of keys a parent, so that the invoices a
 * billing run names from its lines and from its records are looked up
 * once.
 */
static unsigned long
fkey_check(struct pg *db, struct untriggered *v, int f)
{
	const struct fkey *fk = &v->fk[f];
	struct keyset *all, *left = NULL;
	const struct keyset *keys = fkey_keys(v, f, &all);
	PGresult *res;
	int bad;

	if ((keys = not_made(db, fk, keys, &left)) == NULL) {
		keyset_free(all);
		keyset_free(left);
		return 0;
	}
	pq.PQclear(fkey_run(db, fkey_sql(fk, 0)));
	fkey_copy(db, keys);
	/* the lock the triggers would take, on each parent once; under
	 * REPEATABLE READ one deleted since the snapshot fails it (40001).
	 * Each key names one parent, so all are there when as many are
	 * locked; else the first not there is looked for. */
	res = fkey_run(db, fkey_sql(fk, 2));
	bad = strtoull(pq.PQgetvalue(res, 0, 0), NULL, 10) !=
	    keyset_count(keys);
	pq.PQclear(res);
	if (bad) {
		res = fkey_run(db, fkey_sql(fk, 1));
		if (pq.PQntuples(res) > 0)
			fkey_missing(v, f, res);
		else
			(void)cli_data_error(v->table, 0, NULL, "a row of %s "
			    "that it refers to is gone", fk->parent);
		pq.PQclear(res);
	}
	keyset_free(all);
	keyset_free(left);
	return (unsigned long)bad;
}

/*
 * The references the transaction deferred are checked now.  One that
 * refers to a row not there is a data error, as on SQLite, named by its
 * table and the server's detail ("Key (sku)=(P-3) is not present in
 * table \"products\"."); the server names the first it finds.
 */
/* Nothing to learn: the server checks each reference itself. */
static void
pg_stmt_keys(struct db_stmt *st, int col)
{
	(void)st;
	(void)col;
}

static unsigned long
pg_references_check(struct db *base)
{
	struct pg *db = PG(base);
	PGresult *res;
	unsigned long n = 0;

	if (!db->defer_refs)
		return 0;
	pg_exec(base, "SAVEPOINT revops_refs");
	res = pq.PQexec(db->c, "SET CONSTRAINTS ALL IMMEDIATE");
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *table = pq.PQresultErrorField(res,
		    PG_DIAG_TABLE_NAME);
		const char *detail = pq.PQresultErrorField(res,
		    PG_DIAG_MESSAGE_DETAIL);

		keep_error(db, res);
		if (strcmp(db->state, "23503") != 0) {	/* foreign_key_violation */
			pq.PQclear(res);
			exit(pg_failed(base, "database", NULL));
		}
		(void)cli_data_error(table != NULL ? table : "database", 0,
		    NULL, "%s", detail != NULL ? detail : db->msg);
		n = 1;
		undo_to(db, "revops_refs");
	} else
		pg_exec(base, "RELEASE SAVEPOINT revops_refs");
	pq.PQclear(res);
	for (struct untriggered *v = db->untriggered; v != NULL; v = v->next)
		for (int f = 0; f < v->nfk; f++)
			if (keyset_count(v->fk[f].keys) > 0 &&
			    !checked_before(db, v, f))
				n += fkey_check(db, v, f);
	return n;
}

/* ---- opening -------------------------------------------------------------------- */

static struct pg *
connect_to(const char *url, int busy_ms)
{
	struct pg *db = cli_calloc(1, sizeof(*db));
	PGresult *res;

	db->base.ops = &db_pg_ops;
	db->base.busy_ms = busy_ms;
	db->replica = -1;
	db->url = cli_strdup(url);
	db->name = cli_strdup(url);
	db_redact(db->name);
	pq_load(db->name);
	db->c = pq.PQconnectdb(url);
	if (pq.PQstatus(db->c) != CONNECTION_OK) {
		char *m = pq.PQerrorMessage(db->c);

		one_line(m);
		cli_die(CLI_EIO, "%s: %s", db->name, m);
	}
	pq.PQsetNoticeReceiver(db->c, notice, db->name);
	/* No JIT: it compiles a query whose estimate is large for half a
	 * second, longer than most of revops' queries run (aging: 0.6 s of
	 * 0.7 on 50,000 invoice lines). */
	if ((res = run(db, "SET client_min_messages = warning; "
	    "SET jit = off")) == NULL)
		exit(pg_failed(&db->base, db->name, NULL));
	pq.PQclear(res);
	return db;
}

/*
 * The schema's version (0: none), and in *collated whether its text
 * compares byte by byte (map_schema()): a database that an older revops
 * made compares by its own collation until a command that writes
 * migrates it (sql_collate).  One column stands for all, as the
 * migration changes them together.
 */
static int
schema_version(struct pg *db, int *collated)
{
	PGresult *res = run(db, "SELECT to_regclass('revops_schema') IS NULL");
	int v = 0;

	*collated = 1;
	if (res != NULL && strcmp(pq.PQgetvalue(res, 0, 0), "f") == 0) {
		pq.PQclear(res);
		res = run(db, "SELECT max(version), coalesce((SELECT "
		    "c.collname = 'C' FROM pg_attribute a JOIN pg_collation c "
		    "ON c.oid = a.attcollation WHERE a.attrelid = "
		    "to_regclass('settings') AND a.attname = 'key'), true) "
		    "FROM revops_schema");
		if (res != NULL) {
			v = atoi(pq.PQgetvalue(res, 0, 0));
			*collated = strcmp(pq.PQgetvalue(res, 0, 1), "t") == 0;
		}
	}
	if (res == NULL)
		exit(pg_failed(&db->base, db->name, NULL));
	pq.PQclear(res);
	return v;
}

/*
 * Every text column of the schema's tables to byte order, in the writer's
 * transaction.  A view cannot outlive a change of its columns' type, so
 * the schema's views (a BI user's among them) are made again as they
 * were, with their grants; a view of another schema on these columns
 * makes it fail with the server's reason, and nothing changes.
 */
static const char sql_collate[] =
    "DO $$ DECLARE v record; t record; g record; BEGIN "
    "CREATE TEMP TABLE revops_views ON COMMIT DROP AS SELECT oid, relname, "
    "pg_get_viewdef(oid) AS def, relacl FROM pg_class WHERE relkind = 'v' "
    "AND relnamespace = to_regnamespace(current_schema()); "
    "FOR v IN SELECT * FROM revops_views ORDER BY oid DESC LOOP "
    "EXECUTE format('DROP VIEW %I', v.relname); END LOOP; "
    "FOR t IN SELECT a.attrelid::regclass AS tbl, string_agg(format("
    "'ALTER COLUMN %I TYPE text COLLATE \"C\"', a.attname), ', ') AS cols "
    "FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid "
    "WHERE k.relkind = 'r' AND k.relnamespace = "
    "to_regnamespace(current_schema()) AND a.attnum > 0 AND NOT "
    "a.attisdropped AND a.atttypid = 'text'::regtype AND a.attcollation "
    "<> (SELECT oid FROM pg_collation WHERE collname = 'C' AND "
    "collnamespace = 'pg_catalog'::regnamespace) GROUP BY a.attrelid LOOP "
    "EXECUTE format('ALTER TABLE %s %s', t.tbl, t.cols); END LOOP; "
    "FOR v IN SELECT * FROM revops_views ORDER BY oid LOOP "
    "EXECUTE format('CREATE VIEW %I AS %s', v.relname, v.def); "
    "FOR g IN SELECT privilege_type AS p, CASE WHEN grantee = 0 THEN "
    "'PUBLIC' ELSE quote_ident(pg_get_userbyid(grantee)) END AS r "
    "FROM aclexplode(v.relacl) LOOP "
    "EXECUTE format('GRANT %s ON %I TO %s', g.p, v.relname, g.r); "
    "END LOOP; END LOOP; END $$";

static void
pg_schema(struct db *db, const char *sql)
{
	char *mapped = map_schema(sql);

	pg_exec(db, mapped);
	free(mapped);
}

static void
migrate(struct pg *db)
{
	char sql[96];
	int v, collated;

	if (schema_version(db, &collated) == DB_SCHEMA_VERSION && collated)
		return;
	pg_begin(&db->base, 1);
	v = schema_version(db, &collated);	/* again, now that we hold the lock */
	if (v > DB_SCHEMA_VERSION) {
		pg_rollback(&db->base);
		cli_die(CLI_EIO, "%s: schema version %d is newer than this "
		    "revops (%d); upgrade revops", db->name, v,
		    DB_SCHEMA_VERSION);
	}
	if (v == 0)
		pg_exec(&db->base, "CREATE TABLE revops_schema "
		    "(version BIGINT NOT NULL); "
		    "INSERT INTO revops_schema VALUES (0)");
	for (; v < DB_SCHEMA_VERSION; v++) {
		pg_schema(&db->base, db_migrations[v]);
		snprintf(sql, sizeof(sql), "UPDATE revops_schema SET version "
		    "= %d", v + 1);
		pg_exec(&db->base, sql);
	}
	if (!collated)
		pg_exec(&db->base, sql_collate);
	db_commit(&db->base);
}

/*
 * A command that only reads, and a dry run (which reads, and keeps
 * nothing it writes), use the database as it is: one not there, or not
 * of this schema, is the error it is on SQLite, never migrated.
 */
struct db *
db_pg_open(const struct cli_common *c, enum db_mode mode, int shared)
{
	struct pg *db = connect_to(c->db_path, c->busy_ms);
	int collated;

	if (shared) {
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&db->serial, &a);
		pthread_mutexattr_destroy(&a);
		db->base.serial = &db->serial;
		db->base.shared = 1;
	}
	if (mode == DB_WRITE) {
		migrate(db);
		cli_hold_stdout();
		return &db->base;
	}
	db->dry_run = mode == DB_DRY_RUN;
	db_schema_check(&db->base, db->name, schema_version(db, &collated));
	if (!collated) {
		cli_warn("%s: its text compares by the database's collation, "
		    "not byte by byte: a command that writes migrates it",
		    db->name);
		db_close(&db->base);
		exit(CLI_EIO);
	}
	if (db->dry_run)
		cli_hold_stdout();
	return &db->base;
}

/*
 * The snapshot reader: a second connection whose transaction imports
 * the snapshot db's began with (pg_export_snapshot()), so that it reads
 * the database as db found it, whatever db has written since.
 */
static struct db *
pg_open_snapshot(struct db *base)
{
	struct pg *db = PG(base), *rd;
	PGresult *res = run(db, "SELECT pg_export_snapshot()");
	char sql[128];

	if (res == NULL)
		exit(pg_failed(base, db->name, NULL));
	snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL REPEATABLE READ; "
	    "SET TRANSACTION SNAPSHOT '%s'", pq.PQgetvalue(res, 0, 0));
	pq.PQclear(res);
	rd = connect_to(db->url, base->busy_ms);
	rd->dry_run = 1;	/* it never commits */
	pg_exec(&rd->base, sql);
	return &rd->base;
}

/* The connection's recursive mutex, which db.c takes around each call
 * (struct db's serial). */
static void
pg_hold(struct db *base, int on)
{
	if (on)
		pthread_mutex_lock(base->serial);
	else
		pthread_mutex_unlock(base->serial);
}

static void
pg_close(struct db *base)
{
	struct pg *db = PG(base);

	pg_rollback(base);
	pq.PQfinish(db->c);
	untriggered_free(db);
	if (base->serial != NULL)
		pthread_mutex_destroy(base->serial);
	free(db->name);
	free(db->url);
	free(db);
}

/* ---- bulk load ---------------------------------------------------------------- */

/*
 * A batch that may be refused goes by COPY, which the server takes at a
 * fraction of what it spends on parsing, planning and binding an INSERT
 * of as many rows, and in two round trips with its savepoint: "SAVEPOINT;
 * COPY; RELEASE" is one query, the server waiting for the rows at the
 * COPY and going on to the RELEASE unless the COPY fails.  The values are
 * bound as to any statement; the rows are written out in COPY's text
 * format when it runs.
 */
/* The table and the columns of "t (a, b, c)" into st, for the check of
 * a table written without the triggers; none (NULL) when it is not of
 * that form. */
static void
head_names(struct pg_stmt *st, const char *head)
{
	size_t n = strcspn(head, " (");
	char *p;
	int k = 0;

	if (head[n] != ' ' || head[n + 1] != '(')
		return;
	st->table = cli_strndup(head, n);
	st->cols = cli_calloc(1, (size_t)st->copy_cols * sizeof(*st->cols) +
	    strlen(head) + 1);
	p = strcpy((char *)(st->cols + st->copy_cols), head + n + 2);
	while (k < st->copy_cols && *p != '\0') {
		st->cols[k++] = p;
		p += strcspn(p, ",)");
		if (*p != '\0')
			*p++ = '\0';
		p += strspn(p, " ");
	}
	if (k < st->copy_cols) {
		free(st->table);
		free(st->cols);
		st->table = NULL;
		st->cols = NULL;
	}
}

static struct db_stmt *
pg_prepare_rows(struct db *db, const char *head, int ncol, int nrows)
{
	static const char insert[] = "INSERT INTO ";
	struct pg_stmt *st = cli_calloc(1, sizeof(*st));
	size_t n = strlen(head) + 32;

	(void)db;
	if (strncmp(head, insert, sizeof(insert) - 1) != 0)
		cli_die(CLI_EIO, "internal error: rows of '%s'", head);
	st->sql = cli_calloc(1, n);
	snprintf(st->sql, n, "COPY %s FROM STDIN", head + sizeof(insert) - 1);
	st->np = ncol * nrows;
	st->copy_cols = ncol;
	head_names(st, head + sizeof(insert) - 1);
	st->p = cli_calloc((size_t)st->np + 1, sizeof(*st->p));
	st->v = cli_calloc((size_t)st->np + 1, sizeof(*st->v));
	return &st->base;
}

/* v as a value of COPY's text, into out (room for twice its length):
 * a backslash before a backslash and the letter of a tab, newline or
 * carriage return.  Its length. */
static size_t
copy_value(char *out, const char *v)
{
	size_t n = 0;

	for (; *v != '\0'; v++) {
		char e = *v == '\\' ? '\\' : *v == '\t' ? 't' :
		    *v == '\n' ? 'n' : *v == '\r' ? 'r' : '\0';

		if (e != '\0') {
			out[n++] = '\\';
			out[n++] = e;
		} else
			out[n++] = *v;
	}
	return n;
}

/* The values bound of the first nrows rows, as COPY's text: a tab
 * between the values of a row, a newline after it, \N for NULL, and a
 * backslash before a backslash and the letter of a tab, newline or
 * carriage return in a value.  Its length. */
static size_t
copy_text(struct pg_stmt *st, int nrows)
{
	size_t n = 0;

	for (int i = 0; i < nrows * st->copy_cols; i++) {
		const char *v = st->p[i].v;
		size_t len = v != NULL ? strlen(v) : 0;

		/* each byte at most 2, the \N and the tab or newline */
		st->data = cli_grow(st->data, &st->cap, n + 2 * len + 3, 1);
		if (v == NULL) {
			memcpy(st->data + n, "\\N", 2);
			n += 2;
		} else
			n += copy_value(st->data + n, v);
		st->data[n++] = (i + 1) % st->copy_cols == 0 ? '\n' : '\t';
	}
	return n;
}

/* Writes the first nrows rows of st, as db_try() (may_refuse) or
 * db_done() does. */
static enum db_result
copy_rows(struct pg_stmt *st, int nrows, int may_refuse)
{
	struct pg *db = PG(st->base.db);
	size_t n = strlen(st->sql) + 192;
	char *sql = cli_calloc(1, n);
	PGresult *res, *copied = NULL;
	size_t len = copy_text(st, nrows);

	struct untriggered *v = copy_untriggered(st);

	drain(db);
	snprintf(sql, n, "%s%s%s%s%s", may_refuse ? "SAVEPOINT revops_row; " :
	    "", v != NULL ? REPLICA "; " : "", st->sql, v != NULL ? "; "
	    ORIGIN : "", may_refuse ? "; RELEASE SAVEPOINT revops_row" : "");
	res = pq.PQexec(db->c, sql);
	free(sql);
	if (pq.PQresultStatus(res) == PGRES_COPY_IN) {
		pq.PQclear(res);
		if (len > INT_MAX || pq.PQputCopyData(db->c, st->data,
		    (int)len) != 1 || pq.PQputCopyEnd(db->c, NULL) != 1) {
			keep_error(db, NULL);
			stmt_fatal(st);
		}
		/* the COPY's result, then the RELEASE's, if it ran */
		while ((res = pq.PQgetResult(db->c)) != NULL)
			if (copied == NULL)
				copied = res;
			else
				pq.PQclear(res);
		res = copied;
	}
	if (pq.PQresultStatus(res) == PGRES_COMMAND_OK) {
		st->base.changes = changes_of(res);
		pq.PQclear(res);
		if (v != NULL)
			copy_keep_keys(st, v, nrows);
		return DB_OK;
	}
	keep_error(db, res);
	pq.PQclear(res);
	return refused(st, may_refuse);
}

/*
 * An import's batch: a COPY of 4,096 rows costs about a tenth more than
 * of 1,024 and a quarter less a row (200,000 invoice lines: 0.80 s against
 * 1.00 s, with the references not checked), and 1,000,000 lines make
 * some 250 savepoints rather than 15,600.
 */
#define COPY_BATCH 4096

/*
 * A bulk write goes by COPY too (pg_prepare_rows()), COPY_ROWS rows at a
 * time rather than an INSERT's DB_ROWS: a COPY costs a round trip more
 * than an INSERT, and a row in it far less.  The last, part-filled one
 * sends the rows it has.
 */
#define COPY_ROWS 1024

struct pg_rows {
	struct db_rows base;
	struct db_stmt *st;
	int ncol, n;
};

static struct db_rows *
pg_rows_new(struct db *db, const char *head, int ncol)
{
	struct pg_rows *r = cli_calloc(1, sizeof(*r));

	r->base.ops = &db_pg_ops;
	r->ncol = ncol;
	r->st = db_prepare_rows(db, head, ncol, COPY_ROWS);
	return &r->base;
}

static void
pg_rows_flush(struct db_rows *base)
{
	struct pg_rows *r = (struct pg_rows *)base;

	if (r->n > 0)
		(void)copy_rows(PS(r->st), r->n, 0);
	r->n = 0;
}

static struct db_stmt *
pg_rows_add(struct db_rows *base, int *k)
{
	struct pg_rows *r = (struct pg_rows *)base;

	if (r->n == COPY_ROWS)
		pg_rows_flush(base);
	*k = r->n++ * r->ncol + 1;
	return r->st;
}

static void
pg_rows_free(struct db_rows *base)
{
	struct pg_rows *r = (struct pg_rows *)base;

	db_finalize(r->st);
	free(r);
}

const struct db_ops db_pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.hold = pg_hold,
	.open_snapshot = pg_open_snapshot,
	.exec = pg_exec,
	.schema = pg_schema,
	.secondary_indexes = pg_secondary_indexes,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_transaction = pg_in_transaction,
	.write_at_commit = pg_write_at_commit,
	.references = pg_references,
	.references_vouch = pg_references_vouch,
	.stmt_keys = pg_stmt_keys,
	.references_check = pg_references_check,
	.error = pg_error,
	.failed = pg_failed,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.row = pg_row,
	.step = pg_step,
	.reset = pg_reset,
	.params = pg_params,
	.bind_int = pg_bind_int,
	.bind_null = pg_bind_null,
	.bind_text = pg_bind_text,
	.null = pg_null,
	.int64 = pg_integer,
	.text = pg_text,
	.len = pg_len,
	.prepare_rows = pg_prepare_rows,
	.batch_rows = COPY_BATCH,
	/* a lookup is a round trip: a scan's rows come a packet at a time */
	.lookups_before_scan = 0,
	.rows_new = pg_rows_new,
	.rows_add = pg_rows_add,
	.rows_flush = pg_rows_flush,
	.rows_free = pg_rows_free,
};
