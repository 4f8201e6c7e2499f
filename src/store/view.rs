//! What the app reads: the local view of an entity is its unsynced local state when
//! it has one, else the server's.

use super::schema::{BY_TYPE, ENTITIES, LOCAL};
use super::{entity_key, idb, Store, Tx};
use crate::failure::{storage, Result};
use crate::jsv;
use offline_sync_core::protocol::{field, Op};
use std::collections::HashMap;
use wasm_bindgen::JsValue;

/// The data of a stored entity or local record; `None` when it is deleted.
pub fn data_of(record: &JsValue) -> Option<JsValue> {
    if jsv::get_bool(record, field::DELETED).unwrap_or(false) {
        return None;
    }
    let d = jsv::get(record, field::DATA);
    (!d.is_undefined() && !d.is_null()).then_some(d)
}

/// `core::merge::apply` on JS values: the optimistic result of a change.
pub fn apply_op(op: Op, current: Option<&JsValue>, data: &JsValue) -> Option<JsValue> {
    match op {
        Op::Delete => None,
        Op::Create => Some(jsv::shallow_copy(data)),
        Op::Update => Some(jsv::merged(current.unwrap_or(&JsValue::UNDEFINED), data)),
    }
}

/// The local record for an entity with unsynced changes.
pub fn local_record(entity_type: &str, id: &str, view: Option<&JsValue>, pending: u32) -> JsValue {
    let rec = jsv::object();
    jsv::set(&rec, field::ENTITY_TYPE, &JsValue::from_str(entity_type));
    jsv::set(&rec, field::ID, &JsValue::from_str(id));
    jsv::set(&rec, field::DATA, view.unwrap_or(&JsValue::NULL));
    jsv::set(&rec, field::DELETED, &JsValue::from_bool(view.is_none()));
    // A number, not a boolean: IndexedDB cannot index booleans.
    jsv::set(&rec, "dirty", &JsValue::from_f64(1.0));
    jsv::set(&rec, F_PENDING, &JsValue::from_f64(pending as f64));
    rec
}

pub struct Current {
    /// What the app sees now.
    pub view: Option<JsValue>,
    /// Server version the client knows, if the server has the entity.
    pub server_version: Option<u64>,
    /// The server's record as stored (for its ETag), if any.
    pub server: Option<JsValue>,
}

/// The queue entries an entity's local record counts.
pub fn pending_of(local: Option<&JsValue>) -> Option<u32> {
    match local {
        None => Some(0),
        Some(l) => jsv::get_u64(l, F_PENDING).map(|n| n as u32),
    }
}

const F_PENDING: &str = "pending";

/// Reads the current view inside a transaction over `entities` and `local`.
pub async fn current(tx: &Tx, entity_type: &str, id: &str) -> Result<Current> {
    let key = entity_key(entity_type, id);
    // Both reads in one round trip.
    let (entities, local) = (tx.store(ENTITIES)?, tx.store(LOCAL)?);
    let (server, local) = futures_util::future::join(entities.get(&key), local.get(&key)).await;
    let server = server.map_err(|e| storage("read", e))?;
    let local = local.map_err(|e| storage("read", e))?;
    Ok(current_of(server, local))
}

/// The current view from the entity's server record and local record, as read.
pub fn current_of(server: Option<JsValue>, local: Option<JsValue>) -> Current {
    let server_version = server.as_ref().and_then(|s| jsv::get_u64(s, field::VERSION));
    let view = match (&local, &server) {
        (Some(l), _) => data_of(l),
        (None, Some(s)) => data_of(s),
        (None, None) => None,
    };
    Current { view, server_version, server }
}

pub async fn get(store: &Store, entity_type: &str, id: &str) -> Result<JsValue> {
    let tx = store.read(&[ENTITIES, LOCAL])?;
    let c = current(&tx, entity_type, id).await?;
    Ok(c.view.unwrap_or(JsValue::UNDEFINED))
}

pub async fn list(store: &Store, entity_type: &str) -> Result<js_sys::Array> {
    let tx = store.read(&[ENTITIES, LOCAL])?;
    let only = idb::only(&JsValue::from_str(entity_type)).map_err(|e| storage("key range", e))?;
    let index = |name: &str| tx.store(name)?.index(BY_TYPE).map_err(|e| storage("index", e));
    // Both reads in one round trip.
    let (server, local) = futures_util::future::join(
        index(ENTITIES)?.get_all(Some(&only), None),
        index(LOCAL)?.get_all(Some(&only), None),
    )
    .await;
    let server = server.map_err(|e| storage("list", e))?;
    let local = local.map_err(|e| storage("list", e))?;
    let mut overrides: HashMap<String, Option<JsValue>> = HashMap::with_capacity(local.length() as usize);
    for l in local.iter() {
        let id = jsv::get_str(&l, field::ID).unwrap_or_default();
        overrides.insert(id, data_of(&l));
    }
    let out = js_sys::Array::new();
    for s in server.iter() {
        let id = jsv::get_str(&s, field::ID).unwrap_or_default();
        match overrides.remove(&id) {
            Some(Some(d)) => {
                out.push(&d);
            }
            Some(None) => {}
            None => {
                if let Some(d) = data_of(&s) {
                    out.push(&d);
                }
            }
        }
    }
    // What is left was created locally and is not on the server yet.
    for l in local.iter() {
        let id = jsv::get_str(&l, field::ID).unwrap_or_default();
        if let Some(Some(d)) = overrides.remove(&id) {
            out.push(&d);
        }
    }
    Ok(out)
}
