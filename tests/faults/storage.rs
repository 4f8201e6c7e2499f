//! Faults: storage.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn storage_quota_errors_are_clear_and_the_queue_stays_intact() {
    setup();
    let ns = unique("ns-");
    let user = unique("fquota");
    let e = engine(&ns, &user);
    let m = ok(e.put(v("course"), v("q"), json(r#"{"title":"kept"}"#))).await;
    let before = queue_json(&e).await;
    set_quota_exceeded(&ns, true);
    let err = rejects(e.put(v("course"), v("q2"), json(r#"{"title":"no room"}"#))).await;
    let msg = error_message(&err);
    assert!(msg.contains("QuotaExceededError"), "{msg}");
    assert!(msg.contains("quota"), "{msg}");
    assert_eq!(s(&err, "kind").as_deref(), Some("storage"));
    let r = full_sync(&e).await;
    assert_failed_with(&r, "storage", "QuotaExceededError");
    set_quota_exceeded(&ns, false);
    assert_eq!(queue_json(&e).await, before, "nothing of the failed calls was written");
    assert!(ok(e.get(v("course"), v("q2"))).await.is_undefined());
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 1.0);
    applied_once(&user, &[&m]).await;
}

#[wasm_bindgen_test]
async fn storage_errors_show_in_status() {
    setup();
    let ns = unique("ns-");
    let user = unique("fqstatus");
    ok(init_offline_sync(options(&ns, &user, &[]))).await;
    ok(get_sync_engine().put(v("course"), v("s"), json(r#"{"title":"S"}"#))).await;
    let c = OfflineSync::new(json(r#"{"syncOnMount": false, "autoSyncInterval": 0}"#)).unwrap();
    c.start();
    set_quota_exceeded(&ns, true);
    ok(c.perform_sync()).await;
    let err = s(&get(&c.get_snapshot(), "status"), "error").unwrap_or_default();
    assert!(err.contains("QuotaExceededError"), "status.error: {err:?}");
    set_quota_exceeded(&ns, false);
    let r = ok(c.perform_sync()).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert!(get(&get(&c.get_snapshot(), "status"), "error").is_null());
    c.dispose();
}

#[wasm_bindgen_test]
async fn reopens_after_the_browser_closed_the_database() {
    setup();
    let ns = unique("ns-");
    let user = unique("freopen");
    let e = engine(&ns, &user);
    let m = ok(e.put(v("course"), v("c"), json(r#"{"title":"before close"}"#))).await;
    assert!(close_connections(&ns) >= 1, "the engine's connection was seen");
    assert_eq!(pending_count(&e).await, 1.0, "reads reopen");
    assert!(close_connections(&ns) >= 1);
    let m2 = ok(e.put(v("course"), v("d"), json(r#"{"title":"after close"}"#))).await;
    assert!(close_connections(&ns) >= 1);
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 2.0);
    applied_once(&user, &[&m, &m2]).await;
    assert!(close_connections(&ns) >= 1);
    assert_eq!(s(&ok(e.get(v("course"), v("d"))).await, "title").as_deref(), Some("after close"));
}

/// Another tab with a newer release upgrades the database (a `versionchange` on
/// this tab's connection): the engine lets go at once, so the upgrade does not
/// wait, the queued change is in the upgraded database, and this tab's engine says
/// to reload instead of writing into a schema it does not know.
#[wasm_bindgen_test]
async fn a_newer_tab_upgrading_the_database_is_not_blocked_and_the_queue_survives() {
    setup();
    let ns = unique("ns-");
    let e = engine(&ns, &unique("fupgrade"));
    ok(e.put(v("course"), v("u"), json(r#"{"title":"queued before the upgrade"}"#))).await;
    let seen = ok(upgrade_elsewhere(&ns)).await;
    assert_eq!(get(&seen, "blocked"), JsValue::FALSE, "the upgrade waited for the engine's connection");
    assert_eq!(num(&seen, "queued"), 1.0, "the queued change is in the upgraded database");
    let err = error_message(&rejects(e.put(v("course"), v("w"), json(r#"{"title":"after"}"#))).await);
    assert!(err.contains("VersionError") && err.contains("reload this page"), "{err}");
    let again = ok(upgrade_elsewhere(&ns)).await;
    assert_eq!(num(&again, "queued"), 1.0, "nothing was written after the upgrade");
}

#[wasm_bindgen_test]
async fn persistent_storage_is_requested_once_at_init() {
    setup();
    ok(init_offline_sync(options(&unique("ns-"), &unique("fpersist"), &[]))).await;
    ok(init_offline_sync(options(&unique("ns-"), &unique("fpersist"), &[]))).await;
    assert_eq!(persist_calls(), 1.0, "navigator.storage.persist() asked once per page");
}
