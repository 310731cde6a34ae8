/* jobinfo.h - a job's state and counters, read from its Redis hash
 * (ingest:job:<id>), plus the text/JSON renderings `status`, `jobs` and
 * `watch` print.  Fields that a job hash may lack (embed_tokens, cache_hits,
 * cache_misses: written by newer workers / the cache) read as -1 = unknown.
 * jobinfo_load: 0, ERR_NOTFOUND (no such job), ERR_INVAL (bad id) or
 * ERR_REDIS (message in err). */
#ifndef INGEST_JOBINFO_H
#define INGEST_JOBINFO_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

typedef struct jobinfo {
    char state[16];
    int64_t docs_total, docs_done, docs_failed;
    int64_t batches_total, batches_done, batches_dead;
    int64_t nodes, embed_requests, llm_requests;
    int64_t created_ms, started_ms, finished_ms;
    int64_t embed_tokens, cache_hits, cache_misses; /* -1: not recorded */
    int sealed;
} jobinfo;

int jobinfo_load(redisContext *c, const char *job, jobinfo *ji, char *err, int errlen);
int jobinfo_finished(const jobinfo *ji); /* done, failed or cancelled */
/* Seconds from creation to finish (or to now_ms while running). */
double jobinfo_elapsed(const jobinfo *ji, int64_t now_ms);
void jobinfo_print(FILE *f, const char *job, const jobinfo *ji, int64_t now_ms);
/* The JSON object `status --json` prints (one element of `jobs --json`). */
json_t *jobinfo_json(const char *job, const jobinfo *ji, int64_t now_ms);
void jobinfo_print_json(FILE *f, const char *job, const jobinfo *ji, int64_t now_ms);
/* Prints a JSON value compactly, in insertion order, with a newline; frees it. */
void jobinfo_dump(FILE *f, json_t *v);
int64_t jobinfo_now_ms(void);

#endif
