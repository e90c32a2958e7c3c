#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "outfile.h"

/* the errno of the first write error of stdout [0] and stderr [1] */
static int output_errno[2];

#define REVOPS_VERSION "0.1.0"

static const char *progname = "revops";
static unsigned long nerrors;
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long max_errors = 20;
static int quiet;		/* -q */
static int config_format;	/* the format is the config file's */
static struct outfile *output_file;	/* -o FILE */

/*
 * Running again (cli_run_again()).  The count of runs before this one
 * goes to the next in the environment, which the first never has; the
 * program's own, so taken out of what it passes on.
 */
#define RUNS_ENV "REVOPS_RUN_AGAIN"
static int runs_before;
static int held = -1;		/* the user's stdout while it is held */
static int held_lost;		/* the held output could not be read back */
static off_t stdin_start = -1;	/* where stdin started, when a file */
static int stdin_used, spent, said, again;
static void at_exit(void);

const char cli_common_help[] =
"  -D, --db PATH          database file (default $REVOPS_DB, else ./revops.db)\n"
"      --busy-timeout MS  wait this long for a locked database (default 10000)\n"
"      --mode MODE        octal mode of the files it makes (default 0600)\n"
"  -d, --delimiter C      input field delimiter (default ',')\n"
"      --tsv              TSV input and output\n"
"      --decimal-comma    ';' between fields and ',' as the decimal mark\n"
"      --format FMT       output: csv, tsv, jsonl, json, or for a person table,\n"
"                         vertical or markdown (default csv), or xlsx (a\n"
"                         workbook, with -o); html or pdf: the documents of\n"
"                         revops-invoice render\n"
"  -o, --output FILE      write the output to FILE ('-': standard output),\n"
"                         renamed into place when the command succeeds\n"
"                         (render: the folder DIR)\n"
"      --no-header        no header row in the output\n"
"      --excel            output for a spreadsheet: BOM, CRLF, text as text\n"
"      --max-errors N     report at most N data errors (default 20)\n"
"  -q, --quiet            no summaries on stderr, only errors\n"
"  -h, --help             show this help\n"
"  -V, --version          show the version\n";

/* A number from min to max, or a usage error that starts with what (an
 * option, or a place in the config file). */
static long
parse_count(const char *what, const char *arg, long min, long max, int base)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, base);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
		cli_usage_error("%s: '%s' is not a number from %ld to %ld",
		    what, arg, min, max);
	return v;
}

/* "; did you mean 'X'?" for a near name, or "" (static storage). */
static const char *
did_you_mean(const char *prefix, const char *near)
{
	static char s[256];

	if (near == NULL)
		return "";
	snprintf(s, sizeof(s), "; did you mean '%s%s'?", prefix, near);
	return s;
}

/*
 * The config file.  Its text is read whole and kept until exit, the
 * values of *c pointing into it; a config file is a few lines.
 */
static char *config_text;

const char *
cli_config_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("REVOPS_CONFIG"), *xdg =
	    getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (env != NULL)
		return *env != '\0' ? env : NULL;
	/* the XDG base directory rules: a relative one is ignored */
	if (xdg != NULL && xdg[0] == '/')
		snprintf(path, sizeof(path), "%s/revops/config", xdg);
	else if (home != NULL && *home != '\0')
		snprintf(path, sizeof(path), "%s/.config/revops/config", home);
	else
		return NULL;
	return path;
}

/* Strips the blanks around s, in place; returns its start. */
static char *
trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static const char *const config_keys[] = { "busy-timeout", "currency", "db",
    "format" };

