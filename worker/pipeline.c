/* pipeline.c - a batch's stages (see pipeline.h): CPU stages as pool jobs,
 * remote transformations on the loop, hand-over through pool.h.
 *
 * Flow: pl_run submits cpu_run.  cpu_run (pool thread) decodes and reads
 * on its first call, then runs local transformations until the next
 * remote one or the end; at the end (or on a batch-wide error) it encodes.
 * cpu_done (loop) either delivers the result or starts the remote
 * transformation, whose stage_done (loop) submits cpu_run again. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "docstore.h"
#include "eprep.h"
#include "dsfp.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "reader.h"
#include "spec.h"
#include "testfault.h"
#include "wire.h"

struct pl_batch {
    pool_job job;       /* first member: the pool hands it back */
    const pl_env *env;
    char tag[256];
    char *payload, *spec_json; /* copies, freed once decoded */
    size_t plen, slen;
    int decoded, encoded;
    char *dead_msg;     /* pl_run_dead: fail every file with this */
    atomic_uint progress; /* bumped per stage and per file read (pl_progress) */
    atomic_int stop;      /* pl_stop: the job was cancelled */
    wire_batch wb;
    spec_t *spec;
    node_list nodes;    /* current node list (documents before the first parser) */
    char **doc_err;     /* per file: NULL or failure message */
    unsigned char *doc_api; /* per file: failed in a remote stage (API error) */
    size_t tf_next;     /* next transformation to run */
    stage_job sjob;     /* the remote stage in flight */
    eprep prep;         /* an embedding stage's inputs, made with the CPU stages */
    double t0;          /* start of the current stage (monotonic ms) */
    int ds_wait;        /* read, hashed: the docstore lookup is next (loop) */
    strv_t ds_ids, ds_hashes; /* docstore: every document read, its hash ... */
    int *ds_doc;        /* ... its file ... */
    ds_state *ds_st;    /* ... and what the docstore says */
    char (*ds_fp)[65];  /* docstore: per file its fingerprint, before reading (dsfp.h) */
    pl_result res;
    pl_done_fn *done;
    void *ud;
};

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void stage_begin(pl_batch *b, const char *stage)
{
    atomic_fetch_add(&b->progress, 1);
    b->t0 = mono_ms();
    log_kv("info", "stage_start", "%s stage=%s", b->tag, stage);
}

static void stage_end(pl_batch *b, const char *stage)
{
    double ms = mono_ms() - b->t0;
    log_kv("info", "stage_end", "%s stage=%s ms=%.1f", b->tag, stage, ms);
    mx_add_seconds(MX_CPU_STAGE, mx_label(MX_CPU_STAGE, stage), 0, ms / 1e3); /* CPU stages only */
}

static void fail_doc(pl_batch *b, int doc_index, const char *msg)
{
    if (doc_index < 0 || (size_t)doc_index >= b->wb.n || b->doc_err[doc_index]) return;
    b->doc_err[doc_index] = strdup(msg ? msg : "failed");
}

static void set_err(pl_batch *b, int code, const char *msg)
{
    if (b->res.err) return; /* the first reason wins */
    b->res.err = code;
    snprintf(b->res.msg, sizeof b->res.msg, "%s", msg ? msg : err_str(code));
}

static int abandoned(pl_batch *b)
{
    return atomic_load(&b->stop) || (b->env->abandon && atomic_load(b->env->abandon));
}

void pl_stop(pl_batch *b) { atomic_store(&b->stop, 1); }

pl_batch *pl_new(const pl_env *env, const char *tag, const char *payload, size_t plen,
                 const char *spec, size_t slen, pl_done_fn *done, void *ud)
{
    pl_batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->payload = malloc(plen ? plen : 1);
    b->spec_json = malloc(slen ? slen : 1);
    if (!b->payload || !b->spec_json) {
        pl_free(b);
        return NULL;
    }
    memcpy(b->payload, payload, plen);
    memcpy(b->spec_json, spec, slen);
    b->plen = plen, b->slen = slen;
    b->env = env, b->done = done, b->ud = ud;
    snprintf(b->tag, sizeof b->tag, "%s", tag);
    buf_init(&b->res.out, (size_t)512 << 20);
    return b;
}

