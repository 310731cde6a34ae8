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

int export_batch(redisContext *c, const char *job, uint32_t seq, FILE *out, long *count, long *missing,
                 char *err, int errlen)
{
    char key[KEYS_MAX];
    keys_out(key, job, seq);
    redisReply *r = rconn_cmd(c, err, errlen, "GET %s", key);
    if (!r) return ERR_REDIS;
    if (r->type != REDIS_REPLY_STRING) {
        (*missing)++;
        freeReplyObject(r);
        return 0;
    }
    node_list nl;
    int rc = wire_nodes_decode(r->str, r->len, &nl);
    freeReplyObject(r);
    if (rc) {
        snprintf(err, (size_t)errlen, "batch %u of job %s: corrupt node data", seq, job);
        return rc;
    }
    buf_t b;
    buf_init(&b, 0);
    for (size_t i = 0; !rc && i < nl.n; i++) {
        buf_reset(&b);
        rc = textnode_json(nl.v[i], &b);
        if (!rc) rc = buf_putc(&b, '\n');
        if (!rc && fwrite(b.p, 1, b.len, out) != b.len) rc = ERR_IO;
        if (!rc) (*count)++;
    }
    if (rc) snprintf(err, (size_t)errlen, "export: %s", err_str(rc));
    buf_free(&b);
    node_list_free(&nl);
    return rc;
}

long export_jsonl(redisContext *c, const char *job, FILE *out, long *missing, char *err,
                  int errlen)
{
    jobinfo ji;
    int rc = jobinfo_load(c, job, &ji, err, errlen);
    if (rc) return rc;
    long count = 0;
    *missing = 0;
    for (int64_t s = 0; s < ji.batches_total; s++) {
        rc = export_batch(c, job, (uint32_t)s, out, &count, missing, err, errlen);
        if (rc) return rc;
    }
    if (fflush(out)) {
        snprintf(err, (size_t)errlen, "export: write failed");
        return ERR_IO;
    }
    return count;
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
