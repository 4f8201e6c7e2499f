//! Faults: transient.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn server_errors_are_retried_and_nothing_is_lost() {
    let (user, e) = fixture("f5xx");
    let m1 = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let m2 = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let m3 = ok(e.queue_mutation(v("DELETE"), v("course"), v("z"), JsValue::NULL)).await;
    faults(&user, r#"{"failNext": {"count": 2, "status": 503, "path": "push"}}"#).await;
    let before = queue_json(&e).await;

    for round in 0..2 {
        let r = full_sync(&e).await;
        assert_failed_with(&r, "server", "503");
        assert_eq!(num(&r, "pushed"), 0.0);
        assert_eq!(pending_count(&e).await, 3.0, "round {round}: every change still queued");
        assert!(server_state(&user).await.is_empty(), "nothing reached the server");
    }
    // The last error is recorded on each entry, for the app to show.
    let pending = arr(ok(e.pending()).await);
    for p in pending.iter() {
        let err = s(&p, "error").unwrap_or_default();
        assert!(err.contains("503"), "entry error {err:?}");
        assert!(num(&p, "attempts") >= 2.0);
    }
    assert_ne!(queue_json(&e).await, before, "attempts were counted");
    assert_eq!(s(&ok(e.get(v("course"), v("a"))).await, "title").as_deref(), Some("A"), "local view intact");

    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 3.0);
    assert_eq!(pending_count(&e).await, 0.0);
    assert_eq!(
        server_state(&user).await,
        expect(&[("course/a", r#"{"id":"a","title":"A"}"#), ("course/b", r#"{"id":"b","title":"B"}"#)])
    );
    applied_once(&user, &[&m1, &m2, &m3]).await;

    // A 5xx on the pull: what was pushed stays pushed, the pull is simply retried.
    let m4 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("a"), json(r#"{"level":2}"#))).await;
    faults(&user, r#"{"failNext": {"count": 1, "status": 500, "path": "pull"}}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "server", "500");
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(pending_count(&e).await, 0.0);
    sync(&e).await;
    applied_once(&user, &[&m1, &m2, &m3, &m4]).await;
    assert_eq!(server_state(&user).await["course/a"], canon(&json(r#"{"id":"a","title":"A","level":2}"#)));
}

#[wasm_bindgen_test]
async fn a_timeout_leaves_the_store_consistent_and_the_retry_applies_once() {
    let (user, e) = fixture_with("ftimeout", &[("requestTimeoutMs", n(300.0))]);
    let m1 = ok(e.put(v("course"), v("t"), json(r#"{"title":"slow"}"#))).await;
    let m2 = ok(e.put(v("lesson"), v("l"), json(r#"{"courseId":"t"}"#))).await;
    faults(&user, r#"{"delayMs": 1500}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "network", "timed out after 300 ms");
    assert!(num(&r, "durationMs") < 1400.0, "the timeout cut the request short: {}", stringify(&r));
    assert_eq!(pending_count(&e).await, 2.0);
    assert_eq!(s(&ok(e.get(v("course"), v("t"))).await, "title").as_deref(), Some("slow"));
    let pending = arr(ok(e.pending()).await);
    assert!(s(&pending.get(0), "error").unwrap_or_default().contains("timed out"), "{}", stringify(&pending));

    // Whatever the server did with the abandoned request, the retry applies each
    // change exactly once.
    sleep(1700).await;
    clear_faults(&user).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 2.0);
    assert_eq!(pending_count(&e).await, 0.0);
    applied_once(&user, &[&m1, &m2]).await;
    assert_eq!(
        server_state(&user).await,
        expect(&[("course/t", r#"{"id":"t","title":"slow"}"#), ("lesson/l", r#"{"id":"l","courseId":"t"}"#)])
    );
    assert_eq!(server_version(&user, "course", "t").await, 1.0);
}

#[wasm_bindgen_test]
async fn a_lost_acknowledgement_is_not_applied_twice() {
    let (user, e) = fixture("flostack");
    let m0 = ok(e.put(v("course"), v("k"), json(r#"{"title":"v1"}"#))).await;
    sync(&e).await;
    // An UPDATE makes a duplicate visible: applied twice, the version would be 3.
    let m1 = ok(e.queue_mutation(v("UPDATE"), v("course"), v("k"), json(r#"{"n":1}"#))).await;
    let m2 = ok(e.put(v("course"), v("k2"), json(r#"{"title":"other"}"#))).await;
    // Chromium itself resends a POST once when a reused keep-alive connection closes
    // before any answer, so drop three answers in a row: the engine is sure to see
    // a failure, and the change is sent at least three times in all.
    faults(&user, r#"{"dropAfterApply": 3}"#).await;
    let pushes = num(&stats(&user).await, "pushRequests");
    let mut seen_failures = 0;
    for _ in 0..6 {
        let r = full_sync(&e).await;
        if get(&r, "success") == JsValue::TRUE {
            assert_eq!(num(&r, "pushed"), 2.0, "the resend is answered from the server's log");
            break;
        }
        seen_failures += 1;
        assert_failed_with(&r, "network", "network error");
        // The server committed, the client could not know: everything is still queued.
        assert_eq!(pending_count(&e).await, 2.0);
        assert_eq!(server_version(&user, "course", "k").await, 2.0, "applied once, before the first drop");
        applied_once(&user, &[&m0, &m1, &m2]).await;
    }
    assert!(seen_failures >= 1, "the engine saw the lost answer");
    assert!(num(&stats(&user).await, "pushRequests") - pushes >= 4.0, "three dropped answers, then one received");
    assert_eq!(pending_count(&e).await, 0.0);
    assert_eq!(server_version(&user, "course", "k").await, 2.0, "not applied a second time");
    applied_once(&user, &[&m0, &m1, &m2]).await;
    assert_eq!(
        server_state(&user).await,
        expect(&[("course/k", r#"{"id":"k","title":"v1","n":1}"#), ("course/k2", r#"{"id":"k2","title":"other"}"#)])
    );
    assert_eq!(s(&ok(e.get(v("course"), v("k"))).await, "title").as_deref(), Some("v1"));
    assert_eq!(num(&ok(e.get(v("course"), v("k"))).await, "n"), 1.0);
}

#[wasm_bindgen_test]
async fn malformed_answers_are_protocol_errors_and_retried_once() {
    let (user, e) = fixture("fmalformed");
    let m1 = ok(e.put(v("course"), v("m"), json(r#"{"title":"M"}"#))).await;
    faults(&user, r#"{"malformedNext": 1}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "protocol", "not valid JSON");
    assert_eq!(pending_count(&e).await, 1.0);
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m1]).await;
    assert_eq!(server_version(&user, "course", "m").await, 1.0);

    // A truncated pull page: nothing of it is written and the cursor stays, so the
    // next sync pulls the page again.
    let b = engine(&unique("ns-"), &user);
    faults(&user, r#"{"malformedNext": 1}"#).await;
    let r = full_sync(&b).await;
    assert_failed_with(&r, "protocol", "not valid JSON");
    assert!(ok(b.get(v("course"), v("m"))).await.is_undefined());
    let r = sync(&b).await;
    assert_eq!(num(&r, "pulled"), 1.0);
    assert_eq!(s(&ok(b.get(v("course"), v("m"))).await, "title").as_deref(), Some("M"));
}
