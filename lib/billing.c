/*
 * The billing run for month P makes one invoice per account and currency
 * from three sources, each read in account order and merged:
 *
 *   subscriptions: every period starting in P not yet charged (in
 *       advance); then, for each period charged, the difference between
 *       what its days were billed and what they come to now (see "the
 *       charged periods" below): a change of terms from the run's day,
 *       a credit for the days after an end, and a charge for days
 *       credited or cut short by an end that was moved later;
 *   one-time lines of accepted orders not yet billed, ordered before the
 *       end of P;
 *   usage of the month before P, per account and sku, priced through the
 *       price book on its total (so tiers see the whole month); and late
 *       usage, of a month billed before, its total priced again less
 *       what was billed for it.
 *
 * Each line's tax is its amount at the account region's rate, rounded per
 * line.  billing_records and usage_billing remember what was billed, so
 * running P again bills nothing new; order lines get their invoice.  Then
 * the account's unapplied payments (account credit) go to its new
 * invoices.  All of it is one transaction.
 *
 * The run keeps two cores busy.  The main thread, the biller, reads the
 * sources through a second connection (db_open_snapshot(): it sees the
 * database as the run found it, none of what the run writes) and works
 * out the lines; the writer thread inserts them through the run's own
 * connection, some accounts at a time.  Then, while the main thread
 * applies account credit and writes the billing records, another thread
 * formats the output from what the biller made, which is written before
 * the commit.  A connection is used by one
 * thread at a time.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "billing.h"

#include "cli.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "export.h"
#include "handoff.h"
#include "keyset.h"
#include "money.h"
#include "pricing.h"

#define E6 1000000LL

int32_t
billing_anchor(int32_t day, int billing_day)
{
	int y, m, d;

	date_to_ymd(day, &y, &m, &d);
	if (d <= billing_day)
		return date_from_ymd(y, m, billing_day);
	return date_add_months(date_from_ymd(y, m, billing_day), 1, &day) == 0 ?
	    day : DATE_END;
}

static void
emit(struct billing_period *out, size_t *n, size_t max, int32_t start,
    int32_t end, int32_t full_start, int32_t full_end)
{
	if (*n == max || end <= start)
		return;
	out[*n].start = start;
	out[*n].end = end;
	out[*n].full_start = full_start;
	out[(*n)++].full_end = full_end;
}

int32_t
billing_align(int32_t start, int billing_day, int calendar)
{
	int y, m, d;

	if (!calendar)
		return billing_anchor(start, billing_day);
	date_to_ymd(start, &y, &m, &d);
	return date_from_ymd(y, 1, billing_day);
}

/* The first day on or after start on which a period begins: align moved
 * by whole periods; DATE_END when the calendar has none. */
static int32_t
first_period(int32_t start, int months, int32_t align)
{
	int32_t a, ahead;

	if (align == DATE_END)
		return DATE_END;
	/* whole periods from align to the month of start, rounded down */
	ahead = date_month_of(start) - date_month_of(align);
	ahead = ahead >= 0 ? ahead / months : -((-ahead + months - 1) / months);
	if (date_add_months(align, ahead * months, &a) != 0)
		return DATE_END;
	if (a < start && date_add_months(a, months, &a) != 0)
		return DATE_END;
	return a;
}

size_t
billing_periods(int32_t start, int32_t end, int months, int32_t align,
    int32_t from, int32_t to, struct billing_period *out, size_t max)
{
	int32_t a = first_period(start, months, align), p = a, full;
	int32_t stop = end == DATE_NONE ? to : (end < to ? end : to);
	size_t n = 0;
	int skip;

	if (a == DATE_END)
		return BILLING_PAST_CALENDAR;

	if (start < a && start >= from && start < to) {
		if (date_add_months(a, -months, &full) != 0)
			return BILLING_PAST_CALENDAR;
		emit(out, &n, max, start, end != DATE_NONE && end < a ?
		    end : a, full, a);
	}
	/* Jump to the last period starting before `from`: old
	 * subscriptions need not walk their whole history. */
	skip = (date_month_of(from) - date_month_of(a)) / months - 1;
	if (skip > 0 && date_add_months(a, skip * months, &p) != 0)
		return BILLING_PAST_CALENDAR;
	while (p < stop) {
		int32_t pe;

		if (date_add_months(p, months, &pe) != 0)
			return BILLING_PAST_CALENDAR;
		if (p >= from)
			emit(out, &n, max, p, end != DATE_NONE && end < pe ?
			    end : pe, p, pe);
		p = pe;
	}
	return n;
}

int
billing_tax(int64_t amount, int64_t rate, int64_t *tax)
{
	return money_div((__int128)amount * rate, 100 * E6, tax) ==
	    MONEY_OK ? 0 : -1;
}

/* ---- SQL ------------------------------------------------------------------- */

static const char sql_subscriptions[] =
    "SELECT s.account_id, s.currency, s.subscription_id, s.sku, "
    "s.quantity_micro, s.unit_price_micro, s.discount_pct_micro, "
    "s.billing_period, s.start_date, s.end_date, s.replaces "
    "FROM subscriptions s "
    "WHERE s.start_date < ?1 AND (s.end_date IS NULL OR s.end_date > ?3) "
    "AND (?2 = 0 OR s.account_id IN (SELECT key FROM run_accounts)) "
    "ORDER BY s.account_id, s.subscription_id";
/* A subscription a plan change replaced, for the alignment it passes on
 * (align_of()). */
static const char sql_replaced[] =
    "SELECT start_date, billing_period, replaces FROM subscriptions "
    "WHERE account_id = ?1 AND subscription_id = ?2";
/* The periods of P already charged, read once: a first run of P finds
 * none, a rerun all.  A period ends after it starts: the key's range. */
static const char sql_charged[] =
    "SELECT subscription_id || '|' || period_start FROM billing_records "
    "WHERE full_end > ?1 AND kind = 'charge' AND period_start >= ?1 "
    "AND period_start < ?2";
/*
 * The billing records of the periods charged that a run looks at, by
 * subscription: those running on its day, ending on it or after, and of
 * the 13 months before (?2), those not billed whole (a credit, a charge
 * cut short by an end: billing_records_short), each with all its rows.
 * The other past periods are billed whole and stay so, but those after
 * an end set once they were charged: sql_ended.
 */
#define RECORD_COLUMNS "period_start, period_end, kind, full_start, " \
    "full_end, quantity_micro, unit_price_micro, discount_pct_micro, " \
    "invoice_id, line_no, account_id"
#define SHORT "(kind = 'credit' OR (kind = 'charge' AND period_end < " \
    "full_end))"
/*
 * Of those running, the periods ending on the run's day (the month
 * before's of a company billed monthly, most of what is read) are read
 * on a thread of their own (read_ahead()), while the biller reads the
 * rest; the rows go together as one statement's of both would come.
 */
static const char sql_running_ending[] =
    "SELECT subscription_id, " RECORD_COLUMNS " FROM billing_records "
    "WHERE full_end = ?1";
static const char sql_running[] =
    "SELECT subscription_id, " RECORD_COLUMNS " FROM billing_records "
    "WHERE full_end > ?1 "
    "UNION ALL "
    "SELECT b.subscription_id, " RECORD_COLUMNS " FROM billing_records b "
    "JOIN (SELECT DISTINCT full_end AS e, account_id AS a, "
    "subscription_id AS s FROM billing_records WHERE full_end > ?2 AND "
    "full_end < ?1 AND " SHORT ") p ON b.full_end = p.e AND "
    "b.account_id = p.a AND b.subscription_id = p.s";
/*
 * The subscriptions the run looks at (?1 the end of P, ?2 the horizon,
 * ?3 some accounts) that end before its day (?4) and may be billed past
 * their end: no run has billed them as ended since it was set (a run
 * that does credits what lies past it).  Of those, all the records of
 * the periods ending from the first of their ends (?5) to the run's
 * day, read at once: a statement a subscription would cost a round trip
 * each on a server.  Most subscriptions that end were billed to their
 * end by the run after it, and are not read again.
 */
#define BILLED_PAST_END "FROM subscriptions s WHERE s.start_date < ?1 " \
    "AND s.end_date < ?4 AND s.end_date > ?2 AND NOT EXISTS (SELECT 1 " \
    "FROM billing_ends e WHERE e.account_id = s.account_id AND " \
    "e.subscription_id = s.subscription_id AND e.end_billed <= " \
    "s.end_date) " \
    "AND (?3 = 0 OR s.account_id IN (SELECT key FROM run_accounts))"
static const char sql_ended_from[] =
    "SELECT min(s.end_date) " BILLED_PAST_END;
static const char sql_ended[] =
    "SELECT subscription_id, " RECORD_COLUMNS " FROM billing_records "
    "WHERE full_end > ?5 AND full_end < ?4 AND subscription_id IN "
    "(SELECT s.subscription_id " BILLED_PAST_END ")";
/* The ends billed of the subscriptions the run looks at, in the order it
 * bills them in (?1 some accounts). */
static const char sql_marks[] =
    "SELECT account_id, subscription_id, end_billed FROM billing_ends "
    "WHERE ?1 = 0 OR account_id IN (SELECT key FROM run_accounts) "
    "ORDER BY account_id, subscription_id";
/*
 * The pauses of the subscriptions the run looks at that end after the
 * horizon, or have not ended, in the order it bills them in (?1 the
 * horizon, ?2 some accounts); and the records of one period of one of
 * them that sql_running does not read (a period past that a pause
 * entered late reaches back into, or the one before a charged period's
 * first day, owed_from()): a seek of the key each.
 */
static const char sql_pauses[] =
    "SELECT account_id, subscription_id, start_date, end_date FROM pauses "
    "WHERE (end_date IS NULL OR end_date > ?1) "
    "AND (?2 = 0 OR account_id IN (SELECT key FROM run_accounts)) "
    "ORDER BY account_id, subscription_id, start_date";
static const char sql_period_rows[] =
    "SELECT subscription_id, " RECORD_COLUMNS " FROM billing_records "
    "WHERE full_end = ?1 AND account_id = ?2 AND subscription_id = ?3";
/* Whether anything was ever billed: a company's first run reads no
 * subscriptions for sql_ended. */
static const char sql_billed_before[] =
    "SELECT 1 FROM billing_records LIMIT 1";
static const char sql_one_time[] =
    "SELECT o.account_id, o.currency, ol.order_id, ol.line_no, ol.sku, "
    "p.name, ol.quantity_micro, ol.unit_price_micro, ol.amount_minor, "
    "ol.discount_pct_micro "
    "FROM order_lines ol JOIN orders o USING (account_id, order_id) "
    "JOIN products p USING (sku) "
    "WHERE ol.kind = 'one_time' AND ol.invoice_id IS NULL "
    "AND o.ordered_on < ?1 "
    "AND (?2 = 0 OR o.account_id IN (SELECT key FROM run_accounts)) "
    "ORDER BY o.account_id, ol.order_id, ol.line_no";
/*
 * The quantity of a month of usage u, of products p, by the product's
 * usage_aggregation (DESIGN.md section 3): a sum as two sums of 32-bit
 * halves, which fit, so that a total past 64 bits is told with its
 * account, not as SQL's; any other in the third column: the high-water
 * mark, the count of events (each a unit, whatever its quantity), or the
 * quantity of the month's last event, by day and then event_id, the only
 * order events have.  OF names the account and sku of the month, and
 * IN_MONTH says which of their events v are of it.
 */
#define USAGE_QUANTITY(of, in_month) \
    "sum(u.quantity_micro >> 32), sum(u.quantity_micro & 4294967295), " \
    "CASE p.usage_aggregation WHEN 'max' THEN max(u.quantity_micro) " \
    "WHEN 'count' THEN count(u.quantity_micro) * 1000000 " \
    "WHEN 'last' THEN (SELECT v.quantity_micro FROM usage v " \
    " WHERE v.account_id = " of ".account_id AND v.sku = " of ".sku " \
    " AND " in_month " ORDER BY v.used_on DESC, v.event_id DESC LIMIT 1) END"
static const char sql_usage[] =
    "SELECT u.account_id, a.currency, u.sku, p.name, "
    USAGE_QUANTITY("u", "v.used_on >= ?1 AND v.used_on < ?2") " "
    "FROM usage u JOIN accounts a USING (account_id) "
    "JOIN products p USING (sku) "
    "WHERE u.used_on >= ?1 AND u.used_on < ?2 "
    "AND (?4 = 0 OR u.account_id IN (SELECT key FROM run_accounts)) "
    "AND NOT EXISTS (SELECT 1 FROM usage_billing b WHERE "
    "b.account_id = u.account_id AND b.sku = u.sku AND b.month = ?3) "
    "GROUP BY u.account_id, u.sku, a.currency, p.name, "
    "p.usage_aggregation "
    "ORDER BY u.account_id, u.sku";
/*
 * Late usage: each account, sku and month before the run's usage month
 * ?1 with events changed since a run last looked (usage_changed), with
 * what its lines have billed of it so far, in the currency they billed it
 * in (g); of those, the months billed for the account before or billed
 * for every account, with their whole quantity now (of no events, once
 * all are gone).  A month's events are the days of its text from -01 to
 * -31, a range of the index by account.
 */
#define IN_MONTH(day, month) \
    day " >= " month " || '-01' AND " day " <= " month " || '-31'"
static const char sql_late[] =
    "WITH g AS (SELECT c.account_id, c.sku, c.month, "
    " count(b.month) AS lines, sum(b.quantity_micro) AS quantity, "
    " sum(b.amount_minor) AS amount, min(i.currency) AS currency "
    " FROM usage_changed c LEFT JOIN usage_billing b "
    " ON b.account_id = c.account_id AND b.sku = c.sku "
    " AND b.month = c.month LEFT JOIN invoices i "
    " ON i.account_id = b.account_id AND i.invoice_id = b.invoice_id "
    " WHERE c.month < ?1 "
    " AND (?2 = 0 OR c.account_id IN (SELECT key FROM run_accounts)) "
    " GROUP BY c.account_id, c.sku, c.month) "
    "SELECT c.account_id, coalesce(c.currency, a.currency), c.sku, p.name, "
    USAGE_QUANTITY("c", IN_MONTH("v.used_on", "c.month")) ", "
    "c.month, coalesce(c.quantity, 0), coalesce(c.amount, 0) "
    "FROM g c JOIN accounts a ON a.account_id = c.account_id "
    "JOIN products p ON p.sku = c.sku "
    "LEFT JOIN usage u ON u.account_id = c.account_id AND u.sku = c.sku "
    "AND " IN_MONTH("u.used_on", "c.month") " "
    "WHERE c.lines > 0 OR c.month IN (SELECT month FROM usage_months "
    "WHERE every_account = 1) OR EXISTS (SELECT 1 FROM usage_accounts b "
    "WHERE b.account_id = c.account_id AND b.month = c.month) "
    "GROUP BY c.account_id, c.sku, c.month, a.currency, p.name, "
    "p.usage_aggregation, c.currency, c.quantity, c.amount "
    "ORDER BY c.account_id, c.month, c.sku";
/*
 * What a run has dealt with leaves usage_changed: the months before its
 * usage month.  Those of that month (changed after a run billed it, when
 * it is run again) and of later ones stay for the next run.  Run on the
 * run's connection before it writes; the biller reads its snapshot.
 */
static const char sql_usage_seen[] =
    "DELETE FROM usage_changed WHERE month < ?2 "
    "AND (?1 = 0 OR account_id IN (SELECT key FROM run_accounts))";
/* A run of all accounts marks the month billed for every account; one of
 * some marks it, for imports to watch, and notes them. */
static const char sql_usage_accounts[] =
    "INSERT INTO usage_accounts (account_id, month) SELECT key, ?1 "
    "FROM run_accounts WHERE TRUE ON CONFLICT DO NOTHING";
