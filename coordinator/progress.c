/* progress.c - failure listing for `submit --wait` (see progress.h). */
#include "progress.h"

#include "keys.h"
#include "rconn.h"

long progress_print_errors(redisContext *c, const char *job, FILE *f)
{
    char key[KEYS_MAX], err[256];
    if (keys_job_sub(key, job, "errors")) return 0;
    redisReply *r = rconn_cmd(c, err, sizeof err, "HGETALL %s", key);
    if (!r) return 0;
    long n = 0;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2, n++)
        fprintf(f, "failed: %s: %s\n", r->element[i]->str, r->element[i + 1]->str);
    freeReplyObject(r);
    return n;
}
