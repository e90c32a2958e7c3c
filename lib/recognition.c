#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "money.h"
#include "recognition.h"


/* The lines in their key's order, each joined to its invoice (CROSS
 * JOIN: SQLite keeps that order of the loops, where it would rather go
 * through the invoices by account for an ORDER BY account, an invoice's
 * lines a lookup each: a fifth slower). */
static const char sql_lines[] =
    "SELECT l.invoice_id, l.line_no, i.account_id, i.currency, "
    "i.issue_date, l.amount_minor, l.service_start, l.service_end "
    "FROM invoice_lines l CROSS JOIN invoices i "
    "WHERE i.account_id = l.account_id AND i.invoice_id = l.invoice_id "
    "AND i.status != 'void' ORDER BY %s";
static const char sql_credits[] =
    "SELECT c.invoice_id, c.line_no, i.account_id, c.currency, "
    "c.issued_on, -c.amount_minor FROM credit_notes c "
    "JOIN invoices i USING (account_id, invoice_id) "
    "WHERE i.status != 'void' "
    "ORDER BY %s";

size_t
recognition_split(int64_t amount, int32_t start, int32_t end,
    int32_t *months, int64_t *parts, size_t max)
{
	int32_t total = end - start, m = date_month_of(start);
	int64_t given = 0;
	size_t n = 0;

	if (total <= 0 || max == 0)
		return 0;
	/*
	 * Each month gets the rounded running total less what the months
	 * before got: no rounding error piles up (a month is never negative
	 * for a positive line), the rows meet recognition_through() at every
	 * month end, and the last month takes what is left.
	 */
	for (int32_t from = start; from < end && n < max; m++) {
		int32_t to = date_month_end(m);
		int64_t upto;

		if (to > end || n + 1 == max)
			to = end;
		upto = to == end ? amount : recognition_through(amount, start,
		    end, to - 1);
		months[n] = m;
		parts[n++] = upto - given;
		given = upto;
		from = to;
	}
	return n;
}

int32_t
recognition_months(int32_t start, int32_t end)
{
	if (end <= start)
		return 0;
	return date_month_of(end - 1) - date_month_of(start) + 1;
}

size_t
recognition_line(int64_t amount, int32_t start, int32_t end, int32_t issued,
    int32_t *months, int64_t *parts, size_t max)
{
	if (start == DATE_NONE || end == DATE_NONE || end <= start) {
		months[0] = date_month_of(issued);
		parts[0] = amount;
		return 1;
	}
	return recognition_split(amount, start, end, months, parts, max);
}

int64_t
recognition_through(int64_t amount, int32_t start, int32_t end,
    int32_t as_of)
{
	int64_t part;
	int32_t done = as_of + 1 - start;

	if (done <= 0)
		return 0;
	if (done >= end - start)
		return amount;
	money_div((__int128)amount * done, end - start, &part);
	return part;
}

static struct db_stmt *
prepare(struct db *db, const char *fmt, const char *order)
{
	char sql[512];

	snprintf(sql, sizeof(sql), fmt, order);
	return db_prepare(db, sql);
}

/* The columns a row of the schedule repeats for each month of a line:
 * read once a line. */
struct sched_line {
	const char *invoice, *account, *currency;
	size_t ninvoice, naccount;
	int has_line_no;
	int64_t line_no;
	int exponent;
};

static void
sched_line(struct db_stmt *st, struct sched_line *l)
{
	const struct currency *c = money_currency(db_text(st, 3), 3);

	l->invoice = db_text(st, 0);
	l->ninvoice = db_len(st, 0);
	l->has_line_no = !db_null(st, 1);
	l->line_no = l->has_line_no ? db_int(st, 1) : 0;
	l->account = db_text(st, 2);
	l->naccount = db_len(st, 2);
	l->currency = db_text(st, 3);
	l->exponent = c ? c->exponent : 2;
}

static void
out_row(struct out *o, const struct sched_line *l, int32_t month,
    int64_t amount)
{
	char buf[MONEY_FMT_MAX];

	out_text(o, l->invoice, l->ninvoice);
	if (l->has_line_no)
		out_long(o, l->line_no);
	else
		out_null(o);
	out_text(o, l->account, l->naccount);
	out_text(o, l->currency, 3);
	out_text(o, buf, date_format_month(buf, month));
	out_decimal(o, amount, l->exponent);
	out_end_row(o);
}

