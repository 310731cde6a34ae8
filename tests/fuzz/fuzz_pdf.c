/* fuzz_pdf.c - reader_load on a .pdf: poppler in the isolated child, the
 * record stream and Document building in this process. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_load("f.pdf", data, size, 0);
    return 0;
}
