# Sourced by scripts/env.sh: a throwaway PostgreSQL for tests and benchmarks.
# Debian's `postgresql` package (binaries in /usr/lib/postgresql/<v>/bin), a
# cluster made by initdb in a temp directory, on a free loopback port; no
# installed service is used. As root, the server runs as user `postgres`
# (initdb refuses root).
#
#   pg_start   starts it; exports PG_URL (postgres://postgres@127.0.0.1:<port>/postgres)
#              and SYNC_SERVER_TEST_POSTGRES (the server tests then run on it too)
#   pg_stop    stops it and removes the directory

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || { echo "PostgreSQL not installed: run scripts/setup.sh" >&2; return 1; }
  echo "$d"
}

pg_start() {
  local bin port as=()
  bin=$(pg_bin) || return 1
  port=$(pick_port 55432)
  PG_DIR=$(mktemp -d /tmp/offline-sync-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  # Tests open a pool per server they start: room for many connections. The
  # durability settings are PostgreSQL's defaults (fsync, synchronous_commit).
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start \
    -o "-h 127.0.0.1 -p $port -k $PG_DIR -c max_connections=400 -c shared_buffers=64MB" >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  PG_BIN="$bin"
  export PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export SYNC_SERVER_TEST_POSTGRES="$PG_URL"
  echo "PostgreSQL ($("$bin/postgres" --version | awk '{print $3}')) on $PG_URL"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  unset PG_DIR PG_URL SYNC_SERVER_TEST_POSTGRES
}