int
recognition_schedule(struct db *db, int32_t from, int32_t to,
    const struct out_opts *oo)
{
	static const char *const names[] = { "invoice_id", "line_no",
	    "account_id", "currency", "month", "amount" };
	int32_t *months = cli_calloc(RECOGNITION_MONTHS_MAX, sizeof(*months));
	int64_t *parts = cli_calloc(RECOGNITION_MONTHS_MAX, sizeof(*parts));
	struct out *o = out_new(stdout, oo, names, 6);
	struct db_stmt *st = prepare(db, sql_lines, "l.invoice_id, l.line_no");
	struct sched_line l;

	while (db_row(st)) {
		int32_t s = db_day(st, 6), e = db_day(st, 7);
		int64_t amount = db_int(st, 5);
		size_t n;

		/* one the import let in before it refused such periods */
		if (s != DATE_NONE && e != DATE_NONE &&
		    recognition_months(s, e) > RECOGNITION_MONTHS_MAX) {
			cli_data_error(NULL, 0, NULL, "invoice '%s' line %lld: its "
			    "service period runs over %ld months, more than "
			    "the %d the schedule splits", db_text(st, 0),
			    (long long)db_int(st, 1),
			    (long)recognition_months(s, e),
			    RECOGNITION_MONTHS_MAX);
			break;
		}
		n = recognition_line(amount, s, e, db_day(st, 4), months,
		    parts, RECOGNITION_MONTHS_MAX);
		sched_line(st, &l);
		for (size_t i = 0; i < n; i++)
			if (months[i] >= from && months[i] <= to)
				out_row(o, &l, months[i], parts[i]);
	}
	db_finalize(st);
	st = prepare(db, sql_credits, "c.issued_on, c.credit_note_id");
	while (cli_data_errors() == 0 && db_row(st)) {
		int32_t m = date_month_of(db_day(st, 4));

		if (m >= from && m <= to) {
			sched_line(st, &l);
			out_row(o, &l, m, db_int(st, 5));
		}
	}
	db_finalize(st);
	free(months);
	free(parts);
	if (out_close(o) != 0)
		return CLI_EIO;
	return cli_data_errors() > 0 ? CLI_EDATA : CLI_OK;
}

struct deferred {
	char *account, currency[4];
	int64_t billed, recognised;
};

/* *sum += v.  A sum past 64 bits stops the report, as the figures after
 * it would be wrong. */
static void
add_deferred(const struct deferred *d, const char *what, int64_t *sum,
    int64_t v)
{
	if (money_add(*sum, v, sum) != MONEY_OK)
		cli_die(CLI_EDATA, "account '%s': %s in %s does not fit in 64 "
		    "bits", d->account, what, d->currency);
}

static void
deferred_emit(struct out *o, const struct deferred *d)
{
	const struct currency *c = money_currency(d->currency, 3);
	int exp = c ? c->exponent : 2;
	int64_t deferred = 0;

	add_deferred(d, "what is deferred", &deferred, d->billed);
	add_deferred(d, "what is deferred", &deferred, -d->recognised);
	out_text(o, d->account, strlen(d->account));
	out_text(o, d->currency, strlen(d->currency));
	out_decimal(o, d->billed, exp);
	out_decimal(o, d->recognised, exp);
	out_decimal(o, deferred, exp);
	out_end_row(o);
}

/* Where the credit note under cr stands against d's account and currency,
 * the order both cursors go in. */
static int
credit_vs(struct db_stmt *cr, const struct deferred *d)
{
	int c = strcmp(db_text(cr, 2), d->account);

	return c != 0 ? c : strcmp(db_text(cr, 3), d->currency);
}

/* Credit notes of d's account and currency issued by as_of: billed and
 * recognised alike. */
static void
add_credits(struct db_stmt *cr, int *crow, struct deferred *d, int32_t as_of)
{
	for (; *crow && credit_vs(cr, d) <= 0;
	    *crow = db_row(cr))
		if (credit_vs(cr, d) == 0 && db_day(cr, 4) <= as_of) {
			add_deferred(d, "what is billed", &d->billed,
			    db_int(cr, 5));
			add_deferred(d, "what is recognised", &d->recognised,
			    db_int(cr, 5));
		}
}

int
recognition_deferred(struct db *db, int32_t as_of, const struct out_opts *oo)
{
	static const char *const names[] = { "account_id", "currency",
	    "billed", "recognised", "deferred" };
	struct out *o = out_new(stdout, oo, names, 5);
	struct db_stmt *st = prepare(db, sql_lines,
	    "i.account_id, i.currency");
	struct db_stmt *cr = prepare(db, sql_credits,
	    "i.account_id, c.currency");
	struct deferred d;
	int have = 0, crow;

	memset(&d, 0, sizeof(d));
	crow = db_row(cr);
	while (db_row(st)) {
		int32_t issued = db_day(st, 4), s = db_day(st, 6),
		    e = db_day(st, 7);
		int64_t amount = db_int(st, 5);

		if (issued > as_of)
			continue;
		if (have && (strcmp(d.account, db_text(st, 2)) != 0 ||
		    strcmp(d.currency, db_text(st, 3)) != 0)) {
			add_credits(cr, &crow, &d, as_of);
			deferred_emit(o, &d);
			free(d.account);
			memset(&d, 0, sizeof(d));
		}
		if (d.account == NULL)
			d.account = cli_strdup(db_text(st, 2));
		have = 1;
		snprintf(d.currency, sizeof(d.currency), "%s", db_text(st, 3));
		add_deferred(&d, "what is billed", &d.billed, amount);
		add_deferred(&d, "what is recognised", &d.recognised,
		    s == DATE_NONE || e == DATE_NONE || e <= s ? amount :
		    recognition_through(amount, s, e, as_of));
	}
	if (have) {
		add_credits(cr, &crow, &d, as_of);
		deferred_emit(o, &d);
	}
	free(d.account);
	db_finalize(st);
	db_finalize(cr);
	return out_close(o) == 0 ? CLI_OK : CLI_EIO;
}
