/* pdf_font.c - fonts for the pypdf-exact extraction (see pdf_font.h).
 * Step order and defaults follow pypdf's Font.from_font_resource; the
 * comments name the pypdf rule each step mirrors.
 * Ownership: a pdf_font owns its maps; pdf_font_free releases them. */
#include "pdf_font.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pdf_tables.h"

#define FIXED_PITCH 1

static int raise(char *eb, size_t el, const char *msg)
{
    snprintf(eb, el, "%s", msg);
    return PDF_RAISED;
}

static int enc_set(pdf_font *f, int code, const uint32_t *s, size_t n)
{
    f->eoff[code] = (uint32_t)f->epool.n;
    f->elen[code] = (uint32_t)n;
    return ustr_append(&f->epool, s, n);
}

static int enc_table(pdf_font *f, const uint32_t *t)
{
    int rc = 0;
    f->enc = PDF_ENC_DICT;
    for (int i = 0; !rc && i < 256; i++) rc = enc_set(f, i, &t[i], 1);
    return rc;
}

static int name_text(const char *nm, ustr *u)
{
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)nm; !rc && *p; p++) rc = ustr_push(u, *p);
    return rc;
}

/* /Differences: integers set the code, names fill codes from there (the
 * glyph list's text, or the name itself, slash included, when unknown). */
static int differences(pdf_font *f, pdfo diff)
{
    int n = pdfo_len(diff), rc = 0;
    long x = 0;
    for (int i = 0; !rc && i < n; i++) {
        pdfo o = pdfo_at(diff, i);
        double v;
        if (pdfo_is_int(o) && pdfo_num(o, &v)) {
            x = (long)v;
            continue;
        }
        const char *nm = pdfo_name(o);
        long idx = x < 0 ? x + 256 : x;
        x++;
        if (!nm || x - 1 >= 256 || idx < 0) continue;
        uint32_t g[2];
        int ng = pdf_glyph_lookup(nm + 1, strlen(nm + 1), g);
        if (ng) {
            rc = enc_set(f, (int)idx, g, (size_t)ng);
        } else {
            ustr u = {0};
            rc = name_text(nm, &u);
            if (!rc) rc = enc_set(f, (int)idx, u.p, u.n);
            ustr_free(&u);
        }
    }
    return rc;
}

static const char *const predefined_utf16[] = {"/Identity-H", "/Identity-V", "/UniCNS-UTF16-H",
                                                "/UniCNS-UTF16-V"};

static int in_list(const char *s, const char *const *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, l[i])) return 1;
    return 0;
}

/* _parse_encoding */
static int parse_encoding(pdfo ft, pdf_font *f)
{
    const uint32_t *t;
    if (!pdfo_has(ft, "/Encoding")) {
        const char *bf = pdfo_name(pdfo_key(ft, "/BaseFont"));
        if (bf && (t = pdf_tables_encoding(bf + 1))) return enc_table(f, t);
        f->enc = PDF_ENC_CHARMAP;
        return 0;
    }
    pdfo enc = pdfo_key(ft, "/Encoding");
    const char *nm = pdfo_name(enc);
    if (nm) {
        if ((t = pdf_tables_encoding(nm + 1))) return enc_table(f, t);
        if (in_list(nm, predefined_utf16, 4) || strstr(nm, "-UCS2-")) f->enc = PDF_ENC_UTF16;
        else f->enc = PDF_ENC_OTHER; /* pypdf's CJK codecs (GBK, Big5, GB18030...) or
                                        an unknown name: both decode as Latin-1 here */
        return 0;
    }
    const char *base = pdfo_is_dict(enc) ? pdfo_name(pdfo_key(enc, "/BaseEncoding")) : NULL;
    t = base ? pdf_tables_encoding(base + 1) : NULL;
    int rc = enc_table(f, t ? t : pdf_tables_encoding("StandardEncoding"));
    if (!rc && pdfo_is_dict(enc) && pdfo_has(enc, "/Differences"))
        rc = differences(f, pdfo_key(enc, "/Differences"));
    return rc;
}

