/*
 * gen: the deterministic data generator of the benchmarks.
 *
 *     gen [--seed N] [--scale S] [--rows N] ENTITY > ENTITY.csv
 *
 * writes one entity of a made-up company as CSV with the import columns
 * of DESIGN.md section 3.  The same seed and scale give the same bytes on
 * every machine: the random numbers come from our own splitmix64, and
 * every number is an integer (money through lib/money.h, dates through
 * lib/date.h).
 *
 * The company at scale 1: 100,000 accounts, 50 products with their price
 * book and the regions' tax rates, 300,000 subscriptions, 1,000,000
 * invoice lines with their payments, 360,000 usage events, 50,000
 * opportunities with their stage history, and 1,000,000 quote lines; accounts,
 * subscriptions and lines grow with the scale (a decimal such as 0.25 or
 * 16), the catalogue does not.  --rows sets the number of invoice or
 * quote lines alone, so that files of several sizes refer to the same
 * accounts (payments follow the invoices of the same --rows).
 *
 * Entities refer to each other consistently without being held in memory:
 * an account's attributes (currency, region, tax rate) and a product's are
 * pure functions of the seed and the number, recomputed wherever they are
 * needed.  Each entity is one gen_ENTITY() function that draws its own
 * stream of random numbers (payments walk the invoices' stream again); a
 * new entity (users, csat...) is one more function and one more
 * row in `entities`.
 *
 * Output goes through one buffer written with fwrite(); nothing is
 * allocated.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "money.h"

/* day + n months; the generator's days are far inside the calendar. */
static int32_t
months_after(int32_t day, int n)
{
	int32_t out;

	if (date_add_months(day, n, &out) != 0) {
		fprintf(stderr, "gen: a date past the calendar\n");
		exit(2);
	}
	return out;
}

#define PRODUCTS 50
#define ACCOUNTS_PER_SCALE 100000
#define ROWS_PER_SCALE 1000000
#define SUBSCRIPTIONS_PER_ACCOUNT 3
#define ID_DIGITS 6		/* ACC-000001, INV-2026-000001 */

struct gen {
	uint64_t seed;
	long accounts;		/* ACC-000001 ... */
	long rows;		/* invoice lines */
};

/* ---- output ------------------------------------------------------------- */

static char obuf[1 << 16];
static size_t olen;

static void
flush_out(void)
{
	if (olen > 0 && fwrite(obuf, 1, olen, stdout) != olen) {
		perror("gen: write error");
		exit(3);
	}
	olen = 0;
}

/* Room for one field of at most n bytes. */
static char *
room(size_t n)
{
	if (olen + n > sizeof(obuf))
		flush_out();
	return obuf + olen;
}

static void
put(const char *s, size_t n)
{
	memcpy(room(n), s, n);
	olen += n;
}

static void
put_s(const char *s)
{
	put(s, strlen(s));
}

static void
put_c(char c)
{
	*room(1) = c;
	olen++;
}

/* v in decimal, zero-padded to at least width digits. */
static void
put_u(uint64_t v, int width)
{
	char rev[24];
	char *p = room(sizeof(rev));
	int n = 0;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n < width)
		rev[n++] = '0';
	while (n > 0)
		*p++ = rev[--n];
	olen = (size_t)(p - obuf);
}

/* A text cell, quoted when it holds a comma, a quote or a line end. */
static void
put_text(const char *s)
{
	size_t n = strcspn(s, ",\"\r\n");

	if (s[n] == '\0') {
		put(s, n);
		return;
	}
	put_c('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			put_c('"');
		put_c(*s);
	}
	put_c('"');
}

static void
put_date(int32_t day)
{
	olen += date_format(room(DATE_FMT_MAX), day);
}

/* A decimal with exactly `scale` decimals (amounts). */
static void
put_money(int64_t v, int scale)
{
	olen += money_format(room(MONEY_FMT_MAX), v, scale, '.');
}

/* A decimal without trailing zero decimals (quantities, prices). */
static void
put_trim(int64_t v, int scale)
{
	olen += money_format_trim(room(MONEY_FMT_MAX), v, scale, 0, '.');
}

static void
put_id(const char *prefix, uint64_t n)
{
	put_s(prefix);
	put_u(n, ID_DIGITS);
}

/* ---- random numbers ----------------------------------------------------- */

/* splitmix64 (Steele, Lea, Flood 2014): a state, and its output function
 * also serves as a hash of (seed, number) for the pure attributes. */
static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t
next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix(r->s);
}

/* A number in [0, n), n > 0 (Lemire's multiply-shift; the bias is far
 * below anything a benchmark notices). */
static uint64_t
below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)next(r) * n) >> 64);
}

/* A stream of its own for each entity and each numbered thing. */
static struct rng
stream(const struct gen *g, uint64_t what, uint64_t n)
{
	struct rng r = { mix(g->seed ^ mix(what * 0x100000001b3ULL + n)) };

	return r;
}

