/* test_keys.c - Redis key schema, batch refs and Redis URL parsing. */
#include <string.h>

#include "err.h"
#include "flow.h"
#include "keys.h"
#include "rurl.h"
#include "scripts.h"
#include "t.h"

static void test_keys(void)
{
    char k[KEYS_MAX], job[KEYS_ID_MAX + 1];
    uint32_t seq;
    CHECK(keys_job(k, "20261125T130815-014992") == 0);
    CHECK_STR(k, "ingest:job:20261125T130815-014992");
    keys_batch(k, "J", 12);
    CHECK_STR(k, "ingest:job:J:batch:12");
    keys_out(k, "J", 0);
    CHECK_STR(k, "ingest:job:J:out:0");
    keys_job_sub(k, "J", "errors");
    CHECK_STR(k, "ingest:job:J:errors");
    keys_processing(k, "w-1");
    CHECK_STR(k, "ingest:processing:w-1");
    keys_worker(k, "w-1");
    CHECK_STR(k, "ingest:worker:w-1");
    keys_batch_prefix(k, "J");
    CHECK_STR(k, "ingest:job:J:batch:");
    CHECK(keys_ratelimit(k, "0123456789abcdef") == 0);
    CHECK_STR(k, "ingest:ratelimit:0123456789abcdef");
    keys_ratelimit_log(k, "0123456789abcdef");
    CHECK_STR(k, "ingest:ratelimit:0123456789abcdef:log");
    CHECK(keys_ratelimit(k, "0123") == ERR_INVAL && keys_ratelimit(k, "0123456789abcdeX") == ERR_INVAL);
    /* the scripts name no key themselves: they get keys or keys.h prefixes */
    const char *const scripts[] = {FLOW_FEED, FLOW_BEAT, FLOW_TAKEOVER, FLOW_COMMIT, SCRIPT_SEAL,
                                   SCRIPT_CLAIM, SCRIPT_ACK, SCRIPT_RETRY, SCRIPT_REAP,
                                   SCRIPT_REQUEUE, SCRIPT_CANCEL, SCRIPT_PENDING, SCRIPT_RECLAIM,
                                   SCRIPT_HEARTBEAT, SCRIPT_REGISTER, SCRIPT_SPLIT};
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++)
        CHECK(strstr(scripts[i], KEYS_PREFIX) == NULL);
    keys_docstore(k, "nightly", NULL);
    CHECK_STR(k, "ingest:docstore:nightly");
    char ds[KEYS_DOCSTORE_N][KEYS_MAX];
    CHECK(keys_docstore_all(ds, "nightly", "J") == 0);
    CHECK_STR(ds[1], "ingest:docstore:nightly:hashes");
    CHECK_STR(ds[2], "ingest:job:J:docs");
    CHECK_STR(ds[3], "ingest:job:J:deleted");
    CHECK_STR(ds[4], "ingest:docstore:nightly:files");
    CHECK(keys_docstore_all(ds, "a:b", "J") == ERR_INVAL);
    CHECK(keys_job(k, "a:b") == ERR_INVAL);
    CHECK(keys_job(k, "") == ERR_INVAL);
    CHECK(keys_worker(k, "x y") == ERR_INVAL);
    char longid[80];
    memset(longid, 'a', 65);
    longid[65] = 0;
    CHECK(keys_job(k, longid) == ERR_INVAL);
    keys_ref(k, "J-1", 4294967295u);
    CHECK_STR(k, "J-1:4294967295");
    CHECK(keys_parse_ref(k, strlen(k), job, &seq) == 0 && seq == 4294967295u);
    CHECK_STR(job, "J-1");
    CHECK(keys_parse_ref("J:4294967296", 12, job, &seq) == ERR_PARSE);
    CHECK(keys_parse_ref("J:", 2, job, &seq) == ERR_PARSE);
    CHECK(keys_parse_ref(":1", 2, job, &seq) == ERR_PARSE);
    CHECK(keys_parse_ref("J:1x", 4, job, &seq) == ERR_PARSE);
    CHECK(keys_parse_ref("a b:1", 5, job, &seq) == ERR_PARSE);
}

static void test_rurl(void)
{
    rurl u;
    char err[512];
    CHECK(rurl_parse("redis://127.0.0.1:6380/2", &u, err, sizeof err) == 0);
    CHECK_STR(u.host, "127.0.0.1");
    CHECK(u.port == 6380 && u.db == 2 && !u.pass[0]);
    CHECK(rurl_parse("redis://bob:s3cret@db.example:7000/0", &u, err, sizeof err) == 0);
    CHECK_STR(u.user, "bob");
    CHECK_STR(u.pass, "s3cret");
    CHECK_STR(u.host, "db.example");
    CHECK(rurl_parse("redis://localhost", &u, err, sizeof err) == 0 && u.port == 6379 && u.db == 0);
    CHECK(rurl_parse("unix:///tmp/r.sock?db=3", &u, err, sizeof err) == 0);
    CHECK_STR(u.unix_path, "/tmp/r.sock");
    CHECK(u.db == 3);
    CHECK(rurl_parse("redis+sentinel://u:p@s1:26379,s2:26380/mymaster/2", &u, err, sizeof err) == 0);
    CHECK(u.nsentinels == 2 && !strcmp(u.sentinels[1].host, "s2") && u.sentinels[1].port == 26380 &&
          !strcmp(u.master, "mymaster") && u.db == 2 && !strcmp(u.user, "u") && !strcmp(u.pass, "p"));
    CHECK(rurl_parse("redis+sentinel://h:1/m", &u, err, sizeof err) == 0 && u.nsentinels == 1 && u.db == 0);
    CHECK(rurl_parse("redis+sentinel://h/m", &u, err, sizeof err) == ERR_INVAL);
    CHECK(rurl_parse("redis+sentinel://h:1/", &u, err, sizeof err) == ERR_INVAL);
    CHECK(rurl_parse("unix://bob@/tmp/r.sock", &u, err, sizeof err) == 0 && !strcmp(u.user, "bob") &&
          !strcmp(u.unix_path, "/tmp/r.sock"));
    CHECK(rurl_parse("rediss://h:1/0", &u, err, sizeof err) == ERR_INVAL && strstr(err, "stunnel"));
    CHECK(rurl_parse("http://x", &u, err, sizeof err) == ERR_INVAL);
    CHECK(rurl_parse("redis://:0", &u, err, sizeof err) == ERR_INVAL);
    CHECK(rurl_parse("redis://h:99999", &u, err, sizeof err) == ERR_INVAL);
    CHECK(rurl_parse("unix://relative", &u, err, sizeof err) == ERR_INVAL);
    CHECK(strstr(err, "s3cret") == NULL);
}

int main(void)
{
    test_keys();
    test_rurl();
    return t_done();
}
