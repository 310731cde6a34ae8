/* pdf_xref.c - pypdf's stale object-stream revisions replayed on qpdf (see
 * pdf_xref.h).  Ownership: everything here is scratch, freed on return;
 * qpdf keeps the replaced objects. */
#include "pdf_xref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pdf_obj.h"

#define MAX_OBJ (8u << 20) /* object numbers we model */
#define MAX_SECTIONS 4096

typedef struct ent {
    uint32_t stm, idx; /* xref_objStm[num] = (stm, idx) when stm != 0 */
    uint8_t in_xref;   /* num in xref[0] (uncompressed, generation 0) */
    uint8_t cached;    /* 0 none, 1 current revision, 2 from object stream cstm/cidx */
    uint8_t walked;    /* page-tree node already visited */
    uint32_t cstm, cidx;
} ent;

typedef struct xr {
    qpdf_data q;
    const uint8_t *d;
    size_t n;
    ent *e;
    uint32_t ne;
} xr;

static ent *at(xr *x, uint64_t num) { return num < x->ne ? &x->e[num] : NULL; }

static int isws(int c) { return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32; }

/* next unsigned integer token at *p (skipping whitespace); -1 if none */
static long long next_uint(const xr *x, size_t *p)
{
    while (*p < x->n && isws(x->d[*p])) (*p)++;
    if (*p >= x->n || x->d[*p] < '0' || x->d[*p] > '9') return -1;
    long long v = 0;
    while (*p < x->n && x->d[*p] >= '0' && x->d[*p] <= '9' && v < (1LL << 40)) v = v * 10 + (x->d[(*p)++] - '0');
    return v;
}

/* the integer after key (e.g. "/Prev") in d[from, to), or -1 */
static long long key_uint(const xr *x, size_t from, size_t to, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = from; i + kl < to; i++)
        if (!memcmp(x->d + i, key, kl) && (x->d[i + kl] == ' ' || isws(x->d[i + kl]))) {
            size_t p = i + kl;
            return next_uint(x, &p);
        }
    return -1;
}

static void set_xref(xr *x, uint64_t num)
{
    ent *e = at(x, num);
    if (e && !e->in_xref) e->in_xref = 1;
}

static void set_objstm(xr *x, uint64_t num, uint64_t stm, uint64_t idx)
{
    ent *e = at(x, num);
    if (e && !e->in_xref && !e->stm && stm) e->stm = (uint32_t)stm, e->idx = (uint32_t)idx;
}

/* an xref stream (object obj at the offset): its entries, newest first */
static int xref_stream(xr *x, long long obj, long long gen, long long *prev, long long *xrefstm)
{
    pdfo s = {x->q, qpdf_get_object_by_id(x->q, (int)obj, (int)gen)};
    const char *t = pdfo_name(pdfo_key(s, "/Type"));
    if (!pdfo_is_stream(s) || !t || strcmp(t, "/XRef")) return -1;
    pdfo w = pdfo_key(s, "/W"), ix = pdfo_key(s, "/Index");
    double wv[3], sz = 0, v;
    if (pdfo_len(w) != 3) return -1;
    for (int i = 0; i < 3; i++)
        if (!pdfo_num(pdfo_at(w, i), &wv[i]) || wv[i] < 0 || wv[i] > 8) return -1;
    *prev = pdfo_num(pdfo_key(s, "/Prev"), &v) ? (long long)v : -1;
    *xrefstm = -1;
    unsigned char *p;
    size_t n;
    if (pdfo_stream(s, &p, &n)) return -1;
    pdfo_num(pdfo_key(s, "/Size"), &sz);
    int ni = pdfo_is_array(ix) ? pdfo_len(ix) : 2;
    size_t rec = (size_t)(wv[0] + wv[1] + wv[2]), off = 0;
    for (int k = 0; k + 1 < ni && rec; k += 2) {
        double st = 0, cnt = sz;
        if (pdfo_is_array(ix)) pdfo_num(pdfo_at(ix, k), &st), pdfo_num(pdfo_at(ix, k + 1), &cnt);
        for (long long num = (long long)st; num < (long long)(st + cnt) && off + rec <= n; num++) {
            uint64_t f[3] = {wv[0] ? 0 : 1, 0, 0};
            for (int c = 0; c < 3; c++)
                for (int b = 0; b < (int)wv[c]; b++) f[c] = f[c] << 8 | p[off++];
            if (f[0] == 1 && f[2] == 0) set_xref(x, (uint64_t)num);
            else if (f[0] == 2 && !(at(x, (uint64_t)num) && at(x, (uint64_t)num)->in_xref))
                set_objstm(x, (uint64_t)num, f[1], f[2]);
        }
    }
    free(p);
    return 0;
}

