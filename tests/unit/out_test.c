/*
 * out: each test is a script of calls (text, number, NULL, end of row)
 * written to a memory stream, and the exact bytes expected, worked out by
 * hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "suites.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct call {
	char op;		/* T text, N number, Z NULL, E end of row */
	const char *s;
};

#define T(x)	{ 'T', x }
#define N(x)	{ 'N', x }
#define Z	{ 'Z', NULL }
#define E	{ 'E', NULL }

/* The expected output is a string literal, so sizeof gives its length. */
#define EXPECT(opts, cols, calls, want) \
	expect(opts, cols, NELEM(cols), calls, NELEM(calls), want, \
	    sizeof(want) - 1)

static void
play(struct out *o, const struct call *calls, size_t ncalls)
{
	size_t i;

	for (i = 0; i < ncalls; i++) {
		switch (calls[i].op) {
		case 'T':
			out_text(o, calls[i].s, strlen(calls[i].s));
			break;
		case 'N':
			out_number(o, calls[i].s, strlen(calls[i].s));
			break;
		case 'Z':
			out_null(o);
			break;
		case 'E':
			out_end_row(o);
			break;
		}
	}
}

/* s as a C string literal would spell it, so that a failure shows where
 * the bytes differ. */
static const char *
visible(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			n += (size_t)snprintf(buf + n, size - n, "\\n");
		else if (c == '\r')
			n += (size_t)snprintf(buf + n, size - n, "\\r");
		else if (c == '\t')
			n += (size_t)snprintf(buf + n, size - n, "\\t");
		else if (c == '\\' || c == '"')
			n += (size_t)snprintf(buf + n, size - n, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

static void
check_bytes(const char *got, size_t gotlen, const char *want, size_t wantlen)
{
	char g[4096], w[4096];

	ck_assert_msg(gotlen == wantlen && memcmp(got, want, wantlen) == 0,
	    "\n got \"%s\"\nwant \"%s\"", visible(got, gotlen, g, sizeof(g)),
	    visible(want, wantlen, w, sizeof(w)));
}

static void
expect(const struct out_opts *opts, const char *const *cols, size_t ncols,
    const struct call *calls, size_t ncalls, const char *want,
    size_t wantlen)
{
	struct out *o;
	FILE *fp;
	char *buf = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_ptr_nonnull(o = out_new(fp, opts, cols, ncols));
	play(o, calls, ncalls);
	ck_assert_int_eq(out_finish(o), 0);
	out_free(o);
	ck_assert_int_eq(fclose(fp), 0);
	check_bytes(buf, len, want, wantlen);
	free(buf);
}

/* count rows of a text and a number. */
static void
put_rows(struct out *o, const char *text, const char *number, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		out_text(o, text, strlen(text));
		out_number(o, number, strlen(number));
		out_end_row(o);
	}
}

static const struct out_opts csv = { .format = OUT_CSV, .header = 1 };
static const struct out_opts tsv = { .format = OUT_TSV, .header = 1 };
static const struct out_opts jsonl = { .format = OUT_JSONL, .header = 1 };
static const struct out_opts table = { .format = OUT_TABLE, .header = 1 };

START_TEST(csv_minimal_quoting)
{
	static const char *const cols[] = { "name", "note", "amount" };
	static const struct call calls[] = {
		T("Acme, Inc."), T("say \"hi\""), N("12.50"), E,
		T("two\nlines"), T(""), Z, E,
		T("plain"), T("cr\r"), N("-3"), E,
		T("\"q"), T("\""), T("it's"), E,
	};

	EXPECT(&csv, cols, calls,
	    "name,note,amount\n"
	    "\"Acme, Inc.\",\"say \"\"hi\"\"\",12.50\n"
	    "\"two\nlines\",\"\",\n"
	    "plain,\"cr\r\",-3\n"
	    "\"\"\"q\",\"\"\"\",it's\n");
}
END_TEST

/* An empty string is "" and a NULL is nothing, whichever way it came. */
START_TEST(csv_empty_and_null)
{
	static const char *const cols[] = { "a", "b", "c", "d" };
	static const struct call calls[] = {
		T(""), Z, N(""), T(""), E,
	};

	EXPECT(&csv, cols, calls, "a,b,c,d\n\"\",,,\"\"\n");
}
END_TEST

START_TEST(null_pointer_is_null)
{
	static const char *const cols[] = { "a", "b", "c" };
	static const char want[] = "{\"a\":null,\"b\":null,\"c\":\"\"}\n";
	struct out *o;
	FILE *fp;
	char *buf = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_ptr_nonnull(o = out_new(fp, &jsonl, cols, NELEM(cols)));
	out_text(o, NULL, 0);
	out_number(o, NULL, 0);
	out_text(o, "", 0);
	out_end_row(o);
	ck_assert_int_eq(out_finish(o), 0);
	out_free(o);
	fclose(fp);
	check_bytes(buf, len, want, sizeof(want) - 1);
	free(buf);
}
END_TEST

/* A short row is padded with NULLs; cells past the last column are
 * dropped, so every row has as many cells as there are columns. */
START_TEST(rows_are_rectangular)
{
	static const char *const cols[] = { "a", "b", "c" };
	static const struct call calls[] = {
		T("x"), E,
		T("1"), T("2"), T("3"), T("4"), E,
		E,
	};

	EXPECT(&csv, cols, calls, "a,b,c\nx,,\n1,2,3\n,,\n");
}
END_TEST

START_TEST(csv_header_off)
{
	static const struct out_opts opts = { .format = OUT_CSV };
	static const char *const cols[] = { "name", "amount" };
	static const struct call calls[] = {
		T("a,b"), N("1.00"), E,
	};

	EXPECT(&opts, cols, calls, "\"a,b\",1.00\n");
}
END_TEST

/* The same rules with TAB: a comma needs no quotes, a TAB does. */
START_TEST(tsv_quoting)
{
	static const char *const cols[] = { "a", "b" };
	static const struct call calls[] = {
		T("x,y"), T("tab\there"), E,
		T(""), Z, E,
		T("say \"hi\""), N("-1.5"), E,
	};

	EXPECT(&tsv, cols, calls,
	    "a\tb\n"
	    "x,y\t\"tab\there\"\n"
	    "\"\"\t\n"
	    "\"say \"\"hi\"\"\"\t-1.5\n");
}
END_TEST

/*
 * excel: BOM, CRLF, the header as it is, and every text cell as the
 * formula ="TEXT", its quotes doubled for the formula and then, with the
 * formula's own, for csv, a line end as CHAR(10) between two strings; a
 * number cell as it is, an empty text "".
 */
START_TEST(csv_excel)
{
	static const struct out_opts opts = {
		.format = OUT_CSV, .header = 1, .excel = 1,
	};
	static const char *const cols[] = { "v", "n" };
	static const struct call calls[] = {
		T("000045"), N("1.00"), E,
		T("1E5"), N("-5"), E,
		T("3/4"), T("1-2"), E,
		T("=SUM(A1)"), Z, E,
		T("a\"b"), T(""), E,
		T("\nx"), T("2026-01"), E,
	};

	EXPECT(&opts, cols, calls,
	    "\xef\xbb\xbf" "v,n\r\n"
	    "\"=\"\"000045\"\"\",1.00\r\n"
	    "\"=\"\"1E5\"\"\",-5\r\n"
	    "\"=\"\"3/4\"\"\",\"=\"\"1-2\"\"\"\r\n"
	    "\"=\"\"=SUM(A1)\"\"\",\r\n"
	    "\"=\"\"a\"\"\"\"b\"\"\",\"\"\r\n"
	    "\"=\"\"\"\"&CHAR(10)&\"\"x\"\"\",\"=\"\"2026-01\"\"\"\r\n");
}
END_TEST

/* tsv quotes the same way; a leading TAB is inside the formula's text. */
START_TEST(tsv_excel)
{
	static const struct out_opts opts = {
		.format = OUT_TSV, .header = 1, .excel = 1,
	};
	static const char *const cols[] = { "v", "n" };
	static const struct call calls[] = {
		T("\tx"), N("-1.25"), E,
	};

	EXPECT(&opts, cols, calls,
	    "\xef\xbb\xbf" "v\tn\r\n"
	    "\"=\"\"\tx\"\"\"\t-1.25\r\n");
}
END_TEST

/* A text of more than 255 bytes is in parts of at most 255 joined by &,
 * a part never ending inside a UTF-8 sequence: 254 x 'a' then a 2-byte
 * e-acute (bytes 255 and 256) then 'b' make the parts 254 x 'a' and
 * "\xc3\xa9b".  A text of more than 4096 bytes is too long for a formula
 * and is written plain, with a ' where it starts like one. */
START_TEST(excel_long_text)
{
	static const struct out_opts opts = { .format = OUT_CSV, .excel = 1 };
	static const char *const cols[] = { "v" };
	char text[5000], want[5100], *buf;
	size_t len, n;
	FILE *fp;
	struct out *o;

	memset(text, 'a', 254);
	memcpy(text + 254, "\xc3\xa9" "b", 4);
	n = (size_t)snprintf(want, sizeof(want), "\"=\"\"%.254s\"\"&\"\""
	    "\xc3\xa9" "b\"\"\"\r\n", text);
	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	o = out_new(fp, &opts, cols, 1);
	out_text(o, text, strlen(text));
	out_end_row(o);
	memset(text, 'x', 4097);
	text[0] = '=';
	out_text(o, text, 4097);
	out_end_row(o);
	ck_assert_int_eq(out_close(o), 0);
	fclose(fp);
	ck_assert_uint_eq(len, 3 + n + 1 + 4097 + 2);
	ck_assert_mem_eq(buf + 3, want, n);
	ck_assert_mem_eq(buf + 3 + n, "'=xx", 4);
	free(buf);
}
END_TEST

/* What an excel cell stands for: the text of ="..." (in parts), of '=...
 * where the ' came before a formula, else the cell as it is. */
START_TEST(excel_text_back)
{
	static const struct {
		const char *cell, *text;
	} t[] = {
		{ "=\"000045\"", "000045" },
		{ "=\"a\"\"b\"", "a\"b" },
		{ "=\"\"", "" },
		{ "=\"ab\"&\"cd\"", "abcd" },
		{ "=\"\"&CHAR(10)&\"x\"&CHAR(13)", "\nx\r" },
		{ "=\"a\"&CHAR(9)", "=\"a\"&CHAR(9)" },
		{ "=\"=SUM(A1)\"", "=SUM(A1)" },
		{ "'=SUM(A1)", "=SUM(A1)" },
		{ "'-x", "-x" },
		{ "'-5", "'-5" },
		{ "'abc", "'abc" },
		{ "=SUM(A1)", "=SUM(A1)" },
		{ "=\"ab", "=\"ab" },
		{ "=\"ab\"x", "=\"ab\"x" },
		{ "=\"ab\"&", "=\"ab\"&" },
		{ "Acme", "Acme" },
	};
	char buf[64];

	for (size_t i = 0; i < NELEM(t); i++) {
		size_t n = out_excel_text(t[i].cell, strlen(t[i].cell), buf);

		ck_assert_uint_eq(n, strlen(t[i].text));
		ck_assert_mem_eq(buf, t[i].text, n);
	}
}
END_TEST

/* ';' between fields, ',' in number cells only; a ',' in text then needs
 * no quotes but a ';' does. */
START_TEST(csv_decimal_comma)
{
	static const struct out_opts opts = {
		.format = OUT_CSV, .header = 1, .decimal_comma = 1,
	};
	static const char *const cols[] = { "name", "amount" };
	static const struct call calls[] = {
		T("Acme, Inc."), N("1234.56"), E,
		T("a;b"), N("-0.5"), E,
		T("1.5"), N("7"), E,
	};

	EXPECT(&opts, cols, calls,
	    "name;amount\n"
	    "Acme, Inc.;1234,56\n"
	    "\"a;b\";-0,5\n"
	    "1.5;7\n");
}
END_TEST

START_TEST(tsv_decimal_comma)
{
	static const struct out_opts opts = {
		.format = OUT_TSV, .header = 1, .decimal_comma = 1,
	};
	static const char *const cols[] = { "name", "amount" };
	static const struct call calls[] = {
		T("a;b"), N("1234.56"), E,
	};

	EXPECT(&opts, cols, calls, "name\tamount\na;b\t1234,56\n");
}
END_TEST

START_TEST(excel_decimal_comma)
{
	static const struct out_opts opts = {
		.format = OUT_CSV, .header = 1, .excel = 1, .decimal_comma = 1,
	};
	static const char *const cols[] = { "name", "amount" };
	static const struct call calls[] = {
		T("-x;1.5"), N("-12.50"), E,
	};

	EXPECT(&opts, cols, calls,
	    "\xef\xbb\xbf" "name;amount\r\n"
	    "\"=\"\"-x;1.5\"\"\";-12,50\r\n");
}
END_TEST

/* jsonl: no header; excel and decimal_comma do not apply. */
START_TEST(jsonl_escaping)
{
	static const struct out_opts opts = {
		.format = OUT_JSONL, .header = 1,
		.excel = 1, .decimal_comma = 1,
	};
	static const char *const cols[] = { "name", "amount", "note" };
	static const struct call calls[] = {
		T("Zo\xc3\xab \"Z\" \\ x"), N("12.50"), Z, E,
		T("a\nb\r\tc\x01\x1f"), N("-3"), T(""), E,
		T("=SUM(A1)"), Z, T("/\x7f"), E,
	};

	EXPECT(&opts, cols, calls,
	    "{\"name\":\"Zo\xc3\xab \\\"Z\\\" \\\\ x\","
	    "\"amount\":12.50,\"note\":null}\n"
	    "{\"name\":\"a\\nb\\r\\tc\\u0001\\u001f\","
	    "\"amount\":-3,\"note\":\"\"}\n"
	    "{\"name\":\"=SUM(A1)\",\"amount\":null,\"note\":\"/\x7f\"}\n");
}
END_TEST

START_TEST(jsonl_keys_escaped)
{
	static const char *const cols[] = { "say \"x\"", "a\\b" };
	static const struct call calls[] = {
		N("1"), N("2"), E,
	};

	EXPECT(&jsonl, cols, calls,
	    "{\"say \\\"x\\\"\":1,\"a\\\\b\":2}\n");
}
END_TEST

/*
 * table: the name column is 8 wide because "Zoë Café" takes 8 cells
 * (10 bytes); mrr holds only numbers and NULLs, so it and its name are
 * right-aligned, with a thousands separator; NULL is blank; no line ends
 * in blanks.
 */
START_TEST(table_alignment)
{
	static const char *const cols[] = { "name", "mrr", "plan" };
	static const struct call calls[] = {
		T("Zo\xc3\xab Caf\xc3\xa9"), N("1200.00"), T("pro"), E,
		T("Acme"), N("-5.5"), Z, E,
		T("Bob"), Z, T("enterprise"), E,
	};

	EXPECT(&table, cols, calls,
	    "name           mrr  plan\n"
	    "--------  --------  ----------\n"
	    "Zo\xc3\xab Caf\xc3\xa9  1,200.00  pro\n"
	    "Acme          -5.5\n"
	    "Bob                 enterprise\n");
}
END_TEST

/* Without a header the widths come from the cells alone. */
START_TEST(table_header_off)
{
	static const struct out_opts opts = { .format = OUT_TABLE };
	static const char *const cols[] = { "customer_name", "n" };
	static const struct call calls[] = {
		T("Al"), N("5"), E,
		T("Bo"), N("10"), E,
	};

	EXPECT(&opts, cols, calls,
	    "Al   5\n"
	    "Bo  10\n");
}
END_TEST

/* A column with text in it keeps its name on the left. */
START_TEST(table_mixed_column)
{
	static const char *const cols[] = { "v", "w" };
	static const struct call calls[] = {
		N("12345"), T("a"), E,
		T("x"), T("b"), E,
	};

	EXPECT(&table, cols, calls,
	    "v       w\n"
	    "------  -\n"
	    "12,345  a\n"
	    "x       b\n");
}
END_TEST

START_TEST(table_decimal_comma)
{
	static const struct out_opts opts = {
		.format = OUT_TABLE, .header = 1, .decimal_comma = 1,
	};
	static const char *const cols[] = { "item", "amount" };
	static const struct call calls[] = {
		T("v1.2"), N("1200.50"), E,
		T("b"), N("-3.5"), E,
	};

	EXPECT(&opts, cols, calls,
	    "item    amount\n"
	    "----  --------\n"
	    "v1.2  1.200,50\n"
	    "b         -3,5\n");
}
END_TEST

/* Control characters are shown escaped and counted as shown, so a cell
 * cannot break the columns or drive the terminal. */
START_TEST(table_control_characters)
{
	static const char *const cols[] = { "x", "y" };
	static const struct call calls[] = {
		T("a\tb"), T("z"), E,
		T("\x1b[31m"), T("w"), E,
	};

	EXPECT(&table, cols, calls,
	    "x         y\n"
	    "--------  -\n"
	    "a\\tb      z\n"
	    "\\x1b[31m  w\n");
}
END_TEST

/* A row of NULLs is a blank line; a column of NULLs is not numeric. */
START_TEST(table_null_row)
{
	static const char *const cols[] = { "name", "mrr" };
	static const struct call calls[] = { E };

	EXPECT(&table, cols, calls, "name  mrr\n----  ---\n\n");
}
END_TEST

/* Enough rows to make the held cells and their bytes grow many times. */
START_TEST(table_many_rows)
{
	static const char *const cols[] = { "t", "n" };
	static const char head[] = "t                n\n"
	    "----------  ------\n";
	static const char line[] = "abcdefghij  12,345\n";
	enum { NROWS = 20000 };
	struct out *o;
	FILE *fp;
	char *buf = NULL;
	size_t len = 0, i, hl = sizeof(head) - 1, ll = sizeof(line) - 1;

	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_ptr_nonnull(o = out_new(fp, &table, cols, NELEM(cols)));
	put_rows(o, "abcdefghij", "12345", NROWS);
	ck_assert_int_eq(out_finish(o), 0);
	out_free(o);
	fclose(fp);
	ck_assert_uint_eq(len, hl + NROWS * ll);
	check_bytes(buf, hl, head, hl);
	for (i = 0; i < NROWS; i++)
		ck_assert(memcmp(buf + hl + i * ll, line, ll) == 0);
	free(buf);
}
END_TEST

/* A table's widths come from its first 1,000 rows, which are written at
 * the 1,000th row's end; every row after them is written as it ends, to
 * the same widths (a longer cell pushes its line), so that no more than
 * the look-ahead is ever held. */
static void
check_lookahead(const struct out_opts *opts, const char *head)
{
	static const char *const cols[] = { "t", "n" };
	static const char line[] = "ab  1\n", pushed[] = "abcdef  12,345\n";
	struct out *o;
	FILE *fp;
	char *buf = NULL;
	size_t len = 0, i, hl = strlen(head), ll = sizeof(line) - 1;
	size_t pl = sizeof(pushed) - 1;

	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_ptr_nonnull(o = out_new(fp, opts, cols, NELEM(cols)));
	put_rows(o, "ab", "1", 999);
	fflush(fp);
	ck_assert_uint_eq(len, 0);
	put_rows(o, "ab", "1", 1);
	fflush(fp);
	ck_assert_uint_eq(len, hl + 1000 * ll);
	check_bytes(buf, hl, head, hl);
	for (i = 0; i < 1000; i++)
		ck_assert(memcmp(buf + hl + i * ll, line, ll) == 0);
	put_rows(o, "abcdef", "12345", 1);
	fflush(fp);
	ck_assert_uint_eq(len, hl + 1000 * ll + pl);
	check_bytes(buf + hl + 1000 * ll, pl, pushed, pl);
	put_rows(o, "ab", "1", 1);
	fflush(fp);
	ck_assert_uint_eq(len, hl + 1001 * ll + pl);
	ck_assert_int_eq(out_finish(o), 0);
	out_free(o);
	fclose(fp);
	ck_assert_uint_eq(len, hl + 1001 * ll + pl);
	free(buf);
}

START_TEST(table_lookahead)
{
	static const struct out_opts bare = { .format = OUT_TABLE };

	check_lookahead(&table, "t   n\n--  -\n");
	check_lookahead(&bare, "");
}
END_TEST

/* Widths in screen cells: 東京 and ☕ take two each, a combining accent
 * none, é one whether precomposed or not. */
START_TEST(table_screen_cells)
{
	static const char *const cols[] = { "city", "n" };
	static const struct call calls[] = {
		T("\xe6\x9d\xb1\xe4\xba\xac"), N("1"), E,
		T("\xe2\x98\x95"), N("22"), E,
		T("Cafe\xcc\x81"), N("3"), E,
		T("\xc3\xa9"), N("4"), E,
	};

	EXPECT(&table, cols, calls,
	    "city   n\n"
	    "----  --\n"
	    "\xe6\x9d\xb1\xe4\xba\xac   1\n"
	    "\xe2\x98\x95    22\n"
	    "Cafe\xcc\x81   3\n"
	    "\xc3\xa9      4\n");
}
END_TEST

/* Thousands separators in the whole part of a number, in a table only;
 * every other format keeps the plain decimal. */
START_TEST(thousands_in_table_only)
{
	static const char *const cols[] = { "v" };
	static const struct call calls[] = {
		N("999"), E, N("1234"), E, N("-1234567.89"), E,
		N("1000000"), E, N("12345.50%"), E,
	};
	static const struct call one[] = { N("-1234567.89"), E };

	EXPECT(&table, cols, calls,
	    "            v\n"
	    "-------------\n"
	    "          999\n"
	    "        1,234\n"
	    "-1,234,567.89\n"
	    "    1,000,000\n"
	    "   12,345.50%\n");
	EXPECT(&csv, cols, one, "v\n-1234567.89\n");
	EXPECT(&tsv, cols, one, "v\n-1234567.89\n");
	EXPECT(&jsonl, cols, one, "{\"v\":-1234567.89}\n");
}
END_TEST

/* The metrics' shape: a period column and numbers, 51 cells wide as a
 * table, 32 transposed. */
static const char *const wide_cols[] = {
	"period", "mrr", "arr", "customers", "churn_rate",
};
static const struct call wide_calls[] = {
	T("2025-01"), N("1000.00"), N("12000.00"), N("3"), Z, E,
	T("2025-02"), N("1250.50"), N("15006.00"), N("4"), N("-2.5"), E,
};

static void
expect_on_screen(size_t width, const char *want, size_t wantlen)
{
	const struct out_screen sc = { .width = width };
	const struct out_opts opts = {
		.format = OUT_TABLE, .header = 1, .screen = &sc,
	};

	expect(&opts, wide_cols, NELEM(wide_cols), wide_calls,
	    NELEM(wide_calls), want, wantlen);
}

#define EXPECT_ON_SCREEN(width, want) \
	expect_on_screen(width, want, sizeof(want) - 1)

#define WIDE_AS_TABLE \
	"period        mrr        arr  customers  churn_rate\n" \
	"-------  --------  ---------  ---------  ----------\n" \
	"2025-01  1,000.00  12,000.00          3\n" \
	"2025-02  1,250.50  15,006.00          4        -2.5\n"

#define WIDE_AS_VERTICAL \
	"period      2025-01\n" \
	"mrr         1,000.00\n" \
	"arr         12,000.00\n" \
	"customers   3\n" \
	"churn_rate\n" \
	"\n" \
	"period      2025-02\n" \
	"mrr         1,250.50\n" \
	"arr         15,006.00\n" \
	"customers   4\n" \
	"churn_rate  -2.5\n"

/* As it is where it fits the screen or there is no screen; transposed
 * where that fits; else vertical. */
START_TEST(table_fits_screen)
{
	EXPECT_ON_SCREEN(0, WIDE_AS_TABLE);
	EXPECT_ON_SCREEN(51, WIDE_AS_TABLE);
	EXPECT_ON_SCREEN(50,
	    "period        2025-01    2025-02\n"
	    "----------  ---------  ---------\n"
	    "mrr          1,000.00   1,250.50\n"
	    "arr         12,000.00  15,006.00\n"
	    "customers           3          4\n"
	    "churn_rate                  -2.5\n");
	EXPECT_ON_SCREEN(32,
	    "period        2025-01    2025-02\n"
	    "----------  ---------  ---------\n"
	    "mrr          1,000.00   1,250.50\n"
	    "arr         12,000.00  15,006.00\n"
	    "customers           3          4\n"
	    "churn_rate                  -2.5\n");
	EXPECT_ON_SCREEN(31, WIDE_AS_VERTICAL);
}
END_TEST

/* Transposed and still too wide: in panels of the rows that fit, where
 * they take fewer lines than the records would. */
START_TEST(table_transposed_panels)
{
	static const struct out_screen sc = { .width = 50 };
	static const struct out_opts opts = {
		.format = OUT_TABLE, .header = 1, .screen = &sc,
	};
	static const struct call calls[] = {
		T("2025-01"), N("1000.00"), N("12000.00"), N("3"), Z, E,
		T("2025-02"), N("1250.50"), N("15006.00"), N("4"), N("-2.5"), E,
		T("2025-03"), N("1100.00"), N("13200.00"), N("5"), N("1.5"), E,
		T("2025-04"), N("1200.00"), N("14400.00"), N("6"), N("0.5"), E,
	};

	EXPECT(&opts, wide_cols, calls,
	    "period        2025-01    2025-02    2025-03\n"
	    "----------  ---------  ---------  ---------\n"
	    "mrr          1,000.00   1,250.50   1,100.00\n"
	    "arr         12,000.00  15,006.00  13,200.00\n"
	    "customers           3          4          5\n"
	    "churn_rate                  -2.5        1.5\n"
	    "\n"
	    "period        2025-04\n"
	    "----------  ---------\n"
	    "mrr          1,200.00\n"
	    "arr         14,400.00\n"
	    "customers           6\n"
	    "churn_rate        0.5\n");
}
END_TEST

/* Only a table held whole can be transposed: past the look-ahead, one
 * too wide is vertical, each row written as it ends. */
START_TEST(table_long_and_wide_is_vertical)
{
	static const char *const cols[] = { "t", "n" };
	static const char record[] = "t  ab\nn  1\n";
	const struct out_screen sc = { .width = 4 };
	const struct out_opts opts = {
		.format = OUT_TABLE, .header = 1, .screen = &sc,
	};
	size_t rl = sizeof(record) - 1, len = 0;
	char *buf = NULL;
	struct out *o;
	FILE *fp;

	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_ptr_nonnull(o = out_new(fp, &opts, cols, NELEM(cols)));
	put_rows(o, "ab", "1", 1001);
	fflush(fp);
	ck_assert_uint_eq(len, 1001 * rl + 1000);
	check_bytes(buf, rl, record, rl);
	check_bytes(buf + len - rl - 1, rl + 1, "\nt  ab\nn  1\n", rl + 1);
	ck_assert_int_eq(out_close(o), 0);
	fclose(fp);
	free(buf);
}
END_TEST

/* --format vertical whatever the screen, a record at a time. */
START_TEST(vertical_format)
{
	static const struct out_opts opts = { .format = OUT_VERTICAL };
	static const struct call calls[] = { T("x"), N("1"), E };
	struct out *o;
	FILE *fp;
	char *buf = NULL;
	size_t len = 0;

	expect(&opts, wide_cols, NELEM(wide_cols), wide_calls,
	    NELEM(wide_calls), WIDE_AS_VERTICAL, sizeof(WIDE_AS_VERTICAL) - 1);
	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	ck_assert_ptr_nonnull(o = out_new(fp, &opts, wide_cols, 2));
	play(o, calls, NELEM(calls));
	fflush(fp);
	check_bytes(buf, len, "period  x\nmrr     1\n", 20);
	ck_assert_int_eq(out_close(o), 0);
	fclose(fp);
	free(buf);
}
END_TEST

/* On a screen with colour a total row is bold and a negative red; the
 * escapes take no cells. */
START_TEST(table_colour)
{
	static const struct out_screen sc = { .width = 80, .color = 1 };
	static const struct out_opts opts = {
		.format = OUT_TABLE, .header = 1, .screen = &sc,
	};
	static const char *const cols[] = { "group", "balance" };
	static const struct call calls[] = {
		T("A-1"), N("-5.00"), E,
		T("A-2"), N("7.00"), E,
		T("TOTAL"), N("-1234.00"), E,
	};

	EXPECT(&opts, cols, calls,
	    "group    balance\n"
	    "-----  ---------\n"
	    "A-1        \033[31m-5.00\033[0m\n"
	    "A-2         7.00\n"
	    "\033[1mTOTAL\033[0m  \033[1;31m-1,234.00\033[0m\n");
}
END_TEST

/* json: one array; numbers as their decimal text where JSON takes it,
 * else as a string; NULL as null; text escaped as RFC 8259 says. */
START_TEST(json_array)
{
	static const struct out_opts json = { .format = OUT_JSON };
	static const char *const cols[] = { "name", "amount", "note" };
	static const struct call calls[] = {
		T("say \"hi\"\n"), N("12.50"), Z, E,
		T("a\\b\x01"), N("-3"), T(""), E,
		T("\xe6\x9d\xb1"), N("+5"), T("|"), E,
	};
	static const char *const v[] = { "v" };
	static const struct call numbers[] = {
		N("0"), E, N("0.5"), E, N("-0.25"), E, N("007"), E,
		N("12.50%"), E,
	};
	static const struct call none[] = { { 0, NULL } };

	EXPECT(&json, cols, calls,
	    "[{\"name\":\"say \\\"hi\\\"\\n\",\"amount\":12.50,\"note\":null},\n"
	    "{\"name\":\"a\\\\b\\u0001\",\"amount\":-3,\"note\":\"\"},\n"
	    "{\"name\":\"\xe6\x9d\xb1\",\"amount\":\"+5\",\"note\":\"|\"}]\n");
	EXPECT(&json, v, numbers,
	    "[{\"v\":0},\n{\"v\":0.5},\n{\"v\":-0.25},\n{\"v\":\"007\"},\n"
	    "{\"v\":\"12.50%\"}]\n");
	expect(&json, cols, NELEM(cols), none, 0, "[]\n", 3);
}
END_TEST

/* markdown: a pipe table, a header always, numbers aligned right by the
 * separator row's colon, | and \ escaped, NULL an empty cell, no
 * thousands separators. */
START_TEST(markdown_table)
{
	static const struct out_opts md = { .format = OUT_MARKDOWN };
	static const char *const cols[] = { "name", "mrr", "note" };
	static const struct call calls[] = {
		T("a|b"), N("1200.00"), Z, E,
		T("c\\d"), N("-5"), T("x"), E,
	};

	EXPECT(&md, cols, calls,
	    "| name |     mrr | note |\n"
	    "|------|--------:|------|\n"
	    "| a\\|b | 1200.00 |      |\n"
	    "| c\\\\d |      -5 | x    |\n");
}
END_TEST

/* A write error, whether met while writing or at the final flush, is
 * reported by out_finish(). */
static void
check_full(const struct out_opts *opts, int unbuffered)
{
	static const char *const cols[] = { "name", "amount" };
	struct out *o;
	FILE *fp;
	int i;

	fp = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(fp);
	if (unbuffered)
		ck_assert_int_eq(setvbuf(fp, NULL, _IONBF, 0), 0);
	ck_assert_ptr_nonnull(o = out_new(fp, opts, cols, NELEM(cols)));
	for (i = 0; i < 3; i++) {
		out_text(o, "Acme", 4);
		out_number(o, "1.00", 4);
		out_end_row(o);
	}
	ck_assert_int_eq(out_finish(o), -1);
	out_free(o);
	fclose(fp);
}

START_TEST(finish_reports_write_error)
{
	static const struct out_opts opts[] = {
		{ .format = OUT_CSV, .header = 1 },
		{ .format = OUT_TSV },
		{ .format = OUT_JSONL },
		{ .format = OUT_TABLE, .header = 1 },
		{ .format = OUT_JSON },
		{ .format = OUT_VERTICAL },
		{ .format = OUT_MARKDOWN },
	};
	size_t i;

	for (i = 0; i < NELEM(opts); i++) {
		check_full(&opts[i], 1);
		check_full(&opts[i], 0);
	}
}
END_TEST

START_TEST(parse_format)
{
	static const struct {
		const char *name;
		enum out_format fmt;
	} ok[] = {
		{ "csv", OUT_CSV },
		{ "tsv", OUT_TSV },
		{ "jsonl", OUT_JSONL },
		{ "json", OUT_JSON },
		{ "table", OUT_TABLE },
		{ "vertical", OUT_VERTICAL },
		{ "markdown", OUT_MARKDOWN },
	};
	static const char *const bad[] = { "", "CSV", "JSON", "tables", "c",
	    "md" };
	enum out_format fmt;
	size_t i;

	for (i = 0; i < NELEM(ok); i++) {
		fmt = (enum out_format)-1;
		ck_assert_int_eq(out_parse_format(ok[i].name, &fmt), 0);
		ck_assert_int_eq(fmt, ok[i].fmt);
	}
	for (i = 0; i < NELEM(bad); i++)
		ck_assert_int_eq(out_parse_format(bad[i], &fmt), -1);
}
END_TEST

/* Every text written with excel reads back as it was: the csv field
 * unquoted, then out_excel_text(). */
START_TEST(excel_round_trip)
{
	static const struct out_opts opts = { .format = OUT_CSV, .excel = 1 };
	static const char *const cols[] = { "v" };
	static const char *const texts[] = { "000045", "a\"b\"\"c", "=1+1",
	    "'=x", "two\nlines\r\n", "\n", "-5", "CHAR(10)", "=\"x\"&" };
	char big[700], *buf, *field, *text;
	const char *all[NELEM(texts) + 1];
	size_t len, n;
	FILE *fp;
	struct out *o;

	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 3 == 2 ? '"' : i % 7 == 0 ? '\n' : "\xc3\xa9"[i % 2];
	big[sizeof(big) - 1] = '\0';
	memcpy(all, texts, sizeof(texts));
	all[NELEM(texts)] = big;
	for (size_t t = 0; t < NELEM(all); t++) {
		ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
		o = out_new(fp, &opts, cols, 1);
		out_text(o, all[t], strlen(all[t]));
		out_end_row(o);
		ck_assert_int_eq(out_close(o), 0);
		fclose(fp);
		/* past the BOM, up to the CRLF; quoted, so unquote */
		ck_assert_int_eq(buf[3], '"');
		ck_assert_mem_eq(buf + len - 3, "\"\r\n", 3);
		field = malloc(len);
		n = 0;
		for (size_t i = 4; i < len - 3; i++) {
			field[n++] = buf[i];
			i += buf[i] == '"';
		}
		text = malloc(n + 1);
		n = out_excel_text(field, n, text);
		ck_assert_uint_eq(n, strlen(all[t]));
		ck_assert_mem_eq(text, all[t], n);
		free(text);
		free(field);
		free(buf);
	}
}
END_TEST

Suite *
out_suite(void)
{
	Suite *s = suite_create("out");
	TCase *tc;

	tc = tcase_create("csv");
	tcase_add_test(tc, csv_minimal_quoting);
	tcase_add_test(tc, csv_empty_and_null);
	tcase_add_test(tc, null_pointer_is_null);
	tcase_add_test(tc, rows_are_rectangular);
	tcase_add_test(tc, csv_header_off);
	tcase_add_test(tc, tsv_quoting);
	suite_add_tcase(s, tc);

	tc = tcase_create("spreadsheet");
	tcase_add_test(tc, csv_excel);
	tcase_add_test(tc, tsv_excel);
	tcase_add_test(tc, excel_long_text);
	tcase_add_test(tc, excel_text_back);
	tcase_add_test(tc, excel_round_trip);
	tcase_add_test(tc, csv_decimal_comma);
	tcase_add_test(tc, tsv_decimal_comma);
	tcase_add_test(tc, excel_decimal_comma);
	suite_add_tcase(s, tc);

	tc = tcase_create("jsonl");
	tcase_add_test(tc, jsonl_escaping);
	tcase_add_test(tc, jsonl_keys_escaped);
	tcase_add_test(tc, json_array);
	tcase_add_test(tc, markdown_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, table_alignment);
	tcase_add_test(tc, table_header_off);
	tcase_add_test(tc, table_mixed_column);
	tcase_add_test(tc, table_decimal_comma);
	tcase_add_test(tc, table_control_characters);
	tcase_add_test(tc, table_null_row);
	tcase_add_test(tc, table_many_rows);
	tcase_add_test(tc, table_lookahead);
	tcase_add_test(tc, table_screen_cells);
	tcase_add_test(tc, thousands_in_table_only);
	tcase_add_test(tc, table_fits_screen);
	tcase_add_test(tc, table_transposed_panels);
	tcase_add_test(tc, table_long_and_wide_is_vertical);
	tcase_add_test(tc, vertical_format);
	tcase_add_test(tc, table_colour);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, finish_reports_write_error);
	tcase_add_test(tc, parse_format);
	suite_add_tcase(s, tc);
	return s;
}
