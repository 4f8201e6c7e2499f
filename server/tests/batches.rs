//! How a batch is taken apart: per-mutation problems in `rejected` results
//! while the rest of the batch goes through, and a long batch applied in
//! chunks with the database let go in between.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use sync_server::routes::APPLY_CHUNK;

async fn push_body(s: &TestServer, user: &str, body: Value) -> Vec<Value> {
    let res = s.req(Method::POST, "/sync/push", user).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn malformed_mutations_are_rejected_one_by_one() {
    let s = start().await;
    let ok = |id: &str, eid: &str| m(id, "CREATE", "course", eid, None, Some(json!({"id": eid})));
    let body = json!({"clientId": "A", "mutations": [
        ok("g1", "c1"),
        {"mutationId": "b-op", "op": "PATCH", "entityType": "course", "entityId": "c2", "data": {}},
        {"mutationId": "b-missing", "op": "CREATE", "entityType": "course", "data": {}},
        {"mutationId": "b-type", "op": "CREATE", "entityType": 7, "entityId": "c3", "data": {}},
        {"mutationId": "b-base", "op": "UPDATE", "entityType": "course", "entityId": "c1", "baseVersion": "1", "data": {}},
        {"mutationId": "b-data", "op": "CREATE", "entityType": "course", "entityId": "c4", "data": [1]},
        {"mutationId": 42, "op": "DELETE", "entityType": "course", "entityId": "c1"},
        {},
        ok("g2", "c5"),
    ]});
    let r = push_body(&s, "permut", body.clone()).await;
    let got: Vec<(&str, &str)> =
        r.iter().map(|x| (x["mutationId"].as_str().unwrap(), x["status"].as_str().unwrap())).collect();
    assert_eq!(
        got,
        [
            ("g1", "applied"),
            ("b-op", "rejected"),
            ("b-missing", "rejected"),
            ("b-type", "rejected"),
            ("b-base", "rejected"),
            ("b-data", "rejected"),
            ("", "rejected"),
            ("", "rejected"),
            ("g2", "applied"),
        ]
    );
    for (x, word) in
        r[1..8].iter().zip(["PATCH", "entityId", "entityType", "baseVersion", "object", "mutationId", "mutationId"])
    {
        assert!(x["error"].as_str().unwrap().contains(word), "{word}: {x}");
    }
    let (all, _) = s.pull_all("permut", "").await;
    assert_eq!(all.iter().map(|c| c["id"].as_str().unwrap()).collect::<Vec<_>>(), ["c1", "c5"]);
    // A rejection is logged under its mutation id: the resend answers the same.
    assert_eq!(push_body(&s, "permut", body).await, r);
}

/// The database is held while a 3-chunk push and then a pull queue for it; let
/// go, the push's first chunk runs, then the pull (the queue is first come,
/// first served), which therefore sees exactly one chunk of the push.
#[tokio::test]
async fn a_long_push_lets_other_requests_in_between_its_chunks() {
    let (s, state) = start_with_state(one_connection()).await;
    let n = 3 * APPLY_CHUNK;
    let muts: Vec<Value> = (0..n)
        .map(|i| m(&format!("m{i}"), "CREATE", "lesson", &format!("l{i}"), None, Some(json!({"n": i}))))
        .collect();
    let held = state.db.hold().await;
    let push = tokio::spawn({
        let s = s.clone();
        async move { s.push("chunks", "A", muts).await }
    });
    wait_until(|| state.db.waiting() == 1).await;
    let pull = tokio::spawn({
        let s = s.clone();
        async move { s.pull("chunks", "limit=1000").await }
    });
    let other = tokio::spawn({
        let s = s.clone();
        async move { s.pull("chunks-other", "").await }
    });
    wait_until(|| state.db.waiting() == 3).await;
    drop(held);
    let seen = pull.await.unwrap()["changes"].as_array().unwrap().len();
    assert_eq!(seen, APPLY_CHUNK, "the pull ran after the first chunk and before the second");
    assert_eq!(other.await.unwrap()["changes"], json!([]));
    let r = push.await.unwrap();
    assert!(r.iter().all(|x| x["status"] == "applied"));
    assert_eq!(s.pull_all("chunks", "limit=1000").await.0.len(), n);
}

/// SQLite has one connection; PostgreSQL gets a pool of one, so `hold` holds
/// everything there too and the queue is the pool's (also first come, first served).
fn one_connection() -> sync_server::Options {
    sync_server::Options { pool_size: 1, ..sync_server::Options::for_tests() }
}

async fn wait_until(cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "condition not reached");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Not a check (no test asserts a timing): prints how long another user's pulls
/// take while a maximum batch is applied: the server's (1000 mutations of 5 KB)
/// and the client's (100 mutations of 50 KB), about 5 MB each. Run with
/// `cargo test -p sync-server --release --test batches -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn measure_other_users_pull_during_a_maximum_batch() {
    let s = start().await;
    s.push("m-other", "B", vec![m("b1", "CREATE", "course", "c", None, Some(json!({})))]).await;
    for (n, size) in [(sync_server::DEFAULT_MAX_PUSH_MUTATIONS, 5000), (100, 50_000)] {
        let filler = "x".repeat(size);
        let muts: Vec<Value> = (0..n)
            .map(|i| {
                m(&format!("m{n}-{i}"), "CREATE", "lesson", &format!("l{n}-{i}"), None, Some(json!({"f": filler})))
            })
            .collect();
        let body = json!({"clientId": "A", "mutations": muts}).to_string();
        let bytes = body.len();
        let started = Instant::now();
        let push = tokio::spawn({
            let s = s.clone();
            async move {
                let res = s
                    .req(Method::POST, "/sync/push", "m-max")
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                started.elapsed()
            }
        });
        let mut waits = Vec::new();
        while !push.is_finished() {
            let t = Instant::now();
            s.pull("m-other", "").await;
            waits.push(t.elapsed());
        }
        let took = push.await.unwrap();
        waits.sort();
        let at = |q: f64| waits[((waits.len() - 1) as f64 * q) as usize];
        println!(
            "{n} mutations, {bytes} bytes: push took {took:?}; {} pulls of another user meanwhile: p50 {:?}, p99 {:?}, max {:?}",
            waits.len(),
            at(0.5),
            at(0.99),
            waits.last().unwrap()
        );
    }
}

/// Chunks are bounded in bytes too: three mutations of 200 KB each are applied
/// one per transaction, so a pull queued behind the first sees exactly one.
#[tokio::test]
async fn large_mutations_are_applied_in_chunks_of_at_most_256_kib() {
    let (s, state) = start_with_state(one_connection()).await;
    let pad = "x".repeat(200 * 1024);
    let muts: Vec<Value> = (0..3)
        .map(|i| m(&format!("b{i}"), "CREATE", "lesson", &format!("l{i}"), None, Some(json!({"p": pad}))))
        .collect();
    let held = state.db.hold().await;
    let push = tokio::spawn({
        let s = s.clone();
        async move { s.push("bchunks", "A", muts).await }
    });
    wait_until(|| state.db.waiting() == 1).await;
    let pull = tokio::spawn({
        let s = s.clone();
        async move { s.pull("bchunks", "").await }
    });
    wait_until(|| state.db.waiting() == 2).await;
    drop(held);
    assert_eq!(pull.await.unwrap()["changes"].as_array().unwrap().len(), 1);
    assert_eq!(push.await.unwrap().len(), 3);
}
