//! Conflict policies (docs/conflicts.md): what a settle does with a local change the
//! server refused as stale, and the app's later `resolveConflict`/`dismissConflict`.
//!
//! Every step is written in the transaction that records it: the conflict record,
//! the server's state and a re-queued change go in together or not at all, so a
//! reload in the middle resolves once. A re-queued change goes out under a new
//! mutation id (the refused one was never applied) and remembers which change it
//! resolves (`resolves`): if that one is refused too, it is held for the app
//! (manual), never re-queued again by a policy.

use super::{new_record, rebase_local, Change};
use crate::failure::{input, storage, Result};
use crate::jsv;
use crate::records::conflict::Conflict;
use crate::records::entity::EntityRecord;
use crate::records::queue::QueueEntry;
use crate::store::schema::{CHAINED, CONFLICTS, ENTITIES, QUEUE};
use crate::store::view::{apply_op, data_of};
use crate::store::{Store, Tx};
use offline_sync_core::config::ConflictPolicy;
use offline_sync_core::protocol::Op;
use wasm_bindgen::{JsCast, JsValue};

/// The declared policies, per entity type; `serverWins` for the rest.
#[derive(Clone, Default, PartialEq)]
pub struct Policies(Vec<(String, ConflictPolicy, Option<js_sys::Function>)>);

impl Policies {
    pub fn add(&mut self, entity_type: String, policy: ConflictPolicy, merge: Option<js_sys::Function>) {
        self.0.push((entity_type, policy, merge));
    }

    fn of(&self, entity_type: &str) -> (ConflictPolicy, Option<&js_sys::Function>) {
        match self.0.iter().find(|(t, _, _)| t == entity_type) {
            Some((_, p, f)) => (*p, f.as_ref()),
            None => (ConflictPolicy::ServerWins, None),
        }
    }

    /// Whether settling a conflict of this type is more than recording it.
    pub fn acts_on(&self, entity_type: &str) -> bool {
        self.of(entity_type).0 != ConflictPolicy::ServerWins
    }
}

/// What a settle did with one conflict: the record the app is shown (`onConflict`),
/// and whether a change was queued again.
pub struct Handled {
    pub record: JsValue,
    pub requeued: bool,
}

/// Applies the entity type's policy to a refused change, inside the settle's
/// transaction (after the server's state was written and the entry deleted).
pub async fn handle(
    tx: &Tx,
    rec: &JsValue,
    et: &str,
    id: &str,
    server: Option<&JsValue>,
    p: &Policies,
) -> Result<Handled> {
    let entry = QueueEntry(rec);
    let (policy, merge) = p.of(et);
    let c = Conflict::record(entry, et, id, server, policy.as_str());
    let op = entry.op().unwrap_or(Op::Update);
    let mine = mutation_id(rec);
    let outcome = if entry.resolves_a_conflict() && policy != ConflictPolicy::ServerWins {
        Err(Some("refused again after it was re-queued to resolve an earlier conflict".to_string()))
    } else {
        match (policy, merge) {
            (ConflictPolicy::ServerWins, _) => Ok(None),
            (ConflictPolicy::ClientWins, _) => Ok(Some(("local", op, entry.payload()))),
            (ConflictPolicy::Merge, Some(f)) => match run_merge(f, op, rec, server) {
                Ok(v) => Ok(Some(("merged", Op::Update, v))),
                Err(e) => Err(Some(e)),
            },
            _ => Err(None),
        }
    };
    let mut requeued = false;
    match outcome {
        Ok(None) => put_record(tx, &c).await?,
        Ok(Some((how, op, payload))) => {
            Conflict(&c).set_resolution(Some(how), None);
            requeued = requeue(tx, et, id, op, &payload, server, &mine).await?.is_some();
        }
        Err(error) => {
            Conflict(&c).set_resolution(None, error.as_deref());
            put_record(tx, &c).await?;
        }
    }
    Ok(Handled { record: c, requeued })
}

fn mutation_id(rec: &JsValue) -> String {
    QueueEntry(rec).mutation_id().unwrap_or_default()
}

async fn put_record(tx: &Tx, c: &JsValue) -> Result<()> {
    tx.store(CONFLICTS)?.put(c, None).await.map(|_| ()).map_err(|e| storage("write conflict", e))
}

