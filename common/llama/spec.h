/* spec.h - pipeline specification: LlamaIndex transformations by class name.
 *
 * Input is JSON: {"transformations": [{"class_name": "SentenceSplitter",
 * "chunk_size": 1024, ...}, ...], "reader": {...}}.  spec_parse() validates
 * every class and parameter against a fixed table (unknown class, unknown or
 * mistyped parameter, out-of-range value, secrets such as api_key are all
 * rejected with a message naming the transformation and parameter) and fills
 * in LlamaIndex's defaults, so the stored spec is complete and workers never
 * guess.  A spec_t owns its JSON; accessors never fail on a validated spec.
 *
 * The class table in spec.c is the one registry of transformations: each
 * class carries its role, its kind (node parser, local transformation,
 * remote embedding, remote extractor), which one within the kind
 * (variant), and for the pure kinds the function that runs it.  Nobody else
 * compares class names: runners switch on kind and variant. */
#ifndef INGEST_SPEC_H
#define INGEST_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "node.h"

typedef enum {
    SPEC_ROLE_PARSER,    /* document -> nodes (splitters, MarkdownNodeParser) */
    SPEC_ROLE_EXTRACTOR, /* adds metadata (LLM extractors) */
    SPEC_ROLE_EMBEDDING, /* fills node embeddings */
} spec_role;

/* Who runs a transformation, and how. */
typedef enum {
    SPEC_KIND_PARSER,  /* node parser, pure: documents -> nodes (spec_tf.parse) */
    SPEC_KIND_LOCAL,   /* local transformation, pure: nodes in place (spec_tf.transform) */
    SPEC_KIND_EMBED,   /* remote embedding model (the worker's embedding stage) */
    SPEC_KIND_EXTRACT, /* remote LLM metadata extractor (the worker's extractor stage) */
} spec_kind;

/* spec_tf.variant for SPEC_KIND_PARSER ... */
enum { SPEC_PARSER_SENTENCE, SPEC_PARSER_TOKEN, SPEC_PARSER_WINDOW, SPEC_PARSER_MARKDOWN };
/* ... for SPEC_KIND_EXTRACT ... */
enum { SPEC_EXTRACT_TITLE, SPEC_EXTRACT_KEYWORD, SPEC_EXTRACT_QUESTIONS, SPEC_EXTRACT_SUMMARY };
/* ... and for SPEC_KIND_EMBED (also an extractor's llm class: spec_llm_api). */
typedef enum { SPEC_API_OPENAI, SPEC_API_AZURE, SPEC_API_OPENAI_LIKE } spec_api;

struct spec_tf;
/* A document failed to parse (it produces no nodes; the others go on). */
typedef void spec_parse_err_fn(void *ud, const node_t *doc, int code, const char *msg);
/* Appends the nodes of docs[0..n) to out: 0, or a code that fails the batch. */
typedef int spec_parse_fn(const struct spec_tf *tf, node_t *const *docs, size_t n,
                          node_list *out, spec_parse_err_fn *on_error, void *ud);
/* Transforms nodes[0..n) in place: 0, or a code that fails the batch. */
typedef int spec_transform_fn(const struct spec_tf *tf, node_t *const *nodes, size_t n);

typedef struct spec_tf {
    const char *class_name; /* canonical, static */
    spec_role role;
    spec_kind kind;
    int variant;                  /* SPEC_PARSER_*, SPEC_EXTRACT_* or spec_api, by kind */
    spec_parse_fn *parse;         /* SPEC_KIND_PARSER, else NULL */
    spec_transform_fn *transform; /* SPEC_KIND_LOCAL, else NULL */
    json_t *params; /* borrowed from the spec's root; complete after validation */
} spec_tf;

#define SPEC_MAX_TF 64 /* most transformations in one spec */

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
/* The API dialect of a validated llm object's class_name (OpenAI,
 * AzureOpenAI, OpenAILike). */
spec_api spec_llm_api(const char *class_name);
/* The registry's entry for a transformation class: 0, or ERR_NOTFOUND. */
int spec_class_lookup(const char *name, spec_role *role, spec_kind *kind, int *variant);
/* The dialect of an llm class: 0, or ERR_NOTFOUND for a class not supported. */
int spec_llm_lookup(const char *class_name, spec_api *api);
/* Top-level "cache" (default true; false is LlamaIndex's disable_cache) and
 * "cache_ttl" in seconds (-1 when absent: the worker's default; 0: none). */
int spec_cache_enabled(const spec_t *s);
int64_t spec_cache_ttl(const spec_t *s);
/* Top-level "docstore": its collection (NULL when none) and strategy
 * ("upserts" | "duplicates_only" | "upserts_and_delete"). */
const char *spec_docstore(const spec_t *s, const char **strategy);
/* 1 for a parameter name that holds a secret (api_key, ...): never in a spec. */
int spec_is_secret(const char *key);
/* Reader option from the top-level "reader" object, or dflt. */
int64_t spec_reader_int(const spec_t *s, const char *name, int64_t dflt);

#endif