static const char sql_usage_month[] =
    "INSERT INTO usage_months (month, every_account) VALUES (?1, ?2) "
    "ON CONFLICT (month) DO UPDATE SET every_account = CASE WHEN "
    "excluded.every_account = 1 THEN 1 ELSE usage_months.every_account END";
/* billing_watch: the months billed; a group of events written; an
 * event's group as it is now; every event of a billed month whose row
 * satisfies the import's condition, or all. */
static const char sql_watch_months[] =
    "SELECT month FROM usage_months ORDER BY month";
/* the groups an import noted, written at its end in one statement: a
 * round trip for each on a server would cost more than the import */
static const char sql_watch_rows[] =
    "INSERT INTO watch_groups (account_id, sku, month)";
static const char sql_watch_groups[] =
    "INSERT INTO usage_changed (account_id, sku, month) "
    "SELECT account_id, sku, month FROM watch_groups WHERE TRUE "
    "ON CONFLICT DO NOTHING";
static const char sql_watch_note[] =
    "INSERT INTO usage_changed (account_id, sku, month) "
    "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char sql_watch_find[] =
    "SELECT account_id, sku, used_on FROM usage WHERE event_id = ?1";
static const char sql_watch_where[] =
    "INSERT INTO usage_changed (account_id, sku, month) "
    "SELECT DISTINCT t.account_id, t.sku, substr(t.used_on, 1, 7) "
    "FROM usage t WHERE (%s) AND substr(t.used_on, 1, 7) IN "
    "(SELECT month FROM usage_months) ON CONFLICT DO NOTHING";
/* The names of the products, in memory: a subscription's is looked up
 * there, not joined row by row; a subscription of an unknown sku is not
 * billed, as the join did not return it. */
static const char sql_products[] =
    "SELECT sku, name FROM products WHERE sku IS NOT NULL ORDER BY sku";
/* The accounts' regions and the regions' tax rates, read once for the
 * writer to look each invoice's rate up in memory, and the accounts' keys,
 * for the check of references (db_stmt_keys()): the invoices name them.
 * A scan of the table, not of its key's index: no lookup a row. */
static const char sql_tax_rates[] =
    "SELECT region, rate_micro FROM tax_rates WHERE region IS NOT NULL";
static const char sql_regions[] =
    "SELECT account_id, region FROM accounts "
    "WHERE ?1 = 0 OR account_id IN (SELECT key FROM run_accounts)";
static const char sql_invoices[] =
    "INSERT INTO invoices (invoice_id, account_id, issue_date, due_date, "
    "currency, status)";
static const char sql_lines[] =
    "INSERT INTO invoice_lines (invoice_id, account_id, line_no, sku, "
    "description, quantity_micro, unit_price_micro, discount_pct_micro, "
    "amount_minor, tax_amount_minor, service_start, service_end)";
static const char sql_records[] =
    "INSERT INTO billing_records (subscription_id, account_id, "
    "period_start, period_end, kind, invoice_id, line_no, amount_minor, "
    "full_start, full_end, quantity_micro, unit_price_micro, "
    "discount_pct_micro)";
static const char sql_order_billed[] =
    "UPDATE order_lines SET invoice_id = ?3 WHERE order_id = ?1 "
    "AND line_no = ?2";
static const char sql_usage_billed[] =
    "INSERT INTO usage_billing (account_id, sku, month, invoice_id, "
    "line_no, quantity_micro, amount_minor) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/* ?1 and ?2 are the first and last of invoices a run made, of one
 * length: as text, INV-2026-100001 would lie between INV-2026-1000000
 * and INV-2026-1000123. */
static const char sql_keep_made[] =
    "INSERT INTO out_keys (key) SELECT invoice_id FROM invoices "
    "WHERE invoice_id >= ?1 AND invoice_id <= ?2 "
    "AND length(invoice_id) = length(?1)";
static const char sql_not_open[] =
    "SELECT invoice_id, status FROM invoices WHERE invoice_id >= ?1 "
    "AND invoice_id <= ?2 AND length(invoice_id) = length(?1) "
    "AND status != 'open' ORDER BY invoice_id";
/* The marks of ends on or before the horizon (?1), which this run and
 * later ones never read (a rerun of an earlier month reads more records
 * for want of them, and bills the same); then the ends billed of the
 * subscriptions the run billed to their end, or as running (NULL: no
 * mark), from run_ends. */
static const char sql_ends_keep[] =
    "INSERT INTO run_ends (account_id, subscription_id, end_billed)";
static const char sql_ends_drop[] =
    "DELETE FROM billing_ends WHERE (account_id, subscription_id) IN "
    "(SELECT account_id, subscription_id FROM run_ends "
    "WHERE end_billed IS NULL)";
static const char sql_ends_set[] =
    "INSERT INTO billing_ends (account_id, subscription_id, end_billed) "
    "SELECT account_id, subscription_id, end_billed FROM run_ends "
    "WHERE end_billed IS NOT NULL ON CONFLICT (account_id, subscription_id) "
    "DO UPDATE SET end_billed = excluded.end_billed";
static const char sql_ends_forget[] =
    "DELETE FROM billing_ends WHERE end_billed <= ?1";
static const char sql_accounts_keep[] =
    "INSERT INTO run_accounts (key) VALUES (?1) ON CONFLICT DO NOTHING";

/* pause and resume: the subscription; a pause of its that overlaps days
 * [?3, ?4) (?4 NULL: with no end); the pause that holds the day before
 * ?3; a pause written. */
static const char sql_pause_sub[] =
    "SELECT account_id, start_date, end_date FROM subscriptions "
    "WHERE subscription_id = ?1";
static const char sql_pause_overlap[] =
    "SELECT start_date, end_date FROM pauses WHERE account_id = ?1 "
    "AND subscription_id = ?2 AND (?4 IS NULL OR start_date < ?4) "
    "AND (end_date IS NULL OR end_date > ?3) ORDER BY start_date LIMIT 1";
static const char sql_pause_held[] =
    "SELECT start_date, end_date FROM pauses WHERE account_id = ?1 "
    "AND subscription_id = ?2 AND start_date < ?3 "
    "AND (end_date IS NULL OR end_date >= ?3) "
    "ORDER BY start_date DESC LIMIT 1";
static const char sql_pause_add[] =
    "INSERT INTO pauses (subscription_id, account_id, start_date, "
    "end_date) VALUES (?1, ?2, ?3, ?4)";
static const char sql_pause_end[] =
    "UPDATE pauses SET end_date = ?4 WHERE account_id = ?1 "
    "AND subscription_id = ?2 AND start_date = ?3";

/* ---- the lines of one account ----------------------------------------------- */

enum source { SRC_SUB, SRC_CHANGE, SRC_CREDIT, SRC_ONE_TIME, SRC_USAGE };

struct bline {
	char currency[4];
	enum source src;
	char ref[ENTITY_ID_MAX + 1];	/* subscription, order or sku */
	int ref_line;			/* order line */
	char sku[ENTITY_ID_MAX + 1];
	char *description;		/* heap: a product's name, whole */
	int64_t qty, unit_price, amount;
	int32_t start, end;		/* service period, or DATE_NONE */
	int32_t full_start, full_end;	/* billing_records: the full period */
	int64_t rqty, rprice, rdiscount;	/* terms billed (not a credit) */
	int64_t used;			/* usage: what it adds to the month's */
	int invoice;			/* which invoice of the account */
	int line_no;
};

/* The price book of a month of late usage, as it was on its first day. */
struct month_book {
	char month[MONTH_FMT_MAX];
	int32_t start, end;
	struct pricing_book *book;
};

/* A pause of sql_pauses: days [start, end) not billed, end DATE_NONE
 * while it has not ended; its ids in run.names. */
struct pause {
	size_t account, sub;
	int32_t start, end;
};

/* A row of sql_subscriptions, read once. */
struct sub {
	const char *currency, *id, *sku, *product;
	int64_t qty, unit_price, discount;
	int months;
	int32_t start, end, end_billed;
	int32_t align;			/* a day its periods start on */
	const struct pause *pause;	/* its pauses, by start; in run */
	size_t npause;
};

/* A text and its value, from a query of two columns: the names of the
 * products by sku, the statuses of the run's invoices by id. */
struct pair {
	char *key, *value;
};

/* The tax rates of accounts, sorted by account id; the ids in text, at
 * offsets while it is read. */
struct rate {
	size_t at;
	const char *account;
	int64_t micro;
};

struct rates {
	struct rate *r;
	size_t n, cap;
	char *text;
	size_t ntext, captext;
};

/* A subscription's end billed (billing_ends), as read (its ids in
 * run.names) or to write (in run.text). */
struct end_mark {
	size_t account, sub;
	int32_t end;		/* or DATE_NONE */
};

/* A billing record, as read. */
struct row {
	int32_t start, end, fs, fe;	/* its days; the full period */
	char kind;		/* 'h' charge, 'n' change, 'r' credit */
	int64_t qty, price, discount;	/* its terms (not a credit's) */
	size_t account, sub, invoice;	/* ids, in names */
	int line_no;
};

/* The rows of one subscription, of a query's. */
struct sub_rows {
	size_t account, id;	/* in names */
	size_t first, n;	/* in row */
};

/* A query's rows, by subscription in the order they are billed in,
 * (account, id): sub_rows() goes on from where it was (at). */
struct by_sub {
	struct row *row;
	size_t nrow, caprow;
	struct sub_rows *sr;
	size_t nsr, capsr, at;
};

/* The charged period of a subscription running on the run's day or
 * ending on it: its first day charged, where its billed days end, the
 * end of the full period. */
struct open_period {
	int32_t start, end, full_end;
};

struct run {
	struct db *db;		/* the run's: the writer thread's while it runs */
	struct db *rd;		/* the biller's reader */
	const struct billing_opts *o;
	struct csv_rows only;		/* the accounts to bill, if some */
	int some;
	size_t naccounts;		/* of them, named */
	int billing_day, terms;
	int calendar;			/* period_alignment is calendar */
	int32_t p_start, p_end, u_start, u_end;
	char issued[DATE_FMT_MAX], due[DATE_FMT_MAX];
	char usage_month[MONTH_FMT_MAX], prefix[16];
	struct keyset *charged;		/* "subscription|period start" */
	size_t ncharged;
	struct by_sub running;		/* of sql_running */
	struct by_sub ended;		/* of sql_ended */
	int32_t ended_from;		/* sql_ended's first end */
	struct row *merged;		/* one subscription's of both */
	size_t nmerged, capmerged;
	struct end_mark *ends;		/* end_billed to write */
	size_t nends, capends;
	struct end_mark *marks;		/* end_billed as read */
	size_t nmarks, capmarks, at_mark;
	struct pause *pauses;		/* of sql_pauses */
	size_t npauses, cappauses, at_pause;
	char *names;			/* the ids of the rows */
	size_t nnames, capnames;
	int32_t horizon;		/* how far back periods are read */
	struct db_stmt *subs, *one_time, *usage, *late, *replaced;
	struct db_stmt *period_rows;	/* sql_period_rows */
	int subs_row, one_row, usage_row, late_row;	/* while rows left */
	struct pricing_book *book;
	struct month_book *books;	/* late usage's months */
	size_t nbooks, capbooks;
	struct pair *products;		/* names by sku */
	size_t nproducts;
	long long first_invoice, next_invoice;	/* numbers of INV- ids */
	struct batch *batches, **last;
	struct batch *fill;		/* being made, or NULL */
	struct handoff *handoff;	/* to the writer thread */
	struct records *recs;		/* billing_records to write, by end */
	size_t nrecs, caprecs, at_recs;
	char *text;
	size_t ntext, captext;
	struct bline *l;
	size_t n, cap;
	long invoices, lines, records, orders, usage_rows, applied;
	int failed;
};

/* s into buf of size bytes, cut to fit as snprintf("%s") would: a
 * line's ids are copied for every line, where a format each cost more
 * than the copy. */
static void
copy_text(char *buf, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(buf, s, n);
	buf[n] = '\0';
}

static void
too_large(struct run *r, const char *sub)
{
	cli_data_error(NULL, 0, NULL, "subscription '%s': the amount is too "
	    "large", sub);
	r->failed = 1;
}

static struct bline *
add_line(struct run *r, const char *currency, enum source src)
{
	struct bline *b;

	r->l = cli_grow(r->l, &r->cap, r->n + 1, sizeof(*r->l));
	b = &r->l[r->n++];
	memset(b, 0, sizeof(*b));
	copy_text(b->currency, sizeof(b->currency), currency);
	b->src = src;
	b->start = b->end = DATE_NONE;
	return b;
}

/* The line's description, as printf() would write it: formatted once
 * when it fits the buffer, as most do, and again at its length if not. */
