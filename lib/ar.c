/*
 * Receivables.  Balances are worked out from the rows that make them
 * (lines, credit notes, applications), never stored, so they cannot
 * drift; a balance as of a day counts what was issued or applied on or
 * before it.  One SQL statement says what an invoice's balance is
 * (sql_balances); aging, dunning, the lists and the export read it.
 *
 * Application: payments in the order received; each goes first to the
 * invoice its payer named, then to the account's open invoices, oldest
 * first; what is left stays as account credit for later invoices.  A
 * payment is applied on the later of its receipt and the invoice's date.
 * Refunds come first (apply_refunds()): from the account's credit, then
 * back from what their payment paid, as negative applications.
 */
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "export.h"
#include "fx.h"
#include "money.h"

/* ---- SQL ------------------------------------------------------------------- */

/*
 * Each invoice with its total, credits and payments as of ?1.  Its lines
 * are summed by a join of the two tables grouped by invoice, in the
 * order of both keys: SQLite reads them as it would by a lookup an
 * invoice, and PostgreSQL in one merge join, where a subquery an invoice
 * costs it 2.5 times SQLite's time.  The few credits and applications are
 * looked up an invoice, by their index (grouping them all and joining
 * the groups costs SQLite half as much again).  A statement's filters of
 * the invoices themselves are `where` (" AND ..."), inside the grouping:
 * neither database takes them into it from outside, and without them
 * there `show` of one invoice summed them all (0.07 s became 1.08 s).
 */
#define BALANCES(where) \
    "WITH s AS (SELECT i.invoice_id, i.account_id, i.issue_date, " \
    "  i.due_date, i.currency, i.status, " \
    "  coalesce(sum(l.amount_minor + l.tax_amount_minor), 0) AS total, " \
    "  (SELECT coalesce(sum(amount_minor + tax_amount_minor), 0) " \
    "   FROM credit_notes c WHERE c.invoice_id = i.invoice_id " \
    "   AND c.issued_on <= ?1) AS credited, " \
    "  (SELECT coalesce(sum(amount_minor), 0) FROM payment_applications p " \
    "   WHERE p.invoice_id = i.invoice_id AND p.applied_on <= ?1) AS paid " \
    "  FROM invoices i LEFT JOIN invoice_lines l " \
    "  ON l.account_id = i.account_id AND l.invoice_id = i.invoice_id " \
    "  WHERE i.issue_date <= ?1" where \
    "  GROUP BY i.invoice_id, i.account_id), " \
    "b AS (SELECT s.*, total - credited - paid AS balance FROM s) "

/*
 * Applying payments goes account by account through two cursors in account
 * order: the unapplied payments, and the open invoices of the accounts that
 * have one, with their balances.  One pass over each instead of a lookup
 * of an account's invoices per payment, which would want an index of
 * invoices by account that every import of invoices would have to build.
 * The payments are those of payments_open, the ones that may have money
 * left (an import adds each it writes): looking at every payment of the
 * accounts a billing run bills made the run 1.1 s slower on a company
 * with three years of payments.  Once the pass is done, the rows of the
 * payments it finds used up (or gone) leave payments_open.  SCOPE narrows
 * the accounts: all, one (a parameter), or those of the invoices a
 * billing run just made (out_keys).
 */
/*
 * What is left of payment p: its amount, less what it applied and what
 * refunds took of it as account credit; of a refund (a negative amount),
 * less what it took back from invoices (negative applications) and plus
 * what it took of credit.  A payment's is zero or more, a refund's zero
 * or less.  With no refund in the database refund_credits is empty (its
 * rows name their refund), and APPLIED_LEFT, without its two reads of
 * it for every open payment, is the same (6% of a billing run).
 */
#define APPLIED_LEFT \
    "p.amount_minor - (SELECT coalesce(sum(payment_amount_minor), 0) " \
    "FROM payment_applications a WHERE a.payment_id = p.payment_id)"
#define LEFT APPLIED_LEFT " - " \
    "(SELECT coalesce(sum(amount_minor), 0) FROM refund_credits c " \
    "WHERE c.payment_id = p.payment_id) + " \
    "(SELECT coalesce(sum(amount_minor), 0) FROM refund_credits c " \
    "WHERE c.account_id = p.account_id AND c.refund_id = p.payment_id)"
/* The open payments (sign ">") or refunds ("<") of the scope, with what
 * is left of each reckoned by left. */
#define OPEN_PAYMENTS(scope, sign, left) \
    "payments_open o CROSS JOIN payments p WHERE " scope " AND " \
    "p.account_id = o.account_id AND p.payment_id = o.payment_id AND " \
    "p.received_on <= ?1 AND p.amount_minor " sign " 0 AND " left " " \
    sign " 0"
/* Each with the invoice a payment names, or the payment a refund pays
 * back (a payment has no refund_of, a refund no invoice_id). */
#define UNAPPLIED(scope, sign, left) \
    "SELECT p.payment_id, p.account_id, p.currency, p.received_on, " \
    "coalesce(p.invoice_id, p.refund_of), " left " FROM " \
    OPEN_PAYMENTS(scope, sign, left) " " \
    "ORDER BY p.account_id, p.received_on, p.payment_id"
/* The balance of invoice i now, of all its lines, credits and
 * applications. */
#define BALANCE_NOW \
    "(SELECT coalesce(sum(amount_minor + tax_amount_minor), 0) " \
    " FROM invoice_lines l WHERE l.invoice_id = i.invoice_id) - " \
    "(SELECT coalesce(sum(amount_minor + tax_amount_minor), 0) " \
    " FROM credit_notes c WHERE c.invoice_id = i.invoice_id) - " \
    "(SELECT coalesce(sum(amount_minor), 0) FROM payment_applications a " \
    " WHERE a.invoice_id = i.invoice_id)"
#define OPEN_INVOICES(scope, left) \
    "SELECT i.account_id, i.invoice_id, i.currency, i.issue_date, " \
    BALANCE_NOW " " \
    "FROM invoices i WHERE i.status != 'void' AND i.issue_date <= ?1 " \
    "AND i.account_id IN (SELECT o.account_id FROM " \
    OPEN_PAYMENTS(scope, ">", left) ") ORDER BY i.account_id, i.issue_date, " \
    "i.invoice_id"
#define USED_UP(scope, left) \
    "DELETE FROM payments_open AS o WHERE " scope " AND NOT EXISTS " \
    "(SELECT 1 FROM payments p WHERE p.account_id = o.account_id AND " \
    "p.payment_id = o.payment_id AND " left " != 0)"
#define SCOPE_ALL "TRUE"
#define SCOPE_ACCOUNT(param) "o.account_id = " param
/* From each open payment, through its account's invoices: a run's
 * invoices are many, its open payments few. */
#define SCOPE_RUN "EXISTS (SELECT 1 FROM invoices m CROSS JOIN out_keys k " \
    "WHERE m.account_id = o.account_id AND k.key = m.invoice_id)"
/* A statement of each scope, the account being parameter account; those
 * of the payments' pass [refunds][scope], refunds whether there is one
 * (sql_any_refund). */
#define BY_SCOPE(STMT, account, left) { STMT(SCOPE_ALL, left), \
    STMT(SCOPE_ACCOUNT(account), left), STMT(SCOPE_RUN, left) }
#define PAYMENTS_OF(scope, left) UNAPPLIED(scope, ">", left)
#define REFUNDS_OF(scope, left) UNAPPLIED(scope, "<", left)
static const char *const sql_unapplied[2][3] = {
    BY_SCOPE(PAYMENTS_OF, "?2", APPLIED_LEFT),
    BY_SCOPE(PAYMENTS_OF, "?2", LEFT) };
static const char *const sql_unrefunded[] = BY_SCOPE(REFUNDS_OF, "?2", LEFT);
/* Whether there is a refund at all, through its partial index: without
 * one, no refunds' pass (which reads every open payment of the scope, as
 * the payments' does) and what is left of a payment is APPLIED_LEFT. */
