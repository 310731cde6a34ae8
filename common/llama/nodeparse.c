/* nodeparse.c - Documents -> TextNodes for the splitter classes and
 * SentenceWindowNodeParser (see nodeparse.h).
 * Splitters (MetadataAwareTextSplitter) always subtract the metadata string's
 * tokens, whatever include_metadata says: LlamaIndex only uses that flag when
 * merging metadata in _postprocess_parsed_nodes. */
#include "nodeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sha256.h"
#include "split.h"
#include "tok.h"
#include "utf8.h"

void nodeparse_node_id(const char *doc_id, size_t index, char out[37])
{
    sha256_ctx c;
    uint8_t d[32];
    char idx[24];
    int n = snprintf(idx, sizeof idx, "%zu", index);
    sha256_init(&c);
    sha256_update(&c, "ingest-node", 12); /* includes the NUL: domain separation */
    sha256_update(&c, doc_id, strlen(doc_id) + 1);
    sha256_update(&c, idx, (size_t)n);
    sha256_final(&c, d);
    d[6] = (uint8_t)((d[6] & 0x0f) | 0x80); /* UUID version 8 (custom) */
    d[8] = (uint8_t)((d[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hx[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hx[d[i] >> 4];
        out[o++] = hx[d[i] & 15];
    }
    out[o] = '\0';
}

int nodeparse_split_params(const spec_tf *tf, split_params *p)
{
    if (tf->kind != SPEC_KIND_PARSER) return ERR_UNSUPPORTED;
    int token = tf->variant == SPEC_PARSER_TOKEN;
    if (!token && tf->variant != SPEC_PARSER_SENTENCE) return ERR_UNSUPPORTED;
    split_params_default(p, token ? SPLIT_TOKEN : SPLIT_SENTENCE);
    p->chunk_size = (int)spec_int(tf, "chunk_size");
    p->chunk_overlap = (int)spec_int(tf, "chunk_overlap");
    p->separator = spec_str(tf, "separator");
    if (!token) {
        p->paragraph_separator = spec_str(tf, "paragraph_separator");
        /* spec.c accepts only LlamaIndex's CHUNKING_REGEX (the default) or null (None) */
        p->secondary_regex = spec_str(tf, "secondary_chunking_regex") != NULL;
        return 0;
    }
    json_t *bs = spec_get(tf, "backup_separators");
    for (size_t i = 0; i < 3 && i < json_array_size(bs); i++)
        p->backup_separators[i] = json_string_value(json_array_get(bs, i));
    p->backup_separators[json_array_size(bs) < 3 ? json_array_size(bs) : 3] = NULL;
    return 0;
}

/* Tokens of the longer (in characters) of the EMBED and LLM metadata strings. */
static int metadata_tokens(const node_t *doc, size_t *ntok)
{
    buf_t e, l;
    buf_init(&e, 0);
    buf_init(&l, 0);
    int rc = node_metadata_str(doc, NODE_MODE_EMBED, &e);
    if (!rc) rc = node_metadata_str(doc, NODE_MODE_LLM, &l);
    if (!rc) {
        const buf_t *m = utf8_count(e.p ? e.p : "", e.len) > utf8_count(l.p ? l.p : "", l.len) ? &e : &l;
        *ntok = tok_count(m->p ? m->p : "", m->len);
    }
    buf_free(&e);
    buf_free(&l);
    return rc;
}

/* A TextNode for one chunk, as build_nodes_from_splits makes it. */
node_t *nodeparse_make_node(const node_t *doc, const char *doc_hash, size_t idx, const char *text,
                            size_t len)
{
    char id[37];
    nodeparse_node_id(doc->id, idx, id);
    node_t *n = node_new(id, text, len);
    if (!n) return NULL;
    if (strv_copy(&n->excl_embed, &doc->excl_embed) || strv_copy(&n->excl_llm, &doc->excl_llm) ||
        node_set_str(&n->text_template, doc->text_template) ||
        node_set_str(&n->metadata_template, doc->metadata_template) ||
        node_set_str(&n->metadata_separator, doc->metadata_separator) ||
        node_rel_set(n, NODE_REL_SOURCE, doc->id, NODE_TYPE_DOCUMENT, doc_hash, &doc->md)) {
        node_free(n);
        return NULL;
    }
    n->doc_index = doc->doc_index;
    return n;
}

/* _postprocess_parsed_nodes for the nodes of one document (v[0..n)). */
static int postprocess_nodes(const node_t *doc, node_t **v, size_t n, int include_md,
                             sha256_ctx *pre, char *done);

/* TextNode.hash of v[i] = sha256(text + str(metadata)).  Each node is hashed
 * twice with different metadata (as NEXT of its predecessor before the merge,
 * as PREVIOUS of its successor after it), so the state after the text is
 * computed once and kept in pre[i] (done[i]: computed). */
static int link_cached(node_t *nd, node_rel_kind kind, const node_t *other, sha256_ctx *pre,
                       char *done)
{
    if (!*done) {
        sha256_init(pre);
        sha256_update(pre, other->text, other->text_len);
        *done = 1;
    }
    buf_t b;
    buf_init(&b, 0);
    int rc = md_py_repr(&other->md, &b);
    if (!rc) {
        sha256_ctx c = *pre;
        uint8_t d[32];
        char hex[65];
        sha256_update(&c, b.p ? b.p : "", b.len);
        sha256_final(&c, d);
        sha256_to_hex(d, hex);
        rc = node_rel_set(nd, kind, other->id, NODE_TYPE_TEXT, hex, &other->md);
    }
    buf_free(&b);
    return rc;
}

int nodeparse_postprocess(const node_t *doc, node_t **v, size_t n, int include_md, int prev_next)
{
    int link = prev_next && n > 1;
    sha256_ctx *pre = link ? malloc(n * sizeof *pre) : NULL;
    char *done = link ? calloc(n, 1) : NULL;
    int rc = link && (!pre || !done) ? ERR_NOMEM : postprocess_nodes(doc, v, n, include_md, pre, done);
    free(pre);
    free(done);
    return rc;
}

/* memmem()'s answer - the first occurrence of n in h - for long needles.
 * glibc searches needles over 256 bytes with the two-way algorithm, which
 * factorizes the whole needle on every call (a ~4 KB chunk, found a few KB
 * on: 7% of the worker's CPU in scenario (a)).  Candidates are found with the
 * needle's first 256 bytes (glibc's short-needle search, no such set-up)
 * and confirmed with memcmp, in order; after a few false candidates
 * (repetitive text) plain memmem finishes from there, so the worst case
 * stays linear. */
static const char *find_first(const char *h, size_t hl, const char *n, size_t nl)
{
    enum { PREFIX = 256, TRIES = 8 };
    if (nl <= PREFIX) return memmem(h, hl, n, nl);
    const char *p = h, *end = h + hl;
    for (int t = 0; t < TRIES; t++) {
        if ((size_t)(end - p) < nl) return NULL;
        /* a candidate c leaves room for the whole needle: c + nl <= end */
        const char *c = memmem(p, (size_t)(end - p) - (nl - PREFIX), n, PREFIX);
        if (!c) return NULL;
        if (!memcmp(c + PREFIX, n + PREFIX, nl - PREFIX)) return c;
        p = c + 1;
    }
    return memmem(p, (size_t)(end - p), n, nl);
}

static int postprocess_nodes(const node_t *doc, node_t **v, size_t n, int include_md,
                             sha256_ctx *pre, char *done)
{
    size_t search_b = 0, cp_at_b = 0; /* byte offset to search from, its code point index */
    for (size_t i = 0; i < n; i++) {
        node_t *nd = v[i];
        const char *hit = NULL;
        if (search_b <= doc->text_len)
            hit = nd->text_len ? find_first(doc->text + search_b, doc->text_len - search_b, nd->text,
                                            nd->text_len)
                               : doc->text + search_b;
        if (hit) {
            size_t hb = (size_t)(hit - doc->text);
            size_t start_cp = cp_at_b + utf8_count(doc->text + search_b, hb - search_b);
            nd->start_char_idx = (int64_t)start_cp;
            nd->end_char_idx = (int64_t)(start_cp + utf8_count(nd->text, nd->text_len));
            uint32_t cp; /* next search starts one character after this start */
            int w = hb < doc->text_len
                        ? utf8_seq_len((const unsigned char *)doc->text + hb, doc->text_len - hb, &cp)
                        : 1;
            search_b = hb + (size_t)(w ? w : 1);
            cp_at_b = start_cp + 1;
        }
        if (include_md) {
            md_t merged = {0};
            if (md_copy(&merged, &doc->md) || md_copy(&merged, &nd->md)) {
                md_free(&merged);
                return ERR_NOMEM;
            }
            md_free(&nd->md);
            nd->md = merged;
        }
        if (pre && i > 0 && link_cached(nd, NODE_REL_PREV, v[i - 1], &pre[i - 1], &done[i - 1]))
            return ERR_NOMEM;
        if (pre && i + 1 < n && link_cached(nd, NODE_REL_NEXT, v[i + 1], &pre[i + 1], &done[i + 1]))
            return ERR_NOMEM;
    }
    return 0;
}

static int parse_doc(const spec_tf *tf, const split_params *sp, const node_t *doc, node_list *out,
                     nodeparse_err_fn *on_error, void *ud)
{
    size_t mtok = 0;
    int rc = metadata_tokens(doc, &mtok);
    if (rc) return rc;
    split_chunks ch = {0};
    char eb[256] = "";
    rc = split_text(sp, doc->text, doc->text_len, mtok, &ch, eb, sizeof eb);
    if (rc == ERR_INVAL) {
        on_error(ud, doc, rc, eb);
        return 0;
    }
    size_t first = out->n;
    char doc_hash[65]; /* as_related_node_info() of the document, computed once */
    rc = node_hash(doc, 1, doc_hash);
    for (size_t i = 0; !rc && i < ch.n; i++) {
        node_t *n = nodeparse_make_node(doc, doc_hash, i, ch.v[i].s, ch.v[i].len);
        rc = n ? node_list_push(out, n) : ERR_NOMEM;
        if (rc) node_free(n);
    }
    split_chunks_free(&ch);
    if (!rc)
        rc = nodeparse_postprocess(doc, out->v + first, out->n - first, spec_bool(tf, "include_metadata"),
                         spec_bool(tf, "include_prev_next_rel"));
    return rc;
}

/* SentenceWindowNodeParser.build_window_nodes_from_documents for one
 * document: a node per sentence, the window (" ".join of the sentences up
 * to window_size either side) and the sentence itself in metadata, both
 * keys appended to the excluded lists. */
static int window_doc(const spec_tf *tf, const node_t *doc, node_list *out)
{
    const char *wkey = spec_str(tf, "window_metadata_key");
    const char *okey = spec_str(tf, "original_text_metadata_key");
    size_t w = (size_t)spec_int(tf, "window_size");
    split_chunks ch = {0};
    int rc = split_sentences(doc->text, doc->text_len, &ch);
    size_t first = out->n;
    char doc_hash[65]; /* as_related_node_info() of the document, computed once */
    if (!rc) rc = node_hash(doc, 1, doc_hash);
    for (size_t i = 0; !rc && i < ch.n; i++) {
        node_t *n = nodeparse_make_node(doc, doc_hash, i, ch.v[i].s, ch.v[i].len);
        rc = n ? node_list_push(out, n) : ERR_NOMEM;
        if (rc) {
            node_free(n);
            break;
        }
        buf_t win;
        buf_init(&win, 0);
        size_t lo = i > w ? i - w : 0, hi = i + w + 1 < ch.n ? i + w + 1 : ch.n;
        for (size_t j = lo; !rc && j < hi; j++) {
            if (j > lo) rc = buf_putc(&win, ' ');
            if (!rc) rc = buf_append(&win, ch.v[j].s, ch.v[j].len);
        }
        if (!rc) rc = md_set_strn(&n->md, wkey, win.p ? win.p : "", win.len);
        if (!rc) rc = md_set_strn(&n->md, okey, ch.v[i].s, ch.v[i].len);
        if (!rc) rc = strv_push(&n->excl_embed, wkey);
        if (!rc) rc = strv_push(&n->excl_embed, okey);
        if (!rc) rc = strv_push(&n->excl_llm, wkey);
        if (!rc) rc = strv_push(&n->excl_llm, okey);
        buf_free(&win);
    }
    split_chunks_free(&ch);
    if (!rc)
        rc = nodeparse_postprocess(doc, out->v + first, out->n - first, spec_bool(tf, "include_metadata"),
                         spec_bool(tf, "include_prev_next_rel"));
    return rc;
}

int nodeparse_run(const spec_tf *tf, node_t *const *docs, size_t n, node_list *out,
                  nodeparse_err_fn *on_error, void *ud)
{
    split_params sp;
    int window = tf->kind == SPEC_KIND_PARSER && tf->variant == SPEC_PARSER_WINDOW;
    if (!window && nodeparse_split_params(tf, &sp)) return ERR_UNSUPPORTED;
    for (size_t i = 0; i < n; i++) {
        int rc = window ? window_doc(tf, docs[i], out) : parse_doc(tf, &sp, docs[i], out, on_error, ud);
        if (rc) return rc;
    }
    return 0;
}
