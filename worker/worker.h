/* worker.h - the ingest-worker daemon: one libev loop thread for I/O (two
 * hiredis async connections - commands; the blocking pop - and curl multi),
 * a pool of CPU threads for the batches' CPU stages, batches in flight.
 *
 * Reliable queue: BLMOVE ingest:queue -> ingest:processing:<id>; a batch
 * leaves the processing list only inside the ack script, together with its
 * output and counters.  A heartbeat hash with a TTL says the worker is
 * alive; any worker's reaper moves the processing list of a worker whose
 * heartbeat expired back to the head of the queue.  SIGINT/SIGTERM: stop
 * popping, finish the batches in flight (after grace_s, abandon and requeue
 * them), remove the heartbeat, exit 0.  When Redis goes away the worker
 * reconnects with backoff (0.25 s doubling to 5 s), hands back what it held
 * and goes on; batches still in flight then ack idempotently.  worker_run
 * returns the exit code: 0, or 1 for a bad id or URL. */
#ifndef INGEST_WORKER_H
#define INGEST_WORKER_H

typedef struct worker_opts {
    const char *url;
    const char *password; /* overrides the URL's (INGEST_REDIS_PASSWORD, --redis-password-file) */
    const char *id;      /* NULL: <host>-<pid>-<random> */
    int concurrency;     /* batches in flight (default 8) */
    int exit_when_idle;  /* exit when the queue is empty and nothing is in flight */
    int heartbeat_ttl;   /* seconds (default 15) */
    int max_attempts;    /* deliveries before a batch is dead (default 3) */
    int stage_timeout_s; /* a batch's CPU stages without progress this long: hung (300) */
    double grace_s;      /* shutdown grace for in-flight batches (default 30) */
    const char *cache_url; /* transformation cache Redis; NULL: the queue's */
    long long cache_ttl;   /* default cache entry TTL in seconds; 0: none */
    int threads;         /* CPU pool threads (default: online CPUs) */
    int wait_replica_ms; /* acks wait this long for a replica when there is one (0: never) */
    const char *metrics_listen; /* "ADDR:PORT" for /metrics, or NULL */
    /* TEST ONLY, from INGEST_TEST_READ_GATE=PREFIX:PATH (pipeline.h pl_env) */
    const char *test_gate_prefix, *test_gate_path;
} worker_opts;

int worker_run(const worker_opts *o);

#endif
