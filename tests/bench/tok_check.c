/* tok_check.c - exactness check of the cl100k tokenizer against the
 * LlamaIndex/tiktoken oracle in /work/shared (not a unit test: users do not
 * have that directory).
 *
 * usage: tok_check [ORACLE_DIR [CORPUS_TEXT_DIR]]
 *   defaults: /work/shared/oracle/llamaindex-0.14.19
 *             /work/shared/corpus/financebench-seed/text
 * Checks every {"text","ids"} line of cl100k-cases.jsonl (tok_encode ids,
 * tok_count, tok_decode round trip) and every {"doc","tokens"} line of
 * cl100k-token-counts.jsonl (tok_count and tok_encode length of the file).
 * Prints one line per mismatch and a summary; exit 0 iff all match, 77
 * (skip) when the oracle is absent. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (d && fread(d, 1, (size_t)n, f) != (size_t)n) free(d), d = NULL;
    fclose(f);
    if (d) d[n] = 0, *len = (size_t)n;
    return d;
}

static int check_case(const char *text, size_t len, json_t *want, int line)
{
    uint32_t *ids = NULL;
    size_t n = 0, i;
    int ok = tok_encode(text, len, &ids, &n) == 0 && n == json_array_size(want) && tok_count(text, len) == n;
    for (i = 0; ok && i < n; i++) ok = ids[i] == (uint32_t)json_integer_value(json_array_get(want, i));
    char *back = NULL;
    size_t blen = 0;
    if (ok) ok = tok_decode(ids, n, &back, &blen) == 0 && blen == len && !memcmp(back, text, len);
    if (!ok) {
        printf("case line %d MISMATCH: got %zu ids, want %zu:", line, n, json_array_size(want));
        for (i = 0; i < n && i < 16; i++) printf(" %u", ids[i]);
        printf("\n");
    }
    free(ids);
    free(back);
    return ok;
}

static int check_cases(const char *path, int *total)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    int ok = 0, no = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *j = json_loads(line, JSON_ALLOW_NUL, &e);
        json_t *t = json_object_get(j, "text"), *ids = json_object_get(j, "ids");
        no++;
        if (json_is_string(t) && json_is_array(ids)) ok += check_case(json_string_value(t), json_string_length(t), ids, no);
        else printf("case line %d unreadable\n", no);
        json_decref(j);
    }
    free(line);
    fclose(f);
    *total = no;
    return ok;
}

static int check_docs(const char *path, const char *dir, int *total)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    int ok = 0, no = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        const char *doc = json_string_value(json_object_get(j, "doc"));
        size_t want = (size_t)json_integer_value(json_object_get(j, "tokens")), len = 0, n = 0;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, doc ? doc : "?");
        char *text = slurp(p, &len);
        uint32_t *ids = NULL;
        size_t got = text ? tok_count(text, len) : 0;
        int good = text && got == want && tok_encode(text, len, &ids, &n) == 0 && n == want;
        no++;
        ok += good;
        printf("doc %-40s want %8zu got %8zu %s\n", doc ? doc : "?", want, got, good ? "ok" : "MISMATCH");
        free(ids);
        free(text);
        json_decref(j);
    }
    free(line);
    fclose(f);
    *total = no;
    return ok;
}

int main(int argc, char **argv)
{
    const char *odir = argc > 1 ? argv[1] : "/work/shared/oracle/llamaindex-0.14.19";
    const char *cdir = argc > 2 ? argv[2] : "/work/shared/corpus/financebench-seed/text";
    char p[4096];
    int nc = 0, nd = 0;
    snprintf(p, sizeof p, "%s/cl100k-cases.jsonl", odir);
    int okc = check_cases(p, &nc);
    snprintf(p, sizeof p, "%s/cl100k-token-counts.jsonl", odir);
    int okd = check_docs(p, cdir, &nd);
    if (okc < 0 || okd < 0) {
        printf("oracle not found under %s: skipped\n", odir);
        return 77;
    }
    printf("cases: %d/%d match; documents: %d/%d match\n", okc, nc, okd, nd);
    return okc == nc && okd == nd ? 0 : 1;
}