/* a classic xref table at p ("xref" ...) and its trailer */
static int xref_table(xr *x, size_t p, long long *prev, long long *xrefstm)
{
    p += 4;
    for (;;) {
        size_t save = p;
        long long st = next_uint(x, &p), cnt = next_uint(x, &p);
        if (st < 0 || cnt < 0) {
            p = save;
            break;
        }
        for (long long i = 0; i < cnt; i++) {
            long long off = next_uint(x, &p), gen = next_uint(x, &p);
            while (p < x->n && isws(x->d[p])) p++;
            if (off < 0 || gen < 0 || p >= x->n) return -1;
            if (x->d[p] == 'n' && gen == 0) set_xref(x, (uint64_t)(st + i));
            p++;
        }
    }
    while (p < x->n && isws(x->d[p])) p++;
    if (x->n - p < 7 || memcmp(x->d + p, "trailer", 7)) return -1;
    size_t end = p + 4096 < x->n ? p + 4096 : x->n;
    for (size_t i = p; i + 9 <= end; i++)
        if (!memcmp(x->d + i, "startxref", 9)) end = i;
    *prev = key_uint(x, p, end, "/Prev");
    *xrefstm = key_uint(x, p, end, "/XRefStm");
    return 0;
}

/* pypdf's _read_xref_tables_and_trailers, for the entries it keeps */
static int read_chain(xr *x)
{
    size_t i = x->n > 1100 ? x->n - 1100 : 0, sx = 0;
    for (size_t k = i; k + 9 <= x->n; k++)
        if (!memcmp(x->d + k, "startxref", 9)) sx = k + 9;
    if (!sx) return -1;
    long long off = next_uint(x, &sx);
    long long seen[MAX_SECTIONS];
    int ns = 0;
    while (off >= 0 && (size_t)off < x->n && ns < MAX_SECTIONS) {
        for (int k = 0; k < ns; k++)
            if (seen[k] == off) return 0;
        seen[ns++] = off;
        size_t p = (size_t)off;
        if (x->d[p] == '\r' || x->d[p] == '\n') p++;
        long long prev = -1, xs = -1;
        if (p < x->n && x->d[p] == 'x') {
            if (xref_table(x, p, &prev, &xs)) return -1;
            long long p2, x2;
            if (xs >= 0) { /* hybrid file: the table's /XRefStm */
                size_t q = (size_t)xs;
                long long o = next_uint(x, &q), g = next_uint(x, &q);
                if (o < 0 || g < 0 || xref_stream(x, o, g, &p2, &x2)) return -1;
            }
        } else {
            long long o = next_uint(x, &p), g = next_uint(x, &p);
            if (o < 0 || g < 0 || xref_stream(x, o, g, &prev, &xs)) return -1;
        }
        off = prev;
    }
    return 0;
}

typedef struct hdr {
    uint32_t *num, *off; /* pairs of the object stream's header */
    uint32_t n, first;
    unsigned char *data;
    size_t len;
} hdr;

