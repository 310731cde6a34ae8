/* tok_bpe.c - cl100k rank lookup and byte-pair merging of one pre-token,
 * exactly tiktoken's _byte_pair_merge: repeatedly merge the adjacent pair
 * whose concatenation has the lowest rank, the leftmost one on ties.
 *
 * A pre-token that is itself a token (the common case) costs one hash probe.
 * Pieces up to SMALL_MAX bytes use tiktoken's array scan (quadratic, but
 * tiny).  Longer ones (runs without spaces) use the same rule with a binary
 * heap and linked parts, O(n log n), in a block of 36 bytes per input byte:
 * on the stack up to STACK_MAX bytes (9 KiB), malloc'd beyond.  If that
 * malloc fails (or a single piece exceeds 1 GiB) encoding sets ERR_NOMEM and
 * counting falls back to one token per byte of that piece (an upper bound).
 *
 * Counting mode also keeps a per-thread memo of pieces' token counts:
 * 2^16 entries of 16 bytes in 2-way LRU sets for pieces of 2..14 bytes, and
 * 2^12 direct-mapped entries of 24 bytes for 15..22 bytes; allocated
 * (64-byte aligned) on a thread's first tok_count, freed by a pthread key
 * destructor when the thread exits.  Prose repeats its words (the 12 MB
 * FinanceBench corpus has 35k distinct 2..14-byte pieces among 2M), so
 * nearly every piece hits it and skips the rank table (2 MiB: a cache miss
 * per probe) and any merging.  If the memo cannot be allocated, counting
 * goes without it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tok_int.h"
#include "tok_table.h"

#define SMALL_MAX 16 /* array scan up to here: fastest for short pieces */
#define STACK_MAX 256 /* heap path: stack block up to this many bytes (9 KiB) */
#define BLOCK_WORDS(n) (3 * (n) + ((n) + 1) * 3 / 2 + 1) /* uint64 words: heap + 3 uint32 arrays */
#define DEAD (TOK_NO_RANK - 1) /* rank slot of a part merged into its left neighbour */

uint32_t tok_rank(const unsigned char *p, size_t n)
{
    if (n == 0 || n > TOK_MAXLEN) return TOK_NO_RANK;
    uint64_t h = tok_hash(p, n);
    uint32_t tag = TOK_HASH_TAG(h);
    for (uint32_t i = (uint32_t)h & TOK_SLOT_MASK;; i = (i + 1) & TOK_SLOT_MASK) {
        uint64_t s = tok_slots[i];
        if (!s) return TOK_NO_RANK;
        if (TOK_SLOT_TAG(s) == tag && TOK_SLOT_LEN(s) == n && tok_same(tok_bytes + TOK_SLOT_OFF(s), p, n))
            return TOK_SLOT_RANK(s);
    }
}

/* Emits the parts p[start[k] .. start[k+1]) for k < m. */
static void emit_parts(const unsigned char *p, const uint32_t *start, size_t m, tok_sink *o)
{
    if (o->counting) {
        o->n += m;
        return;
    }
    for (size_t k = 0; k < m; k++) tok_sink_put(o, tok_rank(p + start[k], start[k + 1] - start[k]));
}

/* tiktoken's loop: parts k = 0..m-1 start at start[k] (start[m] = n);
 * rank[k] is the rank of parts k and k+1 together. */
static void bpe_small(const unsigned char *p, size_t n, tok_sink *o)
{
    uint32_t start[SMALL_MAX + 1], rank[SMALL_MAX + 1];
    size_t m = n;
    for (size_t k = 0; k <= n; k++) {
        start[k] = (uint32_t)k;
        rank[k] = k + 1 < n ? tok_rank(p + k, 2) : TOK_NO_RANK;
    }
    for (;;) {
        size_t best = 0;
        for (size_t k = 1; k + 1 < m; k++)
            if (rank[k] < rank[best]) best = k;
        if (m < 2 || rank[best] == TOK_NO_RANK) break;
        /* merge parts best and best+1 */
        memmove(start + best + 1, start + best + 2, (m - best - 1) * sizeof *start);
        memmove(rank + best + 1, rank + best + 2, (m - best - 1) * sizeof *rank);
        m--;
        if (best > 0) rank[best - 1] = tok_rank(p + start[best - 1], start[best + 1] - start[best - 1]);
        rank[best] = best + 1 < m ? tok_rank(p + start[best], start[best + 2] - start[best]) : TOK_NO_RANK;
    }
    emit_parts(p, start, m, o);
}

