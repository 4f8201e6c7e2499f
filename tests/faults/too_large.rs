//! Faults: too large.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn a_change_too_large_for_any_push_is_set_aside_unsent_and_the_queue_goes_on() {
    setup();
    let user = unique("fbig");
    // The app allows big payloads; the protocol does not carry more than 5 MiB.
    let e = engine_with(&unique("ns-"), &user, &[("maxPayloadBytes", n(8_000_000.0))]);
    let big = js_sys::Object::new();
    js_sys::Reflect::set(&big, &v("title"), &v(&"x".repeat(6 << 20))).unwrap();
    let a = ok(e.put(v("course"), v("big"), big.into())).await;
    let b = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let r = sync(&e).await;
    assert_eq!((num(&r, "failed"), num(&r, "pushed")), (1.0, 1.0), "{}", stringify(&r));
    let failed = arr(ok(e.failed()).await);
    assert_eq!(get(&failed.get(0), "mutationId"), a);
    let err = s(&failed.get(0), "error").unwrap_or_default();
    assert!(err.contains("too large to sync"), "{err}");
    applied_once(&user, &[&b]).await;
    not_applied(&user, &a).await;
    // Set aside, not retried: the next sync sends nothing.
    let pushes = num(&stats(&user).await, "pushRequests");
    sync(&e).await;
    assert_eq!(num(&stats(&user).await, "pushRequests"), pushes);
}

#[wasm_bindgen_test]
async fn a_413_sets_the_lone_change_aside_as_too_large_and_the_rest_goes_on() {
    let (user, e) = fixture("f413");
    let a = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let b = ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    // The batch gets 413, then the first change alone: it is set aside, the
    // rest goes on one by one.
    faults(&user, r#"{"failNext": {"count": 2, "status": 413, "path": "push"}}"#).await;
    let r = sync(&e).await;
    assert_eq!((num(&r, "failed"), num(&r, "pushed")), (1.0, 1.0), "{}", stringify(&r));
    let failed = arr(ok(e.failed()).await);
    assert_eq!(get(&failed.get(0), "mutationId"), a);
    let err = s(&failed.get(0), "error").unwrap_or_default();
    assert!(err.contains("too large for the server (413"), "{err}");
    applied_once(&user, &[&b]).await;
    not_applied(&user, &a).await;
}
