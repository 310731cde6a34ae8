/* tok_bench.c - throughput of the cl100k tokenizer on a corpus.
 *
 * usage: tok_bench [TEXT_DIR [ROUNDS]]
 *   default /work/shared/corpus/financebench-seed/text, 5 rounds
 * Loads every *.txt of TEXT_DIR into memory, then times tok_count (and
 * tok_encode) over all of them ROUNDS times on one thread; prints the best
 * round as MB/s (10^6 bytes per second) and the total token count. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tok.h"

typedef struct {
    char *p;
    size_t len;
} text;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int load(const char *dir, text **out, size_t *n, size_t *bytes)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    *n = 0, *bytes = 0, *out = NULL;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        text t = {malloc((size_t)sz + 1), (size_t)sz};
        text *grown = realloc(*out, (*n + 1) * sizeof **out);
        if (!t.p || !grown || fread(t.p, 1, t.len, f) != t.len) return -1;
        fclose(f);
        *out = grown;
        (*out)[(*n)++] = t;
        *bytes += t.len;
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/work/shared/corpus/financebench-seed/text";
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    text *t;
    size_t n, bytes;
    if (load(dir, &t, &n, &bytes) || !n) {
        fprintf(stderr, "tok_bench: no .txt files under %s\n", dir);
        return 1;
    }
    double best_count = 1e9, best_encode = 1e9;
    size_t tokens = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        size_t c = 0;
        for (size_t i = 0; i < n; i++) c += tok_count(t[i].p, t[i].len);
        double t1 = now();
        for (size_t i = 0; i < n; i++) {
            uint32_t *ids;
            size_t m;
            if (tok_encode(t[i].p, t[i].len, &ids, &m) == 0) free(ids);
        }
        double t2 = now();
        tokens = c;
        if (t1 - t0 < best_count) best_count = t1 - t0;
        if (t2 - t1 < best_encode) best_encode = t2 - t1;
    }
    printf("impl=ingest-c files=%zu bytes=%zu tokens=%zu count_mb_s=%.1f encode_mb_s=%.1f\n", n, bytes, tokens,
           (double)bytes / best_count / 1e6, (double)bytes / best_encode / 1e6);
    for (size_t i = 0; i < n; i++) free(t[i].p);
    free(t);
    return 0;
}