/* _parse_to_unicode */
static int parse_to_unicode(pdfo ft, pdf_font *f, char *eb, size_t el)
{
    unsigned char *d;
    size_t n;
    int rc;
    if (!pdfo_has(ft, "/ToUnicode")) {
        const char *st = pdfo_name(pdfo_key(ft, "/Subtype"));
        if (!st || strcmp(st, "/Type1") || !pdfo_has(ft, "/FontDescriptor")) return 0;
        pdfo fd = pdfo_key(ft, "/FontDescriptor");
        if (!pdfo_is_dict(fd)) return PDF_SKIPPED;
        pdfo ff = pdfo_key(fd, "/FontFile");
        if (pdfo_is_null(ff)) return 0;
        if (pdfo_stream(ff, &d, &n)) return pdfo_is_stream(ff) ? raise(eb, el, "cannot decode a FontFile") : PDF_SKIPPED;
        rc = pdf_cmap_type1(d, n, &f->cm, eb, el);
        free(d);
        return rc;
    }
    pdfo tu = pdfo_key(ft, "/ToUnicode");
    if (!pdfo_is_stream(tu)) {
        static const char ident[] = "beginbfrange\n<0000> <0001> <0000>\nendbfrange";
        return pdf_cmap_parse((const uint8_t *)ident, sizeof ident - 1, &f->cm, eb, el);
    }
    if (pdfo_stream(tu, &d, &n)) return raise(eb, el, "cannot decode a ToUnicode stream");
    rc = pdf_cmap_parse(d, n, &f->cm, eb, el);
    free(d);
    return rc;
}

static int set_width(pdf_font *f, const uint32_t *k, size_t kl, double w)
{
    return pdf_map_set(&f->w, k, kl, NULL, 0, w);
}

/* _collect_tt_t1_character_widths */
static int tt_t1_widths(pdfo ft, pdf_font *f, char *eb, size_t el)
{
    pdfo wa = pdfo_key(ft, "/Widths");
    double fc = 0;
    pdfo fco = pdfo_key(ft, "/FirstChar");
    if (!pdfo_is_null(fco) && !(pdfo_is_int(fco) && pdfo_num(fco, &fc))) return PDF_SKIPPED;
    if (!pdfo_is_array(wa)) return PDF_SKIPPED;
    int n = pdfo_len(wa), rc = 0;
    for (int i = 0; !rc && i < n; i++) {
        double w;
        if (!pdfo_num(pdfo_at(wa, i), &w)) return PDF_SKIPPED;
        long code = (long)fc + i;
        if (f->enc == PDF_ENC_DICT) {
            uint32_t c = (uint32_t)code;
            if (code < 0 || code > 0x10FFFF) return raise(eb, el, "chr() arg not in range (/Widths)");
            if (code < 256) rc = set_width(f, f->epool.p + f->eoff[code], f->elen[code], w);
            else rc = set_width(f, &c, 1, w);
            continue;
        }
        if (code < 0 || code > 255) return raise(eb, el, "bytes must be in range(0, 256) (/Widths)");
        if (f->enc != PDF_ENC_CHARMAP && !(f->enc == PDF_ENC_OTHER && code < 128))
            return raise(eb, el, "cannot decode one byte of /Widths with the font's codec");
        uint32_t raw = (uint32_t)code;
        const pdf_map_ent *e = pdf_map_get(&f->cm.map, &raw, 1);
        if (e && e->vlen) rc = set_width(f, pdf_map_val(&f->cm.map, e), e->vlen, trunc(w));
        else rc = set_width(f, &raw, 1, trunc(w));
    }
    return rc;
}

/* _collect_cid_character_widths: CIDs are matched against the ToUnicode
 * codes (ord of each key), widths stored under the mapped text. */
