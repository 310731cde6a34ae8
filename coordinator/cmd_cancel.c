/* cmd_cancel.c - `ingest-coordinator cancel JOB`: mark a job cancelled and
 * take its pending batches off the queue.  Batches already in a worker's
 * hands finish or are dropped at claim time; nothing more is recorded. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "keys.h"
#include "rconn.h"
#include "rurl.h"
#include "scripts.h"

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
            fprintf(ch == 'h' ? stdout : stderr, "usage: ingest-coordinator cancel JOB [--redis URL]\n");
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    char key[KEYS_MAX], err[512];
    if (optind + 1 != argc || keys_job(key, argv[optind])) {
        fprintf(stderr, "usage: ingest-coordinator cancel JOB [--redis URL]\n");
        return EXIT_USAGE;
    }
    redisContext *c = rconn_open(rurl_pick(url), err, sizeof err);
    if (!c) {
        fprintf(stderr, "cancel: %s\n", err);
        return 1;
    }
    char ev[KEYS_MAX];
    keys_job_sub(ev, argv[optind], "events");
    const char *av[] = {"EVAL", SCRIPT_CANCEL, "3", key, KEYS_QUEUE, ev, argv[optind]};
    redisReply *r = rconn_argv(c, err, sizeof err, 7, av, NULL);
    redisFree(c);
    if (!r) {
        fprintf(stderr, "cancel: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (r->type != REDIS_REPLY_STRING) {
        fprintf(stderr, "cancel: no such job '%s'\n", argv[optind]);
        rc = EXIT_USAGE;
    } else {
        printf("%s\n", r->str);
    }
    freeReplyObject(r);
    return rc;
}
