/*
 * The SQLite backend of the storage interface (db.h, db_backend.h): the
 * one file that includes sqlite3.h.
 *
 * Binding resets a statement that has rows pending, and reaching the end
 * resets it, so that no caller meets SQLite's rule that a statement
 * stepped is reset before it is bound again.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
/* the hook the check of references is made of (db_references()); Debian's
 * SQLite has it */
#define SQLITE_ENABLE_PREUPDATE_HOOK
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_backend.h"
#include "keyset.h"
#include "outfile.h"

struct sq {
	struct db base;
	sqlite3 *h;
	int dry_run;		/* a copy, removed when closed */
	struct references *refs;	/* while references are off */
	unsigned long refs_made;	/* how many refs it has had */
	struct sq *writer;	/* of a snapshot: whose transaction it reads */
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *h;
	struct db_keys *keys;	/* db_stmt_keys() */
	struct sq_rows *rows;	/* of a bulk write, whose statement it is */
};

/*
 * A bulk write (db_rows).  Its text is copied in blocks that live until
 * the statement has run (copies_reset()): a malloc a block, not one a
 * value.  While the check of references is on, the references of the
 * rows are noted from their binds (rows_bound()), a statement's at a
 * time, so that the hook need not read each row back.
 */
struct copies {
	char *block;
	size_t used, cap;
	char **full;		/* earlier blocks of the same statement */
	size_t nfull, capfull;
};

/* Notes of keys for the check of references (struct one_note, then its
 * key, ...). */
struct notes {
	char *p;
	size_t used, cap;
};

#define REF_COLS 4	/* the columns of a reference, at most */

/* A key of several columns that a bulk write's rows note: a reference's
 * (ref) or one referred to (rf), its parts in the statement's columns. */
struct rows_key {
	struct reference *ref;
	struct referred *rf;
	int col[REF_COLS];
};

/* A column's value in the row being bound, as a part of such keys. */
struct rows_part {
	int keep;		/* the column is a part of one */
	int has;		/* bound, and not NULL */
	char *p;
	size_t n, cap;
};

struct sq_rows {
	struct db_rows base;
	struct db_stmt *st;
	int ncol, n;		/* n: rows bound */
	struct copies copies;
	struct sq *db;
	unsigned long refs_made;	/* the refs its plan is for */
	struct ref_table *table;	/* whose rows it notes; NULL: none */
	struct reference **ref;	/* of each column, or NULL */
	struct referred **rf;	/* of each column, or NULL */
	struct rows_key *key;	/* those of several columns */
	int nkey, composed;	/* composed: rows whose keys are noted */
	struct rows_part *part;	/* of each column */
	struct notes notes;	/* of the values bound */
	unsigned char left_out[DB_ROWS];	/* first column NULL */
	int any_left_out;
};

#define H(db) (((struct sq *)(db))->h)
#define SH(st) (((struct sq_stmt *)(st))->h)
#define SQ(db) ((struct sq *)(db))
#define REFS(db) (SQ(db)->refs)
#define KEYS(st) (((struct sq_stmt *)(st))->keys)
#define ROWS(st) (((struct sq_stmt *)(st))->rows)

static void key_read(struct db_stmt *st);
static void keys_free(struct db_keys *ks);
static inline void rows_bound(struct sq_rows *r, int i, int type,
    const void *p, size_t n);

/* ---- errors ----------------------------------------------------------------- */

/* SQLite's sum() stops with this error where an integer sum would wrap
 * (total() would go on in floating point, which is why none is used). */
static int
overflowed(sqlite3 *h)
{
	return sqlite3_errcode(h) == SQLITE_ERROR &&
	    strcmp(sqlite3_errmsg(h), "integer overflow") == 0;
}

static int
sq_failed(struct db *db, const char *context, const char *sql)
{
	int code = sqlite3_extended_errcode(H(db)), status = CLI_EIO;
	char in[64];

	db_sql_start(in, sizeof(in), sql);
	if ((code & 0xff) == SQLITE_BUSY)
		db_busy_warn(context);
	else if (overflowed(H(db))) {
		db_overflow_warn(context);
		status = CLI_EDATA;
	} else if (in[0] != '\0')
		cli_warn("%s: %s, in '%s'", context, sqlite3_errmsg(H(db)), in);
	else
		cli_warn("%s: %s", context, sqlite3_errmsg(H(db)));
	if (!sqlite3_get_autocommit(H(db)))
		sqlite3_exec(H(db), "ROLLBACK", NULL, NULL, NULL);
	return status;
}

static const char *
sq_error(struct db *db)
{
	return sqlite3_errmsg(H(db));
}

/* ---- statements --------------------------------------------------------------- */

static void
sq_exec(struct db *db, const char *sql)
{
	if (sqlite3_exec(H(db), sql, NULL, NULL, NULL) != SQLITE_OK)
		db_fatal(db, "database");
}

/* sqlite_master keeps the CREATE INDEX of each index as it was written;
 * those a PRIMARY KEY or UNIQUE constraint makes have none.  A unique
 * index that holds every column of the table's primary key is unique by
 * that key, and cannot refuse a row the key has not. */
static int
sq_secondary_indexes(struct db *db, const char *table, char *name[],
    char *sql[], int max)
{
	struct db_stmt *st = db_prepare(db, "SELECT m.name, m.sql FROM "
	    "sqlite_master m WHERE m.type = 'index' AND m.tbl_name = ?1 AND "
	    "m.sql IS NOT NULL AND (m.sql NOT LIKE 'CREATE UNIQUE %' OR "
	    "(EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE pk > 0) AND "
	    "NOT EXISTS (SELECT 1 FROM pragma_table_info(?1) k WHERE "
	    "k.pk > 0 AND k.name NOT IN (SELECT c.name FROM "
	    "pragma_index_info(m.name) c))))");
	int n = 0;

	db_bind_text(st, 1, table);
	while (n < max && db_row(st)) {
		sql[n] = cli_strdup(db_text(st, 1));
		name[n++] = cli_strdup(db_text(st, 0));
	}
	db_finalize(st);	/* the schema can change once it is done */
	return n;
}

static struct db_stmt *
sq_prepare(struct db *db, const char *sql)
{
	struct sq_stmt *st = cli_calloc(1, sizeof(*st));

	if (sqlite3_prepare_v3(H(db), sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st->h, NULL) != SQLITE_OK)
		exit(sq_failed(db, "database", sql));
	return &st->base;
}

static void
sq_finalize(struct db_stmt *st)
{
	keys_free(KEYS(st));
	sqlite3_finalize(SH(st));
	free(st);
}

static _Noreturn void
stmt_fatal(struct db_stmt *st)
{
	exit(sq_failed(st->db, "database", sqlite3_sql(SH(st))));
}

static int
sq_row(struct db_stmt *st)
{
	int rc = sqlite3_step(SH(st));

	if (rc == SQLITE_ROW) {
		if (KEYS(st) != NULL)
			key_read(st);
		return 1;
	}
	if (rc != SQLITE_DONE)
		stmt_fatal(st);
	sqlite3_reset(SH(st));
	return 0;
}

static enum db_result
sq_step(struct db_stmt *st, int may_refuse)
{
	int rc = sqlite3_step(SH(st));

	if (rc == SQLITE_DONE) {
		st->changes = sqlite3_changes(H(st->db));
		sqlite3_reset(SH(st));
		return DB_OK;
	}
	st->changes = 0;
	if (!may_refuse || (rc & 0xff) != SQLITE_CONSTRAINT)
		stmt_fatal(st);
	/* the reset keeps the error's message for db_error() */
	sqlite3_reset(SH(st));
	return rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    rc == SQLITE_CONSTRAINT_UNIQUE ? DB_DUPLICATE : DB_REFUSED;
}

static void
sq_reset(struct db_stmt *st)
{
	sqlite3_reset(SH(st));
}

static int
sq_params(struct db_stmt *st)
{
	return sqlite3_bind_parameter_count(SH(st));
}

/* ---- binds ------------------------------------------------------------------ */

static sqlite3_stmt *
bindable(struct db_stmt *st)
{
	/* a bulk write's statement is reset as it runs (rows_ran()) */
	if (ROWS(st) == NULL && sqlite3_stmt_busy(SH(st)))
		sqlite3_reset(SH(st));
	return SH(st);
}

static void
sq_bind_int(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(bindable(st), i, v);
	if (ROWS(st) != NULL)
		rows_bound(ROWS(st), i, SQLITE_INTEGER, &v, sizeof(v));
}

static void
sq_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(bindable(st), i);
	if (ROWS(st) != NULL)
		rows_bound(ROWS(st), i, SQLITE_NULL, NULL, 0);
}

