/* reader.c - reader dispatch, SimpleDirectoryReader metadata, and the plain
 * text reader (SimpleDirectoryReader's "standard read" branch).  Format
 * readers live in their own reader_*.c files; this file turns their output
 * into Documents with LlamaIndex's ids and metadata key order (see reader.h).
 * Ownership: Documents are appended to the caller's list only when the whole
 * file succeeded; on failure nothing is appended. */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "reader_csv.h"
#include "reader_docx.h"
#include "reader_html.h"
#include "reader_pdf.h"
#include "spec.h"
#include "utf8.h"

#include <libxml/parser.h>

void reader_opts_default(reader_opts *o)
{
    o->max_file_bytes = 256LL << 20;
    o->max_text_bytes = 64LL << 20;
    o->time_budget_ms = 60000;
    o->max_mem_bytes = 1LL << 30;
    o->max_pages = 100000;
    o->max_unzip_bytes = 256LL << 20;
    o->max_expansion = 100;
    o->html_text = 0;
    o->pdf_isolate = 1;
    o->pdf_reading_order = 0;
    o->pdf_text = READER_PDF_PYPDF;
}

/* A 0/1 or true/false option of the spec's "reader" object. */
static int spec_flag(const spec_t *s, const char *key, int dflt)
{
    json_t *v = json_object_get(json_object_get(s->root, "reader"), key);
    if (json_is_boolean(v)) return json_is_true(v);
    return json_is_integer(v) ? json_integer_value(v) != 0 : dflt;
}

void reader_opts_from_spec(const spec_t *s, reader_opts *o)
{
    reader_opts_default(o);
    if (!s) return;
    struct {
        const char *key;
        int64_t *field;
    } ints[] = {{"max_file_bytes", &o->max_file_bytes}, {"max_text_bytes", &o->max_text_bytes},
                {"time_budget_ms", &o->time_budget_ms}, {"max_mem_bytes", &o->max_mem_bytes},
                {"max_pages", &o->max_pages}, {"max_unzip_bytes", &o->max_unzip_bytes},
                {"max_expansion", &o->max_expansion}};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        int64_t v = spec_reader_int(s, ints[i].key, 0);
        if (v > 0) *ints[i].field = v < (1LL << 50) ? v : 1LL << 50; /* no overflow later */
    }
    o->html_text = spec_flag(s, "html_text", o->html_text);
    /* pdf_isolate is worker policy: never taken from a job spec */
    o->pdf_reading_order = spec_flag(s, "pdf_reading_order", o->pdf_reading_order);
    const char *pt = json_string_value(json_object_get(json_object_get(s->root, "reader"), "pdf_text"));
    if (pt && !strcmp(pt, "poppler")) o->pdf_text = READER_PDF_POPPLER;
}

/* SimpleDirectoryReader's default extractor map entries we do not parse. */
static const char *const unsupported_exts[] = {".hwp", ".pptx", ".ppt", ".pptm", ".gif", ".jpg",
    ".png", ".jpeg", ".webp", ".mp3", ".mp4", ".epub", ".mbox", ".ipynb", ".xls", ".xlsx"};

/* The part after the last dot of the base name, dot included, as
 * pathlib's Path.suffix gives it ("" for "a", ".bashrc", "a."). */
static const char *ext_of(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot && dot != base && dot[1] ? dot : "";
}

int reader_supported_ext(const char *ext)
{
    for (size_t i = 0; i < sizeof unsupported_exts / sizeof *unsupported_exts; i++)
        if (!strcasecmp(ext, unsupported_exts[i])) return 0;
    return 1;
}

