//! A queue entry (outbox record): `{ id, mutationId, type, entity, entityId,
//! payload, baseVersion, baseData, baseEtag, createdAt, attempts, failures,
//! lastAttemptAt, error, rejected, status, resolves? }`, the field names of the JS module
//! this replaces; `id` is the queue position (auto-increment).

use crate::jsv;
use offline_sync_core::protocol::{field, Op};
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
}
