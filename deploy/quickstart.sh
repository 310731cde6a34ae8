#!/usr/bin/env bash
# deploy/quickstart.sh [DIR] - the main job on a fresh Debian 12 machine:
# install what is missing, build, start a private redis-server and two
# workers, ingest DIR (default: the bundled sample), show progress, print a
# summary, write out/nodes.jsonl, and stop everything it started (also on
# Ctrl-C).  No API key or network needed: the default pipeline is
# SentenceSplitter(1024, 20) + the local HashEmbedding.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DIR="${1:-$ROOT/tests/data/sample}"
[ -e "$DIR" ] || { echo "quickstart: $DIR does not exist" >&2; exit 2; }

install_deps
build build
BIN="$ROOT/build"

TMP="$(mktemp -d -t ingest-quickstart.XXXXXX)"
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo; echo "quickstart: interrupted" >&2; exit 130' INT TERM

SOCK="$TMP/redis.sock"
redis-server --port 0 --unixsocket "$SOCK" --dir "$TMP" --save '' --appendonly no \
  --logfile "$TMP/redis.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
export INGEST_REDIS_URL="unix://$SOCK"

for i in 1 2; do
  "$BIN/worker/ingest-worker" --id "quickstart-$i" 2>"$TMP/worker-$i.log" &
  PIDS+=($!)
done

mkdir -p "$ROOT/out"
echo "ingesting $DIR" >&2
set +e
"$BIN/coordinator/ingest-coordinator" submit --recursive --wait --output "$ROOT/out/nodes.jsonl" "$DIR"
rc=$?
set -e
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
  echo "quickstart: submit failed (exit $rc); worker logs:" >&2
  cat "$TMP"/worker-*.log >&2
fi
exit $rc
