//! Security properties, checked from the outside with the raw IndexedDB API (so
//! the check does not trust the code under test): tokens are never written to
//! IndexedDB or the queue, `clearLocalData()` leaves nothing of the namespace
//! behind, and one user's namespace is never read for another.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync, SyncEngine};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
function req(r) {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}
// Every store of one database: { store: { count, keys, values } }. Opens without a
// version, so it never upgrades or changes the database it looks at.
export async function dumpDb(name) {
  const existing = (await indexedDB.databases()).some(d => d.name === name);
  if (!existing) return null;
  const db = await req(indexedDB.open(name));
  const out = {};
  try {
    for (const s of Array.from(db.objectStoreNames)) {
      const st = db.transaction(s, 'readonly').objectStore(s);
      let [values, keys] = await Promise.all([req(st.getAll()), req(st.getAllKeys())]);
      // The record of the database's last upgrade (`idbUpgrade` in meta: a version
      // and a schema number, nothing of the user's) is the schema's, like the
      // database's version and stores, which a sign-out keeps too.
      const schema = keys.map((k) => k === 'idbUpgrade');
      values = values.filter((_, i) => !schema[i]);
      keys = keys.filter((_, i) => !schema[i]);
      out[s] = { count: keys.length, keys, values };
    }
  } finally {
    db.close();
  }
  return out;
}
// Everything this origin keeps in IndexedDB, Web Storage and Cache Storage, as text.
export async function everything() {
  const parts = [];
  for (const d of await indexedDB.databases()) {
    parts.push(d.name, JSON.stringify(await dumpDb(d.name)));
  }
  parts.push(JSON.stringify(Object.entries(localStorage)), JSON.stringify(Object.entries(sessionStorage)));
  if (globalThis.caches) {
    for (const name of await caches.keys()) {
      const c = await caches.open(name);
      for (const r of await c.keys()) parts.push(r.url, JSON.stringify([...r.headers]), await (await c.match(r)).text());
    }
  }
  return parts.join('\n');
}
export function storeNames(dump) { return dump ? Object.keys(dump) : []; }
export function storeCount(dump, s) { return dump[s].count + dump[s].keys.length + dump[s].values.length; }
export function asyncToken(t) { return async () => t; }
// What a dump holds besides a fresh client id (a call after the wipe may reopen the
// namespace, which then gets a new identity: that is not data of the old one).
export function leftovers(dump, oldClientId) {
  const out = [];
  for (const [s, d] of Object.entries(dump || {})) {
    d.keys.forEach((k, i) => {
      const v = d.values[i];
      if (s === 'meta' && k === 'clientId' && v !== oldClientId) return;
      out.push(s + ' ' + JSON.stringify(k) + ' = ' + JSON.stringify(v).slice(0, 120));
    });
  }
  return out;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = dumpDb)]
    fn dump_db(name: &str) -> js_sys::Promise;
    fn everything() -> js_sys::Promise;
    #[wasm_bindgen(js_name = storeNames)]
    fn store_names(dump: &JsValue) -> Vec<String>;
    #[wasm_bindgen(js_name = storeCount)]
    fn store_count(dump: &JsValue, store: &str) -> f64;
    #[wasm_bindgen(js_name = asyncToken)]
    fn async_token(t: &str) -> js_sys::Function;
    fn leftovers(dump: &JsValue, old_client_id: &JsValue) -> Vec<String>;
}

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

async fn dump(ns: &str) -> JsValue {
    JsFuture::from(dump_db(ns)).await.expect("dump")
}

async fn all_stored_text() -> String {
    JsFuture::from(everything()).await.expect("scan").as_string().unwrap()
}

fn assert_absent(haystack: &str, needle: &str, where_: &str) {
    if let Some(at) = haystack.find(needle) {
        let from = haystack[..at].char_indices().rev().nth(80).map(|(i, _)| i).unwrap_or(0);
        let ctx: String = haystack[from..].chars().take(200).collect();
        panic!("{needle:?} found in {where_}: …{ctx}…");
    }
}

