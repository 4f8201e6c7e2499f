//! Progress of long pulls and pushes (issue 22), in a real browser against the
//! reference server: `downloadCourse`'s `onProgress`, `status.progress` during a
//! download and a first sync's push, and a download interrupted mid-way that
//! resumes from its last written page with its count going on.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync, OfflineSync, SyncEngine};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// `{ onProgress }` that keeps every report, and calls `also` with each.
fn recorder(also: impl Fn(&JsValue) + 'static) -> (JsValue, js_sys::Array) {
    let seen = js_sys::Array::new();
    let keep = seen.clone();
    let f = Closure::<dyn Fn(JsValue)>::new(move |p: JsValue| {
        keep.push(&p);
        also(&p);
    });
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &v("onProgress"), &f.into_js_value()).unwrap();
    (options.into(), seen)
}

/// A controller with no sync of its own, whose every snapshot's `status.progress`
/// is kept (non-null ones).
fn watched_controller() -> (Rc<OfflineSync>, js_sys::Array) {
    let c = Rc::new(OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap());
    c.start();
    let seen = js_sys::Array::new();
    let keep = seen.clone();
    let c2 = c.clone();
    let f = Closure::<dyn Fn()>::new(move || {
        let p = progress_of(&c2);
        if !p.is_null() {
            keep.push(&p);
        }
    });
    let _unsubscribe = c.subscribe(f.into_js_value()).unwrap();
    (c, seen)
}

fn progress_of(c: &OfflineSync) -> JsValue {
    get(&get(&c.get_snapshot(), "status"), "progress")
}

