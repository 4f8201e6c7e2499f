// Gives the names the .wasm and its glue link by short ones, in both:
// DIR/offline_sync_bg.wasm, DIR/offline_sync.js (as wasm-bindgen wrote it, before
// scripts/minify-glue.mjs) and DIR/offline_sync.d.ts.
// - The imports from the glue: wasm-bindgen names each after its Rust binding
//   plus a 16-digit hash (`__wbg_getAll_f94d11565e7eadfb`) under the module name
//   "./offline_sync_bg.js"; each is written twice, in the import section and as a
//   key of the glue's import object, and the hashes do not compress. They become
//   `a`, `b`, ... under module `a`. The imports wasm-bindgen links straight to a
//   snippet's exports (module "./snippets/...") keep their names, the snippet's.
// - The exports the glue calls (`wasm.syncengine_get(...)`): `a`, `b`, ... too,
//   and so in the .d.ts's `InitOutput`. `memory` keeps its name, and so does an
//   export the glue does not call.
// Only names change: the functions, their order and what they do are the same
// (docs/performance.md, "Size: where the bytes are"). Each import's name must be
// in the glue exactly once, as the import object's key, or this fails.
// Usage: node scripts/short-wasm-names.mjs DIR
import fs from 'node:fs';
import path from 'node:path';

const GLUE_MODULE = './offline_sync_bg.js';
const SHORT_MODULE = 'a';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/short-wasm-names.mjs DIR');
const wasmFile = path.join(dir, 'offline_sync_bg.wasm');
const jsFile = path.join(dir, 'offline_sync.js');
const dtsFile = path.join(dir, 'offline_sync.d.ts');
const bytes = fs.readFileSync(wasmFile);
let js = fs.readFileSync(jsFile, 'utf8');
let dts = fs.readFileSync(dtsFile, 'utf8');

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
const readName = (p) => {
  const [len, s] = leb(p);
  return [bytes.toString('utf8', s, s + len), s + len];
};
// a..z, A..Z, then two letters: valid JS property names, none a keyword.
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const shortName = (i) => (i < LETTERS.length ? LETTERS[i] : LETTERS[Math.floor(i / LETTERS.length) - 1] + LETTERS[i % LETTERS.length]);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Replaces each whole name of `names` (a Map old -> new) preceded by `before`;
// returns the text and how often each name was found.
const rename = (text, names, before) => {
  const seen = new Map();
  const re = new RegExp(`(?<=${before})(${[...names.keys()].map(escape).join('|')})(?![\\w$])`, 'g');
  const out = text.replace(re, (name) => {
    seen.set(name, (seen.get(name) ?? 0) + 1);
    return names.get(name);
  });
  return [out, seen];
};

const sections = new Map();
for (let at = 8; at < bytes.length; ) {
  const id = bytes[at];
  const [size, body] = leb(at + 1);
  if (id === 2 || id === 7) sections.set(id, { start: at, body, end: body + size });
  at = body + size;
}
if (!sections.has(2) || !sections.has(7)) throw new Error(`${wasmFile}: no import or no export section`);

// The import section (id 2): module name, field name, then the import's kind
// and type, copied as they are.
const imports = new Map();
const importSection = (() => {
  const { body: start, end } = sections.get(2);
  let [count, p] = leb(start);
  const parts = [encodeLeb(count)];
  const skipLimits = (q) => {
    const flags = bytes[q];
    q = leb(q + 1)[1];
    return flags & 1 ? leb(q)[1] : q;
  };
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
      if (imports.has(field)) throw new Error(`${wasmFile}: import ${field} twice`);
      imports.set(field, shortName(imports.size));
      mod = SHORT_MODULE;
      field = imports.get(field);
    }
    parts.push(encodeName(mod), encodeName(field), bytes.subarray(descStart, p));
  }
  if (p !== end) throw new Error(`${wasmFile}: import section misread`);
  if (!imports.size) throw new Error(`${wasmFile}: no import from ${GLUE_MODULE}`);
  return Buffer.concat(parts);
})();

// The export section (id 7): name, kind, index.
const exports = new Map();
const exportSection = (() => {
  const { body: start, end } = sections.get(7);
  let [count, p] = leb(start);
  const parts = [encodeLeb(count)];
  for (let i = 0; i < count; i++) {
    let name;
    [name, p] = readName(p);
    const descStart = p;
    p = leb(p + 1)[1];
    if (name !== 'memory' && new RegExp(`\\bwasm\\.${escape(name)}(?![\\w$])`).test(js)) {
      exports.set(name, shortName(exports.size));
      name = exports.get(name);
    }
    parts.push(encodeName(name), bytes.subarray(descStart, p));
  }
  if (p !== end) throw new Error(`${wasmFile}: export section misread`);
  return Buffer.concat(parts);
})();

// The glue: each import once, as a key of the import object (`name:`), and the
// module's key once (`"./offline_sync_bg.js":`); the exports as `wasm.name`.
let seen;
[js, seen] = rename(js, imports, '(?<![\\w$])');
for (const name of imports.keys()) {
  if (seen.get(name) !== 1) throw new Error(`${jsFile}: import ${name} found ${seen.get(name) ?? 0} times, not once`);
}
const moduleKey = `"${GLUE_MODULE}":`;
if (js.split(moduleKey).length !== 2) throw new Error(`${jsFile}: ${moduleKey} not found exactly once`);
js = js.replace(moduleKey, `${SHORT_MODULE}:`);
[js] = rename(js, exports, '\\bwasm\\.');
[dts] = rename(dts, exports, '\\breadonly ');

const section = (id, body) => Buffer.concat([Buffer.from([id]), encodeLeb(body.length), body]);
const [first, second] = [2, 7].map((id) => sections.get(id));
const out = Buffer.concat([
  bytes.subarray(0, first.start),
  section(2, importSection),
  bytes.subarray(first.end, second.start),
  section(7, exportSection),
  bytes.subarray(second.end),
]);
fs.writeFileSync(wasmFile, out);
fs.writeFileSync(jsFile, js);
fs.writeFileSync(dtsFile, dts);
