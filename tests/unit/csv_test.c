/*
 * csv: each test feeds bytes through fmemopen() and compares the records
 * with text worked out by hand.  A record is written as "LINE:" and its
 * fields, one after the other: [text] for a field, - for a NULL one.
 * Inside the brackets \n \r \t \\ \] stand for themselves and \xHH for
 * other control bytes; a field of 256 bytes or more that repeats one
 * byte is written [B*COUNT].  So "3:[a]-[]" is a record starting on line
 * 3 with the fields "a", NULL and "".
 *
 * An error must make csv_read return -1 after reporting exactly one data
 * error, "PROG: t.csv:LINE: MESSAGE" on stderr (captured here), with the
 * records before it delivered and none after.
 *
 * Then the limits (fields of 1 MiB, 10,000 columns, input running over
 * the reader's blocks), stopping from the callback, the digest, a read
 * error (which ends the program), the
 * header lookup, and the csv-spectrum conformance files, found under
 * $REVOPS_TESTDATA (tests/data by default, as `make check` runs from the
 * top of the tree).
 */
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "cli.h"
#include "csv.h"
#include "sha256.h"
#include "suites.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define M		((size_t)CSV_FIELD_MAX)
#define NAME		"t.csv"
#define STR(x)		#x
#define XSTR(x)		STR(x)
#define HERE		"case at line " XSTR(__LINE__)

/* A growing byte buffer; the tests build their long inputs in one. */
struct buf {
	char *p;
	size_t len, cap;
};

