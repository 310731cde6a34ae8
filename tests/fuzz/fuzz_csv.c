/* fuzz_csv.c - PandasCSVReader emulation (tokenizer, dtype inference). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_load("f.csv", data, size, 0);
    return 0;
}
