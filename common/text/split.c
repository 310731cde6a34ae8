/* split.c - LlamaIndex 0.14.19 SentenceSplitter and TokenTextSplitter (see split.h).
 *
 * Every split function of LlamaIndex (split_by_sep keeping the separator,
 * Punkt sentences cut at span starts, re.findall(CHUNKING_REGEX), list(text))
 * tiles its input, so a split is a byte range of the original text and a
 * chunk, being consecutive splits, is one range too: splits are kept as
 * (offset, length, tokens) and only final chunks are copied.
 *   _split: a range within the effective size is one split; otherwise the
 *     first split function giving more than one piece is used and pieces
 *     still too big are split again (recursion depth is bounded: pieces
 *     shrink, and a lone character that is still too big is an error where
 *     Python would recurse forever).
 *   _merge: SentenceSplitter - greedy on the stored token counts, overlap by
 *     whole trailing splits (<= chunk_overlap tokens), dropped from the front
 *     if the next split would not fit; TokenTextSplitter - greedy, then pop
 *     from the front while over the overlap or over the size.
 * Chunks are str.strip()ped (Unicode whitespace) and blank ones dropped.
 * Owns only its temporary arrays and the output; fails on ERR_NOMEM or
 * ERR_INVAL (parameters, see split.h), leaving `out` empty. */
#include "split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "punkt.h"
#include "pyuni.h"
#include "tok.h"

void split_params_default(split_params *p, split_kind kind)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->chunk_size = 1024;
    p->chunk_overlap = kind == SPLIT_SENTENCE ? 200 : 20;
    p->separator = " ";
    p->paragraph_separator = "\n\n\n";
    p->secondary_regex = 1;
    if (kind == SPLIT_TOKEN) p->backup_separators[0] = "\n";
}

/* ---------- growable arrays ---------- */

typedef struct piece {
    size_t off, len; /* byte range of the original text */
    size_t ntok;     /* its token count (set when known) */
} piece;

typedef struct pvec {
    piece *v;
    size_t n, cap;
} pvec;

static int pv_push(pvec *a, size_t off, size_t len, size_t ntok)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 32;
        piece *nv = realloc(a->v, nc * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = (piece){off, len, ntok};
    return 0;
}

static int chunk_push(split_chunks *c, const char *s, size_t len)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        split_chunk *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        c->v = nv;
        c->cap = nc;
    }
    char *d = malloc(len + 1);
    if (!d) return ERR_NOMEM;
    memcpy(d, s, len);
    d[len] = '\0';
    c->v[c->n].s = d;
    c->v[c->n++].len = len;
    return 0;
}

/* ---------- split functions: pieces of t[off, off+len) appended to out ---------- */

/* The leftmost sep (sl >= 1 bytes) in t[i, end), or NULL: memchr for its
 * first byte (vectorised in libc, unlike memmem for short needles). */
static const char *find_sep(const char *t, size_t i, size_t end, const char *sep, size_t sl)
{
    while (end - i >= sl) {
        const char *c = memchr(t + i, sep[0], end - i - sl + 1);
        if (!c) return NULL;
        size_t k = 1; /* separators are short: no memcmp call */
        while (k < sl && c[k] == sep[k]) k++;
        if (k == sl) return c;
        i = (size_t)(c - t) + 1;
    }
    return NULL;
}

/* split_text_keep_separator: str.split(sep), sep re-attached in front, empties dropped. */
static int by_sep(const char *t, size_t off, size_t len, const char *sep, pvec *out)
{
    size_t sl = strlen(sep), start = off, end = off + len, i = off;
    int rc = 0;
    for (;;) {
        const char *hit = i < end ? find_sep(t, i, end, sep, sl) : NULL;
        size_t stop = hit ? (size_t)(hit - t) : end;
        if (stop > start) rc = pv_push(out, start, stop - start, 0);
        if (!hit || rc) return rc;
        start = stop;
        i = stop + sl;
    }
}

/* Punkt sentences, each running to the next span's start (the last to the end). */
static int by_sentence(const char *t, size_t off, size_t len, pvec *out)
{
    punkt_spans sp = {0};
    int rc = punkt_span_tokenize(t + off, len, &sp);
    for (size_t i = 0; !rc && i < sp.n; i++) {
        size_t s = sp.v[i].start, e = i + 1 < sp.n ? sp.v[i + 1].start : len;
        rc = pv_push(out, off + s, e - s, 0);
    }
    punkt_spans_free(&sp);
    return rc;
}

/* CHUNKING_REGEX punctuation: , . ; U+3002 U+FF1F U+FF01 */
static int is_chunk_punct(uint32_t cp)
{
    return cp == ',' || cp == '.' || cp == ';' || cp == 0x3002 || cp == 0xFF1F || cp == 0xFF01;
}

