/* cacheval.h - the value format of the transformation cache's entries.
 *
 * A value is one msgpack array of 7, written with fixed-width headers so
 * its prefix can be read without decoding it all (cache clear --older-than
 * reads 17 bytes with GETRANGE):
 *   [ "icv", CACHEVAL_VERSION, kind ("e" embedding | "d" document),
 *     created (uint64, unix seconds), tag (bin 8: the key's tag, cachekey.h),
 *     payload (bin 32), check (bin 8: the first 8 bytes of sha256(the 32 bytes before the
 *     payload, then the payload)) ]
 * Payloads: "e" the vector as little-endian float32; "d" the document's
 * nodes after the transformation (wire_nodes_encode).
 * Anything off - truncated, other version or kind, another key's tag, a
 * checksum or length mismatch - is ERR_PARSE: callers treat it as a miss.
 * Redis applies a SET whole or not at all, so a worker killed mid-write
 * leaves no entry or a complete one.  Pure: no I/O. */
#ifndef INGEST_CACHEVAL_H
#define INGEST_CACHEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CACHEVAL_VERSION 1
#define CACHEVAL_HEAD 17      /* bytes up to and including `created` */
#define CACHEVAL_OVERHEAD 42  /* bytes around the payload */
#define CACHEVAL_MAX_PAYLOAD ((size_t)64 << 20) /* 64 MiB */

int cacheval_encode(char kind, const uint8_t tag[8], int64_t created_s, const void *payload,
                    size_t len, buf_t *out);
/* 0 with payload and plen pointing into p, or ERR_PARSE. */
int cacheval_decode(const char *p, size_t len, char kind, const uint8_t tag[8],
                    const char **payload, size_t *plen);
/* The creation time from a value's first CACHEVAL_HEAD bytes; ERR_PARSE
 * when they are not a value's. */
int cacheval_created(const char *p, size_t len, int64_t *created_s);

#endif
