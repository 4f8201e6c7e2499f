#!/usr/bin/env bash
# Installs what building and testing offline-sync needs, and only what is missing:
# the wasm32 target, wasm-pack and the wasm-bindgen-cli matching Cargo.lock (both
# from crates.io), Debian's chromium, chromium-driver, firefox-esr, webkit2gtk-driver
# and xvfb, geckodriver (crates.io), and the npm dev tools (binaryen's wasm-opt,
# playwright-core, terser for the glue).
# Nothing is downloaded from anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || apt_missing+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || apt_missing+=(firefox-esr) # Firefox suites (no Background Sync)
# WebKit suites (Safari's engine): WebKitGTK's WebKitWebDriver (it brings MiniBrowser
# with libwebkit2gtk) and the X server MiniBrowser runs in.
command -v WebKitWebDriver >/dev/null 2>&1 || apt_missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || apt_missing+=(xvfb)
# --- server: PostgreSQL and haproxy (scripts/postgres.sh, the multi-process e2e) ---
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_missing+=(postgresql)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || apt_missing+=(haproxy)
# --- end server ---
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing ${apt_missing[*]} (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

cargo_install() { # name version-or-empty
  local v=()
  [ -n "${2:-}" ] && v=(--version "$2")
  cargo install --locked "$1" "${v[@]}" || cargo install "$1" "${v[@]}"
}

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack (cargo install)"
  cargo_install wasm-pack
fi

# wasm-pack uses a wasm-bindgen on PATH when its version equals the crate's, instead
# of downloading one; so it must be exactly the version in Cargo.lock.
[ -f Cargo.lock ] || cargo generate-lockfile
wbv=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbv\$"; then
  say "installing wasm-bindgen-cli $wbv (cargo install)"
  cargo_install wasm-bindgen-cli "$wbv"
fi

# wasm-pack test --firefox drives Firefox through geckodriver; from crates.io, not
# the prebuilt download wasm-pack would otherwise attempt.
if ! command -v geckodriver >/dev/null 2>&1; then
  say "installing geckodriver (cargo install)"
  cargo_install geckodriver
fi

# Each tool tools/package.json lists, so a checkout that gained one since its
# last install gets it (the type test needs typescript and React's types).
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -d tools/node_modules/playwright-core ] || [ ! -d tools/node_modules/terser ] \
  || [ ! -x tools/node_modules/.bin/tsc ] || [ ! -d tools/node_modules/@types/react ]; then
  say "installing npm dev tools (binaryen, playwright-core, terser, typescript, @types/react)"
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi
say "ready"
