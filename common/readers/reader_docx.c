/* reader_docx.c - DOCX -> text with libzip + libxml2's xmlReader (see
 * reader_docx.h).  Role: open the zip from memory, stream each wanted part
 * through a counting read callback into a pull parser, and emit docx2txt's
 * text.  Ownership: the zip archive and the readers live only inside
 * reader_docx_text.  Memory is bounded by the parser's window, not the part
 * size; a decompression bomb ends at max_unzip_bytes. */
#include "reader_docx.h"

#include <ctype.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "err.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

typedef struct part_io {
    zip_file_t *zf;
    int64_t *used, cap; /* decompressed bytes so far (all parts) and the cap */
    int over;           /* the cap was hit */
    int bad;            /* zip_fread failed (corrupt data, CRC) */
} part_io;

static int part_read(void *ctx, char *dst, int len)
{
    part_io *io = ctx;
    zip_int64_t r = zip_fread(io->zf, dst, (zip_uint64_t)len);
    if (r < 0) {
        io->bad = 1;
        return -1;
    }
    *io->used += r;
    if (*io->used > io->cap) {
        io->over = 1;
        return -1;
    }
    return (int)r;
}

static int part_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static int is_w(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
    const xmlChar *ln = xmlTextReaderConstLocalName(r);
    return ns && ln && !strcmp((const char *)ns, W_NS) && !strcmp((const char *)ln, local);
}

/* docx2txt's xml2text over one part's events.  A w:t contributes its
 * ElementTree .text: the character data between its start tag and the next
 * tag of any kind (comments are skipped, CDATA counts). */
static int xml2text(xmlTextReaderPtr r, buf_t *out)
{
    int rc = 0, ret, t_depth = -1;
    while (!rc && (ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            t_depth = -1;
            if (is_w(r, "t")) t_depth = xmlTextReaderIsEmptyElement(r) ? -1 : depth;
            else if (is_w(r, "tab")) rc = buf_putc(out, '\t');
            else if (is_w(r, "br") || is_w(r, "cr")) rc = buf_putc(out, '\n');
            else if (is_w(r, "p")) rc = buf_puts(out, "\n\n");
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            t_depth = -1;
        } else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                    type == XML_READER_TYPE_WHITESPACE ||
                    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
                   t_depth >= 0 && depth == t_depth + 1) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            if (v) rc = buf_puts(out, (const char *)v);
        }
    }
    return rc ? rc : ret == 0 ? 0 : ERR_PARSE;
}

static int read_part(zip_t *z, zip_uint64_t idx, int64_t *used, const reader_opts *o,
                     buf_t *out, char *eb, size_t el)
{
    const char *name = zip_get_name(z, idx, 0);
    zip_file_t *zf = zip_fopen_index(z, idx, 0);
    if (!zf) {
        int ze = zip_error_code_zip(zip_get_error(z));
        snprintf(eb, el, "cannot open %s in the DOCX: %s", name ? name : "?",
                 zip_strerror(z));
        return ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_WRONGPASSWD || ze == ZIP_ER_ENCRNOTSUPP
                   ? ERR_ENCRYPTED
                   : ERR_PARSE;
    }
    part_io io = {zf, used, o->max_unzip_bytes, 0, 0};
    xmlTextReaderPtr r = xmlReaderForIO(part_read, part_close, &io, NULL, NULL,
                                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                                            XML_PARSE_NOWARNING);
    int rc = r ? xml2text(r, out) : ERR_NOMEM;
    if (r) xmlFreeTextReader(r);
    zip_fclose(zf);
    if (io.over) {
        snprintf(eb, el, "DOCX decompresses to over %lld bytes (zip bomb?)",
                 (long long)o->max_unzip_bytes);
        return ERR_TOOBIG;
    }
    if (rc == ERR_TOOBIG) snprintf(eb, el, "DOCX text over the size limit");
    else if (rc) snprintf(eb, el, "malformed XML in %s%s", name ? name : "?",
                          io.bad ? " (corrupt zip data)" : "");
    return rc;
}

/* re.match(r"word/header[0-9]*.xml", name): a prefix match, '.' any char. */
static int match_part(const char *name, const char *kind)
{
    size_t kl = strlen(kind);
    if (strncmp(name, "word/", 5) || strncmp(name + 5, kind, kl)) return 0;
    const char *p = name + 5 + kl;
    while (isdigit((unsigned char)*p)) p++;
    return *p && !strncmp(p + 1, "xml", 3);
}

static int read_matching(zip_t *z, const char *kind, int64_t *used, const reader_opts *o,
                         buf_t *out, char *eb, size_t el)
{
    zip_int64_t n = zip_get_num_entries(z, 0);
    int rc = 0;
    for (zip_int64_t i = 0; !rc && i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        if (name && match_part(name, kind)) rc = read_part(z, (zip_uint64_t)i, used, o, out, eb, el);
    }
    return rc;
}

int reader_docx_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                     char *eb, size_t el)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(len ? data : (const void *)"", len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z) {
        snprintf(eb, el, "not a DOCX (zip): %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        if (src) zip_source_free(src);
        return ERR_PARSE;
    }
    zip_error_fini(&ze);
    int64_t used = 0;
    size_t start = out->len;
    int rc = read_matching(z, "header", &used, o, out, eb, el);
    if (!rc) {
        zip_int64_t doc = zip_name_locate(z, "word/document.xml", 0);
        if (doc < 0) {
            snprintf(eb, el, "not a DOCX: no word/document.xml");
            rc = ERR_PARSE;
        } else {
            rc = read_part(z, (zip_uint64_t)doc, &used, o, out, eb, el);
        }
    }
    if (!rc) rc = read_matching(z, "footer", &used, o, out, eb, el);
    zip_discard(z);
    if (rc) {
        out->len = start;
        if (out->p) out->p[start] = '\0';
        return rc;
    }
    const char *s = out->p ? out->p + start : "";
    size_t sl = out->len - start;
    node_py_strip(&s, &sl); /* docx2txt returns text.strip() */
    if (out->p) {
        memmove(out->p + start, s, sl);
        out->len = start + sl;
        out->p[out->len] = '\0';
    }
    return 0;
}
