//! The app's own functions as the transport, in real Chromium against the real
//! reference server: `transport: { push, pull }` calling the sync protocol through
//! fetch, `transport: { request }` wrapping an HTTP client for REST resources (an
//! API of the other shape: bare arrays keyed `_id`), and functions that answer
//! wrong shapes.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use offline_sync::SyncEngine;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
// push/pull as an app would write them over its own backend; here the backend is
// the reference server's sync protocol, reached with fetch.
export function protocolFunctions(server, token) {
  const log = { pushed: [], scopes: [] };
  const headers = { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token };
  log.transport = {
    push: async (mutations) => {
      log.pushed.push(mutations.map((m) => m.op + ':' + m.entityType + ':' + m.entityId));
      const r = await fetch(server + '/sync/push', {
        method: 'POST', headers, body: JSON.stringify({ clientId: 'js-transport', mutations }) });
      if (!r.ok) throw Object.assign(new Error('push answered ' + r.status), { status: r.status });
      return (await r.json()).results; // the array form
    },
    pull: async (scope, cursor, limit) => {
      log.scopes.push(scope);
      const q = new URLSearchParams({ scope, limit: String(limit) });
      if (cursor != null) q.set('cursor', cursor);
      const r = await fetch(server + '/sync/pull?' + q, { headers });
      if (!r.ok) throw Object.assign(new Error('pull answered ' + r.status), { status: r.status });
      return r.json(); // { changes, cursor, hasMore }
    },
  };
  return log;
}

// Functions that answer what they should not.
export function wrongFunctions(kind) {
  const applied = async (ms) => ms.map((m) => ({ mutationId: m.mutationId, status: 'applied' }));
  const emptyPull = async () => ({ changes: [], cursor: '0', hasMore: false });
  switch (kind) {
    case 'push-object': return { push: async () => ({ ok: true }), pull: emptyPull };
    case 'push-short': return { push: async () => [], pull: emptyPull };
    case 'push-status': return { push: async (ms) => ms.map((m) => ({ mutationId: m.mutationId, status: 'done' })), pull: emptyPull };
    case 'push-503': return { push: async () => { throw Object.assign(new Error('busy'), { status: 503 }); }, pull: emptyPull };
    case 'push-throws': return { push: () => { throw new TypeError('Failed to fetch'); }, pull: emptyPull };
    case 'pull-changes': return { push: applied, pull: async () => ({ changes: 5, cursor: 'x', hasMore: false }) };
    case 'pull-null': return { push: applied, pull: async () => null };
    case 'pull-cursor': return { push: applied, pull: async () => ({ changes: [], hasMore: false }) };
    // What no read of a plain object does: a proxy (an Immer draft, say), a getter that throws.
    case 'pull-proxy': {
      const draft = new Proxy({ entityType: 'course', id: 'p', version: 1, data: {} }, { get() { throw new TypeError('draft revoked'); } });
      return { push: applied, pull: async () => ({ changes: [draft], cursor: '1', hasMore: false }) };
    }
    case 'push-getter': return {
      push: async (ms) => ms.map((m) => ({ mutationId: m.mutationId, status: 'applied', get entity() { throw new Error('getter threw'); } })),
      pull: emptyPull,
    };
  }
  throw new Error('unknown kind ' + kind);
}

