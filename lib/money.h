/*
 * money: exact decimal numbers held as scaled 64-bit integers.
 *
 * A value with scale s stands for v / 10^s.  Amounts are stored in the
 * minor unit of their currency (scale = the ISO 4217 exponent); unit prices
 * carry MONEY_PRICE_DIGITS more digits; quantities, percentages and other
 * decimals use the scales named below.  Nothing here touches floating
 * point.  Products go through 128-bit intermediates and every rounding is
 * done by money_round(), half away from zero: there is one rounding rule.
 *
 * Nothing in this module allocates; the currency table is static.
 */
#ifndef REVOPS_MONEY_H
#define REVOPS_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_PRICE_DIGITS 6	/* unit prices: minor unit x 10^6 */
#define MONEY_QTY_SCALE 6	/* quantities: x 10^6 */
#define MONEY_PCT_SCALE 6	/* percentages: percent x 10^6 */
#define MONEY_RATE_SCALE 12	/* fx rates: base units per unit x 10^12 */
#define MONEY_CURRENCIES 165	/* the codes money_currency() knows: a
				 * table of one row a currency holds all */

struct currency {
	char code[4];		/* "USD", NUL-terminated */
	int exponent;		/* minor-unit digits: USD 2, JPY 0, KWD 3 */
};

enum money_status {
	MONEY_OK = 0,
	MONEY_EMPTY,		/* no digits at all */
	MONEY_SYNTAX,		/* not a plain decimal: "1,000.00", "1e5", "$5" */
	MONEY_PRECISION,	/* more decimals than the scale allows */
	MONEY_RANGE		/* does not fit in 64 bits at this scale */
};

/* The ISO 4217 currency with this code (exactly three upper-case letters),
 * or NULL.  Points into a static table. */
const struct currency *money_currency(const char *code, size_t len);

/*
 * Parses a plain decimal: optional '-' or '+', digits, optionally the
 * decimal mark and more digits ("12", "-0.5", "3.", ".25").  No blanks,
 * no thousands separators, no exponent.  At most `scale` decimals (trailing
 * zeros beyond the scale are accepted: "1.500" at scale 2 is 150).
 * `mark` is '.' or ','.  Stores v x 10^scale in *out.
 */
enum money_status money_parse(const char *s, size_t len, int scale, char mark,
    int64_t *out);

/* A short phrase for a status ("has more than 2 decimals" needs the scale,
 * so the caller words precision errors itself). */
const char *money_strerror(enum money_status st);

/*
 * Writes v / 10^scale as a plain decimal with exactly `scale` decimals
 * (scale 0: no mark), '-' for negatives, into buf.  Returns the length;
 * buf needs MONEY_FMT_MAX bytes.
 */
#define MONEY_FMT_MAX 48
size_t money_format(char *buf, int64_t v, int scale, char mark);

/* Like money_format_trim(), for a person: the thousands grouped with ','
 * ("-1,234,567.89").  buf needs MONEY_GROUPED_MAX bytes. */
#define MONEY_GROUPED_MAX 64
size_t money_format_grouped(char *buf, int64_t v, int scale, int keep);

/* Like money_format(), but drops trailing zero decimals past the first
 * `keep` ones, and a mark left last: with keep 0 "12.500000" -> "12.5"
 * and "3.000000" -> "3" (quantities, rates); with keep 2 a unit price
 * "12.500000" -> "12.50" and "0.125000" -> "0.125". */
size_t money_format_trim(char *buf, int64_t v, int scale, int keep,
    char mark);

/*
 * The one rounding rule: v / 10^digits rounded half away from zero
 * (2.5 -> 3, -2.5 -> -3).  digits is 0..36.  Returns MONEY_RANGE when the
 * result does not fit in int64.
 */
enum money_status money_round(__int128 v, int digits, int64_t *out);

/* v / d rounded half away from zero: the same rule, for any divisor (a
 * mean, a ratio, a rate).  d != 0; d = -v is fine. */
enum money_status money_div(__int128 v, __int128 d, int64_t *out);

/* a x b / d rounded by the same rule, exactly: the product is taken in
 * 256 bits (a line's gross amount, near 2^126, times a discount).
 * d != 0; MONEY_RANGE when the quotient does not fit in int64. */
enum money_status money_muldiv(__int128 a, __int128 b, __int128 d,
    int64_t *out);

/* a x b / 10^digits, rounded by money_round(); the product is exact in 128
 * bits. */
enum money_status money_mul(int64_t a, int64_t b, int digits, int64_t *out);

/* a + b with overflow checking: MONEY_RANGE, *out untouched, when the
 * sum does not fit.  money_add(*sum, v, sum) is the checked *sum += v. */
enum money_status money_add(int64_t a, int64_t b, int64_t *out);
enum money_status money_sub(int64_t a, int64_t b, int64_t *out); /* a - b */

/*
 * *sum += |v|, or MONEY_RANGE (*sum untouched) past INT64_MAX.  The rule
 * for a total that SQL adds up later, in an order of its own: when the
 * magnitudes of the parts (an invoice's amounts and taxes) add up within
 * 64 bits, so does every partial sum of them, whatever the order and the
 * signs.
 */
enum money_status money_add_magnitude(int64_t *sum, int64_t v);

/*
 * Splits total into n parts in proportion to the non-negative weights so
 * that the parts add up to total exactly: each part is first rounded
 * toward zero, then the units left over go one each to the parts with the
 * largest remainders (ties to the earlier part).  With every weight 0 the
 * parts are as equal as possible.  n > 0.
 */
void money_split(int64_t total, const int64_t *weights, size_t n,
    int64_t *parts);

#endif
