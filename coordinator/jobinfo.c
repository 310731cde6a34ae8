/* jobinfo.c - reading and rendering a job's hash (see jobinfo.h). */
#include "jobinfo.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "keys.h"
#include "rconn.h"

static const char *const fields[] = {
    "state", "docs_total", "docs_done", "docs_failed", "batches_total", "batches_done",
    "batches_dead", "nodes", "embed_requests", "llm_requests", "created_ms", "started_ms",
    "finished_ms", "sealed"};
#define NFIELDS (sizeof fields / sizeof *fields)

int64_t jobinfo_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* No job hash: either never submitted, or lost - workers record in
 * ingest:lost the jobs whose keys vanished while they held their batches. */
static int not_found(redisContext *c, const char *job, char *err, int errlen)
{
    redisReply *r = rconn_cmd(c, err, errlen, "ZSCORE %s %s", KEYS_LOST, job);
    if (!r) return ERR_REDIS;
    int lost = r->type == REDIS_REPLY_STRING;
    freeReplyObject(r);
    if (lost) {
        snprintf(err, (size_t)errlen, "job '%s' is lost: its keys vanished from Redis (restarted "
                 "without persistence, or evicted) while it ran; submit it again", job);
        return ERR_STATE;
    }
    snprintf(err, (size_t)errlen, "no such job '%s' (or lost with Redis' data)", job);
    return ERR_NOTFOUND;
}

int jobinfo_load(redisContext *c, const char *job, jobinfo *ji, char *err, int errlen)
{
    char key[KEYS_MAX];
    memset(ji, 0, sizeof *ji);
    if (keys_job(key, job)) {
        snprintf(err, (size_t)errlen, "invalid job id '%s'", job);
        return ERR_INVAL;
    }
    const char *argv[NFIELDS + 2] = {"HMGET", key};
    for (size_t i = 0; i < NFIELDS; i++) argv[i + 2] = fields[i];
    redisReply *r = rconn_argv(c, err, errlen, (int)NFIELDS + 2, argv, NULL);
    if (!r) return ERR_REDIS;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != NFIELDS || r->element[0]->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return not_found(c, job, err, errlen);
    }
    snprintf(ji->state, sizeof ji->state, "%s", r->element[0]->str);
    int64_t *dst[] = {&ji->docs_total, &ji->docs_done, &ji->docs_failed, &ji->batches_total,
                      &ji->batches_done, &ji->batches_dead, &ji->nodes, &ji->embed_requests,
                      &ji->llm_requests, &ji->created_ms, &ji->started_ms, &ji->finished_ms};
    for (size_t i = 1; i < NFIELDS - 1; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING) *dst[i - 1] = strtoll(r->element[i]->str, NULL, 10);
    ji->sealed = r->element[NFIELDS - 1]->type == REDIS_REPLY_STRING && r->element[NFIELDS - 1]->str[0] == '1';
    freeReplyObject(r);
    return 0;
}

int jobinfo_finished(const jobinfo *ji)
{
    return !strcmp(ji->state, "done") || !strcmp(ji->state, "failed") ||
           !strcmp(ji->state, "cancelled");
}

double jobinfo_elapsed(const jobinfo *ji, int64_t now_ms)
{
    int64_t end = ji->finished_ms ? ji->finished_ms : now_ms;
    return ji->created_ms ? (double)(end - ji->created_ms) / 1000.0 : 0.0;
}

void jobinfo_print(FILE *f, const char *job, const jobinfo *ji, int64_t now_ms)
{
    fprintf(f, "job:            %s\n", job);
    fprintf(f, "state:          %s\n", ji->state);
    fprintf(f, "documents:      %lld total, %lld done, %lld failed\n", (long long)ji->docs_total,
            (long long)ji->docs_done, (long long)ji->docs_failed);
    fprintf(f, "batches:        %lld total, %lld done, %lld dead\n", (long long)ji->batches_total,
            (long long)ji->batches_done, (long long)ji->batches_dead);
    fprintf(f, "nodes:          %lld\n", (long long)ji->nodes);
    fprintf(f, "embed requests: %lld\n", (long long)ji->embed_requests);
    fprintf(f, "llm requests:   %lld\n", (long long)ji->llm_requests);
    fprintf(f, "elapsed:        %.3f s\n", jobinfo_elapsed(ji, now_ms));
}

void jobinfo_print_json(FILE *f, const char *job, const jobinfo *ji, int64_t now_ms)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "job", job, "state",
        ji->state, "documents_total", (json_int_t)ji->docs_total, "documents_done",
        (json_int_t)ji->docs_done, "documents_failed", (json_int_t)ji->docs_failed,
        "batches_total", (json_int_t)ji->batches_total, "batches_done",
        (json_int_t)ji->batches_done, "batches_dead", (json_int_t)ji->batches_dead, "nodes",
        (json_int_t)ji->nodes, "embedding_requests", (json_int_t)ji->embed_requests,
        "llm_requests", (json_int_t)ji->llm_requests, "elapsed_seconds",
        jobinfo_elapsed(ji, now_ms));
    if (!o) return;
    json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fputc('\n', f);
    json_decref(o);
}
