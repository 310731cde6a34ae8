/* err.c - descriptions for err_code.  Pure, no state. */
#include "err.h"

const char *err_str(int code)
{
    static const char *const msg[] = {
        "ok", "out of memory", "invalid argument", "size limit exceeded",
        "malformed input", "I/O error", "invalid UTF-8", "unsupported",
        "timed out", "remote service error", "redis error", "not found",
        "invalid state", "document is encrypted", "cancelled",
    };
    if (code > 0 || code < ERR__MIN) return "unknown error";
    return msg[-code];
}
