/* rurl.h - Redis URL parsing: redis://[user:pass@]host[:port][/db],
 * unix://[user[:pass]@]/path/to.sock[?db=N] and
 * redis+sentinel://[user:pass@]host:port[,host:port...]/MASTER_NAME[/db]
 * (the user/password are the master's; sentinels are asked without auth,
 * see rsentinel.h).  Pure.  ERR_INVAL with a message for anything
 * else; the password is kept only in the struct (never log it). */
#ifndef INGEST_RURL_H
#define INGEST_RURL_H

#define RURL_DEFAULT "redis://127.0.0.1:6379/0"
#define RURL_MAX_SENTINELS 8

typedef struct rurl {
    char host[256];
    int port;
    char unix_path[256]; /* non-empty: connect to this socket instead */
    char user[128];
    char pass[256];
    int db;
    /* redis+sentinel://: the master's name and the sentinels to ask */
    char master[128];
    int nsentinels;
    struct {
        char host[256];
        int port;
    } sentinels[RURL_MAX_SENTINELS];
} rurl;

int rurl_parse(const char *url, rurl *out, char *err, int errlen);
/* --redis value, else $INGEST_REDIS_URL, else RURL_DEFAULT. */
const char *rurl_pick(const char *flag);

#endif
