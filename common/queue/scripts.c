/* scripts.c - Lua sources of the atomic Redis operations (see scripts.h). */
#include "scripts.h"

/* Job events: a capped stream per job; `ev` is nil for callers that pass no
 * events key (then nothing is written). */
#define EVENT                                                                             \
    "local function event(ev, ...)\n"                                                     \
    "  if ev then redis.call('XADD', ev, 'MAXLEN', '~', '1000', '*', ...) end end\n"

#define FINALIZE EVENT                                                                    \
    "local function now_ms() local t = redis.call('TIME')\n"                              \
    "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end\n"           \
    "local function retain(job)\n"                                                        \
    "  local ttl = tonumber(redis.call('HGET', job, 'retention_s') or '0')\n"             \
    "  if not ttl or ttl <= 0 then return end\n"                                          \
    "  for _, s in ipairs({'', ':done', ':errors', ':attempts', ':events', ':retry'}) do\n"\
    "    redis.call('EXPIRE', job .. s, ttl) end\n"                                       \
    "end\n"                                                                               \
    "local function finalize(job, ev)\n"                                                  \
    "  local h = redis.call('HMGET', job, 'sealed', 'batches_total', 'batches_done',\n"   \
    "                       'batches_dead', 'state', 'docs_failed')\n"                    \
    "  if h[1] ~= '1' or h[5] == 'done' or h[5] == 'failed' or h[5] == 'cancelled' then\n" \
    "    return false end\n"                                                              \
    "  local dead = tonumber(h[4] or '0')\n"                                              \
    "  if tonumber(h[3] or '0') + dead >= tonumber(h[2] or '0') then\n"                   \
    "    local bad = dead > 0 or tonumber(h[6] or '0') > 0\n"                             \
    "    local st = bad and 'failed' or 'done'\n"                                         \
    "    redis.call('HSET', job, 'state', st, 'finished_ms', now_ms())\n"                 \
    "    event(ev, 'type', 'finished', 'state', st)\n"                                    \
    "    retain(job)\n"                                                                   \
    "    return true\n"                                                                   \
    "  end\n"                                                                             \
    "  return false\n"                                                                    \
    "end\n"

/* upserts_and_delete, once the job finished: documents of the collection
 * this job did not see are removed (K: job, collection, hashes, seen, deleted). */
#define DS_DELETE                                                                          \
    "local function ds_delete(job, coll, hashes, seen, deleted)\n"                         \
    "  local n = 0\n"                                                                      \
    "  for _, id in ipairs(redis.call('HKEYS', coll)) do\n"                                \
    "    if redis.call('SISMEMBER', seen, id) == 0 then\n"                                 \
    "      redis.call('SREM', hashes, redis.call('HGET', coll, id))\n"                     \
    "      redis.call('HDEL', coll, id)\n"                                                 \
    "      redis.call('SADD', deleted, id)\n"                                              \
    "      n = n + 1\n"                                                                    \
    "    end\n"                                                                            \
    "  end\n"                                                                              \
    "  redis.call('HINCRBY', job, 'docstore_deleted', n)\n"                                \
    "end\n"

const char SCRIPT_SEAL[] = FINALIZE DS_DELETE
    "redis.call('HSET', KEYS[1], 'sealed', '1')\n"
    "if finalize(KEYS[1], KEYS[2]) and ARGV[1] == 'd' then\n"
    "  ds_delete(KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6])\n"
    "end\n"
    "return redis.call('HGET', KEYS[1], 'state')\n";

const char SCRIPT_CLAIM[] = FINALIZE
    "local st = redis.call('HGET', KEYS[1], 'state')\n"
    "if not st then return {false, false, false, 0} end\n"
    "if st == 'queued' then redis.call('HSET', KEYS[1], 'state', 'running') st = 'running'\n"
    "  event(KEYS[4], 'type', 'started', 'ref', ARGV[2] or '') end\n"
    "redis.call('HSETNX', KEYS[1], 'started_ms', now_ms())\n"
    "local att = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)\n"
    "return {st, redis.call('GET', KEYS[2]), redis.call('HGET', KEYS[1], 'spec'), att}\n";

