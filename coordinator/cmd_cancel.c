/* cmd_cancel.c - `ingest-coordinator cancel JOB`: mark a job cancelled and
 * remove its pending payloads in bounded steps (jobkeys.c).  Batches already
 * in a worker's hands are dropped at ack time (nothing more is recorded);
 * its refs still on the queue are dropped by the workers that pop them. */
#include <getopt.h>
#include <stdio.h>

#include "cmds.h"
#include "err.h"
#include "jobkeys.h"
#include "rconn.h"
#include "rurl.h"

#define CANCEL_USAGE "usage: ingest-coordinator cancel JOB [--redis URL]\n"

int cmd_cancel(int argc, char **argv)
{
    static const struct option opts[] = {{"redis", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *url = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'r') url = optarg;
        else {
            fputs(CANCEL_USAGE, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fputs(CANCEL_USAGE, stderr);
        return EXIT_USAGE;
    }
    char err[512], state[16];
    redisContext *c = rconn_open(rurl_pick(url), err, sizeof err);
    if (!c) {
        fprintf(stderr, "cancel: %s\n", err);
        return 1;
    }
    int rc = jobkeys_cancel(c, argv[optind], state, err, sizeof err);
    redisFree(c);
    if (rc) {
        fprintf(stderr, "cancel: %s\n", err);
        return rc == ERR_NOTFOUND ? EXIT_USAGE : 1;
    }
    printf("%s\n", state);
    return 0;
}
