/* test_reader_mime.c - mime_guess() against Python 3.11's
 * mimetypes.guess_type() on this Debian machine (expected values were
 * produced by it). */
#include <stdio.h>
#include <string.h>

#include "mime.h"
#include "t.h"

int main(void)
{
    static const struct {
        const char *name, *type;
    } cases[] = {
        {"a.txt", "text/plain"},
        {"A.TXT", "text/plain"},
        {"dir/x.PDF", "application/pdf"},
        {"x.log", NULL},
        {"x.md", "text/markdown"},
        {"x.markdown", "text/markdown"},
        {"x.html", "text/html"},
        {"x.HTM", "text/html"},
        {"x.xml", "application/xml"},
        {"x.csv", "text/csv"},
        {"x.json", "application/json"},
        {"x.jsonl", NULL},
        {"x.rst", "text/prs.fallenstein.rst"},
        {"x.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"x.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {"x.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"x.epub", "application/epub+zip"},
        {"x.ipynb", NULL},
        {"x.py", "text/x-python"},
        {"x.c", "text/x-csrc"},
        {"x.yaml", NULL},
        {"x.tsv", "text/tab-separated-values"},
        {"x.doc", "application/msword"},
        {"x.png", "image/png"},
        {"x.JPG", "image/jpeg"},
        {"x.mbox", "application/mbox"},
        {"noext", NULL},
        {"dir.d/noext", NULL},
        {".bashrc", NULL},
        {"..x", NULL},
        {"a.", NULL},
        {"a.tar.gz", "application/x-tar"},
        {"a.tgz", "application/x-tar"},
        {"a.TGZ", "application/x-tar"},
        {"a.txt.gz", "text/plain"},
        {"a.txt.Z", "text/plain"},
        {"a.txt.z", NULL},
        {"a.svgz", "image/svg+xml"},
        {"a.tar.bz2", "application/x-tar"},
        {"a.tbz2", "application/x-tar"},
        {"a.txz", "application/x-tar"},
        {"a.pdf.br", "application/pdf"},
        {"dir/.hidden.txt", "text/plain"},
        {"a.b.c.csv", "text/csv"},
        {"weird.%", "application/x-trash"},
        {"x.1clr", "application/clr"},
        {"x.gz", NULL},
        {"x.Z", NULL},
        {"x.tar", "application/x-tar"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = mime_guess(cases[i].name);
        if (!cases[i].type) {
            CHECK(got == NULL);
            if (got) fprintf(stderr, "  %s: got %s, want None\n", cases[i].name, got);
        } else {
            CHECK_STR(got, cases[i].type);
        }
    }
    return t_done();
}
