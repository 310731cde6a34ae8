/* cmd_retry.c - `ingest-coordinator retry JOB [--wait]`: re-runs a finished
 * job's failed documents and dead batches.
 *
 * The ack script keeps the payload of every batch that was dead or had a
 * failed document and records its seq in the hash ingest:job:<job>:retry
 * (seq -> "dead" | "failed").  Retry reads
 * those payloads, keeps the documents still recorded as failed (the job's
 * errors hash), packs them into new batches (seqs after the last one) and,
 * in one script (SCRIPT_RETRY), stores them, forgets the old payloads and
 * the documents' errors, and puts the job back to running.  The nodes of
 * the documents that succeeded stay where they were; with the transformation
 * cache the retried documents only pay for what had failed.  The script
 * refuses if the job changed meanwhile (another retry, a running job). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "err.h"
#include "jobinfo.h"
#include "keys.h"
#include "progress.h"
#include "rconn.h"
#include "rurl.h"
#include "scripts.h"
#include "watch.h"
#include "wire.h"

typedef struct rbatch {
    uint32_t old_seq;
    int dead;
    buf_t payload; /* the new batch */
    char old_key[KEYS_MAX], new_key[KEYS_MAX], new_ref[KEYS_MAX], seq[16];
} rbatch;

typedef struct retry {
    redisContext *c;
    const char *job;
    char err[512];
    json_t *failed; /* doc id -> true: the job's errors hash */
    rbatch *b;
    size_t nb;
    strv_t ids;     /* documents requeued */
    long long total;
} retry;

static int load_failed(retry *r)
{
    char key[KEYS_MAX];
    keys_job_sub(key, r->job, "errors");
    redisReply *rep = rconn_cmd(r->c, r->err, sizeof r->err, "HKEYS %s", key);
    if (!rep) return -1;
    r->failed = json_object();
    for (size_t i = 0; r->failed && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++)
        json_object_set_new(r->failed, rep->element[i]->str, json_true());
    freeReplyObject(rep);
    return r->failed ? 0 : -1;
}

/* Builds the new batch of one kept payload: its documents still failed. */
static int add_batch(retry *r, uint32_t seq, int dead)
{
    rbatch *b = &r->b[r->nb];
    memset(b, 0, sizeof *b);
    keys_batch(b->old_key, r->job, seq);
    redisReply *p = rconn_cmd(r->c, r->err, sizeof r->err, "GET %s", b->old_key);
    if (!p) return -1;
    wire_batch wb, nw = {0};
    int rc = p->type == REDIS_REPLY_STRING ? wire_batch_decode(p->str, p->len, &wb) : ERR_NOTFOUND;
    freeReplyObject(p);
    if (rc) {
        fprintf(stderr, "retry: batch %u: payload %s, skipped\n", seq, rc == ERR_NOTFOUND ? "gone" : "malformed");
        return 0;
    }
    nw.job = wb.job, nw.seq = (uint32_t)(r->total + (long long)r->nb);
    nw.docs = calloc(wb.n ? wb.n : 1, sizeof *nw.docs); /* shallow copies of wb's */
    for (size_t i = 0; nw.docs && i < wb.n; i++)
        if (json_object_get(r->failed, wb.docs[i].id) && !strv_push(&r->ids, wb.docs[i].id))
            nw.docs[nw.n++] = wb.docs[i];
    buf_init(&b->payload, 0);
    rc = !nw.docs ? ERR_NOMEM : nw.n ? wire_batch_encode(&nw, &b->payload) : 0;
    if (!rc && nw.n) {
        b->dead = dead;
        b->old_seq = seq;
        snprintf(b->seq, sizeof b->seq, "%u", seq);
        keys_batch(b->new_key, r->job, nw.seq);
        keys_ref(b->new_ref, r->job, nw.seq);
        r->nb++;
    } else {
        buf_free(&b->payload);
    }
    free(nw.docs);
    wire_batch_free(&wb);
    if (rc) snprintf(r->err, sizeof r->err, "batch %u: %s", seq, err_str(rc));
    return rc ? -1 : 0;
}

