/* worker.c - the worker daemon's event loop glue (see worker.h).
 *
 * Threads: this file runs on the loop thread only.  The loop does I/O -
 * both Redis connections, curl multi (remote stages), timers, signals -
 * and hands every batch's CPU stages to the pool (pool.h, pipeline.h).
 * The loop is ev_loop_new(), not libev's default loop: the default loop
 * reaps every child with waitpid(-1) on SIGCHLD, which would steal the PDF
 * reader's sandbox child from the pool thread that waits for it.
 *
 * Admission: a batch is popped only when the pool's queue is short - at
 * most one job waiting beyond one per thread (jobs queued + running +
 * batches being claimed <= threads), so a thread finds the next batch
 * claimed when it frees up instead of waiting two Redis round trips - and
 * fewer than --concurrency batches are in flight: a busy worker does not
 * hoard batches other workers could take.  Heartbeats run on a loop timer, so
 * they are on time whatever the CPU load.
 *
 * Ownership: the worker owns both Redis contexts, the stage context, the
 * pool and every in-flight batch (struct flight).  Each Redis callback fires
 * exactly once (hiredis guarantees it, with a NULL reply on disconnect), and
 * every flight ends in exactly one of: ack, requeue, drop. */
#include "worker.h"

#include <ev.h>
#include <hiredis/async.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "opscheck.h"
#include "pipeline.h"
#include "rasync.h"
#include "pool.h"
#include "rurl.h"
#include "scripts.h"
#include "sink.h"
#include "stage.h"
#include "wire.h"

typedef struct worker {
    struct ev_loop *loop;
    redisAsyncContext *cmd, *pop;
    worker_opts o;
    char id[KEYS_ID_MAX + 1];
    char proc_key[KEYS_MAX], hb_key[KEYS_MAX];
    char current[KEYS_MAX];
    int inflight, popping, stopping, shutting_down, started;
    int claiming;          /* batches popped whose claim has not answered yet */
    int lost;              /* the Redis connection broke: reconnect */
    rurl url;
    ev_timer retry_timer;  /* backoff between reconnection attempts */
    long long started_ms;
    unsigned long long batches, docs, nodes, failed_docs;
    ev_timer hb_timer, grace_timer;
    ev_signal sig_int, sig_term;
    stage_ctx *stages;
    cache_ctx *cache;
    pool_t *pool;
    sink_ctx *sink;        /* vector-store writes (on the pool) */
    mhttp *metrics;        /* --metrics-listen, or NULL */
    atomic_int abandon;    /* grace expired: CPU stages stop early */
    pl_env env;
} worker;

typedef struct flight {
    worker *w;
    char ref[KEYS_MAX];
    char job[KEYS_ID_MAX + 1];
    uint32_t seq;
    pl_batch *pl;
    int claiming;
    int dead;             /* past --max-attempts: only its files' failures are recorded */
    char tag[KEYS_MAX + KEYS_ID_MAX * 2 + 24]; /* "worker=... job=... ref=..." for logs */
    long long attempts;  /* deliveries so far, this one included */
    char *spec;          /* the job spec, kept when it names a vector store */
    pl_result *res;      /* while the sink writes it */
    sink_op *sink;
    int sunk;            /* written to the vector store: ack without output */
    ev_timer retry;      /* backoff before requeueing after a sink failure */
} flight;

static void pop_next(worker *w);
static void maybe_shutdown(worker *w);

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int reply_ok(worker *w, redisReply *r, const char *what)
{
    if (r && r->type != REDIS_REPLY_ERROR) return 1;
    char q[300];
    log_kv("error", "redis_error", "worker=%s op=%s msg=%s", w->id, what,
           log_quote(r ? r->str : "connection lost", q, sizeof q));
    return 0;
}

static void flight_end(flight *f)
{
    worker *w = f->w;
    pl_free(f->pl);
    free(f->spec);
    sink_op_free(f->sink);
    ev_timer_stop(w->loop, &f->retry);
    if (f->claiming) w->claiming--;
    free(f);
    w->inflight--;
    pop_next(w);
    maybe_shutdown(w);
}

static void on_ack(redisAsyncContext *c, void *r, void *priv)
{
    (void)c;
    flight *f = priv;
    reply_ok(f->w, r, "ack");
    flight_end(f);
}

