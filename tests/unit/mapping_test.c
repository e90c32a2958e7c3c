/*
 * mapping: each conversion on the values an export writes, worked out by
 * hand (a timestamp's day in UTC, an amount in the currency's decimals,
 * an interval as a billing period), the values it refuses and what it
 * says of them; the parser's checks of a mapping file, each message at
 * its line and field; the header of a file against an export; the rows
 * a skip leaves out, a lookup's companion, a fold's events; and the
 * built-in mappings, which must all parse.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mapping.h"
#include "suites.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define DAY_FORMS "YYYY-MM-DD hh:mm|YYYY-MM-DD hh:mm:ss|unix"

static char said[512];

static void
keep_error(void *arg, const char *file, unsigned long line,
    const char *column, const char *message)
{
	(void)arg, (void)file, (void)line;
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

/* ref's reading of the database, as import's: payment ch_1 of account
 * A-1 and invoice in_1; ch_2 and ch_3, both of invoice in_2. */
static int
one_payment(void *arg, const struct entity *e, const struct entity_column *c,
    const struct entity_column *by, const char *key, size_t len, char *out,
    size_t size)
{
	static const struct {
		const char *payment_id, *account_id, *invoice_id;
	} rows[] = {
		{ "ch_1", "A-1", "in_1" },
		{ "ch_2", "A-2", "in_2" },
		{ "ch_3", "A-2", "in_2" },
	};
	int n = 0;

	(void)arg;
	ck_assert_str_eq(e->name, "payments");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *k = by == NULL ? rows[i].payment_id :
		    strcmp(by->name, "invoice_id") == 0 ? rows[i].invoice_id :
		    NULL;

		ck_assert_ptr_nonnull(k);
		if (strlen(k) != len || memcmp(key, k, len) != 0 || n++ > 0)
			continue;
		snprintf(out, size, "%s", strcmp(c->name, "account_id") == 0 ?
		    rows[i].account_id : rows[i].payment_id);
	}
	return n;
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
	if (mapping_record(rd, &r, keep_error, NULL, &out) != MAPPING_RECORD)
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

/* span: the day of the first source, none when the second is on the
 * same day; the second's errors are left to the rule that reads it. */
static const struct {
	const char *source, *first, *second, *want;
} spans[] = {
	{ "S|E", "2026-03-01 00:00", "2026-04-01 00:00", "2026-03-01" },
	{ "E|S", "2026-04-01 00:00", "2026-03-01 00:00", "2026-04-01" },
	/* a moment, and hours of one day: no span of days */
	{ "E|S", "2026-03-02 15:40", "2026-03-02 15:40", "(empty)" },
	{ "S|E", "2026-03-02 09:00", "2026-03-02 17:30:15", "(empty)" },
	/* 1772466000 s = 20514 days (1,772,409,600 s) and 56,400 s:
	 * 2026-03-02 15:40 UTC, the same day in another form */
	{ "E|S", "1772466000", "2026-03-02 00:00", "(empty)" },
	{ "E|S", "1772466000", "2026-03-01 23:59", "2026-03-02" },
	{ "S|E", "2026-03-02 15:40", NULL, "2026-03-02" },
	{ "S|E", NULL, "2026-03-02 15:40", "(empty)" },
	{ "S|E", "2026-03-02 15:40", "2026-02-30 10:00", "2026-03-02" },
};

START_TEST(spans_of_days)
{
	ck_assert_str_eq(convert("span", DAY_FORMS, spans[_i].source,
	    V(spans[_i].first, spans[_i].second)), spans[_i].want);
}
END_TEST

