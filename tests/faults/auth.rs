//! Faults: auth.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn an_expired_token_is_asked_for_again_once() {
    setup();
    let user = unique("fauth");
    let t = counting_token(vec![token(&user)]);
    let e = engine_with(&unique("ns-"), &user, &[("getAuthToken", get(&t, "fn"))]);
    let m = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    faults(&user, r#"{"expireTokenOnce": true}"#).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(num(&t, "calls"), 2.0, "once for the sync, once more after the 401");
    applied_once(&user, &[&m]).await;

    // A refreshed token that works: the retry goes through.
    let user2 = unique("fauth2");
    let t = counting_token(vec!["stale-token".into(), token(&user2)]);
    let e = engine_with(&unique("ns-"), &user2, &[("getAuthToken", get(&t, "fn"))]);
    let m = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    assert_eq!(num(&t, "calls"), 2.0);
    applied_once(&user2, &[&m]).await;
}

#[wasm_bindgen_test]
async fn a_second_401_is_an_auth_error_and_nothing_is_dropped() {
    setup();
    let ns = unique("ns-");
    let user = unique("fauthbad");
    let t = counting_token(vec!["revoked-token".into()]);
    let e = engine_with(&ns, &user, &[("getAuthToken", get(&t, "fn"))]);
    let m = ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    let before = queue_changes(&e).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "auth", "401");
    assert!(s(&r, "error").unwrap().contains("nothing was dropped"), "{}", stringify(&r));
    assert_eq!(num(&t, "calls"), 2.0, "asked once more after the first 401, not in a loop");
    assert_eq!(pending_count(&e).await, 1.0);
    assert_eq!(arr(ok(e.failed()).await).length(), 0, "an auth failure never sets changes aside");
    assert_eq!(queue_changes(&e).await, before, "the queue is as it was");
    // A token callback that throws is an auth error too.
    let thrower: js_sys::Function = js_sys::Function::new_no_args("throw new Error('signed out')");
    let e2 = engine_with(&ns, &user, &[("getAuthToken", thrower.into())]);
    let r = full_sync(&e2).await;
    assert_failed_with(&r, "auth", "signed out");
    assert_eq!(pending_count(&e2).await, 1.0);
    e.close();
    e2.close();
    // Signed in again: the change goes through, once.
    let again = engine(&ns, &user);
    let r = sync(&again).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}