static void __attribute__((format(printf, 2, 3)))
describe(struct bline *b, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(b->description);
	if (n < 0)
		cli_die(CLI_EIO, "out of memory");
	b->description = cli_realloc(NULL, (size_t)n + 1, 1);
	if ((size_t)n < sizeof(buf))
		memcpy(b->description, buf, (size_t)n + 1);
	else {
		va_start(ap, fmt);
		vsnprintf(b->description, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
}

/* Lines [0, n) of the account, described on the heap, are done with. */
static void
lines_done(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->l[i].description);
	r->n = 0;
}

static void
describe_period(struct bline *b, const char *product,
    const struct billing_period *p)
{
	char from[DATE_FMT_MAX], to[DATE_FMT_MAX];
	int32_t days = p->end - p->start, full = p->full_end - p->full_start;

	date_format(from, p->start);
	date_format(to, p->end - 1);
	if (days == full)
		describe(b, "%s, %s to %s", product, from, to);
	else
		describe(b, "%s, %s to %s (%d/%d days)", product, from, to,
		    (int)days, (int)full);
}

/*
 * The first run of days of [from, to) that s is not paused on, [*a, *b);
 * 0 when it is paused on all of them.  Its pauses are in order and do not
 * overlap (import's check_pauses()).
 */
static int
billable(const struct sub *s, int32_t from, int32_t to, int32_t *a,
    int32_t *b)
{
	for (size_t i = 0; i < s->npause && from < to; i++) {
		const struct pause *p = &s->pause[i];

		if (p->end != DATE_NONE && p->end <= from)
			continue;
		if (p->start > from) {
			*a = from;
			*b = p->start < to ? p->start : to;
			return 1;
		}
		from = p->end == DATE_NONE ? to : p->end;
	}
	if (from >= to)
		return 0;
	*a = from;
	*b = to;
	return 1;
}

/* The period of a subscription that `day` falls inside (cut at its end,
 * if it has one), into q; 0 when there is none. */
static int
period_containing(const struct sub *s, int32_t end, int32_t day,
    struct billing_period *q)
{
	struct billing_period p[4];
	int32_t from;
	size_t n;

	if (date_add_months(day, -s->months, &from) != 0)
		from = DATE_MIN;	/* a bound of the search only */
	if ((n = billing_periods(s->start, end, s->months, s->align, from,
	    day + 1, p, 4)) == BILLING_PAST_CALENDAR)
		return 0;		/* sub_charges() says why */

	for (size_t i = 0; i < n; i++)
		if (p[i].start <= day && day < p[i].end) {
			*q = p[i];
			return 1;
		}
	return 0;
}

/*
 * The periods of a subscription starting in P, going on from the end of
 * its charged period running on the run's day (or ending on it): the
 * periods that one covers, wholly or in part (after a new billing day),
 * are left out, and the rest of the period its end falls inside after a
 * new billing day is charged by the run of the month it starts in.  (The
 * rest of the same period, after an end moved later, is sub_period()'s.)
 * per holds 4.
 */
static size_t
periods_to_charge(const struct run *r, const struct sub *s,
    const struct open_period *op, struct billing_period *per)
{
	struct billing_period all[4], q;
	size_t n = billing_periods(s->start, s->end, s->months, s->align,
	    r->p_start, r->p_end, all, 4), k = 0;

	if (n == BILLING_PAST_CALENDAR)
		return n;

	if (op != NULL && op->end >= r->p_start && op->end < r->p_end &&
	    period_containing(s, s->end, op->end, &q) &&
	    q.start < op->end && q.full_end != op->full_end) {
		per[k] = q;
		per[k++].start = op->end;
	}
	for (size_t i = 0; i < n && k < 4; i++)
		if (op == NULL || all[i].start >= op->end)
			per[k++] = all[i];
	return k;
}

/* Whether a run of P charged the subscription's period starting on day;
 * the first run of P has nothing to look up. */
static int
was_charged(const struct run *r, const char *id, int32_t day)
{
	char d[DATE_FMT_MAX], key[160], *k = key;
	int len, found;

	if (r->ncharged == 0)
		return 0;
	date_format(d, day);
	/* an id too long for the buffer gets one of its size */
	if ((len = snprintf(key, sizeof(key), "%s|%s", id, d)) >=
	    (int)sizeof(key)) {
		k = cli_realloc(NULL, (size_t)len + 1, 1);
		snprintf(k, (size_t)len + 1, "%s|%s", id, d);
	}
	found = keyset_find(r->charged, k, (size_t)len) != NULL;
	if (k != key)
		free(k);
	return found;
}

/* The charge of the days of q, a period or part of one not yet charged,
 * at the subscription's terms. */
static void
charge_period(struct run *r, const struct sub *s,
    const struct billing_period *q)
{
	struct bline *b = add_line(r, s->currency, SRC_SUB);
	__int128 net;

	copy_text(b->ref, sizeof(b->ref), s->id);
	copy_text(b->sku, sizeof(b->sku), s->sku);
	describe_period(b, s->product, q);
	b->qty = s->qty;
	b->unit_price = s->unit_price;
	/* its net must fit too, for the runs after to replay it */
	if (pricing_recurring((__int128)b->qty * b->unit_price, s->discount,
	    q->end - q->start, q->full_end - q->full_start, &b->amount) != 0 ||
	    pricing_net((__int128)b->qty * b->unit_price, s->discount,
	    &net) != 0)
		too_large(r, s->id);
	b->start = q->start;
	b->end = q->end;
	b->full_start = q->full_start;
	b->full_end = q->full_end;
	b->rqty = s->qty;
	b->rprice = s->unit_price;
	b->rdiscount = s->discount;
}

/* The charges of one subscription's periods starting in P. */
static void
sub_charges(struct run *r, const struct sub *s, const struct open_period *op,
    const struct billing_charged *c, size_t nc)
{
	struct billing_period per[4];
	size_t n;

	if (s->months == 0 || s->start == DATE_NONE)
		return;
	n = periods_to_charge(r, s, op, per);
	if (n == BILLING_PAST_CALENDAR) {
		cli_data_error(NULL, 0, NULL, "subscription '%s': a period of "
		    "it that starts in the month would end after 9999-12-31, "
		    "the last date there is: it cannot be billed", s->id);
		r->failed = 1;
		return;
	}
	/* a run of days after a pause is the run of its first day's month's
	 * (resume_charges()) */
	for (size_t i = 0, k; i < n; i++) {
		/* a period charged before is sub_period()'s, which charges
		 * the days of it that no run charged */
		for (k = 0; k < nc && c[k].fe != per[i].full_end; k++)
			;
		if (k < nc)
			continue;
		for (int32_t from = per[i].start, a, z; billable(s, from,
		    per[i].end, &a, &z) && a < r->p_end; from = z) {
			struct billing_period q = per[i];

			q.start = a;
			q.end = z;
			if (!was_charged(r, s->id, a))
				charge_period(r, s, &q);
		}
	}
}

/* ---- the charged periods ------------------------------------------------------ */

/*
 * What a subscription was billed for one of its periods is kept as
 * pieces, one a billing record: a charge bills days [start, end) of the
 * full period at its terms; a change bills days already billed the
 * difference between new terms and those they were billed at; a credit
 * takes days back.  Replayed in the order they were made, the pieces say
 * which days are billed (from the period's first day charged to where
 * its billed days end) and at what terms.  A run bills each period the
 * difference from what it should be: from the run's day, a change of
 * terms; after an end, a credit; and, when an end has been moved later
 * or taken away, the days it had left out, credited or never charged, at
 * the terms of the day.  Every line is worked out exactly from the terms
 * and rounded once (pricing_share()): a piece's amount is its net x its
 * days / the days of the full period, a change's the difference of the
 * two nets, not of two rounded amounts; a credit gives back each piece's
 * part of the days, so that a whole period credited is what it was
 * billed, to the cent.
 */
void
billing_charged_add(struct billing_charged *c, int32_t start,
    int32_t end, __int128 net, int charge)
{
	c->p = cli_grow(c->p, &c->cap, c->n + 1, sizeof(*c->p));
	c->p[c->n].start = c->p[c->n].origin = start;
	c->p[c->n].end = end;
	c->p[c->n].net = net;
	c->p[c->n++].charge = charge;
}

__int128
billing_charged_net(const struct billing_charged *c, int32_t d)
{
	__int128 net = 0;

	for (size_t i = 0; i < c->n; i++)
		if (c->p[i].start <= d && d < c->p[i].end)
			net += c->p[i].net;
	return net;
}

int32_t
billing_charged_to(const struct billing_charged *c)
{
	int32_t end = c->first;

	for (size_t i = 0; i < c->n; i++)
		if (c->p[i].charge && c->p[i].start < c->p[i].end &&
		    c->p[i].end > end)
			end = c->p[i].end;
	return end;
}

int
billing_charged_billed(const struct billing_charged *c, int32_t from,
    int32_t to, int64_t *sum)
{
	*sum = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct billing_piece *p = &c->p[i];
		int32_t a = p->start > from ? p->start : from;
		int32_t b = p->end < to ? p->end : to;
		int64_t upto, before;

		if (a < b && (pricing_share(p->net, b - p->origin, c->fe -
		    c->fs, &upto) != 0 || pricing_share(p->net, a - p->origin,
		    c->fe - c->fs, &before) != 0 ||
		    __builtin_add_overflow(*sum, upto - before, sum)))
			return -1;
	}
	return 0;
}

int
billing_charged_gap(const struct billing_charged *c, int32_t from,
    int32_t to, int32_t *a, int32_t *b)
{
	int moved = 1;

	while (moved && from < to) {	/* past the pieces that bill from */
		moved = 0;
		for (size_t i = 0; i < c->n; i++)
			if (c->p[i].start <= from && from < c->p[i].end) {
				from = c->p[i].end;
				moved = 1;
			}
	}
	if (from >= to)
		return 0;
	*a = from;
	*b = to;
	for (size_t i = 0; i < c->n; i++)
		if (c->p[i].start > from && c->p[i].start < *b &&
		    c->p[i].start < c->p[i].end)
			*b = c->p[i].start;
	return 1;
}

void
billing_charged_take_back(struct billing_charged *c, int32_t from,
    int32_t to)
{
	for (size_t i = 0; i < c->n; i++) {
		struct billing_piece p = c->p[i];

		if (p.end <= from || p.start >= to)
			continue;
		if (p.start < from && p.end > to) {
			billing_charged_add(c, to, p.end, p.net, p.charge);
			c->p[c->n - 1].origin = p.origin;
		}
		if (p.start < from)
			c->p[i].end = from;
		else if (p.end > to)
			c->p[i].start = to;
		else
			c->p[i].end = c->p[i].start;
	}
}

/* A line of subscription s of the days [from, to) of charged period c. */
static struct bline *
period_line(struct run *r, const struct sub *s,
    const struct billing_charged *c, enum source src, int32_t from,
    int32_t to)
{
	struct bline *b = add_line(r, s->currency, src);
	char a[DATE_FMT_MAX], z[DATE_FMT_MAX];
	struct billing_period p = { from, to, c->fs, c->fe };

	copy_text(b->ref, sizeof(b->ref), s->id);
	copy_text(b->sku, sizeof(b->sku), s->sku);
	date_format(a, from);
	date_format(z, to - 1);
	if (src == SRC_SUB)
		describe_period(b, s->product, &p);
	else if (src == SRC_CHANGE)
		describe(b, "Change: %s, %s to %s (%d/%d days at the new "
		    "terms)", s->product, a, z, (int)(to - from),
		    (int)(c->fe - c->fs));
	b->start = from;
	b->end = to;
	b->full_start = c->fs;
	b->full_end = c->fe;
	if (src != SRC_CREDIT) {
		b->rqty = s->qty;
		b->rprice = s->unit_price;
		b->rdiscount = s->discount;
	}
	return b;
}

/*
 * The days [from, to) billed at other terms than the subscription's,
 * now: each run of days at one net is billed the difference, a line of
 * its own, unless it comes to less than half a minor unit.
 */
static void
change_days(struct run *r, const struct sub *s, struct billing_charged *c,
    __int128 now, int32_t from, int32_t to)
{
	while (from < to) {
		__int128 was = billing_charged_net(c, from);
		int32_t until = to;
		int64_t amount = 0;
		struct bline *b;

		for (size_t i = 0; i < c->n; i++) {
			if (c->p[i].start > from && c->p[i].start < until)
				until = c->p[i].start;
			if (c->p[i].end > from && c->p[i].end < until)
				until = c->p[i].end;
		}
		if (was != now && pricing_share(now - was, until - from,
		    c->fe - c->fs, &amount) != 0) {
			too_large(r, s->id);
			return;
		}
		if (was != now && amount != 0) {
			b = period_line(r, s, c, SRC_CHANGE, from, until);
			b->amount = amount;
			billing_charged_add(c, from, until, now - was, 0);
		}
		from = until;
	}
}

/* What is billed of the days [from, to), back: days `why` ("unused"
 * after an end, or "paused"). */
static void
credit_days(struct run *r, const struct sub *s, struct billing_charged *c,
    int32_t from, int32_t to, const char *why)
{
	char a[DATE_FMT_MAX], z[DATE_FMT_MAX];
	int64_t billed;
	struct bline *b;

	if (billing_charged_billed(c, from, to, &billed) != 0 ||
	    billed == INT64_MIN) {	/* its line is -billed */
		cli_data_error(NULL, 0, NULL, "subscription '%s': the credit "
		    "is too large", s->id);
		r->failed = 1;
		return;
	}
	b = period_line(r, s, c, SRC_CREDIT, from, to);
	date_format(a, from);
	date_format(z, to - 1);
	describe(b, "Credit: %s, %s to %s (%d/%d days %s)", s->product, a, z,
	    (int)(to - from), (int)(c->fe - c->fs), why);
	b->amount = -billed;
	billing_charged_take_back(c, from, to);
}

static const char why_paused[] = "paused";

/* What is billed of the days [from, to), back, a line for each run of
 * days billed: a pause credited before may have left a gap among them. */
static void
credit_billed(struct run *r, const struct sub *s, struct billing_charged *c,
    int32_t from, int32_t to, const char *why)
{
	int32_t a, z;

	while (from < to) {
		if (!billing_charged_gap(c, from, to, &a, &z))
			a = z = to;
		if (a > from)
			credit_days(r, s, c, from, a, why);
		from = z;
	}
}

/* The days [from, to) charged, at the terms of the day. */
static void
charge_days(struct run *r, const struct sub *s, struct billing_charged *c,
    __int128 now, int32_t from, int32_t to)
{
	struct bline *b = period_line(r, s, c, SRC_SUB, from, to);

	b->qty = s->qty;
	b->unit_price = s->unit_price;
	if (pricing_share(now, to - from, c->fe - c->fs, &b->amount) != 0)
		too_large(r, s->id);
	billing_charged_add(c, from, to, now, 1);
}

/*
 * One charged period against the subscription as it is, while it is one
 * of its periods still: a change of its terms from the run's day up to
 * its end, when the period has begun by the end of P; an end before the
 * end of P credits the days billed after it, and a pause begun by then
 * the days billed in it; the days up to the end that are not billed nor
 * paused from `owed` (owed_from()) on (after an end moved later or
 * taken away, or a pause cut short or taken away) are charged at the
 * terms of the day, once the run is for the month they start in or a
 * later one.
 */
static void
sub_period(struct run *r, const struct sub *s, struct billing_charged *c,
    int32_t owed)
{
	int32_t to = billing_charged_to(c), on = r->o->on;
	int32_t end = s->end != DATE_NONE && s->end < c->fe ? s->end : c->fe;
	int32_t from = on > c->first ? on : c->first, a, z;
	struct billing_period q;
	__int128 now;
	/* After a new billing day or period the terms are not those of
	 * this period, and what follows it is periods_to_charge()'s. */
	int same = s->months > 0 && s->start != DATE_NONE &&
	    period_containing(s, DATE_NONE, c->first, &q) &&
	    q.full_end == c->fe;

	if (pricing_net((__int128)s->qty * s->unit_price, s->discount,
	    &now) != 0) {
		too_large(r, s->id);
		return;
	}
	if (same && c->first < r->p_end)	/* a later one's is its month's */
		for (int32_t d = from; billable(s, d, to < end ? to : end, &a,
		    &z); d = z)
			change_days(r, s, c, now, a, z);
	from = s->end > c->first ? s->end : c->first;
	if (s->end != DATE_NONE && s->end < r->p_end)
		credit_billed(r, s, c, from, to, "unused");
	for (size_t i = 0; i < s->npause; i++) {
		const struct pause *p = &s->pause[i];

		if (p->start < r->p_end)
			credit_billed(r, s, c, p->start > c->first ? p->start :
			    c->first, p->end != DATE_NONE && p->end < c->fe ?
			    p->end : c->fe, why_paused);
	}
	if (!same)
		return;
	for (int32_t d = owed; billable(s, d, end, &a, &z); d = z)
		for (int32_t g = a, ga, gz; g < z && billing_charged_gap(c, g, z,
		    &ga, &gz) && ga < r->p_end; g = gz)
			charge_days(r, s, c, now, ga, gz);
}

/* The order of two invoice ids of runs: INV-2026-1000000 comes after
 * INV-2026-999999, so a number with more digits is later. */
static int
invoice_order(const char *a, const char *b)
{
	const char *x = strrchr(a, '-'), *y = strrchr(b, '-');
	size_t lx, ly;

	if (x != NULL && y != NULL && x - a == y - b &&
	    strncmp(a, b, (size_t)(x - a)) == 0 &&
	    (lx = strlen(x)) != (ly = strlen(y)))
		return lx < ly ? -1 : 1;
	return strcmp(a, b);
}

/* Whether row x was made before row y: by period, then invoice and line
 * (a run's records are in the order it made its lines). */
static int
made_before(const struct run *r, const struct row *x, const struct row *y)
{
	int c;

	if (x->fe != y->fe)
		return x->fe < y->fe;
	if ((c = invoice_order(r->names + x->invoice, r->names +
	    y->invoice)) != 0)
		return c < 0;
	return x->line_no < y->line_no;
}

/* A subscription's rows in the order they were made: a few, from key
 * order. */
static void
sort_made(const struct run *r, struct row *w, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct row x = w[i];
		size_t j = i;

		for (; j > 0 && made_before(r, &x, &w[j - 1]); j--)
			w[j] = w[j - 1];
		w[j] = x;
	}
}

/* The charged periods of rows (sorted by sort_made()) replayed; *n of
 * them, for the caller to free with free_periods(). */