enum { S_ACCOUNT = 1, S_PRODUCT, S_ACCOUNTS, S_PRODUCTS, S_INVOICES,
    S_QUOTE_LINES, S_FX_RATES, S_SUBSCRIPTIONS, S_PAYMENTS, S_USAGE,
    S_OPPORTUNITY };

#define PICK(r, a) ((a)[below((r), sizeof(a) / sizeof((a)[0]))])

/* ---- the company ------------------------------------------------------ */

static const char *const adjectives[] = {
	"Blue", "Northern", "Rapid", "Bright", "Silver", "Global", "Quiet",
	"Summit", "Iron", "Golden", "Pacific", "Atlas", "Prime", "Urban",
	"Coastal", "Vertex"
};
static const char *const nouns[] = {
	"Systems", "Labs", "Logistics", "Foods", "Health", "Analytics",
	"Robotics", "Media", "Energy", "Capital", "Software", "Studios",
	"Partners", "Dynamics"
};
static const char *const suffixes[] = {
	" Inc.", ", Inc.", " LLC", " Ltd", " GmbH", " & Co.", "", " Corp."
};
static const char *const segments[] = { "smb", "mid_market", "enterprise" };
static const char *const industries[] = {
	"software", "retail", "healthcare", "manufacturing", "finance",
	"education", "media", "logistics"
};
static const char *const owners[] = {
	"Ana Ruiz", "Ben Okafor", "Chloe Martin", "Dev Patel", "Emma Schulz",
	"Farid Haddad", "Grace O'Neil", "Hiro Tanaka"
};
static const char *const regions[] = { "NA", "NA", "NA", "LATAM", "APAC" };

/* Tax rates in percent x 10^6, 0 to 20 %. */
static const int64_t tax_rates[] = {
	0, 5000000, 7250000, 8875000, 10000000, 13000000, 19000000, 20000000
};

struct account {
	char currency[4];
	const char *region;
	int64_t tax_micro;	/* percent x 10^6 */
	int32_t created_on;
};

/* Account n (from 1): one in twenty is a European account billed in EUR;
 * the rest are billed in USD. */
static struct account
account_of(const struct gen *g, long n)
{
	struct rng r = stream(g, S_ACCOUNT, (uint64_t)n);
	struct account a;
	int eur = below(&r, 20) == 0;

	memcpy(a.currency, eur ? "EUR" : "USD", 4);
	a.region = eur ? "EMEA" : PICK(&r, regions);
	a.tax_micro = PICK(&r, tax_rates);
	a.created_on = date_from_ymd(2020, 1, 1) + (int32_t)below(&r, 1461);
	return a;
}

enum kind { ONE_TIME, RECURRING, USAGE };

struct product {
	char sku[16];
	char name[64];
	const char *family;
	enum kind kind;
	int months;		/* billing period of a recurring product */
	const char *unit;
	int64_t price;		/* list unit price, minor unit x 10^6 */
	int64_t cost;		/* unit cost, the same scale */
};

static const char *const plans[] = {
	"Starter", "Team", "Business", "Enterprise", "Analytics", "Security",
	"Storage", "Support", "Compliance", "Integrations"
};
static const char *const services[] = {
	"Onboarding \"Quick Start\" package", "Training, per seat",
	"Data migration", "Custom integration, fixed fee", "Health check"
};
static const char *const meters[] = {
	"API calls", "Storage GB-month", "Messages", "Compute minutes"
};
static const char *const unit_of_meter[] = {
	"call", "GB-month", "message", "minute"
};

/* Product n (from 1): recurring plans in three billing periods, one-time
 * services, and usage meters priced in fractions of a cent. */
static struct product
product_of(const struct gen *g, int n)
{
	struct rng r = stream(g, S_PRODUCT, (uint64_t)n);
	struct product p;
	int k = (n - 1) % 10;

	snprintf(p.sku, sizeof(p.sku), "SKU-%03d", n);
	if (k < 6) {
		static const int months[] = { 1, 1, 1, 3, 12, 12 };
		static const char *const period[] = {
			"monthly", "monthly", "monthly", "quarterly",
			"annual", "annual"
		};

		p.kind = RECURRING;
		p.months = months[k];
		snprintf(p.name, sizeof(p.name), "%s plan %d (%s)",
		    plans[(n - 1) % 10], (n - 1) / 10 + 1, period[k]);
		p.family = "platform";
		p.unit = "seat";
		/* $5.00 to $500.00 a month, whole cents */
		p.price = (int64_t)(500 + below(&r, 49501)) * 1000000 *
		    p.months;
	} else if (k < 8) {
		p.kind = ONE_TIME;
		p.months = 0;
		snprintf(p.name, sizeof(p.name), "%s %d",
		    services[((n - 1) / 10 * 2 + k - 6) % 5], (n - 1) / 10 + 1);
		p.family = "services";
		p.unit = "each";
		p.price = (int64_t)(10000 + below(&r, 490000)) * 1000000;
	} else {
		int m = ((n - 1) / 10 * 2 + k - 8) % 4;

		p.kind = USAGE;
		p.months = 0;
		snprintf(p.name, sizeof(p.name), "%s (%d)", meters[m],
		    (n - 1) / 10 + 1);
		p.family = "usage";
		p.unit = unit_of_meter[m];
		/* $0.0001 to $0.05 a unit */
		p.price = (int64_t)(1 + below(&r, 500)) * 10000;
	}
	p.cost = p.price / 100 * (int64_t)(10 + below(&r, 40));
	return p;
}

