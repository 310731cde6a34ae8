/* test_remote.c - the remote stages (worker/stage.c, embed.c, extract.c, oaicall.c,
 * http.c, ratelimit.c) on a real libev loop against the project's fake
 * OpenAI server (tests/fake_openai) and a private redis-server, both on
 * loopback / a unix socket.
 *
 * usage: test_remote PYTHON3 FAKE_OPENAI_PY
 * Checks: every node's embedding equals the vector of exactly its embed
 * string (base64 and float); retries after 429/500/dropped connections
 * succeed; a permanently rejected input fails only its node; exhausted
 * retries fail the request's nodes with the reason; over-limit and empty
 * inputs are rejected before sending; TitleExtractor and KeywordExtractor
 * produce LlamaIndex's prompts and metadata; cancel completes jobs with
 * ERR_CANCELLED exactly once; the Redis rate-limit script grants and defers;
 * the API key never appears in the log. */
#include <curl/curl.h>
#include <ev.h>
#include <fcntl.h>
#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eprep.h"
#include "err.h"
#include "extract.h"
#include "node.h"
#include "oai.h"
#include "ratelimit.h"
#include "sha256.h"
#include "spec.h"
#include "stage.h"
#include "t.h"

#define SECRET "sk-test-NEVER-LOG-4f1c2a9d7e"
#define DIMS 64

static struct ev_loop *loop;
static char tmpdir[64] = "/tmp/ingest-remote-XXXXXX";
static const char *py, *fake;

/* --- processes --- */

static pid_t spawn(char *const argv[], const char *out)
{
    pid_t p = fork();
    if (p == 0) {
        int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    return p;
}

static int wait_file(const char *path)
{
    for (int i = 0; i < 400; i++) {
        struct stat st;
        if (!stat(path, &st) && (st.st_size > 0 || S_ISSOCK(st.st_mode))) return 0;
        usleep(25000);
    }
    return -1;
}

typedef struct server {
    pid_t pid;
    int port;
    char base[80];
} server;

static int start_fake(server *s, const char *name, const char *const *extra)
{
    char pf[128];
    snprintf(pf, sizeof pf, "%s/%s.port", tmpdir, name);
    char *argv[32] = {(char *)py, (char *)fake, "--port", "0", "--port-file", pf, "--dims", "64"};
    int k = 8;
    for (; extra && *extra && k < 30; extra++) argv[k++] = (char *)*extra;
    argv[k] = NULL;
    s->pid = spawn(argv, NULL);
    if (wait_file(pf)) return -1;
    FILE *f = fopen(pf, "r");
    if (!f || fscanf(f, "%d", &s->port) != 1) return -1;
    fclose(f);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d/v1", s->port);
    return 0;
}

static void stop(pid_t p)
{
    if (p <= 0) return;
    kill(p, SIGTERM);
    waitpid(p, NULL, 0);
}

/* Blocking HTTP for test control only (never on the worker's path). */
static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    buf_append(ud, p, s * n);
    return s * n;
}

static json_t *fake_http(const server *s, const char *path, const char *post)
{
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    buf_t b;
    buf_init(&b, 0);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    if (post) curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
    curl_easy_perform(e);
    curl_easy_cleanup(e);
    json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
    buf_free(&b);
    return j;
}

static long long stat_int(const server *s, const char *k1, const char *k2)
{
    json_t *j = fake_http(s, "/stats", NULL), *v = json_object_get(j, k1);
    if (k2) v = json_object_get(v, k2);
    long long r = json_integer_value(v);
    json_decref(j);
    return r;
}

static void fake_control(const server *s, const char *json)
{
    json_decref(fake_http(s, "/control", json));
}

static void fake_reset(const server *s) { json_decref(fake_http(s, "/stats/reset", "{}")); }

/* --- the fake server's functions, recomputed --- */

static void fake_vec(const char *t, size_t len, uint32_t dims, float *out)
{
    uint8_t raw[4 * 4096 + 32];
    size_t have = 0;
    for (uint32_t b = 0; have < 4 * dims; b++) {
        sha256_ctx c;
        uint8_t le[4] = {(uint8_t)b, (uint8_t)(b >> 8), (uint8_t)(b >> 16), (uint8_t)(b >> 24)};
        sha256_init(&c);
        sha256_update(&c, t, len);
        sha256_update(&c, le, 4);
        sha256_final(&c, raw + have);
        have += 32;
    }
    double x[4096], s = 0;
    for (uint32_t i = 0; i < dims; i++) {
        uint32_t u = raw[4 * i] | raw[4 * i + 1] << 8 | raw[4 * i + 2] << 16 | (uint32_t)raw[4 * i + 3] << 24;
        x[i] = ((double)u + 0.5) / 2147483648.0 - 1.0;
        s += x[i] * x[i];
    }
    double n = sqrt(s);
    for (uint32_t i = 0; i < dims; i++) out[i] = (float)(x[i] / n);
}

