/* jobkeys.c - bounded-step cancel and delete of a job (see jobkeys.h). */
#include "jobkeys.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "keys.h"
#include "rconn.h"
#include "scripts.h"

/* The job's keys that are not per batch (README "Redis keys"). */
static const char *const job_subkeys[] = {"done", "errors", "attempts", "events", "retry"};

static int unlink_keys(redisContext *c, char (*keys)[KEYS_MAX], int n, char *err, int errlen)
{
    const char *av[JOBKEYS_CHUNK + 1] = {"UNLINK"};
    for (int i = 0; i < n; i++) av[i + 1] = keys[i];
    redisReply *r = rconn_argv(c, err, errlen, n + 1, av, NULL);
    if (!r) return ERR_REDIS;
    freeReplyObject(r);
    return 0;
}

/* UNLINKs batch (and with outputs, out) keys of seqs [0, total). */
static int unlink_seqs(redisContext *c, const char *job, uint32_t total, int outputs, char *err, int errlen)
{
    static char keys[JOBKEYS_CHUNK][KEYS_MAX];
    int n = 0, rc = 0;
    for (uint32_t s = 0; !rc && s < total; s++) {
        keys_batch(keys[n++], job, s);
        if (outputs) keys_out(keys[n++], job, s);
        if (n + 2 > JOBKEYS_CHUNK) rc = unlink_keys(c, keys, n, err, errlen), n = 0;
    }
    return rc || !n ? rc : unlink_keys(c, keys, n, err, errlen);
}

static int mark_cancelled(redisContext *c, const char *job, char state[16], uint32_t *total, char *err,
                          int errlen)
{
    char key[KEYS_MAX];
    if (keys_job(key, job)) {
        snprintf(err, (size_t)errlen, "invalid job id '%s'", job);
        return ERR_NOTFOUND;
    }
    char ev[KEYS_MAX];
    keys_job_sub(ev, job, "events");
    const char *av[] = {"EVAL", SCRIPT_CANCEL, "2", key, ev};
    redisReply *r = rconn_argv(c, err, errlen, 5, av, NULL);
    if (!r) return ERR_REDIS;
    int found = r->type == REDIS_REPLY_STRING;
    if (found) snprintf(state, 16, "%s", r->str);
    freeReplyObject(r);
    if (!found) {
        snprintf(err, (size_t)errlen, "no such job '%s'", job);
        return ERR_NOTFOUND;
    }
    /* final now: the feed script refuses a cancelled job */
    if (!(r = rconn_cmd(c, err, errlen, "HGET %s batches_total", key))) return ERR_REDIS;
    *total = r->type == REDIS_REPLY_STRING ? (uint32_t)strtoul(r->str, NULL, 10) : 0;
    freeReplyObject(r);
    return 0;
}

int jobkeys_cancel(redisContext *c, const char *job, char state[16], char *err, int errlen)
{
    uint32_t total = 0;
    int rc = mark_cancelled(c, job, state, &total, err, errlen);
    return rc ? rc : unlink_seqs(c, job, total, 0, err, errlen);
}

int jobkeys_delete(redisContext *c, const char *job, char *err, int errlen)
{
    uint32_t total = 0;
    char state[16];
    int rc = mark_cancelled(c, job, state, &total, err, errlen);
    if (!rc) rc = unlink_seqs(c, job, total, 1, err, errlen);
    static char keys[sizeof job_subkeys / sizeof *job_subkeys + 1][KEYS_MAX];
    int n = 0;
    for (size_t i = 0; i < sizeof job_subkeys / sizeof *job_subkeys; i++) keys_job_sub(keys[n++], job, job_subkeys[i]);
    keys_job(keys[n++], job); /* last: its batches_total is what a rerun walks */
    if (!rc) rc = unlink_keys(c, keys, n, err, errlen);
    redisReply *r = rc ? NULL : rconn_cmd(c, err, errlen, "ZREM %s %s", KEYS_JOBS, job);
    if (!rc && !r) rc = ERR_REDIS;
    if (r) freeReplyObject(r);
    return rc;
}
