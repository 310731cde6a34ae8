/* resume.h - `submit --resume JOB PATH...`: continue an interrupted submission.
 *
 * The job hash records the submitted roots, the walk/batch options (`walk`,
 * JSON) and, atomically with each pushed batch, batches_total (the next seq)
 * and docs_total (files submitted so far, in walk order).  Resuming takes the
 * submitter lease over (the old process, if alive, is refused from then on),
 * restores the options, and continues with file docs_total and seq
 * batches_total: no document is sent twice.  Returns 0, ERR_NOTFOUND (no such
 * job), ERR_INVAL (different PATHs) or ERR_STATE (finished, cancelled or
 * already fully submitted), with a message in err. */
#ifndef INGEST_RESUME_H
#define INGEST_RESUME_H

#include <hiredis/hiredis.h>
#include <stdint.h>

#include "submit.h"

typedef struct resume_point {
    uint32_t next_seq;
    uint64_t files_done;
    char *exts;   /* owns o->exts after a resume */
} resume_point;

/* The walk/batch options as recorded in the job hash (caller frees). */
char *resume_opts_json(const submit_opts *o);
int resume_load(redisContext *c, const char *job, const char *token, char *const *paths, int npaths,
                submit_opts *o, resume_point *rp, char *err, int errlen);
void resume_point_free(resume_point *rp);

#endif
