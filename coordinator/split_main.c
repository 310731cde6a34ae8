/* split_main.c - ingest-split: `split` and `tokens` (cmd_split.c) as their
 * own program.  They read files with the workers' readers, which link
 * poppler, qpdf, libxml2 and libzip (60-odd shared libraries, ~25 ms to load);
 * every other coordinator command needs none of them, so the coordinator
 * runs this program for these two (sibling.h) and starts in a few ms. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "split")) return cmd_split(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "tokens")) return cmd_tokens(argc - 1, argv + 1);
    fprintf(stderr, "usage: ingest-split split|tokens [options] FILE...\n"
                    "(the same as 'ingest-coordinator split' and 'ingest-coordinator tokens')\n");
    return EXIT_USAGE;
}
