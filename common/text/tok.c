/* tok.c - OpenAI cl100k_base tokenizer, equal to tiktoken 0.12
 * encode(text, allowed_special="all") on valid UTF-8 (see tok.h).
 *
 * The text is cut into ordinary segments at special tokens and at invalid
 * UTF-8 bytes; each segment is pre-tokenised on its own (tok_pre.c, as
 * tiktoken does between special tokens) and each pre-token byte-pair
 * encoded (tok_bpe.c) against the ranks embedded at build time (tok_gen.c).
 *
 * Invalid UTF-8 rule (Python str never holds it, so tiktoken has no
 * answer): every byte that does not begin a valid RFC 3629 sequence
 * (overlong, surrogate such as ED A0 80, > U+10FFFF, truncated, stray
 * continuation byte) is its own token, the single-byte token of that byte,
 * and ends the segment before it.  Thus decode(encode(x)) == x for any
 * bytes, and on valid text the rule never fires.
 *
 * Ownership: tok_encode/tok_decode return malloc'd arrays the caller frees.
 * Failure: ERR_NOMEM (tok_decode also ERR_INVAL).  tok_count allocates
 * only its per-thread memo (once per thread) and for a single pre-token
 * longer than 256 bytes (see tok_bpe.c).  All tables are const; the memo is
 * thread-local: safe from any thread. */
#include "tok.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tok_int.h"
#include "tok_table.h"
#include "utf8.h"

static const struct special {
    const char *text;
    size_t len;
    uint32_t id;
} specials[] = {
    {"<|endoftext|>", 13, 100257},  {"<|fim_prefix|>", 14, 100258}, {"<|fim_middle|>", 14, 100259},
    {"<|fim_suffix|>", 14, 100260}, {"<|endofprompt|>", 15, 100276},
};
#define NSPECIAL (sizeof specials / sizeof specials[0])

void tok_sink_grow_put(tok_sink *o, uint32_t id)
{
    if (o->err) return;
    size_t cap = o->cap ? o->cap * 2 : 64;
    uint32_t *ids = cap < SIZE_MAX / sizeof *ids ? realloc(o->ids, cap * sizeof *ids) : NULL;
    if (!ids) {
        o->err = ERR_NOMEM;
        return;
    }
    o->ids = ids, o->cap = cap;
    o->ids[o->n++] = id;
}

/* The special token starting at s (left bytes), or NULL. */
static const struct special *special_at(const unsigned char *s, size_t left)
{
    if (left < 13 || s[1] != '|') return NULL;
    for (size_t k = 0; k < NSPECIAL; k++)
        if (left >= specials[k].len && !memcmp(s, specials[k].text, specials[k].len)) return &specials[k];
    return NULL;
}

/* The ordinary text s[0..len); bytes up to lim may be read. */
static void encode_ordinary(const unsigned char *s, size_t len, const unsigned char *lim, tok_sink *o)
{
    if (o->memo) {
        tok_pre_count(s, len, lim, o);
        return;
    }
    for (size_t i = 0, e; i < len && o->n <= o->limit; i = e) {
        e = tok_pre_next(s, i, len);
        tok_bpe(s + i, e - i, o);
    }
}

static void encode_all(const unsigned char *s, size_t len, tok_sink *o)
{
    size_t seg = 0, i = 0;
    while (i < len && o->n <= o->limit) {
        if (i + 8 <= len) { /* skip 8 plain ASCII bytes (no '<') at once */
            uint64_t w = tok_le64(s + i);
            if (!((w & TOK_HIGH) | tok_zero_bytes(w ^ 0x3c3c3c3c3c3c3c3cull))) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        uint32_t cp;
        int n;
        const struct special *sp;
        if (c != '<' && c < 0x80) {
            i++;
        } else if (c == '<') {
            if (!(sp = special_at(s + i, len - i))) {
                i++;
                continue;
            }
            encode_ordinary(s + seg, i - seg, s + len, o);
            tok_sink_put(o, sp->id);
            seg = i += sp->len;
        } else if ((n = utf8_seq_len(s + i, len - i, &cp))) {
            i += (size_t)n;
        } else {
            encode_ordinary(s + seg, i - seg, s + len, o);
            tok_bpe(s + i, 1, o);
            seg = ++i;
        }
    }
    encode_ordinary(s + seg, len - seg, s + len, o);
}

size_t tok_count_max(const char *s, size_t len, size_t max)
{
    tok_sink o = {.counting = 1, .memo = tok_memo_get(), .limit = max};
    encode_all((const unsigned char *)s, len, &o);
    return o.n;
}

size_t tok_count(const char *s, size_t len) { return tok_count_max(s, len, SIZE_MAX); }

int tok_encode(const char *s, size_t len, uint32_t **ids, size_t *n)
{
    tok_sink o = {.limit = SIZE_MAX};
    tok_sink_grow_put(&o, 0); /* always hand back an array, even for "" */
    o.n = 0;
    encode_all((const unsigned char *)s, len, &o);
    if (o.err) {
        free(o.ids);
        return o.err;
    }
    *ids = o.ids;
    *n = o.n;
    return 0;
}

/* Bytes of token id (*len set), or NULL if id is not a cl100k token. */
static const unsigned char *token_bytes(uint32_t id, size_t *len)
{
    if (id < TOK_NRANKS) {
        *len = tok_off[id + 1] - tok_off[id];
        return tok_bytes + tok_off[id];
    }
    for (size_t k = 0; k < NSPECIAL; k++)
        if (specials[k].id == id) {
            *len = specials[k].len;
            return (const unsigned char *)specials[k].text;
        }
    return NULL;
}

int tok_decode(const uint32_t *ids, size_t n, char **out, size_t *outlen)
{
    size_t total = 0, len;
    for (size_t k = 0; k < n; k++) {
        if (!token_bytes(ids[k], &len)) return ERR_INVAL;
        if (total > SIZE_MAX / 2) return ERR_NOMEM;
        total += len;
    }
    char *buf = malloc(total + 1);
    if (!buf) return ERR_NOMEM;
    for (size_t k = 0, at = 0; k < n; k++) {
        const unsigned char *b = token_bytes(ids[k], &len);
        memcpy(buf + at, b, len);
        at += len;
    }
    buf[total] = '\0';
    *out = buf;
    *outlen = total;
    return 0;
}
