/* cmd_delete.c - `ingest-coordinator delete JOB`: cancel the job if it is
 * still running and remove every key of it, in bounded steps (jobkeys.c). */
#include <getopt.h>
#include <stdio.h>

#include "cmds.h"
#include "err.h"
#include "jobkeys.h"
#include "rconn.h"
#include "rurl.h"

#define DELETE_USAGE "usage: ingest-coordinator delete JOB [--redis URL]\n"

int cmd_delete(int argc, char **argv)
{
    static const struct option opts[] = {{"redis", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *url = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'r') url = optarg;
        else {
            fputs(DELETE_USAGE, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fputs(DELETE_USAGE, stderr);
        return EXIT_USAGE;
    }
    char err[512];
    redisContext *c = rconn_open(rurl_pick(url), err, sizeof err);
    if (!c) {
        fprintf(stderr, "delete: %s\n", err);
        return 1;
    }
    int rc = jobkeys_delete(c, argv[optind], err, sizeof err);
    redisFree(c);
    if (rc) {
        fprintf(stderr, "delete: %s\n", err);
        return rc == ERR_NOTFOUND ? EXIT_USAGE : 1;
    }
    printf("deleted\n");
    return 0;
}
