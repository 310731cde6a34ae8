/* test_cache.c - cache keys (cachekey.c) and the cache value codec (cacheval.c). */
#include <stdlib.h>
#include <string.h>

#include "cachekey.h"
#include "cacheval.h"
#include "err.h"
#include "t.h"

static spec_t *parse(const char *js)
{
    char err[256];
    spec_t *s = spec_parse(js, strlen(js), err, sizeof err);
    if (!s) fprintf(stderr, "spec: %s\n", err);
    return s;
}

static void embed_key(const char *spec, const char *in, cachekey *k)
{
    spec_t *s = parse(spec);
    sha256_ctx st;
    cachekey_embed_init(&s->tf[0], &st);
    cachekey_embed(&st, in, strlen(in), k);
    spec_free(s);
}

#define E(extra) "{\"transformations\":[{\"class_name\":\"OpenAIEmbedding\"" extra "}]}"

static void test_embed_keys(void)
{
    cachekey a, b;
    embed_key(E(""), "hello world", &a);
    CHECK(!strncmp(a.key, "ingest:cache:e:", 15) && strlen(a.key) == 15 + 64);
    embed_key(E(",\"embed_batch_size\":7,\"timeout\":3,\"rpm\":10"), "hello world", &b);
    CHECK_STR(a.key, b.key); /* operational parameters do not matter */
    CHECK(!memcmp(a.tag, b.tag, 8));
    embed_key(E(",\"api_base\":\"https://api.openai.com/v1/\""), "hello world", &b);
    CHECK_STR(a.key, b.key);
    embed_key(E(""), "hello worlD", &b);
    CHECK(strcmp(a.key, b.key) != 0);
    embed_key(E(",\"dimensions\":256"), "hello world", &b);
    CHECK(strcmp(a.key, b.key) != 0);
    embed_key(E(",\"model_name\":\"text-embedding-3-small\""), "hello world", &b);
    CHECK(strcmp(a.key, b.key) != 0);
    embed_key(E(",\"api_base\":\"http://127.0.0.1:8000/v1\""), "hello world", &b);
    CHECK(strcmp(a.key, b.key) != 0);
    embed_key("{\"transformations\":[{\"class_name\":\"AzureOpenAIEmbedding\"}]}", "hello world", &b);
    CHECK_STR(a.key, b.key); /* Azure serves OpenAI's models */
    char fam[64];
    json_t *p = json_pack("{s:s}", "api_base", "HTTP://Local:1/v1/");
    cachekey_family(SPEC_API_OPENAI_LIKE, p, fam, sizeof fam);
    CHECK_STR(fam, "http://local:1/v1");
    json_decref(p);
}

static node_t *mk(const char *id, const char *text, const char *title)
{
    node_t *n = node_new(id, text, strlen(text));
    md_set_str(&n->md, "file_path", "/x/a.txt");
    if (title) md_set_str(&n->md, "document_title", title);
    return n;
}

static void test_doc_keys(void)
{
    spec_t *s = parse("{\"transformations\":[{\"class_name\":\"TitleExtractor\","
                      "\"llm\":{\"model\":\"m\",\"timeout\":5}}]}");
    spec_t *s2 = parse("{\"transformations\":[{\"class_name\":\"TitleExtractor\","
                       "\"llm\":{\"model\":\"m\",\"max_retries\":9},\"num_workers\":2}]}");
    spec_t *s3 = parse("{\"transformations\":[{\"class_name\":\"TitleExtractor\","
                       "\"llm\":{\"model\":\"m\",\"temperature\":0.5}}]}");
    char *p1 = cachekey_params(&s->tf[0]), *p2 = cachekey_params(&s2->tf[0]),
         *p3 = cachekey_params(&s3->tf[0]);
    CHECK_STR(p1, p2);
    CHECK(strcmp(p1, p3) != 0);
    CHECK(strstr(p1, "timeout") == NULL && strstr(p1, "\"family\":\"openai\"") != NULL);
    node_t *n[2] = {mk("a", "one", NULL), mk("b", "two", NULL)};
    cachekey k1, k2, k3;
    CHECK(cachekey_doc(&s->tf[0], p1, n, 2, &k1) == 0);
    CHECK(!strncmp(k1.key, "ingest:cache:d:", 15));
    cachekey_doc(&s2->tf[0], p2, n, 2, &k2);
    CHECK_STR(k1.key, k2.key);
    cachekey_doc(&s3->tf[0], p3, n, 2, &k3);
    CHECK(strcmp(k1.key, k3.key) != 0); /* a semantic parameter changed */
    md_set_str(&n[1]->md, "file_path", "/x/b.txt");
    cachekey_doc(&s->tf[0], p1, n, 2, &k2);
    CHECK(strcmp(k1.key, k2.key) != 0); /* metadata is content */
    cachekey_doc(&s->tf[0], p1, n, 1, &k3);
    CHECK(strcmp(k2.key, k3.key) != 0);
    node_free(n[0]), node_free(n[1]);
    free(p1), free(p2), free(p3);
    spec_free(s), spec_free(s2), spec_free(s3);
}

