/* metrics.c - the metric registry and its Prometheus text exposition (see
 * metrics.h).  Storage is a fixed array of atomic series per metric: label
 * value i of label 1 and j of label 2 is series i * n2 + j.  Out-of-range
 * ids or label indexes are ignored (never a crash). */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

typedef enum { T_COUNTER, T_GAUGE, T_HISTOGRAM } mx_type;

#define SERIES_MAX 32
#define NBUCKETS 12

static const char *const outcomes[] = {"done", "failed", "dead", "requeued", "dropped", NULL};
static const char *const doc_outcomes[] = {"ok", "failed", NULL};
static const char *const endpoints[] = {"embeddings", "chat", NULL};
static const char *const statuses[] = {"2xx", "4xx", "5xx", "other", "error", NULL};
static const char *const stages[] = {"read", "parse", "transform", "encode", NULL};
static const char *const caches[] = {"transformation", "embedding", NULL};
static const double buckets[NBUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

static const struct {
    const char *name, *help;
    mx_type type;
    int micros; /* value kept in microseconds, shown in seconds */
    const char *l1;
    const char *const *v1;
    const char *l2;
    const char *const *v2;
} defs[MX__COUNT] = {
    [MX_BATCHES] = {"ingest_batches_total", "Batches this worker finished, by outcome.", T_COUNTER, 0,
                    "outcome", outcomes, NULL, NULL},
    [MX_DOCUMENTS] = {"ingest_documents_total", "Documents in finished batches, by outcome.", T_COUNTER, 0,
                      "outcome", doc_outcomes, NULL, NULL},
    [MX_NODES] = {"ingest_nodes_total", "Nodes produced.", T_COUNTER, 0, NULL, NULL, NULL, NULL},
    [MX_API_REQUESTS] = {"ingest_api_requests_total", "Model API HTTP attempts, by endpoint and status class.",
                         T_COUNTER, 0, "endpoint", endpoints, "status", statuses},
    [MX_API_RETRIES] = {"ingest_api_retries_total", "Model API attempts that were retried.", T_COUNTER, 0,
                        "endpoint", endpoints, NULL, NULL},
    [MX_API_THROTTLED] = {"ingest_api_throttled_total", "Model API answers 429 Too Many Requests.", T_COUNTER, 0,
                          "endpoint", endpoints, NULL, NULL},
    [MX_API_LATENCY] = {"ingest_api_request_duration_seconds", "Model API HTTP attempt latency.", T_HISTOGRAM, 1,
                        "endpoint", endpoints, NULL, NULL},
    [MX_RATELIMIT_WAIT] = {"ingest_ratelimit_wait_seconds_total",
                           "Time calls waited for the cluster-wide rate limit.", T_COUNTER, 1, "endpoint",
                           endpoints, NULL, NULL},
    [MX_RATELIMIT_WAITS] = {"ingest_ratelimit_waits_total", "Calls that had to wait for the rate limit.",
                            T_COUNTER, 0, "endpoint", endpoints, NULL, NULL},
    [MX_API_TOKENS] = {"ingest_api_tokens_total", "Prompt tokens the model API reported.", T_COUNTER, 0,
                       "endpoint", endpoints, NULL, NULL},
    [MX_INFLIGHT_BATCHES] = {"ingest_batches_in_flight", "Batches held by this worker now.", T_GAUGE, 0, NULL,
                             NULL, NULL, NULL},
    [MX_INFLIGHT_REQUESTS] = {"ingest_api_requests_in_flight", "Model API HTTP requests in flight now.",
                              T_GAUGE, 0, NULL, NULL, NULL, NULL},
    [MX_CPU_STAGE] = {"ingest_cpu_stage_seconds_total", "Time of the CPU stages on the pool threads.",
                      T_COUNTER, 1, "stage", stages, NULL, NULL},
    [MX_CACHE_HITS] = {"ingest_cache_hits_total", "Cache lookups that hit.", T_COUNTER, 0, "cache", caches,
                       NULL, NULL},
    [MX_CACHE_MISSES] = {"ingest_cache_misses_total", "Cache lookups that missed.", T_COUNTER, 0, "cache",
                         caches, NULL, NULL},
    [MX_REDIS_RECONNECTS] = {"ingest_redis_reconnects_total", "Reconnections to Redis after a lost connection.",
                             T_COUNTER, 0, NULL, NULL, NULL, NULL},
    [MX_UP_SINCE] = {"ingest_worker_start_time_seconds", "Start time of the worker, unix seconds.", T_GAUGE, 0,
                     NULL, NULL, NULL, NULL},
};

static _Atomic long long vals[MX__COUNT][SERIES_MAX];
static _Atomic long long hist[MX__COUNT][SERIES_MAX][NBUCKETS + 1]; /* per bucket (not cumulative) */

static int count(const char *const *v)
{
    int n = 0;
    while (v && v[n]) n++;
    return n ? n : 1;
}

static int series(mx_id id, int l1, int l2)
{
    if ((unsigned)id >= MX__COUNT) return -1;
    int n1 = count(defs[id].v1), n2 = count(defs[id].v2);
    if (l1 < 0 || l2 < 0 || l1 >= n1 || l2 >= n2 || n1 * n2 > SERIES_MAX) return -1;
    return l1 * n2 + l2;
}

void mx_add(mx_id id, int l1, int l2, long long v)
{
    int s = series(id, l1, l2);
    if (s >= 0) atomic_fetch_add(&vals[id][s], v);
}

void mx_set(mx_id id, int l1, int l2, long long v)
{
    int s = series(id, l1, l2);
    if (s >= 0) atomic_store(&vals[id][s], v);
}

void mx_add_seconds(mx_id id, int l1, int l2, double secs)
{
    mx_add(id, l1, l2, (long long)(secs * 1e6 + 0.5));
}

void mx_observe(mx_id id, int l1, int l2, double secs)
{
    int s = series(id, l1, l2);
    if (s < 0 || defs[id].type != T_HISTOGRAM) return;
    int b = 0;
    while (b < NBUCKETS && secs > buckets[b]) b++;
    atomic_fetch_add(&hist[id][s][b], 1);
    mx_add_seconds(id, l1, l2, secs); /* the sum */
}

int mx_status_class(long st)
{
    return st >= 200 && st < 300 ? MX_ST_2XX : st >= 400 && st < 500 ? MX_ST_4XX
         : st >= 500 && st < 600 ? MX_ST_5XX : st > 0 ? MX_ST_OTHER : MX_ST_ERROR;
}

int mx_label(mx_id id, const char *value)
{
    const char *const *v = (unsigned)id < MX__COUNT ? defs[id].v1 : NULL;
    for (int i = 0; v && v[i]; i++)
        if (!strcmp(v[i], value)) return i;
    return -1;
}

long long mx_get(mx_id id, int l1, int l2)
{
    int s = series(id, l1, l2);
    return s >= 0 ? atomic_load(&vals[id][s]) : 0;
}

/* {a="x",b="y"} for series s, plus an extra label (le) when given. */
static void labels(char *out, size_t cap, mx_id id, int s, const char *extra)
{
    int n2 = count(defs[id].v2);
    size_t o = 0;
    out[0] = '\0';
    if (defs[id].l1) o += (size_t)snprintf(out + o, cap - o, "%s=\"%s\"", defs[id].l1, defs[id].v1[s / n2]);
    if (defs[id].l2 && o < cap) o += (size_t)snprintf(out + o, cap - o, ",%s=\"%s\"", defs[id].l2, defs[id].v2[s % n2]);
    if (extra && o < cap) o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "", extra);
    if (o && o + 3 < cap) {
        memmove(out + 1, out, o + 1);
        out[0] = '{';
        strcat(out, "}");
    }
}

