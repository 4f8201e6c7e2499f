//! One sync at a time across contexts of a namespace (Web Locks) and status that
//! follows the others (BroadcastChannel). Two engines on one namespace in one page
//! use the same lock and channel names that two tabs (or a tab and the service
//! worker) use, so this runs the real mechanisms.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync, OfflineSync};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_second_context_joins_the_running_sync_instead_of_starting_one() {
    let user = unique("lock");
    let ns = unique("ns-");
    let a = engine(&ns, &user);
    let b = engine(&ns, &user);
    ok(a.put(JsValue::from_str("course"), JsValue::from_str("c"), json(r#"{"title":"x"}"#))).await;
    faults(&user, r#"{"delayMs": 400}"#).await;
    let pa = a.full_sync();
    sleep(100).await;
    let started = js_sys::Date::now();
    let rb = ok(b.full_sync()).await;
    let waited = js_sys::Date::now() - started;
    let ra = ok(pa).await;
    assert_eq!(get(&ra, "success"), JsValue::TRUE);
    assert_eq!(num(&ra, "pushed"), 1.0);
    assert_eq!(get(&rb, "success"), JsValue::TRUE, "b reports the sync it joined");
    assert!(waited >= 300.0, "b resolved only when a's sync ended ({waited} ms)");
    let st = stats(&user).await;
    assert_eq!(num(&st, "pushRequests"), 1.0, "b sent nothing of its own");
    let client = ok(a.client_id()).await.as_string().unwrap();
    assert_eq!(num(&get(&st, "maxConcurrent"), &client), 1.0, "no two syncs of this client overlapped");
    faults(&user, "{}").await;
}

#[wasm_bindgen_test]
async fn status_follows_a_sync_in_another_context() {
    let user = unique("bc");
    let ns = unique("ns-");
    ok(init_offline_sync(options(&ns, &user, &[]))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    let status = |c: &OfflineSync| get(&c.get_snapshot(), "status");
    assert_eq!(num(&status(&c), "syncCount"), 0.0);
    // The "other tab": its own engine on the same namespace.
    let other = engine(&ns, &user);
    ok(other.put(JsValue::from_str("course"), JsValue::from_str("o"), json(r#"{"title":"o"}"#))).await;
    faults(&user, r#"{"delayMs": 300}"#).await;
    let p = other.full_sync();
    let mut saw_running = false;
    for _ in 0..40 {
        if get(&status(&c), "isRunning") == JsValue::TRUE {
            saw_running = true;
            break;
        }
        sleep(10).await;
    }
    assert!(saw_running, "isRunning while the other context syncs");
    ok(p).await;
    for _ in 0..40 {
        if num(&status(&c), "syncCount") == 1.0 {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(num(&status(&c), "syncCount"), 1.0);
    assert_eq!(get(&status(&c), "isRunning"), JsValue::FALSE);
    assert!(get(&status(&c), "error").is_null());
    // The queue count travels too: a change made in the other context shows here.
    ok(other.put(JsValue::from_str("course"), JsValue::from_str("p"), json(r#"{"title":"p"}"#))).await;
    for _ in 0..40 {
        if num(&status(&c), "pendingCount") == 1.0 {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(num(&status(&c), "pendingCount"), 1.0);
    c.dispose();
    faults(&user, "{}").await;
    let _ = JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
}

#[wasm_bindgen_test]
async fn a_context_that_joined_a_failed_sync_reports_its_error_and_kind() {
    let user = unique("lockfail");
    let ns = unique("ns-");
    let a = engine(&ns, &user);
    let b = engine(&ns, &user);
    ok(a.client_id()).await;
    ok(b.client_id()).await;
    faults(&user, r#"{"delayMs": 400, "failNext": {"count": 1, "status": 503, "path": "pull"}}"#).await;
    let pa = a.full_sync();
    sleep(100).await;
    let rb = ok(b.full_sync()).await;
    let ra = ok(pa).await;
    assert_eq!(s(&ra, "errorKind").as_deref(), Some("server"), "{}", stringify(&ra));
    assert_eq!(get(&rb, "success"), JsValue::FALSE, "b reports the failure of the sync it joined");
    assert_eq!(s(&rb, "errorKind").as_deref(), Some("server"), "{}", stringify(&rb));
    assert!(s(&rb, "error").unwrap_or_default().contains("503"));
    faults(&user, "{}").await;
}

/// A sync asked for while another context's sync runs joins it, and resolves with
/// the change made meanwhile on the server: sent by that sync's last push (a
/// change made during its pull), or else by a sync of its own that the joining
/// context runs once it ends.
#[wasm_bindgen_test]
async fn a_sync_that_joined_one_which_read_the_queue_before_a_change_sends_that_change() {
    let user = unique("lockafter");
    let ns = unique("ns-");
    let a = engine(&ns, &user);
    let b = engine(&ns, &user);
    ok(a.put(JsValue::from_str("course"), JsValue::from_str("first"), json(r#"{"title":"a"}"#))).await;
    ok(b.client_id()).await;
    faults(&user, r#"{"delayMs": 800}"#).await;
    let pa = a.full_sync();
    // a's push is over (one request of 800 ms) and its pull waits on the server:
    // a change made now is not in a's sync. (Were it slower, a would send it, and
    // what is checked below holds all the same.)
    sleep(1_100).await;
    ok(b.put(JsValue::from_str("course"), JsValue::from_str("later"), json(r#"{"title":"b"}"#))).await;
    let rb = ok(b.full_sync()).await;
    assert_eq!(get(&rb, "success"), JsValue::TRUE, "{}", stringify(&rb));
    assert!(server_state(&user).await.contains_key("course/later"), "b's change went out before b's sync resolved");
    assert_eq!(ok(b.pending_count()).await.as_f64(), Some(0.0));
    assert_eq!(get(&ok(pa).await, "success"), JsValue::TRUE);
    faults(&user, "{}").await;
}

/// The same in one tab: a sync asked for while this tab's own sync is ending (its
/// result announced, the lock not yet let go) is not answered with a result that
/// was never sent to it: it runs, and sends the change made meanwhile.
#[wasm_bindgen_test]
async fn a_sync_asked_for_while_this_tabs_sync_is_ending_sends_the_change_made_meanwhile() {
    let user = unique("lockend");
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    let asked: Rc<RefCell<Option<js_sys::Promise>>> = Rc::default();
    let keep = asked.clone();
    let on_complete = Closure::<dyn Fn(JsValue)>::new(move |_| {
        if keep.borrow().is_some() {
            return;
        }
        let e = get_sync_engine();
        // Not awaited: the sync is asked for in the same task as the result.
        let _ = e.put(JsValue::from_str("course"), JsValue::from_str("meanwhile"), json(r#"{"title":"m"}"#));
        *keep.borrow_mut() = Some(e.full_sync());
    });
    let opts = json(r#"{"syncOnMount": false, "autoSyncInterval": 0, "pushDelayMs": 0}"#);
    js_sys::Reflect::set(&opts, &JsValue::from_str("onSyncComplete"), on_complete.as_ref()).unwrap();
    let c = OfflineSync::new(opts).unwrap();
    c.start();
    ok(c.perform_sync()).await;
    let second = asked.borrow_mut().take().expect("onSyncComplete asked for a sync");
    let r = ok(second).await;
    assert_eq!(num(&r, "pushed"), 1.0, "the second sync sent the change: {}", stringify(&r));
    assert!(server_state(&user).await.contains_key("course/meanwhile"));
    c.dispose();
}
