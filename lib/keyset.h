/*
 * keyset: a set of text keys, each with a short payload (a currency
 * code), for the lookups that repeat on every row of a large input: the
 * references an import checks, the accounts a price run reads, the keys
 * the check of references knows.  It holds at most `max` keys, so memory
 * stays bounded; past that keyset_add() does nothing and the caller asks
 * the database.
 *
 * A set of a few 100,000 keys is larger than the caches, so each lookup
 * waits for memory, twice: for its slot, then for the key it compares.
 * A caller with many keys at hand hashes them first (keyset_hash()),
 * keyset_prefetch()es the slot of each, then keyset_prefetch_key()s
 * each (of its length), so that the waits overlap, and then looks them up by their hash
 * (the *_hashed calls).
 *
 * keyset_new() returns a set the caller releases with keyset_free().
 */
#ifndef REVOPS_KEYSET_H
#define REVOPS_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct keyset;

struct keyset *keyset_new(size_t max);
void keyset_free(struct keyset *k);

/* The payload of a key (4 bytes, NUL-terminated), or NULL when absent.
 * It points into the set and stays valid until the next add or
 * keyset_index(). */
const char *keyset_find(const struct keyset *k, const char *key, size_t len);

/* Adds a key with a payload of at most 3 characters: 1 if it was added,
 * 0 if it was there already, -1 if the set is full. */
int keyset_add(struct keyset *k, const char *key, size_t len,
    const char *payload);

/* Makes room for n more keys at once, for a caller that knows it will
 * add them: no rehash on the way. */
void keyset_reserve(struct keyset *k, size_t n);

/* How many keys k holds. */
size_t keyset_count(const struct keyset *k);

/* The keys in the order added: *at is 0 for the first; each call returns
 * the next key, its length in *len, and NULL after the last.  The key
 * points into the set and stays valid until the next add or
 * keyset_index(). */
const char *keyset_next(const struct keyset *k, size_t *at, size_t *len);

/* The hash of a key, for the calls below, which are those above. */
uint64_t keyset_hash(const char *key, size_t len);
void keyset_prefetch(const struct keyset *k, uint64_t hash);
void keyset_prefetch_key(const struct keyset *k, uint64_t hash, size_t len);
const char *keyset_find_hashed(const struct keyset *k, uint64_t hash,
    const char *key, size_t len);
int keyset_add_hashed(struct keyset *k, uint64_t hash, const char *key,
    size_t len, const char *payload);

/*
 * For a set that may never be asked anything: keyset_add_later() keeps a
 * key (of payload "") at the cost of a copy, and keyset_index() places
 * all the keys kept so, at once, from the hashes kept with them (the one
 * of a key given more than once then counts once).  Until then no other
 * call sees them, but keyset_add() and keyset_reserve(), which call
 * keyset_index() first.  keyset_add_later() returns 1, or -1 if the set
 * is full (a key kept twice counts twice until it is placed).
 */
int keyset_add_later(struct keyset *k, uint64_t hash, const char *key,
    size_t len);
void keyset_index(struct keyset *k);

#endif
