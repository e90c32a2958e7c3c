/* The command line: a DATE option takes a date and nothing else, a
 * DATE|MONTH option either; a verb takes only its own options.  Memory:
 * a size that does not fit is refused as memory that ran out.  Held
 * output reaches stdout only when released, by the commit or at exit. */
#include <sys/wait.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "suites.h"

/* The usage errors these tests make are not for the reader of make check. */
static void
quiet(void)
{
	if (freopen("/dev/null", "w", stderr) == NULL)
		abort();
}

static int32_t
day(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

START_TEST(day_arg_date)
{
	ck_assert_int_eq(cli_day_arg("--as-of", "2026-05-31", 0, 0),
	    day(2026, 5, 31));
	/* where a month may stand for a day: its first day, or its last */
	ck_assert_int_eq(cli_day_arg("--from", "2026-02", 1, 0),
	    day(2026, 2, 1));
	ck_assert_int_eq(cli_day_arg("--to", "2026-02", 1, 1),
	    day(2026, 2, 28));
	ck_assert_int_eq(cli_day_arg("--to", "2026-02-10", 1, 1),
	    day(2026, 2, 10));
}
END_TEST

/* A month where a date is wanted is a usage error, not its first day. */
START_TEST(day_arg_month_refused)
{
	cli_day_arg("--as-of", "2026-05", 0, 0);
}
END_TEST

START_TEST(day_arg_impossible_refused)
{
	cli_day_arg("--on", "2026-02-29", 0, 0);
}
END_TEST

static const struct cli_verb verbs[] = {
	{ "run", "[-]", "period on dry-run", CLI_WRITES, "bill",
	    "x run --period 2026-01" },
	{ "aging", "", "as-of by", CLI_READS, "balances",
	    "x aging --by segment" },
};
static const struct cli_option_help options[] = {
	{ "period", "MONTH", "run: the month" },
	{ "on", "DATE", "run: the day" },
	{ "dry-run", NULL, "run: change nothing" },
	{ "as-of", "DATE", "aging: today" },
	{ "by", "KEY", "aging: rows per" },
};
static const struct cli_program program = { "VERB", "Test.\n", verbs, 2,
    NULL, options, 5, "x run" };
static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "as-of", required_argument, NULL, CLI_OPT_FIRST_OWN },
	{ "by", required_argument, NULL, CLI_OPT_FIRST_OWN + 1 },
	{ "dry-run", no_argument, NULL, CLI_OPT_FIRST_OWN + 2 },
	{ "on", required_argument, NULL, CLI_OPT_FIRST_OWN + 3 },
	{ "period", required_argument, NULL, CLI_OPT_FIRST_OWN + 4 },
	{ NULL, 0, NULL, 0 }
};

static void
count(int ch, const char *arg, void *ctx)
{
	(void)ch;
	(void)arg;
	(*(int *)ctx)++;
}

/* The verb of a command line: options (before or after the verb) read,
 * and those it takes let through. */
static const struct cli_verb *
verb_of(int argc, char **argv, int *own)
{
	struct cli_common c;
	int first;

	cli_init("test", &c);
	optind = 1;
	*own = 0;
	first = cli_options(argc, argv, longopts, &c, count, own);
	return cli_verb_of(&program, &c, argc - first, argv + first);
}

START_TEST(verb_takes_its_options)
{
	char *argv[] = { "x", "--as-of", "2026-01-31", "aging", "--by",
	    "segment", "-D", "x.db", NULL };
	int own;
	const struct cli_verb *v = verb_of(8, argv, &own);

	ck_assert_str_eq(v->name, "aging");
	ck_assert_int_eq(own, 2);
}
END_TEST

/* aging takes no --period, run no --as-of (a prefix of no option of its
 * own), aging no --dry-run: each is exit status 2. */
START_TEST(verb_refuses_another_verbs_option)
{
	static char *lines[][5] = {
		{ "x", "aging", "--period", "2026-01", NULL },
		{ "x", "run", "--as-of", "2026-01-31", NULL },
		{ "x", "aging", "--dry-run", NULL, NULL },
	};
	int own, argc = lines[_i][3] != NULL ? 4 : 3;

	verb_of(argc, lines[_i], &own);
}
END_TEST

START_TEST(verb_unknown_or_missing)
{
	static char *lines[][3] = { { "x", "fly", NULL }, { "x", NULL, NULL } };
	int own;

	verb_of(lines[_i][1] != NULL ? 2 : 1, lines[_i], &own);
}
END_TEST

START_TEST(verb_of_no_arguments)
{
	char *argv[] = { "x", "aging", "A-1", NULL };
	int own;

	verb_of(3, argv, &own);
}
END_TEST

/* Room as asked for: the capacity doubles from 16 until need fits, and
 * a block with room enough stays where it is. */
