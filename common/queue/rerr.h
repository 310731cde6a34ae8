/* rerr.h - what a Redis error reply means for the caller.  Pure.
 *
 * Every reply on the worker's pop/claim/ack/heartbeat/reaper/rate-limit paths
 * goes through rerr_classify(): transient errors (the server is loading,
 * busy, read-only during a failover, out of memory) are retried after a
 * backoff; permanent ones (bad credentials, a missing ACL permission, a key
 * of the wrong type) stop retrying after a bounded number of tries with a
 * message saying exactly what is wrong.  Classification is by the error
 * code (the reply's first word), never by the rest of the message. */
#ifndef INGEST_RERR_H
#define INGEST_RERR_H

typedef enum {
    RERR_OK = 0,     /* not an error reply */
    RERR_LOST,       /* no reply: the connection broke */
    RERR_TRANSIENT,  /* LOADING, BUSY, READONLY, OOM, MASTERDOWN, TRYAGAIN, NOSCRIPT */
    RERR_AUTH,       /* WRONGPASS, NOAUTH, NOPERM: fix the credentials or the ACL */
    RERR_WRONGTYPE,  /* a key holds the wrong kind of value */
    RERR_OTHER       /* anything else (script errors, ERR ...) */
} rerr_kind;

/* `is_error`: the reply is an error reply; `msg`: its text (may be NULL when
 * there was no reply at all). */
rerr_kind rerr_classify(int have_reply, int is_error, const char *msg);
const char *rerr_name(rerr_kind k);
/* A short hint for an operator (what to check), never NULL. */
const char *rerr_hint(rerr_kind k);

#endif