static int cid_widths(pdfo d, pdf_font *f, char *eb, size_t el)
{
    if (f->cm.bad_key) return PDF_SKIPPED; /* ord() of a key that is not one character */
    pdfo wa = pdfo_key(d, "/W");
    int n = pdfo_len(wa), skip = 0, rc = 0;
    for (int i = 0; !rc && i < n; i++) {
        pdfo e = pdfo_at(wa, i);
        double start, stop, w;
        if (skip) {
            skip--;
            continue;
        }
        if (!pdfo_num(e, &start)) continue; /* warning */
        if (i + 1 >= n) return raise(eb, el, "IndexError in a /W array");
        pdfo nx = pdfo_at(wa, i + 1);
        if (!pdfo_is_int(e)) return PDF_SKIPPED; /* range() of a float */
        if (pdfo_is_array(nx)) {
            int m = pdfo_len(nx);
            for (int j = 0; !rc && j < m; j++) {
                uint32_t cid = (uint32_t)((long)start + j);
                const pdf_map_ent *me = pdf_map_get(&f->cm.map, &cid, 1);
                double wv;
                if (!me) continue;
                if (!pdfo_num(pdfo_at(nx, j), &wv)) return PDF_SKIPPED;
                rc = set_width(f, pdf_map_val(&f->cm.map, me), me->vlen, wv);
            }
            skip = 1;
        } else if (pdfo_num(nx, &stop)) {
            if (i + 2 >= n) return raise(eb, el, "IndexError in a /W array");
            if (!pdfo_num(pdfo_at(wa, i + 2), &w)) continue; /* "Invalid font width" warning */
            if (!pdfo_is_int(nx)) return PDF_SKIPPED;
            if (stop - start > 1e6) return raise(eb, el, "/W range too large");
            for (long c = (long)start; !rc && c <= (long)stop; c++) {
                uint32_t cid = (uint32_t)c;
                const pdf_map_ent *me = c >= 0 ? pdf_map_get(&f->cm.map, &cid, 1) : NULL;
                if (me) rc = set_width(f, pdf_map_val(&f->cm.map, me), me->vlen, w);
            }
            skip = 2;
        }
    }
    return rc;
}

typedef struct fdesc {
    double flags;
    int has;
} fdesc;

/* _parse_font_descriptor: only /Flags matters here; /FontBBox is checked
 * the way pypdf checks it. */
static int parse_fd(pdfo fd, fdesc *out, char *eb, size_t el)
{
    out->flags = 32;
    out->has = 1;
    if (!pdfo_is_dict(fd)) return 0;
    if (pdfo_has(fd, "/Flags")) {
        pdfo fl = pdfo_key(fd, "/Flags");
        if (!pdfo_is_int(fl) || !pdfo_num(fl, &out->flags)) return PDF_SKIPPED;
    }
    if (pdfo_has(fd, "/FontBBox")) {
        pdfo bb = pdfo_key(fd, "/FontBBox");
        if (!pdfo_is_array(bb)) return PDF_SKIPPED;
        double v;
        for (int i = 0; i < pdfo_len(bb); i++)
            if (!pdfo_num(pdfo_at(bb, i), &v)) return PDF_SKIPPED;
        if (pdfo_len(bb) != 4) return raise(eb, el, "AssertionError: /FontBBox is not 4 numbers");
    }
    return 0;
}

static int type3_interpretable(pdfo ft)
{
    pdfo cp = pdfo_key(ft, "/CharProcs");
    if (!pdfo_is_dict(cp)) return 1;
    int ok = 1;
    qpdf_oh dict = pdfo_is_stream(cp) ? qpdf_oh_get_dict(cp.q, cp.h) : cp.h;
    qpdf_oh_begin_dict_key_iter(cp.q, dict);
    while (qpdf_oh_dict_more_keys(cp.q)) {
        const char *k = qpdf_oh_dict_next_key(cp.q);
        uint32_t g[2];
        if (!k || k[0] != '/' || !pdf_glyph_lookup(k + 1, strlen(k + 1), g)) ok = 0;
    }
    return ok;
}

