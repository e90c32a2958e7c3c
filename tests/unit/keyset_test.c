/*
 * keyset: a key found with the payload it was added with, and only its
 * exact bytes (a prefix, an extension, an embedded NUL, the empty key);
 * a second add keeps the first payload; the bound (-1 past it, 0 for a
 * key there); 100,000 keys across many rehashes or room made for them
 * first, each found and none of another run; the hashed calls and the
 * prefetches agree with the plain ones; the keys in the order added;
 * keys added later unseen until placed, then each once (given twice,
 * or already there), in order, among many, within the bound.
 */
#include <stdio.h>
#include <string.h>

#include "keyset.h"
#include "suites.h"

START_TEST(empty)
{
	struct keyset *k = keyset_new(10);

	ck_assert_ptr_null(keyset_find(k, "a", 1));
	ck_assert_ptr_null(keyset_find(k, "", 0));
	keyset_prefetch(k, keyset_hash("a", 1));
	keyset_prefetch_key(k, keyset_hash("a", 1), 1);
	keyset_free(k);
	keyset_free(NULL);
}
END_TEST

START_TEST(exact_bytes)
{
	struct keyset *k = keyset_new(100);

	ck_assert_int_eq(keyset_add(k, "ACC-1", 5, "EUR"), 1);
	ck_assert_int_eq(keyset_add(k, "ACC-1", 5, "USD"), 0);
	ck_assert_str_eq(keyset_find(k, "ACC-1", 5), "EUR");
	ck_assert_ptr_null(keyset_find(k, "ACC-", 4));
	ck_assert_ptr_null(keyset_find(k, "ACC-10", 6));
	ck_assert_ptr_null(keyset_find(k, "ACC-1\0", 6));
	ck_assert_int_eq(keyset_add(k, "ACC-1\0", 6, "GBP"), 1);
	ck_assert_str_eq(keyset_find(k, "ACC-1\0", 6), "GBP");
	ck_assert_str_eq(keyset_find(k, "ACC-1", 5), "EUR");
	ck_assert_ptr_null(keyset_find(k, "", 0));
	ck_assert_int_eq(keyset_add(k, "", 0, ""), 1);
	ck_assert_str_eq(keyset_find(k, "", 0), "");
	/* a payload of more than 3 characters is cut to 3 */
	ck_assert_int_eq(keyset_add(k, "SUB-0000000000000000001", 23,
	    "ABCDE"), 1);
	ck_assert_str_eq(keyset_find(k, "SUB-0000000000000000001", 23), "ABC");
	ck_assert_ptr_null(keyset_find(k, "SUB-0000000000000000002", 23));
	keyset_free(k);
}
END_TEST

START_TEST(bound)
{
	struct keyset *k = keyset_new(2);

	ck_assert_int_eq(keyset_add(k, "a", 1, "x"), 1);
	ck_assert_int_eq(keyset_add(k, "b", 1, "y"), 1);
	ck_assert_int_eq(keyset_add(k, "c", 1, "z"), -1);
	ck_assert_int_eq(keyset_add(k, "b", 1, "w"), 0);
	ck_assert_ptr_null(keyset_find(k, "c", 1));
	ck_assert_str_eq(keyset_find(k, "b", 1), "y");
	keyset_free(k);
}
END_TEST

/* Keys of 1 to 20 bytes, so that every length around the 8-byte steps
 * of the hash is there. */
static size_t
nth_key(char *buf, int i, char run)
{
	size_t len = 1 + (size_t)(i % 20);
	size_t n = (size_t)snprintf(buf, 32, "%c%d", run, i);

	if (n < len) {
		memset(buf + n, '.', len - n);
		n = len;
	}
	return n;
}

