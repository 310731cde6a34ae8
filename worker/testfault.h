/* testfault.h - TEST-ONLY fault injection, off unless the worker's own
 * environment says otherwise (no job spec or Redis data can enable it).
 *
 *   INGEST_TEST_CRASH_ON=<substring>  the worker kills itself (SIGKILL) when
 *                                     it starts reading a file whose name
 *                                     contains <substring>: a document that
 *                                     crashes any worker that reads it, for
 *                                     the poison-document tests.
 *   INGEST_TEST_HANG_ON=<substring>   the pool thread reading such a file
 *                                     sleeps forever: a document that hangs
 *                                     its reader (the hang watchdog's tests).
 * Never set them in production. */
#ifndef INGEST_TESTFAULT_H
#define INGEST_TESTFAULT_H

void testfault_reading(const char *file_name);

#endif
