//! What the app reads: the local view of an entity is its unsynced local state when
//! it has one (the `local` part of its record), else the server's.

use super::schema::{BY_TYPE, ENTITIES};
use super::{entity_key, idb, Store, Tx};
use crate::failure::{storage, Result};
use crate::jsv;
use crate::records::entity::F_LOCAL;
pub use crate::records::entity::{data_of, local_of, local_only, local_part, pending_of, with_local, without_local};
use offline_sync_core::protocol::{field, Op};
use wasm_bindgen::JsValue;

/// `core::merge::apply` on JS values: the optimistic result of a change.
pub fn apply_op(op: Op, current: Option<&JsValue>, data: &JsValue) -> Option<JsValue> {
    match op {
        Op::Delete => None,
        Op::Create => Some(jsv::shallow_copy(data)),
        Op::Update => Some(jsv::merged(current.unwrap_or(&JsValue::UNDEFINED), data)),
    }
}

/// The write of an entity's record: a put of it, or the delete of its key.
pub fn record_write(entity_type: &str, id: &str, rec: Option<JsValue>) -> JsValue {
    match rec {
        Some(r) => idb::write(ENTITIES, "put", &r),
        None => idb::write(ENTITIES, "delete", &entity_key(entity_type, id)),
    }
}

pub struct Current {
    /// What the app sees now.
    pub view: Option<JsValue>,
    /// Server version the client knows, if the server has the entity.
    pub server_version: Option<u64>,
    /// The entity's record as stored (for the server's ETag), if any.
    pub server: Option<JsValue>,
}

/// Reads the current view inside a transaction over `entities`.
pub async fn current(tx: &Tx, entity_type: &str, id: &str) -> Result<Current> {
    let rec = tx.store(ENTITIES)?.get(&entity_key(entity_type, id)).await.map_err(|e| storage("read", e))?;
    Ok(current_of(rec))
}

/// The current view from the entity's record, as read.
pub fn current_of(record: Option<JsValue>) -> Current {
    let server_version = record.as_ref().and_then(|s| jsv::get_u64(s, field::VERSION));
    let view = match local_of(record.as_ref()) {
        Some(l) => data_of(&l),
        None => record.as_ref().and_then(data_of),
    };
    Current { view, server_version, server: record }
}

pub async fn get(store: &Store, entity_type: &str, id: &str) -> Result<JsValue> {
    let tx = store.read(&[ENTITIES])?;
    let c = current(&tx, entity_type, id).await?;
    Ok(c.view.unwrap_or(JsValue::UNDEFINED))
}

pub async fn list(store: &Store, entity_type: &str) -> Result<js_sys::Array> {
    Ok(list_keyed(store, entity_type).await?.0)
}

/// [`list`] with each view's id, in step.
pub async fn list_keyed(store: &Store, entity_type: &str) -> Result<(js_sys::Array, js_sys::Array)> {
    let tx = store.read(&[ENTITIES])?;
    let only = idb::only(&JsValue::from_str(entity_type)).map_err(|e| storage("key range", e))?;
    let index = tx.store(ENTITIES)?.index(BY_TYPE).map_err(|e| storage("index", e))?;
    let all = index.get_all(Some(&only), None).await.map_err(|e| storage("list", e))?;
    Ok(views_keyed(&all))
}

/// The views of entity records as read (those deleted left out) and, in step, their
/// ids: `current_of`'s view of each, worked out in one JS call for the whole list
/// (a list of 100k records made half a million calls across the boundary).
pub fn views_keyed(records: &js_sys::Array) -> (js_sys::Array, js_sys::Array) {
    let out = jsv::views_keyed(records, F_LOCAL, field::DELETED, field::DATA, field::ID);
    (js_sys::Array::from(&out.get(0)), js_sys::Array::from(&out.get(1)))
}

/// The views of some entities of a type, in one read (`undefined` where there is none).
pub async fn get_many(store: &Store, entity_type: &str, ids: &js_sys::Array) -> Result<js_sys::Array> {
    let tx = store.read(&[ENTITIES])?;
    let et = JsValue::from_str(entity_type);
    let keys: js_sys::Array = ids.iter().map(|id| JsValue::from(js_sys::Array::of2(&et, &id))).collect();
    let recs = tx.store(ENTITIES)?.get_many(&keys).await.map_err(|e| storage("read", e))?;
    Ok(recs
        .iter()
        .map(|r| if r.is_undefined() { r } else { current_of(Some(r)).view.unwrap_or(JsValue::UNDEFINED) })
        .collect())
}
