/*
 * One SELECT per call, made from the entity's columns in contract order:
 * a header column of invoices comes from the parent row (joined), and
 * the rows come in the order of the entity's sort column, then its key,
 * so that an export is the same each time and diffs well.  Each number
 * is written in its contract form: money with its currency's exponent
 * (the row's currency column, else the base currency), a price with the
 * zeros that end its fraction past those digits trimmed, a quantity or a
 * rate with all of them trimmed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "export.h"
#include "money.h"

void
export_number(struct out *out, enum entity_type t, int64_t v, int exponent)
{
	char buf[MONEY_FMT_MAX];
	size_t n;

	switch (t) {
	case ET_MONEY:
		n = money_format_trim(buf, v, exponent, exponent, '.');
		break;
	case ET_PRICE:
		n = money_format_trim(buf, v, exponent + MONEY_PRICE_DIGITS,
		    exponent, '.');
		break;
	case ET_QUANTITY:
	case ET_PERCENT:
		n = money_format_trim(buf, v, MONEY_QTY_SCALE, 0, '.');
		break;
	case ET_RATE:
		n = money_format_trim(buf, v, MONEY_RATE_SCALE, 0, '.');
		break;
	default:
		n = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)v);
		break;
	}
	out_number(out, buf, n);
}

void
export_column(struct out *out, struct db_stmt *st, int i)
{
	if (db_null(st, i))
		out_null(out);
	else
		out_text(out, db_text(st, i), db_len(st, i));
}

static void
export_cell(struct out *out, const struct entity_column *c, struct db_stmt *st,
    int i, int exponent)
{
	if (db_null(st, i)) {
		out_null(out);
		return;
	}
	switch (c->type) {
	case ET_MONEY:
	case ET_PRICE:
	case ET_QUANTITY:
	case ET_PERCENT:
	case ET_RATE:
	case ET_INT:
		export_number(out, c->type, db_int(st, i), exponent);
		break;
	case ET_BOOL:
		/* stored as the integer 0 or 1 (lib/schema.sql) */
		if (db_int(st, i))
			out_text(out, "true", 4);
		else
			out_text(out, "false", 5);
		break;
	default:
		export_column(out, st, i);
		break;
	}
}

/* The SELECT of export_given(), the caller's to free.  A stream, as the
 * text grows with the entity's columns and has no bound of its own. */
static char *
select_sql(const struct entity *e, const char *only, const char *given)
{
	char *sql = NULL;
	size_t len;
	FILE *fp = cli_memstream(&sql, &len);

	fputs("SELECT ", fp);
	for (size_t i = 0; i < e->ncolumn; i++) {
		const struct entity_column *c = &e->column[i];

		if (given != NULL && strcmp(c->name, given) == 0)
			fprintf(fp, "%s(SELECT o.%s FROM %s o WHERE o.key = "
			    "t.%s)", i ? ", " : "", given, only,
			    entity_ref_key(e)->db);
		else
			fprintf(fp, "%s%s.%s", i ? ", " : "",
			    e->parent_table && (c->flags & EC_HEADER) ? "p" :
			    "t", c->db);
	}
	fprintf(fp, " FROM %s t", e->table);
	if (e->parent_table != NULL)
		fprintf(fp, " JOIN %s p USING (%s)", e->parent_table,
		    e->parent_key);
	if (only != NULL)
		fprintf(fp, " WHERE t.%s IN (SELECT key FROM %s)",
		    entity_ref_key(e)->db, only);
	fputs(" ORDER BY ", fp);
	if (e->sort != NULL)
		fprintf(fp, "t.%s, ", e->sort);
	/* a key of no value (a price of no start) first, as SQLite
	 * sorts it, on every backend */
	for (size_t i = 0, n = 0; i < e->ncolumn; i++)
		if (e->column[i].flags & EC_KEY)
			fprintf(fp, "%st.%s NULLS FIRST", n++ ? ", " : "",
			    e->column[i].db);
	if (ferror(fp) | fclose(fp))
		cli_die(CLI_EIO, "out of memory");
	return sql;
}

int
export_rows(struct db *db, const struct entity *e, const struct out_opts *oo,
    const char *only)
{
	return export_given(db, e, oo, only, NULL);
}

int
export_given(struct db *db, const struct entity *e, const struct out_opts *oo,
    const char *only, const char *given)
{
	const char **names = cli_calloc(e->ncolumn, sizeof(*names));
	char base[4];
	char *sql = select_sql(e, only, given);
	int cur = entity_column_index(e, "currency");
	struct db_stmt *st;
	struct out *out;

	if (db_setting(db, "base_currency", base, sizeof(base)) == NULL)
		memcpy(base, "USD", 4);
	st = db_prepare(db, sql);
	for (size_t i = 0; i < e->ncolumn; i++)
		names[i] = e->column[i].name;
	out = out_new(stdout, oo, names, e->ncolumn);
	free(names);
	while (db_row(st)) {
		const struct currency *c = money_currency(cur >= 0 ?
		    db_text(st, cur) : base, 3);
		int exponent = c != NULL ? c->exponent : 2;

		for (size_t i = 0; i < e->ncolumn; i++)
			export_cell(out, &e->column[i], st, (int)i, exponent);
		out_end_row(out);
	}
	db_finalize(st);
	free(sql);
	return out_close(out);
}

int
export_log(struct db *db, const struct out_opts *oo, const char *since,
    long last)
{
	static const char *const names[] = { "audit_id", "at", "user",
	    "program", "verb", "arguments", "changes" };
	/* "user" quoted: unquoted it is current_user in PostgreSQL; the
	 * times are ISO 8601 text, which sorts as they do, and a day is
	 * before every time of it */
	struct db_stmt *st = db_prepare(db, "SELECT * FROM (SELECT audit_id, "
	    "at, \"user\", program, verb, arguments, changes FROM audit_log "
	    "WHERE at >= ?1 ORDER BY audit_id DESC LIMIT ?2) AS log "
	    "ORDER BY audit_id");
	struct out *out;

	db_bind_text(st, 1, since != NULL ? since : "");
	db_bind_int(st, 2, last > 0 ? last : INT64_MAX);
	out = out_new(stdout, oo, names, 7);

	while (db_row(st)) {
		out_number(out, db_text(st, 0), db_len(st, 0));
		for (int i = 1; i < 7; i++)
			export_column(out, st, i);
		out_end_row(out);
	}
	db_finalize(st);
	return out_close(out);
}
