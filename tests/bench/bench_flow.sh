#!/usr/bin/env bash
# bench_flow.sh - bounded data flow at growing corpus sizes: the seed text
# corpus copied 1x, 10x, 50x (every line of copy k gets " [c<k>]" so no
# chunk repeats: nothing dedups or hits a cache), SentenceSplitter(1024, 20)
# + OpenAIEmbedding(batch 100) on the shared mock (200 ms + 10 ms/input),
# 4 workers, `submit --stream` + `export --follow` (SINK=follow, default) or
# the PGVectorStore sink into PGlite (SINK=pg).  Prints one JSON line per
# size: nodes, seconds, nodes/s, Redis used_memory peak (sampled every 0.1 s),
# worker and coordinator (submit, follow) peak RSS.
#
# usage: tests/bench/bench_flow.sh [BUILD_DIR] [SIZES]     (SIZES default "1 10 50")
#   env: CORPUS, MOCK (as bench_embed.sh), SINK=follow|pg, WORKERS (4)
set -euo pipefail
BUILD=${1:-build}
SIZES=${2:-"1 10 50"}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 "$HERE/bench_flow.py" --build "$BUILD" --sizes "$SIZES" \
    --corpus "${CORPUS:-/work/shared/corpus/financebench-seed/text}" \
    --mock "${MOCK:-/work/shared/tools/mock-openai/server.mjs}" \
    --sink "${SINK:-follow}" --workers "${WORKERS:-4}" --pg-server "$HERE/../pg/server.mjs"
