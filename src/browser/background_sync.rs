//! Service Worker Background Sync: registering the sync tag from a page, and the
//! `SyncEvent` a worker receives. web-sys has no bindings for either.

use crate::jsv;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The tag the module being replaced used; kept so existing workers still match.
pub const SYNC_TAG: &str = "sync-offline-data";

/// Tag of the periodic sync the app may register (`periodicSync.register(...)`).
/// js/sw.js names both tags for code that runs before the module is loaded;
/// tests/one_source.rs fails when they differ.
pub const PERIODIC_TAG: &str = "offline-sync-periodic";

#[wasm_bindgen]
extern "C" {
    type SyncManager;
    #[wasm_bindgen(method, catch)]
    fn register(this: &SyncManager, tag: &str) -> Result<js_sys::Promise, JsValue>;

    /// The `sync` event of a service worker.
    #[wasm_bindgen(extends = web_sys::Event)]
    pub type SyncEvent;
    #[wasm_bindgen(method, getter)]
    pub fn tag(this: &SyncEvent) -> String;
    /// True on the browser's last attempt for this tag.
    #[wasm_bindgen(method, getter, js_name = lastChance)]
    pub fn last_chance(this: &SyncEvent) -> bool;
}

/// Whether this browser has Background Sync at all (Chromium does; Firefox and Safari do not).
pub fn supported() -> bool {
    !jsv::get(&js_sys::global(), "SyncManager").is_undefined()
}

fn service_workers() -> Option<JsValue> {
    let sw = jsv::get(&jsv::get(&js_sys::global(), "navigator"), "serviceWorker");
    (!sw.is_undefined() && !sw.is_null()).then_some(sw)
}

async fn call_promise(target: &JsValue, method: &str, args: &js_sys::Array) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = jsv::get(target, method).dyn_into()?;
    let p: js_sys::Promise = f.apply(target, args)?.dyn_into()?;
    JsFuture::from(p).await
}

/// Registers the module's worker script (a module worker) at `url`.
pub async fn register_worker(url: &str) -> Result<(), String> {
    let Some(sw) = service_workers() else { return Err("this browser has no service workers".into()) };
    let opts = jsv::object();
    jsv::set(&opts, "type", &JsValue::from_str("module"));
    call_promise(&sw, "register", &js_sys::Array::of2(&JsValue::from_str(url), &opts))
        .await
        .map(|_| ())
        .map_err(|e| jsv::error_text(&e))
}

/// Asks the browser to fire `sync` in our worker once it is online, even if every
/// tab is closed by then. Needs a registered worker; without one (or without
/// Background Sync) it does nothing and the fallbacks (next start, `online`,
/// visibility) deliver the changes instead. Returns whether a tag was registered.
pub async fn request_sync() -> bool {
    if !supported() {
        return false;
    }
    let Some(sw) = service_workers() else { return false };
    // getRegistration() settles even when no worker is registered; `ready` would not.
    let Ok(reg) = call_promise(&sw, "getRegistration", &js_sys::Array::new()).await else { return false };
    let manager = jsv::get(&reg, "sync");
    if manager.is_undefined() || manager.is_null() {
        return false;
    }
    let manager: SyncManager = manager.unchecked_into();
    match manager.register(SYNC_TAG) {
        Ok(p) => JsFuture::from(p).await.is_ok(),
        Err(_) => false,
    }
}
