/*
 * cli: what every program shares at the command line: exit statuses,
 * diagnostics, the common options of DESIGN.md section 2, and the check
 * for write errors on stdout.
 *
 * Diagnostics go to stderr as "PROG: FILE:LINE: column 'C': MESSAGE".
 * Errors about data are counted; after --max-errors of them the program
 * stops with a last line saying so.  Nothing here allocates except the
 * memory calls at the end and cli_join_args(), whose results the caller
 * frees.
 */
#ifndef REVOPS_CLI_H
#define REVOPS_CLI_H

#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "out.h"

enum cli_status {
	CLI_OK = 0,
	CLI_EDATA = 1,		/* bad data: validation, rules */
	CLI_EUSAGE = 2,		/* bad command line */
	CLI_EIO = 3		/* database or I/O error */
};

struct cli_common {
	const char *db_path;	/* -D, $REVOPS_DB, ./revops.db */
	int busy_ms;		/* --busy-timeout */
	mode_t mode;		/* --mode for a new database file */
	char delim;		/* input: ',' or --tsv / -d */
	int delim_set;		/* -d or --tsv given: a .tsv name does not override */
	int decimal_comma;	/* input and output */
	struct out_opts out;	/* --format, --tsv, --no-header, --excel */
	const char *output;	/* -o, --output: a FILE (render: a DIR), or
				 * NULL */
	int help;		/* -h given: the program prints its help */
	const char *currency;	/* the config file's: a report's --currency
				 * by default, or NULL */
};

/* Long options every program takes; a program's table starts with these
 * and ends with its own and {0}.  Short options: "D:d:ho:qV". */
enum {
	CLI_OPT_BUSY = 0x100, CLI_OPT_DECIMAL_COMMA, CLI_OPT_EXCEL,
	CLI_OPT_FORMAT, CLI_OPT_MAX_ERRORS, CLI_OPT_MODE, CLI_OPT_NO_HEADER,
	CLI_OPT_TSV, CLI_OPT_FIRST_OWN	/* a program's own options start here */
};
#define CLI_SHORTOPTS ":D:d:ho:qV"	/* ':' first: we word the errors */
#define CLI_LONGOPTS \
	{ "busy-timeout", required_argument, NULL, CLI_OPT_BUSY }, \
	{ "db", required_argument, NULL, 'D' }, \
	{ "decimal-comma", no_argument, NULL, CLI_OPT_DECIMAL_COMMA }, \
	{ "delimiter", required_argument, NULL, 'd' }, \
	{ "excel", no_argument, NULL, CLI_OPT_EXCEL }, \
	{ "format", required_argument, NULL, CLI_OPT_FORMAT }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "max-errors", required_argument, NULL, CLI_OPT_MAX_ERRORS }, \
	{ "mode", required_argument, NULL, CLI_OPT_MODE }, \
	{ "no-header", no_argument, NULL, CLI_OPT_NO_HEADER }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "tsv", no_argument, NULL, CLI_OPT_TSV }, \
	{ "version", no_argument, NULL, 'V' }

/* The lines of --help that describe the common options. */
extern const char cli_common_help[];

/*
 * Sets the program name used in diagnostics and the defaults of *c: the
 * built-in ones, over them the config file's (cli_config_read() of
 * cli_config_path()), over those $REVOPS_DB; the options come last.
 */
void cli_init(const char *progname, struct cli_common *c);
const char *cli_progname(void);

/*
 * Handles one common option.  Returns 1 when ch was one (usage errors exit
 * with CLI_EUSAGE), 0 when it is the program's own.  'h' sets c->help, so
 * that the help can be of the verb given after it; 'V' prints the version
 * and exits 0.
 */
int cli_common_option(struct cli_common *c, int ch, const char *arg);

/*
 * A program's verbs, as one table that serves dispatch, the refusal of an
 * option meant for another verb, --help and `PROG VERB --help`, which
 * tests/docs.sh holds the man page and the completions to.  options
 * names the program's own long options the verb takes, separated by
 * spaces ("period on account dry-run"); the common options go with every
 * verb.  Everything is static storage.
 */
/* What a verb does with the database, and where its -o goes. */
enum cli_verb_kind {
	CLI_READS,		/* reads the database; -o is its output */
	CLI_WRITES,		/* changes the database; -o is its output */
	CLI_DOCUMENTS		/* reads it, and writes documents into the
				 * folder of -o, their list to stdout */
};

struct cli_verb {
	const char *name;
	const char *synopsis;	/* what follows the verb: "[INVOICE...]" */
	const char *options;
	enum cli_verb_kind kind;
	const char *help;	/* what it does, for --help */
	const char *example;	/* a command line, runnable on the demo */
};

