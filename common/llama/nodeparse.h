/* nodeparse.h - node parsers: Documents -> TextNodes, as LlamaIndex's
 * NodeParser.get_nodes_from_documents() does for one call.
 *
 * For each document: metadata-aware split (chunk_size minus the tokens of the
 * longer of its EMBED/LLM metadata strings, whatever include_metadata says,
 * as LlamaIndex does) - or, for SentenceWindowNodeParser, one node per Punkt
 * sentence with the window and original_text metadata - TextNodes carrying the
 * document's excluded keys and templates, a SOURCE relationship to the
 * document, then _postprocess_parsed_nodes: start/end char indices by
 * str.find from the previous node's start + 1, metadata merged from the
 * document, PREVIOUS/NEXT between nodes of the same document (NEXT captured
 * before the next node's metadata merge, as LlamaIndex does).
 * Node ids are deterministic: a UUID made from sha256(doc id, chunk index).
 * A document that fails (e.g. metadata longer than chunk_size) is reported
 * through on_error and produces no nodes; others continue. Pure. */
#ifndef INGEST_NODEPARSE_H
#define INGEST_NODEPARSE_H

#include <stddef.h>

#include "node.h"
#include "spec.h"
#include "split.h"

typedef spec_parse_err_fn nodeparse_err_fn;

/* Appends nodes for docs[0..n) to out; returns 0, ERR_NOMEM (fatal) or
 * ERR_UNSUPPORTED (tf is not SentenceSplitter, TokenTextSplitter or
 * SentenceWindowNodeParser).  A spec_parse_fn (spec.c's registry). */
int nodeparse_run(const spec_tf *tf, node_t *const *docs, size_t n, node_list *out,
                  nodeparse_err_fn *on_error, void *ud);
/* The split parameters of a SentenceSplitter or TokenTextSplitter spec
 * transformation (strings borrowed from tf); ERR_UNSUPPORTED for other classes. */
int nodeparse_split_params(const spec_tf *tf, split_params *p);
/* LlamaIndex's _postprocess_parsed_nodes for nodes v[0..n), all made from
 * doc in order: char indices (str.find from the previous start + 1),
 * metadata merged from the document, PREVIOUS/NEXT links.  0 or ERR_NOMEM. */
int nodeparse_postprocess(const node_t *doc, node_t **v, size_t n, int include_md,
                          int prev_next);
/* build_nodes_from_splits for one chunk: a TextNode with a copy of text,
 * the document's excluded keys and templates, and a SOURCE relationship to
 * the document whose Document.hash (node_hash(doc, 1)) the caller computed
 * once.  NULL on allocation failure. */
node_t *nodeparse_make_node(const node_t *doc, const char *doc_hash, size_t idx, const char *text,
                            size_t len);
/* Deterministic node id for (doc id, index) into out[37]. */
void nodeparse_node_id(const char *doc_id, size_t index, char out[37]);

#endif
