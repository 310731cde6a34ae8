/* log.c - key=value event lines on stderr (see log.h).  One fprintf per line
 * so lines from concurrent processes do not interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void log_kv(const char *level, const char *event, const char *fmt, ...)
{
    char line[2048], ts[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf(line, sizeof line, "ts=%s.%03ldZ level=%s event=%s ", ts,
                     now.tv_nsec / 1000000, level, event);
    if (n < 0 || n >= (int)sizeof line) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

const char *log_quote(const char *s, char *out, int cap)
{
    int o = 0;
    if (cap < 3) return "";
    out[o++] = '"';
    for (; s && *s && o < cap - 3; s++) {
        char c = *s;
        if (c == '"' || c == '\\') {
            if (o >= cap - 4) break;
            out[o++] = '\\';
        }
        out[o++] = (unsigned char)c < 0x20 ? ' ' : c;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}
