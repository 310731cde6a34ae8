/* oai.h - the OpenAI HTTP API as pure functions: request bodies, response
 * parsing, error/Retry-After interpretation, retry backoff, the embedding
 * input rule and LlamaIndex's prompt formatting.
 *
 * No I/O, no clock, no randomness: callers pass "now" and random numbers in,
 * so everything here is unit-testable.  Builders append to a buf_t (its cap
 * applies; ERR_TOOBIG/ERR_NOMEM leave the buffer partially written - callers
 * reset it).  Parsers never trust the response: wrong types, missing or
 * duplicate indices, bad base64, ragged dimensions and truncation all give
 * ERR_PARSE with a short reason in err. */
#ifndef INGEST_OAI_H
#define INGEST_OAI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

/* Longest Retry-After we honour (LlamaIndex's _MAX_RETRY_AFTER_SECONDS). */
#define OAI_MAX_RETRY_AFTER 120.0
/* Most inputs per embeddings request (OpenAI's limit). */
#define OAI_MAX_INPUTS 2048

/* --- embeddings --- */

/* OpenAIEmbedding's own preprocessing of one input: text.replace("\n", " ")
 * (llama-index-embeddings-openai 0.6.0, get_embeddings/aget_embeddings). */
int oai_embed_input(const char *s, size_t len, buf_t *out);
/* Token limit of a known OpenAI embedding model (8191 for ada-002,
 * 3-small, 3-large); 0 when unknown (no check). */
size_t oai_embed_token_limit(const char *model);
/* {"input":[...],"model":M,"encoding_format":"base64"|"float"[,"dimensions":D]}
 * dimensions <= 0 means absent. */
int oai_embed_request(const char *model, const char *const *inputs, const size_t *lens, size_t n,
                      int64_t dimensions, int base64, buf_t *out);
/* Parses an embeddings response for n inputs.  On success *vecs is a
 * malloc'd n*dim float array in input order (placed by "index"), *dim the
 * common dimension, *tokens usage.prompt_tokens (0 if absent).  Embeddings
 * may be base64 little-endian float32 strings or arrays of numbers.
 * expect_dim > 0 additionally requires that dimension.  The usual shape
 * (base64, plain strings) is scanned in place (jscan); anything else goes
 * to oai_embed_parse_tree, so the two always agree. */
int oai_embed_parse(const char *body, size_t len, size_t n, uint32_t expect_dim, float **vecs,
                    uint32_t *dim, uint64_t *tokens, char *err, size_t errlen);
/* The same with jansson only: the reference the fast path is tested against. */
int oai_embed_parse_tree(const char *body, size_t len, size_t n, uint32_t expect_dim, float **vecs,
                         uint32_t *dim, uint64_t *tokens, char *err, size_t errlen);

/* Standard base64 (padding optional) into out[cap]; *outlen bytes.
 * ERR_PARSE on a bad character or length, ERR_TOOBIG if cap is short. */
int oai_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen);

/* --- chat completions --- */

/* {"messages":[{"role":"user","content":P}],"model":M,"stream":false,
 *  "temperature":T[,"max_tokens":N]}; max_tokens <= 0 means absent. */
int oai_chat_request(const char *model, double temperature, int64_t max_tokens,
                     const char *prompt, size_t plen, buf_t *out);
/* choices[0].message.content into *content (malloc'd; "" for null), usage
 * prompt_tokens into *tokens. */
int oai_chat_parse(const char *body, size_t len, char **content, uint64_t *tokens, char *err,
                   size_t errlen);

/* --- errors and retries --- */

/* Human text of an error response: error.message (plus type/code when
 * present), else the body's first bytes with control characters blanked;
 * at most ~400 bytes.  Never fails (writes "" on allocation failure). */
void oai_error_text(long status, const char *body, size_t len, char *out, size_t outlen);
/* Whether an HTTP status is worth retrying (408, 409, 429, 5xx), as the
 * openai SDK decides. */
int oai_status_retryable(long status);
/* Seconds to wait from the retry-after-ms / retry-after header values (NULL
 * when absent): retry-after-ms (float ms) wins, then retry-after as float
 * seconds or an HTTP-date relative to now.  -1 when absent, unparsable,
 * negative; capped at OAI_MAX_RETRY_AFTER. */
double oai_retry_after(const char *after_ms, const char *after, time_t now);
/* Exponential backoff with full jitter: u * min(cap, base * 2^attempt),
 * u in [0,1) supplied by the caller; attempt counts from 0. */
double oai_backoff(unsigned attempt, double base, double cap, double u);

/* --- prompts --- */

/* LlamaIndex's SafeFormatter (prompts/utils.py): every "{key}" (key = run of
 * characters other than braces) whose key is among keys[] is replaced by the
 * value; anything else, including "{{", is left as it is.  Values are not
 * rescanned. */
int oai_format(const char *tmpl, const char *const *keys, const char *const *vals, size_t n,
               buf_t *out);

/* JSON string literal (with quotes) of UTF-8 text. */
int oai_json_str(buf_t *out, const char *s, size_t len);

#endif
