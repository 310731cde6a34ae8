/* cache.c - the transformation cache around the remote stages (see cache.h).
 *
 * One cjob per cached stage: its units (an embedding per node, or a
 * document's nodes for an extractor) with their keys, the MGET replies
 * outstanding, then the sub-job of the misses.  The cjob owns its arrays;
 * the nodes stay the pipeline's.  Lookups go out in MGETs of at most
 * MGET_KEYS keys, writes are pipelined SETs whose replies are only checked
 * and counted.  A value is written after its stage succeeded, so what is
 * in the cache is always a finished result; a worker killed while writing
 * leaves complete values or none (Redis applies a SET whole). */
#include "cache.h"

#include <ev.h>
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cachekey.h"
#include "cacheval.h"
#include "eprep.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "rasync.h"
#include "rurl.h"
#include "wire.h"
#include "wpace.h"

#define MGET_KEYS 256

struct cache_ctx {
    struct ev_loop *loop;
    rurl url;
    redisAsyncContext *ac;
    double next_try; /* no reconnection attempt before this ev_now() */
    int64_t default_ttl;
    int closing;
    cache_totals tot;
};

typedef enum { U_MISS, U_HIT, U_FAILED } ustate;

typedef struct cunit {
    cachekey k;
    size_t first, n; /* the job's nodes [first, first + n) */
    ustate st;
} cunit;

struct cache_plan {
    char kind;       /* 'e' embedding per node, 'd' document */
    cunit *u;
    size_t nu;
    size_t *unit_of; /* node -> unit */
    node_t **subn;   /* the sub-job's nodes ... */
    size_t *map;     /* ... and their indices in job */
    eprep subprep;   /* ... and the job's prepared inputs for them (strings borrowed) */
    uint32_t dims;   /* expected embedding size; 0: any */
};

typedef struct cjob {
    cache_ctx *c;
    stage_job job, sub;
    cache_start_fn *start;
    void *start_ud;
    cache_plan *p;
    size_t replies;  /* MGETs outstanding */
    int64_t ttl;
} cjob;

typedef struct chunk {
    cjob *j;
    size_t from, n;
} chunk;

/* --- connection --- */

static void on_connect(const redisAsyncContext *ac, int status)
{
    cache_ctx *c = ac->data;
    if (status == REDIS_OK) return;
    char q[300];
    log_kv("warn", "cache_connect_failed", "msg=%s", log_quote(ac->errstr, q, sizeof q));
    if (c->ac == ac) c->ac = NULL; /* hiredis frees it after this callback */
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    cache_ctx *c = ac->data;
    if (c->ac == ac) c->ac = NULL;
    char q[300];
    if (status != REDIS_OK)
        log_kv("warn", "cache_disconnected", "msg=%s", log_quote(ac->errstr, q, sizeof q));
}

static redisAsyncContext *conn(cache_ctx *c)
{
    if (c->ac || c->closing || ev_now(c->loop) < c->next_try) return c->ac;
    c->next_try = ev_now(c->loop) + 1.0;
    char err[256], q[300];
    redisAsyncContext *ac = rasync_connect(c->loop, &c->url, c, on_connect, on_disconnect, NULL, err, sizeof err);
    if (!ac) {
        log_kv("warn", "cache_connect_failed", "msg=%s", log_quote(err, q, sizeof q));
        return NULL;
    }
    wpace_set_tag(ac, "conn=cache");
    return c->ac = ac;
}

cache_ctx *cache_new(struct ev_loop *loop, const char *url, int64_t default_ttl)
{
    cache_ctx *c = calloc(1, sizeof *c);
    char err[256];
    if (!c) return NULL;
    if (rurl_parse(url, &c->url, err, sizeof err)) {
        log_kv("error", "bad_cache_redis_url", "msg=\"%s\"", err);
        free(c);
        return NULL;
    }
    c->loop = loop;
    c->default_ttl = default_ttl;
    return c;
}

const cache_totals *cache_get_totals(const cache_ctx *c) { return &c->tot; }

void cache_free(cache_ctx *c)
{
    if (!c) return;
    c->closing = 1;
    if (c->ac) redisAsyncFree(c->ac); /* pending lookups end with ERR_STATE */
    free(c);
}

/* --- the job --- */

static void cjob_end(cjob *j, int rc)
{
    stage_job job = j->job;
    cache_plan_free(j->p);
    free(j);
    job.done(job.ud, rc);
}

