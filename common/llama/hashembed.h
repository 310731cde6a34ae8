/* hashembed.h - HashEmbedding: a local, deterministic embedder (no network).
 *
 * Signed feature hashing of word unigrams and bigrams into `dim` buckets,
 * then L2 normalisation.  Words are maximal runs of ASCII letters/digits or
 * non-ASCII bytes, ASCII-lowercased.  Hash: 64-bit FNV-1a of the word (bigram
 * = "w1 w2"); bucket = h % dim, sign = top bit.  An input with no words gives
 * the zero vector.  Pure; never fails except ERR_INVAL for dim 0. */
#ifndef INGEST_HASHEMBED_H
#define INGEST_HASHEMBED_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"

int hashembed(const char *text, size_t len, float *out, uint32_t dim);
/* The HashEmbedding transformation (a spec_transform_fn): every node's
 * embedding = hashembed(get_content(EMBED), tf's dim).  0 or ERR_NOMEM. */
int hashembed_run(const spec_tf *tf, node_t *const *nodes, size_t n);

#endif