START_TEST(many)
{
	struct keyset *k = keyset_new(SIZE_MAX);
	char key[32], cur[4];
	enum { N = 100000 };

	if (_i == 1)
		keyset_reserve(k, N);	/* the same keys, no rehash */

	for (int i = 0; i < N; i++) {
		size_t n = nth_key(key, i, 'K');

		snprintf(cur, sizeof(cur), "%03d", i % 1000);
		test_check(keyset_add(k, key, n, cur) == 1, "%s not added",
		    key);
	}
	for (int i = 0; i < N; i++) {
		size_t n = nth_key(key, i, 'K');
		const char *p = keyset_find(k, key, n);

		snprintf(cur, sizeof(cur), "%03d", i % 1000);
		test_check(p != NULL && strcmp(p, cur) == 0, "%s: %s, not %s",
		    key, p ? p : "not found", cur);
		test_check(keyset_add(k, key, n, "new") == 0, "%s added twice",
		    key);
		n = nth_key(key, i, 'L');
		test_check(keyset_find(k, key, n) == NULL, "%s found", key);
	}
	keyset_free(k);
}
END_TEST

START_TEST(hashed)
{
	struct keyset *k = keyset_new(SIZE_MAX);
	uint64_t h[64];
	char key[64][32];
	size_t n[64];

	for (int i = 0; i < 64; i++) {
		n[i] = nth_key(key[i], i, 'H');
		h[i] = keyset_hash(key[i], n[i]);
		ck_assert_uint_eq(h[i], keyset_hash(key[i], n[i]));
	}
	for (int i = 0; i < 64; i += 2)
		ck_assert_int_eq(keyset_add_hashed(k, h[i], key[i], n[i],
		    "ev"), 1);
	for (int i = 0; i < 64; i++)
		keyset_prefetch(k, h[i]);
	for (int i = 0; i < 64; i++)
		keyset_prefetch_key(k, h[i], n[i]);
	for (int i = 0; i < 64; i++) {
		const char *p = keyset_find_hashed(k, h[i], key[i], n[i]);

		if (i % 2 == 0)
			ck_assert_str_eq(p, "ev");
		else
			ck_assert_ptr_null(p);
		ck_assert_ptr_eq(p, keyset_find(k, key[i], n[i]));
	}
	keyset_free(k);
}
END_TEST

/* The keys come back in the order added, each once, with its length. */
START_TEST(in_order)
{
	struct keyset *k = keyset_new(SIZE_MAX);
	const char *want[] = { "b", "", "ccc", "a\0b" };
	size_t wlen[] = { 1, 0, 3, 3 }, at = 0, len;
	const char *p;
	int i = 0;

	ck_assert_ptr_null(keyset_next(k, &at, &len));
	for (int j = 0; j < 4; j++)
		ck_assert_int_eq(keyset_add(k, want[j], wlen[j], ""), 1);
	ck_assert_int_eq(keyset_add(k, "b", 1, ""), 0);
	ck_assert_uint_eq(keyset_count(k), 4);
	while ((p = keyset_next(k, &at, &len)) != NULL) {
		ck_assert_int_lt(i, 4);
		ck_assert_uint_eq(len, wlen[i]);
		ck_assert_mem_eq(p, want[i], len);
		i++;
	}
	ck_assert_int_eq(i, 4);
	keyset_free(k);
}
END_TEST

static void
add_later(struct keyset *k, const char *key)
{
	ck_assert_int_eq(keyset_add_later(k, keyset_hash(key, strlen(key)),
	    key, strlen(key)), 1);
}

/* What keyset_next() gives, each key then a space. */
static void
keys_are(const struct keyset *k, const char *want)
{
	char got[256] = "";
	size_t at = 0, len;
	const char *p;

	while ((p = keyset_next(k, &at, &len)) != NULL) {
		ck_assert_uint_lt(strlen(got) + len + 1, sizeof(got));
		strncat(got, p, len);
		strcat(got, " ");
	}
	ck_assert_str_eq(got, want);
}