static const char *
copies_add(struct copies *c, const char *s, size_t len)
{
	char *p;

	if (c->cap - c->used < len + 1) {
		if (c->block != NULL) {
			c->full = cli_grow(c->full, &c->capfull, c->nfull + 1,
			    sizeof(*c->full));
			c->full[c->nfull++] = c->block;
		}
		c->cap = c->cap * 2 > len + 1 ? c->cap * 2 : len + 1 + 4096;
		c->block = cli_realloc(NULL, c->cap, 1);
		c->used = 0;
	}
	p = memcpy(c->block + c->used, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

/* Once the statement has run: the last block is kept for the next. */
static void
copies_reset(struct copies *c)
{
	for (size_t i = 0; i < c->nfull; i++)
		free(c->full[i]);
	c->nfull = 0;
	c->used = 0;
}

static void
sq_bind_text(struct db_stmt *st, int i, const char *s, size_t len, int copy)
{
	if (ROWS(st) != NULL) {
		if (copy)
			s = copies_add(&ROWS(st)->copies, s, len);
		copy = 0;
		rows_bound(ROWS(st), i, SQLITE_TEXT, s, len);
	}
	sqlite3_bind_text(bindable(st), i, s, (int)len, copy ?
	    SQLITE_TRANSIENT : SQLITE_STATIC);
}

/* ---- columns ------------------------------------------------------------------ */

static int
sq_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(SH(st), i) == SQLITE_NULL;
}

static int64_t
sq_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(SH(st), i);
}

static const char *
sq_text(struct db_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(SH(st), i);

	return s != NULL ? s : "";
}

static size_t
sq_len(struct db_stmt *st, int i)
{
	(void)sqlite3_column_text(SH(st), i);	/* the length of it as text */
	return (size_t)sqlite3_column_bytes(SH(st), i);
}

/* ---- transactions --------------------------------------------------------------- */

/* BEGIN IMMEDIATE: a command that writes takes the write lock up front. */
static void
sq_begin(struct db *db, int write)
{
	sq_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static void
sq_commit(struct db *db)
{
	sq_exec(db, "COMMIT");
}

static void
sq_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(H(db)))
		sqlite3_exec(H(db), "ROLLBACK", NULL, NULL, NULL);
}

static int
sq_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(H(db));
}

/* SQLite writes a page out when its cache is full: 128 MiB holds the
 * records of a large run, where db_open()'s 16 MiB spills them. */
static void
sq_write_at_commit(struct db *db)
{
	sq_exec(db, "PRAGMA cache_size = -131072");
}

/* ---- references ------------------------------------------------------------ */

/*
 * With SQLite's own check off, a hook sees each row the connection
 * writes to the database and keeps, for each reference to another table
 * (of one column, or of several: a key of account_id and an id), the
 * distinct values the transaction wrote to it, and for each key that
 * others refer to, the values it added and took away (a row deleted, a
 * key changed).  db_references_check() then looks
 * each distinct value up once, not each row: it costs what the
 * transaction wrote, never what the tables hold.  (While a hook is set
 * SQLite deletes a whole table row by row, so no row goes unseen.)
 *
 * A value known to be in the column referred to needs no lookup, and is
 * not even kept: one the transaction added to it, or one read from it by
 * a statement of db_stmt_keys(), in the transaction or in its snapshot
 * (which sees what the transaction found: it holds the write lock, so no
 * one else takes a key away).  Known to be there, that is, unless the
 * transaction took it away, at any time: then every row that refers to
 * it is looked at before the commit, whoever wrote it.  The one rule of
 * it is known(); the sets only grow, so a value known when its row is
 * written is known at the check.
 */
struct key {
	char *p;
	size_t n;
};

#define LAST_MAX 64
struct values {			/* distinct, in the order first met */
	struct keyset *set;	/* their keys (make_key()) */
	char last[LAST_MAX];	/* the key of the last one: values repeat */
	size_t nlast;		/* 0: none kept */
	uint64_t hlast;
	/* A column's values there are placed in its set only once a
	 * written key is looked up in it (want()): till then they are
	 * only kept (keyset_add_later()), so that a command that reads
	 * many keys and writes few rows builds no sets for nothing. */
	int lazy, wanted;
};

struct ref_table;

/*
 * The columns of a reference, or of what it refers to: one, or several
 * (a key of several parts, as Citus wants account_id in each).  The key
 * of one column is make_key()'s; that of several is each part's length (a
 * uint32_t), then the part as make_key() makes it (key_part()).
 */
struct ref_columns {
	int n;
	char *name[REF_COLS];
	int col[REF_COLS];
	int text[REF_COLS];	/* of text affinity */
};

struct referred {		/* columns that others refer to */
	struct ref_columns c;
	struct values there;	/* added, or read (db_stmt_keys()) */
	struct values gone;	/* taken away */
};

struct reference {
	struct ref_table *table, *parent;
	struct ref_columns c;
	struct referred *to;	/* of parent */
	struct values wrote;
};

struct ref_table {
	char *name;
	int vouched;		/* db_references_vouch() */
	int triggered;		/* a trigger's: a write may write others */
	struct reference **refs;	/* its own */
	int nrefs;
	struct referred **referred;	/* each its own: others point to it */
	int nreferred;
};

/*
 * The keys that bulk writes wrote and statements read (db_stmt_keys())
 * are noted many at a time (notes_note()), so that the waits for the
 * sets' memory overlap and the lock is seldom taken: a buffer of notes,
 * each its set, the column its key must be known in (NULL: none), then
 * its key.  (A thread of the check's own to note them was slower: on two
 * cores, a third thread takes its time from the two that bill.)
 */
struct one_note {
	struct values *vs;
	struct referred *rf;
	uint64_t h;		/* made by notes_note() */
	size_t n;		/* then its n bytes */
	int row;		/* of a bulk write's statement */
};

struct references {
	struct ref_table *t;
	int nt;
	struct reference *r;
	int nr;
	struct ref_table *last;	/* of the last row: rows come by table */
	char *key[2];		/* the keys made (value_key()) */
	size_t capkey[2];
	char *ckey[2];		/* of several columns (row_key()) */
	size_t capckey[2];
	struct db_keys *readers;	/* statements that read keys */
	/* the writer's thread and its snapshot's note */
	pthread_mutex_t lock;
};

/*
 * A statement's column of keys (db_stmt_keys()).  Its keys wait in
 * `pending` and are noted KEYS_BATCH at a time.
 */
#define KEYS_BATCH 512
struct db_keys {
	struct sq *writer;	/* whose check they are for */
	unsigned long refs_made;	/* the writer's refs they are for */
	struct referred *to;
	int col[REF_COLS];	/* st's column of each of to's */
	struct notes pending;
	int npending;
	struct db_keys *next;	/* in the writer's refs->readers */
};

/* A value as a key of a set, at byte `at` of *buf: its type, then its n
 * bytes at p; NULL for an SQL NULL, which refers to nothing. */
static const char *
make_key(char **buf, size_t *cap, size_t at, int type, const void *p,
    int n, size_t *len)
{
	if (type == SQLITE_NULL)
		return NULL;
	*len = (size_t)n + 1;
	if (at + *len > *cap)	/* made at every row: no call when room */
		*buf = cli_grow(*buf, cap, at + *len, 1);
	(*buf)[at] = (char)type;
	if (n > 0)
		memcpy(*buf + at + 1, p, (size_t)n);
	return *buf + at;
}

/* A number is keyed by its bytes, text by its own, read as a blob:
 * as text SQLite would copy it to end it with a NUL. */
static const char *
value_key(struct references *rs, int i, sqlite3_value *v, size_t *len)
{
	char **buf = &rs->key[i];
	size_t *cap = &rs->capkey[i];
	int type = sqlite3_value_type(v);
	sqlite3_int64 n;
	double d;

	switch (type) {
	case SQLITE_INTEGER:
		n = sqlite3_value_int64(v);
		return make_key(buf, cap, 0, type, &n, sizeof(n), len);
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		return make_key(buf, cap, 0, type, &d, sizeof(d), len);
	default:
		return make_key(buf, cap, 0, type, sqlite3_value_blob(v),
		    sqlite3_value_bytes(v), len);
	}
}

/* The key of column col of st's row, as value_key() makes it of the
 * same value written, at byte `at` of *buf. */
static const char *
read_key(char **buf, size_t *cap, size_t at, sqlite3_stmt *st, int col,
    size_t *len)
{
	int type = sqlite3_column_type(st, col);
	sqlite3_int64 n;
	double d;

	switch (type) {
	case SQLITE_INTEGER:
		n = sqlite3_column_int64(st, col);
		return make_key(buf, cap, at, type, &n, sizeof(n), len);
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, col);
		return make_key(buf, cap, at, type, &d, sizeof(d), len);
	default:
		return make_key(buf, cap, at, type, sqlite3_column_blob(st,
		    col), sqlite3_column_bytes(st, col), len);
	}
}

/* Binds the value of key k, n bytes, which stays unchanged while st
 * runs. */
