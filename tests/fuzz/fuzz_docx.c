/* fuzz_docx.c - DOCX reader (libzip from memory + xmlReader streaming). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_load("f.docx", data, size, 0);
    return 0;
}
