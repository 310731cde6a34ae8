/* err.h - the one error enum of the project.
 *
 * Every fallible function returns 0 (ERR_OK) or one of these negative codes.
 * Long-lived objects additionally keep the last code and a human message
 * (`err` + `errstr`).  err_str() never returns NULL. */
#ifndef INGEST_ERR_H
#define INGEST_ERR_H

typedef enum {
    ERR_OK = 0,
    ERR_NOMEM = -1,       /* allocation failed */
    ERR_INVAL = -2,       /* invalid argument or value */
    ERR_TOOBIG = -3,      /* a size cap was hit */
    ERR_PARSE = -4,       /* malformed input (wire, JSON, document) */
    ERR_IO = -5,          /* file or socket I/O failed */
    ERR_UTF8 = -6,        /* text is not valid UTF-8 */
    ERR_UNSUPPORTED = -7, /* unknown class, format or feature */
    ERR_TIMEOUT = -8,     /* a time budget was exceeded */
    ERR_REMOTE = -9,      /* a remote service answered with an error */
    ERR_REDIS = -10,      /* Redis connection or command failure */
    ERR_NOTFOUND = -11,   /* a key, job or file does not exist */
    ERR_STATE = -12,      /* operation not valid in the current state */
    ERR_ENCRYPTED = -13,  /* document is encrypted */
    ERR_CANCELLED = -14,  /* abandoned before it finished (shutdown): nothing was recorded */
    ERR__MIN = -14
} err_code;

/* Static description of a code; "unknown error" for codes outside the enum. */
const char *err_str(int code);

#endif
