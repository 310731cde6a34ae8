/* cacheval.c - cache value codec (see cacheval.h).  Pure. */
#include "cacheval.h"

#include <string.h>

#include "err.h"
#include "sha256.h"

static const unsigned char head[] = {0x97, 0xa3, 'i', 'c', 'v', CACHEVAL_VERSION, 0xa1};

static void be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t rd_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = v << 8 | p[i];
    return v;
}

/* Covers the 32 header bytes too: no bit of a value goes unchecked. */
static void check_of(const unsigned char h[32], const void *payload, size_t len, uint8_t out[8])
{
    uint8_t d[32];
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, h, 32);
    sha256_update(&c, payload, len);
    sha256_final(&c, d);
    memcpy(out, d, 8);
}

int cacheval_encode(char kind, const uint8_t tag[8], int64_t created_s, const void *payload,
                    size_t len, buf_t *out)
{
    if (len > CACHEVAL_MAX_PAYLOAD) return ERR_TOOBIG;
    unsigned char h[32], t[10];
    memcpy(h, head, sizeof head);
    h[7] = (unsigned char)kind;
    h[8] = 0xcf, be(h + 9, (uint64_t)(created_s < 0 ? 0 : created_s), 8);
    h[17] = 0xc4, h[18] = 8, memcpy(h + 19, tag, 8);
    h[27] = 0xc6, be(h + 28, len, 4);
    t[0] = 0xc4, t[1] = 8;
    check_of(h, payload, len, t + 2);
    int rc = buf_reserve(out, sizeof h + len + sizeof t);
    if (!rc) rc = buf_append(out, h, sizeof h);
    if (!rc && len) rc = buf_append(out, payload, len);
    if (!rc) rc = buf_append(out, t, sizeof t);
    return rc;
}

int cacheval_created(const char *p, size_t len, int64_t *created_s)
{
    const unsigned char *u = (const unsigned char *)p;
    if (len < CACHEVAL_HEAD || memcmp(u, head, sizeof head) || u[8] != 0xcf) return ERR_PARSE;
    *created_s = (int64_t)rd_be(u + 9, 8);
    return 0;
}

int cacheval_decode(const char *p, size_t len, char kind, const uint8_t tag[8],
                    const char **payload, size_t *plen)
{
    const unsigned char *u = (const unsigned char *)p;
    int64_t created;
    if (len < CACHEVAL_OVERHEAD || cacheval_created(p, len, &created) || u[7] != (unsigned char)kind ||
        u[17] != 0xc4 || u[18] != 8 || memcmp(u + 19, tag, 8) || u[27] != 0xc6)
        return ERR_PARSE;
    uint64_t l = rd_be(u + 28, 4);
    if (l != len - CACHEVAL_OVERHEAD) return ERR_PARSE;
    const unsigned char *t = u + 32 + l;
    uint8_t want[8];
    check_of(u, u + 32, l, want);
    if (t[0] != 0xc4 || t[1] != 8 || memcmp(t + 2, want, 8)) return ERR_PARSE;
    *payload = p + 32;
    *plen = (size_t)l;
    return 0;
}
