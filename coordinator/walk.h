/* walk.h - find the files to ingest, as LlamaIndex's SimpleDirectoryReader
 * (llama-index-core 0.14.19, filename_as_id=True) finds and names them.
 *
 * Each PATH is a file or a directory; they are taken in the order given.
 *  - A file is taken as given, spelled as pathlib spells it (Path("./a//b")
 *    is "a/b"; ".." kept; no realpath): relative stays relative, like
 *    SimpleDirectoryReader(input_files=[...]).  No hidden or --ext filter.
 *  - A directory is read like SimpleDirectoryReader(input_dir=...): its
 *    path made absolute by prefixing the working directory (fsspec does
 *    that; symlinks and ".." are kept), non-recursive unless `recursive`,
 *    files whose path has any part starting with '.' skipped (so everything
 *    under a hidden root), the --ext filter on pathlib's suffix ("a.tar.gz"
 *    is ".gz"), case-sensitive, as required_exts is ("txt" is taken as
 *    ".txt"); its files sorted as pathlib sorts paths (part by part, so
 *    a/x.txt < a-b/y.txt < a.txt).  No file found is an error, as
 *    LlamaIndex raises "No files found in DIR.".
 * A file's path is both its file_path metadata and its document id, so two
 * folders that each hold a README.md give two ids.  The same path twice is
 * an error.
 * Errors: ERR_NOTFOUND (a PATH does not exist, a directory with no file),
 * ERR_IO, ERR_NOMEM, ERR_INVAL (duplicate, not a file or directory); message
 * in err. */
#ifndef INGEST_WALK_H
#define INGEST_WALK_H

#include <stddef.h>

typedef struct walk_file {
    char *path; /* to open; file_path metadata */
    char *id;   /* document id: the same string */
} walk_file;

typedef struct walk_list {
    walk_file *v;
    size_t n, cap;
} walk_list;

typedef struct walk_opts {
    int recursive;
    const char *exts; /* comma-separated, NULL = all */
} walk_opts;

int walk_paths(char *const *paths, size_t npaths, const walk_opts *o, walk_list *out, char *err,
               size_t errlen);
void walk_list_free(walk_list *l);

/* Path(p) as pathlib writes it, into out (PATH_MAX); ERR_TOOBIG if longer. */
int walk_pathlib_norm(const char *p, char *out, size_t outlen);
/* Path ordering: part by part, each part by code point (= UTF-8 bytes). */
int walk_path_cmp(const char *a, const char *b);

#endif