static void
bind_key(sqlite3_stmt *st, int i, const char *k, size_t n)
{
	sqlite3_int64 v;
	double d;

	switch (k[0]) {
	case SQLITE_INTEGER:
		memcpy(&v, k + 1, sizeof(v));
		sqlite3_bind_int64(st, i, v);
		break;
	case SQLITE_FLOAT:
		memcpy(&d, k + 1, sizeof(d));
		sqlite3_bind_double(st, i, d);
		break;
	case SQLITE_TEXT:
		sqlite3_bind_text(st, i, k + 1, (int)n - 1, SQLITE_STATIC);
		break;
	default:
		sqlite3_bind_blob(st, i, k + 1, (int)n - 1, SQLITE_STATIC);
	}
}

static int
values_has(const struct values *vs, const char *k, size_t n, uint64_t h)
{
	return k != NULL && keyset_find_hashed(vs->set, h, k, n) != NULL;
}

static void
full(void)
{
	cli_die(CLI_EIO, "out of memory: too many keys to check the "
	    "references of");
}

/* Adds key k of hash h to vs's set. */
static void
add(struct values *vs, const char *k, size_t n, uint64_t h)
{
	if (keyset_add_hashed(vs->set, h, k, n, "") < 0)
		full();
}

/* vs's values in its set, from now on (see struct values). */
static void
want(struct values *vs)
{
	if (vs->lazy && !vs->wanted) {
		vs->wanted = 1;
		keyset_index(vs->set);
	}
}

/* Whether a value of key k, of hash h (keyset_hash()), is known to be in
 * column rf (see above). */
static int
known(struct referred *rf, const char *k, size_t n, uint64_t h)
{
	want(&rf->there);
	return values_has(&rf->there, k, n, h) &&
	    !values_has(&rf->gone, k, n, h);
}

/* Readies what note() will read for a key of n bytes and hash h, among
 * keys noted many at a time, so that their waits for memory overlap: the
 * slots in a first pass over them (stage 0), the keys in a second
 * (stage 1). */
static void
note_soon(const struct values *vs, uint64_t h, size_t n,
    const struct referred *rf, int stage)
{
	if (stage == 0) {
		keyset_prefetch(vs->set, h);
		if (rf != NULL)
			keyset_prefetch(rf->there.set, h);
	} else {
		keyset_prefetch_key(vs->set, h, n);
		if (rf != NULL)
			keyset_prefetch_key(rf->there.set, h, n);
	}
}

/* Notes a value of key k, of hash h, unless it is already known to be in
 * column rf (NULL: none). */
static void
note(struct values *vs, const char *k, size_t n, uint64_t h,
    struct referred *rf)
{
	/* a key written repeats (the lines of one invoice), one there
	 * seldom */
	if (rf != NULL) {
		if (h == vs->hlast && n == vs->nlast &&
		    memcmp(k, vs->last, n) == 0)
			return;
		vs->nlast = 0;
		if (n <= sizeof(vs->last)) {
			memcpy(vs->last, k, n);
			vs->nlast = n;
			vs->hlast = h;
		}
	}
	if (vs->lazy && !vs->wanted) {
		if (keyset_add_later(vs->set, h, k, n) < 0)
			full();
		return;
	}
	if (rf != NULL && (keyset_find_hashed(vs->set, h, k, n) != NULL ||
	    known(rf, k, n, h)))
		return;
	add(vs, k, n, h);
}

/* Notes what nb holds, with rs's lock held, all of it readied first
 * (note_soon()), and empties it. */
static void
notes_note(struct notes *nb)
{
	struct one_note o;

	for (size_t at = 0; at < nb->used; at += sizeof(o) + o.n) {
		memcpy(&o, nb->p + at, sizeof(o));
		o.h = keyset_hash(nb->p + at + sizeof(o), o.n);
		memcpy(nb->p + at, &o, sizeof(o));
		note_soon(o.vs, o.h, o.n, o.rf, 0);
	}
	for (size_t at = 0; at < nb->used; at += sizeof(o) + o.n) {
		memcpy(&o, nb->p + at, sizeof(o));
		note_soon(o.vs, o.h, o.n, o.rf, 1);
	}
	for (size_t at = 0; at < nb->used; at += sizeof(o) + o.n) {
		memcpy(&o, nb->p + at, sizeof(o));
		note(o.vs, nb->p + at + sizeof(o), o.n, o.h, o.rf);
	}
	nb->used = 0;
}

/* notes_note() with rs's lock taken. */
static void
notes_note_locked(struct references *rs, struct notes *nb)
{
	pthread_mutex_lock(&rs->lock);
	notes_note(nb);
	pthread_mutex_unlock(&rs->lock);
}

/* The key of columns c of the row as it was (which 0) or as it is to be
 * (1); NULL when one of them is NULL (the row then refers to nothing, as
 * SQLite's MATCH SIMPLE has it) or has no value. */
static const char *
row_key(struct references *rs, sqlite3 *h, int which,
    const struct ref_columns *c, size_t *len)
{
	size_t at = 0;

	for (int i = 0; i < c->n; i++) {
		sqlite3_value *v;
		const char *k;
		size_t n;
		uint32_t part;

		if ((which == 0 ? sqlite3_preupdate_old(h, c->col[i], &v) :
		    sqlite3_preupdate_new(h, c->col[i], &v)) != SQLITE_OK ||
		    (k = value_key(rs, which, v, &n)) == NULL)
			return NULL;
		if (c->n == 1) {
			*len = n;
			return k;
		}
		part = (uint32_t)n;	/* SQLite's values: < 2^31 */
		rs->ckey[which] = cli_grow(rs->ckey[which],
		    &rs->capckey[which], at + sizeof(part) + n, 1);
		memcpy(rs->ckey[which] + at, &part, sizeof(part));
		memcpy(rs->ckey[which] + at + sizeof(part), k, n);
		at += sizeof(part) + n;
	}
	*len = at;
	return rs->ckey[which];
}

/* Columns c of the row as it was (old) and as it is to be (new): each
 * key NULL when there is none.  An update that leaves them as they were
 * gives neither. */
static void
row_keys(struct references *rs, sqlite3 *h, int op,
    const struct ref_columns *c, const char **ko, size_t *no,
    const char **kn, size_t *nn)
{
	*ko = *kn = NULL;
	if (op != SQLITE_INSERT)
		*ko = row_key(rs, h, 0, c, no);
	if (op != SQLITE_DELETE)
		*kn = row_key(rs, h, 1, c, nn);
	if (*ko != NULL && *kn != NULL && *no == *nn &&
	    memcmp(*ko, *kn, *no) == 0)
		*ko = *kn = NULL;
}

static void
on_write(void *arg, sqlite3 *h, int op, const char *schema,
    const char *name, sqlite3_int64 key1, sqlite3_int64 key2)
{
	struct references *rs = arg;
	struct ref_table *t = rs->last;
	const char *ko, *kn;
	size_t no, nn;

	(void)key1;
	(void)key2;
	if (strcmp(schema, "main") != 0)
		return;		/* a table of the connection's own */
	if (t == NULL || strcmp(t->name, name) != 0) {
		for (t = rs->t; t < rs->t + rs->nt &&
		    strcasecmp(t->name, name) != 0; t++)
			;
		if (t == rs->t + rs->nt)
			return;	/* one the schema's references do not name */
		rs->last = t;
	}
	if (t->vouched && op == SQLITE_INSERT)
		return;
	pthread_mutex_lock(&rs->lock);
	for (int i = 0; i < t->nrefs && !t->vouched; i++) {
		struct reference *r = t->refs[i];

		row_keys(rs, h, op, &r->c, &ko, &no, &kn, &nn);
		if (kn != NULL)
			note(&r->wrote, kn, nn, keyset_hash(kn, nn), r->to);
	}
	for (int i = 0; i < t->nreferred; i++) {
		struct referred *rf = t->referred[i];

		row_keys(rs, h, op, &rf->c, &ko, &no, &kn, &nn);
		if (ko != NULL)
			note(&rf->gone, ko, no, keyset_hash(ko, no), NULL);
		if (kn != NULL)
			note(&rf->there, kn, nn, keyset_hash(kn, nn), NULL);
	}
	pthread_mutex_unlock(&rs->lock);
}

static void
values_free(struct values *vs)
{
	keyset_free(vs->set);
}

static void
columns_free(struct ref_columns *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->name[i]);
}

static void
references_free(struct references *rs)
{
	if (rs == NULL)
		return;
	for (int i = 0; i < rs->nr; i++) {
		columns_free(&rs->r[i].c);
		values_free(&rs->r[i].wrote);
	}
	for (int i = 0; i < rs->nt; i++) {
		for (int j = 0; j < rs->t[i].nreferred; j++) {
			columns_free(&rs->t[i].referred[j]->c);
			values_free(&rs->t[i].referred[j]->there);
			values_free(&rs->t[i].referred[j]->gone);
			free(rs->t[i].referred[j]);
		}
		free(rs->t[i].referred);
		free(rs->t[i].refs);
		free(rs->t[i].name);
	}
	free(rs->t);
	free(rs->r);
	for (int i = 0; i < 2; i++) {
		free(rs->key[i]);
		free(rs->ckey[i]);
	}
	pthread_mutex_destroy(&rs->lock);
	free(rs);
}

