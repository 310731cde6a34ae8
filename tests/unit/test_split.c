/* test_split.c - SentenceSplitter / TokenTextSplitter (split.h) and the
 * SentenceWindowNodeParser path of nodeparse.h.  Hand-made cases plus
 * tests/data/split/split_cases.jsonl, whose chunks come from the real
 * LlamaIndex 0.14.19 splitter code (tests/tools/split_ref.py).
 * usage: test_split DATA_DIR */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "nodeparse.h"
#include "spec.h"
#include "split.h"
#include "t.h"
#include "t_jsonl.h"
#include "tok.h"

/* Chunks joined with '|' (for short readable expectations); NULL on error. */
static const char *chunks_of(const split_params *p, const char *text, size_t mdtok, int *rc_out)
{
    static char out[2048];
    split_chunks ch = {0};
    char eb[256] = "";
    int rc = split_text(p, text, strlen(text), mdtok, &ch, eb, sizeof eb);
    if (rc_out) *rc_out = rc;
    if (rc) {
        CHECK(ch.n == 0 && ch.v == NULL && eb[0]); /* out left empty, message given */
        return NULL;
    }
    out[0] = '\0';
    for (size_t i = 0; i < ch.n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "|" : "", ch.v[i].s);
    snprintf(out + strlen(out), sizeof out - strlen(out), "#%zu", ch.n);
    split_chunks_free(&ch);
    return out;
}

static void sentence_cases(void)
{
    split_params p;
    split_params_default(&p, SPLIT_SENTENCE);
    CHECK(p.chunk_size == 1024 && p.chunk_overlap == 200 && !strcmp(p.paragraph_separator, "\n\n\n"));
    int rc;
    CHECK_STR(chunks_of(&p, "", 0, NULL), "#1"); /* [""] */
    CHECK_STR(chunks_of(&p, " \n\t ", 0, NULL), "#0");
    CHECK_STR(chunks_of(&p, "  One sentence.  ", 0, NULL), "One sentence.#1");
    p.chunk_size = 6;
    p.chunk_overlap = 0;
    /* sentences first; whitespace stays with the previous sentence, then strip */
    CHECK_STR(chunks_of(&p, "First one here. Second one here. Third.", 0, NULL),
              "First one here.|Second one here.|Third.#3");
    /* metadata: the effective size is chunk_size - metadata tokens */
    CHECK(chunks_of(&p, "Some text.", 6, &rc) == NULL && rc == ERR_INVAL);
    CHECK(chunks_of(&p, "Some text.", 5, &rc) != NULL);
    p.chunk_overlap = 7;
    CHECK(chunks_of(&p, "x", 0, &rc) == NULL && rc == ERR_INVAL); /* overlap > size */
    p.chunk_overlap = 0;
    p.chunk_size = 0;
    CHECK(chunks_of(&p, "x", 0, &rc) == NULL && rc == ERR_INVAL);
    p.chunk_size = 6;
    p.separator = "";
    CHECK(chunks_of(&p, "x", 0, &rc) == NULL && rc == ERR_INVAL);
    p.separator = " ";
    /* one character with more tokens than the size: LlamaIndex recurses forever */
    p.chunk_size = 1;
    CHECK(chunks_of(&p, "\xf0\x9f\x98\x80", 0, &rc) == NULL && rc == ERR_INVAL);
    /* overlap: whole trailing splits up to chunk_overlap tokens */
    p.chunk_size = 4;
    p.chunk_overlap = 2;
    CHECK_STR(chunks_of(&p, "a b c d e f g h", 0, NULL), "a b c d|c d e f|e f g h#3");
}

