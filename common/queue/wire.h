/* wire.h - msgpack wire format between coordinator, Redis and workers.
 *
 * Two messages, both msgpack maps with a version field "v" (WIRE_VERSION):
 *   batch  (coordinator -> worker): job id, sequence number, and the files
 *          (bytes plus the file facts SimpleDirectoryReader turns into metadata);
 *   nodes  (worker -> Redis): the TextNodes a batch produced, embeddings as
 *          little-endian float32 binaries.
 * Decoders copy everything out, so the input buffer can be freed at once.
 * Hostile input (truncated, wrong types, counts larger than the remaining
 * bytes, nesting deeper than WIRE_MAX_DEPTH) gives ERR_PARSE and leaves the
 * output empty; nothing is allocated in proportion to a claimed count that the
 * bytes cannot back.  Pure: no I/O. */
#ifndef INGEST_WIRE_H
#define INGEST_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "node.h"

#define WIRE_VERSION 1
#define WIRE_MAX_DEPTH 16

typedef struct wire_doc {
    char *id;    /* document id: the path relative to the submitted root */
    char *path;  /* file_path metadata: the path as the coordinator saw it */
    char *name;  /* file_name */
    char *mime;  /* file_type (mimetypes.guess_type), NULL when unknown */
    int64_t size;                /* file_size in bytes */
    char *ctime, *mtime, *atime; /* YYYY-MM-DD in UTC, NULL when unknown */
    uint8_t *data;               /* file bytes (may be NULL when error is set) */
    size_t len;
    char *error; /* the coordinator could not read the file; NULL otherwise */
} wire_doc;

typedef struct wire_batch {
    char *job;
    uint32_t seq;
    wire_doc *docs;
    size_t n;
} wire_batch;

int wire_batch_encode(const wire_batch *b, buf_t *out);
int wire_batch_decode(const char *p, size_t len, wire_batch *out);
void wire_batch_free(wire_batch *b); /* frees contents; accepts NULL */
void wire_doc_free(wire_doc *d);     /* frees one document's contents, zeroes it */

int wire_nodes_encode(node_t *const *nodes, size_t n, buf_t *out);
/* Appends v[0..n) as little-endian float32 bytes (the "emb" encoding, also
 * the cache's); 0 or buf_append's error. */
int wire_f32le_append(buf_t *out, const float *v, size_t n);
int wire_nodes_decode(const char *p, size_t len, node_list *out);

/* Structural check of one msgpack value: 0 if p[0..len) holds exactly one
 * well-formed value within the depth limit and every count is backed by bytes. */
int wire_check(const char *p, size_t len);

#endif
