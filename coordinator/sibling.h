/* sibling.h - run a sibling program of the coordinator in its place.
 *
 * sibling_exec(NAME, argv) replaces the process with NAME from the directory
 * of the running executable (/proc/self/exe), else from PATH, giving it argv
 * (argv[0] should be NAME).  Returns only on failure: EXIT_USAGE after saying
 * on stderr that NAME was found in neither place. */
#ifndef INGEST_SIBLING_H
#define INGEST_SIBLING_H

int sibling_exec(const char *name, char **argv);

#endif
