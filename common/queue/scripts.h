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
 * Delivery accounting (README "Delivery and leases"): a worker that starts
 * working on a batch takes a lease on its ref (ingest:leases, deadline ms;
 * ingest:lease_owners, "<worker> <incarnation>") and renews it with every
 * heartbeat.  Only a lease that expires, or whose holder died, counts as a
 * failed delivery (job's attempts hash); handing a batch back (graceful
 * stop, reconnect, same-id restart of a batch not being worked on) does not.
 *
 * SCRIPT_SEAL    KEYS: job, events [, docstore, docstore hashes, job docs, job deleted,
 *                      docstore files]
 *                ARGV: [ 'd' when the docstore strategy is upserts_and_delete ]
 * SCRIPT_CLAIM   KEYS: job, batch, attempts, done, leases, owners, events, leases_hot
 *                (the lease is hot at once unless the batch failed before: the
 *                worker makes it hot when it starts it alone)
 *                ARGV: seq, ref, owner, lease_ms
 *                -> {'lost'} (no job hash) | {'corrupt'} | {'cancelled'} |
 *                   {'norange'} (seq not one of the job's batches) |
 *                   {state, 'done'} | {state, batch key TYPE, nil, nil, failures}
 *                   (missing or wrong type) | {state, 'ok', payload, spec, failures, why}
 * SCRIPT_ACK     KEYS: job, done, out, errors, processing, dead-index, batch, events,
 *                      retry, leases, owners, job's dead hash, leases_hot
 *                      [, docstore, docstore hashes, job docs, job deleted, docstore files]
 *                ARGV: ref, seq, payload, mode, docs_ok, docs_failed,
 *                      nodes, embed_requests, llm_requests, embed_tokens, reason, owner,
 *                      docs_api_failed, ncounters, [job-hash field, increment] x ncounters,
 *                      docstore mode ('-' none, 'k' keep, 'd' upserts_and_delete),
 *                      nrecords, [doc id, doc hash] x nrecords,
 *                      nfiles, [file id, file record (dsfp.h)] x nfiles, [doc_id, msg]...
 *                Records the documents in the docstore with the nodes, then the
 *                files they came from, and the failed ones as seen;
 *                upserts_and_delete then deletes the unseen documents and file
 *                records when this ack finishes the job.
 *                Kept payloads live in one place: a dead batch or one with failed
 *                documents keeps its batch key and its seq goes into the retry hash
 *                (seq -> dead|failed), which `retry` reads; any other is deleted.
 *                A dead batch's reason also goes into the job's dead hash (seq ->
 *                reason, for reports) and its ref onto ingest:dead (last 10,000).
 *                A job with a dead batch or a failed document ends failed.
 *                mode: 0 output stored (TTL retention_s), 1 dead, s written to the
 *                job's vector store (batches_sunk; no output stored here).
 *                -> 1 recorded now, 0 recorded before, -1 the job hash is gone (lost
 *                or deleted), -2 cancelled (nothing recorded, the payload is deleted)
 * SCRIPT_RETRY   KEYS: job, queue, errors, retry, [old batch, new batch]...
 *                ARGV: batches_total as read, n, [old seq, new ref, new payload,
 *                      old was dead (0|1)] x n, failed doc ids to forget...
 *                Requeues a finished job's failed documents and dead batches as new
 *                batches (a dead one's reason stays in the dead hash: history; export
 *                then counts its seq as without output, not as lost)
 *                -> documents forgotten, -1 job not finished or changed
 *                meanwhile, -2 a batch is not (any more) retryable
 * SCRIPT_REAP    KEYS: reaper lock, heartbeats, leases, owners, queue, workers,
 *                      workers:dead (JSON per dead worker, capped at 100), leases_hot
 *                ARGV: worker, lock_ms, limit, KEYS_WORKER_PREFIX, KEYS_PROCESSING_PREFIX,
 *                      KEYS_JOB_PREFIX, KEYS_EVENTS_SUFFIX
 *                -> refs requeued, -1 another reaper runs
 * SCRIPT_REQUEUE KEYS: processing, queue, leases, owners, leases_hot
 *                ARGV: ref, owner [, why, KEYS_JOB_PREFIX]: with why, a hot lease
 *                of ours counts as a failed delivery (the worker's hang watchdog)
 * SCRIPT_PENDING KEYS: heartbeats, queue       ARGV: KEYS_PROCESSING_PREFIX
 *                -> queued + held-by-any-worker refs
 * SCRIPT_RECLAIM KEYS: processing, queue, leases, owners, leases_hot
 *                ARGV: worker, incarnation, lease_ms, KEYS_JOB_PREFIX, refs in flight...
 *                -> refs requeued
 * SCRIPT_HEARTBEAT KEYS: heartbeats, leases, owners, workers
 *                ARGV: worker, incarnation, hb_ms, lease_ms, refs in flight...
 *                -> refs whose lease is no longer ours
 * SCRIPT_REGISTER KEYS: heartbeats, heartbeat hash   ARGV: worker, incarnation, hb_ms, force
 *                -> {} registered | {host, pid, incarnation} of a live holder of the id
 * SCRIPT_SPLIT   KEYS: job, done, batch, processing, queue, leases, owners, split, leases_hot
 *                ARGV: ref, seq, owner, n, the job's batch key prefix, payload...
 *                -> n, 0 recorded before, -1 lost
 * SCRIPT_DS_CHECK KEYS: docstore, docstore hashes, docstore files
 *                ARGV: 'h' (duplicates_only) or 'u', [file id, fingerprint]...
 *                -> per file 1 (its record has this fingerprint and all its documents
 *                are still recorded with their hashes: skip reading it) or 0
 * SCRIPT_CANCEL  KEYS: job, [events]           ARGV: -
 *                -> the job's state afterwards, nil if there is no such job.  O(1): the
 *                caller removes the payloads in chunks, workers drop the refs they pop.
 * A finished or cancelled job's hash, done, errors, attempts, events, retry, dead and
 * split keys get the job's `retention_s` as TTL (outputs get it when written). */
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
extern const char SCRIPT_HEARTBEAT[];
extern const char SCRIPT_REGISTER[];
extern const char SCRIPT_SPLIT[];
extern const char SCRIPT_DS_CHECK[];

#endif