/* " ans-" + 12 hex of sha256(prompt) + " " */
static void fake_answer(const char *prompt, char out[20])
{
    char hex[65];
    sha256_hex(prompt, strlen(prompt), hex);
    snprintf(out, 20, " ans-%.12s ", hex);
}

static void expected_embed_input(const node_t *n, buf_t *out)
{
    buf_t c;
    buf_init(&c, 0);
    node_content(n, NODE_MODE_EMBED, &c);
    buf_reset(out);
    oai_embed_input(c.p ? c.p : "", c.len, out);
    buf_free(&c);
}

/* --- running a stage --- */

typedef struct run {
    char *fail[512];
    int done_calls, rc;
    stage_stats stats;
} run;

static void on_fail(void *ud, size_t i, const char *msg)
{
    run *r = ud;
    if (i < 512 && !r->fail[i]) r->fail[i] = strdup(msg);
}

static void on_done(void *ud, int rc)
{
    run *r = ud;
    r->done_calls++;
    r->rc = rc;
    ev_break(loop, EVBREAK_ALL);
}

static void guard_cb(struct ev_loop *l, ev_timer *t, int ev) { ev_break(l, EVBREAK_ALL); }

static void run_free(run *r)
{
    for (int i = 0; i < 512; i++) free(r->fail[i]);
}

static spec_t *parse_spec(const char *fmt, const char *base)
{
    char js[1024], err[256];
    snprintf(js, sizeof js, fmt, base);
    spec_t *s = spec_parse(js, strlen(js), err, sizeof err);
    if (!s) fprintf(stderr, "spec: %s\n", err);
    return s;
}

/* Runs tf over nodes until done (or 60 s), with prepared inputs or NULL. */
static void run_stage_with(stage_ctx *rc, const spec_tf *tf, node_t **nodes, size_t n, run *r,
                           const eprep *prep)
{
    memset(r, 0, sizeof *r);
    stage_job job = {tf, nodes, n, &r->stats, on_fail, on_done, r, "test=remote", NULL, prep};
    ev_timer guard;
    ev_timer_init(&guard, guard_cb, 60., 0.);
    ev_timer_start(loop, &guard);
    int rc0 = stage_start(rc, &job);
    CHECK(rc0 == 0);
    if (!rc0 && !r->done_calls) ev_run(loop, 0);
    ev_timer_stop(loop, &guard);
    CHECK(r->done_calls == 1);
}

static void run_stage(stage_ctx *rc, const spec_tf *tf, node_t **nodes, size_t n, run *r)
{
    run_stage_with(rc, tf, nodes, n, r, NULL);
}

static node_t *mk_node(const char *id, const char *text, const char *doc)
{
    node_t *n = node_new(id, text, strlen(text));
    md_set_str(&n->md, "file_path", doc);
    md_set_str(&n->md, "file_name", "x.txt");
    strv_push(&n->excl_embed, "file_name");
    n->rel[NODE_REL_SOURCE].id = strdup(doc);
    n->rel[NODE_REL_SOURCE].type = NODE_TYPE_DOCUMENT;
    return n;
}

static void mk_nodes(node_t **v, size_t n, const char *tag)
{
    for (size_t i = 0; i < n; i++) {
        char id[32], text[256], doc[32];
        snprintf(id, sizeof id, "%s-%zu", tag, i);
        snprintf(doc, sizeof doc, "/data/%s-%zu.txt", tag, i / 7);
        snprintf(text, sizeof text, "Chunk %zu of %s.\nLine two \"quoted\" \\ tab\t\xc3\xa9t\xc3\xa9\n\nend", i, tag);
        v[i] = mk_node(id, text, doc);
    }
}

static size_t count_exact(node_t **v, size_t n, uint32_t dims)
{
    size_t ok = 0;
    buf_t in;
    buf_init(&in, 0);
    float want[4096];
    for (size_t i = 0; i < n; i++) {
        if (!v[i]->embedding || v[i]->dim != dims) continue;
        expected_embed_input(v[i], &in);
        fake_vec(in.p, in.len, dims, want);
        ok += !memcmp(want, v[i]->embedding, dims * sizeof *want);
    }
    buf_free(&in);
    return ok;
}

static void free_nodes(node_t **v, size_t n)
{
    for (size_t i = 0; i < n; i++) node_free(v[i]);
}