START_TEST(span_of_a_bad_day)
{
	ck_assert_str_eq(convert("span", DAY_FORMS, "S|E",
	    V("2026-02-30 10:00", "2026-03-02 15:40")), "error");
	ck_assert_str_eq(said, "S: '2026-02-30 10:00' is not a timestamp: "
	    "February 2026 has 28 days");
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

/* A line's amount with its tax in it, less the tax; a subscription's
 * amount for its seats, over their count. */
START_TEST(amounts_less_and_per)
{
	/* 968.76 with 71.76 of tax: 897.00 */
	ck_assert_str_eq(convert("amount", "minor less", "A|C|T",
	    V("96876", "usd", "7176")), "897.00");
	ck_assert_str_eq(convert("amount", "minor less", "A|C|T",
	    V("4900", "gbp", NULL)), "49.00");
	ck_assert_str_eq(convert("amount", "major less", "A|C|T",
	    V("10.00", "usd", "12.50")), "-2.50");
	/* 897.00 for 3 seats: 299.00 a seat; 1.00 for 8: 0.125 */
	ck_assert_str_eq(convert("amount", "minor per", "A|C|N",
	    V("89700", "usd", "3")), "299.00");
	ck_assert_str_eq(convert("amount", "minor per", "A|C|N",
	    V("1800000", "jpy", NULL)), "1800000");
	ck_assert_str_eq(convert("amount", "minor per", "A|C|N",
	    V("100", "usd", "8")), "0.125");
	ck_assert_str_eq(convert("amount", "minor per", "A|C|N",
	    V("100", "usd", "3")), "error");
	ck_assert_str_eq(said, "A: '100' over N of '3' is no price of one "
	    "that USD can hold exactly (6 decimals past the minor unit)");
	ck_assert_str_eq(convert("amount", "minor per", "A|C|N",
	    V("100", "usd", "0")), "error");
	ck_assert_str_eq(said, "N: '0' is not a whole number more than 0");
	ck_assert_str_eq(convert("amount", "minor per", "A|C|N",
	    V("100", "usd", "99999999999999999999")), "error");
	ck_assert_str_eq(said, "N: '99999999999999999999' is too large a "
	    "count");
	ck_assert_str_eq(convert("amount", "minor less", "A|C|T",
	    V("100", "usd", "1.5")), "error");
	ck_assert_str_eq(said, "T: '1.5' is not a whole number of the minor "
	    "unit of USD: the amounts of this export are in minor units (USD "
	    "12.50 is 1250)");
}
END_TEST

/* Salesforce's dateTimes: milliseconds, 'Z' or an offset from UTC,
 * which moves the time to UTC's and so may move the day. */
#define SF_FORMS "YYYY-MM-DDThh:mm:ss.SSSZ|YYYY-MM-DDThh:mm:ss.SSSzzzzz"

START_TEST(day_of_offsets)
{
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2026-01-15T10:30:00.000Z")), "2026-01-15");
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2026-01-15T10:30:00.000+0000")), "2026-01-15");
	/* 23:30 at UTC-8 is 07:30 the next day in UTC */
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2026-01-31T23:30:00.000-0800")), "2026-02-01");
	/* 08:15 at UTC+9 is 23:15 the day before: February has 28 days */
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2026-03-01T08:15:00.000+0900")), "2026-02-28");
	/* 20:00 at UTC-5 is 01:00 in UTC, in the next year */
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2025-12-31T20:00:00.000-0500")), "2026-01-01");
	/* 00:30 at UTC+0530 is 19:00 the day before */
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2026-01-15T00:30:00.999+0530")), "2026-01-14");
	ck_assert_str_eq(convert("day", SF_FORMS, "CreatedDate",
	    V("2026-01-15T10:30:00.000+2500")), "error");
	ck_assert_str_eq(said, "CreatedDate: '2026-01-15T10:30:00.000+2500' "
	    "is not a timestamp: there is no such offset from UTC");
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2026-01-15T10:30:00.000 0100")), "error");
	ck_assert_str_eq(said, "T: '2026-01-15T10:30:00.000 0100' is not a "
	    "timestamp of the form YYYY-MM-DDThh:mm:ss.SSSZ or "
	    "YYYY-MM-DDThh:mm:ss.SSSzzzzz (UTC)");
	ck_assert_str_eq(convert("day", SF_FORMS, "T",
	    V("2026-01-15T10:30:00.0a0Z")), "error");
}
END_TEST

/* Amounts as a program writes doubles (Data Loader's): the digits moved,
 * zeros past the currency's decimals dropped, never a digit more. */
START_TEST(amounts_as_doubles)
{
	ck_assert_str_eq(convert("amount", "major", "A|C",
	    V("1800000.0", "JPY")), "1800000");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("1.8E7", "JPY")),
	    "18000000");
	ck_assert_str_eq(convert("amount", "major", "A|C",
	    V("1.2345678E7", "USD")), "12345678.00");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("22604.4", "USD")),
	    "22604.40");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("12.500", "USD")),
	    "12.50");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("5E-2", "USD")),
	    "0.05");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("1.005e1", "USD")),
	    "10.05");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("-2.5E1", "USD")),
	    "-25.00");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("0.0", "JPY")),
	    "0");
	ck_assert_str_eq(convert("amount", "major", "A|C",
	    V("1800000.5", "JPY")), "error");
	ck_assert_str_eq(said, "A: '1800000.5' has more decimals than JPY has "
	    "(0)");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("1.5E-1", "JPY")),
	    "error");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("1.8E", "JPY")),
	    "error");
	ck_assert_str_eq(convert("amount", "major", "A|C", V("1.8E 7", "JPY")),
	    "error");
	ck_assert_str_eq(convert("amount", "minor", "A|C", V("1250.0", "USD")),
	    "error");
}
END_TEST

/* Data Loader writes an empty field as "": with copy's argument empty it
 * is no value, without it the empty text, as revops reads "". */
