/* cli.c - shared option parsing and connecting for the read-only commands
 * (see cli.h). */
#include "cli.h"

#include <string.h>

#include "cmds.h"
#include "rconn.h"
#include "rurl.h"

#define OPTS_MAX 16

int cli_parse(int argc, char **argv, const struct option *extra, cli_opt_fn fn, void *ud, int npos,
              void (*usage)(FILE *), cli_common *out)
{
    struct option opts[OPTS_MAX] = {{"redis", required_argument, 0, 1},
                                    {"json", no_argument, 0, 2},
                                    {"help", no_argument, 0, 'h'}};
    int n = 3;
    for (; extra && extra->name && n < OPTS_MAX - 1; extra++) opts[n++] = *extra;
    memset(&opts[n], 0, sizeof opts[n]);
    *out = (cli_common){0};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 1) out->url = optarg;
        else if (ch == 2) out->json = 1;
        else if (ch == 'h') {
            usage(stdout);
            return 0;
        } else if (ch == '?' || !fn || fn(ch, optarg, ud)) {
            if (ch != '?') fprintf(stderr, "%s: invalid value '%s'\n", argv[0], optarg ? optarg : "");
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != npos) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

redisContext *cli_connect(const char *cmd, const char *url)
{
    char err[512];
    redisContext *c = rconn_open(rurl_pick(url), err, sizeof err);
    if (!c) fprintf(stderr, "%s: %s\n", cmd, err);
    return c;
}