/* One line "key = value" of the config file, at where ("FILE:LINE"). */
static void
config_line(char *line, const char *where, struct cli_common *c)
{
	char *eq = strchr(line, '='), *key, *value, what[PATH_MAX + 64];

	if (eq == NULL)
		cli_usage_error("%s: '%s' is not 'key = value'", where, line);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	snprintf(what, sizeof(what), "%s: %s", where, key);
	if (*value == '\0')
		cli_usage_error("%s: no value", what);
	if (strcmp(key, "db") == 0) {
		c->db_path = value;
	} else if (strcmp(key, "currency") == 0) {
		if (strlen(value) != 3 || strspn(value,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
			cli_usage_error("%s: '%s' is not an ISO 4217 code", what,
			    value);
		c->currency = value;
	} else if (strcmp(key, "format") == 0) {
		enum out_format f;

		if (out_parse_format(value, &f) != 0)
			cli_usage_error("%s: '%s' is not one of "
			    OUT_FORMAT_NAMES "%s", what, value,
			    did_you_mean("", cli_nearest_format(value)));
		if (f == OUT_XLSX)
			cli_usage_error("%s: xlsx is a format for a file that "
			    "-o names, not for a terminal", what);
		/* what goes to a pipe or a file stays what the other
		 * programs read, whatever a person likes to see */
		if (isatty(STDOUT_FILENO)) {
			c->out.format = f;
			config_format = 1;
		}
	} else if (strcmp(key, "busy-timeout") == 0) {
		c->busy_ms = (int)parse_count(what, value, 0, INT_MAX, 10);
	} else {
		cli_usage_error("%s: unknown key '%s'%s", where, key,
		    did_you_mean("", cli_nearest(key, config_keys,
		    sizeof(config_keys) / sizeof(config_keys[0]),
		    sizeof(config_keys[0]))));
	}
}

void
cli_config_read(FILE *fp, const char *path, struct cli_common *c)
{
	char where[PATH_MAX + 32], *line, *next;
	size_t len = 0, cap = 0, n;
	unsigned long lineno = 0;
	char block[4096];

	while ((n = fread(block, 1, sizeof(block), fp)) > 0) {
		config_text = cli_grow(config_text, &cap, len + n + 1, 1);
		memcpy(config_text + len, block, n);
		len += n;
	}
	if (ferror(fp))
		cli_die(CLI_EIO, "%s: %s", path, strerror(errno));
	if (config_text == NULL)
		return;
	if (memchr(config_text, '\0', len) != NULL)
		cli_usage_error("%s: not a text file", path);
	config_text[len] = '\0';
	for (line = config_text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "#")] = '\0';
		line = trim(line);
		if (*line == '\0')
			continue;
		snprintf(where, sizeof(where), "%s:%lu", path, lineno);
		config_line(line, where, c);
	}
}

/* The config file, when there is one: a missing one at the usual place
 * is none; one that $REVOPS_CONFIG names must be there. */
static void
config_load(struct cli_common *c)
{
	const char *path = cli_config_path();
	FILE *fp;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && getenv("REVOPS_CONFIG") == NULL)
			return;
		cli_die(CLI_EIO, "%s: %s", path, strerror(errno));
	}
	cli_config_read(fp, path, c);
	(void)fclose(fp);
}

void
cli_init(const char *name, struct cli_common *c)
{
	const char *env = getenv("REVOPS_DB"), *runs = getenv(RUNS_ENV);

	progname = name;
	/*
	 * A standard stream the program was started without is /dev/null
	 * opened the other way, so that its reads or writes fail as they
	 * would, and no file or connection made later takes its number: a
	 * PostgreSQL connection's socket at 1 took stdout's writes.
	 */
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ==
		    STDIN_FILENO ? O_WRONLY : O_RDONLY) != fd)
			exit(CLI_EIO);
	if (runs != NULL) {
		runs_before = atoi(runs);
		unsetenv(RUNS_ENV);
	}
	stdin_start = lseek(STDIN_FILENO, 0, SEEK_CUR);
	/*
	 * A file or a pipe takes the output 64 KiB a write, a pipe's size,
	 * not stdio's 4 KiB: a million priced lines were 22,689 writes,
	 * and their system calls a seventh of the time.  A terminal keeps
	 * its lines.
	 */
	if (!isatty(STDOUT_FILENO)) {
		static char outbuf[1 << 16];

		(void)setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	}
	atexit(at_exit);	/* first, so that it runs last */
	memset(c, 0, sizeof(*c));
	c->db_path = "revops.db";
	c->busy_ms = 10000;
	c->mode = 0600;
	c->delim = ',';
	c->out.format = OUT_CSV;
	c->out.header = 1;
	config_load(c);
	if (env != NULL && *env != '\0')
		c->db_path = env;
}

const char *
cli_progname(void)
{
	return progname;
}