const char SCRIPT_ACK[] = FINALIZE DS_DELETE
    "local st = redis.call('HGET', KEYS[1], 'state')\n"
    "if not st or st == 'cancelled' then\n" /* cancelled or deleted: record nothing */
    "  redis.call('DEL', KEYS[7])\n"
    "  redis.call('LREM', KEYS[5], -1, ARGV[1])\n"
    "  return 0\n"
    "end\n"
    "local fresh = redis.call('SADD', KEYS[2], ARGV[2]) == 1\n"
    "if fresh then\n"
    "  if ARGV[4] == '1' then\n"
    "    redis.call('HINCRBY', KEYS[1], 'batches_dead', 1)\n"
    "    redis.call('RPUSH', KEYS[6], ARGV[1])\n"
    "  elseif ARGV[4] == 's' then\n" /* written to the job's vector store: no output here */
    "    redis.call('HINCRBY', KEYS[1], 'batches_sunk', 1)\n"
    "    redis.call('HINCRBY', KEYS[1], 'batches_done', 1)\n"
    "  else\n"
    "    local ttl = tonumber(redis.call('HGET', KEYS[1], 'retention_s') or '0')\n"
    "    if ttl and ttl > 0 then redis.call('SET', KEYS[3], ARGV[3], 'EX', ttl)\n"
    "    else redis.call('SET', KEYS[3], ARGV[3]) end\n"
    "    redis.call('HINCRBY', KEYS[1], 'batches_done', 1)\n"
    "  end\n"
    "  redis.call('HINCRBY', KEYS[1], 'docs_done', ARGV[5])\n"
    "  redis.call('HINCRBY', KEYS[1], 'docs_failed', ARGV[6])\n"
    "  redis.call('HINCRBY', KEYS[1], 'nodes', ARGV[7])\n"
    "  redis.call('HINCRBY', KEYS[1], 'embed_requests', ARGV[8])\n"
    "  redis.call('HINCRBY', KEYS[1], 'llm_requests', ARGV[9])\n"
    "  redis.call('HINCRBY', KEYS[1], 'embed_tokens', ARGV[10])\n"
    "  local a = 12 + 2 * tonumber(ARGV[11])\n"
    "  for i = 12, a - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
    "  local mode, e = ARGV[a], a + 2 + 2 * tonumber(ARGV[a + 1])\n"
    "  for i = a + 2, e - 1, 2 do\n" /* docstore: record after the nodes, same script */
    "    local old = redis.call('HGET', KEYS[10], ARGV[i])\n"
    "    if old and old ~= ARGV[i + 1] then redis.call('SREM', KEYS[11], old) end\n"
    "    redis.call('HSET', KEYS[10], ARGV[i], ARGV[i + 1])\n"
    "    redis.call('SADD', KEYS[11], ARGV[i + 1])\n"
    "    redis.call('SADD', KEYS[12], ARGV[i])\n"
    "  end\n"
    "  for i = e, #ARGV - 1, 2 do\n"
    "    redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])\n"
    "    if mode ~= '-' then redis.call('SADD', KEYS[12], ARGV[i]) end\n"
    "  end\n"
    "  if ARGV[4] == '1' or tonumber(ARGV[6]) > 0 then\n"
    "    redis.call('HSET', KEYS[9], ARGV[2], ARGV[4] == '1' and 'dead' or 'failed')\n" /* kept for `retry` */
    "    local ttl = tonumber(redis.call('HGET', KEYS[1], 'retention_s') or '0')\n"
    "    if ttl and ttl > 0 then redis.call('EXPIRE', KEYS[7], ttl) end\n"
    "  else\n"
    "    redis.call('DEL', KEYS[7])\n"
    "  end\n"
    "  event(KEYS[8], 'type', ARGV[4] == '1' and 'batch_dead' or 'batch_done', 'ref', ARGV[1],\n"
    "        'worker', string.sub(KEYS[5], 19), 'docs', ARGV[5], 'failed', ARGV[6], 'nodes', ARGV[7])\n"
    "  if finalize(KEYS[1], KEYS[8]) and mode == 'd' then\n"
    "    ds_delete(KEYS[1], KEYS[10], KEYS[11], KEYS[12], KEYS[13])\n"
    "  end\n"
    "end\n"
    "redis.call('LREM', KEYS[5], -1, ARGV[1])\n"
    "return fresh and 1 or 0\n";