static struct billing_charged *
replay(struct run *r, const struct sub *s, const struct row *w, size_t nw,
    size_t *n)
{
	struct billing_charged *c = NULL;
	size_t cap = 0;
	__int128 net = 0;

	*n = 0;
	for (size_t i = 0; i < nw; i++) {
		struct billing_charged *g;

		if (*n == 0 || c[*n - 1].fe != w[i].fe) {
			c = cli_grow(c, &cap, *n + 1, sizeof(*c));
			g = &c[(*n)++];
			memset(g, 0, sizeof(*g));
			g->fs = w[i].fs;
			g->fe = w[i].fe;
			g->first = w[i].start;
		}
		g = &c[*n - 1];
		if (w[i].kind != 'r' && pricing_net((__int128)w[i].qty *
		    w[i].price, w[i].discount, &net) != 0) {
			too_large(r, s->id);
			continue;
		}
		if (w[i].kind == 'h') {
			if (w[i].start < g->first)
				g->first = w[i].start;
			billing_charged_add(g, w[i].start, w[i].end, net, 1);
		} else if (w[i].kind == 'n')
			billing_charged_add(g, w[i].start, w[i].end, net -
			    billing_charged_net(g, w[i].start), 0);
		else
			billing_charged_take_back(g, w[i].start, w[i].end);
	}
	return c;
}

static void
free_periods(struct billing_charged *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].p);
	free(c);
}

/* The period running on the run's day or ending on it, with days billed
 * to then: the one first charged last on or before the day. */
static int
running_period(const struct run *r, const struct billing_charged *c, size_t n,
    struct open_period *op)
{
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		int32_t to = billing_charged_to(&c[i]);

		if (c[i].first <= r->o->on && to >= r->o->on && (!found ||
		    c[i].first > op->start)) {
			op->start = c[i].first;
			op->end = to;
			op->full_end = c[i].fe;
			found = 1;
		}
	}
	return found;
}

static void
one_time_lines(struct run *r, struct db_stmt *s)
{
	struct bline *b = add_line(r, db_text(s, 1), SRC_ONE_TIME);

	copy_text(b->ref, sizeof(b->ref), db_text(s, 2));
	b->ref_line = db_int(s, 3);
	copy_text(b->sku, sizeof(b->sku), db_text(s, 4));
	describe(b, "%s (order %s)", db_text(s, 5), db_text(s, 2));
	b->qty = db_int(s, 6);
	b->unit_price = db_int(s, 7);
	b->amount = db_int(s, 8);
	b->rdiscount = db_int(s, 9);
}

/* The quantity of a month of sql_usage or sql_late; -1 when it does not
 * fit, told. */
static int
usage_quantity(struct run *r, struct db_stmt *s, const char *month,
    int64_t *qty)
{
	if (!db_null(s, 6)) {
		*qty = db_int(s, 6);
		return 0;
	}
	if (money_mul(db_int(s, 4), (int64_t)1 << 32, 0, qty) == MONEY_OK &&
	    money_add(*qty, db_int(s, 5), qty) == MONEY_OK)
		return 0;
	cli_data_error(NULL, 0, NULL, "usage of account '%s': the quantities "
	    "of '%s' in %s add up past 64 bits", db_text(s, 0), db_text(s, 2),
	    month);
	r->failed = 1;
	return -1;
}

/* The line of a quantity of usage through a price book; -1 when it
 * cannot be priced, told. */
static int
usage_price(struct run *r, struct db_stmt *s, struct pricing_book *book,
    const char *month, int64_t qty, struct pricing_line *pl)
{
	const struct pricing_product *p;
	char why[PRICING_WHY_MAX];
	int tier;

	p = pricing_book_find(book, db_text(s, 2), db_text(s, 1), why,
	    sizeof(why));
	if (p == NULL) {
		cli_data_error(NULL, 0, NULL, "usage of account '%s' in %s: %s",
		    db_text(s, 0), month, why);
		r->failed = 1;
		return -1;
	}
	if (pricing_line(pricing_gross(p->model, p->tier, p->ntier, qty,
	    &tier), qty, 0, pl) != 0) {
		cli_data_error(NULL, 0, NULL, "usage of account '%s' in %s: the "
		    "amount is too large", db_text(s, 0), month);
		r->failed = 1;
		return -1;
	}
	return 0;
}

static struct bline *
usage_line(struct run *r, struct db_stmt *s)
{
	struct bline *b = add_line(r, db_text(s, 1), SRC_USAGE);

	copy_text(b->ref, sizeof(b->ref), db_text(s, 0));	/* account */
	copy_text(b->sku, sizeof(b->sku), db_text(s, 2));
	return b;
}

static void
usage_lines(struct run *r, struct db_stmt *s)
{
	struct pricing_line pl;
	struct bline *b;
	int64_t qty;

	if (usage_quantity(r, s, r->usage_month, &qty) != 0 ||
	    usage_price(r, s, r->book, r->usage_month, qty, &pl) != 0)
		return;
	if (qty == 0 && pl.amount == 0)
		return;		/* nothing used, and no fee for it */
	b = usage_line(r, s);
	describe(b, "%s, usage in %s", db_text(s, 3), r->usage_month);
	b->qty = b->used = qty;
	b->unit_price = pl.list_unit;
	b->amount = pl.amount;
	b->start = r->u_start;
	b->end = r->u_end;
}

/* The book of a month of late usage, opened the first time it is asked
 * for: the prices it was billed at. */
static struct month_book *
book_of(struct run *r, const char *month)
{
	struct month_book *mb;
	int32_t m;

	for (size_t i = 0; i < r->nbooks; i++)
		if (strcmp(r->books[i].month, month) == 0)
			return &r->books[i];
	if (date_parse_month(month, strlen(month), &m) != 0)
		cli_die(CLI_EIO, "usage_months: '%s' is not a month", month);
	r->books = cli_grow(r->books, &r->capbooks, r->nbooks + 1,
	    sizeof(*r->books));
	mb = &r->books[r->nbooks++];
	copy_text(mb->month, sizeof(mb->month), month);
	mb->start = date_month_start(m);
	mb->end = date_month_end(m);
	mb->book = pricing_book_open(r->rd, mb->start);
	return mb;
}

/*
 * A month of usage billed before, with events written since: its whole
 * quantity priced again, as when it was first billed, less what its
 * lines have billed.  The line's amount is what the month gained (or
 * lost, as a last reading can), its quantity how many units more or
 * fewer, never negative on an invoice: fewer units are a credit, as a
 * credit of days is, at a unit price below zero.
 */
static void
late_lines(struct run *r, struct db_stmt *s)
{
	const char *month = db_text(s, 7);
	struct month_book *mb = book_of(r, month);
	struct pricing_line pl;
	struct bline *b;
	int64_t qty, dq, da, unit = 0;

	if (usage_quantity(r, s, month, &qty) != 0 ||
	    usage_price(r, s, mb->book, month, qty, &pl) != 0)
		return;
	if (__builtin_sub_overflow(qty, db_int(s, 8), &dq) ||
	    dq == INT64_MIN ||
	    __builtin_sub_overflow(pl.amount, db_int(s, 9), &da) ||
	    (dq != 0 && money_div((__int128)da * E6 * E6, dq < 0 ? -dq : dq,
	    &unit) != MONEY_OK)) {
		cli_data_error(NULL, 0, NULL, "late usage of account '%s': "
		    "the amount is too large", db_text(s, 0));
		r->failed = 1;
		return;
	}
	if (dq == 0 && da == 0)
		return;
	b = usage_line(r, s);
	describe(b, "%s, usage of %s, late", db_text(s, 3), month);
	b->qty = dq < 0 ? -dq : dq;
	b->used = dq;
	b->unit_price = unit;
	b->amount = da;
	b->start = mb->start;
	b->end = mb->end;
}

/* ---- helpers ------------------------------------------------------------------ */

/* The rows of st, (key, value), in the order they come; finalizes st. */
static struct pair *
load_pairs(struct db_stmt *st, size_t *n)
{
	size_t cap = 0;
	/* never NULL: qsort() and bsearch() take none, even of no pair */
	struct pair *p = cli_grow(NULL, &cap, 1, sizeof(*p));

	for (*n = 0; db_row(st); (*n)++) {
		p = cli_grow(p, &cap, *n + 1, sizeof(*p));
		p[*n].key = cli_strdup(db_text(st, 0));
		p[*n].value = cli_strdup(db_text(st, 1));
	}
	db_finalize(st);
	return p;
}

static int
by_pair_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pair *)elem)->key);
}

static void
free_pairs(struct pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

/* ---- the run's invoices, in batches ------------------------------------------- */

/*
 * The biller (the thread that reads and works out the lines) hands what it
 * made to the writer thread a batch at a time, some accounts' invoices
 * and their lines, and goes on while they are inserted.  The batches are
 * kept: the run's output is written from them, not read back.  A batch's
 * texts are in its arena, at offsets.  Once handed over, only the writer
 * changes it, filling in the lines' tax.
 */
#define BATCH_LINES 4096
#define BATCH_SLOTS 4

struct made_invoice {
	size_t id, account;		/* in text */
	char currency[4];
	size_t first, nlines;		/* its lines in line[] */
};

struct made_line {
	enum source src;
	int line_no, ref_line;
	size_t ref, sku, description;	/* in text */
	int64_t qty, unit_price, amount;
	int64_t discount;		/* SRC_SUB, SRC_ONE_TIME: bline.rdiscount */
	int64_t used;			/* usage: what it adds to the month's */
	int64_t tax;			/* filled in by the writer */
	char start[DATE_FMT_MAX];	/* service period, or "" */
	char end[DATE_FMT_MAX];
};

struct batch {
	struct batch *next;		/* the run's next */
	struct made_invoice *inv;
	struct made_line *line;
	char *text;
	size_t ninv, nline, ntext, capinv, capline, captext;
};

/* The offset in *text (of *n bytes, *cap allocated) of a copy of s. */
static size_t
text_keep(char **text, size_t *n, size_t *cap, const char *s)
{
	size_t len = strlen(s) + 1, at = *n;

	*text = cli_grow(*text, cap, at + len, 1);
	memcpy(*text + at, s, len);
	*n += len;
	return at;
}

static size_t
batch_text(struct batch *b, const char *s)
{
	return text_keep(&b->text, &b->ntext, &b->captext, s);
}

static void
batch_new(struct run *r)
{
	struct batch *b = cli_calloc(1, sizeof(*b));

	*r->last = b;
	r->last = &b->next;
	r->fill = b;
}

static void
batch_free(struct batch *b)
{
	while (b != NULL) {
		struct batch *next = b->next;

		free(b->inv);
		free(b->line);
		free(b->text);
		free(b);
		b = next;
	}
}

/* ---- the writer thread ---------------------------------------------------------- */

/* What the writer thread inserts with: the run's own connection, which no
 * other thread uses meanwhile, and the texts every row shares. */
struct writer {
	struct db *db;
	struct db_rows *invoices, *lines;
	struct db_stmt *order_billed, *usage_billed;
	int some, rates_read;
	struct rates rates;	/* read at the first invoice: a run that
				 * bills nothing reads none */
	const char *issued, *due;
};

static int
by_pair(const void *a, const void *b)
{
	return strcmp(((const struct pair *)a)->key,
	    ((const struct pair *)b)->key);
}

static int
by_rate(const void *a, const void *b)
{
	return strcmp(((const struct rate *)a)->account,
	    ((const struct rate *)b)->account);
}

/*
 * The rate of each account to bill (some: those in run_accounts) whose
 * region has one; the accounts' keys noted as read.  Sorted here, in
 * bytes as bsearch() compares, whatever order the database's collation
 * gives (the accounts come in the table's, which is mostly theirs).
 */
static void
load_rates(struct db *db, int some, struct rates *rs)
{
	size_t ntax;
	struct pair *tax = load_pairs(db_prepare(db, sql_tax_rates), &ntax);
	struct db_stmt *st = db_prepare(db, sql_regions);
	int sorted = 1;

	qsort(tax, ntax, sizeof(*tax), by_pair);
	db_bind_int(st, 1, some);
	db_stmt_keys(st, 0);
	while (db_row(st)) {
		const struct pair *t = db_null(st, 1) ? NULL :
		    bsearch(db_text(st, 1), tax, ntax, sizeof(*tax),
		    by_pair_key);

		if (t == NULL)
			continue;
		rs->r = cli_grow(rs->r, &rs->cap, rs->n + 1, sizeof(*rs->r));
		rs->r[rs->n].at = text_keep(&rs->text, &rs->ntext,
		    &rs->captext, db_text(st, 0));
		rs->r[rs->n++].micro = strtoll(t->value, NULL, 10);
	}
	db_finalize(st);
	free_pairs(tax, ntax);
	for (size_t i = 0; i < rs->n; i++) {
		rs->r[i].account = rs->text + rs->r[i].at;
		if (i > 0 && strcmp(rs->r[i - 1].account, rs->r[i].account) > 0)
			sorted = 0;
	}
	if (!sorted)
		qsort(rs->r, rs->n, sizeof(*rs->r), by_rate);
}

static int
by_rate_account(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rate *)elem)->account);
}

/* The tax rate of an account's invoices: 0 where its region has none. */
static int64_t
tax_rate(struct writer *w, const char *account)
{
	const struct rate *r;

	if (!w->rates_read) {
		load_rates(w->db, w->some, &w->rates);
		w->rates_read = 1;
	}
	r = w->rates.n == 0 ? NULL : bsearch(account, w->rates.r,
	    w->rates.n, sizeof(*w->rates.r), by_rate_account);

	return r != NULL ? r->micro : 0;
}

static void
write_invoice(struct writer *w, const struct batch *b,
    const struct made_invoice *iv)
{
	int k;
	struct db_stmt *st = db_rows_add(w->invoices, &k);

	db_bind_text(st, k, b->text + iv->id);
	db_bind_text(st, k + 1, b->text + iv->account);
	db_bind_text(st, k + 2, w->issued);
	db_bind_text(st, k + 3, w->due);
	db_bind_text(st, k + 4, iv->currency);
	db_bind_text(st, k + 5, "open");
}

/* A line of units at terms has the discount of its terms; a change or a
 * credit of days and usage have none. */
static int
has_discount(const struct made_line *l)
{
	return l->src == SRC_SUB || l->src == SRC_ONE_TIME;
}

static void
write_line(struct writer *w, const struct batch *b,
    const struct made_invoice *iv, const struct made_line *l)
{
	int k;
	struct db_stmt *st = db_rows_add(w->lines, &k);

	db_bind_text(st, k, b->text + iv->id);
	db_bind_text(st, k + 1, b->text + iv->account);
	db_bind_int(st, k + 2, l->line_no);
	db_bind_text(st, k + 3, b->text + l->sku);
	db_bind_text(st, k + 4, b->text + l->description);
	if (l->src == SRC_CHANGE || l->src == SRC_CREDIT) {
		/* an amount of days, not units */
		db_bind_null(st, k + 5);
		db_bind_null(st, k + 6);
	} else {
		db_bind_int(st, k + 5, l->qty);
		db_bind_int(st, k + 6, l->unit_price);
	}
	if (has_discount(l))
		db_bind_int(st, k + 7, l->discount);
	else
		db_bind_null(st, k + 7);
	db_bind_int(st, k + 8, l->amount);
	db_bind_int(st, k + 9, l->tax);
	if (l->start[0] != '\0') {
		db_bind_text(st, k + 10, l->start);
		db_bind_text(st, k + 11, l->end);
	} else {
		db_bind_null(st, k + 10);
		db_bind_null(st, k + 11);
	}
}