static struct ref_table *
ref_table(struct references *rs, const char *name)
{
	for (int i = 0; i < rs->nt; i++)
		if (strcasecmp(rs->t[i].name, name) == 0)
			return &rs->t[i];
	return NULL;
}

/* SQLite's rule for a declared type's affinity, as far as text goes. */
static int
text_affinity(const char *type)
{
	char t[64];
	size_t i;

	for (i = 0; type[i] != '\0' && i < sizeof(t) - 1; i++)
		t[i] = (char)toupper((unsigned char)type[i]);
	t[i] = '\0';
	return strstr(t, "INT") == NULL && (strstr(t, "CHAR") != NULL ||
	    strstr(t, "CLOB") != NULL || strstr(t, "TEXT") != NULL);
}

/* The referred of t of columns c, made if it is new; c is its. */
static struct referred *
referred(struct ref_table *t, struct ref_columns *c)
{
	struct referred *rf;

	for (int i = 0; i < t->nreferred; i++)
		if (t->referred[i]->c.n == c->n &&
		    memcmp(t->referred[i]->c.col, c->col,
		    (size_t)c->n * sizeof(*c->col)) == 0) {
			columns_free(c);
			return t->referred[i];
		}
	t->referred = cli_realloc(t->referred, (size_t)t->nreferred + 1,
	    sizeof(*t->referred));
	rf = t->referred[t->nreferred++] = cli_calloc(1, sizeof(*rf));
	rf->c = *c;
	rf->there.set = keyset_new(SIZE_MAX);
	rf->there.lazy = 1;
	rf->gone.set = keyset_new(SIZE_MAX);
	return rf;
}

/* Every reference of the schema: its tables, then its references (the
 * column referred to defaults to the parent's primary key). */
static const char sql_tables[] =
    "SELECT name, EXISTS (SELECT 1 FROM sqlite_schema g WHERE "
    "g.type = 'trigger' AND g.tbl_name = t.name) "
    "FROM sqlite_schema t WHERE type = 'table' AND "
    "name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name";
static const char sql_references[] =
    "SELECT m.name, c.cid, c.name, p.cid, p.name, f.\"table\", f.seq, "
    "c.type, p.type "
    "FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f "
    "JOIN pragma_table_info(m.name) c ON c.name = f.\"from\" COLLATE NOCASE "
    "JOIN pragma_table_info(f.\"table\") p ON CASE WHEN f.\"to\" IS NULL "
    "THEN p.pk = f.seq + 1 ELSE p.name = f.\"to\" COLLATE NOCASE END "
    "WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq";

/* Adds column i of st's row (its cid, its name, its type) to c. */
static void
column_add(struct ref_columns *c, struct db_stmt *st, int i, const char *of)
{
	if (c->n == REF_COLS)
		cli_die(CLI_EIO, "internal error: %s refers by more than %d "
		    "columns", of, REF_COLS);
	c->col[c->n] = (int)db_int(st, i);
	c->name[c->n] = db_strdup(st, i + 1);
	c->text[c->n++] = text_affinity(db_text(st, i == 1 ? 7 : 8));
}

static struct references *
references_load(struct db *db)
{
	struct references *rs = cli_calloc(1, sizeof(*rs));
	struct db_stmt *st = db_prepare(db, sql_tables);
	struct ref_columns *to = NULL;	/* of each reference, the parent's */
	size_t capt = 0, capr = 0, capto = 0;

	pthread_mutex_init(&rs->lock, NULL);
	while (db_row(st)) {
		rs->t = cli_grow(rs->t, &capt, (size_t)rs->nt + 1,
		    sizeof(*rs->t));
		memset(&rs->t[rs->nt], 0, sizeof(*rs->t));
		rs->t[rs->nt].triggered = (int)db_int(st, 1);
		rs->t[rs->nt++].name = db_strdup(st, 0);
	}
	db_finalize(st);
	st = db_prepare(db, sql_references);
	while (db_row(st)) {
		struct reference *r;

		if (db_int(st, 6) == 0) {	/* a reference's first column */
			rs->r = cli_grow(rs->r, &capr, (size_t)rs->nr + 1,
			    sizeof(*rs->r));
			to = cli_grow(to, &capto, (size_t)rs->nr + 1,
			    sizeof(*to));
			r = &rs->r[rs->nr];
			memset(r, 0, sizeof(*r));
			memset(&to[rs->nr++], 0, sizeof(*to));
			r->table = ref_table(rs, db_text(st, 0));
			if ((r->parent = ref_table(rs, db_text(st, 5))) ==
			    NULL)
				cli_die(CLI_EIO, "internal error: %s refers "
				    "to %s, which is not there",
				    db_text(st, 0), db_text(st, 5));
			r->wrote.set = keyset_new(SIZE_MAX);
		}
		r = &rs->r[rs->nr - 1];
		column_add(&r->c, st, 1, r->table->name);
		column_add(&to[rs->nr - 1], st, 3, r->table->name);
	}
	for (int i = 0; i < rs->nr; i++)
		rs->r[i].to = referred(rs->r[i].parent, &to[i]);
	free(to);
	db_finalize(st);
	for (int i = 0; i < rs->nr; i++) {
		struct ref_table *t = rs->r[i].table;

		t->refs = cli_realloc(t->refs, (size_t)t->nrefs + 1,
		    sizeof(*t->refs));
		t->refs[t->nrefs++] = &rs->r[i];
	}
	return rs;
}

/* SQLite ignores the setting inside a transaction, hence outside one. */
static void
sq_references(struct db *db, int on)
{
	sq_exec(db, on ? "PRAGMA foreign_keys = ON" :
	    "PRAGMA foreign_keys = OFF");
	sqlite3_preupdate_hook(H(db), NULL, NULL);
	references_free(REFS(db));
	REFS(db) = NULL;
	if (on)
		return;
	REFS(db) = references_load(db);
	SQ(db)->refs_made++;
	sqlite3_preupdate_hook(H(db), on_write, REFS(db));
}

/* The column of h that is column `name` of table `table` of main, or -1. */
static int
origin_column(sqlite3_stmt *h, const char *table, const char *name)
{
	for (int i = 0; i < sqlite3_column_count(h); i++) {
		const char *s = sqlite3_column_database_name(h, i);
		const char *t = sqlite3_column_table_name(h, i);
		const char *c = sqlite3_column_origin_name(h, i);

		if (s != NULL && strcmp(s, "main") == 0 && t != NULL &&
		    strcasecmp(t, table) == 0 && c != NULL &&
		    strcasecmp(c, name) == 0)
			return i;
	}
	return -1;
}

/* The columns of h that make key rf, whose columns include `column`, in
 * cols; 0 when h lacks one of them. */
static int
key_columns_of(sqlite3_stmt *h, const char *table, const char *column,
    const struct referred *rf, int *cols)
{
	int has = 0;

	for (int i = 0; i < rf->c.n; i++) {
		if ((cols[i] = origin_column(h, table, rf->c.name[i])) < 0)
			return 0;
		has |= strcasecmp(rf->c.name[i], column) == 0;
	}
	return has;
}

static void
sq_stmt_keys(struct db_stmt *st, int col)
{
	struct sq *w = SQ(st->db)->writer != NULL ? SQ(st->db)->writer :
	    SQ(st->db);
	const char *schema = sqlite3_column_database_name(SH(st), col);
	const char *table = sqlite3_column_table_name(SH(st), col);
	const char *column = sqlite3_column_origin_name(SH(st), col);
	struct ref_table *t;
	int cols[REF_COLS];

	if (w->refs == NULL || schema == NULL || strcmp(schema, "main") != 0 ||
	    (t = ref_table(w->refs, table)) == NULL)
		return;	/* the database checks each row, or no key */
	for (int i = 0; i < t->nreferred; i++)
		if (key_columns_of(SH(st), table, column, t->referred[i],
		    cols)) {
			struct db_keys *ks = cli_calloc(1, sizeof(*ks));

			keys_free(KEYS(st));
			ks->writer = w;
			ks->refs_made = w->refs_made;
			ks->to = t->referred[i];
			memcpy(ks->col, cols, sizeof(cols));
			pthread_mutex_lock(&w->refs->lock);
			ks->next = w->refs->readers;
			w->refs->readers = ks;
			pthread_mutex_unlock(&w->refs->lock);
			KEYS(st) = ks;
			break;
		}
}

/* The references ks's keys are for, NULL when those are gone. */
static struct references *
keys_refs(const struct db_keys *ks)
{
	return ks->writer->refs_made == ks->refs_made ? ks->writer->refs :
	    NULL;
}

