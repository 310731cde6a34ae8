/* http.h - asynchronous HTTP POSTs: one libcurl multi handle driven by a
 * libev loop (socket and timer callbacks), no threads, no blocking calls.
 *
 * Connections are kept alive and reused across requests (the multi handle
 * owns the connection cache); HTTP/2 is negotiated over TLS when the server
 * offers it and streams are multiplexed.  Every request's callback fires
 * exactly once: on completion (any status), on transport failure, or from
 * http_cancel_all()/http_free() with r->cancelled set.  The callback may
 * start new requests.  It is never called from inside http_post(). */
#ifndef INGEST_HTTP_H
#define INGEST_HTTP_H

#include <stddef.h>

#include "buf.h"

struct ev_loop;

typedef struct http_ctx http_ctx;

typedef struct http_resp {
    long status;          /* HTTP status; 0 when no response arrived */
    int curl_code;        /* CURLE_OK or the transport error */
    const char *errmsg;   /* transport error text ("" when none) */
    int cancelled;        /* completed by cancel/free, nothing was received */
    const char *body;     /* response body (NUL-terminated), "" when none */
    size_t body_len;
    const char *retry_after;    /* header values or NULL */
    const char *retry_after_ms;
    double seconds;       /* total transfer time */
} http_resp;

typedef void (*http_cb)(void *ud, const http_resp *r);

/* NULL on failure (curl init, allocation). */
http_ctx *http_new(struct ev_loop *loop);
/* POSTs body (borrowed: it must stay valid until the callback has fired)
 * to url with the given extra header lines (copied; NULL-terminated array,
 * may be NULL) and a total timeout.  0, or a negative ERR_* (callback not
 * called). */
int http_post(http_ctx *h, const char *url, const char *const *headers, const char *body, size_t len,
              double timeout_s, http_cb cb, void *ud);
/* Completes every request in flight with cancelled=1. */
void http_cancel_all(http_ctx *h);
size_t http_in_flight(const http_ctx *h);
/* Cancels what is in flight (callbacks fire), then frees.  Accepts NULL. */
void http_free(http_ctx *h);

#endif
