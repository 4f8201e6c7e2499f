//! Limits and the answers beyond them: a batch over the mutation limit gets a
//! 413, a push that is not JSON a 415.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

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
