/* view.h - the live job view shared by `watch` and `submit --wait`: a
 * tqdm-like bar plus a few status lines, rendered for a given terminal
 * width, and a writer that redraws it in place without flicker.
 *
 * view_render is pure: it turns a snapshot into at most `max` lines, each
 * at most width-1 columns (so a line never wraps; the text is ASCII except
 * the bar's block characters when `unicode`).  Items that do not fit are
 * dropped from the right, least important first.
 *
 * view_draw writes a whole frame in one write(): on a terminal it moves the
 * cursor back to the view's first line (VIEW_HOME: the screen's top-left,
 * cleared once at the start; VIEW_INLINE: up over the previous frame), then
 * each line followed by clear-to-end-of-line, then clears what is left
 * below.  Off a terminal it prints only the first line (plain, no control
 * characters), newline-terminated. */
#ifndef INGEST_VIEW_H
#define INGEST_VIEW_H

#include <stdint.h>

#include "jobinfo.h"

#define VIEW_LINE_MAX 512
#define VIEW_LINES_MAX 24
#define VIEW_WORKERS_MAX 16

typedef struct view_worker {
    char id[65];
    char host[64];
    int batches; /* this job's batches the worker holds */
    long long http; /* HTTP requests in flight (-1 unknown) */
} view_worker;

typedef struct view_snap {
    const char *job;
    jobinfo ji;
    int64_t now_ms;
    double nodes_per_s, docs_per_s, tokens_per_min; /* < 0: unknown */
    long long rl_waits;  /* rate-limit waits of the workers on the job (-1 unknown) */
    int nworkers;        /* workers holding a batch of this job */
    view_worker w[VIEW_WORKERS_MAX];
    long long workers_lost; /* worker_lost events seen */
    char last_event[160];
    char note[320];      /* e.g. "redis: connection lost, reconnecting" */
} view_snap;

typedef enum { VIEW_INLINE, VIEW_HOME } view_mode;

typedef struct view_out {
    int fd, tty, unicode;
    view_mode mode;
    int prev_lines; /* lines of the last frame drawn (0: none yet) */
    int cursor_hidden;
} view_out;

int view_render(const view_snap *s, int width, int unicode, char lines[][VIEW_LINE_MAX], int max);
/* fd's terminal size (TIOCGWINSZ), else $COLUMNS/$LINES, else 80x24. */
void view_size(int fd, int *cols, int *rows);
void view_open(view_out *o, int fd, view_mode mode);
void view_draw(view_out *o, const view_snap *s);
/* Ends the view: the cursor goes below it and is shown again. */
void view_close(view_out *o);
/* "MM:SS" or "H:MM:SS" (tqdm's format); "?" for negative. */
void view_duration(double secs, char *out, int cap);

#endif
