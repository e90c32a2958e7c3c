#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "fx.h"
#include "money.h"

#define BASE_RATE 1000000000000LL	/* 10^12: the base in itself */

/*
 * The rates of a currency, read whole at its first conversion and kept in
 * the order of their dates as text, as SQL compares them: a command reads
 * one snapshot, and converts amounts of many days in no order, each a
 * query of its own otherwise (on a server a round trip: 837 for the
 * metrics of 50,000 invoice lines).  The rate of a day is the last one of
 * a date up to the day's.
 */
struct rates {
	char code[4];
	size_t n, cap;
	struct rate {
		char *date;
		int64_t pico;	/* 0 for NULL */
	} *r;
};

struct fx {
	struct db_stmt *lookup;
	char base[4];
	const struct currency *report;
	struct rates *kept;	/* the currencies read */
	size_t nkept, capkept;
};

/* a date that is not text (a BLOB another program wrote) is never up to
 * a day's, as SQL compares them */
static const char rate_sql[] =
    "SELECT rate_date, rate_pico FROM fx_rates WHERE currency = ?1 "
    "AND rate_date = CAST(rate_date AS TEXT) ORDER BY rate_date";

struct fx *
fx_open(struct db *db, const char *report)
{
	struct fx *fx = cli_calloc(1, sizeof(*fx));
	char buf[16];
	const char *base = db_setting(db, "base_currency", buf, sizeof(buf));

	snprintf(fx->base, sizeof(fx->base), "%s", base ? base : "USD");
	if (report == NULL)
		report = fx->base;
	if ((fx->report = money_currency(report, strlen(report))) == NULL)
		cli_usage_error("'%s' is not an ISO 4217 currency code",
		    report);
	fx->lookup = db_prepare(db, rate_sql);
	return fx;
}

void
fx_close(struct fx *fx)
{
	if (fx == NULL)
		return;
	db_finalize(fx->lookup);
	for (size_t i = 0; i < fx->nkept; i++) {
		for (size_t k = 0; k < fx->kept[i].n; k++)
			free(fx->kept[i].r[k].date);
		free(fx->kept[i].r);
	}
	free(fx->kept);
	free(fx);
}

const char *
fx_currency(const struct fx *fx)
{
	return fx->report->code;
}

int
fx_exponent(const struct fx *fx)
{
	return fx->report->exponent;
}

int
fx_apply(int64_t amount, int from_exp, int64_t from_rate, int to_exp,
    int64_t to_rate, int64_t *out)
{
	/* amount / 10^from_exp x from_rate / to_rate x 10^to_exp, with one
	 * rounding: |amount| < 2^63, rates < 10^18, 10^to_exp <= 10^4, so
	 * the numerator stays within 128 bits. */
	__int128 num = (__int128)amount * from_rate, den = to_rate;

	for (int i = 0; i < to_exp; i++)
		num *= 10;
	for (int i = 0; i < from_exp; i++)
		den *= 10;
	return money_div(num, den, out) == MONEY_OK ? 0 : -1;
}

/* The rates of code, read the first time. */
static const struct rates *
rates_of(struct fx *fx, const char *code)
{
	struct rates *r;

	for (size_t i = 0; i < fx->nkept; i++)
		if (strcmp(fx->kept[i].code, code) == 0)
			return &fx->kept[i];
	fx->kept = cli_grow(fx->kept, &fx->capkept, fx->nkept + 1,
	    sizeof(*fx->kept));
	r = &fx->kept[fx->nkept++];
	memset(r, 0, sizeof(*r));
	snprintf(r->code, sizeof(r->code), "%s", code);
	db_bind_text(fx->lookup, 1, code);
	while (db_row(fx->lookup)) {
		r->r = cli_grow(r->r, &r->cap, r->n + 1, sizeof(*r->r));
		r->r[r->n].date = db_strdup(fx->lookup, 0);
		r->r[r->n++].pico = db_null(fx->lookup, 1) ? 0 :
		    db_int(fx->lookup, 1);
	}
	return r;
}

/* The rate of a currency on a day, in 10^-12 base units, into *pico. */
static int
rate_of(struct fx *fx, const char *code, int32_t day, int64_t *pico)
{
	const struct rates *r;
	char date[DATE_FMT_MAX];
	size_t lo = 0, hi;

	if (strcmp(code, fx->base) == 0) {
		*pico = BASE_RATE;
		return 0;
	}
	r = rates_of(fx, code);
	date_format(date, day);
	/* the first of a date past the day's: the one before it is the
	 * day's rate */
	for (hi = r->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->r[mid].date, date) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || r->r[lo - 1].pico <= 0)
		return -1;
	*pico = r->r[lo - 1].pico;
	return 0;
}

int
fx_convert(struct fx *fx, int64_t amount, const char *currency,
    int32_t day, int64_t *out, char *why, size_t size)
{
	return fx_convert_into(fx, amount, currency, fx->report->code, day,
	    out, why, size);
}

int
fx_convert_into(struct fx *fx, int64_t amount, const char *currency,
    const char *into, int32_t day, int64_t *out, char *why, size_t size)
{
	const struct currency *c, *to;
	const char *missing = NULL;
	char date[DATE_FMT_MAX];
	int64_t from, into_rate;

	if (strcmp(currency, into) == 0 && strlen(currency) == 3 &&
	    money_currency(currency, 3) != NULL) {
		*out = amount;
		return 0;
	}
	c = money_currency(currency, strlen(currency));
	to = money_currency(into, strlen(into));
	if (c == NULL || to == NULL) {
		snprintf(why, size, "'%s' is not an ISO 4217 currency code",
		    c == NULL ? currency : into);
		return -1;
	}
	if (c == to) {
		*out = amount;
		return 0;
	}
	if (rate_of(fx, c->code, day, &from) != 0)
		missing = c->code;
	else if (rate_of(fx, to->code, day, &into_rate) != 0)
		missing = to->code;
	if (missing != NULL) {
		date_format(date, day);
		snprintf(why, size, "no %s rate in fx_rates on or before %s "
		    "(import one with revops-import fx_rates)", missing, date);
		return -1;
	}
	if (fx_apply(amount, c->exponent, from, to->exponent, into_rate,
	    out) != 0) {
		snprintf(why, size, "%s amount too large to convert", c->code);
		return -1;
	}
	return 0;
}
