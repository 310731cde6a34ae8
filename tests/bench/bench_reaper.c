/* bench_reaper.c - Redis cost of liveness per worker: N simulated workers
 * (100 / 1,000 / 10,000 by default) each send one heartbeat tick - the
 * heartbeat + lease renewal script and a reaper attempt - as the worker does
 * every ttl/3 seconds, with 1% of the workers dead (two batches each on
 * their processing lists) so the reaper has work.  Prints, per N: Redis CPU
 * (INFO cpu) and script time (INFO commandstats) per worker tick, and the
 * longest single script call (SLOWLOG) - for the scripts in scripts.c and for
 * the old reaper that walked every worker in one call.
 *
 *   bench_reaper SOCKET [N...]   (a redis-server listening on unix SOCKET)
 * tests/bench/bench_reaper.sh starts the server and runs it.  Not a test. */
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "scripts.h"

static const char OLD_REAP[] =
    "local moved = 0\n"
    "for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  if redis.call('EXISTS', 'ingest:worker:' .. w) == 0 then\n"
    "    local pl = 'ingest:processing:' .. w\n"
    "    while redis.call('LMOVE', pl, KEYS[2], 'RIGHT', 'LEFT') do moved = moved + 1 end\n"
    "    redis.call('SREM', KEYS[1], w)\n"
    "  end\n"
    "end\n"
    "return moved\n";

static redisContext *c;

static redisReply *cmd(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (!r) {
        fprintf(stderr, "redis: %s\n", c->errstr);
        exit(1);
    }
    return r;
}

static double info_num(const char *section, const char *field)
{
    redisReply *r = cmd("INFO %s", section);
    const char *p = r->type == REDIS_REPLY_STRING ? strstr(r->str, field) : NULL;
    double v = p ? atof(p + strlen(field)) : 0;
    freeReplyObject(r);
    return v;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* N workers registered, 1% of them dead with two leased batches each. */
static void populate(int n, int old)
{
    freeReplyObject(cmd("FLUSHALL"));
    long long now = now_ms();
    for (int i = 0; i < n; i++) {
        int dead = i % 100 == 0;
        redisAppendCommand(c, "SADD %s w%d", KEYS_WORKERS, i);
        redisAppendCommand(c, "ZADD %s %lld w%d", KEYS_HEARTBEATS, dead ? now - 1000 : now + 60000, i);
        if (!dead || !old) redisAppendCommand(c, "SET ingest:worker:w%d 1 EX 3600", i);
        else redisAppendCommand(c, "DEL ingest:worker:w%d", i);
        redisAppendCommand(c, "RPUSH ingest:processing:w%d j:%d j:%d", i, 2 * i, 2 * i + 1);
        for (int k = 0; k < 2; k++) {
            redisAppendCommand(c, "ZADD %s %lld j:%d", KEYS_LEASES, dead ? now - 1000 : now + 60000, 2 * i + k);
            redisAppendCommand(c, "HSET %s j:%d %s", KEYS_LEASE_OWNERS, 2 * i + k, dead ? "wx 1" : "w 1");
        }
    }
    for (int i = 0; i < n * 8; i++) {
        redisReply *r;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) exit(1);
        freeReplyObject(r);
    }
}

static char *load(const char *lua)
{
    redisReply *r = cmd("SCRIPT LOAD %s", lua);
    char *sha = strdup(r->str);
    freeReplyObject(r);
    return sha;
}

