# deploy/common.sh - sourced by quickstart.sh and test.sh: install the Debian
# packages the project needs (only the missing ones; idempotent) and build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Build and runtime dependencies (README "Dependencies" says why each is here).
PACKAGES=(
  gcc pkg-config meson ninja-build
  libhiredis-dev libev-dev libmsgpack-dev libjansson-dev libcurl4-openssl-dev
  libutf8proc-dev libpoppler-glib-dev libqpdf-dev libxml2-dev libzip-dev libssl-dev
  poppler-utils redis-server redis-tools redis-sentinel stunnel4 python3
  prometheus yamllint python3-yaml iproute2
  libpq-dev postgresql-client postgresql
)

# Test-only: PostgreSQL + pgvector (PGlite, npm packages pinned in
# tests/pg/package-lock.json) for the PGVectorStore sink tests.
install_test_pg() {
  if ! command -v npm >/dev/null; then install_deps nodejs npm; fi
  if [ ! -d "$ROOT/tests/pg/node_modules/@electric-sql/pglite-socket" ]; then
    (cd "$ROOT/tests/pg" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# build DIR [meson options...]
build() {
  local dir="$1"; shift
  if [ ! -f "$ROOT/$dir/build.ninja" ]; then
    meson setup "$ROOT/$dir" "$ROOT" "$@" >/dev/null
  fi
  ninja -C "$ROOT/$dir" >/dev/null
}
