//! Checks a change the app hands us before anything is written, so a bad call
//! rejects with an error naming the problem and the queue stays as it was.

use crate::failure::{input, Result};
use crate::jsv;
use crate::store::outbox::Change;
use offline_sync_core::protocol::{Op, Scope};
use offline_sync_core::scope::ScopeDef;
use wasm_bindgen::JsValue;

/// Entity types and ids: non-empty strings (or whole numbers, taken as their
/// decimal string), so that `get('course', 5)` finds what `put('course', 5, …)` wrote.
pub fn key_arg(what: &str, v: &JsValue) -> Result<String> {
    if let Some(s) = v.as_string() {
        if s.is_empty() {
            return Err(input(format!("offline-sync: {what} must not be empty")));
        }
        if s.len() > 200 {
            return Err(input(format!("offline-sync: {what} must be at most 200 characters")));
        }
        return Ok(s);
    }
    if let Some(n) = v.as_f64() {
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return Ok((n as i64).to_string());
        }
    }
    Err(input(format!("offline-sync: {what} must be a non-empty string (got {})", describe(v))))
}

fn describe(v: &JsValue) -> String {
    match jsv::raw(v) {
        offline_sync_core::config::Raw::String(s) => format!("{s:?}"),
        other => other.describe(),
    }
}

/// A declared scope's name and an id of it (`downloadScope('course', 'c1')`).
pub fn scope_arg(declared: &[ScopeDef], name: &JsValue, id: &JsValue) -> Result<Scope> {
    let n = name.as_string().unwrap_or_default();
    let Some(def) = declared.iter().find(|d| d.name == n) else {
        let names: Vec<&str> = declared.iter().map(|d| d.name.as_str()).collect();
        return Err(input(format!(
            "offline-sync: unknown scope {} (declared in initOfflineSync's `scopes`: {})",
            describe(name),
            names.join(", ")
        )));
    };
    Ok(def.scope(&key_arg(&format!("{n} id"), id)?))
}

pub fn op_arg(v: &JsValue) -> Result<Op> {
    v.as_string().and_then(|s| Op::parse(&s)).ok_or_else(|| {
        input(format!("offline-sync: unknown operation {} (expected 'CREATE', 'UPDATE' or 'DELETE')", describe(v)))
    })
}

pub fn change(op: Op, entity_type: &JsValue, entity_id: &JsValue, data: &JsValue, max_bytes: u32) -> Result<Change> {
    let entity_type = key_arg("entity type", entity_type)?;
    let entity_id = key_arg("entity id", entity_id)?;
    let what = format!("{} {entity_type}/{entity_id}", op.as_str());
    let data = match op {
        Op::Delete => JsValue::NULL,
        Op::Create | Op::Update => {
            if !jsv::is_plain_object(data) {
                return Err(input(format!("offline-sync: data for {what} must be an object (got {})", describe(data))));
            }
            // JSON is what goes over the wire: a cycle or a BigInt fails here, before
            // anything is written.
            let json = js_sys::JSON::stringify(data).map_err(|e| {
                input(format!("offline-sync: data for {what} cannot be sent as JSON: {}", jsv::error_text(&e)))
            })?;
            // UTF-8 takes at most 3 bytes per UTF-16 unit: only a payload near the
            // limit is copied into Rust to measure it exactly.
            let units = json.length() as usize;
            let len = if units * 3 <= max_bytes as usize { units } else { String::from(json).len() };
            if len > max_bytes as usize {
                return Err(input(format!(
                    "offline-sync: data for {what} is {len} bytes as JSON, over the maxPayloadBytes limit of {max_bytes}"
                )));
            }
            let copy = jsv::shallow_copy(data);
            if op == Op::Create && jsv::get(&copy, "id").is_undefined() {
                jsv::set(&copy, "id", &JsValue::from_str(&entity_id));
            }
            copy
        }
    };
    Ok(Change { op, entity_type, entity_id, data })
}
