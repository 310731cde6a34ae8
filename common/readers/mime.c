/* mime.c - mimetypes.guess_type() for file paths (see mime.h).
 * The path is split like posixpath.splitext (a base name made only of
 * leading dots has no suffix), suffix_map is applied, one compression
 * suffix (case-sensitive) is dropped, and the lower-cased suffix is looked
 * up in the sorted generated table. */
#include "mime.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct mime_entry {
    const char *ext, *type;
} table[] = {
#include "mime_table.inc"
};

/* suffix_map and encodings_map of Python 3.11's mimetypes. */
static const char *const suffix_map[][2] = {{".svgz", ".svg.gz"}, {".tgz", ".tar.gz"},
    {".taz", ".tar.gz"}, {".tz", ".tar.gz"}, {".tbz2", ".tar.bz2"}, {".txz", ".tar.xz"}};
static const char *const encodings[] = {".gz", ".Z", ".bz2", ".xz", ".br"};

/* posixpath.splitext on name[0..len): offset of the suffix's dot, or len. */
static size_t split_ext(const char *name, size_t len)
{
    size_t base = 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '/') base = i + 1;
    size_t dot = len;
    for (size_t i = len; i > base; i--)
        if (name[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    if (dot == len) return len;
    for (size_t i = base; i < dot; i++)
        if (name[i] != '.') return dot;
    return len; /* ".bashrc", "..x": no suffix */
}

static int cmp_entry(const void *k, const void *e)
{
    return strcmp(k, ((const struct mime_entry *)e)->ext);
}

const char *mime_guess(const char *name)
{
    char buf[4096];
    size_t len = strlen(name);
    if (len >= sizeof buf - 16) return NULL;
    memcpy(buf, name, len + 1);
    size_t dot = split_ext(buf, len);
    for (int again = 1; again;) { /* while ext.lower() in suffix_map */
        again = 0;
        for (size_t i = 0; i < sizeof suffix_map / sizeof *suffix_map; i++)
            if (!strcasecmp(buf + dot, suffix_map[i][0])) {
                strcpy(buf + dot, suffix_map[i][1]);
                len = strlen(buf);
                dot = split_ext(buf, len);
                again = 1;
                break;
            }
    }
    for (size_t i = 0; i < sizeof encodings / sizeof *encodings; i++)
        if (!strcmp(buf + dot, encodings[i])) {
            buf[dot] = '\0';
            len = dot;
            dot = split_ext(buf, len);
            break;
        }
    if (dot == len || len - dot > 64) return NULL;
    char ext[72];
    for (size_t i = dot; i <= len; i++) ext[i - dot] = (char)tolower((unsigned char)buf[i]);
    const struct mime_entry *e =
        bsearch(ext, table, sizeof table / sizeof *table, sizeof *table, cmp_entry);
    return e ? e->type : NULL;
}
