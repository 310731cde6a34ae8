/* mime.c - extension -> MIME type table matching Python 3.11's mimetypes
 * defaults for the types we read (see mime.h). */
#include "mime.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *ext, *type;
} table[] = {
    {".txt", "text/plain"},        {".text", "text/plain"},   {".log", "text/plain"},
    {".md", "text/markdown"},      {".markdown", "text/markdown"},
    {".html", "text/html"},        {".htm", "text/html"},     {".xml", "text/xml"},
    {".csv", "text/csv"},          {".json", "application/json"},
    {".pdf", "application/pdf"},   {".rst", "text/x-rst"},
    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
};

const char *mime_guess(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name) return NULL;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcasecmp(dot, table[i].ext)) return table[i].type;
    return NULL;
}
