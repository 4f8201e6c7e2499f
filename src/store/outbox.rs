//! The queue of local changes waiting for the server (the outbox).
//!
//! Records keep the field names of the JS module this replaces: `{ id, mutationId,
//! type, entity, entityId, payload, baseVersion, createdAt, attempts,
//! lastAttemptAt, error, status }`; `id` is the queue position (auto-increment).

use super::pull_write::F_ETAG;
use super::schema::{BY_ENTITY, BY_STATUS, CHAINED, CONFLICTS, ENTITIES, META, QUEUE};
use super::view::{self, apply_op, data_of, local_of, local_only, local_part, pending_of, record_write, with_local};
use super::{entity_key, idb, key_parts, meta, Store, Tx};
use crate::failure::{input, storage, Result, SyncError};
use crate::jsv;
use js_sys::Array;
use offline_sync_core::backoff::Backoff;
use offline_sync_core::keyed::{KeyMap, KeySet};
use offline_sync_core::protocol::{field, Op};
use offline_sync_core::queue::{fold, EntryMeta, EntryState, Fold};
use wasm_bindgen::{JsCast, JsValue};

pub const F_SEQ: &str = "id";
pub const F_TYPE: &str = "type";
pub const F_ENTITY: &str = "entity";
pub const F_ENTITY_ID: &str = "entityId";
pub const F_PAYLOAD: &str = "payload";
pub const F_ATTEMPTS: &str = "attempts";
pub const F_STATUS: &str = "status";
pub const F_ERROR: &str = "error";
/// Failed sends that reached the server (5xx, bad answers); what `maxAttempts` limits.
pub const F_FAILURES: &str = "failures";
/// Set when the server refused the entry for good (as opposed to giving up after retries).
pub const F_REJECTED: &str = "rejected";
/// What the app saw when it made the change (the entity's data before it, null
/// if none): a PUT sends it with the change laid over, and path fields come from it.
pub const F_BASE_DATA: &str = "baseData";
/// The `ETag` of the server's version the change was made on (REST `If-Match`).
pub const F_BASE_ETAG: &str = "baseEtag";

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
    Some(EntryMeta {
        seq: jsv::get_u64(rec, F_SEQ)?,
        entity_type: jsv::get_str(rec, F_ENTITY)?,
        entity_id: jsv::get_str(rec, F_ENTITY_ID)?,
        op: Op::parse(&jsv::get_str(rec, F_TYPE)?)?,
        state: EntryState::parse(&jsv::get_str(rec, F_STATUS)?)?,
        attempts: jsv::get_u64(rec, F_ATTEMPTS).unwrap_or(0) as u32,
        base_version: jsv::get_u64(rec, field::BASE_VERSION),
    })
}

