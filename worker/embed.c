/* embed.c - the embedding stage (embed.h, contract in stage.h):
 * OpenAI-compatible embeddings over the shared call layer (oaicall.c:
 * queueing, rate limits, retries); LLM extractors are in extract.c.
 *
 * Embeddings follow LlamaIndex's BaseEmbedding.__call__ +
 * OpenAIEmbedding (llama-index-core 0.14.19, llama-index-embeddings-openai
 * 0.6.0): the input of node i is node.get_content(MetadataMode.EMBED) with
 * every "\n" replaced by " " (oai_embed_input), sent in requests of
 * embed_batch_size inputs with encoding_format "base64" (what the openai SDK
 * asks for).  Per-node failures, never sent: an empty input (OpenAI answers
 * 400) and an input over the model's token limit.  A 400 (413, 422) on a
 * request of several inputs is bisected until the offending input is alone,
 * so one bad input fails only its own node - unless both halves fail with
 * the parent's exact error text, which marks a request-wide error (say,
 * dimensions on a model without them): then they fail without further
 * splitting (esplit).  A 400 that rejects base64 makes the request, and
 * every later one to that endpoint, use float arrays.  Other failures (401
 * bad key, 404 unknown model, retries exhausted) fail every node of the
 * request with the API's error text, so the documents are recorded with
 * the reason.
 *
 * Ownership: an ejob copies the stage_job and owns the input strings; each
 * request (ebatch) is owned by its call until the call's done fires.  The
 * job completes when its last request does (pending count, with a guard
 * reference held while starting). */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "eprep.h"
#include "err.h"
#include "log.h"
#include "oai.h"
#include "metrics.h"
#include "tok.h"

typedef struct ejob {
    stage_job job;
    oc_ep *ep;
    char **in;     /* per node: the embed string while no request holds it, else NULL */
    unsigned char *lent; /* per node: in[i] is job.prep's (kept to the end, never freed here) */
    size_t *inlen;
    uint64_t *ntok;
    size_t pending;
    int rc, cancelled, use_float;
    int64_t dims;
    double timeout;
    unsigned max_retries;
    size_t limit;  /* the model's input token limit */
} ejob;

/* The two halves of a request that got a 400.  If both fail with the
 * parent's exact error text, the error is about the request (a parameter,
 * the model), not an input: both fail as they are instead of being split
 * further, so a misconfiguration costs 3 requests, not 2n. */
typedef struct esplit {
    char *err;              /* the parent's error text */
    int refs;               /* halves not yet ended */
    int seen;               /* one half has finished */
    struct ebatch *parked;  /* a half that failed with err, awaiting its sibling */
} esplit;

typedef struct ebatch {
    ejob *j;
    esplit *sp; /* NULL for a first request */
    int b64;    /* sent with encoding_format base64 */
    size_t n;
    size_t idx[];
} ebatch;

static void ejob_release(ejob *j)
{
    if (--j->pending) return;
    for (size_t i = 0; i < j->job.n; i++)
        if (!j->lent[i]) free(j->in[i]);
    free(j->in);
    free(j->lent);
    free(j->inlen);
    free(j->ntok);
    stage_finish(j, &j->job, j->cancelled, j->rc);
}

static void batch_done(void *ud, const oc_result *res);
static void settle(ejob *j, esplit *sp, ebatch *b, const char *err);

static void sp_unref(esplit *sp)
{
    if (sp && --sp->refs == 0) {
        free(sp->err);
        free(sp);
    }
}

static void batch_end(ebatch *b)
{
    ejob *j = b->j;
    sp_unref(b->sp);
    free(b);
    ejob_release(j);
}

static void fail_batch(ebatch *b, const char *msg)
{
    for (size_t k = 0; k < b->n; k++) b->j->job.fail(b->j->job.ud, b->idx[k], msg);
    batch_end(b);
}

static int prepare_input(ejob *j, size_t i, size_t limit, buf_t *tmp);

/* Makes sure the embed strings of idx[0..n) exist: they are dropped once a
 * request body holds them (memory), and rebuilt - identically - in the rare
 * cases a request is rebuilt (a 400 split, the float fallback). */
static int ensure_inputs(ejob *j, const size_t *idx, size_t n)
{
    buf_t tmp;
    buf_init(&tmp, 0);
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++)
        if (!j->in[idx[k]]) rc = prepare_input(j, idx[k], j->limit, &tmp) ? ERR_NOMEM : 0;
    buf_free(&tmp);
    return rc;
}

/* Sends inputs idx[0..n) as one request (a half of sp when sp is set; the
 * reference is taken over).  Failures to start are reported per node. */
