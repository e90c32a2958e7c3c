/*
 * export: the contract forms of each number type, and whole exports of
 * rows put in an in-memory database, compared byte for byte with the
 * CSV worked out by hand from the rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "export.h"
#include "suites.h"

static const struct out_opts csv = { .format = OUT_CSV };

/* One number cell as export_number() writes it. */
static char *
number(enum entity_type t, int64_t v, int exponent)
{
	static const char *const col[] = { "v" };
	char *buf = NULL;
	size_t len;
	FILE *fp = open_memstream(&buf, &len);
	struct out *o;

	ck_assert_ptr_nonnull(fp);
	o = out_new(fp, &csv, col, 1);
	export_number(o, t, v, exponent);
	out_end_row(o);
	ck_assert_int_eq(out_close(o), 0);
	fclose(fp);
	return buf;
}

#define NUMBER(t, v, exponent, want) do { \
	char *got_ = number(t, v, exponent); \
	ck_assert_str_eq(got_, want "\n"); \
	free(got_); \
} while (0)

/* Money has exactly its currency's digits; a price (x 10^6 more) keeps
 * at least those and drops the zeros past them; quantities, percents and
 * rates drop every zero that ends the fraction. */
START_TEST(number_forms)
{
	NUMBER(ET_MONEY, 123450, 2, "1234.50");
	NUMBER(ET_MONEY, -5, 2, "-0.05");
	NUMBER(ET_MONEY, 500, 0, "500");
	NUMBER(ET_MONEY, 1234, 3, "1.234");
	NUMBER(ET_PRICE, 1250000000, 2, "12.50");
	NUMBER(ET_PRICE, 1234500000, 2, "12.345");
	NUMBER(ET_PRICE, 333333333, 0, "333.333333");
	NUMBER(ET_QUANTITY, 1500000, 0, "1.5");
	NUMBER(ET_QUANTITY, 2000000, 2, "2");
	NUMBER(ET_PERCENT, 12500000, 2, "12.5");
	NUMBER(ET_RATE, 1250000000000, 2, "1.25");
	NUMBER(ET_INT, 7, 2, "7");
}
END_TEST