START_TEST(copy_of_quoted_empty)
{
	ck_assert_str_eq(convert("copy", "empty", "A", V("")), "(empty)");
	ck_assert_str_eq(convert("copy", "empty", "A", V("x")), "x");
	ck_assert_str_eq(convert("copy", "", "A", V("")), "");
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
	/* a refund already negative, of the one amount with no opposite */
	ck_assert_str_eq(convert("amount", "-minor", "A|C", V("-5", "usd")),
	    "0.05");
	ck_assert_str_eq(convert("amount", "-minor", "A|C",
	    V("-9223372036854775808", "usd")), "error");
	ck_assert_str_eq(said, "A: '-9223372036854775808' is too large to be "
	    "paid back");
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

/* A row found by another column than its key: the one of that value. */
START_TEST(refs_by_a_column)
{
	const char *arg = "payments.payment_id@invoice_id";

	ck_assert_str_eq(convert("ref", arg, "Invoice", V("in_1")), "ch_1");
	ck_assert_str_eq(convert("ref", "payments.account_id@invoice_id",
	    "Invoice", V("in_1")), "A-1");
	ck_assert_str_eq(convert("ref", arg, "Invoice", V(NULL)), "(empty)");
	/* the key is no invoice_id */
	ck_assert_str_eq(convert("ref", arg, "Invoice", V("ch_1")), "error");
	ck_assert_str_eq(said, "Invoice: 'ch_1' is the invoice_id of no row of "
	    "payments, which name is read from (import it first)");
	ck_assert_str_eq(convert("ref", arg, "Invoice", V("in_2")), "error");
	ck_assert_str_eq(said, "Invoice: 'in_2' is the invoice_id of more than "
	    "one row of payments: which one name is read from cannot be known");
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
	ck_assert_str_eq(convert("map", "payment=|refund=!is money paid back",
	    "Type", V("Refund")), "error");
	ck_assert_str_eq(said, "Type: 'Refund' is money paid back");
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
	    "(one of copy, upper, day, span, amount, map, period, const, ref, "
	    "lookup, fold, skip or changes)\n");
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
	check_refused(ROW0 "x\taccounts\tname\tS\tspan\tYYYY-MM-DD\n",
	    "revops-import: m.tsv:2: column 'source': 'S' names 1 column, but span "
	    "takes 2\n");
	check_refused(ROW0 "x\taccounts\tname\tA\tamount\tmajor\n",
	    "revops-import: m.tsv:2: column 'source': 'A' names 1 column, but amount "
	    "takes 2 to 3\n");
	check_refused(ROW0 "x\taccounts\tname\tA|C\tamount\tcents\n",
	    "revops-import: m.tsv:2: column 'argument': 'cents' is not the unit of an "
	    "amount (major or minor, -major or -minor for money paid back, "
	    "and 'less' or 'per' for a third column)\n");
	check_refused(ROW0 "x\taccounts\tname\tA|C|T\tamount\tminor\n",
	    "revops-import: m.tsv:2: column 'source': 'A|C|T' names 3 columns, "
	    "but amount 'minor' takes 2\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments\n",
	    "revops-import: m.tsv:2: column 'argument': 'payments' is not "
	    "ENTITY.COLUMN or ENTITY.COLUMN@BY, the column to read of the row "
	    "the value names (by its key, or by its column BY)\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tcharges.account_id\n",
	    "revops-import: m.tsv:2: column 'argument': 'charges' is not an "
	    "entity (revops-import --list shows them)\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments.amount\n",
	    "revops-import: m.tsv:2: column 'argument': 'amount' is not an id "
	    "or a currency of payments: ref reads only those\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments.amount@"
	    "invoice_id\n", "revops-import: m.tsv:2: column 'argument': "
	    "'amount' is not an id or a currency of payments: ref reads only "
	    "those\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments.payment_id@"
	    "\n", "revops-import: m.tsv:2: column 'argument': "
	    "'payments.payment_id@' is not ENTITY.COLUMN or ENTITY.COLUMN@BY, "
	    "the column to read of the row the value names (by its key, or by "
	    "its column BY)\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments@invoice_id."
	    "payment_id\n", "revops-import: m.tsv:2: column 'argument': "
	    "'payments@invoice_id.payment_id' is not ENTITY.COLUMN or "
	    "ENTITY.COLUMN@BY, the column to read of the row the value names "
	    "(by its key, or by its column BY)\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments.payment_id@"
	    "amount\n", "revops-import: m.tsv:2: column 'argument': 'amount' "
	    "is not an id of a row of payments: ref finds a row by its key or "
	    "by one of those\n");
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tpayments.payment_id@"
	    "bank\n", "revops-import: m.tsv:2: column 'argument': 'bank' is "
	    "not an id of a row of payments: ref finds a row by its key or by "
	    "one of those\n");
}
END_TEST