static int render_value(buf_t *b, mx_id id, const char *name, const char *lab, long long v)
{
    return defs[id].micros ? buf_printf(b, "%s%s %.6f\n", name, lab, (double)v / 1e6)
                           : buf_printf(b, "%s%s %lld\n", name, lab, v);
}

static int render_histogram(buf_t *b, mx_id id, int s)
{
    char name[96], lab[160], le[32];
    long long cum = 0;
    int rc = 0;
    snprintf(name, sizeof name, "%s_bucket", defs[id].name);
    for (int k = 0; !rc && k <= NBUCKETS; k++) {
        cum += atomic_load(&hist[id][s][k]);
        if (k < NBUCKETS) snprintf(le, sizeof le, "le=\"%g\"", buckets[k]);
        else snprintf(le, sizeof le, "le=\"+Inf\"");
        labels(lab, sizeof lab, id, s, le);
        rc = buf_printf(b, "%s%s %lld\n", name, lab, cum);
    }
    labels(lab, sizeof lab, id, s, NULL);
    snprintf(name, sizeof name, "%s_sum", defs[id].name);
    if (!rc) rc = render_value(b, id, name, lab, atomic_load(&vals[id][s]));
    snprintf(name, sizeof name, "%s_count", defs[id].name);
    if (!rc) rc = buf_printf(b, "%s%s %lld\n", name, lab, cum);
    return rc;
}

int mx_render(buf_t *b, const char *worker_id, const char *version)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    int rc = buf_printf(b, "# HELP ingest_worker_info The worker's id and version.\n"
                           "# TYPE ingest_worker_info gauge\n"
                           "ingest_worker_info{worker=\"%s\",version=\"%s\"} 1\n",
                        worker_id, version);
    for (int id = 0; !rc && id < MX__COUNT; id++) {
        rc = buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", defs[id].name, defs[id].help, defs[id].name,
                        types[defs[id].type]);
        int n = count(defs[id].v1) * count(defs[id].v2);
        for (int s = 0; !rc && s < n; s++) {
            char lab[160];
            labels(lab, sizeof lab, (mx_id)id, s, NULL);
            rc = defs[id].type == T_HISTOGRAM ? render_histogram(b, (mx_id)id, s)
                                              : render_value(b, (mx_id)id, defs[id].name, lab,
                                                             atomic_load(&vals[id][s]));
        }
    }
    return rc;
}
