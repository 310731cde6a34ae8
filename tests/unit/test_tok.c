/* test_tok.c - cl100k tokenizer: fixtures produced by tiktoken (the
 * LlamaIndex oracle subset and tiktoken-WASM cases, tests/data/tok/) plus
 * the invalid-UTF-8 rule, huge pieces, special tokens and the API edges.
 * usage: test_tok DATA_DIR (tests/data/tok) */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

#include "err.h"
#include "t.h"
#include "tok.h"

static const char *data_dir = "tests/data/tok";

/* encode == want (n ids), count agrees, decode gives the input back. */
static int same(const char *s, size_t len, const uint32_t *want, size_t n)
{
    uint32_t *ids = NULL;
    size_t got = 0, blen = 0;
    char *back = NULL;
    int ok = tok_encode(s, len, &ids, &got) == 0 && ids && got == n && tok_count(s, len) == n;
    for (size_t i = 0; ok && i < n; i++) ok = ids[i] == want[i];
    ok = ok && tok_decode(ids, got, &back, &blen) == 0 && blen == len && !memcmp(back, s, len) && back[len] == 0;
    free(ids);
    free(back);
    return ok;
}

static void jsonl_cases(const char *name, int min_cases)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *j = json_loads(line, JSON_ALLOW_NUL, &e), *ids = json_object_get(j, "ids");
        size_t k = json_array_size(ids);
        uint32_t *want = malloc((k + 1) * sizeof *want);
        for (size_t i = 0; i < k; i++) want[i] = (uint32_t)json_integer_value(json_array_get(ids, i));
        const char *s = json_string_value(json_object_get(j, "text"));
        int ok = s && json_is_array(ids) && same(s, json_string_length(json_object_get(j, "text")), want, k);
        if (!ok) fprintf(stderr, "%s line %d differs\n", name, n + 1);
        CHECK(ok);
        free(want);
        json_decref(j);
        n++;
    }
    free(line);
    fclose(f);
    CHECK(n >= min_cases);
}

static uint32_t one(const char *s) /* the id of a string that is one token */
{
    uint32_t *ids = NULL;
    size_t n = 0;
    uint32_t id = tok_encode(s, strlen(s), &ids, &n) == 0 && n == 1 ? ids[0] : UINT32_MAX;
    free(ids);
    return id;
}

static void invalid_utf8(void)
{
    /* every invalid byte is its own single-byte token and cuts the text */
    uint32_t ff = one("\xff"), ed = one("\xed"), a0 = one("\xa0"), x80 = one("\x80");
    CHECK(ff != UINT32_MAX && ed != UINT32_MAX && a0 != UINT32_MAX && x80 != UINT32_MAX);
    CHECK(ff != ed && a0 != x80);
    const uint32_t sur[] = {ed, a0, x80}; /* encoded lone surrogate U+D800 */
    CHECK(same("\xed\xa0\x80", 3, sur, 3));
    uint32_t ab = one("ab"), cd = one("cd"), sp = one(" ");
    const uint32_t mid[] = {ab, ff, cd};
    CHECK(same("ab\xff" "cd", 5, mid, 3));
    const uint32_t spc[] = {ab, sp, ff}; /* " " before the cut is at the segment end: not glued to "ab" */
    CHECK(same("ab \xff", 4, spc, 3));
    uint32_t e4 = one("\xe4"), b8 = one("\xb8");
    const uint32_t trunc[] = {ab, e4, b8}; /* truncated 3-byte sequence at the end */
    CHECK(same("ab\xe4\xb8", 4, trunc, 3));
    const uint32_t over[] = {one("\xc0"), one("\xaf")}; /* overlong '/' */
    CHECK(same("\xc0\xaf", 2, over, 2));
    const uint32_t big[] = {one("\xf4"), one("\x90"), x80, x80}; /* > U+10FFFF */
    CHECK(same("\xf4\x90\x80\x80", 4, big, 4));
    /* NUL bytes are ordinary text */
    CHECK(tok_count("a\0b", 3) == 3);
}

/* A 1 MiB single piece: exact ids checked against tiktoken at 150 kB
 * (tiktoken-WASM aborts at 1 MiB); here invariants and the count. */
static void huge(char fill, size_t want_count, uint32_t want_id)
{
    size_t len = (size_t)1 << 20;
    char *s = malloc(len);
    memset(s, fill, len);
    uint32_t *ids = NULL;
    size_t n = 0;
    CHECK(tok_count(s, len) == want_count);
    CHECK(tok_encode(s, len, &ids, &n) == 0 && n == want_count);
    size_t same_id = 0;
    for (size_t i = 0; ids && i < n; i++) same_id += ids[i] == want_id;
    CHECK(same_id == want_count);
    char *back = NULL;
    size_t blen = 0;
    CHECK(tok_decode(ids, n, &back, &blen) == 0 && blen == len && !memcmp(back, s, len));
    free(back);
    free(ids);
    free(s);
}