static void run(int n, int old)
{
    populate(n, old);
    char *hb = load(SCRIPT_HEARTBEAT), *reap = load(old ? OLD_REAP : SCRIPT_REAP);
    freeReplyObject(cmd("CONFIG SET slowlog-log-slower-than 0"));
    freeReplyObject(cmd("CONFIG SET slowlog-max-len 1024"));
    freeReplyObject(cmd("SLOWLOG RESET"));
    freeReplyObject(cmd("CONFIG RESETSTAT"));
    double cpu0 = info_num("cpu", "used_cpu_sys:") + info_num("cpu", "used_cpu_user:");
    for (int i = 0; i < n; i++) {
        char id[16], ref[2][24];
        snprintf(id, sizeof id, "w%d", i);
        snprintf(ref[0], 24, "j:%d", 2 * i);
        snprintf(ref[1], 24, "j:%d", 2 * i + 1);
        const char *hv[] = {"EVALSHA", hb, "4", KEYS_HEARTBEATS, KEYS_LEASES, KEYS_LEASE_OWNERS,
                            KEYS_WORKERS, id, "1", "15000", "15000", ref[0], ref[1]};
        if (i % 100) redisAppendCommandArgv(c, 13, hv, NULL); /* the dead do not beat */
        if (old) redisAppendCommand(c, "EVALSHA %s 2 %s %s", reap, KEYS_WORKERS, KEYS_QUEUE);
        else redisAppendCommand(c, "EVALSHA %s 8 %s %s %s %s %s %s %s %s %s 2000 100 %s %s %s %s",
                                reap, KEYS_REAPER, KEYS_HEARTBEATS, KEYS_LEASES, KEYS_LEASE_OWNERS,
                                KEYS_QUEUE, KEYS_WORKERS, KEYS_WORKERS_DEAD, KEYS_LEASES_HOT, id,
                                KEYS_WORKER_PREFIX, KEYS_PROCESSING_PREFIX, KEYS_JOB_PREFIX,
                                KEYS_EVENTS_SUFFIX);
    }
    for (int i = 0; i < 2 * n - (n + 99) / 100; i++) {
        redisReply *r;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) exit(1);
        if (r->type == REDIS_REPLY_ERROR) fprintf(stderr, "error: %s\n", r->str);
        freeReplyObject(r);
    }
    double cpu1 = info_num("cpu", "used_cpu_sys:") + info_num("cpu", "used_cpu_user:");
    double usec = info_num("commandstats", "cmdstat_evalsha:calls=");
    redisReply *cs = cmd("INFO commandstats");
    const char *p = strstr(cs->str, "cmdstat_evalsha:");
    double total_us = p && strstr(p, "usec=") ? atof(strstr(p, "usec=") + 5) : 0;
    freeReplyObject(cs);
    (void)usec;
    long long longest = 0;
    redisReply *sl = cmd("SLOWLOG GET 1024");
    for (size_t i = 0; sl->type == REDIS_REPLY_ARRAY && i < sl->elements; i++)
        if (sl->element[i]->elements > 2 && sl->element[i]->element[2]->integer > longest)
            longest = sl->element[i]->element[2]->integer;
    freeReplyObject(sl);
    redisReply *q = cmd("LLEN %s", KEYS_QUEUE);
    printf("| %s | %d | %.1f | %.1f | %lld | %lld |\n", old ? "old (walk every worker)" : "leases + zset",
           n, (cpu1 - cpu0) * 1e6 / n, total_us / n, longest, q->integer);
    freeReplyObject(q);
    free(hb);
    free(reap);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_reaper SOCKET [N...]\n");
        return 2;
    }
    c = redisConnectUnix(argv[1]);
    if (!c || c->err) {
        fprintf(stderr, "cannot connect to %s\n", argv[1]);
        return 1;
    }
    int ns[8] = {100, 1000, 10000}, nn = 3;
    if (argc > 2) {
        nn = 0;
        for (int i = 2; i < argc && nn < 8; i++) ns[nn++] = atoi(argv[i]);
    }
    printf("| reaper | workers | Redis CPU us per worker tick | script us per worker tick | longest script us | refs requeued |\n|---|---|---|---|---|---|\n");
    for (int old = 0; old < 2; old++)
        for (int i = 0; i < nn; i++) run(ns[i], old);
    redisFree(c);
    return 0;
}
