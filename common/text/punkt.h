/* punkt.h - nltk 3.8's PunktSentenceTokenizer() with no training data, as
 * LlamaIndex's SentenceSplitter uses it (PunktParameters empty: no known
 * abbreviations, collocations, sentence starters or orthographic context).
 *
 * punkt_span_tokenize() gives exactly span_tokenize(text) (realigned
 * boundaries) as byte offsets into the UTF-8 text; Python's character
 * semantics (code points, Unicode \s, \w, \d, isupper/islower) are those of
 * pyuni.h.  Pure: no I/O, no global state.
 * Errors: ERR_NOMEM (out left empty).  Any byte string is accepted. */
#ifndef INGEST_PUNKT_H
#define INGEST_PUNKT_H

#include <stddef.h>

typedef struct punkt_span {
    size_t start, end; /* byte offsets, start < end */
} punkt_span;

typedef struct punkt_spans {
    punkt_span *v;
    size_t n, cap;
} punkt_spans;

/* Appends the sentence spans of text[0..len) to out (which may hold spans
 * already; on error it is emptied). */
int punkt_span_tokenize(const char *text, size_t len, punkt_spans *out);
void punkt_spans_free(punkt_spans *s); /* accepts NULL; leaves it empty */

#endif
