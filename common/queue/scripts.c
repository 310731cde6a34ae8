/* scripts.c - Lua sources of the atomic Redis operations (see scripts.h). */
#include "scripts.h"

#define NOW_MS                                                                            \
    "local function now_ms() local t = redis.call('TIME')\n"                              \
    "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end\n"

/* Job events: a capped stream per job; `ev` is nil for callers that pass no
 * events key (then nothing is written). */
#define EVENT                                                                             \
    "local function event(ev, ...)\n"                                                     \
    "  if ev then redis.call('XADD', ev, 'MAXLEN', '~', '1000', '*', ...) end end\n"

/* A job is finished when every batch it has (the coordinator's plus the
 * children of split batches) is recorded, dead or split; it ends failed if
 * any batch died or any document failed. */
#define FINALIZE NOW_MS EVENT                                                             \
    "local function retain(job)\n"                                                        \
    "  local ttl = tonumber(redis.call('HGET', job, 'retention_s') or '0')\n"             \
    "  if not ttl or ttl <= 0 then return end\n"                                          \
    "  for _, s in ipairs({'', ':done', ':errors', ':attempts', ':events', ':retry',\n"   \
    "                      ':dead', ':split'}) do\n"                                      \
    "    redis.call('EXPIRE', job .. s, ttl) end\n"                                       \
    "end\n"                                                                               \
    "local function finalize(job, ev)\n"                                                  \
    "  local h = redis.call('HMGET', job, 'sealed', 'batches_total', 'batches_done',\n"   \
    "                       'batches_dead', 'state', 'batches_split', 'children',\n"      \
    "                       'docs_failed')\n"                                             \
    "  if h[1] ~= '1' or h[5] == 'done' or h[5] == 'failed' or h[5] == 'cancelled' then\n" \
    "    return false end\n"                                                              \
    "  local dead = tonumber(h[4] or '0')\n"                                              \
    "  local finished = tonumber(h[3] or '0') + dead + tonumber(h[6] or '0')\n"           \
    "  if finished >= tonumber(h[2] or '0') + tonumber(h[7] or '0') then\n"               \
    "    local st = (dead > 0 or tonumber(h[8] or '0') > 0) and 'failed' or 'done'\n"     \
    "    redis.call('HSET', job, 'state', st, 'finished_ms', now_ms())\n"                 \
    "    event(ev, 'type', 'finished', 'state', st)\n"                                    \
    "    retain(job)\n"                                                                   \
    "    return true\n"                                                                   \
    "  end\n"                                                                             \
    "  return false\n"                                                                    \
    "end\n"

/* upserts_and_delete, once the job finished: documents of the collection
 * this job did not see are removed, and the records of files it did not see
 * (K: job, collection, hashes, seen, deleted, files). */
#define DS_DELETE                                                                          \
    "local function ds_delete(job, coll, hashes, seen, deleted, files)\n"                  \
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
    "  for _, id in ipairs(redis.call('HKEYS', files)) do\n"                               \
    "    if redis.call('SISMEMBER', seen, id) == 0 then redis.call('HDEL', files, id) end\n" \
    "  end\n"                                                                              \
    "end\n"

/* Lease bookkeeping shared by the delivery scripts.  owners[ref] is
 * "<worker> <incarnation>".  HOT (ingest:leases_hot) holds the refs whose batch is
 * in a CPU stage (reading, parsing, local embedding) - where poison
 * documents crash or hang workers; only losing a hot lease (holder died or
 * stopped renewing) is a failed delivery: attempts[seq] += 1 and
 * attempts["<seq>:why"] = the cause.  A batch merely waiting on the model
 * API or on its ack when its holder died goes back uncounted.  Each script
 * sets HOT from its KEYS and, before count_failure, JOBP (KEYS_JOB_PREFIX)
 * from its ARGV. */
