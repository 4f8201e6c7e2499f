//! `query(entityType, { where, orderBy, limit, offset })` over the local view (what
//! the app sees: unsynced changes included, local deletes left out).
//!
//! The records stay JS values: checking the query and filtering and ordering the
//! records is a JS snippet, so no record crosses into Rust (a serde round trip per
//! record cost size and main-thread time, docs/performance.md). The records of a
//! type are read with the `byType` index, in id order, so ties keep that order.
//!
//! What compares, and how (docs/queries.md): strings, numbers, booleans, `null` and
//! `Date`s; across types, null < false < true < numbers < Dates < strings; strings
//! by UTF-16 code units, as IndexedDB orders keys. A record whose field is missing
//! or holds anything else (an object, an array, `undefined`, NaN) matches no
//! condition on that field and sorts after every other record, in either direction.
//! A condition's value of another kind is a `TypeError` naming it.

use super::Store;
use crate::failure::{input, Result};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(inline_js = r#"
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

export function runQuery(records, q) {
  const out = Array.from(records).filter((r) => q.tests.every(([f, op, v]) => matches(r?.[f], op, v)));
  if (q.order.length) {
    // Array.prototype.sort is stable: ties keep id order.
    out.sort((a, b) => {
      for (const [f, dir] of q.order) {
        const x = a?.[f], y = b?.[f];
        const okx = rank(x) >= 0, oky = rank(y) >= 0;
        if (okx !== oky) return okx ? -1 : 1;
        const c = okx ? cmp(x, y) : 0;
        if (c) return c * dir;
      }
      return 0;
    });
  }
  return out.slice(q.offset, q.limit === undefined ? undefined : q.offset + q.limit);
}
"#)]
extern "C" {
    /// The query checked and normalised; throws a `TypeError` naming what is wrong.
    #[wasm_bindgen(js_name = compileQuery, catch)]
    fn compile_query(spec: &JsValue) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = runQuery)]
    fn run_query(records: &js_sys::Array, compiled: &JsValue) -> js_sys::Array;
}

/// A checked query, ready to run over a type's records.
pub struct Query(JsValue);

impl Query {
    /// Checks `spec` (`{ where, orderBy, limit, offset }`, all optional).
    pub fn parse(spec: &JsValue) -> Result<Query> {
        compile_query(spec).map(Query).map_err(|e| {
            let message = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
            input(message)
        })
    }

    /// The records of `records` that match, in the query's order.
    pub fn run(&self, records: &js_sys::Array) -> js_sys::Array {
        run_query(records, &self.0)
    }
}

/// The entities of a type as the app sees them that match `query`, in its order
/// (ties, and no `orderBy`, in id order). Reads every record of the type: one
/// `getAll` of the `byType` index.
pub async fn query(store: &Store, entity_type: &str, query: &Query) -> Result<js_sys::Array> {
    Ok(query.run(&super::view::list(store, entity_type).await?))
}