START_TEST(grow_doubles)
{
	size_t cap = 0;
	char *p = cli_grow(NULL, &cap, 5, 1), *q;

	ck_assert_uint_eq(cap, 16);
	memset(p, 'x', 16);
	q = cli_grow(p, &cap, 16, 1);
	ck_assert_ptr_eq(q, p);
	ck_assert_uint_eq(cap, 16);
	p = cli_grow(q, &cap, 17, 1);
	ck_assert_uint_eq(cap, 32);
	ck_assert_int_eq(p[15], 'x');
	p = cli_grow(p, &cap, 100, 1);
	ck_assert_uint_eq(cap, 128);
	free(p);
	p = cli_realloc(NULL, 0, 8);	/* no element is still a block */
	ck_assert_ptr_nonnull(p);
	free(p);
	p = cli_strndup("abcdef", 3);
	ck_assert_str_eq(p, "abc");
	free(p);
}
END_TEST

/*
 * What a child that calls fn exits with and writes to stderr (up to size
 * bytes into err), and with stdout too to its stdout: 3 and "test: out
 * of memory" for a size that wraps, so that no caller ever gets a block
 * smaller than it asked for.
 */
static int
child_exit(void (*fn)(int), int i, int stdout_too, char *err, size_t size)
{
	int fd[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	if ((pid = fork()) == 0) {
		struct cli_common c;

		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		if (stdout_too)
			dup2(fd[1], STDOUT_FILENO);
		cli_init("test", &c);
		fn(i);
		_exit(0);
	}
	close(fd[1]);
	while (got + 1 < size && (n = read(fd[0], err + got, size - 1 -
	    got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Each call with a size whose product, or whose capacity doubled, would
 * pass SIZE_MAX. */
static void
wrapping(int i)
{
	size_t cap = SIZE_MAX / 2 + 1;

	switch (i) {
	case 0:	/* 2^63 + 1 elements of 2 bytes: 2 bytes once it wraps */
		cli_realloc(NULL, SIZE_MAX / 2 + 1, 2);
		break;
	case 1:	/* 16 doubled until it holds SIZE_MAX / 8 + 1, times 16 */
		cap = 0;
		cli_grow(NULL, &cap, SIZE_MAX / 8 + 1, 16);
		break;
	case 2:	/* a capacity that cannot double */
		cli_grow(NULL, &cap, SIZE_MAX, 1);
		break;
	}
}

START_TEST(size_that_wraps_refused)
{
	char err[256];

	ck_assert_int_eq(child_exit(wrapping, _i, 0, err, sizeof(err)),
	    CLI_EIO);
	ck_assert_str_eq(err, "test: out of memory\n");
}
END_TEST

/*
 * A child holds its stdout, prints "held", then writes "mark" to stderr
 * (the same pipe), then releases the output, by the call (0) or by
 * exit() (1): the pipe reads the mark first.
 */
static void
hold_then_mark(int i)
{
	cli_hold_stdout();
	printf("held\n");
	fflush(stdout);
	fputs("mark\n", stderr);
	if (i == 0) {
		cli_release_stdout();
		fflush(stdout);
		_exit(0);
	}
	exit(0);
}

START_TEST(held_until_released)
{
	char got[32];

	ck_assert_int_eq(child_exit(hold_then_mark, _i, 1, got, sizeof(got)),
	    0);
	ck_assert_str_eq(got, "mark\nheld\n");
}
END_TEST

/* The edit distance: each insertion, deletion, change or swap of two
 * neighbours one edit; a swapped pair is not edited again (so "ca" is
 * three edits from "abc", not two). */
START_TEST(distance_counts_edits)
{
	static const struct {
		const char *a, *b;
		size_t d;
	} cases[] = {
		{ "apply", "apply", 0 }, { "aply", "apply", 1 },
		{ "aplpy", "apply", 1 }, { "formt", "format", 1 },
		{ "fromat", "format", 1 }, { "", "ab", 2 },
		{ "kitten", "sitting", 3 }, { "ca", "abc", 3 },
		{ "dryrun", "dry-run", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(cli_distance(cases[i].a, cases[i].b) ==
		    cases[i].d && cli_distance(cases[i].b, cases[i].a) ==
		    cases[i].d, "'%s' and '%s': %zu edits, not %zu",
		    cases[i].a, cases[i].b, cli_distance(cases[i].a,
		    cases[i].b), cases[i].d);
}
END_TEST

/* A suggestion only when near enough: one edit for a name of up to 4
 * characters, two up to 8, three up to 12; the nearer of two, and the first of a tie. */
START_TEST(nearest_only_when_near)
{
	static const char *const names[] = { "as-of", "as", "account",
	    "amount", "to", "on" };
	static const struct {
		const char *name, *near;
	} cases[] = {
		{ "acount", "account" }, { "acconut", "account" },
		{ "asof", "as-of" }, { "a", "as" }, { "no", "to" },
		{ "amuont", "amount" }, { "acc", NULL }, { "xyz", NULL },
		{ "cantuoc", NULL }, { "ammmount", "amount" },
		{ "ammmmount", "amount" }, { "ammmmmount", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = cli_nearest(cases[i].name, names, 6,
		    sizeof(names[0]));

		ck_assert_msg(got == cases[i].near || (got != NULL &&
		    cases[i].near != NULL && strcmp(got, cases[i].near) == 0),
		    "'%s': %s, not %s", cases[i].name, got ? got : "none",
		    cases[i].near ? cases[i].near : "none");
	}
	ck_assert_str_eq(cli_nearest("agin", verbs, 2, sizeof(verbs[0])),
	    "aging");
}
END_TEST

/* The formats out.c knows, one edit away; html and pdf too. */
START_TEST(nearest_format_one_edit)
{
	ck_assert_str_eq(cli_nearest_format("tabel"), "table");
	ck_assert_str_eq(cli_nearest_format("jsnl"), "jsonl");
	ck_assert_str_eq(cli_nearest_format("tsvv"), "tsv");
	ck_assert_str_eq(cli_nearest_format("hmtl"), "html");
	ck_assert_str_eq(cli_nearest_format("cv"), "csv");
	ck_assert_str_eq(cli_nearest_format("xls"), "xlsx");
	ck_assert_ptr_null(cli_nearest_format("docx"));
	ck_assert_ptr_null(cli_nearest_format("tbale2"));
}
END_TEST

/* A config file as fp, named "conf". */
static void
read_config(const char *text, struct cli_common *c)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");

	ck_assert_ptr_nonnull(fp);
	cli_config_read(fp, "conf", c);
	fclose(fp);
}

/* Keys, blanks around them, comments and blank lines; the last of a key
 * given twice; format only for a terminal, which stdout here is not. */
START_TEST(config_keys_read)
{
	struct cli_common c;

	cli_init("test", &c);
	read_config("# the team's\n\n  db = acme.db  \ncurrency=EUR # base\r\n"
	    "busy-timeout = 250\nformat = table\nbusy-timeout=300\n", &c);
	ck_assert_str_eq(c.db_path, "acme.db");
	ck_assert_str_eq(c.currency, "EUR");
	ck_assert_int_eq(c.busy_ms, 300);
	ck_assert_int_eq(c.out.format, OUT_CSV);
	read_config("", &c);
	ck_assert_str_eq(c.db_path, "acme.db");
}
END_TEST

static const char *const bad_configs[][2] = {
	{ "db = a.db\ndbb = b.db\n",
	    "test: conf:2: unknown key 'dbb'; did you mean 'db'?\n" },
	{ "colour = red\n", "test: conf:1: unknown key 'colour'\n" },
	{ "\n# x\ncurrency = eur\n",
	    "test: conf:3: currency: 'eur' is not an ISO 4217 code\n" },
	{ "format = tabel\n", "test: conf:1: format: 'tabel' is not one of "
	    "csv, tsv, jsonl, json, table, vertical, markdown, xlsx; did you mean "
	    "'table'?\n" },
	{ "format = html\n", "test: conf:1: format: 'html' is not one of "
	    "csv, tsv, jsonl, json, table, vertical, markdown, xlsx\n" },
	{ "busy-timeout = 1s\n", "test: conf:1: busy-timeout: '1s' is not a "
	    "number from 0 to 2147483647\n" },
	{ "db\n", "test: conf:1: 'db' is not 'key = value'\n" },
	{ "db =   # none\n", "test: conf:1: db: no value\n" },
};

static void
bad_config(int i)
{
	struct cli_common c;

	memset(&c, 0, sizeof(c));
	read_config(bad_configs[i][0], &c);
}

/* Each error names the file, the line and the value: a usage error. */
START_TEST(config_errors_say_where)
{
	char err[512], want[512];

	snprintf(want, sizeof(want), "%sTry 'test --help' for more "
	    "information.\n", bad_configs[_i][1]);
	ck_assert_int_eq(child_exit(bad_config, _i, 0, err, sizeof(err)),
	    CLI_EUSAGE);
	ck_assert_str_eq(err, want);
}
END_TEST

/* A NUL byte: not text, whatever else it says. */
static void
binary_config(int i)
{
	static const char text[] = "db = a\0b\n";
	struct cli_common c;
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)i;
	memset(&c, 0, sizeof(c));
	cli_config_read(fp, "conf", &c);
}

START_TEST(config_not_text)
{
	char err[512];

	ck_assert_int_eq(child_exit(binary_config, 0, 0, err, sizeof(err)),
	    CLI_EUSAGE);
	ck_assert_str_eq(err, "test: conf: not a text file\n"
	    "Try 'test --help' for more information.\n");
}
END_TEST

/* The options over $REVOPS_DB over the config file over the default. */
START_TEST(config_precedence)
{
	char path[] = "/tmp/revops-config-XXXXXX";
	int fd = mkstemp(path);
	struct cli_common c;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "db = conf.db\n", 13), 13);
	close(fd);
	unsetenv("REVOPS_DB");
	setenv("REVOPS_CONFIG", "", 1);
	cli_init("test", &c);
	ck_assert_str_eq(c.db_path, "revops.db");
	setenv("REVOPS_CONFIG", path, 1);
	cli_init("test", &c);
	ck_assert_str_eq(c.db_path, "conf.db");
	setenv("REVOPS_DB", "env.db", 1);
	cli_init("test", &c);
	ck_assert_str_eq(c.db_path, "env.db");
	cli_common_option(&c, 'D', "option.db");
	ck_assert_str_eq(c.db_path, "option.db");
	unsetenv("REVOPS_DB");
	setenv("REVOPS_CONFIG", "", 1);
	unlink(path);
}
END_TEST

/* The config file's place: $REVOPS_CONFIG, else XDG's, else ~/.config;
 * empty $REVOPS_CONFIG: none. */
START_TEST(config_path_found)
{
	setenv("REVOPS_CONFIG", "/etc/x", 1);
	ck_assert_str_eq(cli_config_path(), "/etc/x");
	unsetenv("REVOPS_CONFIG");
	setenv("XDG_CONFIG_HOME", "/x/conf", 1);
	setenv("HOME", "/home/a", 1);
	ck_assert_str_eq(cli_config_path(), "/x/conf/revops/config");
	setenv("XDG_CONFIG_HOME", "relative", 1);
	ck_assert_str_eq(cli_config_path(), "/home/a/.config/revops/config");
	unsetenv("XDG_CONFIG_HOME");
	ck_assert_str_eq(cli_config_path(), "/home/a/.config/revops/config");
	setenv("REVOPS_CONFIG", "", 1);
	ck_assert_ptr_null(cli_config_path());
}
END_TEST

/* `x help aging` prints aging's help with its example. */
static void
help_of_verb(int i)
{
	char *argv[] = { "help", i == 0 ? "aging" : NULL, NULL };

	cli_help_command(&program, i == 0 ? 2 : 1, argv);
}

START_TEST(help_verb)
{
	char out[4096];

	ck_assert_int_eq(child_exit(help_of_verb, 0, 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "usage: test [options] aging\n\nbalances\n\n"
	    "      --as-of DATE       aging: today\n"
	    "      --by KEY           aging: rows per\n\n"
	    "Example:\n  x aging --by segment\n\n"
	    "The options of every verb: test --help.\n");
	ck_assert_int_eq(child_exit(help_of_verb, 1, 1, out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "Verbs:\n  run [-]"));
}
END_TEST

Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("dates");

	tcase_add_checked_fixture(tc, quiet, NULL);

	tcase_add_test(tc, day_arg_date);
	tcase_add_exit_test(tc, day_arg_month_refused, CLI_EUSAGE);
	tcase_add_exit_test(tc, day_arg_impossible_refused, CLI_EUSAGE);
	suite_add_tcase(s, tc);
	tc = tcase_create("verbs");
	tcase_add_checked_fixture(tc, quiet, NULL);
	tcase_add_test(tc, verb_takes_its_options);
	tcase_add_loop_exit_test(tc, verb_refuses_another_verbs_option,
	    CLI_EUSAGE, 0, 3);
	tcase_add_loop_exit_test(tc, verb_unknown_or_missing, CLI_EUSAGE, 0,
	    2);
	tcase_add_exit_test(tc, verb_of_no_arguments, CLI_EUSAGE);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, help_verb);
	suite_add_tcase(s, tc);
	tc = tcase_create("suggestions");
	tcase_add_test(tc, distance_counts_edits);
	tcase_add_test(tc, nearest_only_when_near);
	tcase_add_test(tc, nearest_format_one_edit);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_test(tc, config_keys_read);
	tcase_add_loop_test(tc, config_errors_say_where, 0,
	    sizeof(bad_configs) / sizeof(bad_configs[0]));
	tcase_add_test(tc, config_not_text);
	tcase_add_test(tc, config_precedence);
	tcase_add_test(tc, config_path_found);
	suite_add_tcase(s, tc);
	tc = tcase_create("memory");
	tcase_add_test(tc, grow_doubles);
	tcase_add_loop_test(tc, size_that_wraps_refused, 0, 3);
	suite_add_tcase(s, tc);
	tc = tcase_create("held output");
	tcase_add_loop_test(tc, held_until_released, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
