/* pdf_xref.h - the object revisions pypdf 6.9.2 reads, on top of qpdf's.
 *
 * In a file with incremental updates qpdf reads every object's newest
 * revision.  pypdf mostly does too, but when it opens an object stream it
 * caches every object in it that its xref lists as compressed - also the
 * stale copies an old object stream still holds of objects that a newer
 * object stream replaced.  So which revision pypdf sees depends on the
 * order it opens object streams in.  pdf_xref_pypdf_revisions replays that
 * for the reads pypdf makes first and that decide the pages - the page tree
 * walk of PdfReader.pages (catalog, page-tree nodes, pages, in tree order) -
 * and replaces, in qpdf, each object pypdf would read stale by the copy
 * pypdf reads (parsed by qpdf from the old object stream's bytes).
 *
 * It needs the xref chain as pypdf walks it (startxref, /Prev, /XRefStm,
 * xref tables and streams, newest first, an entry already seen wins); on
 * anything it does not understand it changes nothing.  Returns the number
 * of objects replaced (0 for nearly every file), or ERR_NOMEM. */
#ifndef INGEST_PDF_XREF_H
#define INGEST_PDF_XREF_H

#include <qpdf/qpdf-c.h>
#include <stddef.h>
#include <stdint.h>

int pdf_xref_pypdf_revisions(qpdf_data q, const uint8_t *data, size_t len);

#endif
