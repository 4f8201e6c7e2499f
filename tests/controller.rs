//! The controller behind `useOfflineSync`, in real Chromium against the reference
//! server: defaults, validation, triggers, timers, callbacks and their cleanup.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{init_offline_sync, set_online, set_visible, OfflineSync, OfflineSyncClient};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function recorder(extra) {
  const r = { starts: 0, results: [], notified: 0 };
  r.options = Object.assign({ onSyncStart: () => { r.starts++; }, onSyncComplete: (x) => { r.results.push(x); } }, extra);
  r.listener = () => { r.notified++; };
  return r;
}
export function fire(target, type) {
  const t = target === 'document' ? document : window;
  t.dispatchEvent(new Event(type));
}
export function setHidden(hidden) {
  if (hidden) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  else delete document.visibilityState;
}
export function callUnsub(f) { f(); }
"#)]
extern "C" {
    fn recorder(extra: JsValue) -> JsValue;
    fn fire(target: &str, kind: &str);
    #[wasm_bindgen(js_name = setHidden)]
    fn set_hidden(hidden: bool);
    #[wasm_bindgen(js_name = callUnsub)]
    fn call_unsub(f: &JsValue);
}

/// The page engine, pointed at the reference server for a fresh user.
async fn init_page() -> String {
    let user = unique("ctl");
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    user
}

fn status(c: &OfflineSync) -> JsValue {
    get(&c.get_snapshot(), "status")
}

fn sync_count(c: &OfflineSync) -> f64 {
    num(&status(c), "syncCount")
}

fn controller(r: &JsValue) -> OfflineSync {
    OfflineSync::new(get(r, "options")).expect("valid options")
}

#[wasm_bindgen_test]
async fn defaults_match_the_hook() {
    init_page().await;
    let r = recorder(JsValue::UNDEFINED);
    let c = controller(&r);
    assert!(get(&status(&c), "nextSyncAt").is_null(), "nothing scheduled before activation");
    let unsub = c.subscribe(get(&r, "listener")).unwrap();
    // syncOnMount: a sync runs at once; the default interval schedules the next one in 60 s.
    wait_until("the mount sync", || get(&r, "results").unchecked_into::<js_sys::Array>().length() == 1).await;
    let next = num(&status(&c), "nextSyncAt");
    let in_ms = next - js_sys::Date::now();
    assert!((55_000.0..=60_500.0).contains(&in_ms), "next sync in {in_ms} ms");
    assert_eq!(get(&c.get_snapshot(), "isOnline"), JsValue::TRUE);
    assert!(num(&r, "notified") >= 1.0);
    call_unsub(&unsub);
    assert!(get(&status(&c), "nextSyncAt").is_null(), "the last unsubscribe releases the timer");
    c.dispose();
}

