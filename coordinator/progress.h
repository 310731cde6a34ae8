/* progress.h - what `submit --wait` prints once the job is finished (the
 * live view itself is watch.h). */
#ifndef INGEST_PROGRESS_H
#define INGEST_PROGRESS_H

#include <hiredis/hiredis.h>
#include <stdio.h>

/* Prints the job's failed documents (id: message) to f; returns how many. */
long progress_print_errors(redisContext *c, const char *job, FILE *f);

#endif
