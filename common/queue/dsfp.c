/* dsfp.c - docstore file fingerprints and records (see dsfp.h). */
#include "dsfp.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sha256.h"
#include "spec.h"

/* A field as "<length>:<bytes>" (NULL as "-"), so no two field lists
 * serialise alike. */
static void field(sha256_ctx *c, const void *p, size_t len, int null)
{
    char n[32];
    int k = null ? snprintf(n, sizeof n, "-") : snprintf(n, sizeof n, "%zu:", len);
    sha256_update(c, n, (size_t)k);
    if (!null) sha256_update(c, p, len);
}

static void str_field(sha256_ctx *c, const char *s) { field(c, s, s ? strlen(s) : 0, !s); }

int dsfp_file(const wire_doc *d, const spec_t *s, char out[65])
{
    out[0] = '\0';
    if (d->error) return ERR_INVAL;
    json_t *ro = s ? json_object_get(s->root, "reader") : NULL;
    char *rj = ro ? json_dumps(ro, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    if (ro && !rj) return ERR_NOMEM;
    char size[24];
    snprintf(size, sizeof size, "%lld", (long long)d->size);
    sha256_ctx c;
    sha256_init(&c);
    const char *strs[] = {DSFP_VERSION, rj, d->id, d->path, d->name, d->mime, size, d->ctime, d->mtime};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) str_field(&c, strs[i]);
    field(&c, d->data, d->data ? d->len : 0, 0);
    free(rj);
    uint8_t dig[32];
    sha256_final(&c, dig);
    sha256_to_hex(dig, out);
    return 0;
}

char *dsfp_record(const char *fp, const char *const *ids, const char *const *hashes, size_t n)
{
    json_t *a = json_array();
    int bad = !a || json_array_append_new(a, json_string(fp));
    for (size_t i = 0; !bad && i < n; i++)
        bad = json_array_append_new(a, json_string(ids[i])) || json_array_append_new(a, json_string(hashes[i]));
    char *s = bad ? NULL : json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}
