//! Writing a pulled page: every change and the cursor after it, in one transaction
//! that starts only after the page arrived.

use super::schema::{ENTITIES, META};
use super::{entity_key, meta, Store};
use crate::failure::{protocol, storage, Result};
use crate::jsv;
use offline_sync_core::protocol::{field, Scope};
use wasm_bindgen::JsValue;

/// Checks the few fields IndexedDB keys on, so a malformed record is a clear
/// protocol error rather than an aborted transaction.
pub fn check_change(change: &JsValue, index: u32) -> Result<bool> {
    let bad = |what: &str| protocol(format!("server sent a malformed change (#{index}): {what}"));
    if !change.is_object() {
        return Err(bad("not an object"));
    }
    if jsv::get_str(change, field::ENTITY_TYPE).is_none_or(|s| s.is_empty()) {
        return Err(bad("`entityType` is not a non-empty string"));
    }
    if jsv::get_str(change, field::ID).is_none_or(|s| s.is_empty()) {
        return Err(bad("`id` is not a non-empty string"));
    }
    if jsv::get_u64(change, field::VERSION).is_none() {
        return Err(bad("`version` is not a whole number"));
    }
    let deleted = jsv::get(change, field::DELETED);
    let deleted = if deleted.is_undefined() {
        false
    } else {
        deleted.as_bool().ok_or_else(|| bad("`deleted` is not a boolean"))?
    };
    if !deleted && !jsv::is_plain_object(&jsv::get(change, field::DATA)) {
        return Err(bad("`data` is not an object"));
    }
    Ok(deleted)
}

/// Writes the changes (server state only; local edits live elsewhere and are not
/// touched) and, when given, the cursor that follows them. Returns how many were written.
pub async fn write_page(store: &Store, changes: &js_sys::Array, scope: &Scope, cursor: Option<&str>) -> Result<u32> {
    let mut puts = Vec::with_capacity(changes.length() as usize);
    let mut deletes = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        if check_change(&c, i as u32)? {
            let et = jsv::get_str(&c, field::ENTITY_TYPE).unwrap_or_default();
            let id = jsv::get_str(&c, field::ID).unwrap_or_default();
            deletes.push(entity_key(&et, &id));
        } else {
            puts.push(c);
        }
    }
    let tx = store.write(&[ENTITIES, META])?;
    let entities = tx.store(ENTITIES)?;
    // put_all issues every request before awaiting the last: one round of the event
    // loop per page, not per record.
    entities.put_all(puts.iter().map(|c| (c.clone(), None))).await.map_err(|e| storage("write page", e))?;
    for k in deletes.iter() {
        entities.delete(k.clone()).await.map_err(|e| storage("write page", e))?;
    }
    if let Some(cursor) = cursor {
        meta::put_cursor(&tx, scope, cursor).await?;
    }
    tx.commit().await?;
    Ok((puts.len() + deletes.len()) as u32)
}

#[allow(dead_code)] // used by the REST transport
/// For transports that can only list a whole scope (plain REST): removes server
/// records of `entity_type` that the complete list no longer has. Local edits live
/// in their own store and survive.
pub async fn remove_missing(store: &Store, entity_type: &str, keep: &std::collections::HashSet<String>) -> Result<u32> {
    let tx = store.write(&[ENTITIES])?;
    let entities = tx.store(ENTITIES)?;
    let only = rexie::KeyRange::only(&JsValue::from_str(entity_type)).map_err(|e| storage("key range", e.into()))?;
    let idx = entities.index(super::schema::BY_TYPE).map_err(|e| storage("index", e))?;
    let keys = idx.get_all_keys(Some(only), None).await.map_err(|e| storage("read", e))?;
    let mut n = 0;
    for k in keys {
        let id = js_sys::Array::from(&k).get(1).as_string().unwrap_or_default();
        if !keep.contains(&id) {
            entities.delete(k).await.map_err(|e| storage("delete", e))?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}