static char eligible(const spec_tf *tf)
{
    if (tf->kind == SPEC_KIND_EMBED) return 'e';
    if (tf->kind != SPEC_KIND_EXTRACT) return 0;
    if (tf->variant == SPEC_EXTRACT_SUMMARY) {
        json_t *sm = spec_get(tf, "summaries");
        for (size_t k = 0; k < json_array_size(sm); k++)
            if (strcmp(json_string_value(json_array_get(sm, k)), "self")) return 0;
    }
    return 'd';
}

void cache_plan_free(cache_plan *p)
{
    if (!p) return;
    free(p->u);
    free(p->unit_of);
    free(p->subn);
    free(p->map);
    free(p->subprep.in);
    free(p->subprep.len);
    free(p);
}

/* The keys: one per node (embeddings) or per run of nodes of one document. */
static int plan_keys(cache_plan *p, const spec_tf *tf, node_t *const *nodes, size_t n, const eprep *prep)
{
    for (size_t i = 0; i < n; i++) {
        if (p->kind == 'e' || !p->nu || nodes[i]->doc_index != nodes[i - 1]->doc_index)
            p->u[p->nu++] = (cunit){.first = i};
        p->u[p->nu - 1].n++;
        p->unit_of[i] = p->nu - 1;
    }
    int rc = 0;
    if (p->kind == 'e') {
        sha256_ctx st;
        buf_t tmp, in;
        buf_init(&tmp, 0);
        buf_init(&in, 0);
        cachekey_embed_init(tf, &st);
        for (size_t i = 0; !rc && i < n; i++) {
            if (prep && i < prep->n && prep->in[i]) { /* the same string, made already */
                cachekey_embed(&st, prep->in[i], prep->len[i], &p->u[i].k);
                continue;
            }
            rc = eprep_input(nodes[i], &tmp, &in);
            if (!rc) cachekey_embed(&st, in.p ? in.p : "", in.len, &p->u[i].k);
        }
        buf_free(&tmp);
        buf_free(&in);
        return rc;
    }
    char *params = cachekey_params(tf);
    if (!params) return ERR_NOMEM;
    for (size_t k = 0; !rc && k < p->nu; k++)
        rc = cachekey_doc(tf, params, nodes + p->u[k].first, p->u[k].n, &p->u[k].k);
    free(params);
    return rc;
}

cache_plan *cache_plan_new(const spec_tf *tf, node_t *const *nodes, size_t n, const eprep *prep)
{
    char kind = eligible(tf);
    cache_plan *p = kind ? calloc(1, sizeof *p) : NULL;
    size_t m = n ? n : 1;
    if (!p) return NULL;
    p->kind = kind;
    json_t *d = spec_get(tf, "dimensions");
    p->dims = kind == 'e' && json_is_integer(d) ? (uint32_t)json_integer_value(d) : 0;
    if (!(p->u = calloc(m, sizeof *p->u)) || !(p->unit_of = calloc(m, sizeof *p->unit_of)) ||
        !(p->subn = calloc(m, sizeof *p->subn)) || !(p->map = calloc(m, sizeof *p->map)) ||
        plan_keys(p, tf, nodes, n, prep)) {
        cache_plan_free(p);
        return NULL;
    }
    return p;
}

/* Moves the decoded node's content into the pipeline's node (which keeps
 * its identity and doc_index) and frees what was there. */
static void take_node(node_t *dst, node_t *src)
{
    node_t old = *dst;
    *dst = *src;
    dst->doc_index = old.doc_index;
    *src = old;
    node_free(src);
}

static int apply_doc(cjob *j, cunit *u, const char *p, size_t len)
{
    node_list l = {0};
    int ok = !wire_nodes_decode(p, len, &l) && l.n == u->n;
    for (size_t k = 0; ok && k < u->n; k++) ok = !strcmp(l.v[k]->id, j->job.nodes[u->first + k]->id);
    for (size_t k = 0; ok && k < u->n; k++) {
        take_node(j->job.nodes[u->first + k], l.v[k]);
        l.v[k] = NULL;
    }
    for (size_t k = 0; k < l.n; k++) node_free(l.v[k]);
    free(l.v);
    return ok ? 0 : ERR_PARSE;
}

