/* ratelimit.h - cluster-wide requests/tokens-per-minute limit per
 * (api_base, model), shared by every worker through Redis.
 *
 * A sliding-window log of grants (requests and tokens in the last 60.5 s)
 * lives in Redis - a hash of running sums,
 * ingest:ratelimit:<first 16 hex of sha256(api_base "\n" model)>, and a zset
 * of grants, the same key + ":log" (both named by keys.h) - updated atomically by a Lua script
 * (EVALSHA, falling back to EVAL on NOSCRIPT) that uses the server's clock,
 * so every worker on every machine shares one window.  The script grants (and debits) or answers
 * how many milliseconds to wait; the waiter sleeps on an ev_timer and asks
 * again.  A request costing more tokens than tpm is charged tpm.
 * Without Redis (NULL connection) or when Redis fails, token buckets are
 * kept locally instead, so limits still hold per worker.  Limits of 0 disable
 * the corresponding bucket. */
#ifndef INGEST_RATELIMIT_H
#define INGEST_RATELIMIT_H

#include <ev.h>
#include <stdint.h>

struct redisAsyncContext;

typedef struct rl rl_t;
typedef struct rl_cmd rl_cmd;

/* A caller-owned wait slot (embed it in the request object). */
typedef struct rl_wait {
    ev_timer timer;
    rl_t *rl;
    uint64_t tokens;
    void (*granted)(struct rl_wait *w);
    rl_cmd *cmd; /* Redis command in flight, or NULL */
    int waiting;
} rl_wait;

/* NULL on allocation failure. redis may be NULL (local buckets only). */
rl_t *rl_new(struct ev_loop *loop, struct redisAsyncContext *redis, const char *api_base,
             const char *model);
void rl_set_limits(rl_t *rl, int64_t rpm, int64_t tpm);
/* Points the limiter at a new connection (after a reconnect; NULL: local). */
void rl_set_redis(rl_t *rl, struct redisAsyncContext *redis);
/* Whether any limit is set. */
int rl_enabled(const rl_t *rl);
/* Asks for one request of `tokens`.  Returns 1 when granted at once (the
 * callback is not called), 0 when granted later through w->granted. */
int rl_acquire(rl_t *rl, rl_wait *w, uint64_t tokens, void (*granted)(rl_wait *w));
/* Abandons a pending acquisition (granted will not fire).  Safe on an idle w. */
void rl_wait_cancel(rl_wait *w);
/* The Redis key (for tests and logs). */
const char *rl_key(const rl_t *rl);
/* Frees; pending waits must have been cancelled.  Accepts NULL. */
void rl_free(rl_t *rl);

/* The Lua script (exposed for tests). */
extern const char RL_LUA[];

#endif
