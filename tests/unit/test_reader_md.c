/* test_reader_md.c - MarkdownNodeParser (common/llama/mdparse.c) against the
 * sections, header paths, char indices and links llama-index-core makes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdparse.h"
#include "reader.h"
#include "spec.h"
#include "t.h"
#include "utf8.h"
#include "test_reader_util.h"

static spec_t *md_spec(const char *params)
{
    char json[512], err[256];
    snprintf(json, sizeof json,
             "{\"transformations\": [{\"class_name\": \"MarkdownNodeParser\"%s}]}", params);
    spec_t *s = spec_parse(json, strlen(json), err, sizeof err);
    if (!s) fprintf(stderr, "spec: %s\n", err);
    return s;
}

static node_t *doc_from(const char *name, node_list *docs)
{
    reader_opts o;
    reader_opts_default(&o);
    wire_doc f = file_doc(name, NULL);
    char eb[256];
    int rc = reader_load(&f, &o, docs, eb, sizeof eb);
    doc_free(&f);
    return rc ? NULL : docs->v[docs->n - 1];
}

static void test_notes(void)
{
    node_list docs = {0}, out = {0};
    node_t *doc = doc_from("notes.md", &docs);
    spec_t *s = md_spec("");
    CHECK(doc && s);
    if (!doc || !s) return;
    CHECK(mdparse_run(&s->tf[0], &doc, 1, &out, NULL, NULL) == 0);
    static const struct {
        const char *text, *path;
        int64_t start;
    } want[] = {
        {"# Title\n\nIntro text.", "/", 0},
        {"## Part A\n\nA body.\n\n```\n# not a header\n```", "/Title/", 22},
        {"### Deep\n\nDeep body.", "/Title/Part A/", 66},
        {"## Part B\n\nB body.", "/Title/", 88},
    };
    CHECK(out.n == 4);
    for (size_t i = 0; i < out.n && i < 4; i++) {
        node_t *n = out.v[i];
        CHECK_STR(n->text, want[i].text);
        CHECK_STR(md_str(n, "header_path"), want[i].path);
        CHECK(n->start_char_idx == want[i].start);
        CHECK(n->end_char_idx == want[i].start + (int64_t)utf8_count(n->text, n->text_len));
        /* doc metadata first, then header_path ({**doc.metadata, **node.metadata}) */
        CHECK_STR(md_keys(n), "file_path,file_name,file_type,file_size,creation_date,"
                              "last_modified_date,header_path");
        CHECK(n->excl_embed.n == 6);
        CHECK_STR(n->rel[NODE_REL_SOURCE].id, "notes.md");
        CHECK((n->rel[NODE_REL_PREV].id != NULL) == (i > 0));
        CHECK((n->rel[NODE_REL_NEXT].id != NULL) == (i < 3));
        if (i > 0) CHECK_STR(n->rel[NODE_REL_PREV].id, out.v[i - 1]->id);
    }
    /* NEXT is taken before the next node's metadata merge: only header_path */
    if (out.n == 4) CHECK(out.v[0]->rel[NODE_REL_NEXT].md.n == 1);
    if (out.n == 4) CHECK(out.v[1]->rel[NODE_REL_PREV].md.n == 7);
    CHECK(strcmp(out.v[0]->id, out.v[1]->id) != 0);
    node_list_free(&out);
    spec_free(s);

    /* include_metadata=false, custom separator (unused then), no links */
    s = md_spec(", \"include_metadata\": false, \"include_prev_next_rel\": false");
    CHECK(s && mdparse_run(&s->tf[0], &doc, 1, &out, NULL, NULL) == 0);
    CHECK(out.n == 4 && out.v[1]->md.n == 0 && !out.v[1]->rel[NODE_REL_NEXT].id);
    node_list_free(&out);
    spec_free(s);
    node_list_free(&docs);
}

static void test_edge_cases(void)
{
    node_t *d = node_new("d", "", 0);
    node_list out = {0};
    /* empty text: no nodes */
    CHECK(mdparse_doc(d, "/", 1, 1, &out) == 0 && out.n == 0);
    /* no headers: one node, path "/" */
    node_set_text(d, "plain\ntext\n", 11);
    CHECK(mdparse_doc(d, "/", 1, 1, &out) == 0 && out.n == 1);
    if (out.n == 1) CHECK_STR(out.v[0]->text, "plain\ntext");
    node_list_free(&out);
    /* "#no space" is not a header; a tab is whitespace (rewritten to a space,
     * so the node is not found in the text: start_char_idx stays None);
     * an indented fence still toggles; H1 -> H3 jump; separator " > " */
    const char *t = "#no space\n#\tTab title\n  ```py\n## in code\n  ```\n### Three\nx\n# New\ny";
    node_set_text(d, t, strlen(t));
    CHECK(mdparse_doc(d, " > ", 1, 0, &out) == 0);
    CHECK(out.n == 4);
    if (out.n == 4) {
        CHECK_STR(out.v[0]->text, "#no space");
        CHECK_STR(out.v[1]->text, "# Tab title\n  ```py\n## in code\n  ```");
        CHECK(out.v[1]->start_char_idx == -1);
        CHECK_STR(md_str(out.v[1], "header_path"), " > ");
        CHECK_STR(out.v[2]->text, "### Three\nx");
        CHECK_STR(md_str(out.v[2], "header_path"), " > Tab title > ");
        CHECK_STR(md_str(out.v[3], "header_path"), " > ");
    }
    node_list_free(&out);
    /* a header with an empty title, and a blank section between headers */
    t = "# \n## A\n\n## B\ntext";
    node_set_text(d, t, strlen(t));
    CHECK(mdparse_doc(d, "/", 1, 0, &out) == 0);
    CHECK(out.n == 3);
    if (out.n == 3) {
        CHECK_STR(out.v[0]->text, "#");
        CHECK_STR(md_str(out.v[2], "header_path"), "/"); /* join([""]) is "" */
    }
    node_list_free(&out);
    node_free(d);
}

int main(void)
{
    test_notes();
    test_edge_cases();
    return t_done();
}
