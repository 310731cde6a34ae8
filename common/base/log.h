/* log.h - one line per event on stderr, logfmt (default) or JSON:
 *   ts=2026-11-25T13:00:00.123Z level=info event=batch_done worker=w1 job=J ref=J:3
 *   {"ts":"2026-11-25T13:00:00.123Z","level":"info","event":"batch_done","worker":"w1",...}
 * Callers pass the key=value tail as a printf format; values with spaces must
 * be quoted by the caller (log_quote helps).  The JSON form is made from the
 * same tail: bare values that are numbers become JSON numbers, everything
 * else JSON strings.  Lines below the level set with log_set_level are
 * dropped.  Never pass secrets.  The settings are process-wide and meant to
 * be set once at start-up, before threads exist. */
#ifndef INGEST_LOG_H
#define INGEST_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;
typedef enum { LOG_LOGFMT, LOG_JSON } log_format;

/* "debug", "info", "warn" (or "warning"), "error" / "logfmt", "json":
 * 0, or ERR_INVAL for an unknown name (setting unchanged). */
int log_set_level(const char *name);
int log_set_format(const char *name);
/* Whether a line at `level` ("info", ...) would be written. */
int log_enabled(const char *level);

/* Error-level events so far (logged or not): the worker's `errors` figure. */
unsigned long long log_errors(void);

void log_kv(const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Quotes s for a log value into out (cap bytes): "..." with \" and \\ escaped,
 * control characters as spaces, truncated to fit. */
const char *log_quote(const char *s, char *out, int cap);

#endif