/* Notes the key of st's row (db_stmt_keys()), while the references it is
 * for are those of its writer: as row_key() makes it of the same values
 * written. */
static void
key_read(struct db_stmt *st)
{
	struct db_keys *ks = KEYS(st);
	struct references *rs = keys_refs(ks);
	struct notes *nb = &ks->pending;
	const struct ref_columns *c = &ks->to->c;
	struct one_note o = { &ks->to->there, NULL, 0, 0, 0 };
	size_t at = nb->used + sizeof(o);

	if (rs == NULL)
		return;
	for (int i = 0; i < c->n; i++) {
		size_t part = c->n > 1 ? sizeof(uint32_t) : 0, n;
		uint32_t len;

		if (read_key(&nb->p, &nb->cap, at + part, SH(st), ks->col[i],
		    &n) == NULL)
			return;	/* a NULL is no key */
		len = (uint32_t)n;	/* SQLite's values: < 2^31 */
		memcpy(nb->p + at, &len, part);
		at += part + n;
	}
	o.n = at - nb->used - sizeof(o);
	memcpy(nb->p + nb->used, &o, sizeof(o));
	nb->used = at;
	if (++ks->npending < KEYS_BATCH)
		return;
	notes_note_locked(rs, nb);
	ks->npending = 0;
}

/* Notes the keys st has read and takes it off its writer's list. */
static void
keys_free(struct db_keys *ks)
{
	struct references *rs;

	if (ks == NULL)
		return;
	if ((rs = keys_refs(ks)) != NULL) {
		pthread_mutex_lock(&rs->lock);
		notes_note(&ks->pending);
		for (struct db_keys **p = &rs->readers; *p != NULL;
		    p = &(*p)->next)
			if (*p == ks) {
				*p = ks->next;
				break;
			}
		pthread_mutex_unlock(&rs->lock);
	}
	free(ks->pending.p);
	free(ks);
}

static void
sq_references_vouch(struct db *db, const char *table)
{
	struct ref_table *t = ref_table(REFS(db), table);

	if (t != NULL)
		t->vouched = 1;
}

/*
 * The columns that name a row of table to its user, as a select list: its
 * primary key, or where that is a number the database gives, the named
 * columns of its other unique key, when it has one; else its rowid.
 */
static void
key_columns(struct db *db, const char *table, char *buf, size_t size)
{
	static const char *const sql[] = {
	    "SELECT c.name FROM pragma_table_info(?1) k, (SELECT name FROM "
	    "pragma_index_list(?1) WHERE \"unique\" AND origin != 'pk' "
	    "ORDER BY seq LIMIT 1) l JOIN pragma_index_info(l.name) c "
	    "WHERE k.pk = 1 AND upper(k.type) = 'INTEGER' AND NOT EXISTS "
	    "(SELECT 1 FROM pragma_table_info(?1) WHERE pk > 1) AND "
	    "c.name IS NOT NULL ORDER BY c.seqno",
	    "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk"
	};
	size_t n = 0;

	for (int i = 0; i < 2 && n == 0; i++) {
		struct db_stmt *st = db_prepare(db, sql[i]);

		db_bind_text(st, 1, table);
		while (db_row(st))
			n += (size_t)snprintf(buf + n, size - n, "%st.\"%s\"",
			    n ? ", " : "", db_text(st, 0));
		db_finalize(st);
	}
	if (n == 0)
		snprintf(buf, size, "t.rowid");
}

/* Part i of key k, n bytes, of columns c, as bind_key() takes it; its
 * length in *len. */
static const char *
key_part(const struct ref_columns *c, const char *k, size_t n, int i,
    size_t *len)
{
	uint32_t part;

	if (c->n == 1) {
		*len = n;
		return k;
	}
	for (;; i--) {
		memcpy(&part, k, sizeof(part));
		if (i == 0)
			break;
		k += sizeof(part) + part;
	}
	*len = part;
	return k + sizeof(part);
}

/* Binds the parts of key k to parameters 1 on. */
static void
bind_keys(sqlite3_stmt *st, const struct ref_columns *c, const char *k,
    size_t n)
{
	for (int i = 0; i < c->n; i++) {
		size_t len;
		const char *p = key_part(c, k, n, i, &len);

		bind_key(st, i + 1, p, len);
	}
}

/* Appends to f "a.c1 = b.d1 AND ...", or with b NULL "a.c1 = ?1 AND ...",
 * of columns c and d. */
static void
columns_equal(FILE *f, const char *a, const struct ref_columns *c,
    const char *b, const struct ref_columns *d)
{
	for (int i = 0; i < c->n; i++) {
		fprintf(f, "%s%s.\"%s\" = ", i > 0 ? " AND " : "", a,
		    c->name[i]);
		if (b != NULL)
			fprintf(f, "%s.\"%s\"", b, d->name[i]);
		else
			fprintf(f, "?%d", i + 1);
	}
}

/*
 * Reports each row of r's table that refers to nothing, among those whose
 * columns hold key k (when k is not NULL) or one of references_gone_N's
 * (when it is), named by its key; returns how many, and sets *stop at
 * --max-errors.
 */
static unsigned long
orphans(struct db *db, const struct reference *r, const struct key *k,
    int *stop)
{
	const struct ref_columns *c = &r->c;
	char keys[512], *sql = NULL;
	size_t len = 0;
	struct db_stmt *st;
	unsigned long n = 0;
	int nkey;
	FILE *f = cli_memstream(&sql, &len);

	key_columns(db, r->table->name, keys, sizeof(keys));
	fputs("SELECT ", f);
	for (int i = 0; i < c->n; i++)
		fprintf(f, "t.\"%s\", ", c->name[i]);
	fprintf(f, "%s FROM \"%s\" t WHERE ", keys, r->table->name);
	if (k != NULL)
		columns_equal(f, "t", c, NULL, NULL);
	else {
		fputc('(', f);
		for (int i = 0; i < c->n; i++)
			fprintf(f, "%st.\"%s\"", i > 0 ? ", " : "", c->name[i]);
		fputs(") IN (SELECT * FROM ", f);
		fprintf(f, "references_gone_%d)", c->n);
	}
	fprintf(f, " AND NOT EXISTS (SELECT 1 FROM \"%s\" p WHERE ",
	    r->parent->name);
	columns_equal(f, "p", &r->to->c, "t", c);
	fputc(')', f);
	fclose(f);
	st = db_prepare(db, sql);
	free(sql);
	if (k != NULL)
		bind_keys(bindable(st), c, k->p, k->n);
	nkey = sqlite3_column_count(SH(st)) - c->n;
	while (!*stop && db_row(st)) {
		char *key = NULL, *ref = NULL;
		size_t klen = 0, rlen = 0;
		FILE *kf = cli_memstream(&key, &klen);
		FILE *rf = cli_memstream(&ref, &rlen);

		for (int i = c->n; i < c->n + nkey; i++)
			if (db_null(st, i))
				fprintf(kf, "%s%s (empty)", i > c->n ? ", " :
				    "", sqlite3_column_name(SH(st), i));
			else
				fprintf(kf, sqlite3_column_type(SH(st), i) ==
				    SQLITE_INTEGER ? "%s%s %s" : "%s%s '%s'",
				    i > c->n ? ", " : "",
				    sqlite3_column_name(SH(st), i),
				    db_text(st, i));
		for (int i = 0; i < c->n; i++)
			fprintf(rf, "%s%s '%s'", i > 0 ? ", " : "",
			    c->name[i], db_text(st, i));
		fclose(kf);
		fclose(rf);
		n++;
		*stop = !cli_data_error(r->table->name, 0, NULL, "%s: %s "
		    "is not in %s", key, ref, r->parent->name);
		free(key);
		free(ref);
	}
	db_finalize(st);
	return n;
}

/* The statement that finds a key of rf's columns in its table. */
static struct db_stmt *
prepare_find(struct db *db, const struct ref_table *t,
    const struct referred *rf)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *f = cli_memstream(&sql, &len);
	struct db_stmt *st;

	fprintf(f, "SELECT 1 FROM \"%s\" p WHERE ", t->name);
	columns_equal(f, "p", &rf->c, NULL, NULL);
	fclose(f);
	st = db_prepare(db, sql);
	free(sql);
	return st;
}

/* Keeps the keys of rf taken away in references_gone_N, N its columns. */
static void
keep_gone(struct db *db, const struct referred *rf)
{
	char name[32], cols[128], *sql = NULL;
	size_t len = 0, at = 0, n = 0;
	FILE *f = cli_memstream(&sql, &len);
	struct db_stmt *st;
	const char *v;

	snprintf(name, sizeof(name), "references_gone_%d", rf->c.n);
	for (int i = 0; i < rf->c.n; i++)
		n += (size_t)snprintf(cols + n, sizeof(cols) - n, "%sv%d",
		    i > 0 ? ", " : "", i + 1);
	db_temp_table(db, name, cols);
	fprintf(f, "INSERT INTO %s VALUES (", name);
	for (int i = 0; i < rf->c.n; i++)
		fprintf(f, "%s?%d", i > 0 ? ", " : "", i + 1);
	fputc(')', f);
	fclose(f);
	st = db_prepare(db, sql);
	free(sql);
	while ((v = keyset_next(rf->gone.set, &at, &len)) != NULL) {
		bind_keys(bindable(st), &rf->c, v, len);
		db_done(st);
	}
	db_finalize(st);
}

