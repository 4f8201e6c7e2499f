//! What a transport answers: for each change pushed, an `Outcome`; at the end of
//! a complete list (REST), a `Sweep`. The store records them (`store::outbox::settle`,
//! `store::pull_write::sweep`).

use wasm_bindgen::JsValue;

/// What the server said about one queued change.
pub enum Outcome {
    /// Applied; the entity as the server now holds it (`None`: it does not exist).
    Applied(Option<JsValue>),
    /// Refused as stale, with the server's entity; the entity type's conflict policy
    /// says what becomes of the local change (`store::outbox::conflict::handle`).
    Conflict(Option<JsValue>),
    /// Will never be applied: set aside as failed with this error.
    Rejected(String),
}

/// The end of a complete list (REST): server records of `entity_type` (those of
/// one course, when `link` names the field and the course) that this reading
/// (`run`) did not name are gone from the server.
pub struct Sweep {
    pub entity_type: String,
    pub run: String,
    pub link: Option<(String, String)>,
}
