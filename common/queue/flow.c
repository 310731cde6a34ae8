/* flow.c - Lua sources of the bounded data flow (see flow.h). */
#include "flow.h"

/* The submitter's lease on job (token), or why not. */
#define LEASED                                                                             \
    "local function leased(job, token)\n"                                                 \
    "  local h = redis.call('HMGET', job, 'state', 'submitter', 'batches_total', 'sealed')\n" \
    "  if not h[1] then return 'gone' end\n"                                              \
    "  if h[1] == 'cancelled' then return 'cancelled' end\n"                              \
    "  if h[2] ~= token then return 'superseded' end\n"                                   \
    "  if h[4] == '1' then return 'sealed' end\n"                                         \
    "  return nil, tonumber(h[3] or '0') end\n"

/* Files skipped unread (ARGV[first..], dsfp.h): done, their recorded
 * documents unchanged and, upserts_and_delete (mode 'd'), seen. */
#define SKIPPED                                                                            \
    "local function skipped(job, files, seen, mode, first)\n"                             \
    "  local n, docs = 0, 0\n"                                                            \
    "  for i = first, #ARGV do\n"                                                         \
    "    n = n + 1\n"                                                                     \
    "    local ok, rec = pcall(cjson.decode, redis.call('HGET', files, ARGV[i]) or '')\n" \
    "    if ok and type(rec) == 'table' then\n"                                           \
    "      docs = docs + math.floor(#rec / 2)\n"                                          \
    "      if mode == 'd' then\n"                                                         \
    "        redis.call('SADD', seen, ARGV[i])\n"                                         \
    "        for k = 2, #rec - 1, 2 do redis.call('SADD', seen, rec[k]) end\n"            \
    "      end\n"                                                                         \
    "    end\n"                                                                           \
    "  end\n"                                                                             \
    "  if n == 0 then return end\n"                                                       \
    "  for _, f in ipairs({'docs_total', 'docs_done', 'docstore_files_skipped'}) do\n"    \
    "    redis.call('HINCRBY', job, f, n) end\n"                                          \
    "  redis.call('HINCRBY', job, 'docstore_unchanged', docs)\n"                          \
    "end\n"

const char FLOW_FEED[] = LEASED SKIPPED
    "local why, total = leased(KEYS[2], ARGV[4])\n"
    "if why then return why end\n"
    "if total ~= tonumber(ARGV[5]) then return 'out_of_order' end\n"
    "if #ARGV > 6 then skipped(KEYS[2], KEYS[4], KEYS[5], ARGV[6], 7) end\n"
    "local t = redis.call('TIME')\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('HINCRBY', KEYS[2], 'batches_total', 1)\n"
    "redis.call('HINCRBY', KEYS[2], 'docs_total', ARGV[3])\n"
    "redis.call('HSET', KEYS[2], 'submit_ms', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))\n"
    "redis.call('RPUSH', KEYS[3], ARGV[2])\n"
    "return 'ok'\n";

const char FLOW_SKIP[] = LEASED SKIPPED
    "local why = leased(KEYS[1], ARGV[1])\n"
    "if why then return why end\n"
    "skipped(KEYS[1], KEYS[2], KEYS[3], ARGV[2], 3)\n"
    "return 'ok'\n";

const char FLOW_BEAT[] =
    "local h = redis.call('HMGET', KEYS[1], 'state', 'submitter')\n"
    "if not h[1] then return false end\n"
    "if h[2] ~= ARGV[1] then return 'superseded' end\n"
    "local t = redis.call('TIME')\n"
    "redis.call('HSET', KEYS[1], 'submit_ms', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))\n"
    "return h[1]\n";

const char FLOW_TAKEOVER[] =
    "local h = redis.call('HMGET', KEYS[1], 'state', 'sealed')\n"
    "if not h[1] then return false end\n"
    "if h[1] == 'done' or h[1] == 'failed' or h[1] == 'cancelled' then return h[1] end\n"
    "if h[2] == '1' then return 'sealed' end\n"
    "local t = redis.call('TIME')\n"
    "redis.call('HSET', KEYS[1], 'submitter', ARGV[1],\n"
    "           'submit_ms', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))\n"
    "return 'ok'\n";

const char FLOW_COMMIT[] =
    "if not redis.call('HGET', KEYS[1], 'state') then return 0 end\n"
    "if tonumber(redis.call('HGET', KEYS[1], 'follow_seq') or '0') ~= tonumber(ARGV[1]) then\n"
    "  return 0 end\n"
    "redis.call('HSET', KEYS[1], 'follow_seq', ARGV[2], 'follow_offset', ARGV[3],\n"
    "           'follow_nodes', ARGV[4])\n"
    "redis.call('UNLINK', KEYS[2])\n"
    "return 1\n";
