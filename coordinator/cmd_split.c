/* cmd_split.c - `ingest-coordinator split` and `tokens`: run the splitter or
 * the tokenizer locally on files, no Redis.  PLACEHOLDER until issue 3. */
#include <stdio.h>

#include "cmds.h"

int cmd_split(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "ingest-coordinator: split is not implemented yet\n");
    return 2;
}

int cmd_tokens(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "ingest-coordinator: tokens is not implemented yet\n");
    return 2;
}
