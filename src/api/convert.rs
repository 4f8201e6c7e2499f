//! Rust values to the JS shapes the TypeScript types promise.

use crate::failure::{to_js, SyncError};
use crate::jsv;
use offline_sync_core::config::Raw;
use wasm_bindgen::{JsCast, JsValue};

pub fn err(e: SyncError) -> JsValue {
    to_js(&e)
}

/// `ids?: string[]` of retryFailed/discardFailed.
pub fn ids(v: &JsValue) -> Result<Option<Vec<String>>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if !js_sys::Array::is_array(v) {
        return Err(crate::failure::type_error("offline-sync: ids must be an array of mutation ids"));
    }
    js_sys::Array::from(v)
        .iter()
        .map(|x| x.as_string().ok_or_else(|| crate::failure::type_error("offline-sync: ids must be strings")))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// An options object (or `undefined`/`null` for all defaults) as core's validation
/// reads it; anything else is a `TypeError` naming `what`.
pub fn options_source<'a>(options: &'a JsValue, what: &str) -> Result<impl Fn(&str) -> Raw + 'a, JsValue> {
    if !(options.is_undefined() || options.is_null() || jsv::is_plain_object(options)) {
        return Err(crate::failure::type_error(&format!("offline-sync: {what} options must be an object")));
    }
    Ok(move |name: &str| if options.is_object() { jsv::raw(&jsv::get(options, name)) } else { Raw::Undefined })
}

/// `{ onProgress }` of `downloadCourse`: absent, or a function.
pub fn on_progress(options: &JsValue) -> Result<Option<js_sys::Function>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let f = jsv::get(options, "onProgress");
    if f.is_undefined() || f.is_null() {
        return Ok(None);
    }
    f.dyn_into::<js_sys::Function>().map(Some).map_err(|_| {
        crate::failure::type_error("offline-sync: option `onProgress` of downloadCourse must be a function")
    })
}
