/* cachekey.c - cache entry names (see cachekey.h).  Pure. */
#include "cachekey.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "wire.h"

/* Parameters that change how a result is fetched, never what it is. */
static const char *const operational[] = {"timeout",    "max_retries", "max_concurrency",
                                          "rpm",        "tpm",         "num_workers",
                                          "embed_batch_size", "api_base", "api_version",
                                          "azure_endpoint"};

void cachekey_family(spec_api api, const json_t *params, char *out, size_t outlen)
{
    const char *base = json_string_value(json_object_get(params, "api_base"));
    if (!base) base = "";
    size_t n = strlen(base);
    while (n && base[n - 1] == '/') n--;
    if (api == SPEC_API_AZURE || (n == 25 && !strncmp(base, "https://api.openai.com/v1", 25))) {
        snprintf(out, outlen, "openai");
        return;
    }
    if (n >= outlen) n = outlen - 1;
    for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)base[i]);
    out[n] = 0;
}

static void put_field(sha256_ctx *st, const char *s, size_t len)
{
    uint8_t l[8];
    for (int i = 0; i < 8; i++) l[i] = (uint8_t)((uint64_t)len >> (8 * i));
    sha256_update(st, l, 8); /* length-prefixed: no two field lists hash alike */
    sha256_update(st, s, len);
}

static void put_str(sha256_ctx *st, const char *s) { put_field(st, s ? s : "", s ? strlen(s) : 0); }

static void finish(sha256_ctx *st, char kind, cachekey *out)
{
    uint8_t d[32];
    char hex[65];
    sha256_final(st, d);
    sha256_to_hex(d, hex);
    memcpy(out->tag, d, sizeof out->tag);
    snprintf(out->key, sizeof out->key, CACHEKEY_PREFIX "%c:%s", kind, hex);
}

void cachekey_embed_init(const spec_tf *tf, sha256_ctx *st)
{
    char fam[256], v[32], dims[32];
    cachekey_family((spec_api)tf->variant, tf->params, fam, sizeof fam);
    snprintf(v, sizeof v, "ingest-embed/%d", CACHEKEY_VERSION);
    json_t *d = spec_get(tf, "dimensions");
    snprintf(dims, sizeof dims, "%lld", json_is_integer(d) ? (long long)json_integer_value(d) : 0LL);
    sha256_init(st);
    put_str(st, v);
    put_str(st, fam);
    put_str(st, spec_str(tf, "model_name"));
    put_str(st, spec_str(tf, "azure_deployment")); /* Azure: the deployment picks the model */
    put_str(st, dims);
}

void cachekey_embed(const sha256_ctx *st, const char *input, size_t len, cachekey *out)
{
    sha256_ctx c = *st;
    put_field(&c, input, len);
    finish(&c, 'e', out);
}

static void strip_operational(json_t *o, spec_api api)
{
    if (!json_is_object(o)) return;
    char fam[256];
    cachekey_family(api, o, fam, sizeof fam);
    for (size_t i = 0; i < sizeof operational / sizeof *operational; i++) json_object_del(o, operational[i]);
    if (json_object_get(o, "model") || json_object_get(o, "model_name"))
        json_object_set_new(o, "family", json_string(fam));
}

char *cachekey_params(const spec_tf *tf)
{
    json_t *p = json_deep_copy(tf->params);
    if (!p) return NULL;
    /* an embedding's own API; other kinds have no model of their own */
    strip_operational(p, tf->kind == SPEC_KIND_EMBED ? (spec_api)tf->variant : SPEC_API_OPENAI_LIKE);
    json_t *llm = json_object_get(p, "llm");
    const char *lc = json_string_value(json_object_get(llm, "class_name"));
    strip_operational(llm, spec_llm_api(lc ? lc : "OpenAI"));
    char *s = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(p);
    return s;
}

int cachekey_doc(const spec_tf *tf, const char *params, node_t *const *nodes, size_t n,
                 cachekey *out)
{
    buf_t b;
    buf_init(&b, 0);
    int rc = wire_nodes_encode(nodes, n, &b);
    if (rc) {
        buf_free(&b);
        return rc;
    }
    char v[32];
    snprintf(v, sizeof v, "ingest-doc/%d", CACHEKEY_VERSION);
    sha256_ctx st;
    sha256_init(&st);
    put_str(&st, v);
    put_str(&st, tf->class_name);
    put_str(&st, params);
    put_field(&st, b.p ? b.p : "", b.len);
    buf_free(&b);
    finish(&st, 'd', out);
    return 0;
}
