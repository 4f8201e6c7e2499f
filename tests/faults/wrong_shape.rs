//! Faults: answers of the wrong shape.

use crate::prelude::*;

fn fake_engine() -> SyncEngine {
    // maxAttempts 0: the many bad answers in a row must not set the changes aside.
    engine_with(&unique("ns-"), &unique("ffake"), &[("apiBaseUrl", v(&fake_base())), ("maxAttempts", n(0.0))])
}

#[wasm_bindgen_test]
async fn push_answers_of_the_wrong_shape_are_clear_errors() {
    setup();
    let e = fake_engine();
    ok(e.put(v("course"), v("a"), json(r#"{"title":"A"}"#))).await;
    ok(e.put(v("course"), v("b"), json(r#"{"title":"B"}"#))).await;
    let cases: &[(&str, &str, &str)] = &[
        ("push:emptyObject", "protocol", "no `results` array"),
        ("push:resultsString", "protocol", "no `results` array"),
        ("push:tooFew", "protocol", "0 results for 2 mutations"),
        ("push:tooMany", "protocol", "4 results for 2 mutations"),
        ("push:wrongId", "protocol", "is not for mutation"),
        ("push:unknownStatus", "protocol", "no valid `status`"),
        ("push:statusNumber", "protocol", "no valid `status`"),
        ("push:versionString", "protocol", "`version`"),
        ("push:entityNumber", "protocol", "not an object"),
        ("push:entityNoData", "protocol", "`data` is not an object"),
        ("push:null", "protocol", "no `results` array"),
        ("push:number", "protocol", "no `results` array"),
        ("push:array", "protocol", "no `results` array"),
        ("push:html", "protocol", "not valid JSON"),
        ("push:empty", "protocol", "not valid JSON"),
        ("push:truncated", "protocol", "not valid JSON"),
        ("push:deep", "protocol", ""),
        ("push:hugeGarbage", "protocol", "results for 2 mutations"),
        ("push:hugeError", "server", "500"),
    ];
    let before = queue_changes(&e).await;
    for (name, kind, says) in cases {
        fake_next(name);
        let r = full_sync(&e).await;
        assert_eq!(get(&r, "success"), JsValue::FALSE, "{name}: {}", stringify(&r));
        assert_eq!(s(&r, "errorKind").as_deref(), Some(*kind), "{name}: {}", stringify(&r));
        let err = s(&r, "error").unwrap_or_default();
        assert!(err.contains(says), "{name}: {err:?} should say {says:?}");
        assert!(err.len() < 2_000, "{name}: the error stays readable ({} bytes)", err.len());
        // Other calls still work, and nothing was lost or half-applied.
        assert_eq!(pending_count(&e).await, 2.0, "{name}");
        assert_eq!(s(&ok(e.get(v("course"), v("a"))).await, "title").as_deref(), Some("A"), "{name}");
        assert_eq!(queue_changes(&e).await, before, "{name}");
        let last = s(&arr(ok(e.pending()).await).get(0), "error").unwrap_or_default();
        assert!(!last.is_empty(), "{name}: the entry carries the last error");
    }
    // Unknown fields are ignored: newer servers may send more.
    fake_next("push:unknownFields");
    let r = full_sync(&e).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 2.0);
    assert_eq!(pending_count(&e).await, 0.0);
    assert!(fake_seen() > 0);
}

#[wasm_bindgen_test]
async fn pull_answers_of_the_wrong_shape_are_clear_errors() {
    setup();
    let e = fake_engine();
    ok(e.put(v("course"), v("local"), json(r#"{"title":"mine"}"#))).await;
    sync(&e).await;
    let cases: &[(&str, &str, &str)] = &[
        ("pull:noChanges", "protocol", "no `changes` array"),
        ("pull:changesObject", "protocol", "no `changes` array"),
        ("pull:cursorNumber", "protocol", "no string `cursor`"),
        ("pull:hasMoreString", "protocol", "no boolean `hasMore`"),
        ("pull:noId", "protocol", "`id`"),
        ("pull:emptyType", "protocol", "`entityType`"),
        ("pull:dataString", "protocol", "`data` is not an object"),
        ("pull:deletedString", "protocol", "`deleted` is not a boolean"),
        ("pull:versionNegative", "protocol", "`version`"),
        ("pull:versionFraction", "protocol", "`version`"),
        ("pull:changeNull", "protocol", "#1"),
        ("pull:stuckCursor", "protocol", "cursor did not move"),
        ("pull:html500", "server", "500"),
    ];
    for (name, kind, says) in cases {
        fake_next(name);
        if *name == "pull:stuckCursor" {
            // The first page moves the cursor to 7, the second stays there.
            fake_next(name);
        }
        let r = full_sync(&e).await;
        assert_eq!(get(&r, "success"), JsValue::FALSE, "{name}: {}", stringify(&r));
        assert_eq!(s(&r, "errorKind").as_deref(), Some(*kind), "{name}: {}", stringify(&r));
        let err = s(&r, "error").unwrap_or_default();
        assert!(err.contains(says), "{name}: {err:?} should say {says:?}");
        assert!(err.len() < 2_000, "{name}: the error stays readable");
        // Nothing of a bad page is written (not even its good changes).
        assert!(ok(e.get(v("course"), v("p1"))).await.is_undefined(), "{name} wrote part of a bad page");
        assert_eq!(s(&ok(e.get(v("course"), v("local"))).await, "title").as_deref(), Some("mine"), "{name}");
    }
    fake_next("pull:unknownFields");
    let r = sync(&e).await;
    assert_eq!(num(&r, "pulled"), 1.0);
    assert!(ok(e.get(v("course"), v("p1"))).await.is_object());
    // A big page (about 1.5 MB) is fine.
    fake_next("pull:bigValid");
    let r = sync(&e).await;
    assert_eq!(num(&r, "pulled"), 3000.0);
    assert_eq!(arr(ok(e.list(v("lesson"))).await).length(), 3000);
}

/// The push keeps one batch on the wire while it settles the one before and marks
/// the next. An entity with changes in both batches must wait: its later change is
/// rebased on the server's answer to the earlier one, so sent alongside it, it would
/// carry a stale base version and come back as a conflict.
#[wasm_bindgen_test]
async fn an_entity_with_changes_in_consecutive_batches_waits_for_the_first_to_settle() {
    let user = unique("pipe");
    let e = engine(&unique("ns-"), &user);
    ok(e.put(v("course"), v("x"), json(r#"{"title":"x","n":0}"#))).await;
    sync(&e).await;
    let first = ok(e.queue_mutation(v("UPDATE"), v("course"), v("x"), json(r#"{"n":1}"#))).await;
    for i in 0..100 {
        ok(e.put(v("lesson"), v(&format!("p{i:03}")), json(&format!(r#"{{"n":{i}}}"#)))).await;
    }
    // In the second batch, which is marked while the first is on the wire.
    let second = ok(e.queue_mutation(v("UPDATE"), v("course"), v("x"), json(r#"{"n":2}"#))).await;
    for i in 100..150 {
        ok(e.put(v("lesson"), v(&format!("p{i:03}")), json(&format!(r#"{{"n":{i}}}"#)))).await;
    }
    let r = full_sync(&e).await;
    assert_eq!(get(&r, "success"), JsValue::TRUE, "{}", stringify(&r));
    assert_eq!(num(&r, "conflicts"), 0.0, "the later change was sent on a stale base: {}", stringify(&r));
    assert_eq!(num(&r, "pushed"), 152.0);
    assert_eq!(server_version(&user, "course", "x").await, 3.0);
    applied_once(&user, &[&first, &second]).await;
    assert_eq!(server_state(&user).await.get("course/x"), Some(&canon(&json(r#"{"id":"x","title":"x","n":2}"#))));
}

/// A batch marked while the one before it was on the wire, and never sent because
/// that one's answer was lost, is delivered by the next sync, once; a change the app
/// makes meanwhile to one of its entities is a change of its own, not folded into
/// an entry that was marked as possibly sent.
#[wasm_bindgen_test]
async fn a_batch_marked_but_not_sent_when_the_one_before_failed_goes_out_once_later() {
    let user = unique("pipefail");
    let e = engine(&unique("ns-"), &user);
    let mut ids = Vec::new();
    for i in 0..250 {
        ids.push(ok(e.put(v("lesson"), v(&format!("q{i:03}")), json(&format!(r#"{{"n":{i}}}"#)))).await);
    }
    // Chromium resends a POST once when a kept-alive connection closes unanswered:
    // three lost answers make sure the engine sees one.
    faults(&user, r#"{"dropAfterApply": 3}"#).await;
    let r = full_sync(&e).await;
    assert_failed_with(&r, "network", "network error");
    assert_eq!(pending_count(&e).await, 250.0, "nothing is settled without an answer");
    // q150 was in the batch after the lost one.
    ids.push(ok(e.queue_mutation(v("UPDATE"), v("lesson"), v("q150"), json(r#"{"late":true}"#))).await);
    assert_eq!(pending_count(&e).await, 251.0, "a marked entry is not folded into");
    for _ in 0..4 {
        if get(&full_sync(&e).await, "success") == JsValue::TRUE {
            break;
        }
    }
    assert_eq!(pending_count(&e).await, 0.0);
    let refs: Vec<&JsValue> = ids.iter().collect();
    applied_once(&user, &refs).await;
    let state = server_state(&user).await;
    assert_eq!(state.len(), 250);
    assert_eq!(state.get("lesson/q150"), Some(&canon(&json(r#"{"id":"q150","n":150,"late":true}"#))));
}
