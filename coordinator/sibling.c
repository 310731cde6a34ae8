/* sibling.c - exec a program installed next to the coordinator (see sibling.h). */
#include "sibling.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"

int sibling_exec(const char *name, char **argv)
{
    char self[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) *slash = '\0';
        if ((size_t)snprintf(path, sizeof path, "%s/%s", slash ? self : ".", name) < sizeof path)
            execv(path, argv);
    }
    execvp(name, argv);
    fprintf(stderr, "ingest-coordinator: cannot run %s (not next to ingest-coordinator, not on PATH): %s\n",
            name, strerror(errno));
    return EXIT_USAGE;
}
