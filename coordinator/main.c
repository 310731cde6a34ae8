/* main.c - ingest-coordinator: submit jobs, watch them, export their nodes,
 * and preview chunking locally.  Dispatches to cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "sibling.h"

/* split and tokens run in ingest-split (split_main.c): their readers' libraries stay out of here. */
static int cmd_split_sibling(int argc, char **argv)
{
    (void)argc;
    argv[-1] = "ingest-split"; /* argv[0] is the subcommand: the helper gets "ingest-split split ..." */
    return sibling_exec("ingest-split", argv - 1);
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: ingest-coordinator COMMAND [options]\n"
        "commands:\n"
        "  submit PATH...   walk files, enqueue batches on Redis, print the job id\n"
        "  status JOB       job state and counters (--json for one JSON object)\n"
        "  export JOB       the job's nodes as LlamaIndex TextNode JSON lines\n"
        "  cancel JOB       cancel a job: pending batches are dropped\n"
        "  delete JOB       cancel a job if running and remove every key of it\n"
        "  jobs             recent jobs (--state S, --limit N, --json)\n"
        "  workers          live workers and recently died ones (--json)\n"
        "  watch JOB        live view of a job until it finishes\n"
        "  dead JOB         a job's dead batches and failed documents (--json)\n"
        "  retry JOB        re-run a finished job's failed documents and dead batches\n"
        "  split FILE...    run the splitter locally (no Redis), one JSON line per file\n"
        "  tokens FILE...   cl100k_base token count per file\n"
        "  cache stats|clear  the transformation cache: entries, bytes, recent hits; remove entries\n"
        "Run 'ingest-coordinator COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"submit", cmd_submit},  {"status", cmd_status},        {"export", cmd_export},
                {"cancel", cmd_cancel},  {"delete", cmd_delete},        {"split", cmd_split_sibling},
                {"tokens", cmd_split_sibling}, {"jobs", cmd_jobs},      {"workers", cmd_workers},
                {"watch", cmd_watch},    {"dead", cmd_dead},            {"cache", cmd_cache},
                {"retry", cmd_retry}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("ingest-coordinator %s\n", INGEST_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ingest-coordinator: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
