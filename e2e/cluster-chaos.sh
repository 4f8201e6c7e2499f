#!/usr/bin/env bash
# The seeded browser chaos run (tests/chaos.rs, unchanged) against a cluster:
# two sync-server processes on one PostgreSQL behind haproxy on loopback; one
# process is killed with SIGKILL during the run and restarted. haproxy sends
# requests round robin, retries one whose connection failed or got no answer
# on the other process (pushes are idempotent: a resent mutation id is
# answered from the log), and sends /__admin/* to e2e/cluster-admin.mjs,
# which arms faults on one process and sums both processes' statistics.
# Prints the chaos summary line (lost=0 duplicated=0).
#
#   e2e/cluster-chaos.sh        (needs the debug sync-server: cargo build -p sync-server)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
pg_start
DIR=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${A_PID:-}" ] && kill -9 "$A_PID" 2>/dev/null || true
  [ -n "${KILLER:-}" ] && kill "$KILLER" 2>/dev/null || true
  pg_stop
  rm -rf "$DIR"
}
trap cleanup EXIT
KEEP_LOG=${CLUSTER_LOG:-/tmp/cluster-chaos.log}
DB="$PG_URL"
A=$(pick_port 18811); start_server "127.0.0.1:$A" --database "$DB" --dev-tokens --enable-admin; A_PID=$SERVER_PID
B=$(pick_port 18812); start_server "127.0.0.1:$B" --database "$DB" --dev-tokens --enable-admin; PIDS+=("$SERVER_PID")
ADMIN=$(pick_port 18813)
node e2e/cluster-admin.mjs "$ADMIN" "http://127.0.0.1:$A" "http://127.0.0.1:$B" >"$DIR/admin.log" 2>&1 &
PIDS+=($!)
FRONT=$(pick_port 18810)
cat >"$DIR/haproxy.cfg" <<CFG
global
  maxconn 512
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch
  option http-buffer-request
  retry-on conn-failure empty-response response-timeout
frontend sync
  bind 127.0.0.1:$FRONT
  acl admin path_beg /__admin/
  use_backend admin if admin
  default_backend procs
backend procs
  balance roundrobin
  option httpchk GET /health
  default-server inter 100ms fall 1 rise 2
  server a 127.0.0.1:$A check
  server b 127.0.0.1:$B check
backend admin
  server admin 127.0.0.1:$ADMIN
CFG
haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$FRONT/health" >/dev/null && break; sleep 0.1; done
export SYNC_SERVER_URL="http://127.0.0.1:$FRONT" CHROMEDRIVER="$(command -v chromedriver)" \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# The server URL is compiled in: build first, so the kill falls inside the run.
cargo test -q --target wasm32-unknown-unknown --test chaos --no-run
# Kill process a (SIGKILL) partway through the run and restart it later, both
# timed by the run's progress: the admin requests it has made so far (faults
# armed and cleared around syncs, about 40 in a run).
admin_requests() { grep -c "^[A-Z]" "$DIR/admin.log" 2>/dev/null || true; }
wait_admin() { while [ "$(admin_requests)" -lt "$1" ]; do sleep 0.05; done; }
(
  wait_admin "${CLUSTER_KILL_AT:-8}"
  kill -9 "$A_PID" 2>/dev/null || true
  echo "cluster: killed process a (kill -9) after $(admin_requests) admin requests" >&2
  wait_admin "${CLUSTER_RESTART_AT:-20}"
  target/debug/sync-server --addr "127.0.0.1:$A" --database "$DB" --dev-tokens --enable-admin >"$DIR/a2.log" 2>&1 &
  echo "cluster: restarted process a after $(admin_requests) admin requests" >&2
  wait
) &
KILLER=$!
echo "== browser chaos run through haproxy (2 processes on PostgreSQL, one killed and restarted)"
cargo test --target wasm32-unknown-unknown --test chaos -- --nocapture 2>&1 | tee "$KEEP_LOG" \
  | grep -E "^chaos seed=|test result|panicked|cluster:" || true
grep -q "test result: ok" "$KEEP_LOG" || { tail -40 "$KEEP_LOG"; exit 1; }
# Both processes served the run's sync requests (haproxy's log names the server).
served_a=$(grep -c "procs/a .*/sync/" "$DIR/haproxy.log" || true)
served_b=$(grep -c "procs/b .*/sync/" "$DIR/haproxy.log" || true)
echo "cluster: sync requests served by process a: $served_a, by process b: $served_b"
[ "$served_a" -gt 0 ] && [ "$served_b" -gt 0 ] || { echo "one process served nothing" >&2; exit 1; }
