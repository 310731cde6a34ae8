/* rconn.c - synchronous hiredis connection for the CLI (see rconn.h). */
#include "rconn.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "rpass.h"
#include "rsentinel.h"
#include "rurl.h"

static redisReply *check(redisContext *c, redisReply *r, char *err, int errlen)
{
    if (!r) {
        snprintf(err, (size_t)errlen, "redis: %s", c->errstr[0] ? c->errstr : "connection lost");
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(err, (size_t)errlen, "redis: %s", r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

redisReply *rconn_cmd(redisContext *c, char *err, int errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    return check(c, r, err, errlen);
}

redisReply *rconn_argv(redisContext *c, char *err, int errlen, int argc, const char **argv,
                       const size_t *lens)
{
    return check(c, redisCommandArgv(c, argc, argv, lens), err, errlen);
}

redisReply *rconn_next(redisContext *c, char *err, int errlen)
{
    void *r = NULL;
    if (redisGetReply(c, &r) != REDIS_OK) r = NULL;
    return check(c, r, err, errlen);
}

redisContext *rconn_open(const char *url, char *err, int errlen)
{
    rurl u;
    if (rurl_parse(url, &u, err, errlen)) return NULL;
    if (rpass_pick(NULL, u.pass, sizeof u.pass, err, errlen) < 0) return NULL;
    if (rsentinel_resolve(&u, err, errlen)) return NULL;
    struct timeval tv = {5, 0};
    redisContext *c = u.unix_path[0] ? redisConnectUnixWithTimeout(u.unix_path, tv)
                                     : redisConnectWithTimeout(u.host, u.port, tv);
    if (!c || c->err) {
        snprintf(err, (size_t)errlen, "cannot connect to Redis at %s: %s",
                 u.unix_path[0] ? u.unix_path : u.host, c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisReply *r = NULL;
    if (u.pass[0]) {
        r = u.user[0] ? rconn_cmd(c, err, errlen, "AUTH %s %s", u.user, u.pass)
                      : rconn_cmd(c, err, errlen, "AUTH %s", u.pass);
        if (!r) goto fail;
        freeReplyObject(r);
    }
    if (u.db && !(r = rconn_cmd(c, err, errlen, "SELECT %d", u.db))) goto fail;
    if (u.db) freeReplyObject(r);
    return c;
fail:
    redisFree(c);
    return NULL;
}

int rconn_wait_replica(redisContext *c, char *err, int errlen)
{
    const char *e = getenv("INGEST_WAIT_REPLICA_MS");
    int ms = e && *e ? atoi(e) : 1000;
    if (ms <= 0) return 0;
    redisReply *r = rconn_cmd(c, err, errlen, "ROLE");
    if (!r) return -1;
    int replicas = r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
                   r->element[2]->type == REDIS_REPLY_ARRAY ? (int)r->element[2]->elements : 0;
    freeReplyObject(r);
    if (!replicas) return 0;
    if (!(r = rconn_cmd(c, err, errlen, "WAIT 1 %d", ms))) return -1;
    int ok = r->type == REDIS_REPLY_INTEGER && r->integer >= 1;
    freeReplyObject(r);
    return ok ? 0 : 1;
}

int rconn_ensure(redisContext **c, const char *url, char *err, int errlen)
{
    if (*c && !(*c)->err) return 0;
    if (*c) redisFree(*c);
    *c = rconn_open(url, err, errlen);
    return *c ? 0 : -1;
}

void rconn_drop(redisContext **c)
{
    if (*c) redisFree(*c);
    *c = NULL;
}
