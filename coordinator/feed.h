/* feed.h - the submitter's side of the bounded data flow: push batches
 * under a lease, keeping at most a window of them in Redis.
 *
 * A job has one submitter at a time, named by a lease token in the job hash
 * (`submitter`); `submit --resume` takes the lease over, after which the old
 * process's pushes are refused ("superseded").  FLOW_FEED pushes a batch only
 * as the job's next seq, so no batch is ever sent twice.
 *
 * The window: before pushing, feed_push waits until fewer than max_batches
 * of the job's batches and fewer than max_bytes of their bytes are pending
 * in Redis.  A batch is pending until a worker acknowledges it; when the job
 * streams (`stream` in the job hash, set by `submit --stream` or by an
 * `export --follow` that attached) it stays pending, counted by its output's
 * size, until the follower's cursor is past it; before its output exists it
 * counts as its size times the largest output/input ratio seen so far (4
 * before the first output): embeddings make outputs several times their
 * text, and the window bounds what Redis will hold.  A single batch larger than
 * the window is still sent alone.  Waiting polls the job's own keys (one
 * pipelined round trip of O(window) commands, backing off to 0.1 s), beats
 * the heartbeat (`submit_ms`) every second and says on stderr when the job is
 * waiting for workers.
 *
 * Docstore jobs: files the docstore lets skip unread (dscheck.h) are queued
 * with feed_skip and counted by the next push (FLOW_FEED) or by
 * feed_flush_skips, so the job's docs_total is always the number of leading
 * files handled (pushed or skipped), as `submit --resume` expects: queue a
 * file only after every file before it was pushed or queued.
 *
 * Errors: ERR_REDIS (message in err), ERR_STATE when the job was cancelled,
 * deleted or another submitter took over (message says which). */
#ifndef INGEST_FEED_H
#define INGEST_FEED_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "strv.h"

typedef struct feed_slot {
    uint32_t seq;
    size_t bytes;
    int out; /* acknowledged; bytes are its output's (streaming jobs only) */
} feed_slot;

typedef struct feed {
    redisContext *c;
    char job[KEYS_ID_MAX + 1];
    char token[64];
    uint32_t next_seq;
    long max_batches;
    long long max_bytes;
    feed_slot *win;
    size_t n;
    double out_ratio; /* largest output/input size ratio seen (0: none yet) */
    int streaming;    /* the job's outputs count in the window */
    int64_t last_beat_ms, last_progress_ms, last_msg_ms;
    char ds_mode;                 /* docstore: 0 none, 'k' keep, 'd' upserts_and_delete */
    char ds_files[KEYS_MAX], ds_seen[KEYS_MAX]; /* its file records, the job's seen set */
    strv_t skipped;               /* file ids skipped unread, not counted yet */
    char *err;
    int errlen;
} feed;

/* A fresh lease token (host, pid, random). */
void feed_make_token(char *out, size_t len);
/* Prepares f for job with lease token (already recorded, or taken over), first seq next_seq. */
int feed_init(feed *f, redisContext *c, const char *job, const char *token, uint32_t next_seq,
              long max_batches, long long max_bytes, char *err, int errlen);
/* Resume: counts the job's already pushed, unacknowledged batches into the window. */
int feed_seed(feed *f);
/* Waits for room, then pushes payload as the next batch (ndocs files). */
int feed_push(feed *f, const char *payload, size_t len, size_t ndocs);
/* Docstore jobs: the collection and strategy (before any feed_skip). */
int feed_docstore(feed *f, const char *coll, const char *strategy);
/* Queues a file skipped unread (see above). */
int feed_skip(feed *f, const char *id);
/* Counts the queued skipped files now (no batch), if any. */
int feed_flush_skips(feed *f);
/* Checks the lease and beats the heartbeat; ERR_STATE if it is no longer ours. */
int feed_beat(feed *f);
void feed_free(feed *f);

#endif
