/* pdf_text.c - pypdf's extract_text() in C (see pdf_text.h).
 * Layout: doc (qpdf + font cache) -> one "extraction" per page or form
 * XObject (pypdf's TextExtraction with its _extract_text driver) -> the
 * operator handlers, each named after pypdf's.  Arithmetic is done in the
 * same order as pypdf's Python so the doubles compare the same (C11 mode:
 * GCC contracts no a*b+c into an FMA).
 * Ownership: the doc owns cached fonts; an extraction owns its text. */
#include "pdf_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pdf_content.h"
#include "pdf_font.h"
#include "pdf_obj.h"
#include "pdf_xref.h"


#define MAX_STACK 100000

typedef struct cached_font {
    uint64_t id;
    int rc; /* 0, PDF_SKIPPED or PDF_RAISED */
    char msg[160];
    pdf_font f;
} cached_font;

struct pdf_text_doc {
    qpdf_data q;
    cached_font **fc; /* each allocated once: fonts are referenced by pointer */
    size_t nfc, capfc;
};

typedef struct fontres {
    char *name;
    pdf_font *font; /* NULL: dropped by pypdf (AttributeError/TypeError) */
    int owned;      /* a direct (uncached) font */
} fontres;

typedef struct gstate {
    double cm[6];
    pdf_font *font;
    double font_size, TL;
} gstate;

typedef struct ext {
    pdf_text_doc *doc;
    int depth;
    fontres *fr;
    size_t nfr;
    pdfo resources;
    double cm[6], tm[6], cm_prev[6], tm_prev[6];
    gstate *st;
    size_t nst, capst;
    double half_space; /* pypdf's _space_width: half the font's space width */
    double str_widths, str_height, TL, font_size;
    pdf_font *font;
    pdf_font initial, unknown;
    ustr text, output, tmp;
    int rtl;
    char *eb;
    size_t el;
} ext;

static const double ident[6] = {1, 0, 0, 1, 0, 0};

static int raise(ext *x, const char *msg)
{
    snprintf(x->eb, x->el, "%s", msg);
    return PDF_RAISED;
}

/* ---- fonts ---- */

static int load_cached(pdf_text_doc *d, pdfo fo, pdf_font **out, char *eb, size_t el)
{
    uint64_t id = pdfo_id(fo);
    for (size_t i = 0; id && i < d->nfc; i++)
        if (d->fc[i]->id == id) {
            cached_font *c = d->fc[i];
            if (c->rc == PDF_RAISED) snprintf(eb, el, "%s", c->msg);
            *out = c->rc ? NULL : &c->f;
            return c->rc == PDF_RAISED ? PDF_RAISED : 0;
        }
    if (d->nfc == d->capfc) {
        size_t nc = d->capfc ? d->capfc * 2 : 32;
        cached_font **n = realloc(d->fc, nc * sizeof *n);
        if (!n) return ERR_NOMEM;
        d->fc = n, d->capfc = nc;
    }
    cached_font *c = calloc(1, sizeof *c);
    if (!c) return ERR_NOMEM;
    c->id = id;
    c->rc = pdf_font_load(fo, &c->f, c->msg, sizeof c->msg);
    if (c->rc < 0) {
        int rc = c->rc;
        free(c);
        return rc;
    }
    d->fc[d->nfc++] = c;
    if (c->rc == PDF_RAISED) snprintf(eb, el, "%s", c->msg);
    *out = c->rc ? NULL : &c->f;
    return c->rc == PDF_RAISED ? PDF_RAISED : 0;
}

typedef struct font_walk {
    ext *x;
    pdfo dict;
} font_walk;

static int add_font(void *ctx, const char *key)
{
    font_walk *w = ctx;
    ext *x = w->x;
    fontres *nf = realloc(x->fr, (x->nfr + 1) * sizeof *nf);
    if (!nf) return ERR_NOMEM;
    x->fr = nf;
    fontres *r = &x->fr[x->nfr];
    *r = (fontres){.name = strdup(key)};
    if (!r->name) return ERR_NOMEM;
    x->nfr++;
    pdfo fo = pdfo_key(w->dict, key);
    if (pdfo_id(fo)) return load_cached(x->doc, fo, &r->font, x->eb, x->el);
    pdf_font *f = malloc(sizeof *f);
    if (!f) return ERR_NOMEM;
    int rc = pdf_font_load(fo, f, x->eb, x->el);
    if (rc) {
        free(f);
        return rc == PDF_SKIPPED ? 0 : rc;
    }
    r->font = f, r->owned = 1;
    return 0;
}