/* ---- the entities ------------------------------------------------------- */

static void
gen_accounts(const struct gen *g)
{
	put_s("account_id,name,segment,region,industry,owner,currency,"
	    "created_on,billing_email\n");
	for (long n = 1; n <= g->accounts; n++) {
		struct account a = account_of(g, n);
		struct rng r = stream(g, S_ACCOUNTS, (uint64_t)n);
		char name[96];

		if (below(&r, 100) == 0)
			snprintf(name, sizeof(name), "\"%s\" %s%s",
			    PICK(&r, adjectives), PICK(&r, nouns),
			    PICK(&r, suffixes));
		else
			snprintf(name, sizeof(name), "%s %s%s",
			    PICK(&r, adjectives), PICK(&r, nouns),
			    PICK(&r, suffixes));
		put_id("ACC-", (uint64_t)n);
		put_c(',');
		put_text(name);
		put_c(',');
		put_s(PICK(&r, segments));
		put_c(',');
		put_s(a.region);
		put_c(',');
		put_s(PICK(&r, industries));
		put_c(',');
		put_s(PICK(&r, owners));
		put_c(',');
		put_s(a.currency);
		put_c(',');
		put_date(a.created_on);
		put_s(",billing@acc-");
		put_u((uint64_t)n, ID_DIGITS);
		put_s(".example.com\n");
	}
}

static void
gen_products(const struct gen *g)
{
	static const char *const period[] = {
		[1] = "month", [3] = "quarter", [12] = "year"
	};
	static const char *const kind[] = { "one_time", "recurring", "usage" };

	put_s("sku,name,family,kind,billing_period,unit,unit_cost,active\n");
	for (int n = 1; n <= PRODUCTS; n++) {
		struct product p = product_of(g, n);

		put_s(p.sku);
		put_c(',');
		put_text(p.name);
		put_c(',');
		put_s(p.family);
		put_c(',');
		put_s(kind[p.kind]);
		put_c(',');
		if (p.kind == RECURRING)
			put_s(period[p.months]);
		put_c(',');
		put_s(p.unit);
		put_c(',');
		put_trim(p.cost, 2 + MONEY_PRICE_DIGITS);
		put_s(",true\n");
	}
}

/*
 * Invoices of 1 to 5 lines, issued from 2024-01-01 to 2026-12-31, in the
 * account's currency.  A line's amount is quantity x unit price rounded
 * half away from zero to the cent, its tax the account's rate of the
 * amount, rounded the same way.  Recurring lines cover their billing
 * period from the first of the month, usage lines the month before; one
 * line in a hundred is a negative service credit without a sku.  The last
 * invoice is cut short so that there are exactly g->rows lines.
 *
 * The invoices are one walk of one stream, an invoice at a time, which
 * draws the same numbers whether it writes the lines or not: payments
 * walk it again, silently, to pay the same invoices their totals.
 */
struct invoice_walk {
	struct product cat[PRODUCTS];
	struct rng r;
	int32_t first, days;
	unsigned long inv;	/* the last invoice's number */
	long left;		/* lines still to make */
};

/* What payments need to know of an invoice. */
struct invoice_sum {
	unsigned long inv;
	long acc;
	char currency[4];
	int32_t issue, due;
	const char *status;
	int64_t total;		/* its lines and their tax, in cents */
};

static void
invoice_walk_start(const struct gen *g, struct invoice_walk *w)
{
	w->r = stream(g, S_INVOICES, 0);
	w->first = date_from_ymd(2024, 1, 1);
	w->days = date_from_ymd(2027, 1, 1) - w->first;
	w->inv = 0;
	w->left = g->rows;
	for (int n = 1; n <= PRODUCTS; n++)
		w->cat[n - 1] = product_of(g, n);
}

/* The next invoice, its lines written when `write`; 0 after the last. */
static int
invoice_next(const struct gen *g, struct invoice_walk *w, int write,
    struct invoice_sum *sum)
{
	static const int terms[] = { 0, 15, 30, 30, 30, 45, 60 };
	static const char *const status[] = {
		"paid", "paid", "paid", "paid", "paid", "paid", "paid",
		"open", "open", "void"
	};
	/* One line in 25 has a note; two notes in three need quoting. */
	static const char *const notes[] = {
		" - prorated", ", as agreed", " (\"early renewal\")"
	};
	struct rng *r = &w->r;
	long acc;
	struct account a;
	int32_t issue, due, month;
	const char *st;
	long lines;
	/* The header columns, the same on every line. */
	char head[96];
	size_t hlen = 0;
	int64_t total = 0;

