/* stage.h - the contract between the worker's batch pipeline and the
 * asynchronous (remote-model) transformations, and the stage context that
 * maps a transformation's kind (spec.h's registry) to its stage:
 * SPEC_KIND_EMBED -> the embedding stage (embed.h), SPEC_KIND_EXTRACT ->
 * the extractor stage (extract.h).  Both run on the loop thread over the
 * call layer (oaicall.h -> http.h, ratelimit.h).
 *
 * The pipeline owns the batch and its nodes; during a remote stage they
 * belong to the loop thread (no pool thread touches them).  For each remote
 * transformation it fills a stage_job and calls stage_start(); the stage
 * works on the loop (HTTP through curl-multi, rate limits through Redis),
 * may modify the nodes in place (embedding, metadata, excluded keys,
 * text_template), reports per-node failures with job->fail(), and calls
 * job->done() exactly once - possibly before stage_start() returns.
 * stage_cancel_all() (shutdown grace expired) makes every running job's
 * done() fire with ERR_CANCELLED.  Counters are added to job->stats as
 * requests complete. */
#ifndef INGEST_STAGE_H
#define INGEST_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "spec.h"

struct ev_loop;
struct redisAsyncContext;

typedef struct stage_stats {
    uint64_t embed_requests; /* embedding HTTP requests completed */
    uint64_t llm_requests;   /* chat-completion requests completed */
    uint64_t retries;        /* retried attempts (429/5xx/reset/timeout) */
    uint64_t tokens;         /* prompt tokens reported by the API */
} stage_stats;

/* A job's use of the transformation cache (cache.h) for one stage. */
typedef struct stage_cache {
    int enabled;      /* the job's spec did not say "cache": false */
    int64_t ttl;      /* seconds; -1: the worker's default; 0: none */
    uint64_t hits;    /* entries found: nodes (embeddings) or documents (extractors) */
    uint64_t misses;  /* entries computed by the stage */
    struct cache_plan *plan; /* keys computed off the loop (cache.h), or NULL */
} stage_cache;

typedef struct stage_job {
    const spec_tf *tf;     /* the transformation and its parameters */
    node_t **nodes;        /* the batch's nodes, document order; borrowed */
    size_t n;
    stage_stats *stats;    /* where to add counters; borrowed */
    /* node i failed permanently (its document will be recorded as failed) */
    void (*fail)(void *ud, size_t node_index, const char *msg);
    /* finished: rc 0 (per-node failures went through fail), ERR_CANCELLED
     * (stage_cancel_all: the worker requeues the batch), or another
     * negative code that fails the whole batch */
    void (*done)(void *ud, int rc);
    void *ud;
    const char *tag;       /* "worker=... job=... ref=..." for log lines (NULL: none); borrowed */
    stage_cache *cache;    /* NULL: no cache for this stage; borrowed */
    /* embedding stages: the nodes' request inputs made off the loop
     * (eprep.h, indexed like nodes), or NULL; borrowed until done */
    const struct eprep *prep;
} stage_job;

/* A configuration error (bad URL, missing API key...): logs it once, fails
 * every node of the job with `why` and calls done(0). */
void stage_fail_all(stage_job *job, const char *why);

/* A stage's last step: frees its own state `owner` (which holds *job),
 * then calls done exactly once, with ERR_CANCELLED when the stage was
 * cancelled, else rc.  done may start the next stage, so nothing of the
 * owner may be touched after it. */
void stage_finish(void *owner, const stage_job *job, int cancelled, int rc);

typedef struct stage_ctx stage_ctx;

/* One per worker.  `redis` is the command connection (shared; used for the
 * cluster-wide rate limit).  NULL on failure. */
stage_ctx *stage_new(struct ev_loop *loop, struct redisAsyncContext *redis);
/* The command connection changed (reconnect) or is gone (NULL). */
void stage_set_redis(stage_ctx *r, struct redisAsyncContext *redis);
/* The current command connection (NULL while disconnected). */
struct redisAsyncContext *stage_redis(const stage_ctx *r);
struct cache_ctx;
/* Puts the transformation cache (cache.h) in front of the stages of jobs
 * whose stage_job.cache says so; NULL: none. */
void stage_set_cache(stage_ctx *r, struct cache_ctx *cache);
/* Starts the stage of job->tf's kind (through the cache); 0, or negative
 * (then done is not called): ERR_UNSUPPORTED for a kind that is not remote. */
int stage_start(stage_ctx *r, stage_job *job);
/* Abandons every job in flight: their done() fires with ERR_CANCELLED. */
void stage_cancel_all(stage_ctx *r);
/* Number of HTTP requests currently in flight. */
size_t stage_in_flight(const stage_ctx *r);
void stage_free(stage_ctx *r); /* accepts NULL */

#endif
