/* outwriter.h - `submit --wait --output FILE`: the export, run while the job runs.
 *
 * A thread with its own Redis connection writes each batch's nodes as soon as
 * the batch is acknowledged (follow_copy), into a temp file next to FILE that
 * outwriter_finish renames over FILE once every batch is written.  The bytes
 * are those `export JOB -o FILE` writes after the job (same batches, same
 * order, outputs left in Redis), but the JSON work overlaps the workers instead
 * of following them.  The thread owns the connection, the temp file and its
 * err buffer until outwriter_finish joins it; the caller only reads them after.
 * A lost connection is reopened (like the wait's).
 * Failure (Redis, disk, corrupt data, abandon): FILE is left as it was. */
#ifndef INGEST_OUTWRITER_H
#define INGEST_OUTWRITER_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "keys.h"

typedef struct outwriter {
    pthread_t th;
    int running;
    redisContext *c;
    char job[KEYS_ID_MAX + 1];
    const char *path, *url;
    char tmp[4096];
    FILE *out;
    atomic_int stop;
    long n, missing;
    char err[512];
} outwriter;

/* Connects to url and starts exporting job into a temp file next to path. */
int outwriter_start(outwriter *w, const char *url, const char *job, const char *path, char *err, int errlen);
/* Waits for the export to end (abandon: stops it first and writes nothing);
 * returns the nodes written to path, or a negative code with a message in err. */
long outwriter_finish(outwriter *w, int abandon, long *missing, char *err, int errlen);

#endif
