/*
 * mapping: another system's exports read as revops entities, the system
 * being only data.  A mapping is a text file of tab-separated rows
 *
 *   export  entity  column  source  conversion  argument
 *
 * one a column of the entity that the export gives: the system's name
 * for its export, the revops entity it becomes, the entity's column, the
 * export's column or columns it comes from ('|' between them; a name
 * ending in '?' may be missing from the file), the conversion and its
 * argument.  Blank lines and lines starting with '#' are comments.  The
 * column "-" stores nothing: the row only checks the export's value (a
 * value map that lists the only values the import takes), or chooses the
 * rows (changes).
 *
 * A source with a '*' in it is a pattern, one an export at most: the
 * columns whose names it matches (case ignored), '*' standing for any
 * text.  A row of the file is then a record of the entity for each of
 * them that is not empty (none when all are), the pattern's value being
 * that column's, and the source "*" alone the part of its name that '*'
 * stood for (HubSpot's 'Date entered "<stage> (Sales Pipeline)"').
 *
 * The conversions, each a value of the source (or none) to the text of a
 * revops cell; an empty source is an empty cell, for every one but const:
 *
 *   copy    the first source that is not empty, as it is; "" (quoted)
 *           stays the empty text, but with the argument "empty" it is
 *           empty too (Data Loader quotes every field)
 *   upper   the same, in upper case (Stripe's "usd")
 *   day     a timestamp or date to its day in UTC, "YYYY-MM-DD": the
 *           argument lists the forms the export writes, '|' between
 *           them, each "unix" (seconds since 1970 in UTC) or a pattern of
 *           YYYY, MM, DD, hh, mm, ss, S (a digit of a fraction of a
 *           second), zzzzz (the offset from UTC, "+hhmm" or "-hhmm") and
 *           the characters between them; a time without an offset is
 *           UTC, one with is moved to UTC, which may move its day
 *   amount  sources AMOUNT|CURRENCY: the amount in "major" units (12.50)
 *           or "minor" units (1250), the argument, to a decimal in the
 *           currency's major unit, as many decimals as the currency has
 *           (JPY none); a decimal where minor units are due is an error.
 *           A major amount may be written as a program writes a floating
 *           point number ("1800000.0", "1.2345678E7"): zeros past the
 *           currency's decimals make it no finer
 *   map     argument "from=to|from=to": the value (case ignored) to its
 *           revops value; a value not listed is an error, never a guess
 *   period  sources INTERVAL|COUNT: an interval (day, week, month, year)
 *           and how many of them (empty or missing: 1) to month, quarter
 *           or year; anything else cannot be billed and is an error
 *   const   no source: the argument, on every row
 *   changes column "-", sources KEY|VALUE: a row whose VALUE is the one
 *           of the last row of the same KEY before it is left out, not
 *           read (Salesforce's OpportunityHistory has a row for every
 *           change of an opportunity, the stage's or another field's)
 *
 * Errors name the export's own column.  The built-in mappings are the
 * files lib/mappings/SYSTEM.tsv, embedded at build time.
 *
 * Ownership: mapping_load() returns a mapping that the caller frees with
 * mapping_free(); the exports, names and records that the other calls
 * return point into it or into the reader, and are valid until it is
 * freed (a reader's records until its next call).
 */
#ifndef REVOPS_MAPPING_H
#define REVOPS_MAPPING_H

#include <stddef.h>

#include "csv.h"
#include "entity.h"

/* A built-in mapping: the system's name and its file's text. */
struct mapping_text {
	const char *system;
	const char *text;
};
extern const struct mapping_text mapping_texts[];	/* by name */
extern const size_t mapping_ntexts;

struct mapping;
struct mapping_export;
struct mapping_reader;

/*
 * The mapping of system: the file at path when it is not NULL, else the
 * built-in one (NULL when there is none).  A mapping that is not well
 * formed is reported, each error at its file, line and column, and
 * NULL returned; a file that cannot be read exits CLI_EIO.
 */
struct mapping *mapping_load(const char *system, const char *path);
/* The mapping in text, named name in its errors; as mapping_load(). */
struct mapping *mapping_parse(const char *name, const char *text);
void mapping_free(struct mapping *m);

/* The built-in systems, ", "-separated, for messages (static storage). */
const char *mapping_system_names(void);

/* Its exports in the order of the file, and the one named (case
 * ignored), or NULL. */
size_t mapping_nexports(const struct mapping *m);
const struct mapping_export *mapping_export_at(const struct mapping *m,
    size_t i);
const struct mapping_export *mapping_export_find(const struct mapping *m,
    const char *name);
const char *mapping_export_name(const struct mapping_export *x);
const struct entity *mapping_export_entity(const struct mapping_export *x);
/* The export's columns that it reads, in the order of its rows. */
size_t mapping_nsources(const struct mapping_export *x);
const char *mapping_source(const struct mapping_export *x, size_t i);

/* How a row of the mapping reads, for the man page's tables: its entity
 * column ("-" for a check), the source as written, the conversion and
 * its argument.  Returns 0 past the last row. */
int mapping_row_text(const struct mapping_export *x, size_t i,
    const char **column, const char **source, const char **conversion,
    const char **argument);

/* One file of an export being read. */
struct mapping_reader *mapping_reader_new(const struct mapping_export *x);
void mapping_reader_free(struct mapping_reader *r);

/*
 * The file's header: finds the export's columns in it and returns the
 * header of the entity columns the export gives, or NULL when a column
 * it needs is missing (each reported to report at file and the line).
 */
const struct csv_record *mapping_header(struct mapping_reader *r,
    const struct csv_record *header, const char *file, csv_report_fn report);

/* The export's column that entity column ci of the last header comes
 * from, for messages; NULL when none does. */
const char *mapping_label(const struct mapping_reader *r, size_t ci);

/* The field of the file that the export's column i is in, in rec, or
 * NULL when the file has none. */
const struct csv_field *mapping_source_field(const struct mapping_reader *r,
    const struct csv_record *rec, size_t i);

/*
 * A record of the file as the entity's records, for the header that
 * mapping_header() returned: an array of mapping_nrecords() of them (one;
 * with a pattern, one a column of it that is not empty; none for a row
 * that changes leaves out).  A value that does not convert is reported
 * to error(arg, column, message), naming the export's column, and the
 * records are NULL.
 */
typedef void (*mapping_error_fn)(void *arg, const char *column,
    const char *message);
const struct csv_record *mapping_record(struct mapping_reader *r,
    const struct csv_record *rec, mapping_error_fn error, void *arg);
size_t mapping_nrecords(const struct mapping_reader *r);

/* Whether a row of the export may make several records (a pattern). */
int mapping_export_repeats(const struct mapping_export *x);

#endif