/// `merge(local, server, base)`: the whole local version (the change laid over what
/// it was made on), the server's, and the base; each `null` where there is none.
/// Called synchronously, so the settle's transaction stays open around it.
fn run_merge(
    f: &js_sys::Function,
    op: Op,
    rec: &JsValue,
    server: Option<&JsValue>,
) -> std::result::Result<JsValue, String> {
    let entry = QueueEntry(rec);
    let base = jsv::defined(entry.base_data()).filter(|b| !b.is_null());
    let local = apply_op(op, base.as_ref(), &entry.payload());
    let server = server.and_then(data_of);
    let n = |v: Option<JsValue>| v.unwrap_or(JsValue::NULL);
    let merged = f.call3(&JsValue::NULL, &n(local), &n(server), &n(base)).map_err(|e| jsv::error_text(&e))?;
    let thenable = merged.is_object() && jsv::get(&merged, "then").is_function();
    if !jsv::is_plain_object(&merged) || thenable {
        let got = if thenable { "a Promise (merge must be synchronous)".into() } else { jsv::raw(&merged).describe() };
        return Err(format!("merge returned {got}, not an object"));
    }
    Ok(merged)
}

/// Queues `payload` again on top of the server's version, under a new mutation id.
/// A create of an entity the server holds becomes an update, an update of one it
/// does not hold a create; a delete of one it does not hold is nothing to send.
async fn requeue(
    tx: &Tx,
    et: &str,
    id: &str,
    op: Op,
    payload: &JsValue,
    server: Option<&JsValue>,
    resolves: &str,
) -> Result<Option<String>> {
    let data = server.and_then(data_of);
    let op = match (op, data.is_some()) {
        (Op::Delete, false) => return Ok(None),
        (Op::Create, true) => Op::Update,
        (Op::Update, false) => Op::Create,
        (op, _) => op,
    };
    let mid = jsv::new_id();
    let held = server.filter(|_| data.is_some()).map(EntityRecord);
    let change = Change { op, entity_type: et.into(), entity_id: id.into(), data: payload.clone() };
    let rec = new_record(&change, &mid, held.and_then(|s| s.version()));
    let entry = QueueEntry(&rec);
    entry.set_base_data(data.as_ref());
    if let Some(tag) = held.and_then(|s| s.etag()) {
        entry.set_base_etag(Some(&tag));
    }
    entry.set_resolves(resolves);
    tx.store(QUEUE)?.put(&rec, None).await.map_err(|e| storage("write queue", e))?;
    Ok(Some(mid))
}

/// How the app settles a held conflict.
pub enum Choice {
    Local,
    Server,
    Data(JsValue),
    /// `dismissConflict`: the record goes, nothing is sent.
    Dismiss,
}

/// `resolveConflict(id, choice)` and `dismissConflict(id)`: the record goes, and
/// (for `local` or data) the chosen version is queued on top of the server's, in
/// one transaction. Answers the new mutation id (null for `server`), or for a
/// dismissal whether there was a record. Resolving an unknown id is an input error
/// (a second call for the same conflict finds nothing, so nothing is queued twice).
pub async fn resolve(store: &Store, mutation_id: &str, choice: Choice) -> Result<JsValue> {
    let tx = store.write(&[ENTITIES, QUEUE, CONFLICTS, CHAINED])?;
    let key = JsValue::from_str(mutation_id);
    let conflicts = tx.store(CONFLICTS)?;
    let c = conflicts.get(&key).await.map_err(|e| storage("read conflict", e))?;
    let (c, choice) = match (c, choice) {
        (None, Choice::Dismiss) => return Ok(JsValue::FALSE),
        (None, _) => return Err(input(format!("offline-sync: no conflict with mutation id {mutation_id}"))),
        (Some(c), choice) => (c, choice),
    };
    conflicts.delete(&key).await.map_err(|e| storage("write conflict", e))?;
    let held = Conflict(&c);
    let (et, id, op, server) = (held.entity_type(), held.entity_id(), held.op(), held.server());
    let (op, payload) = match choice {
        Choice::Dismiss => {
            tx.commit().await?;
            return Ok(JsValue::TRUE);
        }
        Choice::Server => (None, JsValue::NULL),
        Choice::Local => (Some(op), held.local()),
        Choice::Data(d) => (Some(Op::Update), d),
    };
    let queued = match op {
        Some(op) => requeue(&tx, &et, &id, op, &payload, server.as_ref(), mutation_id).await?,
        None => None,
    };
    if queued.is_some() {
        rebase_local(&tx, &et, &id).await?;
    }
    tx.commit().await?;
    Ok(queued.map(JsValue::from).unwrap_or(JsValue::NULL))
}

/// Conflicts waiting for the app (no `resolution`): `status.conflictCount`.
pub async fn open_count(store: &Store) -> Result<u32> {
    let all = super::conflicts(store).await?;
    Ok(all.iter().filter(|c| Conflict(c).is_open()).count() as u32)
}

/// A merged value from the app must be a plain object.
pub fn is_data(v: &JsValue) -> bool {
    jsv::is_plain_object(v) && !v.is_instance_of::<js_sys::Promise>()
}
