/*
 * mapping: each conversion on the values an export writes, worked out by
 * hand (a timestamp's day in UTC, an amount in the currency's decimals,
 * an interval as a billing period), the values it refuses and what it
 * says of them; the parser's checks of a mapping file, each message at
 * its line and field; the header of a file against an export; and the
 * built-in mappings, which must all parse.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mapping.h"
#include "suites.h"

#define DAY_FORMS "YYYY-MM-DD hh:mm|YYYY-MM-DD hh:mm:ss|unix"

static char said[512];

static void
keep_error(void *arg, const char *column, const char *message)
{
	(void)arg;
	snprintf(said, sizeof(said), "%s: %s", column, message);
}

static int
no_report(const char *file, unsigned long line, const char *column,
    const char *fmt, ...)
{
	(void)file, (void)line, (void)column, (void)fmt;
	ck_abort_msg("the header is whole");
	return 0;
}

/* ref's reading of the database, as import's: the one payment ch_1, of
 * account A-1. */
static int
one_payment(void *arg, const struct entity *e, const struct entity_column *c,
    const char *key, size_t len, char *out, size_t size)
{
	(void)arg;
	if (strcmp(e->name, "payments") != 0 ||
	    strcmp(c->name, "account_id") != 0 || len != 4 ||
	    memcmp(key, "ch_1", 4) != 0)
		return 0;
	snprintf(out, size, "%s", "A-1");
	return 1;
}

/*
 * What the conversion conv with arg makes of the values (one a column of
 * source, "A|B"), as revops's name of an account: the value, "(empty)"
 * for an empty cell, or "error" with the message in said.
 */
static const char *
convert(const char *conv, const char *arg, const char *source,
    const char *const values[])
{
	static char got[128];
	char text[512], names[64], *p;
	struct csv_field hf[1 + 4], f[1 + 4];
	struct csv_record h = { hf, 1, 1, NULL }, r = { f, 1, 2, &h };
	const struct csv_record *out;
	struct mapping_reader *rd;
	struct mapping *m;

	snprintf(text, sizeof(text), "x\taccounts\taccount_id\tId\tcopy\n"
	    "x\taccounts\tname\t%s\t%s\t%s\n", source, conv, arg);
	ck_assert_ptr_nonnull(m = mapping_parse("t.tsv", text));
	hf[0] = (struct csv_field){ "Id", 2 };
	f[0] = (struct csv_field){ "1", 1 };
	snprintf(names, sizeof(names), "%s", source);
	for (char *s = strtok_r(names, "|", &p); s != NULL && *s != '\0';
	    s = strtok_r(NULL, "|", &p)) {
		hf[h.nfield] = (struct csv_field){ s, strlen(s) };
		f[h.nfield] = (struct csv_field){ values[h.nfield - 1],
		    values[h.nfield - 1] ? strlen(values[h.nfield - 1]) : 0 };
		h.nfield++;
	}
	r.nfield = h.nfield;
	rd = mapping_reader_new(mapping_export_find(m, "x"), one_payment, NULL);
	ck_assert_ptr_nonnull(mapping_header(rd, &h, "t.csv", no_report));
	said[0] = '\0';
	if ((out = mapping_record(rd, &r, keep_error, NULL)) == NULL)
		snprintf(got, sizeof(got), "error");
	else
		snprintf(got, sizeof(got), "%s", out->field[1].s != NULL ?
		    out->field[1].s : "(empty)");
	mapping_reader_free(rd);
	mapping_free(m);
	return got;
}

#define V(...) ((const char *const[]){ __VA_ARGS__ })

START_TEST(copy_first_given)
{
	ck_assert_str_eq(convert("copy", "", "A|B", V("a", "b")), "a");
	ck_assert_str_eq(convert("copy", "", "A|B", V(NULL, "b")), "b");
	ck_assert_str_eq(convert("copy", "", "A|B", V("", "b")), "b");
	ck_assert_str_eq(convert("copy", "", "A|B", V(NULL, NULL)), "(empty)");
	ck_assert_str_eq(convert("upper", "", "A", V("usd")), "USD");
	ck_assert_str_eq(convert("const", "recurring", "", V(NULL)),
	    "recurring");
}
END_TEST

START_TEST(day_of_timestamps)
{
	ck_assert_str_eq(convert("day", DAY_FORMS, "T", V("2026-01-15 10:30")),
	    "2026-01-15");
	ck_assert_str_eq(convert("day", DAY_FORMS, "T",
	    V("2026-01-15 23:59:59")), "2026-01-15");
	/* 1768473000 s = 20469 days (1,768,521,600 s) less 48,600 s:
	 * 2026-01-15 10:30 UTC */
	ck_assert_str_eq(convert("day", DAY_FORMS, "T", V("1768473000")),
	    "2026-01-15");
	ck_assert_str_eq(convert("day", DAY_FORMS, "T", V("0")), "1970-01-01");
	ck_assert_str_eq(convert("day", "DD.MM.YYYY", "T", V("31.12.2025")),
	    "2025-12-31");
	ck_assert_str_eq(convert("day", DAY_FORMS, "T", V(NULL)), "(empty)");
}
END_TEST