/// The app's own engines for the namespaces the tests use.
fn engine_token(ns: &str, user: &str, token_fn: JsValue) -> SyncEngine {
    engine_with(ns, user, &[("getAuthToken", token_fn)])
}

#[wasm_bindgen_test]
async fn tokens_are_never_written_to_indexeddb_or_the_queue() {
    let ns = unique("sec-ns-");
    let user = unique("canary");
    let secret = token(&user); // `dev-canary…`: what the server accepts as this user
    let e = engine_token(&ns, &user, async_token(&secret).into());
    // Every kind of record: synced entities, local edits, queued, failed and
    // conflicting changes, cursors, an offline course, a 401 and a refreshed token.
    ok(e.put(v("course"), v("c1"), json(r#"{"title":"one"}"#))).await;
    ok(e.put(v("lesson"), v("l1"), json(r#"{"courseId":"c1"}"#))).await;
    sync(&e).await;
    faults(&user, r#"{"expireTokenOnce": true}"#).await;
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"x":1}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "failed"), 1.0);
    // A conflict: someone else changed c1 meanwhile.
    let other = engine(&unique("sec-other-"), &user);
    sync(&other).await;
    ok(other.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(r#"{"title":"theirs"}"#))).await;
    sync(&other).await;
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(r#"{"title":"mine"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "conflicts"), 1.0);
    ok(e.download_course(v("c1"))).await;
    ok(e.put(v("course"), v("c2"), json(r#"{"title":"queued"}"#))).await;

    let d = dump(&ns).await;
    for s in ["entities", "queue", "meta", "conflicts"] {
        assert!(store_count(&d, s) > 0.0, "store {s} should hold something for the scan to mean anything");
    }
    let text = all_stored_text().await;
    assert!(text.contains(&ns), "the scan sees the namespace");
    assert!(text.contains("\"title\":\"queued\""), "the scan sees queued payloads");
    assert_absent(&text, &secret, "IndexedDB / Web Storage / Cache Storage");
    assert_absent(&text, "Bearer", "IndexedDB / Web Storage / Cache Storage");
    for list in [ok(e.pending()).await, ok(e.failed()).await, ok(e.conflicts()).await] {
        assert_absent(&stringify(&list), &secret, "the queue as the app reads it");
    }
}

#[wasm_bindgen_test]
async fn refused_tokens_are_not_stored_or_echoed_in_errors() {
    let ns = unique("sec-ns-");
    let user = unique("refused");
    let secret = format!("s3cr3t-{}", unique(""));
    let e = engine_token(&ns, &user, token_fn(&secret).into());
    ok(e.put(v("course"), v("c"), json(r#"{"title":"kept"}"#))).await;
    let r = ok(e.full_sync()).await;
    assert_eq!(s(&r, "errorKind").as_deref(), Some("auth"), "{}", stringify(&r));
    assert_absent(&stringify(&r), &secret, "the sync result");
    let pending = stringify(&ok(e.pending()).await);
    assert_absent(&pending, &secret, "the queue entries (their last error)");
    assert_absent(&all_stored_text().await, &secret, "IndexedDB / Web Storage / Cache Storage");
    assert_eq!(ok(e.pending_count()).await, JsValue::from_f64(1.0), "nothing dropped");
}

#[wasm_bindgen_test]
async fn clear_local_data_leaves_nothing_of_the_namespace() {
    let ns = unique("sec-ns-");
    let user = unique("signout");
    let (mine, unsynced) = (unique("mine-"), unique("unsynced-"));
    let e = engine(&ns, &user);
    ok(e.put(v("course"), v("c1"), json(r#"{"title":"one"}"#))).await;
    sync(&e).await;
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"x":1}"#))).await;
    sync(&e).await;
    let other = engine(&unique("sec-other-"), &user);
    sync(&other).await;
    ok(other.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(r#"{"title":"theirs"}"#))).await;
    sync(&other).await;
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(&format!(r#"{{"title":"{mine}"}}"#)))).await;
    sync(&e).await;
    ok(e.download_course(v("c1"))).await;
    ok(e.put(v("course"), v("c2"), json(&format!(r#"{{"title":"{unsynced}"}}"#)))).await;
    // A second entry of c2 (not folded: another entity's is in between) marks it `chained`.
    ok(e.put(v("course"), v("c3"), json(r#"{"title":"three"}"#))).await;
    ok(e.put(v("course"), v("c2"), json(&format!(r#"{{"title":"{unsynced}!"}}"#)))).await;
    let d = dump(&ns).await;
    let names = store_names(&d);
    assert!(names.len() >= 5, "stores: {names:?}");
    for s in &names {
        assert!(store_count(&d, s) > 0.0, "store {s} is empty before the wipe; the test would prove nothing");
    }

    ok(e.clear_local_data()).await;
    let d = dump(&ns).await;
    assert_eq!(store_names(&d), names, "the same stores, ...");
    for s in &names {
        assert_eq!(store_count(&d, s), 0.0, "... all empty: {s} still holds {}", stringify(&d));
    }
    // Nothing else of the namespace anywhere either.
    let text = all_stored_text().await;
    assert!(!names.is_empty());
    assert_absent(&text, &unsynced, "storage after clearLocalData");
    assert_absent(&text, &mine, "storage after clearLocalData");
}

#[wasm_bindgen_test]
async fn signing_out_during_a_sync_leaves_nothing_behind() {
    // clearLocalData while a sync is at different points of its run: whatever the
    // sync does afterwards, it never writes into the wiped namespace.
    let user = unique("signoutsync");
    let seeder = engine(&unique("sec-seed-"), &user);
    for i in 0..30 {
        ok(seeder.put(v("lesson"), v(&format!("l{i}")), json(r#"{"title":"server data"}"#))).await;
    }
    sync(&seeder).await;
    let mut written = Vec::new();
    for (round, wait_ms) in [0u32, 1, 2, 4, 8, 15, 30, 60].into_iter().enumerate() {
        let ns = unique("sec-ns-");
        let e = engine_with(&ns, &user, &[("pullPageSize", JsValue::from_f64(5.0))]);
        ok(e.put(v("course"), v("mine"), json(r#"{"title":"unsynced"}"#))).await;
        let old_client = ok(e.client_id()).await;
        let syncing = JsFuture::from(e.full_sync());
        if wait_ms > 0 {
            gloo_timers::future::TimeoutFuture::new(wait_ms).await;
        }
        ok(e.clear_local_data()).await;
        let r = syncing.await.expect("fullSync never rejects");
        let d = dump(&ns).await;
        let dirty = leftovers(&d, &old_client);
        if !dirty.is_empty() {
            let r = stringify(&r);
            written
                .push(format!("round {round} (clear after {wait_ms} ms): {dirty:?} written after the wipe; sync {r}"));
        }
        e.close();
    }
    assert!(written.is_empty(), "a sync wrote into the wiped namespace:\n{}", written.join("\n"));
}

#[wasm_bindgen_test]
async fn one_users_namespace_is_never_read_for_another() {
    let (ua, ub) = (unique("alice"), unique("bob"));
    let (ns_a, ns_b) = (unique("sec-a-"), unique("sec-b-"));
    let (mark_a, mark_b) = (unique("only-alice-"), unique("only-bob-"));
    let a = engine(&ns_a, &ua);
    let b = engine(&ns_b, &ub);
    // The same entity ids in both: they must never mix.
    ok(a.put(v("course"), v("shared"), json(&format!(r#"{{"owner":"{mark_a}"}}"#)))).await;
    ok(b.put(v("course"), v("shared"), json(&format!(r#"{{"owner":"{mark_b}"}}"#)))).await;
    sync(&a).await;
    sync(&b).await;
    // Bob changing an id that only Alice has is refused (it does not exist for him).
    ok(a.put(v("course"), v("alice-only"), json(r#"{"title":"a"}"#))).await;
    sync(&a).await;
    ok(b.queue_mutation(v("UPDATE"), v("course"), v("alice-only"), json(r#"{"title":"b"}"#))).await;
    sync(&a).await;
    let r = sync(&b).await;
    assert_eq!(num(&r, "failed"), 1.0, "{}", stringify(&r));
    sync(&a).await;

    assert_eq!(s(&ok(a.get(v("course"), v("shared"))).await, "owner"), Some(mark_a.clone()));
    assert_eq!(s(&ok(b.get(v("course"), v("shared"))).await, "owner"), Some(mark_b.clone()));
    assert_eq!(s(&ok(a.get(v("course"), v("alice-only"))).await, "title").as_deref(), Some("a"));
    assert_ne!(ok(a.client_id()).await, ok(b.client_id()).await, "a client id per namespace");

    let da = stringify(&dump(&ns_a).await);
    let db = stringify(&dump(&ns_b).await);
    assert!(da.contains(&mark_a) && db.contains(&mark_b));
    assert_absent(&da, &mark_b, "Alice's namespace");
    assert_absent(&db, &mark_a, "Bob's namespace");
    assert_absent(&da, &ub, "Alice's namespace");
    assert_absent(&db, &ua, "Bob's namespace");

    // Switching the page's engine from one user to the other (sign-out, sign-in
    // with the other namespace): the new engine reads and syncs only Bob's data,
    // as Bob.
    ok(init_offline_sync(options(&ns_a, &ua, &[]))).await;
    assert_eq!(s(&ok(get_sync_engine().get(v("course"), v("shared"))).await, "owner"), Some(mark_a.clone()));
    ok(init_offline_sync(options(&ns_b, &ub, &[]))).await;
    let page = get_sync_engine();
    assert_eq!(s(&ok(page.get(v("course"), v("shared"))).await, "owner"), Some(mark_b.clone()));
    let list = js_sys::Array::from(&ok(page.list(v("course"))).await);
    assert_absent(&stringify(&list), &mark_a, "Bob's list");
    // Bob sees his own (refused) edit of `alice-only`, never Alice's entity.
    let seen = ok(page.get(v("course"), v("alice-only"))).await;
    assert_eq!(s(&seen, "title").as_deref(), Some("b"), "{}", stringify(&seen));
    let pulls_a = num(&stats(&ua).await, "pullRequests");
    let pulls_b = num(&stats(&ub).await, "pullRequests");
    sync(&page).await;
    assert_eq!(num(&stats(&ua).await, "pullRequests"), pulls_a, "nothing was asked as Alice");
    assert!(num(&stats(&ub).await, "pullRequests") > pulls_b, "the sync ran as Bob");
}

/// A push between batches when the user signs out (`clearLocalData`) sends nothing
/// more: the next batch, picked before the wipe, would go out under whoever signs
/// in next.
#[wasm_bindgen_test]
async fn no_batch_goes_out_after_clear_local_data() {
    let user = unique("sec-stop");
    let e = engine(&unique("sec-ns-"), &user);
    for i in 0..250 {
        ok(e.put(v("lesson"), v(&format!("s{i:03}")), json(r#"{"title":"queued"}"#))).await;
    }
    // Every answer takes 400 ms: the wipe lands while the first batch is on the wire
    // and the second is already picked.
    faults(&user, r#"{"delayMs": 400}"#).await;
    let pushes = num(&stats(&user).await, "pushRequests");
    let syncing = JsFuture::from(e.full_sync());
    gloo_timers::future::TimeoutFuture::new(150).await;
    ok(e.clear_local_data()).await;
    let r = syncing.await.expect("fullSync never rejects");
    assert_eq!(get(&r, "success"), JsValue::FALSE, "{}", stringify(&r));
    gloo_timers::future::TimeoutFuture::new(600).await;
    assert_eq!(num(&stats(&user).await, "pushRequests") - pushes, 1.0, "only the batch already on the wire");
    faults(&user, "{}").await;
    e.close();
}
