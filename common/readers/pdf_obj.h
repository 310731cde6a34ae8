/* pdf_obj.h - the few object-layer calls the pypdf-exact text extraction
 * needs, on libqpdf's C API (qpdf-c.h): qpdf parses the file, repairs
 * xref tables, resolves indirect objects and decodes stream filters; these
 * helpers only give its handles pypdf-like accessors.  Handles live until
 * qpdf_oh_release_all (pdf_text.c calls it after every page).  A missing
 * key or a wrong type reads as "absent" (NULL / 0), never as an error. */
#ifndef INGEST_PDF_OBJ_H
#define INGEST_PDF_OBJ_H

#include <qpdf/qpdf-c.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pdfo {
    qpdf_data q;
    qpdf_oh h;
} pdfo;

pdfo pdfo_key(pdfo d, const char *key);       /* d[key], resolved; null when absent */
int pdfo_has(pdfo d, const char *key);        /* key in d (d a dict or stream) */
int pdfo_is_dict(pdfo o);                     /* dictionary or stream */
int pdfo_is_stream(pdfo o);
int pdfo_is_array(pdfo o);
int pdfo_is_null(pdfo o);
const char *pdfo_name(pdfo o);                /* "/Name" or NULL; valid until the next qpdf call */
int pdfo_num(pdfo o, double *v);              /* 1 when a number */
int pdfo_is_int(pdfo o);
int pdfo_len(pdfo a);                         /* array length, 0 otherwise */
pdfo pdfo_at(pdfo a, int i);
/* Decoded stream data (malloc'd, caller frees); 0 or -1 on failure. */
int pdfo_stream(pdfo s, unsigned char **p, size_t *n);
/* Object number/generation as one key (0 for a direct object). */
uint64_t pdfo_id(pdfo o);
/* Calls fn(key) for each key of a dict (keys copied first, so fn may
 * iterate other dicts); stops at fn's first nonzero return. */
int pdfo_each_key(pdfo d, int (*fn)(void *ctx, const char *key), void *ctx);

#endif
