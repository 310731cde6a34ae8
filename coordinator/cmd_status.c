/* cmd_status.c - `ingest-coordinator status JOB [--json]`. */
#include <stdio.h>

#include "cachestat.h"
#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "jobinfo.h"
#include "progress.h"
#include "rconn.h"
#include "rurl.h"

static void usage(FILE *f) { fprintf(f, "usage: ingest-coordinator status JOB [--json] [--redis URL]\n"); }

int cmd_status(int argc, char **argv)
{
    cli_common o;
    int rc = cli_parse(argc, argv, NULL, NULL, NULL, 1, usage, &o);
    if (rc >= 0) return rc;
    redisContext *c = cli_connect("status", o.url);
    if (!c) return 1;
    char err[512];
    jobinfo ji;
    rc = jobinfo_load(c, argv[optind], &ji, err, sizeof err);
    json_t *extra = rc ? NULL : cachestat_job(c, argv[optind], NULL, NULL);
    if (rc) {
        redisFree(c);
        fprintf(stderr, "status: %s\n", err);
        return rc == ERR_NOTFOUND ? EXIT_USAGE : 1;
    }
    ji.extra = extra; /* per-transformation cache counters, docstore counters */
    if (o.json) jobinfo_print_json(stdout, argv[optind], &ji, jobinfo_now_ms());
    else jobinfo_print(stdout, argv[optind], &ji, jobinfo_now_ms());
    if (!o.json) cachestat_print(stdout, extra);
    json_decref(extra);
    if (!o.json) progress_print_errors(c, argv[optind], stdout); /* failed documents and batches */
    redisFree(c);
    return 0;
}