/* Removes the ref from our processing list and puts it back at the queue head. */
static void requeue(worker *w, const char *ref, flight *f)
{
    if (!w->cmd) { /* disconnected: the reclaim after reconnecting hands it back */
        if (f) flight_end(f);
        return;
    }
    redisAsyncCommand(w->cmd, f ? on_ack : NULL, f, "EVAL %s 2 %s %s %s", SCRIPT_REQUEUE,
                      w->proc_key, KEYS_QUEUE, ref);
}

/* Job-hash counters beyond the fixed ones: cache hits and misses per
 * transformation ("cache_hits:<i>", "cache_misses:<i>") and the docstore's
 * document counts, nonzero only. */
static size_t ack_counters(const pl_result *res, char (*names)[32], char (*vals)[24])
{
    static const char *const names2[2][3] = {
        {"docstore_new", "docstore_changed", "docstore_unchanged"},
        {"cache_hits", "cache_misses", ""}}; /* the totals `status` shows */
    uint64_t th = 0, tm = 0;
    for (size_t i = 0; i < SPEC_MAX_TF; i++) th += res->cache[i].hits, tm += res->cache[i].misses;
    size_t n = 0;
    for (size_t i = 0; i < SPEC_MAX_TF + 2; i++) {
        const uint64_t v[3] = {i < SPEC_MAX_TF ? res->cache[i].hits : i == SPEC_MAX_TF ? res->ds_count[0] : th,
                               i < SPEC_MAX_TF ? res->cache[i].misses : i == SPEC_MAX_TF ? res->ds_count[1] : tm,
                               i == SPEC_MAX_TF ? res->ds_count[2] : 0};
        for (int k = 0; k < 3; k++) {
            if (!v[k]) continue;
            if (i < SPEC_MAX_TF) snprintf(names[n], 32, "%s:%zu", k ? "cache_misses" : "cache_hits", i);
            else snprintf(names[n], 32, "%s", names2[i - SPEC_MAX_TF][k]);
            snprintf(vals[n++], 24, "%llu", (unsigned long long)v[k]);
        }
    }
    return n;
}

typedef struct argvb {
    const char **v;
    size_t *l, n, cap;
} argvb;

static void arg(argvb *a, const char *s, size_t len)
{
    if (a->n < a->cap) a->v[a->n] = s, a->l[a->n++] = len;
}

static void arg_s(argvb *a, const char *s) { arg(a, s, strlen(s)); }

