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
 * hoard batches other workers could take.  Heartbeats (and lease renewals)
 * run on a loop timer, so they are on time whatever the CPU load.
 *
 * Ownership: the worker owns both Redis contexts, the stage context, the
 * pool and every in-flight batch (struct flight, linked in w->flights so
 * heartbeats can renew their leases).  Each Redis callback fires exactly
 * once (hiredis guarantees it, with a NULL reply on disconnect; a command
 * that cannot be queued gets its callback called with NULL by rcmd()), and
 * every flight ends in exactly one of: ack, requeue, split, drop.
 *
 * Every reply goes through routed(): transient errors end the session and
 * reconnect with backoff; permanent ones (credentials, ACL, wrong types on
 * the worker's own keys) do too, and after RERR_TRIES in a row on the same
 * path the worker exits 1 naming the command, the key and what to check.
 * Errors caused by one batch's keys (hostile data) drop or dead-letter that
 * batch only. */
#include "worker.h"

#include <errno.h>
#include <ev.h>
#include <hiredis/async.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
#include "rerr.h"
#include "rsentinel.h"
#include "rurl.h"
#include "scripts.h"
#include "sink.h"
#include "stage.h"
#include "wire.h"
#include "wpace.h"

#define RERR_TRIES 5       /* permanent errors in a row on one path before exiting */
#define REAP_LOCK_MS 2000  /* the reaper's lease */
#define REAP_LIMIT 100     /* expired leases / workers handled per reaper call */
#define SPLIT_AFTER 2      /* failed deliveries after which a batch is split per document */

enum { OP_AUTH, OP_REGISTER, OP_POP, OP_CLAIM, OP_ACK, OP_HEARTBEAT, OP_REAP, OP_OTHER, OP__N };
static const char *const op_names[OP__N] = {"auth", "register", "blmove", "claim",
                                            "ack", "heartbeat", "reap", "command"};

typedef struct flight flight;

typedef struct worker {
    struct ev_loop *loop;
    redisAsyncContext *cmd, *pop;
    worker_opts o;
    char id[KEYS_ID_MAX + 1];
    char incarnation[20];
    char owner[KEYS_ID_MAX + 24]; /* "<id> <incarnation>": lease owner */
    char host[256];
    char proc_key[KEYS_MAX], hb_key[KEYS_MAX];
    char current[KEYS_MAX];
    int inflight, popping, stopping, shutting_down, started;
    int claiming;          /* batches popped whose claim has not answered yet */
    int lost;              /* the Redis connection broke: reconnect */
    int fatal;             /* give up: exit 1 */
    int perm[OP__N];       /* permanent errors in a row, per path */
    rurl url;
    int replicas;          /* the master's connected replicas (ROLE), refreshed each tick */
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
    flight *flights;       /* in flight (claimed or being claimed) */
    int hot, solo_hot;     /* flights in their CPU stages; of them, solo ones */
    int nparked;           /* solo batches waiting for the CPU stages to empty */
    int unparking;         /* one of them is about to start (its lease made hot) */
    int hung;              /* hung flights (off w->flights): exit 1 once drained */
} worker;

struct flight {
    worker *w;
    flight *prev, *next;
    char ref[KEYS_MAX];
    char job[KEYS_ID_MAX + 1];
    uint32_t seq;
    pl_batch *pl;
    int lease_lost; /* reaped while we worked on it: another worker may redo it */
    int acking;     /* the ack (or split) is on its way */
    int claiming;   /* the claim has not answered yet */
    int dead;       /* past --max-attempts: only its files' failures are recorded */
    int hot;        /* claimed and not yet past its CPU stages (its lease is hot) */
    int solo;       /* failed a delivery before: runs alone in the CPU stages */
    int parked;     /* solo, waiting for the other batches to leave their CPU stages */
    int hung;       /* no progress past --stage-timeout: handed back, thread lost */
    int cancelled;  /* its job was cancelled: stopped, dropped, never acked */
    unsigned prog;  /* pl_progress() last seen, at prog_ms */
    long long prog_ms;
    char dead_msg[300]; /* ... with this reason */
    char tag[KEYS_MAX + KEYS_ID_MAX * 2 + 24]; /* "worker=... job=... ref=..." for logs */
    int sink_tries;      /* vector-store writes tried for this delivery */
    char *spec;          /* the job spec, kept when it names a vector store */
    pl_result *res;      /* while the sink writes it */
    sink_op *sink;
    int sunk;            /* written to the vector store: ack without output */
    ev_timer retry;      /* backoff before writing to the vector store again */
};

static void pop_next(worker *w);
static void maybe_shutdown(worker *w);
static void connection_lost(worker *w);

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- commands and replies ------------------------------------------------ */

/* Queues a command; when hiredis cannot, the session ends and the callback
 * runs with no reply, exactly as on a lost connection. */
static int rcmd(worker *w, redisAsyncContext *c, redisCallbackFn *cb, void *priv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = c ? wpace_vcommand(c, cb, priv, fmt, ap) : REDIS_ERR;
    va_end(ap);
    if (rc == REDIS_OK) return 0;
    log_kv("error", "redis_cmd_not_queued", "worker=%s", w->id);
    connection_lost(w);
    if (cb) cb(c, NULL, priv);
    return -1;
}

static int rcmd_argv(worker *w, redisCallbackFn *cb, void *priv, int argc, const char **argv,
                     const size_t *lens)
{
    int rc = w->cmd ? wpace_argv(w->cmd, cb, priv, argc, argv, lens) : REDIS_ERR;
    if (rc == REDIS_OK) return 0;
    log_kv("error", "redis_cmd_not_queued", "worker=%s", w->id);
    connection_lost(w);
    if (cb) cb(w->cmd, NULL, priv);
    return -1;
}

static void give_up(worker *w, int op, const char *key, rerr_kind k, const char *msg)
{
    char q[300];
    log_kv("error", "fatal", "worker=%s op=%s key=%s class=%s msg=%s hint=\"%s\" tries=%d", w->id,
           op_names[op], key, rerr_name(k), log_quote(msg, q, sizeof q), rerr_hint(k), RERR_TRIES);
    w->fatal = 1;
    w->stopping = 1;
    connection_lost(w);
}

/* 1 when r is a usable reply.  Otherwise the error is logged and handled
 * (see the top of the file) and 0 is returned; with batch_scope, key-level
 * errors (wrong type, script errors) are left to the caller, which drops
 * or dead-letters that batch alone. */
static int routed(worker *w, redisReply *r, int op, const char *key, int batch_scope)
{
    rerr_kind k = rerr_classify(r != NULL, r && r->type == REDIS_REPLY_ERROR, r ? r->str : NULL);
    if (k == RERR_OK) {
        w->perm[op] = 0;
        return 1;
    }
    if (k == RERR_LOST) return 0; /* the disconnect callback ends the session */
    char q[300];
    log_kv("error", "redis_error", "worker=%s op=%s key=%s class=%s msg=%s", w->id, op_names[op],
           key, rerr_name(k), log_quote(r->str, q, sizeof q));
    if (batch_scope && (k == RERR_WRONGTYPE || k == RERR_OTHER)) return 0;
    if (k != RERR_TRANSIENT && ++w->perm[op] >= RERR_TRIES) give_up(w, op, key, k, r->str);
    else connection_lost(w);
    return 0;
}

/* For fire-and-forget commands: the reply is still checked. */
static void on_checked(redisAsyncContext *c, void *r, void *priv)
{
    (void)c;
    routed(priv, r, OP_OTHER, "-", 0);
}

/* ---- flights ------------------------------------------------------------- */

static void leave_hot(flight *f);
static void drop(flight *f, const char *why);

static void flight_unlink(flight *f)
{
    worker *w = f->w;
    leave_hot(f);
    if (f->parked) f->parked = 0, w->nparked--;
    if (f->prev) f->prev->next = f->next;
    else w->flights = f->next;
    if (f->next) f->next->prev = f->prev;
    f->prev = f->next = NULL;
    if (f->claiming) w->claiming--;
    f->claiming = 0;
    w->inflight--;
}

static void flight_free(flight *f)
{
    pl_free(f->pl);
    free(f->spec);
    sink_op_free(f->sink);
    ev_timer_stop(f->w->loop, &f->retry);
    free(f);
}

static void flight_end(flight *f)
{
    worker *w = f->w;
    flight_unlink(f);
    flight_free(f);
    pop_next(w);
    maybe_shutdown(w);
}

static void job_lost(flight *f)
{
    worker *w = f->w;
    log_kv("error", "job_lost", "worker=%s job=%s ref=%s msg=\"the job's keys are gone from Redis "
           "(restart without persistence or eviction)\"", w->id, f->job, f->ref);
    rcmd(w, w->cmd, on_checked, w, "ZADD %s %lld %s", KEYS_LOST, now_ms(), f->job);
    rcmd(w, w->cmd, on_checked, w, "ZREMRANGEBYRANK %s 0 -1001", KEYS_LOST);
}

static void on_wait(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    flight *f = priv;
    redisReply *r = rv;
    if (routed(f->w, r, OP_ACK, "WAIT", 0) && r->type == REDIS_REPLY_INTEGER && r->integer < 1)
        log_kv("warn", "ack_not_replicated", "worker=%s ref=%s wait_ms=%d", f->w->id, f->ref,
               f->w->o.wait_replica_ms);
    flight_end(f);
}

/* An ack that must survive a failover waits for a replica, when there is one. */
static int wait_replica(flight *f)
{
    worker *w = f->w;
    if (w->replicas < 1 || w->o.wait_replica_ms <= 0 || !w->cmd) return 0;
    return !rcmd(w, w->cmd, on_wait, f, "WAIT 1 %d", w->o.wait_replica_ms);
}

static void on_ack(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    flight *f = priv;
    redisReply *r = rv;
    if (routed(f->w, r, OP_ACK, f->ref, 1) && r->type == REDIS_REPLY_INTEGER) {
        if (r->integer == -1) job_lost(f);
        else if (r->integer == -2)
            log_kv("info", "batch_dropped", "worker=%s ref=%s reason=job_cancelled", f->w->id, f->ref);
        else if (r->integer == 0)
            log_kv("info", "ack_refused", "worker=%s ref=%s reason=already_recorded", f->w->id, f->ref);
        else if (wait_replica(f)) return; /* the flight ends in on_wait */
    }
    flight_end(f);
}

/* Hands the ref back to the queue head, releasing our lease: not a failed
 * delivery (graceful stop). */
static void requeue(worker *w, const char *ref, flight *f)
{
    if (!w->cmd) { /* disconnected: the reclaim after reconnecting hands it back */
        if (f) flight_end(f);
        return;
    }
    rcmd(w, w->cmd, f ? on_ack : on_checked, f ? (void *)f : (void *)w, "EVAL %s 5 %s %s %s %s %s %s %s",
         SCRIPT_REQUEUE, w->proc_key, KEYS_QUEUE, KEYS_LEASES, KEYS_LEASE_OWNERS, KEYS_LEASES_HOT, ref,
         w->owner);
}

/* Hang watchdog (hb_tick): a batch whose CPU stages made no progress for
 * --stage-timeout seconds holds a pool thread that may never come back.
 * Its delivery counts as failed (so a document that hangs every reader ends
 * dead like one that crashes it), it goes back to the queue now, and the
 * worker stops popping, drains and exits 1: the restart frees the thread. */
static void hang(flight *f)
{
    worker *w = f->w;
    char why[128], q[160];
    snprintf(why, sizeof why, "no progress for %d s while reading or parsing it (hung)",
             w->o.stage_timeout_s);
    log_kv("error", "stage_hung", "%s reason=%s", f->tag, log_quote(why, q, sizeof q));
    if (w->cmd)
        rcmd(w, w->cmd, on_checked, w, "EVAL %s 5 %s %s %s %s %s %s %s %s %s", SCRIPT_REQUEUE,
             w->proc_key, KEYS_QUEUE, KEYS_LEASES, KEYS_LEASE_OWNERS, KEYS_LEASES_HOT, f->ref,
             w->owner, why, KEYS_JOB_PREFIX);
    flight_unlink(f); /* the stuck thread still owns f->pl: freed if it returns */
    f->hung = 1;
    w->hung++;
    if (!w->stopping)
        log_kv("error", "fatal", "worker=%s msg=\"a CPU stage hung: draining, then exiting 1 so a "
               "restart frees its thread\"", w->id);
    w->stopping = 1;
    maybe_shutdown(w);
}

/* Cancel reaches batches in flight: each tick asks for the state of every
 * job the worker holds batches of (one HGET per job, not per batch) and
 * stops those of a cancelled job before their next file or remote stage. */
typedef struct {
    worker *w;
    char job[KEYS_ID_MAX + 1];
} job_probe;

static void on_job_state(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    job_probe *jp = priv;
    worker *w = jp->w;
    redisReply *r = rv;
    if (routed(w, r, OP_OTHER, jp->job, 1) && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "cancelled"))
        for (flight *f = w->flights; f; f = f->next)
            if (!strcmp(f->job, jp->job) && f->pl && !f->cancelled) {
                f->cancelled = 1;
                pl_stop(f->pl);
                log_kv("info", "batch_stopping", "%s reason=job_cancelled", f->tag);
            }
    free(jp);
}

