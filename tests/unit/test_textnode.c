/* test_textnode.c - textnode_json (direct bytes) against jansson's dump of
 * textnode_object() with the export's flags, on fixed and random nodes: the
 * two must agree byte for byte but for "embedding", which textnode_json
 * fills with Python-style floats.  Also: invalid UTF-8 fails and leaves the
 * buffer as it was. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "node.h"
#include "textnode.h"
#include "t.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* Random valid UTF-8 heavy in what JSON escapes: controls, quotes, backslash,
 * DEL, '/', 2-4 byte sequences. */
static size_t rand_text(char *o, size_t cap)
{
    static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b",
                                         "\f", "\x01", "\x1f", "\x7f", "\x0b", "\xc3\xa9",
                                         "\xe2\x80\x94", "\xf0\x9f\x98\x80", "{}", "\xe2\x82\xac"};
    size_t n = next() % 40, len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[next() % (sizeof pieces / sizeof *pieces)];
        size_t l = strlen(p);
        if (len + l + 1 > cap) break;
        memcpy(o + len, p, l);
        len += l;
    }
    o[len] = '\0';
    return len;
}

static void rand_md(md_t *m)
{
    char k[256], v[256];
    int n = (int)(next() % 5);
    for (int i = 0; i < n; i++) {
        rand_text(k, sizeof k);
        switch (next() % 6) {
        case 0: md_set_str(m, k, (rand_text(v, sizeof v), v)); break;
        case 1: md_set_int(m, k, (int64_t)next()); break;
        case 2: md_set_float(m, k, (double)(int64_t)next() / 1e7); break;
        case 3: md_set_float(m, k, next() & 1 ? NAN : -INFINITY); break;
        case 4: md_set_bool(m, k, (int)(next() & 1)); break;
        default: md_set_null(m, k); break;
        }
    }
}

static node_t *rand_node(void)
{
    char t[256];
    size_t len = rand_text(t, sizeof t);
    node_t *n = node_new(next() & 1 ? "id-\"1\"" : "6c8e9a1b", t, len);
    rand_md(&n->md);
    for (int i = (int)(next() % 3); i > 0; i--) strv_push(&n->excl_embed, (rand_text(t, sizeof t), t));
    if (next() & 1) strv_push(&n->excl_llm, "file_path");
    for (int r = 0; r < NODE_REL__N; r++) {
        if (next() & 1) continue;
        md_t m = {0};
        rand_md(&m);
        node_rel_set(n, (node_rel_kind)r, "rel\\id", r ? NODE_TYPE_TEXT : NODE_TYPE_DOCUMENT,
                     next() & 1 ? "abc" : NULL, &m);
        md_free(&m);
    }
    if (next() & 1) node_set_str(&n->text_template, "{content}\n{metadata_str}\t\"");
    if (next() & 1) node_set_str(&n->metadata_separator, "\x02 -- ");
    n->start_char_idx = next() & 1 ? -1 : (int64_t)(next() % 100000);
    n->end_char_idx = n->start_char_idx < 0 ? -1 : n->start_char_idx + 7;
    return n;
}

/* textnode_json == jansson's dump of textnode_object (embedding null). */
static int same_as_jansson(const node_t *n)
{
    json_t *o = textnode_object(n);
    char *want = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    buf_t b;
    buf_init(&b, 0);
    buf_puts(&b, "prefix");
    int rc = textnode_json(n, &b);
    int ok = rc == 0 && want && !strncmp(b.p, "prefix", 6) && !strcmp(b.p + 6, want);
    if (!ok) fprintf(stderr, "got:  %s\nwant: %s\n", b.p ? b.p + 6 : "(null)", want ? want : "(null)");
    free(want);
    json_decref(o);
    buf_free(&b);
    return ok;
}

static void test_random(void)
{
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        node_t *n = rand_node();
        bad += !same_as_jansson(n);
        node_free(n);
        if (bad > 3) break;
    }
    CHECK(bad == 0);
}

static void test_embedding(void)
{
    node_t *n = node_new("x", "hi", 2);
    float e[3] = {0.1f, -0.5f, 1e-7f};
    n->embedding = malloc(sizeof e);
    memcpy(n->embedding, e, sizeof e);
    n->dim = 3;
    buf_t b;
    buf_init(&b, 0);
    CHECK(textnode_json(n, &b) == 0);
    CHECK(b.p && !strncmp(b.p, "{\"id_\":\"x\",\"embedding\":[0.10000000149011612,-0.5,"
                                "1.0000000116860974e-07],\"metadata\":{},", 84));
    node_free(n);
    buf_free(&b);
}

static void test_invalid_utf8(void)
{
    node_t *n = node_new("x", "ok \xff no", 7);
    buf_t b;
    buf_init(&b, 0);
    buf_puts(&b, "kept");
    CHECK(textnode_json(n, &b) == ERR_TOOBIG);
    CHECK(b.len == 4 && !strcmp(b.p, "kept"));
    node_set_text(n, "\xed\xa0\x80", 3); /* a surrogate: jansson refuses it too */
    CHECK(textnode_json(n, &b) == ERR_TOOBIG);
    node_free(n);
    buf_free(&b);
}

int main(void)
{
    test_random();
    test_embedding();
    test_invalid_utf8();
    return t_done();
}
