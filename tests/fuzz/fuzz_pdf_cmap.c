/* fuzz_pdf_cmap.c - the byte-level parsers of the pypdf-exact PDF text on
 * arbitrary bytes: ToUnicode CMaps, a Type 1 program's encoding, and the
 * content-stream lexer (every operation read to the end). */
#include "fuzz.h"
#include "pdf_cmap.h"
#include "pdf_content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char eb[128];
    pdf_cmap cm = {0};
    pdf_cmap_parse(data, size, &cm, eb, sizeof eb);
    pdf_cmap_free(&cm);
    pdf_cmap t1 = {0};
    pdf_cmap_type1(data, size, &t1, eb, sizeof eb);
    pdf_cmap_free(&t1);
    pdf_lexer lx;
    pdf_op op;
    pdf_lex_init(&lx, data, size, eb, sizeof eb);
    while (pdf_lex_next(&lx, &op) == 1)
        for (size_t i = 0; i < op.nargs; i++)
            if (op.args[i].kind == PDF_K_ARRAY && op.args[i].nitems && !op.args[i].items) __builtin_trap();
    pdf_lex_free(&lx);
    return 0;
}
