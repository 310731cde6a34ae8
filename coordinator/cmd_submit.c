/* cmd_submit.c - `ingest-coordinator submit`: walk, read, batch, enqueue.
 *
 * The job hash is written first (state queued, the validated spec, the walk
 * options and the submitter's lease), the job id is printed, then each batch
 * is stored and pushed in one atomic script as the window allows (feed.c),
 * then the job is sealed (batches_total is final).  `--resume JOB` continues
 * an interrupted submission (resume.c).  Workers may start before sealing; the
 * job is finished by whichever of the last ack or the seal comes second.
 * A file that cannot be read is still shipped, with its error, so it shows
 * up as a failed document instead of disappearing. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmds.h"
#include "dscheck.h"
#include "err.h"
#include "export.h"
#include "jobinfo.h"
#include "keys.h"
#include "lijson.h"
#include "mime.h"
#include "outwriter.h"
#include "progress.h"
#include "rconn.h"
#include "utf8.h"
#include "rurl.h"
#include "scripts.h"
#include "feed.h"
#include "resume.h"
#include "spec.h"
#include "submit.h"
#include "walk.h"
#include "watch.h"
#include "wire.h"

typedef struct submitter {
    redisContext *c;
    char job[KEYS_ID_MAX + 1];
    wire_batch batch;
    size_t batch_bytes;
    feed feed;
    char token[64];
    submit_opts *o;
    outwriter ow; /* --output: the export runs while the job does */
    char err[512];
} submitter;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: ingest-coordinator submit [options] PATH...\n"
        "Reads files (a directory's files, like LlamaIndex's SimpleDirectoryReader), packs\n"
        "them into batches on Redis and prints the job id.\n"
        "  --redis URL          redis://[user:pass@]host:port/db or unix:///path\n"
        "                       (default: $INGEST_REDIS_URL, else %s)\n"
        "  --pipeline FILE      pipeline spec JSON, or LlamaIndex's to_dict() list (default:\n"
        "                       SentenceSplitter(1024, 20) + HashEmbedding(384))\n"
        "  --batch-docs N       at most N files per batch (default 4)\n"
        "  --batch-bytes N      at most N bytes of files per batch (default 4194304)\n"
        "  --max-file-bytes N   larger files fail as documents (default 268435456)\n"
        "  --recursive          descend into subdirectories\n"
        "  --ext .txt,.md       only these extensions (case-sensitive, like LlamaIndex's\n"
        "                       required_exts)\n"
        "  --wait               show progress until the job finishes\n"
        "  --output FILE.jsonl  with --wait: export the nodes there when done\n"
        "  --max-pending-batches N  at most N of the job's batches pending in Redis (default 64)\n"
        "  --max-pending-bytes N    at most N bytes of them (default 33554432); more are pushed\n"
        "                       as workers finish batches\n"
        "  --stream             outputs are consumed by `export --follow`: the window also\n"
        "                       counts outputs not yet consumed\n"
        "  --retention S        keep a finished job's keys S seconds (default 604800; 0 = forever)\n"
        "  --resume JOB         continue JOB's interrupted submission (same PATHs)\n"
        "exit: 0 ok, 1 runtime error, 2 usage error, 3 some documents failed\n",
        RURL_DEFAULT);
}

