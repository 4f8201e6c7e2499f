//! Faults: failed entries.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn a_rejected_change_is_set_aside_while_the_rest_goes_on() {
    let (user, e) = fixture("freject");
    let ok1 = ok(e.put(v("course"), v("ok1"), json(r#"{"title":"1"}"#))).await;
    // `ghost` does not exist on the server: the server answers `rejected`.
    let g1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"title":"g1"}"#))).await;
    let ok2 = ok(e.put(v("course"), v("ok2"), json(r#"{"title":"2"}"#))).await;
    // ... and again as the last entry of the queue, so that the change below has a
    // failed tail to (not) fold into.
    let g0 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"tail":true}"#))).await;
    let r = full_sync(&e).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "a rejected change does not fail the sync: {}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 2.0);
    assert_eq!(num(&r, "failed"), 2.0);
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 2);
    let f = failed.get(0);
    assert_eq!(get(&f, "mutationId"), g1);
    assert_eq!(get(&failed.get(1), "mutationId"), g0);
    assert_eq!(s(&f, "status").as_deref(), Some("failed"));
    assert!(s(&f, "error").unwrap_or_default().contains("entity not found"), "{}", stringify(&f));
    assert_eq!(pending_count(&e).await, 0.0, "failed entries are not pending");
    // The app still sees its change locally while it is set aside.
    assert_eq!(s(&ok(e.get(v("course"), v("ghost"))).await, "title").as_deref(), Some("g1"));

    // A later change to the same entity waits behind the failed one; others go on.
    let g2 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("ghost"), json(r#"{"n":2}"#))).await;
    assert_ne!(g2, g0, "never folded into the failed tail");
    let ok3 = ok(e.put(v("course"), v("ok3"), json(r#"{"title":"3"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&r, "failed"), 0.0);
    let pending = arr(ok(e.pending()).await);
    assert_eq!(pending.length(), 1);
    assert_eq!(get(&pending.get(0), "mutationId"), g2, "held back behind the failed change");
    assert_eq!(num(&pending.get(0), "attempts"), 0.0, "never sent");
    not_applied(&user, &g1).await;
    not_applied(&user, &g2).await;
    applied_once(&user, &[&ok1, &ok2, &ok3]).await;

    // Once the entity exists on the server (created by this same client), the
    // retried change and the one behind it go through, in order.
    let client = ok(e.client_id()).await.as_string().unwrap();
    let body = json(&format!(
        r#"{{"clientId":"{client}","mutations":[{{"mutationId":"seed-{user}","op":"CREATE","entityType":"course","entityId":"ghost","data":{{"id":"ghost","title":"server"}}}}]}}"#
    ));
    assert_eq!(http("POST", "/sync/push", Some(&token(&user)), body).await.status, 200);
    assert_eq!(ok(e.retry_failed(js_sys::Array::of1(&v("not-an-id")).into())).await, n(0.0));
    assert_eq!(ok(e.retry_failed(js_sys::Array::of2(&g1, &g0).into())).await, n(2.0));
    assert_eq!(arr(ok(e.failed()).await).length(), 0);
    let pending = arr(ok(e.pending()).await);
    assert_eq!(pending.length(), 3);
    // A change the server refused was never applied, so the retry may send it under
    // a new mutation id (the server logged the refusal under the old one).
    let sent: Vec<JsValue> = pending.iter().map(|p| get(&p, "mutationId")).collect();
    assert_eq!(sent[2], g2);
    let r = sync(&e).await;
    assert_eq!(
        num(&r, "pushed"),
        3.0,
        "the retried changes went through: {} {}",
        stringify(&r),
        stringify(&ok(e.failed()).await)
    );
    applied_once(&user, &[&ok1, &ok2, &ok3, &sent[0], &sent[1], &sent[2]]).await;
    assert_eq!(
        server_state(&user).await,
        expect(&[
            ("course/ghost", r#"{"id":"ghost","title":"g1","tail":true,"n":2}"#),
            ("course/ok1", r#"{"id":"ok1","title":"1"}"#),
            ("course/ok2", r#"{"id":"ok2","title":"2"}"#),
            ("course/ok3", r#"{"id":"ok3","title":"3"}"#),
        ])
    );
    assert_eq!(pending_count(&e).await, 0.0);
}

#[wasm_bindgen_test]
async fn discard_failed_lets_the_changes_behind_go() {
    let (user, e) = fixture("fdiscard");
    let g1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("g"), json(r#"{"title":"lost cause"}"#))).await;
    let h1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("h"), json(r#"{"title":"also"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "failed"), 2.0);
    // A fresh CREATE of the same entity waits behind the failed UPDATE.
    let g2 = ok(e.put(v("course"), v("g"), json(r#"{"title":"fresh"}"#))).await;
    sync(&e).await;
    assert_eq!(pending_count(&e).await, 1.0);
    assert_eq!(arr(ok(e.failed()).await).length(), 2);

    // Discard one by id; the other stays failed.
    assert_eq!(ok(e.discard_failed(js_sys::Array::of1(&g1).into())).await, n(1.0));
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 1);
    assert_eq!(get(&failed.get(0), "mutationId"), h1);
    // The local view is recomputed without the discarded change.
    assert_eq!(canon(&ok(e.get(v("course"), v("g"))).await), canon(&json(r#"{"id":"g","title":"fresh"}"#)));
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&g2]).await;
    not_applied(&user, &g1).await;
    assert_eq!(server_state(&user).await, expect(&[("course/g", r#"{"id":"g","title":"fresh"}"#)]));

    // Discard all: the set-aside change of `h` disappears from the local view too.
    assert_eq!(ok(e.discard_failed(JsValue::UNDEFINED)).await, n(1.0));
    assert!(ok(e.get(v("course"), v("h"))).await.is_undefined());
    assert_eq!(arr(ok(e.failed()).await).length(), 0);
    assert_eq!(pending_count(&e).await, 0.0);
    let err = rejects(e.discard_failed(v("g"))).await;
    assert_eq!(error_name(&err), "TypeError");
}

#[wasm_bindgen_test]
async fn a_permanent_http_error_sets_only_the_offending_change_aside() {
    let (user, e) = fixture("f4xx");
    let a = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let b = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let c = ok(e.put(v("course"), v("c"), json(r#"{"title":"C"}"#))).await;
    // The batch gets 422, then the first change alone gets 422 again: only it is
    // set aside; the rest goes on one by one.
    faults(&user, r#"{"failNext": {"count": 2, "status": 422, "path": "push"}}"#).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "failed"), 1.0, "{}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 2.0);
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 1);
    assert_eq!(get(&failed.get(0), "mutationId"), a);
    assert!(s(&failed.get(0), "error").unwrap_or_default().contains("422"), "{}", stringify(&failed));
    applied_once(&user, &[&b, &c]).await;
    not_applied(&user, &a).await;

    assert_eq!(ok(e.retry_failed(JsValue::UNDEFINED)).await, n(1.0));
    // The server refused it, so it was never applied: the retry goes out under a new
    // id (the server would answer the old one with its logged refusal).
    let a2 = get(&arr(ok(e.pending()).await).get(0), "mutationId");
    assert_ne!(a2, a);
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&a2, &b, &c]).await;
    not_applied(&user, &a).await;
    assert_eq!(server_state(&user).await.len(), 3);
}

#[wasm_bindgen_test]
async fn max_attempts_sets_a_change_aside_with_its_last_error() {
    let (user, e) = fixture_with("fmaxatt", &[("maxAttempts", n(2.0))]);
    let m = ok(e.put(v("course"), v("x"), json(r#"{"title":"X"}"#))).await;
    faults(&user, r#"{"failNext": {"count": 100, "status": 503, "path": "push"}}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "server", "503");
    assert_eq!(pending_count(&e).await, 1.0, "one failure is not enough");
    let r = full_sync(&e).await;
    assert_failed_with(&r, "server", "503");
    assert_eq!(num(&r, "failed"), 1.0, "{}", stringify(&r));
    assert_eq!(pending_count(&e).await, 0.0);
    let failed = arr(ok(e.failed()).await);
    assert_eq!(failed.length(), 1);
    let err = s(&failed.get(0), "error").unwrap_or_default();
    assert!(err.contains("503"), "the last error is kept: {err}");
    // Set aside, it is no longer sent.
    let pushes = num(&stats(&user).await, "pushRequests");
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 0.0);
    assert_eq!(num(&stats(&user).await, "pushRequests"), pushes);

    clear_faults(&user).await;
    assert_eq!(ok(e.retry_failed(JsValue::UNDEFINED)).await, n(1.0));
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}

#[wasm_bindgen_test]
async fn being_offline_never_uses_up_attempts() {
    setup();
    let ns = unique("ns-");
    let user = unique("foffline");
    let dead = [("maxAttempts", n(1.0)), ("apiBaseUrl", v("http://127.0.0.1:9"))];
    let e = engine_with(&ns, &user, &dead);
    let m = ok(e.put(v("course"), v("o"), json(r#"{"title":"offline"}"#))).await;
    for _ in 0..3 {
        let r = full_sync(&e).await;
        assert_failed_with(&r, "network", "network error");
    }
    assert_eq!(pending_count(&e).await, 1.0);
    assert_eq!(arr(ok(e.failed()).await).length(), 0, "unreachable is not a failed attempt");
    let p = arr(ok(e.pending()).await).get(0);
    assert!(s(&p, "error").unwrap_or_default().contains("network error"), "{}", stringify(&p));
    e.close();
    let back = engine_with(&ns, &user, &[("maxAttempts", n(1.0))]);
    let r = sync(&back).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}

#[wasm_bindgen_test]
async fn failed_count_shows_in_status() {
    setup();
    let user = unique("fstatus");
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    let page = get_sync_engine();
    ok(page.queue_mutation(v("UPDATE"), v("course"), v("nope"), json(r#"{"a":1}"#))).await;
    ok(page.put(v("course"), v("yes"), json(r#"{"a":1}"#))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    wait_until("pending counts", || num(&get(&c.get_snapshot(), "status"), "pendingCount") == 2.0).await;
    ok(c.perform_sync()).await;
    wait_until("failedCount 1", || {
        let st = get(&c.get_snapshot(), "status");
        num(&st, "failedCount") == 1.0 && num(&st, "pendingCount") == 0.0
    })
    .await;
    ok(page.discard_failed(JsValue::UNDEFINED)).await;
    wait_until("failedCount 0", || num(&get(&c.get_snapshot(), "status"), "failedCount") == 0.0).await;
    c.dispose();
}
