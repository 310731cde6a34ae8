/* keys.c - Redis key builders and batch-reference parsing (see keys.h). Pure. */
#include "keys.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

int keys_valid_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > KEYS_ID_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int fmt(char *out, const char *kind, const char *id, const char *tail)
{
    if (!keys_valid_id(id)) return ERR_INVAL;
    snprintf(out, KEYS_MAX, KEYS_PREFIX "%s:%s%s", kind, id, tail);
    return 0;
}

int keys_job(char *out, const char *job) { return fmt(out, "job", job, ""); }

int keys_job_sub(char *out, const char *job, const char *sub)
{
    char t[64];
    snprintf(t, sizeof t, ":%s", sub);
    return fmt(out, "job", job, t);
}

int keys_batch(char *out, const char *job, uint32_t seq)
{
    char t[32];
    snprintf(t, sizeof t, ":batch:%u", seq);
    return fmt(out, "job", job, t);
}

int keys_out(char *out, const char *job, uint32_t seq)
{
    char t[32];
    snprintf(t, sizeof t, ":out:%u", seq);
    return fmt(out, "job", job, t);
}

int keys_docstore(char *out, const char *coll, const char *sub)
{
    char t[64] = "";
    if (sub) snprintf(t, sizeof t, ":%s", sub);
    return fmt(out, "docstore", coll, t);
}

int keys_docstore_all(char out[KEYS_DOCSTORE_N][KEYS_MAX], const char *coll, const char *job)
{
    if (keys_docstore(out[0], coll, NULL) || keys_docstore(out[1], coll, "hashes") ||
        keys_docstore(out[4], coll, "files"))
        return ERR_INVAL;
    return keys_job_sub(out[2], job, "docs") || keys_job_sub(out[3], job, "deleted") ? ERR_INVAL : 0;
}

int keys_batch_prefix(char *out, const char *job) { return fmt(out, "job", job, ":batch:"); }

static int with_prefix(char *out, const char *prefix, const char *id)
{
    if (!keys_valid_id(id)) return ERR_INVAL;
    snprintf(out, KEYS_MAX, "%s%s", prefix, id);
    return 0;
}

int keys_processing(char *out, const char *w) { return with_prefix(out, KEYS_PROCESSING_PREFIX, w); }
int keys_worker(char *out, const char *w) { return with_prefix(out, KEYS_WORKER_PREFIX, w); }

static int is_hex16(const char *h)
{
    size_t n = 0;
    for (; h && h[n]; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f'))) return 0;
    return n == 16;
}

int keys_ratelimit(char *out, const char *h)
{
    if (!is_hex16(h)) return ERR_INVAL;
    snprintf(out, KEYS_MAX, KEYS_PREFIX "ratelimit:%s", h);
    return 0;
}

int keys_ratelimit_log(char *out, const char *h)
{
    if (!is_hex16(h)) return ERR_INVAL;
    snprintf(out, KEYS_MAX, KEYS_PREFIX "ratelimit:%s:log", h);
    return 0;
}

int keys_ref(char *out, const char *job, uint32_t seq)
{
    if (!keys_valid_id(job)) return ERR_INVAL;
    snprintf(out, KEYS_MAX, "%s:%u", job, seq);
    return 0;
}

int keys_parse_ref(const char *ref, size_t len, char job[KEYS_ID_MAX + 1], uint32_t *seq)
{
    const char *c = memchr(ref, ':', len);
    if (!c || c == ref || (size_t)(c - ref) > KEYS_ID_MAX) return ERR_PARSE;
    size_t jl = (size_t)(c - ref), dl = len - jl - 1;
    if (dl == 0 || dl > 10) return ERR_PARSE;
    uint64_t v = 0;
    for (size_t i = 0; i < dl; i++) {
        if (c[1 + i] < '0' || c[1 + i] > '9') return ERR_PARSE;
        v = v * 10 + (uint64_t)(c[1 + i] - '0');
    }
    if (v > UINT32_MAX) return ERR_PARSE;
    memcpy(job, ref, jl);
    job[jl] = '\0';
    if (!keys_valid_id(job)) return ERR_PARSE;
    *seq = (uint32_t)v;
    return 0;
}
