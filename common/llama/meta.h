/* meta.h - ordered node metadata, as a Python dict of str/int/float/bool/None.
 *
 * LlamaIndex renders metadata with Python's str() of each value and hashes
 * nodes over str(dict), so both renderings live here.  Keys keep insertion
 * order; setting an existing key replaces the value in place (dict.update
 * semantics).  Every function leaves the map unchanged on failure. */
#ifndef INGEST_META_H
#define INGEST_META_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum { MD_STR, MD_INT, MD_FLOAT, MD_BOOL, MD_NULL } md_type;

typedef struct md_item {
    char *key;
    md_type type;
    char *s;   /* MD_STR: owned UTF-8 */
    int64_t i; /* MD_INT, MD_BOOL */
    double f;  /* MD_FLOAT */
} md_item;

typedef struct md {
    md_item *v;
    size_t n, cap;
} md_t;

int md_set_str(md_t *m, const char *key, const char *val);
int md_set_strn(md_t *m, const char *key, const char *val, size_t len);
int md_set_int(md_t *m, const char *key, int64_t v);
int md_set_float(md_t *m, const char *key, double v);
int md_set_bool(md_t *m, const char *key, int v);
int md_set_null(md_t *m, const char *key);
const md_item *md_get(const md_t *m, const char *key);
int md_copy(md_t *dst, const md_t *src); /* dst must be empty */
void md_free(md_t *m);                   /* accepts NULL */

/* Python str(value): 'abc' -> abc, 5 -> 5, 1.5 -> 1.5, True, None. */
int md_value_str(const md_item *it, buf_t *out);
/* Python repr(dict), e.g. {'file_path': 'a.txt', 'file_size': 12} */
int md_py_repr(const md_t *m, buf_t *out);
/* Python repr(str) of UTF-8 bytes. */
int md_py_repr_str(const char *s, size_t len, buf_t *out);
/* Python repr(float), shortest round-trip form. */
int md_py_repr_float(double f, buf_t *out);

#endif
