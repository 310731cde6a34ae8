/* stage.c - the stage context (see stage.h): one call layer per worker,
 * and the map from a remote transformation's kind to its stage. */
#include "stage.h"

#include <stdlib.h>

#include "cache.h"
#include "embed.h"
#include "err.h"
#include "extract.h"
#include "log.h"
#include "oaicall.h"

struct stage_ctx {
    oc_ctx *oc;
    struct redisAsyncContext *redis; /* the queue's command connection */
    cache_ctx *cache;                /* NULL: no cache */
};

stage_ctx *stage_new(struct ev_loop *loop, struct redisAsyncContext *redis)
{
    stage_ctx *r = calloc(1, sizeof *r);
    if (r) r->redis = redis;
    if (r && !(r->oc = oc_new(loop, redis))) {
        free(r);
        return NULL;
    }
    return r;
}

void stage_set_redis(stage_ctx *r, struct redisAsyncContext *redis)
{
    r->redis = redis;
    oc_set_redis(r->oc, redis);
}

struct redisAsyncContext *stage_redis(const stage_ctx *r) { return r->redis; }

void stage_set_cache(stage_ctx *r, cache_ctx *cache) { r->cache = cache; }

/* The map from a remote kind to its stage (behind the cache). */
static int start_uncached(void *ud, stage_job *job)
{
    stage_ctx *r = ud;
    switch (job->tf->kind) {
    case SPEC_KIND_EMBED: return embed_start(r->oc, job);
    case SPEC_KIND_EXTRACT: return extract_start(r->oc, job);
    default: return ERR_UNSUPPORTED;
    }
}

int stage_start(stage_ctx *r, stage_job *job)
{
    if (!r || !job || !job->tf) return ERR_INVAL;
    return cache_stage_start(r->cache, job, start_uncached, r);
}

void stage_cancel_all(stage_ctx *r)
{
    if (r) oc_cancel_all(r->oc);
}

size_t stage_in_flight(const stage_ctx *r) { return r ? oc_in_flight(r->oc) : 0; }

void stage_free(stage_ctx *r)
{
    if (!r) return;
    oc_free(r->oc);
    free(r);
}

void stage_finish(void *owner, const stage_job *job, int cancelled, int rc)
{
    stage_job j = *job; /* job lives in owner */
    free(owner);
    j.done(j.ud, cancelled ? ERR_CANCELLED : rc);
}

void stage_fail_all(stage_job *job, const char *why)
{
    char q[300];
    log_kv("error", "remote_config_error", "%s class=%s error=%s", job->tag ? job->tag : "", job->tf->class_name,
           log_quote(why, q, sizeof q));
    for (size_t i = 0; i < job->n; i++) job->fail(job->ud, i, why);
    job->done(job->ud, 0);
}