static void probe_jobs(worker *w)
{
    for (flight *f = w->flights; f; f = f->next) {
        int seen = 0;
        for (flight *g = w->flights; g != f && !seen; g = g->next) seen = !strcmp(g->job, f->job);
        job_probe *jp = seen ? NULL : malloc(sizeof *jp);
        if (!jp) continue;
        jp->w = w;
        memcpy(jp->job, f->job, sizeof jp->job);
        char jk[KEYS_MAX];
        keys_job(jk, f->job);
        if (rcmd(w, w->cmd, on_job_state, jp, "HGET %s state", jk)) return;
    }
}

static void watchdog(worker *w)
{
    long long now = now_ms();
    for (flight *f = w->flights, *next; f; f = next) {
        next = f->next;
        if (!f->hot || f->parked || !f->pl) continue;
        unsigned p = pl_progress(f->pl);
        if (p != f->prog || !f->prog_ms) f->prog = p, f->prog_ms = now;
        else if (now - f->prog_ms >= w->o.stage_timeout_s * 1000LL) hang(f);
    }
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

/* Sends the ack script: output + counters + docstore records + errors,
 * atomically.  dead: the batch is dead-lettered with `reason` (its payload
 * stays for a retry). */
static void send_ack(flight *f, pl_result *res, int dead, const char *reason)
{
    worker *w = f->w;
    char k[13 + KEYS_DOCSTORE_N][KEYS_MAX], seq[16], n[10][24], mode[2] = {res->ds_mode ? res->ds_mode : '-', 0};
    static char cn[2 * SPEC_MAX_TF + 5][32], cv[2 * SPEC_MAX_TF + 5][24];
    if (!w->cmd) { /* disconnected: the reclaim after reconnecting hands it back */
        flight_end(f);
        return;
    }
    f->acking = 1;
    keys_job(k[0], f->job);
    keys_job_sub(k[1], f->job, "done");
    keys_out(k[2], f->job, f->seq);
    keys_job_sub(k[3], f->job, "errors");
    snprintf(k[4], KEYS_MAX, "%s", w->proc_key);
    snprintf(k[5], KEYS_MAX, "%s", KEYS_DEAD);
    keys_batch(k[6], f->job, f->seq);
    keys_job_sub(k[7], f->job, "events");
    keys_job_sub(k[8], f->job, "retry");
    snprintf(k[9], KEYS_MAX, "%s", KEYS_LEASES);
    snprintf(k[10], KEYS_MAX, "%s", KEYS_LEASE_OWNERS);
    keys_job_sub(k[11], f->job, "dead");
    snprintf(k[12], KEYS_MAX, "%s", KEYS_LEASES_HOT);
    int nkeys = res->ds_mode && !keys_docstore_all(k + 13, res->ds_coll, f->job) ? 13 + KEYS_DOCSTORE_N : 13;
    if (nkeys == 13) mode[0] = '-';
    size_t nrec = mode[0] == '-' ? 0 : res->ds_ids.n, nfr = mode[0] == '-' ? 0 : res->ds_files.n;
    snprintf(seq, sizeof seq, "%u", f->seq);
    snprintf(n[0], 24, "%zu", res->docs - res->docs_failed);
    snprintf(n[1], 24, "%zu", res->docs_failed);
    snprintf(n[2], 24, "%zu", res->nodes);
    snprintf(n[3], 24, "%llu", (unsigned long long)res->stats.embed_requests);
    snprintf(n[4], 24, "%llu", (unsigned long long)res->stats.llm_requests);
    snprintf(n[5], 24, "%llu", (unsigned long long)res->stats.tokens);
    snprintf(n[6], 24, "%zu", res->docs_api_failed);
    size_t nc = ack_counters(res, cn, cv);
    snprintf(n[7], 24, "%zu", nc);
    snprintf(n[8], 24, "%zu", nrec);
    snprintf(n[9], 24, "%zu", nfr);
    argvb a = {.cap = 3 + 13 + KEYS_DOCSTORE_N + 17 + 2 * nc + 2 * nrec + 2 * nfr + 2 * res->err_ids.n};
    a.v = calloc(a.cap, sizeof *a.v);
    a.l = calloc(a.cap, sizeof *a.l);
    if (!a.v || !a.l) {
        free(a.v), free(a.l);
        log_kv("error", "ack_failed", "%s msg=\"out of memory\"", f->tag);
        flight_end(f);
        return;
    }
    char nk[8];
    snprintf(nk, sizeof nk, "%d", nkeys);
    arg_s(&a, "EVAL"), arg_s(&a, SCRIPT_ACK), arg_s(&a, nk);
    for (int i = 0; i < nkeys; i++) arg_s(&a, k[i]);
    arg_s(&a, f->ref), arg_s(&a, seq);
    int bare = dead || f->sunk; /* no output stored in Redis */
    arg(&a, bare || !res->out.p ? "" : res->out.p, bare ? 0 : res->out.len);
    arg_s(&a, dead ? "1" : f->sunk ? "s" : "0");
    for (int i = 0; i < 6; i++) arg_s(&a, n[i]);
    arg_s(&a, reason ? reason : ""), arg_s(&a, w->owner), arg_s(&a, n[6]), arg_s(&a, n[7]);
    for (size_t i = 0; i < nc; i++) arg_s(&a, cn[i]), arg_s(&a, cv[i]);
    arg_s(&a, mode), arg_s(&a, n[8]);
    for (size_t i = 0; i < nrec; i++) arg_s(&a, res->ds_ids.v[i]), arg_s(&a, res->ds_hashes.v[i]);
    arg_s(&a, n[9]); /* file records (dsfp.h) */
    for (size_t i = 0; i < nfr; i++) arg_s(&a, res->ds_files.v[i]), arg_s(&a, res->ds_frecs.v[i]);
    for (size_t i = 0; i < res->err_ids.n; i++) arg_s(&a, res->err_ids.v[i]), arg_s(&a, res->err_msgs.v[i]);
    rcmd_argv(w, on_ack, f, (int)a.n, a.v, a.l);
    free(a.v);
    free(a.l);
    buf_free(&res->out); /* hiredis holds its own copy in the output buffer */
}

/* The error entry of a batch whose documents are unknown: "batch:<seq>". */
static void fail_batch_entry(pl_result *res, uint32_t seq, const char *msg)
{
    char id[32];
    snprintf(id, sizeof id, "batch:%u", seq);
    if (strv_push(&res->err_ids, id)) return;
    if (strv_push(&res->err_msgs, msg)) {
        free(res->err_ids.v[--res->err_ids.n]); /* keep the two vectors in step */
    }
}

/* Dead-letters a batch whose payload is missing, of the wrong type or not
 * a batch, now, with `reason` on the job's errors under "batch:<seq>".
 * Counts come from what was decoded (nothing), never from the payload. */
static void dead_letter(flight *f, const char *reason)
{
    pl_result res = {0};
    fail_batch_entry(&res, f->seq, reason);
    char q[300];
    log_kv("error", "batch_dead", "%s reason=%s", f->tag, log_quote(reason, q, sizeof q));
    mx_inc(MX_BATCHES, MX_OUT_DEAD, 0);
    send_ack(f, &res, 1, reason);
    strv_free(&res.err_ids);
    strv_free(&res.err_msgs);
}

static void on_sink_done(sink_op *op, int rc, const char *msg, const strv_t *ids, void *ud);
static void sink_failed(flight *f, pl_result *res, int rc, const char *msg, const strv_t *ids);

static void on_retry_sink(struct ev_loop *loop, ev_timer *t, int ev)
{
    (void)loop, (void)ev;
    flight *f = t->data;
    f->sink_tries++;
    int rc = sink_start(f->w->sink, f->spec, strlen(f->spec), &f->res->out, on_sink_done, f, &f->sink);
    if (rc) sink_failed(f, f->res, rc, "vector store: cannot queue the write", &(strv_t){0});
}

/* The batch's rows are not in the store: retry later, or give up with the
 * database's message on every document that had nodes. */
static void sink_failed(flight *f, pl_result *res, int rc, const char *msg, const strv_t *ids)
{
    worker *w = f->w;
    char q[600];
    int last = rc == ERR_INVAL || f->sink_tries >= w->o.max_attempts;
    log_kv(last ? "error" : "warn", "sink_failed", "%s attempt=%d code=%d final=%d msg=%s", f->tag,
           f->sink_tries, rc, last, log_quote(msg, q, sizeof q));
    if (!last) {
        double delay = 0.5 * (double)(1LL << (f->sink_tries < 5 ? f->sink_tries - 1 : 4));
        ev_timer_init(&f->retry, on_retry_sink, delay, 0.);
        f->retry.data = f;
        ev_timer_start(w->loop, &f->retry);
        return;
    }
    char m[700];
    snprintf(m, sizeof m, "%s (attempt %d of %d)", msg, f->sink_tries, w->o.max_attempts);
    for (size_t i = 0; i < ids->n; i++)
        if (!strv_push(&res->err_ids, ids->v[i]) && !strv_push(&res->err_msgs, m)) res->docs_failed++;
    res->nodes = 0;
    send_ack(f, res, 1, m);
}

static void on_sink_done(sink_op *op, int rc, const char *msg, const strv_t *ids, void *ud)
{
    flight *f = ud;
    (void)op;
    if (rc < 0) return sink_failed(f, f->res, rc, msg, ids);
    f->sunk = rc == 0;
    send_ack(f, f->res, 0, NULL);
}

static void on_batch_done(pl_batch *b, pl_result *res, void *ud)
{
    flight *f = ud;
    worker *w = f->w;
    (void)b;
    char q[300];
    if (f->hung) { /* its thread came back after all; the batch is someone else's now */
        log_kv("warn", "hung_returned", "%s", f->tag);
        w->hung--;
        return flight_free(f);
    }
    leave_hot(f);
    if (res->err == ERR_CANCELLED && f->cancelled) return drop(f, "job_cancelled");
    if (res->err == ERR_CANCELLED) { /* abandoned unfinished: another delivery redoes it */
        log_kv("info", "batch_requeued", "%s msg=%s", f->tag, log_quote(res->msg, q, sizeof q));
        mx_inc(MX_BATCHES, MX_OUT_REQUEUED, 0);
        requeue(w, f->ref, f);
        return;
    }
    if (res->err) {
        if (!res->msg[0]) snprintf(res->msg, sizeof res->msg, "%s", err_str(res->err));
        log_kv("error", "batch_dead", "%s code=%d msg=%s", f->tag, res->err,
               log_quote(res->msg, q, sizeof q));
        res->docs_failed = res->docs;
        fail_batch_entry(res, f->seq, res->msg);
    } else if (f->dead) {
        log_kv("error", "batch_dead", "%s reason=%s", f->tag, log_quote(f->dead_msg, q, sizeof q));
    }
    mx_inc(MX_BATCHES, res->err || f->dead ? MX_OUT_DEAD : res->docs_failed ? MX_OUT_FAILED : MX_OUT_DONE, 0);
    mx_add(MX_DOCUMENTS, MX_DOC_OK, 0, (long long)(res->docs - res->docs_failed));
    mx_add(MX_DOCUMENTS, MX_DOC_FAILED, 0, (long long)res->docs_failed);
    mx_add(MX_NODES, 0, 0, (long long)res->nodes);
    w->batches++;
    w->docs += res->docs;
    w->failed_docs += res->docs_failed;
    w->nodes += res->nodes;
    log_kv("info", "batch_done", "%s docs=%zu failed=%zu nodes=%zu embed_requests=%llu%s",
           f->tag, res->docs, res->docs_failed, res->nodes,
           (unsigned long long)res->stats.embed_requests, f->lease_lost ? " lease_lost=1" : "");
    if (!res->err && !f->dead && f->spec) { /* into the vector store first; the ack says it is there */
        f->res = res;
        f->sink_tries = 1;
        int rc = sink_start(w->sink, f->spec, strlen(f->spec), &res->out, on_sink_done, f, &f->sink);
        if (!rc) return;
        return sink_failed(f, res, rc, "vector store: cannot queue the write", &(strv_t){0});
    }
    send_ack(f, res, res->err != 0 || f->dead, res->err ? res->msg : f->dead ? f->dead_msg : NULL);
}

static void drop(flight *f, const char *why)
{
    if (!f->w->cmd) {
        flight_end(f);
        return;
    }
    log_kv("warn", "batch_dropped", "%s reason=%s", f->tag, why);
    mx_inc(MX_BATCHES, MX_OUT_DROPPED, 0);
    rcmd(f->w, f->w->cmd, on_ack, f, "LREM %s -1 %s", f->w->proc_key, f->ref);
}

/* ---- heartbeat, leases, reaper ------------------------------------------- */

static void on_heartbeat(redisAsyncContext *c, void *rv, void *priv);

/* The heartbeat hash (monitoring), the heartbeat deadline and the leases of
 * every batch in flight, stretched by extra_s (slow synchronous work). */
static void send_heartbeat(worker *w, double extra_s)
{
    if (!w->cmd) return;
    long long hb_ms = (long long)((w->o.heartbeat_ttl + extra_s) * 1000);
    rcmd(w, w->cmd, on_checked, w,
         "HSET %s host %s pid %d incarnation %s started_ms %lld last_ms %lld batch %s inflight %d "
         "batches %llu docs %llu failed_docs %llu nodes %llu version %s threads %d "
         "http_inflight %llu errors %llu ratelimit_waits %lld",
         w->hb_key, w->host, (int)getpid(), w->incarnation, w->started_ms, now_ms(),
         w->current[0] ? w->current : "-", w->inflight, w->batches, w->docs, w->failed_docs, w->nodes,
         INGEST_VERSION, pool_threads(w->pool), (unsigned long long)stage_in_flight(w->stages),
         log_errors(), mx_get(MX_RATELIMIT_WAITS, MX_EP_EMBED, 0) + mx_get(MX_RATELIMIT_WAITS, MX_EP_CHAT, 0));
    rcmd(w, w->cmd, on_checked, w, "EXPIRE %s %d", w->hb_key, (int)((hb_ms + 999) / 1000));
    int nf = 0;
    for (flight *f = w->flights; f; f = f->next) nf++;
    const char **argv = calloc((size_t)nf + 13, sizeof *argv);
    if (!argv) return;
    char hb[24];
    snprintf(hb, sizeof hb, "%lld", hb_ms);
    const char *fixed[] = {"EVAL", SCRIPT_HEARTBEAT, "4", KEYS_HEARTBEATS, KEYS_LEASES,
                           KEYS_LEASE_OWNERS, KEYS_WORKERS, w->id, w->incarnation, hb, hb};
    int argc = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) argv[argc++] = fixed[i];
    for (flight *f = w->flights; f; f = f->next) argv[argc++] = f->ref;
    rcmd_argv(w, on_heartbeat, w, argc, argv, NULL);
    free(argv);
}

