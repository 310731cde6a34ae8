/* sha256.h - SHA-256 (FIPS 180-4), pure code, no allocation.
 * Used for LlamaIndex-compatible node hashes, deterministic ids and cache keys. */
#ifndef INGEST_SHA256_H
#define INGEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t total;
    uint8_t block[64];
    size_t fill;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
/* One-shot: lower-case hex digest into out[65] (NUL-terminated). */
void sha256_hex(const void *data, size_t len, char out[65]);
void sha256_to_hex(const uint8_t dig[32], char out[65]);

#endif
