/*
 * A mapping file is parsed once, at the start, into its exports and
 * their rows (mapping.h has the form), and checked whole: every error of
 * the file is reported, at its line and field, before anything is read.
 * An import then reads each record of an export through a reader, which
 * knows where the export's columns are in the file at hand and writes
 * the converted values, NUL-terminated as the CSV reader's are, into a
 * buffer of its own: the importer sees a record of the entity's columns
 * and checks it as any other.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "date.h"
#include "keyset.h"
#include "mapping.h"
#include "money.h"

#define SOURCES_MAX 4		/* columns a row of a mapping reads */
#define FORMS_MAX 8		/* forms of a timestamp */
#define SECONDS_A_DAY 86400

enum conv { C_COPY, C_UPPER, C_DAY, C_AMOUNT, C_MAP, C_PERIOD, C_CONST,
    C_CHANGES };

/* The conversions, and how many source columns each takes. */
static const struct {
	const char *name;
	int min, max;
} convs[] = {
	[C_COPY] = { "copy", 1, SOURCES_MAX },
	[C_UPPER] = { "upper", 1, SOURCES_MAX },
	[C_DAY] = { "day", 1, SOURCES_MAX },
	[C_AMOUNT] = { "amount", 2, 2 },
	[C_MAP] = { "map", 1, 1 },
	[C_PERIOD] = { "period", 1, 2 },
	[C_CONST] = { "const", 0, 0 },
	[C_CHANGES] = { "changes", 2, 2 },
};
#define NCONV (sizeof(convs) / sizeof(convs[0]))
#define CONV_NAMES "copy, upper, day, amount, map, period, const or " \
    "changes"

/* What a timestamp may be besides a pattern. */
#define FORM_UNIX "unix"
/* copy's argument: "" is no value either, as in an export that quotes
 * every field. */
#define COPY_EMPTY "empty"
/* A source of many columns, and the part of a column's name it matches. */
#define PATTERN_ANY '*'
#define PATTERN_PART "*"

struct text {
	const char *s;
	size_t len;
};

struct rule {
	const char *column;	/* the entity's, or "-" */
	int ci;			/* its index; -1 for "-" */
	enum conv conv;
	const char *source, *arg, *conv_name;	/* as written */
	size_t src[SOURCES_MAX];	/* the export's sources */
	int nsrc;
	struct text form[FORMS_MAX];	/* day */
	int nform;
	struct text *from, *to;		/* map */
	size_t npair;
	int minor;			/* amount */
	int quoted_empty;		/* copy: "" is empty */
	char *label;		/* "A or B", of a value from either; or NULL */
	unsigned long line;
};

struct mapping_export {
	const char *name;
	const struct entity *e;
	unsigned long line;		/* its first row */
	struct rule *rule;
	size_t nrule, caprule;
	char **source;			/* the columns it reads */
	int *optional;
	size_t nsource, capsource;
	int pattern, part;		/* the sources of many columns and of
					 * the part they match, or -1 */
};

struct mapping {
	char *text;			/* the file, cut into its fields */
	const char *name;		/* for messages */
	struct mapping_export *x;
	size_t nx, capx;
};

/* The value of a key that a rule changes saw last. */
struct last {
	char *key, *value;
	struct last *next;
};

struct mapping_reader {
	const struct mapping_export *x;
	int *at;			/* the field of each source, or -1 */
	size_t *keep;			/* the rules in the header */
	size_t nkeep;
	const char **label;		/* by entity column */
	struct csv_field *hfield, *field;	/* nkeep a record */
	struct csv_record header, *rec;
	size_t nrec, caprec;
	char *buf;
	size_t cap;
	/* the columns the export's pattern matches: their fields, names
	 * and the parts of the names; cur, the one being converted */
	int *pat_at;
	char **pat_name;
	struct csv_field *pat_part;
	size_t npat, cur;
	size_t *pat_on;			/* those that make the records */
	struct last **last;		/* changes: by the hash of the key */
	size_t nlast, caplast;
};

/* ---- the built-in systems ------------------------------------------------ */

const char *
mapping_system_names(void)
{
	static char names[256];
	size_t n = 0;

	if (names[0] != '\0')
		return names;
	for (size_t i = 0; i < mapping_ntexts && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
		    i ? ", " : "", mapping_texts[i].system);
	return names;
}

/* ---- parsing ------------------------------------------------------------- */

/* The fields of a mapping row, by name for messages. */
static const char *const field_names[] = { "export", "entity", "column",
    "source", "conversion", "argument" };
enum { F_EXPORT, F_ENTITY, F_COLUMN, F_SOURCE, F_CONV, F_ARG, NFIELD };

struct parse {
	struct mapping *m;
	unsigned long line;
	int bad;
};

