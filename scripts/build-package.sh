#!/usr/bin/env bash
# Builds the publishable npm package `offline-sync`:
#   1. wasm-pack build --release --target web      -> pkg/ (git-ignored)
#   2. the wasm glue (minified) + the hand-written ES modules of js/ -> dist/offline-sync/
#      (failing when the .wasm and its glue outgrow size-budget.json)
#   3. npm pack                                       -> dist/offline-sync-<version>.tgz
#                                                        (and a copy as dist/offline-sync.tgz)
#   4. checks it is ready to publish: the LICENSE files its licence names are in
#      the tarball, `npm publish --dry-run` does not warn (nothing is published).
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
# The names the .wasm and its glue link by get short ones: scripts/short-wasm-names.mjs.
node scripts/short-wasm-names.mjs "$out/wasm"
# The glue ships minified (its JSDoc is in the .d.ts): scripts/minify-glue.mjs.
node scripts/minify-glue.mjs "$out/wasm"
# The size budget (size-budget.json): the shipped .wasm and its glue (wasm-bindgen's
# module and snippets/), each gzip -9 as bench/sizes.mjs measures them. The build
# fails when they grow more than `toleranceBytes` over `gzipBytes`: a change that
# needs more raises the budget in the same commit, saying why.
node --input-type=module - "$out/wasm" size-budget.json <<'EOF' || { say "over the size budget (size-budget.json)"; exit 1; }
import fs from 'node:fs';
import { shipped } from './scripts/glue.mjs';
const [dir, budgetFile] = process.argv.slice(2);
const { wasm: { gzip: wasm }, glue: { gzip: glue } } = shipped(dir);
const { gzipBytes, toleranceBytes } = JSON.parse(fs.readFileSync(budgetFile, 'utf8'));
const size = wasm + glue, limit = gzipBytes + toleranceBytes;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const over = size - gzipBytes;
console.error(`[build-package] size: ${size} bytes gzip (.wasm ${wasm} + glue ${glue}), ${kb(size)}; ` +
  `budget ${gzipBytes} (${kb(gzipBytes)}) + ${toleranceBytes} tolerance: ${over >= 0 ? `${over} over` : `${-over} under`}`);
if (size > limit) {
  console.error(`[build-package] ${size - limit} bytes gzip beyond the budget's tolerance: make it smaller, or raise gzipBytes in ${budgetFile} in this commit, with the reason`);
  process.exit(1);
}
if (-over > toleranceBytes) console.error(`[build-package] well under the budget: lower gzipBytes in ${budgetFile} to ${size} to keep the gain`);
EOF

# The hand-written API: every .js of js/ with its .d.ts.
for f in js/*.js; do
  [ -f "${f%.js}.d.ts" ] || { say "missing ${f%.js}.d.ts"; exit 1; }
  cp "$f" "${f%.js}.d.ts" "$out/"
done
[ -f js/README.md ] && cp js/README.md "$out/README.md"
# The licence is the crate's (Cargo.toml's [workspace.package]); each SPDX id in
# it names a file of the repo's root that ships in the tarball.
license=$(awk -F'"' '/^license = / {print $2; exit}' Cargo.toml)
for id in $(printf '%s' "$license" | tr -s ' ()' '\n' | grep -vxE 'OR|AND|WITH|'); do
  case "$id" in
    MIT) l=LICENSE-MIT ;;
    Apache-2.0) l=LICENSE-APACHE ;;
    *) say "no licence file known for SPDX id $id (license = \"$license\")"; exit 1 ;;
  esac
  [ -f "$l" ] || { say "$l missing: the licence field says $license"; exit 1; }
  cp "$l" "$out/"
done

# ./sw exists once js/sw.js does (the library's service worker).
node - "$out" "$version" "$license" <<'EOF'
const fs = require('fs');
const [out, version, license] = process.argv.slice(2);
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
  license,
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
listing=$(tar tzf "dist/$tgz")
for l in $(ls "$out" | grep '^LICENSE'); do
  grep -qx "package/$l" <<<"$listing" || { say "$l is not in the tarball"; exit 1; }
done

# Ready to publish: `npm publish --dry-run` on the built package must not warn
# (a missing field, a file it cannot find, a field it had to correct). The one
# warning it always gives without an npm login is not about the package.
say "npm publish --dry-run"
dry=$(cd "$out" && npm publish --dry-run --ignore-scripts 2>&1) || { printf '%s\n' "$dry" >&2; say "npm publish --dry-run failed"; exit 1; }
warns=$(printf '%s\n' "$dry" | grep -iE '^npm (warn|err)' | grep -v 'requires you to be logged in' || true)
if [ -n "$warns" ]; then
  printf '%s\n' "$warns" >&2
  say "npm publish --dry-run warns about the package (above)"
  exit 1
fi
say "$(du -b "$out/wasm/offline_sync_bg.wasm" | cut -f1) bytes wasm, $(gzip -9c "$out/wasm/offline_sync_bg.wasm" | wc -c) gzipped; tarball $(du -b "dist/$tgz" | cut -f1) bytes"
echo "dist/$tgz"
