/* pdf_content.c - pypdf's content-stream reader, in C (see pdf_content.h).
 * Each static function names the pypdf function it follows.  The arena is a
 * list of blocks freed when the next operation starts. */
#include "pdf_content.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pdf_cmap.h"

struct pdf_arena_blk {
    pdf_arena_blk *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
};

static void *alloc(pdf_lexer *lx, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    pdf_arena_blk *b = lx->blk;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = lx->blk, b->used = 0, b->cap = cap;
        lx->blk = b;
    }
    void *r = b->mem + b->used;
    b->used += n;
    return r;
}

static void arena_free(pdf_lexer *lx)
{
    while (lx->blk) {
        pdf_arena_blk *nx = lx->blk->next;
        free(lx->blk);
        lx->blk = nx;
    }
}

/* keeps one block for the next operation */
static void arena_reset(pdf_lexer *lx)
{
    while (lx->blk && lx->blk->next) {
        pdf_arena_blk *nx = lx->blk->next;
        free(lx->blk);
        lx->blk = nx;
    }
    if (lx->blk) lx->blk->used = 0;
}

void pdf_lex_init(pdf_lexer *lx, const uint8_t *p, size_t n, char *eb, size_t el)
{
    *lx = (pdf_lexer){.p = p, .n = n, .eb = eb, .el = el};
}

void pdf_lex_free(pdf_lexer *lx)
{
    arena_free(lx);
    free(lx->tmp);
    free(lx->ops);
}

static int raise(pdf_lexer *lx, const char *msg)
{
    snprintf(lx->eb, lx->el, "%s at byte %zu of a content stream", msg, lx->pos);
    return PDF_RAISED;
}

/* WHITESPACES of pypdf: NUL, TAB, LF, FF, CR, SPACE */
static int ws(int c) { return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32; }
/* bytes.isspace(): no NUL, but VT */
static int isspace_b(int c) { return c == 9 || c == 10 || c == 11 || c == 12 || c == 13 || c == 32; }
/* NameObject.delimiter_pattern: \s+ or one of ()<>[]{}/% */
static int delim(int c)
{
    static const uint8_t t[256] = {['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
                                   ['('] = 1, [')'] = 1, ['<'] = 1, ['>'] = 1, ['['] = 1, [']'] = 1,
                                   ['{'] = 1, ['}'] = 1, ['/'] = 1, ['%'] = 1};
    return t[c & 255];
}
static int alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int peekc(pdf_lexer *lx) { return lx->pos < lx->n ? lx->p[lx->pos] : -1; }

/* read_non_whitespace, then step back: the next non-whitespace byte or -1 */
static int skip_ws(pdf_lexer *lx)
{
    while (lx->pos < lx->n && ws(lx->p[lx->pos])) lx->pos++;
    return peekc(lx);
}

static int read_object(pdf_lexer *lx, pdf_operand *o, int depth);

static int hexv(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}


/* NameObject.read_from_stream: "/" then up to a delimiter, #xx unescaped */
static int read_name(pdf_lexer *lx, pdf_operand *o)
{
    size_t s = lx->pos++;
    while (lx->pos < lx->n && !delim(lx->p[lx->pos])) lx->pos++;
    uint8_t *d = alloc(lx, lx->pos - s + 1);
    if (!d) return ERR_NOMEM;
    size_t k = 0;
    for (size_t i = s; i < lx->pos; i++) {
        if (lx->p[i] == '#' && i + 2 < lx->pos && hexv(lx->p[i + 1]) >= 0 && hexv(lx->p[i + 2]) >= 0) {
            d[k++] = (uint8_t)(hexv(lx->p[i + 1]) << 4 | hexv(lx->p[i + 2]));
            i += 2;
        } else {
            d[k++] = lx->p[i];
        }
    }
    d[k] = 0;
    *o = (pdf_operand){.kind = PDF_K_NAME, .s = d, .n = k};
    return 0;
}

/* float(s) for [sign]digits[.digits]: exact when the digits fit 2^53 and
 * the scale 10^22 (one correctly rounded division, as strtod gives) */
static double py_float(const char *s)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *q = s + (*s == '+' || *s == '-');
    uint64_t m = 0;
    int nd = 0, frac = -1;
    for (const char *c = q; *c; c++) {
        if (*c == '.') {
            frac = 0;
            continue;
        }
        if (m >= (1ULL << 53) / 10) return strtod(s, NULL);
        m = m * 10 + (uint64_t)(*c - '0');
        nd++;
        if (frac >= 0) frac++;
    }
    if (frac > 22) return strtod(s, NULL);
    double v = frac > 0 ? (double)m / p10[frac] : (double)m;
    return *s == '-' ? -v : v;
}