fn new_record(change: &Change, mutation_id: &str, base_version: Option<u64>) -> JsValue {
    let rec = jsv::object();
    jsv::set(&rec, field::MUTATION_ID, &JsValue::from_str(mutation_id));
    jsv::set(&rec, F_TYPE, &JsValue::from_str(change.op.as_str()));
    jsv::set(&rec, F_ENTITY, &JsValue::from_str(&change.entity_type));
    jsv::set(&rec, F_ENTITY_ID, &JsValue::from_str(&change.entity_id));
    jsv::set(&rec, F_PAYLOAD, &change.data);
    let bv = base_version.map(|v| JsValue::from_f64(v as f64)).unwrap_or(JsValue::NULL);
    jsv::set(&rec, field::BASE_VERSION, &bv);
    jsv::set(&rec, "createdAt", &JsValue::from_f64(jsv::now_ms()));
    jsv::set(&rec, F_ATTEMPTS, &JsValue::from_f64(0.0));
    jsv::set(&rec, F_STATUS, &JsValue::from_str(EntryState::Pending.as_str()));
    rec
}

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
    jsv::set(&rec, F_BASE_DATA, &JsValue::NULL);
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
            let payload = if matches!(decision, Fold::MergeIntoTail { .. }) {
                jsv::merged(&jsv::get(t, F_PAYLOAD), &change.data)
            } else {
                change.data.clone()
            };
            jsv::set(t, F_TYPE, &JsValue::from_str(op.as_str()));
            jsv::set(t, F_PAYLOAD, &payload);
            (idb::write(QUEUE, "put", t), 0, jsv::get(t, field::MUTATION_ID))
        }
        (Fold::DropTail, Some(t)) => {
            (idb::write(QUEUE, "delete", &jsv::get(t, F_SEQ)), -1, jsv::get(t, field::MUTATION_ID))
        }
        _ => {
            let id = jsv::new_id();
            let rec = new_record(change, &id, cur.server_version);
            jsv::set(&rec, F_BASE_DATA, cur.view.as_ref().unwrap_or(&JsValue::NULL));
            // The server's ETag (REST) of what the app sees, for `If-Match` when this is sent.
            if let Some(tag) = cur.server.as_ref().and_then(|s| jsv::get_str(s, F_ETAG)) {
                jsv::set(&rec, F_BASE_ETAG, &JsValue::from_str(&tag));
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
        jsv::set(r, "lastAttemptAt", &now);
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

/// What the server said about one queued change.
pub enum Outcome {
    /// Applied; the entity as the server now holds it (`None`: it does not exist).
    Applied(Option<JsValue>),
    /// Refused as stale; the server's entity wins, the local change is kept in `conflicts`.
    Conflict(Option<JsValue>),
    /// Will never be applied: set aside as failed with this error.
    Rejected(String),
}

#[derive(Default, Clone, Copy)]
pub struct Settled {
    pub applied: u32,
    pub conflicts: u32,
    pub failed: u32,
}

impl Settled {
    fn add(&mut self, o: Settled) {
        self.applied += o.applied;
        self.conflicts += o.conflicts;
        self.failed += o.failed;
    }
}

/// One entity's answers, in order: `(entity type, id, answers)`.
type Group = (String, String, Vec<(JsValue, Outcome)>);

/// Records the server's answers in one transaction: server state, queue, local
/// views and conflicts move together or not at all. Also answers the queue entries
/// it rewrote (later changes rebased on the server's answer, records re-keyed), so
/// a push holding copies of them sends them as they are now.
///
/// `span`, when given, is a range of queue positions that holds the batch's entries
/// and nothing else: they are then deleted with one request.
pub async fn settle(
    store: &Store,
    answers: Vec<(JsValue, Outcome)>,
    span: Option<(u64, u64)>,
) -> Result<(Settled, Vec<JsValue>)> {
    let tx = store.write(&[ENTITIES, QUEUE, CONFLICTS, CHAINED])?;
    let rekeys = rekeys_of(&answers);
    // One entity's answers stay together and in order.
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: KeyMap<(String, String), usize> = KeyMap::new();
    for (rec, outcome) in answers {
        let key =
            (jsv::get_str(&rec, F_ENTITY).unwrap_or_default(), jsv::get_str(&rec, F_ENTITY_ID).unwrap_or_default());
        let i = *group_of.get_or_insert_with(key.clone(), || {
            groups.push((key.0, key.1, Vec::new()));
            groups.len() - 1
        });
        groups[i].2.push((rec, outcome));
    }
    // When this batch holds every queued entry of an entity, settling it is blind
    // writes (no queue reads, nothing to rebase). An entity not in `chained` has one
    // entry at most, so one answered entry is all of them; for the others the local
    // part of their record counts them, and only those records are read.
    let chained = chained_among(&tx, &groups).await?;
    let keys: Array = chained.iter().map(|&i| entity_key(&groups[i].0, &groups[i].1)).collect();
    let records = match keys.length() {
        0 => Array::new(),
        _ => tx.store(ENTITIES)?.get_many(&keys).await.map_err(|e| storage("read", e))?,
    };
    let (mut whole, mut partial, unchain) = (Vec::new(), Vec::new(), Array::new());
    for (i, g) in groups.into_iter().enumerate() {
        let local_at = chained.iter().position(|&c| c == i);
        let all_in_batch = match local_at {
            None => g.2.len() == 1,
            Some(at) => pending_of(local_of(Some(&records.get(at as u32))).as_ref()) == Some(g.2.len() as u32),
        };
        if all_in_batch && g.2.iter().all(|(_, o)| !matches!(o, Outcome::Rejected(_))) {
            if local_at.is_some() {
                unchain.push(&entity_key(&g.0, &g.1));
            }
            whole.push(g);
        } else {
            partial.push(g);
        }
    }
    let span = match span {
        Some((lo, hi)) if partial.is_empty() => Some(
            idb::between(&JsValue::from_f64(lo as f64), &JsValue::from_f64(hi as f64))
                .map_err(|e| storage("key range", e))?,
        ),
        _ => None,
    };
    let (mut n, blind) = settle_whole(&tx, whole, span, unchain);
    // Entities do not touch each other's records, so their requests go out together:
    // one round trip per step for the batch, not one per entity.
    let (blind, rest) = futures_util::future::join(
        blind,
        crate::task::join_all(partial.into_iter().map(|(_, _, g)| settle_entity(&tx, g))),
    )
    .await;
    blind?;
    let mut rewritten = Vec::new();
    for s in rest {
        let (s, r) = s?;
        n.add(s);
        rewritten.extend(r);
    }
    // After every entity settled, so no other step reads a record being renamed.
    for (et, old, new) in &rekeys {
        rewritten.extend(rekey(&tx, et, old, new).await?.iter());
    }
    tx.commit().await?;
    Ok((n, rewritten))
}

/// Settles entities whose every queued entry is in the batch: their record is the
/// last answer (which has no local part), their entries go. Counts, and the writes
/// as one future (issued together): one request per entity.
fn settle_whole(
    tx: &Tx,
    groups: Vec<Group>,
    span: Option<JsValue>,
    unchain: Array,
) -> (Settled, impl std::future::Future<Output = Result<()>> + '_) {
    let mut n = Settled::default();
    let (server_puts, server_deletes, done, conflicts) = (Array::new(), Array::new(), Array::new(), Array::new());
    for (et, id, answers) in groups {
        let mut last = None;
        for (rec, outcome) in answers {
            done.push(&jsv::get(&rec, F_SEQ));
            match outcome {
                Outcome::Applied(e) => {
                    n.applied += 1;
                    last = Some(e);
                }
                Outcome::Conflict(e) => {
                    n.conflicts += 1;
                    conflicts.push(&conflict_record(&rec, &et, &id, e.as_ref()));
                    last = Some(e);
                }
                Outcome::Rejected(_) => {}
            }
        }
        match last.flatten().filter(|e| data_of(e).is_some()) {
            Some(e) => {
                view::without_local(&e);
                server_puts.push(&e)
            }
            None => server_deletes.push(&entity_key(&et, &id)),
        };
    }
    let writes = async move {
        let entities = tx.store(ENTITIES)?;
        let (queue, conflict_store, chained) = (tx.store(QUEUE)?, tx.store(CONFLICTS)?, tx.store(CHAINED)?);
        let ((a, b, c), (e, f)) = futures_util::future::join(
            futures_util::future::join3(
                entities.put_many(&server_puts),
                entities.delete_many(&server_deletes),
                async {
                    match &span {
                        Some(range) => queue.delete(range).await,
                        None => queue.delete_many(&done).await,
                    }
                },
            ),
            futures_util::future::join(conflict_store.put_many(&conflicts), chained.delete_many(&unchain)),
        )
        .await;
        a.and(b).and(c).and(e).and(f).map_err(|e| storage("settle", e))
    };
    (n, writes)
}

/// How many `chained` keys a settle reads whole. Past that (many entities edited
/// several times each), it asks for its own entities' keys instead, so a long
/// queue of such entities does not cost a read of the whole store per batch.
const CHAINED_READ_LIMIT: u32 = 1000;

/// Which of the groups' entities are in `chained`. One read of the store, which
/// holds only entities with several changes queued and so is nearly always small.
async fn chained_among(tx: &Tx, groups: &[Group]) -> Result<Vec<usize>> {
    let store = tx.store(CHAINED)?;
    let keys = store.get_all_keys(None, Some(CHAINED_READ_LIMIT)).await.map_err(|e| storage("read", e))?;
    if keys.length() == 0 {
        return Ok(Vec::new());
    }
    if keys.length() == CHAINED_READ_LIMIT {
        let mine: Array = groups.iter().map(|(et, id, _)| entity_key(et, id)).collect();
        let marks = store.get_many(&mine).await.map_err(|e| storage("read", e))?;
        return Ok((0..groups.len()).filter(|&i| !marks.get(i as u32).is_undefined()).collect());
    }
    let marked: KeySet<(String, String)> = keys.iter().map(|k| key_parts(&k)).collect();
    Ok((0..groups.len()).filter(|&i| marked.contains(&(groups[i].0.clone(), groups[i].1.clone()))).collect())
}

fn conflict_record(rec: &JsValue, et: &str, id: &str, server: Option<&JsValue>) -> JsValue {
    let c = jsv::object();
    jsv::set(&c, field::MUTATION_ID, &jsv::get(rec, field::MUTATION_ID));
    jsv::set(&c, field::ENTITY_TYPE, &JsValue::from_str(et));
    jsv::set(&c, F_ENTITY_ID, &JsValue::from_str(id));
    jsv::set(&c, F_TYPE, &jsv::get(rec, F_TYPE));
    jsv::set(&c, "local", &jsv::get(rec, F_PAYLOAD));
    jsv::set(&c, "server", server.unwrap_or(&JsValue::NULL));
    jsv::set(&c, "at", &JsValue::from_f64(jsv::now_ms()));
    c
}

/// Created records the server answered under another id than the local one:
/// `(entity type, local id, server id)`.
fn rekeys_of(answers: &[(JsValue, Outcome)]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (rec, outcome) in answers {
        let Outcome::Applied(Some(e)) = outcome else { continue };
        let et = jsv::get_str(rec, F_ENTITY).unwrap_or_default();
        let old = jsv::get_str(rec, F_ENTITY_ID).unwrap_or_default();
        if jsv::get_str(e, field::ENTITY_TYPE).as_deref() != Some(et.as_str()) {
            continue;
        }
        match jsv::get_str(e, field::ID) {
            Some(new)
                if new != old && !out.iter().any(|(t, o, _): &(String, String, String)| *t == et && *o == old) =>
            {
                out.push((et, old, new))
            }
            _ => {}
        }
    }
    out
}

/// Moves a record from its local id to the id the server gave it: the queue
/// entries that name it, and the fields of every queued change that hold the old
/// id (a lesson's `courseId`), then the local views of all of them. Local ids
/// should be unique strings (UUIDs): any top-level field equal to one is rewritten.
async fn rekey(tx: &Tx, et: &str, old: &str, new: &str) -> Result<Array> {
    tx.store(ENTITIES)?.delete(&entity_key(et, old)).await.map_err(|e| storage("write entity", e))?;
    let queue = tx.store(QUEUE)?;
    let all = queue.get_all(None, None).await.map_err(|e| storage("read queue", e))?;
    let mut touched = vec![(et.to_string(), old.to_string()), (et.to_string(), new.to_string())];
    let changed = Array::new();
    for r in all.iter() {
        if rekey_entry(&r, et, old, new) {
            let key =
                (jsv::get_str(&r, F_ENTITY).unwrap_or_default(), jsv::get_str(&r, F_ENTITY_ID).unwrap_or_default());
            if !touched.contains(&key) {
                touched.push(key);
            }
            changed.push(&r);
        }
    }
    queue.put_many(&changed).await.map_err(|e| storage("write queue", e))?;
    for (t, i) in &touched {
        rebase_local(tx, t, i).await?;
    }
    Ok(changed)
}

fn rekey_entry(r: &JsValue, et: &str, old: &str, new: &str) -> bool {
    let mut changed = false;
    if jsv::get_str(r, F_ENTITY).as_deref() == Some(et) && jsv::get_str(r, F_ENTITY_ID).as_deref() == Some(old) {
        jsv::set(r, F_ENTITY_ID, &JsValue::from_str(new));
        changed = true;
    }
    for f in [F_PAYLOAD, F_BASE_DATA] {
        let v = jsv::get(r, f);
        if !jsv::is_plain_object(&v) {
            continue;
        }
        for k in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()) {
            if jsv::get_str(&v, &k).as_deref() == Some(old) {
                jsv::set(&v, &k, &JsValue::from_str(new));
                changed = true;
            }
        }
    }
    changed
}

/// An entity's queue entries, oldest first.
async fn entries_of(tx: &Tx, et: &str, id: &str) -> Result<Vec<JsValue>> {
    let only = idb::only(&entity_key(et, id)).map_err(|e| storage("key range", e))?;
    let idx = tx.store(QUEUE)?.index(BY_ENTITY).map_err(|e| storage("index", e))?;
    let all = idx.get_all(Some(&only), None).await.map_err(|e| storage("read queue", e))?;
    Ok(jsv::sorted_by_number(&all, F_SEQ).iter().collect())
}

/// After a change of an entity was applied, the entity's later queued changes are
/// based on the server's new state (our own change is no conflict for them): their
/// `baseVersion`, `baseEtag` and `baseData` move on, each over the ones before it.
async fn rebase_queue(tx: &Tx, et: &str, id: &str, after: u64, entity: Option<&JsValue>) -> Result<Vec<JsValue>> {
    let mut later = entries_of(tx, et, id).await?;
    later.retain(|r| jsv::get_u64(r, F_SEQ).is_some_and(|s| s > after));
    if later.is_empty() {
        return Ok(later);
    }
    let mut view = entity.and_then(data_of);
    let version = entity.and_then(|e| jsv::get_u64(e, field::VERSION)).filter(|_| view.is_some());
    let etag = entity.and_then(|e| jsv::get_str(e, F_ETAG)).filter(|_| view.is_some());
    for r in &later {
        jsv::set(r, field::BASE_VERSION, &version.map(|v| JsValue::from_f64(v as f64)).unwrap_or(JsValue::NULL));
        match &etag {
            Some(t) => jsv::set(r, F_BASE_ETAG, &JsValue::from_str(t)),
            None => jsv::set(r, F_BASE_ETAG, &JsValue::UNDEFINED),
        }
        jsv::set(r, F_BASE_DATA, view.as_ref().unwrap_or(&JsValue::NULL));
        if let Some(op) = jsv::get_str(r, F_TYPE).and_then(|t| Op::parse(&t)) {
            view = apply_op(op, view.as_ref(), &jsv::get(r, F_PAYLOAD));
        }
    }
    let puts: Array = later.iter().collect();
    tx.store(QUEUE)?.put_many(&puts).await.map_err(|e| storage("write queue", e))?;
    Ok(later)
}

/// The answers for one entity, in order; with the later entries it rebased.
async fn settle_entity(tx: &Tx, answers: Vec<(JsValue, Outcome)>) -> Result<(Settled, Vec<JsValue>)> {
    let mut n = Settled::default();
    let mut rebased = Vec::new();
    for (rec, outcome) in answers {
        let et = jsv::get_str(&rec, F_ENTITY).unwrap_or_default();
        let id = jsv::get_str(&rec, F_ENTITY_ID).unwrap_or_default();
        match outcome {
            Outcome::Applied(entity) => {
                n.applied += 1;
                write_server(tx, &et, &id, entity.as_ref()).await?;
                tx.store(QUEUE)?.delete(&jsv::get(&rec, F_SEQ)).await.map_err(|e| storage("write queue", e))?;
                let seq = jsv::get_u64(&rec, F_SEQ).unwrap_or(0);
                rebased.extend(rebase_queue(tx, &et, &id, seq, entity.as_ref()).await?);
            }
            Outcome::Conflict(entity) => {
                n.conflicts += 1;
                let c = conflict_record(&rec, &et, &id, entity.as_ref());
                tx.store(CONFLICTS)?.put(&c, None).await.map_err(|e| storage("write conflict", e))?;
                write_server(tx, &et, &id, entity.as_ref()).await?;
                tx.store(QUEUE)?.delete(&jsv::get(&rec, F_SEQ)).await.map_err(|e| storage("write queue", e))?;
            }
            Outcome::Rejected(error) => {
                n.failed += 1;
                jsv::set(&rec, F_STATUS, &JsValue::from_str(EntryState::Failed.as_str()));
                jsv::set(&rec, F_ERROR, &JsValue::from_str(&error));
                // Refused, so never applied: a retry may go out under a new id.
                jsv::set(&rec, F_REJECTED, &JsValue::TRUE);
                tx.store(QUEUE)?.put(&rec, None).await.map_err(|e| storage("write queue", e))?;
                continue;
            }
        }
        rebase_local(tx, &et, &id).await?;
    }
    Ok((n, rebased))
}

/// Writes the server's state of an entity without a local part: `rebase_local`
/// lays what is still queued over it.
async fn write_server(tx: &Tx, et: &str, id: &str, entity: Option<&JsValue>) -> Result<()> {
    let store = tx.store(ENTITIES)?;
    match entity.filter(|e| data_of(e).is_some()) {
        Some(e) => {
            view::without_local(e);
            store.put(e, None).await.map(|_| ())
        }
        None => store.delete(&entity_key(et, id)).await,
    }
    .map_err(|e| storage("write entity", e))
}

/// Recomputes an entity's local view as the server's state with the changes still
/// queued for it laid over, in order (dropping it when none are left).
pub async fn rebase_local(tx: &Tx, et: &str, id: &str) -> Result<()> {
    let remaining = entries_of(tx, et, id).await?;
    let chained = tx.store(CHAINED)?;
    let key = entity_key(et, id);
    match remaining.len() {
        0 | 1 => chained.delete(&key).await,
        _ => chained.put(&JsValue::from_f64(1.0), Some(&key)).await.map(|_| ()),
    }
    .map_err(|e| storage("write", e))?;
    let entities = tx.store(ENTITIES)?;
    let stored = entities.get(&key).await.map_err(|e| storage("read", e))?;
    if remaining.is_empty() && local_of(stored.as_ref()).is_none() {
        return Ok(());
    }
    let local = (!remaining.is_empty()).then(|| {
        // The server's state: `data_of` reads a record's own fields, not its local part.
        let mut view = stored.as_ref().and_then(data_of);
        for r in &remaining {
            if let Some(op) = jsv::get_str(r, F_TYPE).and_then(|t| Op::parse(&t)) {
                view = apply_op(op, view.as_ref(), &jsv::get(r, F_PAYLOAD));
            }
        }
        local_part(view.as_ref(), remaining.len() as u32)
    });
    match with_local(et, id, stored, local.as_ref()) {
        Some(rec) => entities.put(&rec, None).await.map(|_| ()),
        None => entities.delete(&key).await,
    }
    .map_err(|e| storage("write", e))
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

/// Local changes the server refused as stale, oldest first.
pub async fn conflicts(store: &Store) -> Result<Array> {
    let tx = store.read(&[CONFLICTS])?;
    let all = tx.store(CONFLICTS)?.get_all(None, None).await.map_err(|e| storage("read conflicts", e))?;
    Ok(jsv::sorted_by_number(&all, "at"))
}

#[cfg(test)]
mod tests {
    use super::super::schema;
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn change(op: Op, json: &str) -> Change {
        let data = js_sys::JSON::parse(json).unwrap_or(JsValue::NULL);
        Change { op, entity_type: "course".into(), entity_id: "c".into(), data }
    }

    #[wasm_bindgen_test]
    async fn a_change_made_after_a_push_read_the_queue_is_not_folded_into_what_was_read() {
        let store = Store::open(&format!("t-fold-{}", jsv::new_id())).await.unwrap();
        enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
        // Not read by a push yet: the user typing on folds into the same entry.
        enqueue(&store, &change(Op::Update, r#"{"title":"ab"}"#)).await.unwrap();
        let read = load_after(&store, None, None).await.unwrap();
        assert_eq!(read.len(), 1);
        // Read now, so it may be on its way: a further edit is an entry of its own,
        // and what was read stays what gets sent.
        enqueue(&store, &change(Op::Update, r#"{"title":"abc"}"#)).await.unwrap();
        let stored = load_after(&store, None, None).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(jsv::get_str(&jsv::get(&stored[0].0, F_PAYLOAD), "title").as_deref(), Some("ab"));
        assert_eq!(canon_payload(&read[0].0), canon_payload(&stored[0].0));
        assert_eq!(jsv::get_str(&jsv::get(&stored[1].0, F_PAYLOAD), "title").as_deref(), Some("abc"));
        store.close();
    }

    #[wasm_bindgen_test]
    async fn a_local_record_without_its_entry_count_is_counted_from_the_queue() {
        let store = Store::open(&format!("t-count-{}", jsv::new_id())).await.unwrap();
        enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
        load_after(&store, None, None).await.unwrap();
        // As a record written by hand (or by some older writer) might be.
        let tx = store.write(&[ENTITIES]).unwrap();
        let part = local_part(Some(&js_sys::JSON::parse(r#"{"title":"a"}"#).unwrap()), 1);
        js_sys::Reflect::delete_property(part.unchecked_ref::<js_sys::Object>(), &JsValue::from_str("pending"))
            .unwrap();
        let rec = with_local("course", "c", None, Some(&part)).unwrap();
        tx.store(ENTITIES).unwrap().put(&rec, None).await.unwrap();
        tx.commit().await.unwrap();
        enqueue(&store, &change(Op::Update, r#"{"title":"ab"}"#)).await.unwrap();
        let local = local_of(&store).await.unwrap();
        assert_eq!(jsv::get_u64(&local, "pending"), Some(2), "both entries counted");
        store.close();
    }

    fn json(s: &str) -> JsValue {
        js_sys::JSON::parse(s).unwrap()
    }

    /// The local part of `c`'s record.
    async fn local_of(store: &Store) -> Option<JsValue> {
        let tx = store.read(&[ENTITIES]).unwrap();
        view::local_of(tx.store(ENTITIES).unwrap().get(&entity_key("course", "c")).await.unwrap().as_ref())
    }

    async fn chained_keys(store: &Store) -> u32 {
        let tx = store.read(&[CHAINED]).unwrap();
        tx.store(CHAINED).unwrap().get_all_keys(None, None).await.unwrap().length()
    }

    /// The server's answer to the first of `c`'s two entries: applied, at version 1.
    async fn settle_first(store: &Store) {
        let queued = load_after(store, None, None).await.unwrap();
        assert_eq!(queued.len(), 2, "two entries of one entity");
        let applied =
            json(r#"{"entityType":"course","id":"c","version":1,"deleted":false,"data":{"id":"c","title":"a"}}"#);
        let first = queued[0].0.clone();
        let seq = queued[0].1.seq;
        settle(store, vec![(first, Outcome::Applied(Some(applied)))], Some((seq, seq))).await.unwrap();
    }

    /// What must hold once the first of two entries settled: the second is still
    /// queued, now based on the server's answer, and the local view still shows it.
    async fn assert_second_kept_and_rebased(store: &Store) {
        let left = load_after(store, None, None).await.unwrap();
        assert_eq!(left.len(), 1, "the second entry is still queued");
        assert_eq!(left[0].1.base_version, Some(1), "rebased on the applied change");
        let local = local_of(store).await.expect("the local view of the unsynced change stays");
        assert_eq!(jsv::get_u64(&local, "pending"), Some(1));
        assert_eq!(jsv::get_str(&jsv::get(&local, "data"), "title").as_deref(), Some("abc"));
    }

    /// A store holding two entries of `c` (a push read the first before the second
    /// was made, so they are not folded), `c` marked `chained` by the second.
    async fn two_entries_of_c(name: &str) -> Store {
        let store = Store::open(&format!("{name}-{}", jsv::new_id())).await.unwrap();
        enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
        assert_eq!(chained_keys(&store).await, 0, "one entry: settled blind");
        load_after(&store, None, None).await.unwrap();
        enqueue(&store, &change(Op::Update, r#"{"title":"abc"}"#)).await.unwrap();
        assert_eq!(chained_keys(&store).await, 1, "the second entry marks the entity");
        store
    }

    #[wasm_bindgen_test]
    async fn settling_the_first_of_two_entries_of_an_entity_keeps_and_rebases_the_second() {
        let store = two_entries_of_c("t-chain").await;
        settle_first(&store).await;
        assert_second_kept_and_rebased(&store).await;
        assert_eq!(chained_keys(&store).await, 0, "one entry left: no mark");
        store.close();
    }

    #[wasm_bindgen_test]
    async fn with_more_chained_entities_than_a_settle_reads_whole_it_still_finds_its_own() {
        let store = two_entries_of_c("t-chain-many").await;
        // Marks that sort before `course/c`, as many as a settle reads whole.
        let tx = store.write(&[CHAINED]).unwrap();
        let marks = tx.store(CHAINED).unwrap();
        for n in 0..CHAINED_READ_LIMIT {
            marks.put(&JsValue::from_f64(1.0), Some(&entity_key("a", &format!("f{n}")))).await.unwrap();
        }
        tx.commit().await.unwrap();
        settle_first(&store).await;
        assert_second_kept_and_rebased(&store).await;
        store.close();
    }

    #[wasm_bindgen_test]
    async fn a_version_2_database_marks_every_queued_entity_when_upgraded() {
        let name = format!("t-v2-{}", jsv::new_id());
        // Version 2 had every store of version 3 but `chained` (the last one).
        let v2 = &schema::V3[..schema::V3.len() - 1];
        assert!(v2.iter().all(|s| s.name != CHAINED));
        let db = idb::open(&name, 2, v2).await.unwrap();
        let t = idb::Transaction::begin(&db, &[QUEUE, schema::RETIRED_LOCAL], true).unwrap();
        let (queue, local) = (t.store(QUEUE).unwrap(), t.store(schema::RETIRED_LOCAL).unwrap());
        for (n, (op, data)) in
            [(Op::Create, r#"{"id":"c","title":"a"}"#), (Op::Update, r#"{"title":"abc"}"#)].iter().enumerate()
        {
            let rec = new_record(&change(*op, data), &format!("m{n}"), None);
            queue.put(&rec, None).await.unwrap();
        }
        // A record that names no entity (none of ours would): the upgrade passes it over.
        queue.put(&json(r#"{"note":"written by hand"}"#), None).await.unwrap();
        let old_local =
            r#"{"entityType":"course","id":"c","data":{"id":"c","title":"abc"},"deleted":false,"dirty":1,"pending":2}"#;
        local.put(&json(old_local), None).await.unwrap();
        t.done().await.unwrap();
        idb::close(&db);

        let store = Store::open(&name).await.unwrap();
        assert_eq!(chained_keys(&store).await, 1, "the queued entity is marked");
        settle_first(&store).await;
        assert_second_kept_and_rebased(&store).await;
        store.close();
    }

    #[wasm_bindgen_test]
    async fn a_version_3_database_folds_its_local_views_into_the_entity_records() {
        let name = format!("t-v3-{}", jsv::new_id());
        let db = idb::open(&name, 3, schema::V3).await.unwrap();
        let t = idb::Transaction::begin(&db, &[ENTITIES, QUEUE, schema::RETIRED_LOCAL], true).unwrap();
        let (entities, queue, local) =
            (t.store(ENTITIES).unwrap(), t.store(QUEUE).unwrap(), t.store(schema::RETIRED_LOCAL).unwrap());
        // `c`: on the server and edited here; `n`: created here, without its count
        // (an older writer); `s`: only on the server.
        let server = |id: &str| {
            json(&format!(
                r#"{{"entityType":"course","id":"{id}","version":3,"deleted":false,"data":{{"id":"{id}","title":"server"}},"etag":"e3"}}"#
            ))
        };
        entities.put(&server("c"), None).await.unwrap();
        entities.put(&server("s"), None).await.unwrap();
        let mut edit = new_record(&change(Op::Update, r#"{"title":"mine"}"#), "m0", Some(3));
        queue.put(&edit, None).await.unwrap();
        edit = new_record(
            &Change { entity_id: "n".into(), ..change(Op::Create, r#"{"id":"n","title":"new"}"#) },
            "m1",
            None,
        );
        queue.put(&edit, None).await.unwrap();
        let old = r#"{"entityType":"course","id":"c","data":{"id":"c","title":"mine"},"deleted":false,"dirty":1,"pending":1}"#;
        local.put(&json(old), None).await.unwrap();
        local
            .put(&json(r#"{"entityType":"course","id":"n","data":{"id":"n","title":"new"},"deleted":false}"#), None)
            .await
            .unwrap();
        t.done().await.unwrap();
        idb::close(&db);

        let store = Store::open(&name).await.unwrap();
        let db = store.db().unwrap();
        let names = Array::from(&jsv::get(&db, "objectStoreNames"));
        assert!(names.length() > 0);
        assert!(!names.includes(&JsValue::from_str(schema::RETIRED_LOCAL), 0), "the retired store is gone");
        let title = |v: JsValue| jsv::get_str(&v, "title");
        assert_eq!(title(view::get(&store, "course", "c").await.unwrap()).as_deref(), Some("mine"));
        assert_eq!(title(view::get(&store, "course", "n").await.unwrap()).as_deref(), Some("new"));
        assert_eq!(title(view::get(&store, "course", "s").await.unwrap()).as_deref(), Some("server"));
        assert_eq!(view::list(&store, "course").await.unwrap().length(), 3);
        let tx = store.read(&[ENTITIES]).unwrap();
        let by_dirty = tx.store(ENTITIES).unwrap().index(schema::BY_DIRTY).unwrap();
        let dirty = by_dirty.get_all_keys(None, None);
        assert_eq!(dirty.await.unwrap().length(), 2, "both local views are marked, the one without a count too");
        let c = tx.store(ENTITIES).unwrap().get(&entity_key("course", "c")).await.unwrap().unwrap();
        assert_eq!(jsv::get_str(&c, F_ETAG).as_deref(), Some("e3"), "the server's state is kept beside it");
        drop(tx);
        // `c`'s one entry settles blind; `n`'s next change counts its entries from the queue.
        let queued = load_after(&store, None, None).await.unwrap();
        let applied =
            json(r#"{"entityType":"course","id":"c","version":4,"deleted":false,"data":{"id":"c","title":"mine"}}"#);
        let seq = queued[0].1.seq;
        settle(&store, vec![(queued[0].0.clone(), Outcome::Applied(Some(applied)))], Some((seq, seq))).await.unwrap();
        assert!(local_of(&store).await.is_none(), "settled: no local view left");
        enqueue(&store, &Change { entity_id: "n".into(), ..change(Op::Update, r#"{"title":"newer"}"#) }).await.unwrap();
        let tx = store.read(&[ENTITIES]).unwrap();
        let n = tx.store(ENTITIES).unwrap().get(&entity_key("course", "n")).await.unwrap();
        assert_eq!(jsv::get_u64(&view::local_of(n.as_ref()).unwrap(), "pending"), Some(2));
        drop(tx);
        store.close();
    }

    #[wasm_bindgen_test]
    async fn a_create_of_an_id_something_holds_takes_the_checked_path() {
        let store = Store::open(&format!("t-create-{}", jsv::new_id())).await.unwrap();
        // The server has the entity (say, created from another device and pulled).
        let tx = store.write(&[ENTITIES]).unwrap();
        let server =
            json(r#"{"entityType":"course","id":"c","version":4,"deleted":false,"data":{"id":"c","title":"s"}}"#);
        tx.store(ENTITIES).unwrap().put(&server, None).await.unwrap();
        tx.commit().await.unwrap();
        enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
        let q = load_after(&store, None, None).await.unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].1.base_version, Some(4), "based on the server's version");
        assert_eq!(jsv::get_str(&jsv::get(&q[0].0, F_BASE_DATA), "title").as_deref(), Some("s"), "what the app saw");
        // A second create of an id with a local view: counted with the first.
        store.close();
        let store = Store::open(&format!("t-create2-{}", jsv::new_id())).await.unwrap();
        enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
        load_after(&store, None, None).await.unwrap();
        enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"b"}"#)).await.unwrap();
        let local = local_of(&store).await.unwrap();
        assert_eq!(jsv::get_u64(&local, "pending"), Some(2), "both entries counted");
        assert_eq!(chained_keys(&store).await, 1);
        store.close();
    }

    fn canon_payload(r: &JsValue) -> String {
        js_sys::JSON::stringify(&jsv::get(r, F_PAYLOAD)).map(String::from).unwrap_or_default()
    }
}
