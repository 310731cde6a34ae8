/* oaicall.c - queued, rate-limited, retried calls to OpenAI-compatible APIs.
 *
 * State of a call: QUEUED (waiting for a concurrency slot on its endpoint)
 * -> RL (holds a slot, waiting for the cluster rate limit) -> HTTP (request
 * in flight) -> done, or BACKOFF (slot released, timer running) -> QUEUED
 * at the front.  Every live call is on the context's list so oc_cancel_all
 * can finish each exactly once.
 *
 * Secrets: the API key is read from the environment when an endpoint is
 * made, lives only in that endpoint's header line (wiped on free), and is
 * scrubbed from every error text before it is logged or handed back (some
 * servers echo a masked or full key in 401 messages). */
#include "oaicall.h"

#include <ev.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "http.h"
#include "metrics.h"
#include "oai.h"
#include "ratelimit.h"

#define BACKOFF_BASE 1.0
#define BACKOFF_CAP 20.0
#define DEFAULT_API_BASE "https://api.openai.com/v1"

typedef enum { S_QUEUED, S_RL, S_HTTP, S_BACKOFF } call_state;

struct oc_call {
    rl_wait rlw; /* first: the rate limiter hands it back */
    oc_call *prev, *next;   /* context's list of live calls */
    oc_call *qprev, *qnext; /* endpoint queue */
    oc_ep *ep;
    char *body;
    size_t len;
    uint64_t tokens;
    double timeout;
    unsigned max_retries, attempts;
    call_state st;
    double t_rl, t_sent;    /* when it began waiting for the rate limit / was sent */
    char tag[192];          /* worker=... job=... ref=... of the batch, for logs */
    ev_timer timer;
    oc_done done;
    void *ud;
};

struct oc_ep {
    oc_ep *next;
    oc_ctx *ctx;
    oc_kind kind;
    char *url, *model, *auth; /* auth: header line with the key, or NULL */
    char tag[160];            /* model="..." for logs (never the URL: it may hold userinfo) */
    const char *hdrs[2];
    char *secret; /* the bare key, for scrubbing */
    rl_t *rl;
    double cap, last_cut;
    int64_t max;
    size_t inflight;
    int no_base64;
    oc_call *qhead, *qtail;
};

struct oc_ctx {
    struct ev_loop *loop;
    struct redisAsyncContext *redis;
    http_ctx *http;
    oc_ep *eps;
    oc_call *calls;
    uint64_t rng;
    int cancelled; /* oc_cancel_all ran: the worker is stopping, no new call starts */
};

static double rnd(oc_ctx *c)
{
    c->rng ^= c->rng << 13, c->rng ^= c->rng >> 7, c->rng ^= c->rng << 17;
    return (double)(c->rng >> 11) / 9007199254740992.0;
}

void oc_set_redis(oc_ctx *c, struct redisAsyncContext *redis)
{
    c->redis = redis;
    for (oc_ep *e = c->eps; e; e = e->next) rl_set_redis(e->rl, redis);
}

oc_ctx *oc_new(struct ev_loop *loop, struct redisAsyncContext *redis)
{
    oc_ctx *c = calloc(1, sizeof *c);
    if (!c || !(c->http = http_new(loop))) {
        free(c);
        return NULL;
    }
    c->loop = loop;
    c->redis = redis;
    c->rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() ^ (uintptr_t)c;
    if (!c->rng) c->rng = 1;
    return c;
}

/* Replaces every occurrence of the endpoint's key in s with "***". */
static void scrub(const oc_ep *ep, char *s)
{
    size_t kl = ep->secret ? strlen(ep->secret) : 0;
    if (kl < 4) return;
    char *p;
    while ((p = strstr(s, ep->secret))) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + kl, strlen(p + kl) + 1);
    }
}

