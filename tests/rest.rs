//! The REST transport in real Chromium against the reference server's REST facade
//! (`/api/v2`, shaped like the app's real backend: wrapped, paginated, `id` keys,
//! ETag/If-Match, Idempotency-Key), configured as docs/rest.md shows.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::SyncEngine;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn api_v2() -> String {
    format!("{}/api/v2", server())
}

/// The worked configuration of docs/rest.md for the app's backend; `course` gets
/// the extra options given (JSON object members, e.g. `"clientIds": false`).
fn app_rest(page_size: u32, course_extra: &str) -> JsValue {
    let comma = if course_extra.is_empty() { "" } else { "," };
    json(&format!(
        r#"{{
      "defaults": {{
        "record": "data",
        "update": "PATCH",
        "pagination": {{ "style": "page", "pageSize": {page_size}, "totalPages": "data.pagination.totalPages" }}
      }},
      "resources": {{
        "course": {{ "collection": "/courses", "item": "/courses/:id", "list": "data.courses",
                     "scope": {{ "course": "/courses/:courseId" }}{comma}{course_extra} }},
        "lesson": {{ "collection": "/courses/:courseId/lessons", "item": "/lessons/:id", "list": "data.lessons",
                     "scope": {{ "course": "/courses/:courseId/lessons" }} }},
        "enrollment": {{ "collection": "/enrollments", "list": "data.enrollments",
                         "update": {{ "method": "PATCH", "path": "/enrollments/:id/status" }}, "delete": false }}
      }}
    }}"#
    ))
}

fn rest_engine(ns: &str, user: &str, rest: JsValue) -> SyncEngine {
    engine_with(ns, user, &[("apiBaseUrl", v(&api_v2())), ("rest", rest)])
}

/// `GET /api/v2<path>` as another client would, with the user's token.
async fn api_get(user: &str, path: &str) -> Http {
    http("GET", &format!("/api/v2{path}"), Some(&token(user)), JsValue::NULL).await
}

async fn api_write(user: &str, method: &str, path: &str, body: &str) -> Http {
    let body = if body.is_empty() { JsValue::NULL } else { json(body) };
    http(method, &format!("/api/v2{path}"), Some(&token(user)), body).await
}

fn arr(v: JsValue) -> js_sys::Array {
    v.into()
}

fn data(r: &Http) -> JsValue {
    get(&r.body, "data")
}

async fn rest_requests(user: &str) -> f64 {
    num(&stats(user).await, "restRequests")
}

