/* fuzz_spec.c - pipeline spec validation: any JSON is accepted or rejected
 * with a message, and an accepted spec's normalised form validates again;
 * the same through lijson (LlamaIndex to_dict() JSON), whose output never
 * holds a secret. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lijson.h"
#include "spec.h"

static void via_lijson(const uint8_t *data, size_t size)
{
    char err[256] = "";
    lijson_info info;
    spec_t *s = lijson_spec_parse((const char *)data, size, &info, err, sizeof err);
    if (!s) {
        if (!err[0]) __builtin_trap();
        return;
    }
    char *dump = spec_dump(s);
    if (!dump || strstr(dump, "\"api_key\"")) __builtin_trap();
    free(dump);
    spec_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    via_lijson(data, size);
    char err[256] = "";
    spec_t *s = spec_parse((const char *)data, size, err, sizeof err);
    if (!s) {
        if (!err[0]) __builtin_trap();
        return 0;
    }
    char *dump = spec_dump(s);
    spec_t *again = dump ? spec_parse(dump, strlen(dump), err, sizeof err) : NULL;
    if (!again || again->n != s->n) __builtin_trap();
    spec_free(again);
    free(dump);
    spec_free(s);
    return 0;
}
