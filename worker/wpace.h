/* wpace.h - write pacing for a hiredis async context: keeps hiredis's output
 * buffer small.
 *
 * Why: hiredis keeps a connection's whole pending output in one buffer and,
 * after every partial write (a unix socket takes ~200 KB per write), moves
 * the remainder to the front - quadratic in the bytes queued.  A worker that
 * acks eight batches at once (4-7 MB each) and writes 3,000 cache entries
 * had 34 MB pending on one connection and spent a fifth of its CPU in
 * memmove.  Paced, hiredis never holds more than the limit (plus one command's
 * first argument): later commands wait, formatted, in a FIFO here and are
 * handed over in order from an ev_prepare watcher as the buffer drains; a
 * command larger than the limit is handed over in pieces (its callback with
 * the first piece, the rest of its bytes appended as the buffer drains), so
 * each byte is moved a bounded number of times whatever the command's size.
 * Redis runs a command only once all of it has arrived: pieces change nothing
 * it sees.
 *
 * Contract: wpace_attach() right after the event library is attached (it
 * wraps ac->ev's hooks; the pacer lives until hiredis frees the context).
 * Then EVERY command on that context goes through wpace_command/argv (a
 * command queued with redisAsyncCommand while a large one is half handed over
 * would land inside it), and wpace_disconnect() replaces redisAsyncDisconnect.
 * On a context that was never attached these fall through to hiredis.
 * Same return values and callback rules as hiredis: REDIS_OK, or REDIS_ERR
 * (nothing queued, no callback) when the context is disconnecting or being
 * freed, or on ENOMEM; each queued command's callback fires exactly once, with
 * NULL when the context goes away first - hiredis's own pending commands get
 * theirs first, then the FIFO's, in order, then the disconnect callback
 * (they run with hiredis's in-callback flag set, as hiredis's do).
 * Loop thread only.  If hiredis cannot take the rest of a half-handed command
 * (ENOMEM) the stream is broken: the context is freed (callbacks NULL,
 * disconnect callback), as on a lost connection. */
#ifndef INGEST_WPACE_H
#define INGEST_WPACE_H

#include <hiredis/async.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;

#define WPACE_LIMIT_DEFAULT ((size_t)256 * 1024) /* ~ one unix-socket write */

typedef struct wpace_stats {
    size_t max_obuf;     /* the most hiredis held after a hand-over, bytes */
    size_t max_queued;   /* the most bytes waiting in the FIFO */
    uint64_t queued;     /* commands that waited */
    uint64_t pieces;     /* hand-overs of parts of a command */
} wpace_stats;

/* 0, or ERR_NOMEM / ERR_STATE (no event library attached, or attached twice). */
int wpace_attach(redisAsyncContext *ac, struct ev_loop *loop, size_t limit);
int wpace_command(redisAsyncContext *ac, redisCallbackFn *cb, void *priv, const char *fmt, ...);
int wpace_vcommand(redisAsyncContext *ac, redisCallbackFn *cb, void *priv, const char *fmt, va_list ap);
/* lens may be NULL (strlen of each argument), as for redisAsyncCommandArgv. */
int wpace_argv(redisAsyncContext *ac, redisCallbackFn *cb, void *priv, int argc, const char **argv,
               const size_t *lens);
/* redisAsyncDisconnect() once every queued command has been handed over;
 * commands issued after it fail with REDIS_ERR. */
void wpace_disconnect(redisAsyncContext *ac);
/* NULL when ac is not paced. */
const wpace_stats *wpace_get_stats(const redisAsyncContext *ac);
/* What the pacer's log line (redis_paced, when the context is freed after
 * commands had to wait) starts with, e.g. "worker=w1"; copied, truncated. */
void wpace_set_tag(redisAsyncContext *ac, const char *tag);

#endif