/* NumberObject.read_from_stream: bytes in [+,-./0-9]; a "." makes it a
 * float; what Python's int()/float() reject reads as 0 */
static int read_number(pdf_lexer *lx, pdf_operand *o)
{
    size_t s = lx->pos;
    int dot = 0;
    while (lx->pos < lx->n) {
        int c = lx->p[lx->pos];
        if (!((c >= '+' && c <= '.') || (c >= '0' && c <= '9'))) break;
        dot |= c == '.';
        lx->pos++;
    }
    char tmp[64];
    size_t l = lx->pos - s;
    double v = 0;
    if (l && l < sizeof tmp) {
        memcpy(tmp, lx->p + s, l);
        tmp[l] = 0;
        int ok = !strchr(tmp, ',');
        /* Python accepts one optional sign, digits, at most one dot */
        const char *q = tmp + (tmp[0] == '+' || tmp[0] == '-');
        int digits = 0, dots = 0;
        for (const char *c = q; *c && ok; c++) {
            if (*c == '.') dots++;
            else if (*c >= '0' && *c <= '9') digits++;
            else ok = 0;
        }
        if (ok && digits && dots <= (dot ? 1 : 0)) v = py_float(tmp);
    }
    *o = (pdf_operand){.kind = PDF_K_NUM, .is_int = !dot, .num = v};
    if (!dot && fabs(v) > 9007199254740992.0) o->num = v; /* big ints: as double */
    return 0;
}

/* Scratch for decoding a string: at most n bytes (the rest of the stream). */
static uint8_t *tmp_reserve(pdf_lexer *lx, size_t n)
{
    if (n > lx->tcap) {
        uint8_t *t = realloc(lx->tmp, n);
        if (!t) return NULL;
        lx->tmp = t, lx->tcap = n;
    }
    return lx->tmp;
}

/* The decoded string, copied into the arena at its size. */
static int tmp_keep(pdf_lexer *lx, const uint8_t *d, size_t k, pdf_operand *o)
{
    uint8_t *s = alloc(lx, k + 1);
    if (!s) return ERR_NOMEM;
    memcpy(s, d, k);
    *o = (pdf_operand){.kind = PDF_K_STR, .s = s, .n = k};
    return 0;
}

/* read_string_from_stream */
static int read_string(pdf_lexer *lx, pdf_operand *o)
{
    lx->pos++;
    uint8_t *d = tmp_reserve(lx, lx->n - lx->pos + 1);
    if (!d) return ERR_NOMEM;
    size_t k = 0;
    int parens = 1;
    for (;;) {
        if (lx->pos >= lx->n) return raise(lx, "Stream has ended unexpectedly");
        int c = lx->p[lx->pos++];
        if (c == '(') parens++;
        else if (c == ')' && --parens == 0) break;
        else if (c == '\\') {
            int e = lx->pos < lx->n ? lx->p[lx->pos++] : -1;
            static const char esc_in[] = "nrtbf()/\\ %<>[]#_&$";
            static const char esc_out[] = "\n\r\t\b\f()/\\ %<>[]#_&$";
            const char *ep = e > 0 ? strchr(esc_in, e) : NULL;
            if (ep) {
                d[k++] = (uint8_t)esc_out[ep - esc_in];
                continue;
            }
            if (e >= '0' && e <= '7') {
                size_t sav = lx->pos - 1;
                int v = e - '0';
                for (int i = 0; i < 2 && lx->pos < lx->n && lx->p[lx->pos] >= '0' && lx->p[lx->pos] <= '7'; i++)
                    v = v * 8 + (lx->p[lx->pos++] - '0');
                if (v > 255) {
                    d[k++] = '\\';
                    lx->pos = sav;
                } else {
                    d[k++] = (uint8_t)v;
                }
                continue;
            }
            if (e == -1 || e == '\n' || e == '\r') {
                if (lx->pos < lx->n && (lx->p[lx->pos] == '\n' || lx->p[lx->pos] == '\r')) lx->pos++;
                continue;
            }
            d[k++] = '\\';
            c = e;
        }
        d[k++] = (uint8_t)c;
    }
    return tmp_keep(lx, d, k, o);
}

