/*
 * utf8: code points of UTF-8 text and the screen cells a terminal gives
 * them, from a built-in table rather than wcwidth(3), whose answer
 * depends on the locale (under LC_ALL=C it has no wide characters at
 * all) and on the C library's Unicode version.  Nothing is allocated.
 */
#ifndef REVOPS_UTF8_H
#define REVOPS_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_INVALID	0xfffffffful

/* The code point at s[0] of a text of len bytes (len > 0), its length in
 * bytes in *n; a byte that does not start a well-formed sequence is
 * UTF8_INVALID with *n 1. */
uint32_t utf8_decode(const char *s, size_t len, size_t *n);

/* Screen cells of a printable code point: 2 for East Asian wide and
 * fullwidth characters and emoji (東, ☕), 0 for combining marks and
 * other zero-width characters (U+0301, U+200D, variation selectors),
 * else 1.  Control characters are the caller's to escape. */
int utf8_width(uint32_t cp);

#endif
