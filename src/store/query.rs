//! `query(entityType, { where, orderBy, limit, offset })` over the local view (what
//! the app sees: unsynced changes included, local deletes left out).
//!
//! The records stay JS values: checking the query and filtering and ordering the
//! records is JS (`compileQuery`/`runQueryKeyed` in `jsv`'s snippet), so no record crosses into Rust (a serde round trip per
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
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// A checked query, ready to run over a type's records.
pub struct Query(JsValue);

impl Query {
    /// Checks `spec` (`{ where, orderBy, limit, offset }`, all optional).
    pub fn parse(spec: &JsValue) -> Result<Query> {
        crate::jsv::compile_query(spec).map(Query).map_err(|e| {
            let message = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
            input(message)
        })
    }
}

/// The entities of a type as the app sees them that match `query`, in its order
/// (ties, and no `orderBy`, in id order). Reads every record of the type: one
/// `getAll` of the `byType` index.
pub async fn query(store: &Store, entity_type: &str, query: &Query) -> Result<js_sys::Array> {
    // The live queries' run, without the ids: one copy of the code in the .wasm.
    Ok(query_keyed(store, entity_type, query).await?.0)
}

impl Query {
    /// The last result `(rows, ids)` with the `changed` entities' `views` now, or
    /// `undefined` when the query must run again (it has a limit or an offset).
    pub fn patch(&self, rows: &JsValue, ids: &JsValue, changed: &js_sys::Array, views: &js_sys::Array) -> JsValue {
        crate::jsv::patch_result(rows, ids, changed, views, &self.0)
    }

    /// Whether one entity's view (`undefined`: none) meets the query's conditions.
    pub fn matches(&self, view: &JsValue) -> bool {
        crate::jsv::matches_query(view, &self.0)
    }
}

/// A live query's run: the matching views and, in step, their ids.
pub async fn query_keyed(store: &Store, entity_type: &str, query: &Query) -> Result<(js_sys::Array, JsValue)> {
    let (views, ids) = super::view::list_keyed(store, entity_type).await?;
    let out = crate::jsv::run_query_keyed(&views, &ids, &query.0);
    Ok((js_sys::Array::from(&out.get(0)), out.get(1)))
}
