/* test_pdf_text.c - pypdf-exact PDF text (common/readers/pdf_text.c) on the
 * fixtures of tests/data/pdf_text: every page must be byte-identical to
 * what the real pypdf 6.9.2 extracted (expected.json, written once by
 * tests/tools/gen_pdf_fixtures.py --expect in the peer environment), and a
 * file pypdf raises on must fail with ERR_PARSE.  Also the ToUnicode and
 * content-stream edge cases that pypdf handles without raising. */
#include <jansson.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "pdf_cmap.h"
#include "pdf_content.h"
#include "pdf_text.h"
#include "t.h"

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    rewind(f);
    char *p = malloc((size_t)l + 1);
    *n = p ? fread(p, 1, (size_t)l, f) : 0;
    fclose(f);
    return p;
}

/* Returns the number of pages compared (or -1 when the file failed). */
static int check_file(const char *dir, const char *name, json_t *want)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n;
    char *data = slurp(path, &n);
    CHECK(data != NULL);
    if (!data) return -1;
    pdf_text_doc *d = NULL;
    char eb[256] = "";
    int rc = pdf_text_open((const uint8_t *)data, n, &d, eb, sizeof eb);
    CHECK(rc == 0);
    json_t *pages = json_object_get(want, "pages");
    int np = rc ? 0 : pdf_text_npages(d), failed = 0;
    if (pages) CHECK((size_t)np == json_array_size(pages));
    for (int i = 0; !rc && i < np; i++) {
        buf_t b;
        buf_init(&b, 0);
        int prc = pdf_text_page(d, i, &b, eb, sizeof eb);
        json_t *w = json_array_get(pages, (size_t)i);
        if (pages) {
            int same = prc == 0 && w && json_string_length(w) == b.len &&
                       !memcmp(json_string_value(w), b.p ? b.p : "", b.len);
            CHECK(same);
            if (!same)
                fprintf(stderr, "  %s page %d (rc %d %s):\n  got:  %.*s\n  want: %s\n", name, i + 1,
                        prc, eb, (int)b.len, b.p ? b.p : "", json_string_value(w));
        } else if (prc == ERR_PARSE) {
            failed = 1;
        }
        buf_free(&b);
    }
    if (!pages) CHECK(failed); /* pypdf raises on this one */
    pdf_text_close(d);
    free(data);
    return np;
}

static void test_fixtures(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/expected.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &je);
    CHECK(root != NULL);
    CHECK_STR(json_string_value(json_object_get(root, "pypdf")), "6.9.2");
    const char *name;
    json_t *v;
    int files = 0;
    json_object_foreach(json_object_get(root, "files"), name, v) {
        check_file(dir, name, v);
        files++;
    }
    CHECK(files >= 12);
    json_decref(root);
}

/* pdf_cmap: a bad hex value in a bfrange array skips the rest of that line
 * only; a bad code in a bfchar line raises, as in pypdf. */
static void test_cmap(void)
{
    static const char ok[] = "beginbfrange\n<01> <03> <0041>\n<10> <11> [<004> <0042>]\n<20> <20> [<0058>]\n"
                             "endbfrange\nbeginbfchar <05> <> <06> <0062> endbfchar";
    pdf_cmap cm = {0};
    char eb[128];
    CHECK(pdf_cmap_parse((const uint8_t *)ok, sizeof ok - 1, &cm, eb, sizeof eb) == 0);
    uint32_t k = 3, k2 = 0x10, k3 = 0x20, k5 = 5;
    const pdf_map_ent *e = pdf_map_get(&cm.map, &k, 1);
    CHECK(e && e->vlen == 1 && pdf_map_val(&cm.map, e)[0] == 'C');
    CHECK(pdf_map_get(&cm.map, &k2, 1) == NULL);
    e = pdf_map_get(&cm.map, &k3, 1);
    CHECK(e && pdf_map_val(&cm.map, e)[0] == 'X');
    e = pdf_map_get(&cm.map, &k5, 1);
    CHECK(e && e->vlen == 0); /* <> maps to "" */
    CHECK(cm.low[6] && !cm.bad_key && cm.n_int == 6); /* as pypdf's int_entry [1,2,3,32,5,6] */
    pdf_cmap_free(&cm);
    static const char bad[] = "beginbfchar\n<0G> <0041>\nendbfchar";
    pdf_cmap cm2 = {0};
    CHECK(pdf_cmap_parse((const uint8_t *)bad, sizeof bad - 1, &cm2, eb, sizeof eb) == PDF_RAISED);
    pdf_cmap_free(&cm2);
}

/* pdf_content: numbers pypdf cannot read become 0, unterminated arrays end */
static void test_lexer(void)
{
    static const char s[] = "1 [ (a) 1";
    pdf_lexer lx;
    char eb[128];
    pdf_lex_init(&lx, (const uint8_t *)s, sizeof s - 1, eb, sizeof eb);
    pdf_op op;
    CHECK(pdf_lex_next(&lx, &op) == 0); /* an array cut by the end: no operator, no error */
    pdf_lex_free(&lx);
    static const char r[] = "[ (a) Tj ] TJ";
    pdf_lex_init(&lx, (const uint8_t *)r, sizeof r - 1, eb, sizeof eb);
    CHECK(pdf_lex_next(&lx, &op) == PDF_RAISED); /* an operator inside an array */
    pdf_lex_free(&lx);
    static const char t[] = "1,5 -.5 +3 1.2.3 Td";
    pdf_lex_init(&lx, (const uint8_t *)t, sizeof t - 1, eb, sizeof eb);
    CHECK(pdf_lex_next(&lx, &op) == 1 && op.nargs == 4);
    if (op.nargs == 4) {
        CHECK(op.args[0].num == 0 && op.args[1].num == -0.5 && op.args[2].num == 3 &&
              op.args[3].num == 0);
        CHECK(op.args[2].is_int && !op.args[1].is_int);
    }
    pdf_lex_free(&lx);
}

int main(int argc, char **argv)
{
    test_fixtures(argc > 1 ? argv[1] : "tests/data/pdf_text");
    test_cmap();
    test_lexer();
    return t_done();
}
