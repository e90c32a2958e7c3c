/*
 * fx: converting money into a report currency with the dated rates of
 * fx_rates.  Rates are in units of the base currency (the base_currency
 * setting) per one unit of a currency; the rate on a day is the latest
 * rate_date on or before it.  A report in another currency than the base
 * goes through the base: amount x rate(from) / rate(report).  A missing
 * rate is an error that names the currency and the day.
 *
 * fx_open() returns a converter the caller releases with fx_close(); it
 * holds a prepared statement on db and the last rates looked up.
 */
#ifndef REVOPS_FX_H
#define REVOPS_FX_H

#include <stddef.h>
#include <stdint.h>

struct db;		/* db.h */

struct fx;

/* report: the currency to convert into, or NULL for the base.  An
 * unknown code is a usage error. */
struct fx *fx_open(struct db *db, const char *report);
void fx_close(struct fx *fx);

/* The report currency's code and minor-unit exponent. */
const char *fx_currency(const struct fx *fx);
int fx_exponent(const struct fx *fx);

/*
 * Converts amount (minor units of currency) into minor units of the
 * report currency at the rates of `day`, rounded once, half away from
 * zero.  Returns 0, or -1 after putting the reason ("no EUR rate in
 * fx_rates on or before 2026-01-05") in why (size bytes).
 */
int fx_convert(struct fx *fx, int64_t amount, const char *currency,
    int32_t day, int64_t *out, char *why, size_t size);

/* The same into another currency than the report's (quote margins: the
 * cost, in the base, into each quote's currency). */
int fx_convert_into(struct fx *fx, int64_t amount, const char *currency,
    const char *into, int32_t day, int64_t *out, char *why, size_t size);

/*
 * The arithmetic of a conversion, for the tests: amount in minor units of
 * a currency with exponent from_exp and rate from_rate, into minor units
 * of one with to_exp and to_rate; rates in 10^-12 base units per unit
 * (10^12 for the base itself).
 */
int fx_apply(int64_t amount, int from_exp, int64_t from_rate, int to_exp,
    int64_t to_rate, int64_t *out);

#endif
