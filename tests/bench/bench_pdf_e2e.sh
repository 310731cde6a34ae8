#!/usr/bin/env bash
# bench_pdf_e2e.sh - the worker's thread pool against separate processes and
# against the last main before it (a0ec24c, everything on the event loop).
#
# The 28 FinanceBench PDFs end to end (read + SentenceSplitter(1024,20) +
# OpenAIEmbedding(embed_batch_size 100) on the shared mock, 200 ms + 10 ms
# per input), through bench_embed.sh, one configuration after another:
#   new  1 worker --threads 2
#   new  2 workers --threads 1
#   old  1 worker, old 2 workers (a0ec24c, built in a temp dir outside the repo)
# then the text corpus with the same pipeline (new 1x2 threads, old 1 worker)
# for "no regression".
# Bound (PDFs) = pdftotext CPU-seconds over the corpus / 2 cores + one request
# of the largest batch (latency + per-input x size): no 2-core client can
# finish sooner.  Prints one line per configuration: wall_s, job_s, the
# workers' CPU-seconds (PDF children included) and ratio = wall_s / bound.
# On a shared machine compare cpu_s too: wall_s follows the load.
#
# usage: tests/bench/bench_pdf_e2e.sh [NEW_BUILD_DIR] [OLD_BUILD_DIR]
#   env: PDFS, TEXTS (corpus dirs), REPEAT (1), OLD_REV (a0ec24c)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
NEW=$(cd "${1:-$ROOT/build}" && pwd)
OLD=${2:-}
PDFS=${PDFS:-/work/shared/corpus/financebench-seed/pdf}
TEXTS=${TEXTS:-/work/shared/corpus/financebench-seed/text}
REPEAT=${REPEAT:-1}
OLD_REV=${OLD_REV:-a0ec24c}
TMP=$(mktemp -d /tmp/ingest-bench-e2e-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

if [ -z "$OLD" ]; then
    echo "building $OLD_REV in $TMP/old ..." >&2
    mkdir -p "$TMP/old"
    git -C "$ROOT" archive "$OLD_REV" | tar -x -C "$TMP/old"
    meson setup "$TMP/old/build" "$TMP/old" >/dev/null
    ninja -C "$TMP/old/build" >/dev/null
    OLD="$TMP/old/build"
fi

# CPU-seconds pdftotext needs for the corpus (user + system), one file at a time.
cpu=0
for f in "$PDFS"/*.pdf; do
    t=$( { /usr/bin/time -f "%U %S" pdftotext -raw -enc UTF-8 "$f" /dev/null; } 2>&1 | tail -1)
    cpu=$(echo "$cpu + ${t% *} + ${t#* }" | bc)
done
echo "pdftotext cpu_s=$cpu over $(ls "$PDFS"/*.pdf | wc -l) PDFs" >&2

run() { # label build workers worker_args corpus
    CORPUS="$5" WORKER_ARGS="$4" "$HERE/bench_embed.sh" "$2" "$3" "$REPEAT" |
        sed "s/^/$1 /"
}
{
    run pdf_new_1x2 "$NEW" 1 "--threads 2" "$PDFS"
    run pdf_new_2x1 "$NEW" 2 "--threads 1" "$PDFS"
    run pdf_old_1 "$OLD" 1 "" "$PDFS"
    run pdf_old_2 "$OLD" 2 "" "$PDFS"
    run text_new_1x2 "$NEW" 1 "--threads 2" "$TEXTS"
    run text_old_1 "$OLD" 1 "" "$TEXTS"
} | tee "$TMP/runs.txt" >&2

python3 - "$cpu" "$TMP/runs.txt" <<'PYEOF'
import json, sys
cpu = float(sys.argv[1])
print(f"{'config':14} {'wall_s':>7} {'job_s':>7} {'cpu_s':>7} {'bound_s':>7} {'ratio':>6}")
for line in open(sys.argv[2]):
    label, js = line.split(" ", 1)
    r = json.loads(js)
    req = r["bound_s"]  # one request of the largest batch
    bound = (cpu / 2 if label.startswith("pdf") else 0) + req
    print(f"{label:14} {r['wall_s']:7.2f} {r['job_s'] or 0:7.2f} {r['worker_cpu_s']:7.2f} {bound:7.2f} "
          f"{r['wall_s'] / bound:6.2f}  nodes={r['nodes']} failed={r['failed']}")
print(f"bound = pdftotext cpu_s {cpu:.2f} / 2 cores + one request (text: the request alone)")
print("cpu_s: the workers' user+system time, PDF children included; load average at the end:",
      open("/proc/loadavg").read().split()[0])
PYEOF