START_TEST(day_refused)
{
	ck_assert_str_eq(convert("day", DAY_FORMS, "Created (UTC)",
	    V("2026-01-15T10:30:00Z")), "error");
	ck_assert_str_eq(said, "Created (UTC): '2026-01-15T10:30:00Z' is not "
	    "a timestamp of the form YYYY-MM-DD hh:mm, YYYY-MM-DD hh:mm:ss or "
	    "unix (UTC)");
	ck_assert_str_eq(convert("day", DAY_FORMS, "T",
	    V("2026-02-29 10:00")), "error");
	ck_assert_str_eq(said, "T: '2026-02-29 10:00' is not a timestamp: "
	    "February 2026 has 28 days");
	ck_assert_str_eq(convert("day", DAY_FORMS, "T",
	    V("2026-01-15 10:60")), "error");
	ck_assert_str_eq(said, "T: '2026-01-15 10:60' is not a timestamp: "
	    "there is no such minute");
	ck_assert_str_eq(convert("day", "unix", "T", V("-1")), "error");
	ck_assert_str_eq(convert("day", "unix", "T", V("1e9")), "error");
}
END_TEST

START_TEST(amounts_by_currency)
{
	ck_assert_str_eq(convert("amount", "major", "A|C", V("12.50", "usd")),
	    "12.50");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("12.5", "usd")),
	    "12.50");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("45000", "jpy")),
	    "45000");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("1.234", "KWD")),
	    "1.234");
	ck_assert_str_eq(convert("amount", "minor", "A|C", V("1250", "usd")),
	    "12.50");
	ck_assert_str_eq(convert("amount", "minor", "A|C", V("5", "usd")),
	    "0.05");
	ck_assert_str_eq(convert("amount", "minor", "A|C", V("-5", "usd")),
	    "-0.05");
	ck_assert_str_eq(convert("amount", "minor", "A|C", V("1300", "jpy")),
	    "1300");
	ck_assert_str_eq(convert("amount", "minor", "A|C", V("1234", "kwd")),
	    "1.234");
	ck_assert_str_eq(convert("amount", "minor", "A|C", V(NULL, "usd")),
	    "(empty)");
}
END_TEST

START_TEST(amounts_refused)
{
	ck_assert_str_eq(convert("amount", "minor", "Cents|Currency",
	    V("12.50", "usd")), "error");
	ck_assert_str_eq(said, "Cents: '12.50' is not a whole number of the "
	    "minor unit of USD: the amounts of this export are in minor units "
	    "(USD 12.50 is 1250)");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("45000.5",
	    "jpy")), "error");
	ck_assert_str_eq(said, "A: '45000.5' has more decimals than JPY has "
	    "(0)");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("1,200.00",
	    "usd")), "error");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("12.00", NULL)),
	    "error");
	ck_assert_str_eq(said, "C: is empty; the currency of 'A' is needed "
	    "to read it");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("12.00", "usd ")),
	    "error");
	ck_assert_str_eq(said, "C: 'usd ' is not an ISO 4217 currency code");
}
END_TEST

/* Money paid back, negated; and a column of the row a value names. */
START_TEST(refunds_and_refs)
{
	ck_assert_str_eq(convert("amount", "-major", "A|C", V("299.00", "gbp")),
	    "-299.00");
	ck_assert_str_eq(convert("amount", "-minor", "A|C", V("45000", "jpy")),
	    "-45000");
	ck_assert_str_eq(convert("amount", "-major", "A|C", V("12.5", "usd")),
	    "-12.50");
	ck_assert_str_eq(convert("ref", "payments.account_id", "Charge ID",
	    V("ch_1")), "A-1");
	ck_assert_str_eq(convert("ref", "payments.account_id", "Charge ID",
	    V(NULL)), "(empty)");
	ck_assert_str_eq(convert("ref", "payments.account_id", "Charge ID",
	    V("ch_9")), "error");
	ck_assert_str_eq(said, "Charge ID: 'ch_9' is not in payments, which "
	    "name is read from (import it first)");
}
END_TEST

START_TEST(value_maps)
{
	const char *pairs = "paid=paid|uncollectible=open|draft=";

	ck_assert_str_eq(convert("map", pairs, "S", V("PAID")), "paid");
	ck_assert_str_eq(convert("map", pairs, "S", V("uncollectible")),
	    "open");
	ck_assert_str_eq(convert("map", pairs, "S", V("draft")), "(empty)");
	ck_assert_str_eq(convert("map", pairs, "S", V("void")), "error");
	ck_assert_str_eq(said, "S: 'void' is not a value that the mapping "
	    "knows (paid, uncollectible or draft)");
	ck_assert_str_eq(convert("map", "Closed Won=won", "Stage",
	    V("closed won")), "won");
}
END_TEST