static void
parse_error(struct parse *p, int field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
parse_error(struct parse *p, int field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->bad = 1;
	cli_data_error(p->m->name, p->line, field >= 0 ? field_names[field] :
	    NULL, "%s", msg);
}

static struct mapping_export *
export_of(struct parse *p, const char *name, const struct entity *e)
{
	struct mapping *m = p->m;
	struct mapping_export *x;

	for (size_t i = 0; i < m->nx; i++)
		if (strcasecmp(m->x[i].name, name) == 0) {
			if (m->x[i].e != e)
				parse_error(p, F_ENTITY, "'%s' differs from "
				    "'%s', the entity of export '%s' on line "
				    "%lu", e->name, m->x[i].e->name, name,
				    m->x[i].line);
			return m->x[i].e == e ? &m->x[i] : NULL;
		}
	m->x = cli_grow(m->x, &m->capx, m->nx + 1, sizeof(*m->x));
	x = &m->x[m->nx++];
	memset(x, 0, sizeof(*x));
	x->name = name;
	x->e = e;
	x->line = p->line;
	x->pattern = x->part = -1;
	return x;
}

/* The export's source named s (len bytes, a '?' at its end making it
 * optional), added when new. */
static size_t
source_of(struct mapping_export *x, const char *s, size_t len)
{
	int optional = len > 0 && s[len - 1] == '?';

	if (optional)
		len--;
	for (size_t i = 0; i < x->nsource; i++)
		if (strlen(x->source[i]) == len &&
		    strncasecmp(x->source[i], s, len) == 0) {
			x->optional[i] &= optional;
			return i;
		}
	x->source = cli_grow(x->source, &x->capsource, x->nsource + 1,
	    sizeof(*x->source));
	x->optional = cli_realloc(x->optional, x->capsource,
	    sizeof(*x->optional));
	x->source[x->nsource] = cli_strndup(s, len);
	x->optional[x->nsource] = optional;
	return x->nsource++;
}

/* A source with a '*': the one pattern of its export, or the part of a
 * column's name that the pattern matches. */
static void
pattern_of(struct parse *p, struct mapping_export *x, size_t i)
{
	if (strcmp(x->source[i], PATTERN_PART) == 0)
		x->part = (int)i;
	else if (x->pattern >= 0 && x->pattern != (int)i)
		parse_error(p, F_SOURCE, "'%s' is a second pattern of export "
		    "'%s' ('%s' is its first): an export repeats its rows for "
		    "the columns of one", x->source[i], x->name,
		    x->source[x->pattern]);
	else if (strchr(x->source[i], PATTERN_ANY) !=
	    strrchr(x->source[i], PATTERN_ANY))
		parse_error(p, F_SOURCE, "'%s' has more than one '*'",
		    x->source[i]);
	else
		x->pattern = (int)i;
}

static void
parse_sources(struct parse *p, struct mapping_export *x, struct rule *r)
{
	const char *s = r->source;

	r->nsrc = 0;
	if (*s == '\0')
		return;
	for (;;) {
		size_t len = strcspn(s, "|");

		if (len == 0 || (len == 1 && *s == '?'))
			parse_error(p, F_SOURCE, "'%s' names an empty column",
			    r->source);
		else if (r->nsrc == SOURCES_MAX)
			parse_error(p, F_SOURCE, "'%s' names more than %d "
			    "columns", r->source, SOURCES_MAX);
		else
			r->src[r->nsrc++] = source_of(x, s, len);
		if (r->nsrc > 0 && memchr(s, PATTERN_ANY, len) != NULL)
			pattern_of(p, x, r->src[r->nsrc - 1]);
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
}

/* A value that may come from any of several columns is named by them
 * all in messages. */
static char *
label_of(const struct mapping_export *x, const struct rule *r)
{
	size_t n = 0;
	char *s;

	if (r->nsrc < 2 || r->conv == C_AMOUNT || r->conv == C_PERIOD)
		return NULL;
	for (int j = 0; j < r->nsrc; j++)
		n += strlen(x->source[r->src[j]]) + 4;
	s = cli_calloc(n, 1);
	for (int j = 0; j < r->nsrc; j++) {
		if (j > 0)
			strcat(s, " or ");
		strcat(s, x->source[r->src[j]]);
	}
	return s;
}

/* The letters of a pattern of a timestamp: the year, month, day, hour,
 * minute and second, a digit of a fraction of a second, and the offset
 * from UTC. */
static const char form_letters[] = "YMDhmsSz";
#define NLETTER 8
#define OFFSET_LEN 5		/* "+hhmm" */

/* A pattern of a timestamp: YYYY, MM and DD, hh, mm, ss at most once
 * each, S any number of times, and zzzzz at most once, after hh and mm. */
static int
valid_form(const char *s, size_t len)
{
	int n[NLETTER] = { 0 };

	if (len == strlen(FORM_UNIX) && memcmp(s, FORM_UNIX, len) == 0)
		return 1;
	for (size_t i = 0; i < len; i++) {
		const char *l = memchr(form_letters, s[i], NLETTER);

		if (l != NULL)
			n[l - form_letters]++;
	}
	return n[0] == 4 && n[1] == 2 && n[2] == 2 && (n[3] | 2) == 2 &&
	    (n[4] | 2) == 2 && (n[5] | 2) == 2 && (n[7] == 0 ||
	    (n[7] == OFFSET_LEN && n[3] == 2 && n[4] == 2 &&
	    memcmp(memchr(s, 'z', len), "zzzzz", OFFSET_LEN) == 0));
}

static void
parse_forms(struct parse *p, struct rule *r)
{
	const char *s = r->arg;

	for (;;) {
		size_t len = strcspn(s, "|");

		if (!valid_form(s, len))
			parse_error(p, F_ARG, "'%.*s' is not a form of a "
			    "timestamp ('unix', or a pattern of YYYY, MM, DD "
			    "and hh, mm, ss, S, zzzzz after hh and mm)",
			    (int)len, s);
		else if (r->nform == FORMS_MAX)
			parse_error(p, F_ARG, "more than %d forms", FORMS_MAX);
		else
			r->form[r->nform++] = (struct text){ s, len };
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
}

static void
parse_pairs(struct parse *p, struct rule *r)
{
	const char *s = r->arg;
	size_t cap = 0;

	for (;;) {
		size_t len = strcspn(s, "|");
		const char *eq = memchr(s, '=', len);

		if (eq == NULL || eq == s)
			parse_error(p, F_ARG, "'%.*s' is not a pair from=to",
			    (int)len, s);
		else {
			r->from = cli_grow(r->from, &cap, r->npair + 1,
			    sizeof(*r->from));
			r->to = cli_realloc(r->to, cap, sizeof(*r->to));
			r->from[r->npair] = (struct text){ s, (size_t)(eq - s) };
			r->to[r->npair++] = (struct text){ eq + 1,
			    (size_t)(s + len - eq - 1) };
		}
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
}

static void
parse_argument(struct parse *p, struct rule *r)
{
	int empty = r->arg[0] == '\0';

	switch (r->conv) {
	case C_DAY:
		if (empty)
			parse_error(p, F_ARG, "is empty; day needs the forms "
			    "of the timestamps");
		else
			parse_forms(p, r);
		break;
	case C_AMOUNT:
		if (strcmp(r->arg, "major") != 0 && strcmp(r->arg, "minor"))
			parse_error(p, F_ARG, "'%s' is not the unit of an "
			    "amount (major or minor)", r->arg);
		r->minor = strcmp(r->arg, "minor") == 0;
		break;
	case C_MAP:
		if (empty)
			parse_error(p, F_ARG, "is empty; map needs its pairs "
			    "from=to");
		else
			parse_pairs(p, r);
		break;
	case C_CONST:
		if (empty)
			parse_error(p, F_ARG, "is empty; const needs its value");
		break;
	case C_COPY:
		if (!empty && strcmp(r->arg, COPY_EMPTY) != 0)
			parse_error(p, F_ARG, "'%s' is not an argument of copy "
			    "(none, or %s: \"\" is no value either)", r->arg,
			    COPY_EMPTY);
		r->quoted_empty = !empty;
		break;
	default:
		if (!empty)
			parse_error(p, F_ARG, "'%s' is given, but %s takes no "
			    "argument", r->arg, convs[r->conv].name);
	}
}

/* The entity's column of a row, or "-". */
static int
parse_column(struct parse *p, struct mapping_export *x, struct rule *r)
{
	char cols[512];
	size_t n = 0;

	if (strcmp(r->column, "-") == 0)
		return -1;
	if ((r->ci = entity_column_index(x->e, r->column)) >= 0) {
		for (size_t i = 0; i + 1 < x->nrule; i++)
			if (x->rule[i].ci == r->ci)
				parse_error(p, F_COLUMN, "'%s' is given twice "
				    "for export '%s' (line %lu)", r->column,
				    x->name, x->rule[i].line);
		return r->ci;
	}
	cols[0] = '\0';
	for (size_t i = 0; i < x->e->ncolumn && n < sizeof(cols); i++)
		n += (size_t)snprintf(cols + n, sizeof(cols) - n, "%s%s",
		    i ? ", " : "", x->e->column[i].name);
	parse_error(p, F_COLUMN, "'%s' is not a column of %s (its columns: "
	    "%s)", r->column, x->e->name, cols);
	return -1;
}

static void
parse_row(struct parse *p, char *f[NFIELD])
{
	const struct entity *e = entity_find(f[F_ENTITY]);
	struct mapping_export *x;
	struct rule *r;
	size_t c;

	if (f[F_EXPORT][0] == '\0')
		return parse_error(p, F_EXPORT, "is empty; a row names its "
		    "export");
	if (e == NULL)
		return parse_error(p, F_ENTITY, "'%s' is not an entity "
		    "(revops-import --list shows them)", f[F_ENTITY]);
	for (c = 0; c < NCONV; c++)
		if (strcmp(f[F_CONV], convs[c].name) == 0)
			break;
	if (c == NCONV)
		return parse_error(p, F_CONV, "'%s' is not a conversion (one "
		    "of %s)", f[F_CONV], CONV_NAMES);
	if ((x = export_of(p, f[F_EXPORT], e)) == NULL)
		return;
	x->rule = cli_grow(x->rule, &x->caprule, x->nrule + 1,
	    sizeof(*x->rule));
	r = &x->rule[x->nrule++];
	memset(r, 0, sizeof(*r));
	r->column = f[F_COLUMN];
	r->source = f[F_SOURCE];
	r->conv = (enum conv)c;
	r->conv_name = f[F_CONV];
	r->arg = f[F_ARG];
	r->line = p->line;
	r->ci = parse_column(p, x, r);
	if (r->ci < 0 && strcmp(r->column, "-") == 0 && r->conv != C_MAP &&
	    r->conv != C_CHANGES)
		parse_error(p, F_COLUMN, "'-' stores nothing, so it goes only "
		    "with map, which checks the values, or changes");
	for (size_t i = 0; r->conv == C_CHANGES && i + 1 < x->nrule; i++)
		if (x->rule[i].conv == C_CHANGES)
			parse_error(p, F_CONV, "changes is given twice for "
			    "export '%s' (line %lu): a row follows one key",
			    x->name, x->rule[i].line);
	if (r->ci >= 0 && r->conv == C_CHANGES)
		parse_error(p, F_COLUMN, "'%s' is given, but changes stores "
		    "nothing: its column is '-'", r->column);
	parse_sources(p, x, r);
	r->label = label_of(x, r);
	if (r->nsrc < convs[c].min || r->nsrc > convs[c].max) {
		char takes[32];

		snprintf(takes, sizeof(takes), convs[c].min == convs[c].max ?
		    "%d" : "%d to %d", convs[c].min, convs[c].max);
		parse_error(p, F_SOURCE, "'%s' names %d column%s, but %s takes "
		    "%s", r->source, r->nsrc, r->nsrc == 1 ? "" : "s",
		    convs[c].name, takes);
	}
	parse_argument(p, r);
}

/* Cuts line into its fields (tabs between them, the argument may be
 * left out); returns how many there are. */
static int
split(char *line, char *f[NFIELD])
{
	int n = 0;

	for (char *s = line;; s++) {
		if (n < NFIELD)
			f[n] = s;
		n++;
		s += strcspn(s, "\t");
		if (*s == '\0')
			break;
		*s = '\0';
	}
	if (n == NFIELD - 1)
		f[n++] = (char *)"";
	return n;
}

/* Every export gives every column its entity requires, and has the
 * pattern that its '*' is a part of. */
static void
check_required(struct parse *p)
{
	for (size_t i = 0; i < p->m->nx; i++) {
		const struct mapping_export *x = &p->m->x[i];

		if (x->part >= 0 && x->pattern < 0) {
			p->line = x->line;
			parse_error(p, F_SOURCE, "export '%s' reads '*', the part "
			    "of a column's name that its pattern matches, but "
			    "has no pattern (a source with a '*' in it)",
			    x->name);
		}

		for (size_t ci = 0; ci < x->e->ncolumn; ci++) {
			const struct entity_column *c = &x->e->column[ci];
			size_t k;

			if (!(c->flags & EC_REQUIRED) || c->dflt != NULL)
				continue;
			for (k = 0; k < x->nrule; k++)
				if (x->rule[k].ci == (int)ci)
					break;
			if (k == x->nrule) {
				p->line = x->line;
				parse_error(p, F_EXPORT, "export '%s' gives no "
				    "%s, which %s requires", x->name, c->name,
				    x->e->name);
			}
		}
	}
}

struct mapping *
mapping_parse(const char *name, const char *text)
{
	struct mapping *m = cli_calloc(1, sizeof(*m));
	struct parse p = { m, 0, 0 };
	char *s, *next;

	m->name = name;
	m->text = cli_strdup(text);
	for (s = m->text; *s != '\0'; s = next) {
		char *f[NFIELD];
		size_t len = strcspn(s, "\n");
		int n;

		next = s + len + (s[len] == '\n');
		s[len] = '\0';
		if (len > 0 && s[len - 1] == '\r')
			s[--len] = '\0';
		p.line++;
		if (len == 0 || s[0] == '#')
			continue;
		if ((n = split(s, f)) != NFIELD) {
			parse_error(&p, -1, "%d field%s, where a row has %d or "
			    "%d (export, entity, column, source, conversion, "
			    "argument), tabs between them", n, n == 1 ? "" :
			    "s", NFIELD - 1, NFIELD);
			continue;
		}
		parse_row(&p, f);
	}
	if (m->nx == 0 && !p.bad) {
		p.line = 0;
		parse_error(&p, -1, "has no rows");
	}
	if (!p.bad)
		check_required(&p);
	if (p.bad) {
		mapping_free(m);
		return NULL;
	}
	return m;
}

static char *
read_all(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text = NULL;
	size_t n = 0, cap = 0, got;

	if (fp == NULL)
		cli_die(CLI_EIO, "%s: %s", path, strerror(errno));
	do {
		text = cli_grow(text, &cap, n + 4096, 1);
		n += got = fread(text + n, 1, cap - n - 1, fp);
	} while (got > 0);
	if (ferror(fp))
		cli_die(CLI_EIO, "%s: %s", path, strerror(errno));
	fclose(fp);
	text[n] = '\0';
	if (strlen(text) != n) {
		free(text);
		return NULL;
	}
	return text;
}

struct mapping *
mapping_load(const char *system, const char *path)
{
	static char name[64];
	struct mapping *m;
	char *text;

	if (path == NULL) {
		for (size_t i = 0; i < mapping_ntexts; i++)
			if (strcmp(mapping_texts[i].system, system) == 0) {
				snprintf(name, sizeof(name), "mappings/%s.tsv",
				    system);
				return mapping_parse(name,
				    mapping_texts[i].text);
			}
		return NULL;
	}
	if ((text = read_all(path)) == NULL) {
		cli_data_error(path, 0, NULL, "holds a NUL byte: a mapping is "
		    "text");
		return NULL;
	}
	m = mapping_parse(path, text);
	free(text);
	return m;
}

void
mapping_free(struct mapping *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nx; i++) {
		struct mapping_export *x = &m->x[i];

		for (size_t k = 0; k < x->nrule; k++) {
			free(x->rule[k].from);
			free(x->rule[k].to);
			free(x->rule[k].label);
		}
		for (size_t k = 0; k < x->nsource; k++)
			free(x->source[k]);
		free(x->source);
		free(x->optional);
		free(x->rule);
	}
	free(m->x);
	free(m->text);
	free(m);
}

/* ---- what a mapping holds ------------------------------------------------ */

size_t
mapping_nexports(const struct mapping *m)
{
	return m->nx;
}

const struct mapping_export *
mapping_export_at(const struct mapping *m, size_t i)
{
	return i < m->nx ? &m->x[i] : NULL;
}

const struct mapping_export *
mapping_export_find(const struct mapping *m, const char *name)
{
	for (size_t i = 0; i < m->nx; i++)
		if (strcasecmp(m->x[i].name, name) == 0)
			return &m->x[i];
	return NULL;
}

const char *
mapping_export_name(const struct mapping_export *x)
{
	return x->name;
}

const struct entity *
mapping_export_entity(const struct mapping_export *x)
{
	return x->e;
}

int
mapping_export_repeats(const struct mapping_export *x)
{
	return x->pattern >= 0;
}

size_t
mapping_nsources(const struct mapping_export *x)
{
	return x->nsource;
}

const char *
mapping_source(const struct mapping_export *x, size_t i)
{
	return x->source[i];
}

int
mapping_row_text(const struct mapping_export *x, size_t i,
    const char **column, const char **source, const char **conversion,
    const char **argument)
{
	if (i >= x->nrule)
		return 0;
	*column = x->rule[i].column;
	*source = x->rule[i].source;
	*conversion = x->rule[i].conv_name;
	*argument = x->rule[i].arg;
	return 1;
}

/* ---- reading ------------------------------------------------------------- */

struct mapping_reader *
mapping_reader_new(const struct mapping_export *x)
{
	struct mapping_reader *r = cli_calloc(1, sizeof(*r));

	r->x = x;
	r->at = cli_calloc(x->nsource, sizeof(*r->at));
	r->keep = cli_calloc(x->nrule, sizeof(*r->keep));
	r->label = cli_calloc(x->e->ncolumn, sizeof(*r->label));
	r->hfield = cli_calloc(x->nrule, sizeof(*r->hfield));
	r->field = cli_calloc(x->nrule, sizeof(*r->field));
	r->rec = cli_calloc(1, sizeof(*r->rec));
	r->pat_on = cli_calloc(1, sizeof(*r->pat_on));
	r->caprec = 1;
	return r;
}

static void
forget_pattern(struct mapping_reader *r)
{
	for (size_t i = 0; i < r->npat; i++) {
		free(r->pat_name[i]);
		free((char *)r->pat_part[i].s);
	}
	r->npat = 0;
}

void
mapping_reader_free(struct mapping_reader *r)
{
	if (r == NULL)
		return;
	forget_pattern(r);
	for (size_t i = 0; i < r->caplast; i++)
		for (struct last *l = r->last[i], *next; l != NULL; l = next) {
			next = l->next;
			free(l->key);
			free(l->value);
			free(l);
		}
	free(r->last);
	free(r->pat_at);
	free(r->pat_on);
	free(r->pat_name);
	free(r->pat_part);
	free(r->at);
	free(r->keep);
	free(r->label);
	free(r->hfield);
	free(r->field);
	free(r->rec);
	free(r->buf);
	free(r);
}

/* Whether the file has the export's source i. */
static int
present(const struct mapping_reader *r, size_t i)
{
	if ((int)i == r->x->pattern || (int)i == r->x->part)
		return r->npat > 0;
	return r->at[i] >= 0;
}

/* Whether the file has a column the rule reads (a constant needs none). */
static int
has_source(const struct mapping_reader *r, const struct rule *rule)
{
	if (rule->nsrc == 0)
		return 1;
	for (int j = 0; j < rule->nsrc; j++)
		if (present(r, rule->src[j]))
			return 1;
	return 0;
}

/* The columns of the header that the export's pattern matches (case
 * ignored), with the part of each name that its '*' stands for. */
static void
match_pattern(struct mapping_reader *r, const struct csv_record *header)
{
	const char *pat = r->x->source[r->x->pattern];
	size_t pre = strcspn(pat, "*"), post = strlen(pat) - pre - 1;

	forget_pattern(r);
	r->pat_at = cli_realloc(r->pat_at, header->nfield, sizeof(*r->pat_at));
	r->pat_name = cli_realloc(r->pat_name, header->nfield,
	    sizeof(*r->pat_name));
	r->pat_part = cli_realloc(r->pat_part, header->nfield,
	    sizeof(*r->pat_part));
	for (size_t i = 0; i < header->nfield; i++) {
		const struct csv_field *f = &header->field[i];

		if (f->len <= pre + post || strncasecmp(f->s, pat, pre) != 0 ||
		    strncasecmp(f->s + f->len - post, pat + pre + 1, post) != 0)
			continue;
		r->pat_at[r->npat] = (int)i;
		r->pat_name[r->npat] = cli_strndup(f->s, f->len);
		r->pat_part[r->npat++] = (struct csv_field){ cli_strndup(f->s +
		    pre, f->len - pre - post), f->len - pre - post };
	}
}

const struct csv_record *
mapping_header(struct mapping_reader *r, const struct csv_record *header,
    const char *file, csv_report_fn report)
{
	const struct mapping_export *x = r->x;
	int missing = 0;

	if (x->pattern >= 0)
		match_pattern(r, header);
	for (size_t i = 0; i < x->nsource; i++) {
		int many = (int)i == x->pattern || (int)i == x->part;

		r->at[i] = many ? -1 : csv_header_find(header, x->source[i]);
		if (!present(r, i) && !x->optional[i] &&
		    (int)i != x->part) {
			missing = 1;
			report(file, header->line, NULL, "header: %s '%s' is "
			    "missing, which the export %s has and the import "
			    "reads", many ? "a column of the form" :
			    "the column", x->source[i], x->name);
		}
	}
	if (missing)
		return NULL;
	r->nkeep = 0;
	memset(r->label, 0, x->e->ncolumn * sizeof(*r->label));
	for (size_t k = 0; k < x->nrule; k++) {
		const struct rule *rule = &x->rule[k];
		const char *name;

		if (rule->ci < 0 || !has_source(r, rule))
			continue;
		name = x->e->column[rule->ci].name;
		r->hfield[r->nkeep] = (struct csv_field){ name, strlen(name) };
		r->label[rule->ci] = rule->label != NULL ? rule->label :
		    rule->nsrc == 0 ? rule->column : (int)rule->src[0] ==
		    x->part ? x->source[x->pattern] : x->source[rule->src[0]];
		r->keep[r->nkeep++] = k;
	}
	r->header = (struct csv_record){ r->hfield, r->nkeep, header->line,
	    NULL };
	return &r->header;
}

const char *
mapping_label(const struct mapping_reader *r, size_t ci)
{
	return ci < r->x->e->ncolumn ? r->label[ci] : NULL;
}

const struct csv_field *
mapping_source_field(const struct mapping_reader *r,
    const struct csv_record *rec, size_t i)
{
	int f = r->at[i];

	if ((int)i == r->x->part && r->npat > 0)
		return &r->pat_part[r->cur];
	if ((int)i == r->x->pattern && r->npat > 0)
		f = r->pat_at[r->cur];
	return f >= 0 && (size_t)f < rec->nfield ? &rec->field[f] : NULL;
}

/* ---- the conversions ----------------------------------------------------- */

/* One value being converted: where its text goes, and what to say. */
struct conversion {
	struct mapping_reader *r;
	const struct rule *rule;
	const struct csv_record *rec;
	char *out;			/* room for the value */
	mapping_error_fn error;
	void *arg;
	int bad;
};

static void
convert_error(struct conversion *c, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
convert_error(struct conversion *c, const char *column, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->bad = 1;
	c->error(c->arg, column, msg);
}

static int
empty(const struct csv_field *f)
{
	return f == NULL || f->s == NULL || f->len == 0;
}

/* Source j of the rule in the record, or NULL when the file has none. */
static const struct csv_field *
source(const struct conversion *c, int j)
{
	return mapping_source_field(c->r, c->rec, c->rule->src[j]);
}

/* Source j's name; of a pattern or its part, the column's matched. */
static const char *
source_name(const struct conversion *c, int j)
{
	const struct mapping_reader *r = c->r;
	int i = (int)c->rule->src[j];

	if ((i == r->x->pattern || i == r->x->part) && r->npat > 0)
		return r->pat_name[r->cur];
	return r->x->source[i];
}

/* The first of the sources that is not empty: its index, or -1. */
static int
first_given(const struct conversion *c)
{
	for (int j = 0; j < c->rule->nsrc; j++)
		if (!empty(source(c, j)))
			return j;
	return -1;
}

/* A timestamp of pattern form: its day in UTC in out, or -1 with why
 * set when the form fits but the calendar, the clock or the offset does
 * not.  An offset east of UTC is subtracted: the day may be the one
 * before (or after, west). */
static int
match_form(const struct text *form, const struct csv_field *f, char *out,
    char *why)
{
	int v[NLETTER] = { 0 }, east = 1;
	int32_t day;

	if (form->len != f->len)
		return 0;
	for (size_t i = 0; i < f->len; i++) {
		const char *l = memchr(form_letters, form->s[i], NLETTER);
		char ch = f->s[i];

		if (l == NULL && form->s[i] != ch)
			return 0;
		if (l == NULL)
			continue;
		if (*l == 'z' && v[7] == 0 && (ch == '+' || ch == '-')) {
			east = ch == '+';
			v[7] = 1;	/* the sign; then hhmm, after a 1 */
			continue;
		}
		if (!isdigit((unsigned char)ch) || (*l == 'z' && v[7] == 0))
			return 0;
		if (*l != 'S')		/* a fraction of a second: no day's */
			v[l - form_letters] = v[l - form_letters] * 10 + (ch - '0');
	}
	snprintf(out, DATE_FMT_MAX, "%04d-%02d-%02d", v[0], v[1], v[2]);
	if (date_parse(out, 10, &day) != 0) {
		const char *w = date_why_not(out, 10, why);

		if (w != why)
			snprintf(why, DATE_WHY_MAX, "%s", "not a day");
		return -1;
	}
	if (v[3] > 23 || v[4] > 59 || v[5] > 59) {
		snprintf(why, DATE_WHY_MAX, "%s", v[3] > 23 ? "there is no "
		    "such hour" : v[4] > 59 ? "there is no such minute" :
		    "there is no such second");
		return -1;
	}
	if (v[7] != 0) {
		int off = (v[7] - 10000) / 100 * 60 + (v[7] - 10000) % 100;
		int mins = v[3] * 60 + v[4] - (east ? off : -off);

		if ((v[7] - 10000) / 100 > 23 || (v[7] - 10000) % 100 > 59) {
			snprintf(why, DATE_WHY_MAX, "%s", "there is no such "
			    "offset from UTC");
			return -1;
		}
		day += mins < 0 ? -1 : mins >= 24 * 60 ? 1 : 0;
		if (day < DATE_MIN || day > DATE_MAX) {
			snprintf(why, DATE_WHY_MAX, "%s", "its day in UTC is "
			    "not a day");
			return -1;
		}
		date_format(out, day);
	}
	return 1;
}

/* Seconds since 1970 in UTC, up to the last day there is. */
static int
match_unix(const struct csv_field *f, char *out)
{
	long long secs = 0;

	if (f->len == 0 || f->len > 12)
		return 0;
	for (size_t i = 0; i < f->len; i++) {
		if (!isdigit((unsigned char)f->s[i]))
			return 0;
		secs = secs * 10 + (f->s[i] - '0');
	}
	if (secs / SECONDS_A_DAY > DATE_MAX)
		return 0;
	date_format(out, (int32_t)(secs / SECONDS_A_DAY));
	return 1;
}

static void
convert_day(struct conversion *c, const struct csv_field *f,
    const char *column)
{
	char why[DATE_WHY_MAX], forms[256], sv[CSV_SHOW_MAX];
	const struct rule *rule = c->rule;

	for (int i = 0; i < rule->nform; i++) {
		const struct text *form = &rule->form[i];
		int m;

		if (form->len == strlen(FORM_UNIX) &&
		    memcmp(form->s, FORM_UNIX, form->len) == 0)
			m = match_unix(f, c->out);
		else
			m = match_form(form, f, c->out, why);
		if (m > 0)
			return;
		if (m < 0)
			return convert_error(c, column, "%s is not a timestamp: "
			    "%s", csv_show(sv, f), why);
	}
	entity_one_of(forms, sizeof(forms), rule->arg);
	convert_error(c, column, "%s is not a timestamp of the form %s (UTC)",
	    csv_show(sv, f), forms);
}

/*
 * An amount in major units as a program writes a floating-point number
 * ("1800000.0", "1.2345678E7": Salesforce's), in plain decimals into buf
 * (AMOUNT_MAX bytes), without the zeros past the currency's decimals:
 * they make it no finer.  Returns the length, or 0 when a is no such
 * number (money_parse() then says why).  The digits are moved, never
 * computed: the amount is exact.
 */
#define DIGITS_MAX 40
#define EXPONENT_MAX 30
#define AMOUNT_MAX (DIGITS_MAX + EXPONENT_MAX + 4)
static size_t
plain_amount(const struct csv_field *a, int decimals, char *buf)
{
	char digits[DIGITS_MAX];
	size_t i = 0, n = 0, dot;
	long nd = 0, point = -1, exp = 0, d;

	if (i < a->len && (a->s[i] == '-' || a->s[i] == '+'))
		buf[n++] = a->s[i++];
	for (; i < a->len && nd < DIGITS_MAX; i++)
		if (isdigit((unsigned char)a->s[i]))
			digits[nd++] = a->s[i];
		else if (a->s[i] == '.' && point < 0)
			point = nd;
		else
			break;
	if (nd == 0 || nd == DIGITS_MAX)
		return 0;
	if (point < 0)
		point = nd;
	if (i < a->len && (a->s[i] == 'e' || a->s[i] == 'E')) {
		char *end;

		exp = strtol(a->s + i + 1, &end, 10);
		if (end != a->s + a->len || end == a->s + i + 1 ||
		    exp > EXPONENT_MAX || exp < -EXPONENT_MAX)
			return 0;
		i = a->len;
	}
	if (i != a->len)
		return 0;
	point += exp;
	if (point <= 0)
		buf[n++] = '0';
	for (d = 0; d < point; d++)
		buf[n++] = d < nd ? digits[d] : '0';
	dot = n;
	buf[n++] = '.';
	for (d = point; d < nd; d++)
		buf[n++] = d < 0 ? '0' : digits[d];
	while (n - 1 > dot + (size_t)decimals && buf[n - 1] == '0')
		n--;
	if (n - 1 == dot)
		n--;
	buf[n] = '\0';
	return n;
}

static void
convert_amount(struct conversion *c)
{
	const struct csv_field *a = source(c, 0), *cur = source(c, 1);
	const struct currency *k = NULL;
	char code[4], sv[CSV_SHOW_MAX], plain[AMOUNT_MAX];
	size_t n;
	enum money_status st;
	int64_t v;

	if (!empty(cur) && cur->len == 3) {
		for (int i = 0; i < 3; i++)
			code[i] = (char)toupper((unsigned char)cur->s[i]);
		k = money_currency(code, 3);
	}
	code[3] = '\0';
	if (k == NULL)
		return convert_error(c, source_name(c, 1), empty(cur) ?
		    "is empty; the currency of '%s' is needed to read it" :
		    "%s is not an ISO 4217 currency code", empty(cur) ?
		    source_name(c, 0) : csv_show(sv, cur));
	if (c->rule->minor && memchr(a->s, '.', a->len) != NULL)
		return convert_error(c, source_name(c, 0), "%s is not a whole "
		    "number of the minor unit of %s: the amounts of this "
		    "export are in minor units (%s 12.50 is %s)", csv_show(sv, a),
		    code, code, k->exponent == 2 ? "1250" : k->exponent == 0 ?
		    "13" : "12500");
	if (!c->rule->minor && (n = plain_amount(a, k->exponent, plain)) > 0)
		st = money_parse(plain, n, k->exponent, '.', &v);
	else
		st = money_parse(a->s, a->len, c->rule->minor ? 0 :
		    k->exponent, '.', &v);
	if (st == MONEY_PRECISION)
		return convert_error(c, source_name(c, 0), "%s has more "
		    "decimals than %s has (%d)", csv_show(sv, a), code,
		    k->exponent);
	if (st != MONEY_OK)
		return convert_error(c, source_name(c, 0), "%s is not an "
		    "amount: %s", csv_show(sv, a), money_strerror(st));
	money_format(c->out, v, k->exponent, '.');
}

static void
convert_map(struct conversion *c, const struct csv_field *f)
{
	const struct rule *rule = c->rule;
	char from[256], sv[CSV_SHOW_MAX];
	size_t n = 0;

	for (size_t i = 0; i < rule->npair; i++)
		if (rule->from[i].len == f->len &&
		    strncasecmp(rule->from[i].s, f->s, f->len) == 0) {
			memcpy(c->out, rule->to[i].s, rule->to[i].len);
			c->out[rule->to[i].len] = '\0';
			return;
		}
	for (size_t i = 0; i < rule->npair && n < sizeof(from); i++)
		n += (size_t)snprintf(from + n, sizeof(from) - n, "%s%.*s",
		    i == 0 ? "" : i + 1 == rule->npair ? " or " : ", ",
		    (int)rule->from[i].len, rule->from[i].s);
	convert_error(c, source_name(c, 0), "%s is not a value that the "
	    "mapping knows (%s)", csv_show(sv, f), from);
}

/* The billing periods revops has, as an interval and a count. */
static const struct {
	const char *interval;
	long count;
	const char *period;
} periods[] = {
	{ "month", 1, "month" },
	{ "month", 3, "quarter" },
	{ "month", 12, "year" },
	{ "year", 1, "year" },
};

static void
convert_period(struct conversion *c, const struct csv_field *f)
{
	const struct csv_field *n = c->rule->nsrc > 1 ? source(c, 1) : NULL;
	long count = 1;
	char sv[CSV_SHOW_MAX], *end;

	if (!empty(n)) {
		count = strtol(n->s, &end, 10);
		if (!isdigit((unsigned char)n->s[0]) || end != n->s + n->len ||
		    count < 1)
			return convert_error(c, source_name(c, 1), "%s is not a "
			    "whole number more than 0", csv_show(sv, n));
	}
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
		if (strlen(periods[i].interval) == f->len &&
		    strncasecmp(periods[i].interval, f->s, f->len) == 0 &&
		    periods[i].count == count) {
			strcpy(c->out, periods[i].period);
			return;
		}
	convert_error(c, source_name(c, 0), "%s every %ld cannot be billed: "
	    "revops bills a month, 3 months or a year (month every 1, 3 or "
	    "12, year every 1)", csv_show(sv, f), count);
}

/* Converts the value of rule k into c->out; returns whether there is
 * one (an empty source gives an empty cell). */
static int
convert(struct conversion *c, struct csv_field *out)
{
	const struct rule *rule = c->rule;
	int j = rule->conv == C_CONST ? 0 : first_given(c);
	const struct csv_field *f;

	if (rule->conv == C_CHANGES)	/* it chose the rows, not a value */
		return *out = (struct csv_field){ NULL, 0 }, 0;
	if (j < 0) {
		/* copy keeps "" apart from an empty field (NULL), but where
		 * the export quotes every field */
		f = rule->conv == C_COPY && !rule->quoted_empty ? source(c, 0) :
		    NULL;
		*out = f != NULL ? *f : (struct csv_field){ NULL, 0 };
		return 0;
	}
	f = rule->nsrc > 0 ? source(c, j) : NULL;
	switch (rule->conv) {
	case C_COPY:
		*out = *f;
		return 1;
	case C_UPPER:
		for (size_t i = 0; i < f->len; i++)
			c->out[i] = (char)toupper((unsigned char)f->s[i]);
		c->out[f->len] = '\0';
		break;
	case C_DAY:
		convert_day(c, f, source_name(c, j));
		break;
	case C_AMOUNT:
		if (j != 0)
			return *out = (struct csv_field){ NULL, 0 }, 0;
		convert_amount(c);
		break;
	case C_MAP:
		convert_map(c, f);
		break;
	case C_PERIOD:
		if (j != 0)
			return *out = (struct csv_field){ NULL, 0 }, 0;
		convert_period(c, f);
		break;
	case C_CONST:
		strcpy(c->out, rule->arg);
		break;
	case C_CHANGES:		/* it returned above */
		break;
	}
	*out = (struct csv_field){ c->out, strlen(c->out) };
	if (out->len == 0)	/* a value mapped to none */
		out->s = NULL;
	return 1;
}

/* The room the converted values of a record may take. */
static size_t
room(struct mapping_reader *r, const struct csv_record *rec)
{
	size_t need = 0, cur = r->cur;

	for (size_t k = 0; k < r->x->nrule; k++) {
		const struct rule *rule = &r->x->rule[k];
		size_t most = strlen(rule->arg);

		for (int j = 0; j < rule->nsrc; j++)
			for (r->cur = 0; r->cur < (r->npat ? r->npat : 1);
			    r->cur++) {
				const struct csv_field *f =
				    mapping_source_field(r, rec, rule->src[j]);

				if (f != NULL && f->len > most)
					most = f->len;
			}
		need += most + MONEY_FMT_MAX + 1;
	}
	r->cur = cur;
	return need;
}

/*
 * Whether a rule changes keeps the row: its value (the second source)
 * differs from the one the row before it of the same key (the first)
 * had, or it is the first of its key.  The value is then the key's.
 */
static int
changed(struct mapping_reader *r, const struct rule *rule,
    const struct csv_record *rec)
{
	const struct csv_field *k = mapping_source_field(r, rec, rule->src[0]);
	const struct csv_field *v = mapping_source_field(r, rec, rule->src[1]);
	struct csv_field none = { "", 0 };
	struct last **at, *l;

	if (empty(k))
		return 1;
	if (v == NULL || v->s == NULL)
		v = &none;
	if (r->nlast >= r->caplast / 2) {	/* twice the buckets */
		size_t cap = r->caplast ? 2 * r->caplast : 256;
		struct last **b = cli_calloc(cap, sizeof(*b));

		for (size_t i = 0; i < r->caplast; i++)
			while ((l = r->last[i]) != NULL) {
				r->last[i] = l->next;
				at = &b[keyset_hash(l->key, strlen(l->key)) % cap];
				l->next = *at;
				*at = l;
			}
		free(r->last);
		r->last = b;
		r->caplast = cap;
	}
	at = &r->last[keyset_hash(k->s, k->len) % r->caplast];
	for (l = *at; l != NULL; l = l->next)
		if (strlen(l->key) == k->len && memcmp(l->key, k->s, k->len) == 0)
			break;
	if (l == NULL) {
		l = cli_calloc(1, sizeof(*l));
		l->key = cli_strndup(k->s, k->len);
		l->next = *at;
		*at = l;
		r->nlast++;
	} else if (strlen(l->value) == v->len &&
	    memcmp(l->value, v->s, v->len) == 0)
		return 0;
	free(l->value);
	l->value = cli_strndup(v->s, v->len);
	return 1;
}

/* The columns of the pattern that make a record of rec, into r->pat_on
 * (all of them, or one, for an export without a pattern), or none when a
 * rule changes leaves the row out.  Returns how many. */
static size_t
records_of(struct mapping_reader *r, const struct csv_record *rec,
    size_t *on)
{
	size_t n = 0;

	for (size_t k = 0; k < r->x->nrule; k++)
		if (r->x->rule[k].conv == C_CHANGES &&
		    !changed(r, &r->x->rule[k], rec))
			return 0;
	if (r->x->pattern < 0) {
		on[0] = 0;
		return 1;
	}
	for (r->cur = 0; r->cur < r->npat; r->cur++)
		if (!empty(mapping_source_field(r, rec, (size_t)r->x->pattern)))
			on[n++] = r->cur;
	return n;
}

const struct csv_record *
mapping_record(struct mapping_reader *r, const struct csv_record *rec,
    mapping_error_fn error, void *arg)
{
	const struct mapping_export *x = r->x;
	struct conversion c = { r, NULL, rec, NULL, error, arg, 0 };
	struct csv_field unused;
	size_t most = r->npat > 0 ? r->npat : 1;
	size_t need = room(r, rec), off = 0;

	if (most > r->caprec) {
		r->caprec = most;
		r->rec = cli_realloc(r->rec, most, sizeof(*r->rec));
		r->field = cli_realloc(r->field, most * (x->nrule + 1),
		    sizeof(*r->field));
		r->pat_on = cli_realloc(r->pat_on, most, sizeof(*r->pat_on));
	}
	r->nrec = records_of(r, rec, r->pat_on);
	if (need * r->nrec > r->cap) {
		r->cap = need * r->nrec;
		r->buf = cli_realloc(r->buf, r->cap, 1);
	}
	for (size_t i = 0; i < r->nrec; i++) {
		struct csv_field *field = r->field + i * r->nkeep;
		size_t kept = 0;

		r->cur = r->pat_on[i];
		for (size_t k = 0; k < x->nrule; k++) {
			struct csv_field *out;

			c.rule = &x->rule[k];
			if (kept < r->nkeep && r->keep[kept] == k)
				out = &field[kept++];
			else if (c.rule->ci < 0)
				out = &unused;		/* a check */
			else
				continue;	/* the file has none of it */
			c.out = r->buf + off;
			c.out[0] = '\0';
			if (convert(&c, out) && out->s == c.out)
				off += out->len + 1;
		}
		r->rec[i] = (struct csv_record){ field, r->nkeep, rec->line,
		    &r->header };
	}
	return c.bad ? NULL : r->rec;
}

size_t
mapping_nrecords(const struct mapping_reader *r)
{
	return r->nrec;
}
