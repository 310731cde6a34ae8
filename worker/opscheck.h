/* opscheck.h - start-up checks of the Redis a worker connects to.
 * opscheck_redis() asks CONFIG GET maxmemory-policy on the connection and,
 * when the answer comes, logs event=redis_eviction_policy (warn) unless it
 * is noeviction: any other policy may evict queue lists, batches, results
 * or heartbeats.  A refused CONFIG (ACL, renamed command, managed Redis) is
 * logged as event=redis_config_unchecked (info); nothing else happens. */
#ifndef INGEST_OPSCHECK_H
#define INGEST_OPSCHECK_H

struct redisAsyncContext;

void opscheck_redis(struct redisAsyncContext *c, const char *worker_id);

#endif