	if (w->left <= 0)
		return 0;
	acc = 1 + (long)below(r, (uint64_t)g->accounts);
	a = account_of(g, acc);
	issue = w->first + (int32_t)below(r, (uint64_t)w->days);
	due = issue + PICK(r, terms);
	month = date_month_start(date_month_of(issue));
	st = PICK(r, status);
	lines = 1 + (long)below(r, 5);
	if (lines > w->left)
		lines = w->left;
	w->left -= lines;
	w->inv++;
	if (write) {
		hlen = (size_t)snprintf(head, sizeof(head),
		    "INV-2026-%0*lu,ACC-%0*ld,", ID_DIGITS, w->inv, ID_DIGITS,
		    acc);
		hlen += date_format(head + hlen, issue);
		head[hlen++] = ',';
		hlen += date_format(head + hlen, due);
		head[hlen++] = ',';
		memcpy(head + hlen, a.currency, 3);
		hlen += 3;
		head[hlen++] = ',';
	}

	for (long line = 1; line <= lines; line++) {
		const struct product *p = &w->cat[below(r, PRODUCTS)];
		int64_t qty, price, amount, tax;
		int32_t start = 0, end = 0;
		char desc[128];

		if (write) {
			put(head, hlen);
			put_u((uint64_t)line, 1);
			put_c(',');
		}
		if (below(r, 100) == 0) {
			/* A credit: no sku, a negative price. */
			unsigned long long ticket;

			qty = 1000000;
			price = -(int64_t)(100 + below(r, 10000)) * 1000000;
			ticket = 10000 + below(r, 90000);
			if (write)
				snprintf(desc, sizeof(desc), "Service credit, "
				    "ticket %llu", ticket);
		} else {
			const char *note;

			price = p->price;
			if (below(r, 4) == 0) {
				/* 5 to 30 % off */
				int64_t pct = 100 - 5 *
				    (int64_t)(1 + below(r, 6));

				money_mul(price, pct, 2, &price);
			}
			switch (p->kind) {
			case RECURRING:
				qty = (int64_t)(1 + below(r, 50)) * 1000000;
				start = month;
				end = months_after(month, p->months);
				break;
			case USAGE:
				/* up to 250,000 units, 3 decimals */
				qty = (int64_t)below(r, 250000000) * 1000;
				end = month;
				start = months_after(month, -1);
				break;
			default:
				qty = (int64_t)(1 + below(r, 5)) * 1000000;
				break;
			}
			note = below(r, 25) == 0 ? PICK(r, notes) : "";
			if (write) {
				snprintf(desc, sizeof(desc), "%s%s", p->name,
				    note);
				put_s(p->sku);
			}
		}
		money_mul(qty, price, MONEY_QTY_SCALE + MONEY_PRICE_DIGITS,
		    &amount);
		money_mul(amount, a.tax_micro, MONEY_PCT_SCALE + 2, &tax);
		total += amount + tax;
		if (!write)
			continue;
		put_c(',');
		put_text(desc);
		put_c(',');
		put_trim(qty, MONEY_QTY_SCALE);
		put_c(',');
		put_trim(price, 2 + MONEY_PRICE_DIGITS);
		put_c(',');
		put_money(amount, 2);
		put_c(',');
		put_money(tax, 2);
		put_c(',');
		if (start != end) {
			put_date(start);
			put_c(',');
			put_date(end);
			put_c(',');
		} else
			put_s(",,");
		put_s(st);
		put_c('\n');
	}
	if (sum != NULL) {
		sum->inv = w->inv;
		sum->acc = acc;
		memcpy(sum->currency, a.currency, 4);
		sum->issue = issue;
		sum->due = due;
		sum->status = st;
		sum->total = total;
	}
	return 1;
}

static void
gen_invoices(const struct gen *g)
{
	static struct invoice_walk w;

	invoice_walk_start(g, &w);
	put_s("invoice_id,account_id,issue_date,due_date,currency,line_no,"
	    "sku,description,quantity,unit_price,amount,tax_amount,"
	    "service_start,service_end,status\n");
	while (invoice_next(g, &w, 1, NULL))
		;
}

/*
 * Payments of the invoices above (the same walk, so the same invoices and
 * totals), in the invoice's currency: a paid invoice is paid in full,
 * one in ten in two instalments a few weeks apart; one open invoice in
 * four has 30 to 70 % of it paid; void invoices, and those of no more than
 * zero, get nothing.  Most payments arrive by the due date, one in six up
 * to 60 days late, so that some come after the last day of the invoices
 * (2026-12-31).  Seven payments in eight name their invoice; the others
 * go to the account's oldest open invoice when applied.  About 270,000
 * payments at scale 1, numbered in the order of the invoices.
 */
