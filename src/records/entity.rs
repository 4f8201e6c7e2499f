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
