/* jobkeys.h - removing a job's keys in bounded steps (cancel, delete).
 *
 * A job's per-batch keys are named by seq (ingest:job:<id>:batch:<seq>,
 * :out:<seq>) and its seqs are 0..batches_total-1, so they are removed by
 * walking that range, JOBKEYS_CHUNK keys per UNLINK: no scan of the
 * keyspace or of the queue, no command that holds Redis for long (UNLINK
 * frees large values off the main thread).
 *
 * jobkeys_cancel: marks the job cancelled (O(1) script: from then on nothing
 * is pushed or recorded for it, workers drop its refs as they pop them) and
 * removes its pending payloads.  jobkeys_delete: the same, then every key of
 * the job including its outputs, the job hash last (a delete interrupted
 * half-way can be run again).  Both return the job's state before (in state,
 * 16 bytes), ERR_NOTFOUND for an unknown job, ERR_REDIS with a message. */
#ifndef INGEST_JOBKEYS_H
#define INGEST_JOBKEYS_H

#include <hiredis/hiredis.h>

#define JOBKEYS_CHUNK 256

int jobkeys_cancel(redisContext *c, const char *job, char state[16], char *err, int errlen);
int jobkeys_delete(redisContext *c, const char *job, char *err, int errlen);

#endif
