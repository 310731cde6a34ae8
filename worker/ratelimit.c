/* ratelimit.c - Redis-backed token buckets (see ratelimit.h).
 *
 * Ownership: rl_t owns its key and local bucket; rl_wait belongs to the
 * caller.  Each Redis command carries a heap rl_cmd that outlives a
 * cancelled waiter: cancelling only detaches it, and the reply callback
 * frees it.  Failure modes: a dropped connection (no reply; the worker is
 * reconnecting) makes that acquisition use the local bucket (logged once per
 * rl); an error reply (LOADING, READONLY, a missing ACL permission, a wrong
 * type) is logged and retried through Redis after RL_ERROR_WAIT_MS - never
 * silently turned into a per-worker limit. */
#include "ratelimit.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "log.h"
#include "rerr.h"
#include "sha256.h"
#include "wpace.h"

#define RL_WINDOW_MS 60500 /* a minute plus the time a request takes to arrive */
#define RL_ERROR_WAIT_MS 1000 /* after an error reply, ask Redis again this much later */

/* Sliding-window log: KEYS[1] hash {r, t, seq} (requests and tokens in the
 * window), KEYS[2] zset of grants (score = ms, member = "seq:cost").  A grant
 * is allowed when the last RL_WINDOW_MS hold at most rpm requests and tpm
 * tokens including it, which is what OpenAI-style rolling 60 s windows
 * check, so no server-side 429 follows; the window is 500 ms longer than a
 * minute to cover the time a request takes to reach the server.  Otherwise
 * the answer is the wait until enough old grants leave the window. */
const char RL_LUA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local rpm, tpm, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local win = tonumber(ARGV[4])\n"
    "if tpm > 0 and cost > tpm then cost = tpm end\n"
    "local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - win)\n"
    "if #old > 0 then\n"
    "  local tok = 0\n"
    "  for _, m in ipairs(old) do tok = tok + tonumber(string.match(m, '(%d+)$')) end\n"
    "  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - win)\n"
    "  redis.call('HINCRBY', KEYS[1], 'r', -#old)\n"
    "  redis.call('HINCRBY', KEYS[1], 't', -tok)\n"
    "end\n"
    "local r = tonumber(redis.call('HGET', KEYS[1], 'r') or '0')\n"
    "local k = tonumber(redis.call('HGET', KEYS[1], 't') or '0')\n"
    "local function fits(rr, kk) return (rpm == 0 or rr + 1 <= rpm) and (tpm == 0 or kk + cost <= tpm) end\n"
    "if fits(r, k) then\n"
    "  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)\n"
    "  redis.call('ZADD', KEYS[2], now, seq .. ':' .. cost)\n"
    "  redis.call('HINCRBY', KEYS[1], 'r', 1)\n"
    "  redis.call('HINCRBY', KEYS[1], 't', cost)\n"
    "  redis.call('PEXPIRE', KEYS[1], win + 1000)\n"
    "  redis.call('PEXPIRE', KEYS[2], win + 1000)\n"
    "  return 0\n"
    "end\n"
    "local e = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')\n"
    "for i = 1, #e, 2 do\n"
    "  r = r - 1\n"
    "  k = k - tonumber(string.match(e[i], '(%d+)$'))\n"
    "  if fits(r, k) then return math.max(1, tonumber(e[i + 1]) + win - now + 1) end\n"
    "end\n"
    "return 1000\n";

struct rl {
    struct ev_loop *loop;
    redisAsyncContext *redis;
    char key[KEYS_MAX], logkey[KEYS_MAX];
    int64_t rpm, tpm;
    double r, k, ts; /* local buckets; ts < 0: not started */
    uint64_t rng;    /* wait jitter */
    int warned;  /* connection losses seen (logged once) */
    int errors;  /* error replies seen */
};

/* SCRIPT LOAD's answer (the same script everywhere); "" until known. */
static char rl_sha[48];

struct rl_cmd {
    rl_wait *w; /* NULL once cancelled */
    int eval;   /* already fell back to EVAL */
};

