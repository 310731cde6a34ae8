/* tok.h - OpenAI cl100k_base tokenizer (byte-level BPE), as tiktoken 0.12.
 *
 * Exactly tiktoken's encode(text, allowed_special="all") on valid UTF-8:
 * the special tokens <|endoftext|> 100257, <|fim_prefix|> 100258,
 * <|fim_middle|> 100259, <|fim_suffix|> 100260 and <|endofprompt|> 100276
 * are recognised anywhere; the pre-tokeniser is cl100k's pattern with Rust
 * regex semantics and Unicode 16.0 classes; the 100,256 ranks are compiled
 * into the binary (common/text/data/cl100k_base.tiktoken, see PROVENANCE), so
 * there is no file to find at run time.
 *
 * Invalid UTF-8 (which a Python str, and so LlamaIndex, never holds): each
 * byte that does not start a valid RFC 3629 sequence (stray continuation,
 * overlong, encoded surrogate such as ED A0 80, > U+10FFFF, truncated) is
 * one token of its own, the single-byte token for that byte, and the text
 * around it is tokenised as if cut there.  decode(encode(x)) == x for any
 * bytes.  Never reads outside s[0..len).
 *
 * Pure: no I/O; the tables are const, and the only mutable state is
 * tok_count's per-thread memo (below), so it is safe from any thread. */
#ifndef INGEST_TOK_H
#define INGEST_TOK_H

#include <stddef.h>
#include <stdint.h>

/* Number of tokens in s[0..len).  Remembers the counts of recent short
 * pre-tokens in a memo private to the calling thread (1.1 MiB, allocated on
 * the thread's first call, freed when it exits; if that allocation fails it
 * counts without one).  Otherwise allocates only for a single pre-token (a
 * run without spaces) longer than 256 bytes; if that malloc fails, such a
 * piece counts one token per byte (an upper bound). */
size_t tok_count(const char *s, size_t len);
/* tok_count(s, len) if that is <= max, else some number > max: stops
 * counting once past max, so a long text costs only about max tokens' work.
 * Same allocation behaviour as tok_count. */
size_t tok_count_max(const char *s, size_t len, size_t max);
/* Encodes s into a malloc'd array (*ids, *n), never NULL on success even for
 * len 0; 0 or ERR_NOMEM (nothing set). */
int tok_encode(const char *s, size_t len, uint32_t **ids, size_t *n);
/* Decodes ids into malloc'd bytes (NUL-terminated, *outlen excludes the NUL);
 * 0, ERR_INVAL on an id that is not a cl100k token (nothing set), ERR_NOMEM. */
int tok_decode(const uint32_t *ids, size_t n, char **out, size_t *outlen);

#endif
