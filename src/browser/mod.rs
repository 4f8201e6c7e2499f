//! Thin bindings to the browser's global scope (a window or a worker alike).

pub mod events;

use crate::jsv;
use wasm_bindgen::JsValue;

/// `navigator.onLine`, true where the scope has no notion of it.
pub fn is_online() -> bool {
    let nav = jsv::get(&js_sys::global(), "navigator");
    jsv::get(&nav, "onLine").as_bool().unwrap_or(true)
}

/// `document.visibilityState === 'visible'`; a worker has no document and counts as visible.
pub fn is_visible() -> bool {
    let doc = jsv::get(&js_sys::global(), "document");
    if doc.is_undefined() {
        return true;
    }
    jsv::get(&doc, "visibilityState") == JsValue::from_str("visible")
}

/// The `document` of a window scope, for `visibilitychange`.
pub fn document() -> Option<JsValue> {
    let doc = jsv::get(&js_sys::global(), "document");
    (!doc.is_undefined()).then_some(doc)
}
