//! Shared helpers: a real server on 127.0.0.1 port 0 with an in-memory db, and
//! small wrappers around reqwest. Each test uses its own user names, so tests in
//! one binary can share nothing by accident.
#![allow(dead_code)]

use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use sync_server::{AppState, Options};

#[derive(Clone)]
pub struct TestServer {
    pub base: String,
    pub http: Client,
}

pub async fn start() -> TestServer {
    start_with(Options::for_tests()).await
}

pub async fn start_with(opts: Options) -> TestServer {
    start_with_state(opts).await.0
}

/// A server and its state, through which a test can reach the database.
pub async fn start_with_state(opts: Options) -> (TestServer, AppState) {
    let state = AppState::new(&opts).expect("state");
    let (addr, _task) = sync_server::serve_state(&opts, state.clone()).await.expect("server starts");
    (TestServer { base: format!("http://{addr}"), http: Client::new() }, state)
}

pub fn token(user: &str) -> String {
    format!("dev-{user}")
}

/// A mutation as JSON; `base` and `data` are left out when `None`.
pub fn m(id: &str, op: &str, ty: &str, eid: &str, base: Option<u64>, data: Option<Value>) -> Value {
    let mut v = json!({"mutationId": id, "op": op, "entityType": ty, "entityId": eid});
    if let Some(b) = base {
        v["baseVersion"] = json!(b);
    }
    if let Some(d) = data {
        v["data"] = d;
    }
    v
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request as `user` from client `client-of-<user>`.
    pub fn req(&self, method: Method, path: &str, user: &str) -> RequestBuilder {
        self.req_from(method, path, user, &format!("client-of-{user}"))
    }

    /// A request as `user` from client `client`.
    pub fn req_from(&self, method: Method, path: &str, user: &str, client: &str) -> RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token(user)).header("X-Offline-Sync-Client", client)
    }

    pub async fn push_raw(&self, user: &str, client_id: &str, mutations: Vec<Value>) -> Response {
        self.req_from(Method::POST, "/sync/push", user, client_id)
            .json(&json!({"clientId": client_id, "mutations": mutations}))
            .send()
            .await
            .expect("push sent")
    }

    /// Pushes and returns the results array, asserting 200.
    pub async fn push(&self, user: &str, client_id: &str, mutations: Vec<Value>) -> Vec<Value> {
        let res = self.push_raw(user, client_id, mutations).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        body["results"].as_array().unwrap().clone()
    }

    pub async fn pull_raw(&self, user: &str, query: &str) -> Response {
        self.req(Method::GET, &format!("/sync/pull?{query}"), user).send().await.expect("pull sent")
    }

    /// Pulls and returns the body, asserting 200.
    pub async fn pull(&self, user: &str, query: &str) -> Value {
        let res = self.pull_raw(user, query).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Follows the cursor until `hasMore` is false; returns all changes and the pages seen.
    pub async fn pull_all(&self, user: &str, extra: &str) -> (Vec<Value>, usize) {
        let mut cursor = String::new();
        let mut all = Vec::new();
        let mut pages = 0;
        loop {
            let body = self.pull(user, &format!("cursor={cursor}&{extra}")).await;
            pages += 1;
            all.extend(body["changes"].as_array().unwrap().iter().cloned());
            cursor = body["cursor"].as_str().unwrap().to_string();
            if !body["hasMore"].as_bool().unwrap() {
                return (all, pages);
            }
        }
    }

    /// A CORS preflight from `origin` for a `method` request to `path` that
    /// sends `headers` (comma-separated names).
    pub async fn preflight(&self, path: &str, origin: &str, method: &str, headers: &str) -> Response {
        self.http
            .request(Method::OPTIONS, self.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send()
            .await
            .expect("preflight sent")
    }

    pub async fn admin(&self, path: &str, body: Value) -> Response {
        self.http.post(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn faults(&self, body: Value) {
        let res = self.admin("/__admin/faults", body).await;
        assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
    }

    pub async fn stats(&self, user: &str) -> Value {
        let res = self.http.get(self.url(&format!("/__admin/stats?user={user}"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }
}

/// Sends `request` as it is over a new connection and returns all the server
/// answered before it closed.
pub async fn raw_http(s: &TestServer, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may close while we still write; what it answered is what counts.
    let _ = stream.write_all(request).await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Asserts an error response: the status and a JSON `{"error": "<non-empty>"}`.
pub async fn assert_json_error(res: Response, status: StatusCode) -> String {
    assert_eq!(res.status(), status);
    let ct = res.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    let body: Value = res.json().await.unwrap();
    let msg = body["error"].as_str().expect("error string").to_string();
    assert!(!msg.is_empty());
    msg
}
