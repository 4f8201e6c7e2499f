//! Making a change: persisted and laid over the local view in one transaction.

use super::{meta_of, new_record, Change};
use crate::failure::{input, storage, Result, SyncError};
use crate::jsv;
use crate::records::entity::EntityRecord;
use crate::records::queue::QueueEntry;
use crate::store::schema::{BY_ENTITY, CHAINED, ENTITIES, META, QUEUE};
use crate::store::view::{self, apply_op, local_of, local_only, local_part, pending_of, record_write, with_local};
use crate::store::{entity_key, idb, meta, Store};
use js_sys::Array;
use offline_sync_core::protocol::Op;
use offline_sync_core::queue::{fold, Fold};
use wasm_bindgen::JsValue;

/// Persists a change and applies it to the local view, in one transaction.
/// Resolves with the mutation id once that transaction committed.
///
/// One round of reads (the entity's record, the queue's tail), a second only when
/// the change could fold into the tail or the local part lacks its entry count,
/// then the writes, all inside `idb.js`: the plan in between is made here,
/// synchronously.
pub async fn enqueue(store: &Store, change: &Change) -> Result<String> {
    if change.op == Op::Create {
        let first = enqueue_new(&store.db()?, change).await.map_err(|e| clone_error(storage("queue", e), change))?;
        if let Some(id) = first {
            return Ok(id);
        }
    }
    let key = entity_key(&change.entity_type, &change.entity_id);
    let reads = Array::of2(&idb::read(ENTITIES, "get", &key, None), &idb::read(QUEUE, "last", &JsValue::NULL, None));
    let c = change.clone();
    let decide =
        wasm_bindgen::closure::Closure::<dyn FnMut(Array) -> JsValue>::new(move |r: Array| plan_enqueue(&c, &r));
    let id = idb::read_then_write(&store.db()?, &[ENTITIES, QUEUE, META, CHAINED], &reads, decide.as_ref())
        .await
        .map_err(|e| clone_error(storage("queue", e), change))?;
    Ok(id.as_string().unwrap_or_default())
}

/// A create is nearly always of an id that nothing holds yet: no record of it (so
/// no local view and no queued entry either). Then its writes depend on no read, and
/// they go out on that guess, the record written with `add`, which IndexedDB
/// refuses for a key that holds one (`idb::add_unless_held`): one round trip to
/// IndexedDB instead of two, and no read. `None` when the guess was wrong and
/// nothing was written.
async fn enqueue_new(db: &JsValue, change: &Change) -> std::result::Result<Option<String>, JsValue> {
    let id = jsv::new_id();
    let rec = new_record(change, &id, None);
    QueueEntry(&rec).set_base_data(None);
    let view = apply_op(Op::Create, None, &change.data);
    let local = local_part(view.as_ref(), 1);
    let entity = local_only(&change.entity_type, &change.entity_id, &local);
    let writes = Array::of2(&idb::write(QUEUE, "add", &rec), &idb::write(ENTITIES, "add", &entity));
    let done = idb::add_unless_held(db, &[ENTITIES, QUEUE], &writes, &JsValue::from_str(&id)).await?;
    Ok(done.map(|_| id))
}

/// A value IndexedDB cannot clone (a function, a symbol) is the app's mistake, not
/// a storage fault: say so.
fn clone_error(e: SyncError, change: &Change) -> SyncError {
    if crate::failure::mentions(&e.message, "DataCloneError") {
        input(format!(
            "offline-sync: data for {} {}/{} cannot be stored: {}",
            change.op.as_str(),
            change.entity_type,
            change.entity_id,
            e.message
        ))
    } else {
        e
    }
}

/// The writes of a change, from `enqueue`'s reads: `{ writes, result: mutationId }`,
/// or `{ more }` when it needs to know how far a push read and how many entries the
/// entity has queued.
fn plan_enqueue(change: &Change, r: &Array) -> JsValue {
    let stored = jsv::defined(r.get(0));
    let local = local_of(stored.as_ref());
    let tail = jsv::defined(r.get(1));
    let tail_meta = tail.as_ref().and_then(meta_of);
    let mut decision = fold(tail_meta.as_ref(), &change.entity_type, &change.entity_id, change.op);
    let known = pending_of(local.as_ref());
    if r.length() == 2 && (decision != Fold::Append || known.is_none()) {
        let key = entity_key(&change.entity_type, &change.entity_id);
        let plan = jsv::object();
        let more = Array::of2(
            &idb::read(META, "get", &JsValue::from_str(meta::PUSH_READ_UP_TO), None),
            &idb::read(QUEUE, "count", &key, Some(BY_ENTITY)),
        );
        jsv::set(&plan, "more", &more);
        return plan;
    }
    // A push read the tail: it may be on its way to the server.
    let read_up_to = r.get(2).as_f64().map(|n| n as u64);
    if tail_meta.as_ref().zip(read_up_to).is_some_and(|(t, read)| t.seq <= read) {
        decision = Fold::Append;
    }
    // The local part counts the entity's queued entries (else the index did).
    let queued = known.map(f64::from).or(r.get(3).as_f64()).unwrap_or(0.0) as i64;
    let cur = view::current_of(stored);
    // The queue write, how the entity's entry count moves, and the mutation id the
    // change goes out under.
    let key = entity_key(&change.entity_type, &change.entity_id);
    let mut chain = None;
    let (queue_write, delta, mutation_id) = match (&decision, &tail) {
        (Fold::Replace { op }, Some(t)) | (Fold::MergeIntoTail { op }, Some(t)) => {
            let t = QueueEntry(t);
            let payload = if matches!(decision, Fold::MergeIntoTail { .. }) {
                jsv::merged(&t.payload(), &change.data)
            } else {
                change.data.clone()
            };
            t.set_change(*op, &payload);
            (idb::write(QUEUE, "put", t.0), 0, t.mutation_id_js())
        }
        (Fold::DropTail, Some(t)) => {
            let t = QueueEntry(t);
            (idb::write(QUEUE, "delete", &t.seq_js()), -1, t.mutation_id_js())
        }
        _ => {
            let id = jsv::new_id();
            let rec = new_record(change, &id, cur.server_version);
            let entry = QueueEntry(&rec);
            entry.set_base_data(cur.view.as_ref());
            // The server's ETag (REST) of what the app sees, for `If-Match` when this is sent.
            if let Some(tag) = cur.server.as_ref().and_then(|s| EntityRecord(s).etag()) {
                entry.set_base_etag(Some(&tag));
            }
            // A second entry of the entity: settling its first one must read (and rebase).
            if queued >= 1 {
                chain = Some(idb::write_at(CHAINED, &JsValue::from_f64(1.0), &key));
            }
            (idb::write(QUEUE, "add", &rec), 1, JsValue::from_str(&id))
        }
    };
    let pending = (queued + delta).max(0) as u32;
    let next = apply_op(change.op, cur.view.as_ref(), &change.data);
    let local = (pending > 0).then(|| local_part(next.as_ref(), pending));
    let (et, id) = (&change.entity_type, &change.entity_id);
    let entity_write = record_write(et, id, with_local(et, id, cur.server, local.as_ref()));
    let writes = Array::of2(&queue_write, &entity_write);
    if let Some(c) = chain {
        writes.push(&c);
    }
    let plan = jsv::object();
    jsv::set(&plan, "writes", &writes);
    jsv::set(&plan, "result", &mutation_id);
    plan
}
