/* oai.c - OpenAI API request building and response parsing (pure).
 *
 * Requests are written by hand into a buf_t (no intermediate JSON tree: an
 * embeddings request carries up to 2048 inputs of several KB each).
 * Responses are parsed with jansson and checked field by field; nothing from
 * the network is trusted (see oai.h).  Owns nothing beyond its outputs. */
#include "oai.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "jscan.h"

int oai_json_str(buf_t *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    int rc = buf_reserve(out, len + 2);
    if (!rc) rc = buf_putc(out, '"');
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        rc = buf_append(out, s + i - run, run);
        run = 0;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
        }
        if (!rc) rc = buf_puts(out, esc);
    }
    if (!rc) rc = buf_append(out, s + len - run, run);
    if (!rc) rc = buf_putc(out, '"');
    return rc;
}

int oai_embed_input(const char *s, size_t len, buf_t *out)
{
    size_t at = out->len;
    int rc = buf_append(out, s, len);
    for (char *p = rc ? NULL : out->p + at; p && (p = memchr(p, '\n', out->p + out->len - p)); p++)
        *p = ' ';
    return rc;
}

size_t oai_embed_token_limit(const char *model)
{
    static const char *const known[] = {"text-embedding-ada-002", "text-embedding-3-small",
                                        "text-embedding-3-large"};
    for (size_t i = 0; model && i < sizeof known / sizeof *known; i++)
        if (!strcmp(model, known[i])) return 8191;
    return 0;
}

int oai_embed_request(const char *model, const char *const *inputs, const size_t *lens, size_t n,
                      int64_t dimensions, int base64, buf_t *out)
{
    int rc = buf_puts(out, "{\"input\":[");
    for (size_t i = 0; i < n && !rc; i++) {
        if (i) rc = buf_putc(out, ',');
        if (!rc) rc = oai_json_str(out, inputs[i], lens[i]);
    }
    if (!rc) rc = buf_puts(out, "],\"model\":");
    if (!rc) rc = oai_json_str(out, model, strlen(model));
    if (!rc) rc = buf_printf(out, ",\"encoding_format\":\"%s\"", base64 ? "base64" : "float");
    if (!rc && dimensions > 0) rc = buf_printf(out, ",\"dimensions\":%lld", (long long)dimensions);
    if (!rc) rc = buf_putc(out, '}');
    return rc;
}

/* 1 + the value of each base64 character; 0 for anything else. */
static const uint8_t b64_tab[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
    ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
    ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29,
    ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
    ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
    ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
    ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static int b64_val(unsigned char c) { return (int)b64_tab[c] - 1; }

int oai_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
    while (len && s[len - 1] == '=') len--;
    if (len % 4 == 1) return ERR_PARSE;
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > cap) return ERR_TOOBIG;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    for (; i + 4 <= len; i += 4) { /* whole quads: no per-character branches */
        int a = b64_val(u[i]), b = b64_val(u[i + 1]), c = b64_val(u[i + 2]), d = b64_val(u[i + 3]);
        if ((a | b | c | d) < 0) return ERR_PARSE;
        uint32_t acc = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(acc >> 16), out[o++] = (uint8_t)(acc >> 8), out[o++] = (uint8_t)acc;
    }
    uint32_t acc = 0;
    for (; i < len; i++) {
        int v = b64_val(u[i]);
        if (v < 0) return ERR_PARSE;
        acc = acc << 6 | (uint32_t)v;
    }
    if (len % 4 == 2) out[o++] = (uint8_t)(acc >> 4);
    if (len % 4 == 3) out[o++] = (uint8_t)(acc >> 10), out[o++] = (uint8_t)(acc >> 2);
    *outlen = o;
    return 0;
}

