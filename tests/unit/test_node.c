/* test_node.c - metadata rendering, get_content() and hashes against values
 * computed with CPython 3.11 and llama-index-core 0.14.19's formulas. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "meta.h"
#include "node.h"
#include "sha256.h"
#include "t.h"

static void test_repr(void)
{
    md_t m = {0};
    md_set_str(&m, "file_path", "/tmp/a b.txt");
    md_set_str(&m, "file_name", "it's.txt");
    md_set_int(&m, "file_size", 12);
    md_set_float(&m, "x", 1.5);
    md_set_bool(&m, "ok", 1);
    md_set_null(&m, "n");
    md_set_str(&m, "q", "say \"hi\"\n");
    buf_t b;
    buf_init(&b, 0);
    CHECK(md_py_repr(&m, &b) == 0);
    CHECK_STR(b.p, "{'file_path': '/tmp/a b.txt', 'file_name': \"it's.txt\", 'file_size': 12, "
                   "'x': 1.5, 'ok': True, 'n': None, 'q': 'say \"hi\"\\n'}");
    node_t *n = node_new("id", "Hello\nworld", 11);
    md_copy(&n->md, &m);
    char h[65];
    CHECK(node_hash(n, 0, h) == 0);
    CHECK_STR(h, "1ce74feecd7a8cce902343a5cc8e3e34668d20bd4a09e6af3530db2fccc36c22");
    /* replacing a key keeps its position (dict update) */
    md_set_str(&m, "file_path", "z");
    CHECK_STR(m.v[0].key, "file_path");
    CHECK_STR(m.v[0].s, "z");
    CHECK(m.n == 7);
    node_free(n);
    md_free(&m);
    buf_free(&b);
}

static void test_floats(void)
{
    static const struct { double f; const char *want; } cases[] = {
        {1.5, "1.5"}, {0.1, "0.1"}, {1e16, "1e+16"}, {1e-5, "1e-05"}, {123456789.0, "123456789.0"},
        {0.0001, "0.0001"}, {2.5e-7, "2.5e-07"}, {1e22, "1e+22"}, {-0.0, "-0.0"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf_t b;
        buf_init(&b, 0);
        md_py_repr_float(cases[i].f, &b);
        CHECK_STR(b.p, cases[i].want);
        buf_free(&b);
    }
}

static void test_content(void)
{
    node_t *n = node_new("d", "body", 4);
    md_set_str(&n->md, "page_label", "3");
    md_set_str(&n->md, "file_path", "/tmp/a.txt");
    md_set_int(&n->md, "file_size", 4);
    strv_push(&n->excl_embed, "file_size");
    strv_push(&n->excl_llm, "file_size");
    strv_push(&n->excl_llm, "page_label");
    buf_t b;
    buf_init(&b, 0);
    node_content(n, NODE_MODE_EMBED, &b);
    CHECK_STR(b.p, "page_label: 3\nfile_path: /tmp/a.txt\n\nbody");
    buf_reset(&b);
    node_content(n, NODE_MODE_LLM, &b);
    CHECK_STR(b.p, "file_path: /tmp/a.txt\n\nbody");
    buf_reset(&b);
    node_content(n, NODE_MODE_NONE, &b);
    CHECK_STR(b.p, "body");
    buf_reset(&b);
    node_content(n, NODE_MODE_ALL, &b);
    CHECK_STR(b.p, "page_label: 3\nfile_path: /tmp/a.txt\nfile_size: 4\n\nbody");
    /* a custom text template, as extractors install */
    node_set_str(&n->text_template, "[Excerpt]\n{metadata_str}\n-----\n{content}\n-----\n");
    buf_reset(&b);
    node_content(n, NODE_MODE_LLM, &b);
    CHECK_STR(b.p, "[Excerpt]\nfile_path: /tmp/a.txt\n-----\nbody\n-----");
    /* all metadata excluded: the text alone */
    strv_push(&n->excl_llm, "file_path");
    buf_reset(&b);
    node_content(n, NODE_MODE_LLM, &b);
    CHECK_STR(b.p, "body");
    buf_free(&b);
    node_free(n);
}

static void test_doc_hash(void)
{
    node_t *d = node_new("d", "body", 4);
    md_set_str(&d->md, "file_path", "/tmp/a.txt");
    char h[65];
    node_hash(d, 1, h);
    CHECK_STR(h, "0302b2514ec87289c73cc1364b496dd0acac1d1114cc379fd8331e84c7341f36");
    node_set_text(d, "", 0); /* Document(text="") has no text resource (issue 14) */
    node_hash(d, 1, h);
    CHECK_STR(h, "637867e72a7ff63c2a87d025709d397464de3c3480f9fd416ffdca3e0173e521");
    node_free(d);
    sha256_hex("abc", 3, h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    node_free(NULL);
}

/* tests/data/fidelity/empty_doc.json (tests/tools/gen_fidelity_fixtures.py):
 * Document.hash and the hash of SentenceSplitter's node, from the real thing. */
static void test_doc_hash_fixture(const char *path)
{
    json_t *fx = json_load_file(path, 0, NULL), *c;
    CHECK(json_array_size(fx) >= 4);
    size_t i;
    json_array_foreach(fx, i, c) {
        const char *text = json_string_value(json_object_get(c, "text")), *k;
        node_t *d = node_new("d", text, strlen(text));
        json_t *v;
        json_object_foreach(json_object_get(c, "metadata"), k, v) {
            if (json_is_string(v)) md_set_str(&d->md, k, json_string_value(v));
            else md_set_int(&d->md, k, json_integer_value(v));
        }
        char h[65];
        CHECK(node_hash(d, 1, h) == 0);
        CHECK_STR(h, json_string_value(json_object_get(c, "doc_hash")));
        json_t *n0 = json_array_get(json_object_get(c, "nodes"), 0);
        CHECK_STR(h, json_string_value(json_object_get(n0, "source_hash")));
        CHECK(node_hash(d, 0, h) == 0); /* the node: same text and metadata */
        CHECK_STR(h, json_string_value(json_object_get(n0, "hash")));
        node_free(d);
    }
    json_decref(fx);
}

static void test_strip(void)
{
    const char *s = " \n\xc2\xa0 x y\t\xe3\x80\x80";
    size_t n = strlen(s);
    node_py_strip(&s, &n);
    CHECK(n == 3 && !memcmp(s, "x y", 3));
}

int main(int argc, char **argv)
{
    if (argc > 1) test_doc_hash_fixture(argv[1]);
    else CHECK(!"usage: test_node empty_doc.json");
    test_repr();
    test_floats();
    test_content();
    test_doc_hash();
    test_strip();
    return t_done();
}
