//! The queue of local changes waiting for the server (the outbox): the record
//! fields and reads here; making a change (`enqueue`), recording the server's
//! answers (`settle`) and the entries it refused or that failed (`failed`) apart.
//!
//! A record's shape and field names are `records::queue`'s.

use super::schema::{BY_STATUS, CONFLICTS, META, QUEUE};
use super::{idb, meta, Store, Tx};
use crate::failure::{storage, Result};
use crate::jsv;
use crate::records::queue::QueueEntry;
use js_sys::Array;
use offline_sync_core::protocol::Op;
use offline_sync_core::queue::{EntryMeta, EntryState};
use wasm_bindgen::JsValue;

pub mod conflict;
mod enqueue;
mod failed;
mod settle;
#[cfg(test)]
mod tests;

pub use enqueue::enqueue;
pub use failed::{discard_failed, note_failure, retry_failed};
pub use settle::{rebase_local, settle};

// The queue's key, by which its entries are sorted.
use crate::records::queue::F_SEQ;

/// A change the app makes.
#[derive(Clone)]
pub struct Change {
    pub op: Op,
    pub entity_type: String,
    pub entity_id: String,
    pub data: JsValue,
}

/// Reads the rule-relevant fields of a queue record.
pub fn meta_of(rec: &JsValue) -> Option<EntryMeta> {
    QueueEntry(rec).meta()
}

/// A new pending queue entry for `change`.
pub(crate) fn new_record(change: &Change, mutation_id: &str, base_version: Option<u64>) -> JsValue {
    QueueEntry::record(change.op, &change.entity_type, &change.entity_id, &change.data, mutation_id, base_version)
}

/// Queue records, with their rule fields, after position `after` (all, when `None`),
/// oldest first, at most `limit` of them: a push reads the queue a window at a time
/// instead of holding every queued payload at once.
///
/// Records, in the same transaction, that the push read this far: no change is
/// folded into these entries from now on, since any of them may be on its way to
/// the server, and so what was read is what gets sent.
pub async fn load_after(store: &Store, after: Option<u64>, limit: Option<u32>) -> Result<Vec<(JsValue, EntryMeta)>> {
    let tx = store.write(&[QUEUE, META])?;
    let range = match after {
        Some(seq) => Some(idb::above(&JsValue::from_f64(seq as f64)).map_err(|e| storage("key range", e))?),
        None => None,
    };
    let queue = tx.store(QUEUE)?;
    let (all, read) =
        futures_util::future::join(queue.get_all(range.as_ref(), limit), meta::push_read_up_to(&tx)).await;
    let all = all.map_err(|e| storage("read queue", e))?;
    let out: Vec<(JsValue, EntryMeta)> = all.iter().filter_map(|r| meta_of(&r).map(|m| (r, m))).collect();
    if let Some((_, last)) = out.last() {
        if read?.is_none_or(|r| r < last.seq) {
            meta::put_push_read_up_to(&tx, last.seq).await?;
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// Counts of pending and failed entries.
pub async fn counts(store: &Store) -> Result<(u32, u32)> {
    counts_in(&store.read(&[QUEUE])?).await
}

/// Counts of pending and failed entries, inside a transaction over `queue`.
async fn counts_in(tx: &Tx) -> Result<(u32, u32)> {
    let idx = tx.store(QUEUE)?.index(BY_STATUS).map_err(|e| storage("index", e))?;
    let range = |s: EntryState| idb::only(&JsValue::from_str(s.as_str())).map_err(|e| storage("key range", e));
    let (pending, failed) = (range(EntryState::Pending)?, range(EntryState::Failed)?);
    // Both requests in one round trip.
    let (pending, failed) = futures_util::future::join(idx.count(Some(&pending)), idx.count(Some(&failed))).await;
    let pending = pending.map_err(|e| storage("count", e))?;
    let failed = failed.map_err(|e| storage("count", e))?;
    Ok((pending, failed))
}

/// Queue records in the given state, oldest first.
pub async fn in_state(store: &Store, state: EntryState) -> Result<Array> {
    let tx = store.read(&[QUEUE])?;
    let idx = tx.store(QUEUE)?.index(BY_STATUS).map_err(|e| storage("index", e))?;
    let only = idb::only(&JsValue::from_str(state.as_str())).map_err(|e| storage("key range", e))?;
    idx.get_all(Some(&only), None).await.map_err(|e| storage("read queue", e))
}

/// Local changes the server refused as stale, oldest first.
pub async fn conflicts(store: &Store) -> Result<Array> {
    let tx = store.read(&[CONFLICTS])?;
    let all = tx.store(CONFLICTS)?.get_all(None, None).await.map_err(|e| storage("read conflicts", e))?;
    Ok(jsv::sorted_by_number(&all, crate::records::conflict::F_AT))
}
