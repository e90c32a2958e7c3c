/* The import contract (lib/entity.c) against the schema (lib/schema.sql)
 * and DESIGN.md section 3. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "entity.h"
#include "suites.h"

static struct db *
schema_db(void)
{
	return test_db(NULL);
}

/* Every column of every entity is stored in a column that exists. */
START_TEST(columns_exist_in_schema)
{
	struct db *db = schema_db();

	for (size_t i = 0; i < entity_count; i++) {
		const struct entity *e = &entity_table[i];

		for (size_t j = 0; j < e->ncolumn; j++) {
			const struct entity_column *c = &e->column[j];
			const char *table = (c->flags & EC_HEADER) &&
			    e->parent_table ? e->parent_table : e->table;
			char sql[256];
			struct db_stmt *st;

			snprintf(sql, sizeof(sql), "SELECT %s FROM %s", c->db,
			    table);
			/* a column that is not there is fatal */
			st = db_prepare(db, sql);
			db_finalize(st);
		}
	}
	db_close(db);
}
END_TEST

/* revops-import checks references itself and turns SQLite's check off
 * for inserts and upserts: that is only safe while every foreign key of an
 * entity's tables is a reference of the contract (or the line's link to
 * its invoice).  The account_id of a reference of (account_id, X) is the
 * row's own account, which the import matches to X's (import.c
 * meanings[]) or, on a line, takes from its invoice. */
START_TEST(schema_foreign_keys_are_contract_references)
{
	struct db *db = schema_db();

	for (size_t i = 0; i < entity_count; i++) {
		const struct entity *e = &entity_table[i];
		const char *tables[2] = { e->table, e->parent_table };

		for (int t = 0; t < 2 && tables[t] != NULL; t++) {
			char sql[256];
			struct db_stmt *st;

			snprintf(sql, sizeof(sql), "SELECT \"from\", \"table\" "
			    "FROM pragma_foreign_key_list('%s') f WHERE NOT "
			    "(\"from\" = 'account_id' AND (SELECT count(*) FROM "
			    "pragma_foreign_key_list('%s') g WHERE g.id = f.id) "
			    "> 1)", tables[t], tables[t]);
			st = db_prepare(db, sql);
			while (db_row(st)) {
				const char *from = db_text(st, 0);
				const char *to = db_text(st, 1);
				int ci = -1, ok = 0;

				for (size_t j = 0; j < e->ncolumn; j++)
					if (strcmp(e->column[j].db, from) == 0)
						ci = (int)j;
				if (ci >= 0 && e->column[ci].ref != NULL) {
					const struct entity *re =
					    entity_find(e->column[ci].ref);

					ok = strcmp(re->parent_table ?
					    re->parent_table : re->table, to)
					    == 0;
				} else if (e->parent_table != NULL && t == 0)
					ok = strcmp(from, e->parent_key) == 0 &&
					    strcmp(to, e->parent_table) == 0;
				ck_assert_msg(ok, "%s.%s -> %s is not a "
				    "reference of the contract", tables[t],
				    from, to);
			}
			db_finalize(st);
		}
	}
	db_close(db);
}
END_TEST

static int
ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

/*
 * The schema's integers: what can pass 2^31 (money, micro-units, rates,
 * counts, the id counters) is BIGINT, for a backend whose INTEGER has 32
 * bits; the rest is INTEGER: booleans and small numbers, and the keys
 * that are SQLite's rowid, which only a lone INTEGER PRIMARY KEY is.
 */
START_TEST(schema_integer_types)
{
	static const char *const small[] = { "active", "is_closed", "is_won",
	    "auto_renew", "position", "line_no", "score", "term_months",
	    "every_account" };
	struct db *db = schema_db();
	struct db_stmt *st = db_prepare(db, "SELECT m.name, p.name, p.type, "
	    "p.pk, (SELECT count(*) FROM pragma_table_info(m.name) k "
	    "WHERE k.pk > 0) FROM sqlite_master m, pragma_table_info(m.name) p "
	    "WHERE m.type = 'table' AND p.type IN ('INTEGER', 'BIGINT')");
	int n = 0, rowids = 0;

	while (db_row(st)) {
		const char *table = db_text(st, 0), *col = db_text(st, 1);
		int big = strcmp(db_text(st, 2), "BIGINT") == 0, is_small = 0;
		int lone_key = db_int(st, 3) == 1 && db_int(st, 4) == 1;
		int rowid = !big && lone_key;

		for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++)
			is_small |= strcmp(col, small[i]) == 0;
		if (ends_with(col, "_minor") || ends_with(col, "_micro") ||
		    ends_with(col, "_pico"))
			ck_assert_msg(big, "%s.%s is not BIGINT", table, col);
		ck_assert_msg(big != (is_small || rowid), "%s.%s: %s", table,
		    col, big ? "a small number as BIGINT" : "INTEGER, but "
		    "neither small nor a rowid");
		ck_assert_msg(!rowid || ends_with(col, "_id"), "%s.%s", table,
		    col);
		ck_assert_msg(!big || !lone_key, "%s.%s: a BIGINT PRIMARY KEY "
		    "is no rowid", table, col);
		rowids += rowid;
		n++;
	}
	db_finalize(st);
	/* price, history, spend, approval, application, batch, audit */
	ck_assert_int_eq(rowids, 7);
	ck_assert_int_gt(n, 50);
	db_close(db);
}
END_TEST

