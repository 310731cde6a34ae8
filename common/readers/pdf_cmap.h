/* pdf_cmap.h - a font's ToUnicode CMap as pypdf 6.9.2 reads it
 * (pypdf/_cmap.py: prepare_cm, process_cm_line, parse_bfrange, parse_bfchar,
 * _type1_alternative), reimplemented with the same line-based quirks: the
 * textual rewriting before the split into lines, the hex decoding
 * ("charmap" for 1-byte codes, UTF-16BE otherwise, surrogatepass), the
 * 100,000-entry limit, and which malformed lines are skipped (a bad hex
 * string inside a bfrange) versus which make pypdf raise (everything else).
 * PDF_RAISED means "pypdf raises here": the caller fails the page as
 * extract_text() would.  The map holds pypdf's character_map; low[] and
 * n_int stand for its int_entry list.  Pure: bytes in, map out. */
#ifndef INGEST_PDF_CMAP_H
#define INGEST_PDF_CMAP_H

#include <stddef.h>
#include <stdint.h>

#include "pdf_ustr.h"

#define PDF_RAISED 3 /* pypdf raises an exception (message in errbuf) */

typedef struct pdf_cmap {
    pdf_map map;      /* code (as pypdf decodes it) -> Unicode text */
    size_t n_int;     /* len(int_entry) */
    uint8_t low[256]; /* low[c]: c <= 255 is in int_entry */
    int bad_key;      /* some key is not one character: ord() on it raises TypeError */
} pdf_cmap;

/* Parses a ToUnicode stream's decoded bytes into cm (which starts zeroed). */
int pdf_cmap_parse(const uint8_t *d, size_t n, pdf_cmap *cm, char *eb, size_t el);
/* The "dup <code> /<glyph> put" lines of an embedded Type 1 font program's
 * clear-text part (pypdf's fallback for Type1 fonts without ToUnicode). */
int pdf_cmap_type1(const uint8_t *d, size_t n, pdf_cmap *cm, char *eb, size_t el);
void pdf_cmap_free(pdf_cmap *cm);

/* Shared Python-semantics helpers (also used by pdf_font.c). */
/* int(tok, 16): 0, or PDF_RAISED when Python's int() would raise. */
int pdf_py_int16(const uint8_t *t, size_t n, uint64_t *v);
/* int(tok) in base 10 (bytes): 0 or PDF_RAISED. */
int pdf_py_int10(const uint8_t *t, size_t n, int64_t *v);

#endif