static int simple_font(pdfo ft, pdf_font *f, const char *name, const char *sub, fdesc *fd,
                       int *has_dflt, char *eb, size_t el)
{
    int rc = 0;
    if (!strcmp(sub, "/Type3") && !pdfo_has(ft, "/ToUnicode") && !type3_interpretable(ft)) return 0;
    int cflags, cdflt, cn;
    const void *cw;
    if (pdfo_has(ft, "/Widths")) {
        rc = tt_t1_widths(ft, f, eb, el);
    } else if (pdf_tables_core(name, &cflags, &cdflt, &cw, &cn)) {
        fd->flags = cflags, fd->has = 1;
        for (int i = 0; !rc && i < cn; i++) {
            uint32_t cp;
            int w = pdf_tables_core_width(cw, i, &cp);
            rc = set_width(f, &cp, 1, w);
        }
        f->dflt = cdflt, *has_dflt = 1;
    }
    if (rc) return rc;
    if (pdfo_has(ft, "/FontDescriptor")) {
        pdfo d = pdfo_key(ft, "/FontDescriptor");
        if (!pdfo_is_dict(d)) return PDF_SKIPPED;
        if (pdfo_has(d, "/MissingWidth")) {
            if (!pdfo_num(pdfo_key(d, "/MissingWidth"), &f->dflt)) return PDF_SKIPPED;
            *has_dflt = 1;
        }
        rc = parse_fd(d, fd, eb, el);
    } else if (pdfo_has(ft, "/FontBBox")) {
        pdfo bb = pdfo_key(ft, "/FontBBox");
        double v;
        if (!pdfo_is_array(bb)) return PDF_SKIPPED;
        for (int i = 0; i < pdfo_len(bb); i++)
            if (!pdfo_num(pdfo_at(bb, i), &v)) return PDF_SKIPPED;
        if (pdfo_len(bb) != 4) return raise(eb, el, "AssertionError: /FontBBox is not 4 numbers");
        fd->flags = 32, fd->has = 1;
    }
    return rc;
}

static int composite_font(pdfo ft, pdf_font *f, fdesc *fd, int *has_dflt, char *eb, size_t el)
{
    pdfo df = pdfo_key(ft, "/DescendantFonts");
    if (!pdfo_has(ft, "/DescendantFonts")) return raise(eb, el, "KeyError: /DescendantFonts");
    if (!pdfo_is_array(df)) return PDF_SKIPPED;
    int rc = 0;
    for (int i = 0; !rc && i < pdfo_len(df); i++) {
        pdfo d = pdfo_at(df, i);
        if (!pdfo_is_dict(d)) return PDF_SKIPPED;
        rc = cid_widths(d, f, eb, el);
        if (!rc && pdfo_has(d, "/DW")) {
            if (!pdfo_num(pdfo_key(d, "/DW"), &f->dflt)) return PDF_SKIPPED;
            *has_dflt = 1;
        }
        if (!rc) rc = parse_fd(pdfo_key(d, "/FontDescriptor"), fd, eb, el);
    }
    return rc;
}

/* _add_default_width */
static void add_default_width(pdf_font *f, int flags)
{
    uint32_t sp = ' ';
    const pdf_map_ent *e = pdf_map_get(&f->w, &sp, 1);
    if (e && e->num != 0) {
        f->dflt = (flags & FIXED_PITCH) ? e->num : trunc(2 * e->num);
        return;
    }
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < f->w.n; i++)
        if (f->w.e[i].num > 0) sum += f->w.e[i].num, n++;
    f->dflt = n ? floor(sum / (double)n) : 500;
}

