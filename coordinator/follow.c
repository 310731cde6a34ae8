/* follow.c - streaming, resumable export of a job's outputs (see follow.h). */
#include "follow.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "export.h"
#include "flow.h"
#include "jobinfo.h"
#include "keys.h"
#include "rconn.h"

#define POLL_MIN_MS 10
#define POLL_MAX_MS 100
#define RECONNECT_MS 250
#define COPY_POLL_MAX_MS 20 /* submit --wait --output: the last batch is on the critical path */

typedef struct follower {
    redisContext *c;
    const char *job;
    char key[KEYS_MAX];
    FILE *out;
    int fd; /* -1 for stdout: no truncation, no fsync */
    uint32_t seq;
    long long offset, nodes;
    long written, *missing;
    int keep;                 /* follow_copy: no cursor, outputs stay in Redis */
    follow_share *sh;         /* follow_copy: claims, turns, stop */
    const atomic_int *stop;   /* follow_copy: set to give up */
    buf_t acc;                /* follow_copy: the rendered batch awaiting its turn */
    const char *url;          /* follow_copy: reconnects there when Redis goes away */
    char *err;
    int errlen;
} follower;

/* Attaches: sets `stream`, reads the committed cursor. */
static int attach(follower *f)
{
    redisReply *r = rconn_cmd(f->c, f->err, f->errlen, "HSET %s stream 1", f->key);
    if (!r) return ERR_REDIS;
    freeReplyObject(r);
    if (!(r = rconn_cmd(f->c, f->err, f->errlen, "HMGET %s follow_seq follow_offset follow_nodes", f->key)))
        return ERR_REDIS;
    long long v[3] = {0, 0, 0};
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && i < 3; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING) v[i] = strtoll(r->element[i]->str, NULL, 10);
    freeReplyObject(r);
    f->seq = (uint32_t)v[0];
    f->offset = v[1];
    f->nodes = v[2];
    return 0;
}

