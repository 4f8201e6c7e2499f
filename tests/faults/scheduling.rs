//! Faults: scheduling.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn retry_after_pushes_next_sync_at_out_and_online_cuts_it_short() {
    setup();
    let user = unique("f429");
    ok(init_offline_sync(options(&unique("ns-"), &user, &[]))).await;
    let m1 = ok(get_sync_engine().put(v("course"), v("r"), json(r#"{"title":"later"}"#))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 1000}"#)).unwrap();
    c.start();
    faults(&user, r#"{"retryAfter": {"count": 1, "seconds": 120}}"#).await;
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "429");
    let status = get(&c.get_snapshot(), "status");
    let wait = num(&status, "nextSyncAt") - js_sys::Date::now();
    assert!(wait >= 118_000.0, "nextSyncAt honours Retry-After: 120 (the interval is 1 s), next in {wait} ms");
    assert!(wait <= 122_000.0, "next in {wait} ms");
    assert!(s(&status, "error").unwrap_or_default().contains("429"), "status.error while it lasted");
    assert_eq!(num(&status, "pendingCount"), 1.0);
    let count = num(&status, "syncCount");

    // Coming back online does not wait.
    fire("online");
    wait_until("a sync after `online`", || num(&get(&c.get_snapshot(), "status"), "syncCount") > count).await;
    let status = get(&c.get_snapshot(), "status");
    assert!(get(&status, "error").is_null(), "{}", stringify(&status));
    let wait = num(&status, "nextSyncAt") - js_sys::Date::now();
    assert!(wait <= 1_500.0, "back to the interval: next in {wait} ms");
    applied_once(&user, &[&m1]).await;
    c.dispose();
}

#[wasm_bindgen_test]
async fn backoff_after_server_errors_and_online_cuts_the_wait_short() {
    setup();
    let user = unique("fbackoff");
    let extra = [("retryBaseMs", n(60_000.0)), ("retryMaxMs", n(120_000.0))];
    ok(init_offline_sync(options(&unique("ns-"), &user, &extra))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 600000}"#)).unwrap();
    c.start();
    faults(&user, r#"{"failNext": {"count": 100, "status": 502}}"#).await;
    fix_random(0.99);
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "502");
    let wait = num(&get(&c.get_snapshot(), "status"), "nextSyncAt") - js_sys::Date::now();
    // Full jitter: uniform below min(cap, base * 2^(n-1)); with random() = 0.99, 59.4 s.
    assert!((55_000.0..=60_000.0).contains(&wait), "first retry within the backoff ceiling, not the interval: {wait}");
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "502");
    let wait = num(&get(&c.get_snapshot(), "status"), "nextSyncAt") - js_sys::Date::now();
    assert!((110_000.0..=120_000.0).contains(&wait), "the ceiling doubles, capped at retryMaxMs: {wait}");
    let r = ok(c.perform_sync()).await;
    assert_failed_with(&r, "server", "502");
    let wait = num(&get(&c.get_snapshot(), "status"), "nextSyncAt") - js_sys::Date::now();
    assert!((110_000.0..=120_000.0).contains(&wait), "capped: {wait}");
    restore_random();

    clear_faults(&user).await;
    let count = num(&get(&c.get_snapshot(), "status"), "syncCount");
    fire("online");
    wait_until("a sync after `online`", || num(&get(&c.get_snapshot(), "status"), "syncCount") > count).await;
    let status = get(&c.get_snapshot(), "status");
    assert!(get(&status, "error").is_null(), "{}", stringify(&status));
    let wait = num(&status, "nextSyncAt") - js_sys::Date::now();
    assert!(wait > 590_000.0, "a good sync goes back to the interval: {wait}");
    c.dispose();
}