int pdf_font_load(pdfo ft, pdf_font *f, char *eb, size_t el)
{
    memset(f, 0, sizeof *f);
    if (!pdfo_is_dict(ft)) return PDF_SKIPPED;
    /* qpdf's strings live until its next call: copy them */
    char name[256], subb[64];
    const char *bf = pdfo_name(pdfo_key(ft, "/BaseFont"));
    snprintf(name, sizeof name, "%s", bf ? bf + 1 : "Unknown");
    const char *st = pdfo_name(pdfo_key(ft, "/Subtype"));
    snprintf(subb, sizeof subb, "%s", st ? st : "");
    const char *sub = st ? subb : NULL;
    int rc = parse_encoding(ft, f);
    if (!rc) rc = parse_to_unicode(ft, f, eb, el);
    if (!rc && f->enc == PDF_ENC_DICT)
        for (int x = 0; !rc && x < 256; x++)
            if (f->cm.low[x]) {
                uint32_t c = (uint32_t)x;
                rc = enc_set(f, x, &c, 1);
            }
    fdesc fd = {32, 0};
    int has_dflt = 0;
    if (!rc) {
        if (sub && (!strcmp(sub, "/Type1") || !strcmp(sub, "/MMType1") || !strcmp(sub, "/TrueType") ||
                    !strcmp(sub, "/Type3")))
            rc = simple_font(ft, f, name, sub, &fd, &has_dflt, eb, el);
        else
            rc = composite_font(ft, f, &fd, &has_dflt, eb, el);
    }
    if (rc) {
        pdf_font_free(f);
        return rc;
    }
    int flags = (int)fd.flags;
    if (!has_dflt || f->dflt == 0) add_default_width(f, flags);
    uint32_t sp = ' ';
    const pdf_map_ent *e = pdf_map_get(&f->w, &sp, 1);
    f->space_width = e ? e->num : 0;
    if (f->space_width == 0) f->space_width = (flags & FIXED_PITCH) ? f->dflt : floor(f->dflt / 2);
    /* _extract_text: a font whose space has no width gets space_width 200 */
    if (!e || e->num == 0) f->space_width = 200;
    return 0;
}

int pdf_font_initial(pdf_font *f)
{
    memset(f, 0, sizeof *f);
    f->enc = PDF_ENC_CHARMAP;
    f->dflt = 500;
    f->space_width = 250;
    return 0;
}

int pdf_font_unknown(pdf_font *f)
{
    memset(f, 0, sizeof *f);
    f->dflt = 500;
    f->space_width = 250;
    uint32_t r = 0xFFFD;
    int rc = 0;
    f->enc = PDF_ENC_DICT;
    for (int i = 0; !rc && i < 256; i++) rc = enc_set(f, i, &r, 1);
    return rc;
}

static int decode_charmap(const uint8_t *s, size_t n, ustr *out)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) rc = ustr_push(out, s[i]);
    return rc;
}

int pdf_font_decode(const pdf_font *f, const uint8_t *s, size_t n, ustr *out)
{
    int rc = 0;
    if (f->enc == PDF_ENC_DICT) {
        for (size_t i = 0; !rc && i < n; i++)
            rc = ustr_append(out, f->epool.p + f->eoff[s[i]], f->elen[s[i]]);
        return rc;
    }
    if (f->enc != PDF_ENC_UTF16 || n % 2) return decode_charmap(s, n, out);
    for (size_t i = 0; !rc && i < n; i += 2) {
        uint32_t u = (uint32_t)s[i] << 8 | s[i + 1];
        uint32_t l = out->n ? out->p[out->n - 1] : 0;
        if (i && u >= 0xDC00 && u <= 0xDFFF && l >= 0xD800 && l <= 0xDBFF)
            out->p[out->n - 1] = 0x10000 + ((l - 0xD800) << 10) + (u - 0xDC00);
        else
            rc = ustr_push(out, u);
    }
    return rc;
}

double pdf_font_text_width(const pdf_font *f, const uint32_t *s, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++) {
        const pdf_map_ent *e = pdf_map_get(&f->w, &s[i], 1);
        w += e ? e->num : f->dflt;
    }
    return w;
}

void pdf_font_free(pdf_font *f)
{
    ustr_free(&f->epool);
    pdf_cmap_free(&f->cm);
    pdf_map_free(&f->w);
}
