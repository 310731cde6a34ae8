/* walk.h - find the files to ingest, as SimpleDirectoryReader does.
 *
 * Each PATH is a file or a directory.  Directories are read non-recursively
 * unless `recursive`; names starting with '.' (files or directories) are
 * skipped; an extension filter (".txt,.md", case-insensitive) applies when
 * given.  The result is sorted by path (byte order = code point order) and
 * every file gets a document id: its path relative to the submitted root
 * (a file given directly: its name).  Duplicate ids are an error.
 * Errors: ERR_NOTFOUND (a PATH does not exist), ERR_IO, ERR_NOMEM,
 * ERR_INVAL (duplicate id); message in err. */
#ifndef INGEST_WALK_H
#define INGEST_WALK_H

#include <stddef.h>

typedef struct walk_file {
    char *abs; /* absolute path: file_path metadata */
    char *id;  /* relative path: document id */
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

#endif
