/* export.h - stream a job's nodes as LlamaIndex TextNode JSON lines.
 * Batches are read one at a time (memory bounded by the largest batch), in
 * submission order.  Returns the number of nodes written, or a negative code
 * with a message in err.  Batches with no output (dead, unfinished) are
 * skipped and counted in *missing; split batches' children are written in
 * their place.  A node that cannot be rendered is reported on stderr and
 * skipped; when that happened, or a batch the job recorded has no output
 * (keys lost from Redis), everything else is still written and ERR_STATE
 * is returned with the counts in err. */
#ifndef INGEST_EXPORT_H
#define INGEST_EXPORT_H

#include <hiredis/hiredis.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

long export_jsonl(redisContext *c, const char *job, FILE *out, long *missing, char *err,
                  int errlen);
/* One batch's nodes (none, counted in *missing, if it has no output). */
int export_batch(redisContext *c, const char *job, uint32_t seq, FILE *out, long *count, long *missing,
                 char *err, int errlen);
/* The same appended to acc (kept across batches: no fresh pages per batch);
 * a batch that would take acc past half its cap fails with ERR_TOOBIG. */
int export_batch_buf(redisContext *c, const char *job, uint32_t seq, buf_t *acc, long *count,
                     long *missing, char *err, int errlen);

/* A batch split per document (poison isolation): its children are seqs
 * first .. first+n-1; n = 0 when seq was not split. */
int export_split_range(redisContext *c, const char *job, uint32_t seq, uint32_t *first, uint32_t *n,
                       char *err, int errlen);

/* The same into `path`, through a temp file in its directory renamed at the
 * end: on any failure (unknown job, Redis, disk) path is left as it was. */
long export_to_path(redisContext *c, const char *job, const char *path, long *missing, char *err,
                    int errlen);

/* The temp-file steps of export_to_path: open `path`.tmp.XXXXXX (name in tmp;
 * NULL with err on failure), then close it and, when n >= 0, rename it to
 * path; otherwise (or when that fails) remove it.  Returns n or a negative code. */
FILE *export_tmp_open(const char *path, char *tmp, size_t tmplen, char *err, int errlen);
long export_tmp_close(FILE *out, const char *tmp, const char *path, long n, char *err, int errlen);

#endif