static int parse_opts(int argc, char **argv, submit_opts *o)
{
    static const struct option opts[] = {
        {"redis", required_argument, 0, 'r'},       {"pipeline", required_argument, 0, 'p'},
        {"batch-docs", required_argument, 0, 'd'},  {"batch-bytes", required_argument, 0, 'b'},
        {"max-file-bytes", required_argument, 0, 'm'}, {"recursive", no_argument, 0, 'R'},
        {"ext", required_argument, 0, 'e'},         {"wait", no_argument, 0, 'w'},
        {"output", required_argument, 0, 'o'},      {"help", no_argument, 0, 'h'},
        {"max-pending-batches", required_argument, 0, 'P'}, {"max-pending-bytes", required_argument, 0, 'B'},
        {"stream", no_argument, 0, 'S'},            {"retention", required_argument, 0, 'T'},
        {"resume", required_argument, 0, 'U'},
        {0, 0, 0, 0}};
    *o = (submit_opts){.batch_docs = 4, .batch_bytes = 4 << 20, .max_file_bytes = 256LL << 20,
                       .max_pending_batches = 64, .max_pending_bytes = 32LL << 20, .retention_s = 604800};
    int ch;
    char *end;
    while ((ch = getopt_long(argc, argv, "hRo:", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': o->url = optarg; break;
        case 'p': o->pipeline = optarg; break;
        case 'd': o->batch_docs = strtol(optarg, &end, 10); if (*end || o->batch_docs < 1 || o->batch_docs > 100000) goto bad; break;
        case 'b': o->batch_bytes = strtoll(optarg, &end, 10); if (*end || o->batch_bytes < 1) goto bad; break;
        case 'm': o->max_file_bytes = strtoll(optarg, &end, 10); if (*end || o->max_file_bytes < 0) goto bad; break;
        case 'R': o->recursive = 1; break;
        case 'e': o->exts = optarg; break;
        case 'w': o->wait = 1; break;
        case 'o': o->output = optarg; break;
        case 'P': o->max_pending_batches = strtol(optarg, &end, 10); if (*end || o->max_pending_batches < 1 || o->max_pending_batches > 1000000) goto bad; break;
        case 'B': o->max_pending_bytes = strtoll(optarg, &end, 10); if (*end || o->max_pending_bytes < 1) goto bad; break;
        case 'S': o->stream = 1; break;
        case 'T': o->retention_s = strtoll(optarg, &end, 10); if (*end || o->retention_s < 0) goto bad; break;
        case 'U': o->resume = optarg; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "submit: no PATH given\n");
        usage(stderr);
        return -1;
    }
    if (o->output && !o->wait) {
        fprintf(stderr, "submit: --output needs --wait\n");
        return -1;
    }
    if (o->output && o->stream) {
        fprintf(stderr, "submit: --stream jobs are exported by a separate `export --follow`, not --output\n");
        return -1;
    }
    return 0;
bad:
    fprintf(stderr, "submit: invalid value '%s' for an option\n", optarg);
    return -1;
}

/* Loads and validates the pipeline spec; NULL after printing the error. */
static spec_t *load_spec(const char *path)
{
    char err[512];
    if (!path) return spec_parse(SPEC_DEFAULT_JSON, strlen(SPEC_DEFAULT_JSON), err, sizeof err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "submit: cannot open pipeline %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf_t b;
    buf_init(&b, 1 << 20);
    char tmp[4096];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(tmp, 1, sizeof tmp, f)) > 0) rc = buf_append(&b, tmp, n);
    fclose(f);
    lijson_info li; /* LlamaIndex to_dict() JSON accepted too; secrets dropped here */
    spec_t *s = rc ? NULL : lijson_spec_parse(b.p ? b.p : "", b.len, &li, err, sizeof err);
    if (rc) snprintf(err, sizeof err, "file too large");
    if (!s) fprintf(stderr, "submit: invalid pipeline %s: %s\n", path, err);
    if (s && li.secrets)
        fprintf(stderr, "submit: %d secret field(s) such as %s left out of the job; workers read "
                "API keys from their environment (OPENAI_API_KEY / AZURE_OPENAI_API_KEY)\n",
                li.secrets, li.first_secret);
    buf_free(&b);
    return s;
}

static void make_job_id(char *out)
{
    unsigned char r[3] = {0};
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
        unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);
        memcpy(r, &v, 3);
    }
    if (fd >= 0) close(fd);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%S", &tm);
    snprintf(out, KEYS_ID_MAX + 1, "%s-%02x%02x%02x", ts, r[0], r[1], r[2]);
}

static int create_job(submitter *s, const spec_t *spec, char *const *paths, int npaths)
{
    char key[KEYS_MAX], now[32];
    keys_job(key, s->job);
    snprintf(now, sizeof now, "%lld", (long long)jobinfo_now_ms());
    char *sp = spec_dump(spec);
    json_t *roots = json_array();
    for (int i = 0; i < npaths; i++) json_array_append_new(roots, json_string(paths[i]));
    char *rj = json_dumps(roots, JSON_COMPACT), *wj = resume_opts_json(s->o);
    json_decref(roots);
    redisReply *r = NULL;
    if (sp && rj && wj)
        r = rconn_cmd(s->c, s->err, sizeof s->err,
                      "HSET %s state queued spec %s roots %s created_ms %s sealed 0 docs_total 0 "
                      "docs_done 0 docs_failed 0 batches_total 0 batches_done 0 batches_dead 0 "
                      "nodes 0 embed_requests 0 llm_requests 0 embed_tokens 0 walk %s submitter %s "
                      "submit_ms %s retention_s %lld stream %d",
                      key, sp, rj, now, wj, s->token, now, s->o->retention_s, s->o->stream);
    free(sp);
    free(rj);
    free(wj);
    if (!r) return ERR_REDIS;
    freeReplyObject(r);
    r = rconn_cmd(s->c, s->err, sizeof s->err, "ZADD %s %s %s", KEYS_JOBS, now, s->job);
    if (!r) return ERR_REDIS;
    freeReplyObject(r);
    return 0;
}

