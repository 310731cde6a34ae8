#!/usr/bin/env bash
# bench_pipeline.sh - end-to-end wall time of a job: private redis-server,
# N workers started first (idle, waiting), then `submit --wait`; reports
# documents, nodes, seconds, nodes/s, and each worker's peak RSS and CPU.
# A benchmark, not a test: run it on a quiet machine, compare side by side.
#
#   tests/bench/bench_pipeline.sh [-b BUILD] [-w WORKERS] [-p PIPELINE.json]
#                                 [-e .txt] [-c CONCURRENCY] [-d BATCH_DOCS] DIR
# Environment for the workers (e.g. OPENAI_API_KEY) is passed through.
set -euo pipefail
B=build W=1 P="" E="" C=8 D=4
while getopts "b:w:p:e:c:d:" o; do
  case $o in
    b) B=$OPTARG ;; w) W=$OPTARG ;; p) P=$OPTARG ;; e) E=$OPTARG ;;
    c) C=$OPTARG ;; d) D=$OPTARG ;; *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
DIR=${1:-/work/shared/corpus/financebench-seed/text}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
redis-server --port 0 --unixsocket "$T/r.sock" --dir "$T" --save '' --appendonly no \
  --logfile "$T/redis.log" &
for _ in $(seq 100); do [ -S "$T/r.sock" ] && break; sleep 0.05; done
export INGEST_REDIS_URL="unix://$T/r.sock"
for i in $(seq "$W"); do
  "$B/worker/ingest-worker" --concurrency "$C" --id "bench-$i" 2>"$T/w$i.log" &
done
sleep 0.5
args=(submit --wait --batch-docs "$D")
[ -n "$P" ] && args+=(--pipeline "$P")
[ -n "$E" ] && args+=(--ext "$E")
start=$(date +%s.%N)
job=$("$B/coordinator/ingest-coordinator" "${args[@]}" "$DIR" 2>"$T/submit.log")
end=$(date +%s.%N)
"$B/coordinator/ingest-coordinator" status --json "$job"
kill -TERM $(jobs -p | tail -n "$W") 2>/dev/null || true
sleep 1
wall=$(echo "$end - $start" | bc)
echo "bench workers=$W concurrency=$C batch_docs=$D wall_s=$wall"
grep -h "event=worker_exit" "$T"/w*.log | sed 's/^.*event=worker_exit /worker_exit /'
tail -n 3 "$T/submit.log" | grep -v '^\[' || true