/* URL for the endpoint; malloc'd, NULL with err set. */
static char *make_url(oc_kind kind, spec_api api, const char *class_name, json_t *p,
                      const char *model, char *err, size_t el)
{
    const char *path = kind == OC_EMBED ? "embeddings" : "chat/completions";
    const char *base = json_string_value(json_object_get(p, "api_base"));
    char *url = NULL;
    if (api == SPEC_API_AZURE) {
        const char *ep = json_string_value(json_object_get(p, "azure_endpoint"));
        const char *dep = json_string_value(json_object_get(p, "azure_deployment"));
        const char *ver = json_string_value(json_object_get(p, "api_version"));
        if (!ep) ep = getenv("AZURE_OPENAI_ENDPOINT");
        if (!ep && base && strcmp(base, DEFAULT_API_BASE)) ep = base;
        if (!ep) {
            snprintf(err, el, "%s needs azure_endpoint (or AZURE_OPENAI_ENDPOINT)", class_name);
            return NULL;
        }
        size_t l = strlen(ep);
        while (l && ep[l - 1] == '/') l--;
        if (asprintf(&url, "%.*s/openai/deployments/%s/%s?api-version=%s", (int)l, ep,
                     dep ? dep : model, path, ver ? ver : "2023-05-15") < 0)
            url = NULL;
    } else {
        if (!base) base = DEFAULT_API_BASE;
        size_t l = strlen(base);
        while (l && base[l - 1] == '/') l--;
        if (asprintf(&url, "%.*s/%s", (int)l, base, path) < 0) url = NULL;
    }
    if (!url) snprintf(err, el, "out of memory");
    else if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, el, "%s: api_base must be an http:// or https:// URL", class_name);
        free(url);
        url = NULL;
    }
    return url;
}

/* Auth header from the environment.  0, or -1 with err set when the class
 * needs a key and none is set. */
static int make_auth(oc_ep *ep, spec_api api, const char *class_name, char *err, size_t el)
{
    int azure = api == SPEC_API_AZURE;
    const char *var = azure ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY";
    const char *key = getenv(var);
    if (!key || !*key) {
        if (api == SPEC_API_OPENAI_LIKE) return 0; /* OpenAI-like servers may need no key */
        snprintf(err, el, "%s: %s is not set in the worker's environment", class_name, var);
        return -1;
    }
    if (strpbrk(key, "\r\n")) {
        snprintf(err, el, "%s: %s contains a line break", class_name, var);
        return -1;
    }
    if (!(ep->secret = strdup(key)) ||
        asprintf(&ep->auth, azure ? "api-key: %s" : "Authorization: Bearer %s", key) < 0) {
        ep->auth = NULL;
        snprintf(err, el, "out of memory");
        return -1;
    }
    ep->hdrs[0] = ep->auth;
    return 0;
}

static void wipe(char *s)
{
    if (s) explicit_bzero(s, strlen(s));
    free(s);
}

static void ep_free(oc_ep *ep)
{
    if (!ep) return;
    free(ep->url);
    free(ep->model);
    wipe(ep->auth);
    wipe(ep->secret);
    rl_free(ep->rl);
    free(ep);
}

oc_ep *oc_endpoint(oc_ctx *c, oc_kind kind, spec_api api, const char *class_name, json_t *p,
                   char *err, size_t el)
{
    const char *model = json_string_value(json_object_get(p, kind == OC_EMBED ? "model_name" : "model"));
    if (!model) model = kind == OC_EMBED ? "text-embedding-ada-002" : "gpt-3.5-turbo";
    oc_ep *ep = calloc(1, sizeof *ep);
    if (!ep || !(ep->model = strdup(model))) {
        free(ep);
        snprintf(err, el, "out of memory");
        return NULL;
    }
    ep->ctx = c, ep->kind = kind;
    if (!(ep->url = make_url(kind, api, class_name, p, model, err, el)) ||
        make_auth(ep, api, class_name, err, el)) {
        ep_free(ep);
        return NULL;
    }
    for (oc_ep *e = c->eps; e; e = e->next) {
        if (e->kind == kind && !strcmp(e->url, ep->url) && !strcmp(e->model, ep->model) &&
            !strcmp(e->auth ? e->auth : "", ep->auth ? ep->auth : "")) {
            ep_free(ep);
            ep = e;
            goto refresh;
        }
    }
    if (!(ep->rl = rl_new(c->loop, c->redis, ep->url, ep->model))) {
        ep_free(ep);
        snprintf(err, el, "out of memory");
        return NULL;
    }
    char q[140];
    snprintf(ep->tag, sizeof ep->tag, "model=%s", log_quote(ep->model, q, sizeof q));
    ep->next = c->eps;
    c->eps = ep;
    ep->cap = -1;
refresh:
    ep->max = json_integer_value(json_object_get(p, "max_concurrency"));
    if (ep->max < 1) ep->max = 64;
    if (ep->cap < 0 || ep->cap > ep->max) ep->cap = (double)ep->max;
    rl_set_limits(ep->rl, json_integer_value(json_object_get(p, "rpm")),
                  json_integer_value(json_object_get(p, "tpm")));
    return ep;
}

const char *oc_ep_model(const oc_ep *ep) { return ep->model; }
int oc_ep_no_base64(const oc_ep *ep) { return ep->no_base64; }
void oc_ep_set_no_base64(oc_ep *ep) { ep->no_base64 = 1; }