#define EMBED_SPEC(extra) \
    "{\"transformations\":[{\"class_name\":\"OpenAIEmbedding\",\"api_base\":\"%s\"" extra "}]}"

static void test_embed_basic(stage_ctx *rc, const server *s)
{
    fake_reset(s);
    spec_t *sp = parse_spec(EMBED_SPEC(",\"model_name\":\"text-embedding-3-small\""), s->base);
    node_t *v[250];
    mk_nodes(v, 250, "basic");
    run r;
    run_stage(rc, &sp->tf[0], v, 250, &r);
    CHECK(r.rc == 0);
    CHECK(count_exact(v, 250, DIMS) == 250);
    CHECK(r.stats.embed_requests == 3 && r.stats.retries == 0);
    CHECK(r.stats.tokens > 0);
    CHECK(stat_int(s, "requests", "/embeddings") == 3);
    /* 250 inputs at 100: three requests, evenly filled (84 + 83 + 83) */
    CHECK(stat_int(s, "batch_sizes", "84") == 1 && stat_int(s, "batch_sizes", "83") == 2);
    CHECK(stat_int(s, "encoding_format", "base64") == 3);
    CHECK(stat_int(s, "auth", "Bearer " SECRET) == 3);
    size_t nf = 0;
    for (int i = 0; i < 250; i++) nf += r.fail[i] != NULL;
    CHECK(nf == 0);
    run_free(&r);
    free_nodes(v, 250);
    spec_free(sp);

    /* dimensions and a batch size of 7, one at a time: one kept-alive connection */
    sp = parse_spec(EMBED_SPEC(",\"dimensions\":16,\"embed_batch_size\":7,\"max_concurrency\":1"),
                    s->base);
    mk_nodes(v, 20, "dims");
    fake_reset(s);
    run_stage(rc, &sp->tf[0], v, 20, &r);
    CHECK(count_exact(v, 20, 16) == 20);
    CHECK(r.stats.embed_requests == 3);
    /* no new connection but the one this stats request itself opens */
    CHECK(stat_int(s, "connections", NULL) == 1);
    CHECK(stat_int(s, "max_in_flight", NULL) == 1);
    run_free(&r);
    free_nodes(v, 20);
    spec_free(sp);
}

/* Inputs made off the loop (eprep.h) are the ones sent: a changed one is
 * embedded as changed, a missing one is made by the stage, and the
 * pipeline's strings are left to the pipeline. */
static void test_embed_prepared(stage_ctx *rc, const server *s)
{
    fake_reset(s);
    spec_t *sp = parse_spec(EMBED_SPEC(""), s->base);
    node_t *v[120];
    mk_nodes(v, 120, "prep");
    eprep p;
    CHECK(eprep_make(&p, v, 120) == 0 && p.n == 120);
    size_t made = 0;
    for (size_t i = 0; i < p.n; i++) made += p.in[i] != NULL;
    CHECK(made == 120);
    const char *other = "an input the pipeline changed";
    free(p.in[0]);
    p.in[0] = strdup(other), p.len[0] = strlen(other);
    free(p.in[1]);
    p.in[1] = NULL, p.len[1] = 0;
    run r;
    run_stage_with(rc, &sp->tf[0], v, 120, &r, &p);
    CHECK(r.rc == 0);
    CHECK(count_exact(v + 1, 119, DIMS) == 119);
    float want[DIMS];
    fake_vec(other, strlen(other), DIMS, want);
    CHECK(v[0]->embedding && v[0]->dim == DIMS && !memcmp(want, v[0]->embedding, sizeof want));
    CHECK(p.in[2] && p.in[0] && !strcmp(p.in[0], other));
    CHECK(stat_int(s, "requests", "/embeddings") == 2);
    eprep_free(&p);
    run_free(&r);
    free_nodes(v, 120);
    spec_free(sp);
}