/* A test of its own: a process reports at most --max-errors (20). */
START_TEST(malformed_refs)
{
	/* an argument that the conversion needs */
	check_refused(ROW0 "x\taccounts\tcreated_on\tT\tday\n"
	    "x\taccounts\tname\tN\tmap\n"
	    "x\taccounts\tsegment\t\tconst\n",
	    "revops-import: m.tsv:2: column 'argument': is empty; day needs "
	    "the forms of the timestamps\n"
	    "revops-import: m.tsv:3: column 'argument': is empty; map needs "
	    "its pairs from=to\n"
	    "revops-import: m.tsv:4: column 'argument': is empty; const needs "
	    "its value\n");
	/* an invoice's line item is no row of the invoices table */
	check_refused(ROW0 "x\taccounts\tname\tC\tref\tinvoices.account_id@"
	    "sku\n", "revops-import: m.tsv:2: column 'argument': 'sku' is not "
	    "an id of a row of invoices: ref finds a row by its key or by one "
	    "of those\n");
	check_refused(ROW0 "x\taccounts\tname\tT\tday\tDD/MM/YY\n",
	    "revops-import: m.tsv:2: column 'argument': 'DD/MM/YY' is not a form of a "
	    "timestamp ('unix', or a pattern of YYYY, MM, DD and hh, mm, ss, S, "
	    "zzzzz after hh and mm)\n");
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
	    "only with map and skip, which check the values, and changes, "
	    "lookup and fold\n");
	check_refused(ROW0 "x\taccounts\tname\tN\tskip\tno\n",
	    "revops-import: m.tsv:2: column 'column': 'name' would store "
	    "nothing: skip goes with the column '-'\n");
	check_refused(ROW0 "x\taccounts\tname\tN\tcopy\tquoted\n",
	    "revops-import: m.tsv:2: column 'argument': 'quoted' is not an "
	    "argument of copy (none, or empty: \"\" is no value either)\n");
	check_refused(ROW0 "x\taccounts\tname\tT\tday\tYYYY-MM-DDzzzzz\n",
	    "revops-import: m.tsv:2: column 'argument': 'YYYY-MM-DDzzzzz' is not "
	    "a form of a timestamp ('unix', or a pattern of YYYY, MM, DD and "
	    "hh, mm, ss, S, zzzzz after hh and mm)\n");
}
END_TEST

/* How a lookup and a fold are written: first, once, their arguments. */
START_TEST(malformed_lookups_and_folds)
{
	check_refused(ROW0 "x\taccounts\tname\tN\tcopy\n"
	    "x\taccounts\t-\tK\tlookup\tc:K\n",
	    "revops-import: m.tsv:3: column 'conversion': a lookup comes before "
	    "the other rows of its export (line 1 is one)\n");
	check_refused("x\taccounts\t-\tK\tlookup\tc:K\n"
	    "x\taccounts\t-\tL\tlookup\td:L\n" ROW0
	    "x\taccounts\tname\tN\tcopy\n",
	    "revops-import: m.tsv:2: column 'conversion': lookup is given "
	    "twice for export 'x' (line 1)\n");
	check_refused("x\taccounts\t-\tK\tlookup\tK\n" ROW0
	    "x\taccounts\tname\tN\tcopy\n",
	    "revops-import: m.tsv:1: column 'argument': 'K' is not NAME:KEY, "
	    "the companion's name and its column that the source names\n");
	check_refused("x\taccounts\t-\tK|T\tfold\ta||b\n" ROW0
	    "x\taccounts\tname\tN\tcopy\n",
	    "revops-import: m.tsv:1: column 'argument': names an empty "
	    "value\n");
	check_refused("x\taccounts\t-\tK|T\tfold\tstart|stop\n" ROW0
	    "x\taccounts\tname\tstart:N\tcopy\n"
	    "x\taccounts\t-\tstop:S\tmap\ta=\n",
	    "revops-import: m.tsv:4: column 'source': 'stop:S' is not a column "
	    "of each event, which a check of an export that folds reads as it "
	    "comes\n");
	check_refused("x\taccounts\t-\tK\tlookup\tc:K\n" ROW0
	    "x\taccounts\tname\tN *\tcopy\n",
	    "revops-import: m.tsv:1: column 'source': export 'x' reads the "
	    "pattern 'N *', which makes a record of each of its columns, and "
	    "has a lookup, which makes one record of more than a row: they do "
	    "not go together\n");
	check_refused("x\taccounts\t-\tK\tlookup\tc:K\n" ROW0
	    "x\taccounts\tname\tN\tcopy\n"
	    "x\taccounts\t-\tc:S\tskip\tno\n",
	    "revops-import: m.tsv:4: column 'source': 'c:S' is not a column of "
	    "the row, which skip reads before the row's other values\n");
}
END_TEST

/* A pattern: one an export, with a '*' once; the part '*' needs one;
 * changes stores nothing, once an export. */
