#!/usr/bin/env bash
# bench_embed.sh - SentenceSplitter(1024, 20) + OpenAIEmbedding(batch 100)
# over the FinanceBench text corpus against the shared mock OpenAI server
# (200 ms + 10 ms per input, its defaults), through the real system:
# coordinator -> private redis-server -> N workers -> mock.
#
# usage: tests/bench/bench_embed.sh [BUILD_DIR] [WORKERS] [REPEAT]
#   env: CORPUS (default /work/shared/corpus/financebench-seed/text)
#        MOCK   (default /work/shared/tools/mock-openai/server.mjs)
#        LATENCY_MS (200) PER_INPUT_MS (10) BATCH (100) CONCURRENCY (worker batches, default 8)
#        WORKER_ARGS: extra worker flags, e.g. "--threads 2"
#        MOCK_ARGS: extra mock flags, e.g. "--fail-rate 0.2 --drop-rate 0.05 --rpm 600"
#        VERIFY=1: export the nodes and check every embedding against the
#        mock's documented vector (SHAKE256) of exactly LlamaIndex's embed string
#        TITLE=1: TitleExtractor(nodes=5, llm=OpenAI at the mock) before the
#        embedding (LlamaIndex's "with TitleExtractor" variant)
#        TPM / RPM: the pipeline's cluster-wide limits (pair with MOCK_ARGS "--tpm N")
#        LOCAL=1: HashEmbedding instead of OpenAIEmbedding (the same run with
#        no network: the reading + splitting floor to add to bound_s)
# Prints one JSON line per run: wall_s (submit to last worker exit),
# job_s (the job's own elapsed time as the coordinator reports it),
# worker_cpu_s (user+system of all workers), nodes,
# requests, inputs, batch-size histogram, max in flight, 429/5xx counts, and
# ratio_wall = wall_s / bound_s and ratio_job = job_s / bound_s, where bound_s = latency + per_input * largest
# batch: the time of one request of the largest size, i.e. what an ideal
# client that sends every request at once could not beat.
set -euo pipefail

BUILD=${1:-build}
WORKERS=${2:-1}
REPEAT=${3:-3}
CORPUS=${CORPUS:-/work/shared/corpus/financebench-seed/text}
MOCK=${MOCK:-/work/shared/tools/mock-openai/server.mjs}
LATENCY_MS=${LATENCY_MS:-200}
PER_INPUT_MS=${PER_INPUT_MS:-10}
BATCH=${BATCH:-100}
CONCURRENCY=${CONCURRENCY:-8}
# shellcheck source=bench_lib.sh
MOCK_FLAGS="--latency-ms $LATENCY_MS --per-input-ms $PER_INPUT_MS ${MOCK_ARGS:-}"
source "$(dirname "$0")/bench_lib.sh"

EMBED="{\"class_name\": \"OpenAIEmbedding\", \"api_base\": \"$BASE\", \"embed_batch_size\": $BATCH, \"tpm\": ${TPM:-0}, \"rpm\": ${RPM:-0}}"
[ "${LOCAL:-0}" = 1 ] && EMBED='{"class_name": "HashEmbedding", "dim": 1536}'
EXTRACT=""
[ "${TITLE:-0}" = 1 ] && EXTRACT="{\"class_name\": \"TitleExtractor\", \"llm\": {\"api_base\": \"$BASE\"}},"
cat >"$DIR/spec.json" <<EOF
{"transformations": [
  {"class_name": "SentenceSplitter", "chunk_size": 1024, "chunk_overlap": 20},
  $EXTRACT
  $EMBED
]}
EOF

