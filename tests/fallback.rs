//! Where no background sync will come (Firefox and Safari have no SyncManager; a
//! page may have no worker registered): a failed sync keeps the queue and asks
//! nothing impossible of the browser, and changes left by an earlier visit go out
//! on the next start (`initOfflineSync`). `online` and visibility are in
//! controller.rs. scripts/test.sh runs this suite in Chromium and in Firefox; the
//! browser's own Background Sync is tested end to end in e2e/background-sync.test.mjs.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const UNREACHABLE: &str = "http://127.0.0.1:9/api";

fn has_sync_manager() -> bool {
    !get(&js_sys::global(), "SyncManager").is_undefined()
}

#[wasm_bindgen_test]
async fn a_failed_sync_keeps_the_queue_whether_or_not_the_browser_has_background_sync() {
    web_sys::console::log_1(&format!("SyncManager in this browser: {}", has_sync_manager()).into());
    let user = unique("fb");
    let ns = unique("ns-");
    ok(init_offline_sync(options(&ns, &user, &[("apiBaseUrl", JsValue::from_str(UNREACHABLE))]))).await;
    let page = get_sync_engine();
    ok(page.put(JsValue::from_str("course"), JsValue::from_str("k"), json(r#"{"title":"kept"}"#))).await;
    // The failed sync asks for a background sync: without SyncManager (or without a
    // registered worker) that is a no-op, never an error.
    let r = ok(page.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::FALSE);
    assert_eq!(s(&r, "errorKind").as_deref(), Some("network"), "{}", stringify(&r));
    assert_eq!(ok(page.pending_count()).await, JsValue::from_f64(1.0));
    let again = ok(page.full_sync()).await;
    assert_eq!(get(&again, "success"), JsValue::FALSE);
    assert_eq!(ok(page.pending_count()).await, JsValue::from_f64(1.0), "nothing dropped");
}

#[wasm_bindgen_test]
async fn a_change_left_by_an_earlier_visit_goes_out_on_the_next_start() {
    let user = unique("next");
    let ns = unique("ns-");
    // The first visit: the change is stored, the server cannot be reached.
    ok(init_offline_sync(options(&ns, &user, &[("apiBaseUrl", JsValue::from_str(UNREACHABLE))]))).await;
    let first = get_sync_engine();
    ok(first.put(JsValue::from_str("course"), JsValue::from_str("n"), json(r#"{"title":"left behind"}"#))).await;
    assert_eq!(get(&ok(first.full_sync()).await, "success"), JsValue::FALSE);
    assert_eq!(ok(first.pending_count()).await, JsValue::from_f64(1.0));

    // The next start (same namespace, the server reachable): initOfflineSync sends it
    // by itself, no sync call, no controller.
    ok(init_offline_sync(options(&ns, &user, &[]))).await;
    let page = get_sync_engine();
    let mut waited = 0;
    while ok(page.pending_count()).await != JsValue::from_f64(0.0) {
        assert!(waited < 10_000, "the change did not go out on the next start");
        sleep(100).await;
        waited += 100;
    }
    let st = stats(&user).await;
    let counts: js_sys::Array = js_sys::Object::values(&get(&st, "applyCounts").unchecked_into());
    assert_eq!(counts.length(), 1, "{}", stringify(&st));
    assert_eq!(counts.get(0), JsValue::from_f64(1.0));

    // Another device of the user gets it.
    let other = engine(&unique("ns-"), &user);
    sync(&other).await;
    let got = ok(other.get(JsValue::from_str("course"), JsValue::from_str("n"))).await;
    assert_eq!(s(&got, "title").as_deref(), Some("left behind"));
}
