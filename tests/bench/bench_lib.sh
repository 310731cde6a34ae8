# bench_lib.sh - sourced by the bench scripts: checks the binaries, the mock
# and the corpus, makes a temp dir, starts a private redis-server (unix
# socket) and the shared mock OpenAI server with $MOCK_FLAGS (word-split)
# as its flags, and stops both on exit.  Sets DIR, SOCK, URL, PORT, BASE,
# COORD, WORKER.  Needs BUILD, CORPUS and MOCK set.
COORD="$BUILD/coordinator/ingest-coordinator"
WORKER="$BUILD/worker/ingest-worker"
for f in "$COORD" "$WORKER" "$MOCK"; do
    [ -e "$f" ] || { echo "missing $f" >&2; exit 2; }
done
[ -d "$CORPUS" ] || { echo "missing corpus $CORPUS" >&2; exit 2; }

DIR=$(mktemp -d /tmp/ingest-bench-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT

SOCK="$DIR/redis.sock"
redis-server --port 0 --unixsocket "$SOCK" --dir "$DIR" --save "" --appendonly no \
    --logfile "$DIR/redis.log" &
PIDS+=($!)
# shellcheck disable=SC2086
node "$MOCK" --port 0 --port-file "$DIR/mock.port" ${MOCK_FLAGS:-} >"$DIR/mock.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do
    [ -S "$SOCK" ] && [ -s "$DIR/mock.port" ] && break
    sleep 0.05
done
PORT=$(cat "$DIR/mock.port")
URL="unix://$SOCK"
BASE="http://127.0.0.1:$PORT/v1"
