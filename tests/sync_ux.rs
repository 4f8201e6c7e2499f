//! What users see while syncing (issue 22), in real Chromium against the reference
//! server: local changes pushed at once, debounced, and held back while offline;
//! a status a person can read, its kind, and an unreachable server told apart.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync, OfflineSync};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function fire(type) { window.dispatchEvent(new Event(type)); }
"#)]
extern "C" {
    fn fire(kind: &str);
}

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// The page engine, pointed at the reference server for a fresh user.
async fn init_page() -> String {
    let user = unique("ux");
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    user
}

/// A started controller with no sync of its own but the push at once.
fn quiet_controller() -> OfflineSync {
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    c
}

fn status(c: &OfflineSync) -> JsValue {
    get(&c.get_snapshot(), "status")
}

async fn push_requests(user: &str) -> f64 {
    num(&stats(user).await, "pushRequests")
}

/// Polls the server every 50 ms until `key` has `title`; returns the ms it took.
async fn until_on_server(user: &str, key: &str, title: &str, limit_ms: f64) -> f64 {
    let start = js_sys::Date::now();
    let want = format!(r#"{{"id":"{}","title":"{title}"}}"#, key.split('/').nth(1).unwrap());
    loop {
        let took = js_sys::Date::now() - start;
        if server_state(user).await.get(key) == Some(&want) {
            return took;
        }
        assert!(took < limit_ms, "{key} not on the server with title {title:?} after {took} ms");
        sleep(50).await;
    }
}

#[wasm_bindgen_test]
async fn a_change_made_online_reaches_the_server_within_a_second() {
    let user = init_page().await;
    let c = quiet_controller();
    ok(get_sync_engine().put(v("course"), v("now"), json(r#"{"id":"now","title":"at once"}"#))).await;
    let took = until_on_server(&user, "course/now", "at once", 3_000.0).await;
    assert!(took < 1_000.0, "on the server {took} ms after the change, with no performSync()");
    assert_eq!(push_requests(&user).await, 1.0);
    wait_until("pendingCount 0", || num(&status(&c), "pendingCount") == 0.0).await;
    assert!(get(&status(&c), "nextSyncAt").is_null(), "a push at once arms no interval");
    c.dispose();
}

#[wasm_bindgen_test]
async fn twenty_quick_edits_of_one_title_are_one_push_request() {
    let user = init_page().await;
    let c = quiet_controller();
    let e = get_sync_engine();
    let title = "A title typed letter by";
    for i in 4..=title.len() {
        let data = json(&format!(r#"{{"id":"typed","title":"{}"}}"#, &title[..i]));
        ok(e.put(v("course"), v("typed"), data)).await;
    }
    until_on_server(&user, "course/typed", title, 3_000.0).await;
    sleep(500).await;
    assert_eq!(push_requests(&user).await, 1.0, "twenty edits, one request");
    c.dispose();
}

#[wasm_bindgen_test]
async fn offline_nothing_is_attempted_until_online() {
    let user = init_page().await;
    let c = quiet_controller();
    fire("offline");
    ok(get_sync_engine().put(v("course"), v("off"), json(r#"{"id":"off","title":"later"}"#))).await;
    sleep(800).await;
    assert_eq!(num(&status(&c), "syncCount"), 0.0, "no sync attempted offline");
    assert_eq!(push_requests(&user).await, 0.0);
    fire("online");
    until_on_server(&user, "course/off", "later", 3_000.0).await;
    c.dispose();
}

#[wasm_bindgen_test]
async fn after_a_network_failure_changes_wait_for_a_trigger() {
    let user = unique("ux-down");
    let dead = [("apiBaseUrl", v("http://127.0.0.1:9/api"))];
    ok(init_offline_sync(options(&unique("ns-"), &user, &dead))).await;
    let c = quiet_controller();
    let r = ok(c.perform_sync()).await;
    assert_eq!(s(&r, "errorKind").as_deref(), Some("network"));
    ok(get_sync_engine().put(v("course"), v("w"), json(r#"{"title":"waits"}"#))).await;
    sleep(800).await;
    assert_eq!(num(&status(&c), "syncCount"), 1.0, "the server was unreachable: no push at once");
    c.dispose();
}

#[wasm_bindgen_test]
async fn push_delay_ms_zero_turns_the_push_at_once_off() {
    let user = init_page().await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0, "pushDelayMs": 0}"#)).unwrap();
    c.start();
    ok(get_sync_engine().put(v("course"), v("kept"), json(r#"{"title":"kept"}"#))).await;
    sleep(800).await;
    assert_eq!(push_requests(&user).await, 0.0);
    c.dispose();
    let err = OfflineSync::new(json(r#"{"pushDelayMs": true}"#)).err().expect("rejected");
    assert!(error_message(&err).contains("`pushDelayMs`"), "{}", error_message(&err));
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_told_apart_from_being_offline() {
    let user = unique("ux-dead");
    let dead = [("apiBaseUrl", v("http://127.0.0.1:9/api"))];
    ok(init_offline_sync(options(&unique("ns-"), &user, &dead))).await;
    let c = quiet_controller();
    let r = ok(c.perform_sync()).await;
    assert!(s(&r, "error").unwrap_or_default().contains("127.0.0.1:9"), "the developer's detail stays in the result");
    let st = status(&c);
    assert_eq!(s(&st, "errorKind").as_deref(), Some("network"), "{}", stringify(&st));
    assert_eq!(get(&st, "serverReachable"), JsValue::FALSE);
    assert_eq!(get(&c.get_snapshot(), "isOnline"), JsValue::TRUE);
    let message = s(&st, "error").expect("status.error set");
    for word in ["http", "127.0.0.1", "/api", "Failed to fetch", "TypeError"] {
        assert!(!message.contains(word), "status.error names {word:?}: {message}");
    }
    assert!(message.contains("reach the server"), "{message}");
    fire("offline");
    assert_eq!(get(&c.get_snapshot(), "isOnline"), JsValue::FALSE);
    c.dispose();
    fire("online");

    // Reached again: the error and its kind clear, the server is reachable.
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    let c = quiet_controller();
    ok(c.perform_sync()).await;
    let st = status(&c);
    assert!(get(&st, "error").is_null() && get(&st, "errorKind").is_null(), "{}", stringify(&st));
    assert_eq!(get(&st, "serverReachable"), JsValue::TRUE);
    c.dispose();
}

#[wasm_bindgen_test]
async fn last_sync_at_survives_closing_and_reopening_the_engine() {
    let (ns, user) = (unique("ns-"), unique("ux-last"));
    ok(init_offline_sync(options(&ns, &user, &[]))).await;
    let c = quiet_controller();
    ok(c.perform_sync()).await;
    let at = num(&status(&c), "lastSyncAt");
    c.dispose();
    // Another namespace closes this one's engine; init again opens it afresh.
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    ok(init_offline_sync(options(&ns, &user, &[]))).await;
    let c = quiet_controller();
    wait_until("lastSyncAt read back", || get(&status(&c), "lastSyncAt").as_f64().is_some()).await;
    let back = num(&status(&c), "lastSyncAt");
    assert!((back - at).abs() < 2_000.0, "lastSyncAt {back}, was {at}");
    assert_eq!(num(&status(&c), "syncCount"), 0.0, "read back, not synced again");
    c.dispose();
}
