// Minifies the wasm-bindgen glue in place: DIR/offline_sync.js and every .js under
// DIR/snippets/ (the JS the .wasm imports). They ship as generated otherwise:
// 55 KB of readable JS with a JSDoc block per method (the types are in the .d.ts),
// 10.7 KB gzip for the module alone, 6.5 KB minified (docs/performance.md, "Size:
// where the bytes are"). An app's bundler would minify them again; this is for
// the package as published and for pages that load it without a bundler.
//
// Export names, class and function names are kept (`keep_classnames`,
// `keep_fnames`: an app may read `constructor.name`, errors name their class),
// except the closure trampolines' (`wasm_bindgen__convert__closures_____invoke__h`
// and a 16-digit hash: internal, called only from the glue), so are property names (the import object's keys are what the .wasm links against)
// and the `new URL('offline_sync_bg.wasm', import.meta.url)` that bundlers
// resolve as an asset. Usage: node scripts/minify-glue.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { minify } = require('../tools/node_modules/terser');

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/minify-glue.mjs DIR');
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

for (const file of files) {
  const src = fs.readFileSync(file, 'utf8');
  const out = await minify(src, {
    module: true,
    compress: true,
    mangle: true,
    keep_classnames: true,
    keep_fnames: /^(?!wasm_bindgen__convert__closures)/,
    // Deno and TypeScript read this directive to find the module's types.
    format: { comments: /@ts-self-types/ },
  });
  if (!out.code.includes('import.meta.url') && src.includes('import.meta.url')) {
    throw new Error(`${file}: minified glue lost import.meta.url (the .wasm's URL)`);
  }
  fs.writeFileSync(file, out.code + '\n');
}