static int load_hdr(xr *x, uint32_t stm, hdr *h)
{
    memset(h, 0, sizeof *h);
    pdfo s = {x->q, qpdf_get_object_by_id(x->q, (int)stm, 0)};
    double n = 0, first = 0;
    if (!pdfo_num(pdfo_key(s, "/N"), &n) || !pdfo_num(pdfo_key(s, "/First"), &first) || n < 0 ||
        n > 1e6 || pdfo_stream(s, &h->data, &h->len))
        return -1;
    h->num = malloc(((size_t)n + 1) * sizeof *h->num);
    h->off = malloc(((size_t)n + 1) * sizeof *h->off);
    if (!h->num || !h->off) return ERR_NOMEM;
    xr hx = {.d = h->data, .n = h->len};
    size_t p = 0;
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        long long a = next_uint(&hx, &p), b = next_uint(&hx, &p);
        if (a < 0 || b < 0) return -1;
        h->num[i] = (uint32_t)a, h->off[i] = (uint32_t)b;
    }
    h->n = (uint32_t)n, h->first = (uint32_t)first;
    return 0;
}

static void free_hdr(hdr *h)
{
    free(h->num);
    free(h->off);
    free(h->data);
}

/* get_object(num): from the cache, or its object stream (caching all the
 * stream's objects the xref lists as compressed), or its offset */
static int resolve(xr *x, uint32_t num)
{
    ent *e = at(x, num);
    if (!e || e->cached) return 0;
    if (!e->stm) {
        e->cached = 1;
        return 0;
    }
    hdr h;
    int rc = load_hdr(x, e->stm, &h);
    for (uint32_t i = 0; !rc && i < h.n; i++) {
        ent *o = at(x, h.num[i]);
        if (o && !o->cached && o->stm) o->cached = 2, o->cstm = e->stm, o->cidx = i;
    }
    free_hdr(&h);
    if (!e->cached) e->cached = 1;
    return rc < 0 && rc != -1 ? rc : 0;
}

static int walk(xr *x, pdfo node, int depth)
{
    uint64_t id = pdfo_id(node) >> 16;
    ent *e = at(x, id);
    if (depth > 64 || !e || e->walked) return 0; /* shared or cyclic nodes once */
    e->walked = 1;
    int rc = resolve(x, (uint32_t)id);
    pdfo kids = pdfo_key(node, "/Kids");
    for (int i = 0; !rc && i < pdfo_len(kids); i++) rc = walk(x, pdfo_at(kids, i), depth + 1);
    return rc;
}

/* qpdf parses strings without a document: "N G R" becomes a name
 * /QPDFxREF_N_G first (outside strings), and is put back as a reference */
static char *mark_refs(const char *t, size_t n)
{
    char *o = malloc(n * 3 + 16);
    if (!o) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        char c = t[i];
        if (c == '(') { /* a literal string, copied as is */
            int depth = 0;
            do {
                if (t[i] == '\\' && i + 1 < n) o[k++] = t[i++];
                else if (t[i] == '(') depth++;
                else if (t[i] == ')') depth--;
                o[k++] = t[i++];
            } while (i < n && depth > 0);
            continue;
        }
        if (c >= '0' && c <= '9' && (i == 0 || !((t[i - 1] >= '0' && t[i - 1] <= '9') || t[i - 1] == '.'))) {
            size_t j = i;
            long a = 0, g = 0;
            while (j < n && t[j] >= '0' && t[j] <= '9') a = a * 10 + (t[j++] - '0');
            size_t j1 = j;
            while (j < n && isws(t[j])) j++;
            if (j > j1 && j < n && t[j] >= '0' && t[j] <= '9') {
                while (j < n && t[j] >= '0' && t[j] <= '9') g = g * 10 + (t[j++] - '0');
                size_t j2 = j;
                while (j < n && isws(t[j])) j++;
                if (j > j2 && j < n && t[j] == 'R' && (j + 1 >= n || strchr(" \t\r\n\f/<>[]()%", t[j + 1])) &&
                    a < 100000000 && g < 100000) {
                    k += (size_t)sprintf(o + k, "/QPDFxREF_%ld_%ld", a, g);
                    i = j + 1;
                    continue;
                }
            }
        }
        o[k++] = t[i++];
    }
    o[k] = 0;
    return o;
}

static qpdf_oh unmark(qpdf_data q, qpdf_oh o, int depth);

typedef struct fixctx {
    qpdf_data q;
    qpdf_oh dict;
    int depth;
} fixctx;