static unsigned long
sq_references_check(struct db *db)
{
	struct references *rs = REFS(db);
	unsigned long n = 0;
	int stop = 0;

	if (rs == NULL)
		return 0;	/* the database checked each row */
	pthread_mutex_lock(&rs->lock);
	for (struct db_keys *ks = rs->readers; ks != NULL; ks = ks->next) {
		notes_note(&ks->pending);
		ks->npending = 0;
	}
	pthread_mutex_unlock(&rs->lock);
	for (int i = 0; i < rs->nr && !stop; i++) {
		struct reference *r = &rs->r[i];
		struct db_stmt *st;
		struct key k;
		size_t at = 0;

		if (keyset_count(r->wrote.set) == 0)
			continue;
		st = prepare_find(db, r->parent, r->to);
		want(&r->to->there);
		while (!stop && (k.p = (char *)keyset_next(r->wrote.set, &at,
		    &k.n)) != NULL) {
			uint64_t h = keyset_hash(k.p, k.n);

			/* known since its row was written; or taken away,
			 * when the loop below looks at every row that refers
			 * to it, so that none is reported twice */
			if (values_has(&r->to->there, k.p, k.n, h) ||
			    values_has(&r->to->gone, k.p, k.n, h))
				continue;
			bind_keys(bindable(st), &r->c, k.p, k.n);
			if (db_row(st))
				db_reset(st);
			else
				n += orphans(db, r, &k, &stop);
		}
		db_finalize(st);
	}
	for (int i = 0; i < rs->nt && !stop; i++)
		for (int j = 0; j < rs->t[i].nreferred && !stop; j++) {
			struct referred *rf = rs->t[i].referred[j];

			if (keyset_count(rf->gone.set) == 0)
				continue;
			keep_gone(db, rf);
			for (int k = 0; k < rs->nr && !stop; k++)
				if (rs->r[k].to == rf)
					n += orphans(db, &rs->r[k], NULL,
					    &stop);
		}
	return n;
}

/* ---- opening -------------------------------------------------------------------- */

/*
 * Every connection's settings.  Temporary storage stays SQLite's
 * default, a file: the sort of a CREATE INDEX after a first load, and a
 * command's own tables, then spill past 16 MiB a sorter (the cache's
 * size) to a file that is deleted at once, where in memory they held the
 * whole table (2,880,000 usage rows: 216 MiB, now 79 MiB, as 1,440,000).
 */
static const char sql_connection[] =
    "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384; "
    "PRAGMA temp.cache_size = -16384; PRAGMA threads = 2";

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
user_version(struct db *db)
{
	struct db_stmt *st = db_prepare(db, "PRAGMA user_version");
	int v = 0;

	if (db_row(st))
		v = (int)db_int(st, 0);
	db_finalize(st);
	return v;
}

static void
migrate(struct db *db, const char *path)
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
		db_exec(db, db_migrations[v]);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		db_exec(db, sql);
	}
	db_commit(db);
}

