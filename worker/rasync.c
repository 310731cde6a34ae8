/* rasync.c - hiredis async connections on libev (see rasync.h), paced (wpace.h). */
#include "rasync.h"

#include <ev.h>
#include <hiredis/adapters/libev.h>
#include <stdio.h>

#include "wpace.h"

redisAsyncContext *rasync_connect(struct ev_loop *loop, const rurl *u, void *data,
                                  redisConnectCallback *on_connect,
                                  redisDisconnectCallback *on_disconnect, redisCallbackFn *on_auth,
                                  char *err, size_t errlen)
{
    redisAsyncContext *c = u->unix_path[0] ? redisAsyncConnectUnix(u->unix_path)
                                           : redisAsyncConnect(u->host, u->port);
    if (!c || c->err) {
        snprintf(err, errlen, "%s", c ? c->errstr : "out of memory");
        if (c) redisAsyncFree(c);
        return NULL;
    }
    c->data = data;
    redisLibevAttach(loop, c);
    if (wpace_attach(c, loop, WPACE_LIMIT_DEFAULT)) {
        snprintf(err, errlen, "out of memory");
        redisAsyncFree(c);
        return NULL;
    }
    redisAsyncSetConnectCallback(c, on_connect);
    redisAsyncSetDisconnectCallback(c, on_disconnect);
    int rc = REDIS_OK;
    if (u->pass[0] && u->user[0]) rc = wpace_command(c, on_auth, data, "AUTH %s %s", u->user, u->pass);
    else if (u->pass[0]) rc = wpace_command(c, on_auth, data, "AUTH %s", u->pass);
    if (rc == REDIS_OK && u->db) rc = wpace_command(c, on_auth, data, "SELECT %d", u->db);
    if (rc != REDIS_OK) {
        snprintf(err, errlen, "cannot queue AUTH/SELECT");
        redisAsyncFree(c);
        return NULL;
    }
    return c;
}