int
cli_common_option(struct cli_common *c, int ch, const char *arg)
{
	switch (ch) {
	case 'D':
		c->db_path = arg;
		break;
	case 'd':
		if (strlen(arg) != 1 || arg[0] == '"' || arg[0] == '\n' ||
		    arg[0] == '\r')
			cli_usage_error("option '--delimiter': '%s' is not one "
			    "character other than a quote or a line end", arg);
		c->delim = arg[0];
		c->delim_set = 1;
		break;
	case 'h':
		c->help = 1;
		break;
	case 'q':
		quiet = 1;
		break;
	case 'V':
		printf("%s %s\n", progname, REVOPS_VERSION);
		cli_finish_stdout();
		exit(CLI_OK);
	case CLI_OPT_BUSY:
		c->busy_ms = (int)parse_count("option '--busy-timeout'", arg,
		    0, INT_MAX, 10);
		break;
	case CLI_OPT_DECIMAL_COMMA:
		c->decimal_comma = 1;
		c->out.decimal_comma = 1;
		if (!c->delim_set)
			c->delim = ';';
		break;
	case CLI_OPT_EXCEL:
		c->out.excel = 1;
		break;
	case 'o':
		c->output = arg;
		break;
	case CLI_OPT_FORMAT:
		config_format = 0;
		c->out.document = strcmp(arg, "html") == 0 ? OUT_HTML :
		    strcmp(arg, "pdf") == 0 ? OUT_PDF : OUT_NO_DOCUMENT;
		if (c->out.document == OUT_NO_DOCUMENT &&
		    out_parse_format(arg, &c->out.format) != 0)
			cli_usage_error("option '--format': '%s' is not one of "
			    OUT_FORMAT_NAMES " (and html, pdf for documents)%s",
			    arg,
			    did_you_mean("", cli_nearest_format(arg)));
		break;
	case CLI_OPT_MAX_ERRORS:
		cli_set_max_errors((int)parse_count("option '--max-errors'",
		    arg, 1, INT_MAX, 10));
		break;
	case CLI_OPT_MODE:
		c->mode = (mode_t)parse_count("option '--mode'", arg, 0,
		    0777, 8);
		break;
	case CLI_OPT_NO_HEADER:
		c->out.header = 0;
		break;
	case CLI_OPT_TSV:
		c->delim = '\t';
		c->delim_set = 1;
		c->out.format = OUT_TSV;
		config_format = 0;
		break;
	default:
		return 0;
	}
	return 1;
}

void
cli_no_documents(const struct cli_common *c)
{
	if (c->out.document != OUT_NO_DOCUMENT)
		cli_usage_error("option '--format': %s is a format of "
		    "documents, which revops-invoice render writes; a table is "
		    "one of " OUT_FORMAT_NAMES, c->out.document == OUT_HTML ?
		    "html" : "pdf");
}

/* The own options given, by their long names (static storage). */
static const char *given[64];
static size_t ngiven;

static void
option_given(const char *name)
{
	for (size_t i = 0; i < ngiven; i++)
		if (strcmp(given[i], name) == 0)
			return;
	if (ngiven < sizeof(given) / sizeof(given[0]))
		given[ngiven++] = name;
}

int
cli_options(int argc, char *argv[], const struct option *longopts,
    struct cli_common *c, void (*own)(int ch, const char *arg, void *ctx),
    void *ctx)
{
	int ch, li;

	/* getopt_long() sets li only for a long option: a short one (-o)
	 * is named by the long option of the same value */
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    (li = -1, &li))) != -1) {
		if (ch == '?' || ch == ':')
			cli_bad_option(ch, argv, longopts);
		if (cli_common_option(c, ch, optarg))
			continue;
		for (int i = 0; li < 0 && longopts[i].name != NULL; i++)
			if (longopts[i].val == ch)
				li = i;
		if (li >= 0)
			option_given(longopts[li].name);
		own(ch, optarg, ctx);
	}
	return optind;
}

/* The verb called name, or a usage error that lists the verbs (name
 * NULL: none was given). */
