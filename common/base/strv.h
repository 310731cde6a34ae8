/* strv.h - a growable vector of owned NUL-terminated strings.
 * strv_push copies its argument; on failure the vector is unchanged. */
#ifndef INGEST_STRV_H
#define INGEST_STRV_H

#include <stddef.h>

typedef struct strv {
    char **v;
    size_t n, cap;
} strv_t;

int strv_push(strv_t *s, const char *str);
int strv_pushn(strv_t *s, const char *str, size_t len);
int strv_copy(strv_t *dst, const strv_t *src); /* dst must be empty */
int strv_contains(const strv_t *s, const char *str);
void strv_free(strv_t *s); /* accepts NULL; leaves an empty vector */

#endif
