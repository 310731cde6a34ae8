/* wpace.c - write pacing for a hiredis async context (see wpace.h).
 *
 * The pacer sits between ac->ev and the event library's adapter: ac->ev.data
 * points here and the five hooks forward to the adapter's, which is how
 * wpace_*() find the pacer of a context and how the pacer hears, in
 * ev.cleanup, that hiredis is freeing the context (after it ran its own
 * pending callbacks, before the disconnect callback).  The pacer owns its
 * FIFO of formatted commands (each an sds or a redisvFormatCommand buffer);
 * a command's callback belongs to hiredis from the moment its first piece is
 * handed over (cb = NULL here), so no callback can fire twice. */
#include "wpace.h"

#include <ev.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"

typedef struct pcmd {
    struct pcmd *next;
    redisCallbackFn *cb; /* NULL once hiredis has it */
    void *priv;
    char *buf;
    size_t len, off, head; /* head: bytes hiredis needs in the first piece */
    int is_sds;
} pcmd;

typedef struct wpace {
    ev_prepare prep; /* first: the watcher's address is the pacer's */
    redisAsyncContext *ac;
    struct ev_loop *loop;
    void *data; /* the adapter's */
    void (*add_read)(void *), (*del_read)(void *), (*add_write)(void *), (*del_write)(void *),
        (*cleanup)(void *);
    pcmd *first, *last;
    size_t limit, queued_bytes;
    int closing;
    wpace_stats st;
    char tag[96];
} wpace;

#define HOOK(name, field)                                   \
    static void name(void *d)                               \
    {                                                       \
        wpace *p = d;                                       \
        if (p->field) p->field(p->data);                    \
    }
HOOK(t_add_read, add_read)
HOOK(t_del_read, del_read)
HOOK(t_add_write, add_write)
HOOK(t_del_write, del_write)
#undef HOOK

static void t_cleanup(void *d);

static wpace *pacer_of(const redisAsyncContext *ac)
{
    return ac && ac->ev.cleanup == t_cleanup ? ac->ev.data : NULL;
}

static size_t obuf_len(const redisAsyncContext *ac) { return ac->c.obuf ? sdslen(ac->c.obuf) : 0; }

static void note_obuf(wpace *p)
{
    size_t n = obuf_len(p->ac);
    if (n > p->st.max_obuf) p->st.max_obuf = n;
}

static void fmt_free(char *buf, int is_sds)
{
    if (is_sds) redisFreeSdsCommand(buf);
    else redisFreeCommand(buf);
}

static void pcmd_free(pcmd *q)
{
    fmt_free(q->buf, q->is_sds);
    free(q);
}

/* Bytes up to the end of the first argument (the command's name): what
 * hiredis parses when it takes the callback.  The whole command when the
 * buffer does not parse (it always does: hiredis formatted it). */
static size_t head_len(const char *b, size_t len)
{
    const char *d = memchr(b, '$', len);
    if (!d) return len;
    char *end;
    unsigned long n = strtoul(d + 1, &end, 10);
    size_t at = (size_t)(end - b) + 2; /* past "\r\n" */
    return at <= len && n <= len - at && len - at - n >= 2 ? at + n + 2 : len;
}

/* The stream is broken in the middle of a command: end the connection. */
static void broken(wpace *p)
{
    log_kv("error", "redis_write_failed", "msg=\"out of memory appending a command\"");
    redisAsyncFree(p->ac); /* ends in t_cleanup: p is gone */
}

/* Hands the FIFO's head (or the next piece of it) to hiredis.  0, 1 when
 * the context is refusing commands (being closed: t_cleanup will end the
 * FIFO), -1 when the context was freed. */
static int hand_one(wpace *p)
{
    pcmd *q = p->first;
    size_t used = obuf_len(p->ac), room = p->limit - used, n = q->len - q->off;
    if (n > room) n = room;
    if (!q->off) {
        if (n < q->head) n = q->head;
        if (redisAsyncFormattedCommand(p->ac, q->cb, q->priv, q->buf, n) != REDIS_OK) return 1;
        q->cb = NULL;
    } else {
        if (redisAppendFormattedCommand(&p->ac->c, q->buf + q->off, n) != REDIS_OK) {
            broken(p);
            return -1;
        }
        t_add_write(p);
    }
    if (n < q->len) p->st.pieces++;
    q->off += n;
    note_obuf(p);
    if (q->off == q->len) {
        p->first = q->next;
        if (!p->first) p->last = NULL;
        p->queued_bytes -= q->len;
        pcmd_free(q);
    }
    return 0;
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int ev)
{
    (void)loop, (void)ev;
    wpace *p = (wpace *)w;
    while (p->first && obuf_len(p->ac) < p->limit) {
        int rc = hand_one(p);
        if (rc < 0) return;
        if (rc) { /* refused: the context is closing and t_cleanup ends the FIFO */
            ev_prepare_stop(p->loop, &p->prep);
            return;
        }
    }
    if (p->first) return;
    ev_prepare_stop(p->loop, &p->prep);
    if (p->closing) redisAsyncDisconnect(p->ac);
}

/* hiredis is freeing ac: its own pending callbacks have run; the FIFO's
 * run now, in order, then the adapter cleans up. */
