/* pdf_ustr.c - UTF-32 strings and the str-keyed map (see pdf_ustr.h). */
#include "pdf_ustr.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

static int grow(ustr *s, size_t extra)
{
    if (extra > PDF_USTR_MAX) return ERR_TOOBIG;
    if (!s->b.max) s->b.max = (size_t)PDF_USTR_MAX * sizeof *s->p;
    int rc = buf_reserve(&s->b, extra * sizeof *s->p);
    if (!rc) s->p = (uint32_t *)(void *)s->b.p;
    return rc;
}

int ustr_append(ustr *s, const uint32_t *p, size_t n)
{
    int rc = grow(s, n);
    if (rc || !n) return rc;
    memcpy(s->p + s->n, p, n * sizeof *p);
    s->n += n;
    s->b.len = s->n * sizeof *p;
    return 0;
}

int ustr_push(ustr *s, uint32_t c) { return ustr_append(s, &c, 1); }

int ustr_prepend(ustr *s, const uint32_t *p, size_t n)
{
    int rc = grow(s, n);
    if (rc || !n) return rc;
    memmove(s->p + n, s->p, s->n * sizeof *p);
    memcpy(s->p, p, n * sizeof *p);
    s->n += n;
    s->b.len = s->n * sizeof *p;
    return 0;
}

void ustr_free(ustr *s)
{
    buf_free(&s->b);
    s->p = NULL;
    s->n = 0;
}

int ustr_to_utf8(const uint32_t *p, size_t n, buf_t *out)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        uint32_t c = p[i];
        unsigned char b[4];
        size_t l;
        if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = 0xFFFD;
        if (c < 0x80) b[0] = (unsigned char)c, l = 1;
        else if (c < 0x800) b[0] = 0xC0 | c >> 6, b[1] = 0x80 | (c & 63), l = 2;
        else if (c < 0x10000)
            b[0] = 0xE0 | c >> 12, b[1] = 0x80 | (c >> 6 & 63), b[2] = 0x80 | (c & 63), l = 3;
        else
            b[0] = 0xF0 | c >> 18, b[1] = 0x80 | (c >> 12 & 63), b[2] = 0x80 | (c >> 6 & 63),
            b[3] = 0x80 | (c & 63), l = 4;
        rc = buf_append(out, b, l);
    }
    return rc;
}

static uint32_t hash_of(const uint32_t *k, size_t kl)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < kl; i++) h = (h ^ k[i]) * 16777619u;
    return h;
}

static int rehash(pdf_map *m)
{
    size_t nb = m->nb ? m->nb * 2 : 64;
    uint32_t *nh = calloc(nb, sizeof *nh);
    if (!nh) return ERR_NOMEM;
    for (size_t i = 0; i < m->n; i++) {
        size_t b = m->e[i].hash & (nb - 1);
        m->e[i].next = nh[b];
        nh[b] = (uint32_t)i + 1;
    }
    free(m->head);
    m->head = nh;
    m->nb = nb;
    return 0;
}

static pdf_map_ent *find(const pdf_map *m, const uint32_t *k, size_t kl, uint32_t h)
{
    if (!m->nb) return NULL;
    for (uint32_t i = m->head[h & (m->nb - 1)]; i; i = m->e[i - 1].next) {
        pdf_map_ent *e = &m->e[i - 1];
        if (e->hash == h && e->klen == kl && !memcmp(m->pool.p + e->koff, k, kl * sizeof *k))
            return e;
    }
    return NULL;
}

const pdf_map_ent *pdf_map_get(const pdf_map *m, const uint32_t *k, size_t kl)
{
    return find(m, k, kl, hash_of(k, kl));
}

int pdf_map_set(pdf_map *m, const uint32_t *k, size_t kl, const uint32_t *v, size_t vl, double num)
{
    uint32_t h = hash_of(k, kl);
    pdf_map_ent *e = find(m, k, kl, h);
    size_t voff = m->pool.n;
    int rc = ustr_append(&m->pool, v, vl);
    if (rc) return rc;
    if (e) {
        e->voff = (uint32_t)voff, e->vlen = (uint32_t)vl, e->num = num;
        return 0;
    }
    size_t koff = m->pool.n;
    if ((rc = ustr_append(&m->pool, k, kl))) return rc;
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 32;
        pdf_map_ent *ne = realloc(m->e, nc * sizeof *ne);
        if (!ne) return ERR_NOMEM;
        m->e = ne;
        m->cap = nc;
    }
    m->e[m->n++] = (pdf_map_ent){(uint32_t)koff, (uint32_t)kl, (uint32_t)voff, (uint32_t)vl, h,
                                 0, num};
    if (m->n * 2 > m->nb) return rehash(m);
    size_t b = h & (m->nb - 1);
    m->e[m->n - 1].next = m->head[b];
    m->head[b] = (uint32_t)m->n;
    return 0;
}

void pdf_map_free(pdf_map *m)
{
    free(m->e);
    free(m->head);
    ustr_free(&m->pool);
    memset(m, 0, sizeof *m);
}