static float f32_le(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Floats in a base64 embedding of l characters, padding optional; 0 when
 * the bytes are not whole float32s. */
static size_t b64_dim(const char *s, size_t l)
{
    while (l && s[l - 1] == '=') l--;
    size_t bytes = l / 4 * 3 + (l % 4 ? l % 4 - 1 : 0);
    return bytes % 4 ? 0 : bytes / 4;
}

/* Exactly dim little-endian float32s from base64 into dst; 0 or ERR_PARSE. */
static int b64_floats(const char *s, size_t l, float *dst, size_t dim)
{
    size_t got = 0;
    if (oai_b64_decode(s, l, (uint8_t *)dst, dim * 4, &got) || got != dim * 4) return ERR_PARSE;
    for (size_t k = 0; k < dim; k++) dst[k] = f32_le((const uint8_t *)&dst[k]);
    return 0;
}

/* A dimension di is acceptable after d (0: the first) and the expected one. */
static int dim_ok(size_t di, size_t d, uint32_t expect_dim)
{
    return di && di <= 65536 && (!d || di == d) && (!expect_dim || di == expect_dim);
}

/* Dimension of one embedding value (string: base64, array: numbers); 0 if invalid. */
static size_t emb_dim(json_t *e)
{
    if (json_is_array(e)) return json_array_size(e);
    return json_is_string(e) ? b64_dim(json_string_value(e), json_string_length(e)) : 0;
}

/* Writes one embedding value (dim floats) to dst; 0 or ERR_PARSE. */
static int emb_decode(json_t *e, float *dst, size_t dim)
{
    if (json_is_array(e)) {
        for (size_t k = 0; k < dim; k++) {
            json_t *x = json_array_get(e, k);
            if (!json_is_number(x)) return ERR_PARSE;
            dst[k] = (float)json_number_value(x);
        }
        return 0;
    }
    return b64_floats(json_string_value(e), json_string_length(e), dst, dim);
}

static int fail(char *err, size_t el, const char *msg)
{
    if (el) snprintf(err, el, "%s", msg);
    return ERR_PARSE;
}

static uint64_t usage_tokens(json_t *root)
{
    json_t *t = json_object_get(json_object_get(root, "usage"), "prompt_tokens");
    return json_is_integer(t) && json_integer_value(t) > 0 ? (uint64_t)json_integer_value(t) : 0;
}

static int embed_fill(json_t *data, size_t n, uint32_t expect_dim, float **vecs, uint32_t *dim,
                      char *err, size_t el)
{
    if (!json_is_array(data) || json_array_size(data) != n)
        return fail(err, el, "response 'data' is not an array of one item per input");
    size_t d = 0;
    float *v = NULL;
    unsigned char *seen = calloc(n ? n : 1, 1);
    int rc = seen ? 0 : ERR_NOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *item = json_array_get(data, i), *ix = json_object_get(item, "index");
        json_t *e = json_object_get(item, "embedding");
        size_t at = ix ? (size_t)json_integer_value(ix) : i;
        size_t di = emb_dim(e);
        if ((ix && (!json_is_integer(ix) || json_integer_value(ix) < 0)) || at >= n || seen[at])
            rc = fail(err, el, "response item has a missing, duplicate or out-of-range index");
        else if (!dim_ok(di, d, expect_dim))
            rc = fail(err, el, "response embedding has an invalid or inconsistent dimension");
        else if (!d && !(v = malloc(n * di * sizeof *v)))
            rc = ERR_NOMEM;
        else {
            d = di;
            seen[at] = 1;
            if (emb_decode(e, v + at * d, d)) rc = fail(err, el, "response embedding is malformed");
        }
    }
    free(seen);
    if (rc) {
        free(v);
        return rc;
    }
    *vecs = v;
    *dim = (uint32_t)d;
    return 0;
}

/* --- the fast path: jscan over the usual response shape ---
 * {"object":"list","data":[{"object":"embedding","index":I,"embedding":"<b64>"},...],
 *  "model":M,"usage":{"prompt_tokens":T,...}} in any key order.  Anything
 * else (float arrays, escapes, duplicate keys, any error at all) gives
 * ERR_PARSE and oai_embed_parse_tree decides, so both give the same answers. */
typedef struct fast_emb {
    size_t n, d;
    uint32_t expect_dim;
    float *v;
    unsigned char *seen;
} fast_emb;

static int is_key(const char *k, size_t kl, const char *want)
{
    return kl == strlen(want) && !memcmp(k, want, kl);
}

/* Decodes item i's base64 embedding b64[0..bl) into its place. */
static int fast_place(fast_emb *f, size_t at, const char *b64, size_t bl)
{
    size_t d = b64_dim(b64, bl);
    if (at >= f->n || f->seen[at] || !dim_ok(d, f->d, f->expect_dim)) return ERR_PARSE;
    if (!f->v && !(f->v = malloc(f->n * d * sizeof *f->v))) return ERR_PARSE;
    f->d = d;
    if (b64_floats(b64, bl, f->v + at * d, d)) return ERR_PARSE;
    f->seen[at] = 1;
    return 0;
}

