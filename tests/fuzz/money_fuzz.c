/*
 * money: libFuzzer harness for the decimal parser.  The input is parsed
 * at several scales with '.' as the mark, and again with '.' and ','
 * swapped and ',' as the mark, and the results are held to money.h:
 *  - swapping the marks changes nothing;
 *  - on an error *out is left alone;
 *  - a value parsed is written by money_format() (and money_format_trim())
 *    as a decimal that parses back to it and stands for the same number
 *    as the input;
 *  - the scales agree: a value at one scale is the value at the scale
 *    below times the power of ten between them, or out of range; where it
 *    is not a multiple of that power the scale below has too many
 *    decimals; syntax errors and empty input are so at every scale.
 * money_parse() reports nothing and never exits.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

#define UNTOUCHED INT64_C(0x5eed)

static const int scales[] = { 0, 2, 6, 12, 18 };
#define NSCALES (sizeof(scales) / sizeof(scales[0]))

struct parsed {
	enum money_status st;
	int64_t v;
};

static struct parsed
parse(const char *s, size_t len, int scale, char mark)
{
	struct parsed p = { MONEY_OK, UNTOUCHED };

	p.st = money_parse(s, len, scale, mark, &p.v);
	if (p.st != MONEY_OK)
		assert(p.v == UNTOUCHED);
	return p;
}

/*
 * The number a decimal that money_parse() took stands for, written one
 * way: no leading zeros, no trailing zero decimals, no mark left last,
 * '.' as the mark, and a '-' only when it is not zero.  out needs len + 1
 * bytes.
 */
static void
canonical(const char *s, size_t len, char mark, char *out)
{
	size_t i = 0, end = len, n = 0;
	const char *m;
	int neg = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+'))
		neg = s[i++] == '-';
	while (i < len && s[i] == '0')
		i++;
	if ((m = memchr(s + i, mark, len - i)) != NULL) {
		while (s + end > m + 1 && s[end - 1] == '0')
			end--;
		if (s + end == m + 1)
			end--;
	}
	if (neg && i < end)
		out[n++] = '-';
	for (; i < end; i++)
		out[n++] = s[i] == mark ? '.' : s[i];
	out[n] = '\0';
}

/* buf of n bytes, written by money_format() or money_format_trim(),
 * parses to v again. */
static void
check_written(const char *buf, size_t n, int scale, char mark, int64_t v)
{
	struct parsed back;

	assert(n < MONEY_FMT_MAX && strlen(buf) == n);
	back = parse(buf, n, scale, mark);
	assert(back.st == MONEY_OK && back.v == v);
}

/* v, parsed from s at scale, written and read again. */
static void
check_format(const char *s, size_t len, int scale, char mark, int64_t v)
{
	char buf[MONEY_FMT_MAX], canon_buf[MONEY_FMT_MAX], *canon_s;
	size_t n;

	n = money_format(buf, v, scale, mark);
	check_written(buf, n, scale, mark, v);
	canon_s = malloc(len + 1);
	assert(canon_s != NULL);
	canonical(s, len, mark, canon_s);
	canonical(buf, n, mark, canon_buf);
	assert(strcmp(canon_s, canon_buf) == 0);
	free(canon_s);

	n = money_format_trim(buf, v, scale, 0, mark);
	check_written(buf, n, scale, mark, v);
}

/* a and b are one input at two scales, b `digits` more than a. */
static void
check_scales(struct parsed a, struct parsed b, int digits)
{
	__int128 p = 1, wide;

	while (digits-- > 0)
		p *= 10;
	assert((a.st == MONEY_EMPTY) == (b.st == MONEY_EMPTY));
	assert((a.st == MONEY_SYNTAX) == (b.st == MONEY_SYNTAX));
	if (a.st == MONEY_OK) {
		wide = a.v * p;
		if (wide >= INT64_MIN && wide <= INT64_MAX)
			assert(b.st == MONEY_OK && b.v == wide);
		else
			assert(b.st == MONEY_RANGE);
	}
	if (b.st == MONEY_OK) {
		if (b.v % p == 0)
			assert(a.st == MONEY_OK && a.v == b.v / p);
		else
			assert(a.st == MONEY_PRECISION);
	}
	if (a.st == MONEY_RANGE)
		assert(b.st == MONEY_RANGE);
	if (b.st == MONEY_PRECISION)
		assert(a.st == MONEY_PRECISION);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct parsed p[NSCALES], q;
	char *swapped;

	/* Exactly size bytes, as the fuzzer's own copy of the input, so
	 * that a read past the end is caught. */
	swapped = malloc(size > 0 ? size : 1);
	assert(swapped != NULL);
	for (size_t i = 0; i < size; i++)
		swapped[i] = s[i] == '.' ? ',' : s[i] == ',' ? '.' : s[i];
	for (size_t k = 0; k < NSCALES; k++) {
		p[k] = parse(s, size, scales[k], '.');
		q = parse(swapped, size, scales[k], ',');
		assert(q.st == p[k].st && q.v == p[k].v);
		if (p[k].st == MONEY_OK) {
			check_format(s, size, scales[k], '.', p[k].v);
			check_format(swapped, size, scales[k], ',', q.v);
		}
		if (k > 0)
			check_scales(p[k - 1], p[k], scales[k] - scales[k - 1]);
	}
	free(swapped);
	return 0;
}
