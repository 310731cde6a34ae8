/* log.c - event lines on stderr, logfmt or JSON (see log.h).  One fprintf
 * per line so lines from concurrent processes and threads do not interleave.
 * Lines are capped at LINE_MAX bytes (longer ones are cut). */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"

#define LINE_MAX_ 2048

static const struct {
    const char *name;
    log_level level;
} levels[] = {{"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"warn", LOG_WARN},
              {"warning", LOG_WARN}, {"error", LOG_ERROR}};

static log_level min_level = LOG_INFO;
static _Atomic unsigned long long errors;
static log_format format = LOG_LOGFMT;

static int level_of(const char *name, log_level *out)
{
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
        if (name && !strcmp(name, levels[i].name)) {
            *out = levels[i].level;
            return 0;
        }
    return ERR_INVAL;
}

int log_set_level(const char *name) { return level_of(name, &min_level); }

int log_set_format(const char *name)
{
    if (name && !strcmp(name, "logfmt")) format = LOG_LOGFMT;
    else if (name && !strcmp(name, "json")) format = LOG_JSON;
    else return ERR_INVAL;
    return 0;
}

int log_enabled(const char *level)
{
    log_level l = LOG_ERROR;
    level_of(level, &l); /* unknown names are logged, as errors are */
    return l >= min_level;
}

/* Appends s (n bytes) as a JSON string body (no quotes) to out at *o. */
static void json_esc(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') out[(*o)++] = '\\', out[(*o)++] = (char)c;
        else if (c < 0x20) *o += (size_t)snprintf(out + *o, cap - *o, "\\u%04x", c);
        else out[(*o)++] = (char)c;
    }
}

static int is_number(const char *s, size_t n)
{
    if (!n || n > 30) return 0;
    char tmp[32], *end;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (!(tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9'))) return 0;
    strtod(tmp, &end);
    return *end == '\0' && strcmp(tmp, "-");
}

/* Turns a logfmt tail (k=v k="v w" ...) into JSON members appended at *o. */
static void tail_to_json(const char *t, char *out, size_t cap, size_t *o)
{
    while (*t) {
        while (*t == ' ') t++;
        const char *k = t;
        while (*t && *t != '=' && *t != ' ') t++;
        size_t kl = (size_t)(t - k);
        if (!kl) break;
        const char *v = "";
        size_t vl = 0;
        int quoted = 0;
        char val[LINE_MAX_];
        if (*t == '=') {
            t++;
            if (*t == '"') { /* unescape \" and \\ */
                quoted = 1;
                for (t++; *t && *t != '"' && vl < sizeof val - 1; t++) {
                    if (*t == '\\' && t[1]) t++;
                    val[vl++] = *t;
                }
                if (*t == '"') t++;
                v = val;
            } else {
                v = t;
                while (*t && *t != ' ') t++;
                vl = (size_t)(t - v);
            }
        }
        if (*o + 8 >= cap) return;
        out[(*o)++] = ',', out[(*o)++] = '"';
        json_esc(out, cap, o, k, kl);
        out[(*o)++] = '"', out[(*o)++] = ':';
        if (!quoted && is_number(v, vl)) {
            if (*o + vl + 2 < cap) memcpy(out + *o, v, vl), *o += vl;
        } else {
            out[(*o)++] = '"';
            json_esc(out, cap, o, v, vl);
            if (*o + 2 < cap) out[(*o)++] = '"';
        }
    }
}

unsigned long long log_errors(void) { return atomic_load(&errors); }

void log_kv(const char *level, const char *event, const char *fmt, ...)
{
    if (!strcmp(level, "error")) atomic_fetch_add(&errors, 1);
    if (!log_enabled(level)) return;
    char tail[LINE_MAX_], line[LINE_MAX_ * 2], ts[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    if (format == LOG_LOGFMT) {
        fprintf(stderr, "ts=%s.%03ldZ level=%s event=%s %s\n", ts, now.tv_nsec / 1000000, level, event, tail);
        return;
    }
    size_t o = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":\"", ts,
                                now.tv_nsec / 1000000, level);
    json_esc(line, sizeof line, &o, event, strlen(event));
    line[o++] = '"';
    tail_to_json(tail, line, sizeof line - 2, &o);
    line[o++] = '}';
    line[o] = '\0';
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
