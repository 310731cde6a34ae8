/* tok_table.h - private to the tokenizer: the cl100k_base rank table that
 * tok_gen (a build-time native program) compiles from
 * common/data/cl100k_base.tiktoken into tok_ranks.c, and the hash both sides
 * use.  Everything here is read-only data; nothing is found at run time.
 *
 * Layout: token r (0 <= r < TOK_NRANKS) is the byte string
 * tok_bytes[tok_off[r] .. tok_off[r+1]).  tok_slots is an open-addressing
 * (linear probing) table of 2^TOK_SLOT_BITS entries indexed by
 * tok_hash(bytes) & mask; a slot is 0 when empty, else
 *   bits  0..16  rank, bits 17..24  length, bits 32..63  high hash bits,
 * so most mismatches are rejected without touching the token bytes. */
#ifndef INGEST_TOK_TABLE_H
#define INGEST_TOK_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define TOK_NRANKS 100256u
#define TOK_MAXLEN 128u /* longest cl100k token, in bytes (checked by tok_gen) */
#define TOK_SLOT_BITS 18u
#define TOK_SLOT_MASK ((1u << TOK_SLOT_BITS) - 1u)
#define TOK_SLOT_RANK(s) ((uint32_t)((s) & 0x1ffffu))
#define TOK_SLOT_LEN(s) ((uint32_t)(((s) >> 17) & 0xffu))
#define TOK_SLOT_TAG(s) ((uint32_t)((s) >> 32))

extern const unsigned char tok_bytes[];
extern const uint32_t tok_off[TOK_NRANKS + 1];
extern const uint64_t tok_slots[1u << TOK_SLOT_BITS];

/* Little-endian loads built from bytes, so the generator and the library
 * agree whatever the build and host byte orders. */
static inline uint64_t tok_le(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
    return w;
}

static inline uint64_t tok_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* 64-bit hash of a short byte string (a multiply-xorshift per 8-byte word). */
static inline uint64_t tok_hash(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    for (; n >= 8; p += 8, n -= 8) {
        h = (h ^ tok_le64(p)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 29;
    }
    if (n) {
        h = (h ^ tok_le(p, n)) * 0x94d049bb133111ebull;
        h ^= h >> 31;
    }
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 32);
}

#endif
