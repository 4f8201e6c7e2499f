//! The JS shape of the status, as `useOfflineSync` returns it.

use crate::jsv;
use offline_sync_core::status::Status;
use wasm_bindgen::{JsCast, JsValue};

fn opt(v: Option<f64>) -> JsValue {
    v.map(JsValue::from_f64).unwrap_or(JsValue::NULL)
}

pub fn build(s: &Status) -> JsValue {
    let status = jsv::object();
    jsv::set(&status, "isRunning", &JsValue::from_bool(s.is_running));
    jsv::set(&status, "lastSyncAt", &opt(s.last_sync_at));
    jsv::set(&status, "nextSyncAt", &opt(s.next_sync_at));
    jsv::set(&status, "error", &s.error.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL));
    let kind = s.error_kind.map(|k| JsValue::from_str(k.name())).unwrap_or(JsValue::NULL);
    jsv::set(&status, "errorKind", &kind);
    jsv::set(&status, "serverReachable", &JsValue::from_bool(s.server_reachable));
    let progress = s.progress.as_ref().map(crate::engine::progress_js).unwrap_or(JsValue::NULL);
    jsv::set(&status, "progress", &progress);
    jsv::set(&status, "syncCount", &JsValue::from_f64(s.sync_count as f64));
    jsv::set(&status, "pendingCount", &JsValue::from_f64(s.pending_count as f64));
    jsv::set(&status, "failedCount", &JsValue::from_f64(s.failed_count as f64));
    jsv::set(&status, "conflictCount", &JsValue::from_f64(s.conflict_count as f64));
    let snap = jsv::object();
    jsv::set(&snap, "status", &status);
    jsv::set(&snap, "isOnline", &JsValue::from_bool(s.is_online));
    js_sys::Object::freeze(status.unchecked_ref::<js_sys::Object>());
    js_sys::Object::freeze(snap.unchecked_ref::<js_sys::Object>());
    snap
}
