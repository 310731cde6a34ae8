/* cachestat.h - a job's transformation-cache counters: the job hash's
 * cache_hits:<i> / cache_misses:<i> fields (written by the workers' ack
 * script, i = the transformation's index in the spec), with the class
 * names from the job's spec, and its docstore counters.  Units: nodes for embeddings, documents for
 * extractors. */
#ifndef INGEST_CACHESTAT_H
#define INGEST_CACHESTAT_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* {"cache": [{"transformation": i, "class_name", "unit", "hits", "misses"}...],
 *  "docstore": {"new", "changed", "unchanged", "deleted"}}, each key only
 * when the job has such counters; NULL when it has neither or on a Redis
 * error.  *hits / *misses (may be NULL) get the cache totals. */
json_t *cachestat_job(redisContext *c, const char *job, int64_t *hits, int64_t *misses);
/* "docstore: ..." and "cache: [i] Class H hits, M misses (unit)" lines. */
void cachestat_print(FILE *f, const json_t *extra);

#endif