static void test_embed_float(stage_ctx *rc)
{
    server s2;
    const char *extra[] = {"--reject-base64", "--reject-dimensions", NULL};
    CHECK(start_fake(&s2, "nob64", extra) == 0);
    spec_t *sp = parse_spec(EMBED_SPEC(""), s2.base);
    node_t *v[30];
    mk_nodes(v, 30, "float");
    run r;
    run_stage(rc, &sp->tf[0], v, 30, &r);
    CHECK(r.rc == 0);
    CHECK(count_exact(v, 30, DIMS) == 30);
    CHECK(stat_int(&s2, "encoding_format", "float") == 1);
    run_free(&r);
    free_nodes(v, 30);
    spec_free(sp);

    /* a request-wide 400 (dimensions unsupported): each request is split once,
     * both halves fail alike, every node fails with the API's text (floats
     * from the start: the endpoint remembers that base64 was refused) */
    fake_reset(&s2);
    sp = parse_spec(EMBED_SPEC(",\"dimensions\":8,\"embed_batch_size\":16"), s2.base);
    mk_nodes(v, 30, "dimerr");
    run_stage(rc, &sp->tf[0], v, 30, &r);
    int all = 1;
    for (int i = 0; i < 30; i++) all &= r.fail[i] && strstr(r.fail[i], "does not support specifying dimensions");
    CHECK(all);
    CHECK(stat_int(&s2, "requests", "/embeddings") == 2 + 4);
    run_free(&r);
    free_nodes(v, 30);
    spec_free(sp);
    stop(s2.pid);
}

static void test_embed_retries(stage_ctx *rc, const server *s)
{
    fake_reset(s);
    fake_control(s, "{\"faults\":[\"429\",\"500\",\"drop\",\"503\"],\"retry_after\":0.05}");
    spec_t *sp = parse_spec(EMBED_SPEC(",\"embed_batch_size\":10,\"max_concurrency\":2"), s->base);
    node_t *v[40];
    mk_nodes(v, 40, "retry");
    run r;
    run_stage(rc, &sp->tf[0], v, 40, &r);
    CHECK(r.rc == 0);
    CHECK(count_exact(v, 40, DIMS) == 40);
    /* curl itself re-sends once when a reused connection turns out dead, so
     * the drop may not reach us as a retry */
    CHECK(r.stats.retries >= 3 && r.stats.retries <= 4);
    CHECK(r.stats.embed_requests == 4 + r.stats.retries);
    CHECK(stat_int(s, "max_in_flight", NULL) <= 2);
    CHECK(stat_int(s, "responses", "429") == 1 && stat_int(s, "dropped", NULL) == 1);
    run_free(&r);
    free_nodes(v, 40);
    spec_free(sp);

    /* retries exhausted: every node of the request fails with the reason */
    fake_control(s, "{\"faults\":[\"500\",\"500\",\"500\"]}");
    sp = parse_spec(EMBED_SPEC(",\"max_retries\":2,\"embed_batch_size\":8"), s->base);
    mk_nodes(v, 8, "exhaust");
    run_stage(rc, &sp->tf[0], v, 8, &r);
    CHECK(r.rc == 0);
    int right = 1;
    for (int i = 0; i < 8; i++)
        right &= r.fail[i] && strstr(r.fail[i], "HTTP 500") && strstr(r.fail[i], "gave up after 3");
    CHECK(right);
    CHECK(r.stats.embed_requests == 3 && r.stats.retries == 2);
    run_free(&r);
    free_nodes(v, 8);
    spec_free(sp);
}

static void test_embed_rejects(stage_ctx *rc, const server *s)
{
    spec_t *sp = parse_spec(EMBED_SPEC(",\"embed_batch_size\":16"), s->base);
    node_t *v[40];
    mk_nodes(v, 40, "poison");
    node_set_text(v[13], "this chunk holds POISON inside", 30);
    node_set_text(v[30], "", 0); /* metadata keeps it non-empty */
    md_free(&v[31]->md);
    node_set_text(v[31], "", 0); /* truly empty: rejected before sending */
    buf_t big;
    buf_init(&big, 0);
    for (int i = 0; i < 9000; i++) buf_puts(&big, "word ");
    node_set_text(v[32], big.p, big.len); /* over 8191 tokens for ada-002 */
    buf_free(&big);
    fake_reset(s);
    run r;
    run_stage(rc, &sp->tf[0], v, 40, &r);
    CHECK(r.rc == 0);
    CHECK(r.fail[13] && strstr(r.fail[13], "HTTP 400") && strstr(r.fail[13], "rejected"));
    CHECK(r.fail[31] && strstr(r.fail[31], "empty"));
    CHECK(r.fail[32] && strstr(r.fail[32], "8191"));
    int others = 0;
    for (int i = 0; i < 40; i++) others += r.fail[i] && i != 13 && i != 31 && i != 32;
    CHECK(others == 0);
    CHECK(count_exact(v, 40, DIMS) == 37);
    CHECK(v[13]->embedding == NULL && v[31]->embedding == NULL && v[32]->embedding == NULL);
    run_free(&r);
    free_nodes(v, 40);
    spec_free(sp);
}

