//! Limits and the answers beyond them: a body over the limit gets a 413 the
//! client can read, a batch over the mutation limit a 413, a push that is not
//! JSON a 415, and requests hyper refuses before our router a JSON error too.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A client that sends its whole body before it reads the answer, as a
/// browser's `fetch` does, receives the 413: the server reads the body through
/// before it answers. (Answering at once and closing made the client's writes
/// fail with EPIPE or a reset, and the answer was lost with the connection.)
#[tokio::test]
async fn oversized_push_gets_a_readable_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut opts = sync_server::Options::for_tests();
    opts.max_body_bytes = 64 * 1024;
    let s = start_with(opts).await;
    let big = json!({"clientId": "c", "mutations": [m("1", "CREATE", "course", "c", None, Some(json!({"x": "y".repeat(4 << 20)})))]});
    let body = big.to_string();
    let head = format!(
        "POST /sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-big413\r\nOrigin: http://app.example\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    for _ in 0..5 {
        let mut stream = tokio::net::TcpStream::connect(s.base.trim_start_matches("http://")).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.expect("the whole body is taken, not cut off with a reset");
        let mut answer = vec![0; 4096];
        let n = stream.read(&mut answer).await.expect("an answer, not a reset");
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
        let lower = answer.to_ascii_lowercase();
        assert!(lower.contains("access-control-allow-origin: http://app.example"), "{answer}");
        assert!(lower.contains("application/json") && answer.contains("65536"), "{answer}");
    }
    // A client that reads early (reqwest) gets it too, and its kept-alive
    // connection goes on working.
    let res = s
        .req(Method::POST, "/sync/push", "big413")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the 413 is received");
    assert_json_error(res, StatusCode::PAYLOAD_TOO_LARGE).await;
    let r = s.push("big413", "c", vec![m("2", "CREATE", "course", "c", None, Some(json!({})))]).await;
    assert_eq!(r[0]["status"], "applied");
}

#[tokio::test]
async fn a_batch_over_the_mutation_limit_is_413() {
    let mut opts = sync_server::Options::for_tests();
    opts.max_push_mutations = 150;
    let s = start_with(opts).await;
    let muts = |n: usize| -> Vec<Value> {
        (0..n).map(|i| m(&format!("m{i}"), "CREATE", "lesson", &format!("l{i}"), None, Some(json!({})))).collect()
    };
    let msg = assert_json_error(s.push_raw("cap", "A", muts(151)).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(msg.contains("151") && msg.contains("150"), "{msg}");
    assert_eq!(s.pull("cap", "").await["changes"], json!([]), "nothing of it was applied");
    assert_eq!(s.push("cap", "A", muts(150)).await.len(), 150);
}

#[tokio::test]
async fn a_push_must_be_sent_as_json() {
    let s = start().await;
    let body = json!({"clientId": "c", "mutations": []}).to_string();
    let send = |ct: Option<&'static str>| {
        let mut r =
            s.req(Method::POST, "/sync/push", "ctype").header("origin", "http://app.example").body(body.clone());
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r.send()
    };
    for ct in
        [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/json; charset=latin1")]
    {
        let res = send(ct).await.unwrap();
        assert_eq!(res.headers()["access-control-allow-origin"], "http://app.example");
        let msg = assert_json_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
        assert!(msg.contains("application/json"), "{msg}");
    }
    for ct in [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=\"UTF-8\"",
    ] {
        assert_eq!(send(Some(ct)).await.unwrap().status(), StatusCode::OK, "{ct}");
    }
}

/// What hyper answers itself (the request never reaches the router) carries a
/// JSON body and CORS headers too.
#[tokio::test]
async fn requests_refused_before_the_router_get_json_errors() {
    let s = start().await;
    let long_uri = format!("GET /sync/pull?cursor={} HTTP/1.1\r\nHost: x\r\n\r\n", "1".repeat(70_000));
    let many_headers = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..150).map(|i| format!("x-h{i}: v\r\n")).collect::<String>()
    );
    let huge_header = format!("GET /health HTTP/1.1\r\nHost: x\r\nx-big: {}\r\n\r\n", "v".repeat(200_000));
    let cases = [
        ("GARBAGE\r\n\r\n".to_string(), 400),
        ("GET /health HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n".to_string(), 400),
        (long_uri, 414),
        (many_headers, 431),
        (huge_header, 431),
    ];
    for (req, status) in cases {
        let answer = raw_http(&s, req.as_bytes()).await;
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no answer: {answer:?}"));
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        let head = head.to_ascii_lowercase();
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(head.contains("access-control-allow-origin: *"), "{head}");
        let body: Value = serde_json::from_str(body).unwrap();
        assert!(!body["error"].as_str().unwrap().is_empty());
    }
}

/// Errors from every layer the router has (extractors, routing, the body
/// limit, auth) are JSON with CORS headers.
#[tokio::test]
async fn every_error_of_the_router_is_json_with_cors() {
    let mut opts = sync_server::Options::for_tests();
    opts.max_body_bytes = 1024;
    let s = start_with(opts).await;
    let origin = "http://app.example";
    let cases = [
        (s.http.get(s.url("/nope")), StatusCode::NOT_FOUND),
        (s.req(Method::PUT, "/sync/pull", "layers"), StatusCode::METHOD_NOT_ALLOWED),
        (s.http.get(s.url("/sync/pull")), StatusCode::UNAUTHORIZED),
        // A query the extractor cannot take (a repeated field).
        (s.req(Method::GET, "/sync/pull?limit=1&limit=2", "layers"), StatusCode::BAD_REQUEST),
        (s.req(Method::GET, "/api/v2/courses/%FF", "layers"), StatusCode::BAD_REQUEST),
        (
            s.req(Method::POST, "/sync/push", "layers")
                .header("content-type", "application/json")
                .body("x".repeat(5000)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (req, status) in cases {
        let res = req.header("origin", origin).send().await.unwrap();
        assert_eq!(res.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap()), Some(origin));
        assert_json_error(res, status).await;
    }
}
