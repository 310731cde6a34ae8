/* test_wire.c - msgpack wire format: round trips, truncation at every byte,
 * random corruption and hostile headers are rejected without crashing. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "wire.h"
#include "t.h"

static wire_batch sample_batch(void)
{
    static wire_doc docs[2];
    static char data0[] = "hello world", data1[] = "\x00\x01binary";
    docs[0] = (wire_doc){.id = "a.txt", .path = "/x/a.txt", .name = "a.txt", .mime = "text/plain",
                         .size = 11, .ctime = "2026-11-25", .mtime = "2026-11-24", .atime = "2026-11-25",
                         .data = (uint8_t *)data0, .len = 11};
    docs[1] = (wire_doc){.id = "sub/b.bin", .path = "/x/sub/b.bin", .name = "b.bin", .size = 8,
                         .data = (uint8_t *)data1, .len = 8, .error = "vanished"};
    return (wire_batch){.job = "J1", .seq = 7, .docs = docs, .n = 2};
}

static void test_batch_roundtrip(void)
{
    wire_batch b = sample_batch(), d;
    buf_t out;
    buf_init(&out, 0);
    CHECK(wire_batch_encode(&b, &out) == 0);
    CHECK(wire_batch_decode(out.p, out.len, &d) == 0);
    CHECK_STR(d.job, "J1");
    CHECK(d.seq == 7 && d.n == 2);
    CHECK_STR(d.docs[0].mime, "text/plain");
    CHECK(d.docs[1].mime == NULL);
    CHECK_STR(d.docs[1].error, "vanished");
    CHECK(d.docs[1].len == 8 && !memcmp(d.docs[1].data, "\x00\x01binary", 8));
    CHECK(d.docs[0].size == 11);
    wire_batch_free(&d);
    /* every truncation is rejected */
    int bad = 0;
    for (size_t i = 0; i < out.len; i++) bad += wire_batch_decode(out.p, i, &d) == ERR_PARSE;
    CHECK(bad == (int)out.len);
    /* random byte flips never crash; decoded results are freed */
    srand(1);
    for (int k = 0; k < 2000; k++) {
        char *c = malloc(out.len);
        memcpy(c, out.p, out.len);
        c[rand() % out.len] ^= (char)(1 + rand() % 255);
        if (wire_batch_decode(c, out.len, &d) == 0) wire_batch_free(&d);
        free(c);
    }
    buf_free(&out);
}

static void test_hostile(void)
{
    wire_batch d;
    node_list nl;
    /* array32 claiming 4 billion elements in 5 bytes */
    const char huge[] = "\xdd\xff\xff\xff\xff";
    CHECK(wire_check(huge, 5) == ERR_PARSE);
    CHECK(wire_batch_decode(huge, 5, &d) == ERR_PARSE);
    /* nesting deeper than the limit */
    char deep[64];
    memset(deep, 0x91, sizeof deep); /* fixarray of 1, repeated */
    deep[63] = 0x01;
    CHECK(wire_check(deep, sizeof deep) == ERR_PARSE);
    /* wrong version */
    const char v2[] = "\x81\xa1v\x02";
    CHECK(wire_nodes_decode(v2, 4, &nl) == ERR_PARSE);
    /* trailing garbage */
    const char trail[] = "\x80\x00";
    CHECK(wire_check(trail, 2) == ERR_PARSE);
    CHECK(wire_check("", 0) == ERR_PARSE);
}

static void test_nodes_roundtrip(void)
{
    node_t *doc = node_new("a.txt", "Hello there. General Kenobi.", 28);
    md_set_str(&doc->md, "file_path", "/x/a.txt");
    node_t *n = node_new("n1", "Hello there.", 12);
    md_set_str(&n->md, "file_path", "/x/a.txt");
    md_set_int(&n->md, "file_size", 28);
    md_set_float(&n->md, "score", 0.25);
    strv_push(&n->excl_embed, "file_size");
    node_set_str(&n->text_template, "{content}");
    n->start_char_idx = 0;
    n->end_char_idx = 12;
    node_link(n, NODE_REL_SOURCE, doc, 1);
    n->dim = 3;
    n->embedding = malloc(3 * sizeof(float));
    n->embedding[0] = 0.5f, n->embedding[1] = -1.25f, n->embedding[2] = 3e-8f;
    node_t *arr[] = {n, doc};
    buf_t out;
    buf_init(&out, 0);
    CHECK(wire_nodes_encode(arr, 2, &out) == 0);
    node_list nl;
    CHECK(wire_nodes_decode(out.p, out.len, &nl) == 0);
    CHECK(nl.n == 2);
    node_t *m = nl.v[0];
    CHECK_STR(m->id, "n1");
    CHECK_STR(m->text, "Hello there.");
    CHECK(m->md.n == 3 && m->md.v[1].type == MD_INT && m->md.v[1].i == 28);
    CHECK(m->md.v[2].type == MD_FLOAT && m->md.v[2].f == 0.25);
    CHECK(m->excl_embed.n == 1);
    CHECK_STR(m->text_template, "{content}");
    CHECK(m->metadata_template == NULL);
    CHECK(m->start_char_idx == 0 && m->end_char_idx == 12);
    CHECK_STR(m->rel[NODE_REL_SOURCE].id, "a.txt");
    CHECK(m->rel[NODE_REL_SOURCE].type == NODE_TYPE_DOCUMENT);
    CHECK(m->rel[NODE_REL_PREV].id == NULL);
    CHECK(m->dim == 3 && m->embedding[1] == -1.25f && m->embedding[2] == 3e-8f);
    CHECK(nl.v[1]->embedding == NULL && nl.v[1]->start_char_idx == -1);
    int bad = 0;
    for (size_t i = 0; i < out.len; i++) {
        node_list t;
        bad += wire_nodes_decode(out.p, i, &t) == ERR_PARSE;
    }
    CHECK(bad == (int)out.len);
    node_list_free(&nl);
    buf_free(&out);
    node_free(n);
    node_free(doc);
}

int main(void)
{
    test_batch_roundtrip();
    test_hostile();
    test_nodes_roundtrip();
    return t_done();
}
