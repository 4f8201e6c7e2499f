//! What a sync reports back.

use crate::failure::SyncError;
use crate::jsv;
use wasm_bindgen::JsValue;

/// What a sync does: everything, or only send the queue (the push at once after a
/// local change, which leaves pulls to the interval).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum SyncKind {
    #[default]
    Full,
    Push,
}

#[derive(Clone, Debug, Default)]
pub struct SyncResult {
    pub kind: SyncKind,
    pub success: bool,
    pub error: Option<SyncError>,
    /// Queued changes the server applied.
    pub pushed: u32,
    /// Server changes written to the local store.
    pub pulled: u32,
    /// Queued changes settled one way or another (applied, conflicted or set aside).
    pub processed: u32,
    /// Queued changes set aside as failed during this sync.
    pub failed: u32,
    /// Local changes the server refused as stale (server wins; see `conflicts()`).
    pub conflicts: u32,
    pub duration_ms: f64,
}

impl SyncResult {
    /// The `SyncResult` object apps get (`fullSync`, `performSync`, `onSyncComplete`):
    /// `{ success, error, errorKind, pushed, pulled, processed, failed, conflicts, durationMs }`.
    pub fn to_js(&self) -> JsValue {
        let o = jsv::object();
        jsv::set(&o, "success", &JsValue::from_bool(self.success));
        let error = self.error.as_ref().map(|e| JsValue::from_str(&e.message)).unwrap_or(JsValue::NULL);
        jsv::set(&o, "error", &error);
        let kind = self.error.as_ref().map(|e| JsValue::from_str(e.kind.name())).unwrap_or(JsValue::NULL);
        jsv::set(&o, "errorKind", &kind);
        for (k, v) in [
            ("pushed", self.pushed),
            ("pulled", self.pulled),
            ("processed", self.processed),
            ("failed", self.failed),
            ("conflicts", self.conflicts),
        ] {
            jsv::set(&o, k, &JsValue::from_f64(v as f64));
        }
        jsv::set(&o, "durationMs", &JsValue::from_f64(self.duration_ms));
        o
    }
}
