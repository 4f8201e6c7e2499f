//! The sync protocol over real HTTP: push/pull, paging, tombstones, scopes,
//! idempotency, conflicts, auth, isolation between users, error bodies.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn push_then_pull_round_trip() {
    let s = start().await;
    let course = json!({"id": "c1", "title": "Rust", "level": 1});
    let r = s.push("rt", "A", vec![m("m1", "CREATE", "course", "c1", None, Some(course.clone()))]).await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["mutationId"], "m1");
    assert_eq!(r[0]["status"], "applied");
    assert_eq!(
        r[0]["entity"],
        json!({"entityType": "course", "id": "c1", "version": 1, "deleted": false, "data": course})
    );

    let body = s.pull("rt", "").await;
    assert_eq!(body["changes"].as_array().unwrap().len(), 1);
    assert_eq!(body["changes"][0], r[0]["entity"]);
    assert_eq!(body["hasMore"], false);
    let cursor = body["cursor"].as_str().unwrap().to_string();

    // Nothing new after the cursor: the same cursor comes back.
    let body = s.pull("rt", &format!("cursor={cursor}")).await;
    assert_eq!(body["changes"], json!([]));
    assert_eq!(body["cursor"], cursor);
    // An empty pull from the start answers "0".
    let body = s.pull("rt-empty", "").await;
    assert_eq!(body, json!({"changes": [], "cursor": "0", "hasMore": false}));
}

