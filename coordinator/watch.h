/* watch.h - follow a job until it finishes, drawing the live view
 * (view.h) on fd: `ingest-coordinator watch JOB` (stdout, full-screen
 * redraw) and `submit --wait` (stderr, inline).
 *
 * Each round reads the job hash, the workers holding its batches
 * (ingest:workers, ingest:worker:<id>, ingest:processing:<id>) and waits
 * for the job's event stream (ingest:job:<id>:events, XREAD BLOCK) instead
 * of sleeping, so a finished job is noticed at once.  A lost Redis
 * connection is not an error: the view says so and the connection is
 * reopened with backoff (0.25 s doubling to 2 s) until it comes back.
 * *c may be NULL or replaced; on return it is the live connection.
 * Returns 0 with the final state in *out, ERR_NOTFOUND for an unknown job,
 * ERR_INVAL for a bad id (message in err). */
#ifndef INGEST_WATCH_H
#define INGEST_WATCH_H

#include <hiredis/hiredis.h>

#include "jobinfo.h"
#include "view.h"

typedef struct watch_opts {
    int fd;
    view_mode mode;
    double interval_s; /* off a terminal: seconds between plain lines (default 5) */
} watch_opts;

int watch_follow(const char *url, redisContext **c, const char *job, const watch_opts *o,
                 jobinfo *out, char *err, int errlen);

#endif
