/* hashembed.c - signed feature hashing embedder (see hashembed.h). */
#include "hashembed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static uint64_t fnv_word(uint64_t h, const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        h = (h ^ c) * FNV_PRIME;
    }
    return h;
}

static void add(float *out, uint32_t dim, uint64_t h)
{
    out[h % dim] += (h >> 63) ? -1.0f : 1.0f;
}

int hashembed(const char *text, size_t len, float *out, uint32_t dim)
{
    if (!dim) return ERR_INVAL;
    memset(out, 0, dim * sizeof *out);
    const char *prev = NULL;
    size_t prevn = 0;
    for (size_t i = 0; i < len;) {
        if (!word_byte((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && word_byte((unsigned char)text[i])) i++;
        uint64_t h = fnv_word(FNV_OFF, text + s, i - s);
        add(out, dim, h);
        if (prev) {
            uint64_t b = fnv_word(FNV_OFF, prev, prevn);
            b = (b ^ ' ') * FNV_PRIME;
            add(out, dim, fnv_word(b, text + s, i - s));
        }
        prev = text + s;
        prevn = i - s;
    }
    double ss = 0;
    for (uint32_t k = 0; k < dim; k++) ss += (double)out[k] * out[k];
    if (ss > 0) {
        float inv = (float)(1.0 / sqrt(ss));
        for (uint32_t k = 0; k < dim; k++) out[k] *= inv;
    }
    return 0;
}

int hashembed_run(const spec_tf *tf, node_t *const *nodes, size_t n)
{
    uint32_t dim = (uint32_t)spec_int(tf, "dim");
    buf_t s;
    buf_init(&s, 0);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        float *e = malloc(dim * sizeof *e);
        buf_reset(&s);
        rc = e ? node_content(nodes[i], NODE_MODE_EMBED, &s) : ERR_NOMEM;
        if (!rc) rc = hashembed(s.p ? s.p : "", s.len, e, dim);
        if (rc) {
            free(e);
            break;
        }
        free(nodes[i]->embedding);
        nodes[i]->embedding = e;
        nodes[i]->dim = dim;
    }
    buf_free(&s);
    return rc;
}
