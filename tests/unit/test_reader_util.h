/* test_reader_util.h - fixtures for the reader tests: a wire_doc from a
 * file under tests/data/readers (READERS_DIR) or from memory. */
#ifndef INGEST_TEST_READER_UTIL_H
#define INGEST_TEST_READER_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "reader.h"

static inline wire_doc mem_doc(const char *name, const void *data, size_t len)
{
    wire_doc f = {0};
    f.id = strdup(name);
    if (!name || asprintf(&f.path, "/data/%s", name) < 0) abort();
    f.name = strdup(name);
    f.mime = mime_guess(name) ? strdup(mime_guess(name)) : NULL;
    f.size = (int64_t)len;
    f.ctime = strdup("2024-01-02");
    f.mtime = strdup("2024-01-03");
    f.atime = NULL; /* dropped from the metadata, as None values are */
    f.data = malloc(len + 1);
    if (len) memcpy(f.data, data, len);
    f.len = len;
    return f;
}

/* name is also the fixture's file name; as_name renames it (NULL: same). */
static inline wire_doc file_doc(const char *name, const char *as_name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", READERS_DIR, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "missing fixture %s\n", path);
        exit(2);
    }
    char *b = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) b = realloc(b, cap = cap ? cap * 2 : 65536);
        size_t r = fread(b + len, 1, cap - len, fp);
        if (!r) break;
        len += r;
    }
    fclose(fp);
    wire_doc f = mem_doc(as_name ? as_name : name, b, len);
    free(b);
    return f;
}

static inline void doc_free(wire_doc *f)
{
    free(f->id);
    free(f->path);
    free(f->name);
    free(f->mime);
    free(f->ctime);
    free(f->mtime);
    free(f->atime);
    free(f->data);
    free(f->error);
}

/* "k1,k2,..." of a node's metadata keys. */
static inline const char *md_keys(const node_t *n)
{
    static char out[1024];
    out[0] = '\0';
    for (size_t i = 0; i < n->md.n; i++) {
        if (i) strcat(out, ",");
        strncat(out, n->md.v[i].key, sizeof out - strlen(out) - 2);
    }
    return out;
}

static inline const char *md_str(const node_t *n, const char *key)
{
    const md_item *it = md_get(&n->md, key);
    return it && it->type == MD_STR ? it->s : NULL;
}

#endif
