/*
 * money: exact decimal numbers held as scaled 64-bit integers.
 *
 * Signs are split from magnitudes wherever a value is taken apart or put
 * together, because INT64_MIN has no positive counterpart: negating it is
 * undefined behaviour, while its magnitude 2^63 fits in a uint64_t.  The
 * sign is applied last, by mag_to_int().
 *
 * Scales and rounding digits are 0..DIGITS_MAX everywhere; anything else
 * is a bug in the caller, caught by assert().
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "money.h"

/* 10^36 < 2^127: the largest power of ten a __int128 holds with room
 * for rounding. */
#define DIGITS_MAX 36
#define MAG_MIN ((uint64_t)INT64_MAX + 1)	/* |INT64_MIN| */

/*
 * ISO 4217 list one as published on 2026-01-01, sorted by code for
 * money_currency()'s binary search.  Codes without a minor unit (XAU,
 * XDR, XTS, XXX, ...) are left out: nothing can be billed in them.
 * Withdrawn codes (BGN, HRK, ANG, SLL, ZWL, ...) are left out too.
 */
static const struct currency currencies[] = {
	{ "AED", 2 }, { "AFN", 2 }, { "ALL", 2 }, { "AMD", 2 }, { "AOA", 2 },
	{ "ARS", 2 }, { "AUD", 2 }, { "AWG", 2 }, { "AZN", 2 }, { "BAM", 2 },
	{ "BBD", 2 }, { "BDT", 2 }, { "BHD", 3 }, { "BIF", 0 }, { "BMD", 2 },
	{ "BND", 2 }, { "BOB", 2 }, { "BOV", 2 }, { "BRL", 2 }, { "BSD", 2 },
	{ "BTN", 2 }, { "BWP", 2 }, { "BYN", 2 }, { "BZD", 2 }, { "CAD", 2 },
	{ "CDF", 2 }, { "CHE", 2 }, { "CHF", 2 }, { "CHW", 2 }, { "CLF", 4 },
	{ "CLP", 0 }, { "CNY", 2 }, { "COP", 2 }, { "COU", 2 }, { "CRC", 2 },
	{ "CUP", 2 }, { "CVE", 2 }, { "CZK", 2 }, { "DJF", 0 }, { "DKK", 2 },
	{ "DOP", 2 }, { "DZD", 2 }, { "EGP", 2 }, { "ERN", 2 }, { "ETB", 2 },
	{ "EUR", 2 }, { "FJD", 2 }, { "FKP", 2 }, { "GBP", 2 }, { "GEL", 2 },
	{ "GHS", 2 }, { "GIP", 2 }, { "GMD", 2 }, { "GNF", 0 }, { "GTQ", 2 },
	{ "GYD", 2 }, { "HKD", 2 }, { "HNL", 2 }, { "HTG", 2 }, { "HUF", 2 },
	{ "IDR", 2 }, { "ILS", 2 }, { "INR", 2 }, { "IQD", 3 }, { "IRR", 2 },
	{ "ISK", 0 }, { "JMD", 2 }, { "JOD", 3 }, { "JPY", 0 }, { "KES", 2 },
	{ "KGS", 2 }, { "KHR", 2 }, { "KMF", 0 }, { "KPW", 2 }, { "KRW", 0 },
	{ "KWD", 3 }, { "KYD", 2 }, { "KZT", 2 }, { "LAK", 2 }, { "LBP", 2 },
	{ "LKR", 2 }, { "LRD", 2 }, { "LSL", 2 }, { "LYD", 3 }, { "MAD", 2 },
	{ "MDL", 2 }, { "MGA", 2 }, { "MKD", 2 }, { "MMK", 2 }, { "MNT", 2 },
	{ "MOP", 2 }, { "MRU", 2 }, { "MUR", 2 }, { "MVR", 2 }, { "MWK", 2 },
	{ "MXN", 2 }, { "MXV", 2 }, { "MYR", 2 }, { "MZN", 2 }, { "NAD", 2 },
	{ "NGN", 2 }, { "NIO", 2 }, { "NOK", 2 }, { "NPR", 2 }, { "NZD", 2 },
	{ "OMR", 3 }, { "PAB", 2 }, { "PEN", 2 }, { "PGK", 2 }, { "PHP", 2 },
	{ "PKR", 2 }, { "PLN", 2 }, { "PYG", 0 }, { "QAR", 2 }, { "RON", 2 },
	{ "RSD", 2 }, { "RUB", 2 }, { "RWF", 0 }, { "SAR", 2 }, { "SBD", 2 },
	{ "SCR", 2 }, { "SDG", 2 }, { "SEK", 2 }, { "SGD", 2 }, { "SHP", 2 },
	{ "SLE", 2 }, { "SOS", 2 }, { "SRD", 2 }, { "SSP", 2 }, { "STN", 2 },
	{ "SVC", 2 }, { "SYP", 2 }, { "SZL", 2 }, { "THB", 2 }, { "TJS", 2 },
	{ "TMT", 2 }, { "TND", 3 }, { "TOP", 2 }, { "TRY", 2 }, { "TTD", 2 },
	{ "TWD", 2 }, { "TZS", 2 }, { "UAH", 2 }, { "UGX", 0 }, { "USD", 2 },
	{ "USN", 2 }, { "UYI", 0 }, { "UYU", 2 }, { "UYW", 4 }, { "UZS", 2 },
	{ "VED", 2 }, { "VES", 2 }, { "VND", 0 }, { "VUV", 0 }, { "WST", 2 },
	{ "XAD", 2 }, { "XAF", 0 }, { "XCD", 2 }, { "XCG", 2 }, { "XOF", 0 },
	{ "XPF", 0 }, { "YER", 2 }, { "ZAR", 2 }, { "ZMW", 2 }, { "ZWG", 2 },
};

