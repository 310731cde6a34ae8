/* mime.h - file_type as Python's mimetypes.guess_type() gives it on a
 * Debian machine (LlamaIndex writes that into file_type).  Pure table. */
#ifndef INGEST_MIME_H
#define INGEST_MIME_H

/* MIME type for a file name by extension (case-insensitive), or NULL. */
const char *mime_guess(const char *name);

#endif
