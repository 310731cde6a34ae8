/* test_reader.c - readers: SimpleDirectoryReader ids, metadata order and
 * values, per-format text, and hostile files giving per-document errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reader.h"
#include "reader_pdf.h"
#include "spec.h"
#include "t.h"
#include "test_reader_util.h"

#define FILE_KEYS "file_path,file_name,file_type,file_size,creation_date,last_modified_date"

static reader_opts opts;

/* Loads a fixture; returns rc and leaves the Documents in docs. */
static int load(const char *name, const char *as, node_list *docs, char *eb)
{
    wire_doc f = file_doc(name, as);
    int rc = reader_load(&f, &opts, docs, eb, 256);
    doc_free(&f);
    return rc;
}

/* A hostile file must give a negative code, a message and no Documents. */
static void expect_error(const char *name, const char *as, int want)
{
    node_list docs = {0};
    char eb[256] = "";
    int rc = load(name, as, &docs, eb);
    if (want) CHECK(rc == want);
    else CHECK(rc < 0);
    CHECK(docs.n == 0);
    CHECK(eb[0] != '\0');
    if (rc != want || !want) fprintf(stderr, "  %s: rc=%d (%s) msg=%s\n", name, rc, err_str(rc), eb);
    node_list_free(&docs);
}

static void test_text(void)
{
    node_list docs = {0};
    char eb[256];
    CHECK(load("hello.txt", NULL, &docs, eb) == 0);
    CHECK(docs.n == 1);
    if (docs.n == 1) {
        node_t *d = docs.v[0];
        CHECK_STR(d->id, "hello.txt"); /* plain branch: the file id, no _part_ */
        CHECK_STR(d->text, "Hello, world.\nSecond line with ünïcode.\n");
        CHECK_STR(md_keys(d), FILE_KEYS);
        CHECK_STR(md_str(d, "file_path"), "/data/hello.txt");
        CHECK_STR(md_str(d, "file_type"), "text/plain");
        CHECK(md_get(&d->md, "file_size")->i == 42);
        CHECK(d->excl_embed.n == 6 && d->excl_llm.n == 6);
        CHECK(!strv_contains(&d->excl_embed, "file_path"));
        CHECK(strv_contains(&d->excl_llm, "last_modified_date"));
    }
    node_list_free(&docs);

    /* zero bytes: SimpleDirectoryReader makes a Document with empty text */
    CHECK(load("empty.txt", NULL, &docs, eb) == 0);
    CHECK(docs.n == 1 && docs.v[0]->text_len == 0 && !strcmp(docs.v[0]->id, "empty.txt"));
    node_list_free(&docs);

    /* .md, .json and .html are not in the default extractor map: raw text */
    CHECK(load("notes.md", NULL, &docs, eb) == 0);
    CHECK(load("data.json", NULL, &docs, eb) == 0);
    CHECK(load("page.html", NULL, &docs, eb) == 0);
    CHECK(docs.n == 3);
    if (docs.n == 3) {
        CHECK(!strncmp(docs.v[0]->text, "# Title\n", 8));
        CHECK_STR(md_str(docs.v[0], "file_type"), "text/markdown");
        CHECK_STR(docs.v[1]->id, "data.json");
        CHECK(strstr(docs.v[2]->text, "<script>") != NULL);
    }
    node_list_free(&docs);

    expect_error("binary.txt", NULL, ERR_PARSE);
    expect_error("badutf8.txt", NULL, ERR_UTF8);
    expect_error("binary.txt", "slides.pptx", ERR_UNSUPPORTED);
}

