/* mdparse.c - MarkdownNodeParser (see mdparse.h).
 * Role: header-based sectioning of one Document's text, then LlamaIndex's
 * node post-processing for those sections.  Ownership: nodes are pushed onto
 * the caller's list as they are made; on ERR_NOMEM the ones already pushed
 * stay there (the caller frees the list).  The header stack points into the
 * document text, so nothing is copied but the section text. */
#include "mdparse.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "utf8.h"

typedef struct hdr {
    size_t level;
    const char *s;
    size_t len;
} hdr;

typedef struct mdp {
    const node_t *doc;
    const char *sep;
    int include_md;
    node_list *out;
    size_t first; /* index in out of this document's first node */
    char doc_hash[65]; /* the document's hash, for every node's SOURCE link */
    hdr *stack;
    size_t depth, cap;
    buf_t section;
} mdp;

/* str.isspace() for the code point at s (w = its byte length). */
static int py_space(const char *s, size_t left, size_t *w)
{
    uint32_t cp;
    int n = utf8_seq_len((const unsigned char *)s, left, &cp);
    const char *p = s;
    size_t l = (size_t)(n ? n : 1);
    *w = l;
    node_py_strip(&p, &l);
    return l == 0;
}

/* re.match(r"^(#+)\s(.*)", line): level and title span, or 0. */
static size_t header_match(const char *s, size_t len, const char **title, size_t *tlen)
{
    size_t k = 0, w;
    while (k < len && s[k] == '#') k++;
    if (!k || k == len || !py_space(s + k, len - k, &w)) return 0;
    *title = s + k + w;
    *tlen = len - k - w;
    return k;
}

static int is_fence(const char *s, size_t len)
{
    node_py_strip(&s, &len); /* lstrip().startswith: the right end cannot matter */
    return len >= 3 && !memcmp(s, "```", 3);
}

/* header_path for the current stack (all but its top). */
static int header_path(const mdp *m, buf_t *hp)
{
    int rc = 0;
    size_t n = m->depth ? m->depth - 1 : 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (i) rc = buf_puts(hp, m->sep);
        if (!rc) rc = buf_append(hp, m->stack[i].s, m->stack[i].len);
    }
    if (rc) return rc;
    if (!hp->len) return buf_puts(hp, m->sep);
    buf_t full;
    buf_init(&full, 0);
    rc = buf_puts(&full, m->sep);
    if (!rc) rc = buf_append(&full, hp->p, hp->len);
    if (!rc) rc = buf_puts(&full, m->sep);
    if (!rc) {
        buf_free(hp);
        *hp = full;
    } else {
        buf_free(&full);
    }
    return rc;
}

/* build_nodes_from_splits([section.strip()], doc) + header_path. */
static int emit(mdp *m)
{
    const char *s = m->section.p ? m->section.p : "";
    size_t len = m->section.len;
    node_py_strip(&s, &len);
    if (!len) return 0;
    node_t *n = nodeparse_make_node(m->doc, m->doc_hash, m->out->n - m->first, s, len);
    if (!n) return ERR_NOMEM;
    buf_t hp;
    buf_init(&hp, 0);
    int rc = 0;
    if (m->include_md) rc = header_path(m, &hp);
    if (!rc && m->include_md) rc = md_set_strn(&n->md, "header_path", hp.p, hp.len);
    buf_free(&hp);
    if (!rc) rc = node_list_push(m->out, n);
    if (rc) node_free(n);
    return rc;
}

static int push_header(mdp *m, size_t level, const char *t, size_t tlen)
{
    while (m->depth && m->stack[m->depth - 1].level >= level) m->depth--;
    if (m->depth == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        hdr *nv = realloc(m->stack, nc * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        m->stack = nv;
        m->cap = nc;
    }
    m->stack[m->depth++] = (hdr){level, t, tlen};
    buf_reset(&m->section);
    int rc = 0;
    for (size_t i = 0; !rc && i < level; i++) rc = buf_putc(&m->section, '#');
    if (!rc) rc = buf_putc(&m->section, ' ');
    if (!rc) rc = buf_append(&m->section, t, tlen);
    if (!rc) rc = buf_putc(&m->section, '\n');
    return rc;
}

static int sections(mdp *m)
{
    const char *p = m->doc->text, *end = p + m->doc->text_len;
    int code = 0, rc = 0;
    for (const char *line = p; !rc && line <= end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = (size_t)((nl ? nl : end) - line);
        const char *t;
        size_t tlen, level = 0;
        if (is_fence(line, len)) code = !code;
        else if (!code) level = header_match(line, len, &t, &tlen);
        if (level) {
            rc = emit(m);
            if (!rc) rc = push_header(m, level, t, tlen);
        } else {
            rc = buf_append(&m->section, line, len);
            if (!rc) rc = buf_putc(&m->section, '\n');
        }
        if (!nl) break;
        line = nl + 1;
    }
    return rc ? rc : emit(m);
}

int mdparse_doc(const node_t *doc, const char *sep, int include_md, int prev_next, node_list *out)
{
    mdp m = {.doc = doc, .sep = sep ? sep : "/", .include_md = include_md, .out = out,
             .first = out->n};
    int rc = node_hash(doc, 1, m.doc_hash); /* once per document, not per section */
    if (rc) return rc;
    buf_init(&m.section, 0);
    rc = sections(&m);
    buf_free(&m.section);
    free(m.stack);
    if (!rc && out->n > m.first)
        rc = nodeparse_postprocess(doc, out->v + m.first, out->n - m.first, include_md, prev_next);
    return rc;
}

int mdparse_run(const spec_tf *tf, node_t *const *docs, size_t n, node_list *out,
                nodeparse_err_fn *on_error, void *ud)
{
    (void)on_error;
    (void)ud;
    const char *sep = spec_str(tf, "header_path_separator");
    int include_md = spec_bool(tf, "include_metadata");
    int prev_next = spec_bool(tf, "include_prev_next_rel");
    for (size_t i = 0; i < n; i++) {
        int rc = mdparse_doc(docs[i], sep, include_md, prev_next, out);
        if (rc) return rc;
    }
    return 0;
}