static void batch_clear(wire_batch *b)
{
    char *job = b->job;
    b->job = NULL;
    wire_batch_free(b);
    b->job = job;
}

static int flush_batch(submitter *s)
{
    if (!s->batch.n) return 0;
    s->batch.seq = s->feed.next_seq;
    buf_t b;
    buf_init(&b, (size_t)512 << 20); /* Redis' bulk string limit */
    int rc = wire_batch_encode(&s->batch, &b);
    if (rc) snprintf(s->err, sizeof s->err, "batch %u: %s", s->batch.seq, err_str(rc));
    else rc = feed_push(&s->feed, b.p, b.len, s->batch.n);
    buf_free(&b);
    if (rc) return rc;
    batch_clear(&s->batch);
    s->batch_bytes = 0;
    return 0;
}

static char *fmt_date(time_t t)
{
    struct tm tm;
    char d[16];
    gmtime_r(&t, &tm);
    strftime(d, sizeof d, "%Y-%m-%d", &tm);
    return strdup(d);
}

static int set_error(wire_doc *d, const char *fmt, const char *detail)
{
    char m[512];
    snprintf(m, sizeof m, fmt, detail);
    return (d->error = strdup(m)) ? 0 : ERR_NOMEM;
}

/* Reads one file into d; unreadable files get d->error instead of failing. */
static int read_file(const walk_file *f, long long max_bytes, wire_doc *d)
{
    const char *base = strrchr(f->path, '/');
    const char *mime = mime_guess(f->path);
    /* names are metadata: not valid UTF-8 -> U+FFFD per bad byte (JSON
     * cannot carry Python's surrogate escapes); the file is read by its real name */
    d->id = utf8_repair(f->id);
    d->path = utf8_repair(f->path);
    d->name = utf8_repair(base ? base + 1 : f->path);
    d->mime = mime ? strdup(mime) : NULL;
    if (!d->id || !d->path || !d->name || (mime && !d->mime)) return ERR_NOMEM;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        if (fd >= 0) close(fd);
        return set_error(d, "cannot read file: %s", strerror(errno));
    }
    d->size = st.st_size;
    d->ctime = fmt_date(st.st_ctime);
    d->mtime = fmt_date(st.st_mtime);
    d->atime = fmt_date(st.st_atime);
    if (st.st_size > max_bytes) {
        close(fd);
        return set_error(d, "file is larger than --max-file-bytes%s", "");
    }
    d->data = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!d->data) {
        close(fd);
        return ERR_NOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, d->data + got, (size_t)st.st_size - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    d->len = got;
    if (got != (size_t)st.st_size) return set_error(d, "file changed while being read%s", "");
    return 0;
}

/* Puts read file *d into the batch (owned there now; *d is cleared). */
static int take_doc(submitter *s, wire_doc *d)
{
    if (s->batch.n == (size_t)s->o->batch_docs) {
        int rc = flush_batch(s);
        if (rc) return rc;
    }
    wire_doc *nd = realloc(s->batch.docs, (s->batch.n + 1) * sizeof *nd);
    if (!nd) return ERR_NOMEM;
    s->batch.docs = nd;
    nd[s->batch.n++] = *d;
    memset(d, 0, sizeof *d);
    s->batch_bytes += nd[s->batch.n - 1].len;
    if (s->batch_bytes >= (size_t)s->o->batch_bytes) return flush_batch(s);
    return 0;
}

static int load_file(submitter *s, const walk_file *f, wire_doc *d)
{
    memset(d, 0, sizeof *d);
    int rc = read_file(f, s->o->max_file_bytes, d);
    if (rc) snprintf(s->err, sizeof s->err, "%s: %s", f->path, err_str(rc));
    return rc;
}

/* Docstore jobs read files in groups of up to DS_GROUP_FILES files /
 * DS_GROUP_BYTES bytes, one precheck each (dscheck.h). */
#define DS_GROUP_FILES 64
#define DS_GROUP_BYTES (64u << 20)
#define DS_SKIPS_MAX 1024 /* skipped files counted at least this often */

/* A skipped file: queued for counting; a long run of them is counted
 * before it grows (with the batch holding earlier files, if any). */
static int skip_doc(submitter *s, const wire_doc *d)
{
    int rc = feed_skip(&s->feed, d->id);
    if (rc) snprintf(s->err, sizeof s->err, "%s: %s", d->path, err_str(rc));
    if (rc || s->feed.skipped.n < DS_SKIPS_MAX) return rc;
    return s->batch.n ? flush_batch(s) : feed_flush_skips(&s->feed);
}

