#!/usr/bin/env bash
# Runs the demo on this machine: installs what is missing (scripts/setup.sh),
# builds the npm package (scripts/build-package.sh) and the demo app from it
# (www/), starts the reference server with a file database, demo data for user
# "demo" and dev tokens, serves the built demo, and prints its URL. Ctrl-C stops all.
#
# Usage: scripts/dev.sh
#   API_PORT (8787), DEMO_PORT (4173): ports on 127.0.0.1
#   DB (target/demo-server.sqlite): the server's database; delete it to start over
set -euo pipefail
cd "$(dirname "$0")/.."
API_PORT="${API_PORT:-8787}"
DEMO_PORT="${DEMO_PORT:-4173}"
DB="${DB:-target/demo-server.sqlite}"

scripts/setup.sh
source scripts/env.sh
scripts/build-package.sh
(cd www && npm ci --no-audit --no-fund --loglevel=error && npm run build)
cargo build -p sync-server

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$(dirname "$DB")"
start_server "127.0.0.1:$API_PORT" --db "$DB" --seed-demo --dev-tokens
pids+=("$SERVER_PID")
node www/serve.mjs --port "$DEMO_PORT" --api "http://127.0.0.1:$API_PORT" &
pids+=("$!")
sleep 0.5
kill -0 "$!" 2>/dev/null || { echo "the demo server did not start (port $DEMO_PORT busy?)" >&2; exit 1; }

cat <<MSG

  offline-sync demo:  http://127.0.0.1:$DEMO_PORT/
  sync server:        http://127.0.0.1:$API_PORT  (database $DB, user "demo")

  Try: DevTools > Network > Offline, edit a title, reload, go back online.
  Ctrl-C stops both servers.

MSG
wait