static const char sql_any_refund[] =
    "SELECT 1 FROM payments WHERE refund_of IS NOT NULL LIMIT 1";
/*
 * Refunds (apply_refunds()): the account credit a refund may take, of
 * ?1's payments in its currency ?2 received by its day ?3, its own
 * payment ?4 first, then in the order received; then the invoices of the
 * account in that currency that payments paid, with what they paid
 * (net of what refunds took back), what the refunded payment and its
 * refunds did, and when it last paid, those it paid first, latest first,
 * then the others, latest first.
 */
static const char sql_credit_left[] =
    "SELECT p.payment_id, " LEFT " FROM payments_open o CROSS JOIN "
    "payments p WHERE o.account_id = ?1 AND p.account_id = o.account_id "
    "AND p.payment_id = o.payment_id AND p.currency = ?2 "
    "AND p.amount_minor > 0 AND p.received_on <= ?3 AND " LEFT " > 0 "
    "ORDER BY CASE WHEN p.payment_id = ?4 THEN 0 ELSE 1 END, "
    "p.received_on, p.payment_id";
static const char sql_take_credit[] =
    "INSERT INTO refund_credits (refund_id, payment_id, account_id, "
    "taken_on, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (account_id, refund_id, payment_id) DO UPDATE SET "
    "amount_minor = refund_credits.amount_minor + excluded.amount_minor";
static const char sql_paid_back[] =
    "SELECT * FROM (SELECT i.invoice_id, i.issue_date, " BALANCE_NOW
    " AS balance, (SELECT coalesce(sum(amount_minor), 0) "
    "FROM payment_applications x WHERE x.invoice_id = i.invoice_id "
    "AND x.payment_id IS NOT NULL) AS paid, coalesce(o.own, 0) AS own, "
    "o.own_last "
    "FROM invoices i LEFT JOIN (SELECT x.invoice_id, "
    "sum(x.amount_minor) AS own, max(x.applied_on) AS own_last "
    "FROM payment_applications x WHERE x.account_id = ?1 "
    "AND (x.payment_id = ?3 "
    "OR x.payment_id IN (SELECT r.payment_id FROM payments r "
    "WHERE r.account_id = ?1 AND r.refund_of = ?3)) "
    "GROUP BY x.invoice_id) o "
    "ON o.invoice_id = i.invoice_id "
    "WHERE i.account_id = ?1 AND i.currency = ?2 "
    "AND i.status != 'void' AND i.issue_date <= ?4) b WHERE paid > 0 "
    "ORDER BY CASE WHEN own > 0 THEN 0 ELSE 1 END, "
    "CASE WHEN own > 0 THEN own_last END DESC NULLS LAST, "
    "issue_date DESC, invoice_id DESC";
static const char *const sql_open_invoices[2][3] = {
    BY_SCOPE(OPEN_INVOICES, "?2", APPLIED_LEFT),
    BY_SCOPE(OPEN_INVOICES, "?2", LEFT) };
static const char *const sql_used_up[2][3] = {
    BY_SCOPE(USED_UP, "?1", APPLIED_LEFT), BY_SCOPE(USED_UP, "?1", LEFT) };
static const char sql_any_open[] = "SELECT 1 FROM payments_open LIMIT 1";
/*
 * Netting (net_credits()): the open credit (negative) invoices issued by
 * ?1, of one account ?2 or all; then the open invoices of an account ?2
 * in a currency ?3 that are owed something, oldest first.  Open invoices
 * are the few: their lines are summed one invoice at a time.
 */
static const char sql_credits[] =
    "SELECT * FROM (SELECT i.account_id, i.invoice_id, i.currency, "
    "i.issue_date, " BALANCE_NOW " AS balance FROM invoices i "
    "WHERE i.status = 'open' AND i.issue_date <= ?1 "
    "AND (?2 IS NULL OR i.account_id = ?2)) b WHERE balance < 0 "
    "ORDER BY account_id, issue_date, invoice_id";
static const char sql_owed[] =
    "SELECT * FROM (SELECT i.account_id, i.invoice_id, i.currency, "
    "i.issue_date, " BALANCE_NOW " AS balance FROM invoices i "
    "WHERE i.account_id = ?2 "
    "AND i.currency = ?3 AND i.status = 'open' AND i.issue_date <= ?1) b "
    "WHERE balance > 0 ORDER BY issue_date, invoice_id";
static const char sql_new_netting[] =
    "INSERT INTO payment_applications (credit_invoice_id, invoice_id, "
    "account_id, applied_on, amount_minor, payment_amount_minor) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
enum scope { SCOPE_ALL_PAYMENTS, SCOPE_ONE_ACCOUNT, SCOPE_RUN_ACCOUNTS };
static const char sql_new_application[] =
    "INSERT INTO payment_applications (payment_id, invoice_id, account_id, "
    "applied_on, amount_minor, payment_amount_minor) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_set_status[] =
    "UPDATE invoices SET status = ?2 WHERE invoice_id = ?1";
static const char sql_invoice[] =
    "SELECT account_id, currency, status, issue_date FROM invoices "
    "WHERE invoice_id = ?1";
static const char sql_invoice_sums[] =
    "SELECT (SELECT coalesce(sum(amount_minor), 0) FROM invoice_lines "
    " WHERE invoice_id = ?1 AND (?2 = 0 OR line_no = ?2)), "
    "(SELECT coalesce(sum(tax_amount_minor), 0) FROM invoice_lines "
    " WHERE invoice_id = ?1 AND (?2 = 0 OR line_no = ?2)), "
    "(SELECT coalesce(sum(amount_minor), 0) FROM credit_notes "
    " WHERE invoice_id = ?1 AND (?2 = 0 OR line_no = ?2)), "
    "(SELECT coalesce(sum(tax_amount_minor), 0) FROM credit_notes "
    " WHERE invoice_id = ?1 AND (?2 = 0 OR line_no = ?2)), "
    "(SELECT count(*) FROM invoice_lines WHERE invoice_id = ?1 "
    " AND line_no = ?2), "
    "(SELECT coalesce(sum(amount_minor), 0) FROM payment_applications "
    " WHERE invoice_id = ?1), "
    "(SELECT count(*) FROM payment_applications WHERE invoice_id = ?1 "
    " AND payment_id IS NOT NULL)";
/* void: the invoices netted against one (both rows of each netting name
 * the other as credit_invoice_id), the nettings let go, and those of
 * them that the netting had paid open again. */
static const char sql_netted_with[] =
    "SELECT DISTINCT invoice_id FROM payment_applications "
    "WHERE credit_invoice_id = ?1 ORDER BY invoice_id";
static const char sql_release[] =
    "DELETE FROM payment_applications WHERE credit_invoice_id IS NOT NULL "
    "AND (invoice_id = ?1 OR credit_invoice_id = ?1)";
static const char sql_reopen[] =
    "UPDATE invoices SET status = 'open' WHERE invoice_id = ?1 "
    "AND status = 'paid'";
static const char sql_new_credit[] =
    "INSERT INTO credit_notes (credit_note_id, invoice_id, account_id, "
    "line_no, issued_on, amount_minor, tax_amount_minor, currency, reason) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
/* A group of no name (NULL) comes first, beside '', whose row it shares
 * (ar_aging() reads both as ""), on every backend: PostgreSQL puts NULL
 * last unless told. */
static const char sql_aging[] =
    BALANCES("")
    "SELECT CASE ?2 WHEN 'segment' THEN a.segment WHEN 'owner' THEN a.owner "
    "ELSE b.account_id END AS grp, CASE WHEN ?2 IS NULL OR ?2 = 'account' "
    "THEN a.name END, b.currency, b.due_date, b.issue_date, b.balance "
    "FROM b JOIN accounts a USING (account_id) "
    "WHERE b.status != 'void' AND b.balance != 0 "
    "ORDER BY grp NULLS FIRST, b.currency";
