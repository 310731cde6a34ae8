#!/usr/bin/env bash
# bench_reaper.sh [BUILD] [N...] - Redis CPU per worker tick and the longest
# script for 100 / 1,000 / 10,000 simulated workers (bench_reaper.c), new
# lease/zset reaper vs the old walk-every-worker one.  Starts its own
# redis-server on a unix socket in a temp dir.
set -euo pipefail
BUILD="${1:-build}"; shift || true
d=$(mktemp -d)
trap 'kill $(cat "$d/pid") 2>/dev/null; rm -rf "$d"' EXIT
redis-server --port 0 --unixsocket "$d/s" --save "" --appendonly no --daemonize yes \
  --pidfile "$d/pid" --dir "$d" --logfile "$d/log"
for _ in $(seq 100); do [ -S "$d/s" ] && break; sleep 0.05; done
"$BUILD/tests/bench/bench_reaper" "$d/s" "$@"
