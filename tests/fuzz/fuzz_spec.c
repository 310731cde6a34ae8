/* fuzz_spec.c - pipeline spec validation: any JSON is accepted or rejected
 * with a message, and an accepted spec's normalised form validates again;
 * the same through lijson (LlamaIndex to_dict() JSON), whose output never
 * holds a secret. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lijson.h"
#include "spec.h"

static int has_secret_key(json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, k, x) if (spec_is_secret(k) || has_secret_key(x)) return 1;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (has_secret_key(x)) return 1;
    }
    return 0;
}

static void via_lijson(const uint8_t *data, size_t size)
{
    char err[256] = "";
    lijson_info info;
    spec_t *s = lijson_spec_parse((const char *)data, size, &info, err, sizeof err);
    if (!s) {
        if (!err[0]) __builtin_trap();
        return;
    }
    if (has_secret_key(s->root)) __builtin_trap();
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