static void test_pdf(void)
{
    node_list docs = {0};
    char eb[256] = "";
    CHECK(load("simple.pdf", NULL, &docs, eb) == 0);
    CHECK(docs.n == 1);
    if (docs.n == 1) {
        node_t *d = docs.v[0];
        CHECK_STR(d->id, "simple.pdf_part_0");
        CHECK(strstr(d->text, "Hello PDF world.") != NULL);
        CHECK(strstr(d->text, "Second line café.") != NULL);
        /* PDFReader: {page_label, file_name} then .update(file metadata) */
        CHECK_STR(md_keys(d), "page_label,file_name,file_path,file_type,file_size,creation_date,"
                              "last_modified_date");
        CHECK_STR(md_str(d, "page_label"), "1");
        CHECK_STR(md_str(d, "file_name"), "simple.pdf");
        CHECK_STR(md_str(d, "file_type"), "application/pdf");
        CHECK(d->excl_embed.n == 6);
    }
    node_list_free(&docs);

    CHECK(load("multi.pdf", "dir/Multi.PDF", &docs, eb) == 0);
    CHECK(docs.n == 3);
    static const char *const want[] = {"Page one alpha.", "Page two beta.", "Page three gamma."};
    for (size_t i = 0; i < docs.n && i < 3; i++) {
        char id[64], lab[8];
        snprintf(id, sizeof id, "dir/Multi.PDF_part_%zu", i);
        snprintf(lab, sizeof lab, "%zu", i + 1);
        CHECK_STR(docs.v[i]->id, id);
        CHECK_STR(md_str(docs.v[i], "page_label"), lab);
        CHECK(strstr(docs.v[i]->text, want[i]) != NULL);
        CHECK(i == 0 || !strstr(docs.v[i]->text, want[0]));
    }
    node_list_free(&docs);

    CHECK(load("labels.pdf", NULL, &docs, eb) == 0);
    CHECK(docs.n == 4);
    static const char *const labels[] = {"i", "ii", "A-1", "A-2"};
    for (size_t i = 0; i < docs.n && i < 4; i++) CHECK_STR(md_str(docs.v[i], "page_label"), labels[i]);
    if (docs.n == 4) CHECK(strstr(docs.v[2]->text, "Body one.") != NULL);
    node_list_free(&docs);

    /* RC4-encrypted with an empty user password: opens without one, as in pypdf */
    CHECK(load("rc4-empty-password.pdf", NULL, &docs, eb) == 0);
    CHECK(docs.n == 1 && strstr(docs.v[0]->text, "Readable although encrypted."));
    node_list_free(&docs);

    /* no text layer: an empty page Document, as pypdf gives */
    CHECK(load("notext.pdf", NULL, &docs, eb) == 0);
    CHECK(docs.n == 1);
    if (docs.n == 1) {
        const char *s = docs.v[0]->text;
        size_t l = docs.v[0]->text_len;
        node_py_strip(&s, &l);
        CHECK(l == 0);
    }
    node_list_free(&docs);
}

/* The same pages whether poppler runs in the child or in this process;
 * reading order gives the same text on these one-column pages. */
static void test_pdf_isolation_equivalence(void)
{
    node_list c = {0};
    char eb0[256];
    opts.pdf_reading_order = 1;
    CHECK(load("labels.pdf", NULL, &c, eb0) == 0 && c.n == 4);
    opts.pdf_reading_order = 0;
    if (c.n == 4) CHECK_STR(c.v[3]->text, "Body two.");
    node_list_free(&c);
    node_list a = {0}, b = {0};
    char eb[256];
    CHECK(load("labels.pdf", NULL, &a, eb) == 0);
    opts.pdf_isolate = 0;
    CHECK(load("labels.pdf", NULL, &b, eb) == 0);
    opts.pdf_isolate = 1;
    CHECK(a.n == b.n && a.n == 4);
    for (size_t i = 0; i < a.n && i < b.n; i++) {
        CHECK_STR(a.v[i]->text, b.v[i]->text);
        CHECK_STR(md_str(a.v[i], "page_label"), md_str(b.v[i], "page_label"));
    }
    node_list_free(&a);
    node_list_free(&b);
}

/* pdftotext missing: the poppler text mode gives a clear per-document error
 * naming the fix; reading order and the default (pypdf) text do not need it */
static void test_pdf_no_pdftotext(void)
{
    char *path = strdup(getenv("PATH") ? getenv("PATH") : "");
    setenv("PATH", "/nonexistent", 1);
    opts.pdf_text = READER_PDF_POPPLER;
    expect_error("simple.pdf", NULL, ERR_UNSUPPORTED);
    opts.pdf_text = READER_PDF_PYPDF;
    node_list docs = {0};
    char eb[256];
    CHECK(load("simple.pdf", NULL, &docs, eb) == 0 && docs.n == 1);
    node_list_free(&docs);
    opts.pdf_reading_order = 1;
    CHECK(load("simple.pdf", NULL, &docs, eb) == 0 && docs.n == 1);
    node_list_free(&docs);
    opts.pdf_reading_order = 0;
    setenv("PATH", path, 1);
    free(path);
}