#[wasm_bindgen_test]
async fn offline_edits_of_courses_and_lessons_replay_in_order() {
    let user = unique("rorder");
    let a = rest_engine(&unique("ns-"), &user, app_rest(100, ""));
    // Offline: a course, two of its lessons, edits and a delete, interleaved so
    // nothing folds. A lesson can only be created once its course exists.
    ok(a.queue_mutation(v("CREATE"), v("course"), v("c1"), json(r#"{"title":"Rust","level":1}"#))).await;
    ok(a.queue_mutation(v("CREATE"), v("enrollment"), v("e1"), json(r#"{"courseId":"c1","status":"active"}"#))).await;
    ok(a.queue_mutation(v("CREATE"), v("lesson"), v("l1"), json(r#"{"courseId":"c1","title":"L1"}"#))).await;
    ok(a.queue_mutation(v("CREATE"), v("lesson"), v("l2"), json(r#"{"courseId":"c1","title":"L2"}"#))).await;
    ok(a.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(r#"{"title":"Rust 2"}"#))).await;
    ok(a.queue_mutation(v("DELETE"), v("lesson"), v("l2"), JsValue::NULL)).await;
    ok(a.queue_mutation(v("UPDATE"), v("lesson"), v("l1"), json(r#"{"title":"L1b"}"#))).await;
    ok(a.queue_mutation(v("UPDATE"), v("enrollment"), v("e1"), json(r#"{"status":"done"}"#))).await;
    let queued: Vec<String> = arr(ok(a.pending()).await).iter().map(|e| s(&e, "mutationId").unwrap()).collect();
    assert_eq!(queued.len(), 8, "nothing folded");

    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 8.0, "{}", stringify(&r));
    assert_eq!(num(&r, "failed"), 0.0);
    assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(0.0));

    // The server has the end state, reached in order.
    let c = api_get(&user, "/courses/c1").await;
    assert_eq!(c.status, 200);
    assert_eq!(s(&data(&c), "title").as_deref(), Some("Rust 2"));
    assert_eq!(num(&data(&c), "level"), 1.0, "PATCH sent only the change");
    let lessons = api_get(&user, "/courses/c1/lessons").await;
    let lessons = arr(get(&data(&lessons), "lessons"));
    assert_eq!(lessons.length(), 1);
    assert_eq!(s(&lessons.get(0), "title").as_deref(), Some("L1b"));
    assert_eq!(api_get(&user, "/lessons/l2").await.status, 404);
    let e = api_get(&user, "/enrollments").await;
    let e = arr(get(&data(&e), "enrollments")).get(0);
    assert_eq!(s(&e, "status").as_deref(), Some("done"), "through PATCH /enrollments/:id/status");
    // Every write carried its mutation id as Idempotency-Key, applied once.
    let counts = get(&stats(&user).await, "applyCounts");
    for m in &queued {
        assert_eq!(get(&counts, m).as_f64(), Some(1.0), "mutation {m} applied once under its key");
    }

    // Another device downloads the course for offline use: the course and its lessons.
    let b = rest_engine(&unique("ns-"), &user, app_rest(100, ""));
    ok(b.download_course(v("c1"))).await;
    assert_eq!(s(&ok(b.get(v("course"), v("c1"))).await, "title").as_deref(), Some("Rust 2"));
    let bl = arr(ok(b.list(v("lesson"))).await);
    assert_eq!(bl.length(), 1);
    assert_eq!(s(&bl.get(0), "title").as_deref(), Some("L1b"));
    let offline = arr(ok(b.offline_courses()).await);
    assert_eq!(s(&offline.get(0), "courseId").as_deref(), Some("c1"));
    // A full sync lists courses and enrollments (lessons only come with their course).
    sync(&b).await;
    assert_eq!(arr(ok(b.list(v("course"))).await).length(), 1);
    assert_eq!(arr(ok(b.list(v("enrollment"))).await).length(), 1);
    assert_eq!(arr(ok(b.list(v("lesson"))).await).length(), 1);

    // A lesson added on the first device reaches the downloaded course at b's next
    // full sync: offline courses are refreshed with everything else.
    ok(a.queue_mutation(v("CREATE"), v("lesson"), v("l3"), json(r#"{"courseId":"c1","title":"L3"}"#))).await;
    sync(&a).await;
    sync(&b).await;
    let titles: Vec<String> = arr(ok(b.list(v("lesson"))).await).iter().filter_map(|l| s(&l, "title")).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"L3".to_string()));
}

#[wasm_bindgen_test]
async fn a_create_is_rekeyed_to_the_server_id_with_the_changes_that_name_it() {
    let user = unique("rekey");
    let a = rest_engine(&unique("ns-"), &user, app_rest(100, r#""clientIds": false"#));
    let local = "local-8f3c1d2e-7a4b-4c55-9e61-0d2f3a4b5c6d";
    ok(a.queue_mutation(v("CREATE"), v("course"), v(local), json(r#"{"title":"New"}"#))).await;
    ok(a.queue_mutation(
        v("CREATE"),
        v("lesson"),
        v("lx"),
        json(&format!(r#"{{"courseId":"{local}","title":"Intro"}}"#)),
    ))
    .await;
    ok(a.queue_mutation(v("UPDATE"), v("course"), v(local), json(r#"{"level":2}"#))).await;
    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 3.0, "{}", stringify(&r));
    assert_eq!(num(&r, "failed"), 0.0);

    assert!(ok(a.get(v("course"), v(local))).await.is_undefined(), "the local id is gone");
    let courses = arr(ok(a.list(v("course"))).await);
    assert_eq!(courses.length(), 1);
    let server_id = s(&courses.get(0), "id").unwrap();
    assert!(server_id.starts_with("srv-"), "the server's id: {server_id}");
    assert_eq!(s(&courses.get(0), "title").as_deref(), Some("New"));
    assert_eq!(num(&courses.get(0), "level"), 2.0, "the later UPDATE went to the server id");
    let lesson = ok(a.get(v("lesson"), v("lx"))).await;
    assert_eq!(s(&lesson, "courseId").as_deref(), Some(server_id.as_str()), "the lesson names the server id");

    let on_server = api_get(&user, &format!("/courses/{server_id}")).await;
    assert_eq!(num(&data(&on_server), "level"), 2.0);
    let lessons = api_get(&user, &format!("/courses/{server_id}/lessons")).await;
    assert_eq!(arr(get(&data(&lessons), "lessons")).length(), 1);
    let all = api_get(&user, "/courses").await;
    assert_eq!(num(&get(&data(&all), "pagination"), "total"), 1.0, "created once");

    // Edits made while the create is on its way name the local id; they go out
    // after it was answered, to the server id.
    faults(&user, r#"{"delayMs": 300}"#).await;
    let local2 = "local-3e9a7c55-1b2d-4f60-8a91-c2d3e4f5a6b7";
    ok(a.queue_mutation(v("CREATE"), v("course"), v(local2), json(r#"{"title":"Second"}"#))).await;
    let syncing = wasm_bindgen_futures::JsFuture::from(a.full_sync());
    gloo_timers::future::TimeoutFuture::new(100).await;
    ok(a.queue_mutation(v("UPDATE"), v("course"), v(local2), json(r#"{"level":7}"#))).await;
    ok(a.queue_mutation(
        v("CREATE"),
        v("lesson"),
        v("ly"),
        json(&format!(r#"{{"courseId":"{local2}","title":"Later"}}"#)),
    ))
    .await;
    let r = syncing.await.unwrap();
    faults(&user, "{}").await;
    assert_eq!(num(&r, "pushed"), 3.0, "{}", stringify(&r));
    assert_eq!(num(&r, "failed") + num(&r, "conflicts"), 0.0, "{}", stringify(&r));
    let second =
        arr(ok(a.list(v("course"))).await).iter().find(|c| s(c, "title").as_deref() == Some("Second")).unwrap();
    let second_id = s(&second, "id").unwrap();
    assert!(second_id.starts_with("srv-"));
    assert_eq!(num(&second, "level"), 7.0);
    let lessons = api_get(&user, &format!("/courses/{second_id}/lessons")).await;
    assert_eq!(arr(get(&data(&lessons), "lessons")).length(), 1);

    // Edits after the re-key go to the server id too.
    ok(a.queue_mutation(v("UPDATE"), v("course"), v(&server_id), json(r#"{"title":"Renamed"}"#))).await;
    sync(&a).await;
    let on_server = api_get(&user, &format!("/courses/{server_id}")).await;
    assert_eq!(s(&data(&on_server), "title").as_deref(), Some("Renamed"));
}

#[wasm_bindgen_test]
async fn a_412_is_a_conflict_and_the_server_wins() {
    let user = unique("r412");
    let a = rest_engine(&unique("ns-"), &user, app_rest(100, ""));
    ok(a.put(v("course"), v("k"), json(r#"{"title":"base","level":1}"#))).await;
    sync(&a).await;
    // Someone else changes it on the web.
    let w = api_write(&user, "PATCH", "/courses/k", r#"{"title":"from web"}"#).await;
    assert_eq!(w.status, 200);
    // Offline edit based on the old version.
    let mid = ok(a.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"title":"from A"}"#))).await;
    let r = ok(a.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert_eq!(num(&r, "conflicts"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 0.0);
    let k = ok(a.get(v("course"), v("k"))).await;
    assert_eq!(s(&k, "title").as_deref(), Some("from web"), "server wins");
    assert_eq!(num(&k, "level"), 1.0);
    let conflicts = arr(ok(a.conflicts()).await);
    assert_eq!(conflicts.length(), 1);
    assert_eq!(s(&get(&conflicts.get(0), "local"), "title").as_deref(), Some("from A"), "the losing change is kept");
    assert_eq!(s(&get(&get(&conflicts.get(0), "server"), "data"), "title").as_deref(), Some("from web"));
    let on_server = api_get(&user, "/courses/k").await;
    assert_eq!(s(&data(&on_server), "title").as_deref(), Some("from web"), "the stale edit was not applied");
    assert!(get(&get(&stats(&user).await, "applyCounts"), &mid.as_string().unwrap()).is_undefined());

    // The next edit is based on the server's version and goes through.
    ok(a.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"level":5}"#))).await;
    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&r, "conflicts"), 0.0);
    let on_server = api_get(&user, "/courses/k").await;
    assert_eq!(s(&data(&on_server), "title").as_deref(), Some("from web"));
    assert_eq!(num(&data(&on_server), "level"), 5.0);

    // A course downloaded for offline use carries its ETag too.
    let b = rest_engine(&unique("ns-"), &user, app_rest(100, ""));
    ok(b.download_course(v("k"))).await;
    api_write(&user, "PATCH", "/courses/k", r#"{"level":6}"#).await;
    ok(b.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"level":7}"#))).await;
    let r = ok(b.full_sync()).await;
    assert_eq!(num(&r, "conflicts"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&data(&api_get(&user, "/courses/k").await), "level"), 6.0);
}

#[wasm_bindgen_test]
async fn pulls_several_pages_and_removes_what_the_server_no_longer_lists() {
    let user = unique("rpages");
    for i in 0..25 {
        let r = api_write(&user, "POST", "/courses", &format!(r#"{{"id":"p{i:02}","title":"Course {i}"}}"#)).await;
        assert_eq!(r.status, 201);
    }
    let b = rest_engine(&unique("ns-"), &user, app_rest(10, ""));
    let before = rest_requests(&user).await;
    let r = sync(&b).await;
    assert_eq!(num(&r, "pulled"), 25.0, "{}", stringify(&r));
    assert_eq!(rest_requests(&user).await - before, 4.0, "25 courses in pages of 10, and the enrollments");
    assert_eq!(arr(ok(b.list(v("course"))).await).length(), 25);

    // An edit the server refuses stays as a failed entry, with its local change.
    faults(&user, r#"{"failNext":{"count":1,"status":400,"path":"rest"}}"#).await;
    ok(b.queue_mutation(v("UPDATE"), v("course"), v("p03"), json(r#"{"title":"mine"}"#))).await;
    let r = ok(b.full_sync()).await;
    assert_eq!(num(&r, "failed"), 1.0, "{}", stringify(&r));
    // Two courses are deleted on the server.
    assert_eq!(api_write(&user, "DELETE", "/courses/p03", "").await.status, 200);
    assert_eq!(api_write(&user, "DELETE", "/courses/p04", "").await.status, 200);

    let before = rest_requests(&user).await;
    let r = ok(b.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert_eq!(rest_requests(&user).await - before, 4.0, "the whole lists again, from page 1");
    assert!(ok(b.get(v("course"), v("p04"))).await.is_undefined(), "gone from the server, gone here");
    let p03 = ok(b.get(v("course"), v("p03"))).await;
    assert_eq!(s(&p03, "title").as_deref(), Some("mine"), "a record with unsynced changes is not overwritten");
    assert_eq!(arr(ok(b.list(v("course"))).await).length(), 24);
    assert_eq!(s(&ok(b.get(v("course"), v("p24"))).await, "title").as_deref(), Some("Course 24"));
}

#[wasm_bindgen_test]
async fn a_retried_post_with_the_same_key_is_applied_once() {
    let user = unique("ridem");
    // The server gives ids, so a POST applied twice would make two courses.
    let a = rest_engine(&unique("ns-"), &user, app_rest(100, r#""clientIds": false"#));
    let mid = ok(a.put(v("course"), v("tmp-1"), json(r#"{"title":"once"}"#))).await.as_string().unwrap();
    // Applied, but the answer is lost with the connection. The POST goes again
    // with the same Idempotency-Key: resent by Chromium itself (it resends a
    // request whose reused connection closed without an answer) or by the next sync.
    faults(&user, r#"{"dropAfterApply": 1}"#).await;
    let before = rest_requests(&user).await;
    let r = ok(a.full_sync()).await;
    if get(&r, "success") == JsValue::FALSE {
        assert_eq!(s(&r, "errorKind").as_deref(), Some("network"), "{}", stringify(&r));
        assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(1.0), "nothing dropped");
        let r = sync(&a).await;
        assert_eq!(num(&r, "pushed"), 1.0);
    }
    assert_eq!(rest_requests(&user).await - before, 4.0, "two POSTs, then the course and enrollment lists");
    let all = api_get(&user, "/courses").await;
    assert_eq!(num(&get(&data(&all), "pagination"), "total"), 1.0, "one course, not two");
    assert_eq!(num(&get(&stats(&user).await, "applyCounts"), &mid), 1.0);
    let courses = arr(ok(a.list(v("course"))).await);
    assert_eq!(courses.length(), 1);
    assert!(s(&courses.get(0), "id").unwrap().starts_with("srv-"));
}

#[wasm_bindgen(inline_js = r#"
// getAuthToken as an app writes it: the token it has, and after a 401 a fresh one
// from POST /auth/refresh.
export function refreshingToken(base, user) {
  const state = { calls: 0, refreshes: 0 };
  state.fn = async () => {
    state.calls += 1;
    if (state.calls === 1) return 'dev-' + user;
    const r = await fetch(base + '/auth/refresh', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user }) });
    state.refreshes += 1;
    return (await r.json()).accessToken;
  };
  return state;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = refreshingToken)]
    fn refreshing_token(base: &str, user: &str) -> JsValue;
}

#[wasm_bindgen_test]
async fn a_401_is_answered_by_the_apps_refresh() {
    let user = unique("r401");
    let state = refreshing_token(&api_v2(), &user);
    let e = engine_with(
        &unique("ns-"),
        &user,
        &[("apiBaseUrl", v(&api_v2())), ("rest", app_rest(100, "")), ("getAuthToken", get(&state, "fn"))],
    );
    ok(e.put(v("course"), v("t1"), json(r#"{"title":"after refresh"}"#))).await;
    faults(&user, r#"{"expireTokenOnce": true}"#).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(num(&state, "refreshes"), 1.0, "the app refreshed once");
    let on_server = api_get(&user, "/courses/t1").await;
    assert_eq!(s(&data(&on_server), "title").as_deref(), Some("after refresh"));
}

#[wasm_bindgen_test]
async fn bad_rest_options_are_type_errors_naming_the_option() {
    let err = SyncEngine::construct(json(
        r#"{"rest":{"resources":{"course":{"collection":"/courses","item":"/courses/:id","update":"POST"}}}}"#,
    ))
    .err()
    .unwrap();
    assert_eq!(error_name(&err), "TypeError");
    assert!(error_message(&err).contains("`rest.resources.course.update`"), "{}", error_message(&err));
    let err = SyncEngine::construct(json(
        r#"{"rest":{"resources":{"course":{"collection":"/courses","pagination":{"style":"page"}}}}}"#,
    ))
    .err()
    .unwrap();
    assert!(error_message(&err).contains("`rest.resources.course.pagination.totalPages`"), "{}", error_message(&err));
    let err =
        SyncEngine::construct(json(r#"{"rest":{"resources":{"course":{"colection":"/courses"}}}}"#)).err().unwrap();
    assert!(
        error_message(&err).contains("`rest.resources.course.colection` is not an option"),
        "{}",
        error_message(&err)
    );
}

#[wasm_bindgen_test]
async fn a_change_of_an_unconfigured_type_is_set_aside_with_a_clear_error() {
    let user = unique("runconf");
    let a = rest_engine(&unique("ns-"), &user, app_rest(100, ""));
    ok(a.put(v("badge"), v("b1"), json(r#"{"name":"x"}"#))).await;
    let r = ok(a.full_sync()).await;
    assert_eq!(num(&r, "failed"), 1.0, "{}", stringify(&r));
    let failed = arr(ok(a.failed()).await);
    assert_eq!(failed.length(), 1, "failed: {} pending: {}", stringify(&failed), stringify(&ok(a.pending()).await));
    let msg = s(&failed.get(0), "error").unwrap();
    assert!(msg.contains("no REST resource for entity type \"badge\""), "{msg}");
    let b1 = ok(a.get(v("badge"), v("b1"))).await;
    assert!(b1.is_object(), "failed: {}", stringify(&failed));
    assert_eq!(s(&b1, "name").as_deref(), Some("x"), "nothing lost");
}

/// The pending and failed entries, by mutation id: `(status, attempts)`.
async fn entry_states(e: &SyncEngine) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    for list in [ok(e.pending()).await, ok(e.failed()).await] {
        for r in arr(list).iter() {
            out.push((s(&r, "mutationId").unwrap(), s(&r, "status").unwrap(), num(&r, "attempts")));
        }
    }
    out
}

#[wasm_bindgen_test]
async fn an_outage_counts_attempts_only_against_the_change_that_was_sent() {
    let user = unique("routage");
    let a = rest_engine(&unique("ns-"), &user, app_rest(100, ""));
    // Three changes of three records: each could go out on its own.
    let m1 = ok(a.queue_mutation(v("CREATE"), v("course"), v("o1"), json(r#"{"title":"1"}"#))).await;
    let m2 = ok(a.queue_mutation(v("CREATE"), v("course"), v("o2"), json(r#"{"title":"2"}"#))).await;
    let m3 = ok(a.queue_mutation(v("CREATE"), v("course"), v("o3"), json(r#"{"title":"3"}"#))).await;
    faults(&user, r#"{"failNext": {"count": 1000, "status": 503, "path": "rest"}}"#).await;
    for round in 0..12 {
        let r = ok(a.full_sync()).await;
        assert_eq!(s(&r, "errorKind").as_deref(), Some("server"), "round {round}: {}", stringify(&r));
    }
    // One request per sync, each for the first change still in line: the first was
    // sent 10 times (maxAttempts) and set aside, then the second twice; the third
    // was never sent and is untouched.
    assert_eq!(rest_requests(&user).await, 12.0, "one request per failed sync");
    let states = entry_states(&a).await;
    let of = |m: &JsValue| states.iter().find(|(id, _, _)| Some(id.as_str()) == m.as_string().as_deref()).cloned();
    assert_eq!(of(&m1).map(|(_, st, n)| (st, n)), Some(("failed".into(), 10.0)), "{states:?}");
    assert_eq!(of(&m2).map(|(_, st, n)| (st, n)), Some(("pending".into(), 2.0)), "{states:?}");
    assert_eq!(of(&m3).map(|(_, st, n)| (st, n)), Some(("pending".into(), 0.0)), "never sent: {states:?}");

    // The outage ends: the two waiting changes go, the one set aside waits for the app.
    faults(&user, "{}").await;
    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 2.0, "{}", stringify(&r));
    assert_eq!(arr(ok(a.failed()).await).length(), 1);
    ok(a.retry_failed(JsValue::UNDEFINED)).await;
    assert_eq!(num(&sync(&a).await, "pushed"), 1.0);
    let counts = get(&stats(&user).await, "applyCounts");
    for m in [&m1, &m2, &m3] {
        assert_eq!(get(&counts, &m.as_string().unwrap()).as_f64(), Some(1.0), "{m:?} applied once");
    }
}