/* An order line or a month of usage billed: what it was billed on. */
static void
write_billed(struct writer *w, const struct batch *b,
    const struct made_invoice *iv, const struct made_line *l)
{
	char month[MONTH_FMT_MAX];
	struct db_stmt *st;

	switch (l->src) {
	case SRC_ONE_TIME:
		st = w->order_billed;
		db_bind_text(st, 1, b->text + l->ref);
		db_bind_int(st, 2, l->ref_line);
		db_bind_text(st, 3, b->text + iv->id);
		db_done(st);
		break;
	case SRC_USAGE:
		/* the month of use: its service period's */
		snprintf(month, sizeof(month), "%.7s", l->start);
		st = w->usage_billed;
		db_bind_text(st, 1, b->text + l->ref);
		db_bind_text(st, 2, b->text + l->sku);
		db_bind_text(st, 3, month);
		db_bind_text(st, 4, b->text + iv->id);
		db_bind_int(st, 5, l->line_no);
		db_bind_int(st, 6, l->used);
		db_bind_int(st, 7, l->amount);
		db_done(st);
		break;
	default:
		break;		/* billing_records are written at the end */
	}
}

/* The handoff's work: one batch, on the writer thread.  An account's
 * invoices (one per currency) come one after the other. */
static void
write_batch(void *ctx, void *slot)
{
	struct writer *w = ctx;
	struct batch *b = *(struct batch **)slot;
	int64_t rate = 0;

	for (size_t i = 0; i < b->ninv; i++) {
		const struct made_invoice *iv = &b->inv[i];
		int64_t size = 0;
		int big = 0;

		if (i == 0 || strcmp(b->text + iv->account,
		    b->text + b->inv[i - 1].account) != 0)
			rate = tax_rate(w, b->text + iv->account);
		write_invoice(w, b, iv);
		for (size_t j = iv->first; j < iv->first + iv->nlines; j++) {
			struct made_line *l = &b->line[j];

			l->tax = 0;
			if ((billing_tax(l->amount, rate, &l->tax) != 0 ||
			    money_add_magnitude(&size, l->amount) != MONEY_OK ||
			    money_add_magnitude(&size, l->tax) != MONEY_OK) &&
			    !big++)
				cli_data_error(NULL, 0, NULL, "account '%s': "
				    "the invoice in %s does not fit in 64 bits "
				    "at line %d (its total with tax)",
				    b->text + iv->account, iv->currency,
				    l->line_no);
			write_line(w, b, iv, l);
			write_billed(w, b, iv, l);
		}
	}
}

static void
writer_open(struct writer *w, const struct run *r)
{
	w->db = r->db;
	w->invoices = db_rows_new(r->db, sql_invoices, 6);
	w->lines = db_rows_new(r->db, sql_lines, 12);
	w->order_billed = db_prepare(r->db, sql_order_billed);
	w->usage_billed = db_prepare(r->db, sql_usage_billed);
	w->some = r->some;
	w->rates_read = 0;
	memset(&w->rates, 0, sizeof(w->rates));
	w->issued = r->issued;
	w->due = r->due;
}

/* Writes the rows left and frees the writer, once its thread is done. */
static void
writer_close(struct writer *w)
{
	db_rows_flush(w->invoices);
	db_rows_flush(w->lines);
	db_rows_free(w->invoices);
	db_rows_free(w->lines);
	db_finalize(w->order_billed);
	db_finalize(w->usage_billed);
	free(w->rates.r);
	free(w->rates.text);
}

/* ---- one account's invoices --------------------------------------------------- */

/*
 * billing_records are kept by the end of their period and written at the
 * end of the run, an end at a time in order, each end's as the run made
 * them.  The table is keyed by the end, then the account and the
 * subscription; the run goes account by account, and so each end's come
 * in that order (but for an account's in a second currency, a few places
 * back), and each new page fills once instead of at random, with no sort.
 */
struct record {
	size_t sub, account;	/* in run.text */
	int32_t start, end, full_start;
	const char *kind;
	char invoice[40];
	int line_no;
	int64_t amount;
	int64_t qty, price, discount;	/* but a credit's */
};

struct records {
	int32_t full_end;
	struct record *rec;
	size_t n, cap;
};

/* The order of two subscriptions, by (account, id) as text. */
static int
sub_order(const char *account, const char *id, const char *account2,
    const char *id2)
{
	int c = strcmp(account, account2);

	return c != 0 ? c : strcmp(id, id2);
}

static void
keep_record(struct run *r, const struct bline *b, const char *account,
    const char *inv)
{
	struct records *e;
	struct record *rec;

	/* an account's lines are mostly of one end, and there are few */
	if (r->nrecs == 0 || r->recs[r->at_recs].full_end != b->full_end) {
		for (r->at_recs = 0; r->at_recs < r->nrecs &&
		    r->recs[r->at_recs].full_end != b->full_end; r->at_recs++)
			;
		if (r->at_recs == r->nrecs) {
			r->recs = cli_grow(r->recs, &r->caprecs, r->nrecs + 1,
			    sizeof(*r->recs));
			e = &r->recs[r->nrecs++];
			e->full_end = b->full_end;
			e->rec = NULL;
			e->n = e->cap = 0;
		}
	}
	e = &r->recs[r->at_recs];
	e->rec = cli_grow(e->rec, &e->cap, e->n + 1, sizeof(*e->rec));
	rec = &e->rec[e->n++];
	rec->sub = text_keep(&r->text, &r->ntext, &r->captext, b->ref);
	rec->account = text_keep(&r->text, &r->ntext, &r->captext, account);
	rec->start = b->start;
	rec->end = b->end;
	rec->full_start = b->full_start;
	rec->qty = b->rqty;
	rec->price = b->rprice;
	rec->discount = b->rdiscount;
	rec->kind = b->src == SRC_SUB ? "charge" : b->src == SRC_CHANGE ?
	    "change" : "credit";
	copy_text(rec->invoice, sizeof(rec->invoice), inv);
	rec->line_no = b->line_no;
	rec->amount = b->amount;
}

static int
by_end(const void *a, const void *b)
{
	const struct records *x = a, *y = b;

	return x->full_end < y->full_end ? -1 : x->full_end > y->full_end;
}

/* A day as text, formatted again only when it changes: the records of
 * one end are mostly of the same days. */
struct day_text {
	int set;
	int32_t day;
	char s[DATE_FMT_MAX];
};

static const char *
day_text(struct day_text *t, int32_t day)
{
	if (!t->set || t->day != day) {
		date_format(t->s, day);
		t->day = day;
		t->set = 1;
	}
	return t->s;
}

static void
write_records(struct run *r)
{
	struct db_rows *rows;

	if (r->nrecs == 0)
		return;
	qsort(r->recs, r->nrecs, sizeof(*r->recs), by_end);
	rows = db_rows_new(r->db, sql_records, 13);
	for (size_t j = 0; j < r->nrecs; j++) {
		const struct records *e = &r->recs[j];
		struct day_text from = { 0 }, to = { 0 }, full_from = { 0 };
		char full_to[DATE_FMT_MAX];

		date_format(full_to, e->full_end);
		for (size_t i = 0; i < e->n; i++) {
			const struct record *rec = &e->rec[i];
			int k;
			struct db_stmt *st = db_rows_add(rows, &k);

			db_bind_text(st, k, r->text + rec->sub);
			db_bind_text(st, k + 1, r->text + rec->account);
			db_bind_text(st, k + 2, day_text(&from, rec->start));
			db_bind_text(st, k + 3, day_text(&to, rec->end));
			db_bind_text(st, k + 4, rec->kind);
			db_bind_text(st, k + 5, rec->invoice);
			db_bind_int(st, k + 6, rec->line_no);
			db_bind_int(st, k + 7, rec->amount);
			db_bind_text(st, k + 8, day_text(&full_from,
			    rec->full_start));
			db_bind_text(st, k + 9, full_to);
			if (strcmp(rec->kind, "credit") == 0) {
				db_bind_null(st, k + 10);
				db_bind_null(st, k + 11);
				db_bind_null(st, k + 12);
			} else {
				db_bind_int(st, k + 10, rec->qty);
				db_bind_int(st, k + 11, rec->price);
				db_bind_int(st, k + 12, rec->discount);
			}
		}
		r->records += (long)e->n;
	}
	db_rows_flush(rows);
	db_rows_free(rows);
}

/* The ends billed of the subscriptions kept by keep_end(), through
 * run_ends: statements for all of them, not one a subscription. */
static void
write_ends(struct run *r)
{
	struct db_stmt *forget = db_prepare(r->db, sql_ends_forget);
	struct db_rows *rows;

	db_bind_day(forget, 1, r->horizon);
	db_done(forget);
	db_finalize(forget);
	if (r->nends == 0)
		return;
	db_temp_table(r->db, "run_ends", "account_id TEXT NOT NULL, "
	    "subscription_id TEXT NOT NULL, end_billed TEXT, "
	    "PRIMARY KEY (account_id, subscription_id)");
	rows = db_rows_new(r->db, sql_ends_keep, 3);
	for (size_t i = 0; i < r->nends; i++) {
		int k;
		struct db_stmt *st = db_rows_add(rows, &k);

		db_bind_text(st, k, r->text + r->ends[i].account);
		db_bind_text(st, k + 1, r->text + r->ends[i].sub);
		db_bind_day(st, k + 2, r->ends[i].end);
	}
	db_rows_flush(rows);
	db_rows_free(rows);
	db_exec(r->db, sql_ends_drop);
	db_exec(r->db, sql_ends_set);
}

static void
make_line(struct run *r, const struct bline *b)
{
	struct batch *f = r->fill;
	struct made_line *l;

	f->line = cli_grow(f->line, &f->capline, f->nline + 1,
	    sizeof(*f->line));
	l = &f->line[f->nline++];
	l->src = b->src;
	l->line_no = b->line_no;
	l->ref_line = b->ref_line;
	l->ref = batch_text(f, b->ref);
	l->sku = batch_text(f, b->sku);
	l->description = batch_text(f, b->description);
	l->qty = b->qty;
	l->unit_price = b->unit_price;
	l->amount = b->amount;
	l->used = b->used;
	l->discount = b->rdiscount;
	l->start[0] = l->end[0] = '\0';
	if (b->start != DATE_NONE) {
		date_format(l->start, b->start);
		date_format(l->end, b->end);
	}
	r->lines++;
	if (b->src == SRC_ONE_TIME)
		r->orders++;
	else if (b->src == SRC_USAGE)
		r->usage_rows++;
}

/* The invoice of the account's lines in one currency, numbered. */
static void
make_invoice(struct run *r, const char *account, const char *currency)
{
	struct batch *f = r->fill;
	struct made_invoice *iv;
	char id[40];
	int line_no = 0;

	if (r->next_invoice == 0)
		r->first_invoice = r->next_invoice = db_next_number(r->rd,
		    "invoices", "invoice_id", r->prefix);
	snprintf(id, sizeof(id), "%s-%06lld", r->prefix, r->next_invoice++);
	f->inv = cli_grow(f->inv, &f->capinv, f->ninv + 1, sizeof(*f->inv));
	iv = &f->inv[f->ninv++];
	iv->id = batch_text(f, id);
	iv->account = batch_text(f, account);
	memcpy(iv->currency, currency, sizeof(iv->currency));
	iv->first = f->nline;
	for (size_t j = 0; j < r->n; j++) {
		struct bline *b = &r->l[j];

		if (b->line_no != 0 || strcmp(b->currency, currency) != 0)
			continue;
		b->line_no = ++line_no;
		make_line(r, b);
		if (b->src == SRC_SUB || b->src == SRC_CHANGE ||
		    b->src == SRC_CREDIT)
			keep_record(r, b, account, id);
	}
	iv->nlines = f->nline - iv->first;
	r->invoices++;
}

/* Hands the batch filled to the writer thread. */
static void
hand_over(struct run *r)
{
	struct batch **slot = handoff_take(r->handoff);

	*slot = r->fill;
	handoff_give(r->handoff, slot);
	r->fill = NULL;
}

/* One invoice per currency, in the order the currencies come. */
static void
make_account(struct run *r, const char *account)
{
	if (r->n == 0)
		return;
	if (r->fill == NULL)
		batch_new(r);
	for (size_t i = 0; i < r->n; i++)
		if (r->l[i].line_no == 0)
			make_invoice(r, account, r->l[i].currency);
	lines_done(r);
	if (r->fill->nline >= BATCH_LINES)
		hand_over(r);
}

/* ---- the output ------------------------------------------------------------------ */

/* sql with the ids of the run's invoices numbered first to last (of one
 * length) bound to ?1 and ?2: its ids are consecutive, and the write
 * lock kept anyone else from taking one in between. */
static struct db_stmt *
prepare_made(const struct run *r, const char *sql, long long first,
    long long last)
{
	struct db_stmt *st = db_prepare(r->db, sql);
	char id[40];

	snprintf(id, sizeof(id), "%s-%06lld", r->prefix, first);
	db_bind_text(st, 1, id);
	snprintf(id, sizeof(id), "%s-%06lld", r->prefix, last);
	db_bind_text(st, 2, id);
	return st;
}

/*
 * The run writes the lines of the invoices it made, as `export` of entity
 * invoices would (export_rows()): formatted from the batches on a
 * thread of its own while the run writes its billing records and
 * commits, and held until it has.  The rows are in the order of their
 * ids, which are consecutive and of one length; the invoices are open,
 * as made, but those account credit paid, whose status is read first.
 * When the ids grew a digit, and no longer sort as numbers, the rows are
 * read back.
 */
#define OUT_CELLS 16	/* entity invoices' columns, as put_line() writes them */

struct output {
	const struct run *r;
	struct pair *not_open;		/* statuses by id */
	size_t nnot_open;
	pthread_t thread;
	int threaded;
	char *buf;
	size_t len;
	int failed;
};

static void
put_text(struct out *out, const char *s)
{
	out_text(out, s, strlen(s));
}

static void
put_day(struct out *out, const char *day)
{
	if (day[0] == '\0')
		out_null(out);
	else
		put_text(out, day);
}

static void
put_line(struct out *out, const struct run *r, const struct batch *b,
    const struct made_invoice *iv, const struct made_line *l,
    const char *status)
{
	const struct currency *c = money_currency(iv->currency, 3);
	int exponent = c != NULL ? c->exponent : 2;

	put_text(out, b->text + iv->id);
	put_text(out, b->text + iv->account);
	put_text(out, r->issued);
	put_text(out, r->due);
	put_text(out, iv->currency);
	export_number(out, ET_INT, l->line_no, exponent);
	put_text(out, b->text + l->sku);
	put_text(out, b->text + l->description);
	if (l->src == SRC_CHANGE || l->src == SRC_CREDIT) {
		out_null(out);
		out_null(out);
	} else {
		export_number(out, ET_QUANTITY, l->qty, exponent);
		export_number(out, ET_PRICE, l->unit_price, exponent);
	}
	if (has_discount(l))
		export_number(out, ET_PERCENT, l->discount, exponent);
	else
		out_null(out);
	export_number(out, ET_MONEY, l->amount, exponent);
	export_number(out, ET_MONEY, l->tax, exponent);
	put_day(out, l->start);
	put_day(out, l->end);
	put_text(out, status);
	out_end_row(out);
}

/* The lines of one invoice; *k counts the statuses not open passed. */
static void
put_invoice(struct out *out, const struct output *op, const struct batch *b,
    const struct made_invoice *iv, size_t *k)
{
	const char *status = "open";

	if (*k < op->nnot_open && strcmp(op->not_open[*k].key,
	    b->text + iv->id) == 0)
		status = op->not_open[(*k)++].value;
	for (size_t j = iv->first; j < iv->first + iv->nlines; j++)
		put_line(out, op->r, b, iv, &b->line[j], status);
}

