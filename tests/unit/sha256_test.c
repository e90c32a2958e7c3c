/*
 * sha256: the FIPS 180-2 examples ("abc", the 448-bit message, a million
 * 'a'), the 896-bit message of the NIST examples, messages around the
 * padding boundaries (digests from sha256sum), and the same digest
 * whatever the chunking.
 */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "suites.h"

static void
digest(const char *msg, size_t len, size_t chunk, char hex[65])
{
	struct sha256 c;
	size_t n;

	sha256_init(&c);
	for (; len > 0; msg += n, len -= n) {
		n = len < chunk ? len : chunk;
		sha256_update(&c, msg, n);
	}
	sha256_final_hex(&c, hex);
}

static void
check_digest(const char *msg, size_t len, const char *want)
{
	char hex[65];

	digest(msg, len, len > 0 ? len : 1, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(empty)
{
	struct sha256 c;
	char hex[65];

	sha256_init(&c);
	sha256_update(&c, "", 0);
	sha256_final_hex(&c, hex);
	ck_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(abc)
{
	check_digest("abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(two_blocks)
{
	static const char msg[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	ck_assert_uint_eq(strlen(msg) * 8, 448);
	check_digest(msg, strlen(msg),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(long_message)
{
	static const char msg[] = "abcdefghbcdefghicdefghijdefghijkefghijkl"
	    "fghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
	    "mnopqrstnopqrstu";

	check_digest(msg, strlen(msg),
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

/* One million 'a' in chunks of 997 bytes and 1 byte alternately, so that
 * the block buffer is rarely empty when a chunk arrives. */
START_TEST(million_a)
{
	static char a[997];
	struct sha256 c;
	char hex[65];
	size_t left = 1000000, n;
	int odd = 0;

	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	for (; left > 0; left -= n, odd = !odd) {
		n = odd ? 1 : sizeof(a);
		if (n > left)
			n = left;
		sha256_update(&c, a, n);
	}
	sha256_final_hex(&c, hex);
	ck_assert_str_eq(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(padding_boundaries)
{
	static const struct {
		size_t len;
		const char *want;
	} t[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9a"
		    "e9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f"
		    "590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98"
		    "e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209"
		    "f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a"
		    "41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cf"
		    "dfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c"
		    "020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[120];
	size_t i;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_digest(a, t[i].len, t[i].want);
}
END_TEST

/* Every chunk size from 1 to past two blocks gives the digest of the
 * whole message hashed at once. */
START_TEST(chunking)
{
	char msg[1000], whole[65], hex[65];
	size_t i, chunk;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (char)(i * 7 + i / 251);
	digest(msg, sizeof(msg), sizeof(msg), whole);
	for (chunk = 1; chunk <= 150; chunk++) {
		digest(msg, sizeof(msg), chunk, hex);
		ck_assert_msg(strcmp(hex, whole) == 0, "chunk %zu", chunk);
	}
}
END_TEST

static void
portable_on(void)
{
	sha256_force_portable(1);
}

static void
portable_off(void)
{
	sha256_force_portable(0);
}

/* The same vectors through the code the CPU picks (the SHA instructions
 * where it has them) and through the portable code. */
Suite *
sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	const char *names[] = { "fips", "fips-portable" };

	for (int i = 0; i < 2; i++) {
		TCase *tc = tcase_create(names[i]);

		if (i == 1)
			tcase_add_checked_fixture(tc, portable_on,
			    portable_off);
		tcase_add_test(tc, empty);
		tcase_add_test(tc, abc);
		tcase_add_test(tc, two_blocks);
		tcase_add_test(tc, long_message);
		tcase_add_test(tc, million_a);
		tcase_add_test(tc, padding_boundaries);
		tcase_add_test(tc, chunking);
		suite_add_tcase(s, tc);
	}
	return s;
}