/* Files [*i, ...) of a docstore job: one group read, checked, then skipped or batched in order. */
static int add_group(submitter *s, const dscheck *dc, const walk_list *files, size_t *i)
{
    wire_doc g[DS_GROUP_FILES];
    unsigned char skip[DS_GROUP_FILES];
    size_t n = 0, bytes = 0;
    int rc = 0;
    while (!rc && *i < files->n && n < DS_GROUP_FILES && bytes < DS_GROUP_BYTES) {
        rc = load_file(s, &files->v[(*i)++], &g[n]);
        bytes += g[n++].len;
    }
    if (!rc) rc = dscheck_files(dc, s->c, g, n, skip, s->err, sizeof s->err);
    for (size_t k = 0; !rc && k < n; k++) rc = skip[k] ? skip_doc(s, &g[k]) : take_doc(s, &g[k]);
    for (size_t k = 0; k < n; k++) wire_doc_free(&g[k]); /* what was not taken */
    return rc;
}

static int add_file(submitter *s, const walk_file *f)
{
    wire_doc d;
    int rc = load_file(s, f, &d);
    if (!rc) rc = take_doc(s, &d);
    wire_doc_free(&d);
    return rc;
}

static int seal(submitter *s, const spec_t *spec)
{
    int rc = feed_beat(&s->feed); /* only the lease holder seals */
    if (rc) return rc;
    char key[2 + KEYS_DOCSTORE_N][KEYS_MAX];
    keys_job(key[0], s->job);
    keys_job_sub(key[1], s->job, "events");
    const char *strategy, *coll = spec_docstore(spec, &strategy);
    int del = coll && !strcmp(strategy, "upserts_and_delete") && !keys_docstore_all(key + 2, coll, s->job);
    const char *argv[] = {"EVAL", SCRIPT_SEAL, del ? "7" : "2", key[0], key[1], key[2], key[3], key[4],
                          key[5], key[6], "d"};
    redisReply *r = rconn_argv(s->c, s->err, sizeof s->err, del ? (int)(sizeof argv / sizeof *argv) : 5, argv, NULL);
    if (!r) return ERR_REDIS;
    freeReplyObject(r);
    /* the job's writes should survive a failover: wait for a replica if any */
    int wr = rconn_wait_replica(s->c, s->err, sizeof s->err);
    if (wr < 0) return ERR_REDIS;
    if (wr) fprintf(stderr, "submit: warning: no replica confirmed the job's writes in time\n");
    return 0;
}

static int finish_wait(submitter *s, int nfiles)
{
    jobinfo ji;
    watch_opts wo = {.fd = 2, .mode = VIEW_INLINE, .interval_s = 5};
    if (watch_follow(rurl_pick(s->o->url), &s->c, s->job, &wo, &ji, s->err, sizeof s->err)) {
        long missing;
        if (s->o->output) outwriter_finish(&s->ow, 1, &missing, NULL, 0);
        return -1;
    }
    double secs = jobinfo_elapsed(&ji, jobinfo_now_ms());
    fprintf(stderr, "job %s %s: %lld documents (%d files), %lld failed, %lld nodes, %.3f s, %.1f nodes/s\n",
            s->job, ji.state, (long long)(ji.docs_done + ji.docs_failed), nfiles,
            (long long)ji.docs_failed, (long long)ji.nodes, secs, secs > 0 ? (double)ji.nodes / secs : 0.0);
    long nerr = progress_print_errors(s->c, s->job, stderr);
    if (s->o->output) {
        long missing = 0, n = outwriter_finish(&s->ow, 0, &missing, s->err, sizeof s->err);
        if (n < 0) return -1;
        fprintf(stderr, "wrote %ld nodes to %s\n", n, s->o->output);
        if (missing > ji.batches_dead) { /* dead batches have no output; any other must */
            fprintf(stderr, "submit: %ld batches the job recorded have no output in Redis (evicted, or "
                    "Redis restarted without persistence): %s is incomplete\n",
                    missing - (long)ji.batches_dead, s->o->output);
            return 1;
        }
    }
    return (nerr || ji.docs_failed || ji.batches_dead || strcmp(ji.state, "done")) ? EXIT_DOCS_FAILED : 0;
}