static void *
format_output(void *arg)
{
	struct output *op = arg;
	const struct entity *e = entity_find("invoices");
	const char *names[OUT_CELLS];
	struct out *out;
	size_t k = 0;
	FILE *fp;

	for (size_t i = 0; i < OUT_CELLS; i++)
		names[i] = e->column[i].name;
	fp = cli_memstream(&op->buf, &op->len);
	if ((out = out_new(fp, op->r->o->out, names, OUT_CELLS)) == NULL)
		cli_die(CLI_EIO, "out of memory");
	for (const struct batch *b = op->r->batches; b != NULL; b = b->next)
		for (size_t i = 0; i < b->ninv; i++)
			put_invoice(out, op, b, &b->inv[i], &k);
	op->failed = out_close(out) != 0;
	op->failed |= fclose(fp) != 0;
	return NULL;
}

/* Whether the output is read back from the database (through out_keys)
 * instead of formatted from what the biller made: the ids the run took
 * are not all of one length, so their order as text is not theirs. */
static int
read_back(const struct run *r)
{
	char first[40], last[40];

	return r->next_invoice > r->first_invoice &&
	    snprintf(first, sizeof(first), "%06lld", r->first_invoice) !=
	    snprintf(last, sizeof(last), "%06lld", r->next_invoice - 1);
}

/* Starts formatting the output, if it can be, once account credit is
 * applied. */
static void
output_start(struct output *op, const struct run *r)
{
	memset(op, 0, sizeof(*op));
	op->r = r;
	if (read_back(r))
		return;
	if (r->applied > 0)
		op->not_open = load_pairs(prepare_made(r, sql_not_open,
		    r->first_invoice, r->next_invoice - 1), &op->nnot_open);
	op->threaded = cli_thread(&op->thread, format_output, op);
}

/*
 * Writes the output, once formatted and held, or reads it back through
 * db, before the run commits or rolls back (what is read back is not
 * there after a dry run); with no db, a run that fails, drops it.
 * Returns an exit status.
 */
static int
output_write(struct output *op, struct db *db)
{
	int rc;

	if (op->threaded)
		pthread_join(op->thread, NULL);
	free_pairs(op->not_open, op->nnot_open);
	if (db == NULL)
		rc = 0;
	else if (op->buf == NULL)
		rc = export_rows(db, entity_find("invoices"), op->r->o->out,
		    "out_keys");
	else
		rc = op->failed || cli_put_stdout(op->buf, op->len) != 0 ?
		    -1 : 0;
	free(op->buf);
	return rc == 0 ? CLI_OK : CLI_EIO;
}

/* ---- the run ------------------------------------------------------------------ */

/* A row of sql_running or sql_ended; its ids into *names (of *n bytes,
 * *cap allocated). */
static void
read_row(struct db_stmt *st, struct row *w, char **names, size_t *n,
    size_t *cap)
{
	const char *kind = db_text(st, 3);

	w->sub = text_keep(names, n, cap, db_text(st, 0));
	w->start = db_day(st, 1);
	w->end = db_day(st, 2);
	w->kind = strcmp(kind, "charge") == 0 ? 'h' : strcmp(kind,
	    "credit") == 0 ? 'r' : 'n';
	w->fs = db_day(st, 4);
	w->fe = db_day(st, 5);
	w->qty = db_int(st, 6);
	w->price = db_int(st, 7);
	w->discount = db_int(st, 8);
	w->invoice = text_keep(names, n, cap, db_text(st, 9));
	w->line_no = db_int(st, 10);
	w->account = text_keep(names, n, cap, db_text(st, 11));
}

/* The rows of subscription id of account in rows, NULL if none; asked
 * for in the order of rows. */
static struct sub_rows *
sub_rows(const struct run *r, struct by_sub *rows, const char *account,
    const char *id)
{
	for (; rows->at < rows->nsr; rows->at++) {
		struct sub_rows *sr = &rows->sr[rows->at];
		int c = sub_order(r->names + sr->account, r->names + sr->id,
		    account, id);

		if (c > 0)
			break;
		if (c == 0)
			return &rows->sr[rows->at++];
	}
	return NULL;
}

static void
merge_row(struct run *r, const struct row *w)
{
	r->merged = cli_grow(r->merged, &r->capmerged, r->nmerged + 1,
	    sizeof(*r->merged));
	r->merged[r->nmerged++] = *w;
}

/* The rows of the periods of s that the run looks at, in the order they
 * were made: those sql_running read, and when s may be billed past its
 * end, those of sql_ended instead of sql_running's of the same days. */
static struct row *
rows_of(struct run *r, const char *account, const struct sub *s, size_t *n)
{
	struct sub_rows *sr = sub_rows(r, &r->running, account, s->id);
	struct sub_rows *er = sub_rows(r, &r->ended, account, s->id);
	struct row *w = sr != NULL ? r->running.row + sr->first : NULL;

	*n = sr != NULL ? sr->n : 0;
	if (er != NULL) {
		r->nmerged = 0;
		for (size_t i = 0; i < *n; i++)
			if (w[i].fe <= r->ended_from || w[i].fe >= r->o->on)
				merge_row(r, &w[i]);
		for (size_t i = 0; i < er->n; i++)
			merge_row(r, &r->ended.row[er->first + i]);
		w = r->merged;
		*n = r->nmerged;
	}
	if (w != NULL)
		sort_made(r, w, *n);
	return w;
}

/* The end billed of subscription id of account, or DATE_NONE; asked for
 * in the order the run bills subscriptions in. */
static int32_t
end_billed(struct run *r, const char *account, const char *id)
{
	for (; r->at_mark < r->nmarks; r->at_mark++) {
		const struct end_mark *m = &r->marks[r->at_mark];
		int c = sub_order(r->names + m->account, r->names + m->sub,
		    account, id);

		if (c > 0)
			break;
		if (c == 0)
			return r->marks[r->at_mark++].end;
	}
	return DATE_NONE;
}

/* The pauses of subscription id of account into s; asked for in the
 * order the run bills subscriptions in. */
static void
pauses_of(struct run *r, const char *account, struct sub *s)
{
	s->pause = NULL;
	s->npause = 0;
	for (; r->at_pause < r->npauses; r->at_pause++) {
		const struct pause *p = &r->pauses[r->at_pause];
		int c = sub_order(r->names + p->account, r->names + p->sub,
		    account, s->id);

		if (c > 0)
			return;
		if (c == 0) {
			if (s->pause == NULL)
				s->pause = p;
			s->npause++;
		}
	}
}

/* end_billed of s as the run leaves it: the end of one billed as ended
 * (past which it credited what was billed, and charged nothing), unknown
 * once billed as running; kept to write when it changes. */
static void
keep_end(struct run *r, const char *account, const struct sub *s)
{
	int32_t end = s->end != DATE_NONE && s->end < r->p_end ? s->end :
	    DATE_NONE;
	struct end_mark *m;

	if (end == s->end_billed)
		return;
	r->ends = cli_grow(r->ends, &r->capends, r->nends + 1,
	    sizeof(*r->ends));
	m = &r->ends[r->nends++];
	m->account = text_keep(&r->text, &r->ntext, &r->captext, account);
	m->sub = text_keep(&r->text, &r->ntext, &r->captext, s->id);
	m->end = end;
}

/* The start of the period of `months` months from align that holds day;
 * DATE_END when the calendar has none. */
static int32_t
period_start(int32_t day, int months, int32_t align)
{
	int32_t a = first_period(day, months, align);

	if (a == DATE_END || a == day)
		return a;
	return date_add_months(a, -months, &a) == 0 ? a : DATE_END;
}

/*
 * The day s's periods are aligned to (billing_periods()): its own
 * (billing_align()), or, for one that replaces another in a plan change,
 * the start of the period of the one it replaces that it starts in, as
 * Kill Bill aligns a change of plan: a monthly plan changed to a yearly
 * one on the 12th runs its first year to the anniversary of the month's
 * 1st.  That one keeps the alignment of the one it replaced, and so on
 * back to the first plan.  Calendar periods (period_alignment) are the
 * same for every subscription, a plan change's too.
 */
#define REPLACES_MAX 64
static int32_t
align_of(struct run *r, const char *account, const struct sub *s,
    const char *replaces)
{
	struct { int32_t start; int months; } up[REPLACES_MAX];
	char id[ENTITY_ID_MAX + 1];
	int n = 0;
	int32_t align;

	/* calendar periods are the company's: a plan change keeps them */
	copy_text(id, sizeof(id), r->calendar ? "" : replaces);
	while (id[0] != '\0') {
		if (n == REPLACES_MAX) {
			cli_data_error(NULL, 0, NULL, "subscription '%s': its "
			    "plan changes (replaces) go back more than %d "
			    "subscriptions, or round in a circle", s->id,
			    REPLACES_MAX);
			r->failed = 1;
			break;
		}
		db_bind_text(r->replaced, 1, account);
		db_bind_text(r->replaced, 2, id);
		if (!db_row(r->replaced)) {
			db_reset(r->replaced);
			break;
		}
		up[n].start = db_day(r->replaced, 0);
		up[n++].months = pricing_period_months(db_text(r->replaced,
		    1));
		copy_text(id, sizeof(id), db_text(r->replaced, 2));
		db_reset(r->replaced);
	}
	align = billing_align(n > 0 ? up[n - 1].start : s->start,
	    r->billing_day, r->calendar);
	for (int k = n - 1; k >= 0 && align != DATE_END; k--)
		align = period_start(k > 0 ? up[k - 1].start : s->start,
		    up[k].months, align);
	return align;
}

/* Whether rows w hold one of the period ending on fe. */
static int
has_period(const struct row *w, size_t n, int32_t fe)
{
	for (size_t i = 0; i < n; i++)
		if (w[i].fe == fe)
			return 1;
	return 0;
}

/*
 * The rows of s (w, n of them) with those of the periods past from each
 * of its pauses on, which sql_running did not read: a pause entered late
 * credits what they billed, and a rerun finds what resume_charges()
 * charged.  A seek of the key a period, of the few subscriptions that
 * pause.
 */
static struct row *
paused_rows(struct run *r, const char *account, const struct sub *s,
    struct row *w, size_t *n)
{
	struct db_stmt *st = r->period_rows;
	int32_t on = r->o->on;

	if (s->npause == 0 || s->months == 0 || s->start == DATE_NONE)
		return w;
	if (w != r->merged) {
		r->nmerged = 0;
		for (size_t i = 0; i < *n; i++)
			merge_row(r, &w[i]);
	}
	for (size_t i = 0; i < s->npause; i++) {
		const struct pause *p = &s->pause[i];
		int32_t d = p->start > r->horizon ? p->start : r->horizon;
		struct billing_period q;

		for (; d < on && period_containing(s, DATE_NONE, d, &q);
		    d = q.full_end) {
			struct row x;

			if (q.full_end >= on || has_period(r->merged,
			    r->nmerged, q.full_end))
				continue;
			db_bind_day(st, 1, q.full_end);
			db_bind_text(st, 2, account);
			db_bind_text(st, 3, s->id);
			while (db_row(st)) {
				read_row(st, &x, &r->names, &r->nnames,
				    &r->capnames);
				merge_row(r, &x);
			}
			db_reset(st);
		}
	}
	*n = r->nmerged;
	sort_made(r, r->merged, *n);
	return r->merged;
}

/*
 * The days from a resume on, in the periods that began before P and that
 * no run charged (a pause held them when their month was run): charged
 * by the run of the month the resume is in, or by the next run when the
 * resume was entered after that one.  A period that starts in P is
 * sub_charges()'s, one charged before sub_period()'s.
 */
static void
resume_charges(struct run *r, const struct sub *s,
    const struct billing_charged *c, size_t nc)
{
	int32_t done = DATE_NONE;	/* periods up to it charged here */

	if (s->months == 0 || s->start == DATE_NONE)
		return;
	for (size_t i = 0; i < s->npause; i++) {
		int32_t d = s->pause[i].end, a, z;
		struct billing_period q;
		size_t k;

		if (d == DATE_NONE || d >= r->p_end || d <= r->horizon)
			continue;
		for (; period_containing(s, s->end, d, &q) &&
		    q.start < r->p_start; d = q.end) {
			/* an earlier pause's resume charged the days of the
			 * periods after it, from a day no later than d */
			if (done != DATE_NONE && q.full_end <= done)
				continue;
			done = q.full_end;
			for (k = 0; k < nc && c[k].fe != q.full_end; k++)
				;
			for (int32_t from = d; k == nc && billable(s, from,
			    q.end, &a, &z) && a < r->p_end; from = z) {
				struct billing_period x = q;

				x.start = a;
				x.end = z;
				if (!was_charged(r, s->id, a))
					charge_period(r, s, &x);
			}
		}
	}
}

/*
 * The first day of charged period c (one of the n of s, cs) from which
 * its days may be owed: its first day charged, or its first day of the
 * subscription when a pause held the days before (one at the period's
 * start, cut short or taken away since) -- not when another period
 * billed them, of a billing day or period before a change: one of cs,
 * or one that ends on c's first day charged, a seek.
 */
static int32_t
owed_from(struct run *r, const char *account, const struct sub *s,
    const struct billing_charged *c, const struct billing_charged *cs,
    size_t n)
{
	int32_t lo = c->fs > s->start ? c->fs : s->start;
	int before;

	if (lo >= c->first)
		return c->first;
	for (size_t i = 0; i < n; i++)
		if (&cs[i] != c && cs[i].fe > lo && cs[i].fs < c->first)
			return c->first;
	db_bind_day(r->period_rows, 1, c->first);
	db_bind_text(r->period_rows, 2, account);
	db_bind_text(r->period_rows, 3, s->id);
	before = db_row(r->period_rows);
	db_reset(r->period_rows);
	return before ? c->first : lo;
}

/* The lines of one subscription: its charges of periods starting in P,
 * and what each period charged before is billed short or over. */
static void
bill_sub(struct run *r, struct db_stmt *st)
{
	const struct pair *p = bsearch(db_text(st, 3), r->products,
	    r->nproducts, sizeof(*r->products), by_pair_key);
	struct sub s;
	struct open_period op;
	struct billing_charged *c;
	struct row *w;
	size_t nw, nc;

	if (p == NULL)
		return;
	s.currency = db_text(st, 1);
	s.id = db_text(st, 2);
	s.sku = db_text(st, 3);
	s.product = p->value;
	s.qty = db_int(st, 4);
	s.unit_price = db_int(st, 5);
	s.discount = db_int(st, 6);
	s.months = pricing_period_months(db_text(st, 7));
	s.start = db_day(st, 8);
	s.end = db_day(st, 9);
	s.align = align_of(r, db_text(st, 0), &s, db_text(st, 10));
	s.end_billed = end_billed(r, db_text(st, 0), s.id);
	pauses_of(r, db_text(st, 0), &s);
	w = rows_of(r, db_text(st, 0), &s, &nw);
	w = paused_rows(r, db_text(st, 0), &s, w, &nw);
	c = replay(r, &s, w, nw, &nc);
	sub_charges(r, &s, running_period(r, c, nc, &op) ? &op : NULL, c, nc);
	for (size_t i = 0; i < nc; i++)
		sub_period(r, &s, &c[i], owed_from(r, db_text(st, 0), &s, &c[i],
		    c, nc));
	resume_charges(r, &s, c, nc);
	free_periods(c, nc);
	keep_end(r, db_text(st, 0), &s);
}

/* The smallest account among the sources that still have rows. */
static const char *
next_account(struct run *r)
{
	const char *a = NULL;
	struct db_stmt *src[4] = { r->subs, r->one_time, r->usage, r->late };
	int more[4] = { r->subs_row, r->one_row, r->usage_row, r->late_row };

	for (int i = 0; i < 4; i++)
		if (more[i] && (a == NULL || strcmp(db_text(src[i], 0), a) < 0))
			a = db_text(src[i], 0);
	return a;
}

/*
 * Bills every account on this thread, through the reader, while a second
 * one inserts the invoices and lines made (through the run's connection);
 * the billing records are written at the end.
 */