static void
gen_payments(const struct gen *g)
{
	static const char *const methods[] = {
		"ach", "ach", "ach", "card", "card", "wire", "check"
	};
	static struct invoice_walk w;
	struct invoice_sum inv;
	struct rng r = stream(g, S_PAYMENTS, 0);
	unsigned long pay = 0;

	invoice_walk_start(g, &w);
	put_s("payment_id,account_id,received_on,amount,currency,method,"
	    "invoice_id,reference\n");
	while (invoice_next(g, &w, 0, &inv)) {
		int64_t part[2];
		int32_t on;
		int n;

		if (inv.total <= 0 || strcmp(inv.status, "void") == 0)
			continue;
		if (strcmp(inv.status, "paid") == 0) {
			n = below(&r, 10) == 0 ? 2 : 1;
			part[0] = n == 2 ? inv.total / 2 : inv.total;
			part[1] = inv.total - part[0];
		} else {
			if (below(&r, 4) != 0)
				continue;
			n = 1;
			part[0] = inv.total * (int64_t)(30 + below(&r, 41)) /
			    100;
		}
		/* by the due date, or up to 60 days late */
		on = below(&r, 6) == 0 ? inv.due + 1 + (int32_t)below(&r, 60) :
		    inv.issue + (int32_t)below(&r, (uint64_t)(inv.due -
		    inv.issue + 1));
		for (int i = 0; i < n; i++) {
			int named = below(&r, 8) != 0;

			if (i > 0)
				on += 14 + (int32_t)below(&r, 31);
			if (part[i] <= 0)
				continue;
			put_id("PAY-", ++pay);
			put_c(',');
			put_id("ACC-", (uint64_t)inv.acc);
			put_c(',');
			put_date(on);
			put_c(',');
			put_money(part[i], 2);
			put_c(',');
			put_s(inv.currency);
			put_c(',');
			put_s(PICK(&r, methods));
			put_c(',');
			if (named)
				put_id("INV-2026-", inv.inv);
			put_c(',');
			if (below(&r, 2) == 0)
				put_id("REM-", 1 + below(&r, 99999999));
			put_c('\n');
		}
	}
}

/*
 * The price book: every product in USD and in EUR (at 92 % of the USD
 * price), in one of four models that depends on the product alone:
 *   recurring plans  per_unit, volume or graduated, in turn;
 *   services         flat fees by tier (an onboarding package for up to
 *                    10, 50, 200 or more seats) or per_unit;
 *   usage meters     graduated or per_unit.
 * Volume, graduated and flat products have tiers from 1, 11, 51 and 201;
 * volume and graduated ones get cheaper by 10 points of the list price a
 * tier, flat fees grow with the tier.  Prices are whole cents but for the
 * usage meters' fractions of a cent.
 *
 * The current prices took effect on 2025-01-01.  One product in five also
 * has the older prices of 2023 and 2024 (5 % lower), and one in ten a
 * raise of 5 % from 2027-01-01, its current prices ending then; on any day
 * of 2025 and 2026 the current prices are in effect.
 */
enum { P_FLAT, P_PER_UNIT, P_VOLUME, P_GRADUATED };

static const char *const model_names[] = { "flat", "per_unit", "volume",
    "graduated" };

static int
model_of(int n)
{
	int k = (n - 1) % 10;

	if (k < 6)
		return P_PER_UNIT + (k + (n - 1) / 10) % 3;
	if (k < 8)
		return k == 6 ? P_FLAT : P_PER_UNIT;
	return k == 8 ? P_GRADUATED : P_PER_UNIT;
}

#define TIERS 4
static const int tier_min[TIERS] = { 1, 11, 51, 201 };

/* Whole cents (minor x 10^6 rounded to a multiple of 10^6), but for usage
 * prices. */
static int64_t
list_price(const struct product *p, int64_t v, int64_t pct)
{
	int64_t out;

	money_mul(v, pct, 2, &out);
	if (p->kind != USAGE) {
		money_round(out, MONEY_PRICE_DIGITS, &out);
		out *= 1000000;
	}
	return out;
}

static void
put_price_rows(const struct product *p, int model, const char *currency,
    int64_t base, const char *from, const char *to)
{
	int ntier = model == P_PER_UNIT ? 1 : TIERS;

	for (int t = 0; t < ntier; t++) {
		int64_t pct = model == P_FLAT ? 100 * (1 + 2 * t) : 100 - 10 * t;

		put_s(p->sku);
		put_c(',');
		put_s(currency);
		put_c(',');
		put_s(model_names[model]);
		put_c(',');
		put_u((uint64_t)tier_min[t], 1);
		put_c(',');
		put_trim(list_price(p, base, pct), 2 + MONEY_PRICE_DIGITS);
		put_c(',');
		put_s(from);
		put_c(',');
		put_s(to);
		put_c('\n');
	}
}

