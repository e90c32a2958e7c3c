/*
 * ar: accounts receivable: payments applied to invoices, credit notes,
 * voids, aging, dunning, and the lists and exports of invoices.
 *
 * An invoice's balance is its lines and their tax, less its credit notes
 * (with their tax), less the payments applied to it; it is open while the
 * balance is above zero and it is not void.  Stored statuses follow:
 * paid once the balance is zero.  Every verb is one transaction and
 * returns an exit status (cli.h).
 */
#ifndef REVOPS_AR_H
#define REVOPS_AR_H

#include <stdint.h>

#include "csv.h"
#include "out.h"

struct db;		/* db.h */

struct ar_opts {
	int32_t as_of;
	int32_t from, to;		/* windows; DATE_NONE: open */
	int convert;			/* apply: across currencies */
	const char *by;			/* aging: account, segment, owner */
	int basis_issue;		/* aging: days from issue, not due */
	int levels[8];			/* dunning thresholds, ascending */
	int nlevels;
	int line;			/* credit: the line, 0 for all */
	const char *amount;		/* credit: on the line, or NULL */
	const char *reason;
	const char *status, *account;	/* list */
	int lines;			/* export: the lines */
	const struct out_opts *out;
	const char *arguments;
};


/*
 * Takes the refunds, then applies the unapplied payments (received on or
 * before on) of the accounts of the invoices in out_keys, as ar_apply()
 * does, to their open invoices, oldest first, in the caller's
 * transaction; payments in another currency are
 * left alone.  Used by the billing run: what is left after the older
 * invoices is account credit, and pays the new ones.  Returns how many
 * applications it made.
 */
long ar_apply_run(struct db *db, int32_t on);
/* Whether any payment may have money left to apply. */
int ar_payments_open(struct db *db);

int ar_apply(struct db *db, const struct ar_opts *o);
int ar_credit(struct db *db, const char *invoice, const struct ar_opts *o);
int ar_void(struct db *db, const struct csv_input *in, const struct ar_opts *o);
int ar_aging(struct db *db, const struct ar_opts *o);
int ar_dunning(struct db *db, const struct ar_opts *o);
/* list and export: the invoices that in names (arguments, or the
 * invoice_id column of a CSV), or with in NULL those the options select. */
int ar_list(struct db *db, const struct csv_input *in, const struct ar_opts *o);

/* What an invoice comes to as of a day, by the one definition of its
 * balance (ar.c): its lines with their tax, its credit notes, and what
 * was applied to it. */
struct ar_invoice_sums {
	int64_t total, credited, paid, balance;
	int64_t netted;		/* of paid, by credit invoices (apply) */
};
/* Returns 0, or -1 when there is no such invoice issued by as_of. */
int ar_invoice_sums(struct db *db, const char *invoice, int32_t as_of,
    struct ar_invoice_sums *s);
int ar_export(struct db *db, const struct csv_input *in,
    const struct ar_opts *o);

/*
 * The one status rule: what an invoice is, from its stored status and its
 * sums as of a day: void (stored so), open (a balance owed either way),
 * credited (no balance, credit notes of at least the total) or paid (no
 * balance otherwise).  Every verb that shows a status, list, show, export
 * and export --lines, shows this one, so an invoice imported as paid
 * that no payment covers is open everywhere.  The string is static.
 */
const char *ar_status(const char *stored, int64_t total, int64_t credited,
    int64_t balance);

/*
 * The open balances of invoices as of a day in the five aging buckets (by
 * due date): per currency into out (at most max, in order of first sight;
 * more is fatal), returning how many; or all of them in the currency of
 * fx at the rates of that day, returning 0, or -1 after reporting a
 * missing rate as a data error.
 */
struct ar_buckets {
	char currency[4];
	int64_t b[5];
};
size_t ar_aging_buckets(struct db *db, int32_t as_of, struct ar_buckets *out,
    size_t max);
struct fx;
int ar_aging_totals(struct db *db, int32_t as_of, struct fx *fx,
    int64_t bucket[5]);

/* The days between an invoice's due date and as_of, in the aging
 * buckets: 0 current (not yet past due), 1 for 1-30 days, 2 for 31-60, 3
 * for 61-90, 4 for more. */
int ar_bucket(int32_t days_past_due);

/* The dunning level of an invoice so many days past due: how many of the
 * thresholds it has reached. */
int ar_level(int32_t days_past_due, const int *levels, int nlevels);

#endif