rl_t *rl_new(struct ev_loop *loop, redisAsyncContext *redis, const char *api_base, const char *model)
{
    rl_t *rl = calloc(1, sizeof *rl);
    if (!rl) return NULL;
    sha256_ctx c;
    uint8_t d[32];
    char hex[65];
    sha256_init(&c);
    sha256_update(&c, api_base, strlen(api_base));
    sha256_update(&c, "\n", 1);
    sha256_update(&c, model, strlen(model));
    sha256_final(&c, d);
    sha256_to_hex(d, hex);
    hex[16] = '\0';
    keys_ratelimit(rl->key, hex);
    keys_ratelimit_log(rl->logkey, hex);
    rl->loop = loop;
    rl->redis = redis;
    rl->ts = -1;
    rl->rng = (uint64_t)d[0] << 8 ^ (uint64_t)(uintptr_t)rl ^ (uint64_t)getpid();
    return rl;
}

void rl_set_limits(rl_t *rl, int64_t rpm, int64_t tpm)
{
    rl->rpm = rpm > 0 ? rpm : 0;
    rl->tpm = tpm > 0 ? tpm : 0;
}

void rl_set_redis(rl_t *rl, struct redisAsyncContext *redis) { rl->redis = redis; }

int rl_enabled(const rl_t *rl) { return rl->rpm > 0 || rl->tpm > 0; }
const char *rl_key(const rl_t *rl) { return rl->key; }

/* The Lua algorithm on local state; ms to wait (0 = granted and debited). */
static double local_take(rl_t *rl, uint64_t tokens)
{
    double now = ev_now(rl->loop) * 1000.0, wait = 0, cost = (double)tokens;
    if (rl->ts < 0) rl->r = (double)rl->rpm, rl->k = (double)rl->tpm, rl->ts = now;
    double dt = now > rl->ts ? now - rl->ts : 0;
    rl->ts = now;
    if (rl->rpm) {
        rl->r = fmin((double)rl->rpm, rl->r + dt * rl->rpm / 60000.0);
        if (rl->r < 1) wait = fmax(wait, (1 - rl->r) * 60000.0 / rl->rpm);
    }
    if (rl->tpm) {
        if (cost > rl->tpm) cost = (double)rl->tpm;
        rl->k = fmin((double)rl->tpm, rl->k + dt * rl->tpm / 60000.0);
        if (rl->k < cost) wait = fmax(wait, (cost - rl->k) * 60000.0 / rl->tpm);
    }
    if (wait == 0) {
        if (rl->rpm) rl->r -= 1;
        if (rl->tpm) rl->k -= cost;
    }
    return ceil(wait);
}

static void ask(rl_wait *w);

/* Either grants (callback) or sleeps and asks again. */
static void outcome(rl_wait *w, double wait_ms)
{
    if (wait_ms <= 0) {
        w->waiting = 0;
        w->granted(w);
        return;
    }
    /* up to 10% later, so waiters of all workers do not ask in lockstep */
    rl_t *rl = w->rl;
    rl->rng = rl->rng * 6364136223846793005ull + 1442695040888963407ull;
    double jitter = 1.0 + 0.1 * (double)(rl->rng >> 11) / 9007199254740992.0;
    ev_timer_set(&w->timer, wait_ms * jitter / 1000.0, 0.);
    ev_timer_start(rl->loop, &w->timer);
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    ask((rl_wait *)t);
}

static void on_load(redisAsyncContext *ac, void *reply, void *priv)
{
    redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_STRING && r->len < (int)sizeof rl_sha)
        memcpy(rl_sha, r->str, (size_t)r->len + 1);
}