START_TEST(malformed_patterns)
{
	check_refused(ROW0 "x\taccounts\tname\tA *\tcopy\n"
	    "x\taccounts\tregion\tB *\tcopy\n",
	    "revops-import: m.tsv:3: column 'source': 'B *' is a second pattern "
	    "of export 'x' ('A *' is its first): an export repeats its rows for "
	    "the columns of one\n");
	check_refused(ROW0 "x\taccounts\tname\t* and *\tcopy\n",
	    "revops-import: m.tsv:2: column 'source': '* and *' has more than "
	    "one '*'\n");
	check_refused(ROW0 "x\taccounts\tname\t*\tcopy\n",
	    "revops-import: m.tsv:1: column 'source': export 'x' reads '*', the "
	    "part of a column's name that its pattern matches, but has no "
	    "pattern (a source with a '*' in it)\n");
	check_refused(ROW0 "x\taccounts\tname\tN\tcopy\n"
	    "x\taccounts\tregion\tId|R\tchanges\n",
	    "revops-import: m.tsv:3: column 'column': 'region' would store "
	    "nothing: changes goes with the column '-'\n");
	check_refused(ROW0 "x\taccounts\tname\tN\tcopy\n"
	    "x\taccounts\t-\tId|R\tchanges\n"
	    "x\taccounts\t-\tId|N\tchanges\n",
	    "revops-import: m.tsv:4: column 'conversion': changes is given "
	    "twice for export 'x' (line 3)\n");
	check_refused(ROW0 "x\taccounts\tname\tN *\tcopy\n"
	    "x\taccounts\t-\tId|N *\tchanges\n",
	    "revops-import: m.tsv:3: column 'source': 'Id|N *' is not a column "
	    "of the row, which changes reads before the row's other values\n");
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

/*
 * Reading files through the first export of a mapping: what each record
 * becomes, a line of it ("LINE: FIELD ...", '-' for an empty field;
 * "LINE: skipped", "LINE: bad"), each error "FILE:LINE: COLUMN: MESSAGE",
 * and at the end the records of a fold, each "events LINE...:" and its
 * fields.  A lookup's companion (c.csv) is read first.
 */
static char out[2048];
static size_t nout;

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
put(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nout += (size_t)vsnprintf(out + nout, sizeof(out) - nout, fmt, ap);
	va_end(ap);
	ck_assert_uint_lt(nout, sizeof(out));
}

static void
put_error(void *arg, const char *file, unsigned long line,
    const char *column, const char *message)
{
	(void)arg;
	put("%s:%lu: %s: %s\n", file, line, column, message);
}

static int
put_report(const char *file, unsigned long line, const char *column,
    const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put("%s:%lu: %s: %s\n", file, line, column ? column : "-", msg);
	return 1;
}

static void
put_fields(const struct csv_record *rec)
{
	for (size_t i = 0; i < rec->nfield; i++)
		put(" %s", rec->field[i].s != NULL ? rec->field[i].s : "-");
	put("\n");
}

struct run {
	struct mapping_reader *rd;
	int header;
};

static int
on_row(void *arg, const struct csv_record *rec)
{
	struct run *run = arg;
	const struct csv_record *got;

	if (!run->header++) {
		ck_assert_ptr_nonnull(mapping_header(run->rd, rec, "f.csv",
		    put_report));
		return 0;
	}
	switch (mapping_record(run->rd, rec, put_error, NULL, &got)) {
	case MAPPING_RECORD:
		for (size_t i = 0; i < mapping_nrecords(run->rd); i++) {
			put("%lu:", rec->line);
			put_fields(&got[i]);
		}
		break;
	case MAPPING_SKIPPED:
		put("%lu: skipped\n", rec->line);
		break;
	case MAPPING_BAD:
		put("%lu: bad\n", rec->line);
		break;
	default:
		break;
	}
	return 0;
}

static int
on_companion_row(void *arg, const struct csv_record *rec)
{
	return mapping_companion_record(arg, rec, "c.csv", put_report);
}

static void
read_text(const char *text, csv_record_fn fn, void *arg)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");

	ck_assert_ptr_nonnull(fp);
	(void)csv_read(fp, "f.csv", put_report, ',', NULL, fn, arg);
	fclose(fp);
}

/* The next record of a fold through rd, put: whether there was one. */
static int
put_folded(struct mapping_reader *rd)
{
	const struct csv_record *got;
	enum mapping_got g = mapping_fold_next(rd, put_error, NULL, &got);

	if (g == MAPPING_END)
		return 0;
	put("events");
	for (size_t i = 0; mapping_held(rd, i) != NULL; i++)
		put(" %lu", mapping_held(rd, i)->line);
	put(":");
	if (g == MAPPING_RECORD)
		put_fields(got);
	else
		put(" bad\n");
	return 1;
}

static const char *
read_through(const char *map, const char *companion, const char *file,
    unsigned long *skipped, char *why)
{
	struct mapping *m = mapping_parse("m.tsv", map);
	struct run run = { NULL, 0 };

	ck_assert_ptr_nonnull(m);
	run.rd = mapping_reader_new(mapping_export_at(m, 0), NULL, NULL);
	nout = 0;
	out[0] = '\0';
	if (companion != NULL) {
		read_text(companion, on_companion_row, run.rd);
		mapping_companion_done(run.rd, put_report);
	}
	read_text(file, on_row, &run);
	while (put_folded(run.rd))
		;
	if (skipped != NULL)
		*skipped = mapping_skipped(run.rd, why, 64);
	mapping_reader_free(run.rd);
	mapping_free(m);
	return out;
}

START_TEST(skips)
{
	unsigned long n;
	char why[64];

	ck_assert_str_eq(read_through(ROW0 "x\taccounts\tname\tN\tcopy\n"
	    "x\taccounts\t-\tR\tskip\tfailed|void\n",
	    NULL, "Id,N,R\n1,a,ok\n2,b,FAILED\n3,c,\n4,d,void\n", &n, why),
	    "2: 1 a\n3: skipped\n4: 3 c\n5: skipped\n");
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(why, "R failed|void");
}
END_TEST