static const char sql_dunning[] =
    BALANCES(" AND i.status != 'void' AND i.due_date < ?2")
    "SELECT b.account_id, a.name, a.billing_email, b.invoice_id, "
    "b.issue_date, b.due_date, b.balance, b.currency "
    "FROM b JOIN accounts a USING (account_id) "
    "WHERE b.balance > 0 "
    "ORDER BY b.due_date, b.invoice_id";
static const char sql_list[] =
    BALANCES(" AND (?2 = 0 OR i.invoice_id IN (SELECT key FROM out_keys)) "
    "AND (?3 IS NULL OR i.account_id = ?3) "
    "AND (?4 IS NULL OR i.issue_date >= ?4) "
    "AND (?5 IS NULL OR i.issue_date <= ?5)")
    "SELECT b.invoice_id, b.account_id, a.name, b.issue_date, b.due_date, "
    "b.currency, b.total, b.credited, b.paid, b.balance, b.status "
    "FROM b JOIN accounts a USING (account_id) "
    "ORDER BY b.issue_date, b.invoice_id";
static const char sql_one_invoice[] =
    BALANCES(" AND i.invoice_id = ?2")
    "SELECT total, credited, paid, balance, (SELECT coalesce("
    "sum(a.amount_minor), 0) FROM payment_applications a WHERE "
    "a.invoice_id = b.invoice_id AND a.credit_invoice_id IS NOT NULL "
    "AND a.applied_on <= ?1) FROM b";
/* export --lines: each invoice's status, from keep_listed() */
static const char sql_keep_status[] =
    "INSERT INTO export_status (key, status) VALUES (?1, ?2)";

/* ---- small helpers ---------------------------------------------------------- */

static int
exponent_of(const char *currency)
{
	const struct currency *c = money_currency(currency, strlen(currency));

	return c != NULL ? c->exponent : 2;
}

static void
out_amount(struct out *o, int64_t v, const char *currency)
{
	out_decimal(o, v, exponent_of(currency));
}

int
ar_bucket(int32_t days)
{
	if (days <= 0)
		return 0;
	if (days <= 30)
		return 1;
	if (days <= 60)
		return 2;
	if (days <= 90)
		return 3;
	return 4;
}

int
ar_level(int32_t days, const int *levels, int nlevels)
{
	int level = 0;

	for (int i = 0; i < nlevels; i++)
		if (days >= levels[i])
			level = i + 1;
	return level;
}

/* ---- applying payments ------------------------------------------------------ */

static const char *const app_names[] = { "payment_id", "invoice_id",
    "account_id", "applied_on", "amount", "currency", "invoice_balance",
    "credit_invoice_id" };

struct open_invoice {
	char id[ENTITY_ID_MAX + 1], currency[4];
	int32_t issued;
	int64_t balance;
};

struct applier {
	struct db *db;
	int32_t on;
	int convert, strict;	/* strict: another currency is an error */
	struct fx *fx;
	struct db_stmt *insert, *status, *invoices;
	struct db_stmt *reopen;		/* of an invoice a refund took from */
	struct db_stmt *credit_left, *take_credit, *paid_back;	/* refunds */
	int invoice_row;		/* invoices is on a row; -1 not begun */
	struct open_invoice *inv;	/* the current account's */
	size_t ninv, capinv;
	struct out *out;
	long applied;
	long netted;		/* second rows of nettings (net_one()) */
	long credits;		/* account credit refunds took (rows) */
	int refunds;		/* whether there is a refund at all */
};

static void
applier_open(struct applier *ap, struct db *db, int32_t on, int convert,
    int strict, struct out *o)
{
	struct db_stmt *st = db_prepare(db, sql_any_refund);

	memset(ap, 0, sizeof(*ap));
	ap->refunds = db_row(st);
	db_finalize(st);
	ap->db = db;
	ap->on = on;
	ap->convert = convert;
	ap->strict = strict;
	ap->out = o;
	ap->insert = db_prepare(db, sql_new_application);
	ap->status = db_prepare(db, sql_set_status);
	ap->reopen = db_prepare(db, sql_reopen);
	if (ap->refunds) {
		ap->credit_left = db_prepare(db, sql_credit_left);
		ap->take_credit = db_prepare(db, sql_take_credit);
		ap->paid_back = db_prepare(db, sql_paid_back);
	}
	if (convert)
		ap->fx = fx_open(db, NULL);
}

static void
applier_close(struct applier *ap)
{
	db_finalize(ap->insert);
	db_finalize(ap->status);
	db_finalize(ap->reopen);
	db_finalize(ap->credit_left);
	db_finalize(ap->take_credit);
	db_finalize(ap->paid_back);
	free(ap->inv);
	fx_close(ap->fx);
}

static void
record_application(struct applier *ap, const char *payment,
    const char *account, const char *invoice, const char *currency,
    int32_t day, int64_t amount, int64_t pay_amount, int64_t balance)
{
	char d[DATE_FMT_MAX];

	date_format(d, day);
	db_bind_text(ap->insert, 1, payment);
	db_bind_text(ap->insert, 2, invoice);
	db_bind_text(ap->insert, 3, account);
	db_bind_text(ap->insert, 4, d);
	db_bind_int(ap->insert, 5, amount);
	db_bind_int(ap->insert, 6, pay_amount);
	db_done(ap->insert);
	if (balance == 0) {
		db_bind_text(ap->status, 1, invoice);
		db_bind_text(ap->status, 2, "paid");
		db_done(ap->status);
	}
	ap->applied++;
	if (ap->out == NULL)
		return;
	out_str(ap->out, payment);
	out_str(ap->out, invoice);
	out_str(ap->out, account);
	out_str(ap->out, d);
	out_amount(ap->out, amount, currency);
	out_str(ap->out, currency);
	out_amount(ap->out, balance, currency);
	out_null(ap->out);
	out_end_row(ap->out);
}

/* How much of `left` (in the payment's currency) goes to invoice iv, in
 * its own currency; both amounts, or 0 when it cannot.  A missing rate
 * names the payment and the invoice it was for. */
static int
portion(struct applier *ap, const char *payment, const char *pcur,
    const struct open_invoice *iv, int32_t day, int64_t left,
    int64_t *inv_amount, int64_t *pay_amount)
{
	const char *icur = iv->currency;
	int64_t avail, back, balance = iv->balance;
	char why[200];

	if (strcmp(pcur, icur) == 0) {
		*inv_amount = *pay_amount = left < balance ? left : balance;
		return 1;
	}
	if (!ap->convert)
		return 0;
	if (fx_convert_into(ap->fx, left, pcur, icur, day, &avail, why,
	    sizeof(why)) != 0) {
		cli_data_error(NULL, 0, NULL, "payment '%s' to invoice '%s': %s",
		    payment, iv->id, why);
		return 0;
	}
	if (avail <= balance) {
		*inv_amount = avail;
		*pay_amount = left;
		return 1;
	}
	if (fx_convert_into(ap->fx, balance, icur, pcur, day, &back, why,
	    sizeof(why)) != 0) {
		cli_data_error(NULL, 0, NULL, "payment '%s' to invoice '%s': %s",
		    payment, iv->id, why);
		return 0;
	}
	*inv_amount = balance;
	*pay_amount = back < left ? back : left;
	return 1;
}

/* Pays what it can of invoice iv from `left`, in the payment's currency;
 * returns 0 when the invoice is in a currency it cannot pay. */
static int
pay_invoice(struct applier *ap, struct open_invoice *iv, const char *payment,
    const char *account, const char *pcur, int32_t received, int64_t *left)
{
	int64_t amt, pay;

	if (iv->balance <= 0)
		return 1;
	if (!portion(ap, payment, pcur, iv, received, *left, &amt, &pay))
		return 0;
	*left -= pay;
	iv->balance -= amt;
	record_application(ap, payment, account, iv->id, iv->currency,
	    received > iv->issued ? received : iv->issued, amt, pay,
	    iv->balance);
	return 1;
}

