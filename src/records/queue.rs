//! A queue entry (outbox record): `{ id, mutationId, type, entity, entityId,
//! payload, baseVersion, baseData, baseEtag, createdAt, attempts, failures,
//! lastAttemptAt, error, rejected, status, resolves? }`, the field names of the JS module
//! this replaces; `id` is the queue position (auto-increment).

use crate::jsv;
use offline_sync_core::protocol::{field, Op};
use offline_sync_core::queue::{EntryMeta, EntryState};
use wasm_bindgen::JsValue;

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
/// When the change was queued (ms since the epoch).
pub const F_CREATED_AT: &str = "createdAt";
/// When a send of it last failed (ms since the epoch).
pub const F_LAST_ATTEMPT_AT: &str = "lastAttemptAt";
/// On a change a conflict policy or the app queued again: the mutation id of the
/// refused change it resolves (docs/conflicts.md).
pub const F_RESOLVES: &str = "resolves";

/// A queue entry as a transport or a push reads it.
#[derive(Clone, Copy)]
pub struct QueueEntry<'a>(pub &'a JsValue);

impl QueueEntry<'_> {
    /// Its queue position.
    pub fn seq(&self) -> Option<u64> {
        jsv::get_u64(self.0, F_SEQ)
    }

    pub fn op(&self) -> Option<Op> {
        jsv::get_str(self.0, F_TYPE).and_then(|t| Op::parse(&t))
    }

    /// The operation's name as stored (`CREATE`, `UPDATE`, `DELETE`), as a JS string.
    pub fn op_js(&self) -> JsValue {
        jsv::get(self.0, F_TYPE)
    }

    pub fn entity_type(&self) -> String {
        jsv::get_str(self.0, F_ENTITY).unwrap_or_default()
    }

    pub fn entity_type_js(&self) -> JsValue {
        jsv::get(self.0, F_ENTITY)
    }

    pub fn entity_id(&self) -> String {
        jsv::get_str(self.0, F_ENTITY_ID).unwrap_or_default()
    }

    pub fn entity_id_js(&self) -> JsValue {
        jsv::get(self.0, F_ENTITY_ID)
    }

    /// The id the server keys exactly-once on, as a JS string.
    pub fn mutation_id_js(&self) -> JsValue {
        jsv::get(self.0, field::MUTATION_ID)
    }

    /// The server version the change was made on (`None`: the entity was new to it).
    pub fn base_version(&self) -> Option<u64> {
        jsv::get_u64(self.0, field::BASE_VERSION)
    }

    pub fn base_version_js(&self) -> JsValue {
        jsv::get(self.0, field::BASE_VERSION)
    }

    /// The change's data (the app's payload; null for a delete).
    pub fn payload(&self) -> JsValue {
        jsv::get(self.0, F_PAYLOAD)
    }

    /// The entity's data when the change was made (see `F_BASE_DATA`).
    pub fn base_data(&self) -> JsValue {
        jsv::get(self.0, F_BASE_DATA)
    }

    /// The `ETag` of the server version the change was made on (see `F_BASE_ETAG`).
    pub fn base_etag(&self) -> Option<String> {
        jsv::get_str(self.0, F_BASE_ETAG)
    }

    /// Whether a conflict policy or the app queued it to resolve a refused change.
    pub fn resolves_a_conflict(&self) -> bool {
        jsv::get_str(self.0, F_RESOLVES).is_some()
    }

    /// Its queue position as stored (a key of the queue store).
    pub fn seq_js(&self) -> JsValue {
        jsv::get(self.0, F_SEQ)
    }

    pub fn mutation_id(&self) -> Option<String> {
        jsv::get_str(self.0, field::MUTATION_ID)
    }

    /// Sends that failed (each counts, however it failed).
    pub fn attempts(&self) -> u32 {
        jsv::get_u64(self.0, F_ATTEMPTS).unwrap_or(0) as u32
    }

    /// Failed sends that reached the server (see `F_FAILURES`).
    pub fn failures(&self) -> u32 {
        jsv::get_u64(self.0, F_FAILURES).unwrap_or(0) as u32
    }

    pub fn is_rejected(&self) -> bool {
        jsv::get_bool(self.0, F_REJECTED) == Some(true)
    }

    /// The fields the queue rules read (`core::queue`); `None` for a record that
    /// lacks one.
    pub fn meta(&self) -> Option<EntryMeta> {
        Some(EntryMeta {
            seq: self.seq()?,
            entity_type: jsv::get_str(self.0, F_ENTITY)?,
            entity_id: jsv::get_str(self.0, F_ENTITY_ID)?,
            op: self.op()?,
            state: EntryState::parse(&jsv::get_str(self.0, F_STATUS)?)?,
            attempts: self.attempts(),
            base_version: self.base_version(),
        })
    }

    pub fn set_state(&self, state: EntryState) {
        jsv::set(self.0, F_STATUS, &JsValue::from_str(state.as_str()));
    }

    pub fn set_error(&self, message: &str) {
        jsv::set(self.0, F_ERROR, &JsValue::from_str(message));
    }

    pub fn set_rejected(&self, rejected: bool) {
        jsv::set(self.0, F_REJECTED, &JsValue::from_bool(rejected));
    }

    /// One more failed send, at `at` (ms since the epoch, as a JS number).
    pub fn set_attempts(&self, attempts: u32, at: &JsValue) {
        jsv::set(self.0, F_ATTEMPTS, &JsValue::from_f64(attempts as f64));
        jsv::set(self.0, F_LAST_ATTEMPT_AT, at);
    }

    pub fn set_failures(&self, failures: u32) {
        jsv::set(self.0, F_FAILURES, &JsValue::from_f64(failures as f64));
    }

    pub fn set_mutation_id(&self, id: &str) {
        jsv::set(self.0, field::MUTATION_ID, &JsValue::from_str(id));
    }

    pub fn set_entity_id(&self, id: &str) {
        jsv::set(self.0, F_ENTITY_ID, &JsValue::from_str(id));
    }

    /// The change it sends now (consecutive edits folded into one entry).
    pub fn set_change(&self, op: Op, payload: &JsValue) {
        jsv::set(self.0, F_TYPE, &JsValue::from_str(op.as_str()));
        jsv::set(self.0, F_PAYLOAD, payload);
    }

    /// What the change is made on: the entity's data then (null: none); with
    /// `version`, the server version, null when the server has none.
    pub fn set_base_data(&self, data: Option<&JsValue>) {
        jsv::set(self.0, F_BASE_DATA, data.unwrap_or(&JsValue::NULL));
    }

    pub fn set_base_version(&self, version: Option<u64>) {
        let v = version.map(|v| JsValue::from_f64(v as f64)).unwrap_or(JsValue::NULL);
        jsv::set(self.0, field::BASE_VERSION, &v);
    }

    /// The `ETag` of the server version it is made on, or none (the field unset).
    pub fn set_base_etag(&self, tag: Option<&str>) {
        jsv::set(self.0, F_BASE_ETAG, &tag.map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED));
    }

    pub fn set_resolves(&self, mutation_id: &str) {
        jsv::set(self.0, F_RESOLVES, &JsValue::from_str(mutation_id));
    }

    /// A new pending entry for `op` of `entity_type`/`entity_id` with `payload`,
    /// made on server version `base_version` (its position comes when it is added).
    pub fn record(
        op: Op,
        entity_type: &str,
        entity_id: &str,
        payload: &JsValue,
        mutation_id: &str,
        base_version: Option<u64>,
    ) -> JsValue {
        let rec = jsv::object();
        let e = QueueEntry(&rec);
        e.set_mutation_id(mutation_id);
        jsv::set(&rec, F_TYPE, &JsValue::from_str(op.as_str()));
        jsv::set(&rec, F_ENTITY, &JsValue::from_str(entity_type));
        e.set_entity_id(entity_id);
        jsv::set(&rec, F_PAYLOAD, payload);
        e.set_base_version(base_version);
        jsv::set(&rec, F_CREATED_AT, &JsValue::from_f64(jsv::now_ms()));
        jsv::set(&rec, F_ATTEMPTS, &JsValue::from_f64(0.0));
        e.set_state(EntryState::Pending);
        rec
    }
}
