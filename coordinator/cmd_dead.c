/* cmd_dead.c - `ingest-coordinator dead JOB [--json]`: what a job lost.
 * Dead batches are the job's refs on ingest:dead (delivered more than
 * --max-attempts times, or unusable), with their delivery count from
 * ingest:job:<job>:attempts; failed documents come from
 * ingest:job:<job>:errors (HSCAN), each with its last error.  A dead
 * batch's documents are among the failed documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "jobinfo.h"
#include "keys.h"
#include "rconn.h"

#define DEAD_PAGE 1000
#define DEAD_SCAN_MAX 1000000 /* entries of ingest:dead looked at */

static void usage(FILE *f)
{
    fprintf(f, "usage: ingest-coordinator dead JOB [--json] [--redis URL]\n"
               "The job's dead batches (with their delivery attempts) and failed documents\n"
               "(with their last error).  --json prints a JSON array of objects with\n"
               "\"kind\": \"batch\" or \"document\".\n");
}

static int dead_batches(redisContext *c, const char *job, json_t *arr, char *err, int errlen)
{
    char ak[KEYS_MAX];
    keys_job_sub(ak, job, "attempts");
    size_t jl = strlen(job);
    for (long start = 0; start < DEAD_SCAN_MAX; start += DEAD_PAGE) {
        redisReply *r = rconn_cmd(c, err, errlen, "LRANGE %s %ld %ld", KEYS_DEAD, start, start + DEAD_PAGE - 1);
        if (!r) return ERR_REDIS;
        size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
        for (size_t i = 0; i < n; i++) {
            const redisReply *e = r->element[i];
            char j[KEYS_ID_MAX + 1];
            uint32_t seq;
            if (e->type != REDIS_REPLY_STRING || e->len <= jl || keys_parse_ref(e->str, e->len, j, &seq) ||
                strcmp(j, job))
                continue;
            redisReply *a = rconn_cmd(c, err, errlen, "HGET %s %u", ak, seq);
            if (!a) {
                freeReplyObject(r);
                return ERR_REDIS;
            }
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i, s:I}", "job", job, "kind", "batch", "ref",
                                                 e->str, "seq", (int)seq, "attempts",
                                                 (json_int_t)(a->type == REDIS_REPLY_STRING ? atoll(a->str) : 0)));
            freeReplyObject(a);
        }
        freeReplyObject(r);
        if (n < DEAD_PAGE) break;
    }
    return 0;
}

static int failed_docs(redisContext *c, const char *job, json_t *arr, char *err, int errlen)
{
    char ek[KEYS_MAX], cursor[32] = "0";
    keys_job_sub(ek, job, "errors");
    do {
        redisReply *r = rconn_cmd(c, err, errlen, "HSCAN %s %s COUNT 500", ek, cursor);
        if (!r) return ERR_REDIS;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING) {
            freeReplyObject(r);
            snprintf(err, (size_t)errlen, "redis: unexpected HSCAN reply");
            return ERR_REDIS;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        const redisReply *kv = r->element[1];
        for (size_t i = 0; kv->type == REDIS_REPLY_ARRAY && i + 1 < kv->elements; i += 2)
            if (kv->element[i]->type == REDIS_REPLY_STRING && kv->element[i + 1]->type == REDIS_REPLY_STRING)
                json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "job", job, "kind", "document",
                                                     "document", kv->element[i]->str, "error",
                                                     kv->element[i + 1]->str));
        freeReplyObject(r);
    } while (strcmp(cursor, "0"));
    return 0;
}

static void print_text(const char *job, json_t *arr)
{
    size_t i, nb = 0, nd = 0;
    json_t *o;
    json_array_foreach(arr, i, o) {
        if (!strcmp(json_string_value(json_object_get(o, "kind")), "batch")) {
            nb++;
            printf("dead batch %s (%lld deliveries)\n", json_string_value(json_object_get(o, "ref")),
                   (long long)json_integer_value(json_object_get(o, "attempts")));
        } else {
            nd++;
            printf("failed document %s: %s\n", json_string_value(json_object_get(o, "document")),
                   json_string_value(json_object_get(o, "error")));
        }
    }
    printf("job %s: %zu dead batches, %zu failed documents\n", job, nb, nd);
}

int cmd_dead(int argc, char **argv)
{
    cli_common o;
    int rc = cli_parse(argc, argv, NULL, NULL, NULL, 1, usage, &o);
    if (rc >= 0) return rc;
    const char *job = argv[optind];
    char err[512];
    redisContext *c = cli_connect("dead", o.url);
    if (!c) return 1;
    jobinfo ji;
    rc = jobinfo_load(c, job, &ji, err, sizeof err);
    json_t *arr = json_array();
    if (!rc) rc = dead_batches(c, job, arr, err, sizeof err);
    if (!rc) rc = failed_docs(c, job, arr, err, sizeof err);
    redisFree(c);
    if (rc) {
        json_decref(arr);
        fprintf(stderr, "dead: %s\n", err);
        return rc == ERR_NOTFOUND || rc == ERR_INVAL ? EXIT_USAGE : 1;
    }
    if (o.json) jobinfo_dump(stdout, arr);
    else {
        print_text(job, arr);
        json_decref(arr);
    }
    return 0;
}
