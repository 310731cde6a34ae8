/* cmd_export.c - `ingest-coordinator export`: a job's nodes as TextNode
 * JSON lines (see export.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmds.h"
#include "err.h"
#include "export.h"
#include "follow.h"
#include "jobinfo.h"
#include "keys.h"
#include "rconn.h"
#include "rurl.h"
#include "textnode.h"
#include "wire.h"

typedef struct exp_state {
    redisContext *c;
    const char *job;
    FILE *out;
    buf_t *acc; /* export_batch_buf: nodes appended here instead of written to out */
    long count, missing, lost, bad_nodes;
    char *err;
    int errlen;
} exp_state;

/* 1 when the job recorded this batch (done set) as processed, not dead. */
static int recorded(exp_state *x, uint32_t seq, int *rc)
{
    char done[KEYS_MAX], dead[KEYS_MAX];
    keys_job_sub(done, x->job, "done");
    keys_job_sub(dead, x->job, "dead");
    redisReply *a = rconn_cmd(x->c, x->err, x->errlen, "SISMEMBER %s %u", done, seq);
    redisReply *b = a ? rconn_cmd(x->c, x->err, x->errlen, "HEXISTS %s %u", dead, seq) : NULL;
    int yes = a && b && a->integer == 1 && b->integer == 0;
    if (!a || !b) *rc = ERR_REDIS;
    freeReplyObject(a);
    freeReplyObject(b);
    return yes;
}

/* Writes one node per line; a node that cannot be rendered is reported and
 * skipped (export fails per node, never per job). */
/* Appends node i of batch seq as one line to b: 1, or 0 when it cannot be
 * rendered (reported, counted, b as it was). */
static int node_line(exp_state *x, buf_t *b, uint32_t seq, size_t i, const node_t *n)
{
    size_t at = b->len;
    int rc = textnode_json(n, b);
    if (!rc) rc = buf_putc(b, '\n');
    if (!rc) return 1;
    b->len = at;
    if (b->p) b->p[at] = '\0';
    fprintf(stderr, "export: batch %u node %zu: %s (skipped)\n", seq, i, err_str(rc));
    x->bad_nodes++;
    return 0;
}

static int write_nodes(exp_state *x, uint32_t seq, node_list *nl)
{
    buf_t own, *b = x->acc ? x->acc : &own;
    buf_init(&own, 0);
    int rc = 0;
    for (size_t i = 0; !rc && i < nl->n; i++) {
        if (b == &own) buf_reset(b);
        else if (b->len > b->max / 2) rc = ERR_TOOBIG; /* the batch, not this node: fail it */
        if (rc || !node_line(x, b, seq, i, nl->v[i])) continue;
        if (b == &own && fwrite(b->p, 1, b->len, x->out) != b->len) rc = ERR_IO;
        else x->count++;
    }
    if (rc) snprintf(x->err, (size_t)x->errlen, "export: %s", err_str(rc));
    buf_free(&own);
    return rc;
}

static int write_batch(exp_state *x, uint32_t seq);

int export_split_range(redisContext *c, const char *job, uint32_t seq, uint32_t *first, uint32_t *n,
                       char *err, int errlen)
{
    char key[KEYS_MAX];
    *first = *n = 0;
    if (seq >= KEYS_CHILD_BASE) return 0; /* children are never split again */
    keys_job_sub(key, job, "split");
    redisReply *r = rconn_cmd(c, err, errlen, "HGET %s %u", key, seq);
    if (!r) return ERR_REDIS;
    unsigned long long f = 0, k = 0;
    if (r->type == REDIS_REPLY_STRING && sscanf(r->str, "%llu %llu", &f, &k) == 2 &&
        f >= KEYS_CHILD_BASE && f + k <= UINT32_MAX && k <= 100000)
        *first = (uint32_t)f, *n = (uint32_t)k;
    freeReplyObject(r);
    return 0;
}

/* A batch split per document (poison isolation): its children, in order. */
static int write_children(exp_state *x, uint32_t seq, int *was_split)
{
    uint32_t first, n;
    int rc = export_split_range(x->c, x->job, seq, &first, &n, x->err, x->errlen);
    *was_split = n > 0;
    for (uint32_t i = 0; !rc && i < n; i++) rc = write_batch(x, first + i);
    return rc;
}

static int write_batch(exp_state *x, uint32_t seq)
{
    char key[KEYS_MAX];
    keys_out(key, x->job, seq);
    redisReply *r = rconn_cmd(x->c, x->err, x->errlen, "GET %s", key);
    if (!r) return ERR_REDIS;
    if (r->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        int rc = 0, split = 0;
        if ((rc = write_children(x, seq, &split))) return rc;
        if (split) return 0;
        if (recorded(x, seq, &rc)) x->lost++;
        else x->missing++;
        return rc;
    }
    node_list nl;
    int rc = wire_nodes_decode(r->str, r->len, &nl);
    freeReplyObject(r);
    if (rc) {
        fprintf(stderr, "export: batch %u of job %s: corrupt node data (skipped)\n", seq, x->job);
        x->lost++;
        return 0;
    }
    rc = write_nodes(x, seq, &nl);
    node_list_free(&nl);
    return rc;
}

static int one_batch(exp_state x, uint32_t seq, long *count, long *missing)
{
    int rc = write_batch(&x, seq);
    *count += x.count;
    *missing += x.missing + x.lost;
    return rc;
}

