//! Thin bindings to the browser's global scope (a window or a worker alike).

pub mod background_sync;
pub mod broadcast;
pub mod events;
pub mod locks;

use crate::jsv;
use wasm_bindgen::{JsCast, JsValue};

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
    jsv::defined(jsv::get(&js_sys::global(), "document"))
}

thread_local! {
    static PERSIST_ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Asks once per page for persistent storage (`navigator.storage.persist()`), so
/// the browser does not evict queued changes under storage pressure. The answer is
/// the browser's to give; nothing waits for it.
pub fn request_persistence() {
    if PERSIST_ASKED.with(|a| a.replace(true)) {
        return;
    }
    let storage = jsv::get(&jsv::get(&js_sys::global(), "navigator"), "storage");
    let persist = jsv::get(&storage, "persist");
    if let Some(f) = persist.dyn_ref::<js_sys::Function>() {
        if let Ok(p) = f.call0(&storage) {
            if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                // A rejection only means "not granted".
                crate::task::spawn(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
                });
            }
        }
    }
}
