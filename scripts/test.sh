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
