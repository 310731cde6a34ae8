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
 * Delivery accounting (README "Delivery and leases"): a worker that starts
 * working on a batch takes a lease on its ref (ingest:leases, deadline ms;
 * ingest:lease_owners, "<worker> <incarnation>") and renews it with every
 * heartbeat.  Only a lease that expires, or whose holder died, counts as a
 * failed delivery (job's attempts hash); handing a batch back (graceful
 * stop, reconnect, same-id restart of a batch not being worked on) does not.
 *
 * SCRIPT_SUBMIT  KEYS: batch, job, queue       ARGV: payload, ref, ndocs
 * SCRIPT_SEAL    KEYS: job, [events]           ARGV: -
 * SCRIPT_CLAIM   KEYS: job, batch, attempts, done, leases, owners, events
 *                ARGV: seq, ref, owner, lease_ms
 *                -> {'lost'} (no job hash) | {'corrupt'} | {'cancelled'} |
 *                   {'norange'} (seq not one of the job's batches) |
 *                   {state, 'done'} | {state, batch key TYPE, nil, nil, failures}
 *                   (missing or wrong type) | {state, 'ok', payload, spec, failures, why}
 * SCRIPT_ACK     KEYS: job, done, out, errors, processing, dead-index, batch, leases,
 *                      owners, job's dead hash, events
 *                ARGV: ref, seq, payload, dead(0|1), docs_ok, docs_failed, nodes,
 *                      embed_requests, llm_requests, reason, owner, job, docs_api_failed,
 *                      embed_tokens,
 *                      [doc_id, msg]...
 *                -> 1 recorded now, 0 recorded before, -1 the job hash is gone (lost)
 * SCRIPT_REAP    KEYS: reaper lock, heartbeats, leases, owners, queue, workers,
 *                      workers:dead (JSON per dead worker, capped at 100)
 *                ARGV: worker, lock_ms, limit  -> refs requeued, -1 another reaper runs
 * SCRIPT_REQUEUE KEYS: processing, queue, leases, owners   ARGV: ref, owner
 * SCRIPT_PENDING KEYS: heartbeats, queue       -> queued + held-by-any-worker refs
 * SCRIPT_RECLAIM KEYS: processing, queue, leases, owners
 *                ARGV: worker, incarnation, lease_ms, refs in flight...  -> refs requeued
 * SCRIPT_HEARTBEAT KEYS: heartbeats, leases, owners, workers
 *                ARGV: worker, incarnation, hb_ms, lease_ms, refs in flight...
 *                -> refs whose lease is no longer ours
 * SCRIPT_REGISTER KEYS: heartbeats, heartbeat hash   ARGV: worker, incarnation, hb_ms, force
 *                -> {} registered | {host, pid, incarnation} of a live holder of the id
 * SCRIPT_SPLIT   KEYS: job, done, batch, processing, queue, leases, owners, split
 *                ARGV: ref, seq, owner, n, payload...  -> n, 0 recorded before, -1 lost
 * SCRIPT_CANCEL  KEYS: job, queue, [events]    ARGV: job id
 *                -> the job's state afterwards, nil if there is no such job */
#ifndef INGEST_SCRIPTS_H
#define INGEST_SCRIPTS_H

extern const char SCRIPT_SUBMIT[];
extern const char SCRIPT_SEAL[];
extern const char SCRIPT_CLAIM[];
extern const char SCRIPT_ACK[];
extern const char SCRIPT_REAP[];
extern const char SCRIPT_REQUEUE[];
extern const char SCRIPT_CANCEL[];
extern const char SCRIPT_PENDING[];
extern const char SCRIPT_RECLAIM[];
extern const char SCRIPT_HEARTBEAT[];
extern const char SCRIPT_REGISTER[];
extern const char SCRIPT_SPLIT[];

#endif