/* What fn(db) writes to stdout, the caller's to free. */
static char *
captured(struct db *db, int (*fn)(struct db *))
{
	FILE *tmp = tmpfile();
	int saved;
	long len;
	char *buf;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	ck_assert_int_ge(saved = dup(STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(fileno(tmp), STDOUT_FILENO), 0);
	ck_assert_int_eq(fn(db), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = ftell(tmp);
	buf = calloc(1, (size_t)len + 1);
	rewind(tmp);
	ck_assert_int_eq(fread(buf, 1, (size_t)len, tmp), len);
	fclose(tmp);
	return buf;
}

/* Two invoices of one account: one in yen (no minor digits), with a line
 * of no quantity or price; one in dollars, with an empty description.
 * The lines go in out of order. */
static struct db *
invoices_db(void)
{
	struct db *db = test_db(NULL);

	db_exec(db, "INSERT INTO accounts (account_id, name, currency) "
	    "VALUES ('A-1', 'Acme', 'USD');"
	    "INSERT INTO invoices (invoice_id, account_id, issue_date, "
	    "due_date, currency, status) VALUES "
	    "('I2', 'A-1', '2026-02-15', '2026-03-17', 'USD', 'paid'), "
	    "('I1', 'A-1', '2026-02-01', '2026-03-03', 'JPY', 'open');"
	    "INSERT INTO invoice_lines (invoice_id, account_id, line_no, "
	    "description, quantity_micro, unit_price_micro, amount_minor, "
	    "tax_amount_minor, service_start, service_end) VALUES "
	    "('I2', 'A-1', 1, '', 2000000, 1250000000, 2500, 205, NULL, NULL), "
	    "('I1', 'A-1', 2, 'Credit', NULL, NULL, -100, 0, '2026-02-01', "
	    "'2026-03-01'), "
	    "('I1', 'A-1', 1, 'Seats', 1500000, 333333333, 500, 0, NULL, NULL)");
	return db;
}

#define INVOICES_HEADER "invoice_id,account_id,issue_date,due_date," \
	"currency,line_no,sku,description,quantity,unit_price,discount_pct," \
	"amount,tax_amount,service_start,service_end,status\n"

static int
all_invoices(struct db *db)
{
	struct out_opts oo = { .format = OUT_CSV, .header = 1 };

	return export_rows(db, entity_find("invoices"), &oo, NULL);
}

/* A column as a cell, as stored: NULL an empty cell, "" a quoted empty
 * text (it reads back as "", not NULL), a text with a comma quoted, and
 * an integer its digits; each in csv and jsonl. */
START_TEST(column_cells)
{
	static const char *const col[] = { "a", "b", "c", "d" };
	static const struct out_opts jsonl = { .format = OUT_JSONL };
	const struct out_opts *opts[] = { &csv, &jsonl };
	static const char *const want[] = { ",\"\",\"x,y\",42\n",
	    "{\"a\":null,\"b\":\"\",\"c\":\"x,y\",\"d\":\"42\"}\n" };
	struct db *db = test_db(NULL);
	struct db_stmt *st = db_prepare(db, "SELECT NULL, '', 'x,y', 42");

	ck_assert(db_row(st));
	for (int f = 0; f < 2; f++) {
		char *buf = NULL;
		size_t len;
		FILE *fp = open_memstream(&buf, &len);
		struct out *o = out_new(fp, opts[f], col, 4);

		for (int i = 0; i < 4; i++)
			export_column(o, st, i);
		out_end_row(o);
		ck_assert_int_eq(out_close(o), 0);
		fclose(fp);
		ck_assert_str_eq(buf, want[f]);
		free(buf);
	}
	db_finalize(st);
	db_close(db);
}
END_TEST

/* Every line, by invoice and line number; a header column of the
 * invoice on each of its lines; money in the invoice's currency. */
START_TEST(rows_of_two_tables)
{
	struct db *db = invoices_db();
	char *got = captured(db, all_invoices);

	ck_assert_str_eq(got, INVOICES_HEADER
	    "I1,A-1,2026-02-01,2026-03-03,JPY,1,,Seats,1.5,333.333333,,500,"
	    "0,,,open\n"
	    "I1,A-1,2026-02-01,2026-03-03,JPY,2,,Credit,,,,-100,0,2026-02-01,"
	    "2026-03-01,open\n"
	    "I2,A-1,2026-02-15,2026-03-17,USD,1,,\"\",2,12.50,,25.00,2.05,,,"
	    "paid\n");
	free(got);
	db_close(db);
}
END_TEST

static int
picked_invoices(struct db *db)
{
	struct out_opts oo = { .format = OUT_CSV };

	return export_given(db, entity_find("invoices"), &oo, "picked",
	    "status");
}

/* Only the invoices whose key the table holds, with the status it gives
 * in place of the one stored. */
START_TEST(rows_picked_with_given_value)
{
	struct db *db = invoices_db();
	char *got;

	db_temp_table(db, "picked", "key TEXT PRIMARY KEY, status TEXT");
	db_exec(db, "INSERT INTO picked VALUES ('I1', 'void')");
	got = captured(db, picked_invoices);
	ck_assert_str_eq(got,
	    "I1,A-1,2026-02-01,2026-03-03,JPY,1,,Seats,1.5,333.333333,,500,"
	    "0,,,void\n"
	    "I1,A-1,2026-02-01,2026-03-03,JPY,2,,Credit,,,,-100,0,2026-02-01,"
	    "2026-03-01,void\n");
	free(got);
	db_close(db);
}
END_TEST

static int
all_stages(struct db *db)
{
	return export_rows(db, entity_find("stages"), &csv, NULL);
}

/* Stages by position, not by name; flags as true and false. */
START_TEST(rows_in_sort_order)
{
	struct db *db = test_db(NULL);
	char *got;

	db_exec(db, "DELETE FROM stages; INSERT INTO stages VALUES "
	    "('a-won', 2, 100000000, 1, 1), ('b-new', 1, 12500000, 0, 0)");
	got = captured(db, all_stages);
	ck_assert_str_eq(got, "b-new,1,12.5,false,false\n"
	    "a-won,2,100,true,true\n");
	free(got);
	db_close(db);
}
END_TEST

/* What audit_log() asks export_log() for. */
static const char *log_since;
static long log_last;

static int
audit_log(struct db *db)
{
	return export_log(db, &csv, log_since, log_last);
}

/* The audit rows by id, each column as stored, NULL empty. */
START_TEST(log_by_id)
{
	struct db *db = test_db(NULL);
	char *got;

	db_exec(db, "INSERT INTO audit_log VALUES "
	    "(2, '2026-01-02T00:00:00Z', NULL, 'revops-quote', 'accept', "
	    "'Q-1', '{}'), "
	    "(1, '2026-01-01T00:00:00Z', 'alice', 'revops-import', 'import', "
	    "'accounts a.csv', '{}')");
	got = captured(db, audit_log);
	ck_assert_str_eq(got, "1,2026-01-01T00:00:00Z,alice,revops-import,"
	    "import,accounts a.csv,{}\n"
	    "2,2026-01-02T00:00:00Z,,revops-quote,accept,Q-1,{}\n");
	free(got);
	db_close(db);
}
END_TEST

/* --last N: the newest N, still oldest first; --since DAY: from the
 * first time of that day on; both: the newest N of those. */
START_TEST(log_last_and_since)
{
	static const struct {
		const char *since;
		long last;
		const char *ids;
	} cases[] = {
		{ NULL, 2, "3,4" },
		{ NULL, 9, "1,2,3,4" },
		{ "2026-01-02", 0, "2,3,4" },
		{ "2026-01-03", 0, "4" },
		{ "2026-01-04", 0, "" },
		{ "2026-01-02", 2, "3,4" },
	};
	struct db *db = test_db(NULL);

	db_exec(db, "INSERT INTO audit_log VALUES "
	    "(1, '2026-01-01T23:59:59Z', NULL, 'p', 'v', NULL, '{}'), "
	    "(2, '2026-01-02T00:00:00Z', NULL, 'p', 'v', NULL, '{}'), "
	    "(3, '2026-01-02T10:00:00Z', NULL, 'p', 'v', NULL, '{}'), "
	    "(4, '2026-01-03T00:00:01Z', NULL, 'p', 'v', NULL, '{}')");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got, ids[64] = "", *line;
		size_t n = 0;

		log_since = cases[i].since;
		log_last = cases[i].last;
		got = captured(db, audit_log);
		for (line = got; *line != '\0'; line = strchr(line, '\n') + 1)
			n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s%.*s",
			    n > 0 ? "," : "", (int)strcspn(line, ","), line);
		ck_assert_msg(strcmp(ids, cases[i].ids) == 0,
		    "since %s, last %ld: %s, not %s", cases[i].since,
		    cases[i].last, ids, cases[i].ids);
		free(got);
	}
	log_since = NULL;
	log_last = 0;
	db_close(db);
}
END_TEST

Suite *
export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_add_test(tc, number_forms);
	tcase_add_test(tc, column_cells);
	tcase_add_test(tc, rows_of_two_tables);
	tcase_add_test(tc, rows_picked_with_given_value);
	tcase_add_test(tc, rows_in_sort_order);
	tcase_add_test(tc, log_by_id);
	tcase_add_test(tc, log_last_and_since);
	suite_add_tcase(s, tc);
	return s;
}
