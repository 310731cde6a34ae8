/* tok_table.h - private to the tokenizer: the cl100k_base rank table that
 * tok_gen (a build-time native program) compiles from
 * common/text/data/cl100k_base.tiktoken into tok_ranks.c, and the hash both sides
 * use.  Everything here is read-only data; nothing is found at run time.
 *
 * Layout: token r (0 <= r < TOK_NRANKS) is the byte string
 * tok_bytes[tok_off[r] .. tok_off[r+1]).  tok_slots is an open-addressing
 * (linear probing) table of 2^TOK_SLOT_BITS entries indexed by
 * tok_hash(bytes) & mask; a slot is 0 when empty, else
 *   bits 0..16 rank, 17..24 length, 25..44 offset in tok_bytes,
 *   45..63 the hash's top 19 bits,
 * so a probe reads one slot and, when tag and length agree, the bytes. */
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
#define TOK_SLOT_OFF(s) ((uint32_t)(((s) >> 25) & 0xfffffu))
#define TOK_SLOT_TAG(s) ((uint32_t)((s) >> 45))
#define TOK_HASH_TAG(h) ((uint32_t)((h) >> 45))
#define TOK_SLOT_MAKE(rank, len, off, h) \
    ((uint64_t)(rank) | (uint64_t)(len) << 17 | (uint64_t)(off) << 25 | (uint64_t)TOK_HASH_TAG(h) << 45)

extern const unsigned char tok_bytes[];
extern const uint32_t tok_off[TOK_NRANKS + 1];
extern const uint64_t tok_slots[1u << TOK_SLOT_BITS];

/* Little-endian loads built from bytes, so the generator and the library
 * agree whatever the build and host byte orders (compilers fuse them). */
static inline uint64_t tok_le16(const unsigned char *p) { return (uint64_t)p[0] | (uint64_t)p[1] << 8; }

static inline uint64_t tok_le32(const unsigned char *p) { return tok_le16(p) | tok_le16(p + 2) << 16; }

static inline uint64_t tok_le64(const unsigned char *p) { return tok_le32(p) | tok_le32(p + 4) << 32; }

/* The bytes p[0..n), 1 <= n <= 8, folded into one word with (possibly
 * overlapping) loads inside the string: equal strings of equal length give
 * equal words, and for a fixed n the word determines the string. */
static inline uint64_t tok_word(const unsigned char *p, size_t n)
{
    if (n >= 4) return tok_le32(p) | tok_le32(p + n - 4) << 32;
    if (n >= 2) return tok_le16(p) | tok_le16(p + n - 2) << 16;
    return p[0];
}

/* 64-bit hash of a short byte string (a multiply-xorshift per 8-byte word;
 * the tail is the last 8 bytes, overlapping, or tok_word for n < 8). */
static inline uint64_t tok_hash(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        h = (h ^ tok_le64(p + k)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 29;
    }
    if (k < n) {
        h = (h ^ (n >= 8 ? tok_le64(p + n - 8) : tok_word(p, n))) * 0x94d049bb133111ebull;
        h ^= h >> 31;
    }
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 32);
}

/* a[0..n) == b[0..n), n >= 1, without a library call for short strings. */
static inline int tok_same(const unsigned char *a, const unsigned char *b, size_t n)
{
    if (n < 8) return tok_word(a, n) == tok_word(b, n);
    size_t k = 0;
    for (; k + 8 <= n; k += 8)
        if (tok_le64(a + k) != tok_le64(b + k)) return 0;
    return k == n || tok_le64(a + n - 8) == tok_le64(b + n - 8);
}

#endif