static pdf_font *find_font(ext *x, const uint8_t *name, size_t n, int *found)
{
    for (size_t i = 0; i < x->nfr; i++)
        if (strlen(x->fr[i].name) == n && !memcmp(x->fr[i].name, name, n)) {
            *found = x->fr[i].font != NULL;
            return x->fr[i].font;
        }
    *found = 0;
    return NULL;
}

/* ---- pypdf's text_extraction helpers ---- */

static void mult(const double *m, const double *n, double *r)
{
    double t[6] = {m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
                   m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
                   m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]};
    memcpy(r, t, sizeof t);
}

static int orient(const double *m)
{
    if (m[3] > 1e-6) return 0;
    if (m[3] < -1e-6) return 180;
    if (m[1] > 0) return 90;
    return 270;
}

/* (output + text)[-1], or 0 when both are empty (pypdf: IndexError, caught) */
static uint32_t last_char(const ext *x)
{
    return x->text.n ? ustr_last(&x->text) : ustr_last(&x->output);
}

static int crlf_space_check(ext *x, double str_widths)
{
    double mp[6], m[6];
    mult(x->tm_prev, x->cm_prev, mp);
    mult(x->tm, x->cm, m);
    int o = orient(m);
    double dx = m[4] - mp[4], dy = m[5] - mp[5];
    double spx = sqrt(x->tm_prev[0] * x->tm_prev[0] + x->tm_prev[1] * x->tm_prev[1]);
    double spy = sqrt(x->tm_prev[2] * x->tm_prev[2] + x->tm_prev[3] * x->tm_prev[3]);
    double sy = sqrt(x->tm[2] * x->tm[2] + x->tm[3] * x->tm[3]);
    double mh = (o == 0 || o == 180) ? dy : dx, mw = (o == 0 || o == 180) ? dx : dy;
    double spacewidth = x->font_size * x->half_space / 1000;
    int rc = 0;
    int empty = !x->text.n && !x->output.n;
    double a = x->str_height * spy, b = x->font_size * sy;
    if (!empty && fabs(mh) > 0.8 * (b < a ? b : a)) {
        if (last_char(x) != '\n') {
            rc = ustr_append(&x->output, x->text.p, x->text.n);
            if (!rc) rc = ustr_push(&x->output, '\n');
            ustr_clear(&x->text);
        }
    } else if (!empty && mw >= (spacewidth + str_widths) * spx && last_char(x) != ' ') {
        rc = ustr_push(&x->text, ' ');
    }
    memcpy(x->tm_prev, x->tm, sizeof x->tm);
    memcpy(x->cm_prev, x->cm, sizeof x->cm);
    return rc;
}

static int flush(ext *x)
{
    int rc = ustr_append(&x->output, x->text.p, x->text.n);
    ustr_clear(&x->text);
    return rc;
}

static int is_rtl(uint32_t c)
{
    return (c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF);
}

static int keeps_order(uint32_t c)
{
    return c <= 0x2F || (c >= 0x3A && c <= 0x40) || (c >= 0x2000 && c <= 0x206F) ||
           (c >= 0x20A0 && c <= 0x21FF);
}

/* get_display_str: one mapped piece x (a character_map value or the
 * character itself) joins the text, right-to-left runs prepended */
static int display_piece(ext *x, const uint32_t *p, size_t n, double *widths)
{
    uint32_t xx = n == 1 ? p[0] : 1;
    int rc;
    if (keeps_order(xx)) {
        rc = x->rtl ? ustr_prepend(&x->text, p, n) : ustr_append(&x->text, p, n);
    } else if (is_rtl(xx)) {
        if (!x->rtl) x->rtl = 1, ustr_clear(&x->text);
        rc = ustr_prepend(&x->text, p, n);
    } else {
        if (x->rtl) x->rtl = 0, ustr_clear(&x->text);
        rc = ustr_append(&x->text, p, n);
    }
    *widths += (n == 1 && p[0] == ' ') ? x->font->space_width : pdf_font_text_width(x->font, p, n);
    return rc;
}

