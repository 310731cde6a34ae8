/* pyuni.h - Python str character semantics for the splitters: which code
 * points Python 3.11 (Unicode 14.0) treats as whitespace (str.isspace,
 * str.strip, re \s), word characters (re \w), decimal digits (re \d),
 * upper/lower case (str.isupper/islower of one character).
 *
 * Text is UTF-8; a character is a code point.  An invalid byte counts as one
 * character with no class (never space, word, digit or cased), so scans
 * always advance.  Pure, no state, never fails. */
#ifndef INGEST_PYUNI_H
#define INGEST_PYUNI_H

#include <stddef.h>
#include <stdint.h>

enum {
    PYUNI_SPACE = 1,
    PYUNI_WORD = 2,
    PYUNI_DECIMAL = 4,
    PYUNI_UPPER = 8,
    PYUNI_LOWER = 16,
};

#define PYUNI_INVALID 0xFFFFFFFFu

typedef struct pyuni_run {
    uint32_t lo, hi;
    unsigned flags;
} pyuni_run;

/* Class flags of a code point (0 for PYUNI_INVALID). */
unsigned pyuni_flags(uint32_t cp);

/* The two functions below are inline for ASCII; *_mb are their non-ASCII
 * halves and pyuni_ascii_flags the flags of code points 0..127 (pyuni.c). */
extern const unsigned char *const pyuni_ascii_flags;
size_t pyuni_next_mb(const char *s, size_t len, size_t i, uint32_t *cp);
unsigned pyuni_flags_at_mb(const char *s, size_t len, size_t i, size_t *w);

/* Decodes the character at s[i] (i < len): its byte length (1-4) and *cp
 * (PYUNI_INVALID for an invalid byte, length 1). */
static inline size_t pyuni_next(const char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) return pyuni_next_mb(s, len, i, cp);
    *cp = c;
    return 1;
}

/* Flags of the character at s[i]; *w (if given) = its byte length. */
static inline unsigned pyuni_flags_at(const char *s, size_t len, size_t i, size_t *w)
{
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) return pyuni_flags_at_mb(s, len, i, w);
    if (w) *w = 1;
    return pyuni_ascii_flags[c];
}
/* str.strip(): [*b, *e) = s[0..len) without leading/trailing whitespace. */
void pyuni_strip(const char *s, size_t len, size_t *b, size_t *e);
/* len(str.rstrip()) in bytes. */
size_t pyuni_rstrip_len(const char *s, size_t len);

#endif
