/* outwriter.c - the background export of `submit --wait --output` (see outwriter.h). */
#include "outwriter.h"

#include <signal.h>
#include <string.h>

#include "err.h"
#include "export.h"
#include "follow.h"
#include "rconn.h"

static void *run(void *arg)
{
    outwriter *w = arg;
    sigset_t pipe; /* a write to a Redis that went away: EPIPE here, not the process killed */
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    w->n = follow_copy(&w->c, w->url, w->job, w->out, &w->stop, &w->missing, w->err, (int)sizeof w->err);
    return NULL;
}

int outwriter_start(outwriter *w, const char *url, const char *job, const char *path, char *err, int errlen)
{
    memset(w, 0, sizeof *w);
    atomic_init(&w->stop, 0);
    snprintf(w->job, sizeof w->job, "%s", job);
    w->path = path;
    w->url = url;
    if (!(w->c = rconn_open(url, err, errlen))) return ERR_REDIS;
    if (!(w->out = export_tmp_open(path, w->tmp, sizeof w->tmp, err, errlen))) {
        redisFree(w->c);
        return ERR_IO;
    }
    if (pthread_create(&w->th, NULL, run, w)) {
        snprintf(err, (size_t)errlen, "cannot start the export thread");
        export_tmp_close(w->out, w->tmp, path, ERR_NOMEM, err, errlen);
        redisFree(w->c);
        return ERR_NOMEM;
    }
    w->running = 1;
    return 0;
}

long outwriter_finish(outwriter *w, int abandon, long *missing, char *err, int errlen)
{
    if (!w->running) return ERR_STATE;
    if (abandon) atomic_store(&w->stop, 1);
    pthread_join(w->th, NULL);
    w->running = 0;
    if (w->c) redisFree(w->c);
    long n = abandon ? ERR_STATE : w->n;
    if (n < 0 && !abandon) snprintf(err, (size_t)errlen, "%s", w->err);
    *missing = w->missing;
    return export_tmp_close(w->out, w->tmp, w->path, n, err, errlen);
}