static int apply_embed(cjob *j, cunit *u, const char *p, size_t len)
{
    if (!len || len % 4 || len / 4 > 65536 || (j->p->dims && len / 4 != j->p->dims)) return ERR_PARSE;
    uint32_t dim = (uint32_t)(len / 4);
    float *e = malloc(len);
    if (!e) return ERR_NOMEM;
    const unsigned char *b = (const unsigned char *)p;
    for (uint32_t i = 0; i < dim; i++) { /* little-endian float32 */
        uint32_t w = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                     (uint32_t)b[4 * i + 3] << 24;
        memcpy(&e[i], &w, 4);
    }
    node_t *n = j->job.nodes[u->first];
    free(n->embedding);
    n->embedding = e;
    n->dim = dim;
    return 0;
}

static void apply(cjob *j, cunit *u, const char *v, size_t vlen)
{
    const char *p;
    size_t len;
    int rc = cacheval_decode(v, vlen, j->p->kind, u->k.tag, &p, &len);
    if (!rc) rc = j->p->kind == 'e' ? apply_embed(j, u, p, len) : apply_doc(j, u, p, len);
    if (!rc) {
        u->st = U_HIT;
        return;
    }
    j->c->tot.bad_values++;
    log_kv("warn", "cache_bad_value", "key=%s class=%s error=%s", u->k.key, j->job.tf->class_name,
           err_str(rc));
}

static void sub_fail(void *ud, size_t i, const char *msg)
{
    cjob *j = ud;
    if (i >= j->sub.n) return;
    size_t node = j->p->map[i];
    j->p->u[j->p->unit_of[node]].st = U_FAILED;
    j->job.fail(j->job.ud, node, msg);
}

static void on_set(redisAsyncContext *ac, void *rv, void *priv)
{
    (void)priv;
    cache_ctx *c = ac->data;
    redisReply *r = rv;
    if (r && r->type == REDIS_REPLY_STATUS) {
        c->tot.writes++;
        return;
    }
    c->tot.write_errors++;
    char q[300];
    if (r && r->type == REDIS_REPLY_ERROR)
        log_kv("warn", "cache_write_failed", "msg=%s", log_quote(r->str, q, sizeof q));
}

static int encode_unit(cjob *j, const cunit *u, buf_t *payload)
{
    buf_reset(payload);
    if (j->p->kind == 'd') return wire_nodes_encode(j->job.nodes + u->first, u->n, payload);
    const node_t *n = j->job.nodes[u->first];
    if (!n->embedding || !n->dim) return ERR_STATE;
    return wire_f32le_append(payload, n->embedding, n->dim);
}

/* SETs every miss that the stage completed. */
static void write_misses(cjob *j)
{
    redisAsyncContext *ac = conn(j->c);
    if (!ac) return;
    buf_t payload, val;
    buf_init(&payload, 0);
    buf_init(&val, 0);
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%lld", (long long)j->ttl);
    int64_t now = (int64_t)time(NULL);
    for (size_t k = 0; k < j->p->nu; k++) {
        cunit *u = &j->p->u[k];
        if (u->st != U_MISS) continue;
        buf_reset(&val);
        if (encode_unit(j, u, &payload) ||
            cacheval_encode(j->p->kind, u->k.tag, now, payload.p ? payload.p : "", payload.len, &val))
            continue;
        const char *argv[5] = {"SET", u->k.key, val.p, "EX", ttl};
        size_t lens[5] = {3, strlen(u->k.key), val.len, 2, strlen(ttl)};
        if (wpace_argv(ac, on_set, NULL, j->ttl > 0 ? 5 : 3, argv, lens) != REDIS_OK) {
            j->c->tot.write_errors++; /* a cache write is best effort: counted, not retried */
            break;
        }
    }
    buf_free(&payload);
    buf_free(&val);
}

static void sub_done(void *ud, int rc)
{
    cjob *j = ud;
    if (!rc) write_misses(j);
    cjob_end(j, rc);
}

/* The job's prepared inputs of the sub-job's m nodes (p->map), or NULL. */
static const eprep *sub_prep(cache_plan *p, const eprep *prep, size_t m)
{
    if (!prep || !(p->subprep.in = calloc(m, sizeof *p->subprep.in)) ||
        !(p->subprep.len = calloc(m, sizeof *p->subprep.len)))
        return NULL; /* the stage makes them */
    for (size_t k = 0; k < m; k++)
        if (p->map[k] < prep->n)
            p->subprep.in[k] = prep->in[p->map[k]], p->subprep.len[k] = prep->len[p->map[k]];
    p->subprep.n = m;
    return &p->subprep;
}