#define PAYMENTS "x\tpayments\t-\tInv\tlookup\tinv:Id\n" \
	"x\tpayments\tpayment_id\tP\tcopy\n" \
	"x\tpayments\taccount_id\tinv:Cust\tcopy\n" \
	"x\tpayments\treceived_on\tD\tcopy\n" \
	"x\tpayments\tamount\tCents|inv:Cur\tamount\tminor\n" \
	"x\tpayments\tcurrency\tinv:Cur\tupper\n"

/* Each row takes the companion's values of the key it names, and an
 * error of one is at the companion's line. */
START_TEST(lookups)
{
	ck_assert_str_eq(read_through(PAYMENTS,
	    "Id,Cust,Cur\nI1,A,usd\nI2,B,jpy\nI3,C,US$\n",
	    "P,Inv,D,Cents\np1,I2,2026-01-01,1300\np2,I1,2026-01-02,1250\n"
	    "p3,I9,2026-01-03,5\np4,I3,2026-01-04,5\np5,,2026-01-05,5\n",
	    NULL, NULL),
	    "2: p1 B 2026-01-01 1300 JPY\n"
	    "3: p2 A 2026-01-02 12.50 USD\n"
	    "f.csv:4: Inv: 'I9' is not in the column 'Id' of c.csv, the inv "
	    "file read first\n4: bad\n"
	    "c.csv:4: Cur: 'US$' is not an ISO 4217 currency code\n5: bad\n"
	    "f.csv:6: Inv: is empty; it names the row of c.csv, the inv file "
	    "read first, that the row goes with\n6: bad\n");
	ck_assert_str_eq(read_through(PAYMENTS,
	    "Id,Cust,Cur\nI1,A,usd\nI2,B,usd\nI1,C,usd\n,D,usd\nI4,D\n",
	    "P,Inv,D,Cents\n", NULL, NULL),
	    "c.csv:5: Id: is empty; it is the key that rows of the next files "
	    "name\n"
	    "c.csv:6: -: 2 fields, but the header has 3: the field of column "
	    "'Cur' is missing\n"
	    "c.csv:4: Id: 'I1' is on line 2 already: a key names one row\n");
	ck_assert_str_eq(read_through(PAYMENTS, "Id,Customer,Cur\n",
	    "P,Inv,D,Cents\n", NULL, NULL),
	    "c.csv:1: -: header: the column 'Cust' is missing, which the "
	    "export inv has and the import reads\n");
}
END_TEST

#define FOLDS "s\tsubscriptions\t-\tSub|Type\tfold\tstart|stop\n" \
	"s\tsubscriptions\t-\tType\tmap\tstart=|stop=|" \
	"update=!changes a plan\n" \
	"s\tsubscriptions\tsubscription_id\tSub\tcopy\n" \
	"s\tsubscriptions\taccount_id\tCust\tcopy\n" \
	"s\tsubscriptions\tsku\tstart:Plan\tcopy\n" \
	"s\tsubscriptions\tquantity\tstart:Qty\tcopy\n" \
	"s\tsubscriptions\tunit_price\tstart:Cents|start:Cur|start:Qty" \
	"\tamount\tminor per\n" \
	"s\tsubscriptions\tbilling_period\t\tconst\tmonth\n" \
	"s\tsubscriptions\tstart_date\tstart:On\tcopy\n" \
	"s\tsubscriptions\tend_date\tstop:On\tcopy\n"

/* The events of a key, in any order, as one record: each source of one
 * type from that event, any other from the first that gives it; the
 * records in the order of their first events. */
START_TEST(folds)
{
	ck_assert_str_eq(read_through(FOLDS, NULL,
	    "Sub,Cust,Type,Plan,Qty,Cents,Cur,On\n"
	    "s2,B,start,P,1,4900,gbp,2026-01-15\n"
	    "s1,A,start,Q,3,89700,usd,2026-01-01\n"
	    "s2,,stop,,,,,2026-03-15\n"
	    "s3,C,update,P,1,100,usd,2026-02-01\n"
	    "s1,A,start,Q,2,9800,usd,2026-02-01\n"
	    "s4,D,stop,,,,,2026-03-01\n"
	    "s5,E,pause,,,,,2026-03-01\n"
	    ",F,start,P,1,100,usd,2026-03-01\n", NULL, NULL),
	    "f.csv:5: Type: 'update' changes a plan\n5: bad\n"
	    "f.csv:8: Type: 'pause' is not a value that the mapping knows "
	    "(start or stop)\n8: bad\n"
	    "f.csv:9: Sub: is empty; it says which row the event is of\n"
	    "9: bad\n"
	    "events 2 4: s2 B P 1 49.00 month 2026-01-15 2026-03-15\n"
	    "f.csv:6: Type: 'start' is the second of 's1' (the first on line "
	    "3): a row takes one event of each type\n"
	    "events 3 6: bad\n"
	    "events 7: s4 D - - - month - 2026-03-01\n");
}
END_TEST

/* Two readers fold at once, each by the key column of its own file (the
 * first column of one, the last of the other): s1's two events, the
 * second key of a, are one record after b has grouped its own. */