static const struct cli_verb *
verb_find(const struct cli_program *p, const char *name)
{
	const char *near;
	char list[256];
	size_t n = 0;

	for (size_t i = 0; name != NULL && i < p->nverbs; i++)
		if (strcmp(p->verbs[i].name, name) == 0)
			return &p->verbs[i];
	for (size_t i = 0; i < p->nverbs && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i > 0 ? ", " : "", p->verbs[i].name);
	if (name == NULL)
		cli_usage_error("which verb? (%s)", list);
	near = cli_nearest(name, p->verbs, p->nverbs, sizeof(p->verbs[0]));
	if (near != NULL)
		cli_usage_error("'%s' is not a verb of %s%s", name, progname,
		    did_you_mean("", near));
	cli_usage_error("'%s' is not a verb of %s (%s)", name, progname, list);
}

static int
verb_takes(const struct cli_verb *v, const char *name)
{
	size_t n = strlen(name);

	for (const char *o = v->options; *o != '\0'; o += strspn(o, " ")) {
		size_t len = strcspn(o, " ");

		if (len == n && strncmp(o, name, n) == 0)
			return 1;
		o += len;
	}
	return 0;
}

void
cli_verb_check(const struct cli_verb *v)
{
	for (size_t i = 0; i < ngiven; i++)
		if (!verb_takes(v, given[i]))
			cli_usage_error("%s takes no option '--%s'", v->name,
			    given[i]);
}

const struct cli_verb *
cli_verb_of(const struct cli_program *p, struct cli_common *c,
    int argc, char *const argv[])
{
	const struct cli_verb *v;

	cli_help_command(p, argc, argv);
	v = argc > 0 ? verb_find(p, argv[0]) : NULL;
	if (c->help)
		cli_help(p, v);
	if (v == NULL)
		verb_find(p, NULL);
	if (v->kind != CLI_DOCUMENTS)
		cli_no_documents(c);
	else if (c->out.format == OUT_XLSX)
		cli_usage_error("%s writes documents, html or pdf, and "
		    "their list as a table of another format than xlsx",
		    v->name);
	cli_verb_check(v);
	if (argc > 1 && *v->synopsis == '\0')
		cli_usage_error("%s takes no arguments", v->name);
	if (v->kind != CLI_DOCUMENTS) {
		c->out.name = v->name;
		cli_output_open(c);
	}
	return v;
}

void
cli_help_command(const struct cli_program *p, int argc, char *const argv[])
{
	if (argc == 0 || strcmp(argv[0], "help") != 0)
		return;
	if (argc > 2 || (argc == 2 && p->nverbs == 0))
		cli_usage_error("help takes %s", p->nverbs > 0 ? "one verb at "
		    "most" : "no arguments");
	cli_help(p, argc == 2 ? verb_find(p, argv[1]) : NULL);
}

/* Help is 79 columns wide, with the text of items from column 25. */
#define HELP_WIDTH 79
#define HELP_COLUMN 25

/* Prints text's words from column col on, wrapped at HELP_WIDTH to lines
 * that start at column indent, and ends the line. */
static void
help_wrap(const char *text, int indent, int col)
{
	int first = 1;

	for (const char *p = text + strspn(text, " "); *p != '\0';
	    p += strspn(p, " ")) {
		int n = (int)strcspn(p, " ");

		if (!first && col + 1 + n > HELP_WIDTH) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			putchar(' ');
			col++;
		}
		printf("%.*s", n, p);
		col += n;
		p += n;
		first = 0;
	}
	putchar('\n');
}

/* An item of --help: its label, then its text from HELP_COLUMN (on the
 * next line when the label reaches it). */
static void
help_item(const char *label, const char *arg, const char *text)
{
	int col = printf("%s%s%s", label, arg != NULL && *arg != '\0' ? " " :
	    "", arg != NULL ? arg : "");

	if (col >= HELP_COLUMN - 1) {
		putchar('\n');
		col = 0;
	}
	printf("%*s", HELP_COLUMN - col, "");
	help_wrap(text, HELP_COLUMN, HELP_COLUMN);
}

static void
help_options(const struct cli_program *p, const struct cli_verb *v)
{
	char label[64];

	for (size_t i = 0; i < p->noptions; i++) {
		const struct cli_option_help *o = &p->options[i];

		if (v != NULL && !verb_takes(v, o->name))
			continue;
		snprintf(label, sizeof(label), "      --%s", o->name);
		help_item(label, o->arg, o->help);
	}
}

