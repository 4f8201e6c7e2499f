//! Conflict policies (issue 22, docs/conflicts.md), in a real browser against the
//! reference server: two clients (two namespaces of one user) edit the same entity
//! while neither has seen the other's change; the second to push is refused as
//! stale and its entity type's policy decides. Each test checks the end state on
//! the server and on both clients, and that every mutation id was applied at most
//! once (`applyCounts`); the reload tests drop the engine mid-resolution and go on
//! with a new one on the same database.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync, OfflineSync, SyncEngine};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// `{ conflicts: { [et]: policy } }` as an extra option.
fn policy(et: &str, p: JsValue) -> (&'static str, JsValue) {
    let c = js_sys::Object::new();
    js_sys::Reflect::set(&c, &v(et), &p).unwrap();
    ("conflicts", c.into())
}

fn merge_policy(body: &str) -> JsValue {
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &v("merge"), &js_sys::Function::new_with_args("local, server, base", body)).unwrap();
    o.into()
}

/// The learning platform's progress merge: the furthest position and every completed lesson.
const PROGRESS_MERGE: &str = r#"
  globalThis.__mergeArgs = { local, server, base };
  const done = [...new Set([...(local.completed || []), ...(server.completed || [])])].sort();
  return { ...server, position: Math.max(local.position, server.position), completed: done };
"#;

struct Pair {
    user: String,
    ns_a: String,
    a: SyncEngine,
    b: SyncEngine,
}

/// A and B share `et/k` = `base`; B's `theirs` is on the server; A's `mine` is
/// queued on top of `base`, not yet sent. A's engine has `extra` options.
async fn pair(et: &str, base: &str, theirs: &str, mine: &str, extra: &[(&str, JsValue)]) -> Pair {
    let user = unique("conf");
    let ns_a = unique("ns-");
    let a = engine_with(&ns_a, &user, extra);
    let b = engine(&unique("ns-"), &user);
    ok(a.put(v(et), v("k"), json(base))).await;
    sync(&a).await;
    sync(&b).await;
    ok(a.queue_mutation(v("UPDATE"), v(et), v("k"), json(mine))).await;
    ok(b.queue_mutation(v("UPDATE"), v(et), v("k"), json(theirs))).await;
    sync(&b).await;
    Pair { user, ns_a, a, b }
}

async fn title(e: &SyncEngine, et: &str) -> Option<String> {
    s(&ok(e.get(v(et), v("k"))).await, "title")
}

async fn server_title(user: &str, et: &str) -> Option<String> {
    let state = server_state(user).await;
    state.get(&format!("{et}/k")).map(|d| s(&json(d), "title").unwrap())
}

/// Every mutation id the server applied, applied once; how many there were.
async fn applied_once(user: &str) -> u32 {
    let counts = get(&stats(user).await, "applyCounts");
    let values = js_sys::Object::values(counts.unchecked_ref::<js_sys::Object>());
    for n in values.iter() {
        assert_eq!(n.as_f64(), Some(1.0), "a mutation applied more than once: {}", stringify(&counts));
    }
    values.length()
}

async fn applied(user: &str, mid: &JsValue) -> bool {
    let counts = get(&stats(user).await, "applyCounts");
    !get(&counts, &mid.as_string().unwrap()).is_undefined()
}

async fn conflicts(e: &SyncEngine) -> js_sys::Array {
    ok(e.conflicts()).await.into()
}

async fn pending(e: &SyncEngine) -> js_sys::Array {
    ok(e.pending()).await.into()
}

