/* cmd_cache.c - `ingest-coordinator cache stats|clear`: the transformation
 * cache's entries (ingest:cache:*, cachekey.h) in the cache Redis, walked
 * with SCAN (never KEYS, so a large cache never blocks the server), and the
 * cache counters of recent jobs from the queue Redis.
 *   stats                      entries and value bytes per kind, the cache
 *                              server's maxmemory policy, recent jobs' hits
 *   clear [--older-than DUR]   UNLINKs entries (older than DUR by the
 *                              creation time inside each value, cacheval.h);
 *                              DUR: N, Ns, Nm, Nh or Nd
 * --cache-redis URL: the cache's Redis (default: the queue's, --redis). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cachekey.h"
#include "cacheval.h"
#include "cachestat.h"
#include "cmds.h"
#include "keys.h"
#include "rconn.h"
#include "rurl.h"

#define RECENT_JOBS 10

typedef struct walk {
    long long entries[2], bytes[2]; /* e, d */
    long long removed;
    int64_t older_than; /* seconds; -1: all (clear) */
    int clear;
} walk;

static const char usage_text[] =
    "usage: ingest-coordinator cache stats [--redis URL] [--cache-redis URL]\n"
    "       ingest-coordinator cache clear [--older-than DURATION] [--redis URL] [--cache-redis URL]\n"
    "DURATION: seconds, or a number with s, m, h or d (e.g. 7d)\n";

static int parse_duration(const char *s, int64_t *out)
{
    char *end;
    double v = strtod(s, &end);
    static const struct {
        char unit;
        double mult;
    } units[] = {{0, 1}, {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    for (size_t i = 0; end != s && v >= 0 && i < sizeof units / sizeof *units; i++) {
        if (*end != units[i].unit || (*end && end[1])) continue;
        *out = (int64_t)(v * units[i].mult);
        return 0;
    }
    return -1;
}

/* Looks at one SCAN page: sizes (stats), ages and removal (clear). */
static int page(redisContext *c, redisReply *keys, walk *w, char *err, int el)
{
    size_t n = keys->elements;
    for (size_t i = 0; i < n; i++) {
        if (w->clear && w->older_than < 0) redisAppendCommand(c, "UNLINK %b", keys->element[i]->str, keys->element[i]->len);
        else if (w->clear) redisAppendCommand(c, "GETRANGE %b 0 %d", keys->element[i]->str, keys->element[i]->len, CACHEVAL_HEAD - 1);
        else redisAppendCommand(c, "STRLEN %b", keys->element[i]->str, keys->element[i]->len);
    }
    int64_t now = (int64_t)time(NULL);
    size_t doomed = 0, *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) {
        snprintf(err, (size_t)el, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            snprintf(err, (size_t)el, "%s", c->errstr);
            free(idx);
            return -1;
        }
        const char *k = keys->element[i]->str;
        int kind = strlen(k) > strlen(CACHEKEY_PREFIX) && k[strlen(CACHEKEY_PREFIX)] == 'd';
        int64_t created;
        if (w->clear && w->older_than < 0) w->removed += r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        else if (w->clear && r->type == REDIS_REPLY_STRING &&
                 (cacheval_created(r->str, r->len, &created) || now - created > w->older_than))
            idx[doomed++] = i; /* undecodable values go too */
        else if (!w->clear && r->type == REDIS_REPLY_INTEGER)
            w->entries[kind]++, w->bytes[kind] += r->integer;
        freeReplyObject(r);
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < doomed; i++) {
        const redisReply *k = keys->element[idx[i]];
        redisReply *r = rconn_cmd(c, err, el, "UNLINK %b", k->str, k->len);
        if (!r) rc = -1;
        else w->removed += r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        if (r) freeReplyObject(r);
    }
    free(idx);
    return rc;
}

static int scan_all(redisContext *c, walk *w, char *err, int el)
{
    char cursor[32] = "0";
    do {
        redisReply *r = rconn_cmd(c, err, el, "SCAN %s MATCH %s* COUNT 1000", cursor, CACHEKEY_PREFIX);
        if (!r) return -1;
        int ok = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                 r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_ARRAY;
        if (ok) snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        int rc = ok ? page(c, r->element[1], w, err, el) : -1;
        if (!ok) snprintf(err, (size_t)el, "unexpected SCAN reply");
        freeReplyObject(r);
        if (rc) return -1;
    } while (strcmp(cursor, "0"));
    return 0;
}

static void print_policy(redisContext *c)
{
    char err[256];
    redisReply *r = rconn_cmd(c, err, sizeof err, "CONFIG GET maxmemory-policy");
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
        printf("maxmemory-policy: %s%s\n", r->element[1]->str,
               strstr(r->element[1]->str, "allkeys") ? "" : " (a cache of its own wants allkeys-lru)");
    if (r) freeReplyObject(r);
}

static void print_recent(redisContext *q)
{
    char err[256];
    redisReply *r = rconn_cmd(q, err, sizeof err, "ZREVRANGE %s 0 %d", KEYS_JOBS, RECENT_JOBS - 1);
    if (!r) return;
    printf("recent jobs:\n");
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        int64_t h, m;
        json_t *a = cachestat_job(q, r->element[i]->str, &h, &m);
        printf("  %-40s %lld hits, %lld misses%s\n", r->element[i]->str, (long long)h, (long long)m,
               json_object_get(a, "cache") ? "" : " (no cached stages)");
        json_decref(a);
    }
    freeReplyObject(r);
}

int cmd_cache(int argc, char **argv)
{
    static const struct option opts[] = {{"redis", required_argument, 0, 'r'},
                                         {"cache-redis", required_argument, 0, 'c'},
                                         {"older-than", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *url = NULL, *curl = NULL;
    walk w = {.older_than = -1};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'r') url = optarg;
        else if (ch == 'c') curl = optarg;
        else if (ch == 'o' && !parse_duration(optarg, &w.older_than)) continue;
        else {
            fprintf(ch == 'h' ? stdout : stderr, "%s", usage_text);
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    const char *sub = optind + 1 == argc ? argv[optind] : "";
    w.clear = !strcmp(sub, "clear");
    if ((!w.clear && strcmp(sub, "stats")) || (!w.clear && w.older_than >= 0)) {
        fprintf(stderr, "%s", usage_text);
        return EXIT_USAGE;
    }
    char err[512];
    url = rurl_pick(url);
    redisContext *c = rconn_open(curl ? curl : url, err, sizeof err);
    if (!c || scan_all(c, &w, err, sizeof err)) {
        fprintf(stderr, "cache: %s\n", err);
        if (c) redisFree(c);
        return 1;
    }
    if (w.clear) {
        printf("removed %lld entries\n", w.removed);
    } else {
        printf("entries:        %lld (%lld embeddings, %lld documents)\n", w.entries[0] + w.entries[1],
               w.entries[0], w.entries[1]);
        printf("bytes:          %lld (values)\n", w.bytes[0] + w.bytes[1]);
        print_policy(c);
        redisContext *q = curl ? rconn_open(url, err, sizeof err) : c;
        if (q) print_recent(q);
        if (q && q != c) redisFree(q);
    }
    redisFree(c);
    return 0;
}
