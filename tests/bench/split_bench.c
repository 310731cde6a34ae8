/* split_bench.c - speed of SentenceSplitter(1024, 20) on one core.
 *
 *   split_bench [TEXTDIR] [CHUNK_SIZE OVERLAP [ROUNDS]]
 *     (default /work/shared/corpus/financebench-seed/text, 1024 20, 1)
 *
 * Loads every *.txt of TEXTDIR, then times split_text over the corpus with
 * each document's text repeated 1x, 4x and 16x (one bigger document each, so
 * super-linear behaviour in document size would show), plus tok_count and
 * punkt_span_tokenize alone at 1x for the breakdown.  tok_count keeps a
 * per-thread memo, warm after the first pass over the corpus; split_cold is
 * the 1x split run in a fresh thread each round, i.e. with an empty memo.  Each stage runs ROUNDS
 * times and the best time is printed (the machine may be shared and noisy).
 * Prints key=value lines. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "punkt.h"
#include "split.h"
#include "tok.h"

typedef struct doc {
    char *s;
    size_t len;
} doc;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t load(const char *dir, doc *d, size_t max)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while (dp && n < max && (e = readdir(dp))) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 4, ".txt")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        d[n].s = malloc((size_t)sz + 1);
        if (d[n].s && fread(d[n].s, 1, (size_t)sz, f) == (size_t)sz) d[n++].len = (size_t)sz;
        fclose(f);
    }
    if (dp) closedir(dp);
    return n;
}

static size_t cps(const doc *d, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d[i].len; j++) c += ((unsigned char)d[i].s[j] & 0xc0) != 0x80;
    return c;
}

/* Seconds spent in split_text over every document repeated k times, or -1
 * on error; *chunks and *total (bytes) are set. */
static double split_pass(const split_params *p, const doc *d, size_t n, int k, size_t *chunks, size_t *total)
{
    double sum = 0;
    *chunks = *total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = d[i].len * (size_t)k;
        char *s = malloc(len + 1);
        if (!s) return -1;
        for (int c = 0; c < k; c++) memcpy(s + d[i].len * (size_t)c, d[i].s, d[i].len);
        split_chunks ch = {0};
        char eb[256];
        double t = now();
        if (split_text(p, s, len, 0, &ch, eb, sizeof eb)) {
            fprintf(stderr, "split_bench: %s\n", eb);
            free(s);
            return -1;
        }
        sum += now() - t;
        *chunks += ch.n;
        *total += len;
        split_chunks_free(&ch);
        free(s);
    }
    return sum;
}

typedef struct cold_job {
    const split_params *p;
    const doc *d;
    size_t n;
    double best; /* < 0 after an error */
    size_t chunks, total;
} cold_job;

static void *cold_pass(void *arg)
{
    cold_job *j = arg;
    double sec = split_pass(j->p, j->d, j->n, 1, &j->chunks, &j->total);
    if (sec < 0 || sec < j->best) j->best = sec;
    return NULL;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/work/shared/corpus/financebench-seed/text";
    split_params p;
    split_params_default(&p, SPLIT_SENTENCE);
    p.chunk_size = argc > 3 ? atoi(argv[2]) : 1024;
    p.chunk_overlap = argc > 3 ? atoi(argv[3]) : 20;
    int rounds = argc > 4 ? atoi(argv[4]) : 1;
    if (rounds < 1) rounds = 1;
    static doc d[4096];
    size_t n = load(dir, d, 4096);
    if (!n) {
        fprintf(stderr, "split_bench: no .txt files in %s\n", dir);
        return 2;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += d[i].len;
    printf("docs=%zu bytes=%zu chars=%zu chunk_size=%d chunk_overlap=%d\n", n, bytes, cps(d, n),
           p.chunk_size, p.chunk_overlap);

    double t, best = 1e30;
    size_t toks = 0;
    for (int r = 0; r < rounds; r++) {
        t = now();
        toks = 0;
        for (size_t i = 0; i < n; i++) toks += tok_count(d[i].s, d[i].len);
        t = now() - t;
        if (t < best) best = t;
    }
    printf("stage=tok_count scale=1 tokens=%zu seconds=%.3f MB_per_s=%.1f\n", toks, best, (double)bytes / best / 1e6);
    size_t sents = 0;
    best = 1e30;
    for (int r = 0; r < rounds; r++) {
        t = now();
        sents = 0;
        for (size_t i = 0; i < n; i++) {
            punkt_spans sp = {0};
            if (punkt_span_tokenize(d[i].s, d[i].len, &sp)) return 1;
            sents += sp.n;
            punkt_spans_free(&sp);
        }
        t = now() - t;
        if (t < best) best = t;
    }
    printf("stage=punkt scale=1 sentences=%zu seconds=%.3f\n", sents, best);

    /* cold: a fresh thread has an empty tok_count memo */
    cold_job cj = {&p, d, n, 1e30, 0, 0};
    for (int r = 0; r < rounds; r++) {
        pthread_t th;
        if (pthread_create(&th, NULL, cold_pass, &cj) || pthread_join(th, NULL) || cj.best < 0) return 1;
    }
    printf("stage=split_cold scale=1 bytes=%zu chunks=%zu seconds=%.3f MB_per_s=%.1f\n", cj.total, cj.chunks,
           cj.best, (double)cj.total / cj.best / 1e6);
    for (int k = 1; k <= 16; k *= 4) {
        size_t chunks = 0, total = 0;
        double el = 1e30;
        for (int r = 0; r < rounds; r++) {
            double sec = split_pass(&p, d, n, k, &chunks, &total);
            if (sec < 0) return 1;
            if (sec < el) el = sec;
        }
        printf("stage=split scale=%d bytes=%zu chunks=%zu seconds=%.3f MB_per_s=%.1f\n", k, total, chunks,
               el, (double)total / el / 1e6);
    }
    for (size_t i = 0; i < n; i++) free(d[i].s);
    return 0;
}
