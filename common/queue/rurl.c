/* rurl.c - Redis URL parsing (see rurl.h). */
#include "rurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static int parse_int(const char *s, size_t n, int lo, int hi, int *out)
{
    if (n == 0 || n > 9) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int parse_userinfo(const char *p, const char *at, rurl *u)
{
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (colon)
        return copy(u->user, sizeof u->user, p, (size_t)(colon - p)) ||
               copy(u->pass, sizeof u->pass, colon + 1, (size_t)(at - colon - 1));
    return copy(u->pass, sizeof u->pass, p, (size_t)(at - p));
}

/* unix://[user[:pass]@]/path[?db=N] ("user@" alone names the user; its
 * password then comes from INGEST_REDIS_PASSWORD or a file). */
static int parse_unix(const char *p, rurl *u)
{
    const char *at = p[0] != '/' ? strchr(p, '@') : NULL;
    if (at) {
        if (memchr(p, ':', (size_t)(at - p))) {
            if (parse_userinfo(p, at, u)) return -1;
        } else if (copy(u->user, sizeof u->user, p, (size_t)(at - p))) {
            return -1;
        }
        p = at + 1;
    }
    const char *q = strchr(p, '?');
    size_t n = q ? (size_t)(q - p) : strlen(p);
    if (n == 0 || p[0] != '/' || copy(u->unix_path, sizeof u->unix_path, p, n)) return -1;
    if (q) {
        if (strncmp(q, "?db=", 4)) return -1;
        return parse_int(q + 4, strlen(q + 4), 0, 1 << 20, &u->db);
    }
    return 0;
}

static int parse_tcp(const char *p, rurl *u)
{
    const char *at = strrchr(p, '@'), *slash;
    if (at) {
        if (parse_userinfo(p, at, u)) return -1;
        p = at + 1;
    }
    slash = strchr(p, '/');
    size_t hl = slash ? (size_t)(slash - p) : strlen(p);
    const char *colon = memchr(p, ':', hl);
    if (colon) {
        if (parse_int(colon + 1, hl - (size_t)(colon - p) - 1, 1, 65535, &u->port)) return -1;
        hl = (size_t)(colon - p);
    }
    if (hl == 0 || copy(u->host, sizeof u->host, p, hl)) return -1;
    if (slash && slash[1]) return parse_int(slash + 1, strlen(slash + 1), 0, 1 << 20, &u->db);
    return 0;
}

/* host:port[,host:port...]/MASTER_NAME[/db] after the optional userinfo */
static int parse_sentinel(const char *p, rurl *u)
{
    const char *at = strchr(p, '@'), *slash;
    if (at && at < strchr(p, '/') && parse_userinfo(p, at, u)) return -1;
    if (at && at < strchr(p, '/')) p = at + 1;
    if (!(slash = strchr(p, '/'))) return -1;
    for (const char *h = p; h < slash;) {
        const char *end = memchr(h, ',', (size_t)(slash - h));
        if (!end) end = slash;
        const char *colon = memchr(h, ':', (size_t)(end - h));
        if (!colon || u->nsentinels >= RURL_MAX_SENTINELS) return -1;
        int i = u->nsentinels++;
        if (copy(u->sentinels[i].host, sizeof u->sentinels[i].host, h, (size_t)(colon - h)) ||
            !u->sentinels[i].host[0] ||
            parse_int(colon + 1, (size_t)(end - colon - 1), 1, 65535, &u->sentinels[i].port))
            return -1;
        h = end + (end < slash);
    }
    const char *name = slash + 1, *s2 = strchr(name, '/');
    size_t nl = s2 ? (size_t)(s2 - name) : strlen(name);
    if (!u->nsentinels || nl == 0 || copy(u->master, sizeof u->master, name, nl)) return -1;
    if (s2 && s2[1]) return parse_int(s2 + 1, strlen(s2 + 1), 0, 1 << 20, &u->db);
    return 0;
}

int rurl_parse(const char *url, rurl *out, char *err, int errlen)
{
    memset(out, 0, sizeof *out);
    out->port = 6379;
    int rc = -1;
    if (!strncmp(url, "unix://", 7)) rc = parse_unix(url + 7, out);
    else if (!strncmp(url, "redis://", 8)) rc = parse_tcp(url + 8, out);
    else if (!strncmp(url, "redis+sentinel://", 17)) rc = parse_sentinel(url + 17, out);
    if (rc) {
        snprintf(err, (size_t)errlen,
                 "invalid Redis URL (expected redis://[user:pass@]host:port/db, "
                 "unix://[user[:pass]@]/path[?db=N] or redis+sentinel://[user:pass@]host:port"
                 "[,host:port...]/MASTER[/db]; rediss:// (TLS) is not supported by this "
                 "build: use stunnel, see README)");
        return ERR_INVAL;
    }
    return 0;
}

const char *rurl_pick(const char *flag)
{
    if (flag && *flag) return flag;
    const char *e = getenv("INGEST_REDIS_URL");
    return e && *e ? e : RURL_DEFAULT;
}
