/* pdf_cmap.c - ToUnicode CMaps the way pypdf 6.9.2 parses them (see
 * pdf_cmap.h).  The functions follow pypdf's steps one to one so that the
 * same inputs give the same maps, including on broken CMaps.
 * Ownership: cm owns its map; the input bytes are only read. */
#include "pdf_cmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "pdf_tables.h"

#define MAP_LIMIT 100000 /* pypdf's MAPPING_DICTIONARY_SIZE_LIMIT */
#define BIN_ERR 2        /* binascii.Error: caught for bfrange lines */
#define CM_MAX (64u << 20)

/* ---- Python semantics ---- */

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int py_space(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13) || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x1f; }

/* Python int(x, base) on bytes: surrounding whitespace, a sign, an optional
 * 0x prefix (base 16), underscores between digits. */
static int py_int(const uint8_t *t, size_t n, int base, int64_t *sv, uint64_t *uv)
{
    size_t i = 0;
    while (n && py_space(t[n - 1])) n--;
    while (i < n && py_space(t[i])) i++;
    int neg = 0;
    if (i < n && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
    if (base == 16 && i + 1 < n && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
        i += 2;
        if (i < n && t[i] == '_') i++;
    }
    uint64_t v = 0;
    int digits = 0, prev_us = 0;
    for (; i < n; i++) {
        if (t[i] == '_' && digits && !prev_us) {
            prev_us = 1;
            continue;
        }
        int d = hexval(t[i]);
        if (d < 0 || d >= base) return PDF_RAISED;
        if (v > (UINT64_MAX >> 5)) return PDF_RAISED; /* beyond what we model */
        v = v * (uint64_t)base + (uint64_t)d;
        digits++, prev_us = 0;
    }
    if (!digits || prev_us) return PDF_RAISED;
    if (uv) {
        if (neg && v) return PDF_RAISED; /* negative codes: never valid below */
        *uv = v;
    }
    if (sv) *sv = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

int pdf_py_int16(const uint8_t *t, size_t n, uint64_t *v) { return py_int(t, n, 16, NULL, v); }
int pdf_py_int10(const uint8_t *t, size_t n, int64_t *v) { return py_int(t, n, 10, v, NULL); }

/* unhexlify(hex).decode(charmap ? "charmap" : "utf-16-be", "surrogatepass")
 * into out (at most n/2 code points).  0, BIN_ERR (binascii.Error) or
 * PDF_RAISED (UnicodeDecodeError: odd byte count for UTF-16). */
static int unhex_decode(const uint8_t *h, size_t n, int charmap, uint32_t *out, size_t *on)
{
    if (n % 2) return BIN_ERR;
    size_t nb = n / 2, k = 0;
    for (size_t i = 0; i < n; i++)
        if (hexval(h[i]) < 0) return BIN_ERR;
    if (charmap) {
        for (size_t i = 0; i < nb; i++) out[i] = (uint32_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
        *on = nb;
        return 0;
    }
    if (nb % 2) return PDF_RAISED;
    for (size_t i = 0; i < nb / 2; i++) {
        const uint8_t *q = h + 4 * i;
        uint32_t u = (uint32_t)(hexval(q[0]) << 12 | hexval(q[1]) << 8 | hexval(q[2]) << 4 | hexval(q[3]));
        if (k && u >= 0xDC00 && u <= 0xDFFF && out[k - 1] >= 0xD800 && out[k - 1] <= 0xDBFF) {
            out[k - 1] = 0x10000 + ((out[k - 1] - 0xD800) << 10) + (u - 0xDC00);
            continue;
        }
        out[k++] = u;
    }
    *on = k;
    return 0;
}

/* "%0*X" % v, then unhex_decode. */
static int fmt_decode(uint64_t v, int width, int charmap, uint32_t *out, size_t *on)
{
    char tmp[40];
    int l = snprintf(tmp, sizeof tmp, "%0*llX", width > 32 ? 32 : width, (unsigned long long)v);
    return unhex_decode((const uint8_t *)tmp, (size_t)l, charmap, out, on);
}

static int set_entry(pdf_cmap *cm, const uint32_t *k, size_t kl, const uint32_t *v, size_t vl,
                     uint64_t code)
{
    if (kl != 1) cm->bad_key = 1;
    int rc = pdf_map_set(&cm->map, k, kl, v, vl, 0);
    if (rc) return rc;
    cm->n_int++;
    if (code <= 255) cm->low[code] = 1;
    return 0;
}

static int too_many(size_t n, char *eb, size_t el)
{
    if (n <= MAP_LIMIT) return 0;
    snprintf(eb, el, "Maximum /ToUnicode size limit reached: %zu > %d", n, MAP_LIMIT);
    return PDF_RAISED;
}

/* ---- prepare_cm ---- */

static int replace_all(buf_t *b, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    if (b->len < fl) return 0;
    buf_t o;
    buf_init(&o, CM_MAX);
    size_t i = 0;
    int rc = 0;
    while (!rc && i < b->len) {
        const char *hit = memmem(b->p + i, b->len - i, from, fl);
        size_t upto = hit ? (size_t)(hit - b->p) : b->len;
        rc = buf_append(&o, b->p + i, upto - i);
        if (!rc && hit) rc = buf_append(&o, to, tl);
        i = hit ? upto + fl : upto;
    }
    if (rc) {
        buf_free(&o);
        return rc;
    }
    buf_free(b);
    *b = o;
    return 0;
}

static int py_ws(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13); }

static int prepare(const uint8_t *d, size_t n, buf_t *out)
{
    while (n && py_ws(d[n - 1])) n--;
    while (n && py_ws(*d)) d++, n--;
    buf_t b;
    buf_init(&b, CM_MAX);
    int rc = buf_append(&b, n ? d : (const uint8_t *)"", n);
    static const char *const reps[][2] = {
        {"beginbfchar", "\nbeginbfchar\n"}, {"endbfchar", "\nendbfchar\n"},
        {"beginbfrange", "\nbeginbfrange\n"}, {"endbfrange", "\nendbfrange\n"},
        {"<<", "\n{\n"}, {">>", "\n}\n"}};
    for (size_t i = 0; !rc && i < sizeof reps / sizeof *reps; i++) rc = replace_all(&b, reps[i][0], reps[i][1]);
    /* split on "<"; in each part the text up to the first ">" loses its
     * spaces (or becomes "." when empty) and the ">" becomes " "; then the
     * parts are joined with " " */
    buf_t j;
    buf_init(&j, CM_MAX);
    size_t at = 0;
    for (int first = 1; !rc && at <= b.len; first = 0) {
        const char *s = b.p ? b.p + at : "";
        size_t left = b.len - at;
        const char *lt = memchr(s, '<', left);
        size_t pl = lt ? (size_t)(lt - s) : left;
        if (!first) rc = buf_append(&j, " ", 1);
        const char *gt = memchr(s, '>', pl);
        if (!rc && gt) {
            if (gt == s) rc = buf_append(&j, ".", 1);
            for (const char *q = s; !rc && q < gt; q++)
                if (*q != ' ') rc = buf_append(&j, q, 1);
            if (!rc) rc = buf_append(&j, " ", 1);
            if (!rc) rc = buf_append(&j, gt + 1, (size_t)(s + pl - gt - 1));
        } else if (!rc) {
            rc = buf_append(&j, s, pl);
        }
        at += pl + 1;
        if (!lt) break;
    }
    buf_free(&b);
    if (!rc) rc = replace_all(&j, "[", " [ ");
    if (!rc) rc = replace_all(&j, "]", " ]\n ");
    if (!rc) rc = replace_all(&j, "\r", "\n");
    if (rc) buf_free(&j);
    else *out = j;
    return rc;
}

/* ---- lines ---- */

typedef struct tok {
    const uint8_t *p;
    size_t n;
} tok;

#define MAX_TOK 4096

/* line.split(b" ") without empty parts; lines with more tokens than MAX_TOK
 * are cut (far beyond any real CMap line). */
static size_t split_ws(const uint8_t *l, size_t n, tok *t)
{
    size_t k = 0, i = 0;
    while (i < n && k < MAX_TOK) {
        while (i < n && l[i] == ' ') i++;
        size_t s = i;
        while (i < n && l[i] != ' ') i++;
        if (i > s) t[k++] = (tok){l + s, i - s};
    }
    return k;
}

typedef struct cmst {
    tok *t;          /* scratch: one line's tokens */
    uint32_t *k, *v; /* scratch: a decoded key and value */
    int rg, ch, multi, nbytes;
    uint64_t ma, mb;
    pdf_cmap *cm;
    char *eb;
    size_t el;
} cmst;

static int is_close(tok t) { return t.n == 1 && t.p[0] == ']'; }

/* One value of a bfrange array (also a continued, multi-line one). */
static int range_item(cmst *s, uint64_t *a, tok v)
{
    size_t kl, vl;
    int rc = too_many(s->cm->n_int + 1, s->eb, s->el);
    if (!rc) rc = fmt_decode(*a, s->nbytes * 2, s->nbytes == 1, s->k, &kl);
    if (!rc) rc = v.n / 2 <= MAX_TOK ? unhex_decode(v.p, v.n, 0, s->v, &vl) : BIN_ERR;
    if (!rc) rc = set_entry(s->cm, s->k, kl, s->v, vl, *a);
    if (!rc) (*a)++;
    return rc;
}

static int range_list(cmst *s, uint64_t a, uint64_t b, const tok *t, size_t nt)
{
    for (size_t i = 0; i < nt; i++) {
        if (is_close(t[i])) {
            s->multi = 0;
            return 0;
        }
        int rc = range_item(s, &a, t[i]);
        if (rc) return rc;
    }
    s->multi = 1, s->ma = a, s->mb = b;
    return 0;
}

static int parse_bfrange(cmst *s, const tok *t, size_t nt)
{
    if (s->multi) return range_list(s, s->ma, s->mb, t, nt);
    if (nt < 3) {
        snprintf(s->eb, s->el, "IndexError in a ToUnicode bfrange line");
        return PDF_RAISED;
    }
    uint64_t a, b, c;
    if (pdf_py_int16(t[0].p, t[0].n, &a) || pdf_py_int16(t[1].p, t[1].n, &b)) {
        snprintf(s->eb, s->el, "invalid literal for int() with base 16 in a ToUnicode bfrange");
        return PDF_RAISED;
    }
    size_t nbi = t[0].n > t[1].n ? t[0].n : t[1].n;
    s->nbytes = (int)((nbi + 1) / 2);
    if (t[2].n == 1 && t[2].p[0] == '[') return range_list(s, a, b, t + 3, nt - 3);
    if (pdf_py_int16(t[2].p, t[2].n, &c)) {
        snprintf(s->eb, s->el, "invalid literal for int() with base 16 in a ToUnicode bfrange");
        return PDF_RAISED;
    }
    int w2 = t[2].n > 4 ? (int)t[2].n : 4, rc;
    s->multi = 0;
    if ((rc = too_many(s->cm->n_int + (b >= a ? b - a + 1 : 0), s->eb, s->el))) return rc;
    for (; a <= b; a++, c++) {
        uint32_t k[40], v[40];
        size_t kl, vl;
        rc = fmt_decode(a, s->nbytes * 2, s->nbytes == 1, k, &kl);
        if (!rc) rc = fmt_decode(c, w2, 0, v, &vl);
        if (!rc) rc = set_entry(s->cm, k, kl, v, vl, a);
        if (rc) return rc;
    }
    return 0;
}

static int parse_bfchar(cmst *s, const tok *t, size_t nt)
{
    int rc = too_many(s->cm->n_int + nt / 2, s->eb, s->el);
    if (rc || !nt) return rc;
    s->nbytes = (int)(t[0].n / 2);
    for (size_t i = 0; !rc && i + 1 < nt; i += 2) {
        uint32_t *val = s->v, *k = s->k;
        size_t vl = 0, kl;
        if (!(t[i + 1].n == 1 && t[i + 1].p[0] == '.')) {
            rc = t[i + 1].n / 2 <= MAX_TOK ? unhex_decode(t[i + 1].p, t[i + 1].n, t[i + 1].n < 4, val, &vl)
                                           : BIN_ERR;
            if (rc == BIN_ERR) rc = 0, vl = 0; /* warning, maps to "" */
        }
        uint64_t code = 0;
        if (!rc) rc = t[i].n / 2 <= MAX_TOK ? unhex_decode(t[i].p, t[i].n, s->nbytes == 1, k, &kl) : BIN_ERR;
        if (!rc && pdf_py_int16(t[i].p, t[i].n, &code)) rc = PDF_RAISED;
        if (rc == BIN_ERR) rc = PDF_RAISED; /* not caught for bfchar */
        if (rc == PDF_RAISED) snprintf(s->eb, s->el, "invalid hex code in a ToUnicode bfchar line");
        if (!rc) rc = set_entry(s->cm, k, kl, val, vl, code);
    }
    return rc;
}

static int has(const uint8_t *l, size_t n, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++)
        if (!memcmp(l + i, w, wl)) return 1;
    return 0;
}

static int cm_line(cmst *s, uint8_t *l, size_t n)
{
    while (n && (l[n - 1] == ' ' || l[n - 1] == '\t')) n--;
    while (n && (*l == ' ' || *l == '\t')) l++, n--;
    if (!n || *l == '%') return 0;
    for (size_t i = 0; i < n; i++)
        if (l[i] == '\t') l[i] = ' ';
    if (has(l, n, "beginbfrange")) s->rg = 1;
    else if (has(l, n, "endbfrange")) s->rg = 0;
    else if (has(l, n, "beginbfchar")) s->ch = 1;
    else if (has(l, n, "endbfchar")) s->ch = 0;
    else if (s->rg || s->ch) {
        tok *t = s->t;
        size_t nt = split_ws(l, n, t);
        if (s->rg) {
            int rc = parse_bfrange(s, t, nt);
            return rc == BIN_ERR ? 0 : rc; /* "Skipping broken line" */
        }
        return parse_bfchar(s, t, nt);
    }
    return 0;
}

int pdf_cmap_parse(const uint8_t *d, size_t n, pdf_cmap *cm, char *eb, size_t el)
{
    buf_t b;
    int rc = prepare(d, n, &b);
    if (rc) return rc;
    cmst s = {.cm = cm, .eb = eb, .el = el, .t = malloc(MAX_TOK * sizeof(tok)),
              .k = malloc(MAX_TOK * sizeof(uint32_t)), .v = malloc(MAX_TOK * sizeof(uint32_t))};
    size_t at = 0;
    if (!s.t || !s.k || !s.v) rc = ERR_NOMEM;
    while (!rc && at <= b.len) {
        uint8_t *l = (uint8_t *)(b.p ? b.p + at : "");
        uint8_t *nl = b.p ? memchr(l, '\n', b.len - at) : NULL;
        size_t ln = nl ? (size_t)(nl - l) : b.len - at;
        if (ln) rc = cm_line(&s, l, ln);
        at += ln + 1;
    }
    free(s.t);
    free(s.k);
    free(s.v);
    buf_free(&b);
    return rc;
}

/* ---- Type 1 font program ---- */

static int t1_line(pdf_cmap *cm, const uint8_t *l, size_t n, char *eb, size_t el)
{
    if (n < 3 || memcmp(l, "dup", 3)) return 0;
    tok t[5];
    size_t k = 0, i = 0;
    while (i < n && k < 5) {
        while (i < n && l[i] == ' ') i++;
        size_t s = i;
        while (i < n && l[i] != ' ') i++;
        if (i > s) t[k++] = (tok){l + s, i - s};
    }
    if (k > 3 && !(t[3].n == 3 && !memcmp(t[3].p, "put", 3))) return 0;
    int64_t code;
    if (k < 2 || (!pdf_py_int10(t[1].p, t[1].n, &code) && k < 3)) {
        snprintf(eb, el, "IndexError in a Type 1 font encoding line");
        return PDF_RAISED;
    }
    if (pdf_py_int10(t[1].p, t[1].n, &code)) return 0;
    uint32_t v[2], key;
    int nv = t[2].n > 1 && t[2].p[0] == '/' ? pdf_glyph_lookup((const char *)t[2].p + 1, t[2].n - 1, v) : 0;
    if (!nv) {
        uint64_t u;
        if (t[2].n < 5 || memcmp(t[2].p, "/uni", 4) || pdf_py_int16(t[2].p + 4, t[2].n - 4, &u) ||
            u > 0x10FFFF)
            return 0;
        v[0] = (uint32_t)u, nv = 1;
    }
    if (code < 0 || code > 0x10FFFF) {
        snprintf(eb, el, "chr() arg not in range in a Type 1 font encoding");
        return PDF_RAISED;
    }
    key = (uint32_t)code;
    return set_entry(cm, &key, 1, v, (size_t)nv, (uint64_t)code);
}

int pdf_cmap_type1(const uint8_t *d, size_t n, pdf_cmap *cm, char *eb, size_t el)
{
    const uint8_t *end = d + n;
    for (const uint8_t *q = d; q + 6 <= end; q++)
        if (!memcmp(q, "eexec\n", 6)) {
            end = q;
            break;
        }
    const uint8_t *enc = NULL;
    for (const uint8_t *q = d; q + 9 <= end; q++)
        if (!memcmp(q, "/Encoding", 9)) {
            enc = q + 9;
            break;
        }
    if (!enc) {
        snprintf(eb, el, "IndexError: no /Encoding in an embedded Type 1 font");
        return PDF_RAISED;
    }
    const uint8_t *e2 = end; /* split(b"/Encoding")[1]: up to the next one */
    for (const uint8_t *q = enc; q + 9 <= end; q++)
        if (!memcmp(q, "/Encoding", 9)) {
            e2 = q;
            break;
        }
    int rc = 0;
    const uint8_t *l = enc;
    while (!rc && l <= e2) {
        const uint8_t *q = l;
        while (q < e2 && *q != '\n' && *q != '\r') q++;
        rc = t1_line(cm, l, (size_t)(q - l), eb, el);
        l = q + 1;
    }
    return rc;
}

void pdf_cmap_free(pdf_cmap *cm) { pdf_map_free(&cm->map); }