/* TEST ONLY: see pl_env.gate_prefix. */
static void test_gate(pl_batch *b, const wire_doc *d)
{
    const char *pre = b->env->gate_prefix;
    if (!pre || !b->env->gate_path || !d->name || strncmp(d->name, pre, strlen(pre))) return;
    for (int i = 0; i < 30000 && access(b->env->gate_path, F_OK) && !abandoned(b); i++)
        usleep(10000); /* at most 300 s */
}

static int read_docs(pl_batch *b)
{
    reader_opts ro;
    reader_opts_from_spec(b->spec, &ro);
    if (spec_docstore(b->spec, NULL) && b->wb.n && !(b->ds_fp = calloc(b->wb.n, sizeof *b->ds_fp)))
        return ERR_NOMEM;
    for (size_t i = 0; i < b->wb.n; i++) {
        if (b->ds_fp) dsfp_file(&b->wb.docs[i], b->spec, b->ds_fp[i]); /* "" when unreadable */
        if (abandoned(b)) return ERR_CANCELLED;
        test_gate(b, &b->wb.docs[i]);
        char eb[512] = "";
        size_t first = b->nodes.n;
        atomic_fetch_add(&b->progress, 1);
        testfault_reading(b->wb.docs[i].name);
        int rc = reader_load(&b->wb.docs[i], &ro, &b->nodes, eb, sizeof eb);
        if (rc == ERR_NOMEM) return rc;
        if (rc) fail_doc(b, (int)i, eb[0] ? eb : err_str(rc));
        for (size_t k = first; k < b->nodes.n; k++) b->nodes.v[k]->doc_index = (int)i;
        free(b->wb.docs[i].data); /* the documents hold the text now */
        b->wb.docs[i].data = NULL;
        b->wb.docs[i].len = 0;
    }
    return 0;
}

/* The read stage: payload, spec, every file. */
static void decode_and_read(pl_batch *b)
{
    char err[256];
    stage_begin(b, "read");
    int rc = wire_batch_decode(b->payload, b->plen, &b->wb);
    free(b->payload);
    b->payload = NULL;
    b->res.docs = rc ? 0 : b->wb.n;
    if (rc) set_err(b, ERR_PARSE, "malformed batch payload");
    else if (b->wb.n && (!(b->doc_err = calloc(b->wb.n, sizeof *b->doc_err)) ||
                         !(b->doc_api = calloc(b->wb.n, 1))))
        set_err(b, ERR_NOMEM, NULL);
    else if (b->dead_msg)
        for (size_t i = 0; i < b->wb.n; i++) fail_doc(b, (int)i, b->dead_msg);
    else if (!(b->spec = spec_parse(b->spec_json, b->slen, err, sizeof err)))
        set_err(b, ERR_INVAL, err);
    else if ((rc = read_docs(b)))
        set_err(b, rc, NULL);
    free(b->spec_json);
    b->spec_json = NULL;
    stage_end(b, "read");
}

static void on_parse_error(void *ud, const node_t *doc, int code, const char *msg)
{
    (void)code;
    fail_doc(ud, doc->doc_index, msg);
}

static int run_parser(pl_batch *b, const spec_tf *tf)
{
    node_list out = {0};
    int rc = tf->parse(tf, b->nodes.v, b->nodes.n, &out, on_parse_error, b);
    if (rc) {
        node_list_free(&out);
        return rc;
    }
    node_list_free(&b->nodes);
    b->nodes = out;
    return 0;
}

static int is_local(const spec_tf *tf)
{
    return tf->kind == SPEC_KIND_PARSER || tf->kind == SPEC_KIND_LOCAL;
}

