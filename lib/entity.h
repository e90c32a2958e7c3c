/*
 * entity: the import contract of DESIGN.md section 3 as data.
 *
 * Each entity is a CSV shape: its columns in contract order, their types,
 * which are required, which form the key, what they refer to, and the
 * table and column each is stored in.  revops-import, --schema, --export
 * and the man page's tables all come from here.  Everything is static.
 */
#ifndef REVOPS_ENTITY_H
#define REVOPS_ENTITY_H

#include <stddef.h>

/* The longest id (account, sku, invoice, payment...) in characters: every
 * verb of every program takes one this long, the import refuses longer,
 * and a buffer that holds one is ENTITY_ID_MAX + 1 bytes. */
#define ENTITY_ID_MAX 200

enum entity_type {
	ET_TEXT,		/* any text */
	ET_ID,			/* an id: no blanks around it, no control chars */
	ET_DATE,		/* YYYY-MM-DD */
	ET_MONTH,		/* YYYY-MM */
	ET_MONEY,		/* minor units of the row's currency */
	ET_PRICE,		/* unit price: minor units x 10^6 */
	ET_QUANTITY,		/* x 10^6, not negative */
	ET_PERCENT,		/* x 10^6, 0..100 */
	ET_RATE,		/* x 10^12, positive */
	ET_INT,			/* a whole number in [min, max] */
	ET_BOOL,		/* true/false (also 1/0, yes/no) -> 1/0 */
	ET_ENUM,		/* one of `values` */
	ET_CURRENCY,		/* an ISO 4217 code */
	ET_EMAIL,		/* one address */
	ET_SETTING,		/* settings.value: typed by the key */
	ET_SCOPE		/* rules.applies_to: *, family:NAME or sku:SKU */
};

enum {
	EC_REQUIRED = 1 << 0,	/* may not be empty */
	EC_KEY = 1 << 1,	/* part of the row's identity */
	EC_HEADER = 1 << 2,	/* stored on the parent (invoice), not the line */
	EC_SIGNED = 1 << 3,	/* money that may be negative */
	EC_POSITIVE = 1 << 4,	/* must be more than zero */
	/* money more than zero, or less than zero where the row names the
	 * row of its own entity that it pays back (payments: refund_of) */
	EC_REFUNDED = 1 << 5
};

struct entity_column {
	const char *name;	/* in the CSV */
	const char *db;		/* the table column */
	enum entity_type type;
	unsigned flags;
	const char *values;	/* ET_ENUM: "a|b|c" */
	const char *ref;	/* the entity whose key this names, or NULL */
	const char *dflt;	/* the value when empty, or NULL */
	long min, max;		/* ET_INT */
};

/* A column that depends on another's value: `required`, it may not be
 * empty when `other` is one of `values` (products' billing_period when
 * kind is recurring); otherwise it must be empty unless `other` is one
 * of them (prices' flat_fee, which only tiers of volume and graduated
 * prices have). */
struct entity_when {
	const char *col, *other, *values;	/* values: "a|b" */
	int required;
};
#define ENTITY_WHEN_MAX 2

/* "later" must come after "earlier" when both are given (end dates are
 * exclusive, so equal is an error too); or_equal allows the same day. */
struct entity_order {
	const char *later, *earlier;
	int or_equal;
};

struct entity {
	const char *name;
	const char *table;		/* where a row (or a line) goes */
	const char *parent_table;	/* invoices: the EC_HEADER columns */
	const char *parent_key;		/* invoices: invoice_id */
	const struct entity_column *column;
	size_t ncolumn;
	const struct entity_order *order;	/* at most 4; ends with {NULL} */
	const struct entity_when *when;	/* ENTITY_WHEN_MAX, then {NULL} */
	const char *description;
	/* A column other than the key whose values must differ between rows
	 * (checked once the whole input is in), or NULL. */
	const char *unique;
	/* The column --export sorts by, when not the key (stages: position). */
	const char *sort;
	/* The reference whose row gives this one's account_id when the file
	 * has none (stage_history: opportunity_id), or NULL. */
	const char *account_of;
	/* A table that gets the account_id and key of each row written, the
	 * work a later command has left to do with it (payments:
	 * payments_open, what apply starts from), or NULL. */
	const char *open_in;
};

extern const struct entity entity_table[];
extern const size_t entity_count;

/* The entity with this name, or NULL. */
const struct entity *entity_find(const char *name);

/* The index of a column by CSV name, or -1. */
int entity_column_index(const struct entity *e, const char *name);

/* The key column of an entity that others refer to (its first EC_KEY
 * column). */
const struct entity_column *entity_ref_key(const struct entity *e);

/* Whether v (len bytes) is one of the '|'-separated values. */
int entity_enum_has(const char *values, const char *v, size_t len);

/* The '|'-separated values as "a, b or c", for a message, into buf of
 * size bytes (cut to fit). */
void entity_one_of(char *buf, size_t size, const char *values);

/*
 * settings: the known keys and what their values must be: type
 * ET_CURRENCY, ET_INT (from min to max), ET_ENUM (one of values) or
 * ET_TEXT.
 */
struct entity_setting {
	const char *key;
	enum entity_type type;
	long min, max;
	const char *values;	/* "a|b" */
};

/* The setting of a key, or NULL for an unknown key. */
const struct entity_setting *entity_setting_find(const char *key,
    size_t len);
/* The known setting keys, '|'-separated, for messages. */
extern const char entity_setting_keys[];

#endif