export OPENAI_API_KEY=sk-bench-not-a-real-key
for run in $(seq "$REPEAT"); do
    redis-cli -s "$SOCK" FLUSHALL >/dev/null
    curl -s -X POST "http://127.0.0.1:$PORT/stats/reset" >/dev/null
    t0=$(date +%s.%N)
    JOB=$("$COORD" submit --redis "$URL" --pipeline "$DIR/spec.json" "$CORPUS")
    WP=()
    for w in $(seq "$WORKERS"); do
        /usr/bin/time -f "cpu_s=%U+%S" -o "$DIR/worker$w.time" \
            "$WORKER" --redis "$URL" --exit-when-idle --concurrency "$CONCURRENCY" ${WORKER_ARGS:-} \
            2>"$DIR/worker$w.log" &
        WP+=($!)
    done
    for p in "${WP[@]}"; do wait "$p"; done
    t1=$(date +%s.%N)
    STATUS=$("$COORD" status --redis "$URL" --json "$JOB")
    STATS=$(curl -s "http://127.0.0.1:$PORT/stats")
    if [ "${VERIFY:-0}" = 1 ] && [ "${LOCAL:-0}" != 1 ]; then
        "$COORD" export --redis "$URL" "$JOB" >"$DIR/nodes.jsonl" 2>/dev/null
        python3 - "$DIR/nodes.jsonl" <<'PYEOF'
import hashlib, json, math, struct, sys
def pystr(v):
    return {True: "True", False: "False", None: "None"}.get(v, v) if isinstance(v, (bool, type(None))) else str(v)
def content(n):
    ms = n["metadata_separator"].join(n["metadata_template"].format(key=k, value=pystr(v))
        for k, v in n["metadata"].items() if k not in n["excluded_embed_metadata_keys"])
    return n["text_template"].format(metadata_str=ms.strip(), content=n["text"]).strip() if ms.strip() else n["text"]
def mock_vec(text, dims):
    b = hashlib.shake_256(text.encode()).digest(4 * dims)
    xs = [(struct.unpack_from("<I", b, 4 * i)[0] + 0.5) / 2**31 - 1 for i in range(dims)]
    s = 0.0
    for x in xs:
        s += x * x
    r = math.sqrt(s)
    return [struct.unpack("<f", struct.pack("<f", x / r))[0] for x in xs]
ok = bad = 0
for line in open(sys.argv[1]):
    n = json.loads(line)
    e = n["embedding"]
    want = mock_vec(content(n).replace("\n", " "), len(e or []) or 1536)
    if e and all(struct.unpack("<f", struct.pack("<f", a))[0] == b for a, b in zip(e, want)):
        ok += 1
    else:
        bad += 1
print(json.dumps({"verify_ok": ok, "verify_bad": bad}))
PYEOF
    fi
    CPU=$(cat "$DIR"/worker*.time | sed -n 's/^cpu_s=//p' | paste -sd+ | bc)
    python3 - "$t0" "$t1" "$LATENCY_MS" "$PER_INPUT_MS" "$WORKERS" "$run" <<PYEOF
import json, sys
t0, t1, lat, per, workers, run = sys.argv[1:]
st = json.loads('''$STATUS''')
s = json.loads('''$STATS''')
wall = float(t1) - float(t0)
hist = s.get("batch_size_hist", {})
largest = max((int(k) for k in hist), default=0)
bound = (float(lat) + float(per) * largest) / 1000.0
print(json.dumps({
    "run": int(run), "workers": int(workers), "wall_s": round(wall, 3),
    "job_s": st.get("elapsed_seconds"),
    "state": st.get("state"), "documents": st.get("documents_total"),
    "failed": st.get("documents_failed"), "nodes": st.get("nodes"),
    "worker_cpu_s": float("$CPU"),
    "requests": s.get("requests", {}).get("embeddings"),
    "chat_requests": s.get("requests", {}).get("chat_completions"),
    "inputs": s.get("embedding_inputs"), "batch_size_hist": hist,
    "max_in_flight": s.get("max_in_flight"), "sent_429": s.get("sent_429"),
    "sent_5xx": s.get("sent_5xx"), "bound_s": round(bound, 3),
    "prompt_tokens": s.get("embedding_prompt_tokens"),
    "tokens_per_min": round(s.get("embedding_prompt_tokens", 0) / wall * 60) if wall else None,
    "ratio_wall": round(wall / bound, 2) if bound else None,
    "ratio_job": round(st.get("elapsed_seconds", 0) / bound, 2) if bound else None}))
PYEOF
done
