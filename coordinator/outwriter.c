/* outwriter.c - the background export of `submit --wait --output` (see outwriter.h). */
#include "outwriter.h"

#include <signal.h>
#include <string.h>

#include "err.h"
#include "export.h"
#include "rconn.h"

static void *run(void *arg)
{
    outwriter_thread *t = arg;
    outwriter *w = t->w;
    sigset_t pipe; /* a write to a Redis that went away: EPIPE here, not the process killed */
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    t->n = follow_copy(&t->c, w->url, w->job, &w->sh, &t->missing, t->err, (int)sizeof t->err);
    return NULL;
}

/* Joins the started threads, frees their connections; the nodes written or the first real error. */
static long join_all(outwriter *w, long *missing, char *err, int errlen)
{
    long n = 0, rc = 0;
    *missing = 0;
    for (int i = 0; i < OUTWRITER_THREADS; i++) {
        outwriter_thread *t = &w->t[i];
        if (!t->started) continue;
        pthread_join(t->th, NULL);
        if (t->c) redisFree(t->c);
        if (t->n < 0 && (!rc || rc == ERR_STATE)) { /* a stop is the echo of another's error */
            rc = t->n;
            snprintf(err, (size_t)errlen, "%s", t->err);
        }
        if (t->n > 0) n += t->n;
        *missing += t->missing;
    }
    return rc ? rc : n;
}

int outwriter_start(outwriter *w, const char *url, const char *job, const char *path, char *err, int errlen)
{
    memset(w, 0, sizeof *w);
    snprintf(w->job, sizeof w->job, "%s", job);
    w->path = path;
    w->url = url;
    FILE *out = export_tmp_open(path, w->tmp, sizeof w->tmp, err, errlen);
    if (!out) return ERR_IO;
    follow_share_init(&w->sh, out);
    w->running = 1;
    for (int i = 0; i < OUTWRITER_THREADS; i++) {
        outwriter_thread *t = &w->t[i];
        t->w = w;
        if (!(t->c = rconn_open(url, err, errlen))) break;
        if (pthread_create(&t->th, NULL, run, t)) {
            snprintf(err, (size_t)errlen, "cannot start the export thread");
            redisFree(t->c);
            t->c = NULL;
            break;
        }
        t->started = 1;
    }
    if (w->t[OUTWRITER_THREADS - 1].started) return 0;
    long missing;
    outwriter_finish(w, 1, &missing, NULL, 0);
    return ERR_REDIS;
}

long outwriter_finish(outwriter *w, int abandon, long *missing, char *err, int errlen)
{
    if (!w->running) return ERR_STATE;
    if (abandon) follow_share_stop(&w->sh);
    long n = join_all(w, missing, abandon ? NULL : err, abandon ? 0 : errlen);
    w->running = 0;
    follow_share_free(&w->sh);
    return export_tmp_close(w->sh.out, w->tmp, w->path, abandon ? ERR_STATE : n, err, errlen);
}
