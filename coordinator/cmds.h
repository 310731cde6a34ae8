/* cmds.h - the coordinator's subcommands.  Each takes argv after the
 * subcommand name (argv[0] is the subcommand) and returns the exit status:
 * 0 ok, 1 runtime failure, 2 usage error, 3 job finished with failed documents. */
#ifndef INGEST_CMDS_H
#define INGEST_CMDS_H

#define EXIT_DOCS_FAILED 3
#define EXIT_USAGE 2

int cmd_submit(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_tokens(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_workers(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_dead(int argc, char **argv);

#endif