static void on_heartbeat(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    worker *w = priv;
    redisReply *r = rv;
    if (!routed(w, r, OP_HEARTBEAT, KEYS_HEARTBEATS, 0)) return;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        for (flight *f = w->flights; f; f = f->next)
            if (r->element[i]->type == REDIS_REPLY_STRING && !strcmp(f->ref, r->element[i]->str) &&
                !f->lease_lost) {
                f->lease_lost = 1;
                log_kv("warn", "lease_lost", "worker=%s ref=%s", w->id, f->ref);
            }
    if (w->started || w->shutting_down) return;
    w->started = 1;
    log_kv("info", "worker_started", "worker=%s concurrency=%d threads=%d", w->id,
           w->o.concurrency, pool_threads(w->pool));
    pop_next(w);
}

static void on_reap(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    worker *w = priv;
    redisReply *r = rv;
    if (routed(w, r, OP_REAP, KEYS_REAPER, 0) && r->type == REDIS_REPLY_INTEGER && r->integer > 0)
        log_kv("warn", "reaped", "worker=%s requeued=%lld", w->id, r->integer);
}

static void on_role(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    worker *w = priv;
    redisReply *r = rv;
    if (!routed(w, r, OP_HEARTBEAT, "ROLE", 0)) return;
    w->replicas = r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
                          r->element[2]->type == REDIS_REPLY_ARRAY
                      ? (int)r->element[2]->elements : 0;
}

