/* jscan.h - a strict, allocation-free JSON scanner for the hot responses.
 *
 * jansson builds a tree and copies every string a byte at a time; an
 * embeddings response is ~800 KB of base64 per 100 inputs, and parsing it
 * with jansson was the worker's largest CPU cost.  jscan walks the text in
 * place: the caller asks for what it expects next (an object member, an
 * array element, a string, an integer) and skips what it does not need.
 *
 * It accepts a subset of JSON on purpose and says so: every function returns
 * 0 (or 1, see below) or ERR_PARSE, which means "malformed, or outside the subset" —
 * strings with escapes or bytes outside printable ASCII, numbers that are
 * not plain integers where an integer is asked for, integers beyond 2^53,
 * nesting deeper than JSCAN_MAX_DEPTH.  Callers use it as a fast path and
 * hand ERR_PARSE inputs to a full parser, which decides.  Pure; never reads
 * past end. */
#ifndef INGEST_JSCAN_H
#define INGEST_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#define JSCAN_MAX_DEPTH 32

typedef struct jscan {
    const char *p, *end;
} jscan;

void jscan_init(jscan *s, const char *text, size_t len);
/* Consumes c (after whitespace). */
int jscan_char(jscan *s, char c);
/* Object members: after jscan_char(s, '{'), call with *first = 1: 1 with
 * *key, *klen the next member's key (its ':' consumed, the value next), 0
 * once the '}' is consumed. */
int jscan_member(jscan *s, int *first, const char **key, size_t *klen);
/* Array elements the same way: 1 while a value follows, 0 after the ']'. */
int jscan_elem(jscan *s, int *first);
/* A string without escapes, printable ASCII only: its bytes in place. */
int jscan_str(jscan *s, const char **str, size_t *len);
/* A number; *is_int = 0 for a fraction or exponent (*v then unset). */
int jscan_num(jscan *s, int64_t *v, int *is_int);
/* Any value, validated and skipped. */
int jscan_skip(jscan *s);
/* Only whitespace is left. */
int jscan_end(jscan *s);

#endif
