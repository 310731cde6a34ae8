/* vstore.h - the pipeline spec's "vector_store" (LlamaIndex's
 * PGVectorStore.from_params parameters) and the rows PGVectorStore writes.
 *
 * Spec: {"vector_store": {"class_name": "PGVectorStore", "host", "port",
 * "database", "user", "table_name" ("llamaindex"), "schema_name" ("public"),
 * "embed_dim" (1536), "use_jsonb" (false), "hnsw_kwargs" (null or
 * {"hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "hnsw_dist_method"}),
 * "text_search_config", "perform_setup" (true), "debug", "cache_ok"}.
 * vstore_check() validates it and fills the defaults in place (table_name
 * lowercased, as PGVectorStore does).  Secrets are refused: "password" and
 * "connection_string" - the worker's libpq takes PGPASSWORD, PGPASSFILE or
 * PGSERVICEFILE from its environment.  hybrid_search, use_halfvec and
 * indexed_metadata_keys are refused as not supported.
 *
 * Rows, as PGVectorStore._node_to_table_row: table <schema>.data_<table_name>
 * (id bigserial, text varchar, metadata_ json|jsonb, node_id varchar,
 * embedding vector(embed_dim)); text = get_content(MetadataMode.NONE);
 * metadata_ = node_to_metadata_dict(node, remove_text=True): the node's
 * metadata plus _node_content (the node's JSON with text "" and embedding
 * null, json.dumps(ensure_ascii=False) layout), _node_type "TextNode",
 * document_id / doc_id / ref_doc_id (the source document's id or "None").
 * Pure. */
#ifndef INGEST_VSTORE_H
#define INGEST_VSTORE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "node.h"

#define VSTORE_IDENT_MAX 63

typedef struct vstore_pg {
    char host[256], port[16], database[128], user[128]; /* "" = libpq's default */
    char table[VSTORE_IDENT_MAX + 1], schema[VSTORE_IDENT_MAX + 1];
    int embed_dim, use_jsonb, perform_setup;
    int hnsw; /* hnsw_kwargs given: */
    int hnsw_m, hnsw_ef_construction;
    char hnsw_dist_method[64];
} vstore_pg;

/* Validates and normalises the "vector_store" object in place; -1 with a message. */
int vstore_check(json_t *vs, char *err, size_t errlen);
/* Reads a validated "vector_store" (NULL: none) into out; 1 if it is a PGVectorStore, else 0. */
int vstore_pg_get(const json_t *vs, vstore_pg *out);
/* metadata_ of a node's row (JSON text, Python json.dumps layout). */
int vstore_pg_metadata(const node_t *n, buf_t *out);
/* pgvector text literal "[x,y,...]" (float32 round-trip precision). */
int vstore_vector_literal(const float *v, size_t dim, buf_t *out);

#endif
