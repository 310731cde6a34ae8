/* main.c - ingest-worker: command line for the worker daemon (worker.h). */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpass.h"
#include "log.h"
#include "reader.h"
#include "reader_pdf.h"
#include "rurl.h"
#include "worker.h"

static long online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : n;
}

/* TEST ONLY: INGEST_TEST_READ_GATE=PREFIX:PATH holds files named PREFIX* in
 * the read stage until PATH exists (tests/integration/test_threads.py).  An
 * environment variable of the worker process, so no job can turn it on. */
static void test_gate(worker_opts *o)
{
    static char buf[4096];
    const char *g = getenv("INGEST_TEST_READ_GATE");
    char *c;
    if (!g || strlen(g) >= sizeof buf) return;
    strcpy(buf, g);
    if (!(c = strchr(buf, ':')) || c == buf || !c[1]) return;
    *c = 0;
    o->test_gate_prefix = buf;
    o->test_gate_path = c + 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: ingest-worker [options]\n"
        "Pops batches from Redis, runs each job's pipeline, writes nodes back.\n"
        "  --redis URL          redis://[user:pass@]host:port/db, unix://[user@]/path or\n"
        "                       redis+sentinel://[user:pass@]host:port[,...]/MASTER[/db]\n"
        "                       (default: $INGEST_REDIS_URL, else %s)\n"
        "  --redis-password-file F  Redis password from the first line of F (else\n"
        "                       $INGEST_REDIS_PASSWORD_FILE, $INGEST_REDIS_PASSWORD, the URL)\n"
        "  --wait-replica-ms N  when the master has replicas, each ack waits up to N ms\n"
        "                       for one (WAIT 1 N) so it survives a failover (default 1000;\n"
        "                       0: never)\n"
        "  --concurrency N      batches in flight (default 8)\n"
        "  --id NAME            worker id (default: host-pid-random)\n"
        "  --exit-when-idle     exit once no work is left: nothing queued, nothing held by\n"
        "                       any worker (dead workers' batches are reaped first)\n"
        "  --heartbeat-ttl S    heartbeat key TTL in seconds (default 15)\n"
        "  --max-attempts N     failed deliveries (holder died or its lease expired while\n"
        "                       working on it) before a batch is dead (default 3)\n"
        "  --grace S            on SIGTERM, seconds to finish in-flight batches (default 30)\n"
        "  --stage-timeout S    a batch whose reading or parsing makes no progress for S\n"
        "                       seconds is hung: a failed delivery, handed back; the worker\n"
        "                       then drains and exits 1 to free the thread (default 300)\n"
        "  --cache-redis URL    Redis of the transformation cache (default: the queue's);\n"
        "                       give it its own server or db with maxmemory-policy allkeys-lru\n"
        "  --cache-ttl S        TTL of cache entries a job's spec does not set (default 0: none)\n"
        "  --threads N          CPU threads for reading, parsing, encoding (default: online\n"
        "                       CPUs, here %ld)\n"
        "  --metrics-listen A:P serve Prometheus /metrics and /healthz on ADDR:PORT\n"
        "                       (e.g. 0.0.0.0:9464, 127.0.0.1:0 = any free port)\n"
        "  --log-format F       logfmt (default) or json\n"
        "  --log-level L        debug, info (default), warn or error\n"
        "  --version            print the version and exit\n"
        "API keys for remote models come from the environment (OPENAI_API_KEY,\n"
        "AZURE_OPENAI_API_KEY) and are never written to Redis or logs.\n",
        RURL_DEFAULT, online_cpus());
}

static int num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--pdf-child")) return reader_pdf_child_main(argc, argv);
    reader_pdf_exec_self("/proc/self/exe"); /* sanitizer builds only (reader_pdf.h) */
    static const struct option opts[] = {
        {"redis", required_argument, 0, 'r'},         {"concurrency", required_argument, 0, 'c'},
        {"id", required_argument, 0, 'i'},            {"exit-when-idle", no_argument, 0, 'x'},
        {"heartbeat-ttl", required_argument, 0, 't'}, {"max-attempts", required_argument, 0, 'm'},
        {"grace", required_argument, 0, 'g'},         {"help", no_argument, 0, 'h'},
        {"threads", required_argument, 0, 'n'},       {"metrics-listen", required_argument, 0, 'M'},
        {"log-format", required_argument, 0, 'F'},    {"log-level", required_argument, 0, 'L'},
        {"version", no_argument, 0, 'V'},
        {"cache-redis", required_argument, 0, 'C'},   {"cache-ttl", required_argument, 0, 'T'},
        {"redis-password-file", required_argument, 0, 'p'},
        {"wait-replica-ms", required_argument, 0, 'w'},
        {"stage-timeout", required_argument, 0, 'S'},
        {0, 0, 0, 0}};
    worker_opts o = {.concurrency = 8, .heartbeat_ttl = 15, .max_attempts = 3, .grace_s = 30, .stage_timeout_s = 300,
                     .threads = (int)online_cpus(), .wait_replica_ms = 1000};
    const char *url = NULL, *pwfile = NULL;
    static char pw[256];
    char err[300];
    double v;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': url = optarg; break;
        case 'p': pwfile = optarg; break;
        case 'w': if (num(optarg, 0, 60000, &v)) goto bad; o.wait_replica_ms = (int)v; break;
        case 'i': o.id = optarg; break;
        case 'x': o.exit_when_idle = 1; break;
        case 'c': if (num(optarg, 1, 1024, &v)) goto bad; o.concurrency = (int)v; break;
        case 't': if (num(optarg, 2, 3600, &v)) goto bad; o.heartbeat_ttl = (int)v; break;
        case 'm': if (num(optarg, 1, 1000, &v)) goto bad; o.max_attempts = (int)v; break;
        case 'g': if (num(optarg, 0, 86400, &v)) goto bad; o.grace_s = v; break;
        case 'S': if (num(optarg, 1, 86400, &v)) goto bad; o.stage_timeout_s = (int)v; break;
        case 'C': o.cache_url = optarg; break;
        case 'T': if (num(optarg, 0, 100.0 * 365 * 86400, &v)) goto bad; o.cache_ttl = (long long)v; break;
        case 'n': if (num(optarg, 1, 256, &v)) goto bad; o.threads = (int)v; break;
        case 'M': o.metrics_listen = optarg; break;
        case 'F': if (log_set_format(optarg)) goto bad; break;
        case 'L': if (log_set_level(optarg)) goto bad; break;
        case 'V': printf("ingest-worker %s\n", INGEST_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    o.url = rurl_pick(url);
    int prc = rpass_pick(pwfile, pw, sizeof pw, err, sizeof err);
    if (prc < 0) {
        fprintf(stderr, "ingest-worker: %s\n", err);
        return 2;
    }
    if (prc) o.password = pw;
    test_gate(&o);
    reader_global_init(); /* before the pool threads read */
    /* Batches come and go in MB-sized buffers: a fixed mmap threshold hands
     * them back to the kernel when freed (glibc's adaptive threshold would
     * keep them in the heap and RSS would only grow). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
    return worker_run(&o);
bad:
    fprintf(stderr, "ingest-worker: invalid value '%s'\n", optarg);
    return 2;
}
