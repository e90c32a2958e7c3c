/* Open addressing with linear probing, keys in one text arena. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keyset.h"

struct slot {
	uint64_t hash;		/* 0: empty */
	uint32_t off, len;	/* the key in text */
	char payload[4];
};

struct keyset {
	struct slot *slot;
	size_t nslot, n, max;
	char *text;
	size_t ntext, captext;
};

static uint64_t
hash_key(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

/* The slot of a key, or the empty one where it would go.  A len no key
 * has (SIZE_MAX) finds the first empty slot, for rehashing. */
static struct slot *
probe(const struct keyset *k, uint64_t h, const char *s, size_t len)
{
	size_t i = h & (k->nslot - 1);

	for (;; i = (i + 1) & (k->nslot - 1)) {
		struct slot *sl = &k->slot[i];

		if (sl->hash == 0 || (sl->hash == h && sl->len == len &&
		    memcmp(k->text + sl->off, s, len) == 0))
			return sl;
	}
}

struct keyset *
keyset_new(size_t max)
{
	struct keyset *k = cli_calloc(1, sizeof(*k));

	k->max = max;
	return k;
}

void
keyset_free(struct keyset *k)
{
	if (k == NULL)
		return;
	free(k->slot);
	free(k->text);
	free(k);
}

const char *
keyset_find(const struct keyset *k, const char *key, size_t len)
{
	const struct slot *sl;

	if (k->nslot == 0)
		return NULL;
	sl = probe(k, hash_key(key, len), key, len);
	return sl->hash != 0 ? sl->payload : NULL;
}

static void
grow(struct keyset *k)
{
	struct slot *old = k->slot;
	size_t nold = k->nslot;

	k->nslot = nold ? nold * 2 : 1024;
	k->slot = cli_calloc(k->nslot, sizeof(*k->slot));
	for (size_t i = 0; i < nold; i++)
		if (old[i].hash != 0)
			*probe(k, old[i].hash, "", SIZE_MAX) = old[i];
	free(old);
}

void
keyset_add(struct keyset *k, const char *key, size_t len,
    const char *payload)
{
	uint64_t h = hash_key(key, len);
	struct slot *sl;
	size_t np;

	if (k->n >= k->max || len > UINT32_MAX ||
	    (k->nslot > 0 && probe(k, h, key, len)->hash != 0))
		return;
	if (2 * (k->n + 1) > k->nslot)
		grow(k);
	k->text = cli_grow(k->text, &k->captext, k->ntext + len, 1);
	memcpy(k->text + k->ntext, key, len);
	sl = probe(k, h, key, len);
	sl->hash = h;
	sl->off = (uint32_t)k->ntext;
	sl->len = (uint32_t)len;
	/* copied by hand: snprintf() here was most of the cost of an add */
	np = strnlen(payload, sizeof(sl->payload) - 1);
	memcpy(sl->payload, payload, np);
	sl->payload[np] = '\0';
	k->ntext += len;
	k->n++;
}
