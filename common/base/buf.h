/* buf.h - growable byte buffer with a hard size cap.
 *
 * A buf_t owns its bytes.  Content is always NUL-terminated (the NUL is not
 * counted in len) so it can be handed to C string functions.  Any append that
 * would take len past `max` fails with ERR_TOOBIG and leaves the buffer as it
 * was; allocation failure gives ERR_NOMEM, likewise with no change. */
#ifndef INGEST_BUF_H
#define INGEST_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX ((size_t)1 << 30) /* 1 GiB */

typedef struct buf {
    char *p;    /* NULL until the first append */
    size_t len; /* bytes used, excluding the trailing NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* cap on len; 0 means BUF_DEFAULT_MAX */
} buf_t;

void buf_init(buf_t *b, size_t max);
int buf_reserve(buf_t *b, size_t extra);
int buf_append(buf_t *b, const void *data, size_t len);
int buf_puts(buf_t *b, const char *s);
int buf_putc(buf_t *b, char c);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf_t *b, const char *fmt, va_list ap);
void buf_reset(buf_t *b); /* len = 0, keeps memory */
/* Hands the bytes to the caller (malloc'd, NUL-terminated; "" if empty) and
 * resets the buffer.  NULL on allocation failure. */
char *buf_detach(buf_t *b, size_t *len);
void buf_free(buf_t *b); /* accepts NULL */

#endif