#define LEASE                                                                             \
    "local HOT, JOBP\n"                                                                   \
    "local function owner_of(owners, ref) return redis.call('HGET', owners, ref) end\n"   \
    "local function release(leases, owners, ref)\n"                                       \
    "  redis.call('ZREM', leases, ref) redis.call('HDEL', owners, ref)\n"                 \
    "  return redis.call('SREM', HOT, ref) == 1 end\n"                                     \
    "local function count_failure(ref, why)\n"                                            \
    "  local job, seq = string.match(ref, '^([A-Za-z0-9_.-]+):(%d+)$')\n"                 \
    "  if not job then return end\n"                                                      \
    "  local ak = JOBP .. job .. ':attempts'\n"                                            \
    "  local t = redis.call('TYPE', ak).ok\n"                                             \
    "  if t ~= 'hash' and t ~= 'none' then return end\n"                                  \
    "  redis.call('HINCRBY', ak, seq, 1) redis.call('HSET', ak, seq .. ':why', why)\n"   \
    "end\n"

const char SCRIPT_SEAL[] = FINALIZE DS_DELETE
    "redis.call('HSET', KEYS[1], 'sealed', '1')\n"
    "if finalize(KEYS[1], KEYS[2]) and ARGV[1] == 'd' then\n"
    "  ds_delete(KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])\n"
    "end\n"
    "return redis.call('HGET', KEYS[1], 'state')\n";

const char SCRIPT_CLAIM[] = FINALIZE
    "if redis.call('EXISTS', KEYS[1]) == 0 then return {'lost'} end\n"
    "if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return {'corrupt'} end\n"
    "local st = redis.call('HGET', KEYS[1], 'state')\n"
    "if not st then return {'corrupt'} end\n"
    "if st == 'cancelled' then return {st} end\n"
    "local s = tonumber(ARGV[1])\n"
    "if s >= 2147483648 then\n"
    "  if s - 2147483648 >= tonumber(redis.call('HGET', KEYS[1], 'children') or '0') then return {'norange'} end\n"
    "elseif s >= tonumber(redis.call('HGET', KEYS[1], 'batches_total') or '0') then return {'norange'} end\n"
    "if redis.call('TYPE', KEYS[4]).ok == 'set' and\n"
    "   redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 then return {st, 'done'} end\n"
    "local bt = redis.call('TYPE', KEYS[2]).ok\n"
    "local att = 0\n"
    "if redis.call('TYPE', KEYS[3]).ok == 'hash' then\n"
    "  att = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0') or 0 end\n"
    "if bt ~= 'string' then return {st, bt, false, false, att} end\n"
    "if st == 'queued' then redis.call('HSET', KEYS[1], 'state', 'running') st = 'running'\n"
    "  event(KEYS[7], 'type', 'started', 'ref', ARGV[2]) end\n"
    "redis.call('HSETNX', KEYS[1], 'started_ms', now_ms())\n"
    "redis.call('ZADD', KEYS[5], now_ms() + tonumber(ARGV[4]), ARGV[2])\n"
    "redis.call('HSET', KEYS[6], ARGV[2], ARGV[3])\n"
    "if att == 0 then redis.call('SADD', KEYS[8], ARGV[2]) end\n" /* else: hot when it starts alone */
    "local why = false\n"
    "if att > 0 then why = redis.call('HGET', KEYS[3], ARGV[1] .. ':why') end\n"
    "return {st, 'ok', redis.call('GET', KEYS[2]), redis.call('HGET', KEYS[1], 'spec'), att, why}\n";