static void hb_tick(struct ev_loop *loop, ev_timer *t, int ev)
{
    (void)loop, (void)ev;
    worker *w = t->data;
    if (w->shutting_down || !w->cmd || !w->started) return;
    watchdog(w);
    probe_jobs(w);
    send_heartbeat(w, 0);
    if (w->o.wait_replica_ms > 0) rcmd(w, w->cmd, on_role, w, "ROLE");
    rcmd(w, w->cmd, on_reap, w, "EVAL %s 8 %s %s %s %s %s %s %s %s %s %d %d %s %s %s %s", SCRIPT_REAP,
         KEYS_REAPER, KEYS_HEARTBEATS, KEYS_LEASES, KEYS_LEASE_OWNERS, KEYS_QUEUE, KEYS_WORKERS,
         KEYS_WORKERS_DEAD, KEYS_LEASES_HOT, w->id, REAP_LOCK_MS, REAP_LIMIT, KEYS_WORKER_PREFIX,
         KEYS_PROCESSING_PREFIX, KEYS_JOB_PREFIX, KEYS_EVENTS_SUFFIX);
}

/* ---- one batch ----------------------------------------------------------- */

static void on_split(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    flight *f = priv;
    redisReply *r = rv;
    if (routed(f->w, r, OP_ACK, f->ref, 1) && r->type == REDIS_REPLY_INTEGER) {
        if (r->integer == -1) job_lost(f);
        else log_kv("warn", "batch_split", "worker=%s job=%s ref=%s children=%lld", f->w->id,
                    f->job, f->ref, r->integer);
    }
    flight_end(f);
}

