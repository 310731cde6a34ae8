/* progress.c - progress bar and failure listing for `submit --wait`. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"
#include "rconn.h"

static void draw(const jobinfo *ji, double secs, int tty)
{
    int64_t done = ji->docs_done + ji->docs_failed, total = ji->docs_total;
    double frac = total ? (double)done / (double)total : 0.0;
    int width = 30, fill = (int)(frac * width + 0.5);
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double rate = secs > 0 ? (double)ji->nodes / secs : 0.0;
    double eta = (done && done < total) ? secs * (double)(total - done) / (double)done : 0.0;
    fprintf(stderr, "%s[%s] %lld/%lld docs  %lld nodes  %.1f nodes/s  ETA %.0fs  %s%s",
            tty ? "\r" : "", bar, (long long)done, (long long)total, (long long)ji->nodes, rate,
            eta, ji->state, tty ? "\033[K" : "\n");
    fflush(stderr);
}

int progress_wait(redisContext *c, const char *job, jobinfo *ji, char *err, int errlen)
{
    int tty = isatty(2);
    int64_t last_line = 0;
    for (;;) {
        int rc = jobinfo_load(c, job, ji, err, errlen);
        if (rc) return rc;
        int64_t now = jobinfo_now_ms();
        int fin = jobinfo_finished(ji);
        if (tty || fin || now - last_line >= 5000) {
            draw(ji, jobinfo_elapsed(ji, now), tty);
            last_line = now;
        }
        if (fin) break;
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (tty) fputc('\n', stderr);
    return 0;
}

long progress_print_errors(redisContext *c, const char *job, FILE *f)
{
    char key[KEYS_MAX], err[256];
    if (keys_job_sub(key, job, "errors")) return 0;
    redisReply *r = rconn_cmd(c, err, sizeof err, "HGETALL %s", key);
    if (!r) return 0;
    long n = 0;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2, n++)
        fprintf(f, "failed: %s: %s\n", r->element[i]->str, r->element[i + 1]->str);
    freeReplyObject(r);
    return n;
}