/* re.findall("[^,.;。？！]+[,.;。？！]?|[,.;。？！]"): runs of non-punctuation,
 * each with at most one following mark; other marks alone. */
static int by_regex(const char *t, size_t off, size_t len, pvec *out)
{
    size_t i = off, end = off + len;
    int rc = 0;
    while (i < end && !rc) {
        size_t s = i;
        uint32_t cp;
        size_t w = pyuni_next(t, end, i, &cp);
        if (!is_chunk_punct(cp)) {
            do {
                i += w;
                if (i >= end) break;
                w = pyuni_next(t, end, i, &cp);
            } while (!is_chunk_punct(cp));
            if (i < end) i += w; /* the optional mark */
        } else {
            i += w;
        }
        rc = pv_push(out, s, i - s, 0);
    }
    return rc;
}

/* list(text): one piece per character. */
static int by_char(const char *t, size_t off, size_t len, pvec *out)
{
    int rc = 0;
    for (size_t i = off, end = off + len; i < end && !rc;) {
        uint32_t cp;
        size_t w = pyuni_next(t, end, i, &cp);
        rc = pv_push(out, i, w, 0);
        i += w;
    }
    return rc;
}

/* ---------- _split ---------- */

typedef struct ctx {
    const split_params *p;
    const char *t;
    size_t eff;          /* effective chunk size */
    pvec splits;         /* result of _split */
    char *errbuf;
    size_t errlen;
} ctx;

/* The pieces of [off, off+len) by the splitter's function list. */
static int split_by_fns(ctx *c, size_t off, size_t len, pvec *out)
{
    const split_params *p = c->p;
    int rc;
    if (p->kind == SPLIT_SENTENCE) {
        rc = by_sep(c->t, off, len, p->paragraph_separator, out);
        if (rc || out->n > 1) return rc;
        out->n = 0;
        rc = by_sentence(c->t, off, len, out);
        if (rc || out->n > 1) return rc;
        out->n = 0;
        if (p->secondary_regex) {
            rc = by_regex(c->t, off, len, out);
            if (rc || out->n > 1) return rc;
            out->n = 0;
        }
        rc = by_sep(c->t, off, len, p->separator, out);
    } else {
        rc = by_sep(c->t, off, len, p->separator, out);
        for (int i = 0; !rc && out->n <= 1 && i < 4 && p->backup_separators[i]; i++) {
            out->n = 0;
            rc = by_sep(c->t, off, len, p->backup_separators[i], out);
        }
    }
    if (rc || out->n > 1) return rc;
    out->n = 0;
    return by_char(c->t, off, len, out);
}

/* A count above eff is only ever compared with eff, so counting stops past
 * it (tok_count_max); and as a cl100k token is at most 128 bytes, a text
 * longer than 128 * eff bytes is over without counting. */
#define TOK_MAX_BYTES 128
#define OVER SIZE_MAX /* "token count unknown but larger than eff" */

static size_t count_or_over(const ctx *c, size_t off, size_t len)
{
    return len > TOK_MAX_BYTES * c->eff ? OVER : tok_count_max(c->t + off, len, c->eff);
}

/* _split of [off, off+len) whose token count is ntok, appending to c->splits. */
static int split_rec(ctx *c, size_t off, size_t len, size_t ntok)
{
    if (ntok <= c->eff) return pv_push(&c->splits, off, len, ntok);
    pvec pcs = {0};
    int rc = split_by_fns(c, off, len, &pcs);
    if (!rc && pcs.n == 1 && pcs.v[0].len == len) {
        snprintf(c->errbuf, c->errlen,
                 "a single character has %zu tokens, more than the chunk size (%zu)",
                 tok_count(c->t + off, len), c->eff);
        rc = ERR_INVAL;
    }
    for (size_t i = 0; !rc && i < pcs.n; i++) {
        size_t n = count_or_over(c, pcs.v[i].off, pcs.v[i].len);
        rc = n <= c->eff ? pv_push(&c->splits, pcs.v[i].off, pcs.v[i].len, n)
                         : split_rec(c, pcs.v[i].off, pcs.v[i].len, n);
    }
    free(pcs.v);
    return rc;
}

/* ---------- _merge ---------- */

/* Appends t[splits a..b) stripped (or as is), unless blank/empty. */
static int emit(ctx *c, size_t a, size_t b, int keep_ws, split_chunks *out)
{
    const piece *v = c->splits.v;
    size_t s = v[a].off, e = v[b - 1].off + v[b - 1].len, rs = 0, re = e - s;
    if (!keep_ws) pyuni_strip(c->t + s, e - s, &rs, &re);
    return re > rs ? chunk_push(out, c->t + s + rs, re - rs) : 0;
}

