// What each implementation ships: bytes raw and gzip -9.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { HERE, ROOT } from './options.mjs';

export function sizes(pkg) {
  const entry = (file) => {
    const buf = fs.readFileSync(file);
    return { file: path.relative(ROOT, file), raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
  };
  const wasm = entry(path.join(pkg, 'offline_sync_bg.wasm'));
  // The glue: wasm-bindgen's module and the JS snippets it imports (snippets/).
  const snippets = [];
  const collect = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) collect(p);
      else if (f.endsWith('.js')) snippets.push(p);
    }
  };
  collect(path.join(pkg, 'snippets'));
  const glueFiles = [path.join(pkg, 'offline_sync.js'), ...snippets];
  const glueBuf = Buffer.concat(glueFiles.map((f) => fs.readFileSync(f)));
  const glue = {
    file: glueFiles.map((f) => path.relative(ROOT, f)).join(' '),
    raw: glueBuf.length,
    gzip: zlib.gzipSync(glueBuf, { level: 9 }).length,
  };
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
        return { file: files.map((f) => path.relative(ROOT, f)).join(' '), raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
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
