/* pipeline.h - one batch's trip through a job's transformations.
 *
 * pl_run() decodes the batch, runs the readers, then each transformation of
 * the spec in order over the batch's node list: node parsers and the local
 * HashEmbedding synchronously, remote models through remote_start()
 * (stage.h).  Failures are per file: a file whose reading, parsing or any
 * node's remote call fails is recorded with a message and none of its nodes
 * are output.  When everything has run, `done` fires exactly once (possibly
 * inside pl_run) with the encoded node list and counters in the batch's
 * result; the callback owns the batch and frees it with pl_free().
 * A malformed payload or spec fails the whole batch (result.fatal). */
#ifndef INGEST_PIPELINE_H
#define INGEST_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
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
    int fatal;            /* whole batch unusable (bad payload/spec): see fatal_msg */
    char fatal_msg[256];
} pl_result;

typedef void pl_done_fn(pl_batch *b, pl_result *res, void *ud);

/* Copies nothing it does not need: payload and spec are decoded at once.
 * Returns NULL only on allocation failure. */
pl_batch *pl_new(remote_ctx *remote, const char *payload, size_t plen, const char *spec,
                 size_t slen, pl_done_fn *done, void *ud);
void pl_run(pl_batch *b);
/* Upper bound, in seconds, of the synchronous work pl_run may do before it
 * first returns to the loop: the slow readers' time budgets (PDFs). */
double pl_cpu_budget_s(const pl_batch *b);
void pl_free(pl_batch *b); /* accepts NULL */

#endif