int reader_file_metadata(const wire_doc *f, md_t *md)
{
    int rc = md_set_str(md, "file_path", f->path);
    if (!rc) rc = md_set_str(md, "file_name", f->name);
    if (!rc && f->mime) rc = md_set_str(md, "file_type", f->mime);
    if (!rc) rc = md_set_int(md, "file_size", f->size);
    if (!rc && f->ctime) rc = md_set_str(md, "creation_date", f->ctime);
    if (!rc && f->mtime) rc = md_set_str(md, "last_modified_date", f->mtime);
    /* last_accessed_date stays out: SimpleDirectoryReader reads it from
     * fsspec's info()["atime"], which LocalFileSystem never sets (fsspec
     * 2022.11 to 2026), so LlamaIndex drops it as None for local files. */
    (void)f->atime;
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

/* One Document: id (part >= 0: "<file id>_part_<part>"), text, then the
 * reader's own keys (page_label when label != NULL, file_name when
 * reader_keys) followed by the file metadata, as extra_info.update() orders
 * them; then _exclude_metadata.  Pushed onto docs (owned there). */
static int add_doc(const wire_doc *f, long part, const char *text, size_t len, const char *label,
                   int reader_keys, node_list *docs)
{
    char *id = NULL;
    if (part >= 0 ? asprintf(&id, "%s_part_%ld", f->id, part) < 0 : !(id = strdup(f->id)))
        return ERR_NOMEM;
    node_t *d = node_new(id, text, len);
    free(id);
    int rc = d ? 0 : ERR_NOMEM;
    if (!rc && label) rc = md_set_str(&d->md, "page_label", label);
    if (!rc && reader_keys) rc = md_set_str(&d->md, "file_name", f->name);
    if (!rc) rc = reader_file_metadata(f, &d->md);
    if (!rc) rc = reader_exclude_defaults(d);
    if (!rc) rc = node_list_push(docs, d);
    if (rc) node_free(d);
    return rc;
}

/* Moves tmp's nodes to docs (all or nothing: on failure docs is as it was
 * and tmp still owns every node). */
static int commit(node_list *tmp, node_list *docs)
{
    size_t before = docs->n;
    for (size_t i = 0; i < tmp->n; i++) {
        int rc = node_list_push(docs, tmp->v[i]);
        if (rc) {
            docs->n = before;
            return rc;
        }
    }
    tmp->n = 0;
    return 0;
}

/* Plain text: the bytes must be UTF-8 without NULs.  One Document whose id
 * is the file id (SimpleDirectoryReader's "standard read" branch).  An empty
 * file gives a Document with empty text, as SimpleDirectoryReader does. */
static int load_text(const wire_doc *f, const reader_opts *o, node_list *docs, char *eb, size_t el)
{
    size_t bad;
    const char *p = f->len ? (const char *)f->data : "";
    if (memchr(p, 0, f->len)) {
        snprintf(eb, el, "binary content (NUL byte) in a text file");
        return ERR_PARSE;
    }
    if (!utf8_valid(p, f->len, &bad)) {
        snprintf(eb, el, "invalid UTF-8 at byte %zu", bad);
        return ERR_UTF8;
    }
    if ((int64_t)f->len > o->max_text_bytes) {
        snprintf(eb, el, "text is %zu bytes, over the %lld-byte limit", f->len,
                 (long long)o->max_text_bytes);
        return ERR_TOOBIG;
    }
    return add_doc(f, -1, p, f->len, NULL, 0, docs);
}

static int load_pdf(const wire_doc *f, const reader_opts *o, node_list *docs, char *eb, size_t el)
{
    reader_pages pages = {0};
    int rc = reader_pdf_extract(f->data, f->len, o, &pages, eb, el);
    node_list tmp = {0};
    for (size_t i = 0; !rc && i < pages.n; i++)
        rc = add_doc(f, (long)i, pages.v[i].text, pages.v[i].len, pages.v[i].label, 1, &tmp);
    reader_pages_free(&pages);
    if (!rc) rc = commit(&tmp, docs);
    node_list_free(&tmp);
    return rc;
}

typedef int text_fn(const uint8_t *, size_t, const reader_opts *, buf_t *, char *, size_t);

/* Readers that give one Document "<id>_part_0". */
static int load_single(text_fn *fn, int reader_keys, const wire_doc *f, const reader_opts *o,
                       node_list *docs, char *eb, size_t el)
{
    buf_t t;
    buf_init(&t, (size_t)o->max_text_bytes);
    int rc = fn(f->len ? f->data : (const uint8_t *)"", f->len, o, &t, eb, el);
    if (!rc) rc = add_doc(f, 0, t.p ? t.p : "", t.len, NULL, reader_keys, docs);
    buf_free(&t);
    return rc;
}

/* Compressed formats: text far beyond what the file could hold is a bomb.
 * On error the documents appended since `first` are removed. */
static int check_expansion(const wire_doc *f, const reader_opts *o, node_list *docs, size_t first,
                           char *errbuf, size_t errlen)
{
    uint64_t text = 0, cap = (uint64_t)f->len * (uint64_t)o->max_expansion;
    if (cap < (1u << 20)) cap = 1u << 20;
    for (size_t i = first; i < docs->n; i++) text += docs->v[i]->text_len;
    if (text <= cap) return 0;
    snprintf(errbuf, errlen, "decompression bomb: %llu bytes of text from a %zu-byte file "
             "(over %lld times its size)", (unsigned long long)text, f->len,
             (long long)o->max_expansion);
    while (docs->n > first) node_free(docs->v[--docs->n]);
    return ERR_TOOBIG;
}

int reader_load(const wire_doc *f, const reader_opts *o, node_list *docs, char *errbuf,
                size_t errlen)
{
    if (errlen) *errbuf = '\0';
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
    size_t first = docs->n;
    int rc;
    if (!strcasecmp(ext, ".pdf")) rc = load_pdf(f, o, docs, errbuf, errlen);
    else if (!strcasecmp(ext, ".docx"))
        rc = load_single(reader_docx_text, 1, f, o, docs, errbuf, errlen);
    else if (!strcasecmp(ext, ".csv"))
        rc = load_single(reader_csv_text, 0, f, o, docs, errbuf, errlen);
    else if (o->html_text && (!strcasecmp(ext, ".html") || !strcasecmp(ext, ".htm")))
        rc = load_single(reader_html_text, 0, f, o, docs, errbuf, errlen);
    else if (!reader_supported_ext(ext)) {
        snprintf(errbuf, errlen, "no reader for %s files (LlamaIndex's default needs an "
                 "extractor we do not implement)", ext);
        return ERR_UNSUPPORTED;
    } else
        rc = load_text(f, o, docs, errbuf, errlen);
    if (!rc && (!strcasecmp(ext, ".pdf") || !strcasecmp(ext, ".docx")))
        rc = check_expansion(f, o, docs, first, errbuf, errlen);
    if (rc && errlen && !*errbuf) snprintf(errbuf, errlen, "%s", err_str(rc));
    return rc;
}

void reader_global_init(void) { xmlInitParser(); }
