//! Failed sends, and the entries set aside: counted, retried, discarded.

use super::{
    in_state, rebase_local, F_ATTEMPTS, F_ENTITY, F_ENTITY_ID, F_ERROR, F_FAILURES, F_LAST_ATTEMPT_AT, F_REJECTED,
    F_SEQ, F_STATUS,
};
use crate::failure::{storage, Result, SyncError};
use crate::jsv;
use crate::store::schema::{CHAINED, ENTITIES, QUEUE};
use crate::store::Store;
use js_sys::Array;
use offline_sync_core::backoff::Backoff;
use offline_sync_core::protocol::field;
use offline_sync_core::queue::EntryState;
use wasm_bindgen::JsValue;

/// Records a failed send on each entry: one more attempt, the error, for the app to
/// see, and, when the server was reached, one more counted failure. Entries that
/// used up `maxAttempts` are set aside as failed. Returns how many were set aside.
pub async fn note_failure(store: &Store, records: &[JsValue], error: &SyncError, backoff: &Backoff) -> Result<u32> {
    let tx = store.write(&[QUEUE])?;
    let mut set_aside = 0;
    let now = JsValue::from_f64(jsv::now_ms());
    for r in records {
        let n = jsv::get_u64(r, F_ATTEMPTS).unwrap_or(0) + 1;
        jsv::set(r, F_ATTEMPTS, &JsValue::from_f64(n as f64));
        jsv::set(r, F_LAST_ATTEMPT_AT, &now);
        let mut failures = jsv::get_u64(r, F_FAILURES).unwrap_or(0) as u32;
        if error.kind.counts_as_attempt() {
            failures += 1;
            jsv::set(r, F_FAILURES, &JsValue::from_f64(failures as f64));
        }
        if error.kind.counts_as_attempt() && backoff.exhausted(failures) {
            set_aside += 1;
            jsv::set(r, F_STATUS, &JsValue::from_str(EntryState::Failed.as_str()));
            let msg = format!("{} (gave up after {failures} failed attempts)", error.message);
            jsv::set(r, F_ERROR, &JsValue::from_str(&msg));
        } else {
            jsv::set(r, F_ERROR, &JsValue::from_str(&error.message));
        }
    }
    let puts: Array = records.iter().collect();
    tx.store(QUEUE)?.put_many(&puts).await.map_err(|e| storage("write queue", e))?;
    tx.commit().await?;
    Ok(set_aside)
}

/// Puts failed entries (all, or those with the given mutation ids) back in line.
pub async fn retry_failed(store: &Store, ids: Option<Vec<String>>) -> Result<u32> {
    let failed = in_state(store, EntryState::Failed).await?;
    let tx = store.write(&[QUEUE])?;
    let puts = Array::new();
    for rec in failed.iter().filter(|r| selected(r, &ids)) {
        jsv::set(&rec, F_STATUS, &JsValue::from_str(EntryState::Pending.as_str()));
        // The server logged its refusal under the old id and would answer it again.
        // A refused change was never applied, so a new id is safe; an entry set aside
        // after maxAttempts keeps its id, as it may have been applied.
        if jsv::get_bool(&rec, F_REJECTED) == Some(true) {
            jsv::set(&rec, field::MUTATION_ID, &JsValue::from_str(&jsv::new_id()));
            jsv::set(&rec, F_REJECTED, &JsValue::FALSE);
        }
        // A fresh allowance of attempts (`attempts`, the failed sends, stays for the app to see).
        jsv::set(&rec, F_FAILURES, &JsValue::from_f64(0.0));
        puts.push(&rec);
    }
    tx.store(QUEUE)?.put_many(&puts).await.map_err(|e| storage("write queue", e))?;
    tx.commit().await?;
    Ok(puts.length())
}

/// Drops failed entries (all, or those with the given mutation ids) and recomputes
/// the local view of their entities without them.
pub async fn discard_failed(store: &Store, ids: Option<Vec<String>>) -> Result<u32> {
    let failed = in_state(store, EntryState::Failed).await?;
    let tx = store.write(&[ENTITIES, QUEUE, CHAINED])?;
    let mut n = 0;
    for rec in failed.iter().filter(|r| selected(r, &ids)) {
        tx.store(QUEUE)?.delete(&jsv::get(&rec, F_SEQ)).await.map_err(|e| storage("write queue", e))?;
        let et = jsv::get_str(&rec, F_ENTITY).unwrap_or_default();
        let id = jsv::get_str(&rec, F_ENTITY_ID).unwrap_or_default();
        rebase_local(&tx, &et, &id).await?;
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}

fn selected(rec: &JsValue, ids: &Option<Vec<String>>) -> bool {
    match ids {
        None => true,
        Some(ids) => jsv::get_str(rec, field::MUTATION_ID).is_some_and(|m| ids.contains(&m)),
    }
}