static void test_values(void)
{
    uint8_t tag[8] = {1, 2, 3, 4, 5, 6, 7, 8}, other[8] = {1, 2, 3, 4, 5, 6, 7, 9};
    float v[3] = {0.5f, -1.25f, 3.0f};
    buf_t b;
    buf_init(&b, 0);
    CHECK(cacheval_encode('e', tag, 1764000000, v, sizeof v, &b) == 0);
    CHECK(b.len == sizeof v + CACHEVAL_OVERHEAD);
    const char *p;
    size_t l;
    int64_t ts;
    CHECK(cacheval_decode(b.p, b.len, 'e', tag, &p, &l) == 0 && l == sizeof v && !memcmp(p, v, l));
    CHECK(cacheval_created(b.p, CACHEVAL_HEAD, &ts) == 0 && ts == 1764000000);
    CHECK(cacheval_decode(b.p, b.len, 'd', tag, &p, &l) == ERR_PARSE);   /* other kind */
    CHECK(cacheval_decode(b.p, b.len, 'e', other, &p, &l) == ERR_PARSE); /* other key */
    for (size_t cut = 0; cut < b.len; cut++) /* every truncation */
        CHECK(cacheval_decode(b.p, cut, 'e', tag, &p, &l) == ERR_PARSE);
    for (size_t i = 0; i < b.len; i++) { /* every single-bit flip */
        b.p[i] ^= 0x10;
        CHECK(cacheval_decode(b.p, b.len, 'e', tag, &p, &l) == ERR_PARSE);
        b.p[i] ^= 0x10;
    }
    CHECK(cacheval_decode("garbage", 7, 'e', tag, &p, &l) == ERR_PARSE);
    CHECK(cacheval_created("garbage-garbage-garbage", 23, &ts) == ERR_PARSE);
    buf_reset(&b);
    CHECK(cacheval_encode('d', tag, 0, "", 0, &b) == 0);
    CHECK(cacheval_decode(b.p, b.len, 'd', tag, &p, &l) == 0 && l == 0);
    buf_free(&b);
}

static void test_spec(void)
{
    spec_t *s = parse("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],"
                      "\"cache\":false,\"cache_ttl\":3600}");
    CHECK(s && !spec_cache_enabled(s) && spec_cache_ttl(s) == 3600);
    spec_free(s);
    s = parse("{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}]}");
    CHECK(s && spec_cache_enabled(s) && spec_cache_ttl(s) == -1);
    spec_free(s);
    char err[256];
    const char *bad[] = {"{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"cache\":1}",
                         "{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"cache_ttl\":-1}",
                         "{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"cache_ttl\":\"1h\"}"};
    for (size_t i = 0; i < 3; i++) CHECK(spec_parse(bad[i], strlen(bad[i]), err, sizeof err) == NULL);
#define DS(x) "{\"transformations\":[{\"class_name\":\"SentenceSplitter\"}],\"docstore\":" x "}"
    const char *st = NULL;
    s = parse(DS("{\"collection\":\"nightly\"}"));
    CHECK(s && !strcmp(spec_docstore(s, &st), "nightly") && !strcmp(st, "upserts"));
    spec_free(s);
    s = parse(DS("{\"collection\":\"n\",\"strategy\":\"upserts_and_delete\"}"));
    CHECK(s && !strcmp(spec_docstore(s, &st), "n") && !strcmp(st, "upserts_and_delete"));
    spec_free(s);
    const char *bad_ds[] = {DS("{\"collection\":\"a:b\"}"), DS("{\"strategy\":\"upserts\"}"),
                            DS("{\"collection\":\"n\",\"strategy\":\"sometimes\"}"),
                            DS("{\"collection\":\"n\",\"store\":1}"), DS("\"n\"")};
    for (size_t i = 0; i < 5; i++) CHECK(spec_parse(bad_ds[i], strlen(bad_ds[i]), err, sizeof err) == NULL);
}

int main(void)
{
    test_embed_keys();
    test_doc_keys();
    test_values();
    test_spec();
    return t_done();
}
