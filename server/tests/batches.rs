//! How a batch is taken apart: per-mutation problems in `rejected` results
//! while the rest of the batch goes through.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

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
