/*
 * quote: the verbs of revops-quote: pricing lines (a pure filter), quotes
 * with their rules and approvals, and the hand-off of an accepted quote to
 * an order, a contract and subscriptions.  Each verb that writes is one
 * transaction and returns an exit status.
 */
#ifndef REVOPS_QUOTE_H
#define REVOPS_QUOTE_H

#include <stdint.h>

#include "csv.h"
#include "out.h"

struct db;		/* db.h */

struct quote_opts {
	int32_t on;		/* the quote, decision or acceptance day */
	int32_t start;		/* accept: subscriptions start (DATE_NONE: on) */
	const char *replaces;	/* accept: the subscription they replace in a
				 * plan change, or NULL */
	const char *currency;	/* price, new: instead of the account's */
	int valid_days;		/* new, revise */
	const char *sku;	/* new: for lines that name none, or NULL */
	int64_t quantity;	/* new: for lines that give none (x 10^6), or 0 */
	const char *role;	/* approve, reject */
	const char *note;	/* approve, reject: NULL for none */
	const char *status;	/* list */
	const char *account;	/* list */
	int lines;		/* show: the lines, not the totals */
	const struct out_opts *out;
	const char *arguments;	/* for the audit log */
};


int quote_price(struct db *db, FILE *in, const char *name, char delim,
    const struct quote_opts *o);
int quote_new(struct db *db, const struct csv_input *in,
    const struct quote_opts *o);
int quote_decide(struct db *db, const struct csv_input *in, int approve,
    const struct quote_opts *o);
int quote_accept(struct db *db, const struct csv_input *in,
    const struct quote_opts *o);
int quote_list(struct db *db, const struct csv_input *in,
    const struct quote_opts *o);
int quote_revise(struct db *db, const char *quote_id, FILE *in,
    const char *name, char delim, const struct quote_opts *o);

#endif