/*
 * One payment with `left` unapplied, to the named invoice first, then to
 * the account's open invoices in its own currency, oldest first, and
 * only then, converted, to those in others: a payment pays what it was
 * sent in before it is exchanged.
 */
static void
apply_payment(struct applier *ap, const char *payment, const char *account,
    const char *pcur, int32_t received, const char *named, int64_t left)
{
	size_t k, first = ap->ninv;
	int named_other = 0, other = 0;

	for (k = 0; k < ap->ninv; k++)
		if (strcmp(ap->inv[k].id, named) == 0)
			first = k;
	if (first < ap->ninv && !pay_invoice(ap, &ap->inv[first], payment,
	    account, pcur, received, &left))
		named_other = 1;
	for (int own = 1; own >= 0; own--)
		for (k = 0; k < ap->ninv && left > 0; k++)
			if (k != first && (strcmp(ap->inv[k].currency,
			    pcur) == 0) == own && !pay_invoice(ap,
			    &ap->inv[k], payment, account, pcur, received,
			    &left))
				other = 1;
	/* An error only where the currency stopped the payment: the invoice
	 * it names, or money left while another currency is owed. */
	if ((named_other || (other && left > 0)) && ap->strict && !ap->convert)
		cli_data_error(NULL, 0, NULL, "payment '%s' is in %s but an open "
		    "invoice of account '%s' is in another currency; --convert "
		    "applies it at the rate of its day", payment, pcur, account);
}

/* The open invoices of `account`, from the invoices cursor. */
static void
load_invoices(struct applier *ap, const char *account)
{
	struct db_stmt *st = ap->invoices;
	int c;

	ap->ninv = 0;
	if (ap->invoice_row == -1)
		ap->invoice_row = db_row(st);
	for (; ap->invoice_row && (c = strcmp(db_text(st, 0), account)) <= 0;
	    ap->invoice_row = db_row(st)) {
		struct open_invoice *iv;

		if (c < 0)
			continue;
		ap->inv = cli_grow(ap->inv, &ap->capinv, ap->ninv + 1,
		    sizeof(*ap->inv));
		iv = &ap->inv[ap->ninv++];
		snprintf(iv->id, sizeof(iv->id), "%s", db_text(st, 1));
		snprintf(iv->currency, sizeof(iv->currency), "%s", db_text(st, 2));
		iv->issued = db_day(st, 3);
		iv->balance = db_int(st, 4);
	}
}

static void
apply_all(struct applier *ap, enum scope scope, const char *account)
{
	struct db_stmt *pay = db_prepare(ap->db, sql_unapplied[ap->refunds][scope]);
	char current[ENTITY_ID_MAX + 1] = "";

	ap->invoices = db_prepare(ap->db, sql_open_invoices[ap->refunds][scope]);
	db_bind_day(pay, 1, ap->on);
	db_bind_day(ap->invoices, 1, ap->on);
	if (scope == SCOPE_ONE_ACCOUNT) {
		db_bind_text(pay, 2, account);
		db_bind_text(ap->invoices, 2, account);
	}
	/* Begun by the first payment: with none to apply (a billing run's
	 * usual case), the scan of the invoices is not made. */
	ap->invoice_row = -1;
	while (db_row(pay)) {
		char payment[ENTITY_ID_MAX + 1], acct[ENTITY_ID_MAX + 1];
		char pcur[4], named[ENTITY_ID_MAX + 1];

		snprintf(payment, sizeof(payment), "%s", db_text(pay, 0));
		snprintf(acct, sizeof(acct), "%s", db_text(pay, 1));
		snprintf(pcur, sizeof(pcur), "%s", db_text(pay, 2));
		snprintf(named, sizeof(named), "%s", db_text(pay, 4));
		if (strcmp(acct, current) != 0) {
			load_invoices(ap, acct);
			memcpy(current, acct, sizeof(current));
		}
		apply_payment(ap, payment, acct, pcur, db_day(pay, 3), named,
		    db_int(pay, 5));
	}
	db_finalize(pay);
	db_finalize(ap->invoices);
	ap->invoices = NULL;
	pay = db_prepare(ap->db, sql_used_up[ap->refunds][scope]);
	if (scope == SCOPE_ONE_ACCOUNT)
		db_bind_text(pay, 1, account);
	db_done(pay);
	db_finalize(pay);
}

/* ---- refunds -------------------------------------------------------------- */

/* A refund with so much left to pay back (more than zero). */
struct refund {
	char id[ENTITY_ID_MAX + 1], account[ENTITY_ID_MAX + 1];
	char of[ENTITY_ID_MAX + 1], currency[4];
	int32_t received;
	int64_t need;
};

/* The open refunds of the scope, read whole before any is applied. */
static struct refund *
read_refunds(struct applier *ap, enum scope scope, const char *account,
    size_t *n)
{
	struct db_stmt *st = db_prepare(ap->db, sql_unrefunded[scope]);
	struct refund *r = NULL;
	size_t cap = 0;

	db_bind_day(st, 1, ap->on);
	if (scope == SCOPE_ONE_ACCOUNT)
		db_bind_text(st, 2, account);
	for (*n = 0; db_row(st); (*n)++) {
		r = cli_grow(r, &cap, *n + 1, sizeof(*r));
		snprintf(r[*n].id, sizeof(r[*n].id), "%s", db_text(st, 0));
		snprintf(r[*n].account, sizeof(r[*n].account), "%s",
		    db_text(st, 1));
		snprintf(r[*n].currency, sizeof(r[*n].currency), "%s",
		    db_text(st, 2));
		r[*n].received = db_day(st, 3);
		snprintf(r[*n].of, sizeof(r[*n].of), "%s", db_text(st, 4));
		r[*n].need = -db_int(st, 5);
	}
	db_finalize(st);
	return r;
}

/* What refund r takes of the account's credit: the unapplied money of
 * its payments in its currency that it had on the refund's day. */
static void
take_credit(struct applier *ap, struct refund *r)
{
	struct db_stmt *st = ap->credit_left, *ins = ap->take_credit;

	db_bind_text(st, 1, r->account);
	db_bind_text(st, 2, r->currency);
	db_bind_day(st, 3, r->received);
	db_bind_text(st, 4, r->of);
	/* the few payments with money left, read before any is taken */
	while (r->need > 0 && db_row(st)) {
		int64_t take = db_int(st, 1) < r->need ? db_int(st, 1) :
		    r->need;

		db_bind_text(ins, 1, r->id);
		db_bind_text(ins, 2, db_text(st, 0));
		db_bind_text(ins, 3, r->account);
		db_bind_day(ins, 4, r->received);
		db_bind_int(ins, 5, take);
		db_done(ins);
		db_reset(ins);
		r->need -= take;
		ap->credits++;
	}
	db_reset(st);
}

/* An invoice a refund may take back from: what payments paid on it, and
 * what of that the refunded payment paid (its refunds' taken off). */
struct paid_invoice {
	char id[ENTITY_ID_MAX + 1];
	int32_t issued;
	int64_t balance, paid, own;
};

/*
 * What is left of refund r after the credit, taken back from what
 * payments paid on the account's invoices in its currency: first those
 * its payment paid, the last it paid first, as much as it paid of each;
 * then, when an earlier refund took that payment's credit, the others,
 * latest first.  Each invoice is owed again what is taken back of it, on
 * the later of the refund's day and its own.
 */
