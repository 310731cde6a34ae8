/* strv.c - vector of owned strings (see strv.h). */
#include "strv.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

int strv_pushn(strv_t *s, const char *str, size_t len)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        char **nv = realloc(s->v, ncap * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        s->v = nv;
        s->cap = ncap;
    }
    char *c = malloc(len + 1);
    if (!c) return ERR_NOMEM;
    memcpy(c, str, len);
    c[len] = '\0';
    s->v[s->n++] = c;
    return 0;
}

int strv_push(strv_t *s, const char *str) { return strv_pushn(s, str, strlen(str)); }

int strv_copy(strv_t *dst, const strv_t *src)
{
    for (size_t i = 0; i < src->n; i++) {
        int rc = strv_push(dst, src->v[i]);
        if (rc) return rc;
    }
    return 0;
}

int strv_contains(const strv_t *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], str) == 0) return 1;
    return 0;
}

void strv_free(strv_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}
