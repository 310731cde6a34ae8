/* textnode.h - a node as LlamaIndex TextNode JSON (TextNode.to_dict() of
 * llama-index-core 0.14.19), so TextNode.from_dict() loads each line.
 * Keys, in to_dict() order: id_, embedding, metadata,
 * excluded_embed_metadata_keys, excluded_llm_metadata_keys, relationships
 * ("1" SOURCE, "2" PREVIOUS, "3" NEXT -> RelatedNodeInfo dicts),
 * metadata_template, metadata_separator, text, mimetype, start_char_idx,
 * end_char_idx, text_template, class_name.  Pure. */
#ifndef INGEST_TEXTNODE_H
#define INGEST_TEXTNODE_H

#include <jansson.h>

#include "buf.h"
#include "node.h"

/* Appends one compact JSON object (no newline); 0, ERR_NOMEM or ERR_TOOBIG. */
int textnode_json(const node_t *n, buf_t *out);
/* The same as a new jansson object, but with "embedding": null (what
 * PGVectorStore keeps in _node_content); caller decrefs; NULL on ENOMEM. */
json_t *textnode_object(const node_t *n);

#endif