/* Sends the ack script: output + counters + docstore records + errors, atomically. */
static void send_ack(flight *f, pl_result *res, int dead)
{
    worker *w = f->w;
    char k[13][KEYS_MAX], seq[16], n[8][24], mode[2] = {res->ds_mode ? res->ds_mode : '-', 0};
    static char cn[2 * SPEC_MAX_TF + 5][32], cv[2 * SPEC_MAX_TF + 5][24];
    if (!w->cmd) { /* disconnected: the reclaim after reconnecting hands it back */
        flight_end(f);
        return;
    }
    keys_job(k[0], f->job);
    keys_job_sub(k[1], f->job, "done");
    keys_out(k[2], f->job, f->seq);
    keys_job_sub(k[3], f->job, "errors");
    snprintf(k[4], KEYS_MAX, "%s", w->proc_key);
    snprintf(k[5], KEYS_MAX, "%s", KEYS_DEAD);
    keys_batch(k[6], f->job, f->seq);
    keys_job_sub(k[7], f->job, "events");
    keys_job_sub(k[8], f->job, "retry");
    int nkeys = res->ds_mode && !keys_docstore_all(k + 9, res->ds_coll, f->job) ? 13 : 9;
    if (nkeys == 9) mode[0] = '-';
    size_t nrec = mode[0] == '-' ? 0 : res->ds_ids.n;
    snprintf(seq, sizeof seq, "%u", f->seq);
    snprintf(n[0], 24, "%zu", res->docs - res->docs_failed);
    snprintf(n[1], 24, "%zu", res->docs_failed);
    snprintf(n[2], 24, "%zu", res->nodes);
    snprintf(n[3], 24, "%llu", (unsigned long long)res->stats.embed_requests);
    snprintf(n[4], 24, "%llu", (unsigned long long)res->stats.llm_requests);
    snprintf(n[5], 24, "%llu", (unsigned long long)res->stats.tokens);
    size_t nc = ack_counters(res, cn, cv);
    snprintf(n[6], 24, "%zu", nc);
    snprintf(n[7], 24, "%zu", nrec);
    argvb a = {.cap = 3 + 13 + 13 + 2 * nc + 2 * nrec + 2 * res->err_ids.n};
    a.v = calloc(a.cap, sizeof *a.v);
    a.l = calloc(a.cap, sizeof *a.l);
    if (!a.v || !a.l) {
        free(a.v), free(a.l);
        log_kv("error", "ack_failed", "%s msg=\"out of memory\"", f->tag);
        flight_end(f);
        return;
    }
    arg_s(&a, "EVAL"), arg_s(&a, SCRIPT_ACK), arg_s(&a, nkeys == 13 ? "13" : "9");
    for (int i = 0; i < nkeys; i++) arg_s(&a, k[i]);
    arg_s(&a, f->ref), arg_s(&a, seq);
    int bare = dead || f->sunk; /* no output stored in Redis */
    arg(&a, bare || !res->out.p ? "" : res->out.p, bare ? 0 : res->out.len);
    arg_s(&a, dead ? "1" : f->sunk ? "s" : "0");
    for (int i = 0; i < 7; i++) arg_s(&a, n[i]);
    for (size_t i = 0; i < nc; i++) arg_s(&a, cn[i]), arg_s(&a, cv[i]);
    arg_s(&a, mode), arg_s(&a, n[7]);
    for (size_t i = 0; i < nrec; i++) arg_s(&a, res->ds_ids.v[i]), arg_s(&a, res->ds_hashes.v[i]);
    for (size_t i = 0; i < res->err_ids.n; i++) arg_s(&a, res->err_ids.v[i]), arg_s(&a, res->err_msgs.v[i]);
    redisAsyncCommandArgv(w->cmd, on_ack, f, (int)a.n, a.v, a.l);
    free(a.v);
    free(a.l);
    buf_free(&res->out); /* hiredis holds its own copy in the output buffer */
}

static void on_retry_sink(struct ev_loop *loop, ev_timer *t, int ev)
{
    (void)loop, (void)ev;
    flight *f = t->data;
    requeue(f->w, f->ref, f);
}

/* The batch's rows are not in the store: retry later, or give up with the
 * database's message on every document that had nodes. */
static void sink_failed(flight *f, pl_result *res, int rc, const char *msg, const strv_t *ids)
{
    worker *w = f->w;
    char q[600];
    int last = rc == ERR_INVAL || f->attempts >= w->o.max_attempts;
    log_kv(last ? "error" : "warn", "sink_failed", "%s attempt=%lld code=%d final=%d msg=%s", f->tag,
           f->attempts, rc, last, log_quote(msg, q, sizeof q));
    if (!last) {
        double delay = 0.5 * (double)(1LL << (f->attempts < 5 ? f->attempts - 1 : 4));
        ev_timer_init(&f->retry, on_retry_sink, delay, 0.);
        f->retry.data = f;
        ev_timer_start(w->loop, &f->retry);
        return;
    }
    char m[700];
    snprintf(m, sizeof m, "%s (attempt %lld of %d)", msg, f->attempts, w->o.max_attempts);
    for (size_t i = 0; i < ids->n; i++)
        if (!strv_push(&res->err_ids, ids->v[i]) && !strv_push(&res->err_msgs, m)) res->docs_failed++;
    res->nodes = 0;
    send_ack(f, res, 1);
}

static void on_sink_done(sink_op *op, int rc, const char *msg, const strv_t *ids, void *ud)
{
    flight *f = ud;
    (void)op;
    if (rc < 0) return sink_failed(f, f->res, rc, msg, ids);
    f->sunk = rc == 0;
    send_ack(f, f->res, 0);
}

