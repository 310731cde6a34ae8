/* flow.c - Lua sources of the bounded data flow (see flow.h). */
#include "flow.h"

const char FLOW_FEED[] =
    "local h = redis.call('HMGET', KEYS[2], 'state', 'submitter', 'batches_total', 'sealed')\n"
    "if not h[1] then return 'gone' end\n"
    "if h[1] == 'cancelled' then return 'cancelled' end\n"
    "if h[2] ~= ARGV[4] then return 'superseded' end\n"
    "if h[4] == '1' then return 'sealed' end\n"
    "if tonumber(h[3] or '0') ~= tonumber(ARGV[5]) then return 'out_of_order' end\n"
    "local t = redis.call('TIME')\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('HINCRBY', KEYS[2], 'batches_total', 1)\n"
    "redis.call('HINCRBY', KEYS[2], 'docs_total', ARGV[3])\n"
    "redis.call('HSET', KEYS[2], 'submit_ms', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))\n"
    "redis.call('RPUSH', KEYS[3], ARGV[2])\n"
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