static void
take_back(struct applier *ap, struct refund *r)
{
	struct db_stmt *st = ap->paid_back;
	struct paid_invoice *iv = NULL;
	size_t n, cap = 0;

	db_bind_text(st, 1, r->account);
	db_bind_text(st, 2, r->currency);
	db_bind_text(st, 3, r->of);
	db_bind_day(st, 4, ap->on);
	for (n = 0; db_row(st); n++) {
		iv = cli_grow(iv, &cap, n + 1, sizeof(*iv));
		snprintf(iv[n].id, sizeof(iv[n].id), "%s", db_text(st, 0));
		iv[n].issued = db_day(st, 1);
		iv[n].balance = db_int(st, 2);
		iv[n].paid = db_int(st, 3);
		iv[n].own = db_int(st, 4);
	}
	db_reset(st);
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < n && r->need > 0; k++) {
			struct paid_invoice *v = &iv[k];
			int64_t can = pass == 0 && v->own < v->paid ? v->own :
			    v->paid;
			int64_t take = can < r->need ? can : r->need;

			if (take <= 0)
				continue;
			v->paid -= take;
			v->own -= take;
			v->balance += take;
			r->need -= take;
			record_application(ap, r->id, r->account, v->id,
			    r->currency, r->received > v->issued ? r->received :
			    v->issued, -take, -take, v->balance);
			if (v->balance > 0) {
				db_bind_text(ap->reopen, 1, v->id);
				db_done(ap->reopen);
				db_reset(ap->reopen);
			}
		}
	free(iv);
}

/*
 * Refunds, before the payments: each takes first what the account holds
 * unapplied in its currency (its own payment's first), which changes no
 * invoice, and what is left from what its payment paid, which is then
 * owed again, as a Kill Bill refund without an invoice adjustment; an
 * invoice credited before is not (its credit note covers it).  Before
 * the payments, so that what a refund took back is not still theirs to
 * apply.
 */
static void
apply_refunds(struct applier *ap, enum scope scope, const char *account)
{
	struct refund *r;
	size_t n;

	if (!ap->refunds)
		return;
	r = read_refunds(ap, scope, account, &n);

	for (size_t i = 0; i < n; i++) {
		take_credit(ap, &r[i]);
		if (r[i].need > 0)
			take_back(ap, &r[i]);
	}
	free(r);
}

/* ---- netting credit invoices ------------------------------------------ */

/* An open invoice of the account being netted: its id, day and what is
 * owed on it (or, for a credit, owed back). */
struct owed {
	char id[ENTITY_ID_MAX + 1], account[ENTITY_ID_MAX + 1], currency[4];
	int32_t issued;
	int64_t balance;
};

/* The rows of st (sql_credits or sql_owed), read whole before any is
 * written; finalizes st. */
static struct owed *
read_owed(struct db_stmt *st, size_t *n)
{
	struct owed *o = NULL;
	size_t cap = 0;

	for (*n = 0; db_row(st); (*n)++) {
		o = cli_grow(o, &cap, *n + 1, sizeof(*o));
		snprintf(o[*n].account, sizeof(o[*n].account), "%s",
		    db_text(st, 0));
		snprintf(o[*n].id, sizeof(o[*n].id), "%s", db_text(st, 1));
		snprintf(o[*n].currency, sizeof(o[*n].currency), "%s",
		    db_text(st, 2));
		o[*n].issued = db_day(st, 3);
		o[*n].balance = db_int(st, 4);
	}
	db_finalize(st);
	return o;
}

/* Part of credit invoice c netted against invoice t, on the later of
 * their days: t's application, c's the same amount back. */
static void
net_one(struct applier *ap, struct db_stmt *ins, struct owed *c,
    struct owed *t, int64_t amount)
{
	const char *ids[2][2] = { { c->id, t->id }, { t->id, c->id } };
	int32_t day = c->issued > t->issued ? c->issued : t->issued;
	char d[DATE_FMT_MAX];

	date_format(d, day);
	for (int k = 0; k < 2; k++) {
		db_bind_text(ins, 1, ids[k][0]);
		db_bind_text(ins, 2, ids[k][1]);
		db_bind_text(ins, 3, c->account);
		db_bind_text(ins, 4, d);
		db_bind_int(ins, 5, k == 0 ? amount : -amount);
		db_done(ins);
	}
	t->balance -= amount;
	c->balance += amount;
	for (int k = 0; k < 2; k++) {
		struct owed *o = k == 0 ? t : c;

		if (o->balance != 0)
			continue;
		db_bind_text(ap->status, 1, o->id);
		db_bind_text(ap->status, 2, "paid");
		db_done(ap->status);
	}
	ap->applied++;
	ap->netted++;
	if (ap->out == NULL)
		return;
	out_null(ap->out);
	out_str(ap->out, t->id);
	out_str(ap->out, c->account);
	out_str(ap->out, d);
	out_amount(ap->out, amount, c->currency);
	out_str(ap->out, c->currency);
	out_amount(ap->out, t->balance, c->currency);
	out_str(ap->out, c->id);
	out_end_row(ap->out);
}

/*
 * apply nets each open credit (negative) invoice, oldest first, against
 * its account's open invoices in its currency, oldest first, after the
 * payments: what the customer was credited pays what the money received
 * left owing (Stripe and Chargebee apply a credit balance the same way),
 * and a payment received before a credit is not put aside by it.  What
 * is left of a credit stays on it, for invoices to come.
 */
static void
net_credits(struct applier *ap, const char *account)
{
	struct db_stmt *st = db_prepare(ap->db, sql_credits);
	struct db_stmt *ins;
	struct owed *cr, *t = NULL;
	size_t ncr, nt = 0;

	db_bind_day(st, 1, ap->on);
	db_bind_text(st, 2, account);
	cr = read_owed(st, &ncr);
	ins = ncr > 0 ? db_prepare(ap->db, sql_new_netting) : NULL;
	for (size_t i = 0; i < ncr; i++) {
		struct owed *c = &cr[i];

		if (i == 0 || strcmp(c->account, cr[i - 1].account) != 0 ||
		    strcmp(c->currency, cr[i - 1].currency) != 0) {
			free(t);
			st = db_prepare(ap->db, sql_owed);
			db_bind_day(st, 1, ap->on);
			db_bind_text(st, 2, c->account);
			db_bind_text(st, 3, c->currency);
			t = read_owed(st, &nt);
		}
		for (size_t k = 0; k < nt && c->balance < 0; k++)
			if (t[k].balance > 0)
				net_one(ap, ins, c, &t[k], t[k].balance <
				    -c->balance ? t[k].balance : -c->balance);
	}
	free(t);
	free(cr);
	db_finalize(ins);
}

int
ar_payments_open(struct db *db)
{
	struct db_stmt *st = db_prepare(db, sql_any_open);
	int any = db_row(st);

	db_finalize(st);
	return any;
}

long
ar_apply_run(struct db *db, int32_t on)
{
	struct applier ap;

	applier_open(&ap, db, on, 0, 0, NULL);
	apply_refunds(&ap, SCOPE_RUN_ACCOUNTS, NULL);
	apply_all(&ap, SCOPE_RUN_ACCOUNTS, NULL);
	applier_close(&ap);
	return ap.applied;
}

int
ar_apply(struct db *db, const struct ar_opts *o)
{
	struct db_changes ch = { .n = 0 };
	struct applier ap;
	char *buf = NULL;
	size_t len = 0;
	FILE *held;
	struct out *out;

	/* Rows are held, and shown only when no payment failed. */
	held = cli_memstream(&buf, &len);
	out = out_new(held, o->out, app_names, 8);
	db_begin(db);
	db_keys_open(db);
	applier_open(&ap, db, o->as_of, o->convert, 1, out);
	apply_refunds(&ap, o->account != NULL ? SCOPE_ONE_ACCOUNT :
	    SCOPE_ALL_PAYMENTS, o->account);
	apply_all(&ap, o->account != NULL ? SCOPE_ONE_ACCOUNT :
	    SCOPE_ALL_PAYMENTS, o->account);
	net_credits(&ap, o->account);
	applier_close(&ap);
	if (out_close(out) != 0 || fclose(held) != 0)
		cli_die(CLI_EIO, "out of memory");
	db_changes_add(&ch, "payment_applications", ap.applied + ap.netted,
	    0, 0);
	db_changes_add(&ch, "refund_credits", ap.credits, 0, 0);
	if (cli_data_errors() == 0)
		(void)cli_put_stdout(buf, len);
	free(buf);
	return db_finish(db, "apply", o->arguments, &ch);
}

