/* t_jsonl.h - runs a check over every line of a JSONL fixture file.
 * fn gets the parsed object (freed afterwards) and returns 1 if the case
 * passed; failures print the case number and the start of the line.
 * Returns the number of cases (0 when the file is missing: a CHECK fails). */
#ifndef INGEST_T_JSONL_H
#define INGEST_T_JSONL_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "t.h"

static inline size_t t_jsonl_each(const char *dir, const char *name, int (*fn)(json_t *o))
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return 0;
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        int ok = o && fn(o);
        if (!ok) fprintf(stderr, "%s case %zu differs: %.300s\n", name, n + 1, line);
        CHECK(ok);
        json_decref(o);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

#endif
