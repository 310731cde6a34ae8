/* test_metrics.c - metrics.c: series addressing, counters in seconds,
 * histogram buckets cumulative, out-of-range labels ignored, and the
 * exposition lines Prometheus parses (promtool checks a live scrape in
 * integration-prometheus). */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "t.h"

int main(void)
{
    mx_inc(MX_BATCHES, MX_OUT_DONE, 0);
    mx_inc(MX_BATCHES, MX_OUT_DONE, 0);
    mx_inc(MX_BATCHES, 99, 0); /* ignored */
    mx_inc(MX_API_REQUESTS, MX_EP_EMBED, mx_status_class(429));
    mx_inc(MX_API_REQUESTS, MX_EP_CHAT, mx_status_class(0));
    mx_add_seconds(MX_RATELIMIT_WAIT, MX_EP_EMBED, 0, 1.25);
    mx_observe(MX_API_LATENCY, MX_EP_EMBED, 0, 0.2);
    mx_observe(MX_API_LATENCY, MX_EP_EMBED, 0, 3.0);
    mx_set(MX_INFLIGHT_BATCHES, 0, 0, 7);
    CHECK(mx_get(MX_BATCHES, MX_OUT_DONE, 0) == 2);
    CHECK(mx_status_class(503) == MX_ST_5XX && mx_status_class(200) == MX_ST_2XX);
    buf_t b;
    buf_init(&b, 0);
    CHECK(mx_render(&b, "w-1", "0.1.0") == 0);
    const char *want[] = {
        "ingest_worker_info{worker=\"w-1\",version=\"0.1.0\"} 1\n",
        "# TYPE ingest_batches_total counter\n",
        "ingest_batches_total{outcome=\"done\"} 2\n",
        "ingest_batches_total{outcome=\"dead\"} 0\n",
        "ingest_api_requests_total{endpoint=\"embeddings\",status=\"4xx\"} 1\n",
        "ingest_api_requests_total{endpoint=\"chat\",status=\"error\"} 1\n",
        "ingest_ratelimit_wait_seconds_total{endpoint=\"embeddings\"} 1.250000\n",
        "# TYPE ingest_api_request_duration_seconds histogram\n",
        "ingest_api_request_duration_seconds_bucket{endpoint=\"embeddings\",le=\"0.1\"} 0\n",
        "ingest_api_request_duration_seconds_bucket{endpoint=\"embeddings\",le=\"0.25\"} 1\n",
        "ingest_api_request_duration_seconds_bucket{endpoint=\"embeddings\",le=\"+Inf\"} 2\n",
        "ingest_api_request_duration_seconds_sum{endpoint=\"embeddings\"} 3.200000\n",
        "ingest_api_request_duration_seconds_count{endpoint=\"embeddings\"} 2\n",
        "ingest_batches_in_flight 7\n",
        "ingest_cache_hits_total{cache=\"embedding\"} 0\n",
        "ingest_redis_reconnects_total 0\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int found = b.p && strstr(b.p, want[i]) != NULL;
        CHECK(found);
        if (!found) fprintf(stderr, "missing: %s", want[i]);
    }
    CHECK(!strstr(b.p, "{}"));
    buf_free(&b);
    return t_done();
}
