/* follow.c - streaming, resumable export of a job's outputs (see follow.h). */
#include "follow.h"

#include <errno.h>
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

typedef struct follower {
    redisContext *c;
    const char *job;
    char key[KEYS_MAX];
    FILE *out;
    int fd; /* -1 for stdout: no truncation, no fsync */
    uint32_t seq;
    long long offset, nodes;
    long written, *missing;
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

/* Writes batch f->seq (or skips it when skip), makes it durable, commits. */
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

static int consume(follower *f, int skip)
{
    long count = 0;
    int rc = skip ? 0 : export_batch(f->c, f->job, f->seq, f->out, &count, f->missing, f->err, f->errlen);
    if (skip) (*f->missing)++;
    if (rc) return rc;
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

long follow_run(redisContext *c, const char *job, const char *path, long *missing, char *err, int errlen)
{
    follower f = {.c = c, .job = job, .fd = -1, .missing = missing, .err = err, .errlen = errlen};
    *missing = 0;
    jobinfo ji;
    int rc = jobinfo_load(c, job, &ji, err, errlen);
    if (!rc) keys_job(f.key, job);
    if (!rc) rc = attach(&f);
    if (!rc) rc = open_out(&f, path);
    long sleep_ms = POLL_MIN_MS;
    for (int idle = 0, finished = 0; !rc && !finished;) {
        rc = step(&f, &idle, &finished);
        if (rc || finished || !idle) {
            sleep_ms = POLL_MIN_MS;
            continue;
        }
        struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        sleep_ms = sleep_ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : sleep_ms * 2;
    }
    if (f.out && f.out != stdout) fclose(f.out);
    else if (f.fd >= 0) close(f.fd);
    return rc ? rc : f.written;
}