static void on_batch_done(pl_batch *b, pl_result *res, void *ud)
{
    flight *f = ud;
    worker *w = f->w;
    char q[300];
    if (res->err == ERR_CANCELLED) { /* abandoned unfinished: another delivery redoes it */
        log_kv("info", "batch_requeued", "%s msg=%s", f->tag,
               log_quote(res->msg, q, sizeof q));
        mx_inc(MX_BATCHES, MX_OUT_REQUEUED, 0);
        requeue(w, f->ref, f);
        return;
    }
    if (res->err) {
        log_kv("error", "batch_dead", "%s code=%d msg=%s", f->tag, res->err,
               log_quote(res->msg, q, sizeof q));
        res->docs_failed = res->docs;
    } else if (f->dead) {
        log_kv("error", "batch_dead", "%s attempts=%lld", f->tag, f->attempts);
    }
    w->batches++;
    w->docs += res->docs;
    w->failed_docs += res->docs_failed;
    w->nodes += res->nodes;
    mx_inc(MX_BATCHES, res->err || f->dead ? MX_OUT_DEAD : res->docs_failed ? MX_OUT_FAILED : MX_OUT_DONE, 0);
    mx_add(MX_DOCUMENTS, MX_DOC_OK, 0, (long long)(res->docs - res->docs_failed));
    mx_add(MX_DOCUMENTS, MX_DOC_FAILED, 0, (long long)res->docs_failed);
    mx_add(MX_NODES, 0, 0, (long long)res->nodes);
    log_kv("info", "batch_done", "%s docs=%zu failed=%zu nodes=%zu embed_requests=%llu",
           f->tag, res->docs, res->docs_failed, res->nodes,
           (unsigned long long)res->stats.embed_requests);
    (void)b;
    if (!res->err && !f->dead && f->spec) { /* into the vector store first; the ack says it is there */
        f->res = res;
        int rc = sink_start(w->sink, f->spec, strlen(f->spec), &res->out, on_sink_done, f, &f->sink);
        if (!rc) return;
        return sink_failed(f, res, rc, "vector store: cannot queue the write", &(strv_t){0});
    }
    send_ack(f, res, res->err != 0 || f->dead);
}

static void drop(flight *f, const char *why)
{
    if (!f->w->cmd) {
        flight_end(f);
        return;
    }
    log_kv("warn", "batch_dropped", "%s reason=%s", f->tag, why);
    mx_inc(MX_BATCHES, MX_OUT_DROPPED, 0);
    redisAsyncCommand(f->w->cmd, on_ack, f, "LREM %s -1 %s", f->w->proc_key, f->ref);
}

static void on_claim(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    flight *f = priv;
    worker *w = f->w;
    redisReply *r = rv;
    f->claiming = 0;
    w->claiming--;
    if (!reply_ok(w, r, "claim")) {
        flight_end(f);
        return;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) return drop(f, "bad_claim_reply");
    redisReply *st = r->element[0], *payload = r->element[1], *spec = r->element[2];
    long long attempts = r->element[3]->integer;
    if (st->type != REDIS_REPLY_STRING) return drop(f, "job_gone");
    if (!strcmp(st->str, "cancelled")) return drop(f, "job_cancelled");
    if (payload->type != REDIS_REPLY_STRING) return drop(f, "already_done");
    f->attempts = attempts;
    if (spec->type == REDIS_REPLY_STRING && sink_wants(spec->str) && !(f->spec = strdup(spec->str)))
        return drop(f, "out_of_memory");
    int has_spec = spec->type == REDIS_REPLY_STRING;
    f->pl = pl_new(&w->env, f->tag, payload->str, payload->len, has_spec ? spec->str : "",
                   has_spec ? spec->len : 0, on_batch_done, f);
    if (!f->pl) return drop(f, "out_of_memory");
    snprintf(w->current, sizeof w->current, "%s", f->ref);
    /* both hand the batch to the pool and may end the flight: f is not used after */
    if ((f->dead = attempts > w->o.max_attempts)) {
        char msg[128];
        f->attempts = attempts;
        snprintf(msg, sizeof msg, "batch abandoned after %lld delivery attempts", attempts);
        pl_run_dead(f->pl, msg);
    } else {
        pl_run(f->pl);
    }
    pop_next(w);
}

