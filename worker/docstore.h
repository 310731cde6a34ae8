/* docstore.h - a job's document store (spec "docstore", LlamaIndex's
 * docstore strategies) as seen from a batch: which of its documents are
 * new, changed or unchanged.
 *
 * The collection is a Redis hash ingest:docstore:<coll> of document id ->
 * document hash (Document.hash, node_hash(.., 1)), plus the set of those
 * hashes.  upserts / upserts_and_delete: a document whose id is recorded
 * with the same hash is unchanged (skipped), with another hash changed,
 * else new; duplicates_only: a document whose hash is recorded under any id
 * is unchanged, else new.  Only the lookup is here; the recording happens in
 * the ack script, atomically with the batch's nodes, so a document is never
 * recorded before its nodes are stored (a crash in between leaves it new).
 * Runs on the loop thread, on the queue's Redis (never the cache's: it
 * must not be evicted).  A failed lookup makes every document new (costs
 * work, loses nothing) with one warning. */
#ifndef INGEST_DOCSTORE_H
#define INGEST_DOCSTORE_H

#include <stddef.h>

struct redisAsyncContext;

typedef enum { DS_NEW, DS_CHANGED, DS_UNCHANGED, DS__N } ds_state;

typedef void ds_done_fn(void *ud);

/* Fills st[0..n) for the documents (ids[i], hashes[i]) - the arrays stay
 * valid until done - and calls done exactly once, possibly before
 * returning.  ac NULL: all new. */
void docstore_lookup(struct redisAsyncContext *ac, const char *coll, const char *strategy,
                     const char *const *ids, const char *const *hashes, size_t n, ds_state *st,
                     ds_done_fn *done, void *ud);

#endif
