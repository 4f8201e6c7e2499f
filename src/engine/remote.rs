//! The messages engines of one namespace exchange over their BroadcastChannel.

use super::EngineEvent;
use crate::jsv;
use wasm_bindgen::JsValue;

/// `None` for what stays in this context.
pub fn encode(ev: &EngineEvent) -> Option<JsValue> {
    let m = jsv::object();
    let kind = match ev {
        EngineEvent::SyncStarted | EngineEvent::RemoteStarted => "start",
        EngineEvent::SyncFinished(r) => {
            let error = r.error.as_ref().map(|e| JsValue::from_str(&e.message)).unwrap_or(JsValue::NULL);
            jsv::set(&m, "error", &error);
            if let Some(e) = &r.error {
                jsv::set(&m, "errorKind", &JsValue::from_str(e.kind.name()));
            }
            "end"
        }
        EngineEvent::RemoteFinished(error) => {
            jsv::set(&m, "error", &error.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL));
            "end"
        }
        EngineEvent::QueueChanged(p, f) => {
            jsv::set(&m, "pending", &JsValue::from_f64(*p as f64));
            jsv::set(&m, "failed", &JsValue::from_f64(*f as f64));
            "queue"
        }
        EngineEvent::Changed => return None,
    };
    jsv::set(&m, "kind", &JsValue::from_str(kind));
    Some(m)
}

/// Anything else on the channel (another version, another app) is ignored.
pub fn decode(m: &JsValue) -> Option<EngineEvent> {
    match jsv::get_str(m, "kind")?.as_str() {
        "start" => Some(EngineEvent::RemoteStarted),
        "end" => Some(EngineEvent::RemoteFinished(jsv::get_str(m, "error"))),
        "queue" => {
            Some(EngineEvent::QueueChanged(jsv::get_u64(m, "pending")? as u32, jsv::get_u64(m, "failed")? as u32))
        }
        _ => None,
    }
}