/* _handle_tj: a str operand (a name, or TJ's inserted " ") is added as is;
 * bytes are decoded by the font and mapped through its ToUnicode map */
static int show(ext *x, const pdf_operand *a, size_t na, const uint32_t *lit, size_t nlit)
{
    double widths = 0;
    int rc = 0;
    if (lit || (na && a[0].kind == PDF_K_NAME)) {
        ustr tmp = {0};
        if (!lit) {
            for (size_t i = 0; !rc && i < a[0].n; i++) rc = ustr_push(&tmp, a[0].s[i]);
            lit = tmp.p, nlit = tmp.n;
        }
        if (!rc) rc = ustr_append(&x->text, lit, nlit);
        for (size_t i = 0; i < nlit; i++)
            widths += lit[i] == ' ' ? x->font->space_width : pdf_font_text_width(x->font, &lit[i], 1);
        ustr_free(&tmp);
    } else if (na) {
        if (a[0].kind != PDF_K_STR) return raise(x, "'decode' of a non-string Tj operand");
        ustr_clear(&x->tmp);
        rc = pdf_font_decode(x->font, a[0].s, a[0].n, &x->tmp);
        for (size_t i = 0; !rc && i < x->tmp.n; i++) {
            const pdf_map_ent *e = pdf_map_get(&x->font->cm.map, &x->tmp.p[i], 1);
            rc = e ? display_piece(x, pdf_map_val(&x->font->cm.map, e), e->vlen, &widths)
                   : display_piece(x, &x->tmp.p[i], 1, &widths);
        }
    }
    if (rc) return rc;
    x->str_widths += widths * x->font_size;
    x->str_height = x->font_size;
    return crlf_space_check(x, 0.0);
}

/* ---- operators ---- */

static int num_arg(ext *x, const pdf_operand *a, size_t na, size_t i, double *v)
{
    if (i >= na) return raise(x, "IndexError: missing operand");
    if (a[i].kind != PDF_K_NUM) return raise(x, "float() of a non-number operand");
    *v = a[i].num;
    return 0;
}

static int take_str_widths(ext *x)
{
    double w = x->str_widths / 1000;
    x->str_widths = 0.0;
    return crlf_space_check(x, w);
}

static int op_td(ext *x, const pdf_operand *a, size_t na)
{
    double tx, ty;
    int rc = num_arg(x, a, na, 0, &tx);
    if (!rc) rc = num_arg(x, a, na, 1, &ty);
    if (rc) return rc;
    x->tm[4] += tx * x->tm[0] + ty * x->tm[2];
    x->tm[5] += tx * x->tm[1] + ty * x->tm[3];
    return take_str_widths(x);
}

static int op_tl(ext *x, const pdf_operand *a, size_t na, double sign)
{
    double v = 0;
    if (na) {
        int rc = num_arg(x, a, na, 0, &v);
        if (rc) return rc;
    }
    double scale_x = sqrt(x->tm[0] * x->tm[0] + x->tm[2] * x->tm[2]);
    x->TL = sign * v * x->font_size * scale_x;
    return 0;
}

static int op_tstar(ext *x)
{
    x->tm[4] -= x->TL * x->tm[2];
    x->tm[5] -= x->TL * x->tm[3];
    return take_str_widths(x);
}

static int op_tm(ext *x, const pdf_operand *a, size_t na)
{
    double m[6];
    for (size_t i = 0; i < 6; i++) {
        if (i >= na) return raise(x, "IndexError: Tm with fewer than 6 operands");
        int rc = num_arg(x, a, na, i, &m[i]);
        if (rc) return rc;
    }
    memcpy(x->tm, m, sizeof m);
    return take_str_widths(x);
}

static int op_cm(ext *x, const pdf_operand *a, size_t na)
{
    int rc = flush(x);
    double m[6];
    int ok = na >= 6;
    for (size_t i = 0; ok && i < 6; i++) {
        if (a[i].kind != PDF_K_NUM) ok = 0;
        else m[i] = a[i].num;
    }
    if (ok) mult(m, x->cm, x->cm);
    else memcpy(x->cm, ident, sizeof ident);
    return rc;
}