_Static_assert(sizeof(currencies) / sizeof(currencies[0]) ==
    MONEY_CURRENCIES, "MONEY_CURRENCIES is the size of the table");

/* A code's three letters as one number, which orders as the text does. */
static uint32_t
code_key(const char *code)
{
	return (uint32_t)(unsigned char)code[0] << 16 |
	    (uint32_t)(unsigned char)code[1] << 8 | (unsigned char)code[2];
}

/* A binary search of its own, comparing numbers: an import looks up the
 * currency of every amount, and bsearch() with a memcmp() a step was a
 * tenth of its reading thread. */
const struct currency *
money_currency(const char *code, size_t len)
{
	size_t lo = 0, hi = MONEY_CURRENCIES;
	uint32_t key;

	if (len != 3)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return NULL;
	key = code_key(code);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t k = code_key(currencies[mid].code);

		if (k == key)
			return &currencies[mid];
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The signed value with magnitude m (at most 2^63) and the given sign. */
static int64_t
mag_to_int(uint64_t m, int neg)
{
	if (!neg)
		return (int64_t)m;
	if (m == MAG_MIN)
		return INT64_MIN;
	return -(int64_t)m;
}

static uint64_t
int_to_mag(int64_t v)
{
	/* Unsigned arithmetic wraps, so this is exact for INT64_MIN too. */
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The index just past the run of digits starting at i. */
static size_t
skip_digits(const char *s, size_t i, size_t len)
{
	while (i < len && is_digit(s[i]))
		i++;
	return i;
}

/* *acc = *acc * 10 + d, unless that would exceed limit. */
static int
push_digit(uint64_t *acc, unsigned d, uint64_t limit)
{
	if (*acc > (limit - d) / 10)
		return 0;
	*acc = *acc * 10 + d;
	return 1;
}

/*
 * The string is checked whole before any digit is converted, so that a
 * long string with a stray character is reported as a syntax error, not as
 * out of range.
 */
enum money_status
money_parse(const char *s, size_t len, int scale, char mark, int64_t *out)
{
	size_t i = 0, ib, ie, fb, fe, j;
	uint64_t acc = 0, limit;
	int neg = 0;

	assert(scale >= 0 && scale <= DIGITS_MAX);
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	ib = i;
	ie = i = skip_digits(s, i, len);
	fb = fe = i;
	if (i < len && s[i] == mark) {
		fb = ++i;
		fe = i = skip_digits(s, i, len);
	}
	if (i != len)
		return MONEY_SYNTAX;
	if (ib == ie && fb == fe)
		return MONEY_EMPTY;
	for (j = fb + scale; j < fe; j++)
		if (s[j] != '0')
			return MONEY_PRECISION;

	limit = neg ? MAG_MIN : (uint64_t)INT64_MAX;
	for (j = ib; j < ie; j++)
		if (!push_digit(&acc, s[j] - '0', limit))
			return MONEY_RANGE;
	for (j = fb; j < fb + scale; j++)
		if (!push_digit(&acc, j < fe ? s[j] - '0' : 0, limit))
			return MONEY_RANGE;
	*out = mag_to_int(acc, neg);
	return MONEY_OK;
}

const char *
money_strerror(enum money_status st)
{
	switch (st) {
	case MONEY_OK:
		return "no error";
	case MONEY_EMPTY:
		return "has no digits";
	case MONEY_SYNTAX:
		return "is not a plain decimal number";
	case MONEY_PRECISION:
		return "has too many decimals";
	case MONEY_RANGE:
		return "is out of range";
	}
	return "unknown error";
}

/* Output of millions of amounts spends its time here: the digits go two
 * at a time, from a table. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes the n low digits of *mp, zero-padded, to end before the pointer
 * end, and leaves in *mp what is above them; returns where they start.
 * Dividing by 100 alone, a constant, is a multiplication: a division by
 * 10^scale was most of the time of money_format(). */
static inline char *
put_digits(char *end, uint64_t *mp, int n)
{
	uint64_t m = *mp;	/* a copy: the stores to end could be to *mp */

	for (; n >= 2; n -= 2) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * (m % 100), 2);
		m /= 100;
	}
	if (n == 1) {
		*--end = (char)('0' + m % 10);
		m /= 10;
	}
	*mp = m;
	return end;
}

