/* rpass.h - where the Redis password comes from, so it need not be in the
 * URL (visible in `ps`): --redis-password-file FILE (worker), else
 * $INGEST_REDIS_PASSWORD_FILE, else $INGEST_REDIS_PASSWORD, else the URL's.
 * Not pure: reads the file (first line, trailing newline dropped; at most
 * 255 bytes).  Never logs the password. */
#ifndef INGEST_RPASS_H
#define INGEST_RPASS_H

/* Fills out (cap bytes) and returns 1 when a source other than the URL gives
 * a password, 0 when none does, ERR_IO with a message when the file cannot be
 * read or is empty. */
int rpass_pick(const char *file_flag, char *out, int cap, char *err, int errlen);

#endif