// `request` wrapping an axios-like client (rejects non-2xx with error.response)
// for an API of the other common shape: bare JSON arrays and bodies, records keyed
// `_id`, ids given by the server, PUT replaces. Made from the reference facade so
// it runs against a real server with real ETags.
export function bareIdApi(server, token) {
  const base = 'https://bare.example/api';
  const log = { base, calls: [] };
  const toBare = (rec) => {
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return rec;
    const { id, ...rest } = rec;
    return id === undefined ? rest : { _id: id, ...rest };
  };
  const fromBare = (rec) => {
    if (!rec || typeof rec !== 'object') return rec;
    const { _id, ...rest } = rec;
    return _id === undefined ? rest : { id: _id, ...rest };
  };
  log.request = async (method, url, body, headers) => {
    log.calls.push({ method, url, body: body === undefined ? null : body, ifMatch: headers['If-Match'] || null,
                     key: headers['Idempotency-Key'] || null });
    if (!url.startsWith(base)) throw new Error('unexpected url ' + url);
    let path = url.slice(base.length);
    const list = method === 'GET' && path === '/courses';
    if (list) path += '?limit=100';
    const r = await fetch(server + '/api/v2' + path, {
      method,
      headers: { ...headers, Authorization: 'Bearer ' + token },
      body: body === undefined ? undefined : JSON.stringify(fromBare(body)),
    });
    const json = await r.json().catch(() => null);
    if (!r.ok) throw Object.assign(new Error('Request failed with status code ' + r.status),
                                   { response: { status: r.status, data: json, headers: r.headers } });
    const data = list ? json.data.courses.map(toBare) : toBare(json.data);
    return { status: r.status, data, headers: r.headers };
  };
  return log;
}

// `request` over the wrapped facade as it is; once armed, it fails once (as a
// dropped network would) on the first request for `failOn`.
export function flakyApi(server, token, failOn) {
  const log = { urls: [], armed: false };
  log.request = async (method, url, body, headers) => {
    log.urls.push(method + ' ' + url.slice(server.length));
    if (log.armed && url.includes(failOn)) {
      log.armed = false;
      throw new TypeError('Failed to fetch');
    }
    const r = await fetch(url, { method, headers: { ...headers, Authorization: 'Bearer ' + token },
                                 body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, data: await r.json().catch(() => null), headers: r.headers };
  };
  return log;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = protocolFunctions)]
    fn protocol_functions(server: &str, token: &str) -> JsValue;
    #[wasm_bindgen(js_name = wrongFunctions)]
    fn wrong_functions(kind: &str) -> JsValue;
    #[wasm_bindgen(js_name = bareIdApi)]
    fn bare_id_api(server: &str, token: &str) -> JsValue;
    #[wasm_bindgen(js_name = flakyApi)]
    fn flaky_api(server: &str, token: &str, fail_on: &str) -> JsValue;
}

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn arr(v: JsValue) -> js_sys::Array {
    v.into()
}

fn strings(v: JsValue) -> Vec<String> {
    arr(v).iter().map(|x| x.as_string().unwrap_or_else(|| stringify(&x))).collect()
}

