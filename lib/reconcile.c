/*
 * The invariants, checked.  Most hold by the way the programs compute
 * and store; a check fails after an import of another system's records
 * that do not add up, or a bug, which is what it is for.  Each check
 * counts the records that break it and keeps the first ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "fx.h"
#include "measure.h"
#include "metrics.h"
#include "money.h"
#include "pricing.h"
#include "recognition.h"
#include "reconcile.h"

#define IDS_MAX 10

/* ---- SQL ------------------------------------------------------------------- */

static const char sql_invoices_without_lines[] =
    "SELECT i.invoice_id FROM invoices i WHERE NOT EXISTS "
    "(SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.invoice_id) "
    "ORDER BY i.invoice_id";
/* Open balances as of ?1 by currency, summed here rather than by the
 * aging code of ar.c, which they check. */
static const char sql_open_by_currency[] =
    "SELECT i.currency, "
    "sum((SELECT coalesce(sum(amount_minor + tax_amount_minor), 0) "
    "  FROM invoice_lines l WHERE l.invoice_id = i.invoice_id) - "
    "  (SELECT coalesce(sum(amount_minor + tax_amount_minor), 0) "
    "  FROM credit_notes c WHERE c.invoice_id = i.invoice_id "
    "  AND c.issued_on <= ?1) - "
    "  (SELECT coalesce(sum(amount_minor), 0) FROM payment_applications p "
    "  WHERE p.invoice_id = i.invoice_id AND p.applied_on <= ?1)) "
    "FROM invoices i WHERE i.status != 'void' AND i.issue_date <= ?1 "
    "GROUP BY i.currency ORDER BY i.currency";
static const char sql_schedule_lines[] =
    "SELECT l.invoice_id, l.line_no, l.amount_minor, l.service_start, "
    "l.service_end, i.issue_date FROM invoice_lines l "
    "JOIN invoices i USING (account_id, invoice_id) "
    "WHERE i.status != 'void'";
/* What each payment gave (applied, and taken by refunds as credit) and
 * each refund took (back from invoices, negative, and of credit): at
 * most its amount, and of its sign (HAVING). */
#define USED(having) \
    "SELECT p.payment_id FROM payments p JOIN " \
    "(SELECT payment_id, sum(payment_amount_minor) AS applied " \
    " FROM payment_applications WHERE payment_id IS NOT NULL " \
    " GROUP BY payment_id UNION ALL " \
    " SELECT payment_id, sum(amount_minor) FROM refund_credits " \
    " GROUP BY payment_id UNION ALL " \
    " SELECT refund_id, -sum(amount_minor) FROM refund_credits " \
    " GROUP BY refund_id) a USING (payment_id) " \
    "GROUP BY p.payment_id, p.amount_minor HAVING " having
static const char sql_payments_overapplied[] =
    USED("p.amount_minor > 0 AND sum(a.applied) > p.amount_minor "
    "ORDER BY p.payment_id");
/* The payments paid back more than their amount, and the refunds that
 * took more than theirs. */
static const char sql_refunds_beyond[] =
    "SELECT p.payment_id FROM payments p JOIN "
    "(SELECT refund_of, sum(-amount_minor) AS refunded FROM payments "
    " WHERE refund_of IS NOT NULL GROUP BY refund_of) r "
    "ON r.refund_of = p.payment_id WHERE r.refunded > p.amount_minor "
    "UNION " USED("p.amount_minor < 0 AND (sum(a.applied) < p.amount_minor "
    "OR sum(a.applied) > 0)") " ORDER BY 1";
/* A credit note after a payment leaves a balance owed back, which is
 * right; paying, or crediting, more than the invoice's total is not. */
static const char sql_beyond_total[] =
    "SELECT t.invoice_id FROM invoice_totals t "
    "LEFT JOIN (SELECT invoice_id, sum(amount_minor + tax_amount_minor) "
    "  AS credited FROM credit_notes GROUP BY invoice_id) c "
    "  USING (invoice_id) "
    "LEFT JOIN (SELECT invoice_id, sum(amount_minor) AS paid "
    "  FROM payment_applications GROUP BY invoice_id) p USING (invoice_id) "
    "WHERE t.status != 'void' AND t.total_minor >= 0 "
    "AND (coalesce(c.credited, 0) > t.total_minor "
    "OR coalesce(p.paid, 0) > t.total_minor) "
    "ORDER BY t.invoice_id";
