/* dsfp.h - a file's docstore fingerprint: what lets a re-run skip an
 * unchanged file without reading it (README "Document store").
 *
 * LlamaIndex's docstore compares each Document's hash (text + metadata) with
 * the recorded one, so it must read every file first.  The Documents of a
 * file are a function of its bytes, the facts SimpleDirectoryReader turns
 * into metadata (file_path, file_name, file_type, file_size, creation_date,
 * last_modified_date; last_accessed_date never enters: reader.c), the
 * spec's "reader" options and the reader code.  The fingerprint is the
 * SHA-256 of exactly those (DSFP_VERSION stands for the reader code: bump it
 * when a reader's output for the same bytes changes), so equal fingerprints
 * mean equal Documents, hence equal hashes.  Both sides compute it: the
 * worker records it with the file's document ids and hashes (the ack
 * script), the coordinator compares before shipping the file (SCRIPT_DS_CHECK).
 * Record format (a field of ingest:docstore:<coll>:files, keyed by the file's
 * document id): JSON array [fingerprint, id1, hash1, id2, hash2, ...].
 * Pure: no I/O. */
#ifndef INGEST_DSFP_H
#define INGEST_DSFP_H

#include "wire.h"

#define DSFP_VERSION "ingest-dsfp/1"

struct spec;

/* The fingerprint of d read under spec s, lower-case hex into out[65].
 * ERR_INVAL (out "") for a file the coordinator could not read (d->error):
 * it has no Documents to record. */
int dsfp_file(const wire_doc *d, const struct spec *s, char out[65]);

/* The record of a file: fp and its n documents (ids[i], hashes[i]); a
 * malloc'ed JSON string, NULL on allocation failure or ids not UTF-8. */
char *dsfp_record(const char *fp, const char *const *ids, const char *const *hashes, size_t n);

#endif