static void test_pdf_hostile(void)
{
    expect_error("empty.txt", "empty.pdf", ERR_PARSE);
    expect_error("garbage.pdf", NULL, ERR_PARSE);
    expect_error("encrypted.pdf", NULL, ERR_ENCRYPTED);
    expect_error("hugecount.pdf", NULL, 0);
    expect_error("hello.txt", "not-a.pdf", ERR_PARSE);

    expect_error("truncated.pdf", NULL, ERR_PARSE);
    /* a pages tree that contains itself: poppler breaks the loop and keeps
     * two empty pages (pypdf raises); what matters is a clean result */
    node_list docs = {0};
    char eb[256] = "";
    int rc = load("cyclic.pdf", NULL, &docs, eb);
    CHECK(rc == 0 || (rc < 0 && docs.n == 0 && eb[0]));
    node_list_free(&docs);

    /* decompression/memory bomb: the child hits its address-space limit
     * (or the text cap or the clock) and dies; we get an error */
    reader_opts save = opts;
    opts.max_mem_bytes = 256LL << 20;
    opts.max_text_bytes = 4LL << 20;
    opts.time_budget_ms = 20000;
    expect_error("bomb.pdf", NULL, 0);
    /* the wall-clock budget: the child is killed (or dies first) */
    opts.max_mem_bytes = 8LL << 30;
    opts.max_text_bytes = 64LL << 20;
    opts.time_budget_ms = 300;
    expect_error("bomb.pdf", NULL, 0);
    /* with the default limits the bomb's text fits the caps: the expansion
     * ratio (text vs file size) is what rejects it */
    opts = save;
    expect_error("bomb.pdf", NULL, ERR_TOOBIG);
    /* a tiny page cap */
    opts = save;
    opts.max_pages = 2;
    expect_error("multi.pdf", NULL, ERR_TOOBIG);
    /* a text cap smaller than the text */
    opts = save;
    opts.max_text_bytes = 10;
    expect_error("multi.pdf", NULL, ERR_TOOBIG);
    opts = save;
}

/* The parent's decoder of the child's records: what a crashed or hostile
 * child can send. */
static void test_pdf_decode(void)
{
    static const char ok[] = "P" "\1\0\0\0" "i" "\x0b\0\0\0" "a\xff\0b" "\0\0\0\0\0\0\0"
                             "P" "\1\0\0\0" "2" "\0\0\0\0" "D";
    reader_pages pg = {0};
    char eb[256] = "";
    int done = 0;
    /* page "i" with text "a\xff\0b" + 7 NULs (11 bytes), page "2" with "", done */
    opts.pdf_text = READER_PDF_POPPLER;
    CHECK(reader_pdf_decode(ok, sizeof ok - 1, &opts, &pg, &done, eb, sizeof eb) == 0 && done);
    CHECK(pg.n == 2);
    if (pg.n == 2) {
        CHECK_STR(pg.v[0].label, "i");
        CHECK_STR(pg.v[0].text, "a\xef\xbf\xbd" "b"); /* bad byte -> U+FFFD, NULs dropped */
        CHECK(pg.v[1].len == 0);
    }
    reader_pages_free(&pg);
    /* pypdf's text keeps NULs (pypdf does) */
    opts.pdf_text = READER_PDF_PYPDF;
    CHECK(reader_pdf_decode(ok, sizeof ok - 1, &opts, &pg, &done, eb, sizeof eb) == 0 && done);
    CHECK(pg.n == 2 && pg.v[0].len == 13 && !memcmp(pg.v[0].text, "a\xef\xbf\xbd\0b\0\0\0\0\0\0\0", 13));
    reader_pages_free(&pg);
    static const char err[] = "E\xf3\xff\xff\xff\4\0\0\0nope";
    CHECK(reader_pdf_decode(err, sizeof err - 1, &opts, &pg, &done, eb, sizeof eb) == ERR_ENCRYPTED);
    CHECK_STR(eb, "nope");
    static const char bad_code[] = "E\7\0\0\0\0\0\0\0";
    CHECK(reader_pdf_decode(bad_code, sizeof bad_code - 1, &opts, &pg, &done, eb, sizeof eb) ==
          ERR_PARSE);
    static const char short_len[] = "P\xe8\3\0\0abc";
    CHECK(reader_pdf_decode(short_len, sizeof short_len - 1, &opts, &pg, &done, eb, sizeof eb) ==
          ERR_PARSE && pg.n == 0);
    static const char no_end[] = "P\0\0\0\0\0\0\0\0";
    CHECK(reader_pdf_decode(no_end, sizeof no_end - 1, &opts, &pg, &done, eb, sizeof eb) ==
          ERR_PARSE && !done);
    reader_pages_free(&pg);
    static const char trailing[] = "Djunk";
    CHECK(reader_pdf_decode(trailing, sizeof trailing - 1, &opts, &pg, &done, eb, sizeof eb) ==
          ERR_PARSE);
    reader_pages_free(&pg);
}