START_TEST(billing_periods)
{
	ck_assert_str_eq(convert("period", "", "I|N", V("month", "1")),
	    "month");
	ck_assert_str_eq(convert("period", "", "I|N", V("month", "3")),
	    "quarter");
	ck_assert_str_eq(convert("period", "", "I|N", V("month", "12")),
	    "year");
	ck_assert_str_eq(convert("period", "", "I|N", V("year", "1")), "year");
	ck_assert_str_eq(convert("period", "", "I|N", V("month", NULL)),
	    "month");
	ck_assert_str_eq(convert("period", "", "I", V("year")), "year");
	ck_assert_str_eq(convert("period", "", "I|N", V("week", "1")),
	    "error");
	ck_assert_str_eq(said, "I: 'week' every 1 cannot be billed: revops "
	    "bills a month, 3 months or a year (month every 1, 3 or 12, year "
	    "every 1)");
	ck_assert_str_eq(convert("period", "", "I|N", V("month", "5")),
	    "error");
	ck_assert_str_eq(convert("period", "", "I|N", V("year", "2")),
	    "error");
	ck_assert_str_eq(convert("period", "", "I|N", V("day", "30")),
	    "error");
	ck_assert_str_eq(convert("period", "", "I|N", V("month", "three")),
	    "error");
	ck_assert_str_eq(said, "N: 'three' is not a whole number more than 0");
}
END_TEST

/* Parsing text gives no mapping, and says want. */
static void
check_refused(const char *text, const char *want)
{
	struct test_capture c;
	struct cli_common common;
	struct mapping *m;
	char *got;

	cli_init("revops-import", &common);
	test_capture(&c, stderr);
	m = mapping_parse("m.tsv", text);
	got = test_captured(&c);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(got, want);
	free(got);
}

#define ROW0 "x\taccounts\taccount_id\tId\tcopy\n"

START_TEST(malformed_files)
{
	check_refused(ROW0 "x\taccounts\tname\n",
	    "revops-import: m.tsv:2: 3 fields, where a row has 5 or 6 (export, entity, "
	    "column, source, conversion, argument), tabs between them\n");
	check_refused(ROW0 "x\taccounts\tname\tN\ttitle\n",
	    "revops-import: m.tsv:2: column 'conversion': 'title' is not a conversion "
	    "(one of copy, upper, day, amount, map, period, const or ref)\n");
	check_refused(ROW0 "x\taccounts\tnick\tN\tcopy\n"
	    "x\taccounts\tname\tN\tcopy\n",
	    "revops-import: m.tsv:2: column 'column': 'nick' is not a column of "
	    "accounts (its columns: account_id, name, segment, region, "
	    "industry, owner, currency, created_on, billing_email, "
	    "billing_address)\n");
	check_refused(ROW0 "x\tclients\tname\tN\tcopy\n",
	    "revops-import: m.tsv:2: column 'entity': 'clients' is not an entity "
	    "(revops-import --list shows them)\n");
	check_refused(ROW0, "revops-import: m.tsv:1: column 'export': export 'x' "
	    "gives no name, which accounts requires\n");
	check_refused(ROW0 "x\taccounts\tname\tN\tcopy\n"
	    "x\tproducts\tsku\tN\tcopy\n",
	    "revops-import: m.tsv:3: column 'entity': 'products' differs from "
	    "'accounts', the entity of export 'x' on line 1\n");
	check_refused("# nothing\n\n", "revops-import: m.tsv: has no rows\n");
}
END_TEST

