/* eprep.h - an embedding stage's request inputs, made off the loop.
 *
 * A node's input is LlamaIndex's embed string (get_content(EMBED)) as the
 * embedding stage sends it (oai_embed_input).  Making them for a batch of
 * 300-600 nodes took the loop 10-30 ms a batch, during which it claimed
 * nothing and sent nothing; the pipeline now makes them on the pool thread,
 * with the batch's CPU stages, and the stage borrows them (embed.c).
 * Pure: any thread, no I/O.  Failure: eprep_make returns ERR_NOMEM with *p
 * empty; a node whose input cannot be made gets NULL, and the stage makes it
 * (and reports why) as before. */
#ifndef INGEST_EPREP_H
#define INGEST_EPREP_H

#include <stddef.h>

#include "buf.h"
#include "node.h"

typedef struct eprep {
    char **in;   /* per node: the input (malloc'd, NUL-terminated) or NULL */
    size_t *len; /* its length */
    size_t n;
} eprep;

/* One node's input into in (tmp: scratch); 0 or the node_content /
 * oai_embed_input error.  The one place an embedding input is made: the
 * stage, the cache keys and eprep_make all call it. */
int eprep_input(const node_t *node, buf_t *tmp, buf_t *in);
int eprep_make(eprep *p, node_t *const *nodes, size_t n);
void eprep_free(eprep *p); /* accepts an empty one */

#endif