static void test_title_keywords(stage_ctx *rc, const server *s)
{
    fake_reset(s);
    node_t *v[9];
    const char *docs[9] = {"A", "A", "A", "A", "A", "A", "A", "B", "B"};
    for (int i = 0; i < 9; i++) {
        char id[16], text[64];
        snprintf(id, sizeof id, "n%d", i);
        snprintf(text, sizeof text, "Text of node %d {context_str} of doc %s.", i, docs[i]);
        v[i] = mk_node(id, text, docs[i]);
    }
    const char *fmt = "{\"transformations\":[{\"class_name\":\"TitleExtractor\",\"llm\":"
                      "{\"api_base\":\"%s\",\"model\":\"gpt-4o-mini\",\"max_tokens\":64}}]}";
    spec_t *sp = parse_spec(fmt, s->base);
    run r;
    run_stage(rc, &sp->tf[0], v, 9, &r);
    CHECK(r.rc == 0);
    CHECK(r.stats.llm_requests == 5 + 1 + 2 + 1);
    char want[2][20];
    for (int d = 0; d < 2; d++) {
        int first = d ? 7 : 0, cnt = d ? 2 : 5;
        buf_t comb;
        buf_init(&comb, 0);
        for (int k = 0; k < cnt; k++) {
            buf_t p;
            buf_init(&p, 0);
            const char *key = "context_str", *val = v[first + k]->text;
            oai_format(EXTRACT_TITLE_NODE_TMPL, &key, &val, 1, &p);
            char a[20];
            fake_answer(p.p, a);
            if (k) buf_puts(&comb, ", ");
            buf_puts(&comb, a);
            buf_free(&p);
        }
        buf_t p;
        buf_init(&p, 0);
        const char *key = "context_str", *val = comb.p;
        oai_format(EXTRACT_TITLE_COMBINE_TMPL, &key, &val, 1, &p);
        fake_answer(p.p, want[d]);
        buf_free(&p);
        buf_free(&comb);
    }
    int ok = 1;
    for (int i = 0; i < 9; i++) {
        const md_item *t = md_get(&v[i]->md, "document_title");
        ok &= t && !strcmp(t->s, want[i >= 7]);
        ok &= v[i]->text_template && !strcmp(v[i]->text_template, EXTRACT_NODE_TEXT_TMPL);
    }
    CHECK(ok);
    CHECK(want[0][0] == ' '); /* titles are not stripped */
    run_free(&r);
    spec_free(sp);

    /* KeywordExtractor after it: context is get_content(ALL) with the new template */
    char expect[9][20];
    for (int i = 0; i < 9; i++) {
        buf_t c, p;
        buf_init(&c, 0);
        buf_init(&p, 0);
        node_content(v[i], NODE_MODE_ALL, &c);
        const char *keys[2] = {"context_str", "keywords"}, *vals[2] = {c.p, "3"};
        oai_format(EXTRACT_KEYWORD_TMPL, keys, vals, 2, &p);
        char a[20];
        fake_answer(p.p, a);
        snprintf(expect[i], sizeof expect[i], "%.16s", a + 1); /* stripped */
        buf_free(&c);
        buf_free(&p);
    }
    fmt = "{\"transformations\":[{\"class_name\":\"KeywordExtractor\",\"keywords\":3,\"llm\":"
          "{\"api_base\":\"%s\"}}]}";
    sp = parse_spec(fmt, s->base);
    run_stage(rc, &sp->tf[0], v, 9, &r);
    ok = 1;
    for (int i = 0; i < 9; i++) {
        const md_item *t = md_get(&v[i]->md, "excerpt_keywords");
        ok &= t && !strcmp(t->s, expect[i]);
    }
    CHECK(ok);
    CHECK(r.stats.llm_requests == 9);
    run_free(&r);
    spec_free(sp);
    free_nodes(v, 9);
}

static void test_extract_failure(stage_ctx *rc, const server *s)
{
    /* a document whose title candidate keeps failing: its nodes fail, the other's succeed */
    fake_reset(s);
    fake_control(s, "{\"faults\":[\"400\"]}");
    node_t *v[3] = {mk_node("a0", "alpha", "A"), mk_node("b0", "beta", "B"), mk_node("b1", "gamma", "B")};
    const char *fmt = "{\"transformations\":[{\"class_name\":\"TitleExtractor\",\"nodes\":1,"
                      "\"llm\":{\"api_base\":\"%s\"}}]}";
    spec_t *sp = parse_spec(fmt, s->base);
    run r;
    run_stage(rc, &sp->tf[0], v, 3, &r);
    int fa = r.fail[0] != NULL, fb = r.fail[1] != NULL && r.fail[2] != NULL;
    CHECK(fa + fb == 1); /* exactly one document failed (which one depends on send order) */
    CHECK((r.fail[0] ? r.fail[0] : r.fail[1]) && strstr(r.fail[0] ? r.fail[0] : r.fail[1], "HTTP 400"));
    node_t *ok = fa ? v[1] : v[0];
    CHECK(md_get(&ok->md, "document_title") != NULL);
    run_free(&r);
    spec_free(sp);
    free_nodes(v, 3);
}