static void
bill_accounts(struct run *r)
{
	struct batch *slot[BATCH_SLOTS];
	void *slots[BATCH_SLOTS];
	struct writer w;
	char account[ENTITY_ID_MAX + 1];
	const char *a;

	for (size_t i = 0; i < BATCH_SLOTS; i++)
		slots[i] = &slot[i];
	writer_open(&w, r);
	r->handoff = handoff_start(slots, BATCH_SLOTS, write_batch, &w, 1);
	r->subs_row = db_row(r->subs);
	r->one_row = db_row(r->one_time);
	r->usage_row = db_row(r->usage);
	r->late_row = db_row(r->late);
	while ((a = next_account(r)) != NULL) {
		copy_text(account, sizeof(account), a);
		for (; r->subs_row && strcmp(db_text(r->subs, 0), account) == 0;
		    r->subs_row = db_row(r->subs))
			bill_sub(r, r->subs);
		for (; r->one_row && strcmp(db_text(r->one_time, 0), account) == 0;
		    r->one_row = db_row(r->one_time))
			one_time_lines(r, r->one_time);
		for (; r->usage_row && strcmp(db_text(r->usage, 0), account) == 0;
		    r->usage_row = db_row(r->usage))
			usage_lines(r, r->usage);
		for (; r->late_row && strcmp(db_text(r->late, 0), account) == 0;
		    r->late_row = db_row(r->late))
			late_lines(r, r->late);
		make_account(r, account);
	}
	if (r->fill != NULL)
		hand_over(r);
	handoff_stop(r->handoff);
	writer_close(&w);
}

/* The invoices of the run, for ar_apply_run() and the output read back. */
static void
keep_made(struct run *r)
{
	long long first = r->first_invoice, last, top;
	struct db_stmt *st;

	/* a range for each length of number the ids went through */
	for (; first < r->next_invoice; first = last + 1) {
		for (top = 999999; top < first; top = top * 10 + 9)
			;
		last = top < r->next_invoice - 1 ? top : r->next_invoice - 1;
		st = prepare_made(r, sql_keep_made, first, last);
		db_done(st);
		db_finalize(st);
	}
}

static void
load_charged(struct run *r, struct db *rd)
{
	struct db_stmt *st = db_prepare(rd, sql_charged);

	r->charged = keyset_new(SIZE_MAX);
	db_bind_day(st, 1, r->p_start);
	db_bind_day(st, 2, r->p_end);
	for (; db_row(st); r->ncharged++)
		keyset_add(r->charged, db_text(st, 0),
		    db_len(st, 0), "");
	db_finalize(st);
}

/* The order of two rows by their subscriptions, their ids in names. */
static int
row_order(const char *names, const struct row *x, const struct row *y)
{
	return sub_order(names + x->account, names + x->sub,
	    names + y->account, names + y->sub);
}

/* from[lo, mid) and from[mid, hi), each in order, into to[lo, hi). */
static void
merge_rows(const char *names, const struct row *from, size_t lo,
    size_t mid, size_t hi, struct row *to)
{
	size_t i = lo, j = mid, o = lo;

	while (i < mid && j < hi)
		to[o++] = row_order(names, &from[j], &from[i]) < 0 ?
		    from[j++] : from[i++];
	memcpy(to + o, from + i, (mid - i) * sizeof(*to));
	memcpy(to + o + mid - i, from + j, (hi - j) * sizeof(*to));
}

/*
 * Sorts rows by subscription, merging the runs in order they come in:
 * sql_running's are in key order, a run an end of period, so that a few
 * passes sort them, and a sort of all would cost most of their reading.
 */
static void
sort_by_sub(struct run *r, struct by_sub *rows)
{
	struct row *tmp, *from = rows->row, *to, *t;
	size_t n = rows->nrow, *start = NULL, nstart = 0, capstart = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || row_order(r->names, &from[i - 1], &from[i]) > 0) {
			start = cli_grow(start, &capstart, nstart + 1,
			    sizeof(*start));
			start[nstart++] = i;
		}
	to = tmp = nstart > 1 ? cli_realloc(NULL, n, sizeof(*tmp)) : NULL;
	while (nstart > 1) {
		size_t k = 0;

		for (size_t j = 0; j < nstart; j += 2)
			merge_rows(r->names, from, start[j], j + 1 < nstart ?
			    start[j + 1] : n, j + 2 < nstart ? start[j + 2] : n,
			    to);
		for (size_t j = 0; j < nstart; j += 2)
			start[k++] = start[j];
		nstart = k;
		t = from;
		from = to;
		to = t;
	}
	if (from != rows->row)
		memcpy(rows->row, from, n * sizeof(*from));
	free(tmp);
	free(start);
}

/* The rows of st after those in rows, their ids into *names (of *n
 * bytes, *cap allocated). */
static void
read_rows(struct db_stmt *st, struct by_sub *rows, char **names, size_t *n,
    size_t *cap)
{
	while (db_row(st)) {
		rows->row = cli_grow(rows->row, &rows->caprow, rows->nrow + 1,
		    sizeof(*rows->row));
		read_row(st, &rows->row[rows->nrow++], names, n, cap);
	}
	db_finalize(st);
}

/* The rows read into rows, by subscription. */
static void
index_by_sub(struct run *r, struct by_sub *rows)
{
	sort_by_sub(r, rows);
	for (size_t i = 0; i < rows->nrow; i++) {
		const struct row *w = &rows->row[i];
		struct sub_rows *sr = rows->nsr > 0 ? &rows->sr[rows->nsr - 1] :
		    NULL;

		if (sr == NULL || sub_order(r->names + w->account, r->names +
		    w->sub, r->names + sr->account, r->names + sr->id) != 0) {
			rows->sr = cli_grow(rows->sr, &rows->capsr,
			    rows->nsr + 1, sizeof(*rows->sr));
			sr = &rows->sr[rows->nsr++];
			sr->account = w->account;
			sr->id = w->sub;
			sr->first = i;
			sr->n = 0;
		}
		sr->n++;
	}
}

static void
by_sub_free(struct by_sub *rows)
{
	free(rows->sr);
	free(rows->row);
}

/* sql_ended_from or sql_ended, its common parameters bound. */
static struct db_stmt *
ended_statement(struct run *r, const char *sql)
{
	struct db_stmt *st = db_prepare(r->rd, sql);

	db_bind_day(st, 1, r->p_end);
	db_bind_day(st, 2, r->horizon);
	db_bind_int(st, 3, r->some);
	db_bind_day(st, 4, r->o->on);
	return st;
}

/* The rows of sql_marks. */
static void
load_marks(struct run *r)
{
	struct db_stmt *st = db_prepare(r->rd, sql_marks);

	db_bind_int(st, 1, r->some);
	while (db_row(st)) {
		struct end_mark *m;

		r->marks = cli_grow(r->marks, &r->capmarks, r->nmarks + 1,
		    sizeof(*r->marks));
		m = &r->marks[r->nmarks++];
		m->account = text_keep(&r->names, &r->nnames, &r->capnames,
		    db_text(st, 0));
		m->sub = text_keep(&r->names, &r->nnames, &r->capnames,
		    db_text(st, 1));
		m->end = db_day(st, 2);
	}
	db_finalize(st);
}

/* The rows of sql_pauses. */
static void
load_pauses(struct run *r)
{
	struct db_stmt *st = db_prepare(r->rd, sql_pauses);

	db_bind_day(st, 1, r->horizon);
	db_bind_int(st, 2, r->some);
	while (db_row(st)) {
		struct pause *p;

		r->pauses = cli_grow(r->pauses, &r->cappauses, r->npauses + 1,
		    sizeof(*r->pauses));
		p = &r->pauses[r->npauses++];
		p->account = text_keep(&r->names, &r->nnames, &r->capnames,
		    db_text(st, 0));
		p->sub = text_keep(&r->names, &r->nnames, &r->capnames,
		    db_text(st, 1));
		p->start = db_day(st, 2);
		p->end = db_day(st, 3);
	}
	db_finalize(st);
}

/*
 * What a second thread reads while the biller prepares the rest: the
 * periods of P already charged, and the running periods ending on the
 * run's day, through a reader of its own (the biller's, on its thread,
 * where the backend has no second), their ids in an arena of its own.
 */
struct ahead {
	struct run *r;
	struct db *rd;
	struct by_sub ending;
	char *names;
	size_t nnames, capnames;
};

static void *
read_ahead(void *arg)
{
	struct ahead *a = arg;
	struct db_stmt *st;

	load_charged(a->r, a->rd);
	st = db_prepare(a->rd, sql_running_ending);
	db_bind_day(st, 1, a->r->o->on);
	read_rows(st, &a->ending, &a->names, &a->nnames, &a->capnames);
	return NULL;
}

/* The rows read ahead before the biller's of sql_running, as those of
 * one statement of both would come, and their ids into the run's. */
static void
join_ahead(struct run *r, struct ahead *a)
{
	struct by_sub *rows = &r->running;
	size_t n = a->ending.nrow, base = r->nnames;

	if (n > 0) {
		rows->row = cli_grow(rows->row, &rows->caprow, rows->nrow + n,
		    sizeof(*rows->row));
		memmove(rows->row + n, rows->row, rows->nrow *
		    sizeof(*rows->row));
		for (size_t i = 0; i < n; i++) {
			struct row *w = &rows->row[i];

			*w = a->ending.row[i];
			w->sub += base;
			w->invoice += base;
			w->account += base;
		}
		rows->nrow += n;
		r->names = cli_grow(r->names, &r->capnames, base + a->nnames,
		    1);
		memcpy(r->names + base, a->names, a->nnames);
		r->nnames += a->nnames;
	}
	free(a->ending.row);
	free(a->names);
	index_by_sub(r, rows);
}

/* The biller's rows of sql_running, and those of sql_ended. */
static void
load_running(struct run *r)
{
	struct db_stmt *st = db_prepare(r->rd, sql_running);

	db_bind_day(st, 1, r->o->on);
	db_bind_day(st, 2, r->horizon);
	read_rows(st, &r->running, &r->names, &r->nnames, &r->capnames);
	st = db_prepare(r->rd, sql_billed_before);
	if (!db_row(st)) {
		db_finalize(st);
		return;
	}
	db_finalize(st);
	st = ended_statement(r, sql_ended_from);
	r->ended_from = db_row(st) ? db_day(st, 0) : DATE_NONE;
	db_finalize(st);
	if (r->ended_from == DATE_NONE)
		return;
	st = ended_statement(r, sql_ended);
	db_bind_day(st, 5, r->ended_from);
	read_rows(st, &r->ended, &r->names, &r->nnames, &r->capnames);
	index_by_sub(r, &r->ended);
}

/* run_accounts: the accounts to bill, for the reader's queries and the
 * writer's rates. */
static void
accounts_table(struct run *r)
{
	struct db *on[] = { r->rd, r->db };	/* the writer reads rates */

	for (int c = 0; c < 2; c++) {
		struct db_stmt *st;

		db_temp_table(on[c], "run_accounts", "key TEXT PRIMARY KEY");
		st = db_prepare(on[c], sql_accounts_keep);
		r->naccounts = 0;
		for (size_t i = 0; i < r->only.n; i++) {
			if (r->only.cell[i] == NULL)
				continue;
			db_bind_text(st, 1, r->only.cell[i]);
			db_done(st);
			r->naccounts++;
		}
		db_finalize(st);
	}
}

/* Opens the biller's reader and its statements. */
static void
prepare(struct run *r)
{
	char d[DATE_FMT_MAX];
	int some = r->some;
	struct ahead a = { .r = r };
	pthread_t reader;
	int threaded = 0;

	/* the lines are worked out from what the run found, never from
	 * what it has written: a database with no file has no such view */
	if ((r->rd = db_open_snapshot(r->db)) == NULL)
		cli_die(CLI_EIO, "a billing run reads the database on a second "
		    "connection, which a database in memory does not have");
	if ((a.rd = db_open_snapshot(r->db)) != NULL)
		threaded = cli_thread(&reader, read_ahead, &a);
	accounts_table(r);
	r->subs = db_prepare(r->rd, sql_subscriptions);
	db_stmt_keys(r->subs, 2);
	db_bind_day(r->subs, 1, r->p_end);
	db_bind_int(r->subs, 2, some);
	/* a subscription that ended before P may still owe a credit */
	db_bind_day(r->subs, 3, r->horizon);
	r->products = load_pairs(db_prepare(r->rd, sql_products),
	    &r->nproducts);
	load_running(r);
	load_marks(r);
	load_pauses(r);
	if (a.rd == NULL) {
		a.rd = r->rd;
		read_ahead(&a);
	} else {
		if (threaded)
			pthread_join(reader, NULL);
		db_close(a.rd);
	}
	join_ahead(r, &a);
	r->one_time = db_prepare(r->rd, sql_one_time);
	db_bind_day(r->one_time, 1, r->p_end);
	db_bind_int(r->one_time, 2, some);
	r->usage = db_prepare(r->rd, sql_usage);
	date_format(d, r->u_start);
	db_bind_text(r->usage, 1, d);
	db_bind_day(r->usage, 2, r->u_end);
	db_bind_text(r->usage, 3, r->usage_month);
	db_bind_int(r->usage, 4, some);
	r->late = db_prepare(r->rd, sql_late);
	r->replaced = db_prepare(r->rd, sql_replaced);
	r->period_rows = db_prepare(r->rd, sql_period_rows);
	db_bind_text(r->late, 1, r->usage_month);
	db_bind_int(r->late, 2, some);
	r->book = pricing_book_open(r->rd, r->u_start);
}

/* What the run has dealt with of the usage changed since the last
 * (sql_usage_seen), and the month of usage it bills. */
static void
usage_seen(struct run *r)
{
	struct db_stmt *st = db_prepare(r->db, sql_usage_seen);

	db_bind_int(st, 1, r->some);
	db_bind_text(st, 2, r->usage_month);
	db_done(st);
	db_finalize(st);
	if (r->some && r->naccounts == 0)
		return;		/* a run of no accounts billed no month */
	st = db_prepare(r->db, sql_usage_month);
	db_bind_text(st, 1, r->usage_month);
	db_bind_int(st, 2, !r->some);
	db_done(st);
	db_finalize(st);
	if (!r->some)
		return;
	st = db_prepare(r->db, sql_usage_accounts);
	db_bind_text(st, 1, r->usage_month);
	db_done(st);
	db_finalize(st);
}

/* Ends the biller: closes its reader, whose snapshot would keep the
 * checkpoint after the commit from copying the run's pages, and frees
 * what it kept. */
static void
finish_reading(struct run *r)
{
	struct db_stmt *st[] = { r->subs, r->one_time, r->usage, r->late,
	    r->replaced, r->period_rows };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		db_finalize(st[i]);
	pricing_book_close(r->book);
	for (size_t i = 0; i < r->nbooks; i++)
		pricing_book_close(r->books[i].book);
	free(r->books);
	db_close(r->rd);
	keyset_free(r->charged);
	by_sub_free(&r->running);
	by_sub_free(&r->ended);
	free(r->marks);
	free(r->pauses);
	free(r->merged);
	free(r->names);
	free_pairs(r->products, r->nproducts);
	lines_done(r);
	free(r->l);
}

static int
setting_int(struct db *db, const char *key, int dflt)
{
	char buf[32];

	return db_setting(db, key, buf, sizeof(buf)) != NULL ? atoi(buf) :
	    dflt;
}