static void send_batch(ejob *j, const size_t *idx, size_t n, esplit *sp)
{
    ebatch *b = malloc(sizeof *b + n * sizeof *idx);
    const char **in = malloc(n * sizeof *in);
    size_t *lens = malloc(n * sizeof *lens);
    buf_t body;
    buf_init(&body, 0);
    int rc = j->cancelled ? ERR_CANCELLED : b && in && lens ? 0 : ERR_NOMEM;
    if (!rc) rc = ensure_inputs(j, idx, n);
    uint64_t tokens = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        in[k] = j->in[idx[k]], lens[k] = j->inlen[idx[k]];
        tokens += j->ntok[idx[k]];
    }
    if (!rc)
        rc = oai_embed_request(oc_ep_model(j->ep), in, lens, n, j->dims, !j->use_float, &body);
    free(in);
    free(lens);
    for (size_t k = 0; !rc && k < n; k++) { /* the body holds them now */
        if (j->lent[idx[k]]) continue; /* the pipeline's: they stay until done */
        free(j->in[idx[k]]);
        j->in[idx[k]] = NULL;
    }
    if (!rc) {
        b->j = j, b->sp = sp, b->n = n, b->b64 = !j->use_float;
        memcpy(b->idx, idx, n * sizeof *idx);
        j->pending++;
        size_t len = body.len;
        rc = oc_call_start(j->ep, buf_detach(&body, NULL), len, tokens, j->timeout,
                           j->max_retries, j->job.tag, batch_done, b);
        if (!rc) return;
        j->pending--;
    }
    if (rc == ERR_CANCELLED) j->cancelled = 1; /* the stage ends cancelled, no node failed */
    buf_free(&body);
    free(b);
    for (size_t k = 0; rc != ERR_CANCELLED && k < n; k++) j->job.fail(j->job.ud, idx[k], err_str(rc));
    if (sp) {
        j->pending++; /* settle() ends nothing here but may release a parked sibling */
        settle(j, sp, NULL, NULL);
        sp_unref(sp);
        ejob_release(j);
    }
}

/* Splits a request that got a 400 into halves, or fails its single input. */
static void split(ebatch *b, const char *err)
{
    esplit *sp = b->n > 1 ? calloc(1, sizeof *sp) : NULL;
    if (!sp || !(sp->err = strdup(err))) {
        free(sp);
        fail_batch(b, err);
        return;
    }
    sp->refs = 2;
    size_t h = b->n / 2;
    send_batch(b->j, b->idx, h, sp);
    send_batch(b->j, b->idx + h, b->n - h, sp);
    batch_end(b);
}

/* A request of sp finished: err is its 400 text, or NULL when it did not
 * fail that way (b is NULL when it could not even be sent).  Ends b, or
 * parks it until its sibling has finished. */
static void settle(ejob *j, esplit *sp, ebatch *b, const char *err)
{
    int same = err && sp && !strcmp(err, sp->err);
    if (sp && !sp->seen) {
        sp->seen = 1;
        if (same) {
            sp->parked = b;
            return;
        }
    } else if (sp && sp->parked) {
        ebatch *p = sp->parked;
        sp->parked = NULL;
        if (same) { /* both halves failed like their parent: not an input's fault */
            fail_batch(p, err);
            fail_batch(b, err);
            return;
        }
        split(p, sp->err);
    }
    if (b && err) split(b, err);
    else if (b) batch_end(b);
}
static void store(ejob *j, const ebatch *b, const oc_result *res)
{
    float *v = NULL;
    uint32_t dim = 0;
    uint64_t tokens = 0;
    char err[160];
    int rc = oai_embed_parse(res->body, res->len, b->n, j->dims > 0 ? (uint32_t)j->dims : 0, &v,
                             &dim, &tokens, err, sizeof err);
    if (rc) {
        char msg[200];
        snprintf(msg, sizeof msg, "invalid embeddings response: %s", rc == ERR_PARSE ? err : err_str(rc));
        char q[300];
        log_kv("warn", "remote_bad_response", "%s error=%s", j->job.tag ? j->job.tag : "", log_quote(msg, q, sizeof q));
        for (size_t k = 0; k < b->n; k++) j->job.fail(j->job.ud, b->idx[k], msg);
        return;
    }
    j->job.stats->tokens += tokens;
    mx_add(MX_API_TOKENS, MX_EP_EMBED, 0, (long long)tokens);
    for (size_t k = 0; k < b->n; k++) {
        node_t *nd = j->job.nodes[b->idx[k]];
        float *e = malloc(dim * sizeof *e);
        if (!e) {
            j->job.fail(j->job.ud, b->idx[k], "out of memory");
            continue;
        }
        memcpy(e, v + k * dim, dim * sizeof *e);
        free(nd->embedding);
        nd->embedding = e;
        nd->dim = dim;
    }
    free(v);
}

static void batch_done(void *ud, const oc_result *res)
{
    ebatch *b = ud;
    ejob *j = b->j;
    j->job.stats->embed_requests += res->attempts;
    j->job.stats->retries += res->attempts ? res->attempts - 1 : 0;
    int bad_input = res->permanent && (res->status == 400 || res->status == 413 ||
                                       res->status == 422);
    if (res->cancelled) {
        j->cancelled = 1;
    } else if (res->ok) {
        store(j, b, res);
    } else if (res->status == 400 && b->b64 && strstr(res->err, "encoding_format")) {
        j->use_float = 1;
        oc_ep_set_no_base64(j->ep);
        send_batch(j, b->idx, b->n, b->sp); /* same request as floats; keeps b's place */
        b->sp = NULL;
    } else if (bad_input) {
        settle(j, b->sp, b, res->err);
        return;
    } else {
        for (size_t k = 0; k < b->n; k++) j->job.fail(j->job.ud, b->idx[k], res->err);
    }
    settle(j, b->sp, b, NULL);
}

