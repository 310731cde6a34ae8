/* node.c - Document/TextNode rendering and hashing (see node.h for the rules).
 * Pure: no I/O.  Failures leave the node as it was. */
#include "node.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sha256.h"

node_t *node_new(const char *id, const char *text, size_t text_len)
{
    node_t *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->start_char_idx = n->end_char_idx = -1;
    if (!(n->id = strdup(id)) || node_set_text(n, text, text_len)) {
        node_free(n);
        return NULL;
    }
    return n;
}

static void rel_clear(node_rel *r)
{
    free(r->id);
    free(r->hash);
    md_free(&r->md);
    memset(r, 0, sizeof *r);
}

void node_free(node_t *n)
{
    if (!n) return;
    free(n->id);
    free(n->text);
    md_free(&n->md);
    strv_free(&n->excl_embed);
    strv_free(&n->excl_llm);
    free(n->text_template);
    free(n->metadata_template);
    free(n->metadata_separator);
    for (int i = 0; i < NODE_REL__N; i++) rel_clear(&n->rel[i]);
    free(n->embedding);
    free(n);
}

int node_set_text(node_t *n, const char *text, size_t len)
{
    char *t = malloc(len + 1);
    if (!t) return ERR_NOMEM;
    if (len) memcpy(t, text, len);
    t[len] = '\0';
    free(n->text);
    n->text = t;
    n->text_len = len;
    return 0;
}

int node_set_str(char **field, const char *val)
{
    char *c = NULL;
    if (val && !(c = strdup(val))) return ERR_NOMEM;
    free(*field);
    *field = c;
    return 0;
}

/* Python str.format for our two-placeholder templates: replaces {a} and {b}
 * (names given) and un-doubles {{ }}.  Unknown fields are copied verbatim. */
static int tmpl_format(const char *tmpl, const char *n1, const char *v1, size_t l1,
                       const char *n2, const char *v2, size_t l2, buf_t *out)
{
    int rc = 0;
    for (const char *p = tmpl; *p && !rc;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            rc = buf_putc(out, p[0]);
            p += 2;
            continue;
        }
        if (*p == '{') {
            const char *e = strchr(p, '}');
            size_t k = e ? (size_t)(e - p - 1) : 0;
            if (e && strlen(n1) == k && !memcmp(p + 1, n1, k)) {
                rc = buf_append(out, v1, l1);
                p = e + 1;
                continue;
            }
            if (e && strlen(n2) == k && !memcmp(p + 1, n2, k)) {
                rc = buf_append(out, v2, l2);
                p = e + 1;
                continue;
            }
        }
        rc = buf_putc(out, *p++);
    }
    return rc;
}

int node_metadata_str(const node_t *n, node_mode mode, buf_t *out)
{
    if (mode == NODE_MODE_NONE) return 0;
    const strv_t *ex = mode == NODE_MODE_EMBED ? &n->excl_embed
                       : mode == NODE_MODE_LLM ? &n->excl_llm : NULL;
    const char *tmpl = n->metadata_template ? n->metadata_template : NODE_DEFAULT_META_TMPL;
    const char *sep = n->metadata_separator ? n->metadata_separator : NODE_DEFAULT_META_SEP;
    buf_t val;
    buf_init(&val, 0);
    int rc = 0, first = 1;
    for (size_t i = 0; i < n->md.n && !rc; i++) {
        const md_item *it = &n->md.v[i];
        if (ex && strv_contains(ex, it->key)) continue;
        if (!first) rc = buf_puts(out, sep);
        first = 0;
        buf_reset(&val);
        if (!rc) rc = md_value_str(it, &val);
        if (!rc)
            rc = tmpl_format(tmpl, "key", it->key, strlen(it->key), "value", val.p ? val.p : "",
                             val.len, out);
    }
    buf_free(&val);
    return rc;
}

/* Python str.strip(): ASCII and Unicode whitespace at both ends.  We strip
 * what str.isspace() accepts among the characters that appear in practice. */
