/* cmd_watch.c - `ingest-coordinator watch JOB`: the live view of a running
 * job (see watch.h), also used by `submit --wait`.  Reads only documented
 * keys; needs nothing from the machine that submitted the job. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "keys.h"
#include "rconn.h"
#include "rurl.h"
#include "watch.h"

#define WORKERS_SCAN_MAX 10000 /* members of ingest:workers looked at */
#define HELD_MAX 1000          /* refs of one processing list looked at */
#define RATE_WINDOW_MS 10000

typedef struct sample {
    int64_t t, docs, nodes, tokens;
} sample;

typedef struct watcher {
    const char *job;
    char ev_key[KEYS_MAX], last_id[64];
    sample win[64];
    int nwin;
    view_snap s;
} watcher;

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static long long field_ll(const redisReply *e)
{
    return e && e->type == REDIS_REPLY_STRING ? strtoll(e->str, NULL, 10) : -1;
}

/* One worker's contribution: its heartbeat fields and this job's refs it holds. */
static void add_worker(watcher *w, const char *id, const redisReply *hb, const redisReply *held,
                       long long *rl)
{
    size_t plen = strlen(w->job);
    int mine = 0;
    for (size_t i = 0; held->type == REDIS_REPLY_ARRAY && i < held->elements; i++) {
        const redisReply *e = held->element[i];
        mine += e->type == REDIS_REPLY_STRING && e->len > plen && !memcmp(e->str, w->job, plen) &&
                e->str[plen] == ':';
    }
    if (!mine || hb->type != REDIS_REPLY_ARRAY || hb->elements != 3) return;
    long long waits = field_ll(hb->element[2]);
    if (waits >= 0) *rl = (*rl < 0 ? 0 : *rl) + waits;
    if (w->s.nworkers < VIEW_WORKERS_MAX) {
        view_worker *vw = &w->s.w[w->s.nworkers];
        snprintf(vw->id, sizeof vw->id, "%s", id);
        snprintf(vw->host, sizeof vw->host, "%s",
                 hb->element[0]->type == REDIS_REPLY_STRING ? hb->element[0]->str : "?");
        vw->batches = mine;
        vw->http = field_ll(hb->element[1]);
    }
    w->s.nworkers++;
}

static int gather_workers(redisContext *c, watcher *w, char *err, int errlen)
{
    redisReply *m = rconn_cmd(c, err, errlen, "SMEMBERS %s", KEYS_WORKERS);
    if (!m) return ERR_REDIS;
    size_t n = m->type == REDIS_REPLY_ARRAY ? m->elements : 0;
    if (n > WORKERS_SCAN_MAX) n = WORKERS_SCAN_MAX;
    char k[KEYS_MAX];
    for (size_t i = 0; i < n; i++) {
        const char *id = m->element[i]->type == REDIS_REPLY_STRING ? m->element[i]->str : "";
        if (keys_worker(k, id)) snprintf(k, sizeof k, "%s-", KEYS_WORKER_PREFIX);
        redisAppendCommand(c, "HMGET %s host http_inflight ratelimit_waits", k);
        if (keys_processing(k, id)) snprintf(k, sizeof k, "%s-", KEYS_PROCESSING_PREFIX);
        redisAppendCommand(c, "LRANGE %s 0 %d", k, HELD_MAX - 1);
    }
    long long rl = -1;
    int rc = 0;
    w->s.nworkers = 0;
    for (size_t i = 0; i < n; i++) {
        redisReply *hb = NULL, *held = NULL;
        if (redisGetReply(c, (void **)&hb) != REDIS_OK || redisGetReply(c, (void **)&held) != REDIS_OK) {
            snprintf(err, (size_t)errlen, "redis: %s", c->errstr[0] ? c->errstr : "connection lost");
            if (hb) freeReplyObject(hb);
            rc = ERR_REDIS;
            break;
        }
        add_worker(w, m->element[i]->str, hb, held, &rl);
        freeReplyObject(hb);
        freeReplyObject(held);
    }
    w->s.rl_waits = rl;
    freeReplyObject(m);
    return rc;
}

