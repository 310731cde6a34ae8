/* mime.h - file_type as Python's mimetypes.guess_type() gives it on a
 * Debian 12 machine (LlamaIndex writes guess_type(file_path)[0] into
 * file_type): Python 3.11's table overridden by /etc/mime.types
 * (common/mime_table.inc, generated), with guess_type's handling of
 * suffix_map (.tgz -> .tar.gz, ...) and of compression suffixes (.gz, .Z,
 * .bz2, .xz, .br: "a.txt.gz" is text/plain).  Pure table. */
#ifndef INGEST_MIME_H
#define INGEST_MIME_H

/* MIME type for a file name or path (the last component counts), or NULL. */
const char *mime_guess(const char *name);

#endif
