/* jobinfo.c - reading and rendering a job's hash (see jobinfo.h). */
#include "jobinfo.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "keys.h"
#include "rconn.h"

/* Hash field -> jobinfo member; `state` is read separately (first), `sealed` last. */
static const struct {
    const char *name;
    size_t off;
    int optional; /* absent: -1 (unknown) instead of 0 */
} fields[] = {
    {"docs_total", offsetof(jobinfo, docs_total), 0},
    {"docs_done", offsetof(jobinfo, docs_done), 0},
    {"docs_failed", offsetof(jobinfo, docs_failed), 0},
    {"batches_total", offsetof(jobinfo, batches_total), 0},
    {"batches_done", offsetof(jobinfo, batches_done), 0},
    {"batches_dead", offsetof(jobinfo, batches_dead), 0},
    {"nodes", offsetof(jobinfo, nodes), 0},
    {"embed_requests", offsetof(jobinfo, embed_requests), 0},
    {"llm_requests", offsetof(jobinfo, llm_requests), 0},
    {"created_ms", offsetof(jobinfo, created_ms), 0},
    {"started_ms", offsetof(jobinfo, started_ms), 0},
    {"finished_ms", offsetof(jobinfo, finished_ms), 0},
    {"submit_ms", offsetof(jobinfo, submit_ms), 0},
    {"embed_tokens", offsetof(jobinfo, embed_tokens), 1},
    {"cache_hits", offsetof(jobinfo, cache_hits), 1},
    {"cache_misses", offsetof(jobinfo, cache_misses), 1},
};
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
    const char *argv[NFIELDS + 4] = {"HMGET", key, "state"};
    for (size_t i = 0; i < NFIELDS; i++) argv[i + 3] = fields[i].name;
    argv[NFIELDS + 3] = "sealed";
    redisReply *r = rconn_argv(c, err, errlen, (int)NFIELDS + 4, argv, NULL);
    if (!r) return ERR_REDIS;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != NFIELDS + 2 ||
        r->element[0]->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return not_found(c, job, err, errlen);
    }
    snprintf(ji->state, sizeof ji->state, "%s", r->element[0]->str);
    for (size_t i = 0; i < NFIELDS; i++) {
        const redisReply *e = r->element[i + 1];
        int64_t *dst = (int64_t *)((char *)ji + fields[i].off);
        *dst = e->type == REDIS_REPLY_STRING ? strtoll(e->str, NULL, 10) : fields[i].optional ? -1 : 0;
    }
    const redisReply *s = r->element[NFIELDS + 1];
    ji->sealed = s->type == REDIS_REPLY_STRING && s->str[0] == '1';
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

int jobinfo_submitting(const jobinfo *ji) { return !ji->sealed && !jobinfo_finished(ji); }

double jobinfo_submit_idle(const jobinfo *ji, int64_t now_ms)
{
    return ji->submit_ms ? (double)(now_ms - ji->submit_ms) / 1000.0 : jobinfo_elapsed(ji, now_ms);
}

void jobinfo_print(FILE *f, const char *job, const jobinfo *ji, int64_t now_ms)
{
    fprintf(f, "job:            %s\n", job);
    if (jobinfo_submitting(ji))
        fprintf(f, "state:          submitting (last progress of the submitter %.1f s ago)\n",
                jobinfo_submit_idle(ji, now_ms));
    else
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

json_t *jobinfo_json(const char *job, const jobinfo *ji, int64_t now_ms)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I}", "job", job,
        "state", ji->state, "documents_total", (json_int_t)ji->docs_total, "documents_done",
        (json_int_t)ji->docs_done, "documents_failed", (json_int_t)ji->docs_failed,
        "batches_total", (json_int_t)ji->batches_total, "batches_done",
        (json_int_t)ji->batches_done, "batches_dead", (json_int_t)ji->batches_dead, "nodes",
        (json_int_t)ji->nodes, "embedding_requests", (json_int_t)ji->embed_requests,
        "llm_requests", (json_int_t)ji->llm_requests, "elapsed_seconds",
        jobinfo_elapsed(ji, now_ms), "created_ms", (json_int_t)ji->created_ms, "finished_ms",
        (json_int_t)ji->finished_ms);
    if (o && ji->embed_tokens >= 0) json_object_set_new(o, "embedding_tokens", json_integer(ji->embed_tokens));
    if (o && ji->cache_hits >= 0) json_object_set_new(o, "cache_hits", json_integer(ji->cache_hits));
    if (o && ji->cache_misses >= 0) json_object_set_new(o, "cache_misses", json_integer(ji->cache_misses));
    if (o && ji->extra) json_object_update(o, ji->extra);
    if (o && jobinfo_submitting(ji)) {
        json_object_set_new(o, "state", json_string("submitting"));
        json_object_set_new(o, "submitter_idle_seconds", json_real(jobinfo_submit_idle(ji, now_ms)));
    }
    return o;
}

void jobinfo_dump(FILE *f, json_t *v)
{
    if (!v) return;
    json_dumpf(v, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fputc('\n', f);
    json_decref(v);
}

void jobinfo_print_json(FILE *f, const char *job, const jobinfo *ji, int64_t now_ms)
{
    jobinfo_dump(f, jobinfo_json(job, ji, now_ms));
}
