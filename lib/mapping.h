/*
 * mapping: another system's exports read as revops entities, the system
 * being only data.  A mapping is a text file of tab-separated rows
 *
 *   export  entity  column  source  conversion  argument
 *
 * one a column of the entity that the export gives: the system's name
 * for its export, the revops entity it becomes, the entity's column, the
 * export's column or columns it comes from ('|' between them; a name
 * ending in '?' may be missing from the file, but a column the entity
 * requires needs one of its sources), the conversion and its
 * argument.  Blank lines and lines starting with '#' are comments.  The
 * column "-" stores nothing: the row only checks the export's value (a
 * value map that lists the only values the import takes), or says how
 * the rows are read (below).
 *
 * A source with a '*' in it is a pattern, one an export at most: the
 * columns of the file whose names it matches (case ignored), '*' standing
 * for any text.  A row of the file is then a record of the entity for
 * each of them that is not empty (none when all are), the pattern's value
 * being that column's, and the source "*" alone the part of its name that
 * '*' stood for (HubSpot's 'Date entered "<stage> (Sales Pipeline)"').
 * A pattern does not go with a lookup or a fold, which make a row's one
 * record of more than the row, and skip and changes, which choose rows,
 * read no pattern.
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
 *   span    sources DAY|OTHER, the forms as day's: the day of DAY, none
 *           when OTHER is on the same day, a span of no days (Stripe
 *           gives a line item of no period of its own the moment it was
 *           made: its start and end are then no service period).  OTHER
 *           is read as its own rule's DAY, which reports its errors
 *   amount  sources AMOUNT|CURRENCY: the amount in "major" units (12.50)
 *           or "minor" units (1250), the argument, to a decimal in the
 *           currency's major unit, as many decimals as the currency has
 *           (JPY none); a decimal where minor units are due is an error.
 *           A major amount may be written as a program writes a floating
 *           point number ("1800000.0", "1.2345678E7"): zeros past the
 *           currency's decimals make it no finer;
 *           "-major" and "-minor" negate it (an export of refunds writes
 *           what was paid back as more than zero).  With a third source,
 *           the argument "UNIT less": AMOUNT less it, in the same unit
 *           (empty: 0); "UNIT per": AMOUNT over it, a count (empty: 1),
 *           exactly, as a unit price (an error when it does not divide
 *           to MONEY_PRICE_DIGITS more decimals)
 *   map     argument "from=to|from=to": the value (case ignored) to its
 *           revops value; a value not listed is an error, never a guess,
 *           and so is one listed as "from=!why", with its why
 *   period  sources INTERVAL|COUNT: an interval (day, week, month, year)
 *           and how many of them (empty or missing: 1) to month, quarter
 *           or year; anything else cannot be billed and is an error
 *   const   no source: the argument, on every row
 *   ref     argument ENTITY.COLUMN: that column (an id or a currency) of
 *           the row of ENTITY in the database whose key is the value (a
 *           refund's account_id is payments.account_id, the account of
 *           the payment it names); read by the reader's lookup, and an
 *           error when there is no such row.  ENTITY.COLUMN@BY: of the
 *           one row whose BY, an id, is the value (ChartMogul's refund
 *           names its invoice: payments.payment_id@invoice_id is the
 *           payment of that invoice); no such row is an error, and so is
 *           more than one, as which is meant cannot be known
 *
 * Four more, on the column "-", say how the rows are read:
 *
 *   skip    argument "a|b": a row whose source is one of them (case
 *           ignored) is left out, and counted (mapping_skipped())
 *   lookup  argument "NAME:KEY": each row goes with the row of another
 *           file, the companion NAME (read first, whole: its memory is
 *           that file's size), whose column KEY is the row's source; a
 *           source "NAME:COLUMN" is that row's COLUMN.  A key that the
 *           companion does not have is an error at the row's line, one
 *           that it has twice at the companion's
 *   changes sources KEY|VALUE: a row whose VALUE is the one of the last
 *           row of the same KEY before it is left out, and counted
 *           (Salesforce's OpportunityHistory has a row for every change
 *           of an opportunity, the stage's or another field's)
 *   fold    sources KEY|TYPE, argument "a|b": the rows of one KEY, each
 *           an event of a TYPE listed, become one row of the entity, at
 *           the end of the file (which they are held for, whole); a
 *           source "a:COLUMN" is COLUMN of the key's event of type a,
 *           any other source the first event's that gives it, in the
 *           order of the file.  An event of a type not listed, or a
 *           second of one type for a key, is an error at its line; a
 *           check (map, skip or changes) reads each event as it comes
 *
 * A lookup and a fold come before the export's other rows.  Errors name
 * the export's own column, and the file and line that the value is on
 * (mapping_error_fn).  The built-in mappings are the files
 * lib/mappings/SYSTEM.tsv, embedded at build time.
 *
 * Ownership: mapping_load() returns a mapping that the caller frees with
 * mapping_free(); the exports, names and records that the other calls
 * return point into it or into the reader, and are valid until it is
 * freed (a reader's records until its next call).  A reader keeps the
 * companion's rows and the last value of each key that changes saw until
 * it is freed, the events of a file until mapping_fold_next() has
 * returned them all.
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

/* The built-in systems, ", "-separated, for messages, into buf of size
 * bytes (cut to fit). */