/* Runs local transformations from tf_next until a remote one or the end. */
static void run_local(pl_batch *b)
{
    while (!b->res.err && b->tf_next < b->spec->n && is_local(&b->spec->tf[b->tf_next])) {
        const spec_tf *tf = &b->spec->tf[b->tf_next++];
        int parser = tf->kind == SPEC_KIND_PARSER;
        const char *stage = parser ? "parse" : "transform";
        if (abandoned(b)) {
            set_err(b, ERR_CANCELLED, NULL);
            break;
        }
        stage_begin(b, stage);
        int rc = parser ? run_parser(b, tf) : tf->transform(tf, b->nodes.v, b->nodes.n);
        stage_end(b, stage);
        if (rc) set_err(b, rc, NULL);
    }
}

/* --- docstore (docstore.h): documents hashed after reading (pool), looked
 * up on the loop, unchanged ones dropped, the rest recorded by the ack --- */

static int ds_prepare(pl_batch *b)
{
    size_t n = b->nodes.n ? b->nodes.n : 1;
    if (!(b->ds_doc = calloc(n, sizeof *b->ds_doc)) || !(b->ds_st = calloc(n, sizeof *b->ds_st)))
        return ERR_NOMEM;
    for (size_t i = 0; i < b->nodes.n; i++) {
        char h[65];
        int rc = node_hash(b->nodes.v[i], 1, h);
        if (!rc) rc = strv_push(&b->ds_ids, b->nodes.v[i]->id);
        if (!rc) rc = strv_push(&b->ds_hashes, h);
        if (rc) return rc;
        b->ds_doc[i] = b->nodes.v[i]->doc_index;
    }
    return 0;
}

static void submit(pl_batch *b);

static void ds_looked_up(void *ud)
{
    pl_batch *b = ud;
    size_t kept = 0;
    for (size_t i = 0; i < b->nodes.n; i++) {
        if (b->ds_st[i] == DS_UNCHANGED) node_free(b->nodes.v[i]);
        else b->nodes.v[kept++] = b->nodes.v[i];
    }
    b->nodes.n = kept;
    stage_end(b, "docstore");
    submit(b);
}

static void ds_lookup(pl_batch *b)
{
    const char *strategy, *coll = spec_docstore(b->spec, &strategy);
    b->ds_wait = 0;
    stage_begin(b, "docstore");
    docstore_lookup(stage_redis(b->env->stages), coll, strategy, (const char *const *)b->ds_ids.v,
                    (const char *const *)b->ds_hashes.v, b->ds_ids.n, b->ds_st, ds_looked_up, b);
}

/* The record of file d (dsfp.h): its documents are ds_ids[from..to). */
static int ds_file_record(pl_batch *b, int d, size_t from, size_t to)
{
    if (d < 0 || (size_t)d >= b->wb.n || b->doc_err[d] || !b->ds_fp || !b->ds_fp[d][0]) return 0;
    char *rec = dsfp_record(b->ds_fp[d], (const char *const *)b->ds_ids.v + from,
                            (const char *const *)b->ds_hashes.v + from, to - from);
    int rc = rec ? strv_push(&b->res.ds_files, b->wb.docs[d].id) : 0; /* not UTF-8: no record */
    if (!rc && rec) rc = strv_push(&b->res.ds_frecs, rec);
    if (rc && b->res.ds_files.n > b->res.ds_frecs.n) free(b->res.ds_files.v[--b->res.ds_files.n]);
    free(rec);
    return rc;
}

/* Every file that did not fail: its record.  The reader appends each
 * file's documents in file order; if they are not (never), no record. */
static int ds_file_records(pl_batch *b)
{
    for (size_t i = 1; i < b->ds_ids.n; i++)
        if (b->ds_doc[i] < b->ds_doc[i - 1]) return 0;
    size_t from = 0;
    for (int d = 0; (size_t)d < b->wb.n; d++) {
        size_t to = from;
        while (to < b->ds_ids.n && b->ds_doc[to] == d) to++;
        int rc = ds_file_record(b, d, from, to);
        if (rc) return rc;
        from = to;
    }
    return 0;
}

