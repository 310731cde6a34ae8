/* dscheck.c - submit's docstore precheck (see dscheck.h). */
#include "dscheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsfp.h"
#include "err.h"
#include "rconn.h"
#include "scripts.h"
#include "spec.h"

int dscheck_init(dscheck *d, const spec_t *spec, const char *job)
{
    const char *strategy, *coll = spec_docstore(spec, &strategy);
    memset(d, 0, sizeof *d);
    if (!coll || !strategy || keys_docstore_all(d->keys, coll, job)) return 0;
    d->spec = spec;
    d->strat[0] = strcmp(strategy, "duplicates_only") ? 'u' : 'h';
    return 1;
}

int dscheck_files(const dscheck *d, redisContext *c, const wire_doc *docs, size_t n,
                  unsigned char *skip, char *err, int errlen)
{
    memset(skip, 0, n);
    size_t argc = 7 + 2 * n, m = 7;
    const char **av = malloc(argc * sizeof *av);
    char (*fp)[65] = malloc((n ? n : 1) * sizeof *fp);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx), k = 0;
    if (!av || !fp || !idx) {
        free(av), free(fp), free(idx);
        snprintf(err, (size_t)errlen, "out of memory");
        return ERR_NOMEM;
    }
    const char *head[] = {"EVAL", SCRIPT_DS_CHECK, "3", d->keys[0], d->keys[1], d->keys[4], d->strat};
    memcpy(av, head, sizeof head);
    for (size_t i = 0; i < n; i++) {
        if (dsfp_file(&docs[i], d->spec, fp[k])) continue; /* unreadable: the normal way */
        av[m++] = docs[i].id, av[m++] = fp[k];
        idx[k++] = i;
    }
    redisReply *r = k ? rconn_argv(c, err, errlen, (int)m, av, NULL) : NULL;
    int rc = k && !r && c->err ? ERR_REDIS : 0;
    if (k && !r && !c->err) fprintf(stderr, "submit: warning: docstore precheck failed (%s): reading every file\n", err);
    for (size_t j = 0; r && r->type == REDIS_REPLY_ARRAY && r->elements == k && j < k; j++)
        skip[idx[j]] = r->element[j]->type == REDIS_REPLY_INTEGER && r->element[j]->integer == 1;
    if (r) freeReplyObject(r);
    free(av), free(fp), free(idx);
    return rc;
}