static void start_batch(worker *w, const char *ref, size_t len)
{
    if (!w->cmd) return; /* disconnected: the reclaim after reconnecting hands it back */
    flight *f = calloc(1, sizeof *f);
    if (!f || len >= sizeof f->ref || keys_parse_ref(ref, len, f->job, &f->seq)) {
        log_kv("error", "bad_ref", "worker=%s", w->id);
        free(f);
        redisAsyncCommand(w->cmd, NULL, NULL, "LREM %s -1 %b", w->proc_key, ref, len);
        pop_next(w);
        return;
    }
    memcpy(f->ref, ref, len);
    f->w = w;
    snprintf(f->tag, sizeof f->tag, "worker=%s job=%s ref=%s", w->id, f->job, f->ref);
    f->claiming = 1;
    w->claiming++;
    w->inflight++;
    char jk[KEYS_MAX], bk[KEYS_MAX], ak[KEYS_MAX], ek[KEYS_MAX], seq[16];
    keys_job(jk, f->job);
    keys_job_sub(ek, f->job, "events");
    keys_batch(bk, f->job, f->seq);
    keys_job_sub(ak, f->job, "attempts");
    snprintf(seq, sizeof seq, "%u", f->seq);
    redisAsyncCommand(w->cmd, on_claim, f, "EVAL %s 4 %s %s %s %s %s %s", SCRIPT_CLAIM, jk, bk, ak, ek,
                      seq, f->ref);
}

/* --exit-when-idle: stop only when no work is left anywhere - nothing queued
 * and nothing held by any worker (a dead worker's batches get reaped here). */
static void on_pending(redisAsyncContext *c, void *rv, void *priv)
{
    (void)priv;
    worker *w = c->data;
    redisReply *r = rv;
    w->popping = 0;
    if (!reply_ok(w, r, "pending")) return;
    if (r->type == REDIS_REPLY_INTEGER && r->integer == 0 && w->inflight == 0 && !w->stopping) {
        log_kv("info", "idle_exit", "worker=%s batches=%llu", w->id, w->batches);
        w->stopping = 1;
    }
    pop_next(w);
    maybe_shutdown(w);
}

static void on_pop(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c, (void)priv;
    worker *w = c->data;
    redisReply *r = rv;
    w->popping = 0;
    if (!reply_ok(w, r, "blmove")) return;
    if (r->type == REDIS_REPLY_STRING) {
        if (!w->stopping) {
            start_batch(w, r->str, r->len);
            pop_next(w); /* another one if a pool thread is still free */
            return;
        }
        requeue(w, r->str, NULL);
    } else if (w->o.exit_when_idle && w->inflight == 0 && !w->stopping) {
        w->popping = 1; /* no new BLMOVE until the check answers */
        redisAsyncCommand(w->cmd, on_pending, NULL, "EVAL %s 2 %s %s %s", SCRIPT_PENDING,
                          KEYS_WORKERS, KEYS_QUEUE, KEYS_PROCESSING_PREFIX);
        return;
    }
    pop_next(w);
    maybe_shutdown(w);
}

/* Admission: a short CPU queue and room under --concurrency (no hoarding). */
static int has_room(const worker *w)
{
    return w->inflight < w->o.concurrency &&
           pool_load(w->pool) + (size_t)w->claiming <= (size_t)pool_threads(w->pool);
}

static void pop_next(worker *w)
{
    if (!w->pop || w->shutting_down || w->stopping || w->popping || !w->started || !has_room(w)) return;
    w->popping = 1;
    redisAsyncCommand(w->pop, on_pop, NULL, "BLMOVE %s %s LEFT RIGHT 1", KEYS_QUEUE, w->proc_key);
}

static void send_heartbeat(worker *w, redisCallbackFn *cb)
{
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    redisAsyncCommand(w->cmd, NULL, NULL,
                      "HSET %s host %s pid %d started_ms %lld last_ms %lld batch %s inflight %d "
                      "batches %llu docs %llu failed_docs %llu nodes %llu version %s threads %d "
                      "http_inflight %llu errors %llu ratelimit_waits %lld",
                      w->hb_key, host, (int)getpid(), w->started_ms, now_ms(),
                      w->current[0] ? w->current : "-", w->inflight, w->batches, w->docs,
                      w->failed_docs, w->nodes, INGEST_VERSION, pool_threads(w->pool),
                      (unsigned long long)stage_in_flight(w->stages), log_errors(),
                      mx_get(MX_RATELIMIT_WAITS, MX_EP_EMBED, 0) + mx_get(MX_RATELIMIT_WAITS, MX_EP_CHAT, 0));
    redisAsyncCommand(w->cmd, NULL, NULL, "EXPIRE %s %d", w->hb_key, w->o.heartbeat_ttl);
    redisAsyncCommand(w->cmd, cb, NULL, "SADD %s %s", KEYS_WORKERS, w->id);
}

