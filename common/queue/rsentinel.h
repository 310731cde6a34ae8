/* rsentinel.h - where the Redis master is, for redis+sentinel:// URLs.
 *
 * rsentinel_resolve() asks each sentinel of the URL in turn (synchronous
 * hiredis, 1 s connect/read timeout each) with SENTINEL
 * get-master-addr-by-name and writes the first answer into u->host /
 * u->port.  Not pure: network I/O.  Callers resolve again after every lost
 * connection or READONLY reply, which is how they follow a failover.
 * Sentinels have their own password (sentinel.conf `requirepass`), never the
 * master's from the URL: $INGEST_SENTINEL_PASSWORD (and, for an ACL user,
 * $INGEST_SENTINEL_USER) when set.  On failure the message names the last
 * sentinel asked and its answer (cannot connect, AUTH failed, NOAUTH...). */
#ifndef INGEST_RSENTINEL_H
#define INGEST_RSENTINEL_H

#include "rurl.h"

/* 0 (or no sentinel in the URL: nothing to do), else ERR_REDIS with a message. */
int rsentinel_resolve(rurl *u, char *err, int errlen);

#endif
