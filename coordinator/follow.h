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

long follow_run(redisContext *c, const char *job, const char *path, long *missing, char *err, int errlen);

#endif