static void expect_node_prompts(node_t **v, size_t n, const char *tmpl, const char *xkey,
                                const char *xval, char out[][20])
{
    for (size_t i = 0; i < n; i++) {
        buf_t c, p;
        buf_init(&c, 0);
        buf_init(&p, 0);
        node_content(v[i], NODE_MODE_ALL, &c);
        const char *keys[2] = {"context_str", xkey}, *vals[2] = {c.p, xval};
        oai_format(tmpl, keys, vals, xkey ? 2 : 1, &p);
        char a[20];
        fake_answer(p.p, a);
        snprintf(out[i], 20, "%.16s", a + 1); /* stripped */
        buf_free(&c);
        buf_free(&p);
    }
}

static void test_questions_summary(stage_ctx *rc, const server *s)
{
    node_t *v[4];
    mk_nodes(v, 4, "qs");
    char want[4][20];
    expect_node_prompts(v, 4, EXTRACT_QUESTION_TMPL, "num_questions", "2", want);
    const char *fmt = "{\"transformations\":[{\"class_name\":\"QuestionsAnsweredExtractor\","
                      "\"questions\":2,\"llm\":{\"class_name\":\"OpenAILike\",\"api_base\":\"%s\"}}]}";
    spec_t *sp = parse_spec(fmt, s->base);
    run r;
    run_stage(rc, &sp->tf[0], v, 4, &r);
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        const md_item *t = md_get(&v[i]->md, "questions_this_excerpt_can_answer");
        ok &= t && !strcmp(t->s, want[i]);
    }
    CHECK(ok);
    run_free(&r);
    spec_free(sp);

    /* SummaryExtractor(prev, self, next): keys in LlamaIndex's insertion order */
    expect_node_prompts(v, 4, EXTRACT_SUMMARY_TMPL, NULL, NULL, want);
    fmt = "{\"transformations\":[{\"class_name\":\"SummaryExtractor\",\"summaries\":"
          "[\"self\",\"prev\",\"next\"],\"llm\":{\"api_base\":\"%s\"}}]}";
    sp = parse_spec(fmt, s->base);
    run_stage(rc, &sp->tf[0], v, 4, &r);
    ok = 1;
    for (int i = 0; i < 4; i++) {
        const md_t *m = &v[i]->md;
        const md_item *self = md_get(m, "section_summary"), *pv = md_get(m, "prev_section_summary"),
                      *nx = md_get(m, "next_section_summary");
        ok &= self && !strcmp(self->s, want[i]);
        ok &= i == 0 ? !pv : pv && !strcmp(pv->s, want[i - 1]);
        ok &= i == 3 ? !nx : nx && !strcmp(nx->s, want[i + 1]);
        /* order: ..., prev, next, self */
        ok &= !strcmp(m->v[m->n - 1].key, "section_summary");
        if (i == 1) ok &= !strcmp(m->v[m->n - 3].key, "prev_section_summary");
    }
    CHECK(ok);
    CHECK(r.stats.llm_requests == 4);
    run_free(&r);
    spec_free(sp);
    free_nodes(v, 4);
}

static void test_azure_timeout(stage_ctx *rc, const server *s)
{
    fake_reset(s);
    setenv("AZURE_OPENAI_API_KEY", SECRET "-az", 1);
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "{\"transformations\":[{\"class_name\":\"AzureOpenAIEmbedding\",\"azure_endpoint\":"
             "\"http://127.0.0.1:%d/\",\"azure_deployment\":\"dep1\",\"api_version\":\"2024-02-01\","
             "\"timeout\":0.5}]}", s->port);
    spec_t *sp = parse_spec(fmt, "");
    fake_control(s, "{\"faults\":[\"slow:1500\"]}");
    node_t *v[5];
    mk_nodes(v, 5, "azure");
    run r;
    run_stage(rc, &sp->tf[0], v, 5, &r);
    CHECK(r.rc == 0 && count_exact(v, 5, DIMS) == 5);
    CHECK(r.stats.retries == 1); /* the slow answer timed out and was retried */
    CHECK(stat_int(s, "requests", "/openai/deployments/dep1/embeddings") == 2);
    CHECK(stat_int(s, "auth", "api-key " SECRET "-az") == 2);
    run_free(&r);
    free_nodes(v, 5);
    spec_free(sp);
    unsetenv("AZURE_OPENAI_API_KEY");
}

