/* cmd_status.c - `ingest-coordinator status JOB [--json]`. */
#include <getopt.h>
#include <stdio.h>

#include "cmds.h"
#include "err.h"
#include "jobinfo.h"
#include "progress.h"
#include "rconn.h"
#include "rurl.h"

int cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"redis", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *url = NULL;
    int json = 0, ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'j') json = 1;
        else if (ch == 'r') url = optarg;
        else {
            fprintf(ch == 'h' ? stdout : stderr,
                    "usage: ingest-coordinator status JOB [--json] [--redis URL]\n");
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: ingest-coordinator status JOB [--json] [--redis URL]\n");
        return EXIT_USAGE;
    }
    char err[512];
    redisContext *c = rconn_open(rurl_pick(url), err, sizeof err);
    if (!c) {
        fprintf(stderr, "status: %s\n", err);
        return 1;
    }
    jobinfo ji;
    int rc = jobinfo_load(c, argv[optind], &ji, err, sizeof err);
    if (rc) {
        redisFree(c);
        fprintf(stderr, "status: %s\n", err);
        return rc == ERR_NOTFOUND ? EXIT_USAGE : 1;
    }
    if (json) jobinfo_print_json(stdout, argv[optind], &ji, jobinfo_now_ms());
    else jobinfo_print(stdout, argv[optind], &ji, jobinfo_now_ms());
    if (!json) progress_print_errors(c, argv[optind], stdout); /* failed documents and batches */
    redisFree(c);
    return 0;
}