static void
gen_prices(const struct gen *g)
{
	static const char *const currencies[] = { "USD", "EUR" };

	put_s("sku,currency,model,tier_min,unit_price,effective_from,"
	    "effective_to\n");
	for (int n = 1; n <= PRODUCTS; n++) {
		struct product p = product_of(g, n);
		int model = model_of(n);

		for (int c = 0; c < 2; c++) {
			int64_t base = c == 0 ? p.price :
			    list_price(&p, p.price, 92);
			int raise = n % 10 == 3;

			if (n % 5 == 0)
				put_price_rows(&p, model, currencies[c],
				    list_price(&p, base, 95), "2023-01-01",
				    "2025-01-01");
			put_price_rows(&p, model, currencies[c], base,
			    "2025-01-01", raise ? "2027-01-01" : "");
			if (raise)
				put_price_rows(&p, model, currencies[c],
				    list_price(&p, base, 105), "2027-01-01",
				    "");
		}
	}
}

/*
 * The rate of EUR in USD (the base) on the first of every month from
 * 2023 to 2027: a walk from 1.08 of at most half a cent a month, with 4
 * decimals.  Enough for anything in EUR on those days: the EUR accounts'
 * invoices, quotes and costs.
 */
static void
gen_fx_rates(const struct gen *g)
{
	struct rng r = stream(g, S_FX_RATES, 0);
	int64_t rate = 10800;		/* x 10^4 */

	put_s("currency,rate_date,rate\n");
	for (int m = 0; m < 60; m++) {
		put_s("EUR,");
		put_date(date_from_ymd(2023 + m / 12, 1 + m % 12, 1));
		put_c(',');
		put_trim(rate, 4);
		put_c('\n');
		rate += (int64_t)below(&r, 101) - 50;
	}
}

/*
 * Subscriptions to the 30 recurring plans, three per account at scale 1
 * (300,000), of accounts drawn at random: seven in ten monthly, the rest
 * quarterly or annual, each in its plan's billing period.  The unit price
 * is the plan's list price for a period in the account's currency (the
 * older price of 2023-2024 for the plans that had one, when started
 * before 2025); half have a discount of 5 to 25 %.  Seats as in the
 * quotes: mostly 1 to 10, a quarter 11 to 50, the rest up to 300.
 *
 * Starts are spread over the two years before 2026-07-01, so that a run
 * for 2026-06 bills full periods and the partial first periods of the
 * month's new subscriptions.  One in five has an end: half after whole
 * billing periods (a term that was not renewed), half on any day
 * (cancelled); some ended long ago, some end inside 2026-06 (prorated),
 * some in the future.  No contract ids (contracts are not generated).
 */
static void
gen_subscriptions(const struct gen *g)
{
	static const char *const period[] = {
		[1] = "month", [3] = "quarter", [12] = "year"
	};
	struct product cat[PRODUCTS];
	struct rng r = stream(g, S_SUBSCRIPTIONS, 0);
	int32_t first = date_from_ymd(2024, 7, 1);
	int32_t days = date_from_ymd(2026, 7, 1) - first;
	int32_t new_prices = date_from_ymd(2025, 1, 1);
	long subs = g->accounts * SUBSCRIPTIONS_PER_ACCOUNT;

	for (int n = 1; n <= PRODUCTS; n++)
		cat[n - 1] = product_of(g, n);
	put_s("subscription_id,account_id,contract_id,sku,quantity,"
	    "unit_price,discount_pct,currency,billing_period,start_date,"
	    "end_date\n");
	for (long s = 1; s <= subs; s++) {
		long acc = 1 + (long)below(&r, (uint64_t)g->accounts);
		struct account a = account_of(g, acc);
		uint64_t u = below(&r, 100), qty;
		/* plans 0-2 of a ten are monthly, 3 quarterly, 4-5 annual */
		int k = u < 70 ? (int)below(&r, 3) : u < 85 ? 3 :
		    4 + (int)below(&r, 2);
		int n = 10 * (int)below(&r, PRODUCTS / 10) + k + 1;
		const struct product *p = &cat[n - 1];
		int32_t start = first + (int32_t)below(&r, (uint64_t)days);
		int64_t price = p->price;

		if (strcmp(a.currency, "EUR") == 0)
			price = list_price(p, price, 92);
		if (n % 5 == 0 && start < new_prices)
			price = list_price(p, price, 95);
		put_id("SUB-", (uint64_t)s);
		put_c(',');
		put_id("ACC-", (uint64_t)acc);
		put_s(",,");
		put_s(p->sku);
		put_c(',');
		u = below(&r, 100);
		qty = u < 70 ? 1 + below(&r, 10) : u < 95 ? 11 + below(&r, 40) :
		    51 + below(&r, 250);
		put_u(qty, 1);
		put_c(',');
		put_trim(price, 2 + MONEY_PRICE_DIGITS);
		put_c(',');
		put_u(below(&r, 2) == 0 ? 0 : 5 * (1 + below(&r, 5)), 1);
		put_c(',');
		put_s(a.currency);
		put_c(',');
		put_s(period[p->months]);
		put_c(',');
		put_date(start);
		put_c(',');
		if (below(&r, 5) == 0) {
			if (below(&r, 2) == 0)
				put_date(months_after(start, p->months *
				    (1 + (int)below(&r, (uint64_t)(24 /
				    p->months)))));
			else
				put_date(start + 1 + (int32_t)below(&r, 730));
		}
		put_c('\n');
	}
}