START_TEST(later)
{
	struct keyset *k = keyset_new(SIZE_MAX);

	ck_assert_int_eq(keyset_add(k, "SUB-2", 5, "x"), 1);
	add_later(k, "SUB-1");
	add_later(k, "SUB-2");		/* there already */
	add_later(k, "SUB-3");
	add_later(k, "SUB-1");		/* given twice */
	add_later(k, "SUB-4");
	/* not seen until placed */
	ck_assert_ptr_null(keyset_find(k, "SUB-1", 5));
	ck_assert_uint_eq(keyset_count(k), 1);
	keys_are(k, "SUB-2 ");
	keyset_index(k);
	ck_assert_uint_eq(keyset_count(k), 4);
	keys_are(k, "SUB-2 SUB-1 SUB-3 SUB-4 ");
	ck_assert_str_eq(keyset_find(k, "SUB-1", 5), "");
	ck_assert_str_eq(keyset_find(k, "SUB-2", 5), "x");
	ck_assert_str_eq(keyset_find(k, "SUB-4", 5), "");
	ck_assert_ptr_null(keyset_find(k, "SUB-5", 5));
	keyset_index(k);		/* nothing to place */
	ck_assert_uint_eq(keyset_count(k), 4);
	/* an add places what waits first, and finds it there */
	add_later(k, "SUB-5");
	add_later(k, "SUB-6");
	ck_assert_int_eq(keyset_add(k, "SUB-5", 5, "y"), 0);
	ck_assert_int_eq(keyset_add(k, "SUB-7", 5, "z"), 1);
	keys_are(k, "SUB-2 SUB-1 SUB-3 SUB-4 SUB-5 SUB-6 SUB-7 ");
	ck_assert_str_eq(keyset_find(k, "SUB-6", 5), "");
	ck_assert_str_eq(keyset_find(k, "SUB-7", 5), "z");
	keyset_free(k);
}
END_TEST

/* Many keys placed at once across rehashes, the first 100 there
 * already and every other one given twice: each found once, with its
 * payload, none of another run, and in order, the keys that follow a
 * dropped one moved down intact. */
START_TEST(later_many)
{
	struct keyset *k = keyset_new(SIZE_MAX);
	char key[32];
	size_t at = 0, len;
	const char *p;
	enum { N = 50000 };

	for (int i = 0; i < 100; i++) {
		size_t n = nth_key(key, i, 'A');

		ck_assert_int_eq(keyset_add(k, key, n, "a"), 1);
	}
	for (int i = 0; i < N; i++) {
		size_t n = nth_key(key, i, 'A');

		for (int twice = 0; twice <= (i % 2 == 0); twice++)
			test_check(keyset_add_later(k, keyset_hash(key, n), key,
			    n) == 1, "%s not added", key);
	}
	keyset_index(k);
	ck_assert_uint_eq(keyset_count(k), N);
	for (int i = 0; i < N; i++) {
		size_t n = nth_key(key, i, 'A');

		p = keyset_find(k, key, n);
		test_check(p != NULL && strcmp(p, i < 100 ? "a" : "") == 0,
		    "%s: %s", key, p ? p : "not found");
		p = keyset_next(k, &at, &len);
		test_check(p != NULL && len == n && memcmp(p, key, n) == 0,
		    "the key after %d is not %s", i - 1, key);
		n = nth_key(key, i, 'B');
		test_check(keyset_find(k, key, n) == NULL, "%s found", key);
	}
	ck_assert_ptr_null(keyset_next(k, &at, &len));
	keyset_free(k);
}
END_TEST

START_TEST(later_bound)
{
	struct keyset *k = keyset_new(2);

	ck_assert_int_eq(keyset_add(k, "a", 1, ""), 1);
	add_later(k, "b");
	ck_assert_int_eq(keyset_add_later(k, keyset_hash("c", 1), "c", 1),
	    -1);
	keyset_index(k);
	ck_assert_uint_eq(keyset_count(k), 2);
	ck_assert_ptr_null(keyset_find(k, "c", 1));
	keyset_free(k);
}
END_TEST

Suite *
keyset_suite(void)
{
	Suite *s = suite_create("keyset");
	TCase *tc = tcase_create("keyset");

	/* 100,000 keys a test take seconds under the sanitizers on a busy
	 * machine, past Check's 4 s */
	tcase_set_timeout(tc, 60);

	tcase_add_test(tc, empty);
	tcase_add_test(tc, exact_bytes);
	tcase_add_test(tc, bound);
	tcase_add_loop_test(tc, many, 0, 2);
	tcase_add_test(tc, hashed);
	tcase_add_test(tc, in_order);
	tcase_add_test(tc, later);
	tcase_add_test(tc, later_many);
	tcase_add_test(tc, later_bound);
	suite_add_tcase(s, tc);
	return s;
}