static void test_docx(void)
{
    node_list docs = {0};
    char eb[256] = "";
    CHECK(load("simple.docx", NULL, &docs, eb) == 0);
    CHECK(docs.n == 1);
    if (docs.n == 1) {
        node_t *d = docs.v[0];
        CHECK_STR(d->id, "simple.docx_part_0");
        CHECK_STR(d->text, "Header text\n\nFirst paragraph & more.\n\nTab \tafter\nbroken line"
                           "\n\nCell A\n\nCell B\n\nÜnïcödé ✓\n\nFooter text");
        CHECK_STR(md_keys(d), "file_name,file_path,file_type,file_size,creation_date,"
                              "last_modified_date");
    }
    node_list_free(&docs);
    expect_error("nodoc.docx", NULL, ERR_PARSE);
    expect_error("notzip.docx", NULL, ERR_PARSE);
    expect_error("empty.txt", "empty.docx", ERR_PARSE);
    reader_opts save = opts;
    opts.max_unzip_bytes = 1 << 20;
    expect_error("bomb.docx", NULL, ERR_TOOBIG);
    opts = save;
}

static void test_csv(void)
{
    static const struct {
        const char *file, *text;
    } ok[] = {
        {"simple.csv", "widget, 3.0, 1.5, True\ngadget, large, 10.0, 2.0, False\n"
                       "multi\nline, nan, 0.25, True"},
        {"ints.csv", "1, 2\n3, 4"},
        {"mixed.csv", "1.0, 2.5\n3.0, 4.0"},
        {"strs.csv", "1, say \"hi\"\n2, nan"},
        {"headeronly.csv", ""}, /* pandas: empty frame, "\n".join([]) */
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        node_list docs = {0};
        char eb[256] = "";
        CHECK(load(ok[i].file, NULL, &docs, eb) == 0);
        CHECK(docs.n == 1);
        if (docs.n == 1) {
            char id[64];
            snprintf(id, sizeof id, "%s_part_0", ok[i].file);
            CHECK_STR(docs.v[0]->id, id);
            CHECK_STR(docs.v[0]->text, ok[i].text);
            CHECK_STR(md_keys(docs.v[0]), FILE_KEYS);
        }
        node_list_free(&docs);
    }
    expect_error("toomany.csv", NULL, ERR_PARSE);
    reader_opts save = opts;
    opts.max_text_bytes = 16; /* simple.csv has 16 data cells */
    expect_error("simple.csv", NULL, ERR_TOOBIG);
    /* a line of 20000 commas: stopped by the field cap, not by memory */
    char *commas = malloc(20003);
    memcpy(commas, "a\n", 2);
    memset(commas + 2, ',', 20000);
    wire_doc f = mem_doc("commas.csv", commas, 20002);
    free(commas);
    node_list docs = {0};
    char eb[256] = "";
    CHECK(reader_load(&f, &opts, &docs, eb, sizeof eb) == ERR_TOOBIG && docs.n == 0);
    CHECK(strstr(eb, "too many fields") != NULL);
    doc_free(&f);
    opts = save;
    expect_error("unterminated.csv", NULL, ERR_PARSE);
    expect_error("empty.txt", "empty.csv", ERR_PARSE);
    expect_error("badutf8.txt", "bad.csv", ERR_UTF8);
}

