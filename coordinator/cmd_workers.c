/* cmd_workers.c - `ingest-coordinator workers [--json]`: every registered
 * worker (ingest:workers) with its heartbeat hash (ingest:worker:<id>) and
 * the batches it holds (LLEN ingest:processing:<id>), then the workers that
 * died recently (ingest:workers:dead, written by the reaper when it
 * requeues a dead worker's batches).  A registered id without a heartbeat
 * has expired and is shown as "expired" until a reaper requeues it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "jobinfo.h"
#include "keys.h"
#include "rconn.h"
#include "view.h"

#define WORKERS_MAX 10000
#define DEAD_SHOWN 20

/* Heartbeat fields shown, in order: hash field, JSON name, 1 = integer. */
static const struct {
    const char *field, *json;
    int integer;
} hb_fields[] = {
    {"host", "host", 0},          {"pid", "pid", 1},
    {"version", "version", 0},    {"started_ms", "started_ms", 1},
    {"last_ms", "heartbeat_ms", 1}, {"threads", "threads", 1},
    {"inflight", "batches_in_flight", 1}, {"http_inflight", "http_in_flight", 1},
    {"batches", "batches_done", 1}, {"docs", "documents_done", 1},
    {"failed_docs", "documents_failed", 1}, {"nodes", "nodes_done", 1},
    {"errors", "errors", 1},      {"batch", "last_batch", 0},
};
#define NHB (sizeof hb_fields / sizeof *hb_fields)

static void usage(FILE *f)
{
    fprintf(f, "usage: ingest-coordinator workers [--json] [--redis URL]\n"
               "Live workers (id, host, pid, version, uptime, threads, batches and HTTP\n"
               "requests in flight, batches/documents/nodes done, errors, heartbeat age) and\n"
               "workers that died recently.  --json prints a JSON array of objects.\n");
}

static const char *str_or(const redisReply *e, const char *dflt)
{
    return e && e->type == REDIS_REPLY_STRING ? e->str : dflt;
}

static json_t *worker_json(const char *id, const redisReply *hb, long long held, int64_t now)
{
    int live = hb->type == REDIS_REPLY_ARRAY && hb->element[0]->type == REDIS_REPLY_STRING;
    json_t *o = json_pack("{s:s, s:s}", "id", id, "state", live ? "live" : "expired");
    for (size_t i = 0; o && i < NHB; i++) {
        const redisReply *e = live ? hb->element[i] : NULL;
        json_t *v = !e || e->type != REDIS_REPLY_STRING ? json_null()
                    : hb_fields[i].integer ? json_integer(strtoll(e->str, NULL, 10))
                                           : json_string(e->str);
        json_object_set_new(o, hb_fields[i].json, v ? v : json_null());
    }
    if (!o) return NULL;
    json_int_t st = json_integer_value(json_object_get(o, "started_ms"));
    json_int_t last = json_integer_value(json_object_get(o, "heartbeat_ms"));
    json_object_set_new(o, "uptime_seconds", live && st ? json_real((double)(now - st) / 1000) : json_null());
    json_object_set_new(o, "heartbeat_age_seconds", live && last ? json_real((double)(now - last) / 1000) : json_null());
    json_object_set_new(o, "batches_held", json_integer(held));
    return o;
}

static const char *jstr(json_t *o, const char *k, char *buf, size_t cap)
{
    json_t *v = json_object_get(o, k);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) view_duration(json_real_value(v), buf, (int)cap);
    else snprintf(buf, cap, "-");
    return buf;
}

static void print_table(json_t *arr, size_t nlive)
{
    if (nlive) printf("%-28s %-7s %-16s %7s %-8s %8s %3s %5s %4s %-18s %4s %6s\n", "ID", "STATE", "HOST", "PID",
           "VERSION", "UPTIME", "THR", "BATCH", "HTTP", "DONE(b/docs/nodes)", "ERR", "HB");
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        char b[14][48], done[64];
        if (!strcmp(json_string_value(json_object_get(o, "state")), "dead")) continue;
        snprintf(done, sizeof done, "%s/%s/%s", jstr(o, "batches_done", b[0], 48),
                 jstr(o, "documents_done", b[1], 48), jstr(o, "nodes_done", b[2], 48));
        printf("%-28s %-7s %-16.16s %7s %-8s %8s %3s %5s %4s %-18s %4s %6s\n",
               jstr(o, "id", b[3], 48), jstr(o, "state", b[4], 48), jstr(o, "host", b[5], 48),
               jstr(o, "pid", b[6], 48), jstr(o, "version", b[7], 48), jstr(o, "uptime_seconds", b[8], 48),
               jstr(o, "threads", b[9], 48), jstr(o, "batches_in_flight", b[10], 48),
               jstr(o, "http_in_flight", b[11], 48), done, jstr(o, "errors", b[12], 48),
               jstr(o, "heartbeat_age_seconds", b[13], 48));
    }
    int any = 0;
    json_array_foreach(arr, i, o) {
        if (strcmp(json_string_value(json_object_get(o, "state")), "dead")) continue;
        char ago[16];
        view_duration(json_real_value(json_object_get(o, "died_seconds_ago")), ago, sizeof ago);
        if (!any++) printf("recently died (heartbeat expired, batches requeued):\n");
        printf("  %-28s %s ago, %lld batches requeued\n", json_string_value(json_object_get(o, "id")), ago,
               (long long)json_integer_value(json_object_get(o, "requeued")));
    }
}

