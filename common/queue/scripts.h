/* scripts.h - the Lua scripts that make every multi-key change atomic.
 *
 * They are the only writers of job counters, so a batch is either fully
 * recorded or not at all, and recording it twice is impossible (the
 * `done` set is checked first).  Keys other than the declared KEYS are built
 * inside the reaper from the fixed "ingest:" schema (see keys.h), so these
 * scripts assume a single Redis, not Redis Cluster.
 *
 * Job events: scripts that change a job append to its capped stream
 * ingest:job:<job>:events (XADD MAXLEN ~ 1000) when the caller passes that
 * key (the optional last KEYS entry, "[events]" below): started (first
 * claim), batch_done / batch_dead (ack; worker = the processing list's id),
 * worker_lost (reaper, one per job with the number requeued), finished
 * (state done, failed or cancelled).  Fields: type, then key/value pairs.
 *
 * SCRIPT_SEAL    KEYS: job, [events]           ARGV: -
 * SCRIPT_CLAIM   KEYS: job, batch, attempts, [events]   ARGV: seq, [ref]
 *                -> {state|nil, payload|nil, spec|nil, attempts}
 * SCRIPT_ACK     KEYS: job, done, out, errors, processing, dead, batch, [events]
 *                ARGV: ref, seq, payload, mode, docs_ok, docs_failed,
 *                      nodes, embed_requests, llm_requests, embed_tokens, [doc_id, msg]...
 *                mode: 0 output stored, 1 dead, s written to the job's vector store
 *                (counted in batches_sunk; nothing stored here)
 *                -> 1 if recorded now, 0 if it had been recorded before (or the job
 *                is cancelled or gone: then nothing is recorded, the payload is deleted)
 * SCRIPT_REAP    KEYS: workers, queue, [workers:dead]   -> refs moved back to the queue;
 *                records each dead worker on workers:dead (JSON, capped at 100)
 * SCRIPT_REQUEUE KEYS: processing, queue       ARGV: ref
 * SCRIPT_PENDING KEYS: workers, queue          -> queued + held-by-any-worker refs
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
extern const char SCRIPT_REAP[];
extern const char SCRIPT_REQUEUE[];
extern const char SCRIPT_CANCEL[];
extern const char SCRIPT_PENDING[];
extern const char SCRIPT_RECLAIM[];

#endif
