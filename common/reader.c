/* reader.c - reader dispatch, SimpleDirectoryReader metadata, and the plain
 * text reader (.txt, .md and other text).  Format readers live in their own
 * reader_*.c files and are called from reader_load(). */
#include "reader.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "utf8.h"

void reader_opts_default(reader_opts *o)
{
    o->max_file_bytes = 256LL << 20;
    o->max_text_bytes = 64LL << 20;
    o->time_budget_ms = 60000;
}

static const char *const text_exts[] = {".txt", ".md", ".markdown", ".text", ".rst", ".log"};

static const char *ext_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name ? dot : "";
}

int reader_supported_ext(const char *ext)
{
    for (size_t i = 0; i < sizeof text_exts / sizeof *text_exts; i++)
        if (!strcasecmp(ext, text_exts[i])) return 1;
    return 0;
}

int reader_file_metadata(const wire_doc *f, md_t *md)
{
    int rc = md_set_str(md, "file_path", f->path);
    if (!rc) rc = md_set_str(md, "file_name", f->name);
    if (!rc && f->mime) rc = md_set_str(md, "file_type", f->mime);
    if (!rc) rc = md_set_int(md, "file_size", f->size);
    if (!rc && f->ctime) rc = md_set_str(md, "creation_date", f->ctime);
    if (!rc && f->mtime) rc = md_set_str(md, "last_modified_date", f->mtime);
    if (!rc && f->atime) rc = md_set_str(md, "last_accessed_date", f->atime);
    return rc;
}

int reader_exclude_defaults(node_t *doc)
{
    static const char *const keys[] = {"file_name", "file_type", "file_size", "creation_date",
                                       "last_modified_date", "last_accessed_date"};
    int rc = 0;
    for (size_t i = 0; !rc && i < 6; i++) {
        rc = strv_push(&doc->excl_embed, keys[i]);
        if (!rc) rc = strv_push(&doc->excl_llm, keys[i]);
    }
    return rc;
}

/* Plain text: the bytes must be UTF-8 without NULs.  One Document whose id
 * is the file id (SimpleDirectoryReader's "standard read" branch). */
static int load_text(const wire_doc *f, const reader_opts *o, node_list *docs, char *eb, size_t el)
{
    size_t bad;
    if (memchr(f->data, 0, f->len)) {
        snprintf(eb, el, "binary content (NUL byte) in a text file");
        return ERR_PARSE;
    }
    if (!utf8_valid((const char *)f->data, f->len, &bad)) {
        snprintf(eb, el, "invalid UTF-8 at byte %zu", bad);
        return ERR_UTF8;
    }
    if ((int64_t)f->len > o->max_text_bytes) {
        snprintf(eb, el, "text is %zu bytes, over the %lld-byte limit", f->len,
                 (long long)o->max_text_bytes);
        return ERR_TOOBIG;
    }
    node_t *d = node_new(f->id, (const char *)f->data, f->len);
    int rc = d ? reader_file_metadata(f, &d->md) : ERR_NOMEM;
    if (!rc) rc = reader_exclude_defaults(d);
    if (!rc) rc = node_list_push(docs, d);
    if (rc) {
        node_free(d);
        snprintf(eb, el, "%s", err_str(rc));
    }
    return rc;
}

int reader_load(const wire_doc *f, const reader_opts *o, node_list *docs, char *errbuf,
                size_t errlen)
{
    if (f->error) {
        snprintf(errbuf, errlen, "%s", f->error);
        return ERR_IO;
    }
    if ((int64_t)f->len > o->max_file_bytes) {
        snprintf(errbuf, errlen, "file is %zu bytes, over the %lld-byte limit", f->len,
                 (long long)o->max_file_bytes);
        return ERR_TOOBIG;
    }
    const char *ext = ext_of(f->name);
    (void)ext; /* format readers dispatch on it; everything else is read as text,
                  as SimpleDirectoryReader's default branch does */
    return load_text(f, o, docs, errbuf, errlen);
}
