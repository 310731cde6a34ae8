/* sink.h - where a finished batch's nodes go besides Redis: the job spec's
 * "vector_store" (today PGVectorStore, worker/sink_pg.c).
 *
 * sink_wants() tells from the job spec text whether its batches go to a
 * vector store.  sink_start() then writes the batch's encoded nodes there on
 * a pool thread (the database I/O never blocks the loop or the other
 * batches), and calls done on the loop thread exactly once with 0 (the
 * batch is committed: ack it as "written to sink", with no node data in
 * Redis), 1 (the spec names no store after all: ack as usual), or a
 * negative err.h code with a message (ERR_INVAL: cannot succeed; others:
 * worth a retry).  On a failure, failed_ids holds the ids of the documents
 * whose nodes were not written (nothing of the batch is in the database).
 * Ownership: the caller keeps spec and out alive until done; the sink_op
 * (and failed_ids) belongs to the caller after done, freed by sink_op_free. */
#ifndef INGEST_SINK_H
#define INGEST_SINK_H

#include <stddef.h>

#include "buf.h"
#include "pool.h"
#include "strv.h"

typedef struct sink_ctx sink_ctx;
typedef struct sink_op sink_op;
typedef void sink_done_fn(sink_op *op, int rc, const char *msg, const strv_t *failed_ids, void *ud);

sink_ctx *sink_new(pool_t *pool);
void sink_free(sink_ctx *s); /* after the pool stopped; accepts NULL */
int sink_wants(const char *spec); /* NUL-terminated spec JSON */
/* 0 when started (done follows), or a negative code (done is not called). */
int sink_start(sink_ctx *s, const char *spec, size_t slen, const buf_t *out, sink_done_fn *done, void *ud,
               sink_op **op);
void sink_op_free(sink_op *op); /* accepts NULL */

#endif