void mapping_system_names(char *buf, size_t size);

/* Its exports in the order of the file, and the one named (case
 * ignored), or NULL. */
size_t mapping_nexports(const struct mapping *m);
const struct mapping_export *mapping_export_at(const struct mapping *m,
    size_t i);
const struct mapping_export *mapping_export_find(const struct mapping *m,
    const char *name);
const char *mapping_export_name(const struct mapping_export *x);
const struct entity *mapping_export_entity(const struct mapping_export *x);
/* The columns of the export's files that it reads, in the order of its
 * rows (not the companion's). */
size_t mapping_nsources(const struct mapping_export *x);
const char *mapping_source(const struct mapping_export *x, size_t i);
/* The name of the companion that its lookup reads first, or NULL. */
const char *mapping_companion(const struct mapping_export *x);

/*
 * How ref reads the database: column c of the rows of e whose column by
 * (its key when by is NULL) is key (len bytes), the first's into out of
 * size bytes; returns how many there are: 0, 1, or 2 for two or more.
 * The reader's user (import) gives it.
 */
typedef int (*mapping_lookup_fn)(void *arg, const struct entity *e,
    const struct entity_column *c, const struct entity_column *by,
    const char *key, size_t len, char *out, size_t size);

/* One file of an export being read; lookup (with arg) serves ref, and
 * may be NULL when the export has none. */
struct mapping_reader *mapping_reader_new(const struct mapping_export *x,
    mapping_lookup_fn lookup, void *arg);
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

/* The file and line of the value of entity column ci in the last
 * record: 1, or 0 when it has none of its own (a constant). */
int mapping_where(const struct mapping_reader *r, size_t ci,
    const char **file, unsigned long *line);

/* The field of the file that the export's column i is in, in rec, or
 * NULL when the file has none. */
const struct csv_field *mapping_source_field(const struct mapping_reader *r,
    const struct csv_record *rec, size_t i);

/*
 * A record of the companion's file, the header first, as the file is
 * read (with file, its name); a row of another number of fields or of
 * no key is reported.  Then mapping_companion_done() reports each key
 * given twice.  Each returns 0 to go on, else 1 after an error.
 */
int mapping_companion_record(struct mapping_reader *r,
    const struct csv_record *rec, const char *file, csv_report_fn report);
int mapping_companion_done(struct mapping_reader *r, csv_report_fn report);

/*
 * A record of the file as the entity's records in *out (MAPPING_RECORD),
 * for the header that mapping_header() returned: an array of
 * mapping_nrecords() of them, one, or with a pattern one a column of it
 * that is not empty (none when all are); or left out by a skip or by
 * changes (MAPPING_SKIPPED), or held for the end of the file by a fold
 * (MAPPING_HELD).  A value that does not convert is reported to
 * error(arg, file, line, column, message), naming the export's column
 * and where the value is, and the record is MAPPING_BAD.
 */
enum mapping_got {
	MAPPING_RECORD, MAPPING_BAD, MAPPING_SKIPPED, MAPPING_HELD,
	MAPPING_END
};
typedef void (*mapping_error_fn)(void *arg, const char *file,
    unsigned long line, const char *column, const char *message);
enum mapping_got mapping_record(struct mapping_reader *r,
    const struct csv_record *rec, mapping_error_fn error, void *arg,
    const struct csv_record **out);
size_t mapping_nrecords(const struct mapping_reader *r);

/* Whether a row of the export may make several records (a pattern). */
int mapping_export_repeats(const struct mapping_export *x);

/* At the end of a file of an export that folds: each record of a key's
 * events in turn, as mapping_record(), then MAPPING_END.  The events
 * behind the last are mapping_held(r, 0), 1... (NULL past them), as the
 * file has them, for the rejects. */
enum mapping_got mapping_fold_next(struct mapping_reader *r,
    mapping_error_fn error, void *arg, const struct csv_record **out);
const struct csv_record *mapping_held(const struct mapping_reader *r,
    size_t i);

/* The rows that skips and changes left out since the header, and in why
 * (of size bytes) which: "Result failed; StageName unchanged". */
unsigned long mapping_skipped(const struct mapping_reader *r, char *why,
    size_t size);

#endif