void
cli_help(const struct cli_program *p, const struct cli_verb *v)
{
	char label[64];

	if (v != NULL) {
		printf("usage: %s [options] %s%s%s\n\n", progname, v->name,
		    *v->synopsis != '\0' ? " " : "", v->synopsis);
		help_wrap(v->help, 0, 0);
		if (*v->options != '\0')
			putchar('\n');
		help_options(p, v);
		printf("\nExample:\n  %s\n\nThe options of every verb: %s --help.\n",
		    v->example, progname);
		cli_finish_stdout();
		exit(CLI_OK);
	}
	printf("usage: %s [options] %s\n\n%s", progname, p->usage, p->about);
	if (p->nverbs > 0)
		printf("Verbs:\n");
	for (size_t i = 0; i < p->nverbs; i++) {
		snprintf(label, sizeof(label), "  %s", p->verbs[i].name);
		help_item(label, p->verbs[i].synopsis, p->verbs[i].help);
	}
	if (p->after_verbs != NULL)
		printf("%s", p->after_verbs);
	if (p->nverbs > 0) {
		snprintf(label, sizeof(label), "%s help VERB", progname);
		help_item(label, NULL, "a verb's options and an example, as "
		    "VERB --help");
	}
	putchar('\n');
	help_options(p, NULL);
	printf("%s\nExample:\n  %s\n", cli_common_help, p->example);
	cli_finish_stdout();
	exit(CLI_OK);
}

static void
vwarn_plain(const char *fmt, va_list ap)
{
	said = 1;
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_plain(fmt, ap);
	va_end(ap);
}

void
cli_note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vwarn_plain(fmt, ap);
	va_end(ap);
}

int
cli_quiet(void)
{
	return quiet;
}

void
cli_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_plain(fmt, ap);
	va_end(ap);
	exit(status);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_plain(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(CLI_EUSAGE);
}

void
cli_bad_option(int ch, char *const argv[], const struct option *longopts)
{
	const char *arg = argv[optind - 1], *near = NULL;
	char *name;
	size_t n = 0;

	if (ch == ':')
		cli_usage_error("option '%s' needs a value", arg);
	if (optopt != 0 && arg[0] == '-' && arg[1] != '-')
		cli_usage_error("unknown option '-%c'", optopt);
	if (strncmp(arg, "--", 2) == 0) {
		while (longopts[n].name != NULL)
			n++;
		/* "--formt=csv" is compared without its value */
		name = cli_strndup(arg + 2, strcspn(arg + 2, "="));
		near = cli_nearest(name, longopts, n, sizeof(longopts[0]));
		free(name);
	}
	cli_usage_error("unknown option '%s'%s", arg, did_you_mean("--", near));
}

size_t
cli_distance(const char *a, const char *b)
{
	/* three rows of the table of distances between prefixes: the one
	 * before the last is for the swap of two neighbours */
	size_t na = strlen(a), nb = strlen(b), row[3][CLI_NAME_MAX + 1];

	if (na > CLI_NAME_MAX || nb > CLI_NAME_MAX)
		return SIZE_MAX;	/* no name of ours is that long */
	for (size_t j = 0; j <= nb; j++)
		row[0][j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t *d = row[i % 3], *up = row[(i - 1) % 3],
		    *up2 = row[(i + 1) % 3];

		d[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t v = up[j - 1] + (a[i - 1] != b[j - 1]);

			if (up[j] + 1 < v)
				v = up[j] + 1;
			if (d[j - 1] + 1 < v)
				v = d[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && up2[j - 2] + 1 < v)
				v = up2[j - 2] + 1;
			d[j] = v;
		}
	}
	return row[na % 3][nb];
}

const char *
cli_nearest(const char *name, const void *table, size_t n, size_t size)
{
	const char *best = NULL;
	size_t most = CLI_NEAR(strlen(name));

	for (size_t i = 0; i < n; i++) {
		const char *cand = *(const char *const *)(const void *)
		    ((const char *)table + i * size);
		size_t d = cli_distance(name, cand);

		if (d <= most && (best == NULL || d < cli_distance(name, best)))
			best = cand;
	}
	return best;
}

