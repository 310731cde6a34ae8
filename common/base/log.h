/* log.h - one key=value line per event on stderr:
 *   ts=2026-11-25T13:00:00.123Z level=info event=batch_done job=... seq=3
 * Callers pass the key=value tail as a printf format; values with spaces must
 * be quoted by the caller (log_quote helps).  Never pass secrets. */
#ifndef INGEST_LOG_H
#define INGEST_LOG_H

void log_kv(const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Quotes s for a log value into out (cap bytes): "..." with \" and \\ escaped,
 * control characters as spaces, truncated to fit. */
const char *log_quote(const char *s, char *out, int cap);

#endif