const char SCRIPT_ACK[] = FINALIZE DS_DELETE LEASE
    "HOT = KEYS[13]\n"
    "if owner_of(KEYS[11], ARGV[1]) == ARGV[12] then release(KEYS[10], KEYS[11], ARGV[1]) end\n"
    "redis.call('LREM', KEYS[5], -1, ARGV[1])\n"
    "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[7]) return -1 end\n"
    "if redis.call('HGET', KEYS[1], 'state') == 'cancelled' then\n" /* record nothing */
    "  redis.call('DEL', KEYS[7]) return -2 end\n"
    "local fresh = redis.call('SADD', KEYS[2], ARGV[2]) == 1\n"
    "if fresh then\n"
    "  if ARGV[4] == '1' then\n"
    "    redis.call('HINCRBY', KEYS[1], 'batches_dead', 1)\n"
    "    redis.call('HSET', KEYS[12], ARGV[2], ARGV[11])\n"
    "    local dt = redis.call('TYPE', KEYS[6]).ok\n"
    "    if dt == 'list' or dt == 'none' then\n"
    "      redis.call('RPUSH', KEYS[6], ARGV[1])\n"
    "      redis.call('LTRIM', KEYS[6], -10000, -1) end\n"
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
    "  redis.call('HINCRBY', KEYS[1], 'docs_api_failed', ARGV[13])\n"
    "  local a = 15 + 2 * tonumber(ARGV[14])\n"
    "  for i = 15, a - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
    "  local mode, e = ARGV[a], a + 2 + 2 * tonumber(ARGV[a + 1])\n"
    "  for i = a + 2, e - 1, 2 do\n" /* docstore: record after the nodes, same script */
    "    local old = redis.call('HGET', KEYS[14], ARGV[i])\n"
    "    if old and old ~= ARGV[i + 1] then redis.call('SREM', KEYS[15], old) end\n"
    "    redis.call('HSET', KEYS[14], ARGV[i], ARGV[i + 1])\n"
    "    redis.call('SADD', KEYS[15], ARGV[i + 1])\n"
    "    redis.call('SADD', KEYS[16], ARGV[i])\n"
    "  end\n"
    "  local f = e + 1 + 2 * tonumber(ARGV[e])\n"
    "  for i = e + 1, f - 1, 2 do\n" /* file records (dsfp.h), after their documents */
    "    redis.call('HSET', KEYS[18], ARGV[i], ARGV[i + 1])\n"
    "    if mode == 'd' then redis.call('SADD', KEYS[16], ARGV[i]) end\n"
    "  end\n"
    "  for i = f, #ARGV - 1, 2 do\n"
    "    redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])\n"
    "    if mode ~= '-' then redis.call('SADD', KEYS[16], ARGV[i]) end\n"
    "  end\n"
    "  if ARGV[4] == '1' or tonumber(ARGV[6]) > 0 then\n"
    "    redis.call('HSET', KEYS[9], ARGV[2], ARGV[4] == '1' and 'dead' or 'failed')\n" /* kept for `retry` */
    "    local ttl = tonumber(redis.call('HGET', KEYS[1], 'retention_s') or '0')\n"
    "    if ttl and ttl > 0 then redis.call('EXPIRE', KEYS[7], ttl) end\n"
    "  else\n"
    "    redis.call('DEL', KEYS[7])\n"
    "  end\n"
    "  event(KEYS[8], 'type', ARGV[4] == '1' and 'batch_dead' or 'batch_done', 'ref', ARGV[1],\n"
    "        'worker', string.match(ARGV[12], '^(%S+)'), 'docs', ARGV[5], 'failed', ARGV[6], 'nodes', ARGV[7])\n"
    "  if finalize(KEYS[1], KEYS[8]) and mode == 'd' then\n"
    "    ds_delete(KEYS[1], KEYS[14], KEYS[15], KEYS[16], KEYS[17], KEYS[18])\n"
    "  end\n"
    "end\n"
    "return fresh and 1 or 0\n";

/* One reaper at a time (a short lease on KEYS[1]); each call looks only at
 * what has expired: O(expired), not O(workers). */
