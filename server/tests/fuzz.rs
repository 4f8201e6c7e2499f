//! Property tests of request decoding: random bytes, and random JSON that is
//! well formed but wrong in every way, sent to push and pull never get a 5xx or
//! kill the connection without an answer (a panic would), and every error is
//! a JSON `ErrorBody`. A bounded number of cases, so this runs in seconds.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Method, Response};
use serde_json::{Map, Value};
use tokio::runtime::Runtime;

const CASES: u32 = 200;

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: CASES, failure_persistence: None, ..Config::default() })
}

/// A server on its own runtime, shared by the cases of one test.
fn server() -> (Runtime, TestServer) {
    let rt = Runtime::new().unwrap();
    let s = rt.block_on(start());
    (rt, s)
}

/// Checks an answer: no 5xx, JSON error bodies; for a 200 to a push, one
/// result per mutation sent. Returns the status.
async fn check(res: Response, sent: Option<usize>) -> Result<u16, TestCaseError> {
    let status = res.status().as_u16();
    let body: Value = res.json().await.map_err(|e| TestCaseError::fail(format!("{status}: body not JSON: {e}")))?;
    prop_assert!(status < 500, "{status}: {body}");
    if status >= 400 {
        prop_assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{status}: {body}");
    } else if let Some(n) = sent {
        let results = body["results"].as_array().expect("results");
        prop_assert_eq!(results.len(), n);
        for r in results {
            prop_assert!(r["mutationId"].is_string() && r["status"].is_string(), "{}", r);
        }
    }
    Ok(status)
}

async fn push_bytes(s: &TestServer, body: Vec<u8>) -> Response {
    s.req(Method::POST, "/sync/push", "fuzz")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("an answer")
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        prop_oneof![Just("CREATE"), Just("UPDATE"), Just("DELETE"), Just("course"), Just("c1")].prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("mutationId".to_string()),
        Just("op".to_string()),
        Just("entityType".to_string()),
        Just("entityId".to_string()),
        Just("baseVersion".to_string()),
        Just("data".to_string()),
        Just("clientId".to_string()),
        Just("mutations".to_string()),
        "\\PC{0,6}",
    ]
}

/// A mutation-shaped object: each field absent, plausible, or any JSON at all.
fn mutation() -> impl Strategy<Value = Value> {
    let plausible = |good: Value| prop_oneof![Just(None), Just(Some(good)), json_value().prop_map(Some)];
    (
        plausible(Value::from("m1")),
        prop_oneof![Just("CREATE"), Just("UPDATE"), Just("DELETE")].prop_flat_map(move |op| plausible(Value::from(op))),
        plausible(Value::from("course")),
        plausible(Value::from("c1")),
        plausible(Value::from(1)),
        plausible(serde_json::json!({"title": "t"})),
    )
        .prop_map(|(id, op, ty, eid, base, data)| {
            let mut m = Map::new();
            for (k, v) in [
                ("mutationId", id),
                ("op", op),
                ("entityType", ty),
                ("entityId", eid),
                ("baseVersion", base),
                ("data", data),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            Value::Object(m)
        })
}

#[test]
fn random_bytes_to_push_never_5xx() {
    let (rt, s) = server();
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        // Near misses of a batch: a valid body with bytes flipped or cut.
        (prop::collection::vec(any::<u8>(), 1..8), 0usize..80).prop_map(|(noise, at)| {
            let mut b = br#"{"clientId":"c","mutations":[{"mutationId":"m","op":"CREATE","entityType":"t","entityId":"i","data":{}}]}"#.to_vec();
            let at = at.min(b.len());
            b.splice(at..at, noise);
            b
        }),
    ];
    runner().run(&bytes, |b| rt.block_on(async { check(push_bytes(&s, b).await, None).await.map(drop) })).unwrap();
}

#[test]
fn wrong_json_to_push_never_5xx() {
    let (rt, s) = server();
    let body = prop_oneof![
        json_value(),
        (json_value(), json_value()).prop_map(|(c, m)| serde_json::json!({"clientId": c, "mutations": m})),
        prop::collection::vec(mutation(), 0..6)
            .prop_map(|ms| serde_json::json!({"clientId": "fuzz-client", "mutations": ms})),
    ];
    runner()
        .run(&body, |body| {
            rt.block_on(async {
                let sent = body["mutations"].as_array().filter(|a| a.iter().all(Value::is_object)).map(Vec::len);
                let status = check(push_bytes(&s, body.to_string().into_bytes()).await, sent).await?;
                // A well-formed batch is never refused whole.
                if sent.is_some() && body["clientId"] == "fuzz-client" {
                    prop_assert_eq!(status, 200, "{}", body);
                }
                Ok(())
            })
        })
        .unwrap();
}

#[test]
fn random_queries_to_pull_never_5xx() {
    let (rt, s) = server();
    rt.block_on(s.push("fuzz", "c", vec![m("seed", "CREATE", "course", "c1", None, Some(serde_json::json!({})))]));
    let param =
        prop_oneof!["\\PC{0,24}", "[0-9]{0,25}", Just("18446744073709551616".to_string()), Just("course:c1".into())];
    let query = prop_oneof![
        (param.clone(), param.clone(), param).prop_map(|(c, l, sc)| {
            let e = |v: &str| v.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
            format!("cursor={}&limit={}&scope={}", e(&c), e(&l), e(&sc))
        }),
        "[a-z=&%0-9A-F;+]{0,40}",
    ];
    runner()
        .run(&query, |q| {
            rt.block_on(async {
                let res = s.req(Method::GET, &format!("/sync/pull?{q}"), "fuzz").send().await.expect("an answer");
                check(res, None).await.map(drop)
            })
        })
        .unwrap();
}