/* The tax rates of the accounts' regions, exclusive, in percent. */
/* Usage events: one an account in ten meters its use, a few events a
 * month each, over the year to June 2026, on the usage products. */
static void
gen_usage(const struct gen *g)
{
	struct rng r = stream(g, S_USAGE, 0);
	int32_t first = date_from_ymd(2025, 7, 1);
	int32_t days = date_from_ymd(2026, 7, 1) - first;
	long events = g->accounts / 10 * 36;

	put_s("event_id,account_id,sku,quantity,used_on\n");
	for (long e = 1; e <= events; e++) {
		/* the usage products are the last two of each ten */
		int n = 10 * (int)below(&r, PRODUCTS / 10) + 9 +
		    (int)below(&r, 2);

		put_id("EV-", (uint64_t)e);
		put_c(',');
		put_id("ACC-", 1 + 10 * below(&r, (uint64_t)g->accounts / 10));
		put_s(",SKU-0");
		put_u((uint64_t)n, 2);
		put_c(',');
		put_u(1 + below(&r, 5000), 1);
		put_c(',');
		put_date(first + (int32_t)below(&r, (uint64_t)days));
		put_c('\n');
	}
}

/*
 * Opportunity n: an account's deal created over the two years to June
 * 2026, walking the default stages; most close within 90 days, won a
 * third of the time.  Its history and its row are pure functions of n,
 * so that gen_opportunities() and gen_stage_history() agree.
 */
struct opportunity {
	long account;
	int32_t created, closed;	/* closed DATE_NONE: open */
	int reached;			/* index into opp_stages */
	int won;
	int64_t amount;			/* cents */
	int type;
};

static const char *const opp_stages[] = { "prospecting", "qualification",
    "proposal", "negotiation" };
static const char *const opp_types[] = { "new", "expansion", "renewal" };

static struct opportunity
opportunity_of(const struct gen *g, long n)
{
	struct rng r = stream(g, S_OPPORTUNITY, (uint64_t)n);
	struct opportunity o;
	int32_t first = date_from_ymd(2024, 7, 1);
	int32_t last = date_from_ymd(2026, 7, 1);

	o.account = 1 + (long)below(&r, (uint64_t)g->accounts);
	o.created = first + (int32_t)below(&r, (uint64_t)(last - first));
	o.reached = (int)below(&r, 4);
	o.closed = o.created + 10 + (int32_t)below(&r, 120);
	o.won = below(&r, 3) == 0;
	if (o.closed >= last)
		o.closed = DATE_NONE;
	o.amount = (int64_t)(1000 + below(&r, 99000)) * 100;
	o.type = (int)below(&r, 3);
	return o;
}

static void
gen_opportunities(const struct gen *g)
{
	long n = g->accounts / 2;

	put_s("opportunity_id,account_id,name,type,stage,amount,currency,"
	    "created_on,close_date,owner\n");
	for (long i = 1; i <= n; i++) {
		struct opportunity o = opportunity_of(g, i);
		struct account a = account_of(g, o.account);

		put_id("OPP-", (uint64_t)i);
		put_c(',');
		put_id("ACC-", (uint64_t)o.account);
		put_s(",Deal ");
		put_u((uint64_t)i, 1);
		put_c(',');
		put_s(opp_types[o.type]);
		put_c(',');
		put_s(o.closed == DATE_NONE ? opp_stages[o.reached] :
		    o.won ? "closed_won" : "closed_lost");
		put_c(',');
		put_money(o.amount, 2);
		put_c(',');
		put_s(a.currency);
		put_c(',');
		put_date(o.created);
		put_c(',');
		put_date(o.closed != DATE_NONE ? o.closed : o.created + 90);
		put_c(',');
		put_s(owners[(size_t)o.account % (sizeof(owners) /
		    sizeof(owners[0]))]);
		put_c('\n');
	}
}

/* Each opportunity's stages from prospecting to the one it reached, a
 * few days apart, then its close. */
static void
gen_stage_history(const struct gen *g)
{
	long n = g->accounts / 2;

	put_s("opportunity_id,stage,changed_on\n");
	for (long i = 1; i <= n; i++) {
		struct opportunity o = opportunity_of(g, i);
		int32_t day = o.created;

		for (int k = 0; k <= o.reached; k++) {
			put_id("OPP-", (uint64_t)i);
			put_c(',');
			put_s(opp_stages[k]);
			put_c(',');
			put_date(day);
			put_c('\n');
			day += 1 + (int32_t)(i % 7) * (k + 1);
		}
		if (o.closed == DATE_NONE)
			continue;
		put_id("OPP-", (uint64_t)i);
		put_s(o.won ? ",closed_won," : ",closed_lost,");
		put_date(o.closed > day ? o.closed : day);
		put_c('\n');
	}
}

