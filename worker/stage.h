/* stage.h - the contract between the worker's batch pipeline and the
 * asynchronous (remote-model) transformations: OpenAI-compatible embeddings
 * and LLM metadata extractors.
 *
 * The pipeline owns the batch and its nodes; during a remote stage they
 * belong to the loop thread (no pool thread touches them).  For each remote
 * transformation it fills a stage_job and calls remote_start(); the stage
 * works on the loop (HTTP through curl-multi, rate limits through Redis),
 * may modify the nodes in place (embedding, metadata, excluded keys,
 * text_template), reports per-node failures with job->fail(), and calls
 * job->done() exactly once - possibly before remote_start() returns.
 * remote_cancel_all() (shutdown grace expired) makes every running job's
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

typedef struct stage_job {
    const spec_tf *tf;     /* the transformation and its parameters */
    node_t **nodes;        /* the batch's nodes, document order; borrowed */
    size_t n;
    stage_stats *stats;    /* where to add counters; borrowed */
    /* node i failed permanently (its document will be recorded as failed) */
    void (*fail)(void *ud, size_t node_index, const char *msg);
    /* finished: rc 0 (per-node failures went through fail), ERR_CANCELLED
     * (remote_cancel_all: the worker requeues the batch), or another
     * negative code that fails the whole batch */
    void (*done)(void *ud, int rc);
    void *ud;
    const char *tag;       /* "worker=... job=... ref=..." for log lines (NULL: none); borrowed */
} stage_job;

/* A configuration error (bad URL, missing API key...): logs it once, fails
 * every node of the job with `why` and calls done(0). */
void stage_fail_all(stage_job *job, const char *why);

typedef struct remote_ctx remote_ctx;

/* One per worker.  `redis` is the command connection (shared; used for the
 * cluster-wide rate limit).  NULL on failure. */
remote_ctx *remote_new(struct ev_loop *loop, struct redisAsyncContext *redis,
                       const char *worker_id);
/* The command connection changed (reconnect) or is gone (NULL). */
void remote_set_redis(remote_ctx *r, struct redisAsyncContext *redis);
/* Starts a job; 0, or negative (then done is not called). */
int remote_start(remote_ctx *r, stage_job *job);
/* Abandons every job in flight: their done() fires with ERR_CANCELLED. */
void remote_cancel_all(remote_ctx *r);
/* Number of HTTP requests currently in flight. */
size_t remote_in_flight(const remote_ctx *r);
void remote_free(remote_ctx *r); /* accepts NULL */

#endif