static void cancel_cb(struct ev_loop *l, ev_timer *t, int ev) { stage_cancel_all(t->data); }

static void test_cancel(stage_ctx *rc, const server *s)
{
    fake_control(s, "{\"faults\":[\"slow:5000\",\"slow:5000\",\"slow:5000\"]}");
    spec_t *sp = parse_spec(EMBED_SPEC(",\"embed_batch_size\":10"), s->base);
    node_t *v[50];
    mk_nodes(v, 50, "cancel");
    run r;
    memset(&r, 0, sizeof r);
    stage_job job = {&sp->tf[0], v, 50, &r.stats, on_fail, on_done, &r, "test=remote", NULL, NULL};
    ev_timer t;
    ev_timer_init(&t, cancel_cb, 0.3, 0.);
    t.data = rc;
    ev_timer_start(loop, &t);
    CHECK(stage_start(rc, &job) == 0);
    ev_run(loop, 0);
    CHECK(r.done_calls == 1 && r.rc == ERR_CANCELLED);
    CHECK(stage_in_flight(rc) == 0);
    /* nothing fires later */
    ev_timer_init(&t, guard_cb, 0.3, 0.);
    ev_timer_start(loop, &t);
    ev_run(loop, 0);
    CHECK(r.done_calls == 1);
    run_free(&r);
    /* cancelling is for good (the worker is stopping): a stage that reaches
     * the API only afterwards (it was waiting on a cache lookup) sends
     * nothing and ends cancelled, failing no node */
    fake_reset(s);
    run_stage(rc, &sp->tf[0], v, 50, &r);
    CHECK(r.done_calls == 1 && r.rc == ERR_CANCELLED);
    size_t nf = 0;
    for (int i = 0; i < 50; i++) nf += r.fail[i] != NULL;
    CHECK(nf == 0);
    CHECK(stat_int(s, "requests", "/embeddings") == 0);
    run_free(&r);
    free_nodes(v, 50);
    spec_free(sp);
}

static void test_config_errors(stage_ctx *rc)
{
    unsetenv("OPENAI_API_KEY");
    spec_t *sp = parse_spec(EMBED_SPEC(""), "http://127.0.0.1:9/v1");
    node_t *v[2];
    mk_nodes(v, 2, "cfg");
    run r;
    run_stage(rc, &sp->tf[0], v, 2, &r);
    CHECK(r.rc == 0 && r.fail[0] && strstr(r.fail[0], "OPENAI_API_KEY is not set"));
    run_free(&r);
    spec_free(sp);
    setenv("OPENAI_API_KEY", SECRET, 1);
    /* unreachable server: transport errors are retried, then the nodes fail */
    sp = parse_spec(EMBED_SPEC(",\"max_retries\":1,\"timeout\":2"), "http://127.0.0.1:9/v1");
    run_stage(rc, &sp->tf[0], v, 2, &r);
    CHECK(r.fail[0] && strstr(r.fail[0], "transport error"));
    run_free(&r);
    spec_free(sp);
    free_nodes(v, 2);
}

/* --- rate limit through a real redis-server --- */

static int granted_n;
static void on_granted(rl_wait *w) { granted_n++; }
static void on_connect(const redisAsyncContext *c, int status) {}

