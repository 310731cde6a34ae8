/* sha256.c - SHA-256 through libcrypto (see sha256.h).  Pure: no I/O. */
#include "sha256.h"

void sha256_init(sha256_ctx *c) { SHA256_Init(&c->c); }

void sha256_update(sha256_ctx *c, const void *data, size_t len)
{
    if (len) SHA256_Update(&c->c, data, len);
}

void sha256_final(sha256_ctx *c, uint8_t out[32]) { SHA256_Final(out, &c->c); }

void sha256_to_hex(const uint8_t dig[32], char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[dig[i] >> 4];
        out[2 * i + 1] = hx[dig[i] & 15];
    }
    out[64] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    sha256_ctx c;
    uint8_t d[32];
    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, d);
    sha256_to_hex(d, out);
}
