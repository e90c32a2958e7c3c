/*
 * The part of the storage interface that is the same on every backend:
 * settings, the audit log, the id counters and the keys a verb writes
 * out, in SQL that every backend accepts.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

#define ID_DIGITS_MAX 18	/* of an id's number: below 10^18 */

const char *
db_setting(struct db *db, const char *key, char *buf, size_t size)
{
	struct db_stmt *st = db_prepare(db,
	    "SELECT value FROM settings WHERE key = ?1");
	const char *v = NULL;

	db_bind_text(st, 1, key);
	if (db_row(st)) {
		snprintf(buf, size, "%s", db_text(st, 0));
		v = buf;
	}
	db_finalize(st);
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
db_audit(struct db *db, const char *verb, const char *arguments,
    const struct db_changes *ch)
{
	char json[1024], at[DATE_TIME_FMT_MAX];
	size_t n = 0;
	struct db_stmt *st;

	n += (size_t)snprintf(json + n, sizeof(json) - n, "{");
	for (int i = 0; i < ch->n && n < sizeof(json); i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n,
		    "%s\"%s\":{\"inserted\":%ld,\"updated\":%ld,\"deleted\":%ld}",
		    i > 0 ? "," : "", ch->t[i].table, ch->t[i].inserted,
		    ch->t[i].updated, ch->t[i].deleted);
	if (n < sizeof(json))
		snprintf(json + n, sizeof(json) - n, "}");
	date_format_now(at);
	/* audit_id one past the largest, as SQLite numbers a rowid, on any
	 * backend: a sequence would leave the number of each command rolled
	 * back out of what revops-import --log lists */
	st = db_prepare(db, "INSERT INTO audit_log (audit_id, at, \"user\", "
	    "program, verb, arguments, changes) VALUES ((SELECT "
	    "coalesce(max(audit_id), 0) + 1 FROM audit_log), ?1, ?2, ?3, ?4, "
	    "?5, ?6)");
	db_bind_text(st, 1, at);
	db_bind_text(st, 2, db_user());
	db_bind_text(st, 3, cli_progname());
	db_bind_text(st, 4, verb);
	db_bind_text(st, 5, arguments);
	db_bind_text(st, 6, json);
	db_done(st);
	db_finalize(st);
}

long long
db_next_number(struct db *db, const char *table, const char *column,
    const char *prefix)
{
	char sql[512];
	size_t n = strlen(prefix) + 2;
	struct db_stmt *st;
	long long next = 1;

	st = db_prepare(db, "SELECT next FROM id_counters WHERE tbl = ?1 AND "
	    "prefix = ?2");
	db_bind_text(st, 1, table);
	db_bind_text(st, 2, prefix);
	if (db_row(st)) {
		next = db_int(st, 0);
		db_finalize(st);
		return next;
	}
	db_finalize(st);
	/* The range bounds let an index on the column find the ids of this
	 * prefix without reading the rest; the scan is of every id of the
	 * prefix, as a number of more digits sorts before a smaller one.
	 * Digits only, and at most ID_DIGITS_MAX of them, so that the cast
	 * cannot fail and the next number cannot wrap. */
	snprintf(sql, sizeof(sql), "SELECT coalesce(max(CAST(substr(%s, %zu) "
	    "AS BIGINT)), 0) + 1 FROM %s WHERE %s >= '%s-0' AND %s < '%s-:' "
	    "AND ltrim(substr(%s, %zu), '0123456789') = '' AND length(%s) < "
	    "%zu", column, n, table, column, prefix, column, prefix, column,
	    n, column, n + ID_DIGITS_MAX);
	st = db_prepare(db, sql);
	if (db_row(st))
		next = db_int(st, 0);
	db_finalize(st);
	return next;
}

void
db_took_numbers(struct db *db, const char *table, const char *prefix,
    long long next)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO id_counters (tbl, "
	    "prefix, next) VALUES (?1, ?2, ?3) ON CONFLICT (tbl, prefix) DO "
	    "UPDATE SET next = excluded.next "
	    "WHERE excluded.next > id_counters.next");

	db_bind_text(st, 1, table);
	db_bind_text(st, 2, prefix);
	db_bind_int(st, 3, next);
	db_done(st);
	db_finalize(st);
}

void
db_forget_numbers(struct db *db, const char *table)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM id_counters WHERE "
	    "tbl = ?1");

	db_bind_text(st, 1, table);
	db_done(st);
	db_finalize(st);
}

void
db_ids_next(struct db *db, struct db_ids *ids, char *buf, size_t size)
{
	if (ids->next == 0)
		ids->next = db_next_number(db, ids->table, ids->column,
		    ids->prefix);
	snprintf(buf, size, "%s-%06lld", ids->prefix, ids->next++);
}

void
db_ids_done(struct db *db, const struct db_ids *ids)
{
	if (ids->next != 0)
		db_took_numbers(db, ids->table, ids->prefix, ids->next);
}

void
db_next_id(struct db *db, const char *table, const char *column,
    const char *prefix, char *buf, size_t size)
{
	struct db_ids ids = { table, column, prefix, 0 };

	db_ids_next(db, &ids, buf, size);
	db_ids_done(db, &ids);
}

int
db_finish(struct db *db, const char *verb, const char *arguments,
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
db_has(struct db *db, const char *table, const char *column, const char *key)
{
	char sql[128];
	struct db_stmt *st;
	int found;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s = ?1", table,
	    column);
	st = db_prepare(db, sql);
	db_bind_text(st, 1, key);
	found = db_row(st);
	db_finalize(st);
	return found;
}

unsigned long
db_unknown_ids(struct db *db, const char *table, const char *column,
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
db_keys_open(struct db *db)
{
	db_temp_table(db, "out_keys", "key TEXT PRIMARY KEY");
}

int
db_keys_add(struct db *db, const char *key)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO out_keys (key) "
	    "VALUES (?1) ON CONFLICT DO NOTHING");
	int added;

	db_bind_text(st, 1, key);
	db_done(st);
	added = db_changes(st) > 0;
	db_finalize(st);
	return added;
}
