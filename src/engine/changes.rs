//! The change feed: which entities a write touched (entity types, and ids where
//! known), gathered by each write path (a local change, a pull page, a settled
//! batch, a discarded failure, a cleared namespace), handed to the live queries
//! here and, over the namespace's BroadcastChannel, to the other tabs and the
//! service worker.

use crate::jsv;
use crate::store::outbox::{F_ENTITY, F_ENTITY_ID};
use offline_sync_core::keyed::KeySet;
use offline_sync_core::protocol::field;
use wasm_bindgen::JsValue;

/// Past this many ids of one type, a change names only the type: a message
/// between tabs stays small, and a query that big a change touches runs again
/// anyway.
const MAX_IDS: usize = 1000;

/// What changed: per entity type, the ids (`None`: any of that type).
#[derive(Default, Clone)]
pub struct Changes {
    types: Vec<(String, Option<KeySet<String>>)>,
    /// Every type (local data cleared).
    everything: bool,
}

impl Changes {
    pub fn everything() -> Changes {
        Changes { types: Vec::new(), everything: true }
    }

    pub fn is_empty(&self) -> bool {
        !self.everything && self.types.is_empty()
    }

    fn slot(&mut self, et: &str) -> &mut Option<KeySet<String>> {
        let i = match self.types.iter().position(|(t, _)| t == et) {
            Some(i) => i,
            None => {
                self.types.push((et.to_string(), Some(KeySet::new())));
                self.types.len() - 1
            }
        };
        &mut self.types[i].1
    }

    pub fn add(&mut self, et: &str, id: &str) {
        let slot = self.slot(et);
        if let Some(ids) = slot {
            ids.insert(id.to_string());
            if ids.len() > MAX_IDS {
                *slot = None;
            }
        }
    }

    /// Any entity of the type may have changed.
    pub fn add_type(&mut self, et: &str) {
        *self.slot(et) = None;
    }

    /// What changed of a type: `None` nothing, `Some(None)` any entity, else these ids.
    pub fn of(&self, et: &str) -> Option<Option<&KeySet<String>>> {
        if self.everything {
            return Some(None);
        }
        self.types.iter().find(|(t, _)| t == et).map(|(_, ids)| ids.as_ref())
    }

    /// The entities of records carrying `entityType`/`id` (pulled changes, server answers).
    pub fn of_records(records: impl IntoIterator<Item = JsValue>) -> Changes {
        let mut c = Changes::default();
        for r in records {
            c.add_record(&r);
        }
        c
    }

    pub fn add_record(&mut self, r: &JsValue) {
        if let (Some(et), Some(id)) = (jsv::get_str(r, field::ENTITY_TYPE), jsv::get_str(r, field::ID)) {
            self.add(&et, &id);
        }
    }

    /// The entities of queue entries.
    pub fn of_entries<'a>(entries: impl IntoIterator<Item = &'a JsValue>) -> Changes {
        let mut c = Changes::default();
        for r in entries {
            if let (Some(et), Some(id)) = (jsv::get_str(r, F_ENTITY), jsv::get_str(r, F_ENTITY_ID)) {
                c.add(&et, &id);
            }
        }
        c
    }

    /// The message for the other contexts: `{ kind: 'changes', all, types: [[type, ids | null]] }`.
    pub fn encode(&self) -> JsValue {
        let m = jsv::object();
        jsv::set(&m, "kind", &JsValue::from_str("changes"));
        jsv::set(&m, "all", &JsValue::from_bool(self.everything));
        let types: js_sys::Array = self
            .types
            .iter()
            .map(|(et, ids)| {
                let ids = match ids {
                    None => JsValue::NULL,
                    Some(ids) => ids.iter().map(|s| JsValue::from_str(s)).collect::<js_sys::Array>().into(),
                };
                JsValue::from(js_sys::Array::of2(&JsValue::from_str(et), &ids))
            })
            .collect();
        jsv::set(&m, "types", &types);
        m
    }

    /// `None` unless `m` is a change message; what is malformed in it counts as
    /// "any entity of the type" (a query run for nothing, never one missed).
    pub fn decode(m: &JsValue) -> Option<Changes> {
        if jsv::get_str(m, "kind").as_deref() != Some("changes") {
            return None;
        }
        let mut c = Changes { everything: jsv::get_bool(m, "all").unwrap_or(false), ..Default::default() };
        let types = jsv::get(m, "types");
        if !js_sys::Array::is_array(&types) {
            return Some(Changes::everything());
        }
        for t in js_sys::Array::from(&types).iter() {
            let Some(et) = js_sys::Reflect::get_u32(&t, 0).ok().and_then(|v| v.as_string()) else { continue };
            let ids = js_sys::Reflect::get_u32(&t, 1).unwrap_or(JsValue::NULL);
            if !js_sys::Array::is_array(&ids) {
                c.add_type(&et);
                continue;
            }
            c.slot(&et);
            for id in js_sys::Array::from(&ids).iter() {
                match id.as_string() {
                    Some(id) => c.add(&et, &id),
                    None => c.add_type(&et),
                }
            }
        }
        Some(c)
    }
}