/* ---- large pieces: lazy binary min-heap of (rank << 32 | part start) ---- */

typedef struct {
    uint64_t *h;
    size_t n;
} heap;

static void heap_down(heap *q, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->n) return;
        if (c + 1 < q->n && q->h[c + 1] < q->h[c]) c++;
        if (q->h[i] <= q->h[c]) return;
        uint64_t t = q->h[i];
        q->h[i] = q->h[c], q->h[c] = t, i = c;
    }
}

static void heap_push(heap *q, uint32_t rank, uint32_t pos)
{
    if (rank == TOK_NO_RANK) return;
    size_t i = q->n++;
    q->h[i] = (uint64_t)rank << 32 | pos;
    while (i && q->h[(i - 1) / 2] > q->h[i]) {
        uint64_t t = q->h[i];
        q->h[i] = q->h[(i - 1) / 2], q->h[(i - 1) / 2] = t, i = (i - 1) / 2;
    }
}

/* Rank of the live part at a joined with its successor, or TOK_NO_RANK. */
static uint32_t pair_rank(const unsigned char *p, size_t n, const uint32_t *next, uint32_t a)
{
    uint32_t b = next[a];
    return b < n ? tok_rank(p + a, next[b] - a) : TOK_NO_RANK;
}

/* block: BLOCK_WORDS(n) words holding the heap, <= 3n entries (n-1
 * initial pushes, at most 2 per merge, fewer than n merges), then
 * next/prev/rank per byte position (+1 sentinel). */
static void bpe_heap(const unsigned char *p, size_t n, uint64_t *block, tok_sink *o)
{
    heap q = {block, 0};
    uint32_t *next = (uint32_t *)(void *)(block + 3 * n), *prev = next + n + 1, *rank = prev + n + 1;
    for (uint32_t a = 0; a <= n; a++) next[a] = a + 1, prev[a] = a - 1;
    for (uint32_t a = 0; a < n; a++) {
        rank[a] = pair_rank(p, n, next, a);
        if (rank[a] != TOK_NO_RANK) q.h[q.n++] = (uint64_t)rank[a] << 32 | a;
    }
    for (size_t i = q.n / 2; i-- > 0;) heap_down(&q, i);
    while (q.n) {
        uint64_t top = q.h[0];
        q.h[0] = q.h[--q.n];
        heap_down(&q, 0);
        uint32_t a = (uint32_t)top, b = next[a];
        if (rank[a] != (uint32_t)(top >> 32)) continue; /* stale entry */
        next[a] = next[b];
        prev[next[b]] = a;
        rank[b] = DEAD;
        heap_push(&q, rank[a] = pair_rank(p, n, next, a), a);
        if (a > 0) heap_push(&q, rank[prev[a]] = pair_rank(p, n, next, prev[a]), prev[a]);
    }
    for (uint32_t a = 0; a < n; a = next[a]) {
        if (o->counting) o->n++;
        else tok_sink_put(o, tok_rank(p + a, next[a] - a));
    }
}

static void bpe_large(const unsigned char *p, size_t n, tok_sink *o)
{
    if (n <= STACK_MAX) {
        uint64_t block[BLOCK_WORDS(STACK_MAX)];
        bpe_heap(p, n, block, o);
        return;
    }
    uint64_t *block = n < UINT32_MAX / 4 ? malloc(BLOCK_WORDS(n) * sizeof *block) : NULL;
    if (!block) {
        if (o->counting) o->n += n;
        else o->err = ERR_NOMEM;
        return;
    }
    bpe_heap(p, n, block, o);
    free(block);
}