static void on_first_heartbeat(redisAsyncContext *c, void *r, void *priv)
{
    (void)priv;
    worker *w = c->data;
    if (!reply_ok(w, r, "heartbeat")) return;
    w->started = 1;
    log_kv("info", "worker_started", "worker=%s concurrency=%d threads=%d", w->id,
           w->o.concurrency, pool_threads(w->pool));
    pop_next(w);
}

static void on_reclaim(redisAsyncContext *c, void *rv, void *priv)
{
    (void)priv;
    redisReply *r = rv;
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer > 0)
        log_kv("warn", "reclaimed", "worker=%s requeued=%lld", ((worker *)c->data)->id, r->integer);
}

static void on_reap(redisAsyncContext *c, void *rv, void *priv)
{
    (void)priv;
    redisReply *r = rv;
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer > 0)
        log_kv("warn", "reaped", "worker=%s requeued=%lld", ((worker *)c->data)->id, r->integer);
}

static void hb_tick(struct ev_loop *loop, ev_timer *t, int ev)
{
    (void)loop, (void)ev;
    worker *w = t->data;
    if (w->shutting_down || !w->cmd || !w->started) return;
    send_heartbeat(w, NULL);
    redisAsyncCommand(w->cmd, on_reap, NULL, "EVAL %s 3 %s %s %s %s %s %s %s", SCRIPT_REAP,
                      KEYS_WORKERS, KEYS_QUEUE, KEYS_WORKERS_DEAD, KEYS_WORKER_PREFIX,
                      KEYS_PROCESSING_PREFIX, KEYS_JOB_PREFIX, KEYS_EVENTS_SUFFIX);
}

static void on_goodbye(redisAsyncContext *c, void *r, void *priv)
{
    (void)r, (void)priv;
    worker *w = c->data;
    redisAsyncDisconnect(w->pop);
    redisAsyncDisconnect(w->cmd);
}

static void maybe_shutdown(worker *w)
{
    if (!w->stopping || w->shutting_down || w->inflight || w->popping) return;
    if (!w->cmd) { /* disconnected: nothing to deregister */
        w->shutting_down = 1;
        ev_break(w->loop, EVBREAK_ALL);
        return;
    }
    w->shutting_down = 1;
    ev_timer_stop(w->loop, &w->hb_timer);
    ev_timer_stop(w->loop, &w->grace_timer);
    log_kv("info", "worker_stopping", "worker=%s batches=%llu docs=%llu nodes=%llu", w->id,
           w->batches, w->docs, w->nodes);
    redisAsyncCommand(w->cmd, NULL, NULL, "DEL %s", w->hb_key);
    redisAsyncCommand(w->cmd, on_goodbye, NULL, "SREM %s %s", KEYS_WORKERS, w->id);
}

static void on_grace(struct ev_loop *loop, ev_timer *t, int ev)
{
    (void)loop, (void)ev;
    worker *w = t->data;
    log_kv("warn", "grace_expired", "worker=%s inflight=%d", w->id, w->inflight);
    atomic_store(&w->abandon, 1);
    stage_cancel_all(w->stages);
}

static void on_signal(struct ev_loop *loop, ev_signal *s, int ev)
{
    (void)ev;
    worker *w = s->data;
    if (w->stopping) return;
    w->stopping = 1;
    log_kv("info", "signal", "worker=%s signal=%d inflight=%d", w->id, s->signum, w->inflight);
    ev_timer_set(&w->grace_timer, w->o.grace_s, 0.);
    ev_timer_start(loop, &w->grace_timer);
    maybe_shutdown(w);
}

/* Either connection is gone: stop this session of the loop; worker_run
 * frees the other one and reconnects (unless we are shutting down). */
static void connection_lost(worker *w)
{
    if (!w->shutting_down) {
        w->lost = 1;
        w->started = 0;
        w->popping = 0;
        stage_set_redis(w->stages, NULL);
    }
    ev_break(w->loop, EVBREAK_ALL);
}

