/*
 * render: invoices as the documents a customer receives (revops-invoice
 * render): one self-contained, print-ready HTML file per invoice, with
 * the company's details from the settings, the customer's, each line
 * with its service period, quantity, unit price, discount and tax, the
 * totals, what was credited and paid, the balance and the due date, in
 * the invoice's currency to its minor unit.
 */
#ifndef REVOPS_RENDER_H
#define REVOPS_RENDER_H

#include <stdint.h>
#include <sys/types.h>

#include "csv.h"
#include "out.h"

struct db;		/* db.h */

struct render_opts {
	const char *dir;	/* where the files go; "." by default */
	int pdf;		/* PDF documents, not HTML */
	mode_t mode;		/* of each file (--mode) */
	int32_t as_of;		/* what was paid and credited by then */
	const struct out_opts *out;	/* the list of files written */
};

/*
 * Writes DIR/ID.html (or .pdf) for each invoice of in (its arguments, or
 * the invoice_id column of a CSV on stdin), and lists them: invoice_id,
 * file.  An invoice that does not exist, or for a PDF one with text its
 * font cannot set, is an error, and then no file is written.  Returns an
 * exit status (cli.h).
 */
int render_invoices(struct db *db, const struct csv_input *in,
    const struct render_opts *o);
/* (Nothing it returns is the caller's to free; o's strings stay the
 * caller's.) */

#endif
