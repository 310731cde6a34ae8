/* reader.h - file readers: shipped file bytes -> LlamaIndex Documents.
 *
 * Mirrors SimpleDirectoryReader (llama-index-core 0.14.19) with
 * filename_as_id=True: document ids, the file metadata dict in its key order
 * (file_path, file_name, file_type, file_size, creation_date,
 * last_modified_date, last_accessed_date; None values dropped) and the keys
 * excluded from the EMBED and LLM strings (all but file_path).
 * The reader is chosen by extension and confirmed by content sniffing.
 * Failure (unsupported, binary, invalid UTF-8, limits, parse errors) returns
 * a negative code with a one-line message in errbuf and appends nothing:
 * callers record it as a per-document error.  No I/O beyond the given bytes. */
#ifndef INGEST_READER_H
#define INGEST_READER_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "wire.h"

typedef struct reader_opts {
    int64_t max_file_bytes; /* larger files are rejected (default 256 MiB) */
    int64_t max_text_bytes; /* extracted text cap per file (default 64 MiB) */
    int64_t time_budget_ms; /* per-file parse budget (default 60000) */
} reader_opts;

void reader_opts_default(reader_opts *o);
/* Appends the file's Documents to docs. */
int reader_load(const wire_doc *f, const reader_opts *o, node_list *docs, char *errbuf,
                size_t errlen);
/* 1 if the extension (".txt", case-insensitive) has a reader. */
int reader_supported_ext(const char *ext);
/* SimpleDirectoryReader's file metadata dict for f, in its key order. */
int reader_file_metadata(const wire_doc *f, md_t *md);
/* Adds the six keys SimpleDirectoryReader excludes from EMBED and LLM strings. */
int reader_exclude_defaults(node_t *doc);

#endif