size_t
money_format(char *buf, int64_t v, int scale, char mark)
{
	char tmp[MONEY_FMT_MAX], *end = tmp + sizeof(tmp), *p = end;
	uint64_t m = int_to_mag(v);
	size_t len;

	assert(scale >= 0 && scale <= DIGITS_MAX);
	if (scale > 0) {
		p = put_digits(p, &m, scale);
		*--p = mark;
	}
	/* the whole part, one digit at least: "0.05", not ".05" */
	while (m >= 100)
		p = put_digits(p, &m, 2);
	p = put_digits(p, &m, m >= 10 ? 2 : 1);
	if (v < 0)
		*--p = '-';
	len = (size_t)(end - p);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return len;
}

size_t
money_format_grouped(char *buf, int64_t v, int scale, int keep)
{
	char raw[MONEY_FMT_MAX];
	size_t len = money_format_trim(raw, v, scale, keep, '.'), ndig;
	size_t n = 0, i = 0;
	const char *dot = memchr(raw, '.', len);

	if (raw[0] == '-')
		buf[n++] = raw[i++];
	ndig = (size_t)((dot != NULL ? dot - raw : (long)len) - (long)i);
	for (size_t k = 0; i < len; k++) {
		if (k < ndig && k > 0 && (ndig - k) % 3 == 0)
			buf[n++] = ',';
		buf[n++] = raw[i++];
	}
	buf[n] = '\0';
	return n;
}

size_t
money_format_trim(char *buf, int64_t v, int scale, int keep, char mark)
{
	size_t len = money_format(buf, v, scale, mark);

	for (; scale > keep && buf[len - 1] == '0'; scale--)
		len--;
	if (scale == 0 && buf[len - 1] == mark)
		len--;
	buf[len] = '\0';
	return len;
}

