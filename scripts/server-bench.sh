#!/usr/bin/env bash
# The server benchmark (docs/performance.md, "The sync server"): starts a
# throwaway PostgreSQL (scripts/postgres.sh), builds sync-server and the
# benchmark, and runs SQLite, PostgreSQL with 1 process and with 2.
#
#   scripts/server-bench.sh           full run, release build; writes bench/results/server.json
#   scripts/server-bench.sh --smoke   tiny sizes, debug build (CI); writes
#                                     target/server-bench-smoke.json; asserts no timing
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ "${1:-}" = --smoke ]; then
  profile=debug; flags=(); args=(--smoke --out target/server-bench-smoke.json)
else
  profile=release; flags=(--release); args=(--out bench/results/server.json)
fi
cargo build -q -p sync-server "${flags[@]}" --bin sync-server --example server_bench
pg_start >&2
trap pg_stop EXIT
"target/$profile/examples/server_bench" --postgres "$PG_URL" "${args[@]}"
