/* pdf_tables.h - lookups into the tables generated from pypdf 6.9.2's data
 * (pdf_tables.inc, compiled into pdf_tables.c; see data/PROVENANCE). */
#ifndef INGEST_PDF_TABLES_H
#define INGEST_PDF_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* Glyph name (no "/") -> up to 2 code points (pypdf's adobe_glyphs); 0 when
 * unknown, else the number of code points. */
int pdf_glyph_lookup(const char *name, size_t n, uint32_t out[2]);
/* "StandardEncoding", "WinAnsiEncoding", "MacRomanEncoding",
 * "PDFDocEncoding", "Symbol", "ZapfDingbats" -> 256 code points, else NULL. */
const uint32_t *pdf_tables_encoding(const char *name);
/* A core font's FontDescriptor flags, default width and widths table. */
int pdf_tables_core(const char *name, int *flags, int *dflt, const void **w, int *n);
int pdf_tables_core_width(const void *w, int i, uint32_t *cp);

#endif