/* A batch that failed SPLIT_AFTER deliveries goes back as one batch per
 * document, so only a document that keeps killing workers ends dead.
 * 1 when the split was sent (the flight ends in on_split). */
static int split_batch(flight *f, const char *payload, size_t plen)
{
    worker *w = f->w;
    wire_batch wb;
    if (wire_batch_decode(payload, plen, &wb)) return 0;
    int sent = 0;
    size_t n = wb.n;
    buf_t *bufs = n > 1 ? calloc(n, sizeof *bufs) : NULL;
    const char **argv = bufs ? calloc(n + 20, sizeof *argv) : NULL;
    size_t *lens = argv ? calloc(n + 20, sizeof *lens) : NULL;
    int ok = lens != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        wire_batch one = {.job = wb.job, .seq = f->seq, .docs = &wb.docs[i], .n = 1};
        buf_init(&bufs[i], (size_t)512 << 20);
        ok = !wire_batch_encode(&one, &bufs[i]);
    }
    if (ok && w->cmd) {
        char k[5][KEYS_MAX], seq[16], cnt[24];
        keys_job(k[0], f->job);
        keys_job_sub(k[1], f->job, "done");
        keys_batch(k[2], f->job, f->seq);
        keys_job_sub(k[3], f->job, "split");
        keys_batch_prefix(k[4], f->job);
        snprintf(seq, sizeof seq, "%u", f->seq);
        snprintf(cnt, sizeof cnt, "%zu", n);
        const char *fixed[] = {"EVAL", SCRIPT_SPLIT, "9", k[0], k[1], k[2], w->proc_key,
                               KEYS_QUEUE, KEYS_LEASES, KEYS_LEASE_OWNERS, k[3], KEYS_LEASES_HOT,
                               f->ref, seq, w->owner, cnt, k[4]};
        size_t nf = sizeof fixed / sizeof *fixed;
        for (size_t i = 0; i < nf; i++) argv[i] = fixed[i], lens[i] = strlen(fixed[i]);
        for (size_t i = 0; i < n; i++) argv[nf + i] = bufs[i].p, lens[nf + i] = bufs[i].len;
        rcmd_argv(w, on_split, f, (int)(nf + n), argv, lens);
        sent = 1;
    }
    for (size_t i = 0; bufs && i < n; i++) buf_free(&bufs[i]);
    free(bufs), free(argv), free(lens);
    wire_batch_free(&wb);
    return sent;
}

