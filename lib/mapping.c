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
#include "mapping.h"
#include "money.h"

#define SOURCES_MAX 4		/* columns a row of a mapping reads */
#define FORMS_MAX 8		/* forms of a timestamp */
#define SECONDS_A_DAY 86400

enum conv { C_COPY, C_UPPER, C_DAY, C_AMOUNT, C_MAP, C_PERIOD, C_CONST,
    C_REF };

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
	[C_REF] = { "ref", 1, 1 },
};
#define NCONV (sizeof(convs) / sizeof(convs[0]))
#define CONV_NAMES "copy, upper, day, amount, map, period, const or ref"

/* What a timestamp may be besides a pattern. */
#define FORM_UNIX "unix"

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
	int minor, negated;		/* amount */
	const struct entity *of;	/* ref: the entity and its column */
	const struct entity_column *of_column;
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
};

struct mapping {
	char *text;			/* the file, cut into its fields */
	const char *name;		/* for messages */
	struct mapping_export *x;
	size_t nx, capx;
};

struct mapping_reader {
	const struct mapping_export *x;
	int *at;			/* the field of each source, or -1 */
	size_t *keep;			/* the rules in the header */
	size_t nkeep;
	const char **label;		/* by entity column */
	mapping_lookup_fn lookup;	/* ref's */
	void *lookup_arg;
	struct csv_field *hfield, *field;
	struct csv_record header, rec;
	char *buf;
	size_t cap;
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

/* A pattern of a timestamp: YYYY, MM and DD, and hh, mm, ss at most
 * once each. */
static int
valid_form(const char *s, size_t len)
{
	int n[6] = { 0 };
	static const char letters[] = "YMDhms";

	if (len == strlen(FORM_UNIX) && memcmp(s, FORM_UNIX, len) == 0)
		return 1;
	for (size_t i = 0; i < len; i++) {
		const char *l = memchr(letters, s[i], 6);

		if (l != NULL)
			n[l - letters]++;
	}
	return n[0] == 4 && n[1] == 2 && n[2] == 2 && (n[3] | 2) == 2 &&
	    (n[4] | 2) == 2 && (n[5] | 2) == 2;
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
			    "and hh, mm, ss)", (int)len, s);
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

/* ref's argument ENTITY.COLUMN: an id or a currency of an entity that
 * others refer to by its key. */
static void
parse_ref(struct parse *p, struct rule *r)
{
	const char *dot = strchr(r->arg, '.');
	char name[64];
	int ci;

	if (dot == NULL || (size_t)(dot - r->arg) >= sizeof(name))
		return parse_error(p, F_ARG, "'%s' is not ENTITY.COLUMN, the "
		    "column to read of the row the value names", r->arg);
	snprintf(name, sizeof(name), "%.*s", (int)(dot - r->arg), r->arg);
	if ((r->of = entity_find(name)) == NULL)
		return parse_error(p, F_ARG, "'%s' is not an entity "
		    "(revops-import --list shows them)", name);
	if ((ci = entity_column_index(r->of, dot + 1)) < 0 ||
	    (r->of->column[ci].type != ET_ID &&
	    r->of->column[ci].type != ET_CURRENCY))
		return parse_error(p, F_ARG, "'%s' is not an id or a currency "
		    "of %s: ref reads only those", dot + 1, name);
	r->of_column = &r->of->column[ci];
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
		r->negated = r->arg[0] == '-';
		if (strcmp(r->arg + r->negated, "major") != 0 &&
		    strcmp(r->arg + r->negated, "minor") != 0)
			parse_error(p, F_ARG, "'%s' is not the unit of an "
			    "amount (major or minor, -major or -minor for money "
			    "paid back)", r->arg);
		r->minor = strcmp(r->arg + r->negated, "minor") == 0;
		break;
	case C_REF:
		parse_ref(p, r);
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
	if (r->ci < 0 && strcmp(r->column, "-") == 0 && r->conv != C_MAP)
		parse_error(p, F_COLUMN, "'-' stores nothing, so it goes only "
		    "with map, which checks the values");
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

/* Every export gives every column its entity requires. */
static void
check_required(struct parse *p)
{
	for (size_t i = 0; i < p->m->nx; i++) {
		const struct mapping_export *x = &p->m->x[i];

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
mapping_reader_new(const struct mapping_export *x, mapping_lookup_fn lookup,
    void *arg)
{
	struct mapping_reader *r = cli_calloc(1, sizeof(*r));

	r->x = x;
	r->lookup = lookup;
	r->lookup_arg = arg;
	r->at = cli_calloc(x->nsource, sizeof(*r->at));
	r->keep = cli_calloc(x->nrule, sizeof(*r->keep));
	r->label = cli_calloc(x->e->ncolumn, sizeof(*r->label));
	r->hfield = cli_calloc(x->nrule, sizeof(*r->hfield));
	r->field = cli_calloc(x->nrule, sizeof(*r->field));
	return r;
}

void
mapping_reader_free(struct mapping_reader *r)
{
	if (r == NULL)
		return;
	free(r->at);
	free(r->keep);
	free(r->label);
	free(r->hfield);
	free(r->field);
	free(r->buf);
	free(r);
}

/* Whether the file has a column the rule reads (a constant needs none). */
static int
has_source(const struct mapping_reader *r, const struct rule *rule)
{
	if (rule->nsrc == 0)
		return 1;
	for (int j = 0; j < rule->nsrc; j++)
		if (r->at[rule->src[j]] >= 0)
			return 1;
	return 0;
}

const struct csv_record *
mapping_header(struct mapping_reader *r, const struct csv_record *header,
    const char *file, csv_report_fn report)
{
	const struct mapping_export *x = r->x;
	int missing = 0;

	for (size_t i = 0; i < x->nsource; i++) {
		r->at[i] = csv_header_find(header, x->source[i]);
		if (r->at[i] < 0 && !x->optional[i]) {
			missing = 1;
			report(file, header->line, NULL, "header: the column "
			    "'%s' is missing, which the export %s has and the "
			    "import reads", x->source[i], x->name);
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
		    rule->nsrc > 0 ? x->source[rule->src[0]] : rule->column;
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

static const char *
source_name(const struct conversion *c, int j)
{
	return c->r->x->source[c->rule->src[j]];
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

/* A timestamp of pattern form: its day in out, or -1 with why set when
 * the form fits but the calendar or the clock does not. */
static int
match_form(const struct text *form, const struct csv_field *f, char *out,
    char *why)
{
	static const char letters[] = "YMDhms";
	int v[6] = { 0 };
	int32_t day;

	if (form->len != f->len)
		return 0;
	for (size_t i = 0; i < f->len; i++) {
		const char *l = memchr(letters, form->s[i], 6);

		if (l == NULL && form->s[i] != f->s[i])
			return 0;
		if (l != NULL && !isdigit((unsigned char)f->s[i]))
			return 0;
		if (l != NULL)
			v[l - letters] = v[l - letters] * 10 + (f->s[i] - '0');
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

static void
convert_amount(struct conversion *c)
{
	const struct csv_field *a = source(c, 0), *cur = source(c, 1);
	const struct currency *k = NULL;
	char code[4], sv[CSV_SHOW_MAX];
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
	st = money_parse(a->s, a->len, c->rule->minor ? 0 : k->exponent, '.',
	    &v);
	if (st == MONEY_PRECISION)
		return convert_error(c, source_name(c, 0), "%s has more "
		    "decimals than %s has (%d)", csv_show(sv, a), code,
		    k->exponent);
	if (st != MONEY_OK)
		return convert_error(c, source_name(c, 0), "%s is not an "
		    "amount: %s", csv_show(sv, a), money_strerror(st));
	money_format(c->out, c->rule->negated ? -v : v, k->exponent, '.');
}

/* ref: the column of the row the value names, from the database. */
static void
convert_ref(struct conversion *c, const struct csv_field *f)
{
	const struct rule *rule = c->rule;
	char sv[CSV_SHOW_MAX];

	if (c->r->lookup == NULL || !c->r->lookup(c->r->lookup_arg, rule->of,
	    rule->of_column, f->s, f->len, c->out, ENTITY_ID_MAX + 1))
		convert_error(c, source_name(c, 0), "%s is not in %s, which "
		    "%s is read from (import it first)", csv_show(sv, f),
		    rule->of->name, rule->column);
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

	if (j < 0) {
		/* copy keeps "" apart from an empty field (NULL) */
		f = rule->conv == C_COPY ? source(c, 0) : NULL;
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
	case C_REF:
		convert_ref(c, f);
		break;
	}
	*out = (struct csv_field){ c->out, strlen(c->out) };
	if (out->len == 0)	/* a value mapped to none */
		out->s = NULL;
	return 1;
}

/* The room the converted values of a record may take. */
static size_t
room(const struct mapping_reader *r, const struct csv_record *rec)
{
	size_t need = 0;

	for (size_t k = 0; k < r->x->nrule; k++) {
		const struct rule *rule = &r->x->rule[k];
		size_t most = rule->conv == C_REF ? ENTITY_ID_MAX :
		    strlen(rule->arg);

		for (int j = 0; j < rule->nsrc; j++) {
			const struct csv_field *f = mapping_source_field(r, rec,
			    rule->src[j]);

			if (f != NULL && f->len > most)
				most = f->len;
		}
		need += most + MONEY_FMT_MAX + 1;
	}
	return need;
}

const struct csv_record *
mapping_record(struct mapping_reader *r, const struct csv_record *rec,
    mapping_error_fn error, void *arg)
{
	const struct mapping_export *x = r->x;
	struct conversion c = { r, NULL, rec, NULL, error, arg, 0 };
	struct csv_field unused;
	size_t need = room(r, rec), off = 0, kept = 0;

	if (need > r->cap) {
		r->cap = need;
		r->buf = cli_realloc(r->buf, r->cap, 1);
	}
	for (size_t k = 0; k < x->nrule; k++) {
		struct csv_field *out;

		c.rule = &x->rule[k];
		if (kept < r->nkeep && r->keep[kept] == k)
			out = &r->field[kept++];
		else if (c.rule->ci < 0)
			out = &unused;		/* a check */
		else
			continue;		/* the file has none of it */
		c.out = r->buf + off;
		c.out[0] = '\0';
		if (convert(&c, out) && out->s == c.out)
			off += out->len + 1;
	}
	if (c.bad)
		return NULL;
	r->rec = (struct csv_record){ r->field, r->nkeep, rec->line,
	    &r->header };
	return &r->rec;
}
