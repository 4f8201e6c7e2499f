// What ships beside the .wasm, one list for the scripts that build, measure or
// rewrite it: wasm-bindgen's module DIR/offline_sync.js and every .js under
// DIR/snippets/ (the JS the .wasm imports), in a stable order; and its size as
// every figure of it is taken (gzip -9 of the files together).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export function glueFiles(dir) {
  const files = [path.join(dir, 'offline_sync.js')];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const f of fs.readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.js')) files.push(p);
    }
  };
  walk(path.join(dir, 'snippets'));
  return files;
}

export const gzipBytes = (buf) => zlib.gzipSync(buf, { level: 9 }).length;

// The .wasm and its glue of a built package: `{ files, raw, gzip }` each.
export function shipped(dir) {
  const measure = (files) => {
    const buf = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    return { files, raw: buf.length, gzip: gzipBytes(buf) };
  };
  return { wasm: measure([path.join(dir, 'offline_sync_bg.wasm')]), glue: measure(glueFiles(dir)) };
}