#[wasm_bindgen_test]
async fn server_wins_by_default_and_is_not_counted_as_needing_attention() {
    let p = pair("note", r#"{"title":"base"}"#, r#"{"title":"theirs"}"#, r#"{"title":"mine"}"#, &[]).await;
    let r = sync(&p.a).await;
    assert_eq!(num(&r, "conflicts"), 1.0);
    assert_eq!(title(&p.a, "note").await.as_deref(), Some("theirs"));
    assert_eq!(server_title(&p.user, "note").await.as_deref(), Some("theirs"));
    let c = conflicts(&p.a).await.get(0);
    assert_eq!(s(&c, "resolution").as_deref(), Some("server"));
    assert_eq!(s(&c, "policy").as_deref(), Some("serverWins"));
    assert_eq!(s(&get(&c, "base"), "title").as_deref(), Some("base"), "the version the change was made on");
    assert_eq!(pending(&p.a).await.length(), 0);
    assert_eq!(applied_once(&p.user).await, 2, "the create and B's update; A's change never");
}

#[wasm_bindgen_test]
async fn client_wins_requeues_the_local_change_once_under_a_new_id() {
    let extra = [policy("lesson", v("clientWins"))];
    let p = pair(
        "lesson",
        r#"{"title":"base","level":1}"#,
        r#"{"title":"theirs","level":2}"#,
        r#"{"title":"mine"}"#,
        &extra,
    )
    .await;
    let refused = get(&pending(&p.a).await.get(0), "mutationId");
    let r = sync(&p.a).await;
    assert_eq!(num(&r, "conflicts"), 1.0);
    assert_eq!(num(&r, "pushed"), 1.0, "the re-queued change went out in the same sync");
    sync(&p.b).await;
    // The local change laid over the server's version: B's level stays.
    for (who, e) in [("A", &p.a), ("B", &p.b)] {
        let got = ok(e.get(v("lesson"), v("k"))).await;
        assert_eq!(s(&got, "title").as_deref(), Some("mine"), "{who}");
        assert_eq!(num(&got, "level"), 2.0, "{who}");
    }
    assert_eq!(server_title(&p.user, "lesson").await.as_deref(), Some("mine"));
    assert!(!applied(&p.user, &refused).await, "the refused id is never applied");
    assert_eq!(applied_once(&p.user).await, 3);
    let c = conflicts(&p.a).await;
    assert_eq!(c.length(), 0, "nothing is left for the app");
    assert_eq!(pending(&p.a).await.length(), 0);
}

#[wasm_bindgen_test]
async fn client_wins_resolves_once_across_a_reload_before_the_requeued_change_is_sent() {
    let extra = [policy("lesson", v("clientWins"))];
    let p = pair("lesson", r#"{"title":"base"}"#, r#"{"title":"theirs"}"#, r#"{"title":"mine"}"#, &extra).await;
    let refused = get(&pending(&p.a).await.get(0), "mutationId");
    // The push settles the conflict (and re-queues), then the pull fails: the sync
    // stops with the re-queued change on disk, unsent.
    faults(&p.user, r#"{"failNext":{"count":1,"path":"pull"}}"#).await;
    let r = ok(p.a.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::FALSE);
    let queued = pending(&p.a).await;
    assert_eq!(queued.length(), 1);
    let requeued = get(&queued.get(0), "mutationId");
    assert_ne!(requeued, refused, "a new mutation id");
    assert_eq!(get(&queued.get(0), "resolves"), refused);
    p.a.close();
    let again = engine_with(&p.ns_a, &p.user, &extra);
    sync(&again).await;
    sync(&again).await;
    sync(&p.b).await;
    assert_eq!(title(&again, "lesson").await.as_deref(), Some("mine"));
    assert_eq!(title(&p.b, "lesson").await.as_deref(), Some("mine"));
    assert!(applied(&p.user, &requeued).await);
    assert!(!applied(&p.user, &refused).await);
    assert_eq!(applied_once(&p.user).await, 3);
}

#[wasm_bindgen_test]
async fn a_requeued_change_refused_again_is_held_as_manual() {
    let extra = [policy("lesson", v("clientWins"))];
    let p = pair("lesson", r#"{"title":"base"}"#, r#"{"title":"theirs"}"#, r#"{"title":"mine"}"#, &extra).await;
    faults(&p.user, r#"{"failNext":{"count":1,"path":"pull"}}"#).await;
    ok(p.a.full_sync()).await;
    // B moves the entity on again before A's re-queued change leaves.
    ok(p.b.queue_mutation(v("UPDATE"), v("lesson"), v("k"), json(r#"{"title":"theirs again"}"#))).await;
    sync(&p.b).await;
    let requeued = get(&pending(&p.a).await.get(0), "mutationId");
    let r = sync(&p.a).await;
    assert_eq!(num(&r, "conflicts"), 1.0);
    assert_eq!(pending(&p.a).await.length(), 0, "not re-queued a second time");
    let c = conflicts(&p.a).await.get(0);
    assert_eq!(get(&c, "mutationId"), requeued);
    assert!(get(&c, "resolution").is_null(), "held for the app");
    assert!(s(&c, "error").unwrap().contains("refused again"));
    assert_eq!(title(&p.a, "lesson").await.as_deref(), Some("theirs again"));
    assert_eq!(server_title(&p.user, "lesson").await.as_deref(), Some("theirs again"));
    assert_eq!(applied_once(&p.user).await, 3);
}

#[wasm_bindgen_test]
async fn merge_keeps_the_furthest_position_and_every_completed_lesson() {
    let extra = [policy("progress", merge_policy(PROGRESS_MERGE))];
    let p = pair(
        "progress",
        r#"{"position":1,"completed":["l1"]}"#,
        r#"{"position":5,"completed":["l1","l2"]}"#,
        r#"{"position":3,"completed":["l1","l3"]}"#,
        &extra,
    )
    .await;
    let r = sync(&p.a).await;
    assert_eq!(num(&r, "conflicts"), 1.0);
    let args = get(&js_sys::global(), "__mergeArgs");
    assert_eq!(canon(&get(&args, "base")), r#"{"completed":["l1"],"id":"k","position":1}"#);
    assert_eq!(canon(&get(&args, "local")), r#"{"completed":["l1","l3"],"id":"k","position":3}"#);
    assert_eq!(canon(&get(&args, "server")), r#"{"completed":["l1","l2"],"id":"k","position":5}"#);
    sync(&p.b).await;
    let want = r#"{"completed":["l1","l2","l3"],"id":"k","position":5}"#;
    assert_eq!(server_state(&p.user).await.get("progress/k").map(String::as_str), Some(want));
    for e in [&p.a, &p.b] {
        let got = ok(e.get(v("progress"), v("k"))).await;
        assert_eq!(canon(&get(&got, "completed")), r#"["l1","l2","l3"]"#);
        assert_eq!(num(&got, "position"), 5.0);
    }
    assert_eq!(conflicts(&p.a).await.length(), 0);
    assert_eq!(applied_once(&p.user).await, 3);
}

#[wasm_bindgen_test]
async fn a_merge_that_throws_or_returns_no_object_holds_the_conflict_with_the_error() {
    for (body, error) in
        [("throw new Error('cannot merge this')", "cannot merge this"), ("return 42", "merge returned 42")]
    {
        let extra = [policy("progress", merge_policy(body))];
        let p = pair("progress", r#"{"title":"base"}"#, r#"{"title":"theirs"}"#, r#"{"title":"mine"}"#, &extra).await;
        let refused = get(&pending(&p.a).await.get(0), "mutationId");
        sync(&p.a).await;
        let c = conflicts(&p.a).await.get(0);
        assert!(get(&c, "resolution").is_null(), "manual");
        assert!(s(&c, "error").unwrap_or_default().contains(error), "{}", stringify(&c));
        assert_eq!(title(&p.a, "progress").await.as_deref(), Some("theirs"), "the server's version meanwhile");
        // The app keeps its change after all.
        let mid = ok(p.a.resolve_conflict(refused.as_string().unwrap(), v("local"))).await;
        assert!(mid.is_string() && mid != refused);
        sync(&p.a).await;
        sync(&p.b).await;
        assert_eq!(title(&p.b, "progress").await.as_deref(), Some("mine"));
        assert_eq!(conflicts(&p.a).await.length(), 0);
        assert_eq!(applied_once(&p.user).await, 3);
    }
}

#[wasm_bindgen_test]
async fn manual_holds_the_conflict_until_the_app_resolves_it_once_across_a_reload() {
    let extra = [policy("note", v("manual"))];
    let p = pair("note", r#"{"title":"base"}"#, r#"{"title":"theirs"}"#, r#"{"title":"mine"}"#, &extra).await;
    let refused = get(&pending(&p.a).await.get(0), "mutationId").as_string().unwrap();
    sync(&p.a).await;
    let held = conflicts(&p.a).await;
    assert_eq!(held.length(), 1);
    assert!(get(&held.get(0), "resolution").is_null());
    assert_eq!(s(&get(&held.get(0), "local"), "title").as_deref(), Some("mine"));
    assert_eq!(title(&p.a, "note").await.as_deref(), Some("theirs"));
    // Resolved, then the page goes away before anything is sent.
    let mid = ok(p.a.resolve_conflict(refused.clone(), json(r#"{"title":"mine and theirs"}"#))).await;
    p.a.close();
    let again = engine_with(&p.ns_a, &p.user, &extra);
    assert_eq!(conflicts(&again).await.length(), 0, "the resolution is durable");
    assert_eq!(get(&pending(&again).await.get(0), "mutationId"), mid);
    assert_eq!(title(&again, "note").await.as_deref(), Some("mine and theirs"), "the local view shows it");
    let err = rejects(again.resolve_conflict(refused.clone(), v("local"))).await;
    assert!(error_message(&err).contains("no conflict"), "{}", error_message(&err));
    sync(&again).await;
    sync(&p.b).await;
    assert_eq!(title(&p.b, "note").await.as_deref(), Some("mine and theirs"));
    assert_eq!(server_title(&p.user, "note").await.as_deref(), Some("mine and theirs"));
    assert_eq!(pending(&again).await.length(), 0);
    assert_eq!(applied_once(&p.user).await, 3);
}

#[wasm_bindgen_test]
async fn manual_resolved_as_server_or_dismissed_sends_nothing() {
    let extra = [policy("note", v("manual"))];
    let p = pair("note", r#"{"title":"base"}"#, r#"{"title":"theirs"}"#, r#"{"title":"mine"}"#, &extra).await;
    let refused = get(&pending(&p.a).await.get(0), "mutationId").as_string().unwrap();
    sync(&p.a).await;
    assert!(ok(p.a.resolve_conflict(refused.clone(), v("server"))).await.is_null());
    assert_eq!(conflicts(&p.a).await.length(), 0);
    assert_eq!(ok(p.a.dismiss_conflict(refused)).await, JsValue::FALSE, "already gone");
    assert_eq!(pending(&p.a).await.length(), 0);
    let err = rejects(p.a.resolve_conflict("x".into(), json("[1]"))).await;
    assert!(error_message(&err).contains("'local', 'server' or the merged data"), "{}", error_message(&err));
    sync(&p.a).await;
    assert_eq!(server_title(&p.user, "note").await.as_deref(), Some("theirs"));
    assert_eq!(applied_once(&p.user).await, 2);
}

#[wasm_bindgen_test]
async fn on_conflict_fires_and_conflict_count_counts_what_needs_attention() {
    let user = unique("conf");
    let extra = [policy("note", v("manual"))];
    ok(init_offline_sync(options(&unique("ns-"), &user, &extra))).await;
    let a = get_sync_engine();
    let b = engine(&unique("ns-"), &user);
    let seen = js_sys::Array::new();
    let record = {
        let seen = seen.clone();
        Closure::<dyn Fn(JsValue)>::new(move |c: JsValue| {
            seen.push(&c);
        })
    };
    let opts = json(r#"{"syncOnMount": false, "autoSyncInterval": 0, "pushDelayMs": 0}"#);
    js_sys::Reflect::set(&opts, &v("onConflict"), record.as_ref()).unwrap();
    let c = OfflineSync::new(opts).unwrap();
    c.start();
    for id in ["n1", "n2"] {
        ok(a.put(v("note"), v(id), json(r#"{"title":"base"}"#))).await;
    }
    ok(c.perform_sync()).await;
    sync(&b).await;
    for id in ["n1", "n2"] {
        ok(a.queue_mutation(v("UPDATE"), v("note"), v(id), json(r#"{"title":"mine"}"#))).await;
        ok(b.queue_mutation(v("UPDATE"), v("note"), v(id), json(r#"{"title":"theirs"}"#))).await;
    }
    sync(&b).await;
    ok(c.perform_sync()).await;
    assert_eq!(seen.length(), 2, "one event per conflict");
    assert_eq!(s(&seen.get(0), "entityType").as_deref(), Some("note"));
    let count = || num(&get(&c.get_snapshot(), "status"), "conflictCount");
    wait_until("conflictCount 2", || count() == 2.0).await;
    let first = s(&seen.get(0), "mutationId").unwrap();
    ok(a.dismiss_conflict(first)).await;
    wait_until("conflictCount 1", || count() == 1.0).await;
    c.dispose();
}

#[wasm_bindgen_test]
async fn a_wrong_policy_is_a_type_error_naming_the_entity() {
    let bad = |p: JsValue| SyncEngine::construct(options("x", "y", &[policy("lesson", p)])).err().unwrap();
    let e = bad(v("clientWin"));
    assert_eq!(error_name(&e), "TypeError");
    assert!(error_message(&e).contains("conflicts.lesson"), "{}", error_message(&e));
    let e = bad(json(r#"{"merge": 1}"#));
    assert!(error_message(&e).contains("conflicts.lesson.merge"), "{}", error_message(&e));
    let e = SyncEngine::construct(options("x", "y", &[("conflicts", v("manual"))])).err().unwrap();
    assert!(error_message(&e).contains("`conflicts`"), "{}", error_message(&e));
}

/// Over a plain REST API: a 412 is the conflict, and the re-queued change goes out
/// with `If-Match` of the version the refusal carried, so the server takes it.
#[wasm_bindgen_test]
async fn client_wins_over_rest_resends_with_the_refusals_etag() {
    let user = unique("rconf");
    let rest = json(
        r#"{ "defaults": { "record": "data", "update": "PATCH",
                           "pagination": { "style": "page", "pageSize": 100, "totalPages": "data.pagination.totalPages" } },
             "resources": { "course": { "collection": "/courses", "item": "/courses/:id", "list": "data.courses" } } }"#,
    );
    let api = format!("{}/api/v2", server());
    let a = engine_with(
        &unique("ns-"),
        &user,
        &[("apiBaseUrl", v(&api)), ("rest", rest), policy("course", v("clientWins"))],
    );
    ok(a.put(v("course"), v("k"), json(r#"{"title":"base","level":1}"#))).await;
    sync(&a).await;
    let path = "/api/v2/courses/k";
    let w = http("PATCH", path, Some(&token(&user)), json(r#"{"level":2}"#)).await;
    assert_eq!(w.status, 200);
    let refused = ok(a.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"title":"mine"}"#))).await;
    let r = sync(&a).await;
    assert_eq!(num(&r, "conflicts"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 1.0, "{}", stringify(&r));
    let on_server = get(&http("GET", path, Some(&token(&user)), JsValue::NULL).await.body, "data");
    assert_eq!(s(&on_server, "title").as_deref(), Some("mine"));
    assert_eq!(num(&on_server, "level"), 2.0, "laid over the server's version");
    assert!(!applied(&user, &refused).await);
    assert_eq!(pending(&a).await.length(), 0);
}
