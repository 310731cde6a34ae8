/* pdf_font.h - a font resource as pypdf 6.9.2 models it for text
 * extraction (pypdf/_font.py Font.from_font_resource, _cmap.py
 * get_encoding/_parse_encoding): the byte decoding (a codec name or a
 * 256-entry table from the standard encodings plus /Differences, where an
 * unknown glyph name is kept as its "/name" text), the ToUnicode map
 * (pdf_cmap), and the character widths with pypdf's default and space
 * width rules (/Widths, /W and /DW of descendant fonts, core-font metrics,
 * /MissingWidth).  Widths only steer where pypdf inserts spaces.
 * pdf_font_load returns 0, PDF_SKIPPED when pypdf would drop the font (its
 * AttributeError/TypeError catch: text in it then decodes as U+FFFD), or
 * PDF_RAISED when pypdf's extract_text would raise; ERR_NOMEM. */
#ifndef INGEST_PDF_FONT_H
#define INGEST_PDF_FONT_H

#include "pdf_cmap.h"
#include "pdf_obj.h"
#include "pdf_ustr.h"

#define PDF_SKIPPED 2

enum { PDF_ENC_CHARMAP, PDF_ENC_UTF16, PDF_ENC_OTHER, PDF_ENC_DICT };

typedef struct pdf_font {
    int enc;                          /* PDF_ENC_* */
    uint32_t eoff[256], elen[256];    /* PDF_ENC_DICT: code -> text in epool */
    ustr epool;
    pdf_cmap cm;                      /* character_map */
    pdf_map w;                        /* character_widths but "default" */
    double dflt;                      /* character_widths["default"] */
    double space_width;
} pdf_font;

int pdf_font_load(pdfo ft, pdf_font *f, char *eb, size_t el);
/* pypdf's stand-ins: the extractor's initial font, and the font of a Tf
 * naming no loaded resource. */
int pdf_font_initial(pdf_font *f);
int pdf_font_unknown(pdf_font *f);
/* Bytes of a string operand -> text (get_text_operands). */
int pdf_font_decode(const pdf_font *f, const uint8_t *s, size_t n, ustr *out);
/* Font.text_width over code points. */
double pdf_font_text_width(const pdf_font *f, const uint32_t *s, size_t n);
void pdf_font_free(pdf_font *f);

#endif
