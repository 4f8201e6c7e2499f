//! Faults, retries, failed entries and bad input, in real Chromium on real
//! IndexedDB against the reference server (started by scripts/test.sh with
//! `--enable-admin`, whose `/__admin/faults` injects the faults).
//!
//! After each fault the suite checks what the issue promises: the server holds
//! exactly the expected state, every mutation id was applied once (`applyCounts`),
//! the local store still has every unsynced change, and the error was reported
//! while it lasted. Answers of the wrong shape come from a fake backend (a
//! `fetch` stand-in for one made-up origin), since the real server never sends them.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::{get_sync_engine, init_offline_sync, OfflineSync, SyncEngine};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"

// ---- values that cannot be stored or sent
export function badValue(kind) {
  switch (kind) {
    case 'function': return function notData() {};
    case 'nestedFunction': return { title: 'x', onClick: () => 1 };
    case 'cyclic': { const o = { title: 'x' }; o.self = o; return o; }
    case 'bigint': return { title: 'x', n: 10n };
    case 'symbol': return Symbol('s');
    case 'nestedSymbol': return { title: 'x', s: Symbol('s') };
    case 'array': return [1, 2];
    case 'string': return 'just text';
    case 'null': return null;
    case 'big': return { title: 'x'.repeat(5000) };
    case 'object': return {};
    case 'fraction': return 1.5;
    case 'undefined': return undefined;
  }
  throw new Error('unknown bad value ' + kind);
}

// ---- persistent storage: count navigator.storage.persist() calls on this page.
// On the prototype: WebKit drops the JS object of `navigator.storage` when it is
// garbage-collected and makes a new one on the next read, and a property set on the
// old one goes with it (docs/safari.md); the prototype stays.
export function spyPersist() {
  if (globalThis.__persistSpy) return;
  const spy = { calls: 0 };
  globalThis.__persistSpy = spy;
  if (typeof StorageManager !== 'undefined') {
    StorageManager.prototype.persist = function () { spy.calls++; return Promise.resolve(false); };
  }
}
export function persistCalls() { return globalThis.__persistSpy ? globalThis.__persistSpy.calls : -1; }

// ---- IndexedDB faults, scoped to one database name
const quotaFor = new Set();
const seenConnections = new Map();
export function patchIdb() {
  if (globalThis.__idbPatched) return;
  globalThis.__idbPatched = true;
  for (const m of ['put', 'add']) {
    const orig = IDBObjectStore.prototype[m];
    IDBObjectStore.prototype[m] = function (...args) {
      if (quotaFor.has(this.transaction.db.name)) {
        throw new DOMException('simulated: the quota for this origin is used up', 'QuotaExceededError');
      }
      return orig.apply(this, args);
    };
  }
  const tx = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (...args) {
    if (!seenConnections.has(this.name)) seenConnections.set(this.name, new Set());
    seenConnections.get(this.name).add(this);
    return tx.apply(this, args);
  };
}
export function setQuotaExceeded(name, on) { if (on) quotaFor.add(name); else quotaFor.delete(name); }
// What the browser does when the user clears site data: closes every connection.
export function closeConnections(name) {
  const s = seenConnections.get(name);
  if (!s) return 0;
  let n = 0;
  for (const db of s) { db.close(); n++; }
  s.clear();
  return n;
}

// What a newer release of the app in another tab does: opens the database at the
// next version. Resolves with whether that waited on a connection left open
// (`blocked`) and how many changes the upgraded database holds in its queue.
export function upgradeElsewhere(name) {
  return new Promise((resolve, reject) => {
    const probe = indexedDB.open(name);
    probe.onerror = () => reject(probe.error);
    probe.onsuccess = () => {
      const version = probe.result.version;
      probe.result.close();
      let blocked = false;
      const r = indexedDB.open(name, version + 1);
      r.onblocked = () => { blocked = true; };
      r.onerror = () => reject(r.error);
      r.onsuccess = () => {
        const db = r.result;
        const c = db.transaction('queue').objectStore('queue').count();
        c.onsuccess = () => { db.close(); resolve({ blocked, queued: c.result }); };
        c.onerror = () => reject(c.error);
      };
    };
  });
}

// ---- controller helpers
export function fire(type) { window.dispatchEvent(new Event(type)); }
let realRandom = null;
export function fixRandom(v) { if (!realRandom) realRandom = Math.random; Math.random = () => v; }
export function restoreRandom() { if (realRandom) { Math.random = realRandom; realRandom = null; } }

// ---- a token callback that counts its calls and hands out tokens from a list
export function countingToken(tokens) {
  const t = { calls: 0 };
  t.fn = () => { const v = tokens[Math.min(t.calls, tokens.length - 1)]; t.calls++; return v; };
  return t;
}