/* Node i's input: the one made off the loop (eprep.h) when there is one
 * (*lent = 1: borrowed, in holds no memory), else made here into in. */
static int make_input(ejob *j, size_t i, buf_t *tmp, buf_t *in, int *lent)
{
    const eprep *p = j->job.prep;
    *lent = p && i < p->n && p->in[i];
    if (*lent) {
        in->p = p->in[i], in->len = p->len[i];
        return 0;
    }
    return eprep_input(j->job.nodes[i], tmp, in);
}

/* Computes node i's input; 0, or a per-node rejection reported via fail. */
static int prepare_input(ejob *j, size_t i, size_t limit, buf_t *tmp)
{
    buf_t in;
    buf_init(&in, 0);
    int lent, rc = make_input(j, i, tmp, &in, &lent);
    if (rc) {
        buf_free(&in);
        j->job.fail(j->job.ud, i, err_str(rc));
        return rc;
    }
    /* A cl100k token is at least one byte, so only inputs longer than the
     * limit in bytes need the (costly) exact count; the others are charged
     * to the rate limiter at the usual ~4 bytes per token estimate. */
    size_t len = in.len;
    uint64_t nt = limit && len > limit ? tok_count(in.p, len) : (len + 3) / 4;
    char msg[160];
    msg[0] = 0;
    if (!len)
        snprintf(msg, sizeof msg, "empty embedding input (the API rejects empty strings)");
    else if (limit && nt > limit)
        snprintf(msg, sizeof msg, "embedding input has %llu tokens, over the %zu-token limit of %s",
                 (unsigned long long)nt, limit, oc_ep_model(j->ep));
    if (msg[0]) {
        if (!lent) buf_free(&in);
        j->job.fail(j->job.ud, i, msg);
        return ERR_INVAL;
    }
    j->inlen[i] = len;
    /* the rate limiter counts what OpenAI-style limiters estimate: ~4 bytes per token */
    j->ntok[i] = (len + 3) / 4 > nt ? (len + 3) / 4 : nt;
    j->lent[i] = (unsigned char)lent;
    j->in[i] = lent ? in.p : buf_detach(&in, NULL);
    return j->in[i] ? 0 : ERR_NOMEM;
}

int embed_start(oc_ctx *oc, stage_job *job)
{
    char err[200];
    oc_ep *ep = oc_endpoint(oc, OC_EMBED, (spec_api)job->tf->variant, job->tf->class_name,
                            job->tf->params, err, sizeof err);
    if (!ep) { /* configuration error: every node fails with the reason */
        stage_fail_all(job, err);
        return 0;
    }
    ejob *j = calloc(1, sizeof *j);
    size_t n = job->n ? job->n : 1;
    if (!j || !(j->in = calloc(n, sizeof *j->in)) || !(j->inlen = calloc(n, sizeof *j->inlen)) ||
        !(j->ntok = calloc(n, sizeof *j->ntok)) || !(j->lent = calloc(n, 1))) {
        if (j) free(j->in), free(j->inlen), free(j->ntok);
        free(j);
        return ERR_NOMEM;
    }
    j->job = *job, j->ep = ep, j->pending = 1, j->use_float = oc_ep_no_base64(ep);
    json_t *d = spec_get(job->tf, "dimensions");
    j->dims = json_is_integer(d) ? json_integer_value(d) : 0;
    j->timeout = spec_num(job->tf, "timeout");
    j->max_retries = (unsigned)spec_int(job->tf, "max_retries");
    size_t bs = (size_t)spec_int(job->tf, "embed_batch_size");
    if (bs < 1 || bs > OAI_MAX_INPUTS) bs = 100;
    size_t limit = oai_embed_token_limit(oc_ep_model(ep));
    j->limit = limit;
    size_t *idx = malloc((job->n ? job->n : 1) * sizeof *idx), nv = 0;
    buf_t tmp;
    buf_init(&tmp, 0);
    for (size_t i = 0; i < job->n; i++) {
        if (!idx) job->fail(job->ud, i, "out of memory");
        else if (!prepare_input(j, i, limit, &tmp)) idx[nv++] = i;
    }
    /* As few requests as embed_batch_size allows, evenly filled: 430 inputs
     * at 100 go as 86+86+86+86+86, not 100+100+100+100+30 - the same number of
     * requests, and the slowest one (latency grows with inputs) is faster. */
    size_t nreq = (nv + bs - 1) / bs;
    for (size_t q = 0, at = 0; q < nreq; q++) {
        size_t take = nv / nreq + (q < nv % nreq);
        send_batch(j, idx + at, take, NULL);
        at += take;
    }
    buf_free(&tmp);
    free(idx);
    ejob_release(j);
    return 0;
}
