/* pool.c - thread pool with ev_async completions (see pool.h).
 *
 * threads+1 threads: at most `threads` run non-urgent jobs at once, so one
 * is always left for urgent ones.  Under mx: `urg` and `todo` (submitted,
 * FIFO each, urgent taken first, together bounded by max_queued); under
 * fin_mx: `fin` (run finished, FIFO).  A thread takes a job, runs it,
 * appends it to fin and calls ev_async_send (thread-safe; a burst of sends
 * coalesces into one callback).  The callback takes the whole fin list
 * under the lock and calls each done() without it, so a done() may submit
 * again.  `load` is touched by the loop thread only.
 * Failure: pthread_create failing in pool_new undoes everything. */
#include "pool.h"

#include <ev.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "err.h"

struct pool {
    struct ev_loop *loop;
    ev_async async;
    pthread_mutex_t mx, fin_mx;
    pthread_cond_t cv;
    pool_job *urg, *urg_tail, *todo, *todo_tail, *fin, *fin_tail;
    size_t queued, max_queued, load;
    int stop, nthreads;
    int normal_cap, normal_running; /* non-urgent jobs at once: the `threads` of pool_new */
    pthread_t *th;
    void (*after)(void *ud);
    void *ud;
};

static void append(pool_job **head, pool_job **tail, pool_job *j)
{
    j->next = NULL;
    if (*tail) (*tail)->next = j;
    else *head = j;
    *tail = j;
}

static pool_job *pop(pool_job **head, pool_job **tail)
{
    pool_job *j = *head;
    if (!(*head = j->next)) *tail = NULL;
    return j;
}

/* Under mx: the next job this thread may run, or NULL. */
static pool_job *take(pool_t *p, int *normal)
{
    *normal = 0;
    if (p->urg) return pop(&p->urg, &p->urg_tail);
    if (!p->todo || p->normal_running >= p->normal_cap) return NULL;
    *normal = 1;
    p->normal_running++;
    return pop(&p->todo, &p->todo_tail);
}

static void *thread_main(void *arg)
{
    pool_t *p = arg;
    pthread_mutex_lock(&p->mx);
    for (;;) {
        int normal;
        pool_job *j;
        while (!(j = take(p, &normal)) && !(p->stop && !p->urg && !p->todo))
            pthread_cond_wait(&p->cv, &p->mx);
        if (!j) break; /* stopping and drained */
        p->queued--;
        pthread_mutex_unlock(&p->mx);
        j->run(j);
        pthread_mutex_lock(&p->fin_mx);
        append(&p->fin, &p->fin_tail, j);
        pthread_mutex_unlock(&p->fin_mx);
        ev_async_send(p->loop, &p->async);
        pthread_mutex_lock(&p->mx);
        if (normal) {
            p->normal_running--;
            pthread_cond_signal(&p->cv); /* a normal job may be waiting for the slot */
        }
    }
    pthread_mutex_unlock(&p->mx);
    return NULL;
}

static void on_async(struct ev_loop *loop, ev_async *a, int ev)
{
    (void)loop, (void)ev;
    pool_t *p = a->data;
    pthread_mutex_lock(&p->fin_mx);
    pool_job *j = p->fin;
    p->fin = p->fin_tail = NULL;
    pthread_mutex_unlock(&p->fin_mx);
    while (j) {
        pool_job *next = j->next;
        p->load--;
        j->done(j); /* may free j, may submit */
        j = next;
    }
    if (p->after) p->after(p->ud);
}

pool_t *pool_new(struct ev_loop *loop, int threads, size_t max_queued, void (*after)(void *ud),
                 void *ud)
{
    if (threads < 1 || max_queued < 1) return NULL;
    pool_t *p = calloc(1, sizeof *p);
    if (!p || !(p->th = calloc((size_t)threads + 1, sizeof *p->th))) {
        free(p);
        return NULL;
    }
    p->loop = loop, p->max_queued = max_queued, p->after = after, p->ud = ud;
    p->normal_cap = threads++; /* + one thread that only urgent jobs can find free */
    pthread_mutex_init(&p->mx, NULL);
    pthread_mutex_init(&p->fin_mx, NULL);
    pthread_cond_init(&p->cv, NULL);
    ev_async_init(&p->async, on_async);
    p->async.data = p;
    ev_async_start(loop, &p->async);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* the threads inherit a full mask */
    while (p->nthreads < threads && !pthread_create(&p->th[p->nthreads], NULL, thread_main, p))
        p->nthreads++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (p->nthreads < threads) {
        pool_free(p);
        return NULL;
    }
    return p;
}

int pool_submit(pool_t *p, pool_job *j)
{
    pthread_mutex_lock(&p->mx);
    int rc = p->stop ? ERR_STATE : p->queued >= p->max_queued ? ERR_TOOBIG : 0;
    if (!rc) {
        if (j->urgent) append(&p->urg, &p->urg_tail, j);
        else append(&p->todo, &p->todo_tail, j);
        p->queued++;
        p->load++;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mx);
    return rc;
}

size_t pool_load(const pool_t *p) { return p ? p->load : 0; }
int pool_threads(const pool_t *p) { return p ? p->normal_cap : 0; }

void pool_free(pool_t *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mx);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mx);
    for (int i = 0; i < p->nthreads; i++) pthread_join(p->th[i], NULL);
    ev_async_stop(p->loop, &p->async);
    pthread_mutex_destroy(&p->mx);
    pthread_mutex_destroy(&p->fin_mx);
    pthread_cond_destroy(&p->cv);
    free(p->th);
    free(p);
}
