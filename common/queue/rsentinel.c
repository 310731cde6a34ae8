/* rsentinel.c - master discovery through Redis Sentinel (see rsentinel.h). */
#include "rsentinel.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* AUTH with $INGEST_SENTINEL_PASSWORD (and $INGEST_SENTINEL_USER) when set.
 * 0, or -1 with the sentinel's answer in why. */
static int sentinel_auth(redisContext *c, char *why, size_t wl)
{
    const char *pass = getenv("INGEST_SENTINEL_PASSWORD"), *user = getenv("INGEST_SENTINEL_USER");
    if (!pass || !*pass) return 0;
    redisReply *r = user && *user ? redisCommand(c, "AUTH %s %s", user, pass)
                                  : redisCommand(c, "AUTH %s", pass);
    int rc = r && r->type != REDIS_REPLY_ERROR ? 0 : -1;
    if (rc) snprintf(why, wl, "AUTH failed: %s", r ? r->str : c->errstr);
    freeReplyObject(r);
    return rc;
}

/* Copies the master's address from a get-master-addr-by-name reply. */
static int take_addr(const redisReply *r, rurl *u, char *why, size_t wl)
{
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(why, wl, "%s", r->str);
        return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[1]->type != REDIS_REPLY_STRING || (size_t)r->element[0]->len >= sizeof u->host) {
        snprintf(why, wl, "does not know master '%s'", u->master);
        return -1;
    }
    int p = atoi(r->element[1]->str);
    if (p <= 0 || p >= 65536) {
        snprintf(why, wl, "answered a bad port");
        return -1;
    }
    memcpy(u->host, r->element[0]->str, (size_t)r->element[0]->len + 1);
    u->port = p;
    return 0;
}

static int ask(const char *host, int port, rurl *u, char *why, size_t wl)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    int rc = -1;
    if (!c || c->err || redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(why, wl, "cannot connect: %s", c ? c->errstr : "out of memory");
    } else if (!sentinel_auth(c, why, wl)) {
        redisReply *r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", u->master);
        if (!r) snprintf(why, wl, "%s", c->errstr);
        else rc = take_addr(r, u, why, wl);
        freeReplyObject(r);
    }
    redisFree(c);
    return rc;
}

int rsentinel_resolve(rurl *u, char *err, int errlen)
{
    char why[256] = "";
    if (!u->nsentinels) return 0;
    for (int i = 0; i < u->nsentinels; i++)
        if (!ask(u->sentinels[i].host, u->sentinels[i].port, u, why, sizeof why)) return 0;
    snprintf(err, (size_t)errlen, "no sentinel of %d knows master '%s' (last, %s:%d: %s)",
             u->nsentinels, u->master, u->sentinels[u->nsentinels - 1].host,
             u->sentinels[u->nsentinels - 1].port, why);
    return ERR_REDIS;
}
