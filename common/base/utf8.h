/* utf8.h - strict UTF-8 validation and code point counting.  Pure.
 * "Strict" = RFC 3629: no overlongs, no surrogates (U+D800..DFFF), max U+10FFFF. */
#ifndef INGEST_UTF8_H
#define INGEST_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..len) is valid UTF-8; else 0 and *bad (if given) = offset of the first bad byte. */
int utf8_valid(const char *s, size_t len, size_t *bad);
/* Length of the valid sequence starting at s (1-4), or 0 if invalid/truncated. */
int utf8_seq_len(const unsigned char *s, size_t left, uint32_t *cp);
/* Number of code points in valid UTF-8 (invalid bytes count as one each). */
size_t utf8_count(const char *s, size_t len);

/* A malloc'd copy of the NUL-terminated s with every invalid byte replaced
 * by U+FFFD (Python's errors="replace" per byte); NULL on allocation failure. */
char *utf8_repair(const char *s);

#endif
