//! The engine inside a service worker: no `window`, IndexedDB and fetch from the
//! global scope, push and pull against the reference server.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_service_worker);

#[wasm_bindgen_test]
async fn engine_pushes_and_pulls_in_a_service_worker() {
    assert!(get(&js_sys::global(), "window").is_undefined(), "this runs in a worker");
    let user = unique("sw");
    let a = engine(&unique("ns-"), &user);
    ok(a.put(JsValue::from_str("course"), JsValue::from_str("w"), json(r#"{"title":"from the worker"}"#))).await;
    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    let b = engine(&unique("ns-"), &user);
    let r = sync(&b).await;
    assert_eq!(num(&r, "pulled"), 1.0);
    let got = ok(b.get(JsValue::from_str("course"), JsValue::from_str("w"))).await;
    assert_eq!(s(&got, "title").as_deref(), Some("from the worker"));
}

#[wasm_bindgen_test]
async fn handle_sync_event_ignores_other_tags_and_syncs_ours() {
    let user = unique("swev");
    let ns = unique("ns-");
    wasm_bindgen_futures::JsFuture::from(offline_sync::init_offline_sync(options(&ns, &user, &[]))).await.unwrap();
    let page = offline_sync::get_sync_engine();
    ok(page.put(JsValue::from_str("course"), JsValue::from_str("bg"), json(r#"{"title":"queued"}"#))).await;
    let other = json(r#"{"tag": "someone-else"}"#);
    assert!(ok(offline_sync::handle_sync_event(other)).await.is_null());
    assert_eq!(ok(page.pending_count()).await, JsValue::from_f64(1.0));
    let ours = json(&format!(r#"{{"tag": "{}", "lastChance": false}}"#, offline_sync::sync_tag()));
    let r = ok(offline_sync::handle_sync_event(ours)).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(ok(page.pending_count()).await, JsValue::from_f64(0.0));
}

#[wasm_bindgen_test]
async fn a_failed_background_sync_asks_for_a_retry_unless_it_is_the_last_chance() {
    let user = unique("swfail");
    let opts = options(&unique("ns-"), &user, &[("apiBaseUrl", JsValue::from_str("http://127.0.0.1:9/api"))]);
    wasm_bindgen_futures::JsFuture::from(offline_sync::init_offline_sync(opts)).await.unwrap();
    let page = offline_sync::get_sync_engine();
    ok(page.put(JsValue::from_str("course"), JsValue::from_str("x"), json(r#"{"title":"kept"}"#))).await;
    let ev = json(&format!(r#"{{"tag": "{}", "lastChance": false}}"#, offline_sync::sync_tag()));
    let err = rejects(offline_sync::handle_sync_event(ev)).await;
    assert!(error_message(&err).contains("the browser will retry"), "{}", error_message(&err));
    let last = json(&format!(r#"{{"tag": "{}", "lastChance": true}}"#, offline_sync::sync_tag()));
    let r = ok(offline_sync::handle_sync_event(last)).await;
    assert_eq!(get(&r, "success"), JsValue::FALSE);
    assert_eq!(ok(page.pending_count()).await, JsValue::from_f64(1.0), "the queue stays for the next start");
}

/// The worker declares its own conflict policies (a page cannot hand it a function):
/// a background sync settles a stale change with the worker's merge.
#[wasm_bindgen_test]
async fn a_background_sync_settles_a_conflict_with_the_workers_declared_merge() {
    let user = unique("swconf");
    let merge = js_sys::Object::new();
    let f = js_sys::Function::new_with_args(
        "local, server, base",
        "return { ...server, position: Math.max(local.position, server.position), completed: [...new Set([...local.completed, ...server.completed])].sort() };",
    );
    js_sys::Reflect::set(&merge, &JsValue::from_str("merge"), &f).unwrap();
    let conflicts = js_sys::Object::new();
    js_sys::Reflect::set(&conflicts, &JsValue::from_str("progress"), &merge).unwrap();
    let opts = options(&unique("ns-"), &user, &[("conflicts", conflicts.into())]);
    wasm_bindgen_futures::JsFuture::from(offline_sync::init_offline_sync(opts)).await.unwrap();
    let worker = offline_sync::get_sync_engine();
    let other = engine(&unique("ns-"), &user);
    let (et, id) = (JsValue::from_str("progress"), JsValue::from_str("p"));
    ok(worker.put(et.clone(), id.clone(), json(r#"{"position":1,"completed":["l1"]}"#))).await;
    sync(&worker).await;
    sync(&other).await;
    let update = JsValue::from_str("UPDATE");
    ok(worker.queue_mutation(
        update.clone(),
        et.clone(),
        id.clone(),
        json(r#"{"position":2,"completed":["l1","l2"]}"#),
    ))
    .await;
    ok(other.queue_mutation(update, et.clone(), id.clone(), json(r#"{"position":4,"completed":["l1","l3"]}"#))).await;
    sync(&other).await;
    let ev = json(&format!(r#"{{"tag": "{}", "lastChance": false}}"#, offline_sync::sync_tag()));
    let r = ok(offline_sync::handle_sync_event(ev)).await;
    assert_eq!(num(&r, "conflicts"), 1.0);
    assert_eq!(num(&r, "pushed"), 1.0, "the merged change went out in the same sync");
    sync(&other).await;
    for e in [&worker, &other] {
        let got = ok(e.get(et.clone(), id.clone())).await;
        assert_eq!(num(&got, "position"), 4.0);
        assert_eq!(canon(&get(&got, "completed")), r#"["l1","l2","l3"]"#);
    }
    let counts = get(&stats(&user).await, "applyCounts");
    let values = js_sys::Object::values(counts.unchecked_ref::<js_sys::Object>());
    assert_eq!(values.length(), 3, "the create, the other's update, the merge: {}", stringify(&counts));
    assert!(values.iter().all(|n| n.as_f64() == Some(1.0)));
}
