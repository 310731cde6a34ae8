/* jscan.c - the strict in-place JSON scanner (see jscan.h).  Every step
 * checks s->p < s->end before it reads; the subset it refuses goes to the
 * caller's full parser, so nothing here has to be clever. */
#include "jscan.h"

#include <string.h>

#include "err.h"

void jscan_init(jscan *s, const char *text, size_t len)
{
    s->p = text;
    s->end = text + len;
}

static int peek(jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t')) s->p++;
    return s->p < s->end ? (unsigned char)*s->p : -1;
}

int jscan_char(jscan *s, char c)
{
    if (peek(s) != (unsigned char)c) return ERR_PARSE;
    s->p++;
    return 0;
}

int jscan_str(jscan *s, const char **str, size_t *len)
{
    if (jscan_char(s, '"')) return ERR_PARSE;
    const char *b = s->p;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *str = b;
            *len = (size_t)(s->p++ - b);
            return 0;
        }
        if (c < 0x20 || c > 0x7e || c == '\\') return ERR_PARSE;
        s->p++;
    }
    return ERR_PARSE;
}

static int digits(jscan *s)
{
    const char *b = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') s->p++;
    return s->p > b ? 0 : ERR_PARSE;
}

int jscan_num(jscan *s, int64_t *v, int *is_int)
{
    int c = peek(s), neg = c == '-';
    if (neg) s->p++;
    const char *b = s->p;
    if (s->p < s->end && *s->p == '0') s->p++;
    else if (digits(s)) return ERR_PARSE;
    size_t nd = (size_t)(s->p - b);
    *is_int = 1;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (digits(s)) return ERR_PARSE;
        *is_int = 0;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-')) s->p++;
        if (digits(s)) return ERR_PARSE;
        *is_int = 0;
    }
    if (!*is_int) return 0;
    if (nd > 15) return ERR_PARSE; /* beyond 2^53 is the full parser's business */
    int64_t x = 0;
    for (size_t i = 0; i < nd; i++) x = x * 10 + (b[i] - '0');
    *v = neg ? -x : x;
    return 0;
}

/* 1 when another item follows (its ',' consumed), 0 after the closing c. */
static int next_item(jscan *s, int *first, char close)
{
    if (peek(s) == (unsigned char)close) {
        s->p++;
        return 0;
    }
    if (!*first && jscan_char(s, ',')) return ERR_PARSE;
    *first = 0;
    return 1;
}

int jscan_member(jscan *s, int *first, const char **key, size_t *klen)
{
    int rc = next_item(s, first, '}');
    if (rc <= 0) return rc;
    return jscan_str(s, key, klen) || jscan_char(s, ':') ? ERR_PARSE : 1;
}

int jscan_elem(jscan *s, int *first) { return next_item(s, first, ']'); }

static int word(jscan *s, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n)) return ERR_PARSE;
    s->p += n;
    return 0;
}

static int skip_at(jscan *s, int depth)
{
    int c = peek(s), first = 1, rc, is_int;
    const char *k;
    size_t kl;
    int64_t v;
    if (depth > JSCAN_MAX_DEPTH) return ERR_PARSE;
    switch (c) {
    case '"': return jscan_str(s, &k, &kl);
    case 't': return word(s, "true");
    case 'f': return word(s, "false");
    case 'n': return word(s, "null");
    case '{':
        s->p++;
        while ((rc = jscan_member(s, &first, &k, &kl)) > 0)
            if ((rc = skip_at(s, depth + 1))) return rc;
        return rc;
    case '[':
        s->p++;
        while ((rc = jscan_elem(s, &first)) > 0)
            if ((rc = skip_at(s, depth + 1))) return rc;
        return rc;
    default:
        return c == '-' || (c >= '0' && c <= '9') ? jscan_num(s, &v, &is_int) : ERR_PARSE;
    }
}

int jscan_skip(jscan *s) { return skip_at(s, 0); }

int jscan_end(jscan *s) { return peek(s) < 0 ? 0 : ERR_PARSE; }
