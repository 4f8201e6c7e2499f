//! An entity record as the store keeps it (the server's state `{ entityType, id,
//! version, deleted, data, etag?, listRun? }` and, while it has unsynced changes,
//! its local view in `local`), and a change as a server sends it (the same
//! fields, checked before it is written).

use crate::failure::{protocol, Result};
use crate::jsv;
use offline_sync_core::protocol::field;
use wasm_bindgen::JsValue;

/// The field of an entity's record that holds its local view while it has unsynced
/// changes: `{ data, deleted, dirty: 1, pending }`, `pending` counting its queued
/// entries. `dirty` (a number: IndexedDB cannot index booleans) puts the record in
/// the `byDirty` index.
pub const F_LOCAL: &str = "local";
/// In the local view: 1 (see `F_LOCAL`).
pub const F_DIRTY: &str = "dirty";
/// In the local view: how many queued entries it has.
pub const F_PENDING: &str = "pending";

/// The `ETag` of a server record (REST), sent back as `If-Match`.
pub const F_ETAG: &str = "etag";

/// The field that stamps each record of a complete list with the reading (run)
/// it came from.
pub const F_LIST_RUN: &str = "listRun";

/// An entity record as the store keeps it, or a server's version of an entity
/// (the same fields; what `data_of`/`local_of` in `store::view` make a view of).
#[derive(Clone, Copy)]
pub struct EntityRecord<'a>(pub &'a JsValue);

impl EntityRecord<'_> {
    pub fn entity_type(&self) -> Option<String> {
        jsv::get_str(self.0, field::ENTITY_TYPE)
    }

    pub fn id(&self) -> Option<String> {
        jsv::get_str(self.0, field::ID)
    }

    pub fn version(&self) -> Option<u64> {
        jsv::get_u64(self.0, field::VERSION)
    }

    /// The `ETag` of the server's version (REST).
    pub fn etag(&self) -> Option<String> {
        jsv::get_str(self.0, F_ETAG)
    }

    pub fn set_etag(&self, tag: &str) {
        jsv::set(self.0, F_ETAG, &JsValue::from_str(tag));
    }

    pub fn data(&self) -> JsValue {
        jsv::get(self.0, field::DATA)
    }

    /// The reading of a complete list this record came from, if it did.
    pub fn list_run(&self) -> Option<String> {
        jsv::get_str(self.0, F_LIST_RUN)
    }

    pub fn set_list_run(&self, run: &str) {
        jsv::set(self.0, F_LIST_RUN, &JsValue::from_str(run));
    }

    /// Its local view while it has unsynced changes (see `F_LOCAL`), as stored.
    pub fn local_js(&self) -> JsValue {
        jsv::get(self.0, F_LOCAL)
    }

    pub fn set_local(&self, local: &JsValue) {
        jsv::set(self.0, F_LOCAL, local);
    }
}

/// Drops the local part of a record (a server's record never has one, and a field
/// of that name from a server must not pass for an unsynced change).
pub fn without_local(record: &JsValue) {
    if let Some(o) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Object>(record) {
        let _ = js_sys::Reflect::delete_property(o, &JsValue::from_str(F_LOCAL));
    }
}

/// A key-like value as text: a non-empty string, or a whole number.
pub fn text_of(v: &JsValue) -> Option<String> {
    offline_sync_core::rest::id_text(&jsv::raw(v))
}