static const char sql_subscription_months[] =
    "SELECT min(start_date) FROM subscriptions";
/* The subscriptions active on ?1, found by their dates rather than by
 * the month-end sums of mrr.c, which they check: in their days and not
 * paused (no MRR while paused). */
static const char sql_active[] =
    "SELECT s.quantity_micro, s.unit_price_micro, s.discount_pct_micro, "
    "s.billing_period, s.currency, s.start_date FROM subscriptions s "
    "WHERE s.start_date <= ?1 AND (s.end_date IS NULL OR s.end_date > ?1) "
    "AND NOT EXISTS (SELECT 1 FROM pauses p "
    "WHERE p.account_id = s.account_id "
    "AND p.subscription_id = s.subscription_id AND p.start_date <= ?1 "
    "AND (p.end_date IS NULL OR p.end_date > ?1))";

/* ---- one check ---------------------------------------------------------------- */

struct check {
	long failures;
	char ids[IDS_MAX * 48];
};

static void
offender(struct check *c, const char *id)
{
	size_t n = strlen(c->ids);

	if (c->failures++ >= IDS_MAX)
		return;
	snprintf(c->ids + n, sizeof(c->ids) - n, "%s%s", n ? ";" : "", id);
}

/* Every id the statement returns breaks the check. */
static void
offenders_of(struct db *db, struct check *c, const char *sql, int32_t as_of)
{
	struct db_stmt *st = db_prepare(db, sql);

	if (db_params(st) > 0)
		db_bind_day(st, 1, as_of);
	while (db_row(st))
		offender(c, db_text(st, 0));
	db_finalize(st);
}

/* ---- the checks ------------------------------------------------------------------- */

/* The MRR on a day, subscription by subscription; -1 after a missing
 * rate or an amount too large. */
static int
mrr_on(struct db_stmt *st, struct fx *fx, int32_t day, int64_t *sum)
{
	char why[256];
	int rc = 0;

	*sum = 0;
	db_bind_day(st, 1, day);
	while (db_row(st)) {
		int64_t a, v;
		int months = pricing_period_months(db_text(st, 3));

		if (months <= 0 || pricing_recurring((__int128)
		    db_int(st, 0) * db_int(st, 1),
		    db_int(st, 2), 1, months, &a) != 0 ||
		    fx_convert(fx, a, db_text(st, 4), db_day(st, 5), &v, why,
		    sizeof(why)) != 0 || money_add(*sum, v, sum) != MONEY_OK)
			rc = -1;
	}
	db_reset(st);
	return rc;
}

/*
 * Each month's MRR is the last one's plus its movements, from the first
 * subscription's month to the month of as_of; and it is the sum of the
 * subscriptions active on its last day, worked out one by one.
 */
static void
check_mrr(struct db *db, struct check *c, int32_t as_of)
{
	struct db_stmt *st = db_prepare(db, sql_subscription_months);
	struct measure_opts o = { .months = 1 };
	struct metrics_table *t;
	struct fx *fx;
	int32_t first = DATE_NONE;

	if (db_row(st))
		first = db_day(st, 0);
	db_finalize(st);
	if (first == DATE_NONE || date_month_of(first) > date_month_of(as_of))
		return;
	o.from = date_month_of(first);
	o.to = date_month_of(as_of);
	if ((t = measure_table(db, &o)) == NULL) {
		offender(c, "(a missing exchange rate)");
		return;
	}
	fx = fx_open(db, NULL);
	st = db_prepare(db, sql_active);
	for (size_t k = 0; k < t->nperiod; k++) {
		int64_t start = k > 0 ? metrics_cell(t, k - 1, 0, M_MRR)->v : 0;
		int64_t sum;
		__int128 end = start;	/* five checked figures: no wrap */

		end += metrics_cell(t, k, 0, M_NEW_MRR)->v;
		end += metrics_cell(t, k, 0, M_EXPANSION_MRR)->v;
		end += metrics_cell(t, k, 0, M_REACTIVATION_MRR)->v;
		end -= metrics_cell(t, k, 0, M_CONTRACTION_MRR)->v;
		end -= metrics_cell(t, k, 0, M_CHURNED_MRR)->v;
		/* the month before the first has no MRR: nothing started */
		if (end != metrics_cell(t, k, 0, M_MRR)->v ||
		    mrr_on(st, fx, date_month_end(o.from + (int32_t)k) - 1,
		    &sum) != 0 || sum != end)
			offender(c, t->period[k]);
	}
	db_finalize(st);
	fx_close(fx);
	metrics_table_free(t);
}