static int py_space_at(const char *s, size_t len, size_t *w, int from_end)
{
    static const char *const uni[] = {"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80",
        "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85",
        "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a",
        "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
    if (!len) return 0;
    unsigned char c = (unsigned char)(from_end ? s[len - 1] : s[0]);
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) {
        *w = 1;
        return 1;
    }
    for (size_t i = 0; i < sizeof uni / sizeof *uni; i++) {
        size_t k = strlen(uni[i]);
        if (k <= len && !memcmp(from_end ? s + len - k : s, uni[i], k)) {
            *w = k;
            return 1;
        }
    }
    return 0;
}

void node_py_strip(const char **s, size_t *len)
{
    size_t w;
    while (py_space_at(*s, *len, &w, 0)) *s += w, *len -= w;
    while (py_space_at(*s, *len, &w, 1)) *len -= w;
}

int node_content(const node_t *n, node_mode mode, buf_t *out)
{
    buf_t ms;
    buf_init(&ms, 0);
    int rc = node_metadata_str(n, mode, &ms);
    const char *m = ms.p ? ms.p : "";
    size_t ml = ms.len;
    node_py_strip(&m, &ml);
    if (!rc && (mode == NODE_MODE_NONE || ml == 0)) {
        rc = buf_append(out, n->text, n->text_len);
    } else if (!rc) {
        buf_t full;
        buf_init(&full, 0);
        const char *t = n->text_template ? n->text_template : NODE_DEFAULT_TEXT_TMPL;
        rc = tmpl_format(t, "metadata_str", m, ml, "content", n->text, n->text_len, &full);
        const char *f = full.p ? full.p : "";
        size_t fl = full.len;
        node_py_strip(&f, &fl);
        if (!rc) rc = buf_append(out, f, fl);
        buf_free(&full);
    }
    buf_free(&ms);
    return rc;
}

int node_hash(const node_t *n, int is_doc, char out[65])
{
    buf_t b;
    buf_init(&b, 0);
    int rc;
    if (!is_doc) { /* sha256(text + str(metadata)), streamed: no copy of the text */
        sha256_ctx c;
        uint8_t d[32];
        rc = md_py_repr(&n->md, &b);
        if (rc) {
            buf_free(&b);
            return rc;
        }
        sha256_init(&c);
        sha256_update(&c, n->text, n->text_len);
        sha256_update(&c, b.p ? b.p : "", b.len);
        sha256_final(&c, d);
        sha256_to_hex(d, out);
        buf_free(&b);
        return 0;
    } else { /* Document(text="") has no text resource: metadata string alone */
        char th[65];
        rc = node_metadata_str(n, NODE_MODE_ALL, &b);
        if (n->text_len) {
            sha256_hex(n->text, n->text_len, th);
            if (!rc && b.len) rc = buf_putc(&b, '-');
            if (!rc) rc = buf_puts(&b, th);
        }
    }
    if (!rc) sha256_hex(b.p ? b.p : "", b.len, out);
    buf_free(&b);
    return rc;
}

int node_rel_set(node_t *n, node_rel_kind kind, const char *id, node_type type, const char *hash,
                 const md_t *md)
{
    node_rel r = {0};
    int rc = 0;
    if (!(r.id = strdup(id)) || (hash && !(r.hash = strdup(hash)))) rc = ERR_NOMEM;
    if (!rc) rc = md_copy(&r.md, md);
    if (rc) {
        rel_clear(&r);
        return rc;
    }
    r.type = type;
    rel_clear(&n->rel[kind]);
    n->rel[kind] = r;
    return 0;
}

int node_link(node_t *n, node_rel_kind kind, const node_t *other, int other_is_doc)
{
    char h[65];
    int rc = node_hash(other, other_is_doc, h);
    if (rc) return rc;
    return node_rel_set(n, kind, other->id, other_is_doc ? NODE_TYPE_DOCUMENT : NODE_TYPE_TEXT, h,
                        &other->md);
}

int node_list_push(node_list *l, node_t *n)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        node_t **nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = n;
    return 0;
}

void node_list_free(node_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) node_free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
