# Sourced by the other scripts: tool paths and the browser flags this machine needs.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# binaryen's wasm-opt first: Debian's (binaryen 108) produced modules Chromium rejects.
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROME_BIN=/usr/bin/chromium
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"

# Starts the reference server in the background on $1 (host:port) with the given
# extra flags; waits until it listens. Sets SERVER_PID.
start_server() {
  local addr="$1"; shift
  local log; log=$(mktemp)
  "$ROOT/target/debug/sync-server" --addr "$addr" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if grep -q "listening on" "$log"; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$log"; echo "sync-server exited" >&2; return 1; fi
    sleep 0.1
  done
  cat "$log"; echo "sync-server did not start on $addr" >&2; return 1
}

# Prints $1 if nothing listens on it, else a free port. The browser suites get the
# server's URL at compile time, so a stable port spares a rebuild; a busy one (a
# server left running, another checkout's tests) must not fail the run.
pick_port() {
  python3 - "$1" <<'PY'
import socket, sys
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
want = int(sys.argv[1])
if free(want):
    print(want)
else:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Starts Xvfb on the first free display (Xvfb picks it: -displayfd) for WebKitGTK's
# MiniBrowser, which needs an X server; exports DISPLAY and sets XVFB_PID.
start_xvfb() {
  local fd_file log
  fd_file=$(mktemp); log=$(mktemp)
  Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$fd_file" >"$log" 2>&1 &
  XVFB_PID=$!
  for _ in $(seq 1 100); do
    if [ -s "$fd_file" ]; then
      export DISPLAY=":$(head -1 "$fd_file")"
      rm -f "$fd_file" "$log"
      return 0
    fi
    if ! kill -0 "$XVFB_PID" 2>/dev/null; then cat "$log"; echo "Xvfb exited" >&2; return 1; fi
    sleep 0.1
  done
  cat "$log"; echo "Xvfb did not start" >&2; return 1
}

# PostgreSQL for the server's tests and benchmark: pg_start / pg_stop.
source "$ROOT/scripts/postgres.sh"