// ---- a fake backend on a made-up origin, for answers the real server never gives
const FAKE = 'http://fake-backend.invalid';
export function fakeBase() { return FAKE; }
const script = [];
const seen = [];
function entityFor(m) {
  const del = m.op === 'DELETE';
  return { entityType: m.entityType, id: m.entityId, version: 1, deleted: del, data: del ? null : m.data };
}
function okPush(body) {
  return { results: body.mutations.map(m => ({ mutationId: m.mutationId, status: 'applied', entity: entityFor(m) })) };
}
const J = (v) => ({ status: 200, text: JSON.stringify(v) });
const goodChange = { entityType: 'course', id: 'p1', version: 1, deleted: false, data: { id: 'p1' } };
const SCENARIOS = {
  'push:emptyObject': () => J({}),
  'push:resultsString': () => J({ results: 'ok' }),
  'push:tooFew': () => J({ results: [] }),
  'push:tooMany': (b) => J({ results: okPush(b).results.concat(okPush(b).results) }),
  'push:wrongId': (b) => J({ results: okPush(b).results.map(r => Object.assign(r, { mutationId: 'someone-else' })) }),
  'push:unknownStatus': (b) => J({ results: okPush(b).results.map(r => Object.assign(r, { status: 'done' })) }),
  'push:statusNumber': (b) => J({ results: okPush(b).results.map(r => Object.assign(r, { status: 1 })) }),
  'push:versionString': (b) => J({ results: okPush(b).results.map(r => { r.entity.version = '1'; return r; }) }),
  'push:entityNumber': (b) => J({ results: okPush(b).results.map(r => Object.assign(r, { entity: 42 })) }),
  'push:entityNoData': (b) => J({ results: okPush(b).results.map(r => { r.entity.data = 'text'; return r; }) }),
  'push:null': () => ({ status: 200, text: 'null' }),
  'push:number': () => ({ status: 200, text: '42' }),
  'push:array': () => J([]),
  'push:html': () => ({ status: 200, text: '<!doctype html><title>Wi-Fi login</title><p>Sign in to continue' }),
  'push:empty': () => ({ status: 200, text: '' }),
  'push:truncated': (b) => { const t = JSON.stringify(okPush(b)); return { status: 200, text: t.slice(0, t.length >> 1) }; },
  'push:deep': () => ({ status: 200, text: '['.repeat(100000) + ']'.repeat(100000) }),
  'push:hugeGarbage': () => ({ status: 200, text: '{"results":[' + '1,'.repeat(3000000) + '1]}' }),
  'push:hugeError': () => ({ status: 500, text: '<html>' + 'oops '.repeat(400000) + '</html>' }),
  'push:unknownFields': (b) => {
    const r = okPush(b);
    r.serverTime = Date.now(); r.extra = { nested: [1, 2, { a: null }] };
    r.results.forEach(x => { x.traceId = 'abc'; x.entity.etag = 'W/"1"'; });
    return J(r);
  },
  'pull:noChanges': () => J({ cursor: '1', hasMore: false }),
  'pull:changesObject': () => J({ changes: {}, cursor: '1', hasMore: false }),
  'pull:cursorNumber': () => J({ changes: [], cursor: 5, hasMore: false }),
  'pull:hasMoreString': () => J({ changes: [], cursor: '1', hasMore: 'no' }),
  'pull:noId': () => J({ changes: [{ entityType: 'course', version: 1, deleted: false, data: {} }], cursor: '1', hasMore: false }),
  'pull:emptyType': () => J({ changes: [Object.assign({}, goodChange, { entityType: '' })], cursor: '1', hasMore: false }),
  'pull:dataString': () => J({ changes: [Object.assign({}, goodChange, { data: 'x' })], cursor: '1', hasMore: false }),
  'pull:deletedString': () => J({ changes: [Object.assign({}, goodChange, { deleted: 'no' })], cursor: '1', hasMore: false }),
  'pull:versionNegative': () => J({ changes: [Object.assign({}, goodChange, { version: -1 })], cursor: '1', hasMore: false }),
  'pull:versionFraction': () => J({ changes: [Object.assign({}, goodChange, { version: 1.5 })], cursor: '1', hasMore: false }),
  'pull:changeNull': () => J({ changes: [goodChange, null], cursor: '1', hasMore: false }),
  'pull:stuckCursor': () => J({ changes: [], cursor: '7', hasMore: true }),
  'pull:html500': () => ({ status: 500, text: '<html><body>' + 'Internal error '.repeat(100) + '</body></html>' }),
  'pull:unknownFields': () => J({ changes: [Object.assign({ extra: true }, goodChange)], cursor: '9', hasMore: false, next: 'x', stats: {} }),
  'pull:bigValid': () => {
    const changes = [];
    for (let i = 0; i < 3000; i++) changes.push({ entityType: 'lesson', id: 'big' + i, version: 1, deleted: false, data: { id: 'big' + i, body: 'y'.repeat(500) } });
    return J({ changes, cursor: '3000', hasMore: false });
  },
};
export function fakeNext(name) {
  if (!SCENARIOS[name]) throw new Error('unknown scenario ' + name);
  script.push({ path: name.split(':')[0], make: SCENARIOS[name] });
}
export function fakeSeen() { return seen.length; }
export function installFake() {
  if (globalThis.__fakeInstalled) return;
  globalThis.__fakeInstalled = true;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async function (input, init) {
    const req = input instanceof Request ? input : new Request(input, init);
    if (!req.url.startsWith(FAKE)) return realFetch.call(globalThis, input, init);
    const path = req.url.includes('/sync/push') ? 'push' : req.url.includes('/sync/pull') ? 'pull' : 'other';
    const text = req.method === 'GET' ? '' : await req.text();
    const body = text ? JSON.parse(text) : null;
    seen.push(path);
    const i = script.findIndex(s => s.path === path);
    let out;
    if (i >= 0) { out = script[i].make(body); script.splice(i, 1); }
    else if (path === 'push') out = J(okPush(body));
    else out = J({ changes: [], cursor: '0', hasMore: false });
    return new Response(out.text, { status: out.status, headers: { 'Content-Type': 'application/json' } });
  };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = badValue)]
    fn bad_value(kind: &str) -> JsValue;
    #[wasm_bindgen(js_name = spyPersist)]
    fn spy_persist();
    #[wasm_bindgen(js_name = persistCalls)]
    fn persist_calls() -> f64;
    #[wasm_bindgen(js_name = patchIdb)]
    fn patch_idb();
    #[wasm_bindgen(js_name = setQuotaExceeded)]
    fn set_quota_exceeded(name: &str, on: bool);
    #[wasm_bindgen(js_name = closeConnections)]
    fn close_connections(name: &str) -> u32;
    #[wasm_bindgen(js_name = upgradeElsewhere)]
    fn upgrade_elsewhere(name: &str) -> js_sys::Promise;
    fn fire(kind: &str);
    #[wasm_bindgen(js_name = fixRandom)]
    fn fix_random(v: f64);
    #[wasm_bindgen(js_name = restoreRandom)]
    fn restore_random();
    #[wasm_bindgen(js_name = countingToken)]
    fn counting_token(tokens: Vec<String>) -> JsValue;
    #[wasm_bindgen(js_name = fakeNext)]
    fn fake_next(name: &str);
    #[wasm_bindgen(js_name = fakeSeen)]
    fn fake_seen() -> u32;
    #[wasm_bindgen(js_name = installFake)]
    fn install_fake();
    #[wasm_bindgen(js_name = fakeBase)]
    fn fake_base() -> String;
}

/// Every test starts here: the page-wide spies exist before any engine opens.
fn setup() {
    spy_persist();
    patch_idb();
    install_fake();
}

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn n(x: f64) -> JsValue {
    JsValue::from_f64(x)
}

fn arr(v: JsValue) -> js_sys::Array {
    v.into()
}

async fn full_sync(e: &SyncEngine) -> JsValue {
    ok(e.full_sync()).await
}

fn assert_failed_with(r: &JsValue, kind: &str, text: &str) {
    assert_eq!(get(r, "success"), JsValue::FALSE, "sync should have failed: {}", stringify(r));
    assert_eq!(s(r, "errorKind").as_deref(), Some(kind), "{}", stringify(r));
    let err = s(r, "error").unwrap_or_default();
    assert!(err.contains(text), "error {err:?} should mention {text:?}");
}

async fn pending_count(e: &SyncEngine) -> f64 {
    ok(e.pending_count()).await.as_f64().unwrap()
}

/// The queue as JSON, to show it is exactly as it was.
async fn queue_json(e: &SyncEngine) -> String {
    format!("{}|{}", canon(&ok(e.pending()).await), canon(&ok(e.failed()).await))
}

/// The queue's changes (ids, operations, payloads, states), leaving out the
/// bookkeeping a failed send updates (attempts, last error).
async fn queue_changes(e: &SyncEngine) -> Vec<String> {
    let mut out = Vec::new();
    for state in [ok(e.pending()).await, ok(e.failed()).await] {
        for q in arr(state).iter() {
            out.push(format!(
                "{} {} {}/{} {} {}",
                s(&q, "mutationId").unwrap_or_default(),
                s(&q, "type").unwrap_or_default(),
                s(&q, "entity").unwrap_or_default(),
                s(&q, "entityId").unwrap_or_default(),
                canon(&get(&q, "payload")),
                s(&q, "status").unwrap_or_default(),
            ));
        }
    }
    out
}

async fn clear_faults(user: &str) {
    faults(user, "{}").await;
}

async fn server_version(user: &str, et: &str, id: &str) -> f64 {
    let r = http("GET", "/sync/pull?limit=1000", Some(&token(user)), JsValue::NULL).await;
    let found = arr(get(&r.body, "changes"))
        .iter()
        .find(|c| s(c, "entityType").as_deref() == Some(et) && s(c, "id").as_deref() == Some(id));
    found.map(|c| num(&c, "version")).unwrap_or(0.0)
}

fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, d)| (k.to_string(), canon(&json(d)))).collect()
}

/// Every mutation the server applied was applied exactly once, and `ids` are
/// among them.
async fn applied_once(user: &str, ids: &[&JsValue]) {
    let counts = get(&stats(user).await, "applyCounts");
    for k in js_sys::Object::keys(counts.unchecked_ref::<js_sys::Object>()).iter() {
        let k = k.as_string().unwrap();
        assert_eq!(num(&counts, &k), 1.0, "mutation {k} applied {} times", num(&counts, &k));
    }
    for id in ids {
        let id = id.as_string().expect("a mutation id");
        assert!(get(&counts, &id).as_f64() == Some(1.0), "mutation {id} was never applied: {}", stringify(&counts));
    }
}

async fn not_applied(user: &str, id: &JsValue) {
    let counts = get(&stats(user).await, "applyCounts");
    assert!(get(&counts, &id.as_string().unwrap()).is_undefined(), "{id:?} should not have been applied");
}