/* References name an entity with a key; checks name real columns. */
START_TEST(references_and_checks_resolve)
{
	for (size_t i = 0; i < entity_count; i++) {
		const struct entity *e = &entity_table[i];

		ck_assert_ptr_nonnull(entity_ref_key(e));
		for (size_t j = 0; j < e->ncolumn; j++)
			if (e->column[j].ref != NULL)
				ck_assert_msg(entity_find(e->column[j].ref) !=
				    NULL, "%s.%s", e->name, e->column[j].name);
		for (int n = 0; e->order[n].later != NULL; n++)
			ck_assert_int_lt(n, 4);
		for (const struct entity_order *o = e->order; o->later; o++) {
			ck_assert_int_ge(entity_column_index(e, o->later), 0);
			ck_assert_int_ge(entity_column_index(e, o->earlier), 0);
		}
		for (int n = 0; e->when[n].col != NULL; n++) {
			ck_assert_int_lt(n, ENTITY_WHEN_MAX);
			ck_assert_int_ge(entity_column_index(e, e->when[n].col),
			    0);
			ck_assert_int_ge(entity_column_index(e,
			    e->when[n].other), 0);
		}
	}
}
END_TEST

/* The contract of DESIGN.md section 3, column for column, for two
 * entities (with its further column subscriptions.replaces), and the
 * entity list. */
START_TEST(contract_matches_design)
{
	static const char *const subs[] = { "subscription_id", "account_id",
	    "contract_id", "sku", "quantity", "unit_price", "discount_pct",
	    "currency", "billing_period", "start_date", "end_date",
	    "replaces" };
	static const char *const names[] = { "settings", "accounts",
	    "products", "prices", "rules", "stages", "leads", "opportunities",
	    "stage_history", "contracts", "subscriptions", "invoices",
	    "payments", "usage", "users", "spend", "csat", "fx_rates" };
	const struct entity *e = entity_find("subscriptions");

	ck_assert_uint_eq(e->ncolumn, sizeof(subs) / sizeof(subs[0]));
	for (size_t i = 0; i < e->ncolumn; i++)
		ck_assert_str_eq(e->column[i].name, subs[i]);
	ck_assert(e->column[0].flags & EC_REQUIRED);
	ck_assert(!(e->column[2].flags & EC_REQUIRED));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(entity_find(names[i]) != NULL, "%s", names[i]);
	ck_assert_ptr_null(entity_find("account"));
	e = entity_find("invoices");
	ck_assert_str_eq(e->table, "invoice_lines");
	ck_assert_str_eq(e->parent_table, "invoices");
	ck_assert_int_eq(entity_column_index(e, "line_no"), 5);
}
END_TEST

START_TEST(enum_membership)
{
	ck_assert(entity_enum_has("month|quarter|year", "month", 5));
	ck_assert(entity_enum_has("month|quarter|year", "year", 4));
	ck_assert(!entity_enum_has("month|quarter|year", "mont", 4));
	ck_assert(!entity_enum_has("month|quarter|year", "month|", 6));
	ck_assert(!entity_enum_has("month|quarter|year", "", 0));
}
END_TEST

START_TEST(setting_types)
{
	const struct entity_setting *t;

	ck_assert_ptr_nonnull(t = entity_setting_find("billing_day", 11));
	ck_assert_int_eq(t->type, ET_INT);
	ck_assert_int_eq(t->min, 1);
	ck_assert_int_eq(t->max, 28);
	ck_assert_ptr_nonnull(t = entity_setting_find("base_currency", 13));
	ck_assert_int_eq(t->type, ET_CURRENCY);
	ck_assert_ptr_nonnull(t = entity_setting_find("fiscal_year_named_by",
	    20));
	ck_assert_int_eq(t->type, ET_ENUM);
	ck_assert_str_eq(t->values, "end|start");
	ck_assert_ptr_null(entity_setting_find("billing", 7));
}
END_TEST

Suite *
entity_suite(void)
{
	Suite *s = suite_create("entity");
	TCase *tc = tcase_create("contract");

	tcase_add_test(tc, columns_exist_in_schema);
	tcase_add_test(tc, references_and_checks_resolve);
	tcase_add_test(tc, schema_foreign_keys_are_contract_references);
	tcase_add_test(tc, schema_integer_types);
	tcase_add_test(tc, contract_matches_design);
	tcase_add_test(tc, enum_membership);
	tcase_add_test(tc, setting_types);
	suite_add_tcase(s, tc);
	return s;
}
