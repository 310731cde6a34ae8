/* tok_int.h - private interface between the tokenizer's parts:
 * tok.c (API, special tokens, invalid-byte rule), tok_pre.c (the cl100k
 * pre-tokeniser), tok_unicode.c (its generated character classes) and
 * tok_bpe.c (rank lookup and byte-pair merging).
 * Not for use outside common/tok*.c. */
#ifndef INGEST_TOK_INT_H
#define INGEST_TOK_INT_H

#include <stddef.h>
#include <stdint.h>

#define TOK_NO_RANK UINT32_MAX

/* Pre-tokeniser character classes (values fixed: tok_unicode.c uses them). */
enum { TOK_K_OTHER, TOK_K_LETTER, TOK_K_NUMBER, TOK_K_SPACE /* \s but \r \n */, TOK_K_NL /* \r \n */ };

/* Class of code point cp < 0x110000 (Unicode 16.0, generated). */
extern const uint16_t tok_uni_stage1[0x110000 >> 7];
extern const uint8_t tok_uni_stage2[][128];
static inline int tok_uni_class(uint32_t cp)
{
    return tok_uni_stage2[tok_uni_stage1[cp >> 7]][cp & 127];
}

/* Token counts of recently seen pre-tokens of 2..TOK_MEMO_MAXLEN bytes, in
 * 2-way LRU sets: a per-thread cache for counting mode (tok_bpe.c).  An
 * entry holds its piece exactly, as a key (a, b) that determines it: a = its
 * first bytes, b = the bytes after the 8th (zero-extended) | n << 56 | a form
 * bit (63) telling which of two encodings of the first bytes a holds (see
 * tok_bpe.c and tok_pre.c); b's bits 48..55 hold the count; all 0: empty. */
#define TOK_MEMO_BITS 16 /* 64 Ki entries of 16 bytes: 1 MiB per thread */
#define TOK_MEMO_MAXLEN 14
#define TOK_MEMO_COUNT_SHIFT 48
#define TOK_MEMO_MASKED (1ull << 63) /* form bit: a is the zero-extended bytes */
typedef struct tok_memo_ent {
    uint64_t a, b;
} tok_memo_ent;

/* Pieces of TOK_MEMO_MAXLEN + 1 .. TOK_MEMO_LONG_MAXLEN bytes (long words
 * such as " administrative") have a smaller memo of their own, with a third
 * key word (tok_bpe.c). */
#define TOK_MEMO_LONG_BITS 12
#define TOK_MEMO_LONG_MAXLEN 22
typedef struct tok_memo_long {
    uint64_t a, b, c;
} tok_memo_long;

typedef struct tok_memo {
    tok_memo_ent e[1u << TOK_MEMO_BITS];
    tok_memo_long l[1u << TOK_MEMO_LONG_BITS];
} tok_memo;

/* The calling thread's memo, or NULL if it cannot be allocated. */
tok_memo *tok_memo_get(void);

/* Word-at-a-time byte tests (bit 7 of each byte of the result). */
#define TOK_ONES 0x0101010101010101ull
#define TOK_HIGH 0x8080808080808080ull
/* Nonzero iff a byte of w is 0; its lowest set bit marks the first one. */
static inline uint64_t tok_zero_bytes(uint64_t w) { return (w - TOK_ONES) & ~w & TOK_HIGH; }
/* Bytes of w that are ASCII letters A-Z a-z (no carries cross bytes: the
 * sums are done on 7-bit values). */
static inline uint64_t tok_letter_bytes(uint64_t w)
{
    uint64_t y = (w | 0x2020202020202020ull) & 0x7f7f7f7f7f7f7f7full;
    uint64_t ge_a = y + 0x1f1f1f1f1f1f1f1full, gt_z = y + 0x0505050505050505ull;
    return ge_a & ~gt_z & ~w & TOK_HIGH;
}

/* Where tokens go.  Counting mode (ids == NULL, counting == 1) only bumps n
 * and never allocates, uses memo if not NULL, and may stop once n > limit;
 * otherwise ids grows (malloc) and err becomes ERR_NOMEM on the first failed
 * growth, after which tokens are dropped. */
typedef struct tok_sink {
    uint32_t *ids;
    size_t n, cap;
    int counting;
    int err;
    tok_memo *memo;
    size_t limit; /* SIZE_MAX when encoding */
} tok_sink;

/* Appends one id (grows ids; sets err on failure). */
void tok_sink_grow_put(tok_sink *o, uint32_t id);

static inline void tok_sink_put(tok_sink *o, uint32_t id)
{
    if (o->counting) o->n++;
    else if (o->n < o->cap) o->ids[o->n++] = id;
    else tok_sink_grow_put(o, id);
}

/* End of the pre-token starting at s[i] in the ordinary (special-free,
 * valid UTF-8) text s[0..end); i < end.  Always > i. */
size_t tok_pre_next(const unsigned char *s, size_t i, size_t end);

/* Rank of the byte string p[0..n), or TOK_NO_RANK if it is not a token. */
uint32_t tok_rank(const unsigned char *p, size_t n);

/* Byte-pair encodes one pre-token p[0..n), n >= 1, into o. */
void tok_bpe(const unsigned char *p, size_t n, tok_sink *o);

/* Counting mode: counts the pre-tokens of the ordinary text s[0..len) into
 * o, which has a memo; bytes up to lim (>= s + len) may be read. */
void tok_pre_count(const unsigned char *s, size_t len, const unsigned char *lim, tok_sink *o);

/* Memo miss: counts p[0..n) (2 <= n <= TOK_MEMO_MAXLEN) into o and stores
 * the count under the key (a, b) as entry 0 of the set e (entry 0 moves to
 * 1, the least recently used entry is dropped). */
void tok_memo_fill(tok_memo_ent *e, const unsigned char *p, size_t n, uint64_t a, uint64_t b, tok_sink *o);

static inline int tok_memo_is(const tok_memo_ent *e, uint64_t a, uint64_t b)
{
    return e->a == a && (e->b & ~(0xffull << TOK_MEMO_COUNT_SHIFT)) == b;
}

/* Counts p[0..n), whose memo key is (a, b), through o->memo: 2-way set
 * associative, the set's entry 0 the most recently used. */
static inline void tok_memo_count(const unsigned char *p, size_t n, uint64_t a, uint64_t b, tok_sink *o)
{
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    tok_memo_ent *e = &o->memo->e[(h >> (64 - TOK_MEMO_BITS)) & ~(uint64_t)1];
    if (tok_memo_is(&e[0], a, b)) {
        o->n += (e[0].b >> TOK_MEMO_COUNT_SHIFT) & 0xff;
    } else if (tok_memo_is(&e[1], a, b)) {
        tok_memo_ent t = e[1];
        e[1] = e[0], e[0] = t;
        o->n += (t.b >> TOK_MEMO_COUNT_SHIFT) & 0xff;
    } else {
        tok_memo_fill(e, p, n, a, b, o);
    }
}

#endif
