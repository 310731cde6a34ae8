/* utf8.c - strict UTF-8 decoding helpers (see utf8.h). */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

int utf8_seq_len(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    uint32_t v;
    int n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) n = 2, v = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) n = 3, v = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, v = c & 0x07;
    else return 0;
    if ((size_t)n > left) return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) || (n == 4 && (v < 0x10000 || v > 0x10ffff)))
        return 0;
    *cp = v;
    return n;
}

int utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int n = utf8_seq_len(u + i, len - i, &cp);
        if (!n) {
            if (bad) *bad = i;
            return 0;
        }
        i += (size_t)n;
    }
    return 1;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) n++;
    return n;
}

char *utf8_repair(const char *s)
{
    size_t n = strlen(s);
    if (n > ((size_t)-1 - 1) / 3) return NULL;
    char *out = malloc(3 * n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int l = utf8_seq_len((const unsigned char *)s + i, n - i, &cp);
        if (l > 0) {
            memcpy(o, s + i, (size_t)l);
            o += l, i += (size_t)l;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3, i++;
        }
    }
    *o = '\0';
    return out;
}
