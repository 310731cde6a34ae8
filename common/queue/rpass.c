/* rpass.c - Redis password sources (see rpass.h). */
#include "rpass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int rpass_pick(const char *file_flag, char *out, int cap, char *err, int errlen)
{
    const char *file = file_flag && *file_flag ? file_flag : getenv("INGEST_REDIS_PASSWORD_FILE");
    if (!file || !*file) {
        const char *e = getenv("INGEST_REDIS_PASSWORD");
        if (!e || !*e) return 0;
        snprintf(out, (size_t)cap, "%s", e);
        return 1;
    }
    FILE *f = fopen(file, "r");
    if (!f || !fgets(out, cap, f)) {
        snprintf(err, (size_t)errlen, "cannot read the Redis password file %s", file);
        if (f) fclose(f);
        return ERR_IO;
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    if (!*out) {
        snprintf(err, (size_t)errlen, "the Redis password file %s is empty", file);
        return ERR_IO;
    }
    return 1;
}