// ====================================================================== transient

#[wasm_bindgen_test]
async fn server_errors_are_retried_and_nothing_is_lost() {
    setup();
    let user = unique("f5xx");
    let e = engine(&unique("ns-"), &user);
    let m1 = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let m2 = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let m3 = ok(e.queue_mutation(v("DELETE"), v("course"), v("z"), JsValue::NULL)).await;
    faults(&user, r#"{"failNext": {"count": 2, "status": 503, "path": "push"}}"#).await;
    let before = queue_json(&e).await;

    for round in 0..2 {
        let r = full_sync(&e).await;
        assert_failed_with(&r, "server", "503");
        assert_eq!(num(&r, "pushed"), 0.0);
        assert_eq!(pending_count(&e).await, 3.0, "round {round}: every change still queued");
        assert!(server_state(&user).await.is_empty(), "nothing reached the server");
    }
    // The last error is recorded on each entry, for the app to show.
    let pending = arr(ok(e.pending()).await);
    for p in pending.iter() {
        let err = s(&p, "error").unwrap_or_default();
        assert!(err.contains("503"), "entry error {err:?}");
        assert!(num(&p, "attempts") >= 2.0);
    }
    assert_ne!(queue_json(&e).await, before, "attempts were counted");
    assert_eq!(s(&ok(e.get(v("course"), v("a"))).await, "title").as_deref(), Some("A"), "local view intact");

    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 3.0);
    assert_eq!(pending_count(&e).await, 0.0);
    assert_eq!(
        server_state(&user).await,
        expect(&[("course/a", r#"{"id":"a","title":"A"}"#), ("course/b", r#"{"id":"b","title":"B"}"#)])
    );
    applied_once(&user, &[&m1, &m2, &m3]).await;

    // A 5xx on the pull: what was pushed stays pushed, the pull is simply retried.
    let m4 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("a"), json(r#"{"level":2}"#))).await;
    faults(&user, r#"{"failNext": {"count": 1, "status": 500, "path": "pull"}}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "server", "500");
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(pending_count(&e).await, 0.0);
    sync(&e).await;
    applied_once(&user, &[&m1, &m2, &m3, &m4]).await;
    assert_eq!(server_state(&user).await["course/a"], canon(&json(r#"{"id":"a","title":"A","level":2}"#)));
}

#[wasm_bindgen_test]
async fn a_timeout_leaves_the_store_consistent_and_the_retry_applies_once() {
    setup();
    let user = unique("ftimeout");
    let e = engine_with(&unique("ns-"), &user, &[("requestTimeoutMs", n(300.0))]);
    let m1 = ok(e.put(v("course"), v("t"), json(r#"{"title":"slow"}"#))).await;
    let m2 = ok(e.put(v("lesson"), v("l"), json(r#"{"courseId":"t"}"#))).await;
    faults(&user, r#"{"delayMs": 1500}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "network", "timed out after 300 ms");
    assert!(num(&r, "durationMs") < 1400.0, "the timeout cut the request short: {}", stringify(&r));
    assert_eq!(pending_count(&e).await, 2.0);
    assert_eq!(s(&ok(e.get(v("course"), v("t"))).await, "title").as_deref(), Some("slow"));
    let pending = arr(ok(e.pending()).await);
    assert!(s(&pending.get(0), "error").unwrap_or_default().contains("timed out"), "{}", stringify(&pending));

    // Whatever the server did with the abandoned request, the retry applies each
    // change exactly once.
    sleep(1700).await;
    clear_faults(&user).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 2.0);
    assert_eq!(pending_count(&e).await, 0.0);
    applied_once(&user, &[&m1, &m2]).await;
    assert_eq!(
        server_state(&user).await,
        expect(&[("course/t", r#"{"id":"t","title":"slow"}"#), ("lesson/l", r#"{"id":"l","courseId":"t"}"#)])
    );
    assert_eq!(server_version(&user, "course", "t").await, 1.0);
}

#[wasm_bindgen_test]
async fn a_lost_acknowledgement_is_not_applied_twice() {
    setup();
    let user = unique("flostack");
    let e = engine(&unique("ns-"), &user);
    let m0 = ok(e.put(v("course"), v("k"), json(r#"{"title":"v1"}"#))).await;
    sync(&e).await;
    // An UPDATE makes a duplicate visible: applied twice, the version would be 3.
    let m1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"n":1}"#))).await;
    let m2 = ok(e.put(v("course"), v("k2"), json(r#"{"title":"other"}"#))).await;
    // Chromium itself resends a POST once when a reused keep-alive connection closes
    // before any answer, so drop three answers in a row: the engine is sure to see
    // a failure, and the change is sent at least three times in all.
    faults(&user, r#"{"dropAfterApply": 3}"#).await;
    let pushes = num(&stats(&user).await, "pushRequests");
    let mut seen_failures = 0;
    for _ in 0..6 {
        let r = full_sync(&e).await;
        if get(&r, "success") == JsValue::TRUE {
            assert_eq!(num(&r, "pushed"), 2.0, "the resend is answered from the server's log");
            break;
        }
        seen_failures += 1;
        assert_failed_with(&r, "network", "network error");
        // The server committed, the client could not know: everything is still queued.
        assert_eq!(pending_count(&e).await, 2.0);
        assert_eq!(server_version(&user, "course", "k").await, 2.0, "applied once, before the first drop");
        applied_once(&user, &[&m0, &m1, &m2]).await;
    }
    assert!(seen_failures >= 1, "the engine saw the lost answer");
    assert!(num(&stats(&user).await, "pushRequests") - pushes >= 4.0, "three dropped answers, then one received");
    assert_eq!(pending_count(&e).await, 0.0);
    assert_eq!(server_version(&user, "course", "k").await, 2.0, "not applied a second time");
    applied_once(&user, &[&m0, &m1, &m2]).await;
    assert_eq!(
        server_state(&user).await,
        expect(&[("course/k", r#"{"id":"k","title":"v1","n":1}"#), ("course/k2", r#"{"id":"k2","title":"other"}"#)])
    );
    assert_eq!(s(&ok(e.get(v("course"), v("k"))).await, "title").as_deref(), Some("v1"));
    assert_eq!(num(&ok(e.get(v("course"), v("k"))).await, "n"), 1.0);
}

#[wasm_bindgen_test]
async fn malformed_answers_are_protocol_errors_and_retried_once() {
    setup();
    let user = unique("fmalformed");
    let e = engine(&unique("ns-"), &user);
    let m1 = ok(e.put(v("course"), v("m"), json(r#"{"title":"M"}"#))).await;
    faults(&user, r#"{"malformedNext": 1}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "protocol", "not valid JSON");
    assert_eq!(pending_count(&e).await, 1.0);
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m1]).await;
    assert_eq!(server_version(&user, "course", "m").await, 1.0);

    // A truncated pull page: nothing of it is written and the cursor stays, so the
    // next sync pulls the page again.
    let b = engine(&unique("ns-"), &user);
    faults(&user, r#"{"malformedNext": 1}"#).await;
    let r = full_sync(&b).await;
    assert_failed_with(&r, "protocol", "not valid JSON");
    assert!(ok(b.get(v("course"), v("m"))).await.is_undefined());
    let r = sync(&b).await;
    assert_eq!(num(&r, "pulled"), 1.0);
    assert_eq!(s(&ok(b.get(v("course"), v("m"))).await, "title").as_deref(), Some("M"));
}

// ====================================================================== scheduling

#[wasm_bindgen_test]
async fn retry_after_pushes_next_sync_at_out_and_online_cuts_it_short() {
    setup();
    let user = unique("f429");
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    let m1 = ok(get_sync_engine().put(v("course"), v("r"), json(r#"{"title":"later"}"#))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 1000}"#)).unwrap();
    c.start();
    faults(&user, r#"{"retryAfter": {"count": 1, "seconds": 120}}"#).await;
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "429");
    let status = get(&c.get_snapshot(), "status");
    let wait = num(&status, "nextSyncAt") - js_sys::Date::now();
    assert!(wait >= 118_000.0, "nextSyncAt honours Retry-After: 120 (the interval is 1 s), next in {wait} ms");
    assert!(wait <= 122_000.0, "next in {wait} ms");
    assert!(s(&status, "error").unwrap_or_default().contains("429"), "status.error while it lasted");
    assert_eq!(num(&status, "pendingCount"), 1.0);
    let count = num(&status, "syncCount");

    // Coming back online does not wait.
    fire("online");
    wait_until("a sync after `online`", || num(&get(&c.get_snapshot(), "status"), "syncCount") > count).await;
    let status = get(&c.get_snapshot(), "status");
    assert!(get(&status, "error").is_null(), "{}", stringify(&status));
    let wait = num(&status, "nextSyncAt") - js_sys::Date::now();
    assert!(wait <= 1_500.0, "back to the interval: next in {wait} ms");
    applied_once(&user, &[&m1]).await;
    c.dispose();
}

#[wasm_bindgen_test]
async fn backoff_after_server_errors_and_online_cuts_the_wait_short() {
    setup();
    let user = unique("fbackoff");
    let extra = [("retryBaseMs", n(60_000.0)), ("retryMaxMs", n(120_000.0))];
    ok(init_offline_sync(options(&unique("ns-"), &user, &extra))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 600000}"#)).unwrap();
    c.start();
    faults(&user, r#"{"failNext": {"count": 100, "status": 502}}"#).await;
    fix_random(0.99);
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "502");
    let wait = num(&get(&c.get_snapshot(), "status"), "nextSyncAt") - js_sys::Date::now();
    // Full jitter: uniform below min(cap, base * 2^(n-1)); with random() = 0.99, 59.4 s.
    assert!((55_000.0..=60_000.0).contains(&wait), "first retry within the backoff ceiling, not the interval: {wait}");
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "502");
    let wait = num(&get(&c.get_snapshot(), "status"), "nextSyncAt") - js_sys::Date::now();
    assert!((110_000.0..=120_000.0).contains(&wait), "the ceiling doubles, capped at retryMaxMs: {wait}");
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "502");
    let wait = num(&get(&c.get_snapshot(), "status"), "nextSyncAt") - js_sys::Date::now();
    assert!((110_000.0..=120_000.0).contains(&wait), "capped: {wait}");
    restore_random();

    clear_faults(&user).await;
    let count = num(&get(&c.get_snapshot(), "status"), "syncCount");
    fire("online");
    wait_until("a sync after `online`", || num(&get(&c.get_snapshot(), "status"), "syncCount") > count).await;
    let status = get(&c.get_snapshot(), "status");
    assert!(get(&status, "error").is_null(), "{}", stringify(&status));
    let wait = num(&status, "nextSyncAt") - js_sys::Date::now();
    assert!(wait > 590_000.0, "a good sync goes back to the interval: {wait}");
    c.dispose();
}

// ====================================================================== failed entries

#[wasm_bindgen_test]
async fn a_rejected_change_is_set_aside_while_the_rest_goes_on() {
    setup();
    let user = unique("freject");
    let e = engine(&unique("ns-"), &user);
    let ok1 = ok(e.put(v("course"), v("ok1"), json(r#"{"title":"1"}"#))).await;
    // `ghost` does not exist on the server: the server answers `rejected`.
    let g1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"title":"g1"}"#))).await;
    let ok2 = ok(e.put(v("course"), v("ok2"), json(r#"{"title":"2"}"#))).await;
    // ... and again as the last entry of the queue, so that the change below has a
    // failed tail to (not) fold into.
    let g0 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"tail":true}"#))).await;
    let r = full_sync(&e).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "a rejected change does not fail the sync: {}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 2.0);
    assert_eq!(num(&r, "failed"), 2.0);
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 2);
    let f = failed.get(0);
    assert_eq!(get(&f, "mutationId"), g1);
    assert_eq!(get(&failed.get(1), "mutationId"), g0);
    assert_eq!(s(&f, "status").as_deref(), Some("failed"));
    assert!(s(&f, "error").unwrap_or_default().contains("entity not found"), "{}", stringify(&f));
    assert_eq!(pending_count(&e).await, 0.0, "failed entries are not pending");
    // The app still sees its change locally while it is set aside.
    assert_eq!(s(&ok(e.get(v("course"), v("ghost"))).await, "title").as_deref(), Some("g1"));

    // A later change to the same entity waits behind the failed one; others go on.
    let g2 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"n":2}"#))).await;
    assert_ne!(g2, g0, "never folded into the failed tail");
    let ok3 = ok(e.put(v("course"), v("ok3"), json(r#"{"title":"3"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&r, "failed"), 0.0);
    let pending = arr(ok(e.pending()).await);
    assert_eq!(pending.length(), 1);
    assert_eq!(get(&pending.get(0), "mutationId"), g2, "held back behind the failed change");
    assert_eq!(num(&pending.get(0), "attempts"), 0.0, "never sent");
    not_applied(&user, &g1).await;
    not_applied(&user, &g2).await;
    applied_once(&user, &[&ok1, &ok2, &ok3]).await;

    // Once the entity exists on the server (created by this same client), the
    // retried change and the one behind it go through, in order.
    let client = ok(e.client_id()).await.as_string().unwrap();
    let body = json(&format!(
        r#"{{"clientId":"{client}","mutations":[{{"mutationId":"seed-{user}","op":"CREATE","entityType":"course","entityId":"ghost","data":{{"id":"ghost","title":"server"}}}}]}}"#
    ));
    assert_eq!(http("POST", "/sync/push", Some(&token(&user)), body).await.status, 200);
    assert_eq!(ok(e.retry_failed(js_sys::Array::of1(&v("not-an-id")).into())).await, n(0.0));
    assert_eq!(ok(e.retry_failed(js_sys::Array::of2(&g1, &g0).into())).await, n(2.0));
    assert_eq!(arr(ok(e.failed()).await).length(), 0);
    let pending = arr(ok(e.pending()).await);
    assert_eq!(pending.length(), 3);
    // A change the server refused was never applied, so the retry may send it under
    // a new mutation id (the server logged the refusal under the old one).
    let sent: Vec<JsValue> = pending.iter().map(|p| get(&p, "mutationId")).collect();
    assert_eq!(sent[2], g2);
    let r = sync(&e).await;
    assert_eq!(
        num(&r, "pushed"),
        3.0,
        "the retried changes went through: {} {}",
        stringify(&r),
        stringify(&ok(e.failed()).await)
    );
    applied_once(&user, &[&ok1, &ok2, &ok3, &sent[0], &sent[1], &sent[2]]).await;
    assert_eq!(
        server_state(&user).await,
        expect(&[
            ("course/ghost", r#"{"id":"ghost","title":"g1","tail":true,"n":2}"#),
            ("course/ok1", r#"{"id":"ok1","title":"1"}"#),
            ("course/ok2", r#"{"id":"ok2","title":"2"}"#),
            ("course/ok3", r#"{"id":"ok3","title":"3"}"#),
        ])
    );
    assert_eq!(pending_count(&e).await, 0.0);
}

#[wasm_bindgen_test]
async fn discard_failed_lets_the_changes_behind_go() {
    setup();
    let user = unique("fdiscard");
    let e = engine(&unique("ns-"), &user);
    let g1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("g"), json(r#"{"title":"lost cause"}"#))).await;
    let h1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("h"), json(r#"{"title":"also"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "failed"), 2.0);
    // A fresh CREATE of the same entity waits behind the failed UPDATE.
    let g2 = ok(e.put(v("course"), v("g"), json(r#"{"title":"fresh"}"#))).await;
    sync(&e).await;
    assert_eq!(pending_count(&e).await, 1.0);
    assert_eq!(arr(ok(e.failed()).await).length(), 2);

    // Discard one by id; the other stays failed.
    assert_eq!(ok(e.discard_failed(js_sys::Array::of1(&g1).into())).await, n(1.0));
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 1);
    assert_eq!(get(&failed.get(0), "mutationId"), h1);
    // The local view is recomputed without the discarded change.
    assert_eq!(canon(&ok(e.get(v("course"), v("g"))).await), canon(&json(r#"{"id":"g","title":"fresh"}"#)));
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&g2]).await;
    not_applied(&user, &g1).await;
    assert_eq!(server_state(&user).await, expect(&[("course/g", r#"{"id":"g","title":"fresh"}"#)]));

    // Discard all: the set-aside change of `h` disappears from the local view too.
    assert_eq!(ok(e.discard_failed(JsValue::UNDEFINED)).await, n(1.0));
    assert!(ok(e.get(v("course"), v("h"))).await.is_undefined());
    assert_eq!(arr(ok(e.failed()).await).length(), 0);
    assert_eq!(pending_count(&e).await, 0.0);
    let err = rejects(e.discard_failed(v("g"))).await;
    assert_eq!(error_name(&err), "TypeError");
}

#[wasm_bindgen_test]
async fn a_permanent_http_error_sets_only_the_offending_change_aside() {
    setup();
    let user = unique("f4xx");
    let e = engine(&unique("ns-"), &user);
    let a = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let b = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let c = ok(e.put(v("course"), v("c"), json(r#"{"title":"C"}"#))).await;
    // The batch gets 422, then the first change alone gets 422 again: only it is
    // set aside; the rest goes on one by one.
    faults(&user, r#"{"failNext": {"count": 2, "status": 422, "path": "push"}}"#).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "failed"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 2.0);
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 1);
    assert_eq!(get(&failed.get(0), "mutationId"), a);
    assert!(s(&failed.get(0), "error").unwrap_or_default().contains("422"), "{}", stringify(&failed));
    applied_once(&user, &[&b, &c]).await;
    not_applied(&user, &a).await;

    assert_eq!(ok(e.retry_failed(JsValue::UNDEFINED)).await, n(1.0));
    // The server refused it, so it was never applied: the retry goes out under a new
    // id (the server would answer the old one with its logged refusal).
    let a2 = get(&arr(ok(e.pending()).await).get(0), "mutationId");
    assert_ne!(a2, a);
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&a2, &b, &c]).await;
    not_applied(&user, &a).await;
    assert_eq!(server_state(&user).await.len(), 3);
}

#[wasm_bindgen_test]
async fn max_attempts_sets_a_change_aside_with_its_last_error() {
    setup();
    let user = unique("fmaxatt");
    let e = engine_with(&unique("ns-"), &user, &[("maxAttempts", n(2.0))]);
    let m = ok(e.put(v("course"), v("x"), json(r#"{"title":"X"}"#))).await;
    faults(&user, r#"{"failNext": {"count": 100, "status": 503, "path": "push"}}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "server", "503");
    assert_eq!(pending_count(&e).await, 1.0, "one failure is not enough");
    let r = full_sync(&e).await;
    assert_failed_with(&r, "server", "503");
    assert_eq!(num(&r, "failed"), 1.0, "{}", stringify(&r));
    assert_eq!(pending_count(&e).await, 0.0);
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 1);
    let err = s(&failed.get(0), "error").unwrap_or_default();
    assert!(err.contains("503"), "the last error is kept: {err}");
    // Set aside, it is no longer sent.
    let pushes = num(&stats(&user).await, "pushRequests");
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 0.0);
    assert_eq!(num(&stats(&user).await, "pushRequests"), pushes);

    clear_faults(&user).await;
    assert_eq!(ok(e.retry_failed(JsValue::UNDEFINED)).await, n(1.0));
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}

#[wasm_bindgen_test]
async fn being_offline_never_uses_up_attempts() {
    setup();
    let ns = unique("ns-");
    let user = unique("foffline");
    let dead = [("maxAttempts", n(1.0)), ("apiBaseUrl", v("http://127.0.0.1:9"))];
    let e = engine_with(&ns, &user, &dead);
    let m = ok(e.put(v("course"), v("o"), json(r#"{"title":"offline"}"#))).await;
    for _ in 0..3 {
        let r = full_sync(&e).await;
        assert_failed_with(&r, "network", "network error");
    }
    assert_eq!(pending_count(&e).await, 1.0);
    assert_eq!(arr(ok(e.failed()).await).length(), 0, "unreachable is not a failed attempt");
    let p = arr(ok(e.pending()).await).get(0);
    assert!(s(&p, "error").unwrap_or_default().contains("network error"), "{}", stringify(&p));
    e.close();
    let back = engine_with(&ns, &user, &[("maxAttempts", n(1.0))]);
    let r = sync(&back).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}

#[wasm_bindgen_test]
async fn failed_count_shows_in_status() {
    setup();
    let user = unique("fstatus");
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    let page = get_sync_engine();
    ok(page.queue_mutation(v("UPDATE"), v("course"), v("nope"), json(r#"{"a":1}"#))).await;
    ok(page.put(v("course"), v("yes"), json(r#"{"a":1}"#))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    wait_until("pending counts", || num(&get(&c.get_snapshot(), "status"), "pendingCount") == 2.0).await;
    ok(c.perform_sync()).await;
    wait_until("failedCount 1", || {
        let st = get(&c.get_snapshot(), "status");
        num(&st, "failedCount") == 1.0 && num(&st, "pendingCount") == 0.0
    })
    .await;
    ok(page.discard_failed(JsValue::UNDEFINED)).await;
    wait_until("failedCount 0", || num(&get(&c.get_snapshot(), "status"), "failedCount") == 0.0).await;
    c.dispose();
}

// ====================================================================== auth

#[wasm_bindgen_test]
async fn an_expired_token_is_asked_for_again_once() {
    setup();
    let user = unique("fauth");
    let t = counting_token(vec![token(&user)]);
    let e = engine_with(&unique("ns-"), &user, &[("getAuthToken", get(&t, "fn"))]);
    let m = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    faults(&user, r#"{"expireTokenOnce": true}"#).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(num(&t, "calls"), 2.0, "once for the sync, once more after the 401");
    applied_once(&user, &[&m]).await;

    // A refreshed token that works: the retry goes through.
    let user2 = unique("fauth2");
    let t = counting_token(vec!["stale-token".into(), token(&user2)]);
    let e = engine_with(&unique("ns-"), &user2, &[("getAuthToken", get(&t, "fn"))]);
    let m = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(num(&t, "calls"), 2.0);
    applied_once(&user2, &[&m]).await;
}

#[wasm_bindgen_test]
async fn a_second_401_is_an_auth_error_and_nothing_is_dropped() {
    setup();
    let ns = unique("ns-");
    let user = unique("fauthbad");
    let t = counting_token(vec!["revoked-token".into()]);
    let e = engine_with(&ns, &user, &[("getAuthToken", get(&t, "fn"))]);
    let m = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let before = queue_changes(&e).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "auth", "401");
    assert!(s(&r, "error").unwrap().contains("nothing was dropped"), "{}", stringify(&r));
    assert_eq!(num(&t, "calls"), 2.0, "asked once more after the first 401, not in a loop");
    assert_eq!(pending_count(&e).await, 1.0);
    assert_eq!(arr(ok(e.failed()).await).length(), 0, "an auth failure never sets changes aside");
    assert_eq!(queue_changes(&e).await, before, "the queue is as it was");
    // A token callback that throws is an auth error too.
    let thrower: js_sys::Function = js_sys::Function::new_no_args("throw new Error('signed out')");
    let e2 = engine_with(&ns, &user, &[("getAuthToken", thrower.into())]);
    let r = full_sync(&e2).await;
    assert_failed_with(&r, "auth", "signed out");
    assert_eq!(pending_count(&e2).await, 1.0);
    e.close();
    e2.close();
    // Signed in again: the change goes through, once.
    let again = engine(&ns, &user);
    let r = sync(&again).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}

// ====================================================================== storage

#[wasm_bindgen_test]
async fn storage_quota_errors_are_clear_and_the_queue_stays_intact() {
    setup();
    let ns = unique("ns-");
    let user = unique("fquota");
    let e = engine(&ns, &user);
    let m = ok(e.put(v("course"), v("q"), json(r#"{"title":"kept"}"#))).await;
    let before = queue_json(&e).await;
    set_quota_exceeded(&ns, true);
    let err = rejects(e.put(v("course"), v("q2"), json(r#"{"title":"no room"}"#))).await;
    let msg = error_message(&err);
    assert!(msg.contains("QuotaExceededError"), "{msg}");
    assert!(msg.contains("quota"), "{msg}");
    assert_eq!(s(&err, "kind").as_deref(), Some("storage"));
    let r = full_sync(&e).await;
    assert_failed_with(&r, "storage", "QuotaExceededError");
    set_quota_exceeded(&ns, false);
    assert_eq!(queue_json(&e).await, before, "nothing of the failed calls was written");
    assert!(ok(e.get(v("course"), v("q2"))).await.is_undefined());
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}

#[wasm_bindgen_test]
async fn storage_errors_show_in_status() {
    setup();
    let ns = unique("ns-");
    let user = unique("fqstatus");
    ok(init_offline_sync(options(&ns, &user, &[]))).await;
    ok(get_sync_engine().put(v("course"), v("s"), json(r#"{"title":"S"}"#))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    set_quota_exceeded(&ns, true);
    ok(c.perform_sync()).await;
    let err = s(&get(&c.get_snapshot(), "status"), "error").unwrap_or_default();
    assert!(err.contains("QuotaExceededError"), "status.error: {err:?}");
    set_quota_exceeded(&ns, false);
    let r = ok(c.perform_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert!(get(&get(&c.get_snapshot(), "status"), "error").is_null());
    c.dispose();
}

#[wasm_bindgen_test]
async fn reopens_after_the_browser_closed_the_database() {
    setup();
    let ns = unique("ns-");
    let user = unique("freopen");
    let e = engine(&ns, &user);
    let m = ok(e.put(v("course"), v("c"), json(r#"{"title":"before close"}"#))).await;
    assert!(close_connections(&ns) >= 1, "the engine's connection was seen");
    assert_eq!(pending_count(&e).await, 1.0, "reads reopen");
    assert!(close_connections(&ns) >= 1);
    let m2 = ok(e.put(v("course"), v("d"), json(r#"{"title":"after close"}"#))).await;
    assert!(close_connections(&ns) >= 1);
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 2.0);
    applied_once(&user, &[&m, &m2]).await;
    assert!(close_connections(&ns) >= 1);
    assert_eq!(s(&ok(e.get(v("course"), v("d"))).await, "title").as_deref(), Some("after close"));
}

/// Another tab with a newer release upgrades the database (a `versionchange` on
/// this tab's connection): the engine lets go at once, so the upgrade does not
/// wait, the queued change is in the upgraded database, and this tab's engine says
/// to reload instead of writing into a schema it does not know.
#[wasm_bindgen_test]
async fn a_newer_tab_upgrading_the_database_is_not_blocked_and_the_queue_survives() {
    setup();
    let ns = unique("ns-");
    let e = engine(&ns, &unique("fupgrade"));
    ok(e.put(v("course"), v("u"), json(r#"{"title":"queued before the upgrade"}"#))).await;
    let seen = ok(upgrade_elsewhere(&ns)).await;
    assert_eq!(get(&seen, "blocked"), JsValue::FALSE, "the upgrade waited for the engine's connection");
    assert_eq!(num(&seen, "queued"), 1.0, "the queued change is in the upgraded database");
    let err = error_message(&rejects(e.put(v("course"), v("w"), json(r#"{"title":"after"}"#))).await);
    assert!(err.contains("VersionError") && err.contains("reload this page"), "{err}");
    let again = ok(upgrade_elsewhere(&ns)).await;
    assert_eq!(num(&again, "queued"), 1.0, "nothing was written after the upgrade");
}

#[wasm_bindgen_test]
async fn persistent_storage_is_requested_once_at_init() {
    setup();
    ok(init_offline_sync(options(&unique("ns-"), &unique("fpersist"), &[]))).await;
    ok(init_offline_sync(options(&unique("ns-"), &unique("fpersist"), &[]))).await;
    assert_eq!(persist_calls(), 1.0, "navigator.storage.persist() asked once per page");
}

// ====================================================================== bad input

#[wasm_bindgen_test]
async fn values_that_cannot_be_stored_or_sent_are_refused_and_the_queue_is_unchanged() {
    setup();
    let e = engine_with(&unique("ns-"), &unique("fbadinput"), &[("maxPayloadBytes", n(1000.0))]);
    ok(e.put(v("course"), v("a"), json(r#"{"title":"ok"}"#))).await;
    let before = queue_json(&e).await;
    let view = canon(&ok(e.get(v("course"), v("a"))).await);
    // (operation, type, id, data, what the message must say)
    let cases: Vec<(JsValue, JsValue, JsValue, JsValue, &str)> = vec![
        (v("CREATE"), v("course"), v("a"), bad_value("function"), "must be an object"),
        (v("CREATE"), v("course"), v("a"), bad_value("nestedFunction"), "cannot be stored"),
        (v("UPDATE"), v("course"), v("a"), bad_value("nestedFunction"), "cannot be stored"),
        // (the engine's words: the browser's own differ, V8 "circular structure", Firefox "cyclic object value")
        (v("UPDATE"), v("course"), v("a"), bad_value("cyclic"), "cannot be sent as JSON"),
        (v("CREATE"), v("course"), v("b"), bad_value("cyclic"), "cannot be sent as JSON"),
        (v("UPDATE"), v("course"), v("a"), bad_value("bigint"), "BigInt"),
        (v("CREATE"), v("course"), v("a"), bad_value("symbol"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("nestedSymbol"), "cannot be stored"),
        (v("CREATE"), v("course"), v("a"), bad_value("array"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("string"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("null"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("big"), "maxPayloadBytes"),
        (v("UPSERT"), v("course"), v("a"), bad_value("object"), "unknown operation \"UPSERT\""),
        (JsValue::NULL, v("course"), v("a"), bad_value("object"), "unknown operation"),
        (n(1.0), v("course"), v("a"), bad_value("object"), "unknown operation"),
        (v("create"), v("course"), v("a"), bad_value("object"), "unknown operation"),
        (v("UPDATE"), v(""), v("a"), bad_value("object"), "entity type must not be empty"),
        (v("UPDATE"), v("course"), v(""), bad_value("object"), "entity id must not be empty"),
        (v("UPDATE"), JsValue::UNDEFINED, v("a"), bad_value("object"), "entity type must be"),
        (v("UPDATE"), v("course"), bad_value("object"), bad_value("object"), "entity id must be"),
        (v("UPDATE"), v("course"), bad_value("symbol"), bad_value("object"), "entity id must be"),
        (v("UPDATE"), v("course"), bad_value("fraction"), bad_value("object"), "entity id must be"),
        (v("UPDATE"), v("course"), v(&"x".repeat(201)), bad_value("object"), "at most 200"),
        (v("DELETE"), v(""), v("a"), JsValue::NULL, "entity type must not be empty"),
    ];
    for (i, (op, et, id, data, says)) in cases.into_iter().enumerate() {
        let err = rejects(e.queue_mutation(op, et, id, data)).await;
        let msg = error_message(&err);
        assert_eq!(error_name(&err), "TypeError", "case {i}: {msg}");
        assert!(msg.contains(says), "case {i}: {msg:?} should say {says:?}");
        assert!(msg.starts_with("offline-sync:"), "case {i}: {msg:?}");
        assert_eq!(queue_json(&e).await, before, "case {i} changed the queue");
    }
    // put and remove check the same way.
    let err = rejects(e.put(v("course"), v("a"), bad_value("cyclic"))).await;
    assert!(error_message(&err).contains("cannot be sent as JSON"));
    let err = rejects(e.put(v("course"), v("a"), bad_value("undefined"))).await;
    assert!(error_message(&err).contains("must be an object"));
    let err = rejects(e.remove(v("course"), v(""))).await;
    assert!(error_message(&err).contains("must not be empty"));
    assert_eq!(queue_json(&e).await, before);
    assert_eq!(canon(&ok(e.get(v("course"), v("a"))).await), view, "the local view is unchanged");
    assert_eq!(pending_count(&e).await, 1.0);
    // And the engine still works.
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("a"), json(r#"{"level":1}"#))).await;
    assert_eq!(num(&ok(e.get(v("course"), v("a"))).await, "level"), 1.0);
}

#[wasm_bindgen_test]
async fn options_of_the_wrong_type_are_type_errors_naming_the_option() {
    setup();
    let cases: &[(&str, &str)] = &[
        (r#"{"apiBaseUrl": 5}"#, "apiBaseUrl"),
        (r#"{"apiBaseUrl": ""}"#, "apiBaseUrl"),
        (r#"{"namespace": ""}"#, "namespace"),
        (r#"{"namespace": {}}"#, "namespace"),
        (r#"{"getAuthToken": "token"}"#, "getAuthToken"),
        (r#"{"requestTimeoutMs": "1000"}"#, "requestTimeoutMs"),
        (r#"{"requestTimeoutMs": 0}"#, "requestTimeoutMs"),
        (r#"{"pullPageSize": 0}"#, "pullPageSize"),
        (r#"{"pullPageSize": 5000}"#, "pullPageSize"),
        (r#"{"maxPayloadBytes": -1}"#, "maxPayloadBytes"),
        (r#"{"retryBaseMs": null}"#, "retryBaseMs"),
        (r#"{"retryMaxMs": true}"#, "retryMaxMs"),
        (r#"{"retryBaseMs": 1000, "retryMaxMs": 10}"#, "retryMaxMs"),
        (r#"{"maxAttempts": "3"}"#, "maxAttempts"),
        (r#"{"maxAttempts": -1}"#, "maxAttempts"),
    ];
    for (spec, option) in cases {
        let err = SyncEngine::construct(json(spec)).err().unwrap_or_else(|| panic!("{spec} accepted"));
        assert_eq!(error_name(&err), "TypeError", "{spec}");
        let msg = error_message(&err);
        assert!(msg.contains(&format!("`{option}`")), "{spec}: {msg}");
        let err = rejects(init_offline_sync(json(spec))).await;
        assert_eq!(error_name(&err), "TypeError", "initOfflineSync {spec}");
        assert!(error_message(&err).contains(&format!("`{option}`")));
    }
    let nan = js_sys::Object::new();
    js_sys::Reflect::set(&nan, &v("requestTimeoutMs"), &n(f64::NAN)).unwrap();
    let err = SyncEngine::construct(nan.into()).err().unwrap();
    assert!(error_message(&err).contains("NaN"));
    for not_object in [v("http://x"), n(3.0), js_sys::Array::new().into()] {
        let err = SyncEngine::construct(not_object).err().unwrap();
        assert_eq!(error_name(&err), "TypeError");
        assert!(error_message(&err).contains("options must be an object"), "{}", error_message(&err));
    }
    for (spec, option) in [(r#"{"syncOnMount": 1}"#, "syncOnMount"), (r#"{"onSyncStart": {}}"#, "onSyncStart")] {
        let err = OfflineSync::new(json(spec)).err().unwrap();
        assert_eq!(error_name(&err), "TypeError");
        assert!(error_message(&err).contains(&format!("`{option}`")));
    }
}

// ====================================================================== answers of the wrong shape

fn fake_engine() -> SyncEngine {
    // maxAttempts 0: the many bad answers in a row must not set the changes aside.
    engine_with(&unique("ns-"), &unique("ffake"), &[("apiBaseUrl", v(&fake_base())), ("maxAttempts", n(0.0))])
}

#[wasm_bindgen_test]
async fn push_answers_of_the_wrong_shape_are_clear_errors() {
    setup();
    let e = fake_engine();
    ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let cases: &[(&str, &str, &str)] = &[
        ("push:emptyObject", "protocol", "no `results` array"),
        ("push:resultsString", "protocol", "no `results` array"),
        ("push:tooFew", "protocol", "0 results for 2 mutations"),
        ("push:tooMany", "protocol", "4 results for 2 mutations"),
        ("push:wrongId", "protocol", "is not for mutation"),
        ("push:unknownStatus", "protocol", "no valid `status`"),
        ("push:statusNumber", "protocol", "no valid `status`"),
        ("push:versionString", "protocol", "`version`"),
        ("push:entityNumber", "protocol", "not an object"),
        ("push:entityNoData", "protocol", "`data` is not an object"),
        ("push:null", "protocol", "no `results` array"),
        ("push:number", "protocol", "no `results` array"),
        ("push:array", "protocol", "no `results` array"),
        ("push:html", "protocol", "not valid JSON"),
        ("push:empty", "protocol", "not valid JSON"),
        ("push:truncated", "protocol", "not valid JSON"),
        ("push:deep", "protocol", ""),
        ("push:hugeGarbage", "protocol", "results for 2 mutations"),
        ("push:hugeError", "server", "500"),
    ];
    let before = queue_changes(&e).await;
    for (name, kind, says) in cases {
        fake_next(name);
        let r = full_sync(&e).await;
        assert_eq!(get(&r, "success"), JsValue::FALSE, "{name}: {}", stringify(&r));
        assert_eq!(s(&r, "errorKind").as_deref(), Some(*kind), "{name}: {}", stringify(&r));
        let err = s(&r, "error").unwrap_or_default();
        assert!(err.contains(says), "{name}: {err:?} should say {says:?}");
        assert!(err.len() < 2_000, "{name}: the error stays readable ({} bytes)", err.len());
        // Other calls still work, and nothing was lost or half-applied.
        assert_eq!(pending_count(&e).await, 2.0, "{name}");
        assert_eq!(s(&ok(e.get(v("course"), v("a"))).await, "title").as_deref(), Some("A"), "{name}");
        assert_eq!(queue_changes(&e).await, before, "{name}");
        let last = s(&arr(ok(e.pending()).await).get(0), "error").unwrap_or_default();
        assert!(!last.is_empty(), "{name}: the entry carries the last error");
    }
    // Unknown fields are ignored: newer servers may send more.
    fake_next("push:unknownFields");
    let r = full_sync(&e).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 2.0);
    assert_eq!(pending_count(&e).await, 0.0);
    assert!(fake_seen() > 0);
}

#[wasm_bindgen_test]
async fn pull_answers_of_the_wrong_shape_are_clear_errors() {
    setup();
    let e = fake_engine();
    ok(e.put(v("course"), v("local"), json(r#"{"title":"mine"}"#))).await;
    sync(&e).await;
    let cases: &[(&str, &str, &str)] = &[
        ("pull:noChanges", "protocol", "no `changes` array"),
        ("pull:changesObject", "protocol", "no `changes` array"),
        ("pull:cursorNumber", "protocol", "no string `cursor`"),
        ("pull:hasMoreString", "protocol", "no boolean `hasMore`"),
        ("pull:noId", "protocol", "`id`"),
        ("pull:emptyType", "protocol", "`entityType`"),
        ("pull:dataString", "protocol", "`data` is not an object"),
        ("pull:deletedString", "protocol", "`deleted` is not a boolean"),
        ("pull:versionNegative", "protocol", "`version`"),
        ("pull:versionFraction", "protocol", "`version`"),
        ("pull:changeNull", "protocol", "#1"),
        ("pull:stuckCursor", "protocol", "cursor did not move"),
        ("pull:html500", "server", "500"),
    ];
    for (name, kind, says) in cases {
        fake_next(name);
        if *name == "pull:stuckCursor" {
            // The first page moves the cursor to 7, the second stays there.
            fake_next(name);
        }
        let r = full_sync(&e).await;
        assert_eq!(get(&r, "success"), JsValue::FALSE, "{name}: {}", stringify(&r));
        assert_eq!(s(&r, "errorKind").as_deref(), Some(*kind), "{name}: {}", stringify(&r));
        let err = s(&r, "error").unwrap_or_default();
        assert!(err.contains(says), "{name}: {err:?} should say {says:?}");
        assert!(err.len() < 2_000, "{name}: the error stays readable");
        // Nothing of a bad page is written (not even its good changes).
        assert!(ok(e.get(v("course"), v("p1"))).await.is_undefined(), "{name} wrote part of a bad page");
        assert_eq!(s(&ok(e.get(v("course"), v("local"))).await, "title").as_deref(), Some("mine"), "{name}");
    }
    fake_next("pull:unknownFields");
    let r = sync(&e).await;
    assert_eq!(num(&r, "pulled"), 1.0);
    assert!(ok(e.get(v("course"), v("p1"))).await.is_object());
    // A big page (about 1.5 MB) is fine.
    fake_next("pull:bigValid");
    let r = sync(&e).await;
    assert_eq!(num(&r, "pulled"), 3000.0);
    assert_eq!(arr(ok(e.list(v("lesson"))).await).length(), 3000);
}

/// The push keeps one batch on the wire while it settles the one before and marks
/// the next. An entity with changes in both batches must wait: its later change is
/// rebased on the server's answer to the earlier one, so sent alongside it, it would
/// carry a stale base version and come back as a conflict.
#[wasm_bindgen_test]
async fn an_entity_with_changes_in_consecutive_batches_waits_for_the_first_to_settle() {
    let user = unique("pipe");
    let e = engine(&unique("ns-"), &user);
    ok(e.put(v("course"), v("x"), json(r#"{"title":"x","n":0}"#))).await;
    sync(&e).await;
    let first = ok(e.queue_mutation(v("UPDATE"), v("course"), v("x"), json(r#"{"n":1}"#))).await;
    for i in 0..100 {
        ok(e.put(v("lesson"), v(&format!("p{i:03}")), json(&format!(r#"{{"n":{i}}}"#)))).await;
    }
    // In the second batch, which is marked while the first is on the wire.
    let second = ok(e.queue_mutation(v("UPDATE"), v("course"), v("x"), json(r#"{"n":2}"#))).await;
    for i in 100..150 {
        ok(e.put(v("lesson"), v(&format!("p{i:03}")), json(&format!(r#"{{"n":{i}}}"#)))).await;
    }
    let r = full_sync(&e).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert_eq!(num(&r, "conflicts"), 0.0, "the later change was sent on a stale base: {}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 152.0);
    assert_eq!(server_version(&user, "course", "x").await, 3.0);
    applied_once(&user, &[&first, &second]).await;
    assert_eq!(server_state(&user).await.get("course/x"), Some(&canon(&json(r#"{"id":"x","title":"x","n":2}"#))));
}

/// A batch marked while the one before it was on the wire, and never sent because
/// that one's answer was lost, is delivered by the next sync, once; a change the app
/// makes meanwhile to one of its entities is a change of its own, not folded into
/// an entry that was marked as possibly sent.
#[wasm_bindgen_test]
async fn a_batch_marked_but_not_sent_when_the_one_before_failed_goes_out_once_later() {
    let user = unique("pipefail");
    let e = engine(&unique("ns-"), &user);
    let mut ids = Vec::new();
    for i in 0..250 {
        ids.push(ok(e.put(v("lesson"), v(&format!("q{i:03}")), json(&format!(r#"{{"n":{i}}}"#)))).await);
    }
    // Chromium resends a POST once when a kept-alive connection closes unanswered:
    // three lost answers make sure the engine sees one.
    faults(&user, r#"{"dropAfterApply": 3}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "network", "network error");
    assert_eq!(pending_count(&e).await, 250.0, "nothing is settled without an answer");
    // q150 was in the batch after the lost one.
    ids.push(ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("q150"), json(r#"{"late":true}"#))).await);
    assert_eq!(pending_count(&e).await, 251.0, "a marked entry is not folded into");
    for _ in 0..4 {
        if get(&full_sync(&e).await, "success") == JsValue::TRUE {
            break;
        }
    }
    assert_eq!(pending_count(&e).await, 0.0);
    let refs: Vec<&JsValue> = ids.iter().collect();
    applied_once(&user, &refs).await;
    let state = server_state(&user).await;
    assert_eq!(state.len(), 250);
    assert_eq!(state.get("lesson/q150"), Some(&canon(&json(r#"{"id":"q150","n":150,"late":true}"#))));
}

// ====================================================================== too large

#[wasm_bindgen_test]
async fn a_change_too_large_for_any_push_is_set_aside_unsent_and_the_queue_goes_on() {
    setup();
    let user = unique("fbig");
    // The app allows big payloads; the protocol does not carry more than 5 MiB.
    let e = engine_with(&unique("ns-"), &user, &[("maxPayloadBytes", n(8_000_000.0))]);
    let big = js_sys::Object::new();
    js_sys::Reflect::set(&big, &v("title"), &v(&"x".repeat(6 << 20))).unwrap();
    let a = ok(e.put(v("course"), v("big"), big.into())).await;
    let b = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let r = sync(&e).await;
    assert_eq!((num(&r, "failed"), num(&r, "pushed")), (1.0, 1.0), "{}", stringify(&r));
    let failed = arr(ok(e.failed()).await);
    assert_eq!(get(&failed.get(0), "mutationId"), a);
    let err = s(&failed.get(0), "error").unwrap_or_default();
    assert!(err.contains("too large to sync"), "{err}");
    applied_once(&user, &[&b]).await;
    not_applied(&user, &a).await;
    // Set aside, not retried: the next sync sends nothing.
    let pushes = num(&stats(&user).await, "pushRequests");
    sync(&e).await;
    assert_eq!(num(&stats(&user).await, "pushRequests"), pushes);
}

#[wasm_bindgen_test]
async fn a_413_sets_the_lone_change_aside_as_too_large_and_the_rest_goes_on() {
    setup();
    let user = unique("f413");
    let e = engine(&unique("ns-"), &user);
    let a = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let b = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    // The batch gets 413, then the first change alone: it is set aside, the
    // rest goes on one by one.
    faults(&user, r#"{"failNext": {"count": 2, "status": 413, "path": "push"}}"#).await;
    let r = sync(&e).await;
    assert_eq!((num(&r, "failed"), num(&r, "pushed")), (1.0, 1.0), "{}", stringify(&r));
    let failed = arr(ok(e.failed()).await);
    assert_eq!(get(&failed.get(0), "mutationId"), a);
    let err = s(&failed.get(0), "error").unwrap_or_default();
    assert!(err.contains("too large for the server (413"), "{err}");
    applied_once(&user, &[&b]).await;
    not_applied(&user, &a).await;
}
