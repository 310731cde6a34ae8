/* remote.c - PLACEHOLDER for remote-model transformations (issue 5):
 * every remote class fails the whole job with ERR_UNSUPPORTED at start. */
#include <stdlib.h>

#include "err.h"
#include "stage.h"

struct remote_ctx {
    int unused;
};

remote_ctx *remote_new(struct ev_loop *loop, struct redisAsyncContext *redis, const char *worker_id)
{
    (void)loop, (void)redis, (void)worker_id;
    return calloc(1, sizeof(remote_ctx));
}

int remote_start(remote_ctx *r, stage_job *job)
{
    (void)r;
    for (size_t i = 0; i < job->n; i++)
        job->fail(job->ud, i, "remote transformations are not implemented yet");
    job->done(job->ud, 0);
    return 0;
}

void remote_cancel_all(remote_ctx *r) { (void)r; }
size_t remote_in_flight(const remote_ctx *r) { (void)r; return 0; }
void remote_free(remote_ctx *r) { free(r); }