START_TEST(folds_at_once)
{
	struct mapping *m = mapping_parse("m.tsv", FOLDS);
	struct run a = { NULL, 0 }, b = { NULL, 0 };

	ck_assert_ptr_nonnull(m);
	a.rd = mapping_reader_new(mapping_export_at(m, 0), NULL, NULL);
	b.rd = mapping_reader_new(mapping_export_at(m, 0), NULL, NULL);
	nout = 0;
	out[0] = '\0';
	read_text("Sub,Cust,Type,Plan,Qty,Cents,Cur,On\n"
	    "s2,B,start,P,1,4900,gbp,2026-01-15\n"
	    "s1,A,start,Q,3,89700,usd,2026-01-01\n"
	    "s2,,stop,,,,,2026-03-15\n"
	    "s1,,stop,,,,,2026-03-01\n", on_row, &a);
	read_text("On,Cur,Cents,Qty,Plan,Type,Cust,Sub\n"
	    "2026-02-01,usd,1000,1,P,start,C,s3\n"
	    "2026-04-01,,,,,stop,,s3\n", on_row, &b);
	ck_assert(put_folded(a.rd));
	ck_assert(put_folded(b.rd));
	ck_assert(put_folded(a.rd));
	ck_assert(!put_folded(b.rd));
	ck_assert(!put_folded(a.rd));
	ck_assert_str_eq(out,
	    "events 2 4: s2 B P 1 49.00 month 2026-01-15 2026-03-15\n"
	    "events 2 3: s3 C P 1 10.00 month 2026-02-01 2026-04-01\n"
	    "events 3 5: s1 A Q 3 299.00 month 2026-01-01 2026-03-01\n");
	mapping_reader_free(a.rd);
	mapping_reader_free(b.rd);
	mapping_free(m);
}
END_TEST

/* The records that a row of values makes through reader rd, as text:
 * "field,field;field,field" (an empty cell as ""), "" for none,
 * "skipped" for a row left out, or "error" with the message in said. */
static const char *
records(struct mapping_reader *rd, const struct csv_record *h,
    const char *const values[])
{
	static char got[512];
	struct csv_field f[8];
	struct csv_record r = { f, h->nfield, 2, h };
	const struct csv_record *out;
	size_t n = 0;

	for (size_t i = 0; i < h->nfield; i++)
		f[i] = (struct csv_field){ values[i], values[i] ?
		    strlen(values[i]) : 0 };
	said[0] = got[0] = '\0';
	switch (mapping_record(rd, &r, keep_error, NULL, &out)) {
	case MAPPING_RECORD:
		break;
	case MAPPING_SKIPPED:
		return "skipped";
	default:
		return "error";
	}
	for (size_t i = 0; i < mapping_nrecords(rd); i++)
		for (size_t j = 0; j < out[i].nfield; j++)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
			    j > 0 ? "," : i > 0 ? ";" : "", out[i].field[j].s ?
			    out[i].field[j].s : "");
	return got;
}

/* HubSpot's stage history: a row is a record for each filled column of
 * the pattern, its stage the part of the name the '*' stands for; the
 * columns of another pipeline are not the pattern's. */
START_TEST(pattern_rows)
{
	struct mapping *m = mapping_parse("m.tsv",
	    "h\tstage_history\topportunity_id\tId\tcopy\n"
	    "h\tstage_history\tstage\t*\tmap\tOpen=open|Won=won\n"
	    "h\tstage_history\tchanged_on\tEntered * (P)\tday\tYYYY-MM-DD\n");
	const struct csv_field hf[] = { { "Id", 2 }, { "Entered Open (P)", 16 },
	    { "Other", 5 }, { "entered WON (p)", 15 }, { "Entered Lost (Q)", 16 },
	    { "Entered Lost (P)", 16 } }, bare[] = { { "Id", 2 } };
	struct csv_record h = { hf, 6, 1, NULL }, hb = { bare, 1, 1, NULL };
	const struct mapping_export *x;
	struct mapping_reader *rd;

	ck_assert_ptr_nonnull(m);
	x = mapping_export_find(m, "h");
	ck_assert_int_eq(mapping_export_repeats(x), 1);
	rd = mapping_reader_new(x, NULL, NULL);
	ck_assert_ptr_nonnull(mapping_header(rd, &h, "f.csv", no_report));
	ck_assert_str_eq(records(rd, &h, V("1", "2026-01-02", "x",
	    "2026-01-05", "2026-01-09", NULL)),
	    "1,open,2026-01-02;1,won,2026-01-05");
	ck_assert_uint_eq(mapping_nrecords(rd), 2);
	ck_assert_str_eq(records(rd, &h, V("2", NULL, "x", "2026-02-01", NULL,
	    NULL)), "2,won,2026-02-01");
	ck_assert_str_eq(records(rd, &h, V("3", "", "x", NULL, "2026-01-09",
	    NULL)), "");
	ck_assert_uint_eq(mapping_nrecords(rd), 0);
	ck_assert_str_eq(records(rd, &h, V("4", "2026-01-02", "x", NULL, NULL,
	    "2026-01-20")), "error");
	ck_assert_str_eq(said, "Entered Lost (P): 'Lost' is not a value that "
	    "the mapping knows (Open or Won)");
	ck_assert_str_eq(records(rd, &h, V("5", "2026-13-02", "x", NULL, NULL,
	    NULL)), "error");
	ck_assert_str_eq(said, "Entered Open (P): '2026-13-02' is not a "
	    "timestamp: there is no month 13");
	ck_assert_str_eq(mapping_label(rd, 2), "Entered * (P)");	/* stage */
	ck_assert_ptr_null(mapping_header(rd, &hb, "f.csv", keep_report));
	ck_assert_str_eq(reported, "f.csv:1: header: a column of the form "
	    "'Entered * (P)' is missing, which the export h has and the import "
	    "reads");
	mapping_reader_free(rd);
	ck_assert_int_eq(mapping_export_repeats(mapping_export_find(m, "h")), 1);
	mapping_free(m);
}
END_TEST

