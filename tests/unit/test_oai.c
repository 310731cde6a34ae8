/* test_oai.c - worker/oai.c: request JSON, response parsing (base64 and
 * float), hostile and truncated responses, Retry-After, backoff bounds,
 * SafeFormatter prompts. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "oai.h"
#include "t.h"

static void test_json_str(void)
{
    buf_t b;
    buf_init(&b, 0);
    CHECK(oai_json_str(&b, "a\"b\\c\nd\x01\xc3\xa9", 10) == 0);
    CHECK_STR(b.p, "\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9\"");
    buf_free(&b);
}

static void test_embed_input(void)
{
    buf_t b;
    buf_init(&b, 0);
    CHECK(oai_embed_input("file_path: a\n\nline1\nline2\r\n", 27, &b) == 0);
    CHECK_STR(b.p, "file_path: a  line1 line2\r ");
    buf_free(&b);
    CHECK(oai_embed_token_limit("text-embedding-3-small") == 8191);
    CHECK(oai_embed_token_limit("text-embedding-ada-002") == 8191);
    CHECK(oai_embed_token_limit("my-local-model") == 0);
}

static void test_embed_request(void)
{
    const char *in[] = {"hello", "wo\"rld"};
    size_t lens[] = {5, 6};
    buf_t b;
    buf_init(&b, 0);
    CHECK(oai_embed_request("text-embedding-3-small", in, lens, 2, 256, 1, &b) == 0);
    json_t *j = json_loads(b.p, 0, NULL);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_array_get(json_object_get(j, "input"), 1)), "wo\"rld");
    CHECK_STR(json_string_value(json_object_get(j, "model")), "text-embedding-3-small");
    CHECK_STR(json_string_value(json_object_get(j, "encoding_format")), "base64");
    CHECK(json_integer_value(json_object_get(j, "dimensions")) == 256);
    json_decref(j);
    buf_reset(&b);
    CHECK(oai_embed_request("m", in, lens, 1, 0, 0, &b) == 0);
    CHECK_STR(b.p, "{\"input\":[\"hello\"],\"model\":\"m\",\"encoding_format\":\"float\"}");
    buf_free(&b);
    buf_t small;
    buf_init(&small, 10);
    CHECK(oai_embed_request("m", in, lens, 2, 0, 0, &small) == ERR_TOOBIG);
    buf_free(&small);
}

static void test_b64(void)
{
    uint8_t out[16];
    size_t n = 0;
    CHECK(oai_b64_decode("AACAPwAAAMA=", 12, out, sizeof out, &n) == 0 && n == 8);
    float f[2];
    memcpy(f, out, 8); /* test host is little-endian x86/arm */
    CHECK(f[0] == 1.0f && f[1] == -2.0f);
    CHECK(oai_b64_decode("QQ", 2, out, sizeof out, &n) == 0 && n == 1 && out[0] == 'A');
    CHECK(oai_b64_decode("QUI", 3, out, sizeof out, &n) == 0 && n == 2 && out[1] == 'B');
    CHECK(oai_b64_decode("Q", 1, out, sizeof out, &n) == ERR_PARSE);
    CHECK(oai_b64_decode("QU!=", 4, out, sizeof out, &n) == ERR_PARSE);
    CHECK(oai_b64_decode("AAAAAAAAAAAA", 12, out, 8, &n) == ERR_TOOBIG);
}

static int parse(const char *body, size_t n, float **v, uint32_t *dim, uint64_t *tok)
{
    char err[128];
    return oai_embed_parse(body, strlen(body), n, 0, v, dim, tok, err, sizeof err);
}

