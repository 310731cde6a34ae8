#!/usr/bin/env bash
# bench_pypdf.sh - PDF reading time, ours (pypdf-exact text) against the
# real pypdf 6.9.2 as LlamaIndex's PDFReader runs it, on the same files.
#
#   tests/bench/bench_pypdf.sh [BUILD_DIR] [PDF_DIR]
#
# Ours: bench_reader (reader_load: poppler for labels, pdf_text.c on qpdf
# for text, in the isolated child per file, as the workers do) on one
# process and on two.  pypdf: PdfReader(f); for each page extract_text()
# and page_labels[i] (what PDFReader.load_data does), one process, in the
# LlamaIndex peer environment.  Prints one key=value line per run and the
# ratio.  Not a test (timings are noisy); reads /work/shared by default.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
dir="${2:-/work/shared/corpus/financebench-seed/pdf}"
peer="${LLAMAINDEX_PEER:-/work/shared/peers/llamaindex-py/env.sh}"
bench="$build/tests/bench/bench_reader"
[ -x "$bench" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
mapfile -t files < <(ls "$dir"/*.pdf)
echo "# $(date -u +%FT%TZ) $(nproc) cores, ${#files[@]} PDFs, load $(cut -d' ' -f1 /proc/loadavg)"
ours1=$("$bench" -j 1 "${files[@]}" | sed -E 's/.*seconds=([0-9.]+).*/\1/')
ours2=$("$bench" -j 2 "${files[@]}" | sed -E 's/.*seconds=([0-9.]+).*/\1/')
echo "tool=ours procs=1 seconds=$ours1"
echo "tool=ours procs=2 seconds=$ours2"
# shellcheck disable=SC1090
source "$peer"
py=$(python3 - "${files[@]}" <<'PY'
import sys, time, pypdf
t = time.time()
for f in sys.argv[1:]:
    r = pypdf.PdfReader(f)
    for i, p in enumerate(r.pages):
        p.extract_text(); r.page_labels[i]
print("%.3f" % (time.time() - t))
PY
)
echo "tool=pypdf procs=1 seconds=$py"
printf 'ratio pypdf_over_ours procs=1 %.1f\n' "$(echo "$py / $ours1" | bc -l)"
