/* replay.c - runs a fuzz target's LLVMFuzzerTestOneInput on every file of
 * the directories (or files) given, in name order, without libFuzzer: the
 * committed corpus becomes a regression test in every build.  Prints
 * "replayed N inputs" and exits 0 unless an input crashes the process. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 1 << 16, len = 0;
    uint8_t *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    if (!b) return -1;
    LLVMFuzzerTestOneInput(b, len);
    free(b);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i])) return 2;
            n++;
            continue;
        }
        struct dirent **ents;
        int k = scandir(argv[i], &ents, NULL, by_name);
        for (int j = 0; j < k; j++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], ents[j]->d_name);
            if (ents[j]->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode)) {
                if (run_file(path)) return 2;
                n++;
            }
            free(ents[j]);
        }
        free(ents);
    }
    printf("replayed %zu inputs\n", n);
    return n ? 0 : 1;
}
