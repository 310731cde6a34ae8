/* metrics.h - the worker's Prometheus metrics: a fixed registry of
 * counters, gauges and histograms, and its text exposition (format 0.0.4).
 *
 * Every metric is declared once in the table in metrics.c (name, help,
 * type, up to two labels with fixed value lists), so the exposition always
 * lists every series, at zero until it moves, and no label value ever comes
 * from input.  Hooks in the worker are one-liners:
 *     mx_inc(MX_BATCHES, MX_OUT_DONE, 0);
 *     mx_observe(MX_API_LATENCY, MX_EP_EMBED, 0, seconds);
 * Values are atomics, so CPU-stage threads may count too.  Seconds are kept
 * in microseconds.  Pure: no I/O, no ev.h (metrics_http.h serves it). */
#ifndef INGEST_METRICS_H
#define INGEST_METRICS_H

#include "buf.h"

typedef enum {
    MX_BATCHES,          /* counter {outcome} */
    MX_DOCUMENTS,        /* counter {outcome} */
    MX_NODES,            /* counter */
    MX_API_REQUESTS,     /* counter {endpoint, status} */
    MX_API_RETRIES,      /* counter {endpoint} */
    MX_API_THROTTLED,    /* counter {endpoint}: 429 answers */
    MX_API_LATENCY,      /* histogram {endpoint}, seconds */
    MX_RATELIMIT_WAIT,   /* counter {endpoint}, seconds waited for the cluster rate limit */
    MX_RATELIMIT_WAITS,  /* counter {endpoint}: calls that had to wait */
    MX_API_TOKENS,       /* counter {endpoint}: prompt tokens reported */
    MX_INFLIGHT_BATCHES, /* gauge */
    MX_INFLIGHT_REQUESTS,/* gauge */
    MX_CPU_STAGE,        /* counter {stage}, seconds of CPU-stage work */
    MX_CACHE_HITS,       /* counter {cache} (incremented by the cache) */
    MX_CACHE_MISSES,     /* counter {cache} */
    MX_REDIS_RECONNECTS, /* counter */
    MX_UP_SINCE,         /* gauge: start time, unix seconds */
    MX__COUNT
} mx_id;

/* label values, by label */
enum { MX_OUT_DONE, MX_OUT_FAILED, MX_OUT_DEAD, MX_OUT_REQUEUED, MX_OUT_DROPPED };
enum { MX_DOC_OK, MX_DOC_FAILED };
enum { MX_EP_EMBED, MX_EP_CHAT };
enum { MX_ST_2XX, MX_ST_4XX, MX_ST_5XX, MX_ST_OTHER, MX_ST_ERROR };
enum { MX_STAGE_READ, MX_STAGE_PARSE, MX_STAGE_TRANSFORM, MX_STAGE_ENCODE };
enum { MX_CACHE_TRANSFORM, MX_CACHE_EMBEDDING };

void mx_add(mx_id id, int l1, int l2, long long v);
#define mx_inc(id, l1, l2) mx_add((id), (l1), (l2), 1)
void mx_set(mx_id id, int l1, int l2, long long v);
void mx_add_seconds(mx_id id, int l1, int l2, double s);
void mx_observe(mx_id id, int l1, int l2, double seconds); /* histograms */
/* Index of a value of id's first label, -1 if it has no such value (then
 * mx_add & co ignore it). */
int mx_label(mx_id id, const char *value);
/* Status label index of an HTTP status (0: transport error). */
int mx_status_class(long status);
/* Current value (tests); seconds metrics in microseconds. */
long long mx_get(mx_id id, int l1, int l2);
/* Appends the whole exposition to b; 0 or ERR_TOOBIG/ERR_NOMEM.  Constant
 * labels (worker id, version) go on the ingest_worker_info series. */
int mx_render(buf_t *b, const char *worker_id, const char *version);

#endif
