#!/usr/bin/env bash
# deploy/test.sh - install what is missing, build, and run every test twice:
# a normal build and an AddressSanitizer+UndefinedBehaviorSanitizer build;
# then the unit and integration suites (the threaded worker) a third time
# under ThreadSanitizer (build-tsan; the single-threaded 'slow' tokenizer
# oracle is left out).  Every TSan report, from any process, is written to
# build-tsan/tsan-reports/ and counts as a failure (tests/tsan.supp: one
# false positive inside glibc).
# Tests start and stop their own redis-server (and fake API server).
# Ends with one line "N passed, N failed" (meson tests, all builds).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

install_deps
install_test_pg
build build
build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
build build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

TSAN_REPORTS="$ROOT/build-tsan/tsan-reports"
rm -rf "$TSAN_REPORTS"; mkdir -p "$TSAN_REPORTS"

passed=0; failed=0
for dir in build build-asan build-tsan; do
  echo "== meson test ($dir)"
  set +e
  if [ "$dir" = build-tsan ]; then
    TSAN_OPTIONS="log_path=$TSAN_REPORTS/report second_deadlock_stack=1 suppressions=$ROOT/tests/tsan.supp" \
      meson test -C "$ROOT/$dir" --print-errorlogs --num-processes 2 \
      --suite unit --suite integration --no-suite slow
  else
    meson test -C "$ROOT/$dir" --print-errorlogs --num-processes 2
  fi
  set -e
  log="$ROOT/$dir/meson-logs/testlog.json"
  p=$(grep -c '"result": "OK"' "$log" || true)
  f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  passed=$((passed + p)); failed=$((failed + f))
done
reports=$(ls "$TSAN_REPORTS" | wc -l)
if [ "$reports" -gt 0 ]; then
  echo "ThreadSanitizer: $reports report(s):"; cat "$TSAN_REPORTS"/* | head -200
  failed=$((failed + reports))
fi
# the checks inside the tests (each prints its own "N passed, N failed")
checks=$(cat "$ROOT"/build*/meson-logs/testlog.json | grep -o '[0-9]* passed, [0-9]* failed' |
         awk '{p += $1; f += $3} END {printf "%d checks passed, %d failed", p, f}')
echo "($checks inside the tests)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
