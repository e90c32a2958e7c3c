/*
 * sha256: the SHA-256 digest (FIPS 180-4), streaming.  Used to fingerprint
 * imported files.  No allocation.
 */
#ifndef REVOPS_SHA256_H
#define REVOPS_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t nbytes;
	unsigned char block[64];
	size_t nblock;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Finishes the digest: 64 lower-case hex digits and NUL into hex. */
void sha256_final_hex(struct sha256 *c, char hex[65]);

/* Uses the portable code even where the CPU has SHA instructions (for the
 * tests, which check both). */
void sha256_force_portable(int on);

#endif