static const char *str_el(const redisReply *r, size_t i)
{
    return r->type == REDIS_REPLY_ARRAY && i < r->elements && r->element[i]->type == REDIS_REPLY_STRING
               ? r->element[i]->str : NULL;
}

/* Loop thread: the batch leaves its CPU stages for a remote one, so a
 * crash from now on is not its documents' doing: its lease is no longer hot. */
static void on_remote_begin(void *ud)
{
    flight *f = ud;
    if (f->w->cmd) rcmd(f->w, f->w->cmd, on_checked, f->w, "SREM %s %s", KEYS_LEASES_HOT, f->ref);
    leave_hot(f);
}

/* Hands the batch to the pool; may end the flight: f is not used after. */
static void start_stages(flight *f)
{
    worker *w = f->w;
    snprintf(w->current, sizeof w->current, "%s", f->ref);
    if (f->dead) pl_run_dead(f->pl, f->dead_msg);
    else pl_run(f->pl);
}

/* Blame on a crash: the reaper counts a failed delivery for every hot
 * batch of a dead worker, and up to --threads + 1 are hot (N running, one
 * claimed ahead in the pool's queue).  So a batch
 * that failed before runs alone: it waits (parked, its lease not hot) until
 * the other batches leave their CPU stages, no batch is popped while it is
 * parked or hot, and one claimed meanwhile parks until it is done.  Its next
 * failure is then its own. */
/* The parked batch's lease is hot again: only now may it be read, so that a
 * crash reading it is counted. */
static void on_unparked(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    flight *p = priv;
    p->w->unparking = 0;
    routed(p->w, rv, OP_OTHER, KEYS_LEASES_HOT, 0);
    log_kv("info", "solo_start", "%s", p->tag);
    start_stages(p);
}

/* Once only parked batches are hot, the oldest starts. */
static void unpark_next(worker *w)
{
    if (!w->nparked || w->unparking || w->hot != w->nparked) return;
    flight *p = NULL;
    for (flight *g = w->flights; g; g = g->next)
        if (g->parked) p = g; /* the last one: flights are pushed at the head */
    if (!p) return;
    p->parked = 0;
    w->nparked--;
    w->unparking = 1;
    rcmd(w, w->cmd, on_unparked, p, "SADD %s %s", KEYS_LEASES_HOT, p->ref);
}

static void leave_hot(flight *f)
{
    worker *w = f->w;
    if (!f->hot) return;
    f->hot = 0;
    w->hot--;
    if (f->solo) w->solo_hot--;
    unpark_next(w);
    pop_next(w);
}

static void run_batch(flight *f, const redisReply *payload, const redisReply *spec, long long failures)
{
    worker *w = f->w;
    int has_spec = spec->type == REDIS_REPLY_STRING;
    if (has_spec && sink_wants(spec->str) && !(f->spec = strdup(spec->str))) return drop(f, "out_of_memory");
    f->pl = pl_new(&w->env, f->tag, payload->str, payload->len, has_spec ? spec->str : "",
                   has_spec ? spec->len : 0, on_batch_done, f);
    if (!f->pl) return drop(f, "out_of_memory");
    f->hot = 1;
    w->hot++;
    if ((f->solo = failures > 0)) w->solo_hot++;
    /* A solo batch is not hot yet (the claim left it cold): it starts, made
     * hot, once the others have left their CPU stages.  A batch claimed
     * ahead while a solo one is hot waits for it, its lease cooled. */
    if (f->solo || w->solo_hot > 0) {
        f->parked = 1;
        w->nparked++;
        if (!f->solo) rcmd(w, w->cmd, on_checked, w, "SREM %s %s", KEYS_LEASES_HOT, f->ref);
        if (w->hot > 1) log_kv("info", "solo_wait", "%s failures=%lld busy=%d", f->tag, failures, w->hot - 1);
        return unpark_next(w); /* at once when nothing else is hot */
    }
    start_stages(f);
}

static void on_claim(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    flight *f = priv;
    worker *w = f->w;
    redisReply *r = rv;
    f->claiming = 0;
    w->claiming--;
    if (!routed(w, r, OP_CLAIM, f->ref, 1)) {
        if (r && !w->lost) return drop(f, "claim_error");
        return flight_end(f);
    }
    const char *st = str_el(r, 0), *kind = str_el(r, 1);
    if (!st) return drop(f, "bad_claim_reply");
    if (!strcmp(st, "lost")) {
        job_lost(f);
        return drop(f, "job_lost");
    }
    if (!strcmp(st, "corrupt")) return drop(f, "job_hash_corrupt");
    if (!strcmp(st, "norange")) return drop(f, "not_a_batch_of_the_job");
    if (!strcmp(st, "cancelled")) return drop(f, "job_cancelled");
    if (!kind) return drop(f, "bad_claim_reply");
    if (!strcmp(kind, "done")) return drop(f, "already_done");
    if (strcmp(kind, "ok")) {
        char msg[128];
        if (!strcmp(kind, "none")) snprintf(msg, sizeof msg, "batch payload missing from Redis");
        else snprintf(msg, sizeof msg, "batch key holds a %.20s, not a batch", kind);
        return dead_letter(f, msg);
    }
    if (r->elements < 6 || r->element[2]->type != REDIS_REPLY_STRING ||
        r->element[4]->type != REDIS_REPLY_INTEGER)
        return drop(f, "bad_claim_reply");
    redisReply *payload = r->element[2];
    long long failures = r->element[4]->integer;
    if (wire_check(payload->str, payload->len))
        return dead_letter(f, "malformed batch payload (not a valid msgpack batch)");
    if (failures >= w->o.max_attempts) {
        const char *why = str_el(r, 5);
        snprintf(f->dead_msg, sizeof f->dead_msg, "abandoned after %lld failed deliveries (last: %s)",
                 failures, why ? why : "unknown");
        f->dead = 1;
    } else if (failures >= SPLIT_AFTER && split_batch(f, payload->str, payload->len)) {
        return;
    }
    run_batch(f, payload, r->element[3], failures);
    pop_next(w);
}

