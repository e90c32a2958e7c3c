#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "fx.h"
#include "money.h"

#define BASE_RATE 1000000000000LL	/* 10^12: the base in itself */

/* The last rate looked up for one currency: conversions come in runs. */
struct rate {
	char code[4];
	int32_t day;
	int64_t pico;
};

struct fx {
	struct db_stmt *lookup;
	char base[4];
	const struct currency *report;
	struct rate from, to;
};

static const char rate_sql[] =
    "SELECT rate_pico FROM fx_rates WHERE currency = ?1 AND rate_date <= ?2 "
    "ORDER BY rate_date DESC LIMIT 1";

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

/* The rate of a currency on a day, in 10^-12 base units. */
static int
rate_of(struct fx *fx, struct rate *r, const char *code, int32_t day)
{
	char date[DATE_FMT_MAX];
	int rc;

	if (strcmp(code, fx->base) == 0) {
		r->pico = BASE_RATE;
		r->code[0] = '\0';	/* what the cache held is gone */
		return 0;
	}
	if (strcmp(r->code, code) == 0 && r->day == day)
		return 0;
	date_format(date, day);
	db_bind_text(fx->lookup, 1, code);
	db_bind_text(fx->lookup, 2, date);
	if ((rc = db_row(fx->lookup)))
		r->pico = db_int(fx->lookup, 0);
	db_reset(fx->lookup);
	if (!rc || r->pico <= 0)
		return -1;
	snprintf(r->code, sizeof(r->code), "%s", code);
	r->day = day;
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
	if (rate_of(fx, &fx->from, c->code, day) != 0)
		missing = c->code;
	else if (rate_of(fx, &fx->to, to->code, day) != 0)
		missing = to->code;
	if (missing != NULL) {
		date_format(date, day);
		snprintf(why, size, "no %s rate in fx_rates on or before %s "
		    "(import one with revops-import fx_rates)", missing, date);
		return -1;
	}
	if (fx_apply(amount, c->exponent, fx->from.pico, to->exponent,
	    fx->to.pico, out) != 0) {
		snprintf(why, size, "%s amount too large to convert", c->code);
		return -1;
	}
	return 0;
}