static int live_workers(redisContext *c, json_t *arr, int64_t now, char *err, int errlen)
{
    redisReply *m = rconn_cmd(c, err, errlen, "SMEMBERS %s", KEYS_WORKERS);
    if (!m) return ERR_REDIS;
    int rc = 0;
    for (size_t i = 0; !rc && m->type == REDIS_REPLY_ARRAY && i < m->elements && i < WORKERS_MAX; i++) {
        const char *id = str_or(m->element[i], "");
        char hk[KEYS_MAX], pk[KEYS_MAX];
        if (keys_worker(hk, id) || keys_processing(pk, id)) continue;
        const char *av[NHB + 2] = {"HMGET", hk};
        for (size_t k = 0; k < NHB; k++) av[k + 2] = hb_fields[k].field;
        redisReply *hb = rconn_argv(c, err, errlen, (int)NHB + 2, av, NULL);
        redisReply *ln = hb ? rconn_cmd(c, err, errlen, "LLEN %s", pk) : NULL;
        if (!hb || !ln) rc = ERR_REDIS;
        else json_array_append_new(arr, worker_json(id, hb, ln->integer, now));
        if (hb) freeReplyObject(hb);
        if (ln) freeReplyObject(ln);
    }
    freeReplyObject(m);
    return rc;
}

static int dead_workers(redisContext *c, json_t *arr, int64_t now, char *err, int errlen)
{
    redisReply *r = rconn_cmd(c, err, errlen, "LRANGE %s 0 %d", KEYS_WORKERS_DEAD, DEAD_SHOWN - 1);
    if (!r) return ERR_REDIS;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        json_t *d = json_loads(str_or(r->element[i], ""), 0, NULL);
        const char *id = json_string_value(json_object_get(d, "id"));
        if (id) {
            json_int_t ms = json_integer_value(json_object_get(d, "ms"));
            json_array_append_new(arr, json_pack("{s:s, s:s, s:n, s:n, s:I, s:f, s:I}", "id", id, "state", "dead",
                                                 "host", "version", "died_ms", ms, "died_seconds_ago",
                                                 (double)(now - ms) / 1000, "requeued",
                                                 json_integer_value(json_object_get(d, "requeued"))));
        }
        json_decref(d);
    }
    freeReplyObject(r);
    return 0;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "id")),
                  json_string_value(json_object_get(*(json_t *const *)b, "id")));
}

int cmd_workers(int argc, char **argv)
{
    cli_common o;
    int rc = cli_parse(argc, argv, NULL, NULL, NULL, 0, usage, &o);
    if (rc >= 0) return rc;
    char err[512];
    redisContext *c = cli_connect("workers", o.url);
    if (!c) return 1;
    int64_t now = jobinfo_now_ms();
    json_t *live = json_array(), *all = json_array();
    rc = live_workers(c, live, now, err, sizeof err);
    if (!rc) rc = dead_workers(c, all, now, err, sizeof err);
    redisFree(c);
    if (rc) {
        json_decref(live), json_decref(all);
        fprintf(stderr, "workers: %s\n", err);
        return 1;
    }
    size_t n = json_array_size(live);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++) v[i] = json_incref(json_array_get(live, i));
    if (v) qsort(v, n, sizeof *v, by_id);
    for (size_t i = 0; v && i < n; i++) json_array_insert_new(all, i, v[i]);
    free(v);
    json_decref(live);
    if (o.json) jobinfo_dump(stdout, all);
    else {
        if (!n) printf("no live workers\n");
        print_table(all, n);
        json_decref(all);
    }
    return 0;
}
