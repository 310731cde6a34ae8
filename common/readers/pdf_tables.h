/* pdf_tables.h - lookups into the tables generated from pypdf 6.9.2's data
 * (pdf_tables.inc, compiled into pdf_cmap.c; see data/PROVENANCE). */
#ifndef INGEST_PDF_TABLES_H
#define INGEST_PDF_TABLES_H

#include <stdint.h>

/* "StandardEncoding", "WinAnsiEncoding", "MacRomanEncoding",
 * "PDFDocEncoding", "Symbol", "ZapfDingbats" -> 256 code points, else NULL. */
const uint32_t *pdf_tables_encoding(const char *name);
/* A core font's FontDescriptor flags, default width and widths table. */
int pdf_tables_core(const char *name, int *flags, int *dflt, const void **w, int *n);
int pdf_tables_core_width(const void *w, int i, uint32_t *cp);

#endif
