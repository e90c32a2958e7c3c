/*
 * A mapping file is parsed once, at the start, into its exports and
 * their rows (mapping.h has the form), and checked whole: every error of
 * the file is reported, at its line and field, before anything is read.
 * An import then reads each record of an export through a reader, which
 * knows where the export's columns are in the file at hand and writes
 * the converted values, NUL-terminated as the CSV reader's are, into a
 * buffer of its own: the importer sees a record of the entity's columns
 * and checks it as any other.
 *
 * A rule reads its sources through the values of the record at hand
 * (struct value: a field and the file and line it is on), which are the
 * file's row, or for an export that folds its events the fields of the
 * key's events, and for one with a lookup the fields of the companion's
 * row too: the conversions are the same whatever the values came from.
 * Those two hold rows in memory, the companion's and the events of a
 * file, each copied whole; every other export streams, a row at a time.
 * An export with a pattern converts a row once for each column of the
 * pattern that is given, its values those of the row but the pattern's,
 * which is that column's: the records of a row are one block.
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

enum conv { C_COPY, C_UPPER, C_DAY, C_SPAN, C_AMOUNT, C_MAP, C_PERIOD,
    C_CONST, C_LOOKUP, C_FOLD, C_SKIP, C_CHANGES, C_REF };

/* The conversions, how many source columns each takes, and what its
 * argument must hold when it cannot be empty. */
static const struct {
	const char *name;
	int min, max;
	const char *needs;
} convs[] = {
	[C_COPY] = { "copy", 1, SOURCES_MAX, NULL },
	[C_UPPER] = { "upper", 1, SOURCES_MAX, NULL },
	[C_DAY] = { "day", 1, SOURCES_MAX, "the forms of the timestamps" },
	[C_SPAN] = { "span", 2, 2, "the forms of the timestamps" },
	[C_AMOUNT] = { "amount", 2, 3, NULL },
	[C_MAP] = { "map", 1, 1, "its pairs from=to" },
	[C_PERIOD] = { "period", 1, 2, NULL },
	[C_CONST] = { "const", 0, 0, "its value" },
	[C_LOOKUP] = { "lookup", 1, 1, NULL },
	[C_FOLD] = { "fold", 2, 2, NULL },
	[C_SKIP] = { "skip", 1, 1, NULL },
	[C_CHANGES] = { "changes", 2, 2, NULL },
	[C_REF] = { "ref", 1, 1, NULL },
};
#define NCONV (sizeof(convs) / sizeof(convs[0]))
#define CONV_NAMES "copy, upper, day, span, amount, map, period, const, " \
    "ref, lookup, fold, skip or changes"

/* What an amount's third source does to it. */
enum amount_op { OP_NONE, OP_LESS, OP_PER };

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
	const char *source, *arg;	/* as written */
	size_t src[SOURCES_MAX];	/* the export's sources */
	int nsrc;
	struct text form[FORMS_MAX];	/* day */
	int nform;
	struct text *from, *to;		/* map; skip's values in from */
	size_t npair;
	int minor, negated;		/* amount */
	int quoted_empty;		/* copy: "" is empty */
	enum amount_op op;
	size_t least;		/* the room its value takes whatever the
				 * sources: the argument's, a ref's id's */
	const struct entity *of;	/* ref: the entity and its column, */
	const struct entity_column *of_column, *of_by;	/* by its key: NULL */
	char *label;		/* "A or B", of a value from either; or NULL */
	unsigned long line;
};

/* A value that rules read: a column of the file's row, of the
 * companion's row that the row names (lookup), of the key's event of
 * one type (fold), or the column of a pattern at hand or the part of its
 * name that the '*' matched. */
enum many { M_NONE, M_PATTERN, M_PART };
struct source {
	size_t col;		/* in the file's columns or the companion's */
	int companion;
	int type;		/* of the fold's types, or -1: any event */
	enum many many;		/* M_NONE: col is the column */
	const char *name;	/* the column, for messages */
};

/* Columns of a file that an export reads, each named once. */
struct columns {
	char **name;
	int *optional;
	size_t n, cap;
};

struct mapping_export {
	const char *name;
	const struct entity *e;
	unsigned long line;		/* its first row */
	struct rule *rule;
	size_t nrule, caprule;
	struct columns file, comp;	/* the file's and the companion's */
	struct source *src;
	size_t nsrc, capsrc;
	char *companion;		/* lookup: its name, or NULL */
	size_t key, ckey;		/* the source naming it, its column */
	int fold;
	size_t fold_key, fold_type;	/* sources */
	struct text *type;		/* the events folded */
	size_t ntype;
	const char *types;		/* the same, as written: "a|b" */
	int pattern, part;		/* the sources of many columns and of
					 * the part of a name, or -1 */
	char *pattern_name;
	int pattern_optional;
};

struct mapping {
	char *text;			/* the file, cut into its fields */
	struct mapping_export *x;
	size_t nx, capx;
};

/* The value of a key that a rule changes saw last, in room for vcap
 * bytes, kept from one value to the next. */
struct seen {
	char *key, *value;
	size_t klen, vlen, vcap;
	struct seen *next;
};

/* A value of the record being converted, and where it is. */
struct value {
	const struct csv_field *f;	/* NULL: the file has none */
	const char *file;
	unsigned long line;
};

/* A row kept in memory: the companion's, or an event to fold. */
struct held {
	struct csv_record *rec;	/* a copy: fields and text in one block */
	int type;		/* fold: its event type, of x->type */
	size_t seq;		/* its place in the file */
};

struct rows {
	struct held *row;
	size_t n, cap;
};

struct mapping_reader {
	const struct mapping_export *x;
	const char *file;		/* being read */
	int *at;			/* the field of each column, or -1 */
	size_t *keep;			/* the rules in the header */
	size_t nkeep;
	int *from;			/* by entity column: its rule in the
					 * header, or -1 */
	mapping_lookup_fn lookup;	/* ref's */
	void *lookup_arg;
	struct csv_field *hfield, *field;	/* nrule a record */
	struct csv_record header, *rec;
	size_t nrec, caprec;
	char *buf;
	size_t cap;
	struct value *val;		/* by source */
	unsigned long *skipped;		/* by rule, since the header */
	/* the columns that the export's pattern matches: their fields, names
	 * and the parts of the names; cur, the one being converted */
	int *pat_at;
	char **pat_name;
	struct csv_field *pat_part;
	size_t npat, cur;
	struct seen **seen;		/* changes: by the hash of the key */
	size_t nseen, capseen;
	/* lookup: the companion's rows, sorted by key once read */
	const char *cfile;
	int *cat;			/* the field of each companion column */
	size_t cnfield;
	int cheader;
	struct rows comp;
	/* fold: the file's events by key, the first of each key's in the
	 * order of the file, and the events of the last record */
	struct rows ev;
	size_t *group, ngroup, next, last, nlast;
};

/* ---- the built-in systems ------------------------------------------------ */

void
mapping_system_names(char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < mapping_ntexts && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
		    mapping_texts[i].system);
}

/* ---- parsing ------------------------------------------------------------- */

/* The fields of a mapping row, by name for messages. */
static const char *const field_names[] = { "export", "entity", "column",
    "source", "conversion", "argument" };
enum { F_EXPORT, F_ENTITY, F_COLUMN, F_SOURCE, F_CONV, F_ARG, NFIELD };

struct parse {
	struct mapping *m;
	const char *name;	/* the file's, for messages */
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
	cli_data_error(p->name, p->line, field >= 0 ? field_names[field] :
	    NULL, "%s", msg);
}

