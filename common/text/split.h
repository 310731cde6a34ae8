/* split.h - text splitters: LlamaIndex's SentenceSplitter and TokenTextSplitter.
 *
 * split_text() turns one text into chunk strings exactly as
 * llama-index-core 0.14.19's splitter.split_text_metadata_aware(text,
 * metadata_str) would, given the token count of metadata_str (the caller
 * picks the longer of the EMBED/LLM metadata strings, as LlamaIndex does;
 * pass 0 for no metadata).  TokenTextSplitter reserves 2 more tokens for
 * metadata formatting, as LlamaIndex does.  Tokens are cl100k_base
 * (tok_count), sentences untrained Punkt (punkt.h), characters code points.
 * Chunks are copies (overlap duplicates text).  Pure: no I/O.
 * Results: an empty text gives one empty chunk [""]; a whitespace-only text
 * gives no chunks.
 * Errors (message in errbuf, `out` left empty): ERR_INVAL if the effective
 * chunk size (chunk_size - metadata tokens) is not positive, chunk_overlap is
 * negative or larger than chunk_size, a separator is empty, or a single
 * character has more tokens than the effective size (LlamaIndex recurses
 * forever there); ERR_NOMEM. */
#ifndef INGEST_SPLIT_H
#define INGEST_SPLIT_H

#include <stddef.h>

typedef enum { SPLIT_SENTENCE, SPLIT_TOKEN } split_kind;

typedef struct split_params {
    split_kind kind;
    int chunk_size;                  /* tokens; SentenceSplitter default 1024 */
    int chunk_overlap;               /* tokens; default 200 (Sentence) / 20 (Token) */
    const char *separator;           /* default " " */
    const char *paragraph_separator; /* SentenceSplitter: default "\n\n\n" */
    const char *backup_separators[4];/* TokenTextSplitter: default {"\n"}; NULL-terminated */
    int secondary_regex;             /* SentenceSplitter: 1 = CHUNKING_REGEX (default), 0 = None */
    int keep_whitespaces;            /* TokenTextSplitter: default 0 (chunks are strip()ped) */
} split_params;

typedef struct split_chunk {
    char *s; /* owned, NUL-terminated */
    size_t len;
} split_chunk;

typedef struct split_chunks {
    split_chunk *v;
    size_t n, cap;
} split_chunks;

/* Fills LlamaIndex's defaults for the given splitter kind. */
void split_params_default(split_params *p, split_kind kind);
int split_text(const split_params *p, const char *text, size_t len, size_t metadata_tokens,
               split_chunks *out, char *errbuf, size_t errlen);
void split_chunks_free(split_chunks *c); /* accepts NULL */
/* LlamaIndex's split_by_sentence_tokenizer()(text): untrained Punkt sentences,
 * each running from its span start to the next one's (the last to the end of
 * the text), so whitespace stays with the previous sentence.  A blank text
 * gives no sentences.  0 or ERR_NOMEM (out left empty). */
int split_sentences(const char *text, size_t len, split_chunks *out);

#endif
