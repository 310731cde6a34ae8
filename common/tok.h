/* tok.h - OpenAI cl100k_base tokenizer (byte-level BPE), as tiktoken 0.12.
 *
 * Exactly tiktoken's encode(text, allowed_special="all"): special tokens such
 * as <|endoftext|> are recognised anywhere; the pre-tokeniser is cl100k's
 * pattern with Rust-regex Unicode semantics; ranks are embedded in the binary.
 * Input is UTF-8; invalid bytes are treated as tiktoken treats the U+FFFD
 * Python substitutes... see tok.c for the exact rule.  Pure: no I/O, no
 * global mutable state, safe from any thread. */
#ifndef INGEST_TOK_H
#define INGEST_TOK_H

#include <stddef.h>
#include <stdint.h>

/* Number of tokens in s[0..len); never allocates. */
size_t tok_count(const char *s, size_t len);
/* Encodes s into a malloc'd array (*ids, *n); 0 or ERR_NOMEM (nothing set). */
int tok_encode(const char *s, size_t len, uint32_t **ids, size_t *n);
/* Decodes ids into malloc'd bytes (NUL-terminated); ERR_INVAL on unknown id. */
int tok_decode(const uint32_t *ids, size_t n, char **out, size_t *outlen);

#endif