static void start_batch(worker *w, const char *ref, size_t len)
{
    if (!w->cmd) return; /* disconnected: the reclaim after reconnecting hands it back */
    flight *f = calloc(1, sizeof *f);
    if (!f || len >= sizeof f->ref || keys_parse_ref(ref, len, f->job, &f->seq)) {
        char q[200], raw[100];
        snprintf(raw, sizeof raw, "%.*s", (int)(len < 80 ? len : 80), ref);
        log_kv("error", "bad_ref", "worker=%s ref=%s", w->id, log_quote(raw, q, sizeof q));
        free(f);
        rcmd(w, w->cmd, on_checked, w, "LREM %s -1 %b", w->proc_key, ref, len);
        pop_next(w);
        return;
    }
    memcpy(f->ref, ref, len);
    f->w = w;
    snprintf(f->tag, sizeof f->tag, "worker=%s job=%s ref=%s", w->id, f->job, f->ref);
    f->claiming = 1;
    w->claiming++;
    f->next = w->flights;
    if (w->flights) w->flights->prev = f;
    w->flights = f;
    w->inflight++;
    char jk[KEYS_MAX], bk[KEYS_MAX], ak[KEYS_MAX], dk[KEYS_MAX], ek[KEYS_MAX], seq[16], lease[24];
    keys_job_sub(ek, f->job, "events");
    keys_job(jk, f->job);
    keys_batch(bk, f->job, f->seq);
    keys_job_sub(ak, f->job, "attempts");
    keys_job_sub(dk, f->job, "done");
    snprintf(seq, sizeof seq, "%u", f->seq);
    snprintf(lease, sizeof lease, "%d", w->o.heartbeat_ttl * 1000);
    rcmd(w, w->cmd, on_claim, f, "EVAL %s 8 %s %s %s %s %s %s %s %s %s %s %s %s", SCRIPT_CLAIM, jk,
         bk, ak, dk, KEYS_LEASES, KEYS_LEASE_OWNERS, ek, KEYS_LEASES_HOT, seq, f->ref, w->owner, lease);
}

/* ---- popping ------------------------------------------------------------- */

/* --exit-when-idle: stop only when no work is left anywhere - nothing queued
 * and nothing held by any worker (a dead worker's batches get reaped here). */
static void on_pending(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    worker *w = priv;
    redisReply *r = rv;
    w->popping = 0;
    if (!routed(w, r, OP_POP, KEYS_QUEUE, 0)) return;
    if (r->type == REDIS_REPLY_INTEGER && r->integer == 0 && w->inflight == 0 && !w->stopping) {
        log_kv("info", "idle_exit", "worker=%s batches=%llu", w->id, w->batches);
        w->stopping = 1;
    }
    pop_next(w);
    maybe_shutdown(w);
}

static void on_pop(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    worker *w = priv;
    redisReply *r = rv;
    w->popping = 0;
    if (!routed(w, r, OP_POP, KEYS_QUEUE, 0)) return;
    if (r->type == REDIS_REPLY_STRING) {
        if (!w->stopping) {
            /* the next pop waits until this batch's CPU work has run (on_claim),
             * so a CPU-bound worker does not hoard batches other workers could take */
            start_batch(w, r->str, r->len);
            pop_next(w); /* another one if a pool thread is still free */
            return;
        }
        requeue(w, r->str, NULL);
    } else if (w->o.exit_when_idle && w->inflight == 0 && !w->stopping) {
        w->popping = 1; /* no new BLMOVE until the check answers */
        rcmd(w, w->cmd, on_pending, w, "EVAL %s 2 %s %s %s", SCRIPT_PENDING, KEYS_HEARTBEATS,
             KEYS_QUEUE, KEYS_PROCESSING_PREFIX);
        return;
    }
    pop_next(w);
    maybe_shutdown(w);
}

/* Admission: a short CPU queue and room under --concurrency (no hoarding). */
static int has_room(const worker *w)
{
    return !w->nparked && !w->solo_hot && w->inflight < w->o.concurrency &&
           pool_load(w->pool) + (size_t)w->claiming <= (size_t)pool_threads(w->pool);
}

static void pop_next(worker *w)
{
    if (!w->pop || w->shutting_down || w->stopping || w->popping || !w->started || !has_room(w)) return;
    w->popping = 1;
    rcmd(w, w->pop, on_pop, w, "BLMOVE %s %s LEFT RIGHT 1", KEYS_QUEUE, w->proc_key);
}

/* ---- session start: auth, registration, reclaim -------------------------- */

static void on_reclaim(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    worker *w = priv;
    redisReply *r = rv;
    if (routed(w, r, OP_REGISTER, w->proc_key, 0) && r->type == REDIS_REPLY_INTEGER && r->integer > 0)
        log_kv("warn", "reclaimed", "worker=%s requeued=%lld", w->id, r->integer);
}

/* A worker restarted under the same id (systemd: --id %H-%i), or back after
 * losing Redis, first hands back what it holds but is not working on; a
 * batch its previous incarnation was working on is a failed delivery. */
static void reclaim_and_start(worker *w)
{
    int nf = 0;
    for (flight *f = w->flights; f; f = f->next) nf++;
    const char **argv = calloc((size_t)nf + 16, sizeof *argv);
    if (!argv) return connection_lost(w);
    char lease[24];
    snprintf(lease, sizeof lease, "%d", w->o.heartbeat_ttl * 1000);
    const char *fixed[] = {"EVAL", SCRIPT_RECLAIM, "5", w->proc_key, KEYS_QUEUE, KEYS_LEASES,
                           KEYS_LEASE_OWNERS, KEYS_LEASES_HOT, w->id, w->incarnation, lease,
                           KEYS_JOB_PREFIX};
    int argc = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) argv[argc++] = fixed[i];
    for (flight *f = w->flights; f; f = f->next) argv[argc++] = f->ref;
    if (!rcmd_argv(w, on_reclaim, w, argc, argv, NULL)) {
        if (w->o.wait_replica_ms > 0) rcmd(w, w->cmd, on_role, w, "ROLE");
        send_heartbeat(w, 0);
    }
    free(argv);
}

