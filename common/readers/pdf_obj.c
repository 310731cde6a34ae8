/* pdf_obj.c - pypdf-like accessors over qpdf handles (see pdf_obj.h). */
#include "pdf_obj.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

pdfo pdfo_key(pdfo d, const char *key)
{
    pdfo r = {d.q, 0};
    if (!pdfo_is_dict(d)) return r;
    qpdf_oh dict = qpdf_oh_is_stream(d.q, d.h) ? qpdf_oh_get_dict(d.q, d.h) : d.h;
    r.h = qpdf_oh_get_key(d.q, dict, key);
    return r;
}

int pdfo_has(pdfo d, const char *key)
{
    if (!pdfo_is_dict(d)) return 0;
    qpdf_oh dict = qpdf_oh_is_stream(d.q, d.h) ? qpdf_oh_get_dict(d.q, d.h) : d.h;
    return qpdf_oh_has_key(d.q, dict, key) != 0;
}

int pdfo_is_dict(pdfo o)
{
    return o.h && (qpdf_oh_is_dictionary(o.q, o.h) || qpdf_oh_is_stream(o.q, o.h));
}
int pdfo_is_stream(pdfo o) { return o.h && qpdf_oh_is_stream(o.q, o.h); }
int pdfo_is_array(pdfo o) { return o.h && qpdf_oh_is_array(o.q, o.h); }
int pdfo_is_null(pdfo o) { return !o.h || qpdf_oh_is_null(o.q, o.h); }

const char *pdfo_name(pdfo o)
{
    return o.h && qpdf_oh_is_name(o.q, o.h) ? qpdf_oh_get_name(o.q, o.h) : NULL;
}

int pdfo_num(pdfo o, double *v)
{
    if (!o.h || !qpdf_oh_is_number(o.q, o.h)) return 0;
    *v = qpdf_oh_get_numeric_value(o.q, o.h);
    return 1;
}

int pdfo_is_int(pdfo o) { return o.h && qpdf_oh_is_integer(o.q, o.h); }
int pdfo_len(pdfo a) { return pdfo_is_array(a) ? qpdf_oh_get_array_n_items(a.q, a.h) : 0; }

pdfo pdfo_at(pdfo a, int i)
{
    pdfo r = {a.q, 0};
    if (pdfo_is_array(a)) r.h = qpdf_oh_get_array_item(a.q, a.h, i);
    return r;
}

int pdfo_stream(pdfo s, unsigned char **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    if (!pdfo_is_stream(s)) return -1;
    QPDF_BOOL filtered = 0;
    QPDF_ERROR_CODE e = qpdf_oh_get_stream_data(s.q, s.h, qpdf_dl_specialized, &filtered, p, n);
    if (e & QPDF_ERRORS) {
        while (qpdf_more_warnings(s.q)) qpdf_next_warning(s.q);
        if (qpdf_has_error(s.q)) qpdf_get_error(s.q);
        free(*p);
        *p = NULL;
        *n = 0;
        return -1;
    }
    while (qpdf_more_warnings(s.q)) qpdf_next_warning(s.q);
    if (filtered) return 0;
    free(*p); /* raw bytes of a filter qpdf cannot decode: not content */
    *p = NULL;
    *n = 0;
    return -1;
}

uint64_t pdfo_id(pdfo o)
{
    if (!o.h || !qpdf_oh_is_indirect(o.q, o.h)) return 0;
    return (uint64_t)(unsigned)qpdf_oh_get_object_id(o.q, o.h) << 16 |
           (unsigned)qpdf_oh_get_generation(o.q, o.h);
}

int pdfo_each_key(pdfo d, int (*fn)(void *ctx, const char *key), void *ctx)
{
    if (!pdfo_is_dict(d)) return 0;
    qpdf_oh dict = qpdf_oh_is_stream(d.q, d.h) ? qpdf_oh_get_dict(d.q, d.h) : d.h;
    char **keys = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    qpdf_oh_begin_dict_key_iter(d.q, dict);
    while (!rc && qpdf_oh_dict_more_keys(d.q)) {
        const char *k = qpdf_oh_dict_next_key(d.q);
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nk = realloc(keys, nc * sizeof *nk);
            if (!nk) {
                rc = ERR_NOMEM;
                break;
            }
            keys = nk, cap = nc;
        }
        if (!(keys[n] = strdup(k ? k : ""))) rc = ERR_NOMEM;
        else n++;
    }
    for (size_t i = 0; !rc && i < n; i++) rc = fn(ctx, keys[i]);
    for (size_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
    return rc;
}