#[wasm_bindgen_test]
async fn bad_options_are_type_errors_naming_the_option() {
    for (spec, option) in [
        (r#"{"autoSyncInterval": -1}"#, "autoSyncInterval"),
        (r#"{"autoSyncInterval": "60000"}"#, "autoSyncInterval"),
        (r#"{"syncOnOnline": "yes"}"#, "syncOnOnline"),
        (r#"{"onSyncComplete": 42}"#, "onSyncComplete"),
    ] {
        let err = OfflineSync::new(json(spec)).err().expect("rejected");
        assert_eq!(error_name(&err), "TypeError");
        assert!(error_message(&err).contains(&format!("`{option}`")), "{}", error_message(&err));
    }
    let err = OfflineSync::new(json(r#"{"autoSyncInterval": 0}"#)).map(|_| ()).err();
    assert!(err.is_none());
    let nan = js_sys::Object::new();
    js_sys::Reflect::set(&nan, &"autoSyncInterval".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    let err = OfflineSync::new(nan.into()).err().expect("NaN rejected");
    assert!(error_message(&err).contains("NaN"));
}

#[wasm_bindgen_test]
async fn one_sync_in_flight_at_a_time() {
    let user = init_page().await;
    let r = recorder(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#));
    let c = controller(&r);
    c.start();
    let before = num(&stats(&user).await, "pullRequests");
    let (a, b) = futures_join(c.perform_sync(), c.perform_sync()).await;
    assert_eq!(get(&a, "success"), JsValue::TRUE);
    assert_eq!(num(&a, "durationMs"), num(&b, "durationMs"), "the second call joined the first");
    assert_eq!(num(&stats(&user).await, "pullRequests") - before, 1.0);
    assert_eq!(sync_count(&c), 1.0);
    c.dispose();
}

async fn futures_join(a: js_sys::Promise, b: js_sys::Promise) -> (JsValue, JsValue) {
    let all = js_sys::Promise::all(&js_sys::Array::of2(&a, &b));
    let v: js_sys::Array = JsFuture::from(all).await.unwrap().into();
    (v.get(0), v.get(1))
}

#[wasm_bindgen_test]
async fn short_interval_schedules_syncs_and_manual_control() {
    init_page().await;
    let r = recorder(json(r#"{"syncOnMount": false, "autoSyncInterval": 200}"#));
    let c = controller(&r);
    c.start();
    wait_until("two interval syncs", || sync_count(&c) >= 2.0).await;
    c.stop_auto_sync();
    assert!(get(&status(&c), "nextSyncAt").is_null());
    let n = sync_count(&c);
    sleep(600).await;
    assert_eq!(sync_count(&c), n, "no sync after stopAutoSync");
    c.dispose();

    // autoSyncInterval 0: nothing scheduled until startAutoSync.
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    assert!(get(&status(&c), "nextSyncAt").is_null());
    c.start_auto_sync();
    assert!(get(&status(&c), "nextSyncAt").as_f64().is_some(), "startAutoSync schedules");
    c.stop_auto_sync();
    assert!(get(&status(&c), "nextSyncAt").is_null());
    c.dispose();
}

#[wasm_bindgen_test]
async fn online_and_visibility_trigger_syncs() {
    init_page().await;
    let r = recorder(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#));
    let c = controller(&r);
    c.start();
    fire("window", "offline");
    assert_eq!(get(&c.get_snapshot(), "isOnline"), JsValue::FALSE);
    fire("window", "online");
    assert_eq!(get(&c.get_snapshot(), "isOnline"), JsValue::TRUE);
    wait_until("a sync after online", || sync_count(&c) == 1.0).await;

    set_hidden(true);
    fire("document", "visibilitychange");
    sleep(300).await;
    assert_eq!(sync_count(&c), 1.0, "becoming hidden does not sync");
    set_hidden(false);
    fire("document", "visibilitychange");
    wait_until("a sync after becoming visible", || sync_count(&c) == 2.0).await;
    c.dispose();

    let quiet = OfflineSync::new(json(
        r#"{"syncOnMount": false, "autoSyncInterval": 0, "syncOnOnline": false, "syncOnVisibility": false}"#,
    ))
    .unwrap();
    quiet.start();
    let n = sync_count(&quiet);
    fire("window", "online");
    fire("document", "visibilitychange");
    sleep(300).await;
    assert_eq!(sync_count(&quiet), n, "triggers that are off do nothing");
    quiet.dispose();
}

#[wasm_bindgen_test]
async fn callbacks_receive_results_and_errors_clear() {
    init_page().await;
    let r = recorder(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#));
    let c = controller(&r);
    c.start();
    ok(c.perform_sync()).await;
    assert_eq!(num(&r, "starts"), 1.0);
    let results: js_sys::Array = get(&r, "results").into();
    assert_eq!(get(&results.get(0), "success"), JsValue::TRUE);
    assert!(get(&status(&c), "error").is_null());
    assert!(get(&status(&c), "lastSyncAt").as_f64().is_some());
    c.dispose();

    // A failing sync: the error shows in status and in the callback, and the next
    // good sync clears it.
    let user = unique("ctl-err");
    ok(init_offline_sync(options(
        &unique("ns-"),
        &user,
        &[("apiBaseUrl", JsValue::from_str("http://127.0.0.1:9/api"))],
    )))
    .await;
    let r = recorder(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#));
    let c = controller(&r);
    c.start();
    ok(c.perform_sync()).await;
    let results: js_sys::Array = get(&r, "results").into();
    assert_eq!(get(&results.get(0), "success"), JsValue::FALSE);
    let err = s(&status(&c), "error").expect("status.error set");
    assert!(err.contains("network error"), "{err}");
    c.dispose();
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    ok(c.perform_sync()).await;
    assert!(get(&status(&c), "error").is_null());
    c.dispose();
}

#[wasm_bindgen_test]
async fn snapshot_identity_is_stable_until_a_change() {
    init_page().await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    let a = c.get_snapshot();
    assert!(js_sys::Object::is(&a, &c.get_snapshot()));
    ok(c.perform_sync()).await;
    let b = c.get_snapshot();
    assert!(!js_sys::Object::is(&a, &b), "a sync changes the snapshot");
    assert!(js_sys::Object::is(&b, &c.get_snapshot()));
    c.dispose();
}

#[wasm_bindgen_test]
async fn dispose_removes_every_listener_and_timer() {
    init_page().await;
    let r = recorder(json(r#"{"syncOnMount": false, "autoSyncInterval": 150}"#));
    let c = controller(&r);
    let _unsub = c.subscribe(get(&r, "listener")).unwrap();
    // A second subscribe and start do not add listeners or timers (StrictMode).
    let unsub2 = c.subscribe(get(&r, "listener")).unwrap();
    call_unsub(&unsub2);
    c.start();
    wait_until("an interval sync", || sync_count(&c) >= 1.0).await;
    c.dispose();
    assert!(get(&status(&c), "nextSyncAt").is_null());
    let n = sync_count(&c);
    let starts = num(&r, "starts");
    fire("window", "online");
    fire("document", "visibilitychange");
    sleep(500).await;
    assert_eq!(sync_count(&c), n, "no timer, no listener left");
    assert_eq!(num(&r, "starts"), starts, "no callback after dispose");
}

#[wasm_bindgen_test]
async fn controllers_follow_an_engine_replaced_by_init() {
    let first = init_page().await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 150}"#)).unwrap();
    c.start();
    wait_until("an interval sync on the first engine", || sync_count(&c) >= 1.0).await;
    // Not awaited: the new engine is in place as soon as the call returns.
    let second = unique("ctl2");
    let p = init_offline_sync(options(&unique("ns-"), &second, &[]));
    let engine_now = offline_sync::get_sync_engine();
    let first_pulls = num(&stats(&first).await, "pullRequests");
    ok(p).await;
    sleep(700).await;
    assert_eq!(num(&stats(&first).await, "pullRequests"), first_pulls, "the old engine's timer is gone");
    assert!(num(&stats(&second).await, "pullRequests") >= 2.0, "the controller's interval drives the new engine");
    let id = ok(engine_now.put(JsValue::from_str("course"), JsValue::from_str("n"), json(r#"{"title":"n"}"#))).await;
    assert!(id.is_string());
    c.dispose();
}

/// A change resolves once it is durable and the queue count follows: a burst of
/// changes costs a count or two, not one each, and the last count sees them all.
#[wasm_bindgen_test]
async fn the_pending_count_follows_a_burst_of_changes() {
    init_page().await;
    // No push at once: the count is watched, not the queue emptied.
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0, "pushDelayMs": 0}"#)).unwrap();
    c.start();
    let e = offline_sync::get_sync_engine();
    // Together, then one after another: some changes land while a count runs.
    let calls: js_sys::Array = (0..20)
        .map(|i| JsValue::from(e.put(JsValue::from_str("course"), JsValue::from_str(&format!("b{i}")), json("{}"))))
        .collect();
    ok(js_sys::Promise::all(&calls)).await;
    for i in 20..40 {
        ok(e.put(JsValue::from_str("course"), JsValue::from_str(&format!("b{i}")), json("{}"))).await;
    }
    wait_until("pendingCount 40", || num(&status(&c), "pendingCount") == 40.0).await;
    sleep(100).await;
    assert_eq!(num(&status(&c), "pendingCount"), 40.0, "and stays there");
    c.dispose();
}

// ---- clients of their own (createOfflineSync) and the page's trigger sources

/// A controller that only syncs when told to: no timer, no mount sync, no push at once.
fn quiet(client: &OfflineSyncClient) -> OfflineSync {
    let c = client.controller(json(r#"{"autoSyncInterval":0,"syncOnMount":false,"pushDelayMs":0}"#)).unwrap();
    c.start();
    c
}

#[wasm_bindgen_test]
async fn two_clients_in_one_page_keep_their_own_database_status_and_sync() {
    let (ua, ub) = (unique("cla"), unique("clb"));
    let a = OfflineSyncClient::new(options(&unique("ns-"), &ua, &[])).expect("valid options");
    let b = OfflineSyncClient::new(options(&unique("ns-"), &ub, &[])).expect("valid options");
    ok(a.ready()).await;
    ok(b.ready()).await;
    let (ca, cb) = (quiet(&a), quiet(&b));

    ok(a.engine().put(JsValue::from_str("course"), JsValue::from_str("x"), json(r#"{"title":"A's"}"#))).await;
    wait_until("a's pending count", || num(&status(&ca), "pendingCount") == 1.0).await;
    assert_eq!(num(&status(&cb), "pendingCount"), 0.0, "b's status is its own");
    let in_b = ok(b.engine().get(JsValue::from_str("course"), JsValue::from_str("x"))).await;
    assert!(in_b.is_undefined(), "b's database is its own");

    let r = ok(ca.perform_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(sync_count(&ca), 1.0);
    assert_eq!(sync_count(&cb), 0.0, "a's sync is not b's");
    assert_eq!(server_state(&ua).await.len(), 1, "a's change reached a's account");
    assert!(server_state(&ub).await.is_empty());

    // The page's default client (initOfflineSync) is a third, apart from both.
    init_page().await;
    let page = offline_sync::get_sync_engine();
    assert!(ok(page.get(JsValue::from_str("course"), JsValue::from_str("x"))).await.is_undefined());

    // A client that is closed lets go of its controllers' timer and listeners.
    let auto = a.controller(json(r#"{"autoSyncInterval":60000,"syncOnMount":false}"#)).unwrap();
    auto.start();
    assert!(!get(&status(&auto), "nextSyncAt").is_null());
    a.close();
    assert!(get(&status(&auto), "nextSyncAt").is_null(), "close() stops the client's timer");
    for c in [ca, cb, auto] {
        c.dispose();
    }
    b.close();
}

#[wasm_bindgen_test]
async fn the_app_can_say_when_the_page_is_online_or_visible() {
    let user = unique("clonline");
    let client = OfflineSyncClient::new(options(&unique("ns-"), &user, &[])).expect("valid options");
    ok(client.ready()).await;
    let c = client.controller(json(r#"{"autoSyncInterval":0,"syncOnMount":false,"pushDelayMs":50}"#)).unwrap();
    c.start();

    set_online(JsValue::FALSE);
    wait_until("isOnline false", || get(&c.get_snapshot(), "isOnline") == JsValue::FALSE).await;
    ok(client.engine().put(JsValue::from_str("course"), JsValue::from_str("o"), json(r#"{"title":"offline"}"#))).await;
    sleep(500).await;
    assert_eq!(num(&status(&c), "pendingCount"), 1.0, "nothing is pushed while the app says offline");
    assert!(server_state(&user).await.is_empty());

    // Back online (syncOnOnline, the default): the change goes out.
    set_online(JsValue::TRUE);
    wait_until("the sync of coming online", || num(&status(&c), "pendingCount") == 0.0).await;
    assert_eq!(get(&c.get_snapshot(), "isOnline"), JsValue::TRUE);
    assert_eq!(server_state(&user).await.len(), 1);
    // Handed back to the browser, which says online here.
    set_online(JsValue::UNDEFINED);

    // Visible again (syncOnVisibility, the default) starts a sync.
    let before = sync_count(&c);
    set_visible(JsValue::FALSE);
    set_visible(JsValue::TRUE);
    wait_until("the sync of becoming visible", || sync_count(&c) > before).await;
    set_visible(JsValue::UNDEFINED);
    c.dispose();
    client.close();
}
