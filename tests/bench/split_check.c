/* split_check.c - compares the C splitters with LlamaIndex oracle files.
 *
 *   split_check punkt  ORACLE.jsonl TEXTDIR   (punkt-sentences.jsonl)
 *   split_check chunks ORACLE.jsonl TEXTDIR   (chunks-N-M.jsonl: SentenceSplitter)
 *   split_check tokens ORACLE.jsonl TEXTDIR   (cl100k-token-counts.jsonl)
 *   split_check splitcases CASES.jsonl        ({"text", "kind", "chunk_size", "chunk_overlap",
 *                                               "metadata_str"?, ..., "chunks" | "error"} from
 *                                               the real LlamaIndex splitter code)
 *   split_check punktcases CASES.jsonl        ({"text", "spans": [[s,e],..]} from nltk,
 *                                               offsets in code points)
 *
 * Each oracle line names a document ("doc") of TEXTDIR.  Prints one line per
 * document (ok, or where the first difference is) and "N/M identical";
 * exit 0 only if all are identical.  A benchmark tool, not a unit test: it
 * needs /work/shared. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "punkt.h"
#include "split.h"
#include "tok.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = '\0', *len = (size_t)n;
    return b;
}

/* Compares got[i] (ptr,len pairs) with the JSON array want; prints the first difference. */
static int compare(const char *doc, const char *const *gp, const size_t *gl, size_t gn, json_t *want)
{
    size_t wn = json_array_size(want);
    for (size_t i = 0; i < gn && i < wn; i++) {
        json_t *w = json_array_get(want, i);
        size_t wl = json_string_length(w);
        if (wl != gl[i] || memcmp(json_string_value(w), gp[i], wl)) {
            printf("%s: DIFF at #%zu (got %zu items, want %zu)\n  got:  %.*s\n  want: %.*s\n", doc, i, gn,
                   wn, (int)(gl[i] > 300 ? 300 : gl[i]), gp[i], (int)(wl > 300 ? 300 : wl),
                   json_string_value(w));
            return 0;
        }
    }
    if (gn != wn) {
        printf("%s: DIFF count got %zu want %zu\n", doc, gn, wn);
        return 0;
    }
    printf("%s: ok (%zu)\n", doc, gn);
    return 1;
}

static int check_punkt(const char *doc, const char *t, size_t len, json_t *o)
{
    punkt_spans sp = {0};
    if (punkt_span_tokenize(t, len, &sp)) return 0;
    const char **gp = malloc((sp.n + 1) * sizeof *gp);
    size_t *gl = malloc((sp.n + 1) * sizeof *gl);
    for (size_t i = 0; i < sp.n; i++) { /* LlamaIndex cuts at span starts */
        gp[i] = t + sp.v[i].start;
        gl[i] = (i + 1 < sp.n ? sp.v[i + 1].start : len) - sp.v[i].start;
    }
    int ok = compare(doc, gp, gl, sp.n, json_object_get(o, "sentences"));
    free(gp);
    free(gl);
    punkt_spans_free(&sp);
    return ok;
}

static int check_chunks(const char *doc, const char *t, size_t len, json_t *o)
{
    split_params p;
    split_params_default(&p, SPLIT_SENTENCE);
    p.chunk_size = (int)json_integer_value(json_object_get(o, "chunk_size"));
    p.chunk_overlap = (int)json_integer_value(json_object_get(o, "chunk_overlap"));
    split_chunks ch = {0};
    char eb[256];
    if (split_text(&p, t, len, 0, &ch, eb, sizeof eb)) {
        printf("%s: ERROR %s\n", doc, eb);
        return 0;
    }
    const char **gp = malloc((ch.n + 1) * sizeof *gp);
    size_t *gl = malloc((ch.n + 1) * sizeof *gl);
    for (size_t i = 0; i < ch.n; i++) gp[i] = ch.v[i].s, gl[i] = ch.v[i].len;
    int ok = compare(doc, gp, gl, ch.n, json_object_get(o, "chunks"));
    free(gp);
    free(gl);
    split_chunks_free(&ch);
    return ok;
}

static int check_tokens(const char *doc, const char *t, size_t len, json_t *o)
{
    size_t got = tok_count(t, len), want = (size_t)json_integer_value(json_object_get(o, "tokens"));
    printf("%s: %s (got %zu want %zu)\n", doc, got == want ? "ok" : "DIFF", got, want);
    return got == want;
}

