/* progress.h - wait for a job, drawing a progress bar on stderr.
 * Polls the job hash every 200 ms until the job is finished.  On a terminal
 * the bar redraws in place; otherwise a line is printed every 5 s.
 * Returns 0 with the final state in *ji, or a negative code (message in err). */
#ifndef INGEST_PROGRESS_H
#define INGEST_PROGRESS_H

#include <hiredis/hiredis.h>

#include "jobinfo.h"

int progress_wait(redisContext *c, const char *job, jobinfo *ji, char *err, int errlen);
/* Prints the job's failed documents (id: message) to f; returns how many. */
long progress_print_errors(redisContext *c, const char *job, FILE *f);

#endif
