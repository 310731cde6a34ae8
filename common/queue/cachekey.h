/* cachekey.h - names of the transformation cache's entries in Redis.
 *
 * Two granularities (README "Transformation cache"):
 *   ingest:cache:e:<hex>  one embedding: sha256 over a version tag, the
 *                         model family (cachekey_family), the model, the
 *                         dimensions and the exact string sent to the API.
 *                         An identical chunk in two documents or two jobs
 *                         is one entry.
 *   ingest:cache:d:<hex>  one document through one transformation (the LLM
 *                         extractors): sha256 over a version tag, the class,
 *                         its canonical parameters (after defaults, without
 *                         the operational ones: timeouts, retries, rate
 *                         limits, concurrency, endpoint) and the document's
 *                         nodes as they enter, full content in order
 *                         (wire_nodes_encode).  Batching and folder order do
 *                         not enter, so re-batched jobs hit the same entries.
 * CACHEKEY_VERSION is part of every hash: bump it when our implementation
 * of a transformation changes its output, and old entries stop matching.
 * Each key carries the first 8 bytes of its digest (tag), written into the
 * value so a value is only accepted under its own key (cacheval.h).
 * Pure: no I/O.  Functions return 0 or ERR_NOMEM. */
#ifndef INGEST_CACHEKEY_H
#define INGEST_CACHEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "sha256.h"
#include "spec.h"

#define CACHEKEY_VERSION 1
#define CACHEKEY_PREFIX "ingest:cache:"
#define CACHEKEY_MAX 96

typedef struct cachekey {
    char key[CACHEKEY_MAX];
    uint8_t tag[8];
} cachekey;

/* "openai" for OpenAI's and Azure's endpoints (the same models give the
 * same vectors), else the api_base itself (lower-cased, no trailing '/'):
 * a self-hosted server's "model x" is not OpenAI's.  params is the
 * transformation's (embedding) or its "llm" object (extractors); api is
 * its class's dialect from the registry (spec.h). */
void cachekey_family(spec_api api, const json_t *params, char *out, size_t outlen);
/* Hash state covering everything of an embedding key but the input, so a
 * job hashes its prefix once.  tf must be an embedding transformation. */
void cachekey_embed_init(const spec_tf *tf, sha256_ctx *st);
void cachekey_embed(const sha256_ctx *st, const char *input, size_t len, cachekey *out);
/* Canonical parameters as compact sorted JSON (malloc'd), NULL on ENOMEM. */
char *cachekey_params(const spec_tf *tf);
/* Key of nodes[0..n) (one document) entering tf; params from cachekey_params. */
int cachekey_doc(const spec_tf *tf, const char *params, node_t *const *nodes, size_t n,
                 cachekey *out);

#endif