static void ds_record(pl_batch *b)
{
    const char *strategy, *coll = b->ds_doc ? spec_docstore(b->spec, &strategy) : NULL;
    if (coll) {
        b->res.ds_mode = strcmp(strategy, "upserts_and_delete") ? 'k' : 'd';
        snprintf(b->res.ds_coll, sizeof b->res.ds_coll, "%s", coll);
    }
    for (size_t i = 0; b->ds_doc && !b->res.err && i < b->ds_ids.n; i++) {
        int d = b->ds_doc[i];
        if (d >= 0 && (size_t)d < b->wb.n && b->doc_err[d]) continue;
        b->res.ds_count[b->ds_st[i]]++;
        if (strv_push(&b->res.ds_ids, b->ds_ids.v[i]) || strv_push(&b->res.ds_hashes, b->ds_hashes.v[i]))
            set_err(b, ERR_NOMEM, NULL);
    }
    if (b->ds_doc && !b->res.err && ds_file_records(b)) set_err(b, ERR_NOMEM, NULL);
}

/* The encode stage: drops nodes of failed files, encodes the rest, fills the result. */
static void encode(pl_batch *b)
{
    stage_begin(b, "encode");
    size_t kept = 0;
    for (size_t i = 0; i < b->nodes.n; i++) {
        node_t *n = b->nodes.v[i];
        if (n->doc_index >= 0 && (size_t)n->doc_index < b->wb.n && b->doc_err[n->doc_index]) node_free(n);
        else b->nodes.v[kept++] = n;
    }
    b->nodes.n = kept;
    ds_record(b);
    for (size_t i = 0; !b->res.err && i < b->wb.n; i++) {
        if (!b->doc_err[i]) continue;
        b->res.docs_failed++;
        b->res.docs_api_failed += b->doc_api[i];
        if (strv_push(&b->res.err_ids, b->wb.docs[i].id) || strv_push(&b->res.err_msgs, b->doc_err[i]))
            set_err(b, ERR_NOMEM, NULL);
    }
    size_t need = 64; /* reserve the encoding's size up front: no doubling slack */
    for (size_t i = 0; i < b->nodes.n; i++)
        need += b->nodes.v[i]->text_len + (size_t)b->nodes.v[i]->dim * 4 + 1024;
    int rc = b->res.err ? 0 : buf_reserve(&b->res.out, need);
    if (!rc && !b->res.err) rc = wire_nodes_encode(b->nodes.v, b->nodes.n, &b->res.out);
    if (rc) set_err(b, ERR_TOOBIG, "batch output too large");
    b->res.nodes = b->res.err ? 0 : b->nodes.n;
    node_list_free(&b->nodes); /* encoded: the nodes are not needed any more */
    b->encoded = 1;
    stage_end(b, "encode");
}

/* Pool thread: the CPU stages up to the next remote transformation. */
static void cpu_run(pool_job *j)
{
    pl_batch *b = (pl_batch *)j;
    if (!b->decoded) {
        b->decoded = 1;
        decode_and_read(b);
        if (!b->res.err && !b->dead_msg && spec_docstore(b->spec, NULL)) {
            if (ds_prepare(b)) set_err(b, ERR_NOMEM, NULL);
            else b->ds_wait = 1;
        }
        if (b->ds_wait) return; /* cpu_done looks the documents up */
    }
    if (!b->res.err && !b->dead_msg) run_local(b);
    if (b->res.err || b->dead_msg || b->tf_next >= b->spec->n) {
        encode(b);
        return;
    }
    stage_cache *sc = &b->res.cache[b->tf_next]; /* the remote stage's cache keys, here */
    sc->enabled = spec_cache_enabled(b->spec), sc->ttl = spec_cache_ttl(b->spec);
    eprep_free(&b->prep);
    if (b->spec->tf[b->tf_next].kind == SPEC_KIND_EMBED) /* else the loop makes them */
        (void)eprep_make(&b->prep, b->nodes.v, b->nodes.n);
    if (sc->enabled)
        sc->plan = cache_plan_new(&b->spec->tf[b->tf_next], b->nodes.v, b->nodes.n, b->prep.n ? &b->prep : NULL);
}

static void cpu_done(pool_job *j);

/* Loop thread: hands the batch to the pool (or, if the pool refuses,
 * delivers it as abandoned).  A batch coming back from a remote stage goes
 * before batches not started yet: finishing one frees its memory and acks. */
