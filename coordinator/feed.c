/* feed.c - windowed, leased batch pushing for `submit` (see feed.h). */
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "flow.h"
#include "jobinfo.h"
#include "rconn.h"

#define POLL_MIN_MS 20
#define POLL_MAX_MS 100
#define BEAT_MS 1000
#define WAIT_MSG_MS 3000
#define FEED_RATIO_GUESS 4.0 /* output/input bytes before any output was seen */

void feed_make_token(char *out, size_t len)
{
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(out, len, "%.40s-%d-%06lx", host, (int)getpid(), (unsigned long)(ts.tv_nsec & 0xffffff));
}

static int read_cursor(feed *f, uint32_t *cursor);
static int lease_error(feed *f, const char *st);

int feed_init(feed *f, redisContext *c, const char *job, const char *token, uint32_t next_seq,
              long max_batches, long long max_bytes, char *err, int errlen)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    snprintf(f->job, sizeof f->job, "%s", job);
    snprintf(f->token, sizeof f->token, "%s", token);
    f->next_seq = next_seq;
    f->max_batches = max_batches;
    f->max_bytes = max_bytes;
    f->err = err;
    f->errlen = errlen;
    f->last_beat_ms = f->last_progress_ms = jobinfo_now_ms();
    f->win = calloc((size_t)max_batches + 1, sizeof *f->win);
    if (!f->win) return ERR_NOMEM;
    uint32_t cursor; /* a streaming job's first batches already count by their expected output */
    int rc = read_cursor(f, &cursor);
    f->streaming = !rc && cursor != UINT32_MAX;
    return rc;
}

void feed_free(feed *f)
{
    free(f->win);
    f->win = NULL;
    strv_free(&f->skipped);
}

int feed_docstore(feed *f, const char *coll, const char *strategy)
{
    char k[KEYS_DOCSTORE_N][KEYS_MAX];
    if (keys_docstore_all(k, coll, f->job)) return ERR_INVAL;
    f->ds_mode = strcmp(strategy, "upserts_and_delete") ? 'k' : 'd';
    snprintf(f->ds_files, sizeof f->ds_files, "%s", k[4]);
    snprintf(f->ds_seen, sizeof f->ds_seen, "%s", k[2]);
    return 0;
}

int feed_skip(feed *f, const char *id) { return strv_push(&f->skipped, id) ? ERR_NOMEM : 0; }

/* The checked reply of a lease-holding script: 0, or the lease error. */
static int lease_reply(feed *f, redisReply *r, const char *what)
{
    if (!r) return ERR_REDIS;
    int rc = 0;
    if (r->type != REDIS_REPLY_STRING) {
        snprintf(f->err, (size_t)f->errlen, "redis: unexpected reply to the %s script", what);
        rc = ERR_REDIS;
    } else if (strcmp(r->str, "ok"))
        rc = lease_error(f, r->str);
    freeReplyObject(r);
    return rc;
}

/* Runs script with argv[0..n) then, for a docstore job, the queued skipped files. */
static int run_with_skips(feed *f, const char **av, size_t *lens, int n, const char *what)
{
    size_t total = (size_t)n + 1 + f->skipped.n;
    const char **v = malloc(total * sizeof *v);
    size_t *l = malloc(total * sizeof *l);
    if (!v || !l) {
        free(v), free(l);
        return ERR_NOMEM;
    }
    static const char modes[][2] = {"k", "d"};
    for (int i = 0; i < n; i++) v[i] = av[i], l[i] = lens ? lens[i] : strlen(av[i]);
    int m = n;
    if (f->skipped.n) {
        v[m] = modes[f->ds_mode == 'd'], l[m++] = 1;
        for (size_t i = 0; i < f->skipped.n; i++) v[m] = f->skipped.v[i], l[m++] = strlen(f->skipped.v[i]);
    }
    int rc = lease_reply(f, rconn_argv(f->c, f->err, f->errlen, m, v, l), what);
    free(v);
    free(l);
    if (!rc) strv_free(&f->skipped);
    return rc;
}

int feed_flush_skips(feed *f)
{
    if (!f->skipped.n) return 0;
    char jkey[KEYS_MAX];
    keys_job(jkey, f->job);
    const char *av[] = {"EVAL", FLOW_SKIP, "3", jkey, f->ds_files, f->ds_seen, f->token};
    return run_with_skips(f, av, NULL, 7, "skip");
}

