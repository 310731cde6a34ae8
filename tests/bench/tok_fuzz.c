/* tok_fuzz.c - random-bytes robustness run for the tokenizer (build with
 * -Db_sanitize=address,undefined to make it a memory check).
 *
 * usage: tok_fuzz [ITERATIONS [SEED]]
 * Inputs mix ASCII, valid multi-byte UTF-8, invalid bytes, truncated
 * sequences, special-token fragments and long runs.  Checks per input:
 * tok_count == number of tok_encode ids, decode(encode(x)) == x, and the
 * invalid-byte rule: the ids equal those of the valid segments encoded
 * separately with each invalid byte's single-byte token between them.
 * Exit 0 iff every input passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"
#include "utf8.h"

static unsigned long rng;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rng >> 33) % n;
}

static const char *frags[] = {
    "a", "Z", " ", "\n", "\r\n", "\t", "'s", "'LL", "1", "42", ".", "!!", "<|endoftext|>", "<|", "|>",
    "<|fim_middle|>", "\xc5\xbf", "\xc2\x85", "\xc2\xa0", "\xe3\x80\x80", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
    "\xed\xa0\x80", "\xff", "\x80", "\xc0\xaf", "\xe4\xb8", "\xf4\x90\x80\x80", "\xcc\x81", "\0",
};

static size_t make(char *b, size_t cap)
{
    size_t n = 0, parts = 1 + rnd(rnd(8) ? 40 : 400);
    for (size_t k = 0; k < parts; k++) {
        const char *f = frags[rnd(sizeof frags / sizeof *frags)];
        size_t fl = f[0] ? strlen(f) : 1, rep = rnd(10) ? 1 : 1 + rnd(300);
        for (size_t r = 0; r < rep && n + fl <= cap; r++) memcpy(b + n, f, fl), n += fl;
        if (!rnd(20) && n < cap) b[n++] = (char)rnd(256);
    }
    return n;
}

/* ids of x encoded segment by segment around invalid bytes (the rule). */
static int by_segments(const char *x, size_t len, uint32_t *want, size_t *nw)
{
    size_t seg = 0, i = 0, k = 0;
    while (i <= len) {
        uint32_t cp;
        int sl = i < len ? utf8_seq_len((const unsigned char *)x + i, len - i, &cp) : 0;
        if (i < len && sl) {
            i += (size_t)sl;
            continue;
        }
        uint32_t *ids;
        size_t n;
        if (tok_encode(x + seg, i - seg, &ids, &n)) return -1;
        memcpy(want + k, ids, n * sizeof *ids), k += n;
        free(ids);
        if (i < len) {
            if (tok_encode(x + i, 1, &ids, &n) || n != 1) return -1;
            want[k++] = ids[0];
            free(ids);
        }
        seg = ++i;
    }
    *nw = k;
    return 0;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 20000;
    rng = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    size_t cap = 1 << 16;
    char *b = malloc(cap);
    uint32_t *want = malloc((cap + 1) * sizeof *want);
    long bad = 0;
    for (long it = 0; it < iters; it++) {
        size_t len = make(b, cap), n = 0, nw = 0, blen = 0;
        char *x = malloc(len ? len : 1); /* exact-size copy so ASan sees overreads */
        memcpy(x, b, len);
        uint32_t *ids = NULL;
        char *back = NULL;
        int ok = tok_encode(x, len, &ids, &n) == 0 && tok_count(x, len) == n &&
                 tok_decode(ids, n, &back, &blen) == 0 && blen == len && !memcmp(back, x, len) &&
                 by_segments(x, len, want, &nw) == 0 && nw == n && !memcmp(want, ids, n * sizeof *ids);
        size_t max = rnd((unsigned)n + 2), m = tok_count_max(x, len, max);
        ok = ok && (n <= max ? m == n : m > max);
        if (!ok && bad++ < 5) fprintf(stderr, "tok_fuzz: input %ld (len %zu) fails\n", it, len);
        free(ids), free(back), free(x);
    }
    printf("tok_fuzz: %ld inputs, %ld failures\n", iters, bad);
    free(b), free(want);
    return bad ? 1 : 0;
}
