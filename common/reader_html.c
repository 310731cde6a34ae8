/* reader_html.c - visible text of HTML through libxml2 (see reader_html.h).
 * Role: parse with htmlReadMemory (recovering, no network, no error output),
 * then one iterative walk over the tree (no recursion, so depth is no
 * threat) that writes text through a small line-break state machine.
 * Ownership: the libxml2 document lives only inside reader_html_text. */
#include "reader_html.h"

#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "utf8.h"

typedef struct tw {
    buf_t *out;
    int pending_nl; /* line breaks owed before the next text (capped at 2) */
    int pending_sp; /* a collapsed space owed before the next text */
    int pre;        /* depth inside <pre> */
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

static void text_node(tw *w, const char *s)
{
    if (w->pre) {
        for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
            put_text(w, s, (size_t)(nl - s));
            w->pending_nl++;
        }
        put_text(w, s, strlen(s));
        return;
    }
    while (*s) {
        size_t ws = strspn(s, " \t\n\r\f");
        if (ws) w->pending_sp = 1;
        s += ws;
        size_t wl = strcspn(s, " \t\n\r\f");
        put_text(w, s, wl);
        s += wl;
    }
}

/* Returns 1 to descend into n's children. */
static int enter(tw *w, xmlNodePtr n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content) text_node(w, (const char *)n->content);
        return 0;
    }
    if (n->type != XML_ELEMENT_NODE || !n->name) return 0;
    const char *name = (const char *)n->name;
    if (in_list(name, skipped, sizeof skipped / sizeof *skipped)) return 0;
    if (!strcmp(name, "br")) {
        w->pending_nl++;
        w->pending_sp = 0;
        if (!w->out->len) w->pending_nl = 0;
        return 0;
    }
    if (!strcmp(name, "td") || !strcmp(name, "th")) w->pending_sp = 1;
    int nl = block_nl(name);
    if (nl) want_nl(w, nl);
    if (!strcmp(name, "pre")) w->pre++;
    return 1;
}

static void leave(tw *w, xmlNodePtr n)
{
    if (n->type != XML_ELEMENT_NODE || !n->name) return;
    const char *name = (const char *)n->name;
    if (in_list(name, skipped, sizeof skipped / sizeof *skipped)) return;
    int nl = block_nl(name);
    if (nl) want_nl(w, nl);
    if (!strcmp(name, "pre") && w->pre) w->pre--;
    if (!strcmp(name, "td") || !strcmp(name, "th")) w->pending_sp = 1;
}

static void walk(tw *w, xmlNodePtr start)
{
    xmlNodePtr n = start;
    while (n && !w->rc) {
        if (enter(w, n) && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            leave(w, n);
            if (n == start) return;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (!n) return;
        }
    }
}

int reader_html_text(const uint8_t *data, size_t len, const reader_opts *o, buf_t *out,
                     char *eb, size_t el)
{
    (void)o;
    if (len > (size_t)INT32_MAX) {
        snprintf(eb, el, "HTML file too large for the parser");
        return ERR_TOOBIG;
    }
    const char *enc = utf8_valid((const char *)data, len, NULL) ? "UTF-8" : NULL;
    htmlDocPtr doc = htmlReadMemory(len ? (const char *)data : "", (int)len, NULL, enc,
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (!doc) {
        if (!len) return 0; /* libxml2 gives no document for empty input: no text */
        snprintf(eb, el, "HTML parser produced no document");
        return ERR_PARSE;
    }
    tw w = {.out = out};
    size_t start = out->len;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root) walk(&w, root);
    xmlFreeDoc(doc);
    if (w.rc) {
        out->len = start;
        if (out->p) out->p[start] = '\0';
        snprintf(eb, el, "HTML text: %s", err_str(w.rc));
        return w.rc;
    }
    rtrim_line(out);
    return 0;
}
