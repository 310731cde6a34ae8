/* test_pyfloat.c - pyfloat_repr / pyfloat_json against what CPython printed
 * (tests/data/pyfloat/cases.txt, written by tests/tools/gen_pyfloat_fixtures.py):
 * every line is "<bits of the double in hex> <repr> <json.dumps>". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyfloat.h"
#include "t.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_pyfloat CASES.txt\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    CHECK(f != NULL);
    if (!f) return t_done();
    char line[256], want_repr[64], want_json[64], got[PYFLOAT_MAX];
    uint64_t bits;
    long n = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%" SCNx64 " %63s %63s", &bits, want_repr, want_json) != 3) continue;
        double x;
        memcpy(&x, &bits, sizeof x);
        size_t len = pyfloat_repr(x, got);
        int ok = !strcmp(got, want_repr) && len == strlen(want_repr);
        pyfloat_json(x, got);
        ok = ok && !strcmp(got, want_json);
        if (!ok && bad++ < 10)
            fprintf(stderr, "%016" PRIx64 ": got %s, want %s / %s\n", bits, got, want_repr,
                    want_json);
        n++;
    }
    fclose(f);
    printf("%ld values, %ld differ\n", n, bad);
    CHECK(n > 1000);
    CHECK(bad == 0);
    return t_done();
}
