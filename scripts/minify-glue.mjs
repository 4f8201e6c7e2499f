// Minifies the wasm-bindgen glue in place: DIR/offline_sync.js and every .js under
// DIR/snippets/ (the JS the .wasm imports). They ship as generated otherwise:
// 55 KB of readable JS with a JSDoc block per method (the types are in the .d.ts),
// 10.7 KB gzip for the module alone, 6.5 KB minified (docs/performance.md, "Size:
// where the bytes are"). An app's bundler would minify them again; this is for
// the package as published and for pages that load it without a bundler.
//
// Export names, class names and the names of exported functions are kept
// (`keep_classnames`, `keep_fnames`: an app may read `constructor.name` or
// `initOfflineSync.name`, errors name their class); the glue's internal helpers
// (`getStringFromWasm0`, the closure trampolines named with a 16-digit hash, ...)
// are mangled like its variables: nothing outside the file sees them (a stack
// trace through the glue shows the short names). Property names are kept (the
// import object's keys are what the .wasm links against), and so is the
// `new URL('offline_sync_bg.wasm', import.meta.url)` that bundlers resolve as an
// asset. Usage: node scripts/minify-glue.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { glueFiles } from './glue.mjs';

const require = createRequire(import.meta.url);
const { minify } = require('../tools/node_modules/terser');

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/minify-glue.mjs DIR');
const files = glueFiles(dir);

// The functions a file exports, by their names in it (`export function f`,
// `export { f, g as h }`): the only ones whose `name` anyone outside can read.
const exportedFunctions = (src) => {
  const names = [...src.matchAll(/export\s+(?:async\s+)?function\*?\s*([\w$]+)/g)].map((m) => m[1]);
  for (const [, list] of src.matchAll(/export\s*\{([^}]*)\}/g)) {
    names.push(...list.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]).filter(Boolean));
  }
  return names;
};
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const file of files) {
  const src = fs.readFileSync(file, 'utf8');
  const exported = exportedFunctions(src);
  const out = await minify(src, {
    module: true,
    compress: true,
    mangle: true,
    keep_classnames: true,
    keep_fnames: exported.length ? new RegExp(`^(${exported.map(escape).join('|')})$`) : false,
    // Deno and TypeScript read this directive to find the module's types.
    format: { comments: /@ts-self-types/ },
  });
  if (!out.code.includes('import.meta.url') && src.includes('import.meta.url')) {
    throw new Error(`${file}: minified glue lost import.meta.url (the .wasm's URL)`);
  }
  fs.writeFileSync(file, out.code + '\n');
}