static void token_cases(void)
{
    split_params p;
    split_params_default(&p, SPLIT_TOKEN);
    CHECK(p.chunk_overlap == 20 && !strcmp(p.backup_separators[0], "\n") && !p.backup_separators[1]);
    int rc;
    CHECK_STR(chunks_of(&p, "", 0, NULL), "#1");
    p.chunk_size = 6; /* 2 tokens are reserved for metadata formatting: effective 4 */
    p.chunk_overlap = 1;
    CHECK_STR(chunks_of(&p, "a b c d e f g h", 0, NULL), "a b c d|d e f g|g h#3");
    CHECK(chunks_of(&p, "a b", 4, &rc) == NULL && rc == ERR_INVAL);
    CHECK(chunks_of(&p, "a b", 3, &rc) != NULL);
    p.keep_whitespaces = 1;
    p.chunk_size = 4;
    p.chunk_overlap = 0;
    CHECK_STR(chunks_of(&p, " a b c d ", 0, NULL), " a b| c d| #3"); /* [" a b", " c d", " "] */
}

static void sentences_api(void)
{
    split_chunks ch = {0};
    const char *t = "One. Two!  Three";
    CHECK(split_sentences(t, strlen(t), &ch) == 0 && ch.n == 3);
    if (ch.n == 3) {
        CHECK_STR(ch.v[0].s, "One. ");
        CHECK_STR(ch.v[1].s, "Two!  ");
        CHECK_STR(ch.v[2].s, "Three");
    }
    split_chunks_free(&ch);
    CHECK(split_sentences(" ", 1, &ch) == 0 && ch.n == 0);
    split_chunks_free(NULL);
}

static void on_err(void *ud, const node_t *doc, int code, const char *msg)
{
    (void)doc, (void)code, (void)msg;
    ++*(int *)ud;
}