/* An own option in --help: its long name, the name of its value (NULL
 * for none) and what it does. */
struct cli_option_help {
	const char *name;
	const char *arg;
	const char *help;
};

struct cli_program {
	const char *usage;	/* after "usage: PROG [options] " */
	const char *about;	/* the paragraphs after the usage line */
	const struct cli_verb *verbs;	/* NULL for a program of no verbs */
	size_t nverbs;
	const char *after_verbs;	/* a paragraph after the verbs, or NULL */
	const struct cli_option_help *options;
	size_t noptions;
	const char *example;
};

/*
 * Reads the options of argv: the common ones into c, the program's own
 * through own(ch, optarg, ctx), each noted for cli_verb_check(); reports
 * an unknown option or a missing value (CLI_EUSAGE).  Returns optind, the
 * index of the first argument.
 */
int cli_options(int argc, char *argv[], const struct option *longopts,
    struct cli_common *c, void (*own)(int ch, const char *arg, void *ctx),
    void *ctx);

/* --format html or pdf, documents, is an error (CLI_EUSAGE) for a program
 * or verb that writes none. */
void cli_no_documents(const struct cli_common *c);

/*
 * The verb that argv (the arguments after the options) names: prints the
 * help, of the verb when one is named, for -h; else refuses no verb, an
 * unknown one, an option it does not take, and arguments to a verb whose
 * synopsis names none, as usage errors; names the output after the verb
 * (c->out.name) and opens it (cli_output_open()), but for a verb of
 * documents, whose -o is their folder.
 */
const struct cli_verb *cli_verb_of(const struct cli_program *p,
    struct cli_common *c, int argc, char *const argv[]);

/* For `PROG help [VERB]` (argv the arguments after the options): prints
 * the help of the program, or of the verb; else returns. */
void cli_help_command(const struct cli_program *p, int argc,
    char *const argv[]);

/* Refuses, as a usage error, each own option given that v does not take. */
void cli_verb_check(const struct cli_verb *v);

/* Prints the help of the program, or with v of that verb alone: its
 * synopsis, what it does and its own options; exits 0. */
_Noreturn void cli_help(const struct cli_program *p, const struct cli_verb *v);

/* Reports what getopt_long() returned '?' or ':' for, with the nearest
 * option of longopts to an unknown one, and exits CLI_EUSAGE; call it
 * from the default case of the option switch. */
_Noreturn void cli_bad_option(int ch, char *const argv[],
    const struct option *longopts);

/*
 * What was meant by an unknown name: of the n entries of table, each
 * size bytes and starting with its name (a const char *, as in struct
 * cli_verb or struct option), the one nearest to name by edit distance
 * (Damerau-Levenshtein: an insertion, a deletion, a change or the swap
 * of two neighbours is one edit), when it is near enough (CLI_NEAR);
 * else NULL.  Ties go to the first.  The name returned is the table's.
 */
#define CLI_NEAR(len) (((len) + 3) / 4)	/* edits allowed for a name of len */
#define CLI_NAME_MAX 64	/* a longer name is near none */
const char *cli_nearest(const char *name, const void *table, size_t n,
    size_t size);
/* The edit distance of a and b, a swapped pair not edited again (the
 * optimal string alignment); SIZE_MAX when one is over CLI_NAME_MAX. */
size_t cli_distance(const char *a, const char *b);
/* The --format nearest to name, one edit away (static storage), or NULL. */
const char *cli_nearest_format(const char *name);

/*
 * The config file: $REVOPS_CONFIG when set (empty: none), else
 * $XDG_CONFIG_HOME/revops/config, else ~/.config/revops/config; NULL for
 * none.  The string is static storage or the environment's.
 */
const char *cli_config_path(void);
/*
 * Reads the config file fp, named path in errors: lines "key = value",
 * blank lines and '#' comments, for the keys db, currency, format and
 * busy-timeout, into c (format only when stdout is a terminal: a pipe
 * or a file stays what the other programs read).  A file that is not
 * text, an unknown key or a bad value is a usage error
 * that names path, the line and the value; the values c points to are
 * static storage, kept until exit.
 */
void cli_config_read(FILE *fp, const char *path, struct cli_common *c);

/* Prints "PROG: MESSAGE" to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "PROG: MESSAGE" to stderr, unless -q (cli_quiet()): what a
 * command did, for a person; never an error. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_quiet(void);

/* Prints "PROG: MESSAGE" and exits with status. */
_Noreturn void cli_die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a usage error and "try 'PROG --help'", exits CLI_EUSAGE. */
_Noreturn void cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Reports one data error at FILE:LINE (line 0: no line), column COLUMN
 * (NULL: no column), and counts it.  Returns 1 while more errors may be
 * reported, 0 once --max-errors is reached (the caller stops).
 */