static void
put_n(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
put(struct buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

static void
put_rep(struct buf *b, char c, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memset(b->p + b->len, c, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
put_fmt(struct buf *b, const char *fmt, unsigned long n)
{
	char s[64];

	snprintf(s, sizeof(s), fmt, n);
	put(b, s);
}

/* What the callback sees, written as the comment at the top says. */
struct collect {
	struct buf out;
	unsigned long nrec;
	unsigned long stop_at;	/* return stop_rc at this record (from 1) */
	int stop_rc;
	int bad;		/* a field broke the csv_field contract */
};

static void
render_byte(struct buf *b, unsigned char c)
{
	char s[8];

	switch (c) {
	case '\n':
		put(b, "\\n");
		break;
	case '\r':
		put(b, "\\r");
		break;
	case '\t':
		put(b, "\\t");
		break;
	case '\\':
	case ']':
		snprintf(s, sizeof(s), "\\%c", c);
		put(b, s);
		break;
	default:
		if (c < 0x20 || c == 0x7f) {
			snprintf(s, sizeof(s), "\\x%02x", c);
			put(b, s);
		} else
			put_n(b, &c, 1);
	}
}

static void
render_field(struct buf *b, const struct csv_field *f)
{
	size_t i;

	if (f->s == NULL) {
		put(b, "-");
		return;
	}
	put(b, "[");
	for (i = 1; i < f->len && f->s[i] == f->s[0]; i++)
		;
	if (f->len >= 256 && i == f->len) {
		render_byte(b, (unsigned char)f->s[0]);
		put_fmt(b, "*%lu", (unsigned long)f->len);
	} else
		for (i = 0; i < f->len; i++)
			render_byte(b, (unsigned char)f->s[i]);
	put(b, "]");
}

static int
collect_record(void *arg, const struct csv_record *rec)
{
	struct collect *c = arg;
	size_t i;

	c->nrec++;
	put_fmt(&c->out, "%lu:", rec->line);
	for (i = 0; i < rec->nfield; i++) {
		const struct csv_field *f = &rec->field[i];

		/* NUL-terminated at len, no NUL before; NULL has no length. */
		if (f->s != NULL ? f->s[f->len] != '\0' ||
		    strlen(f->s) != f->len : f->len != 0)
			c->bad = 1;
		render_field(&c->out, f);
	}
	put(&c->out, "\n");
	return c->nrec == c->stop_at ? c->stop_rc : 0;
}

/* Sends stderr to a temporary file until stderr_end(), which returns
 * what was written there (the caller frees it). */
static FILE *
stderr_begin(int *saved)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	*saved = dup(STDERR_FILENO);
	ck_assert_int_ge(*saved, 0);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	return f;
}

static char *
stderr_end(FILE *f, int saved)
{
	char *s;
	long n;

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	s[fread(s, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return s;
}

struct result {
	int rc;
	char *got;		/* the records, rendered */
	char *err;		/* what was written to stderr */
	unsigned long nerr;	/* the data errors reported */
	int bad;
};

static void
free_result(struct result *r)
{
	free(r->got);
	free(r->err);
}

/* Reads len bytes of in; the callback returns stop_rc at record stop_at
 * (0: never).  A private copy of exactly len bytes is read, so that the
 * sanitizers catch a read past the end. */
static void
read_input(const char *in, size_t len, char delim, unsigned long stop_at,
    int stop_rc, struct result *r)
{
	struct collect c;
	FILE *fp, *err;
	char *copy;
	unsigned long before;
	int saved;

	memset(&c, 0, sizeof(c));
	put(&c.out, "");
	c.stop_at = stop_at;
	c.stop_rc = stop_rc;
	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, in, len);
	fp = fmemopen(copy, len, "r");
	ck_assert_ptr_nonnull(fp);
	cli_set_max_errors(1000);
	before = cli_data_errors();
	err = stderr_begin(&saved);
	r->rc = csv_read(fp, NAME, cli_data_error, delim, NULL, collect_record,
	    &c);
	r->err = stderr_end(err, saved);
	r->nerr = cli_data_errors() - before;
	r->got = c.out.p;
	r->bad = c.bad;
	fclose(fp);
	free(copy);
}

static void
expect_ok(const char *at, const char *in, size_t len, char delim,
    const char *want)
{
	struct result r;

	read_input(in, len, delim, 0, 0, &r);
	ck_assert_msg(r.rc == 0 && r.nerr == 0 && r.err[0] == '\0',
	    "%s: returned %d, %lu errors: %s", at, r.rc, r.nerr,
	    r.err);
	ck_assert_msg(strcmp(r.got, want) == 0,
	    "%s: got\n%swant\n%s", at, r.got, want);
	ck_assert_msg(!r.bad, "%s: a field is not NUL-terminated "
	    "at its length", at);
	free_result(&r);
}

/* One line on stderr: "PROG: t.csv:LINE: " and a message containing
 * what. */
static void
check_message(const char *at, const char *err, unsigned long line,
    const char *what)
{
	char prefix[256];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "%s: %s:%lu: ",
	    cli_progname(), NAME, line);
	ck_assert_msg(strncmp(err, prefix, n) == 0 &&
	    strstr(err + n, what) != NULL &&
	    strchr(err, '\n') == err + strlen(err) - 1,
	    "%s: stderr is '%s', want '%s...%s...'", at, err,
	    prefix, what);
}

static void
expect_error(const char *at, const char *in, size_t len, char delim,
    const char *want, unsigned long line, const char *what)
{
	struct result r;

	read_input(in, len, delim, 0, 0, &r);
	ck_assert_msg(r.rc == -1, "%s: returned %d", at, r.rc);
	ck_assert_msg(r.nerr == 1, "%s: %lu errors", at, r.nerr);
	check_message(at, r.err, line, what);
	ck_assert_msg(strcmp(r.got, want) == 0,
	    "%s: got\n%swant\n%s", at, r.got, want);
	free_result(&r);
}

/* in is a string literal, which may hold NUL bytes. */
#define OK(in, want)	expect_ok(HERE, in, sizeof(in) - 1, ',', want)
#define OK_D(delim, in, want) \
	expect_ok(HERE, in, sizeof(in) - 1, delim, want)
#define BAD(in, want, line, what) \
	expect_error(HERE, in, sizeof(in) - 1, ',', want, line, what)
#define OK_BUF(b, want)	expect_ok(HERE, (b)->p, (b)->len, ',', want)
#define BAD_BUF(b, want, line, what) \
	expect_error(HERE, (b)->p, (b)->len, ',', want, line, what)

START_TEST(simple)
{
	OK("a,b,c\n1,2,3\n", "1:[a][b][c]\n2:[1][2][3]\n");
	/* No line end after the last record. */
	OK("a,b\n1,2", "1:[a][b]\n2:[1][2]\n");
	OK("x\ny\n", "1:[x]\n2:[y]\n");
	/* Nothing, or nothing but line ends: no record. */
	OK("", "");
	OK("\n", "");
	OK("\n\r\n\n", "");
	/* Rows of different lengths are the caller's business. */
	OK("a,b,c\n1\n1,2,3,4\n", "1:[a][b][c]\n2:[1]\n3:[1][2][3][4]\n");
	/* Bytes that are not special stay as they are. */
	OK("a'b,c\\d,#e\x7f\n", "1:[a'b][c\\\\d][#e\\x7f]\n");
}
END_TEST

START_TEST(null_and_empty)
{
	OK("a,,\"\"\n", "1:[a]-[]\n");
	OK(",\n", "1:--\n");
	OK(",a,\n", "1:-[a]-\n");
	OK("\"\"\n", "1:[]\n");
	OK("\"\",\"\"\n", "1:[][]\n");
	OK("a,\r\n\"\",b\r\n", "1:[a]-\n2:[][b]\n");
	/* The same at the end of the file, without a line end. */
	OK("a,", "1:[a]-\n");
	OK("a,\"\"", "1:[a][]\n");
	OK("\"\"", "1:[]\n");
}
END_TEST

START_TEST(quoted)
{
	OK("\"a,b\",\"say \"\"hi\"\"\",c\n", "1:[a,b][say \"hi\"][c]\n");
	OK("\"x\ny\",z\n", "1:[x\\ny][z]\n");
	/* Blanks, delimiters, CR, LF and doubled quotes inside quotes. */
	OK("\" \t,\r\n\"\"\"\n", "1:[ \\t,\\r\\n\"]\n");
	OK("\"\"\"\"\n", "1:[\"]\n");
	OK("\"\"\"\"\"\",\"a\"\"\"\n", "1:[\"\"][a\"]\n");
	/* A quoted field in the middle and last. */
	OK("a,\"b\",c\n1,2,\"3\"\n", "1:[a][b][c]\n2:[1][2][3]\n");
	/* A field of a line end alone. */
	OK("\"\n\",x\ny\n", "1:[\\n][x]\n3:[y]\n");
}
END_TEST

START_TEST(crlf)
{
	OK("a,b\r\n1,2\r\n", "1:[a][b]\n2:[1][2]\n");
	OK("a,b\r\n1,2", "1:[a][b]\n2:[1][2]\n");
	/* A blank CRLF line is skipped but counted. */
	OK("a,b\r\n\r\n1,2\r\n", "1:[a][b]\n3:[1][2]\n");
	/* CRLF inside quotes is data, and a line. */
	OK("\"x\r\ny\",z\r\nq\r\n", "1:[x\\r\\ny][z]\n3:[q]\n");
	/* LF and CRLF mixed. */
	OK("a\nb\r\nc\n", "1:[a]\n2:[b]\n3:[c]\n");
	/* A quoted field before CRLF. */
	OK("\"a\"\r\n\"b\"\r\n", "1:[a]\n2:[b]\n");
}
END_TEST

/* A CR alone ends a line too, as in the files of old Macs and Excel's
 * "CSV (Macintosh)": the lines are counted, for the messages. */
START_TEST(cr_alone)
{
	OK("a,b\r1,2\r3,4\r", "1:[a][b]\n2:[1][2]\n3:[3][4]\n");
	OK("a,b\r1,2", "1:[a][b]\n2:[1][2]\n");
	/* a blank line, skipped but counted */
	OK("a\r\rb\r", "1:[a]\n3:[b]\n");
	/* inside quotes, data and a line */
	OK("\"x\ry\",z\rq\r", "1:[x\\ry][z]\n3:[q]\n");
	/* CR, CRLF and LF mixed */
	OK("a\r\nb\rc\nd\r", "1:[a]\n2:[b]\n3:[c]\n4:[d]\n");
	BAD("a,b\r1,\"never\rclosed\r", "1:[a][b]\n", 2, "unterminated");
}
END_TEST

/* A CRLF whose CR is the last byte of a block of the default size (256
 * KiB) and whose LF the first of the next: one line end, not two. */
START_TEST(crlf_across_blocks)
{
	struct buf in = { 0 }, want = { 0 };
	size_t pad = 256 * 1024 - 3 - 1;

	put(&in, "h\r\n");
	put_rep(&in, 'x', pad);
	put(&in, "\r\ny\r\n");
	put(&want, "1:[h]\n");
	put_fmt(&want, "2:[x*%lu]\n", (unsigned long)pad);
	put(&want, "3:[y]\n");
	expect_ok(HERE, in.p, in.len, ',', want.p);
	free(in.p);
	free(want.p);
}
END_TEST

START_TEST(blank_lines)
{
	/* Lines 1, 2, 4, 5 and 7 are blank. */
	OK("\n\na,b\n\n\n1,2\n\n3,4\n", "3:[a][b]\n6:[1][2]\n8:[3][4]\n");
	OK("\r\n\r\na,b\r\n\r\n1,2\r\n", "3:[a][b]\n5:[1][2]\n");
	OK("a\n\n\n", "1:[a]\n");
	/* A line of blanks is not blank: it is one field of blanks. */
	OK("a\n \nb\n", "1:[a]\n2:[ ]\n3:[b]\n");
}
END_TEST

START_TEST(multiline)
{
	/* Lines: 1 h1,h2; 2-5 the quoted field, with a blank line 4 inside
	 * it; 6 next,y. */
	OK("h1,h2\n\"line one\nline two\n\nline four\",x\nnext,y\n",
	    "1:[h1][h2]\n2:[line one\\nline two\\n\\nline four][x]\n"
	    "6:[next][y]\n");
	/* The same with CRLF, and a blank line after the field. */
	OK("\"a\r\nb\"\r\n\r\n\"c\r\n\r\nd\"\r\ne\r\n",
	    "1:[a\\r\\nb]\n4:[c\\r\\n\\r\\nd]\n7:[e]\n");
	/* Several multi-line fields in one record, then one more. */
	OK("\"a\nb\",\"c\nd\",\"e\nf\"\ng\n",
	    "1:[a\\nb][c\\nd][e\\nf]\n5:[g]\n");
	/* A multi-line field that is the last thing in the file. */
	OK("a\n\"b\nc\"", "1:[a]\n2:[b\\nc]\n");
}
END_TEST

START_TEST(blanks_kept)
{
	OK(" a , b \n", "1:[ a ][ b ]\n");
	OK("\ta\t,\t\n", "1:[\\ta\\t][\\t]\n");
	OK(" a \r\n", "1:[ a ]\n");
	OK_D('\t', " a \t b\t\n", "1:[ a ][ b]-\n");
	OK_D('\t', "  x  \t\t \n", "1:[  x  ]-[ ]\n");
	OK_D('\t', "\tz\t\n", "1:-[z]-\n");
	/* A line of a TAB alone is two NULL fields, not a blank line. */
	OK_D('\t', "x\n\t\ny\n", "1:[x]\n2:--\n3:[y]\n");
	/* Commas are data in TSV; quotes still quote. */
	OK_D('\t', "a,b\t\"c\td\"\t\"\"\n", "1:[a,b][c\\td][]\n");
}
END_TEST

START_TEST(delimiter_semicolon)
{
	OK_D(';', "a;b,c;\"d;e\"\n1,5;;\"\"\n",
	    "1:[a][b,c][d;e]\n2:[1,5]-[]\n");
	OK_D(';', " ; \n", "1:[ ][ ]\n");
}
END_TEST

START_TEST(bom)
{
	OK("\xef\xbb\xbf" "a,b\n1,2\n", "1:[a][b]\n2:[1][2]\n");
	OK("\xef\xbb\xbf" "\"a\"\n", "1:[a]\n");
	OK("\xef\xbb\xbf" "\r\nx\r\n", "2:[x]\n");
	OK("\xef\xbb\xbf", "");
	OK("\xef\xbb\xbf" ",\n", "1:--\n");
}
END_TEST

START_TEST(utf8_valid)
{
	OK("café,日本,😀\n", "1:[café][日本][😀]\n");
	/* The first and last code points of each length, and around the
	 * surrogates: U+0080 U+07FF U+0800 U+D7FF U+E000 U+FFFD U+FFFF
	 * U+10000 U+10FFFF. */
	OK("\xc2\x80,\xdf\xbf,\xe0\xa0\x80,\xed\x9f\xbf,\xee\x80\x80,"
	    "\xef\xbf\xbd,\xef\xbf\xbf,\xf0\x90\x80\x80,\xf4\x8f\xbf\xbf\n",
	    "1:[\xc2\x80][\xdf\xbf][\xe0\xa0\x80][\xed\x9f\xbf]"
	    "[\xee\x80\x80][\xef\xbf\xbd][\xef\xbf\xbf][\xf0\x90\x80\x80]"
	    "[\xf4\x8f\xbf\xbf]\n");
	/* Characters that look like a blank or a line end are data. */
	OK("\"\xe2\x80\x8b\n\xe2\x80\xa8\"\n",
	    "1:[\xe2\x80\x8b\\n\xe2\x80\xa8]\n");
}
END_TEST

START_TEST(unterminated_quote)
{
	BAD("a,b\n1,\"never\nclosed\n", "1:[a][b]\n", 2, "unterminated");
	BAD("\"abc", "", 1, "unterminated");
	/* A doubled quote does not close the field. */
	BAD("x\n\n\"a\"\"", "1:[x]\n", 3, "unterminated");
	BAD("a\r\n\"b\r\n", "1:[a]\n", 2, "unterminated");
	BAD("\"", "", 1, "unterminated");
	BAD("a,\"", "", 1, "unterminated");
}
END_TEST

START_TEST(bad_quoting)
{
	BAD("a\"b\n", "", 1, "quot");
	BAD("h\n\"a\"b\n", "1:[h]\n", 2, "quot");
	/* A blank after the closing quote is text after it. */
	BAD("h\n\n\"a\" ,b\n", "1:[h]\n", 3, "quot");
	/* A quote after a blank: the field was not quoted. */
	BAD(" \"a\"\n", "", 1, "quot");
	/* In a field over several lines: the line of the stray byte. */
	BAD("\"a\nb\"c\n", "", 2, "quot");
}
END_TEST

START_TEST(nul_byte)
{
	BAD("a,b\n1,2\0\n", "1:[a][b]\n", 2, "NUL");
	BAD("\0", "", 1, "NUL");
	BAD("\xef\xbb\xbf\0", "", 1, "NUL");
	/* Inside a quoted field: the line of the NUL. */
	BAD("a\n\"x\ny\0\"\n", "1:[a]\n", 3, "NUL");
	/* Nothing after the error is read. */
	BAD("a\n\0\nb\n", "1:[a]\n", 2, "NUL");
}
END_TEST

START_TEST(invalid_utf8)
{
	/*
	 * The byte named is the first of the bad character: the lead byte
	 * of a sequence that is overlong, a surrogate, past U+10FFFF or cut
	 * short, or the stray byte itself.
	 */
	/* Overlong forms. */
	BAD("h\n\xc0\xaf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xC0)");
	BAD("h\n\xc1\xbf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xC1)");
	BAD("h\n\xe0\x80\xaf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xE0)");
	BAD("h\n\xe0\x9f\xbf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xE0)");
	BAD("h\n\xf0\x80\x80\xaf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xF0)");
	BAD("h\n\xf0\x8f\xbf\xbf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xF0)");
	/* UTF-16 surrogates, U+D800 and U+DFFF. */
	BAD("h\n\xed\xa0\x80\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xED)");
	BAD("h\n\xed\xbf\xbf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xED)");
	/* Past U+10FFFF. */
	BAD("h\n\xf4\x90\x80\x80\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xF4)");
	BAD("h\n\xf5\x80\x80\x80\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xF5)");
	BAD("h\n\xf7\xbf\xbf\xbf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xF7)");
	BAD("h\n\xf8\x88\x80\x80\x80\n", "1:[h]\n", 2,
	    "invalid UTF-8 (byte 0xF8)");
	BAD("h\n\xfe\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xFE)");
	BAD("h\n\xff\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xFF)");
	/* A continuation byte with no lead byte. */
	BAD("h\n\x80\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0x80)");
	BAD("h\nab\xbf\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xBF)");
	BAD("h\n\xc3\xa9\xa9\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xA9)");
	/* A character cut short by ASCII, a lead byte or the line end. */
	BAD("h\n\xc3(\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xC3)");
	BAD("h\n\xe2\x82(\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xE2)");
	BAD("h\n\xf0\x9f\x98,\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xF0)");
	BAD("h\n\xc3\xc3\xa9\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xC3)");
	BAD("h\n\xe2\x82\n", "1:[h]\n", 2, "invalid UTF-8 (byte 0xE2)");
	/* Cut short by the end of the file. */
	BAD("h\n\xc3", "1:[h]\n", 2, "ends inside a character");
	BAD("h\n\xe2\x82", "1:[h]\n", 2, "ends inside a character");
	BAD("h\nab\xf0\x9f\x98", "1:[h]\n", 2, "ends inside a character");
	BAD("h\n\"a\xf0\x9f", "1:[h]\n", 2, "ends inside a character");
	/* Inside a quoted field: the line of the bad byte. */
	BAD("h\n\"a\n\nb\xff\"\n", "1:[h]\n", 4, "invalid UTF-8 (byte 0xFF)");
	/* Latin-1, the usual case. */
	BAD("name\ncaf\xe9\n", "1:[name]\n", 2, "invalid UTF-8 (byte 0xE9)");
}
END_TEST

START_TEST(bom_inside)
{
	BAD("a,b\n\xef\xbb\xbf" "1,2\n", "1:[a][b]\n", 2, "byte order mark");
	/* Two at the start: the second is inside. */
	BAD("\xef\xbb\xbf\xef\xbb\xbf" "a\n", "", 1, "byte order mark");
	BAD("a\nx\xef\xbb\xbfy\n", "1:[a]\n", 2, "byte order mark");
	BAD("\"a\n\xef\xbb\xbf\"\n", "", 2, "byte order mark");
	/* Joined files: the second header. */
	BAD("a\n1\n\xef\xbb\xbf" "a\n2\n", "1:[a]\n2:[1]\n", 3,
	    "byte order mark");
}
END_TEST

/*
 * An error names the column by the header's name for it (past the header,
 * or in the header itself, the field's number) and shows the field as the
 * file has it: quoted, its quotes doubled, bytes that are not printable
 * text as \xHH, at most 60 bytes.
 */
START_TEST(error_names_field)
{
	BAD("id,name\n1,Glo\"bex,x\n", "1:[id][name]\n", 2,
	    "column 'name': 'Glo\"bex' has a quote inside an unquoted field");
	BAD("id,name\n1,\"a\"\"b\" c\n", "1:[id][name]\n", 2,
	    "column 'name': '\"a\"\"b\" c' has text after its closing quote");
	BAD("a\n1,x\"y\n", "1:[a]\n", 2, "field 2: 'x\"y' has a quote");
	BAD("a,b\0\n", "", 1, "field 2: 'b\\x00' contains a NUL byte");
	BAD("a,b\n1,caf\xe9,x\n", "1:[a][b]\n", 2,
	    "column 'b': 'caf\\xE9' is invalid UTF-8 (byte 0xE9)");
	BAD("a\n\xe2\x82\xac\xc3(\n", "1:[a]\n", 2,
	    "column 'a': '\xe2\x82\xac\\xC3(' is invalid UTF-8");
	BAD("a\nx\xe2\x82", "1:[a]\n", 2,
	    "column 'a': 'x\\xE2\\x82' is invalid UTF-8 (the file ends");
	BAD("a\n1\n\xef\xbb\xbf" "a\n", "1:[a]\n2:[1]\n", 3,
	    "column 'a': '\\xEF\\xBB\\xBFa' has a byte order mark");
	/* In a quoted field over several lines: the field so far. */
	BAD("h\n\"a\n\nb\xff\"\n", "1:[h]\n", 4,
	    "column 'h': '\"a\\x0A\\x0Ab\\xFF\"' is invalid UTF-8");
	/* Unterminated: the field's first line, and the line it starts on. */
	BAD("a,b\n1,\"never\nclosed\n", "1:[a][b]\n", 2,
	    "column 'b': '\"never...' is an unterminated quoted field");
	BAD("a,b\n1,\"never closed\n", "1:[a][b]\n", 2,
	    "column 'b': '\"never closed' is an unterminated quoted field");
	/* 60 bytes at most. */
	BAD("a\n0123456789012345678901234567890123456789012345678901234567890"
	    "123456789\"\n", "1:[a]\n", 2, "column 'a': '012345678901234567890"
	    "123456789012345678901234567890123456789...' has a quote");
}
END_TEST

/* A row of another length than the header: the columns and the fields. */
START_TEST(ragged)
{
	const struct csv_field hf[] = { { "id", 2 }, { "name", 4 },
	    { "kind", 4 } };
	const struct csv_field f[] = { { "1", 1 }, { "x", 1 }, { "y", 1 },
	    { "z", 1 }, { NULL, 0 } };
	const struct csv_field g[] = { { "1", 1 }, { NULL, 0 }, { NULL, 0 },
	    { "", 0 }, { NULL, 0 } };
	struct csv_record h = { hf, 3, 1, NULL };
	struct csv_record r = { f, 1, 2, &h };
	char buf[CSV_RAGGED_MAX];

	ck_assert_str_eq(csv_ragged(&r, buf), "1 field, but the header has 3: "
	    "the fields of columns 'name' to 'kind' are missing");
	r.nfield = 2;
	ck_assert_str_eq(csv_ragged(&r, buf), "2 fields, but the header has 3: "
	    "the field of column 'kind' is missing");
	r.nfield = 4;
	ck_assert_str_eq(csv_ragged(&r, buf), "4 fields, but the header has 3: "
	    "'z' is past the last column, 'kind' (a value with a delimiter in "
	    "it that is not quoted?)");
	h.nfield = 2;
	ck_assert_str_eq(csv_ragged(&r, buf), "4 fields, but the header has 2: "
	    "'y' and more are past the last column, 'name' (a value with a "
	    "delimiter in it that is not quoted?)");
	/* Only empty fields past the header: delimiters at the end. */
	h.nfield = 3;
	r.field = g;
	ck_assert_str_eq(csv_ragged(&r, buf), "4 fields, but the header has 3: "
	    "an empty field is past the last column, 'kind' (a delimiter at the "
	    "end of the line?)");
	r.nfield = 5;
	ck_assert_str_eq(csv_ragged(&r, buf), "5 fields, but the header has 3: "
	    "empty fields are past the last column, 'kind' (delimiters at the "
	    "end of the line?)");
}
END_TEST

/* before, then a field of n bytes c (in quotes when quoted), then after. */
static void
field_input(struct buf *b, const char *before, char c, size_t n, int quoted,
    const char *after)
{
	b->len = 0;
	put(b, before);
	if (quoted)
		put(b, "\"");
	if (c == '"' && quoted) {
		/* Each quote doubled. */
		put_rep(b, '"', 2 * n);
	} else
		put_rep(b, c, n);
	if (quoted)
		put(b, "\"");
	put(b, after);
}

START_TEST(field_limit)
{
	static const char *const long_field = "longer than 1 MiB";
	struct buf b = { 0 };
	int q;

	ck_assert_uint_eq(M, 1048576);
	for (q = 0; q <= 1; q++) {
		/* Exactly 1 MiB, quoted or not, followed by more. */
		field_input(&b, "h\n", 'x', M, q, "\nnext\n");
		OK_BUF(&b, "1:[h]\n2:[x*1048576]\n3:[next]\n");
		field_input(&b, "h\r\na,", 'x', M, q, ",b\r\n");
		OK_BUF(&b, "1:[h]\n2:[a][x*1048576][b]\n");
		/* Exactly 1 MiB at the end of the file. */
		field_input(&b, "h\n", 'x', M, q, "");
		OK_BUF(&b, "1:[h]\n2:[x*1048576]\n");
		field_input(&b, "h\n", 'x', M, q, "\n");
		OK_BUF(&b, "1:[h]\n2:[x*1048576]\n");

		/* One byte more, wherever it is. */
		field_input(&b, "h\n", 'x', M + 1, q, "\nnext\n");
		BAD_BUF(&b, "1:[h]\n", 2, long_field);
		field_input(&b, "h\r\na,", 'x', M + 1, q, ",b\r\n");
		BAD_BUF(&b, "1:[h]\n", 2, long_field);
		field_input(&b, "h\n", 'x', M + 1, q, "");
		BAD_BUF(&b, "1:[h]\n", 2, long_field);
		field_input(&b, "h\n", 'x', M + 1, q, "\n");
		BAD_BUF(&b, "1:[h]\n", 2, long_field);
		field_input(&b, "h\n", 'x', M + 2, q, "");
		BAD_BUF(&b, "1:[h]\n", 2, long_field);
		/* Far more: the read stops at the limit. */
		field_input(&b, "h\n", 'x', 3 * M, q, "\n");
		BAD_BUF(&b, "1:[h]\n", 2, long_field);
	}

	/* Quotes count once however they are written. */
	field_input(&b, "", '"', M, 1, "\n");
	OK_BUF(&b, "1:[\"*1048576]\n");
	field_input(&b, "", '"', M + 1, 1, "\n");
	BAD_BUF(&b, "", 1, long_field);

	/* A field that never ends is too long before it is unterminated. */
	field_input(&b, "h\n", 'x', 3 * M, 0, "");
	b.p[2] = '"';
	BAD_BUF(&b, "1:[h]\n", 2, long_field);

	/* The limit is per field: three fields of 1 MiB in one record. */
	b.len = 0;
	put(&b, "\"");
	put_rep(&b, 'a', M);
	put(&b, "\",");
	put_rep(&b, 'b', M);
	put(&b, ",\"");
	put_rep(&b, 'c', M);
	put(&b, "\"\nz\n");
	OK_BUF(&b, "1:[a*1048576][b*1048576][c*1048576]\n2:[z]\n");

	/* The message shows the field's first bytes. */
	field_input(&b, "h\n", 'x', 3 * M, 1, "\n");
	BAD_BUF(&b, "1:[h]\n", 2, "column 'h': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is longer than 1 MiB");
	field_input(&b, "h\n", 'x', M + 1, 0, "\n");
	BAD_BUF(&b, "1:[h]\n", 2, "column 'h': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is longer than 1 MiB");

	/* A field over several lines is reported at its first. */
	b.len = 0;
	put(&b, "h\n\"");
	put_rep(&b, 'x', M / 2);
	put(&b, "\n");
	put_rep(&b, 'x', M / 2);
	put(&b, "\"\n");
	BAD_BUF(&b, "1:[h]\n", 2, long_field);
	free(b.p);
}
END_TEST

START_TEST(many_columns)
{
	struct buf in = { 0 }, want = { 0 };
	unsigned long i;

	/* A header c0,...,c9999, a row of 10,000 NULL fields and a row of
	 * 10,000 empty strings. */
	for (i = 0; i < 10000; i++)
		put_fmt(&in, i == 0 ? "c%lu" : ",c%lu", i);
	put(&in, "\n");
	put_rep(&in, ',', 9999);
	put(&in, "\n");
	for (i = 0; i < 10000; i++)
		put(&in, i == 0 ? "\"\"" : ",\"\"");
	put(&in, "\n");

	put(&want, "1:");
	for (i = 0; i < 10000; i++)
		put_fmt(&want, "[c%lu]", i);
	put(&want, "\n2:");
	put_rep(&want, '-', 10000);
	put(&want, "\n3:");
	for (i = 0; i < 10000; i++)
		put(&want, "[]");
	put(&want, "\n");
	OK_BUF(&in, want.p);
	free(in.p);
	free(want.p);
}
END_TEST

/*
 * Input longer than the reader's blocks.  Each case is one record placed
 * so that its byte `at` falls on every power of two from 4 KiB to 1 MiB,
 * hence on the boundary of any block of a power-of-two size up to 1 MiB,
 * with lines of x between.
 */
struct across {
	const char *s;		/* one record, or a blank line */
	size_t at;
	const char *want;	/* its fields, or "" for a blank line */
};

static const struct across across_cases[] = {
	{ "ab\xc3\xa9\n", 3, "[ab\xc3\xa9]" },
	{ "\xe2\x82\xac\n", 1, "[\xe2\x82\xac]" },
	{ "\xe2\x82\xac\n", 2, "[\xe2\x82\xac]" },
	{ "\xf0\x9f\x98\x80\n", 1, "[\xf0\x9f\x98\x80]" },
	{ "\xf0\x9f\x98\x80\n", 2, "[\xf0\x9f\x98\x80]" },
	{ "\xf0\x9f\x98\x80\n", 3, "[\xf0\x9f\x98\x80]" },
	{ "a,b\r\n", 3, "[a][b]" },
	{ "a,b\r\n", 4, "[a][b]" },
	{ "a,b\r\n", 5, "[a][b]" },
	{ "a,b\r\n", 0, "[a][b]" },
	{ "\"a\"\"b\",c\n", 3, "[a\"b][c]" },
	{ "\"a\",c\n", 3, "[a][c]" },
	{ "\"a\",c\n", 2, "[a][c]" },
	{ "x,\"\"\n", 3, "[x][]" },
	{ "x,\n", 2, "[x]-" },
	{ "\"a\nb\",c\n", 2, "[a\\nb][c]" },
	{ "\"a\nb\",c\n", 3, "[a\\nb][c]" },
	{ "\"a\r\n\r\nb\",c\n", 4, "[a\\r\\n\\r\\nb][c]" },
	{ "\n", 0, "" },
	{ "\r\n", 1, "" },
};

static void
across_line(struct buf *in, struct buf *want, unsigned long *line,
    size_t n)
{
	/* n bytes of a line of x with its line end. */
	put_rep(in, 'x', n - 1);
	put(in, "\n");
	put_fmt(want, "%lu:", (*line)++);
	if (n - 1 >= 256)
		put_fmt(want, "[x*%lu]\n", (unsigned long)(n - 1));
	else {
		put(want, "[");
		put_rep(want, 'x', n - 1);
		put(want, "]\n");
	}
}

START_TEST(blocks)
{
	struct buf in = { 0 }, want = { 0 };
	unsigned long line;
	size_t i, at, off;
	const char *p;
	char where[64];

	for (i = 0; i < NELEM(across_cases); i++) {
		in.len = want.len = 0;
		put(&want, "");
		line = 1;
		for (at = 4096; at <= M; at *= 2) {
			off = at - across_cases[i].at;
			ck_assert_uint_ge(off - in.len, 2);
			across_line(&in, &want, &line, off - in.len);
			put(&in, across_cases[i].s);
			if (across_cases[i].want[0] != '\0') {
				put_fmt(&want, "%lu:", line);
				put(&want, across_cases[i].want);
				put(&want, "\n");
			}
			for (p = across_cases[i].s; *p != '\0'; p++)
				line += *p == '\n';
		}
		across_line(&in, &want, &line, 3);
		snprintf(where, sizeof(where), "across_cases[%zu]", i);
		expect_ok(where, in.p, in.len, ',', want.p);
	}

	/* Errors at a boundary still name their line: 255 lines of 4 KiB,
	 * then line 256 ends just before 1 MiB where line 257 turns bad,
	 * after its first bytes (pre) or at its start. */
	for (i = 0; i < 6; i++) {
		static const char *const bad[] = {
			"\0\n", "\xbb\xbf\n", "\xbf\n", "(\n", "\x80\n", ""
		};
		static const char *const pre[] = {
			"", "\xef", "\xef\xbb", "\xc3", "a", "\xe2\x82"
		};
		static const char *const what[] = {
			"NUL", "byte order mark", "byte order mark",
			"invalid UTF-8 (byte 0xC3)",
			"invalid UTF-8 (byte 0x80)",
			"ends inside a character"
		};

		in.len = want.len = 0;
		put(&want, "");
		line = 1;
		while (in.len < M - 4096)
			across_line(&in, &want, &line, 4096);
		across_line(&in, &want, &line, 4096 - strlen(pre[i]));
		put(&in, pre[i]);
		put_n(&in, bad[i], i == 0 ? 2 : strlen(bad[i]));
		ck_assert_uint_eq(line, 257);
		ck_assert_uint_eq(in.len - (i == 0 ? 2 : strlen(bad[i])), M);
		snprintf(where, sizeof(where), "boundary error %zu", i);
		expect_error(where, in.p, in.len, ',', want.p, 257, what[i]);
	}

	/* Many short records: their lines. */
	in.len = want.len = 0;
	put(&want, "");
	for (line = 1; line <= 200000; line++) {
		put_fmt(&in, "%lu,\"a\"\r\n", line);
		put_fmt(&want, "%lu:", line);
		put_fmt(&want, "[%lu][a]\n", line);
	}
	OK_BUF(&in, want.p);
	free(in.p);
	free(want.p);
}
END_TEST

/*
 * Streaming: a child writes 2 MiB of records into a pipe, then waits (20 s
 * at most) for the reader to have seen its first 1,000 records before it
 * writes 6 MiB more.  A reader that wanted the whole input first (or
 * read blocks of 2 MiB or more) would keep it waiting in vain.
 */
#define STREAM_FIRST	(2UL * 1024 * 1024)
#define STREAM_ALL	(8UL * 1024 * 1024)
#define STREAM_LINE	"%08lu,\"a field\"\n"	/* 19 bytes */

struct stream {
	int go;			/* the pipe to the writer */
	unsigned long nrec;
	int bad;
};

static int
stream_record(void *arg, const struct csv_record *rec)
{
	struct stream *st = arg;
	char want[32];

	st->nrec++;
	snprintf(want, sizeof(want), "%08lu", st->nrec);
	if (rec->line != st->nrec || rec->nfield != 2 ||
	    strcmp(rec->field[0].s, want) != 0 ||
	    strcmp(rec->field[1].s, "a field") != 0)
		st->bad = 1;
	if (st->nrec == 1000 && write(st->go, "g", 1) != 1)
		st->bad = 1;
	return 0;
}

static void
stream_write(FILE *w, unsigned long *line, unsigned long upto)
{
	while (*line * 19 <= upto)
		fprintf(w, STREAM_LINE, (*line)++);
}

START_TEST(streaming)
{
	struct stream st = { 0, 0, 0 };
	struct pollfd pfd;
	unsigned long line = 1;
	int data[2], go[2], status, rc;
	FILE *fp;
	pid_t pid;

	ck_assert_int_eq(pipe(data), 0);
	ck_assert_int_eq(pipe(go), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(data[0]);
		close(go[1]);
		if ((fp = fdopen(data[1], "w")) == NULL)
			_exit(2);
		stream_write(fp, &line, STREAM_FIRST);
		fflush(fp);
		pfd.fd = go[0];
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, 20000) == 1 && (pfd.revents & POLLIN);
		stream_write(fp, &line, STREAM_ALL);
		_exit(fclose(fp) == 0 && rc ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	/* go[0] stays open here too, so that a late "go" is no SIGPIPE. */
	close(data[1]);
	fp = fdopen(data[0], "r");
	ck_assert_ptr_nonnull(fp);
	st.go = go[1];
	rc = csv_read(fp, NAME, cli_data_error, ',', NULL, stream_record, &st);
	fclose(fp);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(go[0]);
	close(go[1]);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "no record before the end of the input");
	ck_assert_uint_eq(st.nrec, STREAM_ALL / 19);
	ck_assert_msg(!st.bad, "a record is wrong");
}
END_TEST

START_TEST(stop)
{
	struct result r;

	read_input("a\nb\nc\n", 6, ',', 2, 7, &r);
	ck_assert_int_eq(r.rc, 7);
	ck_assert_str_eq(r.got, "1:[a]\n2:[b]\n");
	ck_assert_uint_eq(r.nerr, 0);
	free_result(&r);

	/* The last record, without a line end. */
	read_input("a\nb", 3, ',', 2, 7, &r);
	ck_assert_int_eq(r.rc, 7);
	ck_assert_str_eq(r.got, "1:[a]\n2:[b]\n");
	free_result(&r);

	/* Any value, and before errors that are then never seen. */
	read_input("a\nb\n\0\n", 6, ',', 1, -2, &r);
	ck_assert_int_eq(r.rc, -2);
	ck_assert_str_eq(r.got, "1:[a]\n");
	ck_assert_uint_eq(r.nerr, 0);
	ck_assert_str_eq(r.err, "");
	free_result(&r);
	read_input("a\n\"b\n", 5, ',', 1, 1, &r);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_uint_eq(r.nerr, 0);
	ck_assert_str_eq(r.err, "");
	free_result(&r);
	/* A CR alone ends a record too; what follows it on the line is
	 * not looked at once the callback has stopped the read. */
	read_input("a\rb\"c\n", 6, ',', 1, 3, &r);
	ck_assert_int_eq(r.rc, 3);
	ck_assert_str_eq(r.got, "1:[a]\n");
	ck_assert_uint_eq(r.nerr, 0);
	ck_assert_str_eq(r.err, "");
	free_result(&r);
}
END_TEST

/* Looks up each of `names` in the header and writes the indexes. */
struct lookup {
	const char *const *names;
	size_t n;
	struct buf out;
};

static int
lookup_record(void *arg, const struct csv_record *rec)
{
	struct lookup *l = arg;
	size_t i;
	char s[32];

	for (i = 0; i < l->n; i++) {
		snprintf(s, sizeof(s), "%s%d", i == 0 ? "" : " ",
		    csv_header_find(rec, l->names[i]));
		put(&l->out, s);
	}
	return 1;
}

START_TEST(header_find)
{
	static const char *const names[] = {
		"id", "ID", "Name", "e-mail", "AMOUNT", "email", "i", "ids",
		"na me", "x",
	};
	static const char in[] =
	    " Id ,NAME\t,\"  E-Mail \",,\t amount \r\n1,2,3,4,5\n";
	struct lookup l = { names, NELEM(names), { 0 } };
	struct csv_field f[] = {
		{ "x", 1 }, { NULL, 0 }, { " X ", 3 }, { "\tx\n", 3 },
	};
	struct csv_record h = { f, NELEM(f), 1, NULL };
	FILE *fp;

	put(&l.out, "");
	fp = fmemopen((void *)in, sizeof(in) - 1, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(csv_read(fp, NAME, cli_data_error, ',', NULL,
	    lookup_record, &l), 1);
	fclose(fp);
	ck_assert_str_eq(l.out.p, "0 0 1 2 4 -1 -1 -1 -1 -1");
	free(l.out.p);

	/* The first of equal names; a NULL field names nothing. */
	ck_assert_int_eq(csv_header_find(&h, "X"), 0);
	ck_assert_int_eq(csv_header_is(&f[1], ""), 0);
	ck_assert_int_eq(csv_header_is(&f[1], "x"), 0);
	ck_assert_int_eq(csv_header_is(&f[2], "x"), 1);
	ck_assert_int_eq(csv_header_is(&f[3], "X"), 1);
	ck_assert_int_eq(csv_header_is(&f[2], "xx"), 0);
	/* Only len bytes count. */
	f[0].len = 0;
	ck_assert_int_eq(csv_header_is(&f[0], "x"), 0);
	h.nfield = 2;
	ck_assert_int_eq(csv_header_find(&h, "x"), -1);
}
END_TEST

static int
count_record(void *arg, const struct csv_record *rec)
{
	(void)rec;
	++*(unsigned long *)arg;
	return 0;
}

/* The digest of what csv_read reads, and of the same bytes hashed in
 * one piece. */
static void
digests(const char *in, size_t len, char got[65], char want[65])
{
	struct sha256 c;
	unsigned long n = 0;
	FILE *fp;

	fp = fmemopen((void *)in, len, "r");
	ck_assert_ptr_nonnull(fp);
	sha256_init(&c);
	ck_assert_int_eq(csv_read(fp, NAME, cli_data_error, ',', &c,
	    count_record, &n), 0);
	fclose(fp);
	sha256_final_hex(&c, got);
	sha256_init(&c);
	sha256_update(&c, in, len);
	sha256_final_hex(&c, want);
}

/* A read error is not the end of the input: the program ends, with
 * status 3, whether the file is read for its records or for the ids of
 * a verb (revops-invoice run -). */
START_TEST(read_error)
{
	unsigned long n = 0;
	FILE *fp = fopen(".", "r");

	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	csv_read(fp, "folder", cli_data_error, ',', NULL, count_record, &n);
	ck_abort_msg("csv_read returned after a read error");
}
END_TEST

START_TEST(read_error_collected)
{
	static const char *const columns[] = { "account_id" };
	struct csv_input in = { NULL, 0, fopen(".", "r"), ',', "folder" };
	struct csv_rows rows;

	ck_assert_ptr_nonnull(in.in);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	csv_collect(&in, cli_data_error, columns, 1, 1, 1, &rows);
	ck_abort_msg("csv_collect returned after a read error");
}
END_TEST

START_TEST(digest)
{
	static const char in[] = "\xef\xbb\xbf" "a,b\r\n\"x\ny\",2\r\n";
	struct buf b = { 0 };
	char got[65], want[65];
	unsigned long i;

	/* BOM and all (from sha256sum). */
	digests(in, sizeof(in) - 1, got, want);
	ck_assert_str_eq(got,
	    "9be4f428d2a429f2ac542481125a8c83688558509583bfe2b7d1ec3a60878881");
	ck_assert_str_eq(got, want);
	digests("", 0, got, want);
	ck_assert_str_eq(got,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* Several blocks. */
	put(&b, "\xef\xbb\xbf");
	for (i = 0; i < 100000; i++)
		put_fmt(&b, "%lu,\"quoted\nfield\",caf\xc3\xa9\r\n", i);
	digests(b.p, b.len, got, want);
	ck_assert_str_eq(got, want);
	free(b.p);
}
END_TEST

/*
 * csv-spectrum: json/NAME.json is an array of objects whose members are
 * strings.  This reads just that much JSON.
 */
struct jstr {
	char *s;
	size_t len;
};

struct jmember {
	struct jstr key, val;
};

struct jobject {
	struct jmember *m;
	size_t n;
};

static void
json_ws(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' ||
	    **p == '\r'))
		(*p)++;
}

static int
json_hex4(const char **p, const char *end, unsigned long *cp)
{
	int i;

	if (end - *p < 4)
		return -1;
	*cp = 0;
	for (i = 0; i < 4; i++) {
		char c = *(*p)++;

		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (unsigned long)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static size_t
utf8_put(char *d, unsigned long cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string with its escapes undone: never longer than it was written. */
static int
json_string(const char **pp, const char *end, struct jstr *out)
{
	const char *p = *pp;
	unsigned long cp, lo;
	size_t n = 0;
	char *d;

	if (p == end || *p++ != '"')
		return -1;
	if ((d = malloc((size_t)(end - p) + 1)) == NULL)
		return -1;
	for (;;) {
		unsigned char c;

		if (p == end)
			goto bad;
		if ((c = (unsigned char)*p++) == '"')
			break;
		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			d[n++] = (char)c;
			continue;
		}
		if (p == end)
			goto bad;
		switch (*p++) {
		case '"':
		case '\\':
		case '/':
			d[n++] = p[-1];
			break;
		case 'b':
			d[n++] = '\b';
			break;
		case 'f':
			d[n++] = '\f';
			break;
		case 'n':
			d[n++] = '\n';
			break;
		case 'r':
			d[n++] = '\r';
			break;
		case 't':
			d[n++] = '\t';
			break;
		case 'u':
			if (json_hex4(&p, end, &cp) != 0)
				goto bad;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
					goto bad;
				p += 2;
				if (json_hex4(&p, end, &lo) != 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			n += utf8_put(d + n, cp);
			break;
		default:
			goto bad;
		}
	}
	d[n] = '\0';
	out->s = d;
	out->len = n;
	*pp = p;
	return 0;
bad:
	free(d);
	return -1;
}

static void
json_free(struct jobject *o, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < o[i].n; j++) {
			free(o[i].m[j].key.s);
			free(o[i].m[j].val.s);
		}
		free(o[i].m);
	}
	free(o);
}

/* One object of string members, added to *ob. */
static int
json_object(const char **pp, const char *end, struct jobject *ob)
{
	const char *p = *pp;
	struct jmember *m;

	if (p == end || *p++ != '{')
		return -1;
	json_ws(&p, end);
	if (p < end && *p == '}') {
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		if ((m = realloc(ob->m, (ob->n + 1) * sizeof(*m))) == NULL)
			return -1;
		ob->m = m;
		m = &ob->m[ob->n];
		if (json_string(&p, end, &m->key) != 0)
			return -1;
		json_ws(&p, end);
		if (p == end || *p++ != ':') {
			free(m->key.s);
			return -1;
		}
		json_ws(&p, end);
		if (json_string(&p, end, &m->val) != 0) {
			free(m->key.s);
			return -1;
		}
		ob->n++;
		json_ws(&p, end);
		if (p < end && *p == ',') {
			p++;
			json_ws(&p, end);
			continue;
		}
		if (p == end || *p++ != '}')
			return -1;
		*pp = p;
		return 0;
	}
}

/* Parses [ {"k": "v", ...}, ... ] into *objs; returns -1 on anything
 * else. */
static int
json_parse(const char *p, const char *end, struct jobject **objs,
    size_t *nobj)
{
	struct jobject *o = NULL, *ob;
	size_t n = 0;

	json_ws(&p, end);
	if (p == end || *p++ != '[')
		return -1;
	json_ws(&p, end);
	if (p < end && *p == ']')
		p++;
	else
		for (;;) {
			if ((ob = realloc(o, (n + 1) * sizeof(*o))) == NULL)
				goto bad;
			o = ob;
			o[n].m = NULL;
			o[n].n = 0;
			if (json_object(&p, end, &o[n++]) != 0)
				goto bad;
			json_ws(&p, end);
			if (p < end && *p == ',') {
				p++;
				json_ws(&p, end);
				continue;
			}
			if (p == end || *p++ != ']')
				goto bad;
			break;
		}
	json_ws(&p, end);
	if (p != end)
		goto bad;
	*objs = o;
	*nobj = n;
	return 0;
bad:
	json_free(o, n);
	return -1;
}

START_TEST(json_reader)
{
	static const char ok[] = " [ {\"a\" : \"1\\\"\\\\\\/\\n\\r\\t\\b\\f\","
	    "\"\\u00e9\\u20AC\\ud83d\\ude00\":\"\"}, {} ]\n";
	static const char *const bad[] = {
		"", "[", "[{}", "[{\"a\":1}]", "[{\"a\"}]", "[\"a\"]",
		"[{\"a\":\"\\x\"}]", "[{\"a\":\"\\ud83d\"}]",
		"[{\"a\":\"\\ude00\"}]", "[{\"a\":\"\\u12\"}]", "[]x",
		"[{\"a\":\"b\",}]", "[{\"a\":\"\n\"}]", "[{\"a\":\"b}]",
	};
	static const char none[] = "\r\n[ ]\n";
	struct jobject *o;
	size_t n, i;

	ck_assert_int_eq(json_parse(ok, ok + sizeof(ok) - 1, &o, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(o[0].n, 2);
	ck_assert_uint_eq(o[1].n, 0);
	ck_assert_str_eq(o[0].m[0].key.s, "a");
	ck_assert_str_eq(o[0].m[0].val.s, "1\"\\/\n\r\t\b\f");
	ck_assert_str_eq(o[0].m[1].key.s, "é€😀");
	ck_assert_uint_eq(o[0].m[1].val.len, 0);
	json_free(o, n);
	ck_assert_int_eq(json_parse(none, none + strlen(none), &o, &n), 0);
	ck_assert_uint_eq(n, 0);
	json_free(o, n);
	for (i = 0; i < NELEM(bad); i++)
		ck_assert_msg(json_parse(bad[i], bad[i] + strlen(bad[i]), &o,
		    &n) == -1, "'%s' accepted", bad[i]);
}
END_TEST

/* The records of a file, copied out of the callback. */
struct row {
	struct jstr *f;		/* s NULL for a NULL field */
	size_t n;
};

struct table {
	struct row *row;
	size_t n;
};

static int
table_record(void *arg, const struct csv_record *rec)
{
	struct table *t = arg;
	struct row *r;
	size_t i;

	t->row = realloc(t->row, (t->n + 1) * sizeof(*t->row));
	ck_assert_ptr_nonnull(t->row);
	r = &t->row[t->n++];
	r->n = rec->nfield;
	r->f = calloc(rec->nfield, sizeof(*r->f));
	ck_assert_ptr_nonnull(r->f);
	for (i = 0; i < rec->nfield; i++) {
		if (rec->field[i].s == NULL)
			continue;
		r->f[i].len = rec->field[i].len;
		r->f[i].s = malloc(r->f[i].len + 1);
		ck_assert_ptr_nonnull(r->f[i].s);
		memcpy(r->f[i].s, rec->field[i].s, r->f[i].len + 1);
	}
	return 0;
}

static void
table_free(struct table *t)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		for (j = 0; j < t->row[i].n; j++)
			free(t->row[i].f[j].s);
		free(t->row[i].f);
	}
	free(t->row);
}

static char *
slurp(const char *path, size_t *len)
{
	struct buf b = { 0 };
	char block[4096];
	size_t n;
	FILE *fp;

	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	put(&b, "");
	while ((n = fread(block, 1, sizeof(block), fp)) > 0)
		put_n(&b, block, n);
	ck_assert_msg(!ferror(fp), "%s: read error", path);
	fclose(fp);
	*len = b.len;
	return b.p;
}

static int
jstr_eq(const struct jstr *a, const struct jstr *b)
{
	const char *s = a->s != NULL ? a->s : "";

	return a->len == b->len && memcmp(s, b->s, b->len) == 0;
}

/* dir/csvs/base.csv read by csv_read against dir/json/NAME.json. */
static void
spectrum_file(const char *dir, const char *base, size_t baselen)
{
	char csv[4096], json[4096];
	struct table t = { NULL, 0 };
	struct jobject *o;
	const struct row *h, *r;
	char *text;
	size_t len, nobj, i, j, k;
	FILE *fp;
	int n, rc;

	n = snprintf(csv, sizeof(csv), "%s/csvs/%.*s.csv", dir, (int)baselen,
	    base);
	ck_assert_msg(n > 0 && (size_t)n < sizeof(csv), "%s: too long", dir);
	n = snprintf(json, sizeof(json), "%s/json/%.*s.json", dir,
	    (int)baselen, base);
	ck_assert_msg(n > 0 && (size_t)n < sizeof(json), "%s: too long", dir);
	fp = fopen(csv, "rb");
	ck_assert_msg(fp != NULL, "%s: %s", csv, strerror(errno));
	rc = csv_read(fp, csv, cli_data_error, ',', NULL, table_record, &t);
	fclose(fp);
	ck_assert_msg(rc == 0, "%s: csv_read returned %d", csv, rc);

	text = slurp(json, &len);
	ck_assert_msg(json_parse(text, text + len, &o, &nobj) == 0,
	    "%s: not an array of objects of strings", json);
	free(text);

	ck_assert_msg(t.n >= 1, "%s: no header", csv);
	ck_assert_msg(t.n - 1 == nobj, "%s: %zu records, %s has %zu", csv,
	    t.n - 1, json, nobj);
	h = &t.row[0];
	for (j = 0; j < h->n; j++)
		ck_assert_msg(h->f[j].s != NULL, "%s: header field %zu is "
		    "NULL", csv, j + 1);
	for (i = 0; i < nobj; i++) {
		r = &t.row[i + 1];
		ck_assert_msg(r->n == h->n, "%s: record %zu has %zu fields, "
		    "the header %zu", csv, i + 1, r->n, h->n);
		ck_assert_msg(o[i].n == h->n, "%s: object %zu has %zu members, "
		    "the header %zu fields", json, i + 1, o[i].n, h->n);
		for (k = 0; k < o[i].n; k++) {
			const struct jmember *m = &o[i].m[k];

			for (j = 0; j < h->n; j++)
				if (jstr_eq(&h->f[j], &m->key))
					break;
			ck_assert_msg(j < h->n, "%s: no column '%s'", csv,
			    m->key.s);
			ck_assert_msg(jstr_eq(&r->f[j], &m->val),
			    "%s: record %zu, column '%s' is '%s', want '%s'",
			    csv, i + 1, m->key.s,
			    r->f[j].s != NULL ? r->f[j].s : "", m->val.s);
		}
	}
	json_free(o, nobj);
	table_free(&t);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(csv_spectrum)
{
	const char *top = getenv("REVOPS_TESTDATA");
	char dir[4096], csvs[4096];
	char **names = NULL;
	size_t n = 0, i, len;
	struct dirent *e;
	DIR *d;

	len = (size_t)snprintf(dir, sizeof(dir), "%s/csv-spectrum",
	    top != NULL && *top != '\0' ? top : "tests/data");
	ck_assert_msg(len < sizeof(dir), "REVOPS_TESTDATA too long");
	len = (size_t)snprintf(csvs, sizeof(csvs), "%s/csvs", dir);
	ck_assert_msg(len < sizeof(csvs), "REVOPS_TESTDATA too long");
	d = opendir(csvs);
	ck_assert_msg(d != NULL, "%s: %s (run from the top of the tree, or "
	    "set REVOPS_TESTDATA)", csvs, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".csv") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		ck_assert_ptr_nonnull(names);
		names[n] = strdup(e->d_name);
		ck_assert_ptr_nonnull(names[n]);
		n++;
	}
	closedir(d);
	ck_assert_msg(n > 0, "no .csv file in %s", csvs);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		spectrum_file(dir, names[i], strlen(names[i]) - 4);
		free(names[i]);
	}
	free(names);
}
END_TEST

/* An id of ENTITY_ID_MAX = 200 characters is read whole; 201 are an
 * error that quotes the first 40; an empty one is "" when optional. */
START_TEST(ids)
{
	char id[201], long_id[202], buf[201], *err;
	struct csv_field f;
	unsigned long before;
	int saved;
	FILE *e;

	memset(id, 'x', 200);
	id[200] = '\0';
	memset(long_id, 'y', 201);
	long_id[201] = '\0';
	cli_set_max_errors(1000);
	before = cli_data_errors();
	f.s = id;
	f.len = 200;
	ck_assert_int_eq(csv_id(cli_data_error, "t.csv", 2, "sku", &f, 0,
	    buf), 1);
	ck_assert_str_eq(buf, id);
	f.s = "";
	f.len = 0;
	ck_assert_int_eq(csv_id(cli_data_error, "t.csv", 2, "sku", &f, 1,
	    buf), 1);
	ck_assert_str_eq(buf, "");
	f.s = NULL;
	ck_assert_int_eq(csv_id(cli_data_error, "t.csv", 2, "sku", &f, 1,
	    buf), 1);
	ck_assert_int_eq(cli_data_errors(), before);
	e = stderr_begin(&saved);
	ck_assert_int_eq(csv_id(cli_data_error, "t.csv", 3, "sku", &f, 0,
	    buf), 0);
	f.s = long_id;
	f.len = 201;
	ck_assert_int_eq(csv_id(cli_data_error, "t.csv", 4, "sku", &f, 0,
	    buf), 0);
	err = stderr_end(e, saved);
	ck_assert_int_eq(cli_data_errors(), before + 2);
	ck_assert_ptr_nonnull(strstr(err, "t.csv:3: column 'sku': is empty"));
	ck_assert_ptr_nonnull(strstr(err, "t.csv:4: column 'sku': "
	    "'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...' is longer than 200 "
	    "characters, the longest an id can be"));
	free(err);
}
END_TEST

/* What a report function of the caller's was given: each error as
 * "FILE:LINE: [column 'C': ]MESSAGE\n", and how many it takes before it
 * says stop. */
static struct {
	struct buf said;
	int n, stop_after;
} given;

static int
keep_report(const char *file, unsigned long line, const char *column,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "\n");
	put(&given.said, file);
	if (line > 0) {
		char at[32];

		snprintf(at, sizeof(at), ":%lu", line);
		put(&given.said, at);
	}
	put(&given.said, ": ");
	if (column != NULL) {
		put(&given.said, "column '");
		put(&given.said, column);
		put(&given.said, "': ");
	}
	put(&given.said, msg);
	return ++given.n < given.stop_after;
}

static int
no_columns(void *arg, const struct csv_field *f, unsigned long line)
{
	(void)arg;
	(void)f;
	(void)line;
	return 0;
}

/* A header that lacks two required columns, read by csv_read_columns()
 * with a report function that takes stop_after errors: what it said, and
 * what the read returned. */
static int
header_missing_two(int stop_after)
{
	static const char in[] = "sku_id,qty\n1,2\n";
	static const char *const columns[] = { "sku", "quantity", "term" };
	FILE *fp = fmemopen((void *)in, sizeof(in) - 1, "r");
	int rc;

	ck_assert_ptr_nonnull(fp);
	free(given.said.p);
	memset(&given, 0, sizeof(given));
	put(&given.said, "");
	given.stop_after = stop_after;
	rc = csv_read_columns(fp, NAME, keep_report, ',', columns, 3, 2,
	    no_columns, NULL);
	fclose(fp);
	return rc;
}

/* Errors go to the report function the caller gives, which decides: csv
 * counts none itself and writes nothing, it stops reporting when told
 * to, and the read's value says an error was found. */
START_TEST(report_is_the_callers)
{
	static const char bad[] = "a,b\n\"x,1\n";
	unsigned long before = cli_data_errors();
	struct csv_field f = { "", 0 };
	char buf[201], *err;
	int saved;
	FILE *e = stderr_begin(&saved), *fp;

	ck_assert_int_eq(header_missing_two(10), -1);
	ck_assert_str_eq(given.said.p,
	    "t.csv:1: header: the column 'sku' is missing\n"
	    "t.csv:1: header: the column 'quantity' is missing\n");
	ck_assert_int_eq(header_missing_two(1), -1);
	ck_assert_str_eq(given.said.p,
	    "t.csv:1: header: the column 'sku' is missing\n");

	fp = fmemopen((void *)bad, sizeof(bad) - 1, "r");
	ck_assert_ptr_nonnull(fp);
	given.n = 0;
	given.stop_after = 10;
	ck_assert_int_eq(csv_read(fp, NAME, keep_report, ',', NULL,
	    count_record, &(unsigned long){ 0 }), -1);
	fclose(fp);
	ck_assert_int_eq(given.n, 1);

	/* an id: 0 to go on while the report function takes more, else -1 */
	given.n = 0;
	given.stop_after = 2;
	ck_assert_int_eq(csv_id(keep_report, "t.csv", 5, "sku", &f, 0, buf),
	    0);
	ck_assert_int_eq(csv_id(keep_report, "t.csv", 6, "sku", &f, 0, buf),
	    -1);
	ck_assert_int_eq(given.n, 2);

	err = stderr_end(e, saved);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(cli_data_errors(), before);
	free(err);
	free(given.said.p);
	memset(&given, 0, sizeof(given));
}
END_TEST

/*
 * The reader splits a plain line itself and leaves the rest to libcsv:
 * random files of valid fields (quoted or not, with delimiters, quotes
 * and line ends inside, empty), lines ended by LF, CRLF or CR, blank
 * lines, in blocks as the reader reads them, against libcsv fed the same
 * bytes whole with the reader's options.  The records are compared
 * without their lines.
 */
static void
oracle_field(void *s, size_t len, void *arg)
{
	struct csv_field f = { s, len };

	render_field(arg, &f);
}

static void
oracle_record(int c, void *arg)
{
	(void)c;
	put(arg, "\n");
}

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* got without the "LINE:" before each record. */
static void
strip_lines(const char *got, struct buf *b)
{
	for (const char *p = got; *p != '\0'; p++) {
		while (*p >= '0' && *p <= '9')
			p++;
		ck_assert_int_eq(*p, ':');
		while (*++p != '\n')
			put_n(b, p, 1);
		put(b, "\n");
	}
}

START_TEST(libcsv_agrees)
{
	static const char *const atoms[] = { "a", "bc", "", " ", "\t", "1.5",
	    "\"q\"", "\"a,b\"", "\"x\"\"y\"", "\"l\nm\"", "\"r\r\nz\"",
	    "\"\"", "\xe6\x9d\xb1" };
	static const char *const ends[] = { "\n", "\r\n", "\r" };
	unsigned seed = 12345;

	for (int n = 0; n < 2000; n++) {
		struct buf in = { NULL, 0, 0 }, want = { NULL, 0, 0 };
		struct buf lib = { NULL, 0, 0 };
		struct csv_parser p;
		struct result r;
		int lines;

		seed = seed * 1103515245 + 12345;
		lines = (int)(seed >> 16) % 12;
		for (int l = 0; l < lines; l++) {
			seed = seed * 1103515245 + 12345;
			for (int f = 0, nf = 1 + (int)(seed >> 16) % 5; f < nf;
			    f++) {
				seed = seed * 1103515245 + 12345;
				if (f > 0)
					put(&in, ",");
				if ((seed >> 16) % 9 != 0 || nf > 1)
					put(&in, atoms[(seed >> 20) %
					    NELEM(atoms)]);
			}
			seed = seed * 1103515245 + 12345;
			if (l < lines - 1 || (seed >> 16) % 4 != 0)
				put(&in, ends[(seed >> 20) % NELEM(ends)]);
		}
		put(&in, "");
		ck_assert_int_eq(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI |
		    CSV_EMPTY_IS_NULL), 0);
		csv_set_space_func(&p, no_space);
		put(&lib, "");
		ck_assert_uint_eq(csv_parse(&p, in.p, in.len, oracle_field,
		    oracle_record, &lib), in.len);
		ck_assert_int_eq(csv_fini(&p, oracle_field, oracle_record,
		    &lib), 0);
		csv_free(&p);
		read_input(in.p, in.len, ',', 0, 0, &r);
		ck_assert_msg(r.rc == 0 && r.nerr == 0, "input %d: %s", n,
		    r.err);
		put(&want, "");
		strip_lines(r.got, &want);
		ck_assert_msg(strcmp(want.p, lib.p) == 0,
		    "input %d:\n%s\nread\n%slibcsv\n%s", n, in.p, want.p,
		    lib.p);
		free_result(&r);
		free(in.p);
		free(want.p);
		free(lib.p);
	}
}
END_TEST

Suite *
csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc;

	tc = tcase_create("records");
	tcase_add_test(tc, simple);
	tcase_add_test(tc, null_and_empty);
	tcase_add_test(tc, quoted);
	tcase_add_test(tc, crlf);
	tcase_add_test(tc, cr_alone);
	tcase_add_test(tc, crlf_across_blocks);
	tcase_add_test(tc, blank_lines);
	tcase_add_test(tc, multiline);
	tcase_add_test(tc, blanks_kept);
	tcase_add_test(tc, delimiter_semicolon);
	tcase_add_test(tc, bom);
	tcase_add_test(tc, utf8_valid);
	tcase_add_test(tc, libcsv_agrees);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, unterminated_quote);
	tcase_add_test(tc, bad_quoting);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, bom_inside);
	tcase_add_test(tc, error_names_field);
	tcase_add_test(tc, ragged);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, field_limit);
	tcase_add_test(tc, many_columns);
	tcase_add_test(tc, blocks);
	tcase_add_test(tc, streaming);
	suite_add_tcase(s, tc);

	tc = tcase_create("interface");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, stop);
	tcase_add_test(tc, header_find);
	tcase_add_test(tc, digest);
	tcase_add_test(tc, ids);
	tcase_add_test(tc, report_is_the_callers);
	tcase_add_exit_test(tc, read_error, CLI_EIO);
	tcase_add_exit_test(tc, read_error_collected, CLI_EIO);
	suite_add_tcase(s, tc);

	tc = tcase_create("conformance");
	tcase_add_test(tc, json_reader);
	tcase_add_test(tc, csv_spectrum);
	suite_add_tcase(s, tc);
	return s;
}
