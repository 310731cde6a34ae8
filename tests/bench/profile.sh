#!/usr/bin/env bash
# profile.sh - where the CPU goes, per scenario, for README's "where the time
# goes" table.  Starts a private redis-server (and the mock for a/c), one worker
# (--threads 2) under `perf stat -e task-clock` (+ `perf record -g` if
# RECORD=1), then `ingest-coordinator submit --wait --output` under perf stat.
# Usage: tests/bench/profile.sh BUILD SCENARIO(a|c|f) OUTDIR
# Needs linux-perf (Debian); reads ../shared for the corpus and the mock.
# Not a test: numbers only.  CPU time (task-clock) is what compares across runs (no PMU counters on the VM)
# on the shared machine; wall times only as ratios within one run.
set -euo pipefail
build=$(realpath "$1"); sc=$2; out=$(realpath -m "$3"); mkdir -p "$out"
here=$(cd "$(dirname "$0")/../.." && pwd); shared=$(realpath -m "$here/../shared")
corpus=$shared/corpus/financebench-seed/text
[ "$sc" = c ] && corpus=$shared/corpus/financebench-seed/pdf
dir=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
redis-server --port 0 --unixsocket "$dir/r.sock" --save '' --appendonly no --dir "$dir" \
  --logfile "$dir/redis.log" & pids+=($!)
url="unix://$dir/r.sock"
for _ in $(seq 100); do [ -S "$dir/r.sock" ] && break; sleep 0.05; done
if [ "$sc" = f ]; then
  emb='{"class_name":"HashEmbedding","dim":1536}'
else
  node "$shared/tools/mock-openai/server.mjs" --port 0 --port-file "$dir/port" >"$dir/mock.log" 2>&1 & pids+=($!)
  for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
  emb="{\"class_name\":\"OpenAIEmbedding\",\"api_base\":\"http://127.0.0.1:$(cat "$dir/port")/v1\",\"embed_batch_size\":100}"
fi
echo "{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":1024,\"chunk_overlap\":20},$emb]}" >"$dir/spec.json"
wrap=(perf stat -e task-clock -o "$out/worker-$sc.stat")
[ "${RECORD:-0}" = 1 ] && wrap=(perf record ${CALLGRAPH:--g} -o "$out/worker-$sc.data" --)
OPENAI_API_KEY=sk-profile "${wrap[@]}" "$build/worker/ingest-worker" --redis "$url" --id prof >/dev/null \
  --threads 2 2>"$dir/worker.log" & wpid=$!; pids+=($wpid)
for _ in $(seq 200); do
  [ "$(redis-cli -s "$dir/r.sock" EXISTS ingest:worker:prof)" = 1 ] && break; sleep 0.05; done
cwrap=(perf stat -e task-clock -o "$out/coord-$sc.stat")
[ "${RECORD:-0}" = 1 ] && cwrap=(perf record ${CALLGRAPH:--g} -o "$out/coord-$sc.data" --)
t0=$(date +%s.%N)
"${cwrap[@]}" "$build/coordinator/ingest-coordinator" submit --redis "$url" \
  --pipeline "$dir/spec.json" --wait --output "$out/nodes-$sc.jsonl" "$corpus" >/dev/null 2>"$dir/submit.log"
t1=$(date +%s.%N)
pkill -TERM -P $wpid || kill -TERM $wpid 2>/dev/null || true; wait $wpid || true  # perf writes its stat when the worker exits
echo "scenario=$sc wall_s=$(echo "$t1 - $t0" | bc) nodes=$(wc -l <"$out/nodes-$sc.jsonl")"