static void on_disconnect(const redisAsyncContext *c, int status)
{
    worker *w = c->data;
    if (c == w->cmd) w->cmd = NULL;
    if (c == w->pop) w->pop = NULL;
    if (w->shutting_down) {
        if (!w->cmd && !w->pop) ev_break(w->loop, EVBREAK_ALL);
        return;
    }
    char q[300];
    log_kv("error", "redis_disconnected", "worker=%s status=%d msg=%s", w->id, status,
           log_quote(c->errstr, q, sizeof q));
    connection_lost(w);
}

static void on_connect(const redisAsyncContext *c, int status)
{
    worker *w = c->data;
    if (status == REDIS_OK) return;
    char q[300];
    log_kv("error", "redis_connect_failed", "worker=%s msg=%s", w->id, log_quote(c->errstr, q, sizeof q));
    if (c == w->cmd) w->cmd = NULL; /* hiredis frees it after this callback */
    if (c == w->pop) w->pop = NULL;
    connection_lost(w);
}

static redisAsyncContext *connect_one(worker *w, const rurl *u)
{
    char err[256], q[300];
    redisAsyncContext *c = rasync_connect(w->loop, u, w, on_connect, on_disconnect, err, sizeof err);
    if (!c)
        log_kv("error", "redis_connect_failed", "worker=%s host=%s msg=%s", w->id,
               u->unix_path[0] ? u->unix_path : u->host, log_quote(err, q, sizeof q));
    return c;
}

