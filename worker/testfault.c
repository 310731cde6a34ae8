/* testfault.c - test-only fault injection (see testfault.h). */
#include "testfault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void testfault_reading(const char *file_name)
{
    const char *crash = getenv("INGEST_TEST_CRASH_ON");
    if (crash && *crash && file_name && strstr(file_name, crash)) raise(SIGKILL);
}
