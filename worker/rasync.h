/* rasync.h - one hiredis async connection on a libev loop, from a parsed
 * Redis URL: connect (TCP or unix socket), attach, set the callbacks, queue
 * AUTH and SELECT as the URL says (their replies go to on_auth(c, reply, data), or
 * are ignored when it is NULL).  Shared by the worker's queue
 * connections and the cache's.  Every connection is write-paced (wpace.h):
 * send its commands with wpace_command/argv and close it with
 * wpace_disconnect(), never with hiredis's own calls.  NULL with the reason in err when the
 * connection cannot even be started (the callbacks report later failures). */
#ifndef INGEST_RASYNC_H
#define INGEST_RASYNC_H

#include <hiredis/async.h>
#include <stddef.h>

#include "rurl.h"

struct ev_loop;

redisAsyncContext *rasync_connect(struct ev_loop *loop, const rurl *u, void *data,
                                  redisConnectCallback *on_connect,
                                  redisDisconnectCallback *on_disconnect, redisCallbackFn *on_auth,
                                  char *err, size_t errlen);

#endif