int export_batch(redisContext *c, const char *job, uint32_t seq, FILE *out, long *count, long *missing,
                 char *err, int errlen)
{
    exp_state x = {.c = c, .job = job, .out = out, .err = err, .errlen = errlen};
    return one_batch(x, seq, count, missing);
}

int export_batch_buf(redisContext *c, const char *job, uint32_t seq, buf_t *acc, long *count,
                     long *missing, char *err, int errlen)
{
    exp_state x = {.c = c, .job = job, .acc = acc, .err = err, .errlen = errlen};
    return one_batch(x, seq, count, missing);
}

long export_jsonl(redisContext *c, const char *job, FILE *out, long *missing, char *err,
                  int errlen)
{
    jobinfo ji;
    int rc = jobinfo_load(c, job, &ji, err, errlen);
    if (rc) return rc;
    exp_state x = {.c = c, .job = job, .out = out, .err = err, .errlen = errlen};
    for (int64_t s = 0; s < ji.batches_total && s < KEYS_CHILD_BASE; s++) {
        rc = write_batch(&x, (uint32_t)s);
        if (rc) return rc;
    }
    *missing = x.missing;
    if (fflush(out)) {
        snprintf(err, (size_t)errlen, "export: write failed");
        return ERR_IO;
    }
    if (x.lost || x.bad_nodes) {
        snprintf(err, (size_t)errlen, "incomplete: %ld nodes written, but %ld recorded batches "
                 "have no readable output (lost from Redis) and %ld nodes could not be rendered",
                 x.count, x.lost, x.bad_nodes);
        return ERR_STATE;
    }
    return x.count;
}

FILE *export_tmp_open(const char *path, char *tmp, size_t tmplen, char *err, int errlen)
{
    if (snprintf(tmp, tmplen, "%s.tmp.XXXXXX", path) >= (int)tmplen) {
        snprintf(err, (size_t)errlen, "export: path too long");
        return NULL;
    }
    int fd = mkstemp(tmp);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        snprintf(err, (size_t)errlen, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd), unlink(tmp);
        return NULL;
    }
    fchmod(fd, 0644);
    return out;
}

long export_tmp_close(FILE *out, const char *tmp, const char *path, long n, char *err, int errlen)
{
    if (fclose(out) && n >= 0) {
        snprintf(err, (size_t)errlen, "cannot write %s: %s", path, strerror(errno));
        n = ERR_IO;
    }
    if (n >= 0 && rename(tmp, path)) {
        snprintf(err, (size_t)errlen, "cannot write %s: %s", path, strerror(errno));
        n = ERR_IO;
    }
    if (n < 0) unlink(tmp);
    return n;
}

long export_to_path(redisContext *c, const char *job, const char *path, long *missing, char *err,
                    int errlen)
{
    char tmp[4096];
    FILE *out = export_tmp_open(path, tmp, sizeof tmp, err, errlen);
    if (!out) return ERR_IO;
    long n = export_jsonl(c, job, out, missing, err, errlen);
    return export_tmp_close(out, tmp, path, n, err, errlen);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ingest-coordinator export JOB [-o FILE] [--format jsonl] [--follow] [--redis URL]\n"
               "Writes the job's nodes as LlamaIndex TextNode JSON, one per line\n"
               "(TextNode.from_dict() loads each line).\n"
               "  --follow   stream: write each batch as it completes, then delete its output from\n"
               "             Redis; runs until the job finishes.  Run again with the same -o FILE\n"
               "             to resume after an interruption (nothing lost or repeated).\n");
}

/* Exit status and messages of an export that wrote n nodes (or failed: n < 0). */
static int report(long n, long missing, const char *err)
{
    if (n < 0) {
        fprintf(stderr, "export: %s\n", err);
        return n == ERR_NOTFOUND || n == ERR_INVAL || n == ERR_STATE ? EXIT_USAGE : 1;
    }
    if (missing) fprintf(stderr, "export: warning: %ld batches have no output (dead, cancelled or unfinished)\n", missing);
    fprintf(stderr, "export: %ld nodes\n", n);
    return 0;
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"format", required_argument, 0, 'f'},
                                         {"redis", required_argument, 0, 'r'},
                                         {"follow", no_argument, 0, 'F'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *outpath = NULL, *url = NULL;
    int ch, follow = 0;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': outpath = optarg; break;
        case 'f':
            if (strcmp(optarg, "jsonl")) {
                fprintf(stderr, "export: unknown format '%s' (supported: jsonl)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'r': url = optarg; break;
        case 'F': follow = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    char err[512];
    redisContext *c = rconn_open(rurl_pick(url), err, sizeof err);
    if (!c) {
        fprintf(stderr, "export: %s\n", err);
        return 1;
    }
    /* --follow: into FILE itself, resumable; else -o: a temp file renamed at the end,
     * so a failed export leaves FILE untouched */
    long missing = 0;
    long n = follow ? follow_run(c, argv[optind], outpath, &missing, err, sizeof err)
             : outpath ? export_to_path(c, argv[optind], outpath, &missing, err, sizeof err)
                       : export_jsonl(c, argv[optind], stdout, &missing, err, sizeof err);
    redisFree(c);
    return report(n, missing, err);
}
