/* testfault.c - test-only fault injection (see testfault.h). */
#include "testfault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int names(const char *var, const char *file_name)
{
    const char *v = getenv(var);
    return v && *v && file_name && strstr(file_name, v);
}

void testfault_reading(const char *file_name)
{
    if (names("INGEST_TEST_CRASH_ON", file_name)) raise(SIGKILL);
    while (names("INGEST_TEST_HANG_ON", file_name)) sleep(3600);
}