/* Salesforce's OpportunityHistory: a row is left out where the stage is
 * the one its opportunity's row before had, whatever came between; one
 * that comes back to a stage is kept. */
START_TEST(changes_rows)
{
	struct mapping *m = mapping_parse("m.tsv",
	    "c\tstage_history\topportunity_id\tO\tcopy\n"
	    "c\tstage_history\tstage\tS\tcopy\n"
	    "c\tstage_history\tchanged_on\tD\tday\tYYYY-MM-DD\n"
	    "c\tstage_history\t-\tO|S\tchanges\n");
	const struct csv_field hf[] = { { "O", 1 }, { "S", 1 }, { "D", 1 } };
	struct csv_record h = { hf, 3, 1, NULL };
	struct mapping_reader *rd;
	char key[16];

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(mapping_export_repeats(mapping_export_find(m, "c")),
	    0);
	rd = mapping_reader_new(mapping_export_find(m, "c"), NULL, NULL);
	ck_assert_ptr_nonnull(mapping_header(rd, &h, "f.csv", no_report));
	ck_assert_str_eq(records(rd, &h, V("A", "p", "2026-01-01")),
	    "A,p,2026-01-01");
	ck_assert_str_eq(records(rd, &h, V("B", "p", "2026-01-01")),
	    "B,p,2026-01-01");
	ck_assert_str_eq(records(rd, &h, V("A", "p", "2026-01-02")),
	    "skipped");
	ck_assert_str_eq(records(rd, &h, V("A", "q", "2026-01-03")),
	    "A,q,2026-01-03");
	ck_assert_str_eq(records(rd, &h, V("B", "p", "2026-01-04")),
	    "skipped");
	ck_assert_str_eq(records(rd, &h, V("A", "p", "2026-01-05")),
	    "A,p,2026-01-05");
	/* a longer value, then one that begins it: the room of the longer
	 * keeps the shorter, which is not the longer */
	ck_assert_str_eq(records(rd, &h, V("A", "proposal", "2026-01-06")),
	    "A,proposal,2026-01-06");
	ck_assert_str_eq(records(rd, &h, V("A", "proposal", "2026-01-07")),
	    "skipped");
	ck_assert_str_eq(records(rd, &h, V("A", "pro", "2026-01-08")),
	    "A,pro,2026-01-08");
	ck_assert_str_eq(records(rd, &h, V("A", "pro", "2026-01-09")),
	    "skipped");
	ck_assert_str_eq(records(rd, &h, V("A", "proposal", "2026-01-10")),
	    "A,proposal,2026-01-10");
	/* many keys, past the first table's 256 buckets: each remembered */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		ck_assert_str_ne(records(rd, &h, V(key, "p", "2026-01-01")),
		    "skipped");
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		ck_assert_str_eq(records(rd, &h, V(key, "p", "2026-01-02")),
		    "skipped");
	}
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
	tcase_add_loop_test(tc, spans_of_days, 0, NELEM(spans));
	tcase_add_test(tc, span_of_a_bad_day);
	tcase_add_test(tc, amounts_by_currency);
	tcase_add_test(tc, amounts_refused);
	tcase_add_test(tc, amounts_less_and_per);
	tcase_add_test(tc, refunds_and_refs);
	tcase_add_test(tc, refs_by_a_column);
	tcase_add_test(tc, value_maps);
	tcase_add_test(tc, billing_periods);
	tcase_add_test(tc, malformed_files);
	tcase_add_test(tc, malformed_rows);
	tcase_add_test(tc, malformed_refs);
	tcase_add_test(tc, malformed_lookups_and_folds);
	tcase_add_test(tc, headers);
	tcase_add_test(tc, skips);
	tcase_add_test(tc, lookups);
	tcase_add_test(tc, folds);
	tcase_add_test(tc, folds_at_once);
	tcase_add_test(tc, malformed_patterns);
	tcase_add_test(tc, day_of_offsets);
	tcase_add_test(tc, amounts_as_doubles);
	tcase_add_test(tc, copy_of_quoted_empty);
	tcase_add_test(tc, pattern_rows);
	tcase_add_test(tc, changes_rows);
	tcase_add_test(tc, built_in);
	suite_add_tcase(s, tc);
	return s;
}
