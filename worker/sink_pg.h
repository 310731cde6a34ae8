/* sink_pg.h - writes a batch's nodes into PostgreSQL + pgvector, in the table
 * layout of LlamaIndex's PGVectorStore (vstore.h), with libpq.
 *
 * sink_pg_write() is blocking: the worker calls it on a pool thread, so the
 * loop (Redis, HTTP, heartbeats) and the other batches go on meanwhile.  It
 * is thread-safe: connections come from a small shared pool of idle ones
 * (per host/port/database/user), taken for one write and handed back.
 *
 * One transaction per batch: either every node of the batch is in the table
 * or none is.  Rows are upserts keyed by node_id (ON CONFLICT (node_id) DO
 * UPDATE), so a batch written twice - a worker that died after the commit,
 * before its ack - leaves one row per node.  With perform_setup (the
 * default, as PGVectorStore) the first write of a connection to a table
 * creates, under an advisory lock, what PGVectorStore creates - schema,
 * `vector` extension, table, the ref_doc_id index, the HNSW index when
 * hnsw_kwargs is set - plus the unique index on node_id the upsert needs.
 *
 * Credentials: only libpq's own environment (PGPASSWORD, PGPASSFILE,
 * PGSERVICEFILE, PGSSLMODE, ...); the password never appears in the spec,
 * in Redis or in a message.  Returns 0; ERR_INVAL when a node's embedding
 * does not have embed_dim dimensions (retrying cannot help); ERR_IO when the
 * database cannot be reached or refuses the login, ERR_REMOTE when a
 * statement fails - both with libpq's message in err, worth a retry. */
#ifndef INGEST_SINK_PG_H
#define INGEST_SINK_PG_H

#include <stddef.h>

#include "node.h"
#include "vstore.h"

typedef struct sink_pg_pool sink_pg_pool;

sink_pg_pool *sink_pg_pool_new(void);
void sink_pg_pool_free(sink_pg_pool *p); /* closes idle connections; accepts NULL */
int sink_pg_write(sink_pg_pool *p, const vstore_pg *cfg, node_t *const *nodes, size_t n, char *err,
                  size_t errlen);

#endif