/* The aging buckets of each currency, as revops-invoice aging has them,
 * add up to its open balance. */
static void
check_aging(struct db *db, struct check *c, int32_t as_of)
{
	struct db_stmt *open = db_prepare(db, sql_open_by_currency);
	struct ar_buckets by[MONEY_CURRENCIES];
	size_t n = ar_aging_buckets(db, as_of, by, MONEY_CURRENCIES), i;

	db_bind_day(open, 1, as_of);
	while (db_row(open)) {
		const char *cur = db_text(open, 0);
		int64_t sum = 0;

		for (i = 0; i < n && strcmp(by[i].currency, cur) != 0; i++)
			;
		for (int k = 0; i < n && k < 5; k++)
			if (money_add(sum, by[i].b[k], &sum) != MONEY_OK)
				break;
		if (sum != db_int(open, 1))
			offender(c, cur);
	}
	db_finalize(open);
}

/* A line's schedule rows, as revops-invoice schedule makes them, add up
 * to its amount. */
static void
check_schedule(struct db *db, struct check *c, int32_t as_of)
{
	struct db_stmt *st = db_prepare(db, sql_schedule_lines);
	int32_t *months = cli_calloc(RECOGNITION_MONTHS_MAX, sizeof(*months));
	int64_t *parts = cli_calloc(RECOGNITION_MONTHS_MAX, sizeof(*parts));

	(void)as_of;
	while (db_row(st)) {
		int64_t amount = db_int(st, 2), sum = 0;
		size_t n = recognition_line(amount, db_day(st, 3),
		    db_day(st, 4), db_day(st, 5), months, parts,
		    RECOGNITION_MONTHS_MAX);
		char id[ENTITY_ID_MAX + 16];	/* invoice:line */

		for (size_t i = 0; i < n; i++)
			sum += parts[i];
		if (sum == amount)
			continue;
		snprintf(id, sizeof(id), "%s:%lld", db_text(st, 0),
		    (long long)db_int(st, 1));
		offender(c, id);
	}
	db_finalize(st);
	free(months);
	free(parts);
}

/* A check is a function, or a statement whose every row breaks it. */
static const struct {
	const char *name, *description;
	void (*run)(struct db *, struct check *, int32_t);
	const char *sql;
} checks[] = {
	{ "mrr_bridge", "each month's MRR = the last month's + new + "
	    "expansion + reactivation - contraction - churn", check_mrr, NULL },
	{ "invoice_totals", "every invoice has lines: its total is their "
	    "amounts + their tax", NULL, sql_invoices_without_lines },
	{ "aging_buckets", "the aging buckets of each currency add up to its "
	    "open balance", check_aging, NULL },
	{ "schedule_lines", "the revenue schedule rows of a line add up to "
	    "its amount", check_schedule, NULL },
	{ "payments_applied", "what is applied of a payment is at most its "
	    "amount", NULL, sql_payments_overapplied },
	{ "refunds", "a payment's refunds come to at most its amount "
	    "and a refund takes back at most its own", NULL,
	    sql_refunds_beyond },
	{ "invoice_balances", "no invoice is paid or credited beyond its "
	    "total", NULL, sql_beyond_total },
};

int
reconcile_run(struct db *db, int32_t as_of, const struct out_opts *oo)
{
	static const char *const names[] = { "check", "status", "failures",
	    "ids", "description" };
	struct out *o = out_new(stdout, oo, names, 5);
	int failed = 0;
	char n[24];

	db_begin_read(db);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		struct check c = { .failures = 0 };
		const char *status;

		if (checks[i].run != NULL)
			checks[i].run(db, &c, as_of);
		else
			offenders_of(db, &c, checks[i].sql, as_of);
		status = c.failures == 0 ? "pass" : "fail";
		failed |= c.failures > 0;
		out_text(o, checks[i].name, strlen(checks[i].name));
		out_text(o, status, strlen(status));
		out_number(o, n, (size_t)snprintf(n, sizeof(n), "%ld",
		    c.failures));
		if (c.ids[0] != '\0')
			out_text(o, c.ids, strlen(c.ids));
		else
			out_null(o);
		out_text(o, checks[i].description,
		    strlen(checks[i].description));
		out_end_row(o);
	}
	db_commit(db);
	if (out_close(o) != 0)
		return CLI_EIO;
	return failed ? CLI_EDATA : CLI_OK;
}
