/* cache.h - the transformation cache around the worker's remote stages.
 *
 * cache_stage_start() has remote_start()'s contract (stage.h).  For an
 * eligible stage of a job whose cache is enabled it computes the entries'
 * keys (cachekey.h), fetches them with MGET from the cache Redis, applies
 * every valid hit to the nodes, and hands only the misses to `start` (the
 * real stage) as a smaller stage_job over the same node objects.  After
 * that stage succeeded, each miss that did not fail is written with SET
 * (EX ttl when a TTL applies); nothing is written for a failed node or an
 * aborted stage.  Eligible: remote embeddings (one entry per embed string)
 * and the LLM extractors (one entry per document: the document's nodes
 * after the extractor) - except SummaryExtractor with prev/next summaries,
 * whose output depends on neighbouring documents of the batch.
 *
 * Failure is a miss, never an error: no connection, an error reply, or a
 * value that does not decode (one warning line each) just costs the
 * request.  The cache has its own connection (the queue's URL or
 * --cache-redis), reconnected lazily at most once a second.
 * Lookups and writes run on the loop thread; the keys (the CPU work: embed
 * strings and SHA-256) are computed on a pool thread beforehand with
 * cache_plan_new() and handed over in stage_cache.plan (computed inline
 * when absent).  Checking and applying a hit (a checksum over the value and
 * a copy, a few microseconds per 1536-d vector) and encoding the writes
 * stay on the loop, next to the reply they come from. */
#ifndef INGEST_CACHE_H
#define INGEST_CACHE_H

#include <stdint.h>

#include "stage.h"

struct ev_loop;

typedef struct cache_ctx cache_ctx;
typedef struct cache_plan cache_plan;

/* Worker-wide counters (for logs and metrics). */
typedef struct cache_totals {
    uint64_t hits, misses;  /* entries found / not found (bad values count as misses) */
    uint64_t bad_values;    /* values that failed to decode */
    uint64_t writes, write_errors;
} cache_totals;

typedef int cache_start_fn(void *ud, stage_job *job);

/* The units and keys of a stage over nodes[0..n), for any thread (pure CPU).
 * NULL when the stage is not cached (local, SummaryExtractor prev/next) or
 * on ENOMEM.  nodes must be the array the stage will get; prep (or NULL):
 * their embedding inputs made already (eprep.h), hashed instead of made again. */
struct eprep;
cache_plan *cache_plan_new(const spec_tf *tf, node_t *const *nodes, size_t n, const struct eprep *prep);
void cache_plan_free(cache_plan *p); /* accepts NULL */

/* url: a Redis URL (rurl.h); default_ttl seconds, 0 = none.  NULL on a bad
 * URL or allocation failure. */
cache_ctx *cache_new(struct ev_loop *loop, const char *url, int64_t default_ttl);
int cache_stage_start(cache_ctx *c, stage_job *job, cache_start_fn *start, void *ud);
const cache_totals *cache_get_totals(const cache_ctx *c);
/* Jobs waiting for a lookup end with ERR_STATE.  Accepts NULL. */
void cache_free(cache_ctx *c);

#endif