static void test_ratelimit(void)
{
    char sock[128], dir[128];
    snprintf(sock, sizeof sock, "%s/redis.sock", tmpdir);
    snprintf(dir, sizeof dir, "%s", tmpdir);
    char *argv[] = {"redis-server", "--port", "0", "--unixsocket", sock, "--dir", dir, "--save",
                    "", "--appendonly", "no", NULL};
    pid_t rp = spawn(argv, NULL);
    CHECK(wait_file(sock) == 0);
    usleep(100000);
    redisAsyncContext *ac = redisAsyncConnectUnix(sock);
    CHECK(ac && !ac->err);
    redisLibevAttach(loop, ac);
    redisAsyncSetConnectCallback(ac, on_connect);
    rl_t *rl = rl_new(loop, ac, "http://x/v1", "m");
    rl_set_limits(rl, 2, 0);
    rl_wait w1, w2, w3;
    granted_n = 0;
    CHECK(rl_acquire(rl, &w1, 10, on_granted) == 0); /* asks Redis */
    CHECK(rl_acquire(rl, &w2, 10, on_granted) == 0);
    CHECK(rl_acquire(rl, &w3, 10, on_granted) == 0);
    ev_timer g;
    ev_timer_init(&g, guard_cb, 0.5, 0.);
    ev_timer_start(loop, &g);
    ev_run(loop, 0);
    CHECK(granted_n == 2); /* rpm 2: the window holds two, the third waits a minute */
    CHECK(w3.waiting == 1);
    rl_wait_cancel(&w3);
    CHECK(!strncmp(rl_key(rl), "ingest:ratelimit:", 17) && strlen(rl_key(rl)) == 17 + 16);
    /* tokens per minute over the sliding window: 60 fits, 50 more would not, 40 does */
    rl_t *rt = rl_new(loop, ac, "http://z/v1", "m");
    rl_set_limits(rt, 0, 100);
    rl_wait t1, t2, t3;
    granted_n = 0;
    CHECK(rl_acquire(rt, &t1, 60, on_granted) == 0);
    CHECK(rl_acquire(rt, &t2, 50, on_granted) == 0);
    CHECK(rl_acquire(rt, &t3, 40, on_granted) == 0);
    ev_timer_set(&g, 0.5, 0.);
    ev_timer_start(loop, &g);
    ev_run(loop, 0);
    CHECK(granted_n == 2 && t2.waiting == 1 && t3.waiting == 0);
    rl_wait_cancel(&t2);
    rl_free(rt);
    /* the script cache is emptied (Redis restart): EVALSHA gets NOSCRIPT, EVAL takes over */
    redisAsyncCommand(ac, NULL, NULL, "SCRIPT FLUSH");
    rl_t *rl2 = rl_new(loop, ac, "http://y/v1", "m");
    rl_set_limits(rl2, 1000, 0);
    granted_n = 0;
    CHECK(rl_acquire(rl2, &w1, 10, on_granted) == 0);
    ev_timer_set(&g, 0.5, 0.);
    ev_timer_start(loop, &g);
    ev_run(loop, 0);
    CHECK(granted_n == 1);
    rl_free(rl2);
    /* local fallback without Redis: same arithmetic */
    rl_t *lr = rl_new(loop, NULL, "http://x/v1", "m");
    rl_set_limits(lr, 0, 100);
    CHECK(rl_acquire(lr, &w1, 60, on_granted) == 1);
    CHECK(rl_acquire(lr, &w2, 60, on_granted) == 0);
    rl_wait_cancel(&w2);
    CHECK(rl_acquire(lr, &w2, 1000, on_granted) == 0); /* capped at tpm, still waits */
    rl_wait_cancel(&w2);
    rl_free(lr);
    rl_free(rl);
    redisAsyncFree(ac);
    stop(rp);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_remote PYTHON3 FAKE_OPENAI_PY\n");
        return 2;
    }
    py = argv[1], fake = argv[2];
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(tmpdir)) return 2;
    setenv("OPENAI_API_KEY", SECRET, 1);
    /* everything the stages log goes to a file we scan for the key */
    char logpath[128];
    snprintf(logpath, sizeof logpath, "%s/stderr.log", tmpdir);
    int saved = dup(2), lf = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(lf, 2);
    loop = EV_DEFAULT;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    server s;
    const char *extra[] = {"--reject-substring", "POISON", NULL};
    CHECK(start_fake(&s, "main", extra) == 0);
    stage_ctx *rc = stage_new(loop, NULL);
    CHECK(rc != NULL);
    test_embed_basic(rc, &s);
    test_embed_prepared(rc, &s);
    test_embed_float(rc);
    test_embed_retries(rc, &s);
    test_embed_rejects(rc, &s);
    test_title_keywords(rc, &s);
    test_extract_failure(rc, &s);
    test_questions_summary(rc, &s);
    test_azure_timeout(rc, &s);
    test_config_errors(rc);
    test_cancel(rc, &s); /* last: the context refuses new calls afterwards */
    stage_free(rc);
    test_ratelimit();
    stop(s.pid);
    /* the key never reaches the log, and the log did record the retries */
    fflush(stderr);
    dup2(saved, 2);
    FILE *f = fopen(logpath, "r");
    buf_t log;
    buf_init(&log, 0);
    char chunk[4096];
    size_t k;
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&log, chunk, k);
    if (f) fclose(f);
    CHECK(log.p && strstr(log.p, "event=remote_retry"));
    CHECK(log.p && !strstr(log.p, "ratelimit_redis_error")); /* Redis answered every time */
    CHECK(!log.p || !strstr(log.p, SECRET));
    CHECK(!log.p || !strstr(log.p, "NEVER-LOG"));
    if (t_fail && log.p) fputs(log.p, stderr);
    buf_free(&log);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) {}
    return t_done();
}