/* One data item: its "index" (default: its position i) and "embedding". */
static int fast_item(jscan *s, fast_emb *f, size_t i)
{
    int first = 1, is_int = 1, have_ix = 0, rc;
    const char *k, *b64 = NULL;
    size_t kl, bl = 0;
    int64_t ix = (int64_t)i;
    if (jscan_char(s, '{')) return ERR_PARSE;
    while ((rc = jscan_member(s, &first, &k, &kl)) > 0) {
        if (is_key(k, kl, "index")) rc = have_ix++ || jscan_num(s, &ix, &is_int) || !is_int;
        else if (is_key(k, kl, "embedding")) rc = b64 || jscan_str(s, &b64, &bl);
        else rc = jscan_skip(s);
        if (rc) return ERR_PARSE;
    }
    return rc || !b64 || ix < 0 ? ERR_PARSE : fast_place(f, (size_t)ix, b64, bl);
}

static int fast_data(jscan *s, fast_emb *f)
{
    int first = 1, rc;
    size_t i = 0;
    if (jscan_char(s, '[')) return ERR_PARSE;
    while ((rc = jscan_elem(s, &first)) > 0)
        if (i >= f->n || fast_item(s, f, i++)) return ERR_PARSE;
    return rc || i != f->n ? ERR_PARSE : 0;
}

/* usage.prompt_tokens as usage_tokens() reads it: a positive integer, else 0. */
static int fast_usage(jscan *s, uint64_t *tokens)
{
    int first = 1, is_int, seen = 0, rc;
    const char *k;
    size_t kl;
    int64_t t;
    if (jscan_char(s, '{')) return jscan_skip(s); /* not an object: no tokens */
    while ((rc = jscan_member(s, &first, &k, &kl)) > 0) {
        if (!is_key(k, kl, "prompt_tokens")) rc = jscan_skip(s);
        else if (!(rc = seen++ || jscan_num(s, &t, &is_int))) *tokens = is_int && t > 0 ? (uint64_t)t : 0;
        if (rc) return ERR_PARSE;
    }
    return rc;
}

static int fast_root(jscan *s, fast_emb *f, uint64_t *tokens)
{
    int first = 1, have_data = 0, have_usage = 0, rc;
    const char *k;
    size_t kl;
    if (jscan_char(s, '{')) return ERR_PARSE;
    while ((rc = jscan_member(s, &first, &k, &kl)) > 0) {
        if (is_key(k, kl, "data")) rc = have_data++ || fast_data(s, f);
        else if (is_key(k, kl, "usage")) rc = have_usage++ || fast_usage(s, tokens);
        else rc = jscan_skip(s);
        if (rc) return ERR_PARSE;
    }
    return rc || !have_data || jscan_end(s) ? ERR_PARSE : 0;
}

static int embed_fast(const char *body, size_t len, size_t n, uint32_t expect_dim, float **vecs,
                      uint32_t *dim, uint64_t *tokens)
{
    fast_emb f = {.n = n, .expect_dim = expect_dim, .seen = calloc(n, 1)};
    jscan s;
    jscan_init(&s, body, len);
    uint64_t t = 0;
    int rc = f.seen ? fast_root(&s, &f, &t) : ERR_NOMEM;
    free(f.seen);
    if (rc) {
        free(f.v);
        return rc;
    }
    *vecs = f.v;
    *dim = (uint32_t)f.d;
    *tokens = t;
    return 0;
}

int oai_embed_parse(const char *body, size_t len, size_t n, uint32_t expect_dim, float **vecs,
                    uint32_t *dim, uint64_t *tokens, char *err, size_t errlen)
{
    *vecs = NULL;
    *dim = 0;
    *tokens = 0;
    if (n && !embed_fast(body, len, n, expect_dim, vecs, dim, tokens)) return 0;
    return oai_embed_parse_tree(body, len, n, expect_dim, vecs, dim, tokens, err, errlen);
}

int oai_embed_parse_tree(const char *body, size_t len, size_t n, uint32_t expect_dim, float **vecs,
                         uint32_t *dim, uint64_t *tokens, char *err, size_t errlen)
{
    *vecs = NULL;
    *dim = 0;
    *tokens = 0;
    if (!n) return fail(err, errlen, "no inputs");
    json_t *root = json_loadb(body, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return fail(err, errlen, "response is not a JSON object");
    }
    int rc = embed_fill(json_object_get(root, "data"), n, expect_dim, vecs, dim, err, errlen);
    if (!rc) *tokens = usage_tokens(root);
    json_decref(root);
    return rc;
}

