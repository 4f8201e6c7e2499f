//! Failed sends, and the entries set aside: counted, retried, discarded.

use super::{in_state, rebase_local};
use crate::failure::{storage, Result, SyncError};
use crate::jsv;
use crate::records::queue::QueueEntry;
use crate::store::schema::{CHAINED, ENTITIES, QUEUE};
use crate::store::Store;
use js_sys::Array;
use offline_sync_core::backoff::Backoff;
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
        let e = QueueEntry(r);
        e.set_attempts(e.attempts() + 1, &now);
        let mut failures = e.failures();
        if error.kind.counts_as_attempt() {
            failures += 1;
            e.set_failures(failures);
        }
        if error.kind.counts_as_attempt() && backoff.exhausted(failures) {
            set_aside += 1;
            e.set_state(EntryState::Failed);
            e.set_error(&format!("{} (gave up after {failures} failed attempts)", error.message));
        } else {
            e.set_error(&error.message);
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
        let e = QueueEntry(&rec);
        e.set_state(EntryState::Pending);
        // The server logged its refusal under the old id and would answer it again.
        // A refused change was never applied, so a new id is safe; an entry set aside
        // after maxAttempts keeps its id, as it may have been applied.
        if e.is_rejected() {
            e.set_mutation_id(&jsv::new_id());
            e.set_rejected(false);
        }
        // A fresh allowance of attempts (`attempts`, the failed sends, stays for the app to see).
        e.set_failures(0);
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
        let e = QueueEntry(&rec);
        tx.store(QUEUE)?.delete(&e.seq_js()).await.map_err(|e| storage("write queue", e))?;
        rebase_local(&tx, &e.entity_type(), &e.entity_id()).await?;
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}

fn selected(rec: &JsValue, ids: &Option<Vec<String>>) -> bool {
    match ids {
        None => true,
        Some(ids) => QueueEntry(rec).mutation_id().is_some_and(|m| ids.contains(&m)),
    }
}
