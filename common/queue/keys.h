/* keys.h - the Redis key schema, in one place.
 *
 * Every key the system touches is built here (README "Redis keys" documents
 * them), including those of the Lua scripts (scripts.h): a script gets its
 * keys as KEYS, or, where it walks a set of ids, a prefix from here as ARGV
 * that it completes with an id (KEYS_WORKER_PREFIX, KEYS_PROCESSING_PREFIX,
 * keys_batch_prefix), and the rate-limit keys (worker/ratelimit.c).  Builders write into a caller buffer of KEYS_MAX bytes and return 0,
 * or ERR_INVAL when an id is not a valid job/worker id (1-64 characters of
 * [A-Za-z0-9_.-]) - so no user string can inject a ':' into the schema.
 *
 *   ingest:queue                     list   pending batch refs "<job>:<seq>"
 *   ingest:processing:<worker>       list   refs a worker holds (BLMOVE target)
 *   ingest:workers                   set    worker ids seen
 *   ingest:worker:<worker>           hash   heartbeat (TTL), host/pid/version/threads/started/
 *                                          batch/counters/in-flight/errors/ratelimit_waits
 *   ingest:jobs                      zset   job ids by creation time (ms)
 *   ingest:job:<job>                 hash   state, spec, counters, timestamps
 *   ingest:job:<job>:batch:<seq>     string msgpack batch (documents)
 *   ingest:job:<job>:out:<seq>       string msgpack nodes of that batch
 *   ingest:job:<job>:done            set    acknowledged batch seqs
 *   ingest:job:<job>:errors          hash   document id -> error message
 *   ingest:job:<job>:attempts        hash   seq -> failed deliveries, "<seq>:why" -> last cause
 *   ingest:job:<job>:dead            hash   dead batch seq -> reason (payload kept)
 *   ingest:job:<job>:split           hash   split batch seq -> "<first child seq> <count>"
 *   ingest:dead                      list   refs of dead batches (the last 10,000)
 *   ingest:heartbeats                zset   worker id -> heartbeat deadline (ms)
 *   ingest:leases                    zset   batch ref -> lease deadline (ms)
 *   ingest:lease_owners              hash   batch ref -> "<worker> <incarnation>"
 *   ingest:leases_hot                set    refs whose batch is in a CPU stage (reading, parsing)
 *   ingest:reaper                    string the reaper's lease (one reaper at a time)
 *   ingest:lost                      zset   jobs found gone while workers held their batches
 *   ingest:job:<job>:events          stream job events (started, batch_done, batch_dead,
 *                                          worker_lost, finished), capped (MAXLEN ~ 1000)
 *   ingest:job:<job>:retry           hash   seq -> dead|failed: payload kept for `retry`
 *   ingest:ratelimit:<h>             hash   cluster-wide rate-limit window (TTL)
 *   ingest:ratelimit:<h>:log         zset   its grants (TTL)
 *   ingest:workers:dead              list   recently died workers, newest first, capped (100):
 *                                          JSON {"id","ms","requeued"} written by the reaper
 *   ingest:cache:e:<hex>, :d:<hex>   string transformation cache entries (cachekey.h)
 *   ingest:docstore:<coll>           hash   document id -> document hash (spec "docstore")
 *   ingest:docstore:<coll>:hashes    set    the collection's document hashes (duplicates_only)
 *   ingest:docstore:<coll>:files     hash   file id -> fingerprint + its documents (dsfp.h)
 *   ingest:job:<job>:docs            set    document (and file) ids a docstore job has seen
 *   ingest:job:<job>:deleted         set    document ids upserts_and_delete removed */
#ifndef INGEST_KEYS_H
#define INGEST_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_MAX 160
#define KEYS_ID_MAX 64
#define KEYS_PREFIX "ingest:" /* every key starts with it */
#define KEYS_QUEUE KEYS_PREFIX "queue"
#define KEYS_WORKERS KEYS_PREFIX "workers"
#define KEYS_JOBS KEYS_PREFIX "jobs"
#define KEYS_DEAD KEYS_PREFIX "dead"
/* + a worker id: its heartbeat / its processing list (keys_worker, keys_processing) */
#define KEYS_WORKER_PREFIX KEYS_PREFIX "worker:"
#define KEYS_PROCESSING_PREFIX KEYS_PREFIX "processing:"
#define KEYS_WORKERS_DEAD KEYS_PREFIX "workers:dead"
/* + a job id + KEYS_EVENTS_SUFFIX: its event stream (keys_job_sub(.., "events")) */
#define KEYS_JOB_PREFIX KEYS_PREFIX "job:"
#define KEYS_EVENTS_SUFFIX ":events"
#define KEYS_HEARTBEATS KEYS_PREFIX "heartbeats"
#define KEYS_LEASES KEYS_PREFIX "leases"
#define KEYS_LEASE_OWNERS KEYS_PREFIX "lease_owners"
#define KEYS_LEASES_HOT KEYS_PREFIX "leases_hot"
#define KEYS_REAPER KEYS_PREFIX "reaper"
#define KEYS_LOST KEYS_PREFIX "lost"
#define KEYS_CHILD_BASE 2147483648u /* seqs of split batches' children start here */

int keys_valid_id(const char *id);
int keys_job(char *out, const char *job);
int keys_job_sub(char *out, const char *job, const char *sub); /* ingest:job:<job>:<sub> */
int keys_batch(char *out, const char *job, uint32_t seq);
int keys_out(char *out, const char *job, uint32_t seq);
int keys_processing(char *out, const char *worker);
/* ingest:docstore:<coll> (sub NULL) or ingest:docstore:<coll>:<sub> */
int keys_docstore(char *out, const char *coll, const char *sub);
/* The five docstore keys the ack, seal and feed scripts take: the
 * collection, its hashes, the job's seen documents, the job's deleted
 * documents, the collection's file records. */
#define KEYS_DOCSTORE_N 5
int keys_docstore_all(char out[KEYS_DOCSTORE_N][KEYS_MAX], const char *coll, const char *job);
int keys_worker(char *out, const char *worker);
/* ingest:job:<job>:batch: - keys_batch() without the seq (SCRIPT_CANCEL appends it). */
int keys_batch_prefix(char *out, const char *job);
/* ingest:ratelimit:<h> and ingest:ratelimit:<h>:log; h is 16 hex digits (ERR_INVAL otherwise). */
int keys_ratelimit(char *out, const char *h);
int keys_ratelimit_log(char *out, const char *h);
/* Batch reference "<job>:<seq>" used as queue items. */
int keys_ref(char *out, const char *job, uint32_t seq);
/* Parses a ref; job receives at most KEYS_ID_MAX+1 bytes.  ERR_PARSE if malformed. */
int keys_parse_ref(const char *ref, size_t len, char job[KEYS_ID_MAX + 1], uint32_t *seq);

#endif
