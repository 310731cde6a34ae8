/* flow.h - Lua scripts of the bounded data flow: a job's submitter lease and
 * window feeding, the `export --follow` cursor, and deletion marks.
 *
 * Kept apart from scripts.h (the queue's core scripts) so the flow can change
 * without touching them.  Every script touches only keys named in KEYS and is
 * O(1), except for the files skipped unread it is given (O(their documents)):
 * nothing here walks a list or a set.
 *
 * Job hash fields owned here (README "Redis keys"):
 *   submitter    lease token of the process allowed to push batches
 *   submit_ms    the submitter's last progress (push or heartbeat), ms
 *   walk         JSON of the walk/batch options, so `submit --resume` repeats them
 *   stream       "1": the window also counts outputs not yet consumed by a follower
 *   follow_seq, follow_offset, follow_nodes   the follower's committed cursor
 *
 * FLOW_FEED      KEYS: batch, job, queue [, docstore files, job docs]
 *                ARGV: payload, ref, ndocs, token, seq [, docstore mode, file id...]
 *                -> "ok", or why not: "gone", "cancelled", "superseded", "sealed",
 *                   "out_of_order" (seq is not the job's next: a batch is never sent twice)
 *                The file ids are files the docstore lets skip (SCRIPT_DS_CHECK) that
 *                come before this batch's last file and after any earlier push: they
 *                count as done with the push (docs_total, docs_done,
 *                docstore_files_skipped; their recorded documents as
 *                docstore_unchanged and, mode 'd', seen), so docs_total stays the
 *                number of leading files handled, which `submit --resume` relies on.
 * FLOW_SKIP      KEYS: job, docstore files, job docs   ARGV: token, mode, file id...
 *                FLOW_FEED's skipped files without a batch (none pending before them)
 *                -> "ok" or why not, as FLOW_FEED
 * FLOW_BEAT      KEYS: job                 ARGV: token
 *                -> the job's state if the lease is still ours, "superseded", or nil
 * FLOW_TAKEOVER  KEYS: job                 ARGV: token
 *                -> "ok" (the lease is ours now), the finished state, "sealed", or nil
 * FLOW_COMMIT    KEYS: job, out            ARGV: seq, next_seq, offset, nodes
 *                -> 1, or 0 when the cursor is not at seq (another consumer moved it);
 *                   deletes that batch's output once the cursor is past it */
#ifndef INGEST_FLOW_H
#define INGEST_FLOW_H

extern const char FLOW_FEED[];
extern const char FLOW_SKIP[];
extern const char FLOW_BEAT[];
extern const char FLOW_TAKEOVER[];
extern const char FLOW_COMMIT[];

#endif