static int
known_format(const char *name)
{
	enum out_format f;

	return out_parse_format(name, &f) == 0 || strcmp(name, "html") == 0 ||
	    strcmp(name, "pdf") == 0;
}

/*
 * out.c keeps the names of the table formats to itself: the near ones
 * are found by asking it about each name one edit away, the deletion,
 * swap, change or insertion of one letter.
 */
const char *
cli_nearest_format(const char *name)
{
	static char s[CLI_NAME_MAX + 2];
	size_t n = strlen(name);

	if (n > CLI_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "%.*s%s", (int)i, name, name + i + 1);
		if (known_format(s))
			return s;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		snprintf(s, sizeof(s), "%s", name);
		s[i] = name[i + 1];
		s[i + 1] = name[i];
		if (known_format(s))
			return s;
	}
	for (size_t i = 0; i <= n; i++)
		for (char ch = 'a'; ch <= 'z'; ch++) {
			snprintf(s, sizeof(s), "%s", name);
			if (i < n && ch != name[i]) {
				s[i] = ch;
				if (known_format(s))
					return s;
			}
			snprintf(s, sizeof(s), "%.*s%c%s", (int)i, name, ch,
			    name + i);
			if (known_format(s))
				return s;
		}
	return NULL;
}

int
cli_data_error(const char *file, unsigned long line, const char *column,
    const char *fmt, ...)
{
	va_list ap;
	int more;

	pthread_mutex_lock(&error_lock);	/* revops-import's writer too */
	if (nerrors >= max_errors) {
		pthread_mutex_unlock(&error_lock);
		return 0;
	}
	said = 1;
	fprintf(stderr, "%s: ", progname);
	if (file != NULL && line > 0)
		fprintf(stderr, "%s:%lu: ", file, line);
	else if (file != NULL)
		fprintf(stderr, "%s: ", file);
	if (column != NULL)
		fprintf(stderr, "column '%s': ", column);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!(more = ++nerrors < max_errors))
		fprintf(stderr, "%s: stopping after %lu errors (--max-errors)\n",
		    progname, nerrors);
	pthread_mutex_unlock(&error_lock);
	return more;
}

unsigned long
cli_data_errors(void)
{
	unsigned long n;

	pthread_mutex_lock(&error_lock);
	n = nerrors;
	pthread_mutex_unlock(&error_lock);
	return n;
}

unsigned long
cli_data_errors_left(void)
{
	unsigned long n;

	pthread_mutex_lock(&error_lock);
	n = max_errors - nerrors;
	pthread_mutex_unlock(&error_lock);
	return n;
}

void
cli_set_max_errors(int n)
{
	max_errors = n > 0 ? (unsigned long)n : 1;
}

void
cli_finish_output(FILE *fp)
{
	if (fp == stdout)
		cli_release_stdout();
	(void)fflush(fp);
	if (!cli_output_ok(fp))
		cli_die(CLI_EIO, "error writing to standard %s: %s",
		    fp == stderr ? "error" : "output",
		    strerror(output_errno[fp == stderr]));
}

int
cli_output_ok(FILE *fp)
{
	int *e = &output_errno[fp == stderr];

	/* unlocked, as out.c writes: this runs at every row */
	if (!ferror_unlocked(fp) && !(fp == stdout && held_lost))
		return 1;
	if (*e == 0)
		*e = errno != 0 ? errno : EIO;
	return 0;
}

int
cli_put_stdout(const void *buf, size_t n)
{
	size_t put = fwrite(buf, 1, n, stdout);

	return cli_output_ok(stdout) && put == n ? 0 : -1;
}

void
cli_finish_stdout(void)
{
	cli_finish_output(stdout);
}

void
cli_output_open(struct cli_common *c)
{
	if (c->output == NULL) {
		if (c->out.format == OUT_XLSX)
			cli_usage_error("--format xlsx writes a workbook, a zip "
			    "file: name it with -o FILE.xlsx");
		return;
	}
	/* the config file's format is for a terminal, which -o is not */
	if (config_format)
		c->out.format = OUT_CSV;
	if (strcmp(c->output, "-") == 0) {
		if (c->out.format == OUT_XLSX && isatty(STDOUT_FILENO))
			cli_usage_error("--format xlsx: standard output is a "
			    "terminal, and a workbook is a zip file: -o "
			    "FILE.xlsx");
		return;
	}
	(void)fflush(stdout);
	output_file = outfile_open(c->output, c->mode);
	if (dup2(fileno(outfile_fp(output_file)), STDOUT_FILENO) < 0)
		cli_die(CLI_EIO, "%s: %s", c->output, strerror(errno));
}

