//! The suite's fixture: the page-wide spies and fakes (IndexedDB faults, a counting
//! `persist()`, a fake backend on a made-up origin) and the assertions every
//! section shares. `fixture()` is the start of most tests.

use crate::common::*;
use offline_sync::SyncEngine;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

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
    pub(crate) fn bad_value(kind: &str) -> JsValue;
    #[wasm_bindgen(js_name = spyPersist)]
    pub(crate) fn spy_persist();
    #[wasm_bindgen(js_name = persistCalls)]
    pub(crate) fn persist_calls() -> f64;
    #[wasm_bindgen(js_name = patchIdb)]
    pub(crate) fn patch_idb();
    #[wasm_bindgen(js_name = setQuotaExceeded)]
    pub(crate) fn set_quota_exceeded(name: &str, on: bool);
    #[wasm_bindgen(js_name = closeConnections)]
    pub(crate) fn close_connections(name: &str) -> u32;
    #[wasm_bindgen(js_name = upgradeElsewhere)]
    pub(crate) fn upgrade_elsewhere(name: &str) -> js_sys::Promise;
    pub(crate) fn fire(kind: &str);
    #[wasm_bindgen(js_name = fixRandom)]
    pub(crate) fn fix_random(v: f64);
    #[wasm_bindgen(js_name = restoreRandom)]
    pub(crate) fn restore_random();
    #[wasm_bindgen(js_name = countingToken)]
    pub(crate) fn counting_token(tokens: Vec<String>) -> JsValue;
    #[wasm_bindgen(js_name = fakeNext)]
    pub(crate) fn fake_next(name: &str);
    #[wasm_bindgen(js_name = fakeSeen)]
    pub(crate) fn fake_seen() -> u32;
    #[wasm_bindgen(js_name = installFake)]
    pub(crate) fn install_fake();
    #[wasm_bindgen(js_name = fakeBase)]
    pub(crate) fn fake_base() -> String;
}

/// Every test starts here: the page-wide spies exist before any engine opens.
pub(crate) fn setup() {
    spy_persist();
    patch_idb();
    install_fake();
}

pub(crate) fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub(crate) fn n(x: f64) -> JsValue {
    JsValue::from_f64(x)
}

pub(crate) fn arr(v: JsValue) -> js_sys::Array {
    v.into()
}

pub(crate) async fn full_sync(e: &SyncEngine) -> JsValue {
    ok(e.full_sync()).await
}

pub(crate) fn assert_failed_with(r: &JsValue, kind: &str, text: &str) {
    assert_eq!(get(r, "success"), JsValue::FALSE, "sync should have failed: {}", stringify(r));
    assert_eq!(s(r, "errorKind").as_deref(), Some(kind), "{}", stringify(r));
    let err = s(r, "error").unwrap_or_default();
    assert!(err.contains(text), "error {err:?} should mention {text:?}");
}

pub(crate) async fn pending_count(e: &SyncEngine) -> f64 {
    ok(e.pending_count()).await.as_f64().unwrap()
}

/// The queue as JSON, to show it is exactly as it was.
pub(crate) async fn queue_json(e: &SyncEngine) -> String {
    format!("{}|{}", canon(&ok(e.pending()).await), canon(&ok(e.failed()).await))
}

/// The queue's changes (ids, operations, payloads, states), leaving out the
/// bookkeeping a failed send updates (attempts, last error).
pub(crate) async fn queue_changes(e: &SyncEngine) -> Vec<String> {
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

pub(crate) async fn clear_faults(user: &str) {
    faults(user, "{}").await;
}

pub(crate) async fn server_version(user: &str, et: &str, id: &str) -> f64 {
    let r = http("GET", "/sync/pull?limit=1000", Some(&token(user)), JsValue::NULL).await;
    let found = arr(get(&r.body, "changes"))
        .iter()
        .find(|c| s(c, "entityType").as_deref() == Some(et) && s(c, "id").as_deref() == Some(id));
    found.map(|c| num(&c, "version")).unwrap_or(0.0)
}

pub(crate) fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, d)| (k.to_string(), canon(&json(d)))).collect()
}

/// Every mutation the server applied was applied exactly once, and `ids` are
/// among them.
pub(crate) async fn applied_once(user: &str, ids: &[&JsValue]) {
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

pub(crate) async fn not_applied(user: &str, id: &JsValue) {
    let counts = get(&stats(user).await, "applyCounts");
    assert!(get(&counts, &id.as_string().unwrap()).is_undefined(), "{id:?} should not have been applied");
}

/// The common start: spies in place, a fresh user and an engine of its own in a
/// fresh namespace (database).
pub(crate) fn fixture(user_prefix: &str) -> (String, SyncEngine) {
    fixture_with(user_prefix, &[])
}

/// `fixture` with engine options of the test's own.
pub(crate) fn fixture_with(user_prefix: &str, extra: &[(&str, JsValue)]) -> (String, SyncEngine) {
    setup();
    let user = unique(user_prefix);
    let e = engine_with(&unique("ns-"), &user, extra);
    (user, e)
}