/* Renders one stream entry ([id, [k, v, ...]]) as "type k=v ... (Ns ago)". */
static void take_event(watcher *w, const redisReply *e)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
        return;
    snprintf(w->last_id, sizeof w->last_id, "%s", e->element[0]->str);
    const redisReply *kv = e->element[1];
    char *o = w->s.last_event;
    size_t cap = sizeof w->s.last_event, len = 0;
    o[0] = '\0';
    for (size_t i = 0; kv->type == REDIS_REPLY_ARRAY && i + 1 < kv->elements; i += 2) {
        const redisReply *k = kv->element[i], *v = kv->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
        int first = !strcmp(k->str, "type");
        if (first && !strcmp(v->str, "worker_lost")) w->s.workers_lost++;
        int n = first ? snprintf(o + len, cap - len, "%s%s", len ? " " : "", v->str)
                      : snprintf(o + len, cap - len, " %s=%s", k->str, v->str);
        if (n < 0 || (size_t)n >= cap - len) break;
        len += (size_t)n;
    }
    for (char *p = o; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) *p = '?';
}

static void take_entries(watcher *w, const redisReply *arr)
{
    for (size_t i = 0; arr && arr->type == REDIS_REPLY_ARRAY && i < arr->elements; i++)
        take_event(w, arr->element[i]);
}

/* First connection: the events so far (counts and the latest one). */
static int read_history(redisContext *c, watcher *w, char *err, int errlen)
{
    redisReply *r = rconn_cmd(c, err, errlen, "XRANGE %s %s + COUNT 1000", w->ev_key,
                              w->last_id[0] ? w->last_id : "-");
    if (!r) return ERR_REDIS;
    take_entries(w, r);
    freeReplyObject(r);
    return 0;
}

/* Waits up to ms for new events (this is the watch's sleep). */
static int wait_events(redisContext *c, watcher *w, int ms, char *err, int errlen)
{
    redisReply *r = rconn_cmd(c, err, errlen, "XREAD COUNT 100 BLOCK %d STREAMS %s %s", ms,
                              w->ev_key, w->last_id[0] ? w->last_id : "0-0");
    if (!r) return ERR_REDIS;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements == 2)
        take_entries(w, r->element[0]->element[1]);
    freeReplyObject(r);
    return 0;
}

static void rates(watcher *w)
{
    const jobinfo *j = &w->s.ji;
    sample now = {w->s.now_ms, j->docs_done + j->docs_failed, j->nodes, j->embed_tokens};
    if (w->nwin == (int)(sizeof w->win / sizeof *w->win)) {
        memmove(w->win, w->win + 1, sizeof w->win - sizeof *w->win);
        w->nwin--;
    }
    w->win[w->nwin++] = now;
    int o = 0;
    while (o < w->nwin - 2 && now.t - w->win[o + 1].t >= RATE_WINDOW_MS) o++;
    const sample *a = &w->win[o];
    double dt = (double)(now.t - a->t) / 1000.0;
    int64_t start = j->started_ms ? j->started_ms : j->created_ms;
    if (jobinfo_finished(j) || dt < 2.0) { /* whole-job average */
        sample z = {start, 0, 0, 0};
        a = &z;
        int64_t end = j->finished_ms ? j->finished_ms : now.t;
        dt = (double)(end - start) / 1000.0;
        w->s.nodes_per_s = dt > 0 ? (double)now.nodes / dt : 0;
        w->s.docs_per_s = dt > 0 ? (double)now.docs / dt : 0;
        w->s.tokens_per_min = j->embed_tokens < 0 ? -1 : dt > 0 ? (double)now.tokens * 60 / dt : 0;
        return;
    }
    w->s.nodes_per_s = (double)(now.nodes - a->nodes) / dt;
    w->s.docs_per_s = (double)(now.docs - a->docs) / dt;
    w->s.tokens_per_min = j->embed_tokens < 0 || a->tokens < 0 ? -1 : (double)(now.tokens - a->tokens) * 60 / dt;
}

/* One round on a live connection: read everything, then draw. */
static int round_once(redisContext *c, watcher *w, int first, char *err, int errlen)
{
    int rc = jobinfo_load(c, w->job, &w->s.ji, err, errlen);
    if (!rc && first) rc = read_history(c, w, err, errlen);
    if (!rc) rc = gather_workers(c, w, err, errlen);
    w->s.now_ms = jobinfo_now_ms();
    return rc;
}