static void make_id(worker *w)
{
    if (w->o.id) {
        snprintf(w->id, sizeof w->id, "%s", w->o.id);
        return;
    }
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    for (char *p = host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '-';
    srand((unsigned)(now_ms() ^ getpid()));
    snprintf(w->id, sizeof w->id, "%.40s-%d-%04x", host, (int)getpid(), rand() & 0xffff);
}

static void on_retry(struct ev_loop *loop, ev_timer *t, int ev)
{
    (void)t, (void)ev;
    ev_break(loop, EVBREAK_ALL);
}

/* After each round of pool completions: a thread may be free again. */
static void on_pool_round(void *ud)
{
    worker *w = ud;
    pop_next(w);
    maybe_shutdown(w);
}

/* Everything that lives as long as the process. */
/* Before each /metrics scrape: the gauges. */
static void collect_gauges(void *ud)
{
    worker *w = ud;
    mx_set(MX_INFLIGHT_BATCHES, 0, 0, w->inflight);
    mx_set(MX_INFLIGHT_REQUESTS, 0, 0, (long long)stage_in_flight(w->stages));
}

static int setup(worker *w, const worker_opts *o)
{
    char err[256], q[300];
    w->o = *o;
    make_id(w);
    if (keys_processing(w->proc_key, w->id) || keys_worker(w->hb_key, w->id)) {
        log_kv("error", "bad_worker_id", "worker=%s", w->id);
        return -1;
    }
    if (rurl_parse(o->url, &w->url, err, sizeof err)) {
        log_kv("error", "bad_redis_url", "msg=\"%s\"", err);
        return -1;
    }
    /* not EV_DEFAULT: see the top of this file (SIGCHLD) */
    if (!(w->loop = ev_loop_new(EVFLAG_AUTO))) return -1;
    w->started_ms = now_ms();
    if (!(w->stages = stage_new(w->loop, NULL))) return -1;
    if (!(w->cache = cache_new(w->loop, o->cache_url ? o->cache_url : o->url, o->cache_ttl)))
        return -1;
    stage_set_cache(w->stages, w->cache); /* metrics: cache_get_totals(w->cache) */
    int threads = o->threads > 0 ? o->threads : 1;
    if (!(w->pool = pool_new(w->loop, threads, (size_t)o->concurrency + (size_t)threads,
                             on_pool_round, w))) {
        log_kv("error", "pool_failed", "worker=%s threads=%d", w->id, threads);
        return -1;
    }
    if (!(w->sink = sink_new(w->pool))) return -1;
    w->env = (pl_env){w->stages, w->pool, &w->abandon, o->test_gate_prefix, o->test_gate_path};
    ev_timer_init(&w->hb_timer, hb_tick, 0.5, o->heartbeat_ttl / 3.0 > 1.0 ? o->heartbeat_ttl / 3.0 : 1.0);
    ev_timer_init(&w->grace_timer, on_grace, o->grace_s, 0.);
    ev_timer_init(&w->retry_timer, on_retry, 0., 0.);
    w->hb_timer.data = w->grace_timer.data = w->retry_timer.data = w;
    ev_timer_start(w->loop, &w->hb_timer);
    ev_signal_init(&w->sig_int, on_signal, SIGINT);
    ev_signal_init(&w->sig_term, on_signal, SIGTERM);
    w->sig_int.data = w->sig_term.data = w;
    ev_signal_start(w->loop, &w->sig_int);
    ev_signal_start(w->loop, &w->sig_term);
    signal(SIGPIPE, SIG_IGN);
    mx_set(MX_UP_SINCE, 0, 0, w->started_ms / 1000);
    if (o->metrics_listen && !(w->metrics = mhttp_start(w->loop, o->metrics_listen, w->id, INGEST_VERSION,
                                                        collect_gauges, w, err, sizeof err))) {
        log_kv("error", "metrics_listen_failed", "worker=%s msg=%s", w->id, log_quote(err, q, sizeof q));
        return -1;
    }
    return 0;
}

/* One connected session: both connections, then the loop until shutdown
 * or until a connection breaks (w->lost). */
static void session(worker *w)
{
    w->lost = 0;
    if (!(w->cmd = connect_one(w, &w->url)) || !(w->pop = connect_one(w, &w->url))) {
        w->lost = 1;
        return;
    }
    stage_set_redis(w->stages, w->cmd);
    /* A worker restarted under the same id (systemd: --id %H-%i), or back
     * after losing Redis, first hands back what it held, without waiting
     * for a TTL: what is still in flight here will ack idempotently. */
    redisAsyncCommand(w->cmd, on_reclaim, NULL, "EVAL %s 2 %s %s", SCRIPT_RECLAIM, w->proc_key,
                      KEYS_QUEUE);
    opscheck_redis(w->cmd, w->id);
    send_heartbeat(w, on_first_heartbeat);
    ev_run(w->loop, 0);
}

/* Frees whatever connection is left (its pending callbacks fire with NULL). */
static void drop_connections(worker *w)
{
    redisAsyncContext *c = w->cmd, *p = w->pop;
    w->cmd = w->pop = NULL;
    stage_set_redis(w->stages, NULL);
    if (c) redisAsyncFree(c);
    if (p) redisAsyncFree(p);
}

int worker_run(const worker_opts *o)
{
    static worker w; /* one per process: signal watchers refer to it */
    memset(&w, 0, sizeof w);
    int rc = setup(&w, o);
    for (double delay = 0.25; !rc;) {
        session(&w);
        int lost = w.lost && !w.stopping;
        drop_connections(&w);
        if (!lost) break;
        log_kv("warn", "redis_reconnecting", "worker=%s in_s=%.2f", w.id, delay);
        mx_inc(MX_REDIS_RECONNECTS, 0, 0);
        ev_timer_set(&w.retry_timer, delay, 0.);
        ev_timer_start(w.loop, &w.retry_timer);
        ev_run(w.loop, 0); /* the retry timer or a signal ends the wait */
        ev_timer_stop(w.loop, &w.retry_timer);
        if (w.stopping) break;
        delay = delay * 2 > 5 ? 5 : delay * 2;
    }
    atomic_store(&w.abandon, 1); /* a signal while disconnected may leave CPU jobs */
    pool_free(w.pool);
    sink_free(w.sink);
    mhttp_stop(w.metrics);
    const cache_totals *ct = w.cache ? cache_get_totals(w.cache) : NULL;
    if (ct)
        log_kv("info", "cache_totals", "worker=%s hits=%llu misses=%llu bad_values=%llu writes=%llu write_errors=%llu",
               w.id, (unsigned long long)ct->hits, (unsigned long long)ct->misses,
               (unsigned long long)ct->bad_values, (unsigned long long)ct->writes,
               (unsigned long long)ct->write_errors);
    cache_free(w.cache);
    stage_free(w.stages);
    if (w.loop) ev_loop_destroy(w.loop);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    log_kv("info", "worker_exit", "worker=%s code=%d batches=%llu nodes=%llu max_rss_kb=%ld cpu_s=%.3f",
           w.id, rc ? 1 : 0, w.batches, w.nodes, ru.ru_maxrss,
           (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
               ru.ru_stime.tv_usec / 1e6);
    return rc ? 1 : 0;
}
