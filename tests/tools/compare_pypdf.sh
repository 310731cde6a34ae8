#!/usr/bin/env bash
# compare_pypdf.sh - our PDF text against the real pypdf 6.9.2 (developer
# tool, not a test; needs the LlamaIndex peer of /work/shared/peers).
#
#   tests/tools/compare_pypdf.sh [--build DIR] [--cache DIR] [--nodes] PDF_OR_DIR...
#
# Default folder: the FinanceBench seed corpus.  See compare_pypdf.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peer="${LLAMAINDEX_PEER:-/work/shared/peers/llamaindex-py/env.sh}"
[ -f "$peer" ] || { echo "no peer environment at $peer (set LLAMAINDEX_PEER)" >&2; exit 2; }
# shellcheck disable=SC1090
source "$peer"
args=("$@")
has_path=0 skip=0
for x in "${args[@]}"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$x" in --build|--cache) skip=1 ;; --*) ;; *) has_path=1 ;; esac
done
[ "$has_path" = 1 ] || args+=(/work/shared/corpus/financebench-seed/pdf)
exec python3 "$here/compare_pypdf.py" "${args[@]}"
