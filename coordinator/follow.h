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
#include <stdatomic.h>
#include <stdio.h>

long follow_run(redisContext *c, const char *job, const char *path, long *missing, char *err, int errlen);

/* The same walk without a cursor (`submit --wait --output`): writes each
 * batch into out as soon as it is acknowledged, in submission order, leaves
 * the outputs in Redis and the job's `stream` flag alone, so out ends up
 * byte-identical to `export -o` after the job.  Runs until the job is sealed
 * and every batch written (or it was cancelled), or until *stop is set
 * (ERR_STATE); reconnects to url when the connection is lost (*c follows).
 * Returns the nodes written, or a negative code with err. */
long follow_copy(redisContext **c, const char *url, const char *job, FILE *out, const atomic_int *stop,
                 long *missing, char *err, int errlen);

#endif