static void test_html(void)
{
    opts.html_text = 1;
    node_list docs = {0};
    char eb[256] = "";
    CHECK(load("page.html", NULL, &docs, eb) == 0);
    CHECK(docs.n == 1);
    if (docs.n == 1) {
        CHECK_STR(docs.v[0]->id, "page.html_part_0");
        CHECK_STR(docs.v[0]->text, "Heading & more\n\nFirst paragraph wraps.\n\nBlock bold text\n"
                                   "next line\none\ntwo\n\ncafé ✓\n\nkeep  this\n  indented");
        CHECK_STR(md_keys(docs.v[0]), FILE_KEYS);
    }
    node_list_free(&docs);

    /* 100k nested elements: streamed, no tree, no recursion */
    size_t depth = 100000, len = 0;
    char *deep = malloc(depth * 5 + 64);
    len += (size_t)sprintf(deep, "<html><body>top");
    for (size_t i = 0; i < depth; i++) memcpy(deep + len, "<div>", 5), len += 5;
    len += (size_t)sprintf(deep + len, "bottom");
    wire_doc f = mem_doc("deep.html", deep, len);
    free(deep);
    int rc = reader_load(&f, &opts, &docs, eb, sizeof eb);
    CHECK(rc == 0);
    CHECK(docs.n == 1 && !strcmp(docs.v[0]->text, "top\nbottom"));
    node_list_free(&docs);
    doc_free(&f);

    /* not UTF-8: the parser's charset handling, still valid UTF-8 out */
    wire_doc g = mem_doc("latin.htm", "<p>caf\xe9</p>", 11);
    CHECK(reader_load(&g, &opts, &docs, eb, sizeof eb) == 0);
    CHECK(docs.n == 1 && !strcmp(docs.v[0]->text, "café"));
    node_list_free(&docs);
    doc_free(&g);
    opts.html_text = 0;
}

static void test_limits(void)
{
    node_list docs = {0};
    char eb[256] = "";
    wire_doc f = file_doc("hello.txt", NULL);
    reader_opts o = opts;
    o.max_file_bytes = 10;
    CHECK(reader_load(&f, &o, &docs, eb, sizeof eb) == ERR_TOOBIG && docs.n == 0);
    CHECK(strstr(eb, "limit") != NULL);
    o = opts;
    o.max_text_bytes = 10;
    CHECK(reader_load(&f, &o, &docs, eb, sizeof eb) == ERR_TOOBIG && docs.n == 0);
    f.error = strdup("permission denied");
    CHECK(reader_load(&f, &opts, &docs, eb, sizeof eb) == ERR_IO && docs.n == 0);
    CHECK_STR(eb, "permission denied");
    doc_free(&f);
    const char *js = "{\"transformations\": [{\"class_name\": \"SentenceSplitter\"}], "
                     "\"reader\": {\"max_pages\": 7, \"html_text\": true}}";
    char err[256];
    spec_t *sp = spec_parse(js, strlen(js), err, sizeof err);
    CHECK(sp != NULL);
    reader_opts_from_spec(sp, &o);
    CHECK(o.max_pages == 7 && o.html_text == 1 && o.time_budget_ms == 60000 && o.pdf_isolate == 1);
    CHECK(o.pdf_text == READER_PDF_PYPDF); /* the default: LlamaIndex's text */
    spec_free(sp);
    const char *pj = "{\"transformations\": [{\"class_name\": \"SentenceSplitter\"}], "
                     "\"reader\": {\"pdf_text\": \"poppler\"}}";
    sp = spec_parse(pj, strlen(pj), err, sizeof err);
    CHECK(sp != NULL);
    reader_opts_from_spec(sp, &o);
    CHECK(o.pdf_text == READER_PDF_POPPLER);
    spec_free(sp);
    const char *bj = "{\"transformations\": [{\"class_name\": \"SentenceSplitter\"}], "
                     "\"reader\": {\"pdf_text\": \"pdfminer\"}}";
    CHECK(spec_parse(bj, strlen(bj), err, sizeof err) == NULL && strstr(err, "pdf_text"));
    CHECK(reader_supported_ext(".pdf") && reader_supported_ext(".TXT") &&
          reader_supported_ext(".json") && !reader_supported_ext(".xlsx"));
}

int main(void)
{
    reader_opts_default(&opts);
    test_text();
    test_pdf();
    test_pdf_isolation_equivalence();
    test_pdf_hostile();
    test_pdf_no_pdftotext();
    test_pdf_decode();
    test_docx();
    test_csv();
    test_html();
    test_limits();
    return t_done();
}
