//! Helpers shared by the browser suites: the reference server's address (passed at
//! compile time by `scripts/test.sh`), fresh users and namespaces, promise plumbing.
#![allow(dead_code)]

use offline_sync::SyncEngine;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
export async function http(method, url, token, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers['Authorization'] = 'Bearer ' + token;
  const r = await fetch(url, { method, headers, body: body == null ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (_) {}
  return { status: r.status, body: json, text };
}
export function tokenFn(token) { return () => token; }
export function asyncTokenFn(token) { return async () => token; }
export function parse(s) { return JSON.parse(s); }
// JSON with sorted keys, so two objects compare by content.
export function canon(v) {
  const sort = (x) => Array.isArray(x) ? x.map(sort)
    : (x && typeof x === 'object') ? Object.keys(x).sort().reduce((o, k) => { o[k] = sort(x[k]); return o; }, {})
    : x;
  return JSON.stringify(sort(v));
}
export function str(v) { return JSON.stringify(v); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = http)]
    fn http_js(method: &str, url: &str, token: Option<String>, body: JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = tokenFn)]
    pub fn token_fn(token: &str) -> js_sys::Function;
    #[wasm_bindgen(js_name = asyncTokenFn)]
    pub fn async_token_fn(token: &str) -> js_sys::Function;
    #[wasm_bindgen(js_name = parse)]
    fn parse_js(s: &str) -> JsValue;
    #[wasm_bindgen(js_name = str)]
    pub fn stringify(v: &JsValue) -> String;
    pub fn canon(v: &JsValue) -> String;
}

pub fn server() -> &'static str {
    option_env!("SYNC_SERVER_URL").unwrap_or("http://127.0.0.1:8787")
}

pub fn api() -> String {
    server().to_string()
}

pub fn unique(prefix: &str) -> String {
    let n = (js_sys::Math::random() * 1e12) as u64;
    format!("{prefix}{n:x}")
}

pub fn token(user: &str) -> String {
    format!("dev-{user}")
}

pub fn json(s: &str) -> JsValue {
    parse_js(s)
}

pub fn get(v: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap()
}

pub fn num(v: &JsValue, k: &str) -> f64 {
    get(v, k).as_f64().unwrap_or_else(|| panic!("{k} is not a number in {}", stringify(v)))
}

pub fn s(v: &JsValue, k: &str) -> Option<String> {
    get(v, k).as_string()
}

/// Options for an engine of `user` in namespace `ns`, plus extra `key: value` pairs.
pub fn options(ns: &str, user: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    };
    set("apiBaseUrl", &JsValue::from_str(&api()));
    set("namespace", &JsValue::from_str(ns));
    set("getAuthToken", &token_fn(&token(user)));
    set("requestTimeoutMs", &JsValue::from_f64(5000.0));
    for (k, v) in extra {
        set(k, v);
    }
    o.into()
}

pub fn engine(ns: &str, user: &str) -> SyncEngine {
    SyncEngine::construct(options(ns, user, &[])).expect("valid options")
}

pub fn engine_with(ns: &str, user: &str, extra: &[(&str, JsValue)]) -> SyncEngine {
    SyncEngine::construct(options(ns, user, extra)).expect("valid options")
}

/// Awaits a promise that must resolve.
pub async fn ok(p: js_sys::Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("promise rejected: {}", error_message(&e)),
    }
}

/// Awaits a promise that must reject; returns the error.
pub async fn rejects(p: js_sys::Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("promise resolved with {} but should have rejected", stringify(&v)),
        Err(e) => e,
    }
}

pub fn error_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))
}

pub fn error_name(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())).unwrap_or_default()
}

/// A successful full sync; panics with the error otherwise.
pub async fn sync(e: &SyncEngine) -> JsValue {
    let r = ok(e.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "sync failed: {}", stringify(&r));
    r
}

pub struct Http {
    pub status: u16,
    pub body: JsValue,
}

pub async fn http(method: &str, path: &str, token: Option<&str>, body: JsValue) -> Http {
    let url = format!("{}{}", server(), path);
    let r = ok(http_js(method, &url, token.map(String::from), body)).await;
    Http { status: num(&r, "status") as u16, body: get(&r, "body") }
}

/// Sets the reference server's faults for `user` (see server/README.md).
pub async fn faults(user: &str, spec: &str) {
    let body = json(spec);
    js_sys::Reflect::set(&body, &JsValue::from_str("user"), &JsValue::from_str(user)).unwrap();
    let r = http("POST", "/__admin/faults", None, body).await;
    assert_eq!(r.status, 200, "admin faults: {}", stringify(&r.body));
}

pub async fn stats(user: &str) -> JsValue {
    let r = http("GET", &format!("/__admin/stats?user={user}"), None, JsValue::NULL).await;
    assert_eq!(r.status, 200);
    r.body
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Polls `f` every 25 ms for up to 5 s.
pub async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        sleep(25).await;
    }
    panic!("timed out waiting for {what}");
}

/// The server's current state for `user`: `type/id` → data as canonical JSON,
/// read with a raw pull from the beginning (tombstones dropped).
pub async fn server_state(user: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let r = http("GET", &format!("/sync/pull?limit=1000&cursor={cursor}"), Some(&token(user)), JsValue::NULL).await;
        assert_eq!(r.status, 200, "raw pull: {}", stringify(&r.body));
        for c in js_sys::Array::from(&get(&r.body, "changes")).iter() {
            let key = format!("{}/{}", s(&c, "entityType").unwrap(), s(&c, "id").unwrap());
            if get(&c, "deleted") == JsValue::TRUE {
                out.remove(&key);
            } else {
                out.insert(key, canon(&get(&c, "data")));
            }
        }
        cursor = s(&r.body, "cursor").unwrap();
        if get(&r.body, "hasMore") != JsValue::TRUE {
            return out;
        }
    }
}

/// splitmix64: tiny and seedable; a fixed seed gives the same run every time
/// (the chaos run's faults, the query suite's data and queries).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}