int
cli_finish(int rc)
{
	struct outfile *f = output_file;

	cli_finish_stdout();
	if (f == NULL)
		return rc;
	output_file = NULL;
	if (rc != CLI_OK) {
		outfile_abort(f);
		return rc;
	}
	return outfile_commit(f) == 0 ? rc : CLI_EIO;
}

void
cli_hold_stdout(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd, user;

	if (held >= 0 || snprintf(path, sizeof(path), "%s/revops-out.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp") >= (int)sizeof(path))
		return;
	(void)fflush(stdout);
	if ((fd = mkstemp(path)) < 0)
		return;
	(void)unlink(path);
	if ((user = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) >= 0 &&
	    dup2(fd, STDOUT_FILENO) >= 0)
		held = user;
	else if (user >= 0)
		(void)close(user);
	(void)close(fd);
}

/* What was held is read back from the temporary and written to the
 * user's stdout through the stream, whose error says how that went. */
void
cli_release_stdout(void)
{
	char block[65536];
	ssize_t n;
	int fd;

	if (held < 0)
		return;
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* the temporary refused some (a full file system): none of
		 * it goes out, and its error is the one to tell */
		if (output_errno[0] == 0)
			output_errno[0] = errno != 0 ? errno : EIO;
		held_lost = 1;
	}
	fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	(void)dup2(held, STDOUT_FILENO);
	(void)close(held);
	held = -1;
	if (held_lost)
		n = 0;
	else if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0)
		n = -1;
	else
		while ((n = read(fd, block, sizeof(block))) > 0 &&
		    cli_put_stdout(block, (size_t)n) == 0)
			;
	if (n < 0) {
		output_errno[0] = errno;
		held_lost = 1;
	}
	if (fd >= 0)
		(void)close(fd);
}

/* An input of another kind (a pipe, a terminal) is spent once read. */
void
cli_input_read(FILE *fp)
{
	struct stat st;

	if (fp == stdin)
		stdin_used = 1;
	else if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
		spent = 1;
}

void
cli_run_again(void)
{
	if (runs_before < CLI_RUNS_AGAIN && held >= 0 && !said && !spent &&
	    (!stdin_used || stdin_start >= 0)) {
		again = 1;
		exit(CLI_EIO);
	}
}

/*
 * The program's arguments as it was given them (getopt_long() reorders
 * argv), from the kernel; NULL, errno set, when they cannot be read.
 * Neither is freed: the program is replaced, or ends.
 */
static char **
own_arguments(void)
{
	FILE *fp = fopen("/proc/self/cmdline", "r");
	char *buf = NULL, *more, **args;
	size_t n = 0, cap = 0, k = 0;

	if (fp == NULL)
		return NULL;
	do {
		if ((more = realloc(buf, cap = cap * 2 + 4096)) == NULL) {
			free(buf);
			(void)fclose(fp);
			return NULL;
		}
		buf = more;
		n += fread(buf + n, 1, cap - n - 1, fp);
	} while (n == cap - 1);
	(void)fclose(fp);
	buf[n] = '\0';
	if ((args = calloc(n + 1, sizeof(*args))) == NULL) {
		free(buf);
		return NULL;
	}
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		args[k++] = buf + i;
	return args;
}

/*
 * Before a run again, a wait of a random part of 20 ms, 40 ms, then
 * 80 ms: the command that changed the same rows may still be at it, and
 * two that failed against each other would meet again at once.
 */
