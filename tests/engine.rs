//! The sync engine in real Chromium, on real IndexedDB, against the real reference
//! server (started by scripts/test.sh).
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

#[wasm_bindgen_test]
async fn push_and_pull_between_two_clients() {
    let user = unique("rt");
    let a = engine(&unique("ns-a-"), &user);
    let b = engine(&unique("ns-b-"), &user);
    let id = ok(a.queue_mutation(v("CREATE"), v("course"), v("c1"), json(r#"{"title":"Rust"}"#))).await;
    assert!(id.as_string().unwrap().len() >= 32, "mutation id is a uuid");
    // Optimistic: readable at once, before any sync.
    let local = ok(a.get(v("course"), v("c1"))).await;
    assert_eq!(s(&local, "title").as_deref(), Some("Rust"));
    assert_eq!(s(&local, "id").as_deref(), Some("c1"));
    assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(1.0));

    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(0.0));

    let r = sync(&b).await;
    assert!(num(&r, "pulled") >= 1.0);
    let got = ok(b.get(v("course"), v("c1"))).await;
    assert_eq!(s(&got, "title").as_deref(), Some("Rust"));

    // And back: an UPDATE is a patch; fields it does not name keep their values.
    ok(b.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(r#"{"level":3}"#))).await;
    sync(&b).await;
    sync(&a).await;
    let got = ok(a.get(v("course"), v("c1"))).await;
    assert_eq!(s(&got, "title").as_deref(), Some("Rust"));
    assert_eq!(num(&got, "level"), 3.0);
    let list: js_sys::Array = ok(a.list(v("course"))).await.into();
    assert_eq!(list.length(), 1);
}

#[wasm_bindgen_test]
async fn pulls_many_pages() {
    let user = unique("pages");
    let a = engine(&unique("ns-"), &user);
    for i in 0..25 {
        ok(a.put(v("lesson"), v(&format!("l{i:02}")), json(&format!(r#"{{"n":{i}}}"#)))).await;
    }
    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 25.0);
    let before = num(&stats(&user).await, "pullRequests");
    let b = engine_with(&unique("ns-"), &user, &[("pullPageSize", JsValue::from_f64(10.0))]);
    let r = sync(&b).await;
    assert_eq!(num(&r, "pulled"), 25.0);
    let pulls = num(&stats(&user).await, "pullRequests") - before;
    assert!(pulls >= 3.0, "25 entities in pages of 10 take 3 pulls, saw {pulls}");
    let list: js_sys::Array = ok(b.list(v("lesson"))).await.into();
    assert_eq!(list.length(), 25);
    // The cursor was stored: the next sync pulls nothing new.
    let r = sync(&b).await;
    assert_eq!(num(&r, "pulled"), 0.0);
}

#[wasm_bindgen_test]
async fn tombstones_travel() {
    let user = unique("tomb");
    let a = engine(&unique("ns-"), &user);
    let b = engine(&unique("ns-"), &user);
    ok(a.put(v("course"), v("gone"), json(r#"{"title":"x"}"#))).await;
    sync(&a).await;
    sync(&b).await;
    assert!(ok(b.get(v("course"), v("gone"))).await.is_object());
    ok(a.remove(v("course"), v("gone"))).await;
    // A local remove is a dirty tombstone: invisible at once, still queued.
    assert!(ok(a.get(v("course"), v("gone"))).await.is_undefined());
    assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(1.0));
    sync(&a).await;
    sync(&b).await;
    assert!(ok(b.get(v("course"), v("gone"))).await.is_undefined());
    let list: js_sys::Array = ok(b.list(v("course"))).await.into();
    assert_eq!(list.length(), 0);
}

#[wasm_bindgen_test]
async fn queue_keeps_order() {
    let user = unique("order");
    let a = engine(&unique("ns-"), &user);
    // Interleaved so nothing folds: x, y, x, y, x.
    ok(a.queue_mutation(v("CREATE"), v("course"), v("x"), json(r#"{"v":1}"#))).await;
    ok(a.queue_mutation(v("CREATE"), v("course"), v("y"), json(r#"{"v":1}"#))).await;
    ok(a.queue_mutation(v("DELETE"), v("course"), v("x"), JsValue::NULL)).await;
    ok(a.queue_mutation(v("UPDATE"), v("course"), v("y"), json(r#"{"v":2}"#))).await;
    ok(a.queue_mutation(v("CREATE"), v("course"), v("x"), json(r#"{"v":3}"#))).await;
    let pending: js_sys::Array = ok(a.pending()).await.into();
    let seen: Vec<String> =
        pending.iter().map(|e| format!("{}:{}", s(&e, "type").unwrap(), s(&e, "entityId").unwrap())).collect();
    assert_eq!(seen, ["CREATE:x", "CREATE:y", "DELETE:x", "UPDATE:y", "CREATE:x"]);
    sync(&a).await;
    let b = engine(&unique("ns-"), &user);
    sync(&b).await;
    assert_eq!(num(&ok(b.get(v("course"), v("x"))).await, "v"), 3.0, "delete then re-create, in order");
    assert_eq!(num(&ok(b.get(v("course"), v("y"))).await, "v"), 2.0);
}

#[wasm_bindgen_test]
async fn consecutive_edits_fold_into_one_entry() {
    let a = engine(&unique("ns-"), &unique("fold"));
    ok(a.put(v("course"), v("t"), json(r#"{"title":"T"}"#))).await;
    for t in ["Ty", "Typ", "Typi", "Typin", "Typing"] {
        ok(a.queue_mutation(v("UPDATE"), v("course"), v("t"), json(&format!(r#"{{"title":"{t}"}}"#)))).await;
    }
    assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(1.0));
    assert_eq!(s(&ok(a.get(v("course"), v("t"))).await, "title").as_deref(), Some("Typing"));
    // Created and deleted before the server saw it: nothing to send at all.
    ok(a.remove(v("course"), v("t"))).await;
    assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(0.0));
    assert!(ok(a.get(v("course"), v("t"))).await.is_undefined());
}

#[wasm_bindgen_test]
async fn a_mutation_sent_twice_is_applied_once() {
    let user = unique("dup");
    let a = engine(&unique("ns-"), &user);
    let mid = ok(a.put(v("course"), v("d"), json(r#"{"title":"once"}"#))).await.as_string().unwrap();
    sync(&a).await;
    // The same mutation again, as a retry after a lost answer would send it.
    let body = json(&format!(
        r#"{{"clientId":"other","mutations":[{{"mutationId":"{mid}","op":"CREATE","entityType":"course","entityId":"d","baseVersion":null,"data":{{"id":"d","title":"once"}}}}]}}"#
    ));
    let r = http("POST", "/sync/push", Some(&token(&user)), body).await;
    assert_eq!(r.status, 200);
    let res = js_sys::Array::from(&get(&r.body, "results")).get(0);
    assert_eq!(s(&res, "status").as_deref(), Some("applied"), "a repeat answers the stored result");
    assert_eq!(num(&get(&res, "entity"), "version"), 1.0, "and changes nothing");
    let counts = get(&stats(&user).await, "applyCounts");
    assert_eq!(num(&counts, &mid), 1.0);
}

#[wasm_bindgen_test]
async fn stale_push_is_a_conflict_and_server_wins() {
    let user = unique("conf");
    let a = engine(&unique("ns-"), &user);
    let b = engine(&unique("ns-"), &user);
    ok(a.put(v("course"), v("k"), json(r#"{"title":"base","level":1}"#))).await;
    sync(&a).await;
    sync(&b).await;
    ok(b.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"title":"from B"}"#))).await;
    sync(&b).await;
    ok(a.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"title":"from A"}"#))).await;
    let r = ok(a.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE);
    assert_eq!(num(&r, "conflicts"), 1.0);
    assert_eq!(num(&r, "pushed"), 0.0);
    assert_eq!(s(&ok(a.get(v("course"), v("k"))).await, "title").as_deref(), Some("from B"), "server wins");
    let conflicts: js_sys::Array = ok(a.conflicts()).await.into();
    assert_eq!(conflicts.length(), 1);
    let c = conflicts.get(0);
    assert_eq!(s(&get(&c, "local"), "title").as_deref(), Some("from A"), "the losing change is kept");
    assert_eq!(s(&get(&get(&c, "server"), "data"), "title").as_deref(), Some("from B"));
    assert_eq!(ok(a.pending_count()).await, JsValue::from_f64(0.0));
}

#[wasm_bindgen_test]
async fn survives_closing_and_reopening() {
    let ns = unique("ns-");
    let user = unique("persist");
    let a = engine(&ns, &user);
    let mid = ok(a.put(v("course"), v("p"), json(r#"{"title":"durable"}"#))).await;
    a.close();
    let again = engine(&ns, &user);
    assert_eq!(ok(again.pending_count()).await, JsValue::from_f64(1.0));
    assert_eq!(s(&ok(again.get(v("course"), v("p"))).await, "title").as_deref(), Some("durable"));
    let pending: js_sys::Array = ok(again.pending()).await.into();
    assert_eq!(get(&pending.get(0), "mutationId"), mid, "the mutation id is stable");
    let client = ok(again.client_id()).await;
    again.close();
    let third = engine(&ns, &user);
    assert_eq!(ok(third.client_id()).await, client, "the client id persists");
    sync(&third).await;
    assert_eq!(ok(third.pending_count()).await, JsValue::from_f64(0.0));
}

#[wasm_bindgen(inline_js = r#"
// Version 1 of the schema, as it shipped, written with the raw IndexedDB API so the
// test does not depend on the code under test to build it.
export function createV1(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('entities', { keyPath: ['entityType', 'id'] }).createIndex('byType', 'entityType');
      db.createObjectStore('local', { keyPath: ['entityType', 'id'] }).createIndex('byType', 'entityType');
      db.createObjectStore('meta');
      db.createObjectStore('queue', { keyPath: 'id', autoIncrement: true }).createIndex('byEntity', ['entity', 'entityId']);
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['entities', 'local', 'meta', 'queue'], 'readwrite');
      tx.objectStore('entities').put({ entityType: 'course', id: 'old', version: 4, deleted: false, data: { id: 'old', title: 'from v1' } });
      tx.objectStore('local').put({ entityType: 'course', id: 'mine', data: { id: 'mine', title: 'unsynced' }, deleted: false, dirty: 1, pending: 1 });
      tx.objectStore('meta').put('client-from-v1', 'clientId');
      tx.objectStore('queue').add({ mutationId: 'm-v1', type: 'CREATE', entity: 'course', entityId: 'mine',
        payload: { id: 'mine', title: 'unsynced' }, baseVersion: null, createdAt: 1, attempts: 0, status: 'pending' });
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  });
}
export function dbVersion(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => { const v = req.result.version; const s = [...req.result.objectStoreNames]; req.result.close(); resolve({ v, s }); };
    req.onerror = () => reject(req.error);
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = createV1)]
    fn create_v1(name: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = dbVersion)]
    fn db_version(name: &str) -> js_sys::Promise;
}

#[wasm_bindgen_test]
async fn upgrades_a_version_1_database_without_losing_rows() {
    let ns = unique("ns-v1-");
    let user = unique("upg");
    ok(create_v1(&ns)).await;
    let e = engine(&ns, &user);
    assert_eq!(s(&ok(e.get(v("course"), v("old"))).await, "title").as_deref(), Some("from v1"));
    assert_eq!(s(&ok(e.get(v("course"), v("mine"))).await, "title").as_deref(), Some("unsynced"));
    assert_eq!(ok(e.client_id()).await, v("client-from-v1"));
    // The v1 queue entry is still there and still goes out.
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    e.close();
    let info = ok(db_version(&ns)).await;
    assert_eq!(num(&info, "v"), 4.0);
    let stores: js_sys::Array = get(&info, "s").into();
    assert!(stores.includes(&v("conflicts"), 0));
    assert!(stores.includes(&v("chained"), 0));
    assert!(!stores.includes(&v("local"), 0), "local views now live in `entities`");
}

#[wasm_bindgen_test]
async fn server_down_is_a_clear_error_and_nothing_is_lost() {
    let user = unique("down");
    let opts = options(&unique("ns-"), &user, &[("apiBaseUrl", v("http://127.0.0.1:9/api"))]);
    let e = offline_sync::SyncEngine::construct(opts).unwrap();
    ok(e.put(v("course"), v("z"), json(r#"{"title":"kept"}"#))).await;
    let r = ok(e.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::FALSE);
    assert_eq!(s(&r, "errorKind").as_deref(), Some("network"));
    let msg = s(&r, "error").unwrap();
    assert!(msg.contains("127.0.0.1:9/api/sync/push") && msg.contains("network error"), "{msg}");
    assert_eq!(ok(e.pending_count()).await, JsValue::from_f64(1.0));
    assert_eq!(s(&ok(e.get(v("course"), v("z"))).await, "title").as_deref(), Some("kept"));
}

#[wasm_bindgen_test]
async fn garbage_answers_are_a_clear_error_and_nothing_is_lost() {
    let user = unique("garbage");
    let e = engine(&unique("ns-"), &user);
    ok(e.put(v("course"), v("g"), json(r#"{"title":"kept"}"#))).await;
    faults(&user, r#"{"malformedNext": 1}"#).await;
    let r = ok(e.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::FALSE);
    assert_eq!(s(&r, "errorKind").as_deref(), Some("protocol"), "{}", stringify(&r));
    assert!(s(&r, "error").unwrap().contains("not valid JSON"), "{}", stringify(&r));
    assert_eq!(ok(e.pending_count()).await, JsValue::from_f64(1.0));
    // The module is not poisoned: the next sync works and sends the change once.
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    let pending: js_sys::Array = ok(e.pending()).await.into();
    assert_eq!(pending.length(), 0);
}

#[wasm_bindgen_test]
async fn download_course_pulls_its_scope() {
    let user = unique("dl");
    let a = engine(&unique("ns-"), &user);
    ok(a.put(v("course"), v("c9"), json(r#"{"title":"Course 9"}"#))).await;
    ok(a.put(v("lesson"), v("l1"), json(r#"{"courseId":"c9","title":"L1"}"#))).await;
    ok(a.put(v("lesson"), v("l2"), json(r#"{"courseId":"c9","title":"L2"}"#))).await;
    ok(a.put(v("lesson"), v("other"), json(r#"{"courseId":"c8","title":"elsewhere"}"#))).await;
    sync(&a).await;
    let b = engine(&unique("ns-"), &user);
    let r = ok(b.download_course(v("c9"))).await;
    assert!(r.is_undefined());
    assert_eq!(s(&ok(b.get(v("course"), v("c9"))).await, "title").as_deref(), Some("Course 9"));
    let lessons: js_sys::Array = ok(b.list(v("lesson"))).await.into();
    assert_eq!(lessons.length(), 2, "only the course's lessons");
    let offline: js_sys::Array = ok(b.offline_courses()).await.into();
    assert_eq!(s(&offline.get(0), "courseId").as_deref(), Some("c9"));
}

#[wasm_bindgen_test]
async fn clear_local_data_wipes_the_namespace() {
    let user = unique("clear");
    let e = engine(&unique("ns-"), &user);
    ok(e.put(v("course"), v("a"), json(r#"{"title":"x"}"#))).await;
    let before = ok(e.client_id()).await;
    ok(e.clear_local_data()).await;
    assert!(ok(e.get(v("course"), v("a"))).await.is_undefined());
    assert_eq!(ok(e.pending_count()).await, JsValue::from_f64(0.0));
    assert_ne!(ok(e.client_id()).await, before, "a new identity after sign-out");
}

#[wasm_bindgen_test]
async fn bad_calls_reject_with_clear_errors() {
    let e = engine(&unique("ns-"), &unique("bad"));
    let err = rejects(e.queue_mutation(v("UPSERT"), v("course"), v("a"), json("{}"))).await;
    assert_eq!(error_name(&err), "TypeError");
    assert!(error_message(&err).contains("unknown operation \"UPSERT\""), "{}", error_message(&err));
    let err = rejects(e.queue_mutation(v("UPDATE"), v(""), v("a"), json("{}"))).await;
    assert!(error_message(&err).contains("entity type must not be empty"));
    let err = rejects(e.put(v("course"), v("a"), JsValue::from_f64(3.0))).await;
    assert!(error_message(&err).contains("must be an object"));
    assert_eq!(ok(e.pending_count()).await, JsValue::from_f64(0.0));
    let err = offline_sync::SyncEngine::construct(json(r#"{"requestTimeoutMs": -1}"#)).err().unwrap();
    assert_eq!(error_name(&err), "TypeError");
    assert!(error_message(&err).contains("`requestTimeoutMs`"));
}

#[wasm_bindgen_test]
async fn a_queue_longer_than_one_read_window_goes_out_in_order_and_failed_entries_still_hold_back() {
    let user = unique("window");
    let e = engine(&unique("ns-"), &user);
    // Refused by the server (no such entity), so it is set aside as failed...
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"title":"1"}"#))).await;
    // ...more changes than the push reads at once (1000)...
    for i in 0..1020 {
        ok(e.put(v("lesson"), v(&format!("w{i:04}")), json(&format!(r#"{{"n":{i}}}"#)))).await;
    }
    // ...and a later change of the refused entity, in the second window: it waits.
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"title":"2"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1020.0, "{}", stringify(&r));
    assert_eq!(num(&r, "failed"), 1.0);
    let pending: js_sys::Array = ok(e.pending()).await.into();
    assert_eq!(pending.length(), 1, "the later change of the failed entity was held back");
    assert_eq!(s(&get(&pending.get(0), "payload"), "title").as_deref(), Some("2"));
    let counts = get(&stats(&user).await, "applyCounts");
    assert_eq!(js_sys::Object::keys(counts.unchecked_ref::<js_sys::Object>()).length(), 1020);
}