#[wasm_bindgen_test]
async fn push_and_pull_functions_over_fetch() {
    let user = unique("jsfn");
    let log = protocol_functions(server(), &token(&user));
    let a = engine_with(&unique("ns-"), &user, &[("transport", get(&log, "transport"))]);
    ok(a.queue_mutation(v("CREATE"), v("course"), v("c1"), json(r#"{"title":"Rust"}"#))).await;
    ok(a.queue_mutation(v("CREATE"), v("lesson"), v("l1"), json(r#"{"courseId":"c1","title":"L1"}"#))).await;
    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 2.0, "{}", stringify(&r));
    let pushed = arr(get(&log, "pushed"));
    assert_eq!(strings(pushed.get(0)), ["CREATE:course:c1", "CREATE:lesson:l1"], "in order, in one call");
    assert_eq!(strings(get(&log, "scopes")), ["all"]);

    // A client on the built-in protocol transport sees it, and back.
    let b = engine(&unique("ns-"), &user);
    sync(&b).await;
    assert_eq!(s(&ok(b.get(v("course"), v("c1"))).await, "title").as_deref(), Some("Rust"));
    ok(b.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(r#"{"level":3}"#))).await;
    sync(&b).await;
    let r = sync(&a).await;
    assert!(num(&r, "pulled") >= 1.0);
    let c1 = ok(a.get(v("course"), v("c1"))).await;
    assert_eq!(num(&c1, "level"), 3.0);
    assert_eq!(s(&c1, "title").as_deref(), Some("Rust"));

    // downloadCourse asks for the course's scope.
    let d = protocol_functions(server(), &token(&user));
    let fresh = engine_with(&unique("ns-"), &user, &[("transport", get(&d, "transport"))]);
    ok(fresh.download_course(v("c1"))).await;
    assert_eq!(strings(get(&d, "scopes")), ["course:c1"]);
    assert_eq!(arr(ok(fresh.list(v("lesson"))).await).length(), 1);
}

async fn fails_with(kind: &str, error_kind: &str, text: &str) {
    let user = unique("jswrong");
    let t = wrong_functions(kind);
    let e = engine_with(&unique("ns-"), &user, &[("transport", t)]);
    ok(e.put(v("course"), v("k"), json(r#"{"title":"kept"}"#))).await;
    let r = ok(e.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::FALSE, "{kind}: {}", stringify(&r));
    assert_eq!(s(&r, "errorKind").as_deref(), Some(error_kind), "{kind}: {}", stringify(&r));
    let msg = s(&r, "error").unwrap();
    assert!(msg.contains(text), "{kind}: {msg}");
    assert_eq!(s(&ok(e.get(v("course"), v("k"))).await, "title").as_deref(), Some("kept"), "{kind}: nothing lost");
    if kind.starts_with("push") {
        assert_eq!(ok(e.pending_count()).await, JsValue::from_f64(1.0), "{kind}: still queued");
    }
}

#[wasm_bindgen_test]
async fn wrong_shapes_are_clear_sync_errors_and_nothing_is_lost() {
    fails_with("push-object", "protocol", "transport.push resolved a wrong shape: push answer has no `results` array")
        .await;
    fails_with(
        "push-short",
        "protocol",
        "transport.push resolved a wrong shape: push answer has 0 results for 1 mutations",
    )
    .await;
    fails_with(
        "push-status",
        "protocol",
        "transport.push resolved a wrong shape: push result #0 has no valid `status`",
    )
    .await;
    fails_with("pull-changes", "protocol", "transport.pull resolved a wrong shape: pull answer has no `changes` array")
        .await;
    fails_with("pull-null", "protocol", "transport.pull resolved a wrong shape").await;
    fails_with("pull-cursor", "protocol", "transport.pull resolved a wrong shape: pull answer has no string `cursor`")
        .await;
    // Read as plain data once copied: the engine keeps working (`fails_with` goes
    // on using it), nothing is stored, nothing is dropped from the queue.
    fails_with("pull-proxy", "protocol", "transport.pull resolved a wrong shape: it cannot be copied as data").await;
    fails_with("push-getter", "protocol", "transport.push resolved a wrong shape: it cannot be copied as data").await;
    fails_with("push-getter", "protocol", "getter threw").await;
    // Failures the functions report themselves keep their meaning.
    fails_with("push-503", "server", "transport.push failed: busy").await;
    fails_with("push-throws", "network", "transport.push failed: TypeError: Failed to fetch").await;
}

#[wasm_bindgen_test]
async fn request_reaches_a_bare_array_api_keyed_underscore_id() {
    let user = unique("jsbare");
    let api = bare_id_api(server(), &token(&user));
    let base = s(&api, "base").unwrap();
    // The second worked configuration of docs/rest.md.
    let rest = json(
        r#"{ "resources": { "course": {
            "collection": "/courses", "item": "/courses/:id", "idField": "_id", "clientIds": false } } }"#,
    );
    let transport = js_sys::Object::new();
    js_sys::Reflect::set(&transport, &v("request"), &get(&api, "request")).unwrap();
    let e = engine_with(
        &unique("ns-"),
        &user,
        &[("apiBaseUrl", v(&base)), ("rest", rest), ("transport", transport.into())],
    );
    let local = "tmp-0b7f6c1e-9d2a-4e8b-a1f3-5c6d7e8f9a0b";
    ok(e.put(v("course"), v(local), json(r#"{"title":"A","level":1}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0, "{}", stringify(&r));
    let calls = arr(get(&api, "calls"));
    let post = calls.get(0);
    assert_eq!(s(&post, "method").as_deref(), Some("POST"));
    assert_eq!(s(&post, "url"), Some(format!("{base}/courses")));
    let body = get(&post, "body");
    assert!(
        get(&body, "_id").is_undefined() && get(&body, "id").is_undefined(),
        "the server gives ids: {}",
        stringify(&body)
    );
    assert!(s(&post, "key").is_some(), "Idempotency-Key");
    // Re-keyed to the server's id, the record as the API shapes it.
    assert!(ok(e.get(v("course"), v(local))).await.is_undefined());
    let list = arr(ok(e.list(v("course"))).await);
    assert_eq!(list.length(), 1);
    let id = s(&list.get(0), "_id").unwrap();
    assert!(id.starts_with("srv-"), "{id}");

    // An UPDATE is a PUT of the whole record (a PUT of the change alone would drop `level`).
    ok(e.queue_mutation(v("UPDATE"), v("course"), v(&id), json(r#"{"title":"B"}"#))).await;
    sync(&e).await;
    let put = arr(get(&api, "calls")).iter().find(|c| s(c, "method").as_deref() == Some("PUT")).unwrap();
    assert_eq!(s(&put, "url"), Some(format!("{base}/courses/{id}")));
    assert_eq!(num(&get(&put, "body"), "level"), 1.0);
    assert_eq!(s(&put, "ifMatch").as_deref(), Some("\"1\""), "the ETag the POST answered with");
    let on_server = http("GET", &format!("/api/v2/courses/{id}"), Some(&token(&user)), JsValue::NULL).await;
    assert_eq!(s(&get(&on_server.body, "data"), "title").as_deref(), Some("B"));
    assert_eq!(num(&get(&on_server.body, "data"), "level"), 1.0);

    // A 412 the client library rejects with (error.response.status) is a conflict.
    let w = http("PATCH", &format!("/api/v2/courses/{id}"), Some(&token(&user)), json(r#"{"title":"web"}"#)).await;
    assert_eq!(w.status, 200);
    ok(e.queue_mutation(v("UPDATE"), v("course"), v(&id), json(r#"{"title":"C"}"#))).await;
    let r = ok(e.full_sync()).await;
    assert_eq!(num(&r, "conflicts"), 1.0, "{}", stringify(&r));
    assert_eq!(s(&ok(e.get(v("course"), v(&id))).await, "title").as_deref(), Some("web"));

    // DELETE, and a full list without it removes it.
    ok(e.remove(v("course"), v(&id))).await;
    sync(&e).await;
    let gone = http("GET", &format!("/api/v2/courses/{id}"), Some(&token(&user)), JsValue::NULL).await;
    assert_eq!(gone.status, 404);
    assert_eq!(arr(ok(e.list(v("course"))).await).length(), 0);
}

#[wasm_bindgen_test]
async fn an_interrupted_list_resumes_and_removes_only_what_is_gone() {
    let user = unique("jsresume");
    for i in 0..25 {
        let body = json(&format!(r#"{{"id":"p{i:02}","title":"Course {i}"}}"#));
        assert_eq!(http("POST", "/api/v2/courses", Some(&token(&user)), body).await.status, 201);
    }
    let rest = json(
        r#"{ "defaults": { "record": "data", "update": "PATCH",
               "pagination": { "style": "page", "pageSize": 10, "totalPages": "data.pagination.totalPages" } },
             "resources": { "course": { "collection": "/courses", "item": "/courses/:id", "list": "data.courses" } } }"#,
    );
    let api = flaky_api(server(), &token(&user), "page=2&");
    let transport = js_sys::Object::new();
    js_sys::Reflect::set(&transport, &v("request"), &get(&api, "request")).unwrap();
    let base = format!("{}/api/v2", server());
    let opts = [("apiBaseUrl", v(&base)), ("rest", rest), ("transport", transport.into())];
    let e = engine_with(&unique("ns-"), &user, &opts);
    sync(&e).await;
    assert_eq!(arr(ok(e.list(v("course"))).await).length(), 25);
    // Two courses go on the server (on pages 2 and 3), then the next reading of the
    // list breaks off after page 1.
    for id in ["p15", "p24"] {
        let r = http("DELETE", &format!("/api/v2/courses/{id}"), Some(&token(&user)), JsValue::NULL).await;
        assert_eq!(r.status, 200);
    }
    js_sys::Reflect::set(&api, &v("armed"), &JsValue::TRUE).unwrap();
    let r = ok(e.full_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::FALSE);
    assert_eq!(s(&r, "errorKind").as_deref(), Some("network"), "{}", stringify(&r));
    // The next sync goes on from page 2, and at the end removes what the server's
    // list no longer has, keeping what page 1 listed in the sync before.
    let before = arr(get(&api, "urls")).length() as usize;
    sync(&e).await;
    let urls = strings(get(&api, "urls"));
    assert!(urls[before].contains("page=2&"), "resumed where it stopped: {:?}", &urls[before..]);
    let mut ids: Vec<String> = arr(ok(e.list(v("course"))).await).iter().map(|c| s(&c, "id").unwrap()).collect();
    ids.sort();
    let mut expected: Vec<String> = (0..25).map(|i| format!("p{i:02}")).filter(|i| i != "p15" && i != "p24").collect();
    expected.sort();
    assert_eq!(ids, expected);
    // A list read to its end leaves no position: the next sync starts over.
    let before = arr(get(&api, "urls")).length() as usize;
    sync(&e).await;
    let urls = strings(get(&api, "urls"));
    assert!(urls[before].contains("page=1&"), "a complete list starts over: {:?}", &urls[before..]);
    assert_eq!(arr(ok(e.list(v("course"))).await).length(), 23);
}

#[wasm_bindgen_test]
async fn bad_transport_options_are_type_errors_naming_the_option() {
    let t = wrong_functions("push-object");
    js_sys::Reflect::delete_property(t.unchecked_ref::<js_sys::Object>(), &v("pull")).unwrap();
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &v("transport"), &t).unwrap();
    let err = SyncEngine::construct(o.into()).err().unwrap();
    assert_eq!(error_name(&err), "TypeError");
    assert!(error_message(&err).contains("`transport.pull` must be a function"), "{}", error_message(&err));
    let err = SyncEngine::construct(json(r#"{"transport": {"request": 1}}"#)).err().unwrap();
    assert!(error_message(&err).contains("`transport.request` must be a function"), "{}", error_message(&err));
}

#[wasm_bindgen_test]
async fn through_request_an_outage_counts_attempts_only_against_the_change_sent() {
    let user = unique("jsoutage");
    let api = flaky_api(server(), &token(&user), "");
    let rest = json(
        r#"{ "resources": { "course": { "collection": "/courses", "item": "/courses/:id", "record": "data",
             "list": "data.courses", "pagination": { "style": "page", "totalPages": "data.pagination.totalPages" } } } }"#,
    );
    let transport = js_sys::Object::new();
    js_sys::Reflect::set(&transport, &v("request"), &get(&api, "request")).unwrap();
    let base = format!("{}/api/v2", server());
    let e = engine_with(
        &unique("ns-"),
        &user,
        &[("apiBaseUrl", v(&base)), ("rest", rest), ("transport", transport.into())],
    );
    let mut ids = Vec::new();
    for id in ["q1", "q2", "q3"] {
        ids.push(ok(e.queue_mutation(v("CREATE"), v("course"), v(id), json(r#"{"title":"t"}"#))).await);
    }
    faults(&user, r#"{"failNext": {"count": 1000, "status": 503, "path": "rest"}}"#).await;
    for _ in 0..12 {
        let r = ok(e.full_sync()).await;
        assert_eq!(s(&r, "errorKind").as_deref(), Some("server"), "{}", stringify(&r));
    }
    // The app's function was called once per sync, for the first change in line.
    assert_eq!(arr(get(&api, "urls")).length(), 12);
    let state = |list: JsValue, m: &JsValue| {
        arr(list).iter().find(|r| get(r, "mutationId") == *m).map(|r| (s(&r, "status").unwrap(), num(&r, "attempts")))
    };
    assert_eq!(state(ok(e.failed()).await, &ids[0]), Some(("failed".into(), 10.0)));
    assert_eq!(state(ok(e.pending()).await, &ids[1]), Some(("pending".into(), 2.0)));
    assert_eq!(state(ok(e.pending()).await, &ids[2]), Some(("pending".into(), 0.0)), "never sent");
    faults(&user, "{}").await;
    assert_eq!(num(&sync(&e).await, "pushed"), 2.0);
}
