/* view.c - rendering and drawing the live job view (see view.h). */
#include "view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BAR_MIN 10

void view_duration(double secs, char *out, int cap)
{
    if (secs < 0 || secs > 1e8) {
        snprintf(out, (size_t)cap, "?");
        return;
    }
    long s = (long)(secs + 0.5);
    if (s >= 3600) snprintf(out, (size_t)cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else snprintf(out, (size_t)cap, "%02ld:%02ld", s / 60, s % 60);
}

static void human(double v, char *out, int cap)
{
    if (v >= 1e6) snprintf(out, (size_t)cap, "%.1fM", v / 1e6);
    else if (v >= 1e4) snprintf(out, (size_t)cap, "%.1fk", v / 1e3);
    else snprintf(out, (size_t)cap, "%.0f", v);
}

/* Appends text to line (bytes = columns: ASCII) if it fits in width; 1 if it did. */
static int put(char *line, int width, const char *text)
{
    size_t n = strlen(line), t = strlen(text);
    if ((int)(n + t) > width) return 0;
    memcpy(line + n, text, t + 1);
    return 1;
}

/* The bar: `fill` of `w` cells, eighths with unicode blocks like tqdm. */
static void bar(char *out, size_t cap, double frac, int w, int unicode)
{
    static const char *const eighths[] = {"", "\u258f", "\u258e", "\u258d", "\u258c",
                                          "\u258b", "\u258a", "\u2589"};
    size_t o = 0;
    int cells8 = (int)(frac * w * 8 + 0.5), full = cells8 / 8, part = cells8 % 8;
    for (int i = 0; i < w && o + 4 < cap; i++) {
        const char *c = i < full ? (unicode ? "\u2588" : "#") : i == full && part ? (unicode ? eighths[part] : "") : " ";
        if (!*c) c = " ";
        size_t l = strlen(c);
        memcpy(out + o, c, l);
        o += l;
    }
    out[o] = '\0';
}

static void bar_line(const view_snap *s, int width, int unicode, int with_bar, char *line)
{
    const jobinfo *j = &s->ji;
    int64_t done = j->docs_done + j->docs_failed, total = j->docs_total;
    double frac = total > 0 ? (double)done / (double)total : jobinfo_finished(j) ? 1.0 : 0.0;
    if (frac > 1) frac = 1;
    double el = jobinfo_elapsed(j, s->now_ms);
    double eta = jobinfo_finished(j) ? 0 : s->docs_per_s > 0 ? (double)(total - done) / s->docs_per_s : -1;
    char pre[16], docs[64], nodes[48], times[48], rate[48], tok[48], t1[16], t2[16], h[16];
    snprintf(pre, sizeof pre, "%3d%%", (int)(frac * 100));
    snprintf(docs, sizeof docs, " %lld/%lld docs", (long long)done, (long long)total);
    snprintf(nodes, sizeof nodes, " %lld nodes", (long long)j->nodes);
    view_duration(el, t1, sizeof t1);
    view_duration(eta, t2, sizeof t2);
    snprintf(times, sizeof times, "%s<%s", t1, t2);
    snprintf(rate, sizeof rate, ", %.1f nodes/s", s->nodes_per_s > 0 ? s->nodes_per_s : 0.0);
    human(s->tokens_per_min, h, sizeof h);
    snprintf(tok, sizeof tok, ", %s tok/min", h);
    /* optional items, most important first; dropped from the end until the bar fits */
    const char *opt[] = {nodes, times, rate, s->tokens_per_min >= 0 ? tok : ""};
    int nopt = 4, room = 0;
    char tail[256];
    for (;; nopt--) {
        snprintf(tail, sizeof tail, "%s%s%s%s%s%s%s", docs, nopt > 0 ? opt[0] : "", nopt > 1 ? " [" : "",
                 nopt > 1 ? opt[1] : "", nopt > 2 ? opt[2] : "", nopt > 3 ? opt[3] : "",
                 nopt > 1 ? "]" : "");
        room = width - (int)strlen(pre) - 2 - (int)strlen(tail);
        if (!with_bar || room >= BAR_MIN || nopt == 0) break;
    }
    if (with_bar && room >= BAR_MIN) {
        char b[VIEW_LINE_MAX / 2];
        bar(b, sizeof b, frac, room > 80 ? 80 : room, unicode);
        snprintf(line, VIEW_LINE_MAX, "%s|%s|%s", pre, b, tail);
    } else {
        snprintf(line, (size_t)width + 1, "%s%s", pre, tail);
    }
}

static void status_line(const view_snap *s, int width, char *line)
{
    const jobinfo *j = &s->ji;
    char p[8][112];
    int n = 0;
    snprintf(p[n++], 112, "%s", j->state);
    if (j->docs_failed || j->batches_dead)
        snprintf(p[n++], 112, " | failed %lld docs, %lld dead batches", (long long)j->docs_failed,
                 (long long)j->batches_dead);
    else snprintf(p[n++], 112, " | no failures");
    snprintf(p[n++], 112, " | workers %d", s->nworkers);
    if (s->rl_waits >= 0) snprintf(p[n++], 112, " | rate-limit waits %lld", s->rl_waits);
    if (j->cache_hits >= 0)
        snprintf(p[n++], 112, " | cache %lld hits, %lld misses", (long long)j->cache_hits,
                 (long long)(j->cache_misses > 0 ? j->cache_misses : 0));
    if (s->workers_lost) snprintf(p[n++], 112, " | workers lost %lld", s->workers_lost);
    snprintf(p[n++], 112, " | job %s", s->job);
    line[0] = '\0';
    for (int i = 0; i < n; i++)
        if (!put(line, width, p[i]) && i == 0) snprintf(line, (size_t)width + 1, "%s", p[0]);
}

/* printf into a view line, cut at width columns (ASCII text). */
__attribute__((format(printf, 3, 4))) static void linef(char *line, int width, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, VIEW_LINE_MAX, fmt, ap);
    va_end(ap);
    if ((int)strlen(line) > width) line[width] = '\0';
}

