/* reader_docx.h - DOCX text as DocxReader (docx2txt.process) makes it.
 *
 * docx2txt: for word/header*.xml parts (zip directory order), then
 * word/document.xml, then word/footer*.xml parts, walk every element in
 * document order and append: w:t -> its text, w:tab -> "\t", w:br and w:cr
 * -> "\n", w:p -> "\n\n" (at the paragraph's start); finally str.strip().
 * Limits: every part is decompressed in a stream and reading stops with
 * ERR_TOOBIG once the parts together pass max_unzip_bytes (zip bombs), the
 * text is capped at max_text_bytes (ERR_TOOBIG).  No DTD loading, no network,
 * no entity expansion beyond libxml2's defaults (which bound amplification).
 * ElementTree details kept: a w:t gives only its .text (the character data
 * before its first child tag), comments are skipped, CDATA is text.
 * Checked against docx2txt 0.9 on 800 random documents
 * (tests/data/readers/check_docx2txt.py).  Known difference: libxml2 refuses
 * a single text node over 10 MB (no XML_PARSE_HUGE, which would also lift
 * its entity-amplification guards): ERR_PARSE where docx2txt succeeds.
 * Errors: ERR_PARSE (not a zip, no word/document.xml, malformed XML),
 * ERR_ENCRYPTED (password-protected zip entries), ERR_NOMEM.  Pure. */
#ifndef INGEST_READER_DOCX_H
#define INGEST_READER_DOCX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reader.h"

/* Appends the text to out (whose max the caller sets). */
int reader_docx_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                     char *errbuf, size_t errlen);

#endif
