//! A database the browser deleted between two visits (Safari deletes a site's
//! script-written storage after 7 days without use; users clear site data): the
//! engine starts cleanly, as on a first visit, and tells the app (docs/safari.md).
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync, OfflineSync, SyncEngine};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
// What Safari's 7-day rule does to a site's IndexedDB: the database is gone.
export function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
    r.onblocked = () => reject(new Error('deleteDatabase blocked: a connection is still open'));
  });
}
// A browsing context without IndexedDB (an older browser's private window).
let saved = null;
export function hideIndexedDb(hide) {
  if (hide) {
    saved = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB');
    Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true, writable: true });
  } else if (saved) {
    Object.defineProperty(globalThis, 'indexedDB', saved);
  } else {
    delete globalThis.indexedDB;
  }
}
export function counter() {
  const c = { calls: 0 };
  c.fn = () => { c.calls++; };
  return c;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = deleteDatabase)]
    fn delete_database(name: &str) -> js_sys::Promise;
    fn counter() -> JsValue;
    #[wasm_bindgen(js_name = hideIndexedDb)]
    fn hide_indexed_db(hide: bool);
}

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

async fn started_empty(e: &SyncEngine) -> bool {
    ok(e.started_empty()).await.as_bool().expect("startedEmpty resolves a boolean")
}

async fn client_id(e: &SyncEngine) -> String {
    ok(e.client_id()).await.as_string().expect("clientId resolves a string")
}

