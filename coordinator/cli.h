/* cli.h - what the read-only commands (status, jobs, workers, watch, dead)
 * share: parsing --redis URL, --json and --help around their own options,
 * and opening the connection with the error printed. */
#ifndef INGEST_CLI_H
#define INGEST_CLI_H

#include <getopt.h>
#include <hiredis/hiredis.h>
#include <stdio.h>

typedef struct cli_common {
    const char *url; /* --redis, NULL = $INGEST_REDIS_URL or the default */
    int json;        /* --json */
} cli_common;

/* Handles one of the command's own options: 0, or -1 for a bad value. */
typedef int (*cli_opt_fn)(int ch, const char *arg, void *ud);

/* Parses argv (argv[0] = the command); `extra` is the command's own options
 * (NULL-terminated struct option array, may be NULL).  Wants exactly npos
 * positional arguments, left at argv[optind...].  Returns -1 to go on, or
 * the exit status to return now (0 after --help, EXIT_USAGE). */
int cli_parse(int argc, char **argv, const struct option *extra, cli_opt_fn fn, void *ud, int npos,
              void (*usage)(FILE *), cli_common *out);
/* Connects; NULL after printing "<cmd>: <why>" on stderr. */
redisContext *cli_connect(const char *cmd, const char *url);

#endif