/* Opens the output file at the committed offset. */
static int open_out(follower *f, const char *path)
{
    if (!path) {
        f->out = stdout;
        f->fd = -1;
        return 0;
    }
    f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st)) {
        snprintf(f->err, (size_t)f->errlen, "cannot open %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    if (st.st_size < f->offset) {
        snprintf(f->err, (size_t)f->errlen,
                 "%s has %lld bytes but %lld were committed by an earlier export --follow of job %s "
                 "(a different file?)", path, (long long)st.st_size, f->offset, f->job);
        return ERR_STATE;
    }
    if (ftruncate(f->fd, (off_t)f->offset) || lseek(f->fd, (off_t)f->offset, SEEK_SET) < 0 ||
        !(f->out = fdopen(f->fd, "w"))) {
        snprintf(f->err, (size_t)f->errlen, "cannot write %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    return 0;
}

#define COPY_BATCH_MAX ((size_t)8 << 30) /* a batch's JSON; the batch, not the cap, is the limit */

/* follow_copy, under sh->mu: writes b (batch next_write), then every parked
 * batch that follows it; their buffers become spares (at most FOLLOW_SPARE,
 * FOLLOW_PARK_BYTES of capacity in all) or are freed. */
static int write_run(follower *f, buf_t *b)
{
    follow_share *sh = f->sh;
    for (;;) {
        if (fwrite(b->p ? b->p : "", 1, b->len, sh->out) != b->len) {
            snprintf(f->err, (size_t)f->errlen, "export: write failed: %s", strerror(errno));
            return ERR_IO;
        }
        if (b != &f->acc) {
            sh->parked_bytes -= b->len;
            sh->ready[sh->next_write % FOLLOW_AHEAD] = 0;
            if (sh->nspare < FOLLOW_SPARE && sh->spare_bytes + b->cap <= FOLLOW_PARK_BYTES) {
                sh->spare_bytes += b->cap;
                sh->spare[sh->nspare++] = *b;
                buf_init(b, COPY_BATCH_MAX);
            } else {
                buf_free(b);
            }
        }
        uint32_t slot = ++sh->next_write % FOLLOW_AHEAD;
        if (!sh->ready[slot]) return 0;
        b = &sh->parked[slot];
    }
}

/* follow_copy, under sh->mu: the rendered batch f->seq goes out now if it is
 * its turn, is parked if there is room, else waits for its turn. */
static int place(follower *f)
{
    follow_share *sh = f->sh;
    uint32_t slot = f->seq % FOLLOW_AHEAD;
    if (sh->next_write != f->seq && sh->parked_bytes + f->acc.len <= FOLLOW_PARK_BYTES) {
        sh->parked[slot] = f->acc;
        sh->ready[slot] = 1;
        sh->parked_bytes += f->acc.len;
        if (sh->nspare) { /* reset by the caller */
            f->acc = sh->spare[--sh->nspare];
            sh->spare_bytes -= f->acc.cap;
        } else {
            buf_init(&f->acc, COPY_BATCH_MAX);
        }
        return 0;
    }
    while (sh->next_write != f->seq && !atomic_load(&sh->stop)) pthread_cond_wait(&sh->turn, &sh->mu);
    return atomic_load(&sh->stop) ? ERR_STATE : write_run(f, &f->acc);
}

/* follow_copy: places the rendered batch f->seq, claims the next one within
 * FOLLOW_AHEAD of the batch to write. */
static int copy_turn(follower *f, long count)
{
    follow_share *sh = f->sh;
    pthread_mutex_lock(&sh->mu);
    int rc = place(f);
    if (!rc) {
        f->written += count;
        pthread_cond_broadcast(&sh->turn);
        while (sh->next_claim - sh->next_write >= FOLLOW_AHEAD && !atomic_load(&sh->stop))
            pthread_cond_wait(&sh->turn, &sh->mu);
        rc = atomic_load(&sh->stop) ? ERR_STATE : 0;
        if (!rc) f->seq = sh->next_claim++;
    }
    pthread_mutex_unlock(&sh->mu);
    if (rc == ERR_STATE) snprintf(f->err, (size_t)f->errlen, "export of job %s stopped", f->job);
    buf_reset(&f->acc); /* its pages stay: the next batch lands in memory already mapped */
    return rc;
}

/* 1 if batch seq has been acknowledged (recorded or dead). */
static int acked(follower *f, uint32_t seq, int *yes)
{
    char done[KEYS_MAX];
    keys_job_sub(done, f->job, "done");
    redisReply *r = rconn_cmd(f->c, f->err, f->errlen, "SISMEMBER %s %u", done, seq);
    if (!r) return ERR_REDIS;
    *yes = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return 0;
}

/* A split batch (poison isolation) is ready when all its children are. */
static int children_acked(follower *f, uint32_t seq, int *yes)
{
    uint32_t first, n;
    int rc = export_split_range(f->c, f->job, seq, &first, &n, f->err, f->errlen);
    for (uint32_t i = 0; !rc && *yes && i < n; i++) rc = acked(f, first + i, yes);
    return rc;
}

/* Written and committed: a split batch's children's outputs go too. */
static void unlink_children(follower *f, uint32_t seq)
{
    uint32_t first, n;
    if (export_split_range(f->c, f->job, seq, &first, &n, f->err, f->errlen)) return;
    for (uint32_t i = 0; i < n; i++) {
        char out[KEYS_MAX];
        keys_out(out, f->job, first + i);
        redisReply *r = rconn_cmd(f->c, f->err, f->errlen, "UNLINK %s", out);
        if (r) freeReplyObject(r);
    }
}

/* Writes batch f->seq (or skips it when skip), makes it durable, commits
 * (follow_copy: writes it in its turn). */
static int consume(follower *f, int skip)
{
    long count = 0;
    int rc = skip      ? 0
             : f->keep ? export_batch_buf(f->c, f->job, f->seq, &f->acc, &count, f->missing, f->err, f->errlen)
                       : export_batch(f->c, f->job, f->seq, f->out, &count, f->missing, f->err, f->errlen);
    if (skip) (*f->missing)++;
    if (rc) return rc;
    if (f->keep) return copy_turn(f, count);
    if (fflush(f->out) || (f->fd >= 0 && fsync(f->fd))) {
        snprintf(f->err, (size_t)f->errlen, "export: write failed: %s", strerror(errno));
        return ERR_IO;
    }
    if (f->fd >= 0) f->offset = (long long)ftello(f->out);
    char out[KEYS_MAX], a[4][24];
    keys_out(out, f->job, f->seq);
    snprintf(a[0], 24, "%u", f->seq);
    snprintf(a[1], 24, "%u", f->seq + 1);
    snprintf(a[2], 24, "%lld", f->offset);
    snprintf(a[3], 24, "%lld", f->nodes + count);
    const char *av[] = {"EVAL", FLOW_COMMIT, "2", f->key, out, a[0], a[1], a[2], a[3]};
    redisReply *r = rconn_argv(f->c, f->err, f->errlen, 9, av, NULL);
    if (!r) return ERR_REDIS;
    int ok = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (!ok) {
        snprintf(f->err, (size_t)f->errlen, "job %s: another export --follow moved the cursor (or the job is gone)", f->job);
        return ERR_STATE;
    }
    unlink_children(f, f->seq);
    f->seq++;
    f->nodes += count;
    f->written += count;
    return 0;
}

/* One step: consumes the next batch if it is ready; *idle when nothing was
 * ready, *finished when there is nothing more to wait for. */
static int step(follower *f, int *idle, int *finished)
{
    jobinfo ji;
    int rc = jobinfo_load(f->c, f->job, &ji, f->err, f->errlen), yes = 0;
    if (rc) return rc;
    *idle = *finished = 0;
    if ((int64_t)f->seq >= ji.batches_total) {
        *finished = ji.sealed || !strcmp(ji.state, "cancelled");
        *idle = 1;
        return 0;
    }
    if ((rc = acked(f, f->seq, &yes)) || (yes && (rc = children_acked(f, f->seq, &yes)))) return rc;
    if (yes || !strcmp(ji.state, "cancelled")) return consume(f, !yes);
    *idle = 1;
    return 0;
}

/* follow_copy: after a lost connection, reconnects and drops what was
 * rendered of the batch (a split batch's first children), to redo it; 0 or rc. */
static int recover(follower *f, int rc)
{
    if (rc != ERR_REDIS || !f->url || (f->c && !f->c->err)) return rc;
    buf_reset(&f->acc);
    rconn_drop(&f->c);
    char e[256];
    rconn_ensure(&f->c, f->url, e, sizeof e); /* still NULL: retried after the next sleep */
    return 0;
}

/* Steps until the job is finished (or *f->stop), polling with backoff while idle. */
static int drive(follower *f, long max_sleep_ms)
{
    int rc = 0;
    long sleep_ms = POLL_MIN_MS;
    for (int idle = 0, finished = 0; !rc && !finished;) {
        if (f->stop && atomic_load(f->stop)) {
            snprintf(f->err, (size_t)f->errlen, "export of job %s stopped", f->job);
            return ERR_STATE;
        }
        rc = f->c ? step(f, &idle, &finished) : ERR_REDIS;
        if (rc == ERR_REDIS && !(rc = recover(f, rc))) idle = 1, sleep_ms = RECONNECT_MS;
        if (rc || finished || !idle) {
            sleep_ms = POLL_MIN_MS;
            continue;
        }
        struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (sleep_ms < max_sleep_ms) sleep_ms = sleep_ms * 2 > max_sleep_ms ? max_sleep_ms : sleep_ms * 2;
    }
    return rc;
}

long follow_run(redisContext *c, const char *job, const char *path, long *missing, char *err, int errlen)
{
    follower f = {.c = c, .job = job, .fd = -1, .missing = missing, .err = err, .errlen = errlen};
    *missing = 0;
    jobinfo ji;
    int rc = jobinfo_load(c, job, &ji, err, errlen);
    if (!rc) keys_job(f.key, job);
    if (!rc) rc = attach(&f);
    if (!rc) rc = open_out(&f, path);
    if (!rc) rc = drive(&f, POLL_MAX_MS);
    if (f.out && f.out != stdout) fclose(f.out);
    else if (f.fd >= 0) close(f.fd);
    return rc ? rc : f.written;
}

void follow_share_init(follow_share *sh, FILE *out)
{
    memset(sh, 0, sizeof *sh);
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->turn, NULL);
    atomic_init(&sh->stop, 0);
    sh->out = out;
}

void follow_share_free(follow_share *sh)
{
    for (int i = 0; i < FOLLOW_AHEAD; i++) buf_free(&sh->parked[i]);
    for (int i = 0; i < sh->nspare; i++) buf_free(&sh->spare[i]);
    pthread_mutex_destroy(&sh->mu);
    pthread_cond_destroy(&sh->turn);
}

void follow_share_stop(follow_share *sh)
{
    pthread_mutex_lock(&sh->mu);
    atomic_store(&sh->stop, 1);
    pthread_cond_broadcast(&sh->turn);
    pthread_mutex_unlock(&sh->mu);
}

long follow_copy(redisContext **c, const char *url, const char *job, follow_share *sh, long *missing,
                 char *err, int errlen)
{
    follower f = {.c = *c, .job = job, .fd = -1, .missing = missing, .keep = 1, .sh = sh,
                  .stop = &sh->stop, .url = url, .err = err, .errlen = errlen};
    *missing = 0;
    int rc = keys_job(f.key, job) ? ERR_INVAL : 0;
    buf_init(&f.acc, COPY_BATCH_MAX);
    if (!rc) {
        pthread_mutex_lock(&sh->mu);
        f.seq = sh->next_claim++;
        pthread_mutex_unlock(&sh->mu);
        rc = drive(&f, COPY_POLL_MAX_MS);
    }
    *c = f.c;
    buf_free(&f.acc);
    if (rc && rc != ERR_STATE) follow_share_stop(sh); /* the others stop too */
    if (rc == ERR_NOMEM) snprintf(err, (size_t)errlen, "export: %s", err_str(rc));
    return rc ? rc : f.written;
}