#[wasm_bindgen_test]
async fn a_wiped_database_starts_with_a_new_client_id_and_a_full_pull() {
    let (user, ns) = (unique("wipe"), unique("ns-wipe-"));
    let first = engine(&ns, &user);
    assert!(started_empty(&first).await, "a first visit starts empty");
    ok(first.put(v("course"), v("c1"), json(r#"{"title":"synced before the wipe"}"#))).await;
    sync(&first).await;
    let id = client_id(&first).await;
    first.close();

    // A normal second start: the same client, not empty.
    let second = engine(&ns, &user);
    assert!(!started_empty(&second).await, "a second start finds its database");
    assert_eq!(client_id(&second).await, id);
    second.close();

    ok(delete_database(&ns)).await;
    let wiped = engine(&ns, &user);
    assert!(started_empty(&wiped).await, "the wiped database is reported empty");
    let new_id = client_id(&wiped).await;
    assert_ne!(new_id, id, "a new client id");
    assert!(ok(wiped.get(v("course"), v("c1"))).await.is_undefined(), "nothing local before the pull");
    // The cursor went with the data: the pull starts from the beginning and brings
    // back what was synced before.
    let r = sync(&wiped).await;
    assert!(num(&r, "pulled") >= 1.0, "a full pull: {}", stringify(&r));
    let c1 = ok(wiped.get(v("course"), v("c1"))).await;
    assert_eq!(s(&c1, "title").as_deref(), Some("synced before the wipe"));
    // And it goes on as any client: a change goes out once, nothing is left over.
    ok(wiped.put(v("course"), v("c2"), json(r#"{"title":"after the wipe"}"#))).await;
    sync(&wiped).await;
    assert_eq!(ok(wiped.pending_count()).await.as_f64(), Some(0.0));
    assert_eq!(js_sys::Array::from(&ok(wiped.failed()).await).length(), 0);
    let state = server_state(&user).await;
    assert_eq!(state.len(), 2, "{state:?}");
    wiped.close();
}

#[wasm_bindgen_test]
async fn init_offline_sync_tells_the_app_when_its_database_started_empty() {
    let (user, ns) = (unique("wipe"), unique("ns-init-"));
    let told = counter();
    let opts = |timeout: f64| {
        options(&ns, &user, &[("onEmptyDatabase", get(&told, "fn")), ("requestTimeoutMs", JsValue::from_f64(timeout))])
    };
    ok(init_offline_sync(opts(5000.0))).await;
    assert_eq!(num(&told, "calls"), 1.0, "a first visit is an empty start");
    assert!(started_empty(&get_sync_engine()).await);
    ok(get_sync_engine().put(v("course"), v("c1"), json(r#"{"title":"before"}"#))).await;
    // Synced, so no start below has a queue to send in the background (a sync still
    // running when the engine is replaced would hold the database open).
    sync(&get_sync_engine()).await;
    // The same options again (React's strict mode): the same engine, not told twice.
    ok(init_offline_sync(opts(5000.0))).await;
    assert_eq!(num(&told, "calls"), 1.0);
    // Other options: a new engine on the same database, which is not empty.
    ok(init_offline_sync(opts(6000.0))).await;
    assert_eq!(num(&told, "calls"), 1.0, "a normal start is not reported");
    assert!(!started_empty(&get_sync_engine()).await);

    // The browser deletes the database while the app is closed (the page's engine
    // moves to another namespace, which closes this one's connection). The replaced
    // engines must not open it again (a queue count still scheduled after the last
    // change did, in Firefox, and recreated it).
    ok(init_offline_sync(options(&unique("ns-other-"), &user, &[]))).await;
    ok(delete_database(&ns)).await;
    ok(init_offline_sync(opts(5000.0))).await;
    let empty = started_empty(&get_sync_engine()).await;
    assert_eq!(num(&told, "calls"), 2.0, "the wiped database is reported (startedEmpty: {empty})");
    assert!(started_empty(&get_sync_engine()).await);
    assert!(ok(get_sync_engine().get(v("course"), v("c1"))).await.is_undefined(), "the local copy went with it");

    // The status settles without an error and without retries.
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    let r = ok(c.perform_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    sleep(300).await;
    let status = get(&c.get_snapshot(), "status");
    assert!(get(&status, "error").is_null(), "{}", stringify(&status));
    assert!(get(&status, "nextSyncAt").is_null(), "no retry scheduled: {}", stringify(&status));
    assert_eq!(num(&status, "syncCount"), 1.0);
    assert_eq!(num(&status, "pendingCount"), 0.0);
    let c1 = ok(get_sync_engine().get(v("course"), v("c1"))).await;
    assert_eq!(s(&c1, "title").as_deref(), Some("before"), "pulled again from the beginning");
    c.dispose();
}

#[wasm_bindgen_test]
async fn on_empty_database_must_be_a_function() {
    let bad = options(&unique("ns-bad-"), "u", &[("onEmptyDatabase", JsValue::TRUE)]);
    let err = rejects(init_offline_sync(bad)).await;
    assert_eq!(error_name(&err), "TypeError");
    assert!(error_message(&err).contains("onEmptyDatabase"), "{}", error_message(&err));
}

#[wasm_bindgen_test]
async fn without_indexed_db_init_fails_with_a_clear_storage_error() {
    hide_indexed_db(true);
    let r = wasm_bindgen_futures::JsFuture::from(init_offline_sync(options(&unique("ns-noidb-"), "u", &[]))).await;
    hide_indexed_db(false);
    let err = r.expect_err("initOfflineSync rejects without IndexedDB");
    assert_eq!(error_name(&err), "OfflineSyncError");
    assert_eq!(s(&err, "kind").as_deref(), Some("storage"));
    assert!(error_message(&err).contains("IndexedDB is not available"), "{}", error_message(&err));
    // And with it back, the next call opens the database.
    ok(init_offline_sync(options(&unique("ns-noidb-"), "u", &[]))).await;
    assert!(started_empty(&get_sync_engine()).await);
}

/// Declared indexes move the database past the schema's version number; a sign-out
/// (which clears `meta`) must not make the engine take its own database for one a
/// newer release upgraded, nor must a second tab of the same release.
#[wasm_bindgen_test]
async fn with_declared_indexes_the_database_stays_ours_after_sign_out_and_in_a_second_tab() {
    let (ns, user) = (unique("ns-"), unique("six"));
    let indexes = json(r#"{"lesson":["courseId"]}"#);
    let put = |e: &SyncEngine, id: &str| {
        e.put(JsValue::from_str("lesson"), JsValue::from_str(id), json(r#"{"courseId":"c1"}"#))
    };
    // Made without indexes, so declaring one moves its version on.
    let first = engine(&ns, &user);
    ok(put(&first, "l0")).await;
    first.close();
    let e = engine_with(&ns, &user, &[("indexes", indexes.clone())]);
    ok(put(&e, "l1")).await;
    ok(e.clear_local_data()).await;
    ok(put(&e, "l2")).await;
    let second = engine_with(&ns, &user, &[("indexes", indexes)]);
    ok(put(&second, "l3")).await;
    let listed = ok(second.list(JsValue::from_str("lesson"))).await;
    assert_eq!(js_sys::Array::from(&listed).length(), 2, "l2 and l3, after the sign-out");
}
