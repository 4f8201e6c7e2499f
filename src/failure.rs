//! The crate's internal error: core's classified `SyncError`, with conversions from
//! the browser's failures and into the JS `Error` the app sees.

use crate::jsv;
pub use offline_sync_core::error::{ErrorKind, SyncError};
use wasm_bindgen::{JsCast, JsValue};

pub type Result<T> = std::result::Result<T, SyncError>;

pub fn storage(context: &str, e: JsValue) -> SyncError {
    let detail = describe(&e);
    let hint = if mentions(&detail, "QuotaExceededError") {
        " (the browser's storage quota for this site is used up: free space, or clearLocalData() on sign-out; nothing queued was lost)"
    } else if mentions(&detail, "VersionError") {
        " (another tab runs a newer version of this app and upgraded the database: reload this page)"
    } else if mentions(&detail, "InvalidStateError") {
        " (the browser closed the database connection)"
    } else {
        ""
    };
    SyncError::new(ErrorKind::Storage, format!("IndexedDB {context} failed: {detail}{hint}"))
}

/// The browser closed our connection (storage cleared, another tab deleted or
/// upgraded the database): reopening is worth one try.
pub fn is_connection_closed(e: &SyncError) -> bool {
    e.kind == ErrorKind::Storage
        && (mentions(&e.message, "InvalidStateError") || mentions(&e.message, "database was closed"))
}

/// Whether `text` contains `word`. `str::contains` brings the standard two-way
/// substring search, 3 KB of wasm, for the few short names looked for in
/// error texts.
pub fn mentions(text: &str, word: &str) -> bool {
    text.as_bytes().windows(word.len()).any(|w| w == word.as_bytes())
}

/// The DOMException's name (QuotaExceededError, InvalidStateError, DataCloneError
/// ...) is what tells the app what to do, so it comes first.
fn describe(e: &JsValue) -> String {
    let name = jsv::get_str(e, "name");
    let message = jsv::get_str(e, "message");
    match (name, message) {
        (Some(n), Some(m)) if !m.is_empty() => format!("{n}: {m}"),
        (Some(n), _) => n,
        _ => e.as_string().unwrap_or_else(|| "unknown error".into()),
    }
}

pub fn input(message: impl Into<String>) -> SyncError {
    SyncError::new(ErrorKind::Input, message)
}

pub fn protocol(message: impl Into<String>) -> SyncError {
    SyncError::new(ErrorKind::Protocol, message)
}

/// The JS `Error` the app receives: `name` is `OfflineSyncError` (or `TypeError`
/// for bad input), `kind` says which class of failure it was.
pub fn to_js(e: &SyncError) -> JsValue {
    let err = if e.kind == ErrorKind::Input {
        js_sys::TypeError::new(&e.message).unchecked_into::<js_sys::Error>()
    } else {
        let err = js_sys::Error::new(&e.message);
        err.set_name("OfflineSyncError");
        err
    };
    jsv::set(&err, "kind", &JsValue::from_str(e.kind.name()));
    err.into()
}

pub fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}
