//! The messages engines of one namespace exchange over their BroadcastChannel.

use super::EngineEvent;
use crate::failure::{ErrorKind, SyncError};
use crate::jsv;
use offline_sync_core::status::{Phase, Progress};
use wasm_bindgen::JsValue;

/// `None` for what stays in this context.
pub fn encode(ev: &EngineEvent) -> Option<JsValue> {
    let m = jsv::object();
    let kind = match ev {
        EngineEvent::SyncStarted | EngineEvent::RemoteStarted => "start",
        EngineEvent::SyncFinished(r) => {
            set_error(&m, r.error.as_ref());
            "end"
        }
        EngineEvent::RemoteFinished(error) => {
            set_error(&m, error.as_ref());
            "end"
        }
        EngineEvent::QueueChanged(p, f) => {
            jsv::set(&m, "pending", &JsValue::from_f64(*p as f64));
            jsv::set(&m, "failed", &JsValue::from_f64(*f as f64));
            "queue"
        }
        EngineEvent::Progress(p) => {
            let phase = p.map(|p| JsValue::from_str(p.phase.name())).unwrap_or(JsValue::NULL);
            jsv::set(&m, "phase", &phase);
            if let Some(p) = p {
                jsv::set(&m, "loaded", &JsValue::from_f64(p.loaded as f64));
                jsv::set(&m, "total", &p.total.map(|t| JsValue::from_f64(t as f64)).unwrap_or(JsValue::NULL));
            }
            "progress"
        }
        EngineEvent::Changed => return None,
        // The records stay here: the others only recount.
        EngineEvent::Conflicts(_) => "conflicts",
    };
    jsv::set(&m, "kind", &JsValue::from_str(kind));
    Some(m)
}

/// Anything else on the channel (another version, another app) is ignored.
pub fn decode(m: &JsValue) -> Option<EngineEvent> {
    match jsv::get_str(m, "kind")?.as_str() {
        "start" => Some(EngineEvent::RemoteStarted),
        "conflicts" => Some(EngineEvent::Conflicts(Vec::new())),
        "end" => Some(EngineEvent::RemoteFinished(get_error(m))),
        // `phase: null`: the long pull or push ended.
        "progress" => {
            Some(EngineEvent::Progress(jsv::get_str(m, "phase").and_then(|n| Phase::from_name(&n)).map(|phase| {
                Progress {
                    phase,
                    loaded: jsv::get_u64(m, "loaded").unwrap_or(0) as u32,
                    total: jsv::get_u64(m, "total").map(|t| t as u32),
                }
            })))
        }
        "queue" => {
            Some(EngineEvent::QueueChanged(jsv::get_u64(m, "pending")? as u32, jsv::get_u64(m, "failed")? as u32))
        }
        _ => None,
    }
}

fn set_error(m: &JsValue, e: Option<&SyncError>) {
    jsv::set(m, "error", &e.map(|e| JsValue::from_str(&e.message)).unwrap_or(JsValue::NULL));
    if let Some(e) = e {
        jsv::set(m, "errorKind", &JsValue::from_str(e.kind.name()));
        if let Some(status) = e.status {
            jsv::set(m, "httpStatus", &JsValue::from_f64(status as f64));
        }
    }
}

/// The other context's error, of its kind (older senders did not say: network).
fn get_error(m: &JsValue) -> Option<SyncError> {
    let message = jsv::get_str(m, "error")?;
    let kind = jsv::get_str(m, "errorKind").and_then(|k| ErrorKind::from_name(&k)).unwrap_or(ErrorKind::Network);
    let status = jsv::get_u64(m, "httpStatus").map(|s| s as u16);
    Some(SyncError::new(kind, message).with_status(status))
}
