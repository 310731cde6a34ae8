/* cmd_cancel.c - `ingest-coordinator cancel JOB` and `delete JOB`.
 *
 * cancel marks a job cancelled and removes its pending payloads in bounded
 * steps (jobkeys.c); batches already in a worker's hands are dropped at ack
 * time (nothing more is recorded) and its refs still on the queue are
 * dropped by the workers that pop them.  delete does the same if the job is
 * still running, then removes every key of it. */
#include <getopt.h>
#include <stdio.h>

#include "cmds.h"
#include "err.h"
#include "jobkeys.h"
#include "rconn.h"
#include "rurl.h"

/* Runs action on the job named by the one argument; prints its result. */
static int job_cmd(int argc, char **argv, const char *name,
                   int (*action)(redisContext *c, const char *job, char out[16], char *err, int errlen))
{
    static const struct option opts[] = {{"redis", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *url = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'r') url = optarg;
        else {
            fprintf(ch == 'h' ? stdout : stderr, "usage: ingest-coordinator %s JOB [--redis URL]\n", name);
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: ingest-coordinator %s JOB [--redis URL]\n", name);
        return EXIT_USAGE;
    }
    char err[512], out[16];
    redisContext *c = rconn_open(rurl_pick(url), err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s: %s\n", name, err);
        return 1;
    }
    int rc = action(c, argv[optind], out, err, sizeof err);
    redisFree(c);
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, err);
        return rc == ERR_NOTFOUND ? EXIT_USAGE : 1;
    }
    printf("%s\n", out);
    return 0;
}

static int do_delete(redisContext *c, const char *job, char out[16], char *err, int errlen)
{
    snprintf(out, 16, "deleted");
    return jobkeys_delete(c, job, err, errlen);
}

int cmd_cancel(int argc, char **argv) { return job_cmd(argc, argv, "cancel", jobkeys_cancel); }
int cmd_delete(int argc, char **argv) { return job_cmd(argc, argv, "delete", do_delete); }