static void send_register(worker *w, int force);

/* The previous holder of our id is on this host and its pid is gone. */
static int holder_dead(const worker *w, const char *host, const char *pid)
{
    if (!host || !pid || strcmp(host, w->host)) return 0;
    long p = strtol(pid, NULL, 10);
    return p > 0 && p != (long)getpid() && kill((pid_t)p, 0) == -1 && errno == ESRCH;
}

static void on_register(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    worker *w = priv;
    redisReply *r = rv;
    if (!routed(w, r, OP_REGISTER, w->hb_key, 0)) return;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 0) return reclaim_and_start(w);
    const char *host = str_el(r, 0), *pid = str_el(r, 1);
    if (holder_dead(w, host, pid)) {
        log_kv("warn", "takeover", "worker=%s dead_pid=%s", w->id, pid);
        return send_register(w, 1);
    }
    log_kv("error", "fatal", "worker=%s msg=\"worker id in use by a live worker\" host=%s pid=%s "
           "hint=\"give each worker a unique --id\"", w->id, host ? host : "?", pid ? pid : "?");
    w->fatal = 1;
    w->stopping = 1;
    connection_lost(w);
}

static void send_register(worker *w, int force)
{
    char hb[24];
    snprintf(hb, sizeof hb, "%d", w->o.heartbeat_ttl * 1000);
    rcmd(w, w->cmd, on_register, w, "EVAL %s 2 %s %s %s %s %s %d", SCRIPT_REGISTER,
         KEYS_HEARTBEATS, w->hb_key, w->id, w->incarnation, hb, force);
}

static void on_auth(redisAsyncContext *c, void *r, void *priv)
{
    (void)c;
    routed(priv, r, OP_AUTH, "-", 0);
}

/* ---- shutdown and connections -------------------------------------------- */

static void on_goodbye(redisAsyncContext *c, void *r, void *priv)
{
    (void)c;
    worker *w = priv;
    routed(w, r, OP_OTHER, KEYS_WORKERS, 0);
    if (w->pop) wpace_disconnect(w->pop);
    if (w->cmd) wpace_disconnect(w->cmd);
}

static void maybe_shutdown(worker *w)
{
    if (!w->stopping || w->shutting_down || w->inflight || w->popping) return;
    if (!w->cmd || w->fatal) { /* disconnected: nothing to deregister */
        w->shutting_down = 1;
        ev_break(w->loop, EVBREAK_ALL);
        return;
    }
    w->shutting_down = 1;
    ev_timer_stop(w->loop, &w->hb_timer);
    ev_timer_stop(w->loop, &w->grace_timer);
    log_kv("info", "worker_stopping", "worker=%s batches=%llu docs=%llu nodes=%llu", w->id,
           w->batches, w->docs, w->nodes);
    rcmd(w, w->cmd, on_checked, w, "DEL %s", w->hb_key);
    rcmd(w, w->cmd, on_checked, w, "ZREM %s %s", KEYS_HEARTBEATS, w->id);
    rcmd(w, w->cmd, on_goodbye, w, "SREM %s %s", KEYS_WORKERS, w->id);
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

/* Either connection is gone (or a reply said to start over): stop this
 * session of the loop; worker_run frees the connections and reconnects
 * (unless we are shutting down). */
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
    redisAsyncContext *c = rasync_connect(w->loop, u, w, on_connect, on_disconnect, on_auth, err, sizeof err);
    char tag[KEYS_ID_MAX + 8];
    snprintf(tag, sizeof tag, "worker=%s", w->id);
    wpace_set_tag(c, tag);
    if (!c)
        log_kv("error", "redis_connect_failed", "worker=%s host=%s msg=%s", w->id,
               u->unix_path[0] ? u->unix_path : u->host, log_quote(err, q, sizeof q));
    return c;
}

static void make_id(worker *w)
{
    gethostname(w->host, sizeof w->host - 1);
    srand((unsigned)(now_ms() ^ getpid()));
    snprintf(w->incarnation, sizeof w->incarnation, "%lld-%04x", now_ms(), rand() & 0xffff);
    if (w->o.id) {
        snprintf(w->id, sizeof w->id, "%s", w->o.id);
    } else {
        char host[64] = "host";
        if (w->host[0]) snprintf(host, sizeof host, "%.63s", w->host);
        for (char *p = host; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
                *p = '-';
        snprintf(w->id, sizeof w->id, "%.40s-%d-%04x", host, (int)getpid(), rand() & 0xffff);
    }
    snprintf(w->owner, sizeof w->owner, "%s %s", w->id, w->incarnation);
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

/* Before each /metrics scrape: the gauges. */
static void collect_gauges(void *ud)
{
    worker *w = ud;
    mx_set(MX_INFLIGHT_BATCHES, 0, 0, w->inflight);
    mx_set(MX_INFLIGHT_REQUESTS, 0, 0, (long long)stage_in_flight(w->stages));
}

/* Everything that lives as long as the process. */
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
    if (o->password) snprintf(w->url.pass, sizeof w->url.pass, "%s", o->password);
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
    w->env = (pl_env){w->stages, w->pool, &w->abandon, o->test_gate_prefix, o->test_gate_path,
                      on_remote_begin};
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

/* One connected session: both connections, registration, then the loop
 * until shutdown or until a connection breaks (w->lost). */
static void session(worker *w)
{
    w->lost = 0;
    char err[256];
    if (rsentinel_resolve(&w->url, err, sizeof err)) {
        log_kv("error", "sentinel_failed", "worker=%s msg=\"%s\"", w->id, err);
        w->lost = 1;
        return;
    }
    if (w->url.nsentinels)
        log_kv("info", "sentinel_master", "worker=%s master=%s host=%s port=%d", w->id,
               w->url.master, w->url.host, w->url.port);
    if (!(w->cmd = connect_one(w, &w->url)) || !(w->pop = connect_one(w, &w->url))) {
        w->lost = 1;
        return;
    }
    stage_set_redis(w->stages, w->cmd);
    opscheck_redis(w->cmd, w->id);
    send_register(w, 0);
    if (!w->lost) ev_run(w->loop, 0);
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
        if (w.started) delay = 0.25; /* the session worked: start the backoff over */
        int lost = w.lost && !w.stopping;
        drop_connections(&w);
        if (w.fatal || w.hung) rc = 1;
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
    if (w.hung) { /* a pool thread is stuck: it cannot be joined */
        log_kv("error", "worker_exit", "worker=%s code=1 hung=%d", w.id, w.hung);
        _exit(1);
    }
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
