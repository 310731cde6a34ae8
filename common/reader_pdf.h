/* reader_pdf.h - PDF -> per-page text and page labels (poppler-glib).
 *
 * What PDFReader (pypdf) gives SimpleDirectoryReader: one entry per page, in
 * page order, with the page label (the PDF's /PageLabels where present, else
 * the 1-based page number - poppler's Catalog::indexToLabel, like pypdf's
 * page_labels) and the page text (poppler_page_get_text: reading order,
 * lines ended by "\n").  Pages without a text layer give empty text.
 * Text is made valid UTF-8 (bad bytes -> U+FFFD, NULs dropped).
 *
 * With o->pdf_isolate (the default) poppler runs in a forked child that has
 * RLIMIT_AS = current size + max_mem_bytes, RLIMIT_CPU, no core dumps and
 * stderr on /dev/null; it streams pages back through a pipe and the parent
 * kills it when time_budget_ms passes.  A crash, a memory bomb or a hang in
 * poppler becomes an error code here:
 *   ERR_ENCRYPTED  encrypted and the empty user password does not open it
 *   ERR_PARSE      not a PDF / broken beyond repair / no pages / the parser died
 *   ERR_TIMEOUT    time budget exceeded (child killed)
 *   ERR_TOOBIG     text over max_text_bytes or pages over max_pages
 *   ERR_NOMEM, ERR_IO (fork/pipe failed)
 * On error out is left empty.  The parent never calls poppler when isolated. */
#ifndef INGEST_READER_PDF_H
#define INGEST_READER_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "reader.h"

typedef struct reader_page {
    char *label; /* UTF-8, NUL-terminated */
    char *text;  /* UTF-8, NUL-terminated */
    size_t len;
} reader_page;

typedef struct reader_pages {
    reader_page *v;
    size_t n, cap;
} reader_pages;

void reader_pages_free(reader_pages *p); /* accepts NULL; leaves it empty */

int reader_pdf_extract(const uint8_t *data, size_t len, const reader_opts *o, reader_pages *out,
                       char *errbuf, size_t errlen);

/* Decodes the child's record stream (exposed for fuzzing): 'P' pages, then
 * 'D' (done) or 'E' (error).  0 with *done=1 when a 'D' record ended it. */
int reader_pdf_decode(const char *p, size_t len, const reader_opts *o, reader_pages *out,
                      int *done, char *errbuf, size_t errlen);

#endif