#[tokio::test]
async fn results_follow_request_order() {
    let s = start().await;
    let r = s
        .push(
            "order",
            "A",
            vec![
                m("o1", "CREATE", "course", "c1", None, Some(json!({"t": 1}))),
                m("o2", "UPDATE", "course", "c1", None, Some(json!({"t": 2}))),
                m("o3", "UPDATE", "course", "nope", None, Some(json!({"t": 2}))),
                m("o4", "DELETE", "course", "never-existed", None, None),
            ],
        )
        .await;
    let ids: Vec<_> = r.iter().map(|x| x["mutationId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["o1", "o2", "o3", "o4"]);
    assert_eq!(r[1]["entity"]["version"], 2);
    assert_eq!(r[1]["entity"]["data"], json!({"t": 2}));
    assert_eq!(r[2]["status"], "rejected");
    assert_eq!(r[2]["error"], "entity not found");
    assert_eq!(r[3]["status"], "applied");
    assert!(r[3].get("entity").is_none());
}

#[tokio::test]
async fn pull_pages_with_cursor() {
    let s = start().await;
    let muts: Vec<Value> = (0..25)
        .map(|i| m(&format!("p{i}"), "CREATE", "lesson", &format!("l{i}"), None, Some(json!({"n": i}))))
        .collect();
    s.push("pager", "A", muts).await;

    let first = s.pull("pager", "limit=10").await;
    assert_eq!(first["changes"].as_array().unwrap().len(), 10);
    assert_eq!(first["hasMore"], true);

    let (all, pages) = s.pull_all("pager", "limit=10").await;
    assert_eq!(pages, 3);
    let ns: Vec<i64> = all.iter().map(|c| c["data"]["n"].as_i64().unwrap()).collect();
    assert_eq!(ns, (0..25).collect::<Vec<_>>());

    // An exact multiple of the limit: the last full page says hasMore=false.
    let (all, pages) = s.pull_all("pager", "limit=5").await;
    assert_eq!((all.len(), pages), (25, 5));
}

#[tokio::test]
async fn updated_entity_moves_to_the_end_once() {
    let s = start().await;
    s.push(
        "moves",
        "A",
        vec![
            m("a", "CREATE", "course", "c1", None, Some(json!({}))),
            m("b", "CREATE", "course", "c2", None, Some(json!({}))),
            m("c", "UPDATE", "course", "c1", None, Some(json!({"x": 1}))),
        ],
    )
    .await;
    let (all, _) = s.pull_all("moves", "").await;
    let ids: Vec<_> = all.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["c2", "c1"]);
    assert_eq!(all[1]["version"], 2);
}

#[tokio::test]
async fn deletes_pull_as_tombstones() {
    let s = start().await;
    s.push("tomb", "A", vec![m("t1", "CREATE", "course", "c1", None, Some(json!({"a": 1})))]).await;
    let cursor = s.pull("tomb", "").await["cursor"].as_str().unwrap().to_string();
    let r = s.push("tomb", "A", vec![m("t2", "DELETE", "course", "c1", Some(1), None)]).await;
    assert_eq!(r[0]["status"], "applied");
    let tomb = json!({"entityType": "course", "id": "c1", "version": 2, "deleted": true, "data": null});
    assert_eq!(r[0]["entity"], tomb);

    let body = s.pull("tomb", &format!("cursor={cursor}")).await;
    assert_eq!(body["changes"], json!([tomb]));
    // A full pull also has only the tombstone, not the old row.
    assert_eq!(s.pull("tomb", "").await["changes"], json!([tomb]));

    // Deleting again changes nothing; re-creating on top of the tombstone works.
    let r = s.push("tomb", "A", vec![m("t3", "DELETE", "course", "c1", None, None)]).await;
    assert_eq!(r[0]["entity"]["version"], 2);
    let r = s.push("tomb", "A", vec![m("t4", "UPDATE", "course", "c1", None, Some(json!({})))]).await;
    assert_eq!(r[0]["status"], "rejected");
    let r = s.push("tomb", "A", vec![m("t5", "CREATE", "course", "c1", Some(2), Some(json!({"b": 2})))]).await;
    assert_eq!(r[0]["status"], "applied");
    assert_eq!(r[0]["entity"]["version"], 3);
    assert_eq!(r[0]["entity"]["deleted"], false);
}

#[tokio::test]
async fn scope_pulls_one_course_and_its_lessons() {
    let s = start().await;
    s.push(
        "scoped",
        "A",
        vec![
            m("1", "CREATE", "course", "c1", None, Some(json!({"id": "c1"}))),
            m("2", "CREATE", "course", "c2", None, Some(json!({"id": "c2"}))),
            m("3", "CREATE", "lesson", "l1", None, Some(json!({"courseId": "c1"}))),
            m("4", "CREATE", "lesson", "l2", None, Some(json!({"courseId": "c2"}))),
            m("5", "CREATE", "lesson", "l3", None, Some(json!({"courseId": "c1"}))),
            m("6", "CREATE", "note", "n1", None, Some(json!({"text": "unscoped"}))),
            m("7", "DELETE", "lesson", "l3", None, None),
        ],
    )
    .await;
    let body = s.pull("scoped", "scope=course:c1").await;
    let got: Vec<(String, bool)> = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["deleted"].as_bool().unwrap()))
        .collect();
    assert_eq!(got, [("c1".into(), false), ("l1".into(), false), ("l3".into(), true)]);
    // scope=all is everything.
    assert_eq!(s.pull("scoped", "scope=all").await["changes"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn repeated_mutation_id_is_applied_once() {
    let s = start().await;
    let batch = vec![
        m("dup-1", "CREATE", "course", "c1", None, Some(json!({"n": 0}))),
        m("dup-2", "UPDATE", "course", "c1", None, Some(json!({"n": 1}))),
    ];
    let first = s.push("idem", "A", batch.clone()).await;
    let second = s.push("idem", "A", batch.clone()).await;
    assert_eq!(first, second, "a replay answers exactly the stored results");
    // Even from another client, and mixed with a new mutation.
    let mut mixed = batch.clone();
    mixed.push(m("dup-3", "UPDATE", "course", "c1", None, Some(json!({"n": 2}))));
    let third = s.push("idem", "B", mixed).await;
    assert_eq!(third[..2], first[..]);
    assert_eq!(third[2]["status"], "conflict", "B never saw c1 and did not write it last");

    let stats = s.stats("idem").await;
    assert_eq!(stats["applyCounts"], json!({"dup-1": 1, "dup-2": 1}));
    assert_eq!(stats["pushRequests"], 3);
    let (all, _) = s.pull_all("idem", "").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["version"], 2);

    // A duplicate id inside one request is answered from the first.
    let r = s
        .push(
            "idem",
            "A",
            vec![
                m("same", "UPDATE", "course", "c1", None, Some(json!({"n": 9}))),
                m("same", "UPDATE", "course", "c1", None, Some(json!({"n": 10}))),
            ],
        )
        .await;
    assert_eq!(r[0], r[1]);
    assert_eq!(s.stats("idem").await["applyCounts"]["same"], 1);
}

#[tokio::test]
async fn rejected_results_are_replayed_too() {
    let s = start().await;
    let bad = vec![m("rej", "CREATE", "course", "c1", None, Some(json!("not an object")))];
    let a = s.push("rej", "A", bad.clone()).await;
    assert_eq!(a[0]["status"], "rejected");
    assert!(a[0]["error"].as_str().unwrap().contains("object"));
    // Same id, now valid: still the recorded rejection.
    let good = vec![m("rej", "CREATE", "course", "c1", None, Some(json!({})))];
    assert_eq!(s.push("rej", "A", good).await, a);

    let long = "x".repeat(201);
    let r = s
        .push(
            "rej",
            "A",
            vec![
                m("v1", "CREATE", "", "c", None, Some(json!({}))),
                m("v2", "CREATE", "course", &long, None, Some(json!({}))),
                m("v3", "UPDATE", "course", "c", None, None),
                m(&long, "DELETE", "course", "c", None, None),
            ],
        )
        .await;
    for x in &r {
        assert_eq!(x["status"], "rejected", "{x}");
    }
    assert!(s.stats("rej").await["applyCounts"].as_object().unwrap().is_empty());
}

#[tokio::test]
async fn lengths_count_characters_not_bytes() {
    let s = start().await;
    // 200 two-byte characters (400 bytes) are 200 characters: accepted.
    let e200 = "é".repeat(200);
    let r = s.push("chars", &e200, vec![m(&e200, "CREATE", &e200, &e200, None, Some(json!({})))]).await;
    assert_eq!(r[0]["status"], "applied", "{}", r[0]);
    assert_eq!(r[0]["entity"]["id"], e200.as_str());
    // And 200 four-byte ones.
    let g200 = "𝄞".repeat(200);
    let r = s.push("chars", "A", vec![m(&g200, "CREATE", "course", &g200, None, Some(json!({})))]).await;
    assert_eq!(r[0]["status"], "applied", "{}", r[0]);
    // 201 characters are too many, whatever their size.
    let e201 = "é".repeat(201);
    let r = s
        .push(
            "chars",
            "A",
            vec![
                m("c1", "CREATE", "course", &e201, None, Some(json!({}))),
                m("c2", "CREATE", &e201, "x", None, Some(json!({}))),
                m(&e201, "CREATE", "course", "x", None, Some(json!({}))),
            ],
        )
        .await;
    for x in &r {
        assert_eq!(x["status"], "rejected", "{x}");
        assert!(x["error"].as_str().unwrap().contains("1-200 characters"), "{x}");
    }
    let res = s.push_raw("chars", &e201, vec![]).await;
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn stale_base_from_other_client_conflicts_but_own_chain_does_not() {
    let s = start().await;
    let r = s.push("conf", "A", vec![m("a1", "CREATE", "course", "c1", None, Some(json!({"t": "a"})))]).await;
    assert_eq!(r[0]["entity"]["version"], 1);
    // A keeps editing without having seen the new versions: its own chain applies.
    let r = s.push("conf", "A", vec![m("a2", "UPDATE", "course", "c1", Some(1), Some(json!({"t": "a2"})))]).await;
    assert_eq!(r[0]["status"], "applied");
    let r = s.push("conf", "A", vec![m("a3", "UPDATE", "course", "c1", Some(1), Some(json!({"u": 1})))]).await;
    assert_eq!(r[0]["status"], "applied");
    assert_eq!(r[0]["entity"]["version"], 3);

    // B based on version 1: conflict, with the server's row.
    let r = s.push("conf", "B", vec![m("b1", "UPDATE", "course", "c1", Some(1), Some(json!({"t": "b"})))]).await;
    assert_eq!(r[0]["status"], "conflict");
    assert_eq!(r[0]["entity"]["version"], 3);
    assert_eq!(r[0]["entity"]["data"], json!({"t": "a2", "u": 1}));
    // B without any base (a blind create) conflicts as well.
    let r = s.push("conf", "B", vec![m("b2", "CREATE", "course", "c1", None, Some(json!({})))]).await;
    assert_eq!(r[0]["status"], "conflict");
    // B rebased on the current version applies; now A's stale chain conflicts.
    let r = s.push("conf", "B", vec![m("b3", "UPDATE", "course", "c1", Some(3), Some(json!({"t": "b"})))]).await;
    assert_eq!(r[0]["status"], "applied");
    let r = s.push("conf", "A", vec![m("a4", "DELETE", "course", "c1", Some(3), None)]).await;
    assert_eq!(r[0]["status"], "conflict");
    assert_eq!(r[0]["entity"]["version"], 4);

    // A conflict is not recorded: the same id resent on the current version applies.
    let r = s.push("conf", "A", vec![m("a4", "DELETE", "course", "c1", Some(4), None)]).await;
    assert_eq!(r[0]["status"], "applied");
    // A tombstone conflicts too, and comes back as a tombstone.
    let r = s.push("conf", "B", vec![m("b4", "UPDATE", "course", "c1", Some(4), Some(json!({})))]).await;
    assert_eq!(r[0]["status"], "conflict");
    assert_eq!(r[0]["entity"]["deleted"], true);
    assert_eq!(r[0]["entity"]["data"], Value::Null);
}

#[tokio::test]
async fn update_merges_top_level_fields() {
    let s = start().await;
    s.push(
        "merge",
        "A",
        vec![m(
            "1",
            "CREATE",
            "course",
            "c1",
            None,
            Some(json!({"id": "c1", "title": "a", "tags": ["x"], "meta": {"a": 1}})),
        )],
    )
    .await;
    let r = s
        .push(
            "merge",
            "A",
            vec![m("2", "UPDATE", "course", "c1", Some(1), Some(json!({"title": "b", "meta": {"b": 2}, "new": null})))],
        )
        .await;
    assert_eq!(r[0]["entity"]["data"], json!({"id": "c1", "title": "b", "tags": ["x"], "meta": {"b": 2}, "new": null}));
    // CREATE on an existing entity replaces it whole.
    let r = s.push("merge", "A", vec![m("3", "CREATE", "course", "c1", Some(2), Some(json!({"id": "c1"})))]).await;
    assert_eq!(r[0]["entity"]["data"], json!({"id": "c1"}));
}

#[tokio::test]
async fn auth_is_required() {
    let s = start().await;
    let res = s.http.get(s.url("/sync/pull")).send().await.unwrap();
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
    let res = s.http.get(s.url("/sync/pull")).bearer_auth("nope").send().await.unwrap();
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
    let res = s.http.get(s.url("/sync/pull")).bearer_auth("dev-bad user").send().await.unwrap();
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
    let res = s
        .http
        .post(s.url("/sync/push"))
        .header("Authorization", "Basic Zm9vOmJhcg==")
        .json(&json!({"clientId": "x", "mutations": []}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn configured_tokens_and_no_dev_tokens() {
    let mut opts = sync_server::Options::for_tests();
    opts.dev_tokens = false;
    opts.tokens = vec![("s3cret".into(), "alice".into())];
    let s = start_with(opts).await;
    let res = s.http.get(s.url("/sync/pull")).bearer_auth("dev-alice").send().await.unwrap();
    assert_json_error(res, StatusCode::UNAUTHORIZED).await;
    let res = s.http.get(s.url("/sync/pull")).bearer_auth("s3cret").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn users_cannot_see_or_touch_each_other() {
    let s = start().await;
    s.push("alice", "A", vec![m("x1", "CREATE", "course", "shared-id", None, Some(json!({"owner": "alice"})))]).await;
    // Bob sees nothing, not even with the exact id in a scope.
    assert_eq!(s.pull("bob", "").await["changes"], json!([]));
    assert_eq!(s.pull("bob", "scope=course:shared-id").await["changes"], json!([]));
    // Bob's update and delete find no entity; Bob's create makes his own.
    let r = s
        .push(
            "bob",
            "B",
            vec![
                m("x1", "UPDATE", "course", "shared-id", Some(1), Some(json!({"owner": "bob"}))),
                m("y2", "DELETE", "course", "shared-id", Some(1), None),
                m("y3", "CREATE", "course", "shared-id", None, Some(json!({"owner": "bob"}))),
            ],
        )
        .await;
    assert_eq!(r[0]["status"], "rejected", "mutation ids are per user too");
    assert_eq!(r[1]["status"], "applied");
    assert!(r[1].get("entity").is_none());
    assert_eq!(r[2]["entity"]["version"], 1);

    let alice = s.pull("alice", "").await;
    assert_eq!(alice["changes"].as_array().unwrap().len(), 1);
    assert_eq!(alice["changes"][0]["data"], json!({"owner": "alice"}));
    assert_eq!(alice["changes"][0]["version"], 1);
    let bob = s.pull("bob", "").await;
    assert_eq!(bob["changes"][0]["data"], json!({"owner": "bob"}));
}

#[tokio::test]
async fn bad_pull_parameters_are_400() {
    let s = start().await;
    for q in ["cursor=abc", "cursor=-1", "limit=0", "limit=1001", "limit=ten", "scope=lesson:1", "scope=course:"] {
        let res = s.pull_raw("badq", q).await;
        assert_json_error(res, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(s.pull_raw("badq", "limit=1000").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn cursor_never_handed_out_is_400() {
    let s = start().await;
    s.push("ahead", "A", vec![m("a1", "CREATE", "course", "c1", None, Some(json!({})))]).await;
    let latest: u64 = s.pull("ahead", "").await["cursor"].as_str().unwrap().parse().unwrap();
    // The latest cursor itself, and "0", are fine.
    assert_eq!(s.pull("ahead", &format!("cursor={latest}")).await["changes"], json!([]));
    assert_eq!(s.pull("ahead", "cursor=0").await["changes"].as_array().unwrap().len(), 1);
    // Past the latest change (a restored database, another server), 2^63 and
    // more (which wrapped negative and answered everything), u64 overflow, and
    // forms the server never writes.
    let big =
        [(latest + 1).to_string(), (1u64 << 63).to_string(), u64::MAX.to_string(), "99999999999999999999999".into()];
    let odd = ["+1", "01", "1.0", " 1", "1e3", "0x1"];
    for c in big.iter().map(String::as_str).chain(odd) {
        let res = s.pull_raw("ahead", &format!("cursor={}", c.replace('+', "%2B").replace(' ', "%20"))).await;
        let msg = assert_json_error(res, StatusCode::BAD_REQUEST).await;
        assert!(msg.contains("cursor"), "{c}: {msg}");
    }
}

#[tokio::test]
async fn malformed_json_is_400_json() {
    let s = start().await;
    for body in ["{not json", "", "[]", r#"{"clientId":"c"}"#, r#"{"clientId":"c","mutations":[{"op":"PATCH"}, 5]}"#] {
        let res = s
            .req(Method::POST, "/sync/push", "malformed")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_json_error(res, StatusCode::BAD_REQUEST).await;
    }
    let res = s
        .req(Method::POST, "/sync/push", "malformed")
        .json(&json!({"clientId": "", "mutations": []}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn oversized_body_is_413_json() {
    let mut opts = sync_server::Options::for_tests();
    opts.max_body_bytes = 1024;
    let s = start_with(opts).await;
    let big = json!({"clientId": "c", "mutations": [m("1", "CREATE", "course", "c", None, Some(json!({"x": "y".repeat(2000)})))]});
    let res = s.req(Method::POST, "/sync/push", "big").json(&big).send().await.unwrap();
    let msg = assert_json_error(res, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(msg.contains("1024"), "{msg}");
    // Without Content-Length (chunked), the limit still holds. reqwest has no
    // streaming bodies without an extra feature, so speak HTTP/1.1 by hand.
    let body = big.to_string();
    let (a, b) = body.split_at(600);
    let raw = format!(
        "POST /sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-big\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    let answer = raw_http(&s, raw.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/json") && answer.contains("\"error\""), "{answer}");
    assert_eq!(s.pull("big", "").await["changes"], json!([]));
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let s = start().await;
    let res = s.http.get(s.url("/nope")).send().await.unwrap();
    assert_json_error(res, StatusCode::NOT_FOUND).await;
    let res = s.req(Method::DELETE, "/sync/push", "x").send().await.unwrap();
    assert_json_error(res, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn cors_mirrors_origin_and_allows_our_headers() {
    let s = start().await;
    let headers = "authorization,content-type,x-offline-sync-client,idempotency-key,if-match";
    let res = s.preflight("/sync/push", "http://app.example", "POST", headers).await;
    assert!(res.status().is_success());
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "http://app.example");
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    for name in ["authorization", "content-type", "x-offline-sync-client", "idempotency-key", "if-match"] {
        assert!(allowed.contains(name), "{allowed}");
    }
    assert!(h["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));

    // Errors carry CORS headers too, or the browser hides them from the app.
    let res = s.http.get(s.url("/sync/pull")).header("Origin", "http://other.example").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["access-control-allow-origin"], "http://other.example");
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.contains("etag") && exposed.contains("retry-after"));
}

#[tokio::test]
async fn seed_demo_creates_courses_with_lessons() {
    let mut opts = sync_server::Options::for_tests();
    opts.seed_demo = true;
    let s = start_with(opts).await;
    let (all, _) = s.pull_all("demo", "").await;
    let courses: Vec<&Value> = all.iter().filter(|c| c["entityType"] == "course").collect();
    assert_eq!(courses.len(), 6);
    for c in &courses {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["data"]["id"], id);
        assert!(c["data"]["title"].is_string() && c["data"]["level"].is_string());
        let scoped = s.pull("demo", &format!("scope=course:{id}")).await;
        let lessons = scoped["changes"].as_array().unwrap().len() - 1;
        assert!((3..=4).contains(&lessons), "{id} has {lessons} lessons");
    }
}

#[tokio::test]
async fn refuses_public_address_without_flag() {
    let mut opts = sync_server::Options::for_tests();
    opts.addr = "0.0.0.0:0".parse().unwrap();
    let err = sync_server::serve(opts).await.expect_err("refused");
    assert!(err.to_string().contains("--public"));
}

/// Protocol 1.1: a page followed by more says how many (`remaining`), so a client
/// can show progress; the last page does not need to.
#[tokio::test]
async fn a_page_with_more_says_how_many_remain() {
    let s = start().await;
    let ms = (0..3)
        .map(|i| m(&format!("r{i}"), "CREATE", "course", &format!("c{i}"), None, Some(json!({"i": i}))))
        .collect();
    s.push("remain", "A", ms).await;
    let body = s.pull("remain", "limit=1").await;
    assert_eq!((body["hasMore"].clone(), body["remaining"].clone()), (json!(true), json!(2)));
    let cursor = body["cursor"].as_str().unwrap().to_string();
    let body = s.pull("remain", &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(body["hasMore"], false);
    assert!(body.get("remaining").is_none(), "{body}");
}
