/* resume.c - taking over an interrupted submission (see resume.h). */
#include "resume.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "flow.h"
#include "keys.h"
#include "rconn.h"

char *resume_opts_json(const submit_opts *o)
{
    json_t *j = json_pack("{s:b, s:s?, s:I, s:I, s:I, s:I, s:I}", "recursive", o->recursive, "ext",
                          o->exts, "batch_docs", (json_int_t)o->batch_docs, "batch_bytes",
                          (json_int_t)o->batch_bytes, "max_file_bytes", (json_int_t)o->max_file_bytes,
                          "max_pending_batches", (json_int_t)o->max_pending_batches,
                          "max_pending_bytes", (json_int_t)o->max_pending_bytes);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

static int restore_opts(const char *walk, submit_opts *o, resume_point *rp)
{
    json_t *j = json_loads(walk, 0, NULL);
    json_int_t bd = 0, bb = 0, mf = 0, pb = 0, pB = 0;
    int rec = 0;
    json_t *ej = NULL;
    int bad = !j || json_unpack(j, "{s:b, s?o, s:I, s:I, s:I, s:I, s:I}", "recursive", &rec, "ext", &ej,
                                "batch_docs", &bd, "batch_bytes", &bb, "max_file_bytes", &mf,
                                "max_pending_batches", &pb, "max_pending_bytes", &pB) ||
              bd < 1 || bb < 1 || mf < 0 || pb < 1 || pB < 1 || (ej && !json_is_null(ej) && !json_is_string(ej));
    const char *ext = json_string_value(ej);
    if (!bad) {
        o->recursive = rec;
        o->batch_docs = (long)bd;
        o->batch_bytes = bb;
        o->max_file_bytes = mf;
        o->max_pending_batches = (long)pb;
        o->max_pending_bytes = pB;
        rp->exts = ext ? strdup(ext) : NULL;
        o->exts = rp->exts;
    }
    json_decref(j);
    return bad ? ERR_PARSE : 0;
}

static int same_roots(const char *roots, char *const *paths, int npaths)
{
    json_t *j = json_loads(roots, 0, NULL);
    int ok = json_is_array(j) && json_array_size(j) == (size_t)npaths;
    for (int i = 0; ok && i < npaths; i++) {
        const char *s = json_string_value(json_array_get(j, (size_t)i));
        ok = s && !strcmp(s, paths[i]);
    }
    json_decref(j);
    return ok;
}

static int take_lease(redisContext *c, const char *key, const char *job, const char *token, char *err,
                      int errlen)
{
    const char *av[] = {"EVAL", FLOW_TAKEOVER, "1", key, token};
    redisReply *r = rconn_argv(c, err, errlen, 5, av, NULL);
    if (!r) return ERR_REDIS;
    int rc = 0;
    if (r->type != REDIS_REPLY_STRING) {
        snprintf(err, (size_t)errlen, "no such job '%s'", job);
        rc = ERR_NOTFOUND;
    } else if (strcmp(r->str, "ok")) {
        snprintf(err, (size_t)errlen, "job %s is %s: nothing to resume", job,
                 !strcmp(r->str, "sealed") ? "fully submitted" : r->str);
        rc = ERR_STATE;
    }
    freeReplyObject(r);
    return rc;
}

int resume_load(redisContext *c, const char *job, const char *token, char *const *paths, int npaths,
                submit_opts *o, resume_point *rp, char *err, int errlen)
{
    char key[KEYS_MAX];
    memset(rp, 0, sizeof *rp);
    if (keys_job(key, job)) {
        snprintf(err, (size_t)errlen, "invalid job id '%s'", job);
        return ERR_NOTFOUND;
    }
    redisReply *r = rconn_cmd(c, err, errlen, "HMGET %s roots walk", key);
    if (!r) return ERR_REDIS;
    int rc = 0;
    redisReply **e = r->type == REDIS_REPLY_ARRAY && r->elements == 2 ? r->element : NULL;
    if (!e || e[0]->type != REDIS_REPLY_STRING) {
        snprintf(err, (size_t)errlen, "no such job '%s'", job);
        rc = ERR_NOTFOUND;
    } else if (!same_roots(e[0]->str, paths, npaths)) {
        snprintf(err, (size_t)errlen, "job %s was submitted with other paths: %s", job, e[0]->str);
        rc = ERR_INVAL;
    } else if (e[1]->type != REDIS_REPLY_STRING || restore_opts(e[1]->str, o, rp)) {
        snprintf(err, (size_t)errlen, "job %s has no resumable submission record", job);
        rc = ERR_STATE;
    }
    freeReplyObject(r);
    if (!rc) rc = take_lease(c, key, job, token, err, errlen);
    /* read after the takeover: nobody else can push now */
    if (!rc && !(r = rconn_cmd(c, err, errlen, "HMGET %s batches_total docs_total", key))) rc = ERR_REDIS;
    if (!rc) {
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
            r->element[1]->type == REDIS_REPLY_STRING) {
            rp->next_seq = (uint32_t)strtoul(r->element[0]->str, NULL, 10);
            rp->files_done = strtoull(r->element[1]->str, NULL, 10);
        }
        freeReplyObject(r);
    }
    return rc;
}

void resume_point_free(resume_point *rp)
{
    free(rp->exts);
    rp->exts = NULL;
}
