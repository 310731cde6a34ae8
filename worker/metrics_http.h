/* metrics_http.h - the worker's /metrics endpoint: a minimal HTTP/1.0
 * responder on a listening socket, driven by the worker's own libev loop
 * (no thread).  GET /metrics -> the exposition (metrics.h); GET /healthz ->
 * "ok" (answered by the loop itself, so a wedged loop fails liveness);
 * anything else 404/405.  One response per connection, then close.  A
 * request is read up to 8 KiB within 5 s or the connection is dropped;
 * at most 32 connections at a time (more are closed at once).
 * `collect` runs before each /metrics rendering to refresh gauges. */
#ifndef INGEST_METRICS_HTTP_H
#define INGEST_METRICS_HTTP_H

struct ev_loop;
typedef struct mhttp mhttp;

/* addr "HOST:PORT", "[V6]:PORT" or ":PORT" (all interfaces); port 0 picks a
 * free one (logged as event=metrics_listening port=N).  NULL with err set. */
mhttp *mhttp_start(struct ev_loop *loop, const char *addr, const char *worker_id,
                   const char *version, void (*collect)(void *), void *ud, char *err, int errlen);
int mhttp_port(const mhttp *m);
void mhttp_stop(mhttp *m); /* accepts NULL */

#endif
