/* rsentinel.c - master discovery through Redis Sentinel (see rsentinel.h). */
#include "rsentinel.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int ask(const char *host, int port, const char *master, rurl *u)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    int rc = -1;
    if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK) {
        redisReply *r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", master);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
            r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING &&
            (size_t)r->element[0]->len < sizeof u->host) {
            int p = atoi(r->element[1]->str);
            if (p > 0 && p < 65536) {
                memcpy(u->host, r->element[0]->str, (size_t)r->element[0]->len + 1);
                u->port = p;
                rc = 0;
            }
        }
        freeReplyObject(r);
    }
    redisFree(c);
    return rc;
}

int rsentinel_resolve(rurl *u, char *err, int errlen)
{
    if (!u->nsentinels) return 0;
    for (int i = 0; i < u->nsentinels; i++)
        if (!ask(u->sentinels[i].host, u->sentinels[i].port, u->master, u)) return 0;
    snprintf(err, (size_t)errlen, "no sentinel of %d knows master '%s'", u->nsentinels, u->master);
    return ERR_REDIS;
}