static void q_push(oc_ep *ep, oc_call *k, int front)
{
    k->st = S_QUEUED;
    k->qprev = k->qnext = NULL;
    if (!ep->qhead) ep->qhead = ep->qtail = k;
    else if (front) k->qnext = ep->qhead, ep->qhead->qprev = k, ep->qhead = k;
    else k->qprev = ep->qtail, ep->qtail->qnext = k, ep->qtail = k;
}

static void q_remove(oc_ep *ep, oc_call *k)
{
    if (k->qprev) k->qprev->qnext = k->qnext;
    else ep->qhead = k->qnext;
    if (k->qnext) k->qnext->qprev = k->qprev;
    else ep->qtail = k->qprev;
    k->qprev = k->qnext = NULL;
}

/* Unlinks, reports, frees. */
static void finish(oc_call *k, oc_result *res)
{
    oc_ctx *c = k->ep->ctx;
    if (k->prev) k->prev->next = k->next;
    else c->calls = k->next;
    if (k->next) k->next->prev = k->prev;
    res->attempts = k->attempts;
    if (!res->body) res->body = "";
    if (!res->err) res->err = "";
    k->done(k->ud, res);
    free(k->body);
    free(k);
}

static void pump(oc_ep *ep);
static void send_now(oc_call *k);

static int mx_ep(const oc_ep *ep) { return ep->kind == OC_EMBED ? MX_EP_EMBED : MX_EP_CHAT; }

static void on_granted(rl_wait *w) { send_now((oc_call *)w); }

static void pump(oc_ep *ep)
{
    while (ep->qhead && (double)ep->inflight < floor(ep->cap)) {
        oc_call *k = ep->qhead;
        q_remove(ep, k);
        ep->inflight++;
        k->st = S_RL;
        k->t_rl = ev_time();
        if (rl_acquire(ep->rl, &k->rlw, k->tokens, on_granted)) send_now(k);
    }
}

static void on_http(void *ud, const http_resp *r);

static void send_now(oc_call *k)
{
    oc_ep *ep = k->ep;
    k->st = S_HTTP;
    k->t_sent = ev_time();
    if (k->t_sent - k->t_rl > 0.001) { /* held by the cluster-wide rate limit */
        mx_inc(MX_RATELIMIT_WAITS, mx_ep(ep), 0);
        mx_add_seconds(MX_RATELIMIT_WAIT, mx_ep(ep), 0, k->t_sent - k->t_rl);
    }
    /* the body is lent: k keeps it (for retries) until after the callback */
    int rc = http_post(ep->ctx->http, ep->url, ep->hdrs, k->body, k->len, k->timeout, on_http, k);
    if (rc) { /* could not even start (bad URL, ENOMEM): final, reported from the loop */
        ep->inflight--;
        k->st = S_BACKOFF;
        k->attempts = k->max_retries + 1;
        ev_timer_set(&k->timer, 0., 0.);
        ev_timer_start(ep->ctx->loop, &k->timer);
    }
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    oc_call *k = (oc_call *)((char *)t - offsetof(oc_call, timer));
    if (k->attempts > k->max_retries) {
        oc_result res = {.err = "request could not be started"};
        oc_ep *ep = k->ep;
        finish(k, &res);
        pump(ep);
        return;
    }
    q_push(k->ep, k, 1);
    pump(k->ep);
}

static void adapt(oc_ep *ep, int throttled, const char *tag)
{
    double now = ev_now(ep->ctx->loop);
    if (throttled) {
        if (now - ep->last_cut < 1.0) return; /* one cut per burst of 429s */
        ep->last_cut = now;
        ep->cap = fmax(1.0, floor(ep->cap / 2));
        log_kv("warn", "remote_throttle", "%s %s cap=%.0f", tag, ep->tag, ep->cap);
    } else if (ep->cap < ep->max) {
        ep->cap = fmin((double)ep->max, ep->cap + 1.0 / ep->cap);
    }
}

/* Retries after a wait, or finishes with the error. */
static void retry_or_fail(oc_call *k, const http_resp *r, char *msg)
{
    oc_ep *ep = k->ep;
    if (k->attempts > k->max_retries) {
        char full[600];
        snprintf(full, sizeof full, "%s (gave up after %u attempts)", msg, k->attempts);
        char q[600];
        log_kv("error", "remote_give_up", "%s %s attempts=%u error=%s", k->tag, ep->tag,
               k->attempts, log_quote(msg, q, sizeof q));
        oc_result res = {.status = r->status, .body = r->body, .len = r->body_len, .err = full};
        finish(k, &res);
        return;
    }
    double wait = oai_retry_after(r->retry_after_ms, r->retry_after, time(NULL));
    if (wait < 0) wait = oai_backoff(k->attempts - 1, BACKOFF_BASE, BACKOFF_CAP, rnd(ep->ctx));
    char q[600];
    mx_inc(MX_API_RETRIES, mx_ep(ep), 0);
    log_kv("warn", "remote_retry", "%s %s attempt=%u wait_s=%.3f error=%s", k->tag, ep->tag,
           k->attempts, wait, log_quote(msg, q, sizeof q));
    k->st = S_BACKOFF;
    ev_timer_set(&k->timer, wait, 0.);
    ev_timer_start(ep->ctx->loop, &k->timer);
}

