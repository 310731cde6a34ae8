/* submit.h - `submit`'s options, shared by cmd_submit.c and resume.c.
 * The walk and batching options are recorded with the job (`walk` in the job
 * hash) so that `submit --resume` walks and batches exactly as the original. */
#ifndef INGEST_SUBMIT_H
#define INGEST_SUBMIT_H

typedef struct submit_opts {
    const char *url, *pipeline, *exts, *output, *resume;
    long batch_docs;
    long long batch_bytes, max_file_bytes;
    int recursive, wait, stream;
    long max_pending_batches;
    long long max_pending_bytes, retention_s;
} submit_opts;

#endif