const char SCRIPT_REAP[] = NOW_MS EVENT LEASE
    "HOT, JOBP = KEYS[8], ARGV[6]\n"
    "if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end\n"
    "local now, limit, moved = now_ms(), tonumber(ARGV[3]), 0\n"
    "for _, w in ipairs(redis.call('SRANDMEMBER', KEYS[6], 10)) do\n"
    "  if not redis.call('ZSCORE', KEYS[2], w) and\n"
    "     redis.call('EXISTS', ARGV[4] .. w) == 0 then redis.call('ZADD', KEYS[2], 0, w) end\n"
    "end\n"
    "for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)) do\n"
    "  local pl, n, jobs = ARGV[5] .. w, 0, {}\n"
    "  while n < 1000 do\n"
    "    local ref = redis.call('LMOVE', pl, KEYS[5], 'RIGHT', 'LEFT')\n"
    "    if not ref then break end\n"
    "    n = n + 1\n"
    "    local j = string.match(ref, '^(.+):%d+$')\n"
    "    if j then jobs[j] = (jobs[j] or 0) + 1 end\n"
    "    local owner = owner_of(KEYS[4], ref)\n"
    "    if owner and string.match(owner, '^(%S+)') == w and release(KEYS[3], KEYS[4], ref) then\n"
    "      count_failure(ref, 'the worker died while reading or parsing it') end\n"
    "  end\n"
    "  moved = moved + n\n"
    "  for j, c in pairs(jobs) do\n"
    "    event(JOBP .. j .. ARGV[7], 'type', 'worker_lost', 'worker', w, 'requeued', c) end\n"
    "  redis.call('LPUSH', KEYS[7], cjson.encode({id = w, requeued = n, ms = now}))\n"
    "  redis.call('LTRIM', KEYS[7], 0, 99)\n"
    "  if redis.call('LLEN', pl) == 0 then\n"
    "    redis.call('ZREM', KEYS[2], w) redis.call('SREM', KEYS[6], w) end\n"
    "end\n"
    "for _, ref in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, limit)) do\n"
    "  local owner = owner_of(KEYS[4], ref)\n"
    "  local hot = release(KEYS[3], KEYS[4], ref)\n"
    "  local w = owner and string.match(owner, '^(%S+)')\n"
    "  local alive = w and (tonumber(redis.call('ZSCORE', KEYS[2], w) or '0') or 0) > now\n"
    "  if hot then count_failure(ref, alive and 'lease expired while reading or parsing (hung, "
    "or over its time budget)' or 'the worker died while reading or parsing it') end\n"
    "  if w and redis.call('LREM', ARGV[5] .. w, -1, ref) > 0 then\n"
    "    redis.call('LPUSH', KEYS[5], ref) moved = moved + 1 end\n"
    "end\n"
    "return moved\n";

const char SCRIPT_REQUEUE[] = LEASE
    "HOT, JOBP = KEYS[5], ARGV[4]\n"
    "if owner_of(KEYS[4], ARGV[1]) == ARGV[2] and release(KEYS[3], KEYS[4], ARGV[1]) and ARGV[3] then\n"
    "  count_failure(ARGV[1], ARGV[3]) end\n"
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
    "for _, w in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do\n"
    "  n = n + redis.call('LLEN', ARGV[1] .. w)\n"
    "end\n"
    "return n\n";

/* A (re)started session hands back what its list holds, except the refs
 * still in flight in this process (ARGV[5..]), whose leases it renews.  A
 * lease left by an earlier incarnation of this id means that process died
 * while working on the batch: a failed delivery.  Anything else (popped but
 * not yet claimed, or ours from before a reconnect) goes back uncounted. */
const char SCRIPT_RECLAIM[] = NOW_MS LEASE
    "HOT, JOBP = KEYS[5], ARGV[4]\n"
    "local keep, n = {}, 0\n"
    "for i = 5, #ARGV do keep[ARGV[i]] = true end\n"
    "local me = ARGV[1] .. ' ' .. ARGV[2]\n"
    "for _, ref in ipairs(redis.call('LRANGE', KEYS[1], 0, 999)) do\n"
    "  local owner = owner_of(KEYS[4], ref)\n"
    "  if keep[ref] then\n"
    "    redis.call('ZADD', KEYS[3], now_ms() + tonumber(ARGV[3]), ref)\n"
    "    redis.call('HSET', KEYS[4], ref, me)\n"
    "  else\n"
    "    if owner and string.match(owner, '^(%S+)') == ARGV[1] then\n"
    "      if release(KEYS[3], KEYS[4], ref) and owner ~= me then\n"
    "        count_failure(ref, 'the worker died while reading or parsing it') end\n"
    "    end\n"
    "    redis.call('LREM', KEYS[1], -1, ref)\n"
    "    redis.call('LPUSH', KEYS[2], ref)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* Heartbeat + lease renewal in one call.  Returns the refs among ARGV[5..]
 * whose lease this incarnation no longer holds (reaped while it was
 * frozen or slow): the caller stops spending work on them. */
