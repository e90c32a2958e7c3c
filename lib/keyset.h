/*
 * keyset: a set of text keys, each with a short payload (a currency
 * code), for the lookups that repeat on every row of a large input: the
 * references an import checks, the accounts a price run reads.  It holds
 * at most `max` keys, so memory stays bounded; past that keyset_add()
 * does nothing and the caller asks the database.
 *
 * keyset_new() returns a set the caller releases with keyset_free().
 */
#ifndef REVOPS_KEYSET_H
#define REVOPS_KEYSET_H

#include <stddef.h>

struct keyset;

struct keyset *keyset_new(size_t max);
void keyset_free(struct keyset *k);

/* The payload of a key (4 bytes, NUL-terminated), or NULL when absent.
 * It points into the set and stays valid until the set is freed. */
const char *keyset_find(const struct keyset *k, const char *key, size_t len);

/* Adds a key with a payload of at most 3 characters. */
void keyset_add(struct keyset *k, const char *key, size_t len,
    const char *payload);

#endif
