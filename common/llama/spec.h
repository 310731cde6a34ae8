/* spec.h - pipeline specification: LlamaIndex transformations by class name.
 *
 * Input is JSON: {"transformations": [{"class_name": "SentenceSplitter",
 * "chunk_size": 1024, ...}, ...], "reader": {...}}.  spec_parse() validates
 * every class and parameter against a fixed table (unknown class, unknown or
 * mistyped parameter, out-of-range value, secrets such as api_key are all
 * rejected with a message naming the transformation and parameter) and fills
 * in LlamaIndex's defaults, so the stored spec is complete and workers never
 * guess.  A spec_t owns its JSON; accessors never fail on a validated spec. */
#ifndef INGEST_SPEC_H
#define INGEST_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SPEC_ROLE_PARSER,    /* document -> nodes (splitters, MarkdownNodeParser) */
    SPEC_ROLE_EXTRACTOR, /* adds metadata (LLM extractors) */
    SPEC_ROLE_EMBEDDING, /* fills node embeddings */
} spec_role;

typedef struct spec_tf {
    const char *class_name; /* canonical, static */
    spec_role role;
    json_t *params; /* borrowed from the spec's root; complete after validation */
} spec_tf;

typedef struct spec {
    json_t *root; /* normalised document */
    spec_tf *tf;
    size_t n;
} spec_t;

/* Default when a job names no pipeline: SentenceSplitter(1024, 20) + HashEmbedding(384). */
extern const char SPEC_DEFAULT_JSON[];

/* Parses and validates; NULL with a message in err on failure. */
spec_t *spec_parse(const char *json, size_t len, char *err, size_t errlen);
/* Normalised JSON (malloc'd, compact, keys sorted); NULL on ENOMEM. */
char *spec_dump(const spec_t *s);
void spec_free(spec_t *s);

int64_t spec_int(const spec_tf *t, const char *name);      /* 0 when null/absent */
double spec_num(const spec_tf *t, const char *name);
const char *spec_str(const spec_tf *t, const char *name);  /* NULL when null/absent */
int spec_bool(const spec_tf *t, const char *name);
json_t *spec_get(const spec_tf *t, const char *name);      /* borrowed */
/* 1 for a parameter name that holds a secret (api_key, ...): never in a spec. */
int spec_is_secret(const char *key);
/* Reader option from the top-level "reader" object, or dflt. */
int64_t spec_reader_int(const spec_t *s, const char *name, int64_t dflt);

#endif