/* read_hex_string_from_stream: pairs of non-whitespace bytes up to ">" */
static int read_hex(pdf_lexer *lx, pdf_operand *o)
{
    lx->pos++;
    uint8_t *d = tmp_reserve(lx, (lx->n - lx->pos) / 2 + 2);
    if (!d) return ERR_NOMEM;
    size_t k = 0;
    int half = -1;
    for (;;) {
        int c = skip_ws(lx);
        if (c < 0) return raise(lx, "Stream has ended unexpectedly");
        lx->pos++;
        if (c == '>') break;
        int v = hexv(c);
        if (v < 0) return raise(lx, "invalid literal for int() with base 16");
        if (half < 0) half = v;
        else d[k++] = (uint8_t)(half << 4 | v), half = -1;
    }
    if (half >= 0) d[k++] = (uint8_t)(half << 4);
    return tmp_keep(lx, d, k, o);
}

typedef struct vec {
    pdf_operand *v;
    size_t n, cap;
} vec;

static int vpush(vec *a, const pdf_operand *o)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 8;
        if (nc > PDF_LEX_MAX_OPERANDS) return ERR_TOOBIG;
        pdf_operand *nv = realloc(a->v, nc * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        a->v = nv, a->cap = nc;
    }
    a->v[a->n++] = *o;
    return 0;
}

/* copies a vec into the arena (so it lives as long as the operation) */
static int vfreeze(pdf_lexer *lx, vec *a, pdf_operand **out)
{
    *out = NULL;
    if (a->n && !(*out = alloc(lx, a->n * sizeof **out))) return ERR_NOMEM;
    if (a->n) memcpy(*out, a->v, a->n * sizeof **out);
    return 0;
}

static int skip_comment(pdf_lexer *lx)
{
    while (lx->pos < lx->n && lx->p[lx->pos] != '\n' && lx->p[lx->pos] != '\r') lx->pos++;
    if (lx->pos >= lx->n) return raise(lx, "File ended unexpectedly");
    return 0;
}

/* ArrayObject.read_from_stream: an unterminated array just ends */
static int read_array(pdf_lexer *lx, pdf_operand *o, int depth)
{
    vec a = {0};
    int rc = 0;
    lx->pos++;
    for (;;) {
        while (lx->pos < lx->n && isspace_b(lx->p[lx->pos])) lx->pos++;
        int c = peekc(lx);
        if (c < 0) break;
        if (c == '%') {
            if ((rc = skip_comment(lx))) break;
            continue;
        }
        if (c == ']') {
            lx->pos++;
            break;
        }
        pdf_operand it;
        if ((rc = read_object(lx, &it, depth + 1)) || (rc = vpush(&a, &it))) break;
    }
    if (!rc) {
        *o = (pdf_operand){.kind = PDF_K_ARRAY, .nitems = a.n};
        rc = vfreeze(lx, &a, &o->items);
    }
    free(a.v);
    return rc;
}

/* DictionaryObject.read_from_stream (contents are not needed, only where it ends) */
static int read_dict(pdf_lexer *lx, pdf_operand *o, int depth)
{
    lx->pos += 2;
    for (;;) {
        int c = skip_ws(lx);
        if (c < 0) return raise(lx, "Stream has ended unexpectedly");
        if (c == '%') {
            int rc = skip_comment(lx);
            if (rc) return rc;
            continue;
        }
        if (c == '>') {
            lx->pos += 2;
            break;
        }
        pdf_operand k, v;
        int rc = read_object(lx, &k, depth + 1);
        if (rc) return rc;
        if (k.kind == PDF_K_NULL) break;
        if (k.kind != PDF_K_NAME) continue; /* warning, next key */
        skip_ws(lx);
        if ((rc = read_object(lx, &v, depth + 1))) return rc;
    }
    *o = (pdf_operand){.kind = PDF_K_DICT};
    return 0;
}

static int keyword(pdf_lexer *lx, const char *w, pdf_operand *o, int kind, double v)
{
    size_t l = strlen(w);
    if (lx->n - lx->pos >= l && !memcmp(lx->p + lx->pos, w, l)) {
        lx->pos += l;
        *o = (pdf_operand){.kind = kind, .num = v};
        return 0;
    }
    lx->pos = lx->pos + l < lx->n ? lx->pos + l : lx->n;
    return raise(lx, "Could not read a keyword object");
}