static size_t cp_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* Cases generated with the real nltk: exact spans, offsets in code points. */
static int punkt_cases(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 2;
    char *line = NULL;
    size_t cap = 0, good = 0, total = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je), *want = json_object_get(o, "spans");
        const char *t = json_string_value(json_object_get(o, "text"));
        size_t len = json_string_length(json_object_get(o, "text"));
        punkt_spans sp = {0};
        int ok = t && !punkt_span_tokenize(t, len, &sp) && sp.n == json_array_size(want);
        for (size_t i = 0; ok && i < sp.n; i++) {
            json_t *w = json_array_get(want, i);
            ok = cp_count(t, sp.v[i].start) == (size_t)json_integer_value(json_array_get(w, 0)) &&
                 cp_count(t, sp.v[i].end) == (size_t)json_integer_value(json_array_get(w, 1));
        }
        total++;
        good += (size_t)ok;
        if (!ok && total - good <= 5) {
            printf("DIFF %s  got:", line);
            for (size_t i = 0; i < sp.n; i++)
                printf(" [%zu,%zu]", cp_count(t, sp.v[i].start), cp_count(t, sp.v[i].end));
            printf("\n");
        }
        punkt_spans_free(&sp);
        json_decref(o);
    }
    free(line);
    fclose(f);
    printf("%zu/%zu identical\n", good, total);
    return good == total ? 0 : 1;
}

static void case_params(json_t *o, split_params *p)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    split_params_default(p, kind && !strcmp(kind, "token") ? SPLIT_TOKEN : SPLIT_SENTENCE);
    p->chunk_size = (int)json_integer_value(json_object_get(o, "chunk_size"));
    p->chunk_overlap = (int)json_integer_value(json_object_get(o, "chunk_overlap"));
    json_t *v;
    if ((v = json_object_get(o, "separator"))) p->separator = json_string_value(v);
    if ((v = json_object_get(o, "paragraph_separator"))) p->paragraph_separator = json_string_value(v);
    if ((v = json_object_get(o, "secondary_regex"))) p->secondary_regex = (int)json_integer_value(v);
    if ((v = json_object_get(o, "keep_whitespaces"))) p->keep_whitespaces = json_is_true(v);
    if ((v = json_object_get(o, "backup_separators"))) {
        size_t i;
        for (i = 0; i < json_array_size(v) && i < 3; i++)
            p->backup_separators[i] = json_string_value(json_array_get(v, i));
        p->backup_separators[i] = NULL;
    }
}

/* Cases from the real LlamaIndex splitter code (see tests/tools/split_ref.py). */
static int split_cases(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 2;
    char *line = NULL;
    size_t cap = 0, good = 0, total = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        json_t *tx = json_object_get(o, "text"), *want = json_object_get(o, "chunks");
        json_t *md = json_object_get(o, "metadata_str");
        split_params p;
        case_params(o, &p);
        split_chunks ch = {0};
        char eb[256] = "";
        size_t mt = md ? tok_count(json_string_value(md), json_string_length(md)) : 0;
        int rc = split_text(&p, json_string_value(tx), json_string_length(tx), mt, &ch, eb, sizeof eb);
        int ok = want ? !rc && ch.n == json_array_size(want) : rc == ERR_INVAL;
        for (size_t i = 0; ok && want && i < ch.n; i++) {
            json_t *w = json_array_get(want, i);
            ok = json_string_length(w) == ch.v[i].len && !memcmp(json_string_value(w), ch.v[i].s, ch.v[i].len);
        }
        total++;
        good += (size_t)ok;
        if (!ok && total - good <= 3) {
            printf("DIFF #%zu: rc=%d %s n=%zu\n  case: %.2000s\n", total, rc, eb, ch.n, line);
            for (size_t i = 0; i < ch.n && i < 40; i++) printf("  got[%zu]: %s\n", i, ch.v[i].s);
        }
        split_chunks_free(&ch);
        json_decref(o);
    }
    free(line);
    fclose(f);
    printf("%zu/%zu identical\n", good, total);
    return good == total ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "splitcases")) return split_cases(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "punktcases")) return punkt_cases(argv[2]);
    if (argc != 4) {
        fprintf(stderr, "usage: split_check punkt|chunks|tokens ORACLE.jsonl TEXTDIR\n");
        return 2;
    }
    int (*fn)(const char *, const char *, size_t, json_t *) =
        !strcmp(argv[1], "punkt") ? check_punkt : !strcmp(argv[1], "chunks") ? check_chunks
        : !strcmp(argv[1], "tokens") ? check_tokens : NULL;
    FILE *f = fopen(argv[2], "r");
    if (!fn || !f) {
        fprintf(stderr, "split_check: bad mode or cannot open %s\n", argv[2]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0, good = 0, total = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        const char *doc = json_string_value(json_object_get(o, "doc"));
        if (!doc) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[3], doc);
        size_t len = 0;
        char *t = slurp(path, &len);
        total++;
        if (!t) printf("%s: cannot read %s\n", doc, path);
        else good += (size_t)fn(doc, t, len, o);
        free(t);
        json_decref(o);
    }
    free(line);
    fclose(f);
    printf("%zu/%zu identical\n", good, total);
    return good == total ? 0 : 1;
}