const char SCRIPT_REAP[] = EVENT
    "local moved = 0\n"
    "for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  if redis.call('EXISTS', ARGV[1] .. w) == 0 then\n"
    "    local pl, jobs, n = ARGV[2] .. w, {}, 0\n"
    "    while true do\n"
    "      local ref = redis.call('LMOVE', pl, KEYS[2], 'RIGHT', 'LEFT')\n"
    "      if not ref then break end\n"
    "      local j = string.match(ref, '^(.+):%d+$')\n"
    "      if j then jobs[j] = (jobs[j] or 0) + 1 end\n"
    "      n = n + 1\n"
    "    end\n"
    "    moved = moved + n\n"
    "    for j, c in pairs(jobs) do\n"
    "      event(ARGV[3] .. j .. ARGV[4], 'type', 'worker_lost', 'worker', w, 'requeued', c) end\n"
    "    if KEYS[3] then\n"
    "      local t = redis.call('TIME')\n"
    "      redis.call('LPUSH', KEYS[3], cjson.encode({id = w, requeued = n,\n"
    "        ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}))\n"
    "      redis.call('LTRIM', KEYS[3], 0, 99)\n"
    "    end\n"
    "    redis.call('SREM', KEYS[1], w)\n"
    "  end\n"
    "end\n"
    "return moved\n";

const char SCRIPT_REQUEUE[] =
    "if redis.call('LREM', KEYS[1], -1, ARGV[1]) > 0 then\n"
    "  redis.call('LPUSH', KEYS[2], ARGV[1])\n"
    "end\n"
    "return 1\n";

const char SCRIPT_CANCEL[] = FINALIZE
    "local st = redis.call('HGET', KEYS[1], 'state')\n"
    "if not st then return false end\n"
    "if st == 'done' or st == 'failed' or st == 'cancelled' then return st end\n"
    "redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_ms', now_ms())\n"
    "event(KEYS[2], 'type', 'finished', 'state', 'cancelled')\n"
    "retain(KEYS[1])\n"
    "return 'cancelled'\n";

const char SCRIPT_PENDING[] =
    "local n = redis.call('LLEN', KEYS[2])\n"
    "for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  n = n + redis.call('LLEN', ARGV[1] .. w)\n"
    "end\n"
    "return n\n";

const char SCRIPT_RECLAIM[] =
    "local n = 0\n"
    "while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT') do n = n + 1 end\n"
    "return n\n";

const char SCRIPT_RETRY[] =
    "local h = redis.call('HMGET', KEYS[1], 'state', 'batches_total')\n"
    "if (h[1] ~= 'done' and h[1] ~= 'failed') or h[2] ~= ARGV[1] then return -1 end\n"
    "local nb = tonumber(ARGV[2])\n"
    "for b = 0, nb - 1 do\n"
    "  if redis.call('HEXISTS', KEYS[4], ARGV[3 + 4 * b]) == 0 then return -2 end\n"
    "end\n"
    "for b = 0, nb - 1 do\n"
    "  local a = 3 + 4 * b\n"
    "  redis.call('HDEL', KEYS[4], ARGV[a])\n"
    "  redis.call('DEL', KEYS[5 + 2 * b])\n"
    "  redis.call('SET', KEYS[6 + 2 * b], ARGV[a + 2])\n"
    "  if ARGV[a + 3] == '1' then\n"
    "    redis.call('HINCRBY', KEYS[1], 'batches_dead', -1)\n"
    "    redis.call('HINCRBY', KEYS[1], 'batches_done', 1)\n"
    "  end\n"
    "  redis.call('HINCRBY', KEYS[1], 'batches_total', 1)\n"
    "  redis.call('RPUSH', KEYS[2], ARGV[a + 1])\n"
    "end\n"
    "local nd = 0\n"
    "for i = 3 + 4 * nb, #ARGV do nd = nd + redis.call('HDEL', KEYS[3], ARGV[i]) end\n"
    "redis.call('HINCRBY', KEYS[1], 'docs_failed', -nd)\n"
    "redis.call('HSET', KEYS[1], 'state', 'running')\n"
    "redis.call('HDEL', KEYS[1], 'finished_ms')\n"
    "return nd\n";