int cli_data_error(const char *file, unsigned long line, const char *column,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
unsigned long cli_data_errors(void);
/* How many more may be reported before --max-errors is reached. */
unsigned long cli_data_errors_left(void);
void cli_set_max_errors(int n);

/* Flushes stdout (or fp: stdout or stderr); on a write error, now or
 * before, reports it and exits CLI_EIO. */
void cli_finish_stdout(void);

/*
 * The output of a command that writes a table.  --format xlsx wants -o (a
 * workbook is a zip file, for no terminal, and no program of ours reads
 * one), and -o - for stdout only where that is not a terminal.  -o FILE
 * makes FILE standard output: a temporary in its folder (outfile.h), the
 * config file's format put back to csv.  cli_finish(rc), last, is
 * cli_finish_stdout(), then with -o FILE renames it over FILE when rc is
 * CLI_OK, else removes it, leaving FILE as it was; it returns rc, or
 * CLI_EIO when the rename failed.
 */
void cli_output_open(struct cli_common *c);
int cli_finish(int rc);
void cli_finish_output(FILE *fp);
/* Whether fp has had no write error; at the first, keeps its errno for
 * cli_finish_output() to name, as the database's client library may
 * have reset errno by the time the error is reported.  A writer of
 * many rows calls it after each. */
int cli_output_ok(FILE *fp);
/* Writes the n bytes of buf to stdout, and keeps the errno of a failure
 * at once (cli_output_ok()): 0, or -1. */
int cli_put_stdout(const void *buf, size_t n);

/*
 * Running a command again from the start, for a database whose
 * transactions may fail to serialize with another program's (SQLSTATE
 * 40001 on PostgreSQL): the new run is what the user sees, as if the
 * first had not been.  cli_hold_stdout() holds what the program writes
 * to stdout in an unlinked temporary file (TMPDIR), from then until
 * cli_release_stdout(), which writes it out (the commit calls it before
 * it commits, cli_finish_stdout() and exit() do too): held, no byte of
 * it has reached the user.  When no temporary can be made it holds
 * nothing, and a run cannot be done again.  cli_input_read() notes an
 * input that the program reads (the CSV reader calls it).
 *
 * cli_run_again() ends the program and runs it anew (the same program,
 * arguments and environment, stdin from where it started) when that is
 * unseen: stdout is held, nothing has been written to stderr, every
 * input read is a file (stdin is read again from where it started; one
 * named, as it is named), and it has not been run again CLI_RUNS_AGAIN
 * times already; it waits a random while first, longer each time.
 * Otherwise it returns, and the caller says why the command failed.
 * Files that outfile.h writes are removed as at exit().
 */
#define CLI_RUNS_AGAIN 3
void cli_hold_stdout(void);
void cli_release_stdout(void);
void cli_input_read(FILE *fp);
void cli_run_again(void);

/*
 * The day an option names: "YYYY-MM-DD", or where months may stand for
 * days a month "YYYY-MM" (its first day, or with end its last); and the
 * month an option names, "YYYY-MM".  Anything else is a usage error that
 * names the option and the value.
 */
int32_t cli_day_arg(const char *opt, const char *arg, int months, int end);
int32_t cli_month_arg(const char *opt, const char *arg);

/* The display name of an input path: "stdin" for "-" or NULL. */
const char *cli_input_name(const char *path);

/*
 * Memory: each exits CLI_EIO, "out of memory", when memory runs out or
 * when n * size (or a capacity doubled) would not fit in a size_t, so
 * that no caller multiplies a size itself; the caller frees what they
 * return.  cli_realloc() gives p (NULL: none yet) room for n elements of
 * size bytes; cli_grow() gives p, which has room for *cap of them, room
 * for need, doubling *cap (from 16) until it does.  cli_strdup(NULL) is
 * NULL; cli_strndup() copies at most len bytes of s, as strndup().
 */
void *cli_calloc(size_t n, size_t size);
void *cli_realloc(void *p, size_t n, size_t size);
void *cli_grow(void *p, size_t *cap, size_t need, size_t size);
char *cli_strdup(const char *s);
char *cli_strndup(const char *s, size_t len);
/* Runs fn(arg) on a thread of its own, or at once when there can be
 * none; returns 1 when it made a thread, for the caller to join. */
int cli_thread(pthread_t *t, void *(*fn)(void *), void *arg);
/* open_memstream(): the caller closes the stream, then frees *buf. */
FILE *cli_memstream(char **buf, size_t *len);

/* argv joined by spaces, for the audit log; the caller frees it. */
char *cli_join_args(int argc, char *const argv[]);

#endif