const char SCRIPT_HEARTBEAT[] = NOW_MS LEASE
    "local now = now_ms()\n"
    "local me = ARGV[1] .. ' ' .. ARGV[2]\n"
    "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])\n"
    "redis.call('SADD', KEYS[4], ARGV[1])\n"
    "local lost = {}\n"
    "for i = 5, #ARGV do\n"
    "  if owner_of(KEYS[3], ARGV[i]) == me then\n"
    "    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[i])\n"
    "  else lost[#lost + 1] = ARGV[i] end\n"
    "end\n"
    "return lost\n";

/* Registration: refuses (returns {host, pid, incarnation}) while another
 * incarnation of this id is alive; ARGV[4] = '1' forces (the caller checked
 * that the other process is dead).  Returns {} when registered. */
const char SCRIPT_REGISTER[] = NOW_MS
    "local now = now_ms()\n"
    "local dl = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0') or 0\n"
    "local h = redis.call('HMGET', KEYS[2], 'host', 'pid', 'incarnation')\n"
    "if ARGV[4] ~= '1' and dl > now and h[3] and h[3] ~= ARGV[2] then return h end\n"
    "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])\n"
    "redis.call('HSET', KEYS[2], 'incarnation', ARGV[2])\n"
    "return {}\n";

/* Poison isolation: the batch (KEYS[3], ref ARGV[1], seq ARGV[2]) is
 * replaced by ARGV[4] single-document children ARGV[6..] (keys: the job's
 * batch prefix ARGV[5] + seq), numbered from
 * 2^31 + the job's `children` counter, queued at the head; the parent is
 * recorded as split with its children's range. */
const char SCRIPT_SPLIT[] = LEASE
    "HOT = KEYS[9]\n"
    "if owner_of(KEYS[7], ARGV[1]) == ARGV[3] then release(KEYS[6], KEYS[7], ARGV[1]) end\n"
    "redis.call('LREM', KEYS[4], -1, ARGV[1])\n"
    "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
    "if redis.call('SADD', KEYS[2], ARGV[2]) == 0 then return 0 end\n"
    "local n = tonumber(ARGV[4])\n"
    "local first = 2147483648 + redis.call('HINCRBY', KEYS[1], 'children', n) - n\n"
    "local job = string.match(ARGV[1], '^(.+):%d+$')\n"
    "for i = 0, n - 1 do\n"
    "  local seq = string.format('%d', first + i)\n"
    "  redis.call('SET', ARGV[5] .. seq, ARGV[6 + i])\n"
    "  redis.call('LPUSH', KEYS[5], job .. ':' .. seq)\n"
    "end\n"
    "redis.call('HSET', KEYS[8], ARGV[2], string.format('%d %d', first, n))\n"
    "redis.call('HINCRBY', KEYS[1], 'batches_split', 1)\n"
    "redis.call('DEL', KEYS[3])\n"
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

/* Which files may skip reading: 1 per (file id, fingerprint) pair whose
 * record has that fingerprint and every recorded document still in the
 * collection - with its hash (upserts), or its hash under any id
 * (duplicates_only, ARGV[1] == 'h') - else 0.  Read-only.  A record that
 * does not decode is a 0. */
const char SCRIPT_DS_CHECK[] =
    "local out = {}\n"
    "for i = 2, #ARGV - 1, 2 do\n"
    "  local ok, rec = pcall(cjson.decode, redis.call('HGET', KEYS[3], ARGV[i]) or '')\n"
    "  local skip = ok and type(rec) == 'table' and rec[1] == ARGV[i + 1] and #rec % 2 == 1\n"
    "  for k = 2, skip and #rec - 1 or 0, 2 do\n"
    "    local id, h = rec[k], rec[k + 1]\n"
    "    if type(id) ~= 'string' or type(h) ~= 'string' then skip = false\n"
    "    elseif ARGV[1] == 'h' then skip = redis.call('SISMEMBER', KEYS[2], h) == 1\n"
    "    else skip = redis.call('HGET', KEYS[1], id) == h end\n"
    "    if not skip then break end\n"
    "  end\n"
    "  out[#out + 1] = skip and 1 or 0\n"
    "end\n"
    "return out\n";