static void huge_letters(void)
{
    size_t len = (size_t)1 << 20;
    char *s = malloc(len);
    unsigned long r = 12345;
    for (size_t i = 0; i < len; i++) r = r * 48271 % 2147483647, s[i] = (char)('a' + r % 26);
    size_t n = tok_count(s, len);
    CHECK(n > len / 4 && n < len / 1); /* random letters: 2-3 bytes a token */
    uint32_t *ids = NULL;
    size_t m = 0;
    char *back = NULL;
    size_t blen = 0;
    CHECK(tok_encode(s, len, &ids, &m) == 0 && m == n);
    CHECK(tok_decode(ids, m, &back, &blen) == 0 && blen == len && !memcmp(back, s, len));
    free(back);
    free(ids);
    free(s);
}

static void specials_and_api(void)
{
    CHECK(one("<|endoftext|>") == 100257);
    CHECK(one("<|fim_prefix|>") == 100258);
    CHECK(one("<|fim_middle|>") == 100259);
    CHECK(one("<|fim_suffix|>") == 100260);
    CHECK(one("<|endofprompt|>") == 100276);
    CHECK(tok_count("<|endoftext", 11) > 1);
    uint32_t *ids = NULL;
    size_t n = 99;
    CHECK(tok_encode("", 0, &ids, &n) == 0 && ids != NULL && n == 0);
    free(ids);
    CHECK(tok_count("", 0) == 0);
    char *out = NULL;
    size_t olen = 9;
    CHECK(tok_decode(NULL, 0, &out, &olen) == 0 && out && olen == 0 && out[0] == 0);
    free(out);
    const uint32_t bad[] = {100256}, bad2[] = {15339, 100261}, top[] = {100276, 100255};
    out = NULL;
    CHECK(tok_decode(bad, 1, &out, &olen) == ERR_INVAL && out == NULL);
    CHECK(tok_decode(bad2, 2, &out, &olen) == ERR_INVAL && out == NULL);
    CHECK(tok_decode(top, 2, &out, &olen) == 0 && olen > 15 && !memcmp(out, "<|endofprompt|>", 15));
    free(out);
}

/* tok_count's per-thread memo: a text of many distinct short words (more
 * than the memo holds, so entries are evicted and replaced) counted
 * repeatedly, whole and in slices, from several threads at once, must
 * always give tok_encode's count (which does not use the memo). */
typedef struct memo_job {
    const char *s;
    size_t len, want, slice_want[8];
    int bad;
} memo_job;

static void *memo_worker(void *arg)
{
    memo_job *j = arg;
    for (int r = 0; r < 3; r++) {
        j->bad += tok_count(j->s, j->len) != j->want;
        for (int k = 0; k < 8; k++) j->bad += tok_count(j->s + k * (j->len / 8), j->len / 8) != j->slice_want[k];
    }
    return NULL;
}

static size_t encoded_len(const char *s, size_t len)
{
    uint32_t *ids = NULL;
    size_t n = 0;
    if (tok_encode(s, len, &ids, &n)) n = SIZE_MAX;
    free(ids);
    return n;
}

static void memo_threads(void)
{
    static const char alpha[] = "etaoinshrdlucmfwypvbgkqjxzETAOIN0123456789.,'-";
    size_t cap = 1u << 20, len = 0;
    char *s = malloc(cap);
    unsigned long r = 777;
    while (len + 20 < cap) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        size_t wl = 1 + (r >> 33) % 15;
        s[len++] = (r >> 20) % 7 ? ' ' : '\n';
        for (size_t i = 0; i < wl; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            s[len++] = alpha[(r >> 33) % (i ? sizeof alpha - 1 : 26)];
        }
    }
    memo_job j = {s, len, encoded_len(s, len), {0}, 0};
    for (int k = 0; k < 8; k++) j.slice_want[k] = encoded_len(s + k * (len / 8), len / 8);
    CHECK(j.want > len / 8 && j.want < len);
    memo_job jobs[4];
    pthread_t th[4];
    int started[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = j;
        started[t] = pthread_create(&th[t], NULL, memo_worker, &jobs[t]) == 0;
        CHECK(started[t]);
    }
    memo_worker(&j); /* and this thread, concurrently */
    for (int t = 0; t < 4; t++)
        if (started[t]) pthread_join(th[t], NULL);
    CHECK(j.bad == 0);
    for (int t = 0; t < 4; t++) CHECK(jobs[t].bad == 0);
    free(s);
}

/* tok_count_max: exact up to max, above max beyond it. */
static void count_max(void)
{
    const char *s = "The quick brown fox<|endoftext|> jumps \xff over 1234567 lazy dogs.";
    size_t len = strlen(s), n = tok_count(s, len);
    CHECK(n > 10);
    for (size_t max = 0; max <= n + 1; max++) {
        size_t m = tok_count_max(s, len, max);
        CHECK(max >= n ? m == n : m > max);
    }
    CHECK(tok_count_max("", 0, 0) == 0);
}

int main(int argc, char **argv)
{
    if (argc > 1) data_dir = argv[1];
    jsonl_cases("oracle-cases.jsonl", 260);
    jsonl_cases("adversarial.jsonl", 60);
    jsonl_cases("wasm-fuzz.jsonl", 1100);
    invalid_utf8();
    specials_and_api();
    huge(' ', 8192, one("                                                                                                                                "));
    huge('x', 131072, one("xxxxxxxx"));
    huge('\n', 32768, one("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"));
    huge_letters();
    memo_threads();
    count_max();
    return t_done();
}
