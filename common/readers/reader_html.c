/* reader_html.c - visible text of HTML through libxml2 (see reader_html.h).
 * Role: libxml2's HTML push parser (recovering, no network, no error output)
 * drives SAX callbacks that write text through a small line-break state
 * machine; no tree is built, so memory is the parser's window plus the
 * output, whatever the nesting or the size of the page.
 * Ownership: the parser context lives only inside reader_html_text. */
#include "reader_html.h"

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "utf8.h"

typedef struct tw {
    buf_t *out;
    int pending_nl; /* line breaks owed before the next text (capped at 2) */
    int pending_sp; /* a collapsed space owed before the next text */
    int pre;        /* depth inside <pre> */
    int skip;       /* depth inside an element whose content is not shown */
    int rc;
} tw;

static const char *const skipped[] = {"script", "style", "noscript", "template", "head",
                                      "title", "iframe", "object", "svg", "math"};
/* Block elements and the line breaks they put around themselves. */
static const struct {
    const char *name;
    int nl;
} blocks[] = {
    {"p", 2}, {"h1", 2}, {"h2", 2}, {"h3", 2}, {"h4", 2}, {"h5", 2}, {"h6", 2},
    {"blockquote", 2}, {"pre", 2}, {"table", 2}, {"div", 1}, {"li", 1}, {"ul", 1},
    {"ol", 1}, {"dl", 1}, {"dt", 1}, {"dd", 1}, {"tr", 1}, {"section", 1},
    {"article", 1}, {"header", 1}, {"footer", 1}, {"nav", 1}, {"aside", 1},
    {"main", 1}, {"address", 1}, {"figure", 1}, {"figcaption", 1}, {"form", 1},
    {"fieldset", 1}, {"hr", 1}, {"caption", 1}, {"body", 1}, {"html", 1},
};

static int in_list(const char *name, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(name, v[i])) return 1;
    return 0;
}

static int block_nl(const char *name)
{
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++)
        if (!strcmp(name, blocks[i].name)) return blocks[i].nl;
    return 0;
}

static void want_nl(tw *w, int n)
{
    if (w->pending_nl < n) w->pending_nl = n;
    w->pending_sp = 0;
}

/* Drops spaces at the end of the output (before a line break). */
static void rtrim_line(buf_t *b)
{
    while (b->len && (b->p[b->len - 1] == ' ' || b->p[b->len - 1] == '\t')) b->p[--b->len] = '\0';
}

static void put_text(tw *w, const char *s, size_t len)
{
    if (w->rc || !len) return;
    if (w->pending_nl && w->out->len) {
        rtrim_line(w->out);
        w->rc = buf_append(w->out, "\n\n", w->pending_nl > 2 ? 2 : (size_t)w->pending_nl);
        w->pending_sp = 0;
    }
    w->pending_nl = 0;
    if (w->pending_sp && w->out->len && w->out->p[w->out->len - 1] != '\n' && !w->rc)
        w->rc = buf_putc(w->out, ' ');
    w->pending_sp = 0;
    if (!w->rc) w->rc = buf_append(w->out, s, len);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

static void text_node(tw *w, const char *s, size_t len)
{
    const char *end = s + len;
    if (w->pre) {
        for (const char *nl; (nl = memchr(s, '\n', (size_t)(end - s))); s = nl + 1) {
            put_text(w, s, (size_t)(nl - s));
            w->pending_nl++;
        }
        put_text(w, s, (size_t)(end - s));
        return;
    }
    while (s < end) {
        if (is_ws(*s)) {
            w->pending_sp = 1;
            s++;
            continue;
        }
        const char *e = s;
        while (e < end && !is_ws(*e)) e++;
        put_text(w, s, (size_t)(e - s));
        s = e;
    }
}

static int skipped_name(const char *name)
{
    return in_list(name, skipped, sizeof skipped / sizeof *skipped);
}

static void on_start(void *ud, const xmlChar *tag, const xmlChar **attrs)
{
    (void)attrs;
    tw *w = ud;
    const char *name = (const char *)tag;
    if (w->skip || skipped_name(name)) {
        w->skip++;
        return;
    }
    if (!strcmp(name, "br")) {
        w->pending_nl++;
        w->pending_sp = 0;
        if (!w->out->len) w->pending_nl = 0;
        return;
    }
    if (!strcmp(name, "td") || !strcmp(name, "th")) w->pending_sp = 1;
    int nl = block_nl(name);
    if (nl) want_nl(w, nl);
    if (!strcmp(name, "pre")) w->pre++;
}

static void on_end(void *ud, const xmlChar *tag)
{
    tw *w = ud;
    const char *name = (const char *)tag;
    if (w->skip) {
        w->skip--;
        return;
    }
    int nl = block_nl(name);
    if (nl) want_nl(w, nl);
    if (!strcmp(name, "pre") && w->pre) w->pre--;
    if (!strcmp(name, "td") || !strcmp(name, "th")) w->pending_sp = 1;
}

static void on_text(void *ud, const xmlChar *ch, int len)
{
    tw *w = ud;
    if (!w->skip && len > 0) text_node(w, (const char *)ch, (size_t)len);
}

int reader_html_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                     char *eb, size_t el)
{
    (void)o;
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = on_start;
    sax.endElement = on_end;
    sax.characters = on_text;
    sax.cdataBlock = on_text; /* script/style bodies come here; skipped anyway */
    tw w = {.out = out};
    xmlCharEncoding enc = utf8_valid((const char *)data, len, NULL) ? XML_CHAR_ENCODING_UTF8
                                                                     : XML_CHAR_ENCODING_NONE;
    htmlParserCtxtPtr ctx = htmlCreatePushParserCtxt(&sax, &w, NULL, 0, NULL, enc);
    if (!ctx) {
        snprintf(eb, el, "HTML parser: out of memory");
        return ERR_NOMEM;
    }
    htmlCtxtUseOptions(ctx, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                HTML_PARSE_NONET);
    size_t start = out->len, off = 0, chunk = 1 << 16;
    while (!w.rc && off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        htmlParseChunk(ctx, (const char *)data + off, (int)n, 0);
        off += n;
    }
    if (!w.rc) htmlParseChunk(ctx, NULL, 0, 1);
    htmlFreeParserCtxt(ctx);
    if (w.rc) {
        out->len = start;
        if (out->p) out->p[start] = '\0';
        snprintf(eb, el, "HTML text: %s", err_str(w.rc));
        return w.rc;
    }
    rtrim_line(out);
    return 0;
}
