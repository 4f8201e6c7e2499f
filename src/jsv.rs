//! Reading and writing the few envelope fields of JS objects. Payloads stay JS
//! values end to end; only these accessors cross into Rust.

use offline_sync_core::config::Raw;
use wasm_bindgen::{JsCast, JsValue};

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    with_key(key, |k| js_sys::Reflect::get(obj, k).unwrap_or(JsValue::UNDEFINED))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Reflect.get` for plain data only: parsed JSON, IndexedDB records, objects
    /// of our own, whose reads cannot throw (no getters, no proxies); an exception
    /// here would unwind through wasm. `js_sys::Reflect::get` catches, and its
    /// glue allocates a closure and an `arguments` object per call: 44 MB of
    /// garbage over a pull of 100k entities, read six fields each.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    pub fn get_plain(target: &JsValue, key: &JsValue) -> JsValue;

    /// `structuredClone`, in a page or a worker: what the app hands over becomes
    /// plain data, which [`get_plain`] may read.
    #[wasm_bindgen(catch, js_name = structuredClone)]
    pub fn structured_clone(value: &JsValue) -> Result<JsValue, JsValue>;
}

pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    // Reflect.set only fails on non-objects, which callers never pass.
    with_key(key, |k| {
        let _ = js_sys::Reflect::set(obj, k, value);
    })
}

thread_local! {
    /// Property names as JS strings, each made once: every queued change and every
    /// settled record reads and sets the same dozen names, and a JS string made
    /// from Rust text costs a call into JS and a decode each time.
    static KEYS: std::cell::RefCell<Vec<(String, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_key<R>(key: &str, f: impl FnOnce(&JsValue) -> R) -> R {
    KEYS.with(|keys| {
        let Ok(mut keys) = keys.try_borrow_mut() else { return f(&JsValue::from_str(key)) };
        if let Some((_, k)) = keys.iter().find(|(k, _)| k == key) {
            return f(k);
        }
        let k = JsValue::from_str(key);
        if key.len() <= 32 && keys.len() < 64 {
            keys.push((key.to_string(), k));
            return f(&keys[keys.len() - 1].1);
        }
        f(&k)
    })
}

/// `None` for `undefined` (a missing record, an absent field).
pub fn defined(v: JsValue) -> Option<JsValue> {
    (!v.is_undefined()).then_some(v)
}

pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

pub fn get_f64(obj: &JsValue, key: &str) -> Option<f64> {
    get(obj, key).as_f64()
}

/// A non-negative whole number below 2^53, as versions and counters are.
pub fn get_u64(obj: &JsValue, key: &str) -> Option<u64> {
    get_f64(obj, key).filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= 9_007_199_254_740_991.0).map(|n| n as u64)
}

// One JS snippet for the whole crate besides idb.js: every snippet is one more
// module the page fetches before the wasm starts (and the test runner's server
// deadlocked on too many at once), so the helpers that work on JS values as they
// are live here together: ordering records, comparing fields, running queries.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function sortedByNumber(records, key) {
  const n = (r) => (typeof r?.[key] === 'number' && r[key] === r[key] ? r[key] : 0);
  return Array.from(records).sort((a, b) => (n(a) > n(b)) - (n(a) < n(b)));
}
const same = (a, b) => {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
};
export function holdsFields(record, fields) {
  if (typeof record !== 'object' || record === null || typeof fields !== 'object' || fields === null) return false;
  return Object.keys(fields).every((k) => Object.prototype.hasOwnProperty.call(record, k) && same(record[k], fields[k]));
}
const OPS = ['eq', 'gt', 'gte', 'lt', 'lte', 'in'];
const OPTIONS = ['where', 'orderBy', 'limit', 'offset'];
const rank = (v) => v === null ? 0 : typeof v === 'boolean' ? 1
  : typeof v === 'number' ? (Number.isNaN(v) ? -1 : 2) : v instanceof Date ? (Number.isNaN(v.getTime()) ? -1 : 3)
  : typeof v === 'string' ? 4 : -1;
const cmp = (a, b) => {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 3) { a = a.getTime(); b = b.getTime(); }
  return a < b ? -1 : a > b ? 1 : 0;
};
const describe = (v) => v === undefined ? 'undefined' : Array.isArray(v) ? 'an array'
  : typeof v === 'object' ? 'an object' : typeof v === 'number' ? 'NaN' : typeof v;
const isCondition = (c) => c !== null && typeof c === 'object' && !(c instanceof Date) && !Array.isArray(c);

export function compileQuery(spec) {
  const bad = (path, what) => { throw new TypeError(`offline-sync: query${path} ${what}`); };
  if (spec === undefined || spec === null) spec = {};
  if (typeof spec !== 'object' || Array.isArray(spec)) bad('', 'must be an object: { where, orderBy, limit, offset }');
  for (const k of Object.keys(spec)) if (!OPTIONS.includes(k)) bad(`.${k}`, 'is not a query option (where, orderBy, limit, offset)');
  const value = (v, path) => {
    if (rank(v) < 0) bad(path, `must be a string, number, boolean, null or Date, not ${describe(v)}`);
    return v;
  };
  const tests = [];
  const where = spec.where ?? {};
  if (typeof where !== 'object' || Array.isArray(where)) bad('.where', 'must be an object of conditions by field');
  for (const field of Object.keys(where)) {
    const cond = where[field], at = `.where.${field}`;
    if (!isCondition(cond)) { tests.push([field, 'eq', value(cond, at)]); continue; }
    const ops = Object.keys(cond);
    if (!ops.length) bad(at, 'needs one of eq, gt, gte, lt, lte, in');
    for (const op of ops) {
      if (!OPS.includes(op)) bad(`${at}.${op}`, 'is not an operator (eq, gt, gte, lt, lte, in)');
      if (op !== 'in') { tests.push([field, op, value(cond[op], `${at}.${op}`)]); continue; }
      if (!Array.isArray(cond.in)) bad(`${at}.in`, 'must be an array of values');
      tests.push([field, 'in', cond.in.map((v, i) => value(v, `${at}.in[${i}]`))]);
    }
  }
  const order = [];
  const orderBy = spec.orderBy === undefined ? [] : Array.isArray(spec.orderBy) ? spec.orderBy : [spec.orderBy];
  orderBy.forEach((o, i) => {
    const at = Array.isArray(spec.orderBy) ? `.orderBy[${i}]` : '.orderBy';
    if (typeof o === 'string' && o) return order.push([o, 1]);
    if (o === null || typeof o !== 'object' || typeof o.field !== 'string' || !o.field)
      bad(at, "must be a field name, or { field, direction: 'asc' | 'desc' }");
    if (o.direction !== undefined && o.direction !== 'asc' && o.direction !== 'desc')
      bad(`${at}.direction`, "must be 'asc' or 'desc'");
    order.push([o.field, o.direction === 'desc' ? -1 : 1]);
  });
  const count = (name) => {
    const n = spec[name];
    if (n === undefined) return undefined;
    if (!Number.isInteger(n) || n < 0) bad(`.${name}`, 'must be a whole number, 0 or more');
    return n;
  };
  return { tests, order, limit: count('limit'), offset: count('offset') ?? 0 };
}

const matches = (x, op, v) => {
  if (rank(x) < 0) return false;
  const c = op === 'in' ? null : cmp(x, v);
  switch (op) {
    case 'eq': return c === 0;
    case 'gt': return c > 0;
    case 'gte': return c >= 0;
    case 'lt': return c < 0;
    case 'lte': return c <= 0;
    default: return v.some((w) => cmp(x, w) === 0);
  }
};

// A push body gzip-compressed (transport::protocol), or null where the browser has
// no CompressionStream or it fails: the body then goes as it is.
export async function gzipText(text) {
  if (typeof CompressionStream !== 'function') return null;
  try {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (_) {
    return null;
  }
}

const test = (r, q) => q.tests.every(([f, op, v]) => matches(r?.[f], op, v));
const order = (a, b, q) => {
  for (const [f, dir] of q.order) {
    const x = a?.[f], y = b?.[f];
    const okx = rank(x) >= 0, oky = rank(y) >= 0;
    if (okx !== oky) return okx ? -1 : 1;
    const c = okx ? cmp(x, y) : 0;
    if (c) return c * dir;
  }
  return 0;
};
// The positions of the records that match, in the query's order.
const select = (records, q) => {
  const at = [];
  for (let i = 0; i < records.length; i++) if (test(records[i], q)) at.push(i);
  // Array.prototype.sort is stable: ties keep id order.
  if (q.order.length) at.sort((i, j) => order(records[i], records[j], q));
  return at.slice(q.offset, q.limit === undefined ? undefined : q.offset + q.limit);
};
// The declared index a compiled query can read instead of every entity of the type
// (`decls`: each index's fields): `[i, keyRange]`, or undefined (a scan). IndexedDB
// leaves out a record whose field is no valid key (missing, null, a boolean, an
// object), so an index fits only when the query rules those out on each of its
// fields: `eq`, `gt`/`gte` or `in` with valid keys (strings, numbers, Dates: above
// null and booleans in the query's order too). The range fixes the longest prefix
// of `eq` fields and the next field's lower bound; the query's own test still runs
// on what it reads, so the range may be wider than the result, never narrower.
const isKey = (v) => typeof v === 'string' || (typeof v === 'number' && !Number.isNaN(v)) || (v instanceof Date && !Number.isNaN(v.getTime()));
export function indexPlan(q, et, decls) {
  const eq = new Map(), low = new Map(), keyed = new Set();
  for (const [f, op, v] of q.tests) {
    const key = op === 'in' ? v.every(isKey) : isKey(v);
    if (!key || op === 'lt' || op === 'lte') continue;
    keyed.add(f);
    if (op === 'eq' && !eq.has(f)) eq.set(f, v);
    if ((op === 'gt' || op === 'gte') && !low.has(f)) low.set(f, v);
  }
  let best, n = 0;
  decls.forEach((fields, i) => {
    if (!fields.every((f) => keyed.has(f))) return;
    let k = 0;
    while (k < fields.length && eq.has(fields[k])) k++;
    if (best === undefined || k > n) { best = i; n = k; }
  });
  if (best === undefined) return undefined;
  const fields = decls[best], prefix = [et, ...fields.slice(0, n).map((f) => eq.get(f))];
  const next = n < fields.length && low.has(fields[n]) ? [...prefix, low.get(fields[n])] : prefix;
  return [best, IDBKeyRange.bound(next, [...prefix, []])];
}
// The records two indexes gave (the server's data, the local part), once each, in
// id order (the scan's, which ties keep).
export function mergeById(a, b) {
  const seen = new Set(), out = [];
  for (const r of a.concat(b)) if (!seen.has(r.id)) { seen.add(r.id); out.push(r); }
  return out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
// What the app sees of each entity record (its local part's data while it has
// one, else its own; none when deleted), with its id, in step: one call for a
// whole list instead of a few per record (store::view::views_keyed). The field
// names come from records::entity.
export function viewsKeyed(records, local, deleted, data, id) {
  const views = [], ids = [];
  for (const r of records) {
    const l = r[local];
    const part = typeof l === 'object' && l !== null ? l : r;
    const d = part[deleted] === true ? null : part[data];
    if (d !== undefined && d !== null) { views.push(d); ids.push(r[id]); }
  }
  return [views, ids];
}
// A live query's run: the records and, in step, their ids.
export function runQueryKeyed(records, ids, q) {
  const at = select(records, q);
  return [at.map((i) => records[i]), at.map((i) => ids[i])];
}
// A live query's last result after changes to a few entities (`views[i]` is
// `changed[i]`'s view now, or undefined), without reading the type again: the
// changed entities leave it, those that match now come back, in the query's order
// with ties in id order (the order of a full run: the byType index's). Undefined
// for a query with limit or offset, whose window a change may shift.
export function patchResult(rows, ids, changed, views, q) {
  if (q.limit !== undefined || q.offset) return undefined;
  const gone = new Set(changed);
  const r = [], k = [];
  ids.forEach((id, i) => { if (!gone.has(id)) { r.push(rows[i]); k.push(id); } });
  changed.forEach((id, i) => { if (views[i] !== undefined && test(views[i], q)) { r.push(views[i]); k.push(id); } });
  const at = r.map((_, i) => i);
  at.sort((i, j) => order(r[i], r[j], q) || (k[i] < k[j] ? -1 : k[i] > k[j] ? 1 : 0));
  return [at.map((i) => r[i]), at.map((i) => k[i])];
}
export function matchesQuery(record, q) {
  return record !== undefined && test(record, q);
}
// Change sets (engine::changes): `{ all, types: Map<type, Set<id> | null> }`, null
// meaning any entity of the type; kept as JS values, as the ids come from records.
const MAX_IDS = 1000;
export function changesNew(all) { return { all, types: new Map() }; }
export function changesAdd(c, et, id) {
  if (typeof et !== 'string') return;
  const s = c.types.get(et);
  if (s === null) return;
  if (typeof id !== 'string') { c.types.set(et, null); return; }
  if (s === undefined) c.types.set(et, new Set([id]));
  else if (s.add(id).size > MAX_IDS) c.types.set(et, null);
}
export function changesAddAll(c, records, typeKey, idKey) {
  for (const r of records) changesAdd(c, r?.[typeKey], r?.[idKey]);
}
export function changesEmpty(c) { return !c.all && c.types.size === 0; }
export function changesOf(c, et) { return c.all ? null : c.types.get(et); }
export function changesMessage(c) {
  return { kind: 'changes', all: c.all, types: Array.from(c.types, ([t, s]) => [t, s && Array.from(s)]) };
}
// A message of another context; what is malformed in it counts as "any entity".
export function changesFromMessage(m) {
  if (m?.kind !== 'changes') return undefined;
  const c = changesNew(m.all === true || !Array.isArray(m.types));
  for (const t of Array.isArray(m.types) ? m.types : []) {
    if (!Array.isArray(t) || typeof t[0] !== 'string') continue;
    if (!Array.isArray(t[1])) { c.types.set(t[0], null); continue; }
    for (const id of t[1]) changesAdd(c, t[0], id);
  }
  return c;
}
// A watcher's due changes: undefined none, null any entity, else a Set of ids.
export function pendingMerge(p, ids) {
  if (p === null || ids === null) return null;
  if (p === undefined) return new Set(ids);
  for (const id of ids) p.add(id);
  return p;
}
export function pendingTouches(p, ids) { return p === null || ids.some((id) => p.has(id)); }
export function pendingHas(p, id) { return p === null || p.has(id); }
export function pendingFew(p, n) { return p !== null && p.size <= n ? Array.from(p) : undefined; }
export function sameIds(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
"#)]
extern "C" {
    /// The records ordered by a numeric field (a missing one counts as 0), ties in
    /// their order: `Array.prototype.sort` is stable, and the standard Rust sort
    /// it replaces was 5 KB of wasm.
    #[wasm_bindgen(js_name = sortedByNumber)]
    pub fn sorted_by_number(records: &js_sys::Array, key: &str) -> js_sys::Array;

    /// Whether every top-level field of `fields` is in `record` with an equal value
    /// (compared deeply, key order aside, as a server may reorder them).
    #[wasm_bindgen(js_name = holdsFields)]
    pub fn holds_fields(record: &JsValue, fields: &JsValue) -> bool;

    /// A query (`{ where, orderBy, limit, offset }`) checked and normalised
    /// (`store::query`); throws a `TypeError` naming what is wrong.
    #[wasm_bindgen(js_name = compileQuery, catch)]
    pub fn compile_query(spec: &JsValue) -> std::result::Result<JsValue, JsValue>;
    /// `[records, ids]`: the records that match and their ids, in the query's order.
    /// `[i, keyRange]`: the declared index (`decls[i]`, its fields) a compiled query
    /// can read, or undefined when none fits.
    #[wasm_bindgen(js_name = indexPlan)]
    pub fn index_plan(compiled: &JsValue, entity_type: &str, decls: &js_sys::Array) -> JsValue;
    /// The records of two index reads, once each, in id order.
    #[wasm_bindgen(js_name = mergeById)]
    pub fn merge_by_id(a: &js_sys::Array, b: &js_sys::Array) -> js_sys::Array;
    /// `[views, ids]` of entity records (see `store::view::views_keyed`).
    #[wasm_bindgen(js_name = viewsKeyed)]
    pub fn views_keyed(records: &js_sys::Array, local: &str, deleted: &str, data: &str, id: &str) -> js_sys::Array;
    #[wasm_bindgen(js_name = runQueryKeyed)]
    pub fn run_query_keyed(records: &js_sys::Array, ids: &js_sys::Array, compiled: &JsValue) -> js_sys::Array;
    /// Whether one record (a view; `undefined`: none) matches a compiled query's conditions.
    #[wasm_bindgen(js_name = matchesQuery)]
    pub fn matches_query(record: &JsValue, compiled: &JsValue) -> bool;
    /// `[rows, ids]` of a live query patched for a few changed entities; undefined
    /// when the query has a window (limit, offset) and must run again.
    #[wasm_bindgen(js_name = patchResult)]
    pub fn patch_result(
        rows: &JsValue,
        ids: &JsValue,
        changed: &js_sys::Array,
        views: &js_sys::Array,
        compiled: &JsValue,
    ) -> JsValue;

    // Change sets and watchers' due changes (engine::changes, engine::watch).
    #[wasm_bindgen(js_name = changesNew)]
    pub fn changes_new(all: bool) -> JsValue;
    #[wasm_bindgen(js_name = changesAdd)]
    pub fn changes_add(c: &JsValue, et: &JsValue, id: &JsValue);
    #[wasm_bindgen(js_name = changesAddAll)]
    pub fn changes_add_all(c: &JsValue, records: &JsValue, type_key: &str, id_key: &str);
    #[wasm_bindgen(js_name = changesEmpty)]
    pub fn changes_empty(c: &JsValue) -> bool;
    #[wasm_bindgen(js_name = changesOf)]
    pub fn changes_of(c: &JsValue, et: &str) -> JsValue;
    #[wasm_bindgen(js_name = changesMessage)]
    pub fn changes_message(c: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = changesFromMessage)]
    pub fn changes_from_message(m: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = pendingMerge)]
    pub fn pending_merge(p: &JsValue, ids: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = pendingTouches)]
    pub fn pending_touches(p: &JsValue, ids: &JsValue) -> bool;
    #[wasm_bindgen(js_name = pendingHas)]
    pub fn pending_has(p: &JsValue, id: &str) -> bool;
    #[wasm_bindgen(js_name = pendingFew)]
    pub fn pending_few(p: &JsValue, n: u32) -> JsValue;
    #[wasm_bindgen(js_name = sameIds)]
    pub fn same_ids(a: &JsValue, b: &JsValue) -> bool;

    /// Resolves the text gzip-compressed (a `Uint8Array`), or null where the
    /// browser cannot (no `CompressionStream`).
    #[wasm_bindgen(js_name = gzipText)]
    pub fn gzip_text(text: &str) -> js_sys::Promise;
}

pub fn get_bool(obj: &JsValue, key: &str) -> Option<bool> {
    get(obj, key).as_bool()
}

pub fn object() -> JsValue {
    js_sys::Object::new().into()
}

/// `Object.assign({}, base, patch)`: the client side of `core::merge`.
pub fn merged(base: &JsValue, patch: &JsValue) -> JsValue {
    let target = js_sys::Object::new();
    if base.is_object() {
        js_sys::Object::assign(&target, base.unchecked_ref());
    }
    if patch.is_object() {
        js_sys::Object::assign(&target, patch.unchecked_ref());
    }
    target.into()
}

/// A shallow copy, so that a value the app passed in and may mutate later is not
/// the one we keep.
pub fn shallow_copy(v: &JsValue) -> JsValue {
    merged(v, &JsValue::UNDEFINED)
}

pub fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !js_sys::Array::is_array(v) && !v.is_function()
}

/// Describes a JS value for config validation.
pub fn raw(v: &JsValue) -> Raw {
    if v.is_undefined() {
        Raw::Undefined
    } else if v.is_null() {
        Raw::Null
    } else if let Some(b) = v.as_bool() {
        Raw::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Raw::Number(n)
    } else if let Some(s) = v.as_string() {
        Raw::String(s)
    } else if v.is_function() {
        Raw::Function
    } else if js_sys::Array::is_array(v) {
        Raw::Other("array")
    } else if v.is_object() {
        Raw::Object
    } else if v.is_symbol() {
        Raw::Other("symbol")
    } else if v.is_bigint() {
        Raw::Other("bigint")
    } else {
        Raw::Other("value")
    }
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Random bytes from `crypto.getRandomValues`, in pages and workers alike.
pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let crypto = get(&js_sys::global(), "crypto");
    if let Ok(c) = crypto.dyn_into::<web_sys::Crypto>() {
        if c.get_random_values_with_u8_array(&mut bytes).is_ok() {
            return bytes;
        }
    }
    // No WebCrypto at all is not a browser we run in; Math.random still gives
    // ids that are unique in practice.
    for b in bytes.iter_mut() {
        *b = (js_sys::Math::random() * 256.0) as u8;
    }
    bytes
}

pub fn new_id() -> String {
    offline_sync_core::id::uuid_v4(random_bytes())
}

/// The error text of a JS exception (an `Error`'s message, or its string form).
pub fn error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let name = String::from(err.name());
        let msg = String::from(err.message());
        if name.is_empty() || name == "Error" {
            msg
        } else {
            format!("{name}: {msg}")
        }
    } else if let Some(s) = e.as_string() {
        s
    } else {
        js_sys::JSON::stringify(e).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "unknown error".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn records_sort_by_a_numeric_field_keeping_ties_in_order() {
        let rec = |n: Option<f64>, tag: &str| {
            let o = js_sys::Object::new();
            if let Some(n) = n {
                set(&o, "seq", &JsValue::from_f64(n));
            }
            set(&o, "tag", &JsValue::from_str(tag));
            JsValue::from(o)
        };
        let all: js_sys::Array =
            [rec(Some(10.0), "a"), rec(Some(2.0), "b"), rec(None, "c"), rec(Some(2.0), "d"), rec(Some(0.5), "e")]
                .into_iter()
                .collect();
        let tags: Vec<String> = sorted_by_number(&all, "seq").iter().filter_map(|r| get_str(&r, "tag")).collect();
        assert_eq!(tags, ["c", "e", "b", "d", "a"]);
    }
}