static int op_q(ext *x)
{
    if (x->nst == x->capst) {
        size_t nc = x->capst ? x->capst * 2 : 16;
        if (nc > MAX_STACK) return raise(x, "graphics state stack too deep");
        gstate *n = realloc(x->st, nc * sizeof *n);
        if (!n) return ERR_NOMEM;
        x->st = n, x->capst = nc;
    }
    gstate *g = &x->st[x->nst++];
    memcpy(g->cm, x->cm, sizeof x->cm);
    g->font = x->font, g->font_size = x->font_size, g->TL = x->TL;
    return 0;
}

static void op_Q(ext *x)
{
    if (!x->nst) {
        memcpy(x->cm, ident, sizeof ident);
        return;
    }
    gstate *g = &x->st[--x->nst];
    memcpy(x->cm, g->cm, sizeof x->cm);
    x->font = g->font, x->font_size = g->font_size, x->TL = g->TL;
}

static int op_tf(ext *x, const pdf_operand *a, size_t na)
{
    int rc = flush(x);
    if (rc) return rc;
    if (!na) return raise(x, "IndexError: Tf without operands");
    if (a[0].kind == PDF_K_ARRAY || a[0].kind == PDF_K_DICT) return raise(x, "unhashable Tf operand");
    int found = 0;
    pdf_font *f = a[0].kind == PDF_K_NAME ? find_font(x, a[0].s, a[0].n, &found) : NULL;
    x->font = found ? f : &x->unknown;
    x->half_space = x->font->space_width / 2;
    if (na > 1 && a[1].kind == PDF_K_NUM) x->font_size = a[1].num;
    return 0;
}

/* TJ: strings shown one by one; a number at least 95% of half a space
 * inserts " " unless the text is empty or already ends with one */
static int op_TJ(ext *x, const pdf_operand *a, size_t na)
{
    static const uint32_t sp = ' ';
    double confirm = x->half_space * 0.95;
    if (!na) return 0;
    if (a[0].kind == PDF_K_STR) { /* iterating bytes gives numbers */
        for (size_t i = 0; i < a[0].n; i++)
            if (a[0].s[i] >= confirm && x->text.n && ustr_last(&x->text) != ' ') {
                int rc = show(x, NULL, 0, &sp, 1);
                if (rc) return rc;
            }
        return 0;
    }
    if (a[0].kind == PDF_K_NAME) { /* iterating a str gives one-character strs */
        for (size_t i = 0; i < a[0].n; i++) {
            uint32_t c = a[0].s[i];
            int rc = show(x, NULL, 0, &c, 1);
            if (rc) return rc;
        }
        return 0;
    }
    if (a[0].kind != PDF_K_ARRAY) return raise(x, "TJ operand is not iterable");
    for (size_t i = 0; i < a[0].nitems; i++) {
        const pdf_operand *it = &a[0].items[i];
        int rc = 0;
        if (it->kind == PDF_K_STR || it->kind == PDF_K_NAME) rc = show(x, it, 1, NULL, 0);
        else if (it->kind == PDF_K_NUM && fabs(it->num) >= confirm && x->text.n &&
                 ustr_last(&x->text) != ' ')
            rc = show(x, NULL, 0, &sp, 1);
        if (rc) return rc;
    }
    return 0;
}

static int extract(pdf_text_doc *d, pdfo obj, int is_page, int depth, ustr *out, char *eb, size_t el);

/* Do: a newline after what came before, then a form XObject's own text */
static int op_do(ext *x, const pdf_operand *a, size_t na)
{
    int rc = flush(x);
    if (!rc && x->output.n && ustr_last(&x->output) != '\n') rc = ustr_push(&x->output, '\n');
    if (rc) return rc;
    if (na && a[0].kind == PDF_K_NAME && pdfo_has(x->resources, "/XObject")) {
        pdfo xo = pdfo_key(pdfo_key(x->resources, "/XObject"), (const char *)a[0].s);
        int has_sub = pdfo_has(xo, "/Subtype");
        const char *st = pdfo_name(pdfo_key(xo, "/Subtype"));
        if (has_sub && !(st && !strcmp(st, "/Image"))) {
            ustr sub = {0};
            char sb[200];
            rc = x->depth + 1 >= PDF_TEXT_MAX_DEPTH
                     ? PDF_RAISED
                     : extract(x->doc, xo, 0, x->depth + 1, &sub, sb, sizeof sb);
            if (!rc) rc = ustr_append(&x->output, sub.p, sub.n);
            if (rc == PDF_RAISED) rc = 0; /* "Impossible to decode XFormObject" */
            ustr_free(&sub);
        }
    }
    ustr_clear(&x->text);
    return rc;
}

