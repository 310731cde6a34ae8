/* pool.h - the worker's CPU thread pool: N threads, a bounded FIFO of jobs,
 * completions handed back to the event loop through one ev_async.
 *
 * Why: the loop thread only does I/O (hiredis, curl multi, timers,
 * signals); reading, parsing, splitting, hashing and encoding a batch run
 * here, so a slow document never delays another batch's requests, acks or
 * the heartbeat, and --threads N uses N cores.
 *
 * Contract: a pool_job is owned by the caller (embed it in the object the
 * job works on).  pool_submit() hands it to the pool: from then on the
 * job's run() executes once on some pool thread, and afterwards its done()
 * executes once on the loop thread, inside the ev_async callback, in the
 * order the runs finished.  Between submit and done the caller must not
 * touch what run() works on; the pool's locks order run()'s writes before
 * done()'s reads.  Urgent jobs (work that finishes a batch already
 * started) are taken before the others, FIFO within each class.  After every round of done() calls the pool calls its
 * `after` hook (the worker re-evaluates admission there).
 * Every function except run() itself is for the loop thread only.
 * Pool threads block every signal: signals reach the loop thread. */
#ifndef INGEST_POOL_H
#define INGEST_POOL_H

#include <stddef.h>

struct ev_loop;

typedef struct pool pool_t;

typedef struct pool_job {
    struct pool_job *next;                /* the pool's; do not touch */
    void (*run)(struct pool_job *j);      /* on a pool thread */
    void (*done)(struct pool_job *j);     /* on the loop thread, after run */
    int urgent;                           /* runs before every queued non-urgent job */
} pool_job;

/* threads >= 1: non-urgent jobs run at most `threads` at once; one more
 * thread exists so that an urgent job never waits behind them.
 * max_queued >= 1 jobs waiting for a thread.  NULL on failure (allocation,
 * pthread_create). */
pool_t *pool_new(struct ev_loop *loop, int threads, size_t max_queued, void (*after)(void *ud),
                 void *ud);
/* 0, ERR_TOOBIG when max_queued jobs are already waiting, ERR_STATE after
 * pool_free began.  On error neither run nor done is called. */
int pool_submit(pool_t *p, pool_job *j);
/* Jobs submitted whose done() has not run yet (queued, running, finished). */
size_t pool_load(const pool_t *p);
int pool_threads(const pool_t *p); /* the `threads` of pool_new */
/* Lets queued and running jobs finish (their done() is not called), joins
 * the threads, stops the watcher and frees.  Accepts NULL. */
void pool_free(pool_t *p);

#endif