/* Any pre-token of n >= 2 bytes, without the memo. */
static void bpe_any(const unsigned char *p, size_t n, tok_sink *o)
{
    uint32_t r = tok_rank(p, n);
    if (r != TOK_NO_RANK) tok_sink_put(o, r);
    else if (n <= SMALL_MAX) bpe_small(p, n, o);
    else bpe_large(p, n, o);
}

/* ---- per-thread memo of piece -> token count (counting mode) ---- */

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static int memo_key_ok;
static _Thread_local tok_memo *memo_mine;

/* Thread exit: a later tok_count on this thread (from another key's
 * destructor) then allocates afresh. */
static void memo_free(void *m)
{
    memo_mine = NULL;
    free(m);
}

static void memo_key_make(void) { memo_key_ok = pthread_key_create(&memo_key, memo_free) == 0; }

tok_memo *tok_memo_get(void)
{
    if (memo_mine) return memo_mine;
    pthread_once(&memo_once, memo_key_make);
    tok_memo *m = memo_key_ok ? aligned_alloc(64, sizeof *m) : NULL; /* a set in one cache line */
    if (m) memset(m, 0, sizeof *m);
    if (m && pthread_setspecific(memo_key, m)) {
        free(m);
        m = NULL;
    }
    return memo_mine = m;
}

void tok_memo_fill(tok_memo_ent *e, const unsigned char *p, size_t n, uint64_t a, uint64_t b, tok_sink *o)
{
    size_t before = o->n;
    bpe_any(p, n, o);
    e[1] = e[0];
    e[0].a = a;
    e[0].b = b | (uint64_t)(o->n - before) << TOK_MEMO_COUNT_SHIFT; /* <= n <= 14 */
}

/* Counts p[0..n), 2 <= n <= TOK_MEMO_MAXLEN, through the memo with the key
 * form that reads only inside the piece: a = tok_word (n < 8), b without
 * TOK_MEMO_MASKED.  (tok_pre.c's fast path uses the masked form.) */
static void memo_count(const unsigned char *p, size_t n, tok_sink *o)
{
    uint64_t a = n >= 8 ? tok_le64(p) : tok_word(p, n), b = (uint64_t)n << 56;
    if (n > 8) b |= tok_le64(p + n - 8) >> (8 * (16 - n));
    tok_memo_count(p, n, a, b, o);
}

/* Counts p[0..n), TOK_MEMO_MAXLEN < n <= TOK_MEMO_LONG_MAXLEN, through the
 * long-piece memo.  Key: a = bytes 0..7, b = bytes 8..15 (for n = 15, bytes
 * 8..14 zero-extended), c = bytes 16.. zero-extended | n << 56, with the
 * count in c's bits 48..55 (n - 16 <= 6 bytes). */
static void memo_long_count(const unsigned char *p, size_t n, tok_sink *o)
{
    uint64_t a = tok_le64(p), b = n >= 16 ? tok_le64(p + 8) : tok_le64(p + 7) >> 8;
    uint64_t c = (n > 16 ? tok_le64(p + n - 8) >> (8 * (24 - n)) : 0) | (uint64_t)n << 56;
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ (c * 0xc2b2ae3d27d4eb4full)) * 0xff51afd7ed558ccdull;
    tok_memo_long *e = &o->memo->l[h >> (64 - TOK_MEMO_LONG_BITS)];
    if (e->a == a && e->b == b && (e->c & ~(0xffull << TOK_MEMO_COUNT_SHIFT)) == c) {
        o->n += (e->c >> TOK_MEMO_COUNT_SHIFT) & 0xff;
        return;
    }
    size_t before = o->n;
    bpe_any(p, n, o);
    e->a = a, e->b = b;
    e->c = c | (uint64_t)(o->n - before) << TOK_MEMO_COUNT_SHIFT; /* <= n <= 22 */
}

void tok_bpe(const unsigned char *p, size_t n, tok_sink *o)
{
    if (n == 1) tok_sink_put(o, o->counting ? 0 : tok_rank(p, 1));
    else if (o->memo && n <= TOK_MEMO_MAXLEN) memo_count(p, n, o);
    else if (o->memo && n <= TOK_MEMO_LONG_MAXLEN) memo_long_count(p, n, o);
    else bpe_any(p, n, o);
}