static int is_op(const pdf_op *o, const char *name)
{
    return o->oplen == strlen(name) && !memcmp(o->op, name, o->oplen);
}

static int dispatch(ext *x, const pdf_op *o)
{
    const pdf_operand *a = o->args;
    size_t na = o->nargs;
    double v;
    int rc;
    if (is_op(o, "Tj")) return show(x, a, na, NULL, 0);
    if (is_op(o, "TJ")) return op_TJ(x, a, na);
    if (is_op(o, "Td")) return op_td(x, a, na);
    if (is_op(o, "TD")) {
        if (na < 2) return raise(x, "IndexError: TD with fewer than 2 operands");
        if (a[1].kind != PDF_K_NUM) return raise(x, "bad operand type for unary -");
        rc = op_tl(x, a + 1, 1, -1.0);
        return rc ? rc : op_td(x, a, na);
    }
    if (is_op(o, "Tm")) return op_tm(x, a, na);
    if (is_op(o, "T*")) return op_tstar(x);
    if (is_op(o, "'")) return (rc = op_tstar(x)) ? rc : show(x, a, na, NULL, 0);
    if (is_op(o, "\"")) {
        if ((rc = num_arg(x, a, na, 0, &v))) return rc;
        if (na < 2) return raise(x, "IndexError: \" with fewer than 2 operands");
        return (rc = op_tstar(x)) ? rc : show(x, a + 2, na - 2, NULL, 0);
    }
    if (is_op(o, "Tf")) return op_tf(x, a, na);
    if (is_op(o, "TL")) return op_tl(x, a, na, 1.0);
    if (is_op(o, "Tz") || is_op(o, "Tw")) return na ? num_arg(x, a, na, 0, &v) : 0;
    if (is_op(o, "BT")) {
        memcpy(x->tm, ident, sizeof ident);
        return flush(x);
    }
    if (is_op(o, "ET")) return flush(x);
    if (is_op(o, "q")) return op_q(x);
    if (is_op(o, "Q")) {
        op_Q(x);
        return 0;
    }
    if (is_op(o, "cm")) return op_cm(x, a, na);
    if (is_op(o, "Do")) return op_do(x, a, na);
    return 0;
}

/* ---- one _extract_text call ---- */

static int content_bytes(pdfo c, buf_t *b)
{
    unsigned char *p;
    size_t n;
    int rc = 0;
    if (pdfo_is_array(c)) {
        for (int i = 0; !rc && i < pdfo_len(c); i++) {
            pdfo s = pdfo_at(c, i);
            if (pdfo_is_null(s)) continue;
            if (pdfo_is_stream(s) && !pdfo_stream(s, &p, &n)) {
                rc = buf_append(b, p, n);
                free(p);
            }
            if (!rc) rc = buf_append(b, "\n", 1);
        }
        return rc;
    }
    if (!pdfo_stream(c, &p, &n)) {
        rc = buf_append(b, p, n);
        free(p);
    }
    return rc;
}

static void ext_free(ext *x)
{
    for (size_t i = 0; i < x->nfr; i++) {
        free(x->fr[i].name);
        if (x->fr[i].owned) {
            pdf_font_free(x->fr[i].font);
            free(x->fr[i].font);
        }
    }
    free(x->fr);
    free(x->st);
    ustr_free(&x->text);
    ustr_free(&x->tmp);
    pdf_font_free(&x->unknown);
}

/* /Resources of obj or of the nearest /Parent that has them */
static int find_resources(pdfo obj, pdfo *res)
{
    pdfo o = obj;
    for (int hops = 0; hops < 64; hops++) {
        if (pdfo_has(o, "/Resources")) {
            *res = pdfo_key(o, "/Resources");
            return 1;
        }
        if (!pdfo_has(o, "/Parent")) return 0;
        o = pdfo_key(o, "/Parent");
    }
    return 0;
}

