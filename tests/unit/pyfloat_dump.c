/* pyfloat_dump.c - prints "<hex bits> <repr>" lines for check_pyfloat.py,
 * which compares them with CPython's own repr(float).
 *   pyfloat_dump f32 N SEED   N float32 values (random bit patterns and
 *                             embedding-like values in (-1, 1)), pyfloat_json_f32
 *   pyfloat_dump f64 N SEED   N random double bit patterns, pyfloat_json
 * Special values (zeros, powers of two, limits, NaN, infinities) first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyfloat.h"

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void f32(uint32_t b)
{
    float f;
    char out[PYFLOAT_MAX];
    memcpy(&f, &b, sizeof f);
    pyfloat_json_f32(f, out);
    printf("%08x %s\n", b, out);
}

static void f64(uint64_t b)
{
    double d;
    char out[PYFLOAT_MAX];
    memcpy(&d, &b, sizeof d);
    pyfloat_json(d, out);
    printf("%016llx %s\n", (unsigned long long)b, out);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pyfloat_dump f32|f64 N SEED\n");
        return 2;
    }
    long n = atol(argv[2]);
    rng = (uint64_t)atoll(argv[3]) * 0x9e3779b97f4a7c15ull + 1;
    int is32 = !strcmp(argv[1], "f32");
    if (is32) {
        const uint32_t special[] = {0, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 1, 0x7f7fffffu,
                                    0x00800000u, 0x3f800000u, 0x3f000000u, 0x3dcccccdu, 0x4b7fffffu};
        for (size_t i = 0; i < sizeof special / sizeof *special; i++) f32(special[i]);
        for (int e = 0; e < 255; e++) f32((uint32_t)e << 23), f32((uint32_t)e << 23 | 1), f32((uint32_t)e << 23 | 0x7fffff);
        for (long i = 0; i < n; i++) {
            uint64_t r = next();
            if (i & 1) { /* embedding-like: exponent of values in [1e-7, 1) */
                uint32_t e = 102 + (uint32_t)(r >> 40) % 25;
                f32((uint32_t)(r >> 63) << 31 | e << 23 | (uint32_t)(r & 0x7fffff));
            } else {
                f32((uint32_t)r);
            }
        }
    } else {
        const double special[] = {0.0, -0.0, 1.0, 0.1, 1e16, 1e-5, 1e-4, 123456789.0, 1.5e16, 9999999999999998.0,
                                  5e-324, 1.7976931348623157e308, 2.2250738585072014e-308};
        for (size_t i = 0; i < sizeof special / sizeof *special; i++) {
            uint64_t b;
            memcpy(&b, &special[i], sizeof b);
            f64(b);
        }
        for (long i = 0; i < n; i++) f64(next());
    }
    return 0;
}
