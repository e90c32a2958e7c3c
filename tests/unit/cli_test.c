/* The command line: a DATE option takes a date and nothing else, a
 * DATE|MONTH option either; a verb takes only its own options. */
#include <stdlib.h>
#include <string.h>

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
	{ "run", "[-]", "period on dry-run", 1, "bill" },
	{ "aging", "", "as-of by", 0, "balances" },
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
	return s;
}
