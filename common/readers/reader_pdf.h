/* reader_pdf.h - PDF -> per-page text and page labels (poppler-glib, qpdf).
 *
 * What PDFReader (pypdf) gives SimpleDirectoryReader: one entry per page, in
 * page order, with the page label (the PDF's /PageLabels where present, else
 * the 1-based page number - poppler's Catalog::indexToLabel, like pypdf's
 * page_labels; equal to pypdf 6.9.2 on all 3,731 pages of the FinanceBench
 * corpus) and the page text.  Text, by default (o->pdf_text ==
 * READER_PDF_PYPDF), is pypdf 6.9.2's extract_text() (pdf_text.h), NULs
 * kept; qpdf and poppler must agree on the page count, and a page on which
 * pypdf would raise fails the file (ERR_PARSE), as in LlamaIndex.  With
 * READER_PDF_POPPLER, text is content-stream order from
 * `pdftotext -raw -enc UTF-8` (poppler-utils, run on a memfd, one page per
 * '\f', the page's last "\n" dropped): pypdf extracts in that order, and on
 * the corpus 42% of pages are word-for-word equal to pypdf's (word-level
 * similarity 0.966) against 18% (0.90) for reading order.  With
 * o->pdf_reading_order, or when pdftotext fails on a file poppler-glib
 * opened, or disagrees on the page count, the text is
 * poppler_page_get_text's (reading order).  pdftotext missing:
 * ERR_UNSUPPORTED.  Pages without a text layer give empty text.
 * Text is made valid UTF-8 (bad bytes -> U+FFFD, NULs dropped).
 *
 * With o->pdf_isolate (the default) poppler runs in a forked child that has
 * RLIMIT_AS = current size + max_mem_bytes, RLIMIT_CPU, no core dumps and
 * stderr on /dev/null; it streams pages back through a pipe and the parent
 * kills its process group (pdftotext included) when time_budget_ms passes.
 * A crash, a memory bomb or a hang in poppler becomes an error code here:
 *   ERR_ENCRYPTED  encrypted and the empty user password does not open it
 *   ERR_PARSE      not a PDF / broken beyond repair / no pages / the parser died
 *   ERR_TIMEOUT    time budget exceeded (child killed)
 *   ERR_TOOBIG     text over max_text_bytes or pages over max_pages
 *   ERR_NOMEM, ERR_IO (fork/pipe failed)
 * On error out is left empty.  The parent never calls poppler when isolated;
 * without isolation (tests, fuzzing) no time budget is enforced. */
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

/* A multithreaded program calls this with a path to itself
 * ("/proc/self/exe") and dispatches argv[1] == "--pdf-child" to
 * reader_pdf_child_main first thing in main(): then, in sanitizer builds
 * only, the isolated child re-executes the program instead of running in
 * the forked copy (see reader_pdf.c).  A no-op elsewhere. */
void reader_pdf_exec_self(const char *path);
/* The re-executed child: parses the PDF on stdin, writes the record stream
 * to stdout, exits; returns only on bad arguments or input (exit status). */
int reader_pdf_child_main(int argc, char **argv);

/* Decodes the child's record stream (exposed for fuzzing): 'P' pages, then
 * 'D' (done) or 'E' (error).  0 with *done=1 when a 'D' record ended it. */
int reader_pdf_decode(const char *p, size_t len, const reader_opts *o, reader_pages *out,
                      int *done, char *errbuf, size_t errlen);

#endif