static int send_cmd(rl_t *rl, rl_cmd *cmd);

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    rl_cmd *cmd = priv;
    redisReply *r = reply;
    rl_wait *w = cmd->w;
    if (!w) {
        free(cmd);
        return;
    }
    if (r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOSCRIPT", 8) && !cmd->eval) {
        rl_sha[0] = 0;
        cmd->eval = 1;
        if (!send_cmd(w->rl, cmd)) return;
    }
    w->cmd = NULL;
    free(cmd);
    double wait;
    char q[200];
    if (r && r->type == REDIS_REPLY_INTEGER) {
        wait = (double)r->integer;
    } else if (r) { /* an error reply: routed, retried through Redis */
        int is_err = r->type == REDIS_REPLY_ERROR;
        rerr_kind k = is_err ? rerr_classify(1, 1, r->str) : RERR_OTHER;
        if (w->rl->errors++ % 100 == 0)
            log_kv("error", "ratelimit_redis_error", "key=%s class=%s error=%s hint=\"%s\" count=%d",
                   w->rl->key, rerr_name(k), log_quote(is_err ? r->str : "unexpected reply", q, sizeof q),
                   rerr_hint(k), w->rl->errors);
        wait = RL_ERROR_WAIT_MS;
    } else {
        if (!w->rl->warned++)
            log_kv("warn", "ratelimit_redis_lost", "key=%s fallback=local", w->rl->key);
        wait = local_take(w->rl, w->tokens);
    }
    outcome(w, wait);
}

static int send_cmd(rl_t *rl, rl_cmd *cmd)
{
    char rpm[24], tpm[24], cost[24];
    snprintf(rpm, sizeof rpm, "%lld", (long long)rl->rpm);
    snprintf(tpm, sizeof tpm, "%lld", (long long)rl->tpm);
    snprintf(cost, sizeof cost, "%llu", (unsigned long long)cmd->w->tokens);
    if (rl_sha[0] && !cmd->eval)
        return wpace_command(rl->redis, on_reply, cmd, "EVALSHA %s 2 %s %s %s %s %s %d",
                                 rl_sha, rl->key, rl->logkey, rpm, tpm, cost, RL_WINDOW_MS);
    return wpace_command(rl->redis, on_reply, cmd, "EVAL %s 2 %s %s %s %s %s %d", RL_LUA,
                             rl->key, rl->logkey, rpm, tpm, cost, RL_WINDOW_MS);
}

/* Sends the script; 0 when a reply will come, -1 when Redis is unusable. */
static int try_redis(rl_t *rl, rl_wait *w)
{
    if (!rl->redis || rl->redis->err) return -1;
    rl_cmd *cmd = calloc(1, sizeof *cmd);
    if (!cmd) return -1;
    cmd->w = w;
    if (!rl_sha[0]) (void)wpace_command(rl->redis, on_load, NULL, "SCRIPT LOAD %s", RL_LUA); /* EVAL serves meanwhile */
    if (send_cmd(rl, cmd) != REDIS_OK) {
        free(cmd);
        return -1;
    }
    w->cmd = cmd;
    return 0;
}

/* Local bucket: 1 when granted now (callback not called), else sleeps. */
static int try_local(rl_t *rl, rl_wait *w)
{
    double wait = local_take(rl, w->tokens);
    if (wait <= 0) {
        w->waiting = 0;
        return 1;
    }
    outcome(w, wait);
    return 0;
}

static void ask(rl_wait *w)
{
    if (!try_redis(w->rl, w)) return;
    if (try_local(w->rl, w)) w->granted(w);
}

int rl_acquire(rl_t *rl, rl_wait *w, uint64_t tokens, void (*granted)(rl_wait *w))
{
    if (!rl_enabled(rl)) return 1;
    ev_timer_init(&w->timer, timer_cb, 0., 0.);
    w->rl = rl, w->tokens = tokens, w->granted = granted, w->cmd = NULL, w->waiting = 1;
    if (!try_redis(rl, w)) return 0;
    return try_local(rl, w);
}

void rl_wait_cancel(rl_wait *w)
{
    if (!w->waiting) return;
    if (w->cmd) w->cmd->w = NULL;
    w->cmd = NULL;
    ev_timer_stop(w->rl->loop, &w->timer);
    w->waiting = 0;
}

void rl_free(rl_t *rl) { free(rl); }
