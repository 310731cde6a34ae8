/* cachestat.h - a job's transformation-cache counters: the job hash's
 * cache_hits:<i> / cache_misses:<i> fields (written by the workers' ack
 * script, i = the transformation's index in the spec), with the class
 * names from the job's spec.  Units: nodes for embeddings, documents for
 * extractors. */
#ifndef INGEST_CACHESTAT_H
#define INGEST_CACHESTAT_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* JSON array [{"transformation": i, "class_name", "unit", "hits", "misses"}],
 * one entry per transformation with counters; NULL when the job has none
 * or on a Redis error.  *hits / *misses (may be NULL) get the totals. */
json_t *cachestat_job(redisContext *c, const char *job, int64_t *hits, int64_t *misses);
/* "cache: [i] Class H hits, M misses (unit)" lines. */
void cachestat_print(FILE *f, const json_t *arr);

#endif
