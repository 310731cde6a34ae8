/* follow.h - `export JOB --follow`: the streaming consumer of a job's outputs.
 *
 * Writes each batch's nodes as JSON lines, in submission order, as soon as
 * the batch is acknowledged, then (after fflush + fsync of a regular file)
 * commits a cursor in the job hash - next seq, file offset, node count - and
 * deletes the batch's output in the same atomic step (FLOW_COMMIT).  So Redis
 * holds only outputs not yet consumed, and attaching sets the job's `stream`
 * flag so the submitter's window counts them (a slow consumer slows the job
 * instead of filling Redis).
 *
 * Resumable: restarted with the same file, it truncates the file back to the
 * committed offset (dropping a batch written but not committed, or a torn
 * line) and continues at the committed seq: no node lost, none repeated.  Two
 * consumers at once are refused (the commit checks the cursor).  Dead batches
 * and those a cancellation left unfinished are skipped and counted in
 * *missing.  Returns the nodes written by this run, or a negative code with a
 * message in err. */
#ifndef INGEST_FOLLOW_H
#define INGEST_FOLLOW_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

long follow_run(redisContext *c, const char *job, const char *path, long *missing, char *err, int errlen);

/* The same walk without a cursor (`submit --wait --output`), by one or more
 * threads sharing sh: each claims the next batch, waits until it is
 * acknowledged and renders it into memory (the JSON is the expensive part).
 * The batch whose turn it is goes into sh->out, with every batch rendered
 * ahead of it that follows; one rendered out of turn is parked in sh and its
 * thread claims the next, so a late batch holds up only the thread that
 * claimed it.  out gets the batches in submission order, byte-identical to
 * `export -o` after the job.  Memory: at most FOLLOW_AHEAD batches claimed
 * past the one to write, FOLLOW_PARK_BYTES of them parked (past that a thread
 * waits for its turn), one batch in each thread's hands, and up to
 * FOLLOW_SPARE written buffers (FOLLOW_PARK_BYTES of capacity) kept for the
 * next park (fresh pages cost a fifth of the rendering).  Outputs stay in
 * Redis and the job's `stream` flag is left alone.  Runs until the job is
 * sealed and every batch claimed is written (or it was cancelled), or
 * sh->stop is set (ERR_STATE); reconnects to url when the connection is lost
 * (*c follows).  A thread that fails stops the others.  Returns the nodes
 * this thread rendered, or a negative code with err. */
#define FOLLOW_AHEAD 32
#define FOLLOW_PARK_BYTES ((size_t)64 << 20)
#define FOLLOW_SPARE 4

typedef struct follow_share {
    pthread_mutex_t mu;
    pthread_cond_t turn;
    FILE *out;
    uint32_t next_claim, next_write;
    atomic_int stop;
    buf_t parked[FOLLOW_AHEAD];       /* by seq % FOLLOW_AHEAD */
    unsigned char ready[FOLLOW_AHEAD]; /* 1: that slot's batch waits for its turn */
    size_t parked_bytes;
    buf_t spare[FOLLOW_SPARE]; /* written parked buffers, pages kept for the next park */
    int nspare;
    size_t spare_bytes; /* their capacity, at most FOLLOW_PARK_BYTES */
} follow_share;

/* Before the threads start / after they are joined (frees what is still parked). */
void follow_share_init(follow_share *sh, FILE *out);
void follow_share_free(follow_share *sh);
long follow_copy(redisContext **c, const char *url, const char *job, follow_share *sh, long *missing,
                 char *err, int errlen);
/* Sets sh->stop and wakes the threads waiting for their turn. */
void follow_share_stop(follow_share *sh);

#endif