static void submit(pl_batch *b)
{
    b->job = (pool_job){.run = cpu_run, .done = cpu_done, .urgent = b->decoded};
    int rc = pool_submit(b->env->pool, &b->job);
    if (!rc) return;
    set_err(b, ERR_CANCELLED, rc == ERR_TOOBIG ? "CPU queue full" : "worker stopping");
    b->done(b, &b->res, b->ud);
}

static void stage_fail(void *ud, size_t i, const char *msg)
{
    pl_batch *b = ud;
    if (i >= b->nodes.n) return;
    int d = b->nodes.v[i]->doc_index;
    if (d >= 0 && (size_t)d < b->wb.n && !b->doc_err[d]) b->doc_api[d] = 1;
    fail_doc(b, d, msg);
}

static const char *remote_stage_name(const spec_tf *tf)
{
    return tf->kind == SPEC_KIND_EMBED ? "embed" : "extract";
}

static void stage_done(void *ud, int rc)
{
    pl_batch *b = ud;
    stage_end(b, remote_stage_name(b->sjob.tf));
    eprep_free(&b->prep);
    if (rc) set_err(b, rc, rc == ERR_CANCELLED ? "remote stage cancelled" : NULL);
    submit(b);
}

/* Loop thread, after a pool job: deliver, or run the remote transformation. */
static void cpu_done(pool_job *j)
{
    pl_batch *b = (pl_batch *)j;
    if (b->encoded) {
        b->done(b, &b->res, b->ud);
        return;
    }
    if (abandoned(b)) { /* grace expired while the CPU stages ran: no new remote stage */
        set_err(b, ERR_CANCELLED, "worker stopping");
        b->done(b, &b->res, b->ud);
        return;
    }
    if (b->ds_wait) {
        ds_lookup(b);
        return;
    }
    stage_cache *sc = &b->res.cache[b->tf_next];
    const spec_tf *tf = &b->spec->tf[b->tf_next++];
    if (b->env->remote_begin) b->env->remote_begin(b->ud);
    stage_begin(b, remote_stage_name(tf));
    b->sjob = (stage_job){tf, b->nodes.v, b->nodes.n, &b->res.stats, stage_fail, stage_done, b, b->tag, sc,
                          b->prep.n ? &b->prep : NULL};
    int rc = stage_start(b->env->stages, &b->sjob);
    if (!rc) return; /* resumes in stage_done */
    stage_end(b, remote_stage_name(tf));
    eprep_free(&b->prep);
    set_err(b, rc, NULL);
    submit(b);
}

void pl_run(pl_batch *b) { submit(b); }

void pl_run_dead(pl_batch *b, const char *msg)
{
    if (!(b->dead_msg = strdup(msg))) set_err(b, ERR_NOMEM, NULL);
    if (b->dead_msg) submit(b);
    else b->done(b, &b->res, b->ud);
}

unsigned pl_progress(pl_batch *b) { return atomic_load(&b->progress); }

void pl_free(pl_batch *b)
{
    if (!b) return;
    for (size_t i = 0; b->doc_err && i < b->wb.n; i++) free(b->doc_err[i]);
    free(b->doc_err);
    free(b->doc_api);
    free(b->payload);
    free(b->spec_json);
    free(b->dead_msg);
    wire_batch_free(&b->wb);
    spec_free(b->spec);
    node_list_free(&b->nodes);
    eprep_free(&b->prep);
    buf_free(&b->res.out);
    strv_free(&b->res.err_ids);
    strv_free(&b->res.err_msgs);
    strv_free(&b->res.ds_ids);
    strv_free(&b->res.ds_hashes);
    strv_free(&b->res.ds_files);
    strv_free(&b->res.ds_frecs);
    strv_free(&b->ds_ids);
    strv_free(&b->ds_hashes);
    for (size_t i = 0; i < SPEC_MAX_TF; i++) cache_plan_free(b->res.cache[i].plan);
    free(b->ds_doc);
    free(b->ds_st);
    free(b->ds_fp);
    free(b);
}
