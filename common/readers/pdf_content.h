/* pdf_content.h - content-stream tokenizer with pypdf 6.9.2's parsing rules
 * (generic/_data_structures.py ContentStream._parse_content_stream,
 * read_object, read_string_from_stream, read_hex_string_from_stream,
 * NumberObject/NameObject.read_from_stream, _read_inline_image).
 *
 * Why not qpdf's tokenizer: pypdf's text depends on how pypdf itself reads
 * operands - which bytes end an operator, that "1,5" is the number 0, how a
 * bad escape reads, where a stray ')' makes it raise - so the lexer follows
 * pypdf's reader, byte for byte.  The object layer (files, xref, filters)
 * is qpdf's.
 *
 * pdf_lex_next yields one operation at a time: 1 (op filled), 0 (end of
 * stream) or PDF_RAISED (pypdf's reader would raise; message in eb).
 * Operands point into the lexer's arena, valid until the next call.
 * Memory: bounded by PDF_LEX_MAX_OPERANDS and the stream size; nesting by
 * PDF_LEX_MAX_DEPTH (Python's recursion limit in pypdf). */
#ifndef INGEST_PDF_CONTENT_H
#define INGEST_PDF_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#define PDF_LEX_MAX_DEPTH 200
#define PDF_LEX_MAX_OPERANDS 100000

enum { PDF_K_NUM, PDF_K_STR, PDF_K_NAME, PDF_K_ARRAY, PDF_K_DICT, PDF_K_BOOL, PDF_K_NULL };

typedef struct pdf_operand {
    int kind;
    int is_int;       /* NUM: NumberObject (int) rather than FloatObject */
    double num;       /* NUM */
    const uint8_t *s; /* STR: bytes; NAME: "/Name" unescaped */
    size_t n;
    struct pdf_operand *items; /* ARRAY */
    size_t nitems;
} pdf_operand;

typedef struct pdf_op {
    const uint8_t *op; /* operator bytes */
    size_t oplen;
    pdf_operand *args;
    size_t nargs;
} pdf_op;

typedef struct pdf_arena_blk pdf_arena_blk;

typedef struct pdf_lexer {
    const uint8_t *p;
    size_t n, pos;
    pdf_arena_blk *blk;
    uint8_t *tmp; /* string decoding scratch */
    pdf_operand *ops; /* operand list scratch */
    size_t opcap;
    size_t tcap;
    char *eb;
    size_t el;
} pdf_lexer;

void pdf_lex_init(pdf_lexer *lx, const uint8_t *p, size_t n, char *eb, size_t el);
int pdf_lex_next(pdf_lexer *lx, pdf_op *op);
void pdf_lex_free(pdf_lexer *lx);

#endif
