/* docstore.c - a batch's documents against its job's docstore (see docstore.h). */
#include "docstore.h"

#include <hiredis/async.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "wpace.h"

typedef struct lookup {
    const char *const *hashes;
    size_t n;
    ds_state *st;
    int dup; /* duplicates_only */
    ds_done_fn *done;
    void *ud;
} lookup;

static void on_reply(redisAsyncContext *ac, void *rv, void *priv)
{
    (void)ac;
    lookup *l = priv;
    redisReply *r = rv;
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == l->n;
    for (size_t i = 0; ok && i < l->n; i++) {
        const redisReply *e = r->element[i];
        if (l->dup) l->st[i] = e->type == REDIS_REPLY_INTEGER && e->integer ? DS_UNCHANGED : DS_NEW;
        else if (e->type == REDIS_REPLY_STRING)
            l->st[i] = !strcmp(e->str, l->hashes[i]) ? DS_UNCHANGED : DS_CHANGED;
    }
    if (!ok) {
        for (size_t i = 0; i < l->n; i++) l->st[i] = DS_NEW;
        log_kv("warn", "docstore_lookup_failed", "msg=\"%s\"",
               r && r->type == REDIS_REPLY_ERROR ? r->str : "no reply");
    }
    ds_done_fn *done = l->done;
    void *ud = l->ud;
    free(l);
    done(ud);
}

void docstore_lookup(redisAsyncContext *ac, const char *coll, const char *strategy,
                     const char *const *ids, const char *const *hashes, size_t n, ds_state *st,
                     ds_done_fn *done, void *ud)
{
    for (size_t i = 0; i < n; i++) st[i] = DS_NEW;
    int dup = strategy && !strcmp(strategy, "duplicates_only");
    char key[KEYS_MAX];
    lookup *l = n && ac ? malloc(sizeof *l) : NULL;
    const char **argv = l ? malloc((n + 2) * sizeof *argv) : NULL;
    if (!argv || keys_docstore(key, coll, dup ? "hashes" : NULL)) {
        free(l);
        free(argv);
        done(ud);
        return;
    }
    *l = (lookup){hashes, n, st, dup, done, ud};
    argv[0] = dup ? "SMISMEMBER" : "HMGET", argv[1] = key;
    for (size_t i = 0; i < n; i++) argv[i + 2] = dup ? hashes[i] : ids[i];
    int rc = wpace_argv(ac, on_reply, l, (int)n + 2, argv, NULL);
    free(argv);
    if (rc != REDIS_OK) on_reply(ac, NULL, l);
}