static void on_http(void *ud, const http_resp *r)
{
    oc_call *k = ud;
    oc_ep *ep = k->ep;
    ep->inflight--;
    if (r->cancelled) {
        oc_result res = {.cancelled = 1, .err = "cancelled"};
        finish(k, &res);
        return;
    }
    k->attempts++;
    mx_inc(MX_API_REQUESTS, mx_ep(ep), r->curl_code ? MX_ST_ERROR : mx_status_class(r->status));
    mx_observe(MX_API_LATENCY, mx_ep(ep), 0, ev_time() - k->t_sent);
    if (r->status == 429) mx_inc(MX_API_THROTTLED, mx_ep(ep), 0);
    char msg[512];
    if (!r->curl_code && r->status >= 200 && r->status < 300) {
        adapt(ep, 0, k->tag);
        oc_result res = {.ok = 1, .status = r->status, .body = r->body, .len = r->body_len};
        finish(k, &res);
    } else if (!r->curl_code && !oai_status_retryable(r->status)) {
        oai_error_text(r->status, r->body, r->body_len, msg, sizeof msg);
        scrub(ep, msg);
        char q[600];
        log_kv("error", "remote_error", "%s %s status=%ld error=%s", k->tag, ep->tag,
               r->status, log_quote(msg, q, sizeof q));
        oc_result res = {.permanent = 1, .status = r->status, .body = r->body, .len = r->body_len,
                         .err = msg};
        finish(k, &res);
    } else {
        if (r->curl_code) snprintf(msg, sizeof msg, "transport error: %s", r->errmsg);
        else oai_error_text(r->status, r->body, r->body_len, msg, sizeof msg);
        scrub(ep, msg);
        if (r->status == 429) adapt(ep, 1, k->tag);
        retry_or_fail(k, r, msg);
    }
    pump(ep);
}

int oc_call_start(oc_ep *ep, char *body, size_t len, uint64_t tokens, double timeout_s,
                  unsigned max_retries, const char *tag, oc_done done, void *ud)
{
    oc_call *k = ep->ctx->cancelled ? NULL : calloc(1, sizeof *k);
    if (!k) {
        free(body);
        return ep->ctx->cancelled ? ERR_CANCELLED : ERR_NOMEM;
    }
    k->ep = ep, k->body = body, k->len = len, k->tokens = tokens, k->timeout = timeout_s;
    k->max_retries = max_retries, k->done = done, k->ud = ud;
    snprintf(k->tag, sizeof k->tag, "%s", tag ? tag : "");
    ev_timer_init(&k->timer, on_timer, 0., 0.);
    oc_ctx *c = ep->ctx;
    k->next = c->calls;
    if (c->calls) c->calls->prev = k;
    c->calls = k;
    q_push(ep, k, 0);
    pump(ep);
    return 0;
}

void oc_cancel_all(oc_ctx *c)
{
    c->cancelled = 1; /* a stage still on its way here (a cache lookup) starts nothing */
    http_cancel_all(c->http); /* finishes every call in S_HTTP */
    for (oc_call *k = c->calls, *nx; k; k = nx) {
        nx = k->next; /* calls started by callbacks below are prepended: not visited */
        if (k->st == S_HTTP) continue;
        if (k->st == S_QUEUED) q_remove(k->ep, k);
        if (k->st == S_RL) rl_wait_cancel(&k->rlw), k->ep->inflight--;
        ev_timer_stop(c->loop, &k->timer);
        oc_result res = {.cancelled = 1, .err = "cancelled"};
        finish(k, &res);
    }
}

size_t oc_in_flight(const oc_ctx *c) { return c ? http_in_flight(c->http) : 0; }

void oc_free(oc_ctx *c)
{
    if (!c) return;
    oc_cancel_all(c);
    http_free(c->http);
    while (c->eps) {
        oc_ep *e = c->eps;
        c->eps = e->next;
        ep_free(e);
    }
    free(c);
}
