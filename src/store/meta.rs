//! Small facts about the namespace, read and written: the client id, the pull
//! cursors, what was downloaded for offline use (keys and shapes in
//! `records::meta`).

use super::{idb, schema::META, Store, Tx};
use crate::failure::{storage, Result};
use crate::jsv;
pub use crate::records::meta::PUSH_READ_UP_TO;
use crate::records::meta::{cursor_key, offline_key, offline_prefix, pulled_key, Offline, CLIENT_ID, LAST_SYNC_AT};
use offline_sync_core::protocol::Scope;
use wasm_bindgen::JsValue;

pub async fn push_read_up_to(tx: &Tx) -> Result<Option<u64>> {
    let v = tx.store(META)?.get(&JsValue::from_str(PUSH_READ_UP_TO)).await.map_err(|e| storage("read", e))?;
    Ok(v.and_then(|v| v.as_f64()).map(|n| n as u64))
}

pub async fn put_push_read_up_to(tx: &Tx, seq: u64) -> Result<()> {
    tx.store(META)?
        .put(&JsValue::from_f64(seq as f64), Some(&JsValue::from_str(PUSH_READ_UP_TO)))
        .await
        .map_err(|e| storage("write", e))
        .map(|_| ())
}

/// The id this browser profile syncs as: generated once, persisted with the data.
/// `true` with it when it was generated now: the database had none, so it was
/// empty (a first visit, or storage the browser wiped; the two look the same).
pub async fn client_id(store: &Store) -> Result<(String, bool)> {
    let tx = store.write(&[META])?;
    let meta = tx.store(META)?;
    let key = JsValue::from_str(CLIENT_ID);
    let existing = meta.get(&key).await.map_err(|e| storage("read client id", e))?;
    if let Some(id) = existing.and_then(|v| v.as_string()) {
        tx.commit().await?;
        return Ok((id, false));
    }
    let id = jsv::new_id();
    meta.put(&JsValue::from_str(&id), Some(&key)).await.map_err(|e| storage("write client id", e))?;
    tx.commit().await?;
    Ok((id, true))
}

pub async fn cursor(store: &Store, scope: &Scope) -> Result<Option<String>> {
    let tx = store.read(&[META])?;
    let v = tx.store(META)?.get(&cursor_key(scope)).await.map_err(|e| storage("read cursor", e))?;
    Ok(v.and_then(|v| v.as_string()))
}

/// Written in the same transaction as the page it follows, so a cursor never runs
/// ahead of the data.
pub async fn put_cursor(tx: &Tx, scope: &Scope, cursor: &str) -> Result<()> {
    tx.store(META)?
        .put(&JsValue::from_str(cursor), Some(&cursor_key(scope)))
        .await
        .map_err(|e| storage("write cursor", e))?;
    Ok(())
}

/// How many changes a pull of the scope that has not reached its end yet has
/// written, so its progress counts on from there after a reload; 0 when none is
/// under way.
pub async fn pulled(store: &Store, scope: &Scope) -> Result<u32> {
    let tx = store.read(&[META])?;
    let v = tx.store(META)?.get(&pulled_key(scope)).await.map_err(|e| storage("read", e))?;
    Ok(v.and_then(|v| v.as_f64()).map(|n| n as u32).unwrap_or(0))
}

/// Written with the page and its cursor: `Some(n)` while more pages follow, `None`
/// once the pull reached the end.
pub async fn put_pulled(tx: &Tx, scope: &Scope, pulled: Option<u32>) -> Result<()> {
    let store = tx.store(META)?;
    let key = pulled_key(scope);
    match pulled {
        Some(n) => store.put(&JsValue::from_f64(n as f64), Some(&key)).await.map(|_| ()),
        None => store.delete(&key).await.map(|_| ()),
    }
    .map_err(|e| storage("write", e))
}

/// Remembers one instance of a named scope as downloaded for offline use.
pub async fn mark_offline(store: &Store, scope: &Scope) -> Result<()> {
    let (Some(name), Some(id)) = (scope.name(), scope.id()) else { return Ok(()) };
    let tx = store.write(&[META])?;
    let rec = Offline::record(name, id, jsv::now_ms());
    tx.store(META)?.put(&rec, Some(&offline_key(name, id))).await.map_err(|e| storage("write", e))?;
    tx.commit().await
}

/// What was downloaded for offline use, of one scope (`Some(name)`) or of all.
pub async fn offline(store: &Store, scope: Option<&str>) -> Result<js_sys::Array> {
    let tx = store.read(&[META])?;
    let prefix = offline_prefix(scope);
    let range = idb::between(&JsValue::from_str(&prefix), &JsValue::from_str(&format!("{prefix}\u{ffff}")))
        .map_err(|e| storage("key range", e))?;
    tx.store(META)?.get_all(Some(&range), None).await.map_err(|e| storage("read", e))
}

/// Courses downloaded for offline use: `{ courseId, downloadedAt, ... }` each.
pub async fn offline_courses(store: &Store) -> Result<js_sys::Array> {
    offline(store, Some("course")).await
}

pub async fn last_sync_at(store: &Store) -> Result<Option<f64>> {
    let tx = store.read(&[META])?;
    let v = tx.store(META)?.get(&JsValue::from_str(LAST_SYNC_AT)).await.map_err(|e| storage("read", e))?;
    Ok(v.and_then(|v| v.as_f64()))
}

pub async fn put_last_sync_at(store: &Store, at: f64) -> Result<()> {
    let tx = store.write(&[META])?;
    tx.store(META)?
        .put(&JsValue::from_f64(at), Some(&JsValue::from_str(LAST_SYNC_AT)))
        .await
        .map_err(|e| storage("write", e))?;
    tx.commit().await
}
