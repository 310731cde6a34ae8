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
#        VARIANTS ("plain title docstore": split+embed, + TitleExtractor,
#        split+embed with a docstore collection, strategy upserts)
# Prints one JSON line per run: pipeline, run (cold|warm|one_changed), wall_s
# (submit to worker exit), job_s (the job's elapsed time), requests (embedding,
# chat), inputs, cache hits/misses, and ratio = wall_s / cold wall_s.
set -euo pipefail

BUILD=${1:-build}
CORPUS=${CORPUS:-/work/shared/corpus/financebench-seed/text}
MOCK=${MOCK:-/work/shared/tools/mock-openai/server.mjs}
# shellcheck source=bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
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
                  "docstore": st.get("docstore"),
                  "ratio": round(wall / float(cold), 3) if float(cold) else 1.0}))
PYEOF
}

for variant in ${VARIANTS:-plain title docstore}; do
    EXTRACT="" NAME="split+embed" DOCSTORE=""
    if [ "$variant" = title ]; then
        EXTRACT="{\"class_name\": \"TitleExtractor\", \"llm\": {\"api_base\": \"$BASE\"}},"
        NAME="split+title+embed"
    fi
    if [ "$variant" = docstore ]; then
        DOCSTORE=', "docstore": {"collection": "bench", "strategy": "upserts"}'
        NAME="split+embed+docstore"
    fi
    cat >"$DIR/spec.json" <<JSON
{"transformations": [
  {"class_name": "SentenceSplitter", "chunk_size": 1024, "chunk_overlap": 20},
  $EXTRACT
  {"class_name": "OpenAIEmbedding", "api_base": "$BASE", "embed_batch_size": 100}
]$DOCSTORE}
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