enum money_status
money_round(__int128 v, int digits, int64_t *out)
{
	__int128 p = 1;
	int i;

	assert(digits >= 0 && digits <= DIGITS_MAX);
	for (i = 0; i < digits; i++)
		p *= 10;
	return money_div(v, p, out);
}

/* |v|, which for the most negative __int128 only an unsigned holds. */
static unsigned __int128
magnitude(__int128 v)
{
	return v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
}

/*
 * a x b / d of magnitudes, rounded half up, into *q: the product in 256
 * bits (hi, lo), then long division a bit at a time.  -1 when the
 * quotient does not fit in 128 bits.
 */
static int
muldiv_u(unsigned __int128 a, unsigned __int128 b, unsigned __int128 d,
    unsigned __int128 *q)
{
	const unsigned __int128 m64 = ~(uint64_t)0;
	unsigned __int128 a0 = a & m64, a1 = a >> 64;
	unsigned __int128 b0 = b & m64, b1 = b >> 64;
	unsigned __int128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
	unsigned __int128 mid = (p00 >> 64) + (p01 & m64) + (p10 & m64);
	unsigned __int128 lo = (mid << 64) | (p00 & m64);
	unsigned __int128 hi = a1 * b1 + (p01 >> 64) + (p10 >> 64) +
	    (mid >> 64);
	unsigned __int128 r = hi, quot = 0;

	if (hi >= d)
		return -1;
	if (hi == 0) {
		/* the product fits: the machine's division, in 64 bits when
		 * it can, for what the long division gives */
		if (lo <= m64 && d <= m64) {
			uint64_t q64 = (uint64_t)lo / (uint64_t)d;
			uint64_t r64 = (uint64_t)lo % (uint64_t)d;

			*q = q64 + (r64 >= (uint64_t)d - r64);
		} else {
			quot = lo / d;
			r = lo % d;
			*q = quot + (r >= d - r);
		}
		return 0;
	}
	for (int i = 127; i >= 0; i--) {
		int carry = (int)(r >> 127);

		r = (r << 1) | ((lo >> i) & 1);
		quot <<= 1;
		if (carry || r >= d) {
			r -= d;
			quot |= 1;
		}
	}
	if (r >= d - r && ++quot == 0)
		return -1;
	*q = quot;
	return 0;
}

enum money_status
money_muldiv(__int128 a, __int128 b, __int128 d, int64_t *out)
{
	unsigned __int128 q;
	int negative = (a < 0) != (b < 0) && a != 0 && b != 0;

	assert(d != 0);
	if (d < 0)
		negative = !negative;
	if (muldiv_u(magnitude(a), magnitude(b), magnitude(d), &q) != 0 ||
	    q > (unsigned __int128)INT64_MAX + negative)
		return MONEY_RANGE;
	/* -(q - 1) - 1: -q without passing through INT64_MAX + 1 */
	*out = q == 0 ? 0 : negative ? -(int64_t)(q - 1) - 1 : (int64_t)q;
	return MONEY_OK;
}

enum money_status
money_div(__int128 v, __int128 d, int64_t *out)
{
	__int128 q, r, half;

	assert(d != 0);
	if (d < 0) {
		v = -v;
		d = -d;
	}
	/* The same in 64 bits when it fits: most figures do, and a 128-bit
	 * division is a library call. */
	if (v > INT64_MIN && v <= INT64_MAX && d <= INT64_MAX) {
		int64_t q64 = (int64_t)v / (int64_t)d;
		int64_t r64 = (int64_t)v % (int64_t)d;
		int64_t h64 = r64 < 0 ? -r64 : r64;

		if (h64 >= (int64_t)d - h64)
			q64 += r64 < 0 ? -1 : 1;
		*out = q64;
		return MONEY_OK;
	}
	/* C division truncates toward zero and r takes the sign of v, so
	 * moving q one step away from zero when |r| is at least half of d
	 * rounds both signs alike.  Comparing |r| with d - |r| cannot
	 * overflow where 2 * |r| could. */
	q = v / d;
	r = v % d;
	half = r < 0 ? -r : r;
	if (half >= d - half)
		q += r < 0 ? -1 : 1;
	if (q < INT64_MIN || q > INT64_MAX)
		return MONEY_RANGE;
	*out = (int64_t)q;
	return MONEY_OK;
}

