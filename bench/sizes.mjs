// What each implementation ships: bytes raw and gzip -9.

import fs from 'node:fs';
import path from 'node:path';
import { HERE, ROOT } from './options.mjs';
import { gzipBytes, shipped } from '../scripts/glue.mjs';

export function sizes(pkg) {
  const entry = (file) => {
    const buf = fs.readFileSync(file);
    return { file: path.relative(ROOT, file), raw: buf.length, gzip: gzipBytes(buf) };
  };
  // The .wasm and the glue (wasm-bindgen's module and the JS snippets it imports),
  // measured as scripts/build-package.sh checks them against the size budget.
  const named = ({ files, raw, gzip }) => ({ file: files.map((f) => path.relative(ROOT, f)).join(' '), raw, gzip });
  const { wasm, glue } = Object.fromEntries(Object.entries(shipped(pkg)).map(([k, v]) => [k, named(v)]));
  const dexieDir = path.join(HERE, 'node_modules', 'dexie', 'dist');
  // The package's own JS for `offline-sync/core` (js/core.js and what it imports
  // from js/), which an app ships on top of the glue.
  const jsDir = path.join(ROOT, 'js');
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f) || !fs.existsSync(f)) return;
    seen.add(f);
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.\/[^'"]+)['"]/g)) {
      walk(path.join(path.dirname(f), m[1]));
    }
  };
  walk(path.join(jsDir, 'core.js'));
  const files = [...seen];
  const pkgJs = files.length
    ? (() => {
        const buf = Buffer.concat(files.map((f) => fs.readFileSync(f)));
        return { file: files.map((f) => path.relative(ROOT, f)).join(' '), raw: buf.length, gzip: gzipBytes(buf) };
      })()
    : null;
  return {
    wasm,
    glue,
    module: { raw: wasm.raw + glue.raw, gzip: wasm.gzip + glue.gzip },
    packageJs: pkgJs,
    dexie: entry(path.join(dexieDir, 'modern', 'dexie.min.mjs')),
    dexieUmd: entry(path.join(dexieDir, 'dexie.min.js')),
  };
}
