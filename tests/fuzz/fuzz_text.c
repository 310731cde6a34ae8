/* fuzz_text.c - the plain-text branch, then MarkdownNodeParser over the
 * Document (so mdparse sees only what a reader can produce). */
#include "fuzz.h"
#include "mdparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader_opts o = fuzz_opts();
    wire_doc f = {.id = "f.md", .path = "f.md", .name = "f.md", .size = (int64_t)size,
                  .data = (uint8_t *)data, .len = size};
    node_list docs = {0}, nodes = {0};
    char eb[256];
    if (reader_load(&f, &o, &docs, eb, sizeof eb) == 0 && docs.n == 1) {
        if (mdparse_doc(docs.v[0], "/", 1, 1, &nodes)) __builtin_trap();
        for (size_t i = 0; i < nodes.n; i++)
            if (!nodes.v[i]->text_len || !md_get(&nodes.v[i]->md, "header_path"))
                __builtin_trap();
    }
    node_list_free(&nodes);
    node_list_free(&docs);
    return 0;
}