static void
gen_tax_rates(const struct gen *g)
{
	(void)g;
	put_s("region,rate\nAPAC,10\nEMEA,20\nLATAM,16\nNA,7.25\n");
}

/*
 * Lines to quote, for `revops-quote price`: an account, one of the 40
 * products that are quoted (not the usage meters), a quantity, a discount
 * and a term.  Seven lines in ten are for 1 to 10 units, a quarter for 11
 * to 60 (across the first tiers), the rest for 61 to 300; half the lines
 * have no discount, the others 0 to 30 % (mostly in steps of 5, some in
 * steps of 0.5); terms of 1 to 36 months, mostly 12.
 */
static void
gen_quote_lines(const struct gen *g)
{
	static const int terms[] = { 12, 12, 12, 12, 24, 36, 1 };
	struct rng r = stream(g, S_QUOTE_LINES, 0);
	char sku[PRODUCTS][16];
	int nsku = 0;

	for (int n = 1; n <= PRODUCTS; n++)
		if ((n - 1) % 10 < 8)
			snprintf(sku[nsku++], sizeof(sku[0]), "SKU-%03d", n);
	put_s("account_id,sku,quantity,discount_pct,term_months\n");
	for (long left = g->rows; left > 0; left--) {
		uint64_t u = below(&r, 100), qty, pct;

		put_id("ACC-", 1 + below(&r, (uint64_t)g->accounts));
		put_c(',');
		put_s(sku[below(&r, (uint64_t)nsku)]);
		put_c(',');
		qty = u < 70 ? 1 + below(&r, 10) : u < 95 ? 11 + below(&r, 50) :
		    61 + below(&r, 240);
		put_u(qty, 1);
		put_c(',');
		u = below(&r, 100);
		pct = u < 50 ? 0 : u < 85 ? 500 * (1 + below(&r, 6)) :
		    50 * below(&r, 61);	/* percent x 100 */
		put_trim((int64_t)pct, 2);
		put_c(',');
		put_u((uint64_t)PICK(&r, terms), 1);
		put_c('\n');
	}
}

/* ---- main --------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(const struct gen *);
} entities[] = {
	{ "accounts", gen_accounts },
	{ "fx_rates", gen_fx_rates },
	{ "invoices", gen_invoices },
	{ "opportunities", gen_opportunities },
	{ "payments", gen_payments },
	{ "prices", gen_prices },
	{ "products", gen_products },
	{ "quote_lines", gen_quote_lines },
	{ "stage_history", gen_stage_history },
	{ "subscriptions", gen_subscriptions },
	{ "tax_rates", gen_tax_rates },
	{ "usage", gen_usage },
};

#define NENTITIES (sizeof(entities) / sizeof(entities[0]))

static void
usage(void)
{
	fprintf(stderr, "usage: gen [--seed N] [--scale S] [--rows N] "
	    "ENTITY\n"
	    "entities:");
	for (size_t i = 0; i < NENTITIES; i++)
		fprintf(stderr, " %s", entities[i].name);
	fprintf(stderr, "\nscale 1: %d accounts, %d products, %d "
	    "subscriptions, %d invoice lines, %d quote lines\n",
	    ACCOUNTS_PER_SCALE, PRODUCTS, ACCOUNTS_PER_SCALE *
	    SUBSCRIPTIONS_PER_ACCOUNT, ROWS_PER_SCALE, ROWS_PER_SCALE);
	exit(2);
}

static int64_t
number_arg(const char *opt, const char *s, int scale)
{
	int64_t v;

	if (money_parse(s, strlen(s), scale, '.', &v) != MONEY_OK || v < 0) {
		fprintf(stderr, "gen: %s: '%s' is not a number%s\n", opt, s,
		    scale > 0 ? " (up to 6 decimals)" : "");
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "rows", required_argument, NULL, 'r' },
		{ "scale", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen g = { 1, 0, 0 };
	int64_t scale = 1000000, rows = -1;	/* scale x 10^6 */
	int ch;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			rows = number_arg("--rows", optarg, 0);
			break;
		case 's':
			scale = number_arg("--scale", optarg, 6);
			break;
		case 'S':
			g.seed = (uint64_t)number_arg("--seed", optarg, 0);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();

	/* ROWS_PER_SCALE is 10^6, so the scale in millionths is the number
	 * of lines. */
	g.rows = rows >= 0 ? (long)rows : (long)scale;
	g.accounts = (long)(scale / (1000000 / ACCOUNTS_PER_SCALE));
	if (g.accounts < 1)
		g.accounts = 1;
	for (size_t i = 0; i < NENTITIES; i++)
		if (strcmp(argv[0], entities[i].name) == 0) {
			entities[i].fn(&g);
			flush_out();
			if (fflush(stdout) != 0 || ferror(stdout)) {
				perror("gen: write error");
				return 3;
			}
			return 0;
		}
	fprintf(stderr, "gen: '%s' is not an entity\n", argv[0]);
	usage();
}