int
ar_invoice_sums(struct db *db, const char *invoice, int32_t as_of,
    struct ar_invoice_sums *s)
{
	struct db_stmt *st = db_prepare(db, sql_one_invoice);
	int found;

	db_bind_day(st, 1, as_of);
	db_bind_text(st, 2, invoice);
	if ((found = db_row(st)) != 0) {
		s->total = db_int(st, 0);
		s->credited = db_int(st, 1);
		s->paid = db_int(st, 2);
		s->balance = db_int(st, 3);
		s->netted = db_int(st, 4);
	}
	db_finalize(st);
	return found ? 0 : -1;
}

/* ---- credit notes and voids ----------------------------------------------------- */

/* What sql_invoice_sums reads of an invoice, or of its line (line 0: of
 * all its lines). */
struct invoice_sums {
	int64_t lines, lines_tax, credited, credited_tax, paid;
	int has_line;
	int has_payment;	/* paid by a payment, not only netted */
};

/* The sums of an invoice by st, sql_invoice_sums prepared (and reset
 * here for the next). */
static void
sums_of(struct db_stmt *st, const char *invoice, int line,
    struct invoice_sums *sum)
{
	db_bind_text(st, 1, invoice);
	db_bind_int(st, 2, line);
	memset(sum, 0, sizeof(*sum));
	/* a row of aggregates, always there; a sum past 64 bits stops */
	if (db_row(st)) {
		sum->lines = db_int(st, 0);
		sum->lines_tax = db_int(st, 1);
		sum->credited = db_int(st, 2);
		sum->credited_tax = db_int(st, 3);
		sum->has_line = db_int(st, 4) > 0;
		sum->paid = db_int(st, 5);
		sum->has_payment = db_int(st, 6) > 0;
	}
	db_reset(st);
}

static void
invoice_sums(struct db *db, const char *invoice, int line,
    struct invoice_sums *sum)
{
	struct db_stmt *st = db_prepare(db, sql_invoice_sums);

	sums_of(st, invoice, line, sum);
	db_finalize(st);
}

int
ar_credit(struct db *db, const char *invoice, const struct ar_opts *o)
{
	static const char *const names[] = { "credit_note_id", "invoice_id",
	    "line_no", "issued_on", "amount", "tax_amount", "currency",
	    "reason" };
	struct db_changes ch = { .n = 0 };
	struct db_stmt *st = db_prepare(db, sql_invoice);
	struct invoice_sums sum;
	int64_t amount = 0, tax = 0;
	char currency[4] = "", status[16] = "", id[40], prefix[16];
	char account[ENTITY_ID_MAX + 1] = "";
	char day[DATE_FMT_MAX], issued[DATE_FMT_MAX];
	struct out *out;
	int found, y, m, d;
	int32_t issue_day = DATE_NONE;

	db_begin(db);
	db_bind_text(st, 1, invoice);
	if ((found = db_row(st))) {
		snprintf(account, sizeof(account), "%s", db_text(st, 0));
		snprintf(currency, sizeof(currency), "%s", db_text(st, 1));
		snprintf(status, sizeof(status), "%s", db_text(st, 2));
		issue_day = db_day(st, 3);
	}
	db_finalize(st);
	if (!found) {
		cli_data_error(NULL, 0, NULL, "invoice '%s' does not exist",
		    invoice);
		return db_finish(db, "credit", o->arguments, &ch);
	}
	if (strcmp(status, "void") == 0) {
		cli_data_error(NULL, 0, NULL, "invoice '%s' is void: there is "
		    "nothing to credit", invoice);
		return db_finish(db, "credit", o->arguments, &ch);
	}
	/* a credit note takes back what was invoiced, so it cannot come
	 * before the invoice */
	if (o->as_of < issue_day) {
		date_format(day, o->as_of);
		date_format(issued, issue_day);
		cli_data_error(NULL, 0, NULL, "a credit note dated %s would be "
		    "before invoice '%s', issued on %s", day, invoice, issued);
		return db_finish(db, "credit", o->arguments, &ch);
	}
	invoice_sums(db, invoice, o->line, &sum);
	if (o->line != 0 && !sum.has_line) {
		cli_data_error(NULL, 0, NULL, "invoice '%s' has no line %d",
		    invoice, o->line);
		return db_finish(db, "credit", o->arguments, &ch);
	}
	if (o->amount != NULL) {
		enum money_status ms = money_parse(o->amount,
		    strlen(o->amount), exponent_of(currency), '.', &amount);

		if (ms != MONEY_OK || amount <= 0)
			cli_data_error(NULL, 0, "amount", "'%s' is not an amount "
			    "more than 0 in %s", o->amount, currency);
		else if (amount > sum.lines - sum.credited)
			cli_data_error(NULL, 0, "amount", "'%s' is more than the "
			    "%s left to credit", o->amount, o->line ? "line has" :
			    "invoice has");
		/* the tax goes back in proportion, rounded once */
		else if (sum.lines != 0)
			money_div((__int128)amount * sum.lines_tax, sum.lines,
			    &tax);
	} else {
		amount = sum.lines - sum.credited;
		tax = sum.lines_tax - sum.credited_tax;
		if (amount <= 0 && tax <= 0)
			cli_data_error(NULL, 0, NULL, "invoice '%s'%s is already "
			    "fully credited", invoice, o->line ? "'s line" : "");
	}
	if (cli_data_errors() > 0)
		return db_finish(db, "credit", o->arguments, &ch);
	date_to_ymd(o->as_of, &y, &m, &d);
	snprintf(prefix, sizeof(prefix), "CN-%04d", y);
	db_next_id(db, "credit_notes", "credit_note_id", prefix, id,
	    sizeof(id));
	date_format(day, o->as_of);
	st = db_prepare(db, sql_new_credit);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, invoice);
	db_bind_text(st, 3, account);
	if (o->line)
		db_bind_int(st, 4, o->line);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, day);
	db_bind_int(st, 6, amount);
	db_bind_int(st, 7, tax);
	db_bind_text(st, 8, currency);
	db_bind_text(st, 9, o->reason);
	db_done(st);
	db_finalize(st);
	db_changes_add(&ch, "credit_notes", 1, 0, 0);
	out = out_new(stdout, o->out, names, 8);
	out_str(out, id);
	out_str(out, invoice);
	if (o->line)
		out_long(out, o->line);
	else
		out_null(out);
	out_str(out, day);
	out_amount(out, amount, currency);
	out_amount(out, tax, currency);
	out_str(out, currency);
	out_str(out, o->reason);
	out_end_row(out);
	out_close(out);
	return db_finish(db, "credit", o->arguments, &ch);
}

/* The statements of a verb that takes invoices one by one, each
 * prepared once for all of them. */
struct by_invoice {
	struct db *db;
	struct db_stmt *find, *sums, *set_status;
	struct db_stmt *netted, *release, *reopen;	/* void's */
	long released;		/* nettings let go, of two rows each */
};

static void
by_invoice_open(struct by_invoice *b, struct db *db, int voiding)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	b->find = db_prepare(db, sql_invoice);
	if (!voiding)
		return;
	b->sums = db_prepare(db, sql_invoice_sums);
	b->set_status = db_prepare(db, sql_set_status);
	b->netted = db_prepare(db, sql_netted_with);
	b->release = db_prepare(db, sql_release);
	b->reopen = db_prepare(db, sql_reopen);
}

static void
by_invoice_close(struct by_invoice *b)
{
	struct db_stmt *st[] = { b->find, b->sums, b->set_status, b->netted,
	    b->release, b->reopen };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		db_finalize(st[i]);
}

