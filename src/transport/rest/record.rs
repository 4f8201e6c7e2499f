//! Records as a REST API answers them, turned into the wire `Entity` shape the
//! store writes (`{ entityType, id, version, deleted, data }`, plus `etag`).

use crate::failure::{protocol, Result};
use crate::jsv;
use crate::records::entity::text_of;
use offline_sync_core::protocol::field;
use offline_sync_core::rest::{JsonPath, Resource};
use wasm_bindgen::JsValue;

use crate::records::entity::EntityRecord;

/// The value at `path` in an answer (`undefined` when it is not there).
pub fn at(body: &JsValue, path: &JsonPath) -> JsValue {
    let mut v = body.clone();
    for seg in path.segments() {
        if !v.is_object() {
            return JsValue::UNDEFINED;
        }
        v = jsv::get(&v, seg);
    }
    v
}

/// The record's id, if it is a record.
pub fn id_of(r: &Resource, record: &JsValue) -> Option<String> {
    if !jsv::is_plain_object(record) {
        return None;
    }
    text_of(&jsv::get(record, &r.id_field))
}

/// The entity for a record the server holds.
pub fn entity(r: &Resource, id: &str, record: &JsValue, etag: Option<&str>) -> JsValue {
    let e = jsv::object();
    jsv::set(&e, field::ENTITY_TYPE, &JsValue::from_str(&r.entity_type));
    jsv::set(&e, field::ID, &JsValue::from_str(id));
    let version = r.version_field.as_ref().and_then(|f| jsv::get_u64(record, f)).unwrap_or(0);
    jsv::set(&e, field::VERSION, &JsValue::from_f64(version as f64));
    jsv::set(&e, field::DELETED, &JsValue::FALSE);
    jsv::set(&e, field::DATA, record);
    let tag = etag.map(str::to_string).or_else(|| {
        let f = r.version_field.as_ref()?;
        text_of(&jsv::get(record, f)).map(|v| offline_sync_core::rest::plan::version_tag(&v))
    });
    if let Some(t) = tag {
        EntityRecord(&e).set_etag(&t);
    }
    e
}

/// The entity for a record that no longer exists.
pub fn tombstone(entity_type: &str, id: &str) -> JsValue {
    let e = jsv::object();
    jsv::set(&e, field::ENTITY_TYPE, &JsValue::from_str(entity_type));
    jsv::set(&e, field::ID, &JsValue::from_str(id));
    jsv::set(&e, field::VERSION, &JsValue::from_f64(0.0));
    jsv::set(&e, field::DELETED, &JsValue::TRUE);
    jsv::set(&e, field::DATA, &JsValue::NULL);
    e
}

/// The record in a single-record answer, checked.
pub fn single(r: &Resource, what: &str, body: &JsValue) -> Result<Option<(String, JsValue)>> {
    let rec = at(body, &r.record);
    if rec.is_undefined() || rec.is_null() {
        return Ok(None);
    }
    match id_of(r, &rec) {
        Some(id) => Ok(Some((id, rec))),
        None => Err(protocol(format!(
            "{what} answered something that is not a {} record with an `{}` at {} (check `record` of rest.resources.{})",
            r.entity_type, r.id_field, r.record, r.entity_type
        ))),
    }
}

/// The error's own words, from `{ "error": ... }` or `{ "message": ... }`.
pub fn detail(body: &JsValue) -> String {
    let s = jsv::get_str(body, "error").or_else(|| jsv::get_str(body, "message"));
    s.map(|s| format!(": {s}")).unwrap_or_default()
}
