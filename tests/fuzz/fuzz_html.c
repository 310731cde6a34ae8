/* fuzz_html.c - visible-text HTML reader (libxml2 + the iterative walk). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_load("f.html", data, size, 1);
    return 0;
}
