#!/bin/sh
# split_oracle.sh BUILD_DIR - compares the C splitter, Punkt and tokenizer with
# every LlamaIndex oracle file in /work/shared (skips when it is absent), then
# runs the speed benchmark (best of 3 rounds per stage).  Not a unit test.
set -u
B=${1:-build}
O=${ORACLE:-/work/shared/oracle/llamaindex-0.14.19}
T=${CORPUS:-/work/shared/corpus/financebench-seed/text}
[ -d "$O" ] || { echo "no oracle at $O: skipped"; exit 0; }
rc=0
run() {
    out=$("$B/tests/bench/split_check" "$1" "$O/$2" "$T") || rc=1
    printf '%-28s %s\n' "$2" "$(echo "$out" | tail -1)"
}
run punkt punkt-sentences.jsonl
run chunks chunks-1024-20.jsonl
run chunks chunks-256-64.jsonl
run tokens cl100k-token-counts.jsonl
"$B/tests/bench/split_bench" "$T" 1024 20 3
exit $rc
