/* pdf_text.h - page text exactly as pypdf 6.9.2's PageObject.extract_text()
 * gives it (default "plain" mode, orientations 0/90/180/270, space_width
 * 200): what LlamaIndex's PDFReader puts in each page's Document.
 *
 * The content-stream walk, text state and matrices, the newline/space
 * decisions (pypdf/_text_extraction: crlf_space_check and the TJ offset
 * rule), form XObjects (each extracted with fresh state from its own
 * /Resources, a newline before it), right-to-left handling, and the
 * character decoding of pdf_font/pdf_cmap are pypdf's, rewritten in C.
 * The object layer is libqpdf (pdf_obj.h), adjusted to the object
 * revisions pypdf reads in incrementally updated files (pdf_xref.h).
 *
 * pdf_text_page returns 0 with the page's UTF-8 text appended to out, or
 * ERR_PARSE where pypdf's extract_text() would raise (LlamaIndex then loses
 * the file; callers make it a per-document error), ERR_NOMEM, ERR_TOOBIG.
 * Not thread-safe per document; documents are independent.  Known
 * differences: CJK codecs (GBK, Big5, GB18030 encodings) decode as Latin-1,
 * a lone UTF-16 surrogate becomes U+FFFD, form XObjects nest at most
 * PDF_TEXT_MAX_DEPTH deep (pypdf: Python's recursion limit). */
#ifndef INGEST_PDF_TEXT_H
#define INGEST_PDF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PDF_TEXT_MAX_DEPTH 24

typedef struct pdf_text_doc pdf_text_doc;

/* Opens the bytes (kept by reference: they must outlive the doc).
 * ERR_ENCRYPTED when the empty password does not open it, ERR_PARSE. */
int pdf_text_open(const uint8_t *data, size_t len, pdf_text_doc **out, char *eb, size_t el);
int pdf_text_npages(const pdf_text_doc *d);
int pdf_text_page(pdf_text_doc *d, int i, buf_t *out, char *eb, size_t el);
void pdf_text_close(pdf_text_doc *d);

#endif
