// Gives the .wasm's imports from its glue short names, in the .wasm and in the
// glue alike: DIR/offline_sync_bg.wasm and DIR/offline_sync.js, after
// scripts/minify-glue.mjs. wasm-bindgen names each import after its Rust binding
// plus a 16-digit hash (`__wbg_getAll_f94d11565e7eadfb`) under the module name
// "./offline_sync_bg.js"; the hashes do not compress, and every name is written
// twice, in the .wasm's import section and as a key of the glue's import object
// (docs/performance.md, "Size: where the bytes are"). Only the names change: the
// functions, their order and what they do are the same.
//
// The imports wasm-bindgen links straight to a snippet's exports (module
// "./snippets/...") keep their names, which are the snippet's. Each old name
// must be in the glue exactly once, as the import object's key, or this fails.
// Usage: node scripts/short-import-names.mjs DIR
import fs from 'node:fs';
import path from 'node:path';

const GLUE_MODULE = './offline_sync_bg.js';
const SHORT_MODULE = 'a';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/short-import-names.mjs DIR');
const wasmFile = path.join(dir, 'offline_sync_bg.wasm');
const jsFile = path.join(dir, 'offline_sync.js');
const bytes = fs.readFileSync(wasmFile);

const leb = (at) => {
  let value = 0, shift = 0, b;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
};
const encodeLeb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
const encodeName = (s) => Buffer.concat([encodeLeb(Buffer.byteLength(s)), Buffer.from(s)]);
// a..z, A..Z, then two letters: valid JS property names, none a keyword.
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const shortName = (i) => (i < LETTERS.length ? LETTERS[i] : LETTERS[Math.floor(i / LETTERS.length) - 1] + LETTERS[i % LETTERS.length]);

// The import section (id 2): module name, field name, then the import's kind
// and type, copied as they are.
let at = 8, section = null;
while (at < bytes.length) {
  const id = bytes[at];
  const [size, body] = leb(at + 1);
  if (id === 2) section = { start: at, body, end: body + size };
  at = body + size;
}
if (!section) throw new Error(`${wasmFile}: no import section`);
const readName = (p) => {
  const [len, s] = leb(p);
  return [bytes.toString('utf8', s, s + len), s + len];
};
const skipLimits = (p) => {
  const flags = bytes[p];
  p = leb(p + 1)[1];
  return flags & 1 ? leb(p)[1] : p;
};
let [count, p] = leb(section.body);
const parts = [encodeLeb(count)];
const renamed = new Map();
for (let i = 0; i < count; i++) {
  let mod, field;
  [mod, p] = readName(p);
  [field, p] = readName(p);
  const descStart = p;
  const kind = bytes[p++];
  if (kind === 0) p = leb(p)[1]; // function: type index
  else if (kind === 1) p = skipLimits(p + 1); // table: reference type, limits
  else if (kind === 2) p = skipLimits(p); // memory: limits
  else if (kind === 3) p += 2; // global: value type, mutability
  else if (kind === 4) p = leb(p + 1)[1]; // tag: attribute, type index
  else throw new Error(`${wasmFile}: import kind ${kind} unknown`);
  if (mod === GLUE_MODULE) {
    if (renamed.has(field)) throw new Error(`${wasmFile}: import ${field} twice`);
    renamed.set(field, shortName(renamed.size));
    mod = SHORT_MODULE;
    field = renamed.get(field);
  }
  parts.push(encodeName(mod), encodeName(field), bytes.subarray(descStart, p));
}
if (p !== section.end) throw new Error(`${wasmFile}: import section misread`);
if (!renamed.size) throw new Error(`${wasmFile}: no import from ${GLUE_MODULE}`);
const body = Buffer.concat(parts);
const out = Buffer.concat([
  bytes.subarray(0, section.start),
  Buffer.from([2]),
  encodeLeb(body.length),
  body,
  bytes.subarray(section.end),
]);

// The glue: each name once, as a key of the import object (`name:`), and the
// module's key once (`"./offline_sync_bg.js":`).
let js = fs.readFileSync(jsFile, 'utf8');
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const keys = new RegExp(`(?<![\\w$])(${[...renamed.keys()].map(escape).join('|')})(?![\\w$])`, 'g');
const seen = new Map();
js = js.replace(keys, (name) => {
  seen.set(name, (seen.get(name) ?? 0) + 1);
  return renamed.get(name);
});
for (const name of renamed.keys()) {
  if (seen.get(name) !== 1) throw new Error(`${jsFile}: import ${name} found ${seen.get(name) ?? 0} times, not once`);
}
const moduleKey = `"${GLUE_MODULE}":`;
if (js.split(moduleKey).length !== 2) throw new Error(`${jsFile}: ${moduleKey} not found exactly once`);
js = js.replace(moduleKey, `${SHORT_MODULE}:`);

fs.writeFileSync(wasmFile, out);
fs.writeFileSync(jsFile, js);