static int lease_error(feed *f, const char *st)
{
    if (!strcmp(st, "superseded"))
        snprintf(f->err, (size_t)f->errlen, "job %s: another submitter took over (submit --resume)", f->job);
    else if (!strcmp(st, "out_of_order"))
        snprintf(f->err, (size_t)f->errlen, "job %s: batch %u was pushed by another submitter", f->job, f->next_seq);
    else if (!strcmp(st, "gone"))
        snprintf(f->err, (size_t)f->errlen, "job %s no longer exists (deleted?): submission stopped", f->job);
    else
        snprintf(f->err, (size_t)f->errlen, "job %s is %s: submission stopped", f->job, st);
    return ERR_STATE;
}

int feed_beat(feed *f)
{
    char key[KEYS_MAX];
    keys_job(key, f->job);
    const char *av[] = {"EVAL", FLOW_BEAT, "1", key, f->token};
    redisReply *r = rconn_argv(f->c, f->err, f->errlen, 5, av, NULL);
    if (!r) return ERR_REDIS;
    int rc = 0;
    if (r->type != REDIS_REPLY_STRING) rc = lease_error(f, "gone");
    else if (!strcmp(r->str, "superseded") || !strcmp(r->str, "cancelled")) rc = lease_error(f, r->str);
    freeReplyObject(r);
    f->last_beat_ms = jobinfo_now_ms();
    return rc;
}

static void slot_drop(feed *f, size_t i)
{
    f->win[i] = f->win[--f->n];
    f->last_progress_ms = jobinfo_now_ms();
}

/* The job's `stream` flag and follower cursor (UINT32_MAX when not streaming). */
static int read_cursor(feed *f, uint32_t *cursor)
{
    char key[KEYS_MAX];
    keys_job(key, f->job);
    redisReply *r = rconn_cmd(f->c, f->err, f->errlen, "HMGET %s stream follow_seq", key);
    if (!r) return ERR_REDIS;
    *cursor = UINT32_MAX;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
        !strcmp(r->element[0]->str, "1"))
        *cursor = r->element[1]->type == REDIS_REPLY_STRING ? (uint32_t)strtoul(r->element[1]->str, NULL, 10) : 0;
    freeReplyObject(r);
    return 0;
}

/* One pipelined pass over the window: acknowledged batches leave it (or, when
 * streaming, count by their output until the follower is past them). */
static int refresh(feed *f)
{
    uint32_t cursor;
    int rc = read_cursor(f, &cursor);
    if (rc) return rc;
    f->streaming = cursor != UINT32_MAX;
    for (size_t i = f->n; i-- > 0;)
        if (cursor != UINT32_MAX && f->win[i].seq < cursor) slot_drop(f, i);
    char done[KEYS_MAX], out[KEYS_MAX];
    keys_job_sub(done, f->job, "done");
    for (size_t i = 0; i < f->n; i++) {
        keys_out(out, f->job, f->win[i].seq);
        redisAppendCommand(f->c, "SISMEMBER %s %u", done, f->win[i].seq);
        redisAppendCommand(f->c, "STRLEN %s", out);
    }
    int64_t *acked = calloc(f->n + 1, sizeof *acked), *olen = calloc(f->n + 1, sizeof *olen);
    for (size_t i = 0; i < f->n; i++)
        for (int k = 0; k < 2; k++) {
            redisReply *r = rconn_next(f->c, f->err, f->errlen);
            if (!r) rc = ERR_REDIS;
            else if (acked && olen) (k ? olen : acked)[i] = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
            if (r) freeReplyObject(r);
        }
    if (!rc && (!acked || !olen)) rc = ERR_NOMEM;
    for (size_t i = f->n; !rc && i-- > 0;) {
        if (!acked[i] || f->win[i].out) continue;
        if (cursor == UINT32_MAX) {
            slot_drop(f, i);
            continue;
        }
        double r = f->win[i].bytes ? (double)olen[i] / (double)f->win[i].bytes : 1.0;
        if (r > f->out_ratio) f->out_ratio = r;
        f->win[i].bytes = (size_t)olen[i];
        f->win[i].out = 1;
        f->last_progress_ms = jobinfo_now_ms();
    }
    free(acked);
    free(olen);
    return rc;
}

