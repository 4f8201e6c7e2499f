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

use super::schema::ENTITIES;
use super::Store;
use crate::failure::{input, storage, Result};
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

/// A live query's run: the matching views and, in step, their ids. Reads one
/// declared index when one fits the query (`jsv` `indexPlan`), else every record of
/// the type; either way the query's test and order run on what was read.
pub async fn query_keyed(store: &Store, entity_type: &str, query: &Query) -> Result<(js_sys::Array, JsValue)> {
    let (views, ids) = match indexed(store, entity_type, query).await? {
        Some(found) => found,
        None => super::view::list_keyed(store, entity_type).await?,
    };
    let out = crate::jsv::run_query_keyed(&views, &ids, &query.0);
    Ok((js_sys::Array::from(&out.get(0)), out.get(1)))
}

thread_local! {
    static INDEXED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How many queries read a declared index (tests check one was used).
pub fn indexed_count() -> u32 {
    INDEXED.with(|c| c.get())
}

/// The views (and ids) a declared index gives for `query`, or `None` when no
/// declared index fits it. Both of its IndexedDB indexes are read: the records
/// whose server data has the key (their view is that data unless they have a local
/// part) and those whose local part has it (their view).
async fn indexed(store: &Store, entity_type: &str, query: &Query) -> Result<Option<(js_sys::Array, js_sys::Array)>> {
    let mine: Vec<_> = store.indexes.iter().filter(|d| d.entity_type == entity_type).collect();
    if mine.is_empty() {
        return Ok(None);
    }
    let decls: js_sys::Array = mine
        .iter()
        .map(|d| JsValue::from(d.fields.iter().map(|f| JsValue::from_str(f)).collect::<js_sys::Array>()))
        .collect();
    let plan = crate::jsv::index_plan(&query.0, entity_type, &decls);
    if plan.is_undefined() {
        return Ok(None);
    }
    let plan = js_sys::Array::from(&plan);
    let def = mine[plan.get(0).as_f64().unwrap_or(0.0) as usize];
    let range = plan.get(1);
    let tx = store.read(&[ENTITIES])?;
    let table = tx.store(ENTITIES)?;
    let server = table.index(&def.store_name('s')).map_err(|e| storage("index", e))?;
    let local = table.index(&def.store_name('l')).map_err(|e| storage("index", e))?;
    // Both requests are placed at once: the second does not wait a turn of the
    // event loop for the first's answer.
    let (server, local) =
        futures_util::future::join(server.get_all(Some(&range), None), local.get_all(Some(&range), None)).await;
    let (server, local) = (server.map_err(|e| storage("query", e))?, local.map_err(|e| storage("query", e))?);
    INDEXED.with(|c| c.set(c.get() + 1));
    Ok(Some(super::view::views_keyed(&crate::jsv::merge_by_id(&server, &local))))
}