static struct db *
open_file(const char *path, int flags, int shared, int busy_ms)
{
	struct sq *db = cli_calloc(1, sizeof(*db));

	/*
	 * SQLite counts every allocation under a global mutex for
	 * sqlite3_memory_used(), which nothing here reads; on a large import
	 * that lock is a few per cent of the time.  The journal of one
	 * statement, which undoes it alone on an error, stays in memory, as
	 * it did while all temporary storage was: past SQLite's 64 KiB it
	 * goes to a temporary file, and a batch of an import is more (2 GiB
	 * of writes to /var/tmp for a million lines), and SQLite 3.40 fails
	 * one that spills past a larger limit with SQLITE_FULL (an import
	 * of 273,106 payments).  It holds the pages one statement changes.
	 * (Both must be set before SQLite initialises; a second open gets
	 * SQLITE_MISUSE, harmlessly.)
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	(void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
	if (sqlite3_open_v2(path, &H(db), flags | (shared ?
	    SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX), NULL) != SQLITE_OK) {
		cli_warn("%s: %s", path, H(db) != NULL ?
		    sqlite3_errmsg(H(db)) : "cannot open");
		exit(CLI_EIO);
	}
	db->base.ops = &db_sqlite_ops;
	db->base.shared = shared;
	db->base.busy_ms = busy_ms;
	sqlite3_busy_timeout(H(db), busy_ms);
	sqlite3_extended_result_codes(H(db), 1);
	return &db->base;
}

/*
 * A command that only reads opens the file read-only and never creates
 * or migrates it.  SQLite reads a WAL database read-only only when it can
 * open or make the -shm file beside it; in a folder the user may not
 * write, with no -wal there (nothing is left to checkpoint, so no one is
 * writing), the file is all there is, and it is read as immutable.
 */
static struct db *
open_read(const struct cli_common *c, int shared)
{
	char *uri, *wal;
	struct db *db;
	int rc, no_wal;

	if (access(c->db_path, F_OK) != 0)
		cli_die(CLI_EIO, "%s: no such database: name one with -D PATH "
		    "or REVOPS_DB (a command that writes creates it)",
		    c->db_path);
	db = open_file(c->db_path, SQLITE_OPEN_READONLY, shared, c->busy_ms);
	rc = sqlite3_exec(H(db), "PRAGMA user_version", NULL, NULL, NULL) &
	    0xff;
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
	if (sqlite3_exec(H(db), sql_connection, NULL, NULL, NULL) != SQLITE_OK)
		db_fatal(db, c->db_path);
	db_schema_check(db, c->db_path, user_version(db));
	return db;
}

/*
 * A dry run makes its changes to a private copy of the database, read in
 * one read transaction (SQLite's backup), and throws the copy away: it
 * takes no write lock, so it runs while another command writes, and the
 * verb runs as it would for real, its output included.  The copy goes
 * when its connection closes, when the program ends, or when a signal
 * ends it (outfile.h).
 */
static struct db *
open_dry_run(const struct cli_common *c, int shared)
{
	static const char *const journals[] = { "-wal", "-shm", "-journal" };
	const char *tmpdir = getenv("TMPDIR");
	struct db *src = open_read(c, 0), *db;
	sqlite3_backup *b;
	char dry_copy[PATH_MAX];
	int rc;

	if (snprintf(dry_copy, sizeof(dry_copy), "%s/revops-dry-run.XXXXXX",
	    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp") >=
	    (int)sizeof(dry_copy))
		cli_die(CLI_EIO, "%s: %s", tmpdir, strerror(ENAMETOOLONG));
	outfile_scratch(dry_copy, journals, 3);
	db = open_file(dry_copy, SQLITE_OPEN_READWRITE, shared, c->busy_ms);
	((struct sq *)db)->dry_run = 1;
	if ((b = sqlite3_backup_init(H(db), "main", H(src), "main")) == NULL)
		db_fatal(db, dry_copy);
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		db_fatal(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? src : db,
		    c->db_path);
	db_close(src);
	return db;
}

struct db *
db_sqlite_open(const struct cli_common *c, enum db_mode mode, int shared)
{
	int memory = strcmp(c->db_path, DB_MEMORY) == 0;
	struct db *db;

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
	if (sqlite3_exec(H(db), "PRAGMA journal_mode = WAL; PRAGMA synchronous = "
	    "NORMAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(H(db), sql_connection, NULL, NULL, NULL) != SQLITE_OK)
		db_fatal(db, c->db_path);
	migrate(db, c->db_path);
	return db;
}

/* The counter of commits by others that connection h has seen, read in
 * a statement of its own (which starts its read transaction, if it has
 * begun one and not read yet), or -1. */
static sqlite3_int64
data_version(sqlite3 *h)
{
	sqlite3_stmt *st;
	sqlite3_int64 v = -1;

	if (sqlite3_prepare_v2(h, "PRAGMA data_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * A reader's snapshot.  SQLite as Debian builds it cannot give one
 * connection's snapshot to another (no SQLITE_ENABLE_SNAPSHOT), but two
 * read transactions that begin with no commit between them read the same
 * database: rd's count of commits by others, read before db's first read
 * and again at the start of its own transaction, says whether one came
 * between.  When one did, both begin again.
 */
static int
share_read(struct db *db, struct sq *rd)
{
	sqlite3_int64 before;

	for (int tries = 0; tries < 16; tries++) {
		if ((before = data_version(rd->h)) < 0 ||
		    data_version(H(db)) < 0 ||
		    sqlite3_exec(rd->h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			return 0;
		if (data_version(rd->h) == before)
			return 1;
		if (sqlite3_exec(rd->h, "ROLLBACK", NULL, NULL, NULL) !=
		    SQLITE_OK || sqlite3_exec(H(db), "ROLLBACK; BEGIN", NULL,
		    NULL, NULL) != SQLITE_OK)
			return 0;
	}
	return 0;
}

/*
 * The snapshot of a writer: db holds the write lock, so no one else
 * commits, and the second connection's read transaction sees what db's
 * found until db commits.  That of a reader that has begun and not read
 * yet: share_read().  One that has read has a snapshot no other
 * connection can be sure to share, one outside a transaction none, nor
 * has a database in memory: NULL.
 */
static struct db *
sq_open_snapshot(struct db *db)
{
	const char *path = sqlite3_db_filename(H(db), "main");
	int state = sqlite3_txn_state(H(db), "main");
	struct sq *rd;
	char *uri;
	int immutable, rc;

	/* a database in memory has no file for another connection to read,
	 * in a write transaction too */
	if (path == NULL || *path == '\0' || (state != SQLITE_TXN_WRITE &&
	    (state == SQLITE_TXN_READ || sqlite3_get_autocommit(H(db)))))
		return NULL;
	/* a file read as immutable (open_read()) is read so again */
	immutable = sqlite3_uri_boolean(path, "immutable", 0);
	if ((uri = sqlite3_mprintf(immutable ? "file:%s?immutable=1" : "%s",
	    path)) == NULL)
		cli_die(CLI_EIO, "out of memory");
	rd = cli_calloc(1, sizeof(*rd));
	rc = sqlite3_open_v2(uri, &rd->h, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0), NULL);
	sqlite3_free(uri);
	rd->base.ops = &db_sqlite_ops;
	rd->base.busy_ms = db->busy_ms;
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(rd->h, db->busy_ms);
		sqlite3_extended_result_codes(rd->h, 1);
		rc = sqlite3_exec(rd->h, sql_connection, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK && state == SQLITE_TXN_WRITE)
		rc = sqlite3_exec(rd->h, "BEGIN", NULL, NULL, NULL);
	else if (rc == SQLITE_OK && !share_read(db, rd)) {
		sqlite3_close_v2(rd->h);
		free(rd);
		return NULL;
	}
	if (rc != SQLITE_OK) {
		cli_warn("%s: %s", path, rd->h != NULL ?
		    sqlite3_errmsg(rd->h) : "cannot open");
		db_rollback(db);
		exit(CLI_EIO);
	}
	/* its first read comes after the lock: what it reads is what db's
	 * transaction found (db_stmt_keys()) */
	if (state == SQLITE_TXN_WRITE)
		rd->writer = SQ(db);
	return &rd->base;
}

/* SQLite's own mutex of the connection, which is recursive: a call
 * made while it is held by the same thread takes it again at no cost. */
static void
sq_hold(struct db *db, int on)
{
	sqlite3_mutex *m = sqlite3_db_mutex(H(db));

	if (on)
		sqlite3_mutex_enter(m);
	else
		sqlite3_mutex_leave(m);
}

static void
sq_close(struct db *db)
{
	int dry_run = ((struct sq *)db)->dry_run;

	sqlite3_close_v2(H(db));
	references_free(((struct sq *)db)->refs);
	if (dry_run)
		outfile_scratch_remove();
	free(db);
}

/* ---- bulk load ---------------------------------------------------------------- */

/*
 * The plan of a bulk write "INSERT INTO table (column, ...)" while the
 * check of references is on: which of its columns refer to others or are
 * referred to.  Its rows are plain inserts, so that what is bound is what
 * is written; a column of other than text affinity would have its value
 * converted, so a table with one gets no plan, and the hook reads its
 * rows.
 */
/* The statement column of name n, -1 if none. */
static int
plan_column(const struct sq_rows *r, const char *const *name,
    const size_t *len, const char *n)
{
	for (int col = 0; col < r->ncol; col++)
		if (strlen(n) == len[col] && strncasecmp(n, name[col],
		    len[col]) == 0)
			return col;
	return -1;
}

/* Adds to r's plan a key of columns c, a reference's (ref) or one that
 * others refer to (rf), unless a column of it is left out (its default,
 * NULL in the schema: a row refers to nothing by it); 0 if r cannot note
 * it (a column not of text affinity, whose values r would have to
 * convert as SQLite does). */
static int
plan_key(struct sq_rows *r, const char *const *name, const size_t *len,
    const struct ref_columns *c, struct reference *ref, struct referred *rf)
{
	struct rows_key *k;
	int col[REF_COLS];

	for (int j = 0; j < c->n; j++)
		if ((col[j] = plan_column(r, name, len, c->name[j])) < 0)
			return 1;
	for (int j = 0; j < c->n; j++)
		if (!c->text[j])
			return 0;
	if (c->n == 1) {
		if (ref != NULL)
			r->ref[col[0]] = ref;
		else
			r->rf[col[0]] = rf;
		return 1;
	}
	r->key = cli_realloc(r->key, (size_t)r->nkey + 1, sizeof(*r->key));
	k = &r->key[r->nkey++];
	k->ref = ref;
	k->rf = rf;
	for (int j = 0; j < c->n; j++) {
		k->col[j] = col[j];
		r->part[col[j]].keep = 1;
	}
	return 1;
}

/*
 * The plan of a bulk write, "INSERT INTO t (a, b, ...)": the columns of
 * t's keys, of one column or several, that r notes as it binds them, so
 * that the hook need not read the rows.  None when t has a trigger (the
 * trigger's rows are the hook's), or a key r cannot note, or the head is
 * not of that form.
 */
static void
rows_plan(struct sq_rows *r, struct sq *db, const char *head)
{
	static const char into[] = "INSERT INTO ";
	struct ref_table *t;
	char table[64];
	const char *p, **name;
	size_t n, *len;
	int ok = 1;

	if (db->refs == NULL || strncmp(head, into, sizeof(into) - 1) != 0)
		return;
	p = head + sizeof(into) - 1;
	if ((n = strcspn(p, " (")) >= sizeof(table))
		return;
	memcpy(table, p, n);
	table[n] = '\0';
	if ((t = ref_table(db->refs, table)) == NULL || t->triggered)
		return;
	p += n + strspn(p + n, " ");
	if (*p++ != '(')
		return;
	name = cli_calloc((size_t)r->ncol, sizeof(*name));
	len = cli_calloc((size_t)r->ncol, sizeof(*len));
	for (int col = 0; ok && col < r->ncol; col++) {
		p += strspn(p, " ");
		name[col] = p;
		len[col] = strcspn(p, ",) ");
		p += len[col] + strspn(p + len[col], " ");
		if (*p != (col + 1 < r->ncol ? ',' : ')'))
			ok = 0;
		p++;
	}
	ok = ok && strspn(p, " ") == strlen(p);
	r->ref = cli_calloc((size_t)r->ncol, sizeof(*r->ref));
	r->rf = cli_calloc((size_t)r->ncol, sizeof(*r->rf));
	r->part = cli_calloc((size_t)r->ncol, sizeof(*r->part));
	for (int i = 0; ok && i < t->nrefs; i++)
		ok = plan_key(r, name, len, &t->refs[i]->c, t->refs[i], NULL);
	for (int i = 0; ok && i < t->nreferred; i++)
		ok = plan_key(r, name, len, &t->referred[i]->c, NULL,
		    t->referred[i]);
	free(name);
	free(len);
	if (!ok)
		return;	/* the hook reads the rows */
	r->db = db;
	r->refs_made = db->refs_made;
	r->table = t;
}

/* The references r's plan is for, NULL when it has none or they are
 * gone. */
static struct references *
rows_refs(const struct sq_rows *r)
{
	return r->table != NULL && r->db->refs_made == r->refs_made ?
	    r->db->refs : NULL;
}

/* Value p of n bytes as a column of text affinity keeps it: a number
 * as its digits, in num. */
static const void *
as_text(int type, const void *p, size_t *n, char num[24])
{
	int64_t v;

	if (type != SQLITE_INTEGER)
		return p;
	memcpy(&v, p, sizeof(v));
	*n = (size_t)snprintf(num, 24, "%" PRId64, v);
	return num;
}

/* Keeps value p of column col of the row being bound, a part of keys of
 * several columns (rows_compose()). */
static void
rows_part(struct sq_rows *r, int col, int type, const void *p, size_t n)
{
	struct rows_part *k = &r->part[col];
	char num[24];

	p = as_text(type, p, &n, num);
	make_key(&k->p, &k->cap, 0, SQLITE_TEXT, p, (int)n, &k->n);
	k->has = 1;
}

/* Notes the keys of several columns of the last row bound, each as
 * row_key() makes it, but those with a part NULL, which refer to
 * nothing. */
static void
rows_compose(struct sq_rows *r)
{
	struct notes *nb = &r->notes;
	int row = r->n - 1;

	if (r->composed == r->n)
		return;
	r->composed = r->n;
	for (int i = 0; i < r->nkey && rows_refs(r) != NULL; i++) {
		const struct rows_key *k = &r->key[i];
		const struct ref_columns *c = k->ref != NULL ? &k->ref->c :
		    &k->rf->c;
		struct one_note o = { NULL, NULL, 0, 0, row };
		size_t at;
		int all = 1;

		for (int j = 0; j < c->n; j++) {
			all &= r->part[k->col[j]].has;
			o.n += sizeof(uint32_t) + r->part[k->col[j]].n;
		}
		if (!all)
			continue;
		o.vs = k->ref != NULL ? &k->ref->wrote : &k->rf->there;
		o.rf = k->ref != NULL ? k->ref->to : NULL;
		nb->p = cli_grow(nb->p, &nb->cap, nb->used + sizeof(o) + o.n, 1);
		memcpy(nb->p + nb->used, &o, sizeof(o));
		at = nb->used + sizeof(o);
		for (int j = 0; j < c->n; j++) {
			const struct rows_part *part = &r->part[k->col[j]];
			uint32_t len = (uint32_t)part->n;

			memcpy(nb->p + at, &len, sizeof(len));
			memcpy(nb->p + at + sizeof(len), part->p, part->n);
			at += sizeof(len) + part->n;
		}
		nb->used = at;
	}
	for (int col = 0; col < r->ncol; col++)
		r->part[col].has = 0;
}

/* Notes value p of column col of row `row`, which the plan has: as a
 * column of text affinity keeps it.  A column that refers to another and
 * is referred to gets two notes. */
static void
rows_note(struct sq_rows *r, int row, int col, int type, const void *p,
    size_t n)
{
	struct notes *nb = &r->notes;
	struct one_note o = { NULL, NULL, 0, 0, row };
	char num[24];
	size_t at = nb->used;

	if (rows_refs(r) == NULL)
		return;		/* references since remade */
	p = as_text(type, p, &n, num);
	make_key(&nb->p, &nb->cap, at + sizeof(o), SQLITE_TEXT, p, (int)n,
	    &o.n);
	o.vs = r->ref[col] != NULL ? &r->ref[col]->wrote : &r->rf[col]->there;
	o.rf = r->ref[col] != NULL ? r->ref[col]->to : NULL;
	memcpy(nb->p + at, &o, sizeof(o));
	nb->used += sizeof(o) + o.n;
	if (r->ref[col] == NULL || r->rf[col] == NULL)
		return;
	nb->p = cli_grow(nb->p, &nb->cap, nb->used + sizeof(o) + o.n, 1);
	o.vs = &r->rf[col]->there;
	o.rf = NULL;
	memcpy(nb->p + nb->used, &o, sizeof(o));
	memcpy(nb->p + nb->used + sizeof(o), nb->p + at + sizeof(o), o.n);
	nb->used += sizeof(o) + o.n;
}

/* A value bound to parameter i of r's statement: noted if its column is
 * one of the plan's.  Inline, for the binds of the columns that are not,
 * most of them: a call of rows_note() is dear (its stack is guarded). */
static inline void
rows_bound(struct sq_rows *r, int i, int type, const void *p, size_t n)
{
	int row, col;

	if (r->table == NULL)
		return;		/* no plan: the hook reads the rows */
	/* the row db_rows_add() gave last: no division at each bind */
	row = r->n - 1;
	col = i - 1 - row * r->ncol;
	if (col == 0) {
		r->left_out[row] = type == SQLITE_NULL;
		r->any_left_out |= type == SQLITE_NULL;
	}
	if (type != SQLITE_NULL && (r->ref[col] != NULL ||
	    r->rf[col] != NULL))
		rows_note(r, row, col, type, p, n);
	if (type != SQLITE_NULL && r->part[col].keep)
		rows_part(r, col, type, p, n);
}

/*
 * The tuples are a VALUES table filtered on its first column, so that a
 * last, part-filled statement writes only its rows: the first column of
 * the others is bound NULL.  Plain "INSERT ... VALUES (...), (...)" would
 * need a second statement for the rest, and their values bound again.
 */
static struct db_rows *
sq_rows_new(struct db *db, const char *head, int ncol)
{
	struct sq_rows *r = cli_calloc(1, sizeof(*r));
	size_t cap = strlen(head) + 64 + (size_t)DB_ROWS * ((size_t)ncol * 3 + 4);
	char *sql = cli_calloc(1, cap);
	size_t n;

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
	r->base.ops = &db_sqlite_ops;
	r->ncol = ncol;
	r->st = db_prepare(db, sql);
	ROWS(r->st) = r;
	free(sql);
	rows_plan(r, SQ(db), head);
	return &r->base;
}

/* Drops the notes of the rows left out. */
static void
rows_drop_left_out(struct sq_rows *r)
{
	struct notes *nb = &r->notes;
	struct one_note o;
	size_t to = 0;

	for (size_t at = 0; at < nb->used; at += sizeof(o) + o.n) {
		memcpy(&o, nb->p + at, sizeof(o));
		if (r->left_out[o.row])
			continue;
		memmove(nb->p + to, nb->p + at, sizeof(o) + o.n);
		to += sizeof(o) + o.n;
	}
	nb->used = to;
}

/*
 * Runs r's statement, then unbinds its values with the copies of their
 * text, so that none outlives its copy and a part-filled next statement
 * has its other rows NULL.  With a plan, the statement writes only the
 * rows it noted (a plain insert, into a table without a trigger), so the
 * hook, whose mere presence costs SQLite work at each row, is off while
 * it runs, the connection's mutex held so that no other thread's
 * statement runs unseen meanwhile.
 */
static void
rows_ran(struct sq_rows *r)
{
	struct references *rs = rows_refs(r);
	sqlite3 *h = sqlite3_db_handle(SH(r->st));

	if (rs != NULL) {
		if (r->nkey > 0)
			rows_compose(r);
		if (r->any_left_out)
			rows_drop_left_out(r);
		notes_note_locked(rs, &r->notes);
		sqlite3_mutex_enter(sqlite3_db_mutex(h));
		sqlite3_preupdate_hook(h, NULL, NULL);
	}
	db_done(r->st);
	if (rs != NULL) {
		sqlite3_preupdate_hook(h, on_write, rs);
		sqlite3_mutex_leave(sqlite3_db_mutex(h));
	}
	sqlite3_clear_bindings(SH(r->st));
	copies_reset(&r->copies);
	r->notes.used = 0;	/* for references since remade, if any */
	memset(r->left_out, 0, sizeof(r->left_out));
	r->any_left_out = 0;
	r->n = r->composed = 0;
}

static struct db_stmt *
sq_rows_add(struct db_rows *base, int *k)
{
	struct sq_rows *r = (struct sq_rows *)base;

	if (r->n == DB_ROWS)
		rows_ran(r);
	else if (r->nkey > 0)
		rows_compose(r);	/* the row before is whole */
	*k = r->n++ * r->ncol + 1;
	return r->st;
}

static void
sq_rows_flush(struct db_rows *base)
{
	struct sq_rows *r = (struct sq_rows *)base;

	if (r->n > 0)
		rows_ran(r);	/* the rows not bound are NULL, so left out */
}

static void
sq_rows_free(struct db_rows *base)
{
	struct sq_rows *r = (struct sq_rows *)base;

	db_finalize(r->st);
	copies_reset(&r->copies);
	free(r->copies.full);
	free(r->copies.block);
	free(r->ref);
	free(r->rf);
	for (int col = 0; r->part != NULL && col < r->ncol; col++)
		free(r->part[col].p);
	free(r->part);
	free(r->key);
	free(r->notes.p);
	free(r);
}

const struct db_ops db_sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.hold = sq_hold,
	.open_snapshot = sq_open_snapshot,
	.exec = sq_exec,
	.schema = sq_exec,
	.secondary_indexes = sq_secondary_indexes,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.in_transaction = sq_in_transaction,
	.write_at_commit = sq_write_at_commit,
	.references = sq_references,
	.references_vouch = sq_references_vouch,
	.stmt_keys = sq_stmt_keys,
	.references_check = sq_references_check,
	.error = sq_error,
	.failed = sq_failed,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.row = sq_row,
	.step = sq_step,
	.reset = sq_reset,
	.params = sq_params,
	.bind_int = sq_bind_int,
	.bind_null = sq_bind_null,
	.bind_text = sq_bind_text,
	.null = sq_null,
	.int64 = sq_int64,
	.text = sq_text,
	.len = sq_len,
	.batch_rows = DB_ROWS,
	/* a lookup is a descent of a B-tree in memory: a few microseconds */
	.lookups_before_scan = 4096,
	.rows_new = sq_rows_new,
	.rows_add = sq_rows_add,
	.rows_flush = sq_rows_flush,
	.rows_free = sq_rows_free,
};
