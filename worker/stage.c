/* stage.c - helpers shared by the remote stages (see stage.h). */
#include "stage.h"

#include "log.h"

void stage_fail_all(stage_job *job, const char *why)
{
    char q[300];
    log_kv("error", "remote_config_error", "%s class=%s error=%s", job->tag ? job->tag : "", job->tf->class_name,
           log_quote(why, q, sizeof q));
    for (size_t i = 0; i < job->n; i++) job->fail(job->ud, i, why);
    job->done(job->ud, 0);
}