/// Puts `n` lessons of course `course` (and the course) on the server, 500 a push.
async fn seed_course(user: &str, course: &str, n: u32) {
    let mut mutations = vec![format!(
        r#"{{"mutationId":"{course}-c","op":"CREATE","entityType":"course","entityId":"{course}","data":{{"title":"Big"}}}}"#
    )];
    for i in 0..n {
        mutations.push(format!(
            r#"{{"mutationId":"{course}-{i}","op":"CREATE","entityType":"lesson","entityId":"{course}-l{i}","data":{{"courseId":"{course}","title":"Lesson {i}"}}}}"#
        ));
    }
    for batch in mutations.chunks(100) {
        let body = json(&format!(r#"{{"clientId":"seed","mutations":[{}]}}"#, batch.join(",")));
        let r = http("POST", "/sync/push", Some(&token(user)), body).await;
        assert_eq!(r.status, 200, "seed push: {}", stringify(&r.body));
    }
}

fn reports(seen: &js_sys::Array) -> Vec<JsValue> {
    seen.iter().collect()
}

#[wasm_bindgen_test]
async fn a_download_in_pages_reports_increasing_progress_up_to_the_total() {
    let user = unique("prog-big");
    seed_course(&user, "big", 5_000).await;
    let e = engine_with(&unique("ns-"), &user, &[("pullPageSize", JsValue::from_f64(250.0))]);
    let (options, seen) = recorder(|_| {});
    ok(e.download(v("big"), options)).await;
    let seen = reports(&seen);
    assert!(seen.len() >= 2, "a report while it ran and one at the end: {seen:?}");
    let mut before = 0.0;
    for p in &seen {
        assert_eq!(s(p, "phase").as_deref(), Some("pull"));
        assert_eq!(num(p, "total"), 5_001.0, "the total the server gave: {}", stringify(p));
        assert!(num(p, "loaded") > before, "loaded increases: {}", stringify(p));
        before = num(p, "loaded");
    }
    assert_eq!(before, 5_001.0, "ends at the total");
    assert_eq!(ok(e.list(v("lesson"))).await.unchecked_into::<js_sys::Array>().length(), 5_000);
}

#[wasm_bindgen_test]
async fn status_progress_shows_while_a_long_download_runs_and_returns_to_null() {
    let user = unique("prog-st");
    seed_course(&user, "mid", 600).await;
    let extra = [("pullPageSize", JsValue::from_f64(100.0))];
    ok(init_offline_sync(options(&unique("ns-"), &user, &extra))).await;
    let (c, seen) = watched_controller();
    assert!(progress_of(&c).is_null(), "nothing long runs yet");
    ok(get_sync_engine().download(v("mid"), JsValue::UNDEFINED)).await;
    let seen = reports(&seen);
    assert!(!seen.is_empty(), "status.progress showed during the download");
    assert_eq!(s(&seen[0], "phase").as_deref(), Some("pull"));
    assert_eq!(num(&seen[0], "total"), 601.0, "{}", stringify(&seen[0]));
    assert_eq!(num(seen.last().unwrap(), "loaded"), 601.0, "the last report is the end");
    sleep(50).await;
    assert!(progress_of(&c).is_null(), "null once nothing long runs");
    c.dispose();
}

#[wasm_bindgen_test]
async fn a_first_sync_shows_the_push_of_a_long_queue_then_null() {
    let user = unique("prog-push");
    let ns = unique("ns-");
    // Queued by another engine on the same database (as in an earlier session, offline).
    let before = engine(&ns, &user);
    for i in 0..250 {
        ok(before.put(v("course"), v(&format!("n{i}")), json(r#"{"title":"offline"}"#))).await;
    }
    before.close();
    ok(init_offline_sync(options(&ns, &user, &[]))).await;
    let (c, seen) = watched_controller();
    let r = ok(c.perform_sync()).await;
    assert_eq!(num(&r, "pushed"), 250.0, "{}", stringify(&r));
    let push: Vec<JsValue> = reports(&seen).into_iter().filter(|p| s(p, "phase").as_deref() == Some("push")).collect();
    assert!(!push.is_empty(), "status.progress showed the push: {:?}", reports(&seen));
    let mut loaded = 0.0;
    for p in &push {
        assert_eq!(num(p, "total"), 250.0, "the queue's length: {}", stringify(p));
        assert!(num(p, "loaded") >= loaded && num(p, "loaded") <= 250.0, "{}", stringify(p));
        loaded = num(p, "loaded");
    }
    assert_eq!(loaded, 250.0, "ends with the whole queue sent");
    assert!(progress_of(&c).is_null(), "null after the sync");
    c.dispose();
}

#[wasm_bindgen_test]
async fn an_interrupted_download_resumes_where_it_stopped_and_its_count_goes_on() {
    let user = unique("prog-resume");
    let ns = unique("ns-");
    seed_course(&user, "long", 2_000).await;
    let extra = [("pullPageSize", JsValue::from_f64(100.0))];
    let first = Rc::new(engine_with(&ns, &user, &extra));
    // The tab goes away once the first page is written: the engine's database is
    // closed under the download, which fails at its next write. (At the first
    // report, which always comes: reports are at most one per 250 ms, so on a
    // fast machine the next one can already be the last page's.)
    let stopped_at: Rc<RefCell<Option<f64>>> = Rc::default();
    let (closer, at) = (first.clone(), stopped_at.clone());
    let (options, _) = recorder(move |p| {
        if at.borrow().is_none() {
            *at.borrow_mut() = Some(num(p, "loaded"));
            closer.close();
        }
    });
    rejects(first.download(v("long"), options)).await;
    let stopped_at = stopped_at.borrow().expect("the download was interrupted");
    assert_eq!(stopped_at, 100.0, "interrupted after its first page");
    let pulls_before = num(&stats(&user).await, "pullRequests");

    let second: SyncEngine = engine_with(&ns, &user, &extra);
    let (options, seen) = recorder(|_| {});
    ok(second.download(v("long"), options)).await;
    let seen = reports(&seen);
    let pulls = num(&stats(&user).await, "pullRequests") - pulls_before;
    let left_pages = ((2_001.0 - stopped_at) / 100.0).ceil();
    assert_eq!(pulls, left_pages, "only the pages not written before were pulled (stopped at {stopped_at})");
    assert!(num(&seen[0], "loaded") > stopped_at, "the count goes on: {}", stringify(&seen[0]));
    assert_eq!(num(&seen[0], "total"), 2_001.0, "{}", stringify(&seen[0]));
    assert_eq!(num(seen.last().unwrap(), "loaded"), 2_001.0);
    assert_eq!(ok(second.list(v("lesson"))).await.unchecked_into::<js_sys::Array>().length(), 2_000);
}

#[wasm_bindgen_test]
async fn a_large_push_goes_gzip_compressed_and_a_small_one_as_it_is() {
    let user = unique("prog-gz");
    let e = engine(&unique("ns-"), &user);
    ok(e.put(v("course"), v("small"), json(r#"{"title":"one"}"#))).await;
    assert_eq!(num(&sync(&e).await, "pushed"), 1.0);
    let st = stats(&user).await;
    assert_eq!(num(&st, "gzipPushRequests"), 0.0, "a small body goes as it is: {}", stringify(&st));
    for i in 0..60 {
        let data = format!(r#"{{"title":"Lesson {i}","body":"{}"}}"#, "Some words of the lesson. ".repeat(10));
        ok(e.put(v("lesson"), v(&format!("l{i}")), json(&data))).await;
    }
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 60.0, "{}", stringify(&r));
    let st = stats(&user).await;
    assert_eq!(num(&st, "gzipPushRequests"), 1.0, "the large body went compressed: {}", stringify(&st));
    let on_server = server_state(&user).await;
    assert!(on_server["lesson/l59"].contains("Lesson 59"), "applied as sent");
}

/// A REST configuration of the reference server's facade (docs/rest.md) for
/// courses and their lessons, pages of 50, with `total` named or not.
fn rest_download_engine(user: &str, total: bool) -> SyncEngine {
    let total = if total { r#", "total": "data.pagination.total""# } else { "" };
    let rest = json(&format!(
        r#"{{
      "defaults": {{
        "record": "data",
        "pagination": {{ "style": "page", "pageSize": 50, "totalPages": "data.pagination.totalPages"{total} }}
      }},
      "resources": {{
        "course": {{ "collection": "/courses", "item": "/courses/:id", "list": "data.courses",
                     "scope": {{ "course": "/courses/:courseId" }} }},
        "lesson": {{ "collection": "/courses/:courseId/lessons", "item": "/lessons/:id", "list": "data.lessons",
                     "scope": {{ "course": "/courses/:courseId/lessons" }} }}
      }}
    }}"#
    ));
    let api = format!("{}/api/v2", server());
    engine_with(&unique("ns-"), user, &[("apiBaseUrl", v(&api)), ("rest", rest)])
}

#[wasm_bindgen_test]
async fn a_rest_download_takes_its_total_from_the_pagination_envelope_when_configured() {
    let user = unique("prog-rest");
    seed_course(&user, "rc", 250).await;
    // 150 ms a request, so reports come between the first and the last (at most
    // one every 250 ms).
    faults(&user, r#"{"delayMs": 150}"#).await;
    let (options, seen) = recorder(|_| {});
    ok(rest_download_engine(&user, true).download(v("rc"), options)).await;
    let seen = reports(&seen);
    // The course comes first (its total is not known yet: what follows is not),
    // then the lessons' list, the last the scope reads, with its record count.
    let known: Vec<&JsValue> = seen.iter().filter(|p| !get(p, "total").is_null()).collect();
    assert!(known.len() >= 2, "a total before the end: {seen:?}");
    assert!(known.iter().all(|p| num(p, "total") == 251.0), "{seen:?}");
    assert!(num(known[0], "loaded") < 251.0, "{seen:?}");
    assert_eq!(num(seen.last().unwrap(), "loaded"), 251.0);

    // Without `pagination.total`, no total until the end: never guessed.
    let (options, seen) = recorder(|_| {});
    ok(rest_download_engine(&user, false).download(v("rc"), options)).await;
    let seen = reports(&seen);
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(seen[..seen.len() - 1].iter().all(|p| get(p, "total").is_null()), "{seen:?}");
    assert_eq!(num(seen.last().unwrap(), "total"), 251.0, "the end is known at the end");
}

/// Another tab's (or the service worker's) download shows in this tab's
/// `status.progress` too, over the namespace's BroadcastChannel, and its end
/// returns it to null.
#[wasm_bindgen_test]
async fn status_progress_shows_a_download_another_tab_runs() {
    let user = unique("prog-tab");
    seed_course(&user, "tabbed", 600).await;
    let ns = unique("ns-");
    let extra = [("pullPageSize", JsValue::from_f64(100.0))];
    ok(init_offline_sync(options(&ns, &user, &extra))).await;
    let (c, seen) = watched_controller();
    let other = engine_with(&ns, &user, &extra);
    ok(other.download(v("tabbed"), JsValue::UNDEFINED)).await;
    wait_until("the other tab's last report", || reports(&seen).last().is_some_and(|p| num(p, "loaded") == 601.0))
        .await;
    let seen = reports(&seen);
    assert_eq!(s(&seen[0], "phase").as_deref(), Some("pull"));
    assert_eq!(num(&seen[0], "total"), 601.0, "{}", stringify(&seen[0]));
    wait_until("status.progress back to null", || progress_of(&c).is_null()).await;
    c.dispose();
}
