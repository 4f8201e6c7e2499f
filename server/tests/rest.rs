//! The REST facade under /api/v2: envelopes, pagination, ETag/If-Match,
//! Idempotency-Key, nested lessons, enrollments, progress, token refresh, and
//! that it shares its data with the sync protocol.

mod common;

use common::*;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

const API: &str = "/api/v2";

impl TestServer {
    async fn rest(&self, method: Method, path: &str, user: &str, body: Option<Value>) -> Response {
        self.rest_with(method, path, user, body, &[]).await
    }

    async fn rest_with(
        &self,
        method: Method,
        path: &str,
        user: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self.req(method, &format!("{API}{path}"), user);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request sent")
    }
}

/// Asserts the status and `success`, returns (`data`, ETag).
async fn ok(res: Response, status: StatusCode) -> (Value, Option<String>) {
    assert_eq!(res.status(), status);
    let etag = res.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], true, "{body}");
    (body["data"].clone(), etag)
}

/// Asserts an error status with `{"success":false,"error":...}`; returns the body.
async fn fail(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], false, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    body
}

async fn create_course(s: &TestServer, user: &str, id: &str) -> Value {
    let res = s.rest(Method::POST, "/courses", user, Some(json!({"id": id, "title": format!("T {id}")}))).await;
    ok(res, StatusCode::CREATED).await.0
}