START_TEST(malformed_rows)
{
	check_refused(ROW0 "x\taccounts\tname\tN\tcopy\n"
	    "x\taccounts\tname\tM\tcopy\n",
	    "revops-import: m.tsv:3: column 'column': 'name' is given twice for export "
	    "'x' (line 2)\n");
	check_refused(ROW0 "x\taccounts\tname\tA\tamount\tmajor\n",
	    "revops-import: m.tsv:2: column 'source': 'A' names 1 column, but amount "
	    "takes 2\n");
	check_refused(ROW0 "x\taccounts\tname\tA|C\tamount\tcents\n",
	    "revops-import: m.tsv:2: column 'argument': 'cents' is not the unit of an "
	    "amount (major or minor, -major or -minor for money paid back)\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments\n",
	    "revops-import: m.tsv:2: column 'argument': 'payments' is not "
	    "ENTITY.COLUMN, the column to read of the row the value names\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tcharges.account_id\n",
	    "revops-import: m.tsv:2: column 'argument': 'charges' is not an "
	    "entity (revops-import --list shows them)\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments.amount\n",
	    "revops-import: m.tsv:2: column 'argument': 'amount' is not an id "
	    "or a currency of payments: ref reads only those\n");
	check_refused(ROW0 "x\taccounts\tname\tT\tday\tDD/MM/YY\n",
	    "revops-import: m.tsv:2: column 'argument': 'DD/MM/YY' is not a form of a "
	    "timestamp ('unix', or a pattern of YYYY, MM, DD and hh, mm, ss)\n");
	check_refused(ROW0 "x\taccounts\tname\tS\tmap\tpaid\n",
	    "revops-import: m.tsv:2: column 'argument': 'paid' is not a pair from=to\n");
	check_refused(ROW0 "x\taccounts\tname\tS\tconst\tX\n",
	    "revops-import: m.tsv:2: column 'source': 'S' names 1 column, but const "
	    "takes 0\n");
	check_refused(ROW0 "x\taccounts\tname\tA||B\tcopy\n",
	    "revops-import: m.tsv:2: column 'source': 'A||B' names an empty column\n");
	check_refused(ROW0 "x\taccounts\tname\tN\tcopy\n"
	    "x\taccounts\t-\tS\tcopy\n",
	    "revops-import: m.tsv:3: column 'column': '-' stores nothing, so it goes "
	    "only with map, which checks the values\n");
}
END_TEST

/* The header of a file: a column an export needs is missing; an
 * optional one that is leaves its entity column out, so that an upsert
 * keeps what is there. */
static char reported[256];

static int
keep_report(const char *file, unsigned long line, const char *column,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)column;
	n = snprintf(reported, sizeof(reported), "%s:%lu: ", file, line);
	va_start(ap, fmt);
	vsnprintf(reported + n, sizeof(reported) - (size_t)n, fmt, ap);
	va_end(ap);
	return 1;
}

START_TEST(headers)
{
	struct mapping *m = mapping_parse("m.tsv", ROW0
	    "x\taccounts\tname\tName\tcopy\n"
	    "x\taccounts\tcurrency\tCurrency?\tupper\n");
	const struct csv_field two[] = { { " NAME ", 6 }, { "id", 2 } },
	    one[] = { { "Id", 2 } };
	struct csv_record h2 = { two, 2, 1, NULL }, h1 = { one, 1, 1, NULL };
	const struct csv_record *got;
	struct mapping_reader *rd;

	ck_assert_ptr_nonnull(m);
	rd = mapping_reader_new(mapping_export_find(m, "X"), NULL, NULL);
	ck_assert_ptr_nonnull(got = mapping_header(rd, &h2, "f.csv",
	    keep_report));
	ck_assert_int_eq(got->nfield, 2);
	ck_assert_str_eq(got->field[0].s, "account_id");
	ck_assert_str_eq(got->field[1].s, "name");
	ck_assert_str_eq(mapping_label(rd, 1), "Name");
	ck_assert_ptr_null(mapping_label(rd, 6));	/* currency */
	ck_assert_ptr_null(mapping_header(rd, &h1, "f.csv", keep_report));
	ck_assert_str_eq(reported, "f.csv:1: header: the column 'Name' is "
	    "missing, which the export x has and the import reads");
	mapping_reader_free(rd);
	mapping_free(m);
}
END_TEST

START_TEST(built_in)
{
	struct mapping *m;

	ck_assert_uint_gt(mapping_ntexts, 0);
	for (size_t i = 0; i < mapping_ntexts; i++) {
		ck_assert_ptr_nonnull(m = mapping_load(mapping_texts[i].system,
		    NULL));
		ck_assert_uint_gt(mapping_nexports(m), 0);
		mapping_free(m);
	}
	ck_assert_ptr_null(mapping_load("nosuch", NULL));
	ck_assert_ptr_nonnull(m = mapping_load("stripe", NULL));
	ck_assert_str_eq(mapping_export_entity(mapping_export_find(m,
	    "customers"))->name, "accounts");
	ck_assert_str_eq(mapping_export_entity(mapping_export_find(m,
	    "payments"))->name, "payments");
	mapping_free(m);
}
END_TEST

Suite *
mapping_suite(void)
{
	Suite *s = suite_create("mapping");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, copy_first_given);
	tcase_add_test(tc, day_of_timestamps);
	tcase_add_test(tc, day_refused);
	tcase_add_test(tc, amounts_by_currency);
	tcase_add_test(tc, amounts_refused);
	tcase_add_test(tc, refunds_and_refs);
	tcase_add_test(tc, value_maps);
	tcase_add_test(tc, billing_periods);
	tcase_add_test(tc, malformed_files);
	tcase_add_test(tc, malformed_rows);
	tcase_add_test(tc, headers);
	tcase_add_test(tc, built_in);
	suite_add_tcase(s, tc);
	return s;
}
