/* pdf_ustr.h - Python-str-like UTF-32 strings and one small hash map, the
 * data model of the pypdf-exact text extraction (pdf_text.c).
 *
 * pypdf works on Python str values (code points, len(), s[-1], s == " "), so
 * the extraction does too: a ustr is a growable array of code points (lone
 * surrogates allowed, as Python's "surrogatepass" gives them).  pdf_map maps
 * a code-point sequence to a code-point sequence and/or a number: pypdf's
 * character_map (str -> str) and character_widths (str -> width) dicts, with
 * dict semantics (a later set replaces the value, insertion order kept).
 * Every growth is capped (PDF_USTR_MAX code points): ERR_TOOBIG past it,
 * ERR_NOMEM when malloc fails.  Pure: no I/O. */
#ifndef INGEST_PDF_USTR_H
#define INGEST_PDF_USTR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PDF_USTR_MAX (64u << 20)

typedef struct ustr {
    uint32_t *p; /* view of b's bytes */
    size_t n;
    buf_t b;     /* storage: n * 4 bytes */
} ustr;

int ustr_append(ustr *s, const uint32_t *p, size_t n);
int ustr_push(ustr *s, uint32_t c);
int ustr_prepend(ustr *s, const uint32_t *p, size_t n);
static inline uint32_t ustr_last(const ustr *s) { return s->n ? s->p[s->n - 1] : 0; }
static inline void ustr_clear(ustr *s) { s->n = s->b.len = 0; }
void ustr_free(ustr *s);
/* Appends s as UTF-8 to out; a surrogate (never valid UTF-8) becomes U+FFFD. */
int ustr_to_utf8(const uint32_t *p, size_t n, buf_t *out);

typedef struct pdf_map_ent {
    uint32_t koff, klen, voff, vlen, hash, next;
    double num;
} pdf_map_ent;

typedef struct pdf_map {
    pdf_map_ent *e; /* insertion order */
    size_t n, cap;
    uint32_t *head; /* hash buckets: index+1 into e, 0 = empty */
    size_t nb;
    ustr pool; /* keys and values */
} pdf_map;

/* Sets key -> (value, num); value may be NULL (vlen 0). */
int pdf_map_set(pdf_map *m, const uint32_t *k, size_t kl, const uint32_t *v, size_t vl, double num);
const pdf_map_ent *pdf_map_get(const pdf_map *m, const uint32_t *k, size_t kl);
static inline const uint32_t *pdf_map_val(const pdf_map *m, const pdf_map_ent *e)
{
    return m->pool.p + e->voff;
}
static inline const uint32_t *pdf_map_key(const pdf_map *m, const pdf_map_ent *e)
{
    return m->pool.p + e->koff;
}
void pdf_map_free(pdf_map *m);

#endif