int view_render(const view_snap *s, int width, int unicode, char lines[][VIEW_LINE_MAX], int max)
{
    if (width < 8) width = 8;
    if (width > VIEW_LINE_MAX / 4) width = VIEW_LINE_MAX / 4;
    width--; /* never the last column: no pending wrap */
    int n = 0;
    if (max < 1) return 0;
    bar_line(s, width, unicode, 1, lines[n++]);
    if (n < max) status_line(s, width, lines[n++]);
    if (n < max && s->note[0]) linef(lines[n++], width, "%s", s->note);
    int shown = s->nworkers < VIEW_WORKERS_MAX ? s->nworkers : VIEW_WORKERS_MAX;
    for (int i = 0; i < shown && n < max - (s->last_event[0] ? 1 : 0); i++) {
        char http[32] = "";
        if (s->w[i].http >= 0) snprintf(http, sizeof http, ", %lld requests", s->w[i].http);
        linef(lines[n++], width, "  %s on %s: %d batch%s%s", s->w[i].id, s->w[i].host,
                 s->w[i].batches, s->w[i].batches == 1 ? "" : "es", http);
        if (i == shown - 1 && s->nworkers > shown && n < max)
            linef(lines[n++], width, "  ... and %d more", s->nworkers - shown);
    }
    if (n < max && s->last_event[0]) linef(lines[n++], width, "  last: %s", s->last_event);
    return n;
}

void view_size(int fd, int *cols, int *rows)
{
    struct winsize ws;
    const char *c = getenv("COLUMNS"), *l = getenv("LINES");
    *cols = c && atoi(c) > 0 ? atoi(c) : 80;
    *rows = l && atoi(l) > 0 ? atoi(l) : 24;
    if (!ioctl(fd, TIOCGWINSZ, &ws) && ws.ws_col > 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row > 0 ? ws.ws_row : *rows;
    }
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return;
        p += w, n -= (size_t)w;
    }
}

void view_open(view_out *o, int fd, view_mode mode)
{
    const char *lc = getenv("LC_ALL");
    if (!lc || !*lc) lc = getenv("LC_CTYPE");
    if (!lc || !*lc) lc = getenv("LANG");
    *o = (view_out){.fd = fd, .tty = isatty(fd), .mode = mode};
    o->unicode = lc && (strstr(lc, "UTF-8") || strstr(lc, "utf8") || strstr(lc, "UTF8"));
}

void view_draw(view_out *o, const view_snap *s)
{
    static char lines[VIEW_LINES_MAX][VIEW_LINE_MAX];
    static char frame[VIEW_LINES_MAX * (VIEW_LINE_MAX + 16) + 64];
    int cols, rows;
    view_size(o->fd, &cols, &rows);
    if (!o->tty) {
        char line[VIEW_LINE_MAX];
        bar_line(s, VIEW_LINE_MAX / 4 - 1, 0, 0, line);
        size_t l = strlen(line);
        line[l] = '\n';
        write_all(o->fd, line, l + 1);
        return;
    }
    int n = view_render(s, cols, o->unicode, lines, rows - 1 < VIEW_LINES_MAX ? rows - 1 : VIEW_LINES_MAX);
    size_t f = 0;
    if (!o->cursor_hidden) {
        f += (size_t)sprintf(frame + f, "\033[?25l%s", o->mode == VIEW_HOME ? "\033[H\033[2J" : "");
        o->cursor_hidden = 1;
    }
    if (o->mode == VIEW_HOME) f += (size_t)sprintf(frame + f, "\033[H");
    else if (o->prev_lines > 1) f += (size_t)sprintf(frame + f, "\r\033[%dA", o->prev_lines - 1);
    else f += (size_t)sprintf(frame + f, "\r");
    for (int i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        memcpy(frame + f, lines[i], l);
        f += l;
        f += (size_t)sprintf(frame + f, "\033[K%s", i < n - 1 ? "\n" : "");
    }
    f += (size_t)sprintf(frame + f, "\033[J");
    write_all(o->fd, frame, f);
    o->prev_lines = n;
}

void view_close(view_out *o)
{
    if (o->tty && o->cursor_hidden) write_all(o->fd, "\n\033[?25h", 7);
    o->cursor_hidden = 0;
}
