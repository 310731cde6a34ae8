/* split.c - PLACEHOLDER word-based splitter (issue 2); the exact
 * SentenceSplitter/TokenTextSplitter replaces it (issue 3).
 * Greedy: chunk_size words per chunk, chunk_overlap words repeated. */
#include "split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void split_params_default(split_params *p, split_kind kind)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->chunk_size = 1024;
    p->chunk_overlap = kind == SPLIT_SENTENCE ? 200 : 20;
    p->separator = " ";
    p->paragraph_separator = "\n\n\n";
    if (kind == SPLIT_TOKEN) p->backup_separators[0] = "\n";
}

static int push(split_chunks *c, const char *s, size_t len)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        split_chunk *nv = realloc(c->v, ncap * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        c->v = nv;
        c->cap = ncap;
    }
    char *d = malloc(len + 1);
    if (!d) return ERR_NOMEM;
    memcpy(d, s, len);
    d[len] = '\0';
    c->v[c->n].s = d;
    c->v[c->n++].len = len;
    return 0;
}

static int sp(char c) { return c == ' ' || (c >= 9 && c <= 13); }

int split_text(const split_params *p, const char *text, size_t len, size_t metadata_tokens,
               split_chunks *out, char *errbuf, size_t errlen)
{
    long eff = (long)p->chunk_size - (long)metadata_tokens;
    if (eff <= 0) {
        snprintf(errbuf, errlen, "metadata length (%zu) is longer than chunk size (%d)",
                 metadata_tokens, p->chunk_size);
        return ERR_INVAL;
    }
    size_t nw = 0, cap = 64, *ws = malloc(cap * sizeof *ws); /* word start offsets */
    int rc = ws ? 0 : ERR_NOMEM;
    for (size_t i = 0; !rc && i < len; i++) {
        if (sp(text[i]) || (i && !sp(text[i - 1]))) continue;
        if (nw == cap) {
            size_t *n2 = realloc(ws, (cap *= 2) * sizeof *ws);
            if (!n2) rc = ERR_NOMEM; else ws = n2;
        }
        if (!rc) ws[nw++] = i;
    }
    size_t step = (size_t)eff > (size_t)p->chunk_overlap ? (size_t)eff - (size_t)p->chunk_overlap : 1;
    for (size_t w = 0; !rc && w < nw; w += step) {
        size_t e = w + (size_t)eff < nw ? ws[w + (size_t)eff] : len;
        while (e > ws[w] && sp(text[e - 1])) e--;
        rc = push(out, text + ws[w], e - ws[w]);
        if (w + (size_t)eff >= nw) break;
    }
    if (!rc && nw == 0) rc = push(out, "", 0);
    free(ws);
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