static int extract(pdf_text_doc *d, pdfo obj, int is_page, int depth, ustr *out, char *eb, size_t el)
{
    ext x = {.doc = d, .depth = depth, .eb = eb, .el = el, .font_size = 12.0, .half_space = 500.0};
    memcpy(x.cm, ident, sizeof ident);
    memcpy(x.tm, ident, sizeof ident);
    memcpy(x.cm_prev, ident, sizeof ident);
    memcpy(x.tm_prev, ident, sizeof ident);
    pdf_font_initial(&x.initial);
    x.font = &x.initial;
    x.output = *out;
    int rc = pdf_font_unknown(&x.unknown);
    if (rc || !find_resources(obj, &x.resources)) goto done;
    pdfo fonts = pdfo_key(x.resources, "/Font");
    font_walk fw = {&x, fonts};
    if (pdfo_is_dict(fonts) && (rc = pdfo_each_key(fonts, add_font, &fw))) goto done;
    buf_t data;
    buf_init(&data, 0);
    if (is_page) {
        if (!pdfo_has(obj, "/Contents")) goto done;
        rc = content_bytes(pdfo_key(obj, "/Contents"), &data);
    } else if (pdfo_is_stream(obj)) {
        rc = content_bytes(obj, &data);
    }
    pdf_lexer lx;
    pdf_lex_init(&lx, (const uint8_t *)(data.p ? data.p : ""), data.len, eb, el);
    pdf_op op;
    while (!rc && (rc = pdf_lex_next(&lx, &op)) == 1) rc = dispatch(&x, &op);
    if (!rc) rc = flush(&x);
    pdf_lex_free(&lx);
    buf_free(&data);
done:
    *out = x.output;
    ext_free(&x);
    return rc;
}

/* ---- document ---- */

int pdf_text_open(const uint8_t *data, size_t len, pdf_text_doc **out, char *eb, size_t el)
{
    pdf_text_doc *d = calloc(1, sizeof *d);
    if (!d) return ERR_NOMEM;
    d->q = qpdf_init();
    qpdf_silence_errors(d->q);
    qpdf_set_suppress_warnings(d->q, 1);
    QPDF_ERROR_CODE e = qpdf_read_memory(d->q, "pdf", (const char *)data, len, "");
    if (e & QPDF_ERRORS) {
        qpdf_error err = qpdf_get_error(d->q);
        const char *m = err ? qpdf_get_error_full_text(d->q, err) : "unknown error";
        int enc = err && qpdf_get_error_code(d->q, err) == qpdf_e_password;
        snprintf(eb, el, "%s: %s", enc ? "encrypted PDF" : "cannot open PDF (qpdf)", m);
        pdf_text_close(d);
        return enc ? ERR_ENCRYPTED : ERR_PARSE;
    }
    int rc = pdf_xref_pypdf_revisions(d->q, data, len);
    if (rc < 0) {
        pdf_text_close(d);
        return rc;
    }
    *out = d;
    return 0;
}

int pdf_text_npages(const pdf_text_doc *d)
{
    int n = qpdf_get_num_pages(d->q);
    if (qpdf_has_error(d->q)) qpdf_get_error(d->q);
    return n;
}

int pdf_text_page(pdf_text_doc *d, int i, buf_t *out, char *eb, size_t el)
{
    pdfo pg = {d->q, qpdf_get_page_n(d->q, (size_t)i)};
    ustr t = {0};
    int rc = extract(d, pg, 1, 0, &t, eb, el);
    if (!rc) rc = ustr_to_utf8(t.p, t.n, out);
    ustr_free(&t);
    while (qpdf_more_warnings(d->q)) qpdf_next_warning(d->q);
    if (qpdf_has_error(d->q)) qpdf_get_error(d->q);
    qpdf_oh_release_all(d->q);
    return rc == PDF_RAISED ? ERR_PARSE : rc;
}

void pdf_text_close(pdf_text_doc *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->nfc; i++) {
        pdf_font_free(&d->fc[i]->f);
        free(d->fc[i]);
    }
    free(d->fc);
    qpdf_cleanup(&d->q);
    free(d);
}