static int fix_key(void *ctx, const char *key)
{
    fixctx *f = ctx;
    qpdf_oh v = qpdf_oh_get_key(f->q, f->dict, key);
    qpdf_oh nv = unmark(f->q, v, f->depth + 1);
    if (nv != v) qpdf_oh_replace_key(f->q, f->dict, key, nv);
    return 0;
}

static qpdf_oh unmark(qpdf_data q, qpdf_oh o, int depth)
{
    if (depth > 50) return o;
    if (qpdf_oh_is_name(q, o)) {
        long a, g;
        if (sscanf(qpdf_oh_get_name(q, o), "/QPDFxREF_%ld_%ld", &a, &g) == 2)
            return qpdf_get_object_by_id(q, (int)a, (int)g);
        return o;
    }
    if (qpdf_oh_is_array(q, o)) {
        int n = qpdf_oh_get_array_n_items(q, o);
        for (int i = 0; i < n; i++) {
            qpdf_oh it = qpdf_oh_get_array_item(q, o, i), ni = unmark(q, it, depth + 1);
            if (ni != it) qpdf_oh_set_array_item(q, o, i, ni);
        }
        return o;
    }
    if (qpdf_oh_is_dictionary(q, o)) {
        fixctx f = {q, o, depth};
        pdfo_each_key((pdfo){q, o}, fix_key, &f);
    }
    return o;
}

/* replaces each object cached from another object stream than its own */
static int replace_stale(xr *x)
{
    int replaced = 0;
    for (uint32_t num = 0; num < x->ne; num++) {
        ent *e = &x->e[num];
        if (e->cached != 2 || (e->cstm == e->stm && e->cidx == e->idx)) continue;
        hdr h;
        int rc = load_hdr(x, e->cstm, &h);
        if (!rc && e->cidx < h.n) {
            size_t s = (size_t)h.first + h.off[e->cidx];
            size_t t = e->cidx + 1 < h.n ? (size_t)h.first + h.off[e->cidx + 1] : h.len;
            if (s < t && t <= h.len) {
                char *txt = mark_refs((const char *)h.data + s, t - s);
                if (txt) {
                    qpdf_oh o = qpdf_oh_parse(x->q, txt);
                    if (!qpdf_has_error(x->q) && !qpdf_oh_is_null(x->q, o)) {
                        qpdf_replace_object(x->q, (int)num, 0, unmark(x->q, o, 0));
                        replaced++;
                    }
                    if (qpdf_has_error(x->q)) qpdf_get_error(x->q);
                    free(txt);
                }
            }
        }
        free_hdr(&h);
        if (rc == ERR_NOMEM) return rc;
    }
    return replaced;
}

int pdf_xref_pypdf_revisions(qpdf_data q, const uint8_t *data, size_t len)
{
    xr x = {.q = q, .d = data, .n = len};
    /* one xref section (no incremental update): nothing stale to read */
    const uint8_t *sx = memmem(data, len, "startxref", 9);
    if (!sx || !memmem(sx + 9, len - (size_t)(sx + 9 - data), "startxref", 9)) return 0;
    pdfo tr = {q, qpdf_get_trailer(q)};
    double size = 0;
    if (!pdfo_num(pdfo_key(tr, "/Size"), &size) || size < 1 || size > MAX_OBJ) return 0;
    x.ne = (uint32_t)size;
    if (!(x.e = calloc(x.ne, sizeof *x.e))) return ERR_NOMEM;
    int rc = 0;
    if (!read_chain(&x)) {
        pdfo root = {q, qpdf_get_root(q)};
        rc = resolve(&x, (uint32_t)(pdfo_id(root) >> 16));
        if (!rc) rc = walk(&x, pdfo_key(root, "/Pages"), 0);
        if (!rc) rc = replace_stale(&x);
    }
    while (qpdf_more_warnings(q)) qpdf_next_warning(q);
    if (qpdf_has_error(q)) qpdf_get_error(q);
    qpdf_oh_release_all(q);
    free(x.e);
    return rc;
}
