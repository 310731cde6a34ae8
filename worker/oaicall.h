/* oaicall.h - the call layer: reliable calls to OpenAI-compatible
 * endpoints, shared by the embedding stage (embed.c) and the LLM extractor
 * stage (extract.c); request/response bodies are oai.h's.
 *
 * An endpoint is one (URL, model) pair with its auth header (read from the
 * worker's environment, never from the spec), a per-worker concurrency cap
 * (max_concurrency, adapted AIMD-style: halved on 429, +1/cap per success)
 * and the cluster-wide rate limit (ratelimit.h).  A call is one POST body;
 * it queues for a slot, waits for the rate limit, is sent, and is retried
 * on 408/409/429/5xx/transport errors with exponential backoff and full
 * jitter (Retry-After / retry-after-ms honoured) up to max_retries times.
 * Its done callback fires exactly once - with the 2xx response, the final
 * error, or cancelled - and the call is freed after it returns. */
#ifndef INGEST_OAICALL_H
#define INGEST_OAICALL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

struct ev_loop;
struct redisAsyncContext;

typedef struct oc_ctx oc_ctx;
typedef struct oc_ep oc_ep;
typedef struct oc_call oc_call;

typedef enum { OC_EMBED, OC_CHAT } oc_kind;

typedef struct oc_result {
    int ok;            /* 2xx: body holds the response */
    int cancelled;     /* oc_cancel_all() */
    int permanent;     /* non-retryable HTTP error (4xx) */
    long status;       /* last HTTP status, 0 if none */
    const char *body;  /* last response body ("" if none) */
    size_t len;
    const char *err;   /* failure text (no secrets); "" when ok */
    unsigned attempts; /* HTTP attempts made */
} oc_result;

typedef void (*oc_done)(void *ud, const oc_result *r);

oc_ctx *oc_new(struct ev_loop *loop, struct redisAsyncContext *redis);
/* Swaps the Redis connection used by every endpoint's rate limiter (NULL
 * while disconnected: limits are then kept locally). */
void oc_set_redis(oc_ctx *c, struct redisAsyncContext *redis);
/* Finds or makes the endpoint for a transformation's parameters (an
 * embedding tf's params, or an extractor's "llm" object): api (spec.h's
 * registry) decides URL shape and auth; class_name names it in messages.
 * Limits/caps are refreshed from params.  NULL with err set (missing API
 * key, bad URL, ENOMEM). */
oc_ep *oc_endpoint(oc_ctx *c, oc_kind kind, spec_api api, const char *class_name, json_t *params,
                   char *err, size_t errlen);
const char *oc_ep_model(const oc_ep *ep);
/* Sticky per-endpoint note that the server refuses base64 embeddings. */
int oc_ep_no_base64(const oc_ep *ep);
void oc_ep_set_no_base64(oc_ep *ep);
/* Queues a POST of body (taken over).  `tag` ("worker=... job=... ref=...",
 * copied) starts every log line about the call.  0, or negative ERR_* (body
 * freed, done not called): ERR_CANCELLED once oc_cancel_all has run.  done never fires inside oc_call_start.  Each
 * attempt is counted in the metrics (metrics.h: requests by status class,
 * latency, retries, 429s, rate-limit waits). */
int oc_call_start(oc_ep *ep, char *body, size_t len, uint64_t tokens, double timeout_s,
                  unsigned max_retries, const char *tag, oc_done done, void *ud);
/* Completes every call with cancelled=1; from then on oc_call_start refuses. */
void oc_cancel_all(oc_ctx *c);
/* HTTP requests in flight now. */
size_t oc_in_flight(const oc_ctx *c);
/* Cancels, then frees.  Accepts NULL. */
void oc_free(oc_ctx *c);

#endif