int oai_chat_request(const char *model, double temperature, int64_t max_tokens,
                     const char *prompt, size_t plen, buf_t *out)
{
    int rc = buf_puts(out, "{\"messages\":[{\"role\":\"user\",\"content\":");
    if (!rc) rc = oai_json_str(out, prompt, plen);
    if (!rc) rc = buf_puts(out, "}],\"model\":");
    if (!rc) rc = oai_json_str(out, model, strlen(model));
    if (!rc) rc = buf_printf(out, ",\"stream\":false,\"temperature\":%.17g", temperature);
    if (!rc && max_tokens > 0) rc = buf_printf(out, ",\"max_tokens\":%lld", (long long)max_tokens);
    if (!rc) rc = buf_putc(out, '}');
    return rc;
}

int oai_chat_parse(const char *body, size_t len, char **content, uint64_t *tokens, char *err,
                   size_t errlen)
{
    *content = NULL;
    *tokens = 0;
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *msg = json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message");
    json_t *c = json_object_get(msg, "content");
    int rc = 0;
    if (!json_is_object(root)) rc = fail(err, errlen, "response is not a JSON object");
    else if (!json_is_object(msg) || (c && !json_is_string(c) && !json_is_null(c)))
        rc = fail(err, errlen, "response has no choices[0].message with string content");
    else if (!(*content = json_is_string(c) ? strndup(json_string_value(c), json_string_length(c))
                                            : strdup("")))
        rc = ERR_NOMEM;
    else
        *tokens = usage_tokens(root);
    json_decref(root);
    return rc;
}

void oai_error_text(long status, const char *body, size_t len, char *out, size_t outlen)
{
    if (!outlen) return;
    out[0] = 0;
    json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *e = json_object_get(root, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (!msg && json_is_string(e)) msg = json_string_value(e);
    if (msg) {
        const char *type = json_string_value(json_object_get(e, "type"));
        const char *code = json_string_value(json_object_get(e, "code"));
        snprintf(out, outlen, "HTTP %ld: %.300s%s%s%s%s%s", status, msg, type || code ? " (" : "",
                 type ? type : "", type && code ? ", " : "", code ? code : "",
                 type || code ? ")" : "");
    } else {
        size_t k = len < 200 ? len : 200;
        snprintf(out, outlen, "HTTP %ld: %.*s", status, (int)k, body ? body : "");
    }
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    json_decref(root);
}

int oai_status_retryable(long status)
{
    return status == 408 || status == 409 || status == 429 || status >= 500;
}

/* Strict float: the whole string (after trimming spaces) must parse. */
static int parse_num(const char *s, double *v)
{
    char *end;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return -1;
    *v = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
    return *end || isnan(*v) || isinf(*v) ? -1 : 0;
}

double oai_retry_after(const char *after_ms, const char *after, time_t now)
{
    double v = -1, x;
    if (after_ms && !parse_num(after_ms, &x) && x >= 0) v = x / 1000.0;
    else if (after && !parse_num(after, &x) && x >= 0) v = x;
    else if (after) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *e = strptime(after, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (e && !*e) {
            double d = difftime(timegm(&tm), now);
            v = d < 0 ? 0 : d;
        }
    }
    return v > OAI_MAX_RETRY_AFTER ? OAI_MAX_RETRY_AFTER : v;
}

double oai_backoff(unsigned attempt, double base, double cap, double u)
{
    double w = base * ldexp(1.0, attempt > 60 ? 60 : (int)attempt);
    if (w > cap) w = cap;
    if (u < 0) u = 0;
    if (u >= 1) u = 0.999999;
    return u * w;
}

int oai_format(const char *tmpl, const char *const *keys, const char *const *vals, size_t n,
               buf_t *out)
{
    int rc = 0;
    const char *p = tmpl;
    while (*p && !rc) {
        const char *close = NULL;
        if (*p == '{') {
            const char *q = p + 1;
            while (*q && *q != '{' && *q != '}') q++;
            if (*q == '}' && q > p + 1) close = q;
        }
        size_t i = n;
        if (close)
            for (i = 0; i < n; i++)
                if (strlen(keys[i]) == (size_t)(close - p - 1) && !memcmp(keys[i], p + 1, close - p - 1))
                    break;
        if (close && i < n) {
            rc = buf_puts(out, vals[i]);
            p = close + 1;
        } else if (close) {
            rc = buf_append(out, p, close + 1 - p); /* unknown key stays as written */
            p = close + 1;
        } else {
            rc = buf_putc(out, *p++);
        }
    }
    return rc;
}
