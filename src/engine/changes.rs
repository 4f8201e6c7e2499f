//! The change feed: which entities a write touched (entity types, and ids where
//! known), gathered by each write path (a local change, a pull page, a settled
//! batch, a discarded failure, a cleared namespace), handed to the live queries
//! here and, over the namespace's BroadcastChannel, to the other tabs and the
//! service worker.
//!
//! A change set is a JS value (`changes*` in `jsv`'s snippet): the ids come from
//! JS records and go out as a message, so they never need to become Rust strings
//! (which cost wasm size and a copy each). Past 1000 ids of a type it names only
//! the type: a message stays small, and a query a change that big touches runs
//! again anyway.

use crate::jsv;
use crate::records::queue::{F_ENTITY, F_ENTITY_ID};
use offline_sync_core::protocol::field;
use wasm_bindgen::JsValue;

pub struct Changes(JsValue);

impl Default for Changes {
    fn default() -> Changes {
        Changes(jsv::changes_new(false))
    }
}

impl Changes {
    /// Every entity of every type (local data cleared).
    pub fn everything() -> Changes {
        Changes(jsv::changes_new(true))
    }

    pub fn is_empty(&self) -> bool {
        jsv::changes_empty(&self.0)
    }

    pub fn add(&mut self, et: &str, id: &str) {
        jsv::changes_add(&self.0, &JsValue::from_str(et), &JsValue::from_str(id));
    }

    /// Any entity of the type may have changed.
    pub fn add_type(&mut self, et: &str) {
        jsv::changes_add(&self.0, &JsValue::from_str(et), &JsValue::UNDEFINED);
    }

    /// What changed of a type: `undefined` nothing, `null` any entity, else a `Set` of ids.
    pub fn of(&self, et: &str) -> JsValue {
        jsv::changes_of(&self.0, et)
    }

    /// The entities of records carrying `entityType`/`id` (pulled changes, server answers).
    pub fn of_records(records: &JsValue) -> Changes {
        let c = Changes::default();
        jsv::changes_add_all(&c.0, records, field::ENTITY_TYPE, field::ID);
        c
    }

    pub fn add_record(&mut self, r: &JsValue) {
        jsv::changes_add_all(&self.0, &js_sys::Array::of1(r), field::ENTITY_TYPE, field::ID);
    }

    /// The entities of queue entries.
    pub fn of_entries(entries: &JsValue) -> Changes {
        let c = Changes::default();
        jsv::changes_add_all(&c.0, entries, F_ENTITY, F_ENTITY_ID);
        c
    }

    /// The message for the other contexts: `{ kind: 'changes', all, types: [[type, ids | null]] }`.
    pub fn encode(&self) -> JsValue {
        jsv::changes_message(&self.0)
    }

    /// `None` unless `m` is a change message.
    pub fn decode(m: &JsValue) -> Option<Changes> {
        jsv::defined(jsv::changes_from_message(m)).map(Changes)
    }
}
