/* fuzz.h - shared bits of the reader fuzz targets: small limits so one input
 * stays cheap, and a wire_doc over the input bytes. */
#ifndef INGEST_FUZZ_H
#define INGEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline reader_opts fuzz_opts(void)
{
    reader_opts o;
    reader_opts_default(&o);
    o.max_text_bytes = 1 << 20;
    o.max_unzip_bytes = 4 << 20;
    o.max_mem_bytes = 512LL << 20;
    o.time_budget_ms = 3000;
    o.max_pages = 1000;
    return o;
}

/* Loads data as a file called name; every outcome is fine but a crash. */
static inline void fuzz_load(const char *name, const uint8_t *data, size_t size, int html_text)
{
    reader_opts o = fuzz_opts();
    o.html_text = html_text;
    wire_doc f = {.id = (char *)name, .path = (char *)name, .name = (char *)name,
                  .size = (int64_t)size, .data = (uint8_t *)data, .len = size};
    node_list docs = {0};
    char eb[256];
    int rc = reader_load(&f, &o, &docs, eb, sizeof eb);
    if (rc && docs.n) __builtin_trap(); /* errors must append nothing */
    for (size_t i = 0; i < docs.n; i++)
        if (docs.v[i]->text[docs.v[i]->text_len] != '\0') __builtin_trap();
    node_list_free(&docs);
}

#endif