static struct mapping_export *
export_of(struct parse *p, const char *name, const struct entity *e)
{
	struct mapping *m = p->m;
	const struct mapping_export *had = mapping_export_find(m, name);
	struct mapping_export *x;

	if (had != NULL) {
		if (had->e != e)
			parse_error(p, F_ENTITY, "'%s' differs from '%s', the "
			    "entity of export '%s' on line %lu", e->name,
			    had->e->name, name, had->line);
		return had->e == e ? &m->x[had - m->x] : NULL;
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

/* Whether s (len bytes) is t; and the same with case ignored. */
static int
text_is(const char *s, size_t len, const char *t, size_t tlen)
{
	return len == tlen && memcmp(s, t, len) == 0;
}

static int
text_is_nocase(const char *s, size_t len, const char *t, size_t tlen)
{
	return len == tlen && strncasecmp(s, t, len) == 0;
}

/* The index of the one of the n texts of list that s (len bytes) is,
 * case ignored, or -1. */
static int
text_find(const struct text *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (text_is_nocase(list[i].s, list[i].len, s, len))
			return (int)i;
	return -1;
}

/* The next of the parts of a field that '|' separates, from *at (an
 * empty field is one empty part), into part; *at then points past it,
 * NULL after the last.  Returns 0 when there is none left. */
static int
next_part(const char **at, struct text *part)
{
	const char *s = *at;

	if (s == NULL)
		return 0;
	*part = (struct text){ s, strcspn(s, "|") };
	*at = s[part->len] == '\0' ? NULL : s + part->len + 1;
	return 1;
}

/* The column named s (len bytes, a '?' at its end making it optional),
 * added when new. */
static size_t
column_of(struct columns *c, const char *s, size_t len)
{
	int optional = len > 0 && s[len - 1] == '?';

	if (optional)
		len--;
	for (size_t i = 0; i < c->n; i++)
		if (text_is_nocase(c->name[i], strlen(c->name[i]), s, len)) {
			c->optional[i] &= optional;
			return i;
		}
	c->name = cli_grow(c->name, &c->cap, c->n + 1, sizeof(*c->name));
	c->optional = cli_realloc(c->optional, c->cap, sizeof(*c->optional));
	c->name[c->n] = cli_strndup(s, len);
	c->optional[c->n] = optional;
	return c->n++;
}

/* A source with a '*' (src, of s, len bytes): the one pattern of its
 * export, or the part of a column's name that the pattern matches. */
static size_t
pattern_of(struct parse *p, struct mapping_export *x, struct source *src,
    const char *s, size_t len)
{
	int optional = s[len - 1] == '?', *at = &x->pattern;
	size_t stars = 0;

	len -= (size_t)optional;
	for (size_t i = 0; i < len; i++)
		stars += s[i] == PATTERN_ANY;
	if (len == strlen(PATTERN_PART) && memcmp(s, PATTERN_PART, len) == 0) {
		at = &x->part;
		src->many = M_PART;
		src->name = PATTERN_PART;
	} else if (x->pattern < 0) {
		if (stars > 1)
			parse_error(p, F_SOURCE, "'%.*s' has more than one "
			    "'*'", (int)len, s);
		x->pattern_optional = optional;
		x->pattern_name = cli_strndup(s, len);
		src->many = M_PATTERN;
		src->name = x->pattern_name;
	} else if (!text_is_nocase(x->pattern_name, strlen(x->pattern_name),
	    s, len)) {
		parse_error(p, F_SOURCE, "'%.*s' is a second pattern of export "
		    "'%s' ('%s' is its first): an export repeats its rows for "
		    "the columns of one", (int)len, s, x->name,
		    x->pattern_name);
	}
	if (*at < 0) {
		x->src = cli_grow(x->src, &x->capsrc, x->nsrc + 1,
		    sizeof(*x->src));
		x->src[x->nsrc] = *src;
		*at = (int)x->nsrc++;
	}
	return (size_t)*at;
}

/* The export's source s (len bytes): "NAME:COLUMN" a column of the
 * companion NAME or of the event of type NAME, when the export has one
 * so named, else a column of the file, or with a '*' in it a pattern;
 * added when new. */
static size_t
source_of(struct parse *p, struct mapping_export *x, const char *s,
    size_t len)
{
	const char *colon = memchr(s, ':', len);
	struct source src = { 0, 0, -1, M_NONE, NULL };

	if (colon != NULL) {
		size_t q = (size_t)(colon - s);

		src.companion = x->companion != NULL && text_is(s, q,
		    x->companion, strlen(x->companion));
		for (size_t t = 0; t < x->ntype; t++)
			if (text_is(s, q, x->type[t].s, x->type[t].len))
				src.type = (int)t;
		if (src.companion || src.type >= 0) {
			s = colon + 1;
			len -= q + 1;
		}
	}
	if (memchr(s, PATTERN_ANY, len) != NULL)
		return pattern_of(p, x, &src, s, len);
	src.col = column_of(src.companion ? &x->comp : &x->file, s, len);
	src.name = (src.companion ? x->comp.name : x->file.name)[src.col];
	for (size_t i = 0; i < x->nsrc; i++)
		if (x->src[i].col == src.col && x->src[i].many == M_NONE &&
		    x->src[i].companion == src.companion &&
		    x->src[i].type == src.type)
			return i;
	x->src = cli_grow(x->src, &x->capsrc, x->nsrc + 1, sizeof(*x->src));
	x->src[x->nsrc] = src;
	return x->nsrc++;
}

static void
parse_sources(struct parse *p, struct mapping_export *x, struct rule *r)
{
	/* no source is no column, not one empty column */
	const char *at = r->source[0] != '\0' ? r->source : NULL;
	struct text t;

	r->nsrc = 0;
	while (next_part(&at, &t))
		if (t.len == 0 || (t.len == 1 && t.s[0] == '?'))
			parse_error(p, F_SOURCE, "'%s' names an empty column",
			    r->source);
		else if (r->nsrc == SOURCES_MAX)
			parse_error(p, F_SOURCE, "'%s' names more than %d "
			    "columns", r->source, SOURCES_MAX);
		else
			r->src[r->nsrc++] = source_of(p, x, t.s, t.len);
}

/* A value that may come from any of several columns is named by them
 * all in messages. */
static char *
label_of(const struct mapping_export *x, const struct rule *r)
{
	size_t n = 0;
	char *s;

	if (r->nsrc < 2 || r->conv == C_SPAN || r->conv == C_AMOUNT ||
	    r->conv == C_PERIOD)
		return NULL;
	for (int j = 0; j < r->nsrc; j++)
		n += strlen(x->src[r->src[j]].name) + 4;
	s = cli_calloc(n, 1);
	for (int j = 0; j < r->nsrc; j++) {
		if (j > 0)
			strcat(s, " or ");
		strcat(s, x->src[r->src[j]].name);
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
	const char *at = r->arg;
	struct text t;

	while (next_part(&at, &t))
		if (!valid_form(t.s, t.len))
			parse_error(p, F_ARG, "'%.*s' is not a form of a "
			    "timestamp ('unix', or a pattern of YYYY, MM, DD "
			    "and hh, mm, ss, S, zzzzz after hh and mm)",
			    (int)t.len, t.s);
		else if (r->nform == FORMS_MAX)
			parse_error(p, F_ARG, "more than %d forms", FORMS_MAX);
		else
			r->form[r->nform++] = t;
}

static void
parse_pairs(struct parse *p, struct rule *r)
{
	const char *at = r->arg;
	struct text t;
	size_t cap = 0;

	while (next_part(&at, &t)) {
		const char *eq = memchr(t.s, '=', t.len);

		if (eq == NULL || eq == t.s) {
			parse_error(p, F_ARG, "'%.*s' is not a pair from=to",
			    (int)t.len, t.s);
			continue;
		}
		r->from = cli_grow(r->from, &cap, r->npair + 1,
		    sizeof(*r->from));
		r->to = cli_realloc(r->to, cap, sizeof(*r->to));
		r->from[r->npair] = (struct text){ t.s, (size_t)(eq - t.s) };
		r->to[r->npair++] = (struct text){ eq + 1,
		    (size_t)(t.s + t.len - eq - 1) };
	}
}

/* The values "a|b" of a skip or a fold, none of them empty. */
static struct text *
parse_list(struct parse *p, const char *s, size_t *n)
{
	struct text *list = NULL, t;
	size_t cap = 0;

	while (next_part(&s, &t)) {
		if (t.len == 0)
			parse_error(p, F_ARG, "names an empty value");
		list = cli_grow(list, &cap, *n + 1, sizeof(*list));
		list[(*n)++] = t;
	}
	return list;
}


/* ref's argument ENTITY.COLUMN: an id or a currency of an entity that
 * others refer to by its key; or ENTITY.COLUMN@BY, of the one row whose
 * column BY, an id of the row itself (an invoice's, not its lines'), is
 * the value. */
static void
parse_ref(struct parse *p, struct rule *r)
{
	const char *dot = strchr(r->arg, '.'), *at = strchr(r->arg, '@');
	char name[64], col[64];
	int ci;

	if (dot == NULL || (size_t)(dot - r->arg) >= sizeof(name) ||
	    (at != NULL && (at < dot || at[1] == '\0')))
		return parse_error(p, F_ARG, "'%s' is not ENTITY.COLUMN or "
		    "ENTITY.COLUMN@BY, the column to read of the row the value "
		    "names (by its key, or by its column BY)", r->arg);
	snprintf(name, sizeof(name), "%.*s", (int)(dot - r->arg), r->arg);
	if ((r->of = entity_find(name)) == NULL)
		return parse_error(p, F_ARG, "'%s' is not an entity "
		    "(revops-import --list shows them)", name);
	snprintf(col, sizeof(col), "%.*s", at != NULL ? (int)(at - dot - 1) :
	    (int)strlen(dot + 1), dot + 1);
	if ((ci = entity_column_index(r->of, col)) < 0 ||
	    (r->of->column[ci].type != ET_ID &&
	    r->of->column[ci].type != ET_CURRENCY))
		return parse_error(p, F_ARG, "'%s' is not an id or a currency "
		    "of %s: ref reads only those", col, name);
	r->of_column = &r->of->column[ci];
	if (at == NULL)
		return;
	if ((ci = entity_column_index(r->of, at + 1)) < 0 ||
	    r->of->column[ci].type != ET_ID ||
	    (r->of->parent_table != NULL &&
	    !(r->of->column[ci].flags & EC_HEADER) &&
	    strcmp(at + 1, r->of->parent_key) != 0))
		return parse_error(p, F_ARG, "'%s' is not an id of a row of "
		    "%s: ref finds a row by its key or by one of those", at + 1,
		    name);
	r->of_by = &r->of->column[ci];
}

/* An amount's argument: its unit, negated or not, and what a third
 * source does. */
static void
parse_unit(struct parse *p, struct rule *r)
{
	static const char *const ops[] = { "", " less", " per" };
	const char *u = r->arg + (r->negated = r->arg[0] == '-');
	size_t unit = strspn(u, "ajmnior");	/* major, minor */

	r->minor = unit == 5 && strncmp(u, "minor", 5) == 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if ((r->minor || strncmp(u, "major", 5) == 0) &&
		    unit == 5 && strcmp(u + 5, ops[i]) == 0) {
			r->op = (enum amount_op)i;
			if ((r->op != OP_NONE) != (r->nsrc == 3))
				parse_error(p, F_SOURCE, "'%s' names %d "
				    "columns, but amount '%s' takes %d",
				    r->source, r->nsrc, r->arg,
				    r->op != OP_NONE ? 3 : 2);
			return;
		}
	parse_error(p, F_ARG, "'%s' is not the unit of an amount (major or "
	    "minor, -major or -minor for money paid back, and 'less' or 'per' "
	    "for a third column)", r->arg);
}

/* A lookup's argument "NAME:KEY": the companion's name, which sources
 * put before a column of its, and its column that the source matches. */
static void
parse_lookup(struct parse *p, struct mapping_export *x, struct rule *r)
{
	const char *colon = strchr(r->arg, ':');

	if (colon == NULL || colon == r->arg || colon[1] == '\0')
		return parse_error(p, F_ARG, "'%s' is not NAME:KEY, the "
		    "companion's name and its column that the source names",
		    r->arg);
	free(x->companion);	/* a second lookup is an error, said above */
	x->companion = cli_strndup(r->arg, (size_t)(colon - r->arg));
	x->ckey = column_of(&x->comp, colon + 1, strlen(colon + 1));
	x->key = r->src[0];
}

static void
parse_argument(struct parse *p, struct mapping_export *x, struct rule *r)
{
	int empty = r->arg[0] == '\0';

	if (empty && convs[r->conv].needs != NULL)
		return parse_error(p, F_ARG, "is empty; %s needs %s",
		    convs[r->conv].name, convs[r->conv].needs);
	switch (r->conv) {
	case C_DAY:
	case C_SPAN:
		parse_forms(p, r);
		break;
	case C_AMOUNT:
		parse_unit(p, r);
		break;
	case C_REF:
		parse_ref(p, r);
		break;
	case C_MAP:
		parse_pairs(p, r);
		break;
	case C_CONST:
		break;
	case C_COPY:
		if (!empty && strcmp(r->arg, COPY_EMPTY) != 0)
			parse_error(p, F_ARG, "'%s' is not an argument of copy "
			    "(none, or %s: \"\" is no value either)", r->arg,
			    COPY_EMPTY);
		r->quoted_empty = !empty;
		break;
	case C_LOOKUP:
		parse_lookup(p, x, r);
		break;
	case C_FOLD:
		x->fold = 1;
		x->fold_key = r->src[0];
		x->fold_type = r->src[1];
		x->type = parse_list(p, r->arg, &x->ntype);
		x->types = r->arg;
		break;
	case C_SKIP:
		r->from = parse_list(p, r->arg, &r->npair);
		break;
	default:		/* changes too */
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

/* Whether a rule stores nothing: a check, or what says how the rows
 * are read. */
static int
stores_nothing(enum conv c)
{
	return c == C_MAP || c == C_SKIP || c == C_CHANGES || c == C_LOOKUP ||
	    c == C_FOLD;
}

/* Whether a rule says how the rows are read, before the values are: a
 * lookup or a fold, which come first. */
static int
comes_first(enum conv c)
{
	return c == C_LOOKUP || c == C_FOLD;
}

/* The column '-' goes with the conversions that store nothing, which go
 * with nothing else; a lookup and a fold come first, once each, as the
 * rows after them may name their sources, and changes, which follows
 * one key, is given once. */
static void
check_place(struct parse *p, const struct mapping_export *x,
    const struct rule *r)
{
	int dash = strcmp(r->column, "-") == 0;

	if (dash && !stores_nothing(r->conv))
		parse_error(p, F_COLUMN, "'-' stores nothing, so it goes only "
		    "with map and skip, which check the values, and changes, "
		    "lookup and fold");
	if (!dash && stores_nothing(r->conv) && r->conv != C_MAP)
		parse_error(p, F_COLUMN, "'%s' would store nothing: %s goes "
		    "with the column '-'", r->column, convs[r->conv].name);
	if (!comes_first(r->conv) && r->conv != C_CHANGES)
		return;
	for (size_t k = 0; k + 1 < x->nrule; k++)
		if (x->rule[k].conv == r->conv)
			parse_error(p, F_CONV, "%s is given twice for export "
			    "'%s' (line %lu)", convs[r->conv].name, x->name,
			    x->rule[k].line);
		else if (comes_first(r->conv) && !comes_first(x->rule[k].conv))
			return parse_error(p, F_CONV, "a %s comes before the "
			    "other rows of its export (line %lu is one)",
			    convs[r->conv].name, x->rule[k].line);
}

/* A check of an export that folds reads each event as it comes, so only
 * the event's own columns; a skip and changes choose the file's rows
 * before anything else is read of them, so only their columns, not a
 * companion's nor a pattern's. */
static void
check_fold_check(struct parse *p, const struct mapping_export *x,
    const struct rule *r)
{
	if (r->ci >= 0 || comes_first(r->conv))
		return;
	for (int j = 0; j < r->nsrc; j++) {
		const struct source *s = &x->src[r->src[j]];

		if (x->fold && (s->type >= 0 || s->companion))
			parse_error(p, F_SOURCE, "'%s' is not a column of each "
			    "event, which a check of an export that folds "
			    "reads as it comes", r->source);
		else if (r->conv != C_MAP && (s->companion || s->many))
			parse_error(p, F_SOURCE, "'%s' is not a column of the "
			    "row, which %s reads before the row's other "
			    "values", r->source, convs[r->conv].name);
	}
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
	r->arg = f[F_ARG];
	r->line = p->line;
	r->least = r->conv == C_REF ? ENTITY_ID_MAX : strlen(r->arg);
	r->ci = parse_column(p, x, r);
	check_place(p, x, r);
	parse_sources(p, x, r);
	check_fold_check(p, x, r);
	r->label = label_of(x, r);
	if (r->nsrc < convs[c].min || r->nsrc > convs[c].max) {
		char takes[32];

		snprintf(takes, sizeof(takes), convs[c].min == convs[c].max ?
		    "%d" : "%d to %d", convs[c].min, convs[c].max);
		parse_error(p, F_SOURCE, "'%s' names %d column%s, but %s takes "
		    "%s", r->source, r->nsrc, r->nsrc == 1 ? "" : "s",
		    convs[c].name, takes);
	}
	parse_argument(p, x, r);
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

/* Every export gives every column its entity requires; a pattern goes
 * with no lookup or fold, as they make a row's one record of more than
 * the row, and '*' is the part of the name of a pattern's column. */
static void
check_required(struct parse *p)
{
	for (size_t i = 0; i < p->m->nx; i++) {
		const struct mapping_export *x = &p->m->x[i];

		p->line = x->line;
		if (x->pattern >= 0 && (x->companion != NULL || x->fold))
			parse_error(p, F_SOURCE, "export '%s' reads the "
			    "pattern '%s', which makes a record of each of its "
			    "columns, and has a %s, which makes one record of "
			    "more than a row: they do not go together", x->name,
			    x->pattern_name, x->fold ? "fold" : "lookup");
		if (x->part >= 0 && x->pattern < 0)
			parse_error(p, F_SOURCE, "export '%s' reads '*', the "
			    "part of a column's name that its pattern matches, "
			    "but has no pattern (a source with a '*' in it)",
			    x->name);

		for (size_t ci = 0; ci < x->e->ncolumn; ci++) {
			const struct entity_column *c = &x->e->column[ci];
			size_t k;

			if (!(c->flags & EC_REQUIRED) || c->dflt != NULL)
				continue;
			for (k = 0; k < x->nrule; k++)
				if (x->rule[k].ci == (int)ci)
					break;
			if (k == x->nrule)
				parse_error(p, F_EXPORT, "export '%s' gives no "
				    "%s, which %s requires", x->name, c->name,
				    x->e->name);
		}
	}
}

struct mapping *
mapping_parse(const char *name, const char *text)
{
	struct mapping *m = cli_calloc(1, sizeof(*m));
	struct parse p = { m, name, 0, 0 };
	char *s, *next;

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
	char name[64];
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

static void
columns_free(struct columns *c)
{
	for (size_t k = 0; k < c->n; k++)
		free(c->name[k]);
	free(c->name);
	free(c->optional);
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
		columns_free(&x->file);
		columns_free(&x->comp);
		free(x->src);
		free(x->companion);
		free(x->pattern_name);
		free(x->type);
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
	return x->file.n;
}

const char *
mapping_source(const struct mapping_export *x, size_t i)
{
	return x->file.name[i];
}

const char *
mapping_companion(const struct mapping_export *x)
{
	return x->companion;
}

int
mapping_export_repeats(const struct mapping_export *x)
{
	return x->pattern >= 0;
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
	r->at = cli_calloc(x->file.n, sizeof(*r->at));
	r->cat = cli_calloc(x->comp.n, sizeof(*r->cat));
	r->keep = cli_calloc(x->nrule, sizeof(*r->keep));
	r->skipped = cli_calloc(x->nrule, sizeof(*r->skipped));
	r->from = cli_calloc(x->e->ncolumn, sizeof(*r->from));
	for (size_t ci = 0; ci < x->e->ncolumn; ci++)
		r->from[ci] = -1;
	r->hfield = cli_calloc(x->nrule, sizeof(*r->hfield));
	r->field = cli_calloc(x->nrule, sizeof(*r->field));
	r->rec = cli_calloc(1, sizeof(*r->rec));
	r->caprec = 1;
	r->val = cli_calloc(x->nsrc, sizeof(*r->val));
	return r;
}

static void
rows_free(struct rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		free(rows->row[i].rec);
	free(rows->row);
	rows->row = NULL;
	rows->n = rows->cap = 0;
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
	free(r->pat_at);
	free(r->pat_name);
	free(r->pat_part);
	for (size_t i = 0; i < r->capseen; i++)
		for (struct seen *l = r->seen[i], *next; l != NULL; l = next) {
			next = l->next;
			free(l->key);
			free(l->value);
			free(l);
		}
	free(r->seen);
	free(r->at);
	free(r->cat);
	free(r->keep);
	free(r->skipped);
	free(r->from);
	free(r->hfield);
	free(r->field);
	free(r->rec);
	free(r->val);
	free(r->buf);
	rows_free(&r->comp);
	rows_free(&r->ev);
	free(r->group);
	free(r);
}

/* Whether the file has a column the rule reads (a constant needs none;
 * a value of the companion is always there). */
static int
has_source(const struct mapping_reader *r, const struct rule *rule)
{
	if (rule->nsrc == 0)
		return 1;
	for (int j = 0; j < rule->nsrc; j++) {
		const struct source *s = &r->x->src[rule->src[j]];

		if (s->many ? r->npat > 0 : s->companion || r->at[s->col] >= 0)
			return 1;
	}
	return 0;
}

/* The columns of the header that the export's pattern matches (case
 * ignored), with the part of each name that its '*' stands for; reported
 * when there is none, unless it may be missing.  Returns whether none
 * was that must be. */
static int
match_pattern(struct mapping_reader *r, const struct csv_record *header,
    const char *file, csv_report_fn report)
{
	const struct mapping_export *x = r->x;
	const char *pat = x->pattern_name;
	size_t pre, post;

	forget_pattern(r);
	if (x->pattern < 0)
		return 0;
	pre = strcspn(pat, "*");
	post = strlen(pat) - pre - 1;
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
	if (r->npat > 0 || x->pattern_optional)
		return 0;
	report(file, header->line, NULL, "header: a column of the form '%s' "
	    "is missing, which the export %s has and the import reads", pat,
	    x->name);
	return 1;
}

/* Finds the columns in a header: -1 for each one it lacks, reported
 * unless it may be missing.  Returns whether one was. */
static int
find_columns(const struct columns *c, int *at, const struct csv_record *h,
    const char *file, const char *export, csv_report_fn report)
{
	int missing = 0;

	for (size_t i = 0; i < c->n; i++) {
		at[i] = csv_header_find(h, c->name[i]);
		if (at[i] < 0 && !c->optional[i]) {
			missing = 1;
			report(file, h->line, NULL, "header: the column '%s' is "
			    "missing, which the export %s has and the import "
			    "reads", c->name[i], export);
		}
	}
	return missing;
}

/*
 * A required column of the entity whose sources are all such as may be
 * missing (another name of the same column in another version of the
 * export: "Created date (UTC)?|Created (UTC)?") needs one of them, named
 * in the export's words as a missing column is.  Returns 1.
 */
static int
none_there(const struct mapping_export *x, const struct rule *rule,
    const char *file, unsigned long line, csv_report_fn report)
{
	char names[512];
	size_t n = 0;

	names[0] = '\0';
	for (int j = 0; j < rule->nsrc && n < sizeof(names); j++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s'%s'",
		    j == 0 ? "" : j == rule->nsrc - 1 ? " or " : ", ",
		    x->src[rule->src[j]].name);
	report(file, line, NULL, "header: the column %s is missing, which "
	    "the export %s has and the import reads for %s", names, x->name,
	    x->e->column[rule->ci].name);
	return 1;
}

const struct csv_record *
mapping_header(struct mapping_reader *r, const struct csv_record *header,
    const char *file, csv_report_fn report)
{
	const struct mapping_export *x = r->x;
	int missing = 0;

	r->file = file;
	memset(r->skipped, 0, x->nrule * sizeof(*r->skipped));
	if (find_columns(&x->file, r->at, header, file, x->name, report) |
	    match_pattern(r, header, file, report))
		return NULL;
	r->nkeep = 0;
	for (size_t ci = 0; ci < x->e->ncolumn; ci++)
		r->from[ci] = -1;
	for (size_t k = 0; k < x->nrule; k++) {
		const struct rule *rule = &x->rule[k];
		const char *name;

		if (rule->ci < 0)
			continue;
		if (!has_source(r, rule)) {
			if (x->e->column[rule->ci].flags & EC_REQUIRED)
				missing |= none_there(x, rule, file,
				    header->line, report);
			continue;
		}
		name = x->e->column[rule->ci].name;
		r->hfield[r->nkeep] = (struct csv_field){ name, strlen(name) };
		r->from[rule->ci] = (int)k;
		r->keep[r->nkeep++] = k;
	}
	if (missing)
		return NULL;
	r->header = (struct csv_record){ r->hfield, r->nkeep, header->line,
	    NULL };
	return &r->header;
}

/* The rule that gives entity column ci in the last header, or NULL. */
static const struct rule *
rule_of(const struct mapping_reader *r, size_t ci)
{
	return ci < r->x->e->ncolumn && r->from[ci] >= 0 ?
	    &r->x->rule[r->from[ci]] : NULL;
}

const char *
mapping_label(const struct mapping_reader *r, size_t ci)
{
	const struct mapping_export *x = r->x;
	const struct rule *rule = rule_of(r, ci);

	if (rule == NULL)
		return NULL;
	return rule->label != NULL ? rule->label : rule->nsrc == 0 ?
	    rule->column : (int)rule->src[0] == x->part ? x->pattern_name :
	    x->src[rule->src[0]].name;
}

const struct csv_field *
mapping_source_field(const struct mapping_reader *r,
    const struct csv_record *rec, size_t i)
{
	int f = r->at[i];

	return f >= 0 && (size_t)f < rec->nfield ? &rec->field[f] : NULL;
}

static int
empty(const struct csv_field *f)
{
	return f == NULL || f->s == NULL || f->len == 0;
}

int
mapping_where(const struct mapping_reader *r, size_t ci, const char **file,
    unsigned long *line)
{
	const struct rule *rule = rule_of(r, ci);
	const struct value *v = NULL;

	if (rule == NULL)
		return 0;
	for (int j = 0; j < rule->nsrc && (v == NULL || empty(v->f)); j++)
		v = &r->val[rule->src[j]];
	if (v == NULL)
		return 0;
	*file = v->file;
	*line = v->line;
	return 1;
}

/* ---- rows held in memory ------------------------------------------------- */

/* A copy of rec, its fields and their text in one block. */
static struct csv_record *
record_copy(const struct csv_record *rec)
{
	size_t text = 0;
	struct csv_record *c;
	struct csv_field *f;
	char *s;

	for (size_t i = 0; i < rec->nfield; i++)
		text += rec->field[i].len + 1;
	c = cli_calloc(1, sizeof(*c) + rec->nfield * sizeof(*f) + text);
	f = (struct csv_field *)(c + 1);
	s = (char *)(f + rec->nfield);
	for (size_t i = 0; i < rec->nfield; i++) {
		f[i] = (struct csv_field){ NULL, 0 };
		if (rec->field[i].s == NULL)
			continue;
		memcpy(s, rec->field[i].s, rec->field[i].len);
		s[rec->field[i].len] = '\0';
		f[i] = (struct csv_field){ s, rec->field[i].len };
		s += rec->field[i].len + 1;
	}
	*c = (struct csv_record){ f, rec->nfield, rec->line, NULL };
	return c;
}

static void
rows_add(struct rows *rows, const struct csv_record *rec, int type)
{
	rows->row = cli_grow(rows->row, &rows->cap, rows->n + 1,
	    sizeof(*rows->row));
	rows->row[rows->n] = (struct held){ record_copy(rec), type, rows->n };
	rows->n++;
}

static const struct csv_field *
record_field(const struct csv_record *rec, int field)
{
	return field >= 0 && (size_t)field < rec->nfield ? &rec->field[field] :
	    NULL;
}

static const struct csv_field *
field_of(const struct held *h, int field)
{
	return record_field(h->rec, field);
}

static int
compare_keys(const struct csv_field *a, const struct csv_field *b)
{
	size_t la = a != NULL ? a->len : 0, lb = b != NULL ? b->len : 0;
	int c = memcmp(la ? a->s : "", lb ? b->s : "", la < lb ? la : lb);

	return c != 0 ? c : (la > lb) - (la < lb);
}

/* A held row with its key, which is what its sort compares (qsort()
 * passes the comparison nothing else). */
struct keyed {
	const struct csv_field *key;
	struct held row;
};

/* By key, then by place in the file. */
static int
by_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = compare_keys(x->key, y->key);

	return c != 0 ? c : (x->row.seq > y->row.seq) -
	    (x->row.seq < y->row.seq);
}

/* Sorts the rows by their field field, then by their place in the file,
 * through a copy of them with their keys. */
static void
rows_sort(struct rows *rows, int field)
{
	struct keyed *k;

	if (rows->n < 2)
		return;
	k = cli_calloc(rows->n, sizeof(*k));
	for (size_t i = 0; i < rows->n; i++)
		k[i] = (struct keyed){ field_of(&rows->row[i], field),
		    rows->row[i] };
	qsort(k, rows->n, sizeof(*k), by_key);
	for (size_t i = 0; i < rows->n; i++)
		rows->row[i] = k[i].row;
	free(k);
}

/* ---- lookup: the companion's rows by key --------------------------------- */

int
mapping_companion_record(struct mapping_reader *r,
    const struct csv_record *rec, const char *file, csv_report_fn report)
{
	const struct mapping_export *x = r->x;
	char why[CSV_RAGGED_MAX];

	r->cfile = file;
	if (!r->cheader) {
		r->cheader = 1;
		r->cnfield = rec->nfield;
		return find_columns(&x->comp, r->cat, rec, file, x->companion,
		    report);
	}
	if (rec->nfield != r->cnfield)
		return !report(file, rec->line, NULL, "%s", csv_ragged(rec,
		    why));
	if (empty(record_field(rec, r->cat[x->ckey])))
		return !report(file, rec->line, x->comp.name[x->ckey], "is "
		    "empty; it is the key that rows of the next files name");
	rows_add(&r->comp, rec, 0);
	return 0;
}

int
mapping_companion_done(struct mapping_reader *r, csv_report_fn report)
{
	const struct mapping_export *x = r->x;
	int field = r->cat[x->ckey], bad = 0;

	rows_sort(&r->comp, field);
	for (size_t i = 1; i < r->comp.n; i++) {
		const struct held *a = &r->comp.row[i - 1], *b = &r->comp.row[i];
		char sv[CSV_SHOW_MAX];

		if (compare_keys(field_of(a, field), field_of(b, field)))
			continue;
		bad = 1;
		if (!report(r->cfile, b->rec->line, x->comp.name[x->ckey], "%s "
		    "is on line %lu already: a key names one row",
		    csv_show(sv, field_of(b, field)), a->rec->line))
			break;
	}
	return bad;
}

/* The companion's row of key, or NULL. */
static const struct held *
companion_find(const struct mapping_reader *r, const struct csv_field *key)
{
	size_t lo = 0, hi = r->comp.n;
	int field = r->cat[r->x->ckey];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = compare_keys(field_of(&r->comp.row[mid], field), key);

		if (c == 0)
			return &r->comp.row[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- the values of a record ---------------------------------------------- */

/* The values of the file's row. */
static void
values_of_row(struct mapping_reader *r, const struct csv_record *rec)
{
	const struct mapping_export *x = r->x;

	for (size_t i = 0; i < x->nsrc; i++)
		if (!x->src[i].companion)
			r->val[i] = (struct value){ x->src[i].many ? NULL :
			    mapping_source_field(r, rec, x->src[i].col),
			    r->file, rec->line };
}

/* The values of the pattern's column k of the row, which is converted
 * next: whether it is given. */
static int
values_of_column(struct mapping_reader *r, const struct csv_record *rec,
    size_t k)
{
	const struct mapping_export *x = r->x;
	const struct csv_field *f = record_field(rec, r->pat_at[k]);

	r->cur = k;
	r->val[x->pattern].f = f;
	if (x->part >= 0)
		r->val[x->part].f = &r->pat_part[k];
	return !empty(f);
}

/* The values of the events of a key: a source of one type from the
 * first event of that type, any other from the first event that gives
 * it, in the order of the file. */
static void
values_of_events(struct mapping_reader *r, size_t start, size_t n)
{
	const struct mapping_export *x = r->x;

	for (size_t i = 0; i < x->nsrc; i++) {
		const struct source *s = &x->src[i];
		const struct held *from = NULL;

		if (s->companion)
			continue;
		for (size_t k = 0; k < n && from == NULL; k++) {
			const struct held *h = &r->ev.row[start + k];

			if (s->type >= 0 ? h->type == s->type :
			    !empty(mapping_source_field(r, h->rec, s->col)))
				from = h;
		}
		r->val[i] = (struct value){ from == NULL ? NULL :
		    mapping_source_field(r, from->rec, s->col), r->file,
		    (from != NULL ? from : &r->ev.row[start])->rec->line };
	}
}

/* ---- the conversions ----------------------------------------------------- */

/* One value being converted: where its text goes, and what to say. */
struct conversion {
	struct mapping_reader *r;
	const struct rule *rule;
	char *out;			/* room for the value */
	mapping_error_fn error;
	void *arg;
	int bad;
};

static void
report_at(struct conversion *c, const struct value *v, const char *column,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
vreport_at(struct conversion *c, const struct value *v, const char *column,
    const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	c->bad = 1;
	c->error(c->arg, v->file, v->line, column, msg);
}

static void
report_at(struct conversion *c, const struct value *v, const char *column,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport_at(c, v, column, fmt, ap);
	va_end(ap);
}

/* The value of source j of the rule, and where it is. */
static const struct value *
value(const struct conversion *c, int j)
{
	return &c->r->val[c->rule->src[j]];
}

/* Source j of the rule in the record, or NULL when the file has none. */
static const struct csv_field *
source(const struct conversion *c, int j)
{
	return value(c, j)->f;
}

/* Source j's name; of a pattern or its part, the column's at hand. */
static const char *
source_name(const struct conversion *c, int j)
{
	const struct source *s = &c->r->x->src[c->rule->src[j]];

	return s->many && c->r->npat > 0 ? c->r->pat_name[c->r->cur] : s->name;
}

static void
convert_error(struct conversion *c, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error of the rule's value, at the file and line of its source named
 * column. */
static void
convert_error(struct conversion *c, const char *column, const char *fmt, ...)
{
	const struct value *v = value(c, 0);
	va_list ap;

	for (int j = 0; j < c->rule->nsrc; j++)
		if (source_name(c, j) == column)
			v = value(c, j);
	va_start(ap, fmt);
	vreport_at(c, v, column, fmt, ap);
	va_end(ap);
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
			v[l - form_letters] = v[l - form_letters] * 10 +
			    (ch - '0');
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

		/* strtol() would take blanks before the exponent */
		if (i + 1 == a->len || !(isdigit((unsigned char)a->s[i + 1]) ||
		    a->s[i + 1] == '+' || a->s[i + 1] == '-'))
			return 0;
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

/* Source j, an amount in the rule's unit of currency k, in its minor
 * unit in *v; 0, or -1 when it is not one. */
static int
parse_amount(struct conversion *c, int j, const struct currency *k,
    int64_t *v)
{
	const struct csv_field *a = source(c, j);
	const char *code = k->code;
	char sv[CSV_SHOW_MAX], plain[AMOUNT_MAX];
	enum money_status st;
	size_t n;

	if (c->rule->minor && memchr(a->s, '.', a->len) != NULL)
		return convert_error(c, source_name(c, j), "%s is not a whole "
		    "number of the minor unit of %s: the amounts of this "
		    "export are in minor units (%s%s)", csv_show(sv, a), code,
		    code, k->exponent == 0 ? " has none but its whole unit" :
		    k->exponent == 2 ? " 12.50 is 1250" : " 12.500 is 12500"),
		    -1;
	if (!c->rule->minor && (n = plain_amount(a, k->exponent, plain)) > 0)
		st = money_parse(plain, n, k->exponent, '.', v);
	else
		st = money_parse(a->s, a->len, c->rule->minor ? 0 :
		    k->exponent, '.', v);
	if (st == MONEY_PRECISION)
		return convert_error(c, source_name(c, j), "%s has more "
		    "decimals than %s has (%d)", csv_show(sv, a), code,
		    k->exponent), -1;
	if (st != MONEY_OK)
		return convert_error(c, source_name(c, j), "%s is not an "
		    "amount: %s", csv_show(sv, a), money_strerror(st)), -1;
	return 0;
}

/* Source j, a count: a whole number more than 0, 1 when it is empty;
 * 0, or -1 when it is not one. */
static int
parse_count(struct conversion *c, int j, long *count)
{
	const struct csv_field *n = source(c, j);
	char sv[CSV_SHOW_MAX], *end;

	*count = 1;
	if (empty(n))
		return 0;
	errno = 0;
	*count = strtol(n->s, &end, 10);
	if (!isdigit((unsigned char)n->s[0]) || end != n->s + n->len ||
	    *count < 1)
		return convert_error(c, source_name(c, j), "%s is not a whole "
		    "number more than 0", csv_show(sv, n)), -1;
	if (errno == ERANGE)
		return convert_error(c, source_name(c, j), "%s is too large a "
		    "count", csv_show(sv, n)), -1;
	return 0;
}

/* An amount v of currency k over the count of source 2: the price of
 * one, exactly, as a unit price holds it (MONEY_PRICE_DIGITS more
 * decimals than the currency). */
static void
convert_per(struct conversion *c, int64_t v, const struct currency *k)
{
	const struct csv_field *n = source(c, 2);
	char sv[CSV_SHOW_MAX], sn[CSV_SHOW_MAX];
	long count;
	__int128 micro = v;

	if (parse_count(c, 2, &count) != 0)
		return;
	for (int i = 0; i < MONEY_PRICE_DIGITS; i++)
		micro *= 10;
	if (micro % count != 0 || micro / count > INT64_MAX ||
	    micro / count < -INT64_MAX)
		return convert_error(c, source_name(c, 0), "%s over %s of %s "
		    "is no price of one that %s can hold exactly (%d decimals "
		    "past the minor unit)", csv_show(sv, source(c, 0)),
		    source_name(c, 2), empty(n) ? "'1'" : csv_show(sn, n),
		    k->code, MONEY_PRICE_DIGITS);
	money_format_trim(c->out, (int64_t)(micro / count), k->exponent +
	    MONEY_PRICE_DIGITS, k->exponent, '.');
}

static void
convert_amount(struct conversion *c)
{
	const struct csv_field *cur = source(c, 1), *less;
	const struct currency *k = NULL;
	char code[4], sv[CSV_SHOW_MAX];
	int64_t v, w;

	if (!empty(cur) && cur->len == 3) {
		for (int i = 0; i < 3; i++)
			code[i] = (char)toupper((unsigned char)cur->s[i]);
		k = money_currency(code, 3);
	}
	if (k == NULL)
		return convert_error(c, source_name(c, 1), empty(cur) ?
		    "is empty; the currency of '%s' is needed to read it" :
		    "%s is not an ISO 4217 currency code", empty(cur) ?
		    source_name(c, 0) : csv_show(sv, cur));
	if (parse_amount(c, 0, k, &v) != 0)
		return;
	less = c->rule->op == OP_LESS ? source(c, 2) : NULL;
	if (!empty(less) && parse_amount(c, 2, k, &w) != 0)
		return;
	if (!empty(less) && money_sub(v, w, &v) != MONEY_OK)
		return convert_error(c, source_name(c, 0), "%s less %s is too "
		    "large", csv_show(sv, source(c, 0)), source_name(c, 2));
	if (c->rule->negated && money_sub(0, v, &v) != MONEY_OK)
		return convert_error(c, source_name(c, 0), "%s is too large to "
		    "be paid back", csv_show(sv, source(c, 0)));
	if (c->rule->op == OP_PER)
		return convert_per(c, v, k);
	money_format(c->out, v, k->exponent, '.');
}

/* ref: the column of the row the value names, from the database; by a
 * column not its key, the value may name no row or more than one, and
 * then which is meant cannot be known. */
static void
convert_ref(struct conversion *c, const struct csv_field *f)
{
	const struct rule *rule = c->rule;
	char sv[CSV_SHOW_MAX];
	int n = c->r->lookup == NULL ? 0 : c->r->lookup(c->r->lookup_arg,
	    rule->of, rule->of_column, rule->of_by, f->s, f->len, c->out,
	    ENTITY_ID_MAX + 1);

	if (n == 1)
		return;
	if (rule->of_by == NULL)
		convert_error(c, source_name(c, 0), "%s is not in %s, which "
		    "%s is read from (import it first)", csv_show(sv, f),
		    rule->of->name, rule->column);
	else if (n == 0)
		convert_error(c, source_name(c, 0), "%s is the %s of no row "
		    "of %s, which %s is read from (import it first)",
		    csv_show(sv, f), rule->of_by->name, rule->of->name,
		    rule->column);
	else
		convert_error(c, source_name(c, 0), "%s is the %s of more "
		    "than one row of %s: which one %s is read from cannot be "
		    "known", csv_show(sv, f), rule->of_by->name, rule->of->name,
		    rule->column);
}

static void
convert_map(struct conversion *c, const struct csv_field *f)
{
	const struct rule *rule = c->rule;
	char from[256], sv[CSV_SHOW_MAX];
	size_t n = 0, last = 0;
	int at = text_find(rule->from, rule->npair, f->s, f->len);

	if (at >= 0) {
		const struct text *to = &rule->to[at];

		/* a value known to have no revops value, and why */
		if (to->len > 0 && to->s[0] == '!')
			return convert_error(c, source_name(c, 0), "%s %.*s",
			    csv_show(sv, f), (int)to->len - 1, to->s + 1);
		memcpy(c->out, to->s, to->len);
		c->out[to->len] = '\0';
		return;
	}
	/* the values it takes, not those it knows to refuse */
	for (size_t i = 0; i < rule->npair; i++)
		if (rule->to[i].len == 0 || rule->to[i].s[0] != '!')
			last = i;
	for (size_t i = 0; i < rule->npair && n < sizeof(from); i++)
		if (rule->to[i].len == 0 || rule->to[i].s[0] != '!')
			n += (size_t)snprintf(from + n, sizeof(from) - n,
			    "%s%.*s", n == 0 ? "" : i == last ? " or " : ", ",
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
	long count = 1;
	char sv[CSV_SHOW_MAX];

	if (c->rule->nsrc > 1 && parse_count(c, 1, &count) != 0)
		return;
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
		if (text_is_nocase(periods[i].interval,
		    strlen(periods[i].interval), f->s, f->len) &&
		    periods[i].count == count) {
			strcpy(c->out, periods[i].period);
			return;
		}
	convert_error(c, source_name(c, 0), "%s every %ld cannot be billed: "
	    "revops bills a month, 3 months or a year (month every 1, 3 or "
	    "12, year every 1)", csv_show(sv, f), count);
}

/* A report that keeps nothing: span's second source is its other rule's
 * to report. */
static void
ignore_error(void *arg, const char *file, unsigned long line,
    const char *column, const char *message)
{
	(void)arg, (void)file, (void)line, (void)column, (void)message;
}

/* span: the day of source 0, none when source 1 is on the same day: a
 * span of a moment or of hours, no span of days (Stripe dates a line of
 * no period of its own at the moment it was made).  Source 1's errors
 * are its own rule's, which reads it as its source 0. */
static void
convert_span(struct conversion *c, const struct csv_field *f)
{
	struct conversion other = *c;
	char day[DATE_FMT_MAX];
	int bad = c->bad;

	c->bad = 0;
	convert_day(c, f, source_name(c, 0));
	if (c->bad || empty(source(c, 1))) {
		c->bad |= bad;
		return;
	}
	c->bad = bad;
	other.out = day;
	other.error = ignore_error;
	other.bad = 0;
	convert_day(&other, source(c, 1), source_name(c, 1));
	if (!other.bad && strcmp(day, c->out) == 0)
		c->out[0] = '\0';
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
	case C_SPAN:
		if (j != 0)
			return *out = (struct csv_field){ NULL, 0 }, 0;
		convert_span(c, f);
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
	case C_LOOKUP:
	case C_FOLD:
	case C_SKIP:
	case C_CHANGES:
		return 0;	/* how rows are read, applied before */
	}
	*out = (struct csv_field){ c->out, strlen(c->out) };
	if (out->len == 0)	/* a value mapped to none */
		out->s = NULL;
	return 1;
}

/* The longest value of source i in the row rec: of a pattern or its
 * part, the longest of any of its columns. */
static size_t
longest(const struct mapping_reader *r, const struct csv_record *rec,
    size_t i)
{
	const struct source *s = &r->x->src[i];
	size_t most = 0;

	if (s->many == M_NONE)
		return r->val[i].f != NULL ? r->val[i].f->len : 0;
	for (size_t k = 0; k < r->npat; k++) {
		const struct csv_field *f = s->many == M_PART ?
		    &r->pat_part[k] : record_field(rec, r->pat_at[k]);

		if (f != NULL && f->len > most)
			most = f->len;
	}
	return most;
}

/* The room the converted values of a record of rec may take. */
static size_t
room(const struct mapping_reader *r, const struct csv_record *rec)
{
	size_t need = 0;

	for (size_t k = 0; k < r->x->nrule; k++) {
		const struct rule *rule = &r->x->rule[k];
		size_t most = rule->least;

		for (int j = 0; j < rule->nsrc; j++) {
			size_t n = longest(r, rec, rule->src[j]);

			if (n > most)
				most = n;
		}
		need += most + MONEY_FMT_MAX + 1;
	}
	return need;
}

/* Room for n records of rec: their text and their fields. */
static void
make_room(struct mapping_reader *r, const struct csv_record *rec, size_t n)
{
	size_t need = room(r, rec) * n;

	if (need > r->cap) {
		r->cap = need;
		r->buf = cli_realloc(r->buf, r->cap, 1);
	}
	if (n > r->caprec) {
		r->caprec = n;
		r->rec = cli_realloc(r->rec, n, sizeof(*r->rec));
		r->field = cli_realloc(r->field, n * r->x->nrule,
		    sizeof(*r->field));
	}
}

/*
 * Whether a rule changes keeps the row: its value (the second source)
 * differs from the one the row before it of the same key (the first)
 * had, or it is the first of its key.  The value is then the key's.
 */
static int
changed(struct mapping_reader *r, const struct rule *rule)
{
	const struct csv_field *k = r->val[rule->src[0]].f;
	const struct csv_field *v = r->val[rule->src[1]].f;
	struct csv_field none = { "", 0 };
	struct seen **at, *l;

	if (empty(k))
		return 1;
	if (v == NULL || v->s == NULL)
		v = &none;
	if (r->nseen >= r->capseen / 2) {	/* twice the buckets */
		size_t cap = r->capseen ? 2 * r->capseen : 256;
		struct seen **b = cli_calloc(cap, sizeof(*b));

		for (size_t i = 0; i < r->capseen; i++)
			while ((l = r->seen[i]) != NULL) {
				r->seen[i] = l->next;
				at = &b[keyset_hash(l->key, l->klen) % cap];
				l->next = *at;
				*at = l;
			}
		free(r->seen);
		r->seen = b;
		r->capseen = cap;
	}
	at = &r->seen[keyset_hash(k->s, k->len) % r->capseen];
	for (l = *at; l != NULL; l = l->next)
		if (text_is(l->key, l->klen, k->s, k->len))
			break;
	if (l == NULL) {
		l = cli_calloc(1, sizeof(*l));
		l->key = cli_strndup(k->s, k->len);
		l->klen = k->len;
		l->next = *at;
		*at = l;
		r->nseen++;
	} else if (text_is(l->value, l->vlen, v->s, v->len))
		return 0;
	if (v->len >= l->vcap) {
		l->vcap = v->len + 1;
		l->value = cli_realloc(l->value, l->vcap, 1);
	}
	memcpy(l->value, v->s, v->len);
	l->vlen = v->len;
	return 1;
}

/* Whether a skip's value is one of those it leaves out. */
static int
skips(const struct rule *rule, const struct csv_field *f)
{
	return !empty(f) &&
	    text_find(rule->from, rule->npair, f->s, f->len) >= 0;
}

/* Whether a skip or changes leaves the row out, counted by rule. */
static int
skipped(struct mapping_reader *r)
{
	for (size_t k = 0; k < r->x->nrule; k++) {
		const struct rule *rule = &r->x->rule[k];

		if (rule->conv == C_SKIP ? skips(rule, r->val[rule->src[0]].f) :
		    rule->conv == C_CHANGES && !changed(r, rule))
			return ++r->skipped[k] > 0;
	}
	return 0;
}

/* The values of the companion's row that the record names. */
static int
look_up(struct mapping_reader *r, struct conversion *c)
{
	const struct mapping_export *x = r->x;
	const struct value *key = &r->val[x->key];
	const char *name = x->src[x->key].name;
	const struct held *h;
	char sv[CSV_SHOW_MAX];

	if (x->companion == NULL)
		return 0;
	if (empty(key->f))
		return report_at(c, key, name, "is empty; it names the row of "
		    "%s, the %s file read first, that the row goes with",
		    r->cfile, x->companion), -1;
	if ((h = companion_find(r, key->f)) == NULL)
		return report_at(c, key, name, "%s is not in the column '%s' "
		    "of %s, the %s file read first", csv_show(sv, key->f),
		    x->comp.name[x->ckey], r->cfile, x->companion), -1;
	for (size_t i = 0; i < x->nsrc; i++)
		if (x->src[i].companion)
			r->val[i] = (struct value){ field_of(h,
			    r->cat[x->src[i].col]), r->cfile, h->rec->line };
	return 0;
}

/* Converts the values at hand of the rules that store them (values) and
 * of the checks (checks) into the next record of the entity, its text at
 * *off in the buffer. */
static void
convert_record(struct mapping_reader *r, struct conversion *c, int checks,
    int values, unsigned long line, size_t *off)
{
	const struct mapping_export *x = r->x;
	struct csv_field unused, *field = r->field + r->nrec * x->nrule;
	size_t kept = 0;

	for (size_t k = 0; k < x->nrule; k++) {
		struct csv_field *out;

		c->rule = &x->rule[k];
		if (kept < r->nkeep && r->keep[kept] == k)
			out = &field[kept++];
		else if (c->rule->ci < 0 && c->rule->conv == C_MAP)
			out = &unused;		/* a check */
		else
			continue;		/* the file has none of it */
		if (c->rule->ci < 0 ? !checks : !values)
			continue;
		c->out = r->buf + *off;
		c->out[0] = '\0';
		if (convert(c, out) && out->s == c->out)
			*off += out->len + 1;
	}
	r->rec[r->nrec++] = (struct csv_record){ field, r->nkeep, line,
	    &r->header };
}

/* The records of the values at hand, of the row rec (NULL: the events
 * of a fold): one, or with a pattern one for each of its columns that
 * is given. */
static enum mapping_got
convert_rules(struct mapping_reader *r, struct conversion *c, int checks,
    int values, const struct csv_record *rec, unsigned long line,
    const struct csv_record **out)
{
	size_t n = r->x->pattern >= 0 ? r->npat : 1, off = 0;

	r->nrec = 0;
	make_room(r, rec, n);
	for (size_t k = 0; k < n; k++)
		if (r->x->pattern < 0 || values_of_column(r, rec, k))
			convert_record(r, c, checks, values, line, &off);
	if (c->bad) {
		r->nrec = 0;
		return MAPPING_BAD;
	}
	*out = r->rec;
	return MAPPING_RECORD;
}

/* An event of an export that folds, checked and kept for the end of the
 * file. */
static enum mapping_got
hold(struct mapping_reader *r, struct conversion *c,
    const struct csv_record *rec)
{
	const struct mapping_export *x = r->x;
	const struct value *key = &r->val[x->fold_key],
	    *type = &r->val[x->fold_type];
	const struct csv_record *unused;
	char types[256], sv[CSV_SHOW_MAX];
	int t;

	if (convert_rules(r, c, 1, 0, rec, rec->line, &unused) !=
	    MAPPING_RECORD)
		return MAPPING_BAD;
	t = empty(type->f) ? -1 : text_find(x->type, x->ntype, type->f->s,
	    type->f->len);
	if (t < 0) {
		entity_one_of(types, sizeof(types), x->types);
		report_at(c, type, x->src[x->fold_type].name, "%s is not an "
		    "event that the mapping makes rows of (%s)", empty(type->f) ?
		    "(empty)" : csv_show(sv, type->f), types);
		return MAPPING_BAD;
	}
	if (empty(key->f)) {
		report_at(c, key, x->src[x->fold_key].name, "is empty; it says "
		    "which row the event is of");
		return MAPPING_BAD;
	}
	rows_add(&r->ev, rec, t);
	r->nrec = 0;
	return MAPPING_HELD;
}

enum mapping_got
mapping_record(struct mapping_reader *r, const struct csv_record *rec,
    mapping_error_fn error, void *arg, const struct csv_record **out)
{
	struct conversion c = { r, NULL, NULL, error, arg, 0 };

	r->nlast = r->nrec = 0;
	values_of_row(r, rec);
	if (skipped(r))
		return MAPPING_SKIPPED;
	if (r->x->fold)
		return hold(r, &c, rec);
	if (look_up(r, &c) != 0)
		return MAPPING_BAD;
	return convert_rules(r, &c, 1, 1, rec, rec->line, out);
}

size_t
mapping_nrecords(const struct mapping_reader *r)
{
	return r->nrec;
}

/* ---- fold: the events of a key as one record ----------------------------- */

/* The field of the events that is their key. */
static int
fold_key_field(const struct mapping_reader *r)
{
	return r->at[r->x->src[r->x->fold_key].col];
}

static size_t
group_size(const struct mapping_reader *r, size_t start)
{
	int field = fold_key_field(r);
	size_t n = 1;

	while (start + n < r->ev.n && compare_keys(field_of(&r->ev.row[start],
	    field), field_of(&r->ev.row[start + n], field)) == 0)
		n++;
	return n;
}

/* The events of a file by key, each key's in the order of the file, and
 * the keys in the order of their first events: each key's start is put
 * at the place of its first event (one more, 0 being none), and those
 * are then taken in the order of the places. */
static void
group_events(struct mapping_reader *r)
{
	rows_sort(&r->ev, fold_key_field(r));
	r->group = cli_calloc(r->ev.n, sizeof(*r->group));
	for (size_t i = 0; i < r->ev.n; i += group_size(r, i))
		r->group[r->ev.row[i].seq] = i + 1;
	for (size_t place = 0; place < r->ev.n; place++)
		if (r->group[place] != 0)
			r->group[r->ngroup++] = r->group[place] - 1;
}

/* A second event of one type for a key cannot be told from the first:
 * an error at its line. */
static int
twice(struct mapping_reader *r, struct conversion *c, size_t start,
    size_t n)
{
	const struct mapping_export *x = r->x;
	int field = r->at[x->src[x->fold_type].col];
	char sv[CSV_SHOW_MAX], sk[CSV_SHOW_MAX];

	for (size_t k = 1; k < n; k++)
		for (size_t i = 0; i < k; i++) {
			const struct held *a = &r->ev.row[start + i],
			    *b = &r->ev.row[start + k];
			struct value v = { field_of(b, field), r->file,
			    b->rec->line };

			if (a->type != b->type)
				continue;
			report_at(c, &v, x->src[x->fold_type].name, "%s is the "
			    "second of %s (the first on line %lu): a row takes "
			    "one event of each type", csv_show(sv, v.f),
			    csv_show(sk, field_of(b, fold_key_field(r))),
			    a->rec->line);
			break;
		}
	return c->bad;
}

enum mapping_got
mapping_fold_next(struct mapping_reader *r, mapping_error_fn error,
    void *arg, const struct csv_record **out)
{
	struct conversion c = { r, NULL, NULL, error, arg, 0 };
	size_t start, n;

	if (r->group == NULL && r->ev.n > 0)
		group_events(r);
	if (r->next == r->ngroup) {
		rows_free(&r->ev);
		free(r->group);
		r->group = NULL;
		r->ngroup = r->next = r->nlast = 0;
		return MAPPING_END;
	}
	start = r->group[r->next++];
	n = group_size(r, start);
	r->last = start;
	r->nlast = n;
	values_of_events(r, start, n);
	if (twice(r, &c, start, n) || look_up(r, &c) != 0)
		return MAPPING_BAD;
	return convert_rules(r, &c, 0, 1, NULL, r->ev.row[start].rec->line,
	    out);
}

const struct csv_record *
mapping_held(const struct mapping_reader *r, size_t i)
{
	return i < r->nlast ? r->ev.row[r->last + i].rec : NULL;
}

unsigned long
mapping_skipped(const struct mapping_reader *r, char *why, size_t size)
{
	unsigned long n = 0;
	size_t len = 0;

	why[0] = '\0';
	for (size_t k = 0; k < r->x->nrule; k++) {
		const struct rule *rule = &r->x->rule[k];

		if (r->skipped[k] == 0)
			continue;
		n += r->skipped[k];
		if (len < size)
			len += (size_t)snprintf(why + len, size - len, "%s%s %s",
			    len > 0 ? "; " : "", r->x->src[rule->src[
			    rule->conv == C_CHANGES]].name, rule->conv ==
			    C_CHANGES ? "unchanged" : rule->arg);
	}
	return n;
}