static void window_cases(void)
{
    const char *js = "{\"transformations\":[{\"class_name\":\"SentenceWindowNodeParser\",\"window_size\":1}]}";
    char err[256];
    spec_t *s = spec_parse(js, strlen(js), err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    const char *t = "One. Two. Three.";
    node_t *doc = node_new("doc.txt", t, strlen(t));
    CHECK(doc && md_set_str(&doc->md, "file_path", "doc.txt") == 0);
    node_list out = {0};
    int errs = 0;
    CHECK(nodeparse_run(&s->tf[0], &doc, 1, &out, on_err, &errs) == 0 && out.n == 3 && errs == 0);
    if (out.n == 3) {
        const md_item *w = md_get(&out.v[1]->md, "window"), *o = md_get(&out.v[1]->md, "original_text");
        CHECK_STR(out.v[1]->text, "Two. ");
        CHECK(w && !strcmp(w->s, "One.  Two.  Three."));
        CHECK(o && !strcmp(o->s, "Two. "));
        CHECK(md_get(&out.v[1]->md, "file_path") != NULL && out.v[1]->md.v[0].key[0] == 'f');
        CHECK(strv_contains(&out.v[1]->excl_embed, "window") && strv_contains(&out.v[1]->excl_llm, "original_text"));
        CHECK(out.v[2]->start_char_idx == 10 && out.v[2]->end_char_idx == 16);
        const md_item *w0 = md_get(&out.v[0]->md, "window");
        CHECK(w0 && !strcmp(w0->s, "One.  Two. "));
    }
    node_list_free(&out);
    node_free(doc);
    spec_free(s);
}

/* A splitter whose metadata is longer than chunk_size fails that document only. */
static void nodeparse_error_case(void)
{
    const char *js = "{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":3,"
                     "\"chunk_overlap\":0,\"include_metadata\":false}]}";
    char err[256];
    spec_t *s = spec_parse(js, strlen(js), err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    node_t *docs[2] = {node_new("a", "Hello there.", 12), node_new("b", "Hi.", 3)};
    CHECK(docs[0] && docs[1] && md_set_str(&docs[0]->md, "file_path", "/a/b/c/d/e/f.txt") == 0);
    node_list out = {0};
    int errs = 0;
    /* include_metadata=false does not stop LlamaIndex from counting metadata tokens */
    CHECK(nodeparse_run(&s->tf[0], docs, 2, &out, on_err, &errs) == 0 && errs == 1 && out.n == 1);
    node_list_free(&out);
    node_free(docs[0]);
    node_free(docs[1]);
    spec_free(s);
}

static void fixture_param(json_t *o, split_params *p)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    split_params_default(p, kind && !strcmp(kind, "token") ? SPLIT_TOKEN : SPLIT_SENTENCE);
    p->chunk_size = (int)json_integer_value(json_object_get(o, "chunk_size"));
    p->chunk_overlap = (int)json_integer_value(json_object_get(o, "chunk_overlap"));
    json_t *v;
    if ((v = json_object_get(o, "secondary_regex"))) p->secondary_regex = (int)json_integer_value(v);
    if ((v = json_object_get(o, "keep_whitespaces"))) p->keep_whitespaces = json_is_true(v);
    if ((v = json_object_get(o, "backup_separators"))) {
        size_t i;
        for (i = 0; i < json_array_size(v) && i < 3; i++)
            p->backup_separators[i] = json_string_value(json_array_get(v, i));
        p->backup_separators[i] = NULL;
    }
}

static int split_case(json_t *o)
{
    json_t *tx = json_object_get(o, "text");
    json_t *want = json_object_get(o, "chunks"), *md = json_object_get(o, "metadata_str");
    split_params p;
    fixture_param(o, &p);
    split_chunks ch = {0};
    char eb[256];
    size_t mt = md ? tok_count(json_string_value(md), json_string_length(md)) : 0;
    int rc = split_text(&p, json_string_value(tx), json_string_length(tx), mt, &ch, eb, sizeof eb);
    int ok = want ? !rc && ch.n == json_array_size(want) : rc == ERR_INVAL;
    for (size_t i = 0; ok && want && i < ch.n; i++) {
        json_t *w = json_array_get(want, i);
        ok = json_string_length(w) == ch.v[i].len &&
             !memcmp(json_string_value(w), ch.v[i].s, ch.v[i].len);
    }
    split_chunks_free(&ch);
    return ok;
}

static void fixture_cases(const char *dir)
{
    CHECK(t_jsonl_each(dir, "split_cases.jsonl", split_case) >= 50);
}

/* start_char_idx (str.find from the previous start + 1) agrees with plain
 * memmem for long chunks: repeated prefixes (more false candidates than
 * nodeparse.c's find_first tries), earlier full copies, a chunk at the very
 * end, absent chunks, and random texts over {a, b}. */
static void find_cases(void)
{
    uint32_t rng = 4242;
    int bad = 0;
    for (int it = 0; it < 300; it++) {
        char text[4096];
        size_t tl = 1000 + it * 10 % 3000;
        for (size_t k = 0; k < tl; k++) {
            rng = rng * 1103515245u + 12345u;
            text[k] = it % 3 ? "ab"[(rng >> 16) & 1] : "abcab"[k % (it % 2 ? 5 : 3)];
        }
        if (it % 3 == 0) text[tl - 1] = 'z'; /* periodic text with a unique end */
        node_t *doc = node_new("d", text, tl), *v[6] = {0};
        size_t nn = 0, want[6], sb = 0;
        for (; nn < 6; nn++) {
            rng = rng * 1103515245u + 12345u;
            size_t nl = 257 + (rng >> 8) % 500, at = (rng >> 4) % (tl - nl);
            if (nn == 5) at = tl - nl;               /* ends with the text */
            char nd[800];
            memcpy(nd, text + at, nl);
            if (nn == 3 && it % 4 == 1) nd[nl - 1] = 'q'; /* absent */
            v[nn] = node_new("n", nd, nl);
            const char *h = sb <= tl ? memmem(text + sb, tl - sb, nd, nl) : NULL;
            want[nn] = h ? (size_t)(h - text) : (size_t)v[nn]->start_char_idx;
            if (h) sb = (size_t)(h - text) + 1;
        }
        CHECK(nodeparse_postprocess(doc, v, nn, 0, 0) == 0);
        for (size_t k = 0; k < nn; k++) {
            if ((size_t)v[k]->start_char_idx != want[k]) bad++;
            node_free(v[k]);
        }
        node_free(doc);
    }
    CHECK(bad == 0);
}

int main(int argc, char **argv)
{
    sentence_cases();
    token_cases();
    sentences_api();
    window_cases();
    find_cases();
    nodeparse_error_case();
    fixture_cases(argc > 1 ? argv[1] : "tests/data/split");
    return t_done();
}