/*
 * The invoice an argument or a stdin row names, into id (ENTITY_ID_MAX + 1
 * bytes) and its stored status (16 bytes): 1 when it exists; else the
 * error is reported and the callback's return is given back (0 go on, -1
 * stop).
 */
static int
find_invoice(struct by_invoice *b, const struct csv_field *f,
    unsigned long line, char *id, char *status)
{
	struct db_stmt *st = b->find;
	int found;

	if ((found = csv_id(cli_data_error, line ? "stdin" : NULL, line,
	    "invoice_id", &f[0], 0, id)) != 1)
		return found;
	db_bind_text(st, 1, id);
	if ((found = db_row(st)))
		snprintf(status, 16, "%s", db_text(st, 2));
	db_reset(st);
	if (!found)
		return cli_data_error(line ? "stdin" : NULL, line, NULL,
		    "invoice '%s' does not exist", id) ? 0 : -1;
	return 1;
}

static int
void_one(void *arg, const struct csv_field *f, unsigned long line)
{
	struct by_invoice *b = arg;
	struct db_stmt *st = b->set_status;
	char id[ENTITY_ID_MAX + 1], status[16];
	struct invoice_sums sum;
	int found;

	if ((found = find_invoice(b, f, line, id, status)) != 1)
		return found;
	if (strcmp(status, "void") == 0)
		return cli_data_error(line ? "stdin" : NULL, line, NULL,
		    "invoice '%s' is void already", id) ? 0 : -1;
	sums_of(b->sums, id, 0, &sum);
	if (sum.has_payment)
		return cli_data_error(line ? "stdin" : NULL, line, NULL,
		    "invoice '%s' has payments applied: credit it instead", id)
		    ? 0 : -1;
	/* as Stripe gives back the credit a voided invoice used: what a
	 * netting took off each side is owed again */
	db_bind_text(b->netted, 1, id);
	while (db_row(b->netted)) {
		db_bind_text(b->reopen, 1, db_text(b->netted, 0));
		db_done(b->reopen);
		db_reset(b->reopen);
		db_keys_add(b->db, db_text(b->netted, 0));
		b->released++;
	}
	db_reset(b->netted);
	db_bind_text(b->release, 1, id);
	db_done(b->release);
	db_reset(b->release);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, "void");
	db_done(st);
	db_reset(st);
	db_keys_add(b->db, id);
	return 0;
}

static int write_list(struct db *db, const struct ar_opts *o, int only);

int
ar_void(struct db *db, const struct csv_input *in, const struct ar_opts *o)
{
	static const char *const columns[] = { "invoice_id" };
	struct db_changes ch = { .n = 0 };
	struct csv_rows ids;
	struct by_invoice b;

	if (csv_collect(in, cli_data_error, columns, 1, 1, 1, &ids) != 0) {
		csv_rows_free(&ids);
		return db_finish(db, "void", o->arguments, &ch);
	}
	db_begin(db);
	db_keys_open(db);
	by_invoice_open(&b, db, 1);
	csv_rows_each(&ids, void_one, &b);
	by_invoice_close(&b);
	db_changes_add(&ch, "invoices", 0, (long)ids.n, 0);
	db_changes_add(&ch, "payment_applications", 0, 0, 2 * b.released);
	csv_rows_free(&ids);
	if (cli_data_errors() == 0)
		write_list(db, o, 1);
	return db_finish(db, "void", o->arguments, &ch);
}

/* ---- aging and dunning ----------------------------------------------------------- */

static const char *const bucket_names[] = { "current", "days_1_30",
    "days_31_60", "days_61_90", "days_over_90" };

struct aging_row {
	char *group, *name;	/* heap; group "TOTAL" is static */
	char currency[4];
	int64_t b[5];
};

/* *sum += v.  A sum past 64 bits stops the report, as any figure after
 * it would be wrong; `of` names what it is the balance of. */
static void
add_balance(int64_t *sum, int64_t v, const char *of, const char *currency)
{
	if (money_add(*sum, v, sum) != MONEY_OK)
		cli_die(CLI_EDATA, "'%s': the balance in %s does not fit in 64 "
		    "bits", of, currency);
}

static void
aging_emit(struct out *o, const struct aging_row *r, int named)
{
	int64_t total = 0;

	/* before the row: never half of one */
	for (int i = 0; i < 5; i++)
		add_balance(&total, r->b[i], r->group, r->currency);
	out_str(o, r->group != NULL && r->group[0] != '\0' ? r->group : NULL);
	if (named)
		out_str(o, r->name != NULL && r->name[0] != '\0' ? r->name :
		    NULL);
	out_str(o, r->currency);
	for (int i = 0; i < 5; i++)
		out_amount(o, r->b[i], r->currency);
	out_amount(o, total, r->currency);
	out_end_row(o);
}

/* Totals per currency: a handful, kept in order of first sight. */
static struct aging_row *
total_of(struct aging_row *t, int *nt, const char *currency)
{
	for (int i = 0; i < *nt; i++)
		if (strcmp(t[i].currency, currency) == 0)
			return &t[i];
	if (*nt == MONEY_CURRENCIES)
		cli_die(CLI_EDATA, "more than %d currencies", MONEY_CURRENCIES);
	memset(&t[*nt], 0, sizeof(t[*nt]));
	t[*nt].group = "TOTAL";
	snprintf(t[*nt].currency, sizeof(t[*nt].currency), "%s", currency);
	return &t[(*nt)++];
}

int
ar_aging(struct db *db, const struct ar_opts *o)
{
	const char *names[9];
	int named = o->by == NULL || strcmp(o->by, "account") == 0, n = 0;
	struct aging_row cur, tot[MONEY_CURRENCIES];
	struct db_stmt *st = db_prepare(db, sql_aging);
	int have = 0, ntot = 0;
	struct out *out;

	names[n++] = o->by != NULL ? o->by : "account";
	if (named)
		names[n++] = "name";
	names[n++] = "currency";
	for (int i = 0; i < 5; i++)
		names[n++] = bucket_names[i];
	names[n++] = "total";
	out = out_new(stdout, o->out, names, (size_t)n);
	db_bind_day(st, 1, o->as_of);
	db_bind_text(st, 2, o->by);
	memset(&cur, 0, sizeof(cur));
	while (db_row(st)) {
		const char *g = db_text(st, 0), *c = db_text(st, 2);
		int32_t from = db_day(st, o->basis_issue ? 4 : 3);
		int k = ar_bucket(o->as_of - from);
		int64_t v = db_int(st, 5);

		if (have && (strcmp(cur.group, g) != 0 ||
		    strcmp(cur.currency, c) != 0)) {
			aging_emit(out, &cur, named);
			free(cur.group);
			free(cur.name);
			memset(&cur, 0, sizeof(cur));
		}
		have = 1;
		if (cur.group == NULL) {
			cur.group = cli_strdup(g);
			cur.name = cli_strdup(db_text(st, 1));
			snprintf(cur.currency, sizeof(cur.currency), "%s", c);
		}
		add_balance(&cur.b[k], v, g, c);
		add_balance(&total_of(tot, &ntot, c)->b[k], v, "TOTAL", c);
	}
	db_finalize(st);
	if (have)
		aging_emit(out, &cur, named);
	free(cur.group);
	free(cur.name);
	for (int i = 0; i < ntot; i++)
		aging_emit(out, &tot[i], named);
	return out_close(out) == 0 ? CLI_OK : CLI_EIO;
}