static void test_embed_parse(void)
{
    float *v = NULL;
    uint32_t dim = 0;
    uint64_t tok = 0;
    /* out-of-order indices, base64: [1,-2] and [0.5, 4] */
    const char *ok = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":1,"
                     "\"embedding\":\"AAAAPwAAgEA=\"},{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"}],"
                     "\"model\":\"m\",\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7}}";
    CHECK(parse(ok, 2, &v, &dim, &tok) == 0);
    CHECK(dim == 2 && tok == 7);
    CHECK(v && v[0] == 1.0f && v[1] == -2.0f && v[2] == 0.5f && v[3] == 4.0f);
    free(v);
    /* float arrays */
    const char *fl = "{\"data\":[{\"index\":0,\"embedding\":[0.25,-1e-3,3]}]}";
    CHECK(parse(fl, 1, &v, &dim, &tok) == 0);
    CHECK(dim == 3 && tok == 0 && v[0] == 0.25f && v[1] == (float)-1e-3 && v[2] == 3.0f);
    free(v);
    char err[128];
    CHECK(oai_embed_parse(fl, strlen(fl), 1, 4, &v, &dim, &tok, err, sizeof err) == ERR_PARSE);
    CHECK(v == NULL);
    /* hostile responses */
    const char *bad[] = {
        "",
        "[]",
        "{\"data\":[]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"}",           /* truncated */
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"}]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":2,\"embedding\":\"AACAPwAAAMA=\"}]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":1,\"embedding\":\"AACAPw==\"}]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPw!AAMA=\"},{\"index\":1,\"embedding\":\"AACAPwAAAMA=\"}]}",
        "{\"data\":[{\"index\":-1,\"embedding\":[1]},{\"index\":1,\"embedding\":[1]}]}",
        "{\"data\":[{\"index\":\"0\",\"embedding\":[1]},{\"index\":1,\"embedding\":[1]}]}",
        "{\"data\":[{\"index\":0,\"embedding\":[1,\"x\"]},{\"index\":1,\"embedding\":[1,2]}]}",
        "{\"data\":[{\"index\":0,\"embedding\":[]},{\"index\":1,\"embedding\":[]}]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AAA\"},{\"index\":1,\"embedding\":\"AAA\"}]}",
        "{\"data\":[{\"index\":0,\"embedding\":null},{\"index\":1}]}",
        "{\"data\":{\"index\":0}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        v = (float *)1;
        int rc = parse(bad[i], 2, &v, &dim, &tok);
        CHECK(rc == ERR_PARSE);
        CHECK(v == NULL);
        if (rc != ERR_PARSE) fprintf(stderr, "  case %zu\n", i);
    }
}

static void test_chat(void)
{
    buf_t b;
    buf_init(&b, 0);
    CHECK(oai_chat_request("gpt-3.5-turbo", 0.1, 0, "Hi \"x\"\n", 7, &b) == 0);
    json_t *j = json_loads(b.p, 0, NULL);
    CHECK(j != NULL);
    json_t *m = json_array_get(json_object_get(j, "messages"), 0);
    CHECK_STR(json_string_value(json_object_get(m, "role")), "user");
    CHECK_STR(json_string_value(json_object_get(m, "content")), "Hi \"x\"\n");
    CHECK(json_real_value(json_object_get(j, "temperature")) == 0.1);
    CHECK(json_object_get(j, "max_tokens") == NULL);
    CHECK(json_is_false(json_object_get(j, "stream")));
    json_decref(j);
    buf_reset(&b);
    CHECK(oai_chat_request("m", 0, 50, "x", 1, &b) == 0);
    CHECK(strstr(b.p, "\"max_tokens\":50") != NULL);
    buf_free(&b);

    char *c = NULL, err[128];
    uint64_t tok = 0;
    const char *ok = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                     "\"content\":\"A Title\"}}],\"usage\":{\"prompt_tokens\":12}}";
    CHECK(oai_chat_parse(ok, strlen(ok), &c, &tok, err, sizeof err) == 0);
    CHECK_STR(c, "A Title");
    CHECK(tok == 12);
    free(c);
    const char *nul = "{\"choices\":[{\"message\":{\"content\":null}}]}";
    CHECK(oai_chat_parse(nul, strlen(nul), &c, &tok, err, sizeof err) == 0);
    CHECK_STR(c, "");
    free(c);
    const char *bad[] = {"{\"choices\":[]}", "{\"choices\":[{\"message\":{\"content\":5}}]}",
                         "{\"choices\":[{\"message\":{\"content\":\"x\"", "null"};
    for (size_t i = 0; i < 4; i++) {
        CHECK(oai_chat_parse(bad[i], strlen(bad[i]), &c, &tok, err, sizeof err) == ERR_PARSE);
        CHECK(c == NULL);
    }
}

static void test_errors(void)
{
    char out[512];
    const char *e = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                    "\"param\":null,\"code\":\"rate_limit_exceeded\"}}";
    oai_error_text(429, e, strlen(e), out, sizeof out);
    CHECK_STR(out, "HTTP 429: Rate limit reached (requests, rate_limit_exceeded)");
    oai_error_text(502, "<html>\nBad gateway</html>", 25, out, sizeof out);
    CHECK_STR(out, "HTTP 502: <html> Bad gateway</html>");
    oai_error_text(400, NULL, 0, out, sizeof out);
    CHECK_STR(out, "HTTP 400: ");
    oai_error_text(400, e, strlen(e), out, 10);
    CHECK(strlen(out) == 9);
    CHECK(oai_status_retryable(429) && oai_status_retryable(500) && oai_status_retryable(503));
    CHECK(oai_status_retryable(408) && !oai_status_retryable(400) && !oai_status_retryable(401));
    CHECK(!oai_status_retryable(200) && !oai_status_retryable(404));
}

