#!/bin/sh
# tok_bench.sh - cl100k tokenizer throughput, ours vs the JavaScript ones,
# in one run on the same files: tok_bench (C, tok_count and tok_encode),
# js-tiktoken and npm tiktoken (Rust core in WebAssembly), the latter two
# npm-installed into a temporary directory (needs node, npm and registry
# access).
#
# usage: tests/bench/tok_bench.sh [BUILD_DIR [TEXT_DIR]]
#   defaults: build, /work/shared/corpus/financebench-seed/text
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
dir=${2:-/work/shared/corpus/financebench-seed/text}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null &&
    npm install --no-audit --no-fund --silent tiktoken@1.0.22 js-tiktoken@1.0.21 >/dev/null)
"$build/tests/bench/tok_bench" "$dir" 5
node "$here/tok_bench_js.cjs" "$tmp/node_modules" "$dir" 3
