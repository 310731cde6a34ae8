#!/usr/bin/env bash
# bench_pdf.sh - PDF reader throughput against pdftotext on the same files.
#
#   tests/bench/bench_pdf.sh [BUILD_DIR] [PDF_DIR]
#
# Runs bench_reader (reader_load, poppler in an isolated child per file, as
# the workers do) with 1 and 2 processes, then pdftotext -enc UTF-8 on the
# same files with 1 and 2 parallel processes, and prints one key=value line
# per run plus the time ratio reader/pdftotext.  Defaults: build/ and the
# FinanceBench seed corpus in /work/shared (not needed by any test).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
dir="${2:-/work/shared/corpus/financebench-seed/pdf}"
bench="$build/tests/bench/bench_reader"
[ -x "$bench" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
mapfile -t files < <(ls "$dir"/*.pdf)
[ "${#files[@]}" -gt 0 ] || { echo "no PDFs in $dir" >&2; exit 2; }
bytes=$(cat "${files[@]}" | wc -c)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# pdftotext over all files with $1 parallel processes; prints seconds and
# the peak RSS of the largest pdftotext (GNU time, KB)
pdftotext_run() {
    local t0 t1
    t0=$(now)
    printf '%s\n' "${files[@]}" | xargs -d '\n' -P "$1" -n 1 /usr/bin/time -a -o "$tmp/time.$1" \
        -f '%M' sh -c 'pdftotext -enc UTF-8 "$0" - > /dev/null 2>&1'
    t1=$(now)
    local rss chars
    rss=$(sort -n "$tmp/time.$1" | tail -1)
    chars=$(for f in "${files[@]}"; do pdftotext -enc UTF-8 "$f" - 2>/dev/null; done | wc -m)
    echo "tool=pdftotext procs=$1 files=${#files[@]} chars=$chars seconds=$(printf "%.3f" "$(echo "$t1 - $t0" | bc -l)") peak_rss_kb=$rss"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, ${#files[@]} PDFs, $bytes bytes, poppler $(pkg-config --modversion poppler-glib)"
declare -A rsec psec
for p in 1 2; do
    line=$("$bench" -j "$p" "${files[@]}")
    echo "tool=reader $line"
    rsec[$p]=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")
done
for p in 1 2; do
    line=$(pdftotext_run "$p")
    # chars are counted in a separate pass, outside the timed run
    echo "$line mb_per_s=$(echo "$bytes / 1000000 / $(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")" | bc -l | xargs printf '%.2f')"
    psec[$p]=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")
done
for p in 1 2; do
    printf 'ratio procs=%d reader_over_pdftotext=%.3f\n' "$p" "$(echo "${rsec[$p]} / ${psec[$p]}" | bc -l)"
done
