#!/usr/bin/env bash
# Runs every test of offline-sync on a fresh machine: installs what is missing,
# lint, native unit and server tests, then the browser suites in real Chromium
# against the real reference server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

echo "== format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p offline-sync --target wasm32-unknown-unknown --all-targets -- -D warnings

echo "== native tests (core, server)"
cargo test --workspace

echo "== browser tests (Chromium, IndexedDB, reference server)"
cargo build -p sync-server
PORT="${TEST_SERVER_PORT:-18787}"
start_server "127.0.0.1:$PORT" --memory --dev-tokens --enable-admin
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
SYNC_SERVER_URL="http://127.0.0.1:$PORT" wasm-pack test --headless --chrome

# ==== e2e: npm package, demo and browser end-to-end (js/, www/, e2e/) ====
# Builds the package (dist/), installs and builds the demo from it (www/dist), then
# runs e2e/*.test.mjs with node's test runner: each file starts its own reference
# server (target/debug/sync-server, on a free port) and static server, and drives
# the system Chromium through playwright-core (tools/node_modules).
echo "== npm package (wasm-pack --target web + js/, npm pack)"
scripts/build-package.sh
echo "== demo (www: npm ci from the package, tsc, vite build)"
(cd www && npm ci --no-audit --no-fund --loglevel=error && npm run build)
echo "== end-to-end tests (demo offline/online, fresh Vite app from the tarball)"
node --test --test-concurrency=1 e2e/package.test.mjs e2e/demo.test.mjs
# ==== end e2e ====

# ==== bench smoke: the benchmark at a tiny size (scripts/bench.sh, docs/performance.md) ====
# Runs every workload for offline-sync, plain IndexedDB and Dexie 4 once, at a tiny
# size, so the harness cannot rot. Asserts no timing: only that every workload ran
# for every implementation and produced numbers. The full run is `scripts/bench.sh`.
echo "== benchmark smoke (scripts/bench.sh --smoke; no timing asserted)"
scripts/bench.sh --smoke
# ==== end bench smoke ====
