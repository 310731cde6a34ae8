/* scripts.h - the Lua scripts that make every multi-key change atomic.
 *
 * They are the only writers of job counters, so a batch is either fully
 * recorded or not at all, and recording it twice is impossible (the
 * `done` set is checked first).  Every key name comes from keys.h: as KEYS,
 * or - where a script walks ids it finds in Redis - as a prefix from keys.h
 * passed in ARGV that the script completes with the id.  Those walks touch
 * keys not declared in KEYS, so the scripts assume a single Redis, not
 * Redis Cluster (hash-tagged keys would need only keys.c to change).
 *
 * Job events: scripts that change a job append to its capped stream
 * ingest:job:<job>:events (XADD MAXLEN ~ 1000) when the caller passes that
 * key (the optional last KEYS entry, "[events]" below): started (first
 * claim), batch_done / batch_dead (ack; worker = the processing list's id),
 * worker_lost (reaper, one per job with the number requeued), finished
 * (state done, failed or cancelled).  Fields: type, then key/value pairs.
 *
 * SCRIPT_SEAL    KEYS: job, events [, docstore, docstore hashes, job docs, job deleted]
 *                ARGV: [ 'd' when the docstore strategy is upserts_and_delete ]
 * SCRIPT_CLAIM   KEYS: job, batch, attempts, [events]   ARGV: seq, [ref]
 *                -> {state|nil, payload|nil, spec|nil, attempts}
 * SCRIPT_ACK     KEYS: job, done, out, errors, processing, dead, batch, events, retry
 *                      [, docstore, docstore hashes, job docs, job deleted]
 *                ARGV: ref, seq, payload, mode, docs_ok, docs_failed,
 *                      nodes, embed_requests, llm_requests, embed_tokens, ncounters,
 *                      [job-hash field, increment] x ncounters,
 *                      docstore mode ('-' none, 'k' keep, 'd' upserts_and_delete),
 *                      nrecords, [doc id, doc hash] x nrecords, [doc_id, msg]...
 *                Records the documents in the docstore with the nodes, and
 *                the failed ones as seen; upserts_and_delete then deletes the
 *                unseen ones when this ack finishes the job.
 *                A dead batch or one with failed documents keeps its payload
 *                and its seq goes into the retry hash (seq -> dead|failed);
 *                any other is deleted.  A job with failed documents ends failed.
 *                mode: 0 output stored (TTL retention_s), 1 dead, s written to the
 *                job's vector store (batches_sunk; no output stored here).  A cancelled
 *                or deleted job records nothing (the payload is deleted).
 *                -> 1 if recorded now, 0 if it had been recorded before
 * SCRIPT_RETRY   KEYS: job, queue, errors, retry, [old batch, new batch]...
 *                ARGV: batches_total as read, n, [old seq, new ref, new payload,
 *                      old was dead (0|1)] x n, failed doc ids to forget...
 *                Requeues a finished job's failed documents as new batches
 *                -> documents forgotten, -1 job not finished or changed
 *                meanwhile, -2 a batch is not (any more) retryable
 * SCRIPT_REAP    KEYS: workers, queue, [workers:dead]
 *                ARGV: KEYS_WORKER_PREFIX, KEYS_PROCESSING_PREFIX, KEYS_JOB_PREFIX,
 *                      KEYS_EVENTS_SUFFIX -> refs moved back to the queue;
 *                records each dead worker on workers:dead (JSON, capped at 100)
 * SCRIPT_REQUEUE KEYS: processing, queue       ARGV: ref
 * SCRIPT_PENDING KEYS: workers, queue          ARGV: KEYS_PROCESSING_PREFIX
 *                -> queued + held-by-any-worker refs
 * SCRIPT_RECLAIM KEYS: processing, queue       -> refs moved back (a restarted worker's
 *                own list, left by its previous incarnation)
 * SCRIPT_CANCEL  KEYS: job, [events]           ARGV: -
 *                -> the job's state afterwards, nil if there is no such job.  O(1): the
 *                caller removes the payloads in chunks, workers drop the refs they pop.
 * A finished or cancelled job's hash, done, errors, attempts and events keys get the
 * job's `retention_s` as TTL (outputs get it when written), so nothing of it outlives that. */
#ifndef INGEST_SCRIPTS_H
#define INGEST_SCRIPTS_H

extern const char SCRIPT_SEAL[];
extern const char SCRIPT_CLAIM[];
extern const char SCRIPT_ACK[];
extern const char SCRIPT_RETRY[];
extern const char SCRIPT_REAP[];
extern const char SCRIPT_REQUEUE[];
extern const char SCRIPT_CANCEL[];
extern const char SCRIPT_PENDING[];
extern const char SCRIPT_RECLAIM[];

#endif
