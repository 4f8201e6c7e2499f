//! Recording the server's answers: server state, queue, local views and
//! conflicts move together in one transaction.

use super::conflict::{self, Policies};
use super::F_SEQ;
use crate::failure::{storage, Result};
use crate::jsv;
use crate::records::entity::EntityRecord;
use crate::store::schema::{BY_ENTITY, CHAINED, CONFLICTS, ENTITIES, QUEUE};
use crate::store::view::{self, apply_op, data_of, local_of, local_part, pending_of, with_local};
use crate::store::{entity_key, idb, key_parts, Store, Tx};
use js_sys::Array;
use offline_sync_core::keyed::{KeyMap, KeySet};
use offline_sync_core::queue::EntryState;
use wasm_bindgen::{JsCast, JsValue};

use crate::records::answer::Outcome;
use crate::records::conflict::Conflict;
use crate::records::queue::QueueEntry;
use offline_sync_core::config::ConflictPolicy;

#[derive(Default, Clone)]
pub struct Settled {
    pub applied: u32,
    pub conflicts: u32,
    pub failed: u32,
    /// The conflict records, as the app is shown them (`onConflict`).
    pub records: Vec<JsValue>,
    /// Changes a policy queued again (they go out with the next push).
    pub requeued: u32,
}

impl Settled {
    fn add(&mut self, o: Settled) {
        self.applied += o.applied;
        self.conflicts += o.conflicts;
        self.failed += o.failed;
        self.records.extend(o.records);
        self.requeued += o.requeued;
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
    policies: &Policies,
) -> Result<(Settled, Vec<JsValue>)> {
    let tx = store.write(&[ENTITIES, QUEUE, CONFLICTS, CHAINED])?;
    let rekeys = rekeys_of(&answers);
    // One entity's answers stay together and in order.
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: KeyMap<(String, String), usize> = KeyMap::new();
    for (rec, outcome) in answers {
        let key = (QueueEntry(&rec).entity_type(), QueueEntry(&rec).entity_id());
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
        // A conflict a policy acts on may queue a change: settled entry by entry.
        let plain = |o: &Outcome| match o {
            Outcome::Rejected(_) => false,
            Outcome::Conflict(_) => !policies.acts_on(&g.0),
            Outcome::Applied(_) => true,
        };
        if all_in_batch && g.2.iter().all(|(_, o)| plain(o)) {
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
        crate::task::join_all(partial.into_iter().map(|(_, _, g)| settle_entity(&tx, g, policies))),
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
            done.push(&QueueEntry(&rec).seq_js());
            match outcome {
                Outcome::Applied(e) => {
                    n.applied += 1;
                    last = Some(e);
                }
                Outcome::Conflict(e) => {
                    n.conflicts += 1;
                    let c =
                        Conflict::record(QueueEntry(&rec), &et, &id, e.as_ref(), ConflictPolicy::ServerWins.as_str());
                    conflicts.push(&c);
                    n.records.push(c);
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
pub(super) const CHAINED_READ_LIMIT: u32 = 1000;

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

/// Created records the server answered under another id than the local one:
/// `(entity type, local id, server id)`.
fn rekeys_of(answers: &[(JsValue, Outcome)]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (rec, outcome) in answers {
        let Outcome::Applied(Some(e)) = outcome else { continue };
        let (et, old) = (QueueEntry(rec).entity_type(), QueueEntry(rec).entity_id());
        let e = EntityRecord(e);
        if e.entity_type().as_deref() != Some(et.as_str()) {
            continue;
        }
        match e.id() {
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
            let key = (QueueEntry(&r).entity_type(), QueueEntry(&r).entity_id());
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
    let entry = QueueEntry(r);
    if entry.entity_type() == et && entry.entity_id() == old {
        entry.set_entity_id(new);
        changed = true;
    }
    for v in [entry.payload(), entry.base_data()] {
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
    later.retain(|r| QueueEntry(r).seq().is_some_and(|s| s > after));
    if later.is_empty() {
        return Ok(later);
    }
    let mut view = entity.and_then(data_of);
    let held = entity.filter(|_| view.is_some()).map(EntityRecord);
    let (version, etag) = (held.and_then(|e| e.version()), held.and_then(|e| e.etag()));
    for r in &later {
        let entry = QueueEntry(r);
        entry.set_base_version(version);
        entry.set_base_etag(etag.as_deref());
        entry.set_base_data(view.as_ref());
        if let Some(op) = entry.op() {
            view = apply_op(op, view.as_ref(), &entry.payload());
        }
    }
    let puts: Array = later.iter().collect();
    tx.store(QUEUE)?.put_many(&puts).await.map_err(|e| storage("write queue", e))?;
    Ok(later)
}

/// The answers for one entity, in order; with the later entries it rebased.
async fn settle_entity(tx: &Tx, answers: Vec<(JsValue, Outcome)>, p: &Policies) -> Result<(Settled, Vec<JsValue>)> {
    let mut n = Settled::default();
    let mut rebased = Vec::new();
    for (rec, outcome) in answers {
        let entry = QueueEntry(&rec);
        let (et, id) = (entry.entity_type(), entry.entity_id());
        match outcome {
            Outcome::Applied(entity) => {
                n.applied += 1;
                write_server(tx, &et, &id, entity.as_ref()).await?;
                tx.store(QUEUE)?.delete(&entry.seq_js()).await.map_err(|e| storage("write queue", e))?;
                let seq = entry.seq().unwrap_or(0);
                rebased.extend(rebase_queue(tx, &et, &id, seq, entity.as_ref()).await?);
            }
            Outcome::Conflict(entity) => {
                n.conflicts += 1;
                write_server(tx, &et, &id, entity.as_ref()).await?;
                tx.store(QUEUE)?.delete(&entry.seq_js()).await.map_err(|e| storage("write queue", e))?;
                let h = conflict::handle(tx, &rec, &et, &id, entity.as_ref(), p).await?;
                n.records.push(h.record);
                n.requeued += u32::from(h.requeued);
            }
            Outcome::Rejected(error) => {
                n.failed += 1;
                entry.set_state(EntryState::Failed);
                entry.set_error(&error);
                // Refused, so never applied: a retry may go out under a new id.
                entry.set_rejected(true);
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
        for r in remaining.iter().map(QueueEntry) {
            if let Some(op) = r.op() {
                view = apply_op(op, view.as_ref(), &r.payload());
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
