/* cachestat.c - a job's cache counters (see cachestat.h). */
#include "cachestat.h"

#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "rconn.h"
#include "spec.h"

static json_t *entry(json_t *arr, const spec_t *sp, long i)
{
    for (size_t k = 0; k < json_array_size(arr); k++) {
        json_t *e = json_array_get(arr, k);
        if (json_integer_value(json_object_get(e, "transformation")) == i) return e;
    }
    const spec_tf *tf = sp && i < (long)sp->n ? &sp->tf[i] : NULL;
    json_t *e = json_pack("{s:i, s:s, s:s, s:I, s:I}", "transformation", (int)i, "class_name",
                          tf ? tf->class_name : "?", "unit",
                          tf && tf->role == SPEC_ROLE_EMBEDDING ? "nodes" : "documents", "hits",
                          (json_int_t)0, "misses", (json_int_t)0);
    if (e) json_array_append_new(arr, e);
    return e;
}

/* docstore_new/changed/unchanged/deleted/files_skipped fields into {"new": .., ...}. */
static json_t *docstore_counts(const redisReply *r)
{
    static const char *const names[] = {"new", "changed", "unchanged", "deleted", "files_skipped"};
    json_t *o = NULL;
    for (size_t k = 0; r->type == REDIS_REPLY_ARRAY && k + 1 < r->elements; k += 2) {
        const char *f = r->element[k]->str;
        for (size_t i = 0; !strncmp(f, "docstore_", 9) && i < 5; i++) {
            if (strcmp(f + 9, names[i])) continue;
            if (!o) o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "new", (json_int_t)0, "changed",
                                  (json_int_t)0, "unchanged", (json_int_t)0, "deleted", (json_int_t)0,
                                  "files_skipped", (json_int_t)0);
            if (o) json_object_set_new(o, names[i], json_integer(strtoll(r->element[k + 1]->str, NULL, 10)));
        }
    }
    return o;
}

json_t *cachestat_job(redisContext *c, const char *job, int64_t *hits, int64_t *misses)
{
    char key[KEYS_MAX], err[256];
    int64_t th = 0, tm = 0;
    if (hits) *hits = 0;
    if (misses) *misses = 0;
    if (keys_job(key, job)) return NULL;
    redisReply *r = rconn_cmd(c, err, sizeof err, "HGETALL %s", key);
    if (!r) return NULL;
    spec_t *sp = NULL;
    json_t *arr = json_array();
    for (size_t k = 0; r->type == REDIS_REPLY_ARRAY && k + 1 < r->elements; k += 2)
        if (!strcmp(r->element[k]->str, "spec"))
            sp = spec_parse(r->element[k + 1]->str, r->element[k + 1]->len, err, sizeof err);
    for (size_t k = 0; arr && r->type == REDIS_REPLY_ARRAY && k + 1 < r->elements; k += 2) {
        const char *f = r->element[k]->str, *colon = strchr(f, ':');
        int miss = !strncmp(f, "cache_misses:", 13);
        if (!colon || (!miss && strncmp(f, "cache_hits:", 11))) continue;
        long i = strtol(colon + 1, NULL, 10);
        long long v = strtoll(r->element[k + 1]->str, NULL, 10);
        json_t *e = i >= 0 && i < SPEC_MAX_TF ? entry(arr, sp, i) : NULL;
        if (!e) continue;
        json_object_set_new(e, miss ? "misses" : "hits", json_integer(v));
        *(miss ? &tm : &th) += v;
    }
    spec_free(sp);
    json_t *ds = docstore_counts(r), *out = json_object();
    freeReplyObject(r);
    if (hits) *hits = th;
    if (misses) *misses = tm;
    if (out && arr && json_array_size(arr)) json_object_set(out, "cache", arr);
    if (out && ds) json_object_set(out, "docstore", ds);
    json_decref(arr);
    json_decref(ds);
    if (out && !json_object_size(out)) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

void cachestat_print(FILE *f, const json_t *extra)
{
    const json_t *arr = json_object_get(extra, "cache"), *ds = json_object_get(extra, "docstore");
    if (ds)
        fprintf(f, "docstore:       %lld new, %lld changed, %lld unchanged (skipped), %lld deleted; "
                "%lld files not re-read\n",
                (long long)json_integer_value(json_object_get(ds, "new")),
                (long long)json_integer_value(json_object_get(ds, "changed")),
                (long long)json_integer_value(json_object_get(ds, "unchanged")),
                (long long)json_integer_value(json_object_get(ds, "deleted")),
                (long long)json_integer_value(json_object_get(ds, "files_skipped")));
    for (size_t k = 0; k < json_array_size(arr); k++) {
        json_t *e = json_array_get(arr, k);
        fprintf(f, "cache:          [%lld] %s %lld hits, %lld misses (%s)\n",
                (long long)json_integer_value(json_object_get(e, "transformation")),
                json_string_value(json_object_get(e, "class_name")),
                (long long)json_integer_value(json_object_get(e, "hits")),
                (long long)json_integer_value(json_object_get(e, "misses")),
                json_string_value(json_object_get(e, "unit")));
    }
}