static void
backoff(void)
{
	struct timespec now, t;
	unsigned int seed;
	long ms = 20L << runs_before;

	clock_gettime(CLOCK_REALTIME, &now);
	seed = (unsigned int)(now.tv_nsec ^ getpid());
	ms = ms / 2 + rand_r(&seed) % (ms / 2 + 1);
	t.tv_sec = 0;
	t.tv_nsec = ms * 1000000L;
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/*
 * Last at exit(): the held output goes to the user, or, to run again,
 * the program is run anew in this process, what it had written dropped
 * (outfile.h's temporaries went just before, as their handler came
 * later).  Another thread may still write to stdout: the user's is put
 * back at the last moment.
 */
static void
at_exit(void)
{
	char runs[16];
	char **args;

	if (!again) {
		cli_release_stdout();
		return;
	}
	snprintf(runs, sizeof(runs), "%d", runs_before + 1);
	backoff();
	if ((args = own_arguments()) != NULL && setenv(RUNS_ENV, runs, 1) == 0 &&
	    (!stdin_used || lseek(STDIN_FILENO, stdin_start, SEEK_SET) ==
	    stdin_start) && dup2(held, STDOUT_FILENO) >= 0)
		execv("/proc/self/exe", args);
	fprintf(stderr, "%s: cannot run again (%s): nothing was committed: "
	    "run the command again\n", progname, strerror(errno));
}

int32_t
cli_day_arg(const char *opt, const char *arg, int months, int end)
{
	char why[DATE_WHY_MAX];
	size_t len = strlen(arg);
	int32_t day;

	if (months && date_parse_bound(arg, len, end, &day) == 0)
		return day;
	if (!months && date_parse(arg, len, &day) == 0)
		return day;
	/* the form is right but the calendar says no: say which rule */
	if (date_why_not(arg, len, why) != NULL || (months &&
	    date_month_why_not(arg, len, why) != NULL))
		cli_usage_error("option '%s': '%s': %s", opt, arg, why);
	cli_usage_error("option '%s': '%s' is not a date (YYYY-MM-DD)%s", opt,
	    arg, months ? " or a month (YYYY-MM)" : "");
}

int32_t
cli_month_arg(const char *opt, const char *arg)
{
	char why[DATE_WHY_MAX];
	int32_t month;

	if (date_parse_month(arg, strlen(arg), &month) == 0)
		return month;
	if (date_month_why_not(arg, strlen(arg), why) != NULL)
		cli_usage_error("option '%s': '%s': %s", opt, arg, why);
	cli_usage_error("option '%s': '%s' is not a month (YYYY-MM)", opt, arg);
}

const char *
cli_input_name(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
}

static _Noreturn void
out_of_memory(void)
{
	cli_die(CLI_EIO, "out of memory");
}

/* n * size, which must fit in a size_t. */
static size_t
bytes(size_t n, size_t size)
{
	if (size > 0 && n > SIZE_MAX / size)
		out_of_memory();
	return n * size;
}

void *
cli_calloc(size_t n, size_t size)
{
	void *p;

	bytes(n, size);
	if ((p = calloc(n > 0 ? n : 1, size > 0 ? size : 1)) == NULL)
		out_of_memory();
	return p;
}

void *
cli_realloc(void *p, size_t n, size_t size)
{
	size_t total = bytes(n, size);

	/* realloc(p, 0) may free p and return NULL */
	if ((p = realloc(p, total > 0 ? total : 1)) == NULL)
		out_of_memory();
	return p;
}

void *
cli_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap > 0 ? *cap : 16;

	if (need <= *cap)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			out_of_memory();
		n *= 2;
	}
	p = cli_realloc(p, n, size);
	*cap = n;
	return p;
}

char *
cli_strdup(const char *s)
{
	return s != NULL ? cli_strndup(s, strlen(s)) : NULL;
}

char *
cli_strndup(const char *s, size_t len)
{
	char *p;

	len = strnlen(s, len);	/* as strndup() */
	p = cli_realloc(NULL, len + 1, 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int
cli_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	if (pthread_create(t, NULL, fn, arg) == 0)
		return 1;
	fn(arg);
	return 0;
}

FILE *
cli_memstream(char **buf, size_t *len)
{
	FILE *fp = open_memstream(buf, len);

	if (fp == NULL)
		out_of_memory();
	return fp;
}

char *
cli_join_args(int argc, char *const argv[])
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = cli_realloc(NULL, len, 1);
	p = s;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (i > 0)
			*p++ = ' ';
		memcpy(p, argv[i], n);
		p += n;
	}
	*p = '\0';
	return s;
}