int feed_seed(feed *f)
{
    uint32_t lo = f->next_seq > (uint32_t)f->max_batches ? f->next_seq - (uint32_t)f->max_batches : 0;
    char key[KEYS_MAX];
    for (uint32_t s = lo; s < f->next_seq; s++) {
        keys_batch(key, f->job, s);
        redisReply *r = rconn_cmd(f->c, f->err, f->errlen, "STRLEN %s", key);
        if (!r) return ERR_REDIS;
        f->win[f->n++] = (feed_slot){s, r->type == REDIS_REPLY_INTEGER ? (size_t)r->integer : 0, 0};
        freeReplyObject(r);
    }
    return refresh(f);
}

/* Bytes the window's batches hold or will hold in Redis: a streaming job's
 * unacknowledged batch counts as its expected output (the largest
 * output/input ratio seen so far), so outputs never overshoot the window. */
static long long pending(const feed *f, size_t extra)
{
    double ratio = !f->streaming ? 1.0 : f->out_ratio > 0 ? f->out_ratio : FEED_RATIO_GUESS;
    double sum = (double)extra * ratio;
    for (size_t i = 0; i < f->n; i++) sum += (double)f->win[i].bytes * (f->win[i].out ? 1.0 : ratio);
    return (long long)sum;
}

static int full(const feed *f, size_t len)
{
    return f->n > 0 && ((long)f->n + 1 > f->max_batches || pending(f, len) > f->max_bytes);
}

static void say_waiting(feed *f, int64_t now)
{
    if (now - f->last_progress_ms < WAIT_MSG_MS || now - f->last_msg_ms < 10 * WAIT_MSG_MS) return;
    f->last_msg_ms = now;
    fprintf(stderr,
            "submit: job %s is waiting for workers%s: %zu batches (%lld bytes) pending, window "
            "%ld batches / %lld bytes, none finished for %.0f s\n",
            f->job, f->streaming ? " or for `export --follow` to consume outputs" : "", f->n,
            pending(f, 0), f->max_batches, f->max_bytes,
            (double)(now - f->last_progress_ms) / 1000.0);
}

static int wait_room(feed *f, size_t len)
{
    long sleep_ms = POLL_MIN_MS;
    while (full(f, len)) {
        int rc = refresh(f);
        if (rc) return rc;
        if (!full(f, len)) break;
        int64_t now = jobinfo_now_ms();
        if (now - f->last_beat_ms >= BEAT_MS && (rc = feed_beat(f))) return rc;
        say_waiting(f, now);
        struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        sleep_ms = sleep_ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : sleep_ms * 2;
    }
    return 0;
}

int feed_push(feed *f, const char *payload, size_t len, size_t ndocs)
{
    int rc = wait_room(f, len);
    if (rc) return rc;
    char bkey[KEYS_MAX], jkey[KEYS_MAX], ref[KEYS_MAX], nd[24], seq[16];
    keys_batch(bkey, f->job, f->next_seq);
    keys_job(jkey, f->job);
    keys_ref(ref, f->job, f->next_seq);
    snprintf(nd, sizeof nd, "%zu", ndocs);
    snprintf(seq, sizeof seq, "%u", f->next_seq);
    int sk = f->skipped.n > 0; /* skipped files before this batch's last: counted with it */
    const char *av[] = {"EVAL", FLOW_FEED, sk ? "5" : "3", bkey, jkey, KEYS_QUEUE, f->ds_files,
                        f->ds_seen, payload, ref, nd, f->token, seq};
    size_t lens[13];
    for (int i = 0; i < 13; i++) lens[i] = i == 8 ? len : strlen(av[i]);
    if (!sk) { /* no docstore keys */
        memmove(av + 6, av + 8, 5 * sizeof *av);
        memmove(lens + 6, lens + 8, 5 * sizeof *lens);
    }
    rc = run_with_skips(f, av, lens, sk ? 13 : 11, "feed");
    if (rc) return rc;
    f->win[f->n++] = (feed_slot){f->next_seq, len, 0};
    f->next_seq++;
    f->last_beat_ms = jobinfo_now_ms();
    return 0;
}