/// Checks the few fields IndexedDB keys on, so a malformed record is a clear
/// protocol error rather than an aborted transaction.
pub fn check_change(change: &JsValue, index: u32) -> Result<bool> {
    let bad = |what: &str| protocol(format!("server sent a malformed change (#{index}): {what}"));
    if !change.is_object() {
        return Err(bad("not an object"));
    }
    // Runs once per record of every page: the field names are JS strings made once,
    // the reads do not catch (a change is plain data: parsed JSON, or what the
    // app's transport answered, cloned), and strings are checked in JS without
    // copying them into Rust, so a large pull leaves no per-record garbage for the
    // collector.
    CHANGE_KEYS.with(|[entity_type, id, version, deleted, data, local, ..]| {
        let get = |key: &JsValue| jsv::get_plain(change, key);
        let non_empty =
            |v: JsValue| wasm_bindgen::JsCast::dyn_ref::<js_sys::JsString>(&v).is_some_and(|s| s.length() > 0);
        if !non_empty(get(entity_type)) {
            return Err(bad("`entityType` is not a non-empty string"));
        }
        if !non_empty(get(id)) {
            return Err(bad("`id` is not a non-empty string"));
        }
        let whole = |n: &f64| n.fract() == 0.0 && *n >= 0.0 && *n <= 9_007_199_254_740_991.0;
        if get(version).as_f64().filter(whole).is_none() {
            return Err(bad("`version` is not a whole number"));
        }
        let deleted = get(deleted);
        let deleted = if deleted.is_undefined() {
            false
        } else {
            deleted.as_bool().ok_or_else(|| bad("`deleted` is not a boolean"))?
        };
        if !deleted && !jsv::is_plain_object(&get(data)) {
            return Err(bad("`data` is not an object"));
        }
        // The field of a stored record that holds a local view: never the server's.
        if !get(local).is_undefined() {
            without_local(change);
        }
        Ok(deleted)
    })
}

thread_local! {
    pub(crate) static CHANGE_KEYS: [JsValue; 8] =
        [field::ENTITY_TYPE, field::ID, field::VERSION, field::DELETED, field::DATA, F_LOCAL, F_LIST_RUN, F_ETAG]
            .map(JsValue::from_str);
}

/// The data of a server record or of a local part; `None` when it is deleted.
pub fn data_of(record: &JsValue) -> Option<JsValue> {
    if jsv::get_bool(record, field::DELETED).unwrap_or(false) {
        return None;
    }
    let d = jsv::get(record, field::DATA);
    (!d.is_undefined() && !d.is_null()).then_some(d)
}

/// The local part of an entity record, for a view (`None`: deleted) and a count.
pub fn local_part(view: Option<&JsValue>, pending: u32) -> JsValue {
    let part = jsv::object();
    jsv::set(&part, field::DATA, view.unwrap_or(&JsValue::NULL));
    jsv::set(&part, field::DELETED, &JsValue::from_bool(view.is_none()));
    jsv::set(&part, F_DIRTY, &JsValue::from_f64(1.0));
    jsv::set(&part, F_PENDING, &JsValue::from_f64(pending as f64));
    part
}

/// The local part of a stored record, if it has one.
pub fn local_of(record: Option<&JsValue>) -> Option<JsValue> {
    record.map(|r| EntityRecord(r).local_js()).filter(JsValue::is_object)
}

/// Whether a stored record holds server state (and not only a local view).
fn has_server_state(record: &JsValue) -> bool {
    !jsv::get(record, field::VERSION).is_undefined() || !jsv::get(record, field::DATA).is_undefined()
}

/// The record to store for an entity: the server state of `stored` (as read, or
/// `None`) with `local` as its local part (`None`: no unsynced changes). `None`
/// when that leaves nothing to store.
pub fn with_local(entity_type: &str, id: &str, stored: Option<JsValue>, local: Option<&JsValue>) -> Option<JsValue> {
    match (stored.filter(has_server_state), local) {
        (Some(rec), Some(l)) => {
            EntityRecord(&rec).set_local(l);
            Some(rec)
        }
        (Some(rec), None) => {
            without_local(&rec);
            Some(rec)
        }
        (None, Some(l)) => Some(local_only(entity_type, id, l)),
        (None, None) => None,
    }
}

/// The record of an entity the server has not given us: its key and `local`.
pub fn local_only(entity_type: &str, id: &str, local: &JsValue) -> JsValue {
    let r = jsv::object();
    jsv::set(&r, field::ENTITY_TYPE, &JsValue::from_str(entity_type));
    jsv::set(&r, field::ID, &JsValue::from_str(id));
    jsv::set(&r, F_LOCAL, local);
    r
}

/// The queue entries a local part counts (0 without one; `None` when it lacks its count).
pub fn pending_of(local: Option<&JsValue>) -> Option<u32> {
    match local {
        None => Some(0),
        Some(l) => jsv::get_u64(l, F_PENDING).map(|n| n as u32),
    }
}