/* SentenceSplitter._merge + _postprocess_chunks.  The current chunk is always
 * the consecutive splits [a, b). */
static int sentence_merge(ctx *c, split_chunks *out)
{
    const piece *v = c->splits.v;
    size_t a = 0, b = 0, cur = 0, i = 0, ov = (size_t)c->p->chunk_overlap;
    int new_chunk = 1, rc = 0;
    while (i < c->splits.n && !rc) {
        size_t n = v[i].ntok;
        if (cur + n > c->eff && !new_chunk) { /* close the chunk, start the overlap */
            rc = emit(c, a, b, 0, out);
            cur = 0;
            new_chunk = 1;
            while (b > a && cur + v[b - 1].ntok <= ov) cur += v[--b].ntok;
            size_t na = b;
            b = i;
            a = na;
            continue;
        }
        while (new_chunk && a < b && cur + n > c->eff) cur -= v[a++].ntok;
        cur += n;
        b = ++i;
        new_chunk = 0;
    }
    if (!rc && !new_chunk) rc = emit(c, a, b, 0, out);
    return rc;
}

/* TokenTextSplitter._merge. */
static int token_merge(ctx *c, split_chunks *out)
{
    const piece *v = c->splits.v;
    size_t a = 0, cur = 0, ov = (size_t)c->p->chunk_overlap;
    int rc = 0, keep = c->p->keep_whitespaces;
    for (size_t i = 0; i < c->splits.n && !rc; i++) {
        size_t n = v[i].ntok;
        if (cur + n > c->eff) {
            if (i > a) rc = emit(c, a, i, keep, out);
            while (a < i && (cur > ov || cur + n > c->eff)) cur -= v[a++].ntok;
        }
        cur += n;
    }
    if (!rc && c->splits.n > a) rc = emit(c, a, c->splits.n, keep, out);
    return rc;
}

/* ---------- entry ---------- */

static int check_params(const split_params *p, size_t metadata_tokens, size_t *eff, char *eb, size_t el)
{
    if (p->chunk_size <= 0 || p->chunk_overlap < 0) {
        snprintf(eb, el, "chunk_size must be > 0 and chunk_overlap >= 0 (got %d, %d)", p->chunk_size,
                 p->chunk_overlap);
        return ERR_INVAL;
    }
    if (p->chunk_overlap > p->chunk_size) {
        snprintf(eb, el, "Got a larger chunk overlap (%d) than chunk size (%d), should be smaller.",
                 p->chunk_overlap, p->chunk_size);
        return ERR_INVAL;
    }
    int bad = !p->separator || !*p->separator;
    if (p->kind == SPLIT_SENTENCE) bad |= !p->paragraph_separator || !*p->paragraph_separator;
    for (int i = 0; p->kind == SPLIT_TOKEN && i < 4 && p->backup_separators[i]; i++)
        bad |= !*p->backup_separators[i];
    if (bad) {
        snprintf(eb, el, "empty separator");
        return ERR_INVAL;
    }
    size_t md = metadata_tokens + (p->kind == SPLIT_TOKEN ? 2 : 0); /* DEFAULT_METADATA_FORMAT_LEN */
    if (md >= (size_t)p->chunk_size) {
        snprintf(eb, el,
                 "Metadata length (%zu) is longer than chunk size (%d). Consider increasing the "
                 "chunk size or decreasing the size of your metadata to avoid this.",
                 md, p->chunk_size);
        return ERR_INVAL;
    }
    *eff = (size_t)p->chunk_size - md;
    return 0;
}

int split_text(const split_params *p, const char *text, size_t len, size_t metadata_tokens,
               split_chunks *out, char *errbuf, size_t errlen)
{
    ctx c = {.p = p, .t = text, .errbuf = errbuf, .errlen = errlen};
    int rc = check_params(p, metadata_tokens, &c.eff, errbuf, errlen);
    if (rc) return rc;
    if (len == 0) return chunk_push(out, "", 0);
    rc = split_rec(&c, 0, len, count_or_over(&c, 0, len));
    if (!rc) rc = p->kind == SPLIT_SENTENCE ? sentence_merge(&c, out) : token_merge(&c, out);
    free(c.splits.v);
    if (rc) split_chunks_free(out);
    return rc;
}

int split_sentences(const char *text, size_t len, split_chunks *out)
{
    pvec pcs = {0};
    int rc = by_sentence(text, 0, len, &pcs);
    for (size_t i = 0; !rc && i < pcs.n; i++) rc = chunk_push(out, text + pcs.v[i].off, pcs.v[i].len);
    free(pcs.v);
    if (rc) split_chunks_free(out);
    return rc;
}

void split_chunks_free(split_chunks *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) free(c->v[i].s);
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}
