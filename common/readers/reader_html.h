/* reader_html.h - visible text of an HTML page (libxml2's HTML parser).
 *
 * Opt-in reader (reader_opts.html_text): SimpleDirectoryReader's default reads
 * .html as plain text.  Output: text of the <body> (or the whole document if
 * there is none) without script/style/noscript/template/head content;
 * block elements (p, div, h1-h6, li, tr, table, ...) and <br> start new
 * lines, p/h1-h6/blockquote/pre/table are separated by a blank line; runs of
 * whitespace collapse to one space except inside <pre>; entities decoded;
 * lines right-trimmed, at most one blank line in a row, the result stripped.
 * Bytes that are valid UTF-8 are parsed as UTF-8, others by the document's
 * declared charset (libxml2's default, ISO-8859-1, otherwise).  Streaming
 * (SAX, 64 KiB chunks): no tree, so neither size nor nesting depth (100k
 * levels are fine) costs more than the parser's element-name stack.
 * Errors: ERR_TOOBIG (text over the out buffer's max), ERR_NOMEM.  Pure. */
#ifndef INGEST_READER_HTML_H
#define INGEST_READER_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "reader.h"

/* Appends the visible text to out (whose max the caller sets). */
int reader_html_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                     char *errbuf, size_t errlen);

#endif
