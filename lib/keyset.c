/*
 * Open addressing with linear probing.  A slot is 8 bytes, a tag of the
 * key's hash and where its entry is, so that eight share a cache line and
 * the table of a large set stays small; the entries (the key's length,
 * its payload, the key) lie in one arena in the order added, which is
 * also what a rehash reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keyset.h"

#define PAYLOAD 4
#define ALIGN 8			/* of an entry: 32 GB of them */

struct slot {
	uint32_t tag;		/* 0: empty */
	uint32_t at;		/* its entry's offset in the arena, / ALIGN */
};

struct entry {			/* then the key's bytes */
	uint64_t hash;		/* for a rehash */
	uint32_t len;
	char payload[PAYLOAD];
};

struct keyset {
	struct slot *slot;
	size_t nslot, n, max;
	char *arena;
	size_t used, cap;
	size_t indexed;		/* the arena's bytes in the slots */
	size_t nlater;		/* the keys after them (keyset_add_later()) */
};

/* 8 bytes at a time, then mixed as MurmurHash3's finalizer does, since
 * the low bits choose the slot and the high ones are the tag. */
uint64_t
keyset_hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, v;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&v, s + i, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (i < len) {		/* by hand: a memcpy() of a length is a call */
		v = 0;
		for (size_t j = 0; i + j < len; j++)
			v |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
		h = (h ^ v) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t
tag_of(uint64_t h)
{
	uint32_t t = (uint32_t)(h >> 32);

	return t != 0 ? t : 1;
}

static const struct entry *
entry_at(const struct keyset *k, size_t at)
{
	return (const struct entry *)(k->arena + at);
}

/* The slot of a key, or the empty one where it would go. */
static struct slot *
probe(const struct keyset *k, uint64_t h, const char *s, size_t len)
{
	uint32_t tag = tag_of(h);
	size_t i = h & (k->nslot - 1);

	for (;; i = (i + 1) & (k->nslot - 1)) {
		struct slot *sl = &k->slot[i];
		const struct entry *e;

		if (sl->tag == 0)
			return sl;
		if (sl->tag != tag)
			continue;
		e = entry_at(k, (size_t)sl->at * ALIGN);
		if (e->len == len && memcmp(e + 1, s, len) == 0)
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
	free(k->arena);
	free(k);
}

void
keyset_prefetch(const struct keyset *k, uint64_t h)
{
	if (k->nslot > 0)
		__builtin_prefetch(&k->slot[h & (k->nslot - 1)]);
}

/* The entry's line, and its key's last when that is another: an entry
 * lies across two lines about as often as not. */
void
keyset_prefetch_key(const struct keyset *k, uint64_t h, size_t len)
{
	uint32_t tag = tag_of(h);

	if (k->nslot == 0)
		return;
	for (size_t i = h & (k->nslot - 1); k->slot[i].tag != 0;
	    i = (i + 1) & (k->nslot - 1))
		if (k->slot[i].tag == tag) {
			const char *e = k->arena + (size_t)k->slot[i].at * ALIGN;

			__builtin_prefetch(e);
			__builtin_prefetch(e + sizeof(struct entry) + len - 1);
			return;
		}
}

const char *
keyset_find_hashed(const struct keyset *k, uint64_t h, const char *key,
    size_t len)
{
	const struct slot *sl;

	if (k->nslot == 0)
		return NULL;
	sl = probe(k, h, key, len);
	return sl->tag != 0 ? entry_at(k, (size_t)sl->at * ALIGN)->payload :
	    NULL;
}

const char *
keyset_find(const struct keyset *k, const char *key, size_t len)
{
	return keyset_find_hashed(k, keyset_hash(key, len), key, len);
}

/* An entry's bytes, rounded up so that the next one is aligned. */
static size_t
entry_size(size_t len)
{
	return (sizeof(struct entry) + len + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

/* At least twice the slots of `need` keys, the entries placed again from
 * the arena: each is new to the table, so its place is the first empty
 * slot from its hash. */
static void
grow(struct keyset *k, size_t need)
{
	free(k->slot);
	k->nslot = k->nslot ? k->nslot * 2 : 1024;
	while (k->nslot < 2 * need)
		k->nslot *= 2;
	/* written before it is read: a fresh page first read is the zero
	 * page, and writing it then costs every core the process runs on
	 * an interrupt to forget the old mapping */
	k->slot = cli_realloc(NULL, k->nslot, sizeof(*k->slot));
	memset(k->slot, 0, k->nslot * sizeof(*k->slot));
	for (size_t at = 0; at < k->indexed; ) {
		const struct entry *e = entry_at(k, at);
		size_t i = e->hash & (k->nslot - 1);

		while (k->slot[i].tag != 0)
			i = (i + 1) & (k->nslot - 1);
		k->slot[i].tag = tag_of(e->hash);
		k->slot[i].at = (uint32_t)(at / ALIGN);
		at += entry_size(e->len);
	}
}

/* Whether an entry of a key of len bytes fits: in the set's bound, and
 * in an offset of 32 bits. */
static int
room(const struct keyset *k, size_t len)
{
	return k->n + k->nlater < k->max &&
	    len <= UINT32_MAX - ALIGN - sizeof(struct entry) &&
	    (k->used + entry_size(len)) / ALIGN <= UINT32_MAX;
}

/* Puts the entry of a key at the arena's end; e's payload is set. */
static void
append(struct keyset *k, struct entry *e, uint64_t h, const char *key,
    size_t len)
{
	e->hash = h;
	e->len = (uint32_t)len;
	k->arena = cli_grow(k->arena, &k->cap, k->used + entry_size(len), 1);
	memcpy(k->arena + k->used, e, sizeof(*e));
	memcpy(k->arena + k->used + sizeof(*e), key, len);
	k->used += entry_size(len);
}

int
keyset_add_hashed(struct keyset *k, uint64_t h, const char *key, size_t len,
    const char *payload)
{
	struct entry e;
	struct slot *sl;
	size_t np;

	if (k->nlater > 0)	/* a call on every add otherwise */
		keyset_index(k);
	if (k->nslot > 0 && probe(k, h, key, len)->tag != 0)
		return 0;
	if (!room(k, len))
		return -1;
	if (2 * (k->n + 1) > k->nslot)
		grow(k, k->n + 1);
	sl = probe(k, h, key, len);
	/* copied by hand: snprintf() here was most of the cost of an add */
	memset(e.payload, 0, sizeof(e.payload));
	np = strnlen(payload, sizeof(e.payload) - 1);
	memcpy(e.payload, payload, np);
	sl->tag = tag_of(h);
	sl->at = (uint32_t)(k->used / ALIGN);
	append(k, &e, h, key, len);
	k->indexed = k->used;
	k->n++;
	return 1;
}

int
keyset_add_later(struct keyset *k, uint64_t h, const char *key, size_t len)
{
	struct entry e;

	if (!room(k, len))
		return -1;
	memset(e.payload, 0, sizeof(e.payload));
	append(k, &e, h, key, len);
	k->nlater++;
	return 1;
}

/* How many entries keyset_index() places a pass: their slots are
 * fetched in the first, so that the waits overlap. */
#define INDEX_PASS 64

void
keyset_index(struct keyset *k)
{
	size_t to = k->indexed;

	if (k->nlater == 0)
		return;
	if (2 * (k->n + k->nlater) > k->nslot)
		grow(k, k->n + k->nlater);
	for (size_t at = k->indexed; at < k->used; ) {
		size_t pass[INDEX_PASS], n = 0;

		for (; n < INDEX_PASS && at < k->used; n++) {
			const struct entry *e = entry_at(k, at);

			keyset_prefetch(k, e->hash);
			pass[n] = at;
			at += entry_size(e->len);
		}
		for (size_t i = 0; i < n; i++) {
			struct entry *e = (struct entry *)(k->arena + pass[i]);
			size_t size = entry_size(e->len);
			struct slot *sl = probe(k, e->hash,
			    (const char *)(e + 1), e->len);

			if (sl->tag != 0)
				continue;	/* a key given twice */
			/* over the keys given twice, in order: a pass's
			 * entries yet to place lie after `to` */
			if (to != pass[i])
				memmove(k->arena + to, e, size);
			sl->tag = tag_of(((struct entry *)(k->arena +
			    to))->hash);
			sl->at = (uint32_t)(to / ALIGN);
			to += size;
			k->n++;
		}
	}
	k->used = k->indexed = to;
	k->nlater = 0;
}

void
keyset_reserve(struct keyset *k, size_t n)
{
	keyset_index(k);
	if (n > k->max - k->n)
		n = k->max - k->n;
	if (2 * (k->n + n) > k->nslot)
		grow(k, k->n + n);
}

size_t
keyset_count(const struct keyset *k)
{
	return k->n;
}

const char *
keyset_next(const struct keyset *k, size_t *at, size_t *len)
{
	const struct entry *e;

	if (*at >= k->indexed)
		return NULL;
	e = entry_at(k, *at);
	*len = e->len;
	*at += entry_size(e->len);
	return (const char *)(e + 1);
}

int
keyset_add(struct keyset *k, const char *key, size_t len,
    const char *payload)
{
	return keyset_add_hashed(k, keyset_hash(key, len), key, len, payload);
}
