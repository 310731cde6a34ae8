/* meta.c - ordered metadata map and its Python renderings (see meta.h).
 * Python's repr() needs Unicode printability, taken from utf8proc. */
#include "meta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "err.h"
#include "pyfloat.h"

static md_item *md_slot(md_t *m, const char *key, int *is_new)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].key, key) == 0) {
            *is_new = 0;
            return &m->v[i];
        }
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 8;
        md_item *nv = realloc(m->v, ncap * sizeof *nv);
        if (!nv) return NULL;
        m->v = nv;
        m->cap = ncap;
    }
    *is_new = 1;
    return &m->v[m->n];
}

/* Stores a value; `s` (owned, may be NULL) replaces any previous string. */
static int md_put(md_t *m, const char *key, md_type t, char *s, int64_t i, double f)
{
    int is_new;
    md_item *it = md_slot(m, key, &is_new);
    if (!it) {
        free(s);
        return ERR_NOMEM;
    }
    if (is_new) {
        it->key = strdup(key);
        if (!it->key) {
            free(s);
            return ERR_NOMEM;
        }
        m->n++;
    } else {
        free(it->s);
    }
    it->type = t;
    it->s = s;
    it->i = i;
    it->f = f;
    return 0;
}

int md_set_strn(md_t *m, const char *key, const char *val, size_t len)
{
    char *s = malloc(len + 1);
    if (!s) return ERR_NOMEM;
    memcpy(s, val, len);
    s[len] = '\0';
    return md_put(m, key, MD_STR, s, 0, 0);
}

int md_set_str(md_t *m, const char *key, const char *val)
{
    return md_set_strn(m, key, val, strlen(val));
}
int md_set_int(md_t *m, const char *key, int64_t v) { return md_put(m, key, MD_INT, NULL, v, 0); }
int md_set_float(md_t *m, const char *key, double v) { return md_put(m, key, MD_FLOAT, NULL, 0, v); }
int md_set_bool(md_t *m, const char *key, int v) { return md_put(m, key, MD_BOOL, NULL, !!v, 0); }
int md_set_null(md_t *m, const char *key) { return md_put(m, key, MD_NULL, NULL, 0, 0); }

const md_item *md_get(const md_t *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].key, key) == 0) return &m->v[i];
    return NULL;
}

int md_copy(md_t *dst, const md_t *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const md_item *it = &src->v[i];
        char *s = NULL;
        if (it->s && !(s = strdup(it->s))) return ERR_NOMEM;
        int rc = md_put(dst, it->key, it->type, s, it->i, it->f);
        if (rc) return rc;
    }
    return 0;
}

void md_free(md_t *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].key);
        free(m->v[i].s);
    }
    free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}

int md_py_repr_float(double f, buf_t *out)
{
    char tmp[PYFLOAT_MAX];
    return buf_append(out, tmp, pyfloat_repr(f, tmp));
}

int md_value_str(const md_item *it, buf_t *out)
{
    switch (it->type) {
    case MD_STR: return buf_puts(out, it->s);
    case MD_INT: return buf_printf(out, "%lld", (long long)it->i);
    case MD_FLOAT: return md_py_repr_float(it->f, out);
    case MD_BOOL: return buf_puts(out, it->i ? "True" : "False");
    case MD_NULL: return buf_puts(out, "None");
    }
    return ERR_INVAL;
}

static int py_printable(utf8proc_int32_t c)
{
    if (c == ' ') return 1;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CN: case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: case UTF8PROC_CATEGORY_ZS:
        return 0;
    default:
        return 1;
    }
}

static int repr_char(utf8proc_int32_t c, char quote, const char *src, size_t n, buf_t *out)
{
    if (c == quote || c == '\\') return buf_printf(out, "\\%c", (char)c);
    if (c == '\n') return buf_puts(out, "\\n");
    if (c == '\r') return buf_puts(out, "\\r");
    if (c == '\t') return buf_puts(out, "\\t");
    if (py_printable(c)) return buf_append(out, src, n);
    if (c < 0x100) return buf_printf(out, "\\x%02x", (unsigned)c);
    if (c < 0x10000) return buf_printf(out, "\\u%04x", (unsigned)c);
    return buf_printf(out, "\\U%08x", (unsigned)c);
}

int md_py_repr_str(const char *s, size_t len, buf_t *out)
{
    char quote = (memchr(s, '\'', len) && !memchr(s, '"', len)) ? '"' : '\'';
    int rc = buf_putc(out, quote);
    size_t i = 0;
    while (!rc && i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, len - i, &c);
        if (n <= 0) { /* invalid byte: Python would hold a surrogate escape */
            rc = buf_printf(out, "\\udc%02x", (unsigned char)s[i]);
            i++;
            continue;
        }
        rc = repr_char(c, quote, s + i, (size_t)n, out);
        i += (size_t)n;
    }
    return rc ? rc : buf_putc(out, quote);
}

int md_py_repr(const md_t *m, buf_t *out)
{
    int rc = buf_putc(out, '{');
    for (size_t i = 0; !rc && i < m->n; i++) {
        const md_item *it = &m->v[i];
        if (i) rc = buf_puts(out, ", ");
        if (!rc) rc = md_py_repr_str(it->key, strlen(it->key), out);
        if (!rc) rc = buf_puts(out, ": ");
        if (rc) break;
        if (it->type == MD_STR)
            rc = md_py_repr_str(it->s, strlen(it->s), out);
        else
            rc = md_value_str(it, out);
    }
    return rc ? rc : buf_putc(out, '}');
}
