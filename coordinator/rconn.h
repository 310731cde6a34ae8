/* rconn.h - the coordinator's synchronous Redis connection.
 * rconn_open() connects (TCP or unix socket), authenticates and selects the
 * database named by the URL; NULL with a message in err on failure.  The
 * password never appears in messages. */
#ifndef INGEST_RCONN_H
#define INGEST_RCONN_H

#include <hiredis/hiredis.h>

redisContext *rconn_open(const char *url, char *err, int errlen);
/* Runs a command; returns the reply, or NULL with err set (error replies too). */
redisReply *rconn_cmd(redisContext *c, char *err, int errlen, const char *fmt, ...);
redisReply *rconn_argv(redisContext *c, char *err, int errlen, int argc, const char **argv,
                       const size_t *lens);
/* Pipelining: queue commands with redisAppendCommand(), then read each reply
 * in order with rconn_next() (NULL with err set, like rconn_cmd).  After a
 * NULL the connection is unusable (c->err) or the remaining replies must
 * still be read. */
redisReply *rconn_next(redisContext *c, char *err, int errlen);

/* When the master has replicas, waits (WAIT 1, $INGEST_WAIT_REPLICA_MS,
 * default 1000; 0 disables) until one has every write of this connection.
 * 0 replicated or no replica, 1 timed out, -1 Redis error (err set). */
int rconn_wait_replica(redisContext *c, char *err, int errlen);
/* Reconnects when *c is NULL or broken (freeing it): 0, or -1 with err set.
 * Long-running commands (watch, submit --wait) call it before each round. */
int rconn_ensure(redisContext **c, const char *url, char *err, int errlen);
void rconn_drop(redisContext **c); /* frees *c, sets it NULL */

#endif
