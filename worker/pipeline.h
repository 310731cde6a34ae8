/* pipeline.h - one batch's trip through its job's stages.
 *
 *   claim (loop, worker.c)
 *     -> read: decode payload + spec, read every file      (pool thread)
 *     -> parse / local transformations (HashEmbedding)     (pool thread)
 *     -> remote transformations: embeddings, extractors    (loop: stage.h)
 *     -> local transformations after them, if any          (pool thread)
 *     -> encode: drop failed files' nodes, msgpack         (pool thread)
 *   ack (loop, worker.c)
 *
 * Consecutive CPU stages run as one pool job; each remote transformation
 * is one trip to the loop.  Ownership: the batch (payload copy, spec,
 * documents, nodes, result) is owned by exactly one thread at a time - the
 * pool thread while a pool job runs, the loop thread otherwise; pool.h's
 * submit/done order the hand-over.  Nothing in a batch is shared with
 * another batch.
 *
 * Failures are per file: a file whose reading, parsing or any node's
 * remote call fails is recorded with a message and none of its nodes are
 * output.  The result's err is 0, ERR_CANCELLED when the batch was
 * abandoned unfinished (worker stopping: requeue it), or another code when
 * the whole batch is unusable (bad payload or spec, out of memory, output
 * too large): then msg says why.  `done` fires exactly once, on the loop
 * thread, possibly inside pl_run; it owns the batch and frees it with
 * pl_free().  Each stage logs stage_start/stage_end (with ms) under the
 * batch's tag. */
#ifndef INGEST_PIPELINE_H
#define INGEST_PIPELINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pool.h"
#include "stage.h"
#include "strv.h"

typedef struct pl_batch pl_batch;

typedef struct pl_result {
    buf_t out;            /* msgpack nodes (wire_nodes_encode) */
    size_t docs;          /* files in the batch */
    size_t docs_failed;   /* files recorded as failed */
    size_t docs_api_failed; /* ... of which by a remote stage (API errors: the job ends failed) */
    size_t nodes;         /* nodes in out */
    strv_t err_ids;       /* failed document ids ... */
    strv_t err_msgs;      /* ... and their messages (same order) */
    stage_stats stats;    /* remote request counters */
    stage_cache cache[SPEC_MAX_TF]; /* cache use and hits/misses per transformation */
    char ds_mode;         /* docstore: 0 none, 'k' upserts/duplicates_only, 'd' upserts_and_delete */
    char ds_coll[65];     /* its collection */
    uint64_t ds_count[3]; /* documents new, changed, unchanged (docstore.h) */
    strv_t ds_ids;        /* documents to record in the docstore ... */
    strv_t ds_hashes;     /* ... with their hashes (files that did not fail) */
    strv_t ds_files;      /* those files' ids ... */
    strv_t ds_frecs;      /* ... and records: fingerprint + documents (dsfp.h) */
    int err;              /* 0, ERR_CANCELLED, or why the whole batch failed (err.h) */
    char msg[256];        /* when err: a message for the log and the job's errors */
} pl_result;

/* What every batch of a worker shares (borrowed; outlives the batches). */
typedef struct pl_env {
    stage_ctx *stages;
    pool_t *pool;
    const atomic_int *abandon; /* set by the loop: CPU stages stop at the next file */
    /* TEST ONLY (INGEST_TEST_READ_GATE=PREFIX:PATH, read by main.c, never from
     * a job): reading a file whose name starts with gate_prefix waits until
     * gate_path exists, so tests can hold a batch in its read stage. */
    const char *gate_prefix, *gate_path;
    /* optional, loop thread: the batch (done's ud) leaves its CPU stages for
     * a remote one - crashes from now on are not its documents' doing */
    void (*remote_begin)(void *ud);
} pl_env;

typedef void pl_done_fn(pl_batch *b, pl_result *res, void *ud);

/* Copies payload and spec (decoded later, on a pool thread); tag ("worker=..
 * ref=..") prefixes the stage log lines.  NULL only on allocation failure. */
pl_batch *pl_new(const pl_env *env, const char *tag, const char *payload, size_t plen,
                 const char *spec, size_t slen, pl_done_fn *done, void *ud);
void pl_run(pl_batch *b);
/* Instead of running the job: decodes the payload (on a pool thread) and
 * records every file as failed with msg - a batch past --max-attempts.
 * done fires as for pl_run, with err 0 and no nodes. */
void pl_run_dead(pl_batch *b, const char *msg);
/* Any thread: a counter that moves while the batch's CPU stages make
 * progress (each stage, each file read); the worker's hang watchdog. */
unsigned pl_progress(pl_batch *b);
/* Any thread: stop at the next file or stage boundary (no new remote
 * stage); the batch then ends with ERR_CANCELLED.  For cancelled jobs. */
void pl_stop(pl_batch *b);
void pl_free(pl_batch *b); /* accepts NULL */

#endif
