//! A conflict record (the `conflicts` store, `conflicts()`, `onConflict`): a local
//! change the server refused as stale, `{ mutationId, entityType, entityId, type,
//! local, server, base, resolution, policy, at, error? }`, keyed by `mutationId`.

use super::queue::{QueueEntry, F_ENTITY_ID, F_TYPE};
use crate::jsv;
use offline_sync_core::protocol::{field, Op};
use wasm_bindgen::JsValue;

/// The refused change's data (its payload).
const F_LOCAL: &str = "local";
/// The server's entity record when it refused the change (null: it has none).
const F_SERVER: &str = "server";
/// What the change was made on (the entity's data then; null if none).
const F_BASE: &str = "base";
/// How it ended (`'server'`, `'local'`, `'merged'`), or null while it waits for
/// the app (counted in `status.conflictCount`).
pub const F_RESOLUTION: &str = "resolution";
/// The entity type's policy when it was settled (docs/conflicts.md).
const F_POLICY: &str = "policy";
/// When it was recorded (ms since the epoch); `conflicts()` is in this order.
pub const F_AT: &str = "at";
/// Why a policy could not settle it (a merge that threw, a second refusal).
const F_ERROR: &str = "error";

/// A conflict record, as the store writes and reads it.
#[derive(Clone, Copy)]
pub struct Conflict<'a>(pub &'a JsValue);

impl Conflict<'_> {
    /// The record of a refused queue entry of `et`/`id`, settled as the server's
    /// (`resolution: 'server'`) until a policy says otherwise.
    pub fn record(entry: QueueEntry, et: &str, id: &str, server: Option<&JsValue>, policy: &str) -> JsValue {
        let c = jsv::object();
        jsv::set(&c, field::MUTATION_ID, &entry.mutation_id_js());
        jsv::set(&c, field::ENTITY_TYPE, &JsValue::from_str(et));
        jsv::set(&c, F_ENTITY_ID, &JsValue::from_str(id));
        jsv::set(&c, F_TYPE, &entry.op_js());
        jsv::set(&c, F_LOCAL, &entry.payload());
        jsv::set(&c, F_SERVER, server.unwrap_or(&JsValue::NULL));
        jsv::set(&c, F_BASE, &jsv::defined(entry.base_data()).unwrap_or(JsValue::NULL));
        jsv::set(&c, F_RESOLUTION, &JsValue::from_str("server"));
        jsv::set(&c, F_POLICY, &JsValue::from_str(policy));
        jsv::set(&c, F_AT, &JsValue::from_f64(jsv::now_ms()));
        c
    }

    pub fn entity_type(&self) -> String {
        jsv::get_str(self.0, field::ENTITY_TYPE).unwrap_or_default()
    }

    pub fn entity_id(&self) -> String {
        jsv::get_str(self.0, F_ENTITY_ID).unwrap_or_default()
    }

    pub fn op(&self) -> Op {
        jsv::get_str(self.0, F_TYPE).and_then(|t| Op::parse(&t)).unwrap_or(Op::Update)
    }

    pub fn local(&self) -> JsValue {
        jsv::get(self.0, F_LOCAL)
    }

    pub fn server(&self) -> Option<JsValue> {
        jsv::defined(jsv::get(self.0, F_SERVER)).filter(|s| !s.is_null())
    }

    /// Whether it waits for the app.
    pub fn is_open(&self) -> bool {
        jsv::get(self.0, F_RESOLUTION).is_null()
    }

    /// `Some(how)`: settled so; `None`: held for the app, with `error` if a policy failed.
    pub fn set_resolution(&self, how: Option<&str>, error: Option<&str>) {
        jsv::set(self.0, F_RESOLUTION, &how.map(JsValue::from_str).unwrap_or(JsValue::NULL));
        if let Some(e) = error {
            jsv::set(self.0, F_ERROR, &JsValue::from_str(e));
        }
    }
}