int watch_follow(const char *url, redisContext **c, const char *job, const watch_opts *o,
                 jobinfo *out, char *err, int errlen)
{
    static watcher w;
    memset(&w, 0, sizeof w);
    w.job = job;
    w.s.job = job;
    w.s.rl_waits = -1;
    if (keys_job_sub(w.ev_key, job, "events")) {
        snprintf(err, (size_t)errlen, "invalid job id '%s'", job);
        return ERR_INVAL;
    }
    view_out v;
    view_open(&v, o->fd, o->mode);
    double backoff = 0.25, interval = o->interval_s > 0 ? o->interval_s : 5;
    int64_t last_plain = 0;
    int have = *c != NULL, first = 1; /* never connected: an unreachable Redis is an error */
    for (;;) {
        char e[256];
        int rc = rconn_ensure(c, url, e, sizeof e);
        if (!rc) rc = round_once(*c, &w, first, e, sizeof e);
        if (rc == ERR_NOTFOUND || rc == ERR_INVAL || (rc && !have)) {
            view_close(&v);
            snprintf(err, (size_t)errlen, "%s", e);
            return rc;
        }
        if (rc) { /* Redis is away: say so and retry */
            rconn_drop(c);
            snprintf(w.s.note, sizeof w.s.note, "%s; reconnecting in %.2g s", e, backoff);
            w.s.now_ms = jobinfo_now_ms();
            if (have && v.tty) view_draw(&v, &w.s);
            else if (!v.tty) fprintf(stderr, "watch: %s\n", w.s.note);
            sleep_s(backoff);
            backoff = backoff * 2 > 2 ? 2 : backoff * 2;
            continue;
        }
        backoff = 0.25;
        first = 0;
        have = 1;
        w.s.note[0] = '\0';
        rates(&w);
        int fin = jobinfo_finished(&w.s.ji);
        if (v.tty || fin || w.s.now_ms - last_plain >= (int64_t)(interval * 1000)) {
            view_draw(&v, &w.s);
            last_plain = w.s.now_ms;
        }
        if (fin) break;
        if (wait_events(*c, &w, v.tty ? 500 : 1000, e, sizeof e)) rconn_drop(c);
        else sleep_s(v.tty ? 0.1 : 0.02); /* at most ~10 frames (50 plain rounds) a second,
                                            * however many events; plain: the end is seen sooner */
    }
    view_close(&v);
    *out = w.s.ji;
    return 0;
}

static void on_sigint(int sig)
{
    (void)sig;
    static const char restore[] = "\033[?25h\n";
    if (write(1, restore, sizeof restore - 1) < 0) _exit(130);
    _exit(130);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ingest-coordinator watch JOB [--interval S] [--redis URL]\n"
               "Live view of a job until it finishes: progress bar, rates, ETA, failures,\n"
               "rate-limit waits and the workers on the job.  On a terminal it redraws in\n"
               "place; otherwise it prints a line every --interval seconds (default 5).\n"
               "Survives Redis restarts.  exit: 0 done, 3 finished with failures, 2 no such job\n");
}

static int on_opt(int ch, const char *arg, void *ud)
{
    watch_opts *wo = ud;
    return ch == 'i' && (wo->interval_s = atof(arg)) > 0 ? 0 : -1;
}

int cmd_watch(int argc, char **argv)
{
    static const struct option opts[] = {{"interval", required_argument, 0, 'i'}, {0, 0, 0, 0}};
    watch_opts wo = {.fd = 1, .mode = VIEW_HOME, .interval_s = 5};
    cli_common o;
    int rc = cli_parse(argc, argv, opts, on_opt, &wo, 1, usage, &o);
    if (rc >= 0) return rc;
    if (isatty(1)) signal(SIGINT, on_sigint);
    char err[512];
    redisContext *c = NULL;
    jobinfo ji;
    rc = watch_follow(rurl_pick(o.url), &c, argv[optind], &wo, &ji, err, sizeof err);
    rconn_drop(&c);
    if (rc) {
        fprintf(stderr, "watch: %s\n", err);
        return rc == ERR_REDIS ? 1 : EXIT_USAGE;
    }
    return strcmp(ji.state, "done") || ji.docs_failed ? EXIT_DOCS_FAILED : 0;
}