#[tokio::test]
async fn courses_list_is_paginated() {
    let s = start().await;
    for i in 1..=5 {
        create_course(&s, "pg", &format!("c{i}")).await;
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let res = s.rest(Method::GET, &format!("/courses?page={page}&limit=2"), "pg", None).await;
        let (data, _) = ok(res, StatusCode::OK).await;
        assert_eq!(data["pagination"], json!({"page": page, "limit": 2, "total": 5, "totalPages": 3}));
        for c in data["courses"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen, ["c1", "c2", "c3", "c4", "c5"]);
    let (data, _) = ok(s.rest(Method::GET, "/courses", "pg", None).await, StatusCode::OK).await;
    assert_eq!(data["pagination"], json!({"page": 1, "limit": 20, "total": 5, "totalPages": 1}));
    assert_eq!(data["courses"][0], json!({"id": "c1", "title": "T c1"}));
    let (data, _) = ok(s.rest(Method::GET, "/courses?page=9", "pg", None).await, StatusCode::OK).await;
    assert_eq!(data["courses"], json!([]));
    for q in ["page=0", "limit=0", "limit=101", "page=x"] {
        let res = s.rest(Method::GET, &format!("/courses?{q}"), "pg", None).await;
        assert_json_error(res, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn course_crud_with_etags() {
    let s = start().await;
    // No id: the server assigns one.
    let res = s.rest(Method::POST, "/courses", "crud", Some(json!({"title": "A", "level": 1}))).await;
    let (created, etag) = ok(res, StatusCode::CREATED).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("srv-"), "{id}");
    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert_eq!(created, json!({"id": id, "title": "A", "level": 1}));

    let (got, etag) = ok(s.rest(Method::GET, &format!("/courses/{id}"), "crud", None).await, StatusCode::OK).await;
    assert_eq!((got, etag.as_deref()), (created.clone(), Some("\"1\"")));

    // PATCH merges, PUT replaces; each bumps the version.
    let res =
        s.rest(Method::PATCH, &format!("/courses/{id}"), "crud", Some(json!({"title": "B", "id": "ignored"}))).await;
    let (patched, etag) = ok(res, StatusCode::OK).await;
    assert_eq!(patched, json!({"id": id, "title": "B", "level": 1}));
    assert_eq!(etag.as_deref(), Some("\"2\""));
    let res = s.rest(Method::PUT, &format!("/courses/{id}"), "crud", Some(json!({"title": "C"}))).await;
    let (put, etag) = ok(res, StatusCode::OK).await;
    assert_eq!(put, json!({"id": id, "title": "C"}));
    assert_eq!(etag.as_deref(), Some("\"3\""));

    // Creating the same id again is a conflict that shows the current record.
    let res = s.rest(Method::POST, "/courses", "crud", Some(json!({"id": id}))).await;
    let body = fail(res, StatusCode::CONFLICT).await;
    assert_eq!(body["data"], put);

    let (del, etag) = ok(s.rest(Method::DELETE, &format!("/courses/{id}"), "crud", None).await, StatusCode::OK).await;
    assert_eq!(del, json!({"id": id, "deleted": true}));
    assert_eq!(etag.as_deref(), Some("\"4\""));
    fail(s.rest(Method::GET, &format!("/courses/{id}"), "crud", None).await, StatusCode::NOT_FOUND).await;
    // DELETE again is fine; PATCH/PUT of a deleted or unknown record is 404.
    ok(s.rest(Method::DELETE, &format!("/courses/{id}"), "crud", None).await, StatusCode::OK).await;
    fail(s.rest(Method::DELETE, "/courses/never", "crud", None).await, StatusCode::NOT_FOUND).await;
    fail(s.rest(Method::PATCH, &format!("/courses/{id}"), "crud", Some(json!({}))).await, StatusCode::NOT_FOUND).await;
    fail(s.rest(Method::PUT, "/courses/never", "crud", Some(json!({}))).await, StatusCode::NOT_FOUND).await;
    // Re-creating after a delete continues the version.
    let res = s.rest(Method::POST, "/courses", "crud", Some(json!({"id": id}))).await;
    assert_eq!(ok(res, StatusCode::CREATED).await.1.as_deref(), Some("\"5\""));

    for bad in [json!([1]), json!("x"), json!({"id": {"no": 1}})] {
        let res = s.rest(Method::POST, "/courses", "crud", Some(bad)).await;
        assert_json_error(res, StatusCode::BAD_REQUEST).await;
    }
    let res = s.rest(Method::PATCH, &format!("/courses/{id}"), "crud", Some(json!(5))).await;
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn if_match_guards_writes() {
    let s = start().await;
    create_course(&s, "im", "c1").await;
    let path = "/courses/c1";
    let res = s.rest_with(Method::PATCH, path, "im", Some(json!({"t": 1})), &[("If-Match", "\"1\"")]).await;
    assert_eq!(ok(res, StatusCode::OK).await.1.as_deref(), Some("\"2\""));
    // Stale: 412 with the current record and its ETag; nothing changes.
    let res = s.rest_with(Method::PUT, path, "im", Some(json!({"t": 9})), &[("If-Match", "\"1\"")]).await;
    assert_eq!(res.headers()["etag"], "\"2\"");
    let body = fail(res, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(body["data"], json!({"id": "c1", "title": "T c1", "t": 1}));
    assert_eq!(body["version"], 2);
    let res = s.rest_with(Method::DELETE, path, "im", None, &[("If-Match", "\"1\"")]).await;
    fail(res, StatusCode::PRECONDITION_FAILED).await;
    // Weak tags, lists and * are understood.
    let res = s.rest_with(Method::PATCH, path, "im", Some(json!({"t": 2})), &[("If-Match", "W/\"2\"")]).await;
    ok(res, StatusCode::OK).await;
    let res = s.rest_with(Method::PATCH, path, "im", Some(json!({"t": 3})), &[("If-Match", "\"1\", \"3\"")]).await;
    ok(res, StatusCode::OK).await;
    let res = s.rest_with(Method::DELETE, path, "im", None, &[("If-Match", "*")]).await;
    ok(res, StatusCode::OK).await;
}

#[tokio::test]
async fn idempotency_key_replays_and_counts_once() {
    let s = start().await;
    let h = [("Idempotency-Key", "key-1")];
    let first = s.rest_with(Method::POST, "/courses", "ik", Some(json!({"title": "once"})), &h).await;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let (a, ea) = ok(first, StatusCode::CREATED).await;
    let again = s.rest_with(Method::POST, "/courses", "ik", Some(json!({"title": "once"})), &h).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let (b, eb) = ok(again, StatusCode::CREATED).await;
    assert_eq!((&a, &ea), (&b, &eb));
    let (list, _) = ok(s.rest(Method::GET, "/courses", "ik", None).await, StatusCode::OK).await;
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(s.stats("ik").await["applyCounts"], json!({"key-1": 1}));

    // The same key on another request is refused.
    let res = s.rest_with(Method::POST, "/courses/x/lessons", "ik", Some(json!({})), &h).await;
    fail(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    // A failed write is not recorded: the same key works once it can succeed.
    let h2 = [("Idempotency-Key", "key-2")];
    let res = s.rest_with(Method::PATCH, "/courses/later", "ik", Some(json!({"x": 1})), &h2).await;
    fail(res, StatusCode::NOT_FOUND).await;
    create_course(&s, "ik", "later").await;
    let res = s.rest_with(Method::PATCH, "/courses/later", "ik", Some(json!({"x": 1})), &h2).await;
    ok(res, StatusCode::OK).await;
    // Keys belong to their user.
    let res = s.rest_with(Method::POST, "/courses", "ik-other", Some(json!({"title": "other"})), &h).await;
    let (c, _) = ok(res, StatusCode::CREATED).await;
    assert_eq!(c["title"], "other");
}

#[tokio::test]
async fn ids_and_idempotency_keys_count_characters() {
    let s = start().await;
    let e200 = "é".repeat(200);
    let (c, _) =
        ok(s.rest(Method::POST, "/courses", "ikc", Some(json!({"id": e200}))).await, StatusCode::CREATED).await;
    assert_eq!(c["id"], e200.as_str());
    let res = s.rest(Method::POST, "/courses", "ikc", Some(json!({"id": "é".repeat(201)}))).await;
    fail(res, StatusCode::BAD_REQUEST).await;

    // A key is sent as its UTF-8 bytes; 200 characters of it are fine, and it
    // really is a key (before, a non-ASCII key was ignored: no replay).
    let key = reqwest::header::HeaderValue::from_bytes(e200.as_bytes()).unwrap();
    let send = |title: &str| {
        s.req(Method::POST, &format!("{API}/courses"), "ikc")
            .header("Idempotency-Key", key.clone())
            .json(&json!({"title": title}))
    };
    let (a, _) = ok(send("once").send().await.unwrap(), StatusCode::CREATED).await;
    let again = send("once").send().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(ok(again, StatusCode::CREATED).await.0, a);
    let long = reqwest::header::HeaderValue::from_bytes("é".repeat(201).as_bytes()).unwrap();
    let res = s
        .req(Method::POST, &format!("{API}/courses"), "ikc")
        .header("Idempotency-Key", long)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn lessons_live_under_their_course() {
    let s = start().await;
    create_course(&s, "ls", "c1").await;
    create_course(&s, "ls", "c2").await;
    for (course, title) in [("c1", "a"), ("c2", "b"), ("c1", "c")] {
        let res = s
            .rest(
                Method::POST,
                &format!("/courses/{course}/lessons"),
                "ls",
                Some(json!({"title": title, "courseId": "wrong"})),
            )
            .await;
        let (l, _) = ok(res, StatusCode::CREATED).await;
        assert_eq!(l["courseId"], course, "the path decides the course");
    }
    let (data, _) = ok(s.rest(Method::GET, "/courses/c1/lessons", "ls", None).await, StatusCode::OK).await;
    let titles: Vec<_> = data["lessons"].as_array().unwrap().iter().map(|l| l["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["a", "c"]);
    assert_eq!(data["pagination"]["total"], 2);
    let (data, _) = ok(s.rest(Method::GET, "/lessons?courseId=c2", "ls", None).await, StatusCode::OK).await;
    assert_eq!(data["lessons"].as_array().unwrap().len(), 1);

    let lesson_id = data["lessons"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/lessons/{lesson_id}");
    let res = s.rest(Method::PATCH, &path, "ls", Some(json!({"position": 7}))).await;
    assert_eq!(ok(res, StatusCode::OK).await.0["position"], 7);
    let res = s.rest(Method::PUT, &path, "ls", Some(json!({"courseId": "c2", "title": "B"}))).await;
    assert_eq!(ok(res, StatusCode::OK).await.0, json!({"id": lesson_id, "courseId": "c2", "title": "B"}));
    ok(s.rest(Method::DELETE, &path, "ls", None).await, StatusCode::OK).await;
    let (data, _) = ok(s.rest(Method::GET, "/courses/c2/lessons", "ls", None).await, StatusCode::OK).await;
    assert_eq!(data["lessons"], json!([]));

    fail(s.rest(Method::GET, "/courses/nope/lessons", "ls", None).await, StatusCode::NOT_FOUND).await;
    let res = s.rest(Method::POST, "/courses/nope/lessons", "ls", Some(json!({"title": "x"}))).await;
    fail(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn enrollments_and_progress() {
    let s = start().await;
    create_course(&s, "ep", "c1").await;
    let res = s.rest(Method::POST, "/enrollments", "ep", Some(json!({"courseId": "c1", "status": "active"}))).await;
    let (e, _) = ok(res, StatusCode::CREATED).await;
    let eid = e["id"].as_str().unwrap().to_string();
    let res = s.rest(Method::POST, "/enrollments", "ep", Some(json!({"status": "active"}))).await;
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
    let res = s.rest(Method::POST, "/enrollments", "ep", Some(json!({"courseId": "nope"}))).await;
    fail(res, StatusCode::NOT_FOUND).await;

    let path = format!("/enrollments/{eid}/status");
    let res = s.rest(Method::PATCH, &path, "ep", Some(json!({"status": "completed", "courseId": "hack"}))).await;
    let (e, etag) = ok(res, StatusCode::OK).await;
    assert_eq!(e, json!({"id": eid, "courseId": "c1", "status": "completed"}), "only status changes");
    assert_eq!(etag.as_deref(), Some("\"2\""));
    let res = s.rest(Method::PATCH, &path, "ep", Some(json!({}))).await;
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
    fail(
        s.rest(Method::PATCH, "/enrollments/nope/status", "ep", Some(json!({"status": "x"}))).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // No plain PUT for enrollments, like the real API.
    let res = s.rest(Method::PUT, &format!("/enrollments/{eid}"), "ep", Some(json!({}))).await;
    assert_json_error(res, StatusCode::NOT_FOUND).await;
    let (list, _) = ok(s.rest(Method::GET, "/enrollments", "ep", None).await, StatusCode::OK).await;
    assert_eq!(list["enrollments"].as_array().unwrap().len(), 1);

    let up = |body: Value| s.rest(Method::POST, "/progress/update", "ep", Some(body));
    let (p, etag) = ok(up(json!({"courseId": "c1", "lessonId": "l1", "completed": false})).await, StatusCode::OK).await;
    assert_eq!(p["id"], "c1:l1");
    assert_eq!(etag.as_deref(), Some("\"1\""));
    let (p, etag) = ok(up(json!({"courseId": "c1", "lessonId": "l1", "completed": true})).await, StatusCode::OK).await;
    assert_eq!(p, json!({"id": "c1:l1", "courseId": "c1", "lessonId": "l1", "completed": true}));
    assert_eq!(etag.as_deref(), Some("\"2\""));
    ok(up(json!({"courseId": "c1", "percent": 50})).await, StatusCode::OK).await;
    assert_json_error(up(json!({"lessonId": "l1"})).await, StatusCode::BAD_REQUEST).await;
    fail(up(json!({"courseId": "nope"})).await, StatusCode::NOT_FOUND).await;

    let (data, _) = ok(s.rest(Method::GET, "/progress/course/c1", "ep", None).await, StatusCode::OK).await;
    assert_eq!(data["courseId"], "c1");
    let ids: Vec<_> = data["progress"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["c1:l1", "c1"]);
    fail(s.rest(Method::GET, "/progress/course/nope", "ep", None).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn rest_and_sync_share_the_same_rows() {
    let s = start().await;
    // Pushed through the protocol, read through REST.
    s.push("shared", "A", vec![m("m1", "CREATE", "course", "c1", None, Some(json!({"id": "c1", "title": "P"})))]).await;
    let (c, etag) = ok(s.rest(Method::GET, "/courses/c1", "shared", None).await, StatusCode::OK).await;
    assert_eq!((c["title"].as_str(), etag.as_deref()), (Some("P"), Some("\"1\"")));
    // Changed through REST, pulled through the protocol, in its scope too.
    s.rest(Method::PATCH, "/courses/c1", "shared", Some(json!({"title": "R"}))).await;
    s.rest(Method::POST, "/courses/c1/lessons", "shared", Some(json!({"id": "l1"}))).await;
    let body = s.pull("shared", "scope=course:c1").await;
    let changes = body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["version"], 2);
    assert_eq!(changes[0]["data"]["title"], "R");
    assert_eq!(changes[1]["data"], json!({"id": "l1", "courseId": "c1"}));
    // A push based on the version REST reported applies; a stale one conflicts.
    let r = s.push("shared", "B", vec![m("m2", "UPDATE", "course", "c1", Some(2), Some(json!({"x": 1})))]).await;
    assert_eq!(r[0]["status"], "applied");
    let r = s.push("shared", "C", vec![m("m3", "UPDATE", "course", "c1", Some(2), Some(json!({"x": 2})))]).await;
    assert_eq!(r[0]["status"], "conflict");
    // A REST delete is a tombstone for the protocol.
    s.rest(Method::DELETE, "/courses/c1", "shared", None).await;
    let (all, _) = s.pull_all("shared", "").await;
    assert!(all.iter().any(|e| e["id"] == "c1" && e["deleted"] == true && e["data"].is_null()));
}

#[tokio::test]
async fn rest_needs_auth_and_isolates_users() {
    let s = start().await;
    let res = s.http.get(s.url(&format!("{API}/courses"))).send().await.unwrap();
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
    create_course(&s, "owner", "secret").await;
    fail(s.rest(Method::GET, "/courses/secret", "intruder", None).await, StatusCode::NOT_FOUND).await;
    fail(s.rest(Method::PATCH, "/courses/secret", "intruder", Some(json!({"t": 1}))).await, StatusCode::NOT_FOUND)
        .await;
    fail(s.rest(Method::DELETE, "/courses/secret", "intruder", None).await, StatusCode::NOT_FOUND).await;
    let (list, _) = ok(s.rest(Method::GET, "/courses", "intruder", None).await, StatusCode::OK).await;
    assert_eq!(list["pagination"]["total"], 0);
    // The intruder may create the same id for itself without touching the owner's.
    create_course(&s, "intruder", "secret").await;
    let (c, etag) = ok(s.rest(Method::GET, "/courses/secret", "owner", None).await, StatusCode::OK).await;
    assert_eq!((c["title"].as_str(), etag.as_deref()), (Some("T secret"), Some("\"1\"")));
}

#[tokio::test]
async fn expired_token_is_refreshed_and_retried() {
    let s = start().await;
    s.faults(json!({"user": "exp", "expireTokenOnce": true})).await;
    let res = s.rest(Method::GET, "/courses", "exp", None).await;
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
    // The client's refresh path: ask for a new token, retry with it.
    for path in ["/auth/refresh", "/api/v2/auth/refresh"] {
        let res = s.http.post(s.url(path)).json(&json!({"user": "exp"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["accessToken"], "dev-exp");
    }
    ok(s.rest(Method::GET, "/courses", "exp", None).await, StatusCode::OK).await;
    // Once only, and it works on the protocol routes too.
    s.faults(json!({"user": "exp", "expireTokenOnce": true})).await;
    assert_json_error(s.pull_raw("exp", "").await, StatusCode::UNAUTHORIZED).await;
    s.pull("exp", "").await;
    let res = s.http.post(s.url("/auth/refresh")).json(&json!({"user": "bad user"})).send().await.unwrap();
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn refresh_needs_dev_tokens() {
    let mut opts = sync_server::Options::for_tests();
    opts.dev_tokens = false;
    let s = start_with(opts).await;
    let res = s.http.post(s.url("/auth/refresh")).json(&json!({"user": "u"})).send().await.unwrap();
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn faults_apply_to_rest_too() {
    let s = start().await;
    s.faults(json!({"user": "rf", "failNext": {"count": 1, "status": 502, "path": "rest"}})).await;
    assert_eq!(s.pull_raw("rf", "").await.status(), StatusCode::OK);
    assert_json_error(s.rest(Method::GET, "/courses", "rf", None).await, StatusCode::BAD_GATEWAY).await;
    ok(s.rest(Method::GET, "/courses", "rf", None).await, StatusCode::OK).await;

    // Lost acknowledgement of a REST write, then the retry with the same key.
    s.faults(json!({"user": "rf", "dropAfterApply": 1})).await;
    let send = || {
        s.req(Method::POST, &format!("{API}/courses"), "rf")
            .header("Idempotency-Key", "drop-key")
            .json(&json!({"title": "dropped"}))
            .send()
    };
    assert!(send().await.is_err(), "connection closed without an answer");
    let (c, _) = ok(send().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(c["title"], "dropped");
    let stats = s.stats("rf").await;
    assert_eq!(stats["applyCounts"], json!({"drop-key": 1}));
    assert_eq!(stats["restRequests"], 4);
    let (list, _) = ok(s.rest(Method::GET, "/courses", "rf", None).await, StatusCode::OK).await;
    assert_eq!(list["pagination"]["total"], 1);
}

#[tokio::test]
async fn cors_preflight_for_rest_writes() {
    let s = start().await;
    let headers = "authorization,content-type,if-match,idempotency-key";
    let res = s.preflight(&format!("{API}/courses/c1"), "http://localhost:5173", "PATCH", headers).await;
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "http://localhost:5173");
    assert!(res.headers()["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));
}