static int collect(retry *r)
{
    char key[KEYS_MAX];
    keys_job(key, r->job);
    redisReply *h = rconn_cmd(r->c, r->err, sizeof r->err, "HMGET %s state batches_total", key);
    if (!h) return -1;
    int ok = h->type == REDIS_REPLY_ARRAY && h->elements == 2 && h->element[0]->type == REDIS_REPLY_STRING;
    int fin = ok && (!strcmp(h->element[0]->str, "done") || !strcmp(h->element[0]->str, "failed"));
    if (ok && fin) r->total = h->element[1]->type == REDIS_REPLY_STRING ? strtoll(h->element[1]->str, NULL, 10) : 0;
    if (!ok) snprintf(r->err, sizeof r->err, "no such job '%s'", r->job);
    else if (!fin) snprintf(r->err, sizeof r->err, "job '%s' is %s: only a done or failed job can be retried", r->job, h->element[0]->str);
    freeReplyObject(h);
    if (!fin) return ok ? -1 : ERR_NOTFOUND;
    keys_job_sub(key, r->job, "retry");
    redisReply *s = load_failed(r) ? NULL : rconn_cmd(r->c, r->err, sizeof r->err, "HGETALL %s", key);
    if (!s) return -1;
    int rc = s->type == REDIS_REPLY_ARRAY && (r->b = calloc(s->elements / 2 + 1, sizeof *r->b)) ? 0 : -1;
    for (size_t i = 0; !rc && i + 1 < s->elements; i += 2)
        rc = add_batch(r, (uint32_t)strtoul(s->element[i]->str, NULL, 10),
                       !strcmp(s->element[i + 1]->str, "dead"));
    freeReplyObject(s);
    return rc;
}

static int requeue(retry *r)
{
    size_t argc = 3 + 4 + 2 * r->nb + 2 + 4 * r->nb + r->ids.n;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *lens = calloc(argc, sizeof *lens);
    char k[4][KEYS_MAX], nk[16], total[24], nb[24];
    if (!argv || !lens) {
        free(argv), free(lens);
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    keys_job(k[0], r->job);
    snprintf(k[1], KEYS_MAX, "%s", KEYS_QUEUE);
    keys_job_sub(k[2], r->job, "errors");
    keys_job_sub(k[3], r->job, "retry");
    snprintf(nk, sizeof nk, "%zu", 4 + 2 * r->nb);
    snprintf(total, sizeof total, "%lld", r->total);
    snprintf(nb, sizeof nb, "%zu", r->nb);
    size_t a = 0;
    const char *head[] = {"EVAL", SCRIPT_RETRY, nk, k[0], k[1], k[2], k[3]};
    for (size_t i = 0; i < 7; i++) argv[a++] = head[i];
    for (size_t i = 0; i < r->nb; i++) argv[a++] = r->b[i].old_key, argv[a++] = r->b[i].new_key;
    argv[a++] = total, argv[a++] = nb;
    for (size_t i = 0; i < r->nb; i++) {
        argv[a++] = r->b[i].seq, argv[a++] = r->b[i].new_ref;
        lens[a] = r->b[i].payload.len, argv[a++] = r->b[i].payload.p;
        argv[a++] = r->b[i].dead ? "1" : "0";
    }
    for (size_t i = 0; i < r->ids.n; i++) argv[a++] = r->ids.v[i];
    for (size_t i = 0; i < argc; i++)
        if (!lens[i]) lens[i] = strlen(argv[i]);
    redisReply *rep = rconn_argv(r->c, r->err, sizeof r->err, (int)argc, argv, lens);
    free(argv);
    free(lens);
    if (!rep) return -1;
    long long v = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -3;
    freeReplyObject(rep);
    if (v < 0) snprintf(r->err, sizeof r->err, "job '%s' changed meanwhile (another retry?); try again", r->job);
    return v < 0 ? -1 : 0;
}

static void retry_free(retry *r)
{
    for (size_t i = 0; r->b && i < r->nb; i++) buf_free(&r->b[i].payload);
    free(r->b);
    json_decref(r->failed);
    strv_free(&r->ids);
    if (r->c) redisFree(r->c);
}

int cmd_retry(int argc, char **argv)
{
    static const struct option opts[] = {{"redis", required_argument, 0, 'r'},
                                         {"wait", no_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *url = NULL;
    int wait = 0, ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'r') url = optarg;
        else if (ch == 'w') wait = 1;
        else {
            fprintf(ch == 'h' ? stdout : stderr, "usage: ingest-coordinator retry JOB [--wait] [--redis URL]\n");
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || !keys_valid_id(argv[optind])) {
        fprintf(stderr, "usage: ingest-coordinator retry JOB [--wait] [--redis URL]\n");
        return EXIT_USAGE;
    }
    retry r = {.job = argv[optind]};
    int rc = (r.c = rconn_open(rurl_pick(url), r.err, sizeof r.err)) ? collect(&r) : -1;
    if (!rc && r.nb) rc = requeue(&r);
    if (rc) {
        fprintf(stderr, "retry: %s\n", r.err);
        retry_free(&r);
        return rc == ERR_NOTFOUND ? EXIT_USAGE : 1;
    }
    printf("retry: %zu documents requeued in %zu batches\n", r.ids.n, r.nb);
    jobinfo ji;
    watch_opts wo = {.fd = 2, .mode = VIEW_INLINE, .interval_s = 5};
    if (wait && r.nb && !watch_follow(rurl_pick(url), &r.c, r.job, &wo, &ji, r.err, sizeof r.err) &&
        ji.docs_failed)
        rc = progress_print_errors(r.c, r.job, stderr) ? EXIT_DOCS_FAILED : 0;
    retry_free(&r);
    return rc;
}
