/* tok.c - PLACEHOLDER word counter standing in for cl100k_base until the
 * real BPE lands (issue 3).  Counts maximal runs of non-space bytes. */
#include "tok.h"

#include <stdlib.h>

#include "err.h"

static int is_space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13); }

size_t tok_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!is_space((unsigned char)s[i]) && (i == 0 || is_space((unsigned char)s[i - 1]))) n++;
    return n;
}

int tok_encode(const char *s, size_t len, uint32_t **ids, size_t *n)
{
    (void)s;
    (void)len;
    *ids = NULL;
    *n = 0;
    return ERR_UNSUPPORTED;
}

int tok_decode(const uint32_t *ids, size_t n, char **out, size_t *outlen)
{
    (void)ids;
    (void)n;
    *out = NULL;
    *outlen = 0;
    return ERR_UNSUPPORTED;
}