static void t_cleanup(void *d)
{
    wpace *p = d;
    redisAsyncContext *ac = p->ac;
    ev_prepare_stop(p->loop, &p->prep);
    if (p->st.queued)
        log_kv("info", "redis_paced", "%s%smax_obuf=%zu max_queued=%zu queued=%llu pieces=%llu", p->tag,
               p->tag[0] ? " " : "", p->st.max_obuf, p->st.max_queued, (unsigned long long)p->st.queued,
               (unsigned long long)p->st.pieces);
    ac->ev.data = p->data, ac->ev.addRead = p->add_read, ac->ev.delRead = p->del_read;
    ac->ev.addWrite = p->add_write, ac->ev.delWrite = p->del_write, ac->ev.cleanup = p->cleanup;
    int in_cb = ac->c.flags & REDIS_IN_CALLBACK;
    ac->c.flags |= REDIS_IN_CALLBACK;
    for (pcmd *q; (q = p->first);) {
        p->first = q->next;
        if (q->cb) q->cb(ac, NULL, q->priv);
        pcmd_free(q);
    }
    if (!in_cb) ac->c.flags &= ~REDIS_IN_CALLBACK;
    void (*cleanup)(void *) = p->cleanup;
    void *data = p->data;
    free(p);
    if (cleanup) cleanup(data);
}

int wpace_attach(redisAsyncContext *ac, struct ev_loop *loop, size_t limit)
{
    if (!ac || !ac->ev.data || pacer_of(ac)) return ERR_STATE;
    wpace *p = calloc(1, sizeof *p);
    if (!p) return ERR_NOMEM;
    p->ac = ac, p->loop = loop, p->limit = limit ? limit : WPACE_LIMIT_DEFAULT;
    p->data = ac->ev.data, p->add_read = ac->ev.addRead, p->del_read = ac->ev.delRead;
    p->add_write = ac->ev.addWrite, p->del_write = ac->ev.delWrite, p->cleanup = ac->ev.cleanup;
    ev_prepare_init(&p->prep, on_prepare);
    ac->ev.data = p, ac->ev.addRead = t_add_read, ac->ev.delRead = t_del_read;
    ac->ev.addWrite = t_add_write, ac->ev.delWrite = t_del_write, ac->ev.cleanup = t_cleanup;
    return 0;
}

/* Takes buf (formatted, len bytes): hands it to hiredis now when nothing
 * waits and it fits under the limit, else queues it. */
static int submit(wpace *p, redisCallbackFn *cb, void *priv, char *buf, size_t len, int is_sds)
{
    redisAsyncContext *ac = p->ac;
    pcmd *q = NULL;
    int rc = REDIS_ERR, open = !p->closing && !(ac->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING));
    if (open && !p->first && obuf_len(ac) + len <= p->limit) {
        rc = redisAsyncFormattedCommand(ac, cb, priv, buf, len);
        note_obuf(p);
    } else if (open && (q = malloc(sizeof *q))) {
        *q = (pcmd){NULL, cb, priv, buf, len, 0, head_len(buf, len), is_sds};
        if (p->last) p->last->next = q;
        else p->first = q;
        p->last = q;
        p->queued_bytes += len;
        p->st.queued++;
        if (p->queued_bytes > p->st.max_queued) p->st.max_queued = p->queued_bytes;
        ev_prepare_start(p->loop, &p->prep); /* a no-op when active */
        return REDIS_OK;
    }
    fmt_free(buf, is_sds);
    return rc;
}

int wpace_vcommand(redisAsyncContext *ac, redisCallbackFn *cb, void *priv, const char *fmt, va_list ap)
{
    wpace *p = pacer_of(ac);
    if (!p) return ac ? redisvAsyncCommand(ac, cb, priv, fmt, ap) : REDIS_ERR;
    char *buf = NULL;
    int len = redisvFormatCommand(&buf, fmt, ap);
    return len < 0 ? REDIS_ERR : submit(p, cb, priv, buf, (size_t)len, 0);
}

int wpace_command(redisAsyncContext *ac, redisCallbackFn *cb, void *priv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = wpace_vcommand(ac, cb, priv, fmt, ap);
    va_end(ap);
    return rc;
}

int wpace_argv(redisAsyncContext *ac, redisCallbackFn *cb, void *priv, int argc, const char **argv,
               const size_t *lens)
{
    wpace *p = pacer_of(ac);
    if (!p) return ac ? redisAsyncCommandArgv(ac, cb, priv, argc, argv, lens) : REDIS_ERR;
    sds buf = NULL;
    int len = redisFormatSdsCommandArgv(&buf, argc, argv, lens);
    return len < 0 ? REDIS_ERR : submit(p, cb, priv, buf, (size_t)len, 1);
}

void wpace_disconnect(redisAsyncContext *ac)
{
    wpace *p = pacer_of(ac);
    if (p) p->closing = 1;
    if (ac && (!p || !p->first)) redisAsyncDisconnect(ac);
}

void wpace_set_tag(redisAsyncContext *ac, const char *tag)
{
    wpace *p = pacer_of(ac);
    if (p) snprintf(p->tag, sizeof p->tag, "%s", tag ? tag : "");
}

const wpace_stats *wpace_get_stats(const redisAsyncContext *ac)
{
    const wpace *p = pacer_of(ac);
    return p ? &p->st : NULL;
}