static void test_retry_after(void)
{
    time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
    CHECK(oai_retry_after(NULL, NULL, now) == -1);
    CHECK(oai_retry_after("1500", "2", now) == 1.5);
    CHECK(oai_retry_after(NULL, "2", now) == 2.0);
    CHECK(oai_retry_after(NULL, " 0.25 ", now) == 0.25);
    CHECK(oai_retry_after("bogus", "3", now) == 3.0);
    CHECK(oai_retry_after(NULL, "-1", now) == -1);
    CHECK(oai_retry_after(NULL, "abc", now) == -1);
    CHECK(oai_retry_after(NULL, "nan", now) == -1);
    CHECK(oai_retry_after(NULL, "100000", now) == OAI_MAX_RETRY_AFTER);
    CHECK(oai_retry_after(NULL, "Tue, 14 Nov 2023 22:13:30 GMT", now) == 10.0);
    CHECK(oai_retry_after(NULL, "Tue, 14 Nov 2023 22:13:00 GMT", now) == 0.0);
    CHECK(oai_retry_after(NULL, "Tue, 14 Nov 2023 22:13:30 GMT junk", now) == -1);
}

static void test_backoff(void)
{
    for (unsigned a = 0; a < 70; a++) {
        double lo = oai_backoff(a, 0.5, 20, 0), hi = oai_backoff(a, 0.5, 20, 0.999999);
        double cap = fmin(20, 0.5 * pow(2, a > 60 ? 60 : a));
        CHECK(lo == 0);
        CHECK(hi <= cap && hi > cap * 0.99);
    }
    CHECK(oai_backoff(3, 1, 20, 0.5) == 4.0);
    CHECK(oai_backoff(3, 1, 20, 7) < 8.0);
    CHECK(oai_backoff(3, 1, 20, -1) == 0);
}

static void test_format(void)
{
    const char *k[] = {"context_str", "keywords"};
    const char *v[] = {"CTX {keywords}", "5"};
    buf_t b;
    buf_init(&b, 0);
    CHECK(oai_format("{context_str}. Give {keywords} {other} {{context_str}} { } {} {a{b}", k, v,
                     2, &b) == 0);
    CHECK_STR(b.p, "CTX {keywords}. Give 5 {other} {CTX {keywords}} { } {} {a{b}");
    buf_reset(&b);
    CHECK(oai_format("", k, v, 2, &b) == 0 && b.len == 0);
    CHECK(oai_format("tail {context_str", k, v, 2, &b) == 0);
    CHECK_STR(b.p, "tail {context_str");
    buf_free(&b);
}

/* The jscan fast path against the jansson reference: the same answer (code,
 * dimension, tokens, every float) on valid responses in several shapes and
 * on every truncation and seeded mutation of them. */
static int same_answer(const char *body, size_t len, size_t n)
{
    float *a = NULL, *b = NULL;
    uint32_t da = 0, db = 0;
    uint64_t ta = 0, tb = 0;
    char err[128];
    int ra = oai_embed_parse(body, len, n, 0, &a, &da, &ta, err, sizeof err);
    int rb = oai_embed_parse_tree(body, len, n, 0, &b, &db, &tb, err, sizeof err);
    int same = ra == rb && da == db && ta == tb && !a == !b &&
               (!a || !memcmp(a, b, (size_t)n * da * sizeof *a));
    if (!same && getenv("T_VERBOSE"))
        fprintf(stderr, "differ (%d/%d dim %u/%u tok %llu/%llu): %.*s\n", ra, rb, da, db,
                (unsigned long long)ta, (unsigned long long)tb, (int)len, body);
    free(a);
    free(b);
    return same;
}

