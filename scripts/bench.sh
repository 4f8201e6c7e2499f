#!/usr/bin/env bash
# The benchmark (docs/performance.md): builds the release artefacts, starts the
# reference server on loopback, seeds it, and runs every workload in headless
# system Chromium for offline-sync, plain IndexedDB and Dexie 4, alternating.
# Prints a table and writes bench/results/latest.json.
#
#   scripts/bench.sh            full run (about 10 minutes on 2 cores)
#   scripts/bench.sh --smoke    tiny sizes, 1 round: checks that every workload runs
#                               and produces numbers; asserts no timing (CI)
#   extra arguments go to bench/run.mjs: --rounds N --sizes 10000,50000 --push N
#   --queue N --page-size N --out FILE
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
source scripts/env.sh

smoke=0
for a in "$@"; do [ "$a" = --smoke ] && smoke=1; done

say() { printf '[bench] %s\n' "$*" >&2; }

# The shipped artefact, built as a user builds it: release profile, wasm-opt from
# tools/node_modules (first on PATH via env.sh).
PKG=target/bench-pkg
say "building the module (wasm-pack --release --target web -> $PKG)"
wasm-pack --quiet build --release --target web --out-dir "$PKG" --no-pack >/dev/null
# Its names shortened and its glue minified, as scripts/build-package.sh ships it (so the size row is the package's).
node scripts/short-wasm-names.mjs "$PKG"
node scripts/minify-glue.mjs "$PKG"

# The smoke run reuses the debug server scripts/test.sh builds anyway; timings of a
# full run come from the release server.
if [ "$smoke" = 1 ]; then profile=debug; else profile=release; fi
say "building sync-server ($profile)"
if [ "$profile" = release ]; then cargo build -q -p sync-server --release; else cargo build -q -p sync-server; fi

if [ ! -d bench/node_modules/dexie ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  say "installing bench dependencies (npm ci)"
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi

# A free port: the default one, or the next free one (another run may hold it).
PORT="${BENCH_SERVER_PORT:-18797}"
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
log=$(mktemp)
"target/$profile/sync-server" --addr "127.0.0.1:$PORT" --memory --dev-tokens >"$log" 2>&1 &
BENCH_SERVER_PID=$!
trap 'kill $BENCH_SERVER_PID 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$log" && break
  if ! kill -0 "$BENCH_SERVER_PID" 2>/dev/null; then cat "$log" >&2; say "sync-server exited"; exit 1; fi
  sleep 0.1
done
grep -q "listening on" "$log" || { cat "$log" >&2; say "sync-server did not start on 127.0.0.1:$PORT"; exit 1; }

# The throttled pull's baseline: a second server that answers uncompressed.
PLAIN_PORT=$((PORT + 1))
while (exec 3<>"/dev/tcp/127.0.0.1/$PLAIN_PORT") 2>/dev/null; do PLAIN_PORT=$((PLAIN_PORT + 1)); done
plain_log=$(mktemp)
"target/$profile/sync-server" --addr "127.0.0.1:$PLAIN_PORT" --memory --dev-tokens --no-compression >"$plain_log" 2>&1 &
BENCH_PLAIN_PID=$!
trap 'kill $BENCH_SERVER_PID $BENCH_PLAIN_PID 2>/dev/null || true; rm -f "$log" "$plain_log"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$plain_log" && break
  sleep 0.1
done
grep -q "listening on" "$plain_log" || { cat "$plain_log" >&2; say "sync-server --no-compression did not start"; exit 1; }

node bench/run.mjs --api "http://127.0.0.1:$PORT" --api-plain "http://127.0.0.1:$PLAIN_PORT" --pkg "$PKG" "$@"
