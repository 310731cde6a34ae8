/* cmd_jobs.c - `ingest-coordinator jobs [--state S] [--limit N] [--json]`:
 * the most recent jobs, newest first, from the ingest:jobs index (zset by
 * creation time) and each job's hash.  Ids whose hash is gone (deleted
 * jobs) are skipped; at most JOBS_SCAN_MAX index entries are looked at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "jobinfo.h"
#include "keys.h"
#include "rconn.h"
#include "view.h"

#define JOBS_PAGE 100
#define JOBS_SCAN_MAX 100000

static const char *const states[] = {"queued", "running", "done", "failed", "cancelled"};

static void usage(FILE *f)
{
    fprintf(f, "usage: ingest-coordinator jobs [--state S] [--limit N] [--json] [--redis URL]\n"
               "Recent jobs, newest first (default limit 20).  S: queued, running, done,\n"
               "failed or cancelled.  --json prints a JSON array of `status --json` objects.\n");
}

static void print_row(const char *job, const jobinfo *ji, int64_t now)
{
    char when[32] = "-", dur[16];
    time_t t = (time_t)(ji->created_ms / 1000);
    struct tm tm;
    if (ji->created_ms && gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
    view_duration(jobinfo_elapsed(ji, now), dur, sizeof dur);
    char docs[64];
    snprintf(docs, sizeof docs, "%lld/%lld/%lld", (long long)ji->docs_done, (long long)ji->docs_failed,
             (long long)ji->docs_total);
    printf("%-26s %-9s %-20s %9lld  %-20s %9s\n", job, ji->state, docs, (long long)ji->nodes, when, dur);
}

static int valid_state(const char *s)
{
    for (size_t i = 0; i < sizeof states / sizeof *states; i++)
        if (!strcmp(s, states[i])) return 1;
    return 0;
}

/* Walks the index newest first; calls emit for each job that matches, up to limit. */
static int list(redisContext *c, const char *state, long limit, json_t *arr, char *err, int errlen)
{
    long shown = 0;
    int64_t now = jobinfo_now_ms();
    if (!arr) printf("%-26s %-9s %-20s %9s  %-20s %9s\n", "JOB", "STATE", "DONE/FAILED/TOTAL", "NODES", "CREATED", "DURATION");
    for (long start = 0; shown < limit && start < JOBS_SCAN_MAX; start += JOBS_PAGE) {
        redisReply *r = rconn_cmd(c, err, errlen, "ZREVRANGE %s %ld %ld", KEYS_JOBS, start, start + JOBS_PAGE - 1);
        if (!r) return ERR_REDIS;
        size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
        for (size_t i = 0; i < n && shown < limit; i++) {
            const char *job = r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : "";
            jobinfo ji;
            int rc = jobinfo_load(c, job, &ji, err, errlen);
            if (rc == ERR_REDIS) {
                freeReplyObject(r);
                return rc;
            }
            if (rc || (state && strcmp(ji.state, state))) continue;
            if (arr) json_array_append_new(arr, jobinfo_json(job, &ji, now));
            else print_row(job, &ji, now);
            shown++;
        }
        freeReplyObject(r);
        if (n < JOBS_PAGE) break;
    }
    return 0;
}

typedef struct jobs_opts {
    const char *state;
    long limit;
} jobs_opts;

static int on_opt(int ch, const char *arg, void *ud)
{
    jobs_opts *j = ud;
    char *end;
    if (ch == 's' && valid_state(arg)) j->state = arg;
    else if (ch == 'n' && (j->limit = strtol(arg, &end, 10)) > 0 && !*end) return 0;
    else return -1;
    return 0;
}

int cmd_jobs(int argc, char **argv)
{
    static const struct option opts[] = {{"state", required_argument, 0, 's'},
                                         {"limit", required_argument, 0, 'n'},
                                         {0, 0, 0, 0}};
    jobs_opts j = {NULL, 20};
    cli_common o;
    int rc = cli_parse(argc, argv, opts, on_opt, &j, 0, usage, &o);
    if (rc >= 0) return rc;
    redisContext *c = cli_connect("jobs", o.url);
    if (!c) return 1;
    char err[512];
    json_t *arr = o.json ? json_array() : NULL;
    rc = list(c, j.state, j.limit, arr, err, sizeof err);
    redisFree(c);
    if (rc) {
        json_decref(arr);
        fprintf(stderr, "jobs: %s\n", err);
        return 1;
    }
    if (arr) jobinfo_dump(stdout, arr);
    return 0;
}
