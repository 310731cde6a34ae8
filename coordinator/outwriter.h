/* outwriter.h - `submit --wait --output FILE`: the export, run while the job runs.
 *
 * OUTWRITER_THREADS threads, each with its own Redis connection, render the
 * job's batches as they are acknowledged and write them in submission order
 * (follow_copy) into a temp file next to FILE, which outwriter_finish renames
 * over FILE once every batch is written.  The bytes are those
 * `export JOB -o FILE` writes after the job (same batches, same order, outputs
 * left in Redis), but the JSON work overlaps the workers instead of following
 * them.  Batches are acknowledged out of order: a thread renders the batch
 * it claimed as soon as it is acknowledged, parks it if an earlier one is
 * still awaited and claims the next, so the work left after the last
 * acknowledgement is about one batch, on every core.  The price: rendered
 * batches held in memory (bounded: see follow_copy).  The threads own their
 * connections and err buffers until outwriter_finish joins them; the caller
 * only reads them after.  A lost connection is reopened (like the wait's).  Failure (Redis, disk, corrupt
 * data, abandon): FILE is left as it was. */
#ifndef INGEST_OUTWRITER_H
#define INGEST_OUTWRITER_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>

#include "follow.h"
#include "keys.h"

#define OUTWRITER_THREADS 4

typedef struct outwriter outwriter;

typedef struct outwriter_thread {
    outwriter *w;
    pthread_t th;
    int started;
    redisContext *c;
    long n, missing;
    char err[512];
} outwriter_thread;

struct outwriter {
    int running;
    char job[KEYS_ID_MAX + 1];
    const char *path, *url;
    char tmp[4096];
    follow_share sh;
    outwriter_thread t[OUTWRITER_THREADS];
};

/* Connects to url and starts exporting job into a temp file next to path. */
int outwriter_start(outwriter *w, const char *url, const char *job, const char *path, char *err, int errlen);
/* Waits for the export to end (abandon: stops it first and writes nothing);
 * returns the nodes written to path, or a negative code with a message in err. */
long outwriter_finish(outwriter *w, int abandon, long *missing, char *err, int errlen);

#endif
