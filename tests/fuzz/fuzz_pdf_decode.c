/* fuzz_pdf_decode.c - the parent's decoder of the PDF child's record stream
 * (a compromised or crashed child may send anything). */
#include "fuzz.h"
#include "reader_pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader_opts o = fuzz_opts();
    reader_pages pages = {0};
    char eb[256];
    int done;
    int rc = reader_pdf_decode((const char *)data, size, &o, &pages, &done, eb, sizeof eb);
    (void)rc;
    reader_pages_free(&pages);
    return 0;
}
