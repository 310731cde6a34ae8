/* dscheck.h - submit's docstore precheck: which files of a docstore job may
 * skip reading, splitting and shipping (README "Document store").
 *
 * A file is skipped when the collection's record of it (dsfp.h: written by
 * the ack that stored its documents) has the fingerprint the file has now
 * and every document it lists is still in the collection with its hash
 * (any id, duplicates_only) - exactly the files whose Documents LlamaIndex's
 * docstore would find all unchanged.  Anything else (no record, other
 * bytes, size, dates, name, reader options or reader version, a document
 * gone or changed, a file that could not be read, a record that does not
 * decode) goes the normal way.  One round trip (SCRIPT_DS_CHECK) per group
 * of files; read-only: counting the skipped files is feed_skip's.
 * Errors: ERR_REDIS (connection lost, message in err); an error reply to the
 * script is a warning on stderr and skips nothing. */
#ifndef INGEST_DSCHECK_H
#define INGEST_DSCHECK_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "keys.h"
#include "wire.h"

struct spec;

typedef struct dscheck {
    const struct spec *spec;
    char strat[2]; /* "h" duplicates_only, "u" upserts(_and_delete) */
    char keys[KEYS_DOCSTORE_N][KEYS_MAX];
} dscheck;

/* 1 and d ready when spec has a docstore, else 0. */
int dscheck_init(dscheck *d, const struct spec *spec, const char *job);
/* skip[i] = 1 for each of docs[0..n) that may be skipped, else 0. */
int dscheck_files(const dscheck *d, redisContext *c, const wire_doc *docs, size_t n,
                  unsigned char *skip, char *err, int errlen);

#endif
