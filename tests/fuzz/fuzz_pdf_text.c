/* fuzz_pdf_text.c - the pypdf-exact text extraction (pdf_text.c on qpdf)
 * in this process, every page, without the reader's child: hostile files
 * must give text or an error code, never a crash. */
#include "buf.h"
#include "fuzz.h"
#include "pdf_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pdf_text_doc *d = NULL;
    char eb[256];
    if (pdf_text_open(data, size, &d, eb, sizeof eb)) return 0;
    int n = pdf_text_npages(d);
    for (int i = 0; i < n && i < 50; i++) {
        buf_t b;
        buf_init(&b, 1 << 20);
        int rc = pdf_text_page(d, i, &b, eb, sizeof eb);
        if (!rc && b.len && !b.p) __builtin_trap();
        buf_free(&b);
    }
    pdf_text_close(d);
    return 0;
}