static void test_fast_path(void)
{
    const char *shapes[] = {
        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":1,\"embedding\":"
        "\"AAAAPwAAgEA=\"},{\"object\":\"embedding\",\"index\":0,\"embedding\":\"AACAPwAAAMA=\"}],"
        "\"model\":\"text-embedding-ada-002\",\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7}}",
        " { \"usage\" : { \"total_tokens\" : 1e3 , \"prompt_tokens\" : 12 } ,\n\t\"data\" : [ {"
        " \"embedding\" : \"AACAPwAAAMA\" } , { \"embedding\" : \"AAAAPwAAgEA\" , \"x\" : [null,true,"
        "false,{\"y\":-0.5e-3}] } ] } ",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":1,\"index\":0,"
        "\"embedding\":\"AACAPwAAAMA=\"}]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":1,\"embedding\":"
        "\"AACAPwAAAMA=\"}],\"data\":[]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":1,\"embedding\":"
        "[1,2]}],\"model\":\"caf\\u00e9\",\"usage\":{\"prompt_tokens\":9007199254740993}}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":1.0,\"embedding\":"
        "\"AACAPwAAAMA=\"}],\"usage\":[1]}",
        "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"},{\"index\":1,\"embedding\":"
        "\"AACAPwAAAMA=\"}],\"usage\":{\"prompt_tokens\":-4}} x",
    };
    int bad = 0;
    uint32_t rng = 777;
    char buf[512];
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        size_t len = strlen(shapes[k]);
        CHECK(len < sizeof buf);
        bad += !same_answer(shapes[k], len, 2);
        for (size_t cut = 0; cut < len; cut++) bad += !same_answer(shapes[k], cut, 2);
        for (int it = 0; it < 3000; it++) {
            memcpy(buf, shapes[k], len);
            for (int m = 0; m < 1 + it % 3; m++) {
                rng = rng * 1103515245u + 12345u;
                buf[(rng >> 8) % len] = "\"{}[],:0-e.\\ AQ=x\x01\xc3"[(rng >> 20) % 19];
            }
            bad += !same_answer(buf, len, 2);
        }
    }
    CHECK(bad == 0);
    float *v = NULL;
    uint32_t dim = 0;
    uint64_t tok = 0;
    char err[128];
    CHECK(oai_embed_parse(shapes[1], strlen(shapes[1]), 2, 0, &v, &dim, &tok, err, sizeof err) == 0);
    CHECK(dim == 2 && tok == 12 && v && v[0] == 1.0f && v[3] == 4.0f);
    free(v);
}

/* Every truncation and seeded byte mutations of valid responses: parsers
 * must answer 0 with sane output or ERR_PARSE, never crash (ASan build). */
static void test_mutations(void)
{
    const char *emb = "{\"data\":[{\"index\":1,\"embedding\":\"AAAAPwAAgEA=\"},{\"index\":0,"
                      "\"embedding\":[1.5,-2]}],\"usage\":{\"prompt_tokens\":3}}";
    const char *chat = "{\"choices\":[{\"message\":{\"content\":\"T\\u00e9 \\\"x\\\"\"}}],"
                       "\"usage\":{\"prompt_tokens\":2}}";
    size_t el = strlen(emb), cl = strlen(chat);
    char buf[256], err[128], out[512];
    int bad = 0;
    uint32_t rng = 12345;
    for (int it = 0; it < 4000; it++) {
        const char *src = it & 1 ? chat : emb;
        size_t len = it & 1 ? cl : el;
        memcpy(buf, src, len);
        if (it < 2 * (int)len) {
            len = (size_t)it / 2; /* every truncation */
        } else {
            for (int k = 0; k < 3; k++) {
                rng = rng * 1103515245u + 12345u;
                buf[(rng >> 8) % len] = (char)(rng >> 20);
            }
        }
        float *v = NULL;
        uint32_t dim = 0;
        uint64_t tok = 0;
        char *c = NULL;
        int rc = it & 1 ? oai_chat_parse(buf, len, &c, &tok, err, sizeof err)
                        : oai_embed_parse(buf, len, 2, 0, &v, &dim, &tok, err, sizeof err);
        if (rc && (rc != ERR_PARSE || v || c)) bad++;
        if (!rc && !(it & 1) && (!v || dim == 0 || dim > 65536)) bad++;
        if (!rc && (it & 1) && !c) bad++;
        free(v);
        free(c);
        oai_error_text(500, buf, len, out, sizeof out);
        if (strlen(out) >= sizeof out) bad++;
        buf[len < sizeof buf ? len : sizeof buf - 1] = 0;
        (void)oai_retry_after(buf, buf, 0);
    }
    CHECK(bad == 0);
}

int main(void)
{
    test_json_str();
    test_embed_input();
    test_embed_request();
    test_b64();
    test_embed_parse();
    test_fast_path();
    test_chat();
    test_errors();
    test_retry_after();
    test_backoff();
    test_format();
    test_mutations();
    return t_done();
}