/* Creates the job, or takes over its submission with --resume; prints its id. */
static int start_job(submitter *s, spec_t *spec, char **paths, int npaths, resume_point *rp)
{
    feed_make_token(s->token, sizeof s->token);
    int rc;
    if (s->o->resume) {
        snprintf(s->job, sizeof s->job, "%s", s->o->resume);
        rc = resume_load(s->c, s->job, s->token, paths, npaths, s->o, rp, s->err, sizeof s->err);
        if (rc) return rc == ERR_REDIS ? -1 : -EXIT_USAGE;
    } else {
        make_job_id(s->job);
        if (create_job(s, spec, paths, npaths)) return -1;
    }
    printf("%s\n", s->job);
    fflush(stdout);
    if (feed_init(&s->feed, s->c, s->job, s->token, rp->next_seq, s->o->max_pending_batches,
                  s->o->max_pending_bytes, s->err, sizeof s->err))
        return -1;
    return s->o->resume && feed_seed(&s->feed) ? -1 : 0;
}

/* A resumed job's own spec (its docstore decides skipping and the seal's
 * delete step, whatever --pipeline says); NULL if unreadable. */
static spec_t *job_spec(submitter *s)
{
    char key[KEYS_MAX], err[256];
    keys_job(key, s->job);
    redisReply *r = rconn_cmd(s->c, err, sizeof err, "HGET %s spec", key);
    spec_t *sp = r && r->type == REDIS_REPLY_STRING ? spec_parse(r->str, r->len, err, sizeof err) : NULL;
    if (r) freeReplyObject(r);
    return sp;
}

static int run(submitter *s, spec_t *spec, char **paths, int npaths)
{
    resume_point rp = {0};
    walk_list files = {0};
    /* a resumed job's walk options come from the job; a new job is created once its paths walked */
    int rc = s->o->resume ? start_job(s, spec, paths, npaths, &rp) : 0;
    walk_opts wo = {s->o->recursive, s->o->exts};
    if (!rc && (rc = walk_paths(paths, (size_t)npaths, &wo, &files, s->err, sizeof s->err)))
        rc = rc == ERR_NOTFOUND || rc == ERR_INVAL ? -EXIT_USAGE : -1;
    if (!rc && !s->o->resume) rc = start_job(s, spec, paths, npaths, &rp);
    if (!rc && rp.files_done > files.n) {
        snprintf(s->err, sizeof s->err, "job %s: %llu files were submitted but the paths now hold %zu",
                 s->job, (unsigned long long)rp.files_done, files.n);
        rc = -1;
    }
    if (!rc && s->o->output &&
        outwriter_start(&s->ow, rurl_pick(s->o->url), s->job, s->o->output, s->err, sizeof s->err))
        rc = -1;
    s->batch.job = s->job;
    spec_t *js = !rc && s->o->resume ? job_spec(s) : NULL;
    const spec_t *jspec = js ? js : spec;
    dscheck dc;
    const char *strategy, *coll = spec_docstore(jspec, &strategy);
    int ds = !rc && dscheck_init(&dc, jspec, s->job) && !feed_docstore(&s->feed, coll, strategy);
    for (size_t i = rp.files_done; !rc && i < files.n;)
        rc = (ds ? add_group(s, &dc, &files, &i) : add_file(s, &files.v[i++])) ? -1 : 0;
    if (!rc) rc = flush_batch(s) || feed_flush_skips(&s->feed) || seal(s, jspec) ? -1 : 0;
    spec_free(js);
    s->batch.job = NULL;
    wire_batch_free(&s->batch);
    feed_free(&s->feed);
    resume_point_free(&rp);
    int nfiles = (int)files.n;
    walk_list_free(&files);
    if (rc && s->ow.running) {
        long missing;
        outwriter_finish(&s->ow, 1, &missing, NULL, 0);
    }
    if (rc || !s->o->wait) return rc;
    rc = finish_wait(s, nfiles);
    return rc < 0 ? -1 : rc;
}

int cmd_submit(int argc, char **argv)
{
    submit_opts o;
    if (parse_opts(argc, argv, &o)) return EXIT_USAGE;
    spec_t *spec = load_spec(o.pipeline);
    if (!spec) return EXIT_USAGE;
    submitter s = {.o = &o};
    s.c = rconn_open(rurl_pick(o.url), s.err, sizeof s.err);
    if (!s.c) {
        fprintf(stderr, "submit: %s\n", s.err);
        spec_free(spec);
        return 1;
    }
    int rc = run(&s, spec, argv + optind, argc - optind);
    if (rc < 0) fprintf(stderr, "submit: %s\n", s.err);
    redisFree(s.c);
    spec_free(spec);
    return rc == -EXIT_USAGE ? EXIT_USAGE : rc < 0 ? 1 : rc;
}
