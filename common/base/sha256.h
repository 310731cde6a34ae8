/* sha256.h - SHA-256 for LlamaIndex-compatible node hashes, deterministic ids
 * and cache keys.  A thin wrapper over OpenSSL's libcrypto, which uses the
 * CPU's SHA extensions where present (about 8x our former portable C code on
 * this machine); hashing every chunk twice was 15% of a worker's CPU.
 * No allocation; a context may be copied by value to fork a hash state. */
#ifndef INGEST_SHA256_H
#define INGEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define OPENSSL_API_COMPAT 0x10100000L /* the plain SHA256_* calls, copyable state */
#include <openssl/sha.h>

typedef struct sha256_ctx {
    SHA256_CTX c;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
/* One-shot: lower-case hex digest into out[65] (NUL-terminated). */
void sha256_hex(const void *data, size_t len, char out[65]);
void sha256_to_hex(const uint8_t dig[32], char out[65]);

#endif
