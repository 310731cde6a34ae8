/* opscheck.c - the worker's start-up checks of Redis (see opscheck.h). */
#include "opscheck.h"

#include <hiredis/async.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "wpace.h"

static void on_policy(redisAsyncContext *c, void *rv, void *priv)
{
    (void)c;
    char *id = priv;
    redisReply *r = rv;
    char q[300];
    if (!r) { /* connection gone: the next session checks again */
    } else if (r->type == REDIS_REPLY_ERROR) {
        log_kv("info", "redis_config_unchecked", "worker=%s msg=%s", id, log_quote(r->str, q, sizeof q));
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING) {
        if (strcmp(r->element[1]->str, "noeviction"))
            log_kv("warn", "redis_eviction_policy",
                   "worker=%s policy=%s msg=\"Redis may evict queue, batch and heartbeat keys under memory "
                   "pressure; set maxmemory-policy noeviction (deploy/redis-ingest.conf)\"",
                   id, log_quote(r->element[1]->str, q, sizeof q));
    } else {
        log_kv("info", "redis_config_unchecked", "worker=%s msg=\"unexpected CONFIG GET reply\"", id);
    }
    free(id);
}

void opscheck_redis(redisAsyncContext *c, const char *worker_id)
{
    char *id = c ? strdup(worker_id) : NULL;
    if (!id) return;
    if (wpace_command(c, on_policy, id, "CONFIG GET maxmemory-policy") != REDIS_OK) free(id);
}