size_t
ar_aging_buckets(struct db *db, int32_t as_of, struct ar_buckets *out,
    size_t max)
{
	struct db_stmt *st = db_prepare(db, sql_aging);
	size_t n = 0, i;

	db_bind_day(st, 1, as_of);
	db_bind_null(st, 2);
	while (db_row(st)) {
		const char *c = db_text(st, 2);

		for (i = 0; i < n && strcmp(out[i].currency, c) != 0; i++)
			;
		if (i == n) {
			if (n == max)
				cli_die(CLI_EDATA, "more than %zu currencies",
				    max);
			memset(&out[n], 0, sizeof(out[n]));
			snprintf(out[n++].currency, sizeof(out[0].currency),
			    "%s", c);
		}
		add_balance(&out[i].b[ar_bucket(as_of - db_day(st, 3))],
		    db_int(st, 5), "all accounts", c);
	}
	db_finalize(st);
	return n;
}

int
ar_aging_totals(struct db *db, int32_t as_of, struct fx *fx, int64_t bucket[5])
{
	struct ar_buckets by[MONEY_CURRENCIES];
	size_t n = ar_aging_buckets(db, as_of, by, MONEY_CURRENCIES);
	char why[256];
	int64_t v;

	memset(bucket, 0, 5 * sizeof(bucket[0]));
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 5; k++) {
			if (fx_convert(fx, by[i].b[k], by[i].currency, as_of,
			    &v, why, sizeof(why)) != 0) {
				cli_data_error(NULL, 0, NULL, "%s", why);
				return -1;
			}
			if (money_add(bucket[k], v, &bucket[k]) != MONEY_OK) {
				cli_data_error(NULL, 0, NULL, "%s: the balance "
				    "in %s does not fit in 64 bits",
				    bucket_names[k], fx_currency(fx));
				return -1;
			}
		}
	return 0;
}

int
ar_dunning(struct db *db, const struct ar_opts *o)
{
	static const char *const names[] = { "account_id", "name",
	    "billing_email", "invoice_id", "issue_date", "due_date",
	    "days_overdue", "level", "balance", "currency" };
	struct db_stmt *st = db_prepare(db, sql_dunning);
	struct out *out = out_new(stdout, o->out, names, 10);

	db_bind_day(st, 1, o->as_of);
	db_bind_day(st, 2, o->as_of);
	while (db_row(st)) {
		int32_t days = o->as_of - db_day(st, 5);

		for (int i = 0; i < 6; i++)
			export_column(out, st, i);
		out_long(out, days);
		out_long(out, ar_level(days, o->levels, o->nlevels));
		out_amount(out, db_int(st, 6), db_text(st, 7));
		out_str(out, db_text(st, 7));
		out_end_row(out);
	}
	db_finalize(st);
	return out_close(out) == 0 ? CLI_OK : CLI_EIO;
}

/* ---- lists and the export ----------------------------------------------------------- */

const char *
ar_status(const char *stored, int64_t total, int64_t credited,
    int64_t balance)
{
	if (strcmp(stored, "void") == 0)
		return "void";
	if (balance != 0)
		return "open";	/* owed, or owed back: a credit */
	if (credited != 0 && credited >= total)
		return "credited";
	return "paid";
}

/*
 * Calls row() for each invoice list shows: the ones in out_keys
 * (only), or those the options select.  --status is matched against the
 * status shown, which comes from the balance, so it is filtered here.
 */
static void
each_listed(struct db *db, const struct ar_opts *o, int only,
    void (*row)(struct db_stmt *st, const char *status, void *arg), void *arg)
{
	struct db_stmt *st = db_prepare(db, sql_list);

	db_bind_day(st, 1, o->as_of);
	db_bind_int(st, 2, only);
	db_bind_text(st, 3, only ? NULL : o->account);
	db_bind_day(st, 4, only ? DATE_NONE : o->from);
	db_bind_day(st, 5, only ? DATE_NONE : o->to);
	while (db_row(st)) {
		const char *status = ar_status(db_text(st, 10),
		    db_int(st, 6), db_int(st, 7),
		    db_int(st, 9));

		if (only || o->status == NULL || strcmp(o->status, status) == 0)
			row(st, status, arg);
	}
	db_finalize(st);
}

struct list_writer {
	struct out *out;
	int32_t as_of;
};

static void
write_listed(struct db_stmt *st, const char *status, void *arg)
{
	struct list_writer *w = arg;
	const char *cur = db_text(st, 5);
	int32_t overdue = w->as_of - db_day(st, 4);

	for (int i = 0; i < 6; i++)
		out_str(w->out, db_text(st, i));
	for (int i = 6; i < 10; i++)
		out_amount(w->out, db_int(st, i), cur);
	out_str(w->out, status);
	if (db_int(st, 9) > 0 && strcmp(status, "open") == 0 &&
	    overdue > 0)
		out_long(w->out, overdue);
	else
		out_null(w->out);
	out_end_row(w->out);
}

static int
write_list(struct db *db, const struct ar_opts *o, int only)
{
	static const char *const names[] = { "invoice_id", "account_id",
	    "account_name", "issue_date", "due_date", "currency", "total",
	    "credited", "paid", "balance", "status", "days_overdue" };
	struct list_writer w = { out_new(stdout, o->out, names, 12), o->as_of };

	each_listed(db, o, only, write_listed, &w);
	return out_close(w.out) == 0 ? CLI_OK : CLI_EIO;
}

static int
keep_invoice(void *arg, const struct csv_field *f, unsigned long line)
{
	struct by_invoice *b = arg;
	char id[ENTITY_ID_MAX + 1], status[16];
	int found;

	if ((found = find_invoice(b, f, line, id, status)) != 1)
		return found;
	db_keys_add(b->db, id);
	return 0;
}

/*
 * Keeps the invoices that in names (none: in NULL) in out_keys, and
 * begins the read that the caller commits: its lookups and the list are
 * one snapshot, and the keys kept one transaction rather than one each
 * (100,000 invoices shown: 8.5 s, now 2.2 s).  They are read whole first:
 * the command before in a pipe has committed when it has written them.
 * 0, or -1 after an error was reported, the read then ended.
 */
static int
begin_named(struct db *db, const struct csv_input *in)
{
	static const char *const columns[] = { "invoice_id" };
	struct csv_rows ids = { .n = 0 };
	struct by_invoice b;

	db_keys_open(db);
	if (in != NULL && csv_collect(in, cli_data_error, columns, 1, 1, 1,
	    &ids) != 0) {
		csv_rows_free(&ids);
		return -1;
	}
	db_begin_read(db);
	if (in != NULL) {
		by_invoice_open(&b, db, 0);
		csv_rows_each(&ids, keep_invoice, &b);
		by_invoice_close(&b);
	}
	csv_rows_free(&ids);
	if (cli_data_errors() > 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
ar_list(struct db *db, const struct csv_input *in, const struct ar_opts *o)
{
	int rc;

	if (begin_named(db, in) != 0)
		return CLI_EDATA;
	rc = write_list(db, o, in != NULL);
	db_commit(db);
	return rc;
}

/* The invoices of an export of lines, with their status as list shows it
 * in the import's words, where a zero balance is paid. */
static void
keep_listed(struct db_stmt *st, const char *status, void *arg)
{
	struct db_stmt *keep = arg;

	db_bind_text(keep, 1, db_text(st, 0));
	db_bind_text(keep, 2, strcmp(status, "credited") == 0 ? "paid" :
	    status);
	db_done(keep);
}

/* The export: the invoices named, or those list selects, as it writes
 * them, or their lines in the import contract's columns. */
int
ar_export(struct db *db, const struct csv_input *in, const struct ar_opts *o)
{
	struct db_stmt *keep;
	int rc;

	if (begin_named(db, in) != 0)
		return CLI_EDATA;
	if (!o->lines) {
		rc = write_list(db, o, in != NULL);
	} else {
		db_temp_table(db, "export_status",
		    "key TEXT PRIMARY KEY, status TEXT");
		keep = db_prepare(db, sql_keep_status);
		each_listed(db, o, in != NULL, keep_listed, keep);
		db_finalize(keep);
		rc = export_given(db, entity_find("invoices"), o->out,
		    "export_status", "status") == 0 ? CLI_OK : CLI_EIO;
	}
	db_commit(db);
	return rc;
}