/* read_object */
static int read_object(pdf_lexer *lx, pdf_operand *o, int depth)
{
    if (depth > PDF_LEX_MAX_DEPTH) return raise(lx, "maximum recursion depth exceeded");
    int c = peekc(lx);
    if (c == '/') return read_name(lx, o);
    if (c == '<') {
        if (lx->pos + 1 < lx->n && lx->p[lx->pos + 1] == '<') return read_dict(lx, o, depth);
        return read_hex(lx, o);
    }
    if (c == '[') return read_array(lx, o, depth);
    if (c == 't') return keyword(lx, "true", o, PDF_K_BOOL, 1);
    if (c == 'f') return keyword(lx, "false", o, PDF_K_BOOL, 0);
    if (c == '(') return read_string(lx, o);
    if (c == 'e' && lx->n - lx->pos >= 6 && !memcmp(lx->p + lx->pos, "endobj", 6)) {
        lx->pos += 6;
        *o = (pdf_operand){.kind = PDF_K_NULL};
        return 0;
    }
    if (c == 'e') lx->pos = lx->pos + 6 < lx->n ? lx->pos + 6 : lx->n;
    if (c == 'n') return keyword(lx, "null", o, PDF_K_NULL, 0);
    if (c == '%') {
        int rc = skip_comment(lx);
        if (rc) return rc;
        skip_ws(lx);
        return read_object(lx, o, depth + 1);
    }
    if (c < 0 || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') return read_number(lx, o);
    return raise(lx, "Invalid Elementary Object");
}

/* is_followed_by_binary_data: do the 10 bytes after an "EI" look like
 * image data rather than the next operator? */
static int followed_by_binary(const pdf_lexer *lx, size_t at)
{
    size_t end = at + 10 < lx->n ? at + 10 : lx->n;
    if (at >= end) return 0;
    long start = -1, stop = -1;
    for (size_t i = at; i < end; i++) {
        int b = lx->p[i];
        if (b < 32 && !ws(b)) return 1;
        if (start < 0 && !ws(b)) start = (long)(i - at);
        if (start >= 0 && ws(b)) {
            stop = (long)(i - at);
            break;
        }
    }
    if (start < 0) return 0;
    if (stop < 0) stop = 10; /* pypdf: the requested length, not what was read */
    const uint8_t *op = lx->p + at + start;
    long len = stop - start, avail = (long)(end - at) - start, l = len < avail ? len : avail;
    if (l > 1 && op[0] == '/') return 0;
    int digits = 0, other = 0;
    for (long i = 0; i < l; i++) {
        if (op[i] == '.') continue;
        if (op[i] >= '0' && op[i] <= '9') digits++;
        else other = 1;
    }
    if (digits && !other) return 0;
    return len > 3;
}

/* extract_inline_default: from the image data to just after its "EI" */
static int inline_default(pdf_lexer *lx)
{
    for (size_t i = lx->pos; i + 1 < lx->n; i++) {
        if (lx->p[i] != 'E' || lx->p[i + 1] != 'I') continue;
        if (i + 2 >= lx->n || !ws(lx->p[i + 2])) continue;
        size_t j = i + 2;
        while (j < lx->n && ws(lx->p[j])) j++;
        int t3 = j < lx->n ? lx->p[j] : -1;
        if (!(i > lx->pos && ws(lx->p[i - 1])) && t3 != 'Q' && t3 != 'E') continue;
        if (followed_by_binary(lx, j < lx->n ? j + 1 : j)) continue;
        lx->pos = i + 2;
        return 0;
    }
    return raise(lx, "Unexpected end of stream");
}

/* An inline image's settings that decide how pypdf finds its end. */
typedef struct iisettings {
    char filter[32], cs[32];
    double w, h, bpc;
    int has_bpc;
} iisettings;

static void name_of(const pdf_operand *v, char *out, size_t n)
{
    if (v->kind == PDF_K_ARRAY && v->nitems) v = &v->items[0];
    if (v->kind == PDF_K_NAME) snprintf(out, n, "%s", (const char *)v->s);
}

static void ii_setting(iisettings *st, const pdf_operand *k, const pdf_operand *v)
{
    if (k->kind != PDF_K_NAME) return;
    const char *key = (const char *)k->s;
    if (!strcmp(key, "/F") || (!strcmp(key, "/Filter") && !st->filter[0]))
        name_of(v, st->filter, sizeof st->filter);
    else if (!strcmp(key, "/CS")) name_of(v, st->cs, sizeof st->cs);
    else if (v->kind == PDF_K_NUM && !strcmp(key, "/W")) st->w = v->num;
    else if (v->kind == PDF_K_NUM && !strcmp(key, "/H")) st->h = v->num;
    else if (v->kind == PDF_K_NUM && !strcmp(key, "/BPC")) st->bpc = v->num, st->has_bpc = 1;
}

/* Bytes of an unfiltered image (pypdf: components from /CS or /BPC), or -1
 * when pypdf looks for "EI" instead. */
static double ii_length(const iisettings *st)
{
    if (st->filter[0]) return -1;
    double lcs;
    if (strstr(st->cs, "RGB")) lcs = 3;
    else if (strstr(st->cs, "CMYK")) lcs = 4;
    else {
        static const char *const gray[] = {"/I", "/G", "/Indexed", "/DeviceGray"};
        double bits = -1;
        for (size_t i = 0; i < 4; i++)
            if (!strcmp(st->cs, gray[i])) bits = 8;
        if (st->has_bpc) bits = st->bpc;
        if (bits <= 0) return -1;
        lcs = bits / 8.0;
    }
    return ceil(st->w * lcs) * st->h;
}

static int at_ei(const pdf_lexer *lx)
{
    return lx->pos + 2 < lx->n && lx->p[lx->pos] == 'E' && lx->p[lx->pos + 1] == 'I' &&
           ws(lx->p[lx->pos + 2]);
}

/* _read_inline_image: settings up to "ID", then the data: an exact length
 * for unfiltered images, else (or when no "EI" follows) the EI search. */
static int skip_inline_image(pdf_lexer *lx)
{
    iisettings st = {0};
    for (;;) {
        int c = skip_ws(lx);
        if (c < 0) return raise(lx, "Unexpected end of stream");
        if (c == 'I') break;
        pdf_operand k, v;
        int rc = read_object(lx, &k, 1);
        if (!rc) skip_ws(lx), rc = read_object(lx, &v, 1);
        if (rc) return rc;
        ii_setting(&st, &k, &v);
    }
    lx->pos = lx->pos + 3 < lx->n ? lx->pos + 3 : lx->n;
    size_t sav = lx->pos;
    double len = ii_length(&st);
    if (len >= 0 && len <= (double)(lx->n - lx->pos)) {
        lx->pos += (size_t)len;
        skip_ws(lx);
        if (at_ei(lx)) {
            lx->pos += 2;
            return 0;
        }
    } else if (len >= 0) {
        lx->pos = lx->n;
    }
    lx->pos = sav;
    return inline_default(lx);
}

int pdf_lex_next(pdf_lexer *lx, pdf_op *op)
{
    arena_reset(lx);
    vec a = {lx->ops, 0, lx->opcap}; /* the operand list, kept between calls */
    int rc = 0;
    for (;;) {
        int c = skip_ws(lx);
        if (c < 0) break;
        if (alpha(c) || c == '\'' || c == '"') {
            size_t s = lx->pos;
            while (lx->pos < lx->n && !delim(lx->p[lx->pos])) lx->pos++;
            if (lx->pos - s == 2 && !memcmp(lx->p + s, "BI", 2)) {
                if (a.n) {
                    rc = raise(lx, "AssertionError: operands before an inline image");
                    break;
                }
                if ((rc = skip_inline_image(lx))) break;
                continue;
            }
            op->op = lx->p + s;
            op->oplen = lx->pos - s;
            op->nargs = a.n;
            rc = vfreeze(lx, &a, &op->args) ? ERR_NOMEM : 1;
            lx->ops = a.v, lx->opcap = a.cap;
            return rc;
        }
        if (c == '%') {
            while (lx->pos < lx->n && lx->p[lx->pos] != '\n' && lx->p[lx->pos] != '\r') lx->pos++;
            if (lx->pos < lx->n) lx->pos++;
            continue;
        }
        pdf_operand o;
        if ((rc = read_object(lx, &o, 0)) || (rc = vpush(&a, &o))) break;
    }
    lx->ops = a.v, lx->opcap = a.cap;
    return rc;
}