enum money_status
money_mul(int64_t a, int64_t b, int digits, int64_t *out)
{
	/* |a * b| <= 2^126: the product of two int64 always fits. */
	return money_round((__int128)a * b, digits, out);
}

enum money_status
money_add(int64_t a, int64_t b, int64_t *out)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		return MONEY_RANGE;
	*out = a + b;
	return MONEY_OK;
}

enum money_status
money_sub(int64_t a, int64_t b, int64_t *out)
{
	if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b))
		return MONEY_RANGE;
	*out = a - b;
	return MONEY_OK;
}

enum money_status
money_add_magnitude(int64_t *sum, int64_t v)
{
	if (v == INT64_MIN || *sum < 0)
		return MONEY_RANGE;
	return money_add(*sum, v < 0 ? -v : v, sum);
}

/*
 * money_split() works on the magnitude of the total and gives every part
 * its sign at the end, so a negative total splits as the mirror image of
 * the positive one.  Part i is floor(m * w_i / W) with remainder
 * (m * w_i) mod W; m <= 2^63 and w_i < 2^63, so the product fits in an
 * unsigned __int128, and so does W for any n that fits in memory.
 *
 * The module does not allocate, so the remainders are not sorted: the
 * units left over (fewer than n) go to every part whose remainder is above
 * a threshold, found by binary search over the remainders' range, and then
 * to the earliest parts whose remainder equals it.
 */
struct split {
	uint64_t m;			/* magnitude of the total */
	const int64_t *w;
	unsigned __int128 sum;		/* of the weights, > 0 */
	int equal;			/* all weights 0: use 1 for each */
};

static unsigned __int128
split_num(const struct split *sp, size_t i)
{
	unsigned __int128 w = sp->equal ? 1 : (uint64_t)sp->w[i];

	return (unsigned __int128)sp->m * w;
}

/* How many parts have a remainder of at least x. */
static uint64_t
split_count(const struct split *sp, size_t n, unsigned __int128 x)
{
	uint64_t c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (split_num(sp, i) % sp->sum >= x)
			c++;
	return c;
}

/* The largest remainder x such that at least k parts reach it. */
static unsigned __int128
split_threshold(const struct split *sp, size_t n, uint64_t k)
{
	unsigned __int128 lo = 0, hi = sp->sum - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (split_count(sp, n, mid) >= k)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

void
money_split(int64_t total, const int64_t *weights, size_t n, int64_t *parts)
{
	struct split sp = { int_to_mag(total), weights, 0, 0 };
	unsigned __int128 t, r;
	uint64_t q, given = 0, left, ties;
	int64_t unit = total < 0 ? -1 : 1;
	size_t i;

	assert(n > 0);
	for (i = 0; i < n; i++) {
		assert(weights[i] >= 0);
		sp.sum += (uint64_t)weights[i];
	}
	if (sp.sum == 0) {
		sp.equal = 1;
		sp.sum = n;
	}

	for (i = 0; i < n; i++) {
		q = (uint64_t)(split_num(&sp, i) / sp.sum);	/* <= m */
		given += q;
		parts[i] = mag_to_int(q, total < 0);
	}
	left = sp.m - given;
	if (left == 0)
		return;

	/* A part that gets a unit ends at most at m in magnitude, so adding
	 * it cannot overflow. */
	t = split_threshold(&sp, n, left);
	ties = left - split_count(&sp, n, t + 1);
	for (i = 0; i < n; i++) {
		r = split_num(&sp, i) % sp.sum;
		if (r > t)
			parts[i] += unit;
		else if (r == t && ties > 0) {
			parts[i] += unit;
			ties--;
		}
	}
}
