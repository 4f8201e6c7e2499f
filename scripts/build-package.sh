#!/usr/bin/env bash
# Builds the publishable npm package `offline-sync`:
#   1. wasm-pack build --release --target web      -> pkg/ (git-ignored)
#   2. the wasm glue + the hand-written ES modules of js/ -> dist/offline-sync/
#   3. npm pack                                       -> dist/offline-sync-<version>.tgz
#                                                        (and a copy as dist/offline-sync.tgz)
#
# Usage: scripts/build-package.sh [--skip-wasm]
#   --skip-wasm  reuse pkg/ from an earlier run (JS-only changes).
# Prints the tarball's path on its last line. Needs what scripts/setup.sh installs.
#
# The package needs no bundler plugin: `--target web` makes the glue load the wasm
# lazily with `new URL('offline_sync_bg.wasm', import.meta.url)` from `init()`,
# which Vite, webpack 5, Rollup and esbuild-based tools resolve as an asset; there
# is no top-level await, and importing it touches no browser API (SSR-safe).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

skip_wasm=false
[ "${1:-}" = "--skip-wasm" ] && skip_wasm=true
say() { printf '[build-package] %s\n' "$*" >&2; }

if ! $skip_wasm || [ ! -f pkg/offline_sync_bg.wasm ]; then
  # binaryen's wasm-opt must come first on PATH (env.sh); never Debian's.
  case "$(command -v wasm-opt || true)" in
    "$ROOT"/tools/node_modules/.bin/*) ;;
    *) say "wasm-opt is not binaryen's from tools/ (run scripts/setup.sh)"; exit 1 ;;
  esac
  say "wasm-pack build --release --target web"
  wasm-pack build --release --target web --out-dir pkg --out-name offline_sync >&2
fi

version=$(awk -F'"' '/^version = / {print $2; exit}' Cargo.toml)
out=dist/offline-sync
rm -rf "$out" dist/offline-sync-*.tgz dist/offline-sync.tgz
mkdir -p "$out/wasm"

# The wasm-bindgen glue, as generated (plus snippets/ of inline JS, if any).
cp pkg/offline_sync.js pkg/offline_sync.d.ts pkg/offline_sync_bg.wasm "$out/wasm/"
[ -d pkg/snippets ] && cp -r pkg/snippets "$out/wasm/"
# `[Symbol.dispose]` needs TypeScript's esnext lib; drop it from the types so apps
# type-check with skipLibCheck off and an ES2022 lib (it still exists at run time).
sed -i '/^ *\[Symbol\.dispose\](): void;$/d' "$out/wasm/offline_sync.d.ts"
# The hand-written API: every .js of js/ with its .d.ts.
for f in js/*.js; do
  [ -f "${f%.js}.d.ts" ] || { say "missing ${f%.js}.d.ts"; exit 1; }
  cp "$f" "${f%.js}.d.ts" "$out/"
done
[ -f js/README.md ] && cp js/README.md "$out/README.md"
for l in LICENSE*; do [ -f "$l" ] && cp "$l" "$out/"; done

# ./sw exists once js/sw.js does (the library's service worker).
node - "$out" "$version" <<'EOF'
const fs = require('fs');
const [out, version] = process.argv.slice(2);
const has = (f) => fs.existsSync(`${out}/${f}`);
const entry = (name) => ({ types: `./${name}.d.ts`, default: `./${name}.js` });
const exports = { '.': entry('index'), './core': entry('core') };
if (has('react.js')) exports['./react'] = entry('react');
if (has('sw.js')) exports['./sw'] = entry('sw');
if (has('sw-standalone.js')) exports['./sw-standalone.js'] = './sw-standalone.js'; // a worker script to register, not to import
exports['./wasm/offline_sync_bg.wasm'] = './wasm/offline_sync_bg.wasm';
exports['./package.json'] = './package.json';
const pkg = {
  name: 'offline-sync',
  version,
  description: 'Offline-first sync for web apps: IndexedDB store, durable mutation queue and background sync, in Rust/WebAssembly. Drop-in useOfflineSync for React.',
  license: 'MIT OR Apache-2.0',
  type: 'module',
  main: './index.js',
  module: './index.js',
  types: './index.d.ts',
  exports,
  sideEffects: false,
  files: fs.readdirSync(out).filter((f) => f !== 'package.json'),
  peerDependencies: { react: '^18 || ^19' },
  peerDependenciesMeta: { react: { optional: true } },
  keywords: ['offline', 'sync', 'indexeddb', 'wasm', 'react', 'offline-first'],
};
fs.writeFileSync(`${out}/package.json`, JSON.stringify(pkg, null, 2) + '\n');
EOF

# Importing must not touch window/document/indexedDB (SSR): check ./core in plain
# Node (the React entry is checked by e2e/, where react is installed).
node --input-type=module -e "
  const c = await import('./$out/core.js');
  for (const k of ['ready', 'initOfflineSync', 'getSyncEngine', 'OfflineSync']) {
    if (typeof c[k] !== 'function') throw new Error('core.js does not export ' + k);
  }
" || { say "./core does not import in Node (SSR)"; exit 1; }

tgz=$(cd dist && npm pack ./offline-sync --silent --pack-destination . | tail -1)
cp "dist/$tgz" dist/offline-sync.tgz # the same, under a name without the version
say "$(du -b "$out/wasm/offline_sync_bg.wasm" | cut -f1) bytes wasm, $(gzip -9c "$out/wasm/offline_sync_bg.wasm" | wc -c) gzipped; tarball $(du -b "dist/$tgz" | cut -f1) bytes"
echo "dist/$tgz"
