#!/usr/bin/env bash
# bench_cache.sh - the transformation cache on the FinanceBench text corpus:
# SentenceSplitter(1024, 20) + OpenAIEmbedding(batch 100) [+ TitleExtractor]
# against the shared mock OpenAI server (200 ms + 10 ms per input), one
# worker, a private redis-server.  For each pipeline: a cold run (empty
# cache), a warm run (same corpus), and a run after one file changed (a line
# put in front of its text, so every chunk of it moves).
#
# usage: tests/bench/bench_cache.sh [BUILD_DIR]
#   env: CORPUS (default /work/shared/corpus/financebench-seed/text)
#        MOCK   (default /work/shared/tools/mock-openai/server.mjs)
#        TITLES ("0 1": without and with TitleExtractor)
# Prints one JSON line per run: pipeline, run (cold|warm|one_changed), wall_s
# (submit to worker exit), job_s (the job's elapsed time), requests (embedding,
# chat), inputs, cache hits/misses, and ratio = wall_s / cold wall_s.
set -euo pipefail

BUILD=${1:-build}
CORPUS=${CORPUS:-/work/shared/corpus/financebench-seed/text}
MOCK=${MOCK:-/work/shared/tools/mock-openai/server.mjs}
COORD="$BUILD/coordinator/ingest-coordinator"
WORKER="$BUILD/worker/ingest-worker"
for f in "$COORD" "$WORKER" "$MOCK"; do
    [ -e "$f" ] || { echo "missing $f" >&2; exit 2; }
done
[ -d "$CORPUS" ] || { echo "missing corpus $CORPUS" >&2; exit 2; }

DIR=$(mktemp -d /tmp/ingest-bench-cache-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT

SOCK="$DIR/redis.sock"
redis-server --port 0 --unixsocket "$SOCK" --dir "$DIR" --save "" --appendonly no \
    --logfile "$DIR/redis.log" &
PIDS+=($!)
node "$MOCK" --port 0 --port-file "$DIR/mock.port" >"$DIR/mock.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do
    [ -S "$SOCK" ] && [ -s "$DIR/mock.port" ] && break
    sleep 0.05
done
PORT=$(cat "$DIR/mock.port")
URL="unix://$SOCK"
BASE="http://127.0.0.1:$PORT/v1"
export OPENAI_API_KEY=sk-bench-not-a-real-key

run() { # $1 pipeline name, $2 run name, $3 cold wall (or 0)
    curl -s -X POST "http://127.0.0.1:$PORT/stats/reset" >/dev/null
    local t0 t1 job
    t0=$(date +%s.%N)
    job=$("$COORD" submit --redis "$URL" --pipeline "$DIR/spec.json" "$DIR/docs")
    "$WORKER" --redis "$URL" --exit-when-idle 2>"$DIR/worker.log"
    t1=$(date +%s.%N)
    python3 - "$1" "$2" "$t0" "$t1" "$3" \
        "$("$COORD" status --redis "$URL" --json "$job")" \
        "$(curl -s "http://127.0.0.1:$PORT/stats")" <<'PYEOF'
import json, sys
name, run, t0, t1, cold, st, s = sys.argv[1:]
st, s = json.loads(st), json.loads(s)
wall = float(t1) - float(t0)
c = st.get("cache", [])
print(json.dumps({"pipeline": name, "run": run, "wall_s": round(wall, 3),
                  "job_s": st.get("elapsed_seconds"), "state": st.get("state"),
                  "nodes": st.get("nodes"),
                  "requests": s.get("requests", {}).get("embeddings", 0),
                  "chat_requests": s.get("requests", {}).get("chat_completions", 0),
                  "inputs": s.get("embedding_inputs"),
                  "cache": {e["class_name"]: [e["hits"], e["misses"]] for e in c},
                  "ratio": round(wall / float(cold), 3) if float(cold) else 1.0}))
PYEOF
}

for title in ${TITLES:-0 1}; do
    EXTRACT="" NAME="split+embed"
    if [ "$title" = 1 ]; then
        EXTRACT="{\"class_name\": \"TitleExtractor\", \"llm\": {\"api_base\": \"$BASE\"}},"
        NAME="split+title+embed"
    fi
    cat >"$DIR/spec.json" <<JSON
{"transformations": [
  {"class_name": "SentenceSplitter", "chunk_size": 1024, "chunk_overlap": 20},
  $EXTRACT
  {"class_name": "OpenAIEmbedding", "api_base": "$BASE", "embed_batch_size": 100}
]}
JSON
    rm -rf "$DIR/docs"
    cp -r "$CORPUS" "$DIR/docs"
    redis-cli -s "$SOCK" FLUSHALL >/dev/null
    COLD=$(run "$NAME" cold 0)
    echo "$COLD"
    CW=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall_s"])' "$COLD")
    run "$NAME" warm "$CW"
    F=$(ls "$DIR/docs" | grep -v SHA256 | head -1)
    { echo "Revised filing."; cat "$DIR/docs/$F"; } >"$DIR/f.tmp" && mv "$DIR/f.tmp" "$DIR/docs/$F"
    run "$NAME" one_changed "$CW"
done