/* The run's days and the texts its rows share. */
static void
run_days(struct run *r)
{
	char align[16];
	int y, m, d;
	int32_t due;

	r->billing_day = setting_int(r->db, "billing_day", 1);
	r->calendar = db_setting(r->db, "period_alignment", align,
	    sizeof(align)) != NULL && strcmp(align, "calendar") == 0;
	r->terms = setting_int(r->db, "payment_terms_days", 30);
	r->p_start = date_month_start(r->o->month);
	r->p_end = date_month_end(r->o->month);
	r->horizon = date_month_start(r->o->month - 13);
	if (r->p_end > DATE_MAX)	/* the month is 9999-12 */
		cli_data_error(NULL, 0, NULL, "--period 9999-12: what it bills "
		    "would run to 10000-01-01, after 9999-12-31, the last date "
		    "there is: it cannot be billed");
	r->u_start = date_month_start(r->o->month - 1);
	r->u_end = r->p_start;
	date_format(r->issued, r->o->on);
	if (date_add_days(r->o->on, r->terms, &due) != 0) {
		cli_data_error(NULL, 0, NULL, "--on %s: an invoice issued on "
		    "it would be due %d days later (payment_terms_days), after "
		    "9999-12-31, the last date there is", r->issued, r->terms);
		due = DATE_MAX;	/* nothing is written: the run fails */
	}
	date_format(r->due, due);
	date_format_month(r->usage_month, date_month_of(r->u_start));
	date_to_ymd(r->o->on, &y, &m, &d);
	snprintf(r->prefix, sizeof(r->prefix), "INV-%04d", y);
}

static int
nothing_billed(struct db *db)
{
	unsigned long errors = cli_data_errors();

	if (db != NULL) {	/* NULL: before the transaction */
		db_rollback(db);
		db_references(db, 1);
	}
	cli_warn("run: nothing billed (%lu error%s)", errors,
	    errors == 1 ? "" : "s");
	return CLI_EDATA;
}

static void
audit(struct run *r)
{
	struct db_changes ch = { .n = 0 };

	db_changes_add(&ch, "invoices", r->invoices, 0, 0);
	db_changes_add(&ch, "invoice_lines", r->lines, 0, 0);
	db_changes_add(&ch, "billing_records", r->records, 0, 0);
	db_changes_add(&ch, "usage_billing", r->usage_rows, 0, 0);
	db_changes_add(&ch, "order_lines", 0, r->orders, 0);
	db_changes_add(&ch, "payment_applications", r->applied, 0, 0);
	db_audit(r->db, "run", r->o->arguments, &ch);
}

/*
 * The rest of a run without errors: its billing records, account credit
 * applied, the audit row; writes the output, then commits (or rolls back
 * a dry run, or a run whose output could not be written).
 */
static int
finish_run(struct run *r)
{
	struct output out;
	int paying, rc;

	/* With no payment open (a run's usual case) there is no credit to
	 * apply, and the invoices made are listed only to be read back. */
	paying = ar_payments_open(r->db);
	if (paying || read_back(r))
		keep_made(r);
	r->applied = paying ? ar_apply_run(r->db, r->o->on) : 0;
	output_start(&out, r);
	/*
	 * The pages of the invoices and lines went out on the writer thread
	 * as it filled them, not at the commit.  The records, written on
	 * this thread, are held for the commit: written out as they fill,
	 * they would cost more here than there.
	 */
	db_write_at_commit(r->db);
	write_records(r);
	write_ends(r);
	if (r->next_invoice > r->first_invoice)
		db_took_numbers(r->db, "invoices", r->prefix, r->next_invoice);
	audit(r);
	if (db_references_check(r->db) > 0) {
		output_write(&out, NULL);
		return nothing_billed(r->db);
	}
	if ((rc = output_write(&out, r->db)) != CLI_OK || r->o->dry_run)
		db_rollback(r->db);
	else
		db_commit(r->db);
	db_references(r->db, 1);
	return rc;
}

/* Reports the accounts to bill that are not there; returns how many. */
static unsigned long
unknown_accounts(struct db *db, const struct csv_rows *only,
    const struct csv_input *in)
{
	const char *name = cli_input_name(in->name);
	unsigned long n = 0;

	for (size_t i = 0; i < only->n; i++)
		if (only->cell[i] != NULL && !db_has(db, "accounts",
		    "account_id", only->cell[i])) {
			n++;
			if (!cli_data_error(only->line[i] > 0 ? name :
			    "--account", only->line[i], only->line[i] > 0 ?
			    "account_id" : NULL, "account '%s' does not exist",
			    only->cell[i]))
				break;
		}
	return n;
}

int
billing_run(struct db *db, const struct billing_opts *o)
{
	static const char *const columns[] = { "account_id" };
	struct run r = { .db = db, .o = o, .last = &r.batches };
	int rc;

	/* the accounts, read whole before the lock: the command before in
	 * a pipe has committed when it has written them */
	if (o->accounts != NULL) {
		if (csv_collect(o->accounts, cli_data_error, columns, 1, 1, 1,
		    &r.only) != 0 ||
		    unknown_accounts(db, &r.only, o->accounts) > 0) {
			csv_rows_free(&r.only);
			return nothing_billed(NULL);
		}
		r.some = 1;
		if (r.only.n == 0)
			cli_note("run: no accounts on %s: nothing billed",
			    cli_input_name(o->accounts->name));
	}

	/*
	 * The run writes only references it has just read (subscriptions,
	 * products, orders) or made (invoices); the database's own check
	 * would look each up again, half the time of a large run.  What the
	 * run wrote is checked once before the commit (finish_run()), with
	 * no lookup of the invoices it made nor of the subscriptions and
	 * accounts it read as keys (db_stmt_keys()).
	 */
	db_references(db, 0);
	db_begin(db);
	run_days(&r);
	db_keys_open(db);
	prepare(&r);
	usage_seen(&r);
	bill_accounts(&r);
	finish_reading(&r);
	if (cli_data_errors() > 0 || r.failed)
		rc = nothing_billed(db);
	else
		rc = finish_run(&r);
	batch_free(r.batches);
	for (size_t i = 0; i < r.nrecs; i++)
		free(r.recs[i].rec);
	free(r.recs);
	free(r.ends);
	free(r.text);
	csv_rows_free(&r.only);
	return rc;
}

/* ---- late usage, for the import ------------------------------------------------ */

#define WATCH_GROUPS_MAX (1 << 20)

struct billing_watch {
	struct db *db;
	char (*months)[MONTH_FMT_MAX];	/* usage_months, in order */
	size_t n;
	struct keyset *groups;	/* "account US sku US month" noted */
	struct db_stmt *note, *find;
	int held;
	char account[ENTITY_ID_MAX + 1], sku[ENTITY_ID_MAX + 1];
	char day[DATE_FMT_MAX];
};

struct billing_watch *
billing_watch_open(struct db *db)
{
	struct db_stmt *st = db_prepare(db, sql_watch_months);
	struct billing_watch *w;
	size_t cap = 0;

	w = cli_calloc(1, sizeof(*w));
	w->db = db;
	while (db_row(st)) {
		w->months = cli_grow(w->months, &cap, w->n + 1,
		    sizeof(*w->months));
		snprintf(w->months[w->n++], MONTH_FMT_MAX, "%s",
		    db_text(st, 0));
	}
	db_finalize(st);
	if (w->n == 0) {
		free(w);
		return NULL;
	}
	w->groups = keyset_new(WATCH_GROUPS_MAX);
	w->note = db_prepare(db, sql_watch_note);
	w->find = db_prepare(db, sql_watch_find);
	return w;
}

/* The groups noted into usage_changed. */
static void
watch_write(struct billing_watch *w)
{
	struct db_rows *rows;
	const char *key;
	size_t at = 0, len;

	if (keyset_count(w->groups) == 0)
		return;
	db_temp_table(w->db, "watch_groups", "account_id TEXT, sku TEXT, "
	    "month TEXT");
	rows = db_rows_new(w->db, sql_watch_rows, 3);
	while ((key = keyset_next(w->groups, &at, &len)) != NULL) {
		const char *us1 = memchr(key, '\x1f', len);
		const char *us2 = memchr(us1 + 1, '\x1f', len - (size_t)(us1 -
		    key) - 1);
		int k;
		struct db_stmt *st = db_rows_add(rows, &k);

		db_bind_ref(st, k, key, (size_t)(us1 - key));
		db_bind_ref(st, k + 1, us1 + 1, (size_t)(us2 - us1 - 1));
		db_bind_ref(st, k + 2, us2 + 1, (size_t)(key + len - us2 - 1));
	}
	db_rows_flush(rows);
	db_rows_free(rows);
	db_exec(w->db, sql_watch_groups);
}

void
billing_watch_close(struct billing_watch *w)
{
	if (w == NULL)
		return;
	watch_write(w);
	keyset_free(w->groups);
	db_finalize(w->note);
	db_finalize(w->find);
	free(w->months);
	free(w);
}

/* Whether the month of day (YYYY-MM-DD) is one a run billed. */
static int
billed_month(const struct billing_watch *w, const char *day)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(w->months[mid], day, 7);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void
billing_watch_event(struct billing_watch *w, const char *account,
    size_t alen, const char *sku, size_t slen, const char *day)
{
	char key[2 * ENTITY_ID_MAX + MONTH_FMT_MAX + 2];
	int n;

	if (w == NULL || !billed_month(w, day))
		return;
	n = snprintf(key, sizeof(key), "%.*s\x1f%.*s\x1f%.7s", (int)alen,
	    account, (int)slen, sku, day);
	if (keyset_add(w->groups, key, (size_t)n, "") >= 0)
		return;
	/* more groups than the set holds: this one goes now */
	db_bind_ref(w->note, 1, account, alen);
	db_bind_ref(w->note, 2, sku, slen);
	db_bind_ref(w->note, 3, day, 7);
	db_done(w->note);
}

void
billing_watch_hold(struct billing_watch *w, const char *event, size_t len)
{
	if (w == NULL)
		return;
	db_bind_ref(w->find, 1, event, len);
	w->held = db_row(w->find);
	if (w->held) {
		snprintf(w->account, sizeof(w->account), "%s",
		    db_text(w->find, 0));
		copy_text(w->sku, sizeof(w->sku), db_text(w->find, 1));
		copy_text(w->day, sizeof(w->day), db_text(w->find, 2));
	}
	db_reset(w->find);
}

void
billing_watch_release(struct billing_watch *w, int changed)
{
	if (w == NULL || !w->held)
		return;
	w->held = 0;
	if (changed)
		billing_watch_event(w, w->account, strlen(w->account), w->sku,
		    strlen(w->sku), w->day);
}

void
billing_watch_where(struct billing_watch *w, const char *where)
{
	char *sql;
	size_t size;

	if (w == NULL)
		return;
	size = sizeof(sql_watch_where) + strlen(where);
	sql = cli_calloc(1, size);
	snprintf(sql, size, sql_watch_where, where);
	db_exec(w->db, sql);
	free(sql);
}

/* ---- pause and resume ------------------------------------------------------------- */

static void
bind_day_or_null(struct db_stmt *st, int i, int32_t day)
{
	if (day == DATE_NONE)
		db_bind_null(st, i);
	else
		db_bind_day(st, i, day);
}

/* The pause's row, as the entity's columns. */
static void
put_pause(const struct billing_opts *o, const char *sub, const char *account,
    int32_t start, int32_t end)
{
	static const char *const names[] = { "subscription_id", "account_id",
	    "start_date", "end_date" };
	struct out *out = out_new(stdout, o->out, names, 4);
	char d[DATE_FMT_MAX];

	out_str(out, sub);
	out_str(out, account);
	date_format(d, start);
	out_str(out, d);
	if (end != DATE_NONE)
		date_format(d, end);
	out_str(out, end != DATE_NONE ? d : NULL);
	out_end_row(out);
	out_close(out);
}

/* The account of subscription sub into account (ENTITY_ID_MAX + 1), and
 * its days; 0, or -1 told when there is none. */
static int
pause_sub(struct db *db, const char *verb, const char *sub, char *account,
    int32_t *start, int32_t *end)
{
	struct db_stmt *st = db_prepare(db, sql_pause_sub);
	int found;

	db_bind_text(st, 1, sub);
	if ((found = db_row(st)) != 0) {
		snprintf(account, ENTITY_ID_MAX + 1, "%s", db_text(st, 0));
		*start = db_day(st, 1);
		*end = db_day(st, 2);
	}
	db_finalize(st);
	if (!found)
		cli_data_error(NULL, 0, NULL, "%s: subscription '%s' is not in "
		    "subscriptions", verb, sub);
	return found ? 0 : -1;
}

int
billing_pause(struct db *db, const char *sub, int32_t from, int32_t to,
    const struct billing_opts *o)
{
	struct db_changes ch = { .n = 0 };
	char account[ENTITY_ID_MAX + 1], f[DATE_FMT_MAX], a[DATE_FMT_MAX];
	char z[DATE_FMT_MAX] = "";
	struct db_stmt *st;
	int32_t start, end;

	db_begin(db);
	if (pause_sub(db, "pause", sub, account, &start, &end) != 0)
		return db_finish(db, "pause", o->arguments, &ch);
	if (from < start || (end != DATE_NONE && from >= end)) {
		date_format(f, from);
		date_format(a, start);
		if (end != DATE_NONE)
			date_format(z, end);
		cli_data_error(NULL, 0, NULL, "pause: --from %s is not a day of "
		    "subscription '%s', which runs from %s%s%s", f, sub, a,
		    end != DATE_NONE ? " to " : " with no end", z);
		return db_finish(db, "pause", o->arguments, &ch);
	}
	st = db_prepare(db, sql_pause_overlap);
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, sub);
	db_bind_day(st, 3, from);
	bind_day_or_null(st, 4, to);
	if (db_row(st))
		cli_data_error(NULL, 0, NULL, "pause: subscription '%s' is "
		    "paused from %s%s%s already: a pause may not overlap "
		    "another", sub, db_text(st, 0), db_null(st, 1) ? " with no "
		    "end" : " to ", db_null(st, 1) ? "" : db_text(st, 1));
	db_finalize(st);
	if (cli_data_errors() > 0)
		return db_finish(db, "pause", o->arguments, &ch);
	st = db_prepare(db, sql_pause_add);
	db_bind_text(st, 1, sub);
	db_bind_text(st, 2, account);
	db_bind_day(st, 3, from);
	bind_day_or_null(st, 4, to);
	db_done(st);
	db_finalize(st);
	db_changes_add(&ch, "pauses", 1, 0, 0);
	put_pause(o, sub, account, from, to);
	return db_finish(db, "pause", o->arguments, &ch);
}

int
billing_resume(struct db *db, const char *sub, int32_t on,
    const struct billing_opts *o)
{
	struct db_changes ch = { .n = 0 };
	char account[ENTITY_ID_MAX + 1], d[DATE_FMT_MAX];
	struct db_stmt *st;
	int32_t start, end, from = DATE_NONE, to = DATE_NONE;

	db_begin(db);
	if (pause_sub(db, "resume", sub, account, &start, &end) != 0)
		return db_finish(db, "resume", o->arguments, &ch);
	st = db_prepare(db, sql_pause_held);
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, sub);
	db_bind_day(st, 3, on);
	if (db_row(st)) {
		from = db_day(st, 0);
		to = db_day(st, 1);
	}
	db_finalize(st);
	if (from == DATE_NONE) {
		date_format(d, on - 1);
		cli_data_error(NULL, 0, NULL, "resume: subscription '%s' is not "
		    "paused on %s, the day before --on", sub, d);
		return db_finish(db, "resume", o->arguments, &ch);
	}
	if (to != on) {
		st = db_prepare(db, sql_pause_end);
		db_bind_text(st, 1, account);
		db_bind_text(st, 2, sub);
		db_bind_day(st, 3, from);
		db_bind_day(st, 4, on);
		db_done(st);
		db_finalize(st);
		db_changes_add(&ch, "pauses", 0, 1, 0);
	}
	put_pause(o, sub, account, from, on);
	return db_finish(db, "resume", o->arguments, &ch);
}
