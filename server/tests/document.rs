//! docs/PROTOCOL.md, statement by statement, against the reference server.
//! Each test is named after the statement it checks, prefixed with its section
//! (`s4_` is section 4, `r3_` rule 3 of section 3.1); the document is the
//! contract, so a failure here is a bug in the server (or a document that
//! promises what no test holds it to).

mod common;

use common::*;
use offline_sync_core::scope::ScopeDef;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn create(id: &str, ty: &str, eid: &str, data: Value) -> Value {
    m(id, "CREATE", ty, eid, None, Some(data))
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

// ---- 1. Model

#[tokio::test]
async fn s1_a_user_can_never_read_or_change_another_users_data() {
    let s = start().await;
    s.push("s1-alice", "A", vec![create("a1", "course", "c1", json!({"o": "alice"}))]).await;
    assert_eq!(s.pull("s1-bob", "").await["changes"], json!([]));
    let r = s
        .push(
            "s1-bob",
            "B",
            vec![
                m("b1", "UPDATE", "course", "c1", Some(1), Some(json!({"o": "bob"}))),
                m("b2", "DELETE", "course", "c1", Some(1), None),
            ],
        )
        .await;
    assert_eq!((r[0]["status"].as_str(), r[1].get("entity")), (Some("rejected"), None));
    assert_eq!(s.pull("s1-alice", "").await["changes"][0]["data"], json!({"o": "alice"}));
}

#[tokio::test]
async fn s1_two_users_entities_with_the_same_type_and_id_are_different_entities() {
    let s = start().await;
    for u in ["s1-u1", "s1-u2"] {
        let r = s.push(u, "A", vec![create("x", "course", "c1", json!({"u": u}))]).await;
        assert_eq!(r[0]["entity"]["version"], 1, "{u} created its own");
    }
}

#[tokio::test]
async fn s1_version_starts_at_1_and_grows_by_1_on_every_change() {
    let s = start().await;
    let r = s
        .push(
            "s1-ver",
            "A",
            vec![
                create("v1", "course", "c1", json!({})),
                m("v2", "UPDATE", "course", "c1", Some(1), Some(json!({"a": 1}))),
                m("v3", "DELETE", "course", "c1", Some(2), None),
                create("v4", "course", "c1", json!({})),
            ],
        )
        .await;
    let versions: Vec<u64> = r.iter().map(|x| x["entity"]["version"].as_u64().unwrap()).collect();
    assert_eq!(versions, [1, 2, 3, 4]);
}

#[tokio::test]
async fn s1_seq_never_goes_backwards_not_even_after_data_is_wiped() {
    let s = start().await;
    s.push("s1-seq", "A", vec![create("a", "course", "c1", json!({}))]).await;
    let before: u64 = s.pull("s1-seq", "").await["cursor"].as_str().unwrap().parse().unwrap();
    assert_eq!(s.admin("/__admin/reset", json!({"user": "s1-seq"})).await.status(), StatusCode::OK);
    s.push("s1-seq", "A", vec![create("b", "course", "c1", json!({}))]).await;
    let after: u64 = s.pull("s1-seq", "").await["cursor"].as_str().unwrap().parse().unwrap();
    assert!(after > before, "{after} > {before}");
}

#[tokio::test]
async fn s1_an_entity_goes_over_the_wire_with_exactly_these_fields() {
    let s = start().await;
    let r = s.push("s1-wire", "A", vec![create("a", "course", "c1", json!({"t": 1}))]).await;
    assert_eq!(keys(&r[0]["entity"]), ["data", "deleted", "entityType", "id", "version"]);
    let r = s.push("s1-wire", "A", vec![m("b", "DELETE", "course", "c1", Some(1), None)]).await;
    assert_eq!(
        r[0]["entity"],
        json!({"entityType": "course", "id": "c1", "version": 2, "deleted": true, "data": null})
    );
}

// ---- 2. Authentication and common headers

#[tokio::test]
async fn s2_a_missing_malformed_or_unknown_token_is_401_with_www_authenticate() {
    let s = start().await;
    let reqs = [
        s.http.get(s.url("/sync/pull")),
        s.http.get(s.url("/sync/pull")).header("Authorization", "Bearer"),
        s.http.get(s.url("/sync/pull")).header("Authorization", "Basic Zm9vOmJhcg=="),
        s.http.get(s.url("/sync/pull")).bearer_auth("unknown"),
    ];
    for r in reqs {
        let res = r.send().await.unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert_json_error(res, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn s2_a_push_is_content_type_application_json_or_415() {
    let s = start().await;
    let body = json!({"clientId": "c", "mutations": []}).to_string();
    let res = s.req(Method::POST, "/sync/push", "s2-ct").body(body.clone()).send().await.unwrap();
    assert_json_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let res = s.req(Method::POST, "/sync/push", "s2-ct").header("content-type", "text/plain").body(body.clone());
    assert_json_error(res.send().await.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let res = s.req(Method::POST, "/sync/push", "s2-ct").header("content-type", "application/json; charset=UTF-8");
    assert_eq!(res.body(body).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn s2_a_body_over_the_limit_is_413_answered_after_the_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut opts = sync_server::Options::for_tests();
    opts.max_body_bytes = 1000;
    let s = start_with(opts).await;
    let body = format!(r#"{{"clientId":"c","mutations":[],"pad":"{}"}}"#, "x".repeat(1 << 20));
    let mut tcp = tokio::net::TcpStream::connect(s.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-s2\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body.as_bytes()).await.expect("the whole body is read");
    let mut answer = vec![0; 2048];
    let n = tcp.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413 ") && answer.contains("\"error\""), "{answer}");
}

#[tokio::test]
async fn s2_cors_mirrors_the_origin_allows_our_methods_and_headers_and_exposes_etag_and_retry_after() {
    let s = start().await;
    let headers = "authorization,content-type,idempotency-key,if-match,x-offline-sync-client";
    let res = s.preflight("/sync/push", "http://app.example", "POST", headers).await;
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "http://app.example");
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    for name in ["authorization", "content-type", "idempotency-key", "if-match", "x-offline-sync-client"] {
        assert!(headers.contains(name), "{headers}");
    }
    let res = s.req(Method::GET, "/sync/pull", "s2-cors").header("Origin", "http://app.example").send().await.unwrap();
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("etag") && exposed.contains("retry-after"), "{exposed}");
}

#[tokio::test]
async fn s2_error_answers_carry_the_cors_headers_too() {
    let s = start().await;
    for req in
        [s.http.get(s.url("/sync/pull")), s.req(Method::GET, "/sync/pull?limit=0", "s2-e"), s.http.get(s.url("/x"))]
    {
        let res = req.header("Origin", "http://app.example").send().await.unwrap();
        assert!(res.status().is_client_error());
        assert_eq!(res.headers()["access-control-allow-origin"], "http://app.example");
    }
}

#[tokio::test]
async fn s2_health_needs_no_auth_and_answers_200_ok_true() {
    let s = start().await;
    let res = s.http.get(s.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"ok": true}));
}

// ---- 3. Push

#[tokio::test]
async fn s3_a_client_id_that_is_not_1_to_200_characters_makes_the_whole_request_400() {
    let s = start().await;
    for c in [String::new(), "é".repeat(201)] {
        assert_json_error(s.push_raw("s3-cid", &c, vec![]).await, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(s.push("s3-cid", &"é".repeat(200), vec![]).await, Vec::<Value>::new());
}

#[tokio::test]
async fn s3_only_a_body_that_is_not_a_batch_is_400() {
    let s = start().await;
    let bodies = [
        "not json",
        "[]",
        r#"{"mutations":[]}"#,
        r#"{"clientId":1,"mutations":[]}"#,
        r#"{"clientId":"c"}"#,
        r#"{"clientId":"c","mutations":{}}"#,
        r#"{"clientId":"c","mutations":[{},"x"]}"#,
    ];
    for b in bodies {
        let res = s.req(Method::POST, "/sync/push", "s3-400").header("content-type", "application/json").body(b);
        assert_json_error(res.send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn s3_a_problem_of_one_mutation_is_its_rejected_result_naming_the_field_and_the_others_go_through() {
    let s = start().await;
    let muts = vec![
        json!({"mutationId": "p1", "op": "MERGE", "entityType": "course", "entityId": "c1"}),
        json!({"mutationId": "p2", "op": "CREATE", "entityType": "course", "data": {}}),
        json!({"mutationId": "p3", "op": "CREATE", "entityType": "course", "entityId": 5, "data": {}}),
        json!({"mutationId": "p4", "op": "UPDATE", "entityType": "course", "entityId": "c1", "baseVersion": -2, "data": {}}),
        json!({"mutationId": "p5", "op": "CREATE", "entityType": "course", "entityId": "c1", "data": "x"}),
        json!({"mutationId": "p6", "op": "CREATE", "entityType": "course", "entityId": "é".repeat(201), "data": {}}),
        json!({"op": "DELETE", "entityType": "course", "entityId": "c1"}),
        create("p8", "course", "c2", json!({})),
    ];
    let r = s.push("s3-per", "A", muts).await;
    let fields = ["op", "entityId", "entityId", "baseVersion", "data", "entityId", "mutationId"];
    for (x, f) in r.iter().zip(fields) {
        assert_eq!(x["status"], "rejected", "{x}");
        assert!(x["error"].as_str().unwrap().contains(f), "{f}: {x}");
    }
    assert_eq!(r[6]["mutationId"], "", "a mutationId that is not a string is echoed as \"\"");
    assert_eq!(r[7]["status"], "applied");
}

#[tokio::test]
async fn s3_lengths_count_unicode_scalar_values_not_bytes_or_utf16_units() {
    let s = start().await;
    let ok = ["é".repeat(200), "𝄞".repeat(200)];
    for (i, id) in ok.iter().enumerate() {
        let r = s.push("s3-len", id, vec![create(id, id, id, json!({}))]).await;
        assert_eq!(r[0]["status"], "applied", "{i}");
    }
    let r = s.push("s3-len", "A", vec![create("x", "course", &"𝄞".repeat(201), json!({}))]).await;
    assert_eq!(r[0]["status"], "rejected");
}

#[tokio::test]
async fn s3_there_is_one_result_per_mutation_in_request_order() {
    let s = start().await;
    let muts: Vec<Value> =
        (0..30).rev().map(|i| create(&format!("o{i}"), "lesson", &format!("l{i}"), json!({}))).collect();
    let r = s.push("s3-order", "A", muts.clone()).await;
    let sent: Vec<&Value> = muts.iter().map(|x| &x["mutationId"]).collect();
    let got: Vec<&Value> = r.iter().map(|x| &x["mutationId"]).collect();
    assert_eq!(sent, got);
}

#[tokio::test]
async fn s3_applied_carries_the_entity_right_after_the_change_and_a_delete_of_nothing_none() {
    let s = start().await;
    let r = s
        .push(
            "s3-app",
            "A",
            vec![
                create("a1", "course", "c1", json!({"t": 1})),
                m("a2", "UPDATE", "course", "c1", Some(1), Some(json!({"u": 2}))),
                m("a3", "DELETE", "course", "never", None, None),
            ],
        )
        .await;
    assert_eq!(r[1]["entity"]["data"], json!({"t": 1, "u": 2}));
    assert_eq!((r[2]["status"].as_str(), r[2].get("entity")), (Some("applied"), None));
}

#[tokio::test]
async fn s3_conflict_carries_the_servers_current_copy_tombstones_included() {
    let s = start().await;
    s.push("s3-conf", "A", vec![create("a1", "course", "c1", json!({"t": 1}))]).await;
    s.push("s3-conf", "A", vec![m("a2", "DELETE", "course", "c1", Some(1), None)]).await;
    let r = s.push("s3-conf", "B", vec![m("b1", "UPDATE", "course", "c1", Some(1), Some(json!({})))]).await;
    assert_eq!(r[0]["status"], "conflict");
    assert_eq!(
        r[0]["entity"],
        json!({"entityType": "course", "id": "c1", "version": 2, "deleted": true, "data": null})
    );
}

// ---- 3.1 Processing rules

#[tokio::test]
async fn r1_a_logged_mutation_id_is_answered_from_the_log_even_twice_in_one_request() {
    let s = start().await;
    let batch = vec![create("r1", "course", "c1", json!({"n": 1})), create("r1", "course", "c1", json!({"n": 2}))];
    let first = s.push("r1", "A", batch.clone()).await;
    assert_eq!(first[0], first[1]);
    assert_eq!(s.push("r1", "B", batch).await, first);
    assert_eq!(s.stats("r1").await["applyCounts"], json!({"r1": 1}));
}

#[tokio::test]
async fn r2_a_rejection_is_logged_so_a_resend_answers_the_same() {
    let s = start().await;
    let bad = s.push("r2", "A", vec![m("r2", "UPDATE", "course", "c1", None, Some(json!({})))]).await;
    assert_eq!(bad[0]["status"], "rejected");
    s.push("r2", "A", vec![create("c", "course", "c1", json!({}))]).await;
    assert_eq!(s.push("r2", "A", vec![m("r2", "UPDATE", "course", "c1", None, Some(json!({})))]).await, bad);
}

#[tokio::test]
async fn r3_a_change_applies_if_its_base_version_matches_or_its_client_wrote_last_else_conflicts() {
    let s = start().await;
    s.push("r3", "A", vec![create("a1", "course", "c1", json!({}))]).await;
    let own = s.push("r3", "A", vec![m("a2", "UPDATE", "course", "c1", None, Some(json!({"a": 1})))]).await;
    assert_eq!(own[0]["status"], "applied", "A wrote last");
    let stale = s.push("r3", "B", vec![m("b1", "UPDATE", "course", "c1", Some(1), Some(json!({})))]).await;
    assert_eq!(stale[0]["status"], "conflict");
    let fresh = s.push("r3", "B", vec![m("b2", "UPDATE", "course", "c1", Some(2), Some(json!({})))]).await;
    assert_eq!(fresh[0]["status"], "applied");
}

#[tokio::test]
async fn r3_conflicts_are_not_logged_a_resend_is_judged_again() {
    let s = start().await;
    s.push("r3n", "A", vec![create("a1", "course", "c1", json!({}))]).await;
    let c = s.push("r3n", "B", vec![m("b1", "DELETE", "course", "c1", Some(7), None)]).await;
    assert_eq!(c[0]["status"], "conflict");
    let again = s.push("r3n", "B", vec![m("b1", "DELETE", "course", "c1", Some(1), None)]).await;
    assert_eq!(again[0]["status"], "applied");
}

#[tokio::test]
async fn r4_without_a_row_create_makes_version_1_update_is_rejected_delete_is_applied() {
    let s = start().await;
    let r = s
        .push(
            "r4",
            "A",
            vec![
                create("c", "course", "c1", json!({})),
                m("u", "UPDATE", "course", "c2", None, Some(json!({}))),
                m("d", "DELETE", "course", "c3", None, None),
            ],
        )
        .await;
    assert_eq!(r[0]["entity"]["version"], 1);
    assert_eq!((r[1]["status"].as_str(), r[1]["error"].as_str()), (Some("rejected"), Some("entity not found")));
    assert_eq!(r[2]["status"], "applied");
    assert_eq!(s.pull_all("r4", "").await.0.len(), 1, "the delete stored nothing");
}

#[tokio::test]
async fn r5_on_a_tombstone_delete_changes_nothing_update_is_rejected_create_recreates() {
    let s = start().await;
    s.push("r5", "A", vec![create("a", "course", "c1", json!({})), m("b", "DELETE", "course", "c1", None, None)]).await;
    let r = s
        .push(
            "r5",
            "A",
            vec![
                m("d", "DELETE", "course", "c1", None, None),
                m("u", "UPDATE", "course", "c1", None, Some(json!({}))),
                create("c", "course", "c1", json!({"again": true})),
            ],
        )
        .await;
    assert_eq!(r[0]["entity"]["version"], 2, "no new version");
    assert_eq!((r[1]["status"].as_str(), r[1]["error"].as_str()), (Some("rejected"), Some("entity was deleted")));
    assert_eq!((r[2]["entity"]["version"].as_u64(), r[2]["entity"]["deleted"].as_bool()), (Some(3), Some(false)));
}

#[tokio::test]
async fn r6_create_replaces_update_merges_top_level_fields_null_included_nested_replaced() {
    let s = start().await;
    s.push("r6", "A", vec![create("a", "course", "c1", json!({"a": 1, "n": {"x": 1}, "k": 1}))]).await;
    let r =
        s.push("r6", "A", vec![m("b", "UPDATE", "course", "c1", None, Some(json!({"n": {"y": 2}, "k": null})))]).await;
    assert_eq!(r[0]["entity"]["data"], json!({"a": 1, "n": {"y": 2}, "k": null}));
    let r = s.push("r6", "A", vec![create("c", "course", "c1", json!({"z": 0}))]).await;
    assert_eq!(r[0]["entity"]["data"], json!({"z": 0}));
}

#[tokio::test]
async fn s3_1_a_batch_of_up_to_100_small_mutations_is_one_transaction() {
    // One transaction per 100 mutations and 256 KiB (batches.rs shows that a
    // longer or larger batch is cut in chunks):
    // a client's whole batch is seen by a pull either entirely or not at all.
    let s = start().await;
    let muts: Vec<Value> = (0..100).map(|i| create(&format!("t{i}"), "lesson", &format!("l{i}"), json!({}))).collect();
    let (push, pull) = tokio::join!(s.push("s31", "A", muts), s.pull("s31", "limit=1000"));
    assert_eq!(push.len(), 100);
    let seen = pull["changes"].as_array().unwrap().len();
    assert!(seen == 0 || seen == 100, "{seen}");
}

// ---- 3.3 Idempotency

#[tokio::test]
async fn s3_3_mutation_ids_are_per_user() {
    let s = start().await;
    for u in ["s33-a", "s33-b"] {
        let r = s.push(u, "A", vec![create("same-id", "course", "c1", json!({}))]).await;
        assert_eq!(r[0]["status"], "applied");
        assert_eq!(s.stats(u).await["applyCounts"], json!({"same-id": 1}));
    }
}

// ---- 3.4 Limits

#[tokio::test]
async fn s3_4_every_server_accepts_100_mutations_in_5_mib() {
    let s = start().await;
    // 100 mutations, the body just under 5 MiB.
    let pad = "x".repeat((sync_server::DEFAULT_MAX_BODY_BYTES - 20_000) / 100);
    let muts: Vec<Value> =
        (0..100).map(|i| create(&format!("b{i}"), "lesson", &format!("l{i}"), json!({"p": pad}))).collect();
    let body = json!({"clientId": "A", "mutations": muts}).to_string();
    assert!(body.len() <= offline_sync_core::protocol::MAX_PUSH_BYTES);
    let res = s.req(Method::POST, "/sync/push", "s34").header("content-type", "application/json").body(body);
    assert_eq!(res.send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn s3_4_beyond_its_limits_a_server_answers_413_and_applies_nothing() {
    let mut opts = sync_server::Options::for_tests();
    opts.max_push_mutations = 100;
    opts.max_body_bytes = 4000;
    let s = start_with(opts).await;
    let many: Vec<Value> = (0..101).map(|i| create(&format!("m{i}"), "lesson", &format!("l{i}"), json!({}))).collect();
    assert_json_error(s.push_raw("s34x", "A", many).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    let big = vec![create("big", "course", "c1", json!({"p": "x".repeat(5000)}))];
    assert_json_error(s.push_raw("s34x", "A", big).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(s.pull("s34x", "").await["changes"], json!([]));
}

// ---- 4. Pull

#[tokio::test]
async fn s4_an_absent_or_empty_cursor_pulls_from_the_beginning() {
    let s = start().await;
    s.push("s4-beg", "A", vec![create("a", "course", "c1", json!({}))]).await;
    assert_eq!(s.pull("s4-beg", "").await, s.pull("s4-beg", "cursor=").await);
    assert_eq!(s.pull("s4-beg", "").await["changes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn s4_a_cursor_the_server_did_not_hand_out_is_400() {
    let s = start().await;
    s.push("s4-cur", "A", vec![create("a", "course", "c1", json!({}))]).await;
    let latest: u64 = s.pull("s4-cur", "").await["cursor"].as_str().unwrap().parse().unwrap();
    for c in
        [(latest + 1).to_string(), "9223372036854775808".into(), "01".into(), "%2B1".into(), "-1".into(), "x".into()]
    {
        assert_json_error(s.pull_raw("s4-cur", &format!("cursor={c}")).await, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn s4_limit_is_an_integer_from_1_to_1000_default_500_anything_else_400() {
    let s = start().await;
    let muts: Vec<Value> = (0..501).map(|i| create(&format!("l{i}"), "lesson", &format!("l{i}"), json!({}))).collect();
    s.push("s4-lim", "A", muts).await;
    let page = s.pull("s4-lim", "").await;
    assert_eq!((page["changes"].as_array().unwrap().len(), page["hasMore"].as_bool()), (500, Some(true)));
    for l in ["1", "1000"] {
        assert_eq!(s.pull_raw("s4-lim", &format!("limit={l}")).await.status(), StatusCode::OK);
    }
    for l in ["0", "1001", "-1", "1.5", "x", ""] {
        assert_json_error(s.pull_raw("s4-lim", &format!("limit={l}")).await, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn s4_scope_is_all_or_course_id_anything_else_400() {
    let s = start().await;
    for sc in ["all", "course:c1"] {
        assert_eq!(s.pull_raw("s4-sc", &format!("scope={sc}")).await.status(), StatusCode::OK);
    }
    for sc in ["course:", "lesson:l1", "ALL", "x"] {
        assert_json_error(s.pull_raw("s4-sc", &format!("scope={sc}")).await, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn s4_changes_come_oldest_first_each_entity_once_in_its_current_state() {
    let s = start().await;
    s.push(
        "s4-chg",
        "A",
        vec![
            create("1", "course", "a", json!({})),
            create("2", "course", "b", json!({})),
            m("3", "UPDATE", "course", "a", None, Some(json!({"v": 2}))),
            m("4", "UPDATE", "course", "a", None, Some(json!({"v": 3}))),
        ],
    )
    .await;
    let changes = s.pull("s4-chg", "").await["changes"].clone();
    assert_eq!(changes.as_array().unwrap().len(), 2);
    assert_eq!((changes[0]["id"].as_str(), changes[1]["id"].as_str()), (Some("b"), Some("a")));
    assert_eq!((changes[1]["version"].as_u64(), &changes[1]["data"]), (Some(3), &json!({"v": 3})));
}

#[tokio::test]
async fn s4_an_empty_page_answers_the_requests_cursor_or_0() {
    let s = start().await;
    assert_eq!(s.pull("s4-empty", "").await, json!({"changes": [], "cursor": "0", "hasMore": false}));
    s.push("s4-empty", "A", vec![create("a", "course", "c1", json!({}))]).await;
    let c = s.pull("s4-empty", "").await["cursor"].clone();
    assert_eq!(s.pull("s4-empty", &format!("cursor={}", c.as_str().unwrap())).await["cursor"], c);
}

#[tokio::test]
async fn s4_has_more_is_true_iff_more_changes_follow_right_now() {
    let s = start().await;
    let muts: Vec<Value> = (0..4).map(|i| create(&format!("h{i}"), "lesson", &format!("l{i}"), json!({}))).collect();
    s.push("s4-more", "A", muts).await;
    let p1 = s.pull("s4-more", "limit=2").await;
    assert_eq!(p1["hasMore"], true);
    let p2 = s.pull("s4-more", &format!("limit=2&cursor={}", p1["cursor"].as_str().unwrap())).await;
    assert_eq!((p2["changes"].as_array().unwrap().len(), p2["hasMore"].as_bool()), (2, Some(false)));
}

// ---- 5. Scopes

#[tokio::test]
async fn s5_a_course_is_its_own_scope_and_a_string_course_id_puts_anything_else_in_it() {
    let s = start().await;
    s.push(
        "s5",
        "A",
        vec![
            create("1", "course", "c1", json!({})),
            create("2", "lesson", "l1", json!({"courseId": "c1"})),
            create("3", "lesson", "l2", json!({"courseId": 1})),
            create("4", "note", "n1", json!({})),
        ],
    )
    .await;
    let ids = |v: Value| {
        v["changes"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(ids(s.pull("s5", "scope=course:c1").await), ["c1", "l1"]);
    assert_eq!(ids(s.pull("s5", "scope=all").await).len(), 4, "unscoped ones only come with scope=all");
}

#[tokio::test]
async fn s5_a_tombstone_keeps_its_scope_and_a_changed_course_id_moves_the_entity() {
    let s = start().await;
    s.push(
        "s5t",
        "A",
        vec![
            create("1", "lesson", "l1", json!({"courseId": "c1"})),
            create("2", "lesson", "l2", json!({"courseId": "c1"})),
            m("3", "DELETE", "lesson", "l1", None, None),
            m("4", "UPDATE", "lesson", "l2", None, Some(json!({"courseId": "c2"}))),
        ],
    )
    .await;
    let c1 = s.pull("s5t", "scope=course:c1").await["changes"].clone();
    assert_eq!(c1, json!([{"entityType": "lesson", "id": "l1", "version": 2, "deleted": true, "data": null}]));
    assert_eq!(s.pull("s5t", "scope=course:c2").await["changes"][0]["id"], "l2");
}

#[tokio::test]
async fn s5_a_server_declares_its_scopes_by_name_root_and_key() {
    let mut opts = sync_server::Options::for_tests();
    opts.scopes = vec![
        ScopeDef { name: "workspace".into(), root: "workspace".into(), key: "workspaceId".into() },
        ScopeDef { name: "team".into(), root: "org".into(), key: "orgId".into() },
    ];
    let s = start_with(opts).await;
    s.push(
        "s5n",
        "A",
        vec![
            create("1", "workspace", "w1", json!({})),
            create("2", "doc", "d1", json!({"workspaceId": "w1"})),
            create("3", "doc", "d2", json!({"workspaceId": "w2"})),
            create("4", "org", "o1", json!({})),
            create("5", "member", "m1", json!({"orgId": "o1"})),
            create("6", "course", "c1", json!({})),
            create("7", "lesson", "l1", json!({"courseId": "c1"})),
        ],
    )
    .await;
    let ids = |v: Value| {
        v["changes"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(ids(s.pull("s5n", "scope=workspace:w1").await), ["w1", "d1"]);
    assert_eq!(ids(s.pull("s5n", "scope=team:o1").await), ["o1", "m1"], "the root type need not be the name");
    assert_eq!(ids(s.pull("s5n", "scope=all").await).len(), 7);
    // A name the server does not declare is a 400, `course` included once other
    // scopes are declared; the message names the declared ones.
    for undeclared in ["course:c1", "lesson:l1"] {
        let res = s.pull_raw("s5n", &format!("scope={undeclared}")).await;
        let msg = assert_json_error(res, StatusCode::BAD_REQUEST).await;
        assert!(msg.contains("workspace:<id>") && msg.contains("team:<id>"), "{msg}");
    }
}

#[tokio::test]
async fn s5_by_default_the_server_declares_course_and_answers_as_protocol_1_1_did() {
    let s = start().await;
    let res = s.pull_raw("s5d", "scope=workspace:w1").await;
    let msg = assert_json_error(res, StatusCode::BAD_REQUEST).await;
    assert!(msg.contains("\"all\" or \"course:<id>\""), "{msg}");
    assert_eq!(s.pull("s5d", "scope=course:c1").await["changes"], json!([]));
}

// ---- 6. Errors and retries

#[tokio::test]
async fn s6_every_non_2xx_answer_has_a_json_error_body_whatever_layer_produces_it() {
    let mut opts = sync_server::Options::for_tests();
    opts.max_body_bytes = 1000;
    let s = start_with(opts).await;
    let big =
        || s.req(Method::POST, "/sync/push", "s6").header("content-type", "application/json").body("x".repeat(2000));
    let cases = [
        (s.req(Method::GET, "/sync/pull?limit=x", "s6"), StatusCode::BAD_REQUEST),
        (s.http.get(s.url("/sync/pull")), StatusCode::UNAUTHORIZED),
        (s.req(Method::GET, "/nowhere", "s6"), StatusCode::NOT_FOUND),
        (s.req(Method::DELETE, "/sync/pull", "s6"), StatusCode::METHOD_NOT_ALLOWED),
        (big(), StatusCode::PAYLOAD_TOO_LARGE),
        (s.req(Method::POST, "/sync/push", "s6").body("{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ];
    for (req, status) in cases {
        assert_json_error(req.send().await.unwrap(), status).await;
    }
    for (raw, status) in
        [("BAD\r\n\r\n".to_string(), "400"), (format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(70_000)), "414")]
    {
        let answer = raw_http(&s, raw.as_bytes()).await;
        assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")) && answer.contains("{\"error\":"), "{answer}");
    }
}
