//! The namespace's small facts, kept in the `meta` store under these keys: the
//! client id, when the last good sync ended, how far a push has read the queue,
//! per scope the pull cursor and how much of an unfinished pull is written, one
//! record per scope instance downloaded for offline use, and `idb.js`'s record of
//! the database's last upgrade.

use crate::jsv;
use offline_sync_core::protocol::Scope;
use wasm_bindgen::JsValue;

/// The id this browser profile syncs as (a string).
pub const CLIENT_ID: &str = "clientId";
/// When the last good sync of the namespace ended (ms since the epoch), so
/// `status.lastSyncAt` survives a reload.
pub const LAST_SYNC_AT: &str = "lastSyncAt";
/// The highest queue position a push has read. An entry at or below it may be on
/// its way to the server, so no later change is folded into it.
pub const PUSH_READ_UP_TO: &str = "pushReadUpTo";
/// `{ version, schema }` of the database's last upgrade, written by `idb.js`
/// (its `UPGRADE_KEY`), kept by a sign-out.
pub const UPGRADE: &str = "idbUpgrade";

/// The key of the pull cursor of a scope (a string the server handed out).
pub fn cursor_key(scope: &Scope) -> JsValue {
    JsValue::from_str(&format!("cursor:{}", scope.key()))
}

/// The key of how many changes an unfinished pull of a scope has written.
pub fn pulled_key(scope: &Scope) -> JsValue {
    JsValue::from_str(&format!("pulled:{}", scope.key()))
}

/// The key of a scope instance's offline record.
pub fn offline_key(scope: &str, id: &str) -> JsValue {
    JsValue::from_str(&format!("offline:{scope}:{id}"))
}

/// Where the offline records of one scope (`Some(name)`) or of all begin; they
/// end before the prefix followed by U+FFFF.
pub fn offline_prefix(scope: Option<&str>) -> String {
    match scope {
        Some(name) => format!("offline:{name}:"),
        None => "offline:".to_string(),
    }
}

const F_SCOPE: &str = "scope";
const F_ID: &str = "id";
/// The seed's `offlineCourses()` field; records of versions before named scopes
/// have only this.
const F_COURSE_ID: &str = "courseId";
const F_DOWNLOADED_AT: &str = "downloadedAt";

/// An offline record: `{ scope, id, downloadedAt }`, and `courseId` for the
/// `course` scope (the seed's `offlineCourses()` shape).
pub struct Offline;

impl Offline {
    pub fn record(name: &str, id: &str, downloaded_at: f64) -> JsValue {
        let rec = jsv::object();
        jsv::set(&rec, F_SCOPE, &JsValue::from_str(name));
        jsv::set(&rec, F_ID, &JsValue::from_str(id));
        if name == "course" {
            jsv::set(&rec, F_COURSE_ID, &JsValue::from_str(id));
        }
        jsv::set(&rec, F_DOWNLOADED_AT, &JsValue::from_f64(downloaded_at));
        rec
    }

    /// The scope instance a record names (records of older versions: a course).
    pub fn scope(rec: &JsValue) -> Option<Scope> {
        match (jsv::get_str(rec, F_SCOPE), jsv::get_str(rec, F_ID)) {
            (Some(name), Some(id)) => Some(Scope::named(&name, &id)),
            _ => jsv::get_str(rec, F_COURSE_ID).map(|id| Scope::course(&id)),
        }
    }
}
