/* rerr.c - Redis error reply classes (see rerr.h).  Pure. */
#include "rerr.h"

#include <string.h>

static const struct {
    const char *code;
    rerr_kind kind;
} table[] = {
    {"LOADING", RERR_TRANSIENT},  {"BUSY", RERR_TRANSIENT},     {"READONLY", RERR_TRANSIENT},
    {"OOM", RERR_TRANSIENT},      {"MASTERDOWN", RERR_TRANSIENT}, {"TRYAGAIN", RERR_TRANSIENT},
    {"NOSCRIPT", RERR_TRANSIENT}, {"CLUSTERDOWN", RERR_TRANSIENT},
    {"UNBLOCKED", RERR_TRANSIENT}, /* a blocked pop when the master turned replica */
    {"WRONGPASS", RERR_AUTH},     {"NOAUTH", RERR_AUTH},        {"NOPERM", RERR_AUTH},
    {"WRONGTYPE", RERR_WRONGTYPE},
};

/* Scripts' errors carry the code of the failing call after "ERR ... " on
 * old servers; Redis 7 passes the code through.  Look at the first word,
 * then at a word of the message that is exactly a known code followed by a
 * space (so "...: WRONGTYPE Operation against..." is recognised). */
static rerr_kind by_code(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strlen(table[i].code) == n && !memcmp(table[i].code, w, n)) return table[i].kind;
    return RERR_OK;
}

rerr_kind rerr_classify(int have_reply, int is_error, const char *msg)
{
    if (!have_reply) return RERR_LOST;
    if (!is_error) return RERR_OK;
    if (!msg) return RERR_OTHER;
    for (const char *p = msg; *p;) {
        size_t n = strcspn(p, " ");
        rerr_kind k = by_code(p, n);
        if (k != RERR_OK) return k;
        p += n;
        while (*p == ' ' || *p == '-') p++;
    }
    return RERR_OTHER;
}

const char *rerr_name(rerr_kind k)
{
    static const char *const names[] = {"ok", "lost", "transient", "auth", "wrongtype", "other"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "other";
}

const char *rerr_hint(rerr_kind k)
{
    switch (k) {
    case RERR_AUTH: return "check the Redis user, password and ACL (deploy/redis-acl.conf)";
    case RERR_WRONGTYPE: return "a key under ingest: holds the wrong type (hostile or foreign data)";
    case RERR_TRANSIENT: return "the server is loading, busy, read-only or out of memory; retrying";
    case RERR_LOST: return "the connection broke; reconnecting";
    default: return "unexpected Redis error (inside a script, a command the ACL user may not run "
                    "shows this way: see deploy/redis-acl.conf)";
    }
}