/* Every lookup is in: count, then run the stage over the misses. */
static void run_misses(cjob *j)
{
    size_t m = 0;
    uint64_t hits = 0;
    for (size_t k = 0; k < j->p->nu; k++) {
        if (j->p->u[k].st == U_HIT) {
            hits++;
            continue;
        }
        for (size_t i = 0; i < j->p->u[k].n; i++) {
            j->p->subn[m] = j->job.nodes[j->p->u[k].first + i];
            j->p->map[m++] = j->p->u[k].first + i;
        }
    }
    j->job.cache->hits += hits;
    j->job.cache->misses += j->p->nu - hits;
    int label = j->p->kind == 'e' ? MX_CACHE_EMBEDDING : MX_CACHE_TRANSFORM;
    mx_add(MX_CACHE_HITS, label, 0, (long long)hits);
    mx_add(MX_CACHE_MISSES, label, 0, (long long)(j->p->nu - hits));
    j->c->tot.hits += hits;
    j->c->tot.misses += j->p->nu - hits;
    if (j->c->closing || !m) {
        cjob_end(j, j->c->closing ? ERR_STATE : 0);
        return;
    }
    j->sub = j->job;
    j->sub.nodes = j->p->subn, j->sub.n = m, j->sub.fail = sub_fail, j->sub.done = sub_done;
    j->sub.ud = j, j->sub.cache = NULL, j->sub.prep = sub_prep(j->p, j->job.prep, m);
    int rc = j->start(j->start_ud, &j->sub);
    if (rc) cjob_end(j, rc);
}

static void on_mget(redisAsyncContext *ac, void *rv, void *priv)
{
    (void)ac;
    chunk *ch = priv;
    cjob *j = ch->j;
    redisReply *r = rv;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == ch->n) {
        for (size_t k = 0; k < ch->n; k++)
            if (r->element[k]->type == REDIS_REPLY_STRING)
                apply(j, &j->p->u[ch->from + k], r->element[k]->str, r->element[k]->len);
    } else if (r && r->type == REDIS_REPLY_ERROR) {
        char q[300];
        log_kv("warn", "cache_lookup_failed", "msg=%s", log_quote(r->str, q, sizeof q));
    }
    free(ch);
    if (--j->replies == 0) run_misses(j);
}

static int send_mget(cjob *j, redisAsyncContext *ac, size_t from, size_t n)
{
    chunk *ch = malloc(sizeof *ch);
    const char **argv = malloc((n + 1) * sizeof *argv);
    size_t *lens = malloc((n + 1) * sizeof *lens);
    int rc = ch && argv && lens ? 0 : ERR_NOMEM;
    if (!rc) {
        *ch = (chunk){j, from, n};
        argv[0] = "MGET", lens[0] = 4;
        for (size_t k = 0; k < n; k++) argv[k + 1] = j->p->u[from + k].k.key, lens[k + 1] = strlen(argv[k + 1]);
        rc = wpace_argv(ac, on_mget, ch, (int)n + 1, argv, lens) == REDIS_OK ? 0 : ERR_REDIS;
    }
    if (rc) free(ch);
    else j->replies++;
    free(argv);
    free(lens);
    return rc;
}

int cache_stage_start(cache_ctx *c, stage_job *job, cache_start_fn *start, void *ud)
{
    stage_cache *sc = job->cache;
    cache_plan *p = sc ? sc->plan : NULL;
    if (sc) sc->plan = NULL; /* ours now */
    if (!c || !sc || !sc->enabled || !eligible(job->tf)) {
        cache_plan_free(p);
        return start(ud, job);
    }
    if (!p && !(p = cache_plan_new(job->tf, job->nodes, job->n, job->prep))) return ERR_NOMEM;
    cjob *j = calloc(1, sizeof *j);
    if (!j) {
        cache_plan_free(p);
        return ERR_NOMEM;
    }
    *j = (cjob){.c = c, .job = *job, .start = start, .start_ud = ud, .p = p};
    j->ttl = sc->ttl >= 0 ? sc->ttl : c->default_ttl;
    redisAsyncContext *ac = conn(c);
    j->replies = 1; /* guard while sending */
    for (size_t at = 0; ac && at < p->nu; at += MGET_KEYS)
        if (send_mget(j, ac, at, p->nu - at < MGET_KEYS ? p->nu - at : MGET_KEYS)) break;
    if (--j->replies == 0) run_misses(j);
    return 0;
}
