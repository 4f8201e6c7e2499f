//! The admin API: each fault mode, statistics, reset, and that the admin API
//! does not exist unless enabled.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn create(id: &str, eid: &str) -> Vec<Value> {
    vec![m(id, "CREATE", "course", eid, None, Some(json!({"id": eid})))]
}

#[tokio::test]
async fn fail_next_hits_matching_requests_only() {
    let s = start().await;
    s.faults(json!({"user": "fail", "failNext": {"count": 2, "status": 503, "path": "push"}})).await;
    // Pulls are not affected.
    assert_eq!(s.pull_raw("fail", "").await.status(), StatusCode::OK);
    for _ in 0..2 {
        let res = s.push_raw("fail", "A", create("f1", "c1")).await;
        assert_json_error(res, StatusCode::SERVICE_UNAVAILABLE).await;
    }
    // The failed pushes applied nothing; the third goes through.
    assert_eq!(s.stats("fail").await["applyCounts"], json!({}));
    let r = s.push("fail", "A", create("f1", "c1")).await;
    assert_eq!(r[0]["status"], "applied");
    // Other users are untouched by this user's faults.
    s.faults(json!({"user": "fail", "failNext": {"count": 5}})).await;
    assert_eq!(s.pull_raw("fail-other", "").await.status(), StatusCode::OK);
    // Default status 503, default path any.
    assert_eq!(s.pull_raw("fail", "").await.status(), StatusCode::SERVICE_UNAVAILABLE);
    s.faults(json!({"user": "fail", "failNext": {"count": 1, "status": 500, "path": "pull"}})).await;
    assert_eq!(s.push_raw("fail", "A", vec![]).await.status(), StatusCode::OK);
    let res = s.pull_raw("fail", "").await;
    assert_json_error(res, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(s.pull_raw("fail", "").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_new_faults_call_replaces_and_user_only_clears() {
    let s = start().await;
    s.faults(json!({"user": "repl", "failNext": {"count": 9}, "malformedNext": 3})).await;
    s.faults(json!({"user": "repl", "retryAfter": {"count": 1, "seconds": 2}})).await;
    assert_eq!(s.pull_raw("repl", "").await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(s.pull_raw("repl", "").await.status(), StatusCode::OK);
    s.faults(json!({"user": "repl", "failNext": {"count": 9}})).await;
    s.faults(json!({"user": "repl"})).await;
    s.pull("repl", "").await;
}

#[tokio::test]
async fn retry_after_answers_429_with_header() {
    let s = start().await;
    s.faults(json!({"user": "ra", "retryAfter": {"count": 2, "seconds": 7}})).await;
    for _ in 0..2 {
        let res = s.pull_raw("ra", "").await;
        assert_eq!(res.headers()["retry-after"], "7");
        assert_json_error(res, StatusCode::TOO_MANY_REQUESTS).await;
    }
    s.pull("ra", "").await;
}

#[tokio::test]
async fn delay_slows_every_request_of_the_user() {
    let s = start().await;
    s.faults(json!({"user": "slow", "delayMs": 300})).await;
    let t = Instant::now();
    s.pull("slow", "").await;
    s.push("slow", "A", vec![]).await;
    assert!(t.elapsed() >= Duration::from_millis(600), "{:?}", t.elapsed());
    let t = Instant::now();
    s.pull("fast", "").await;
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn delay_after_apply_commits_before_the_answer_leaves() {
    let s = start().await;
    s.faults(json!({"user": "late", "delayAfterApplyMs": 600})).await;
    let t = Instant::now();
    let push = tokio::spawn({
        let s = s.clone();
        async move { s.push("late", "A", create("l1", "c1")).await }
    });
    tokio::time::sleep(Duration::from_millis(250)).await;
    // Applied and committed while the answer still waits: a client that dies now
    // never learns it.
    assert_eq!(s.stats("late").await["applyCounts"], json!({"l1": 1}));
    assert!(!push.is_finished());
    let r = push.await.unwrap();
    assert_eq!(r[0]["status"], "applied");
    assert!(t.elapsed() >= Duration::from_millis(600));
}

#[tokio::test]
async fn drop_after_apply_commits_but_never_answers() {
    let s = start().await;
    s.faults(json!({"user": "drop", "dropAfterApply": 1})).await;
    let err = send_push(&s, "drop", create("d1", "c1")).await.expect_err("the connection is closed without an answer");
    assert!(!err.is_status(), "{err:?}");

    // The change was committed: the client retries and gets the recorded result.
    let stats = s.stats("drop").await;
    assert_eq!(stats["applyCounts"], json!({"d1": 1}));
    let r = s.push("drop", "A", create("d1", "c1")).await;
    assert_eq!(r[0]["status"], "applied");
    assert_eq!(r[0]["entity"]["version"], 1);
    assert_eq!(s.stats("drop").await["applyCounts"], json!({"d1": 1}));
    assert_eq!(s.pull("drop", "").await["changes"].as_array().unwrap().len(), 1);
    // The fault was used up; armed again, it spares pulls and hits the next push.
    s.push("drop", "A", create("d2", "c2")).await;
    s.faults(json!({"user": "drop", "dropAfterApply": 1})).await;
    s.pull("drop", "").await;
    assert!(send_push(&s, "drop", create("d3", "c3")).await.is_err());
    s.push("drop", "A", create("d4", "c4")).await;
    let counts = s.stats("drop").await["applyCounts"].clone();
    assert_eq!(counts, json!({"d1": 1, "d2": 1, "d3": 1, "d4": 1}));
}

async fn send_push(s: &TestServer, user: &str, muts: Vec<Value>) -> reqwest::Result<reqwest::Response> {
    s.req(Method::POST, "/sync/push", user).json(&json!({"clientId": "A", "mutations": muts})).send().await
}

#[tokio::test]
async fn drop_after_apply_spares_failed_pushes() {
    let s = start().await;
    s.faults(json!({"user": "drop2", "dropAfterApply": 1})).await;
    let res = s
        .req(Method::POST, "/sync/push", "drop2")
        .header("content-type", "application/json")
        .body("{broken")
        .send()
        .await
        .unwrap();
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
    // Still armed: the next successful push is the one dropped.
    assert!(send_push(&s, "drop2", create("x", "c")).await.is_err());
    assert_eq!(s.stats("drop2").await["applyCounts"], json!({"x": 1}));
}

#[tokio::test]
async fn malformed_next_truncates_json_with_200() {
    let s = start().await;
    s.faults(json!({"user": "mal", "malformedNext": 2})).await;
    let res = s.push_raw("mal", "A", create("mm", "c1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert!(text.starts_with('{'));
    let res = s.pull_raw("mal", "").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<Value>().await.is_err());
    // The push behind the broken answer was applied once; a retry replays it.
    assert_eq!(s.push("mal", "A", create("mm", "c1")).await[0]["status"], "applied");
    assert_eq!(s.stats("mal").await["applyCounts"], json!({"mm": 1}));
}

#[tokio::test]
async fn stats_count_requests_and_overlap_per_client() {
    let s = start().await;
    s.faults(json!({"user": "conc", "delayMs": 300})).await;
    let pulls = (0..3).map(|_| s.req_from(Method::GET, "/sync/pull", "conc", "tab-1").send());
    let other = s.req_from(Method::GET, "/sync/pull", "conc", "tab-2").send();
    let (results, other) = tokio::join!(futures_util::future::join_all(pulls), other);
    for r in results {
        assert_eq!(r.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(other.unwrap().status(), StatusCode::OK);
    s.push("conc", "tab-1", vec![]).await;
    let stats = s.stats("conc").await;
    assert_eq!(stats["pullRequests"], 4);
    assert_eq!(stats["pushRequests"], 1);
    assert_eq!(stats["maxConcurrent"]["tab-1"], 3);
    assert_eq!(stats["maxConcurrent"]["tab-2"], 1);
}

#[tokio::test]
async fn reset_wipes_rows_log_and_stats_of_one_user() {
    let s = start().await;
    s.push("wipe", "A", create("w1", "c1")).await;
    s.push("keep", "A", create("w1", "c1")).await;
    s.faults(json!({"user": "wipe", "failNext": {"count": 5}})).await;
    let res = s.admin("/__admin/reset", json!({"user": "wipe"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(s.pull("wipe", "").await["changes"], json!([]));
    let stats = s.stats("wipe").await;
    assert_eq!(stats["applyCounts"], json!({}));
    assert_eq!(stats["pushRequests"], 0);
    // The log is gone too: the same mutation id applies again.
    assert_eq!(s.push("wipe", "A", create("w1", "c1")).await[0]["entity"]["version"], 1);
    assert_eq!(s.pull("keep", "").await["changes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn admin_validates_its_input() {
    let s = start().await;
    for body in [
        json!({"user": "x", "failNxt": {"count": 1}}),
        json!({"user": "x", "failNext": {"count": 1, "status": 200}}),
        json!({"user": "x", "failNext": {"count": 1, "path": "sideways"}}),
        json!({"user": ""}),
        json!({}),
    ] {
        let res = s.admin("/__admin/faults", body).await;
        assert_json_error(res, StatusCode::BAD_REQUEST).await;
    }
    let res = s.http.get(s.url("/__admin/stats")).send().await.unwrap();
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn admin_is_404_when_disabled() {
    let mut opts = sync_server::Options::for_tests();
    opts.enable_admin = false;
    let s = start_with(opts).await;
    let res = s.admin("/__admin/faults", json!({"user": "x", "failNext": {"count": 1}})).await;
    assert_json_error(res, StatusCode::NOT_FOUND).await;
    let res = s.http.get(s.url("/__admin/stats?user=x")).send().await.unwrap();
    assert_json_error(res, StatusCode::NOT_FOUND).await;
    let res = s.admin("/__admin/reset", json!({"user": "x"})).await;
    assert_json_error(res, StatusCode::NOT_FOUND).await;
    // And the protocol works without it.
    assert_eq!(s.push("x", "A", create("a", "c")).await[0]["status"], "applied");
}

/// This machine's address on its default interface, if it has one (no packet
/// is sent: connecting a UDP socket only picks a route).
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    sock.connect("10.255.255.255:9").ok()?;
    let ip = sock.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn admin_is_404_for_non_loopback_peers() {
    let Some(ip) = non_loopback_ip() else {
        eprintln!("skipped: no non-loopback interface");
        return;
    };
    let mut opts = sync_server::Options::for_tests();
    opts.addr = std::net::SocketAddr::new(ip, 0);
    opts.public = true;
    let s = start_with(opts).await;
    let res = s.http.get(s.url("/__admin/stats?user=x")).send().await.unwrap();
    assert_json_error(res, StatusCode::NOT_FOUND).await;
    // The protocol itself is served to that peer.
    s.pull("x", "").await;
}
