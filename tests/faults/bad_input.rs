//! Faults: bad input.

use crate::prelude::*;

#[wasm_bindgen_test]
async fn values_that_cannot_be_stored_or_sent_are_refused_and_the_queue_is_unchanged() {
    setup();
    let e = engine_with(&unique("ns-"), &unique("fbadinput"), &[("maxPayloadBytes", n(1000.0))]);
    ok(e.put(v("course"), v("a"), json(r#"{"title":"ok"}"#))).await;
    let before = queue_json(&e).await;
    let view = canon(&ok(e.get(v("course"), v("a"))).await);
    // (operation, type, id, data, what the message must say)
    let cases: Vec<(JsValue, JsValue, JsValue, JsValue, &str)> = vec![
        (v("CREATE"), v("course"), v("a"), bad_value("function"), "must be an object"),
        (v("CREATE"), v("course"), v("a"), bad_value("nestedFunction"), "cannot be stored"),
        (v("UPDATE"), v("course"), v("a"), bad_value("nestedFunction"), "cannot be stored"),
        // (the engine's words: the browser's own differ, V8 "circular structure", Firefox "cyclic object value")
        (v("UPDATE"), v("course"), v("a"), bad_value("cyclic"), "cannot be sent as JSON"),
        (v("CREATE"), v("course"), v("b"), bad_value("cyclic"), "cannot be sent as JSON"),
        (v("UPDATE"), v("course"), v("a"), bad_value("bigint"), "BigInt"),
        (v("CREATE"), v("course"), v("a"), bad_value("symbol"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("nestedSymbol"), "cannot be stored"),
        (v("CREATE"), v("course"), v("a"), bad_value("array"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("string"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("null"), "must be an object"),
        (v("UPDATE"), v("course"), v("a"), bad_value("big"), "maxPayloadBytes"),
        (v("UPSERT"), v("course"), v("a"), bad_value("object"), "unknown operation \"UPSERT\""),
        (JsValue::NULL, v("course"), v("a"), bad_value("object"), "unknown operation"),
        (n(1.0), v("course"), v("a"), bad_value("object"), "unknown operation"),
        (v("create"), v("course"), v("a"), bad_value("object"), "unknown operation"),
        (v("UPDATE"), v(""), v("a"), bad_value("object"), "entity type must not be empty"),
        (v("UPDATE"), v("course"), v(""), bad_value("object"), "entity id must not be empty"),
        (v("UPDATE"), JsValue::UNDEFINED, v("a"), bad_value("object"), "entity type must be"),
        (v("UPDATE"), v("course"), bad_value("object"), bad_value("object"), "entity id must be"),
        (v("UPDATE"), v("course"), bad_value("symbol"), bad_value("object"), "entity id must be"),
        (v("UPDATE"), v("course"), bad_value("fraction"), bad_value("object"), "entity id must be"),
        (v("UPDATE"), v("course"), v(&"x".repeat(201)), bad_value("object"), "at most 200"),
        (v("DELETE"), v(""), v("a"), JsValue::NULL, "entity type must not be empty"),
    ];
    for (i, (op, et, id, data, says)) in cases.into_iter().enumerate() {
        let err = rejects(e.queue_mutation(op, et, id, data)).await;
        let msg = error_message(&err);
        assert_eq!(error_name(&err), "TypeError", "case {i}: {msg}");
        assert!(msg.contains(says), "case {i}: {msg:?} should say {says:?}");
        assert!(msg.starts_with("offline-sync:"), "case {i}: {msg:?}");
        assert_eq!(queue_json(&e).await, before, "case {i} changed the queue");
    }
    // put and remove check the same way.
    let err = rejects(e.put(v("course"), v("a"), bad_value("cyclic"))).await;
    assert!(error_message(&err).contains("cannot be sent as JSON"));
    let err = rejects(e.put(v("course"), v("a"), bad_value("undefined"))).await;
    assert!(error_message(&err).contains("must be an object"));
    let err = rejects(e.remove(v("course"), v(""))).await;
    assert!(error_message(&err).contains("must not be empty"));
    assert_eq!(queue_json(&e).await, before);
    assert_eq!(canon(&ok(e.get(v("course"), v("a"))).await), view, "the local view is unchanged");
    assert_eq!(pending_count(&e).await, 1.0);
    // And the engine still works.
    ok(e.queue_mutation(v("UPDATE"), v("course"), v("a"), json(r#"{"level":1}"#))).await;
    assert_eq!(num(&ok(e.get(v("course"), v("a"))).await, "level"), 1.0);
}

#[wasm_bindgen_test]
async fn options_of_the_wrong_type_are_type_errors_naming_the_option() {
    setup();
    let cases: &[(&str, &str)] = &[
        (r#"{"apiBaseUrl": 5}"#, "apiBaseUrl"),
        (r#"{"apiBaseUrl": ""}"#, "apiBaseUrl"),
        (r#"{"namespace": ""}"#, "namespace"),
        (r#"{"namespace": {}}"#, "namespace"),
        (r#"{"getAuthToken": "token"}"#, "getAuthToken"),
        (r#"{"requestTimeoutMs": "1000"}"#, "requestTimeoutMs"),
        (r#"{"requestTimeoutMs": 0}"#, "requestTimeoutMs"),
        (r#"{"pullPageSize": 0}"#, "pullPageSize"),
        (r#"{"pullPageSize": 5000}"#, "pullPageSize"),
        (r#"{"maxPayloadBytes": -1}"#, "maxPayloadBytes"),
        (r#"{"retryBaseMs": null}"#, "retryBaseMs"),
        (r#"{"retryMaxMs": true}"#, "retryMaxMs"),
        (r#"{"retryBaseMs": 1000, "retryMaxMs": 10}"#, "retryMaxMs"),
        (r#"{"maxAttempts": "3"}"#, "maxAttempts"),
        (r#"{"maxAttempts": -1}"#, "maxAttempts"),
    ];
    for (spec, option) in cases {
        let err = SyncEngine::construct(json(spec)).err().unwrap_or_else(|| panic!("{spec} accepted"));
        assert_eq!(error_name(&err), "TypeError", "{spec}");
        let msg = error_message(&err);
        assert!(msg.contains(&format!("`{option}`")), "{spec}: {msg}");
        let err = rejects(init_offline_sync(json(spec))).await;
        assert_eq!(error_name(&err), "TypeError", "initOfflineSync {spec}");
        assert!(error_message(&err).contains(&format!("`{option}`")));
    }
    let nan = js_sys::Object::new();
    js_sys::Reflect::set(&nan, &v("requestTimeoutMs"), &n(f64::NAN)).unwrap();
    let err = SyncEngine::construct(nan.into()).err().unwrap();
    assert!(error_message(&err).contains("NaN"));
    for not_object in [v("http://x"), n(3.0), js_sys::Array::new().into()] {
        let err = SyncEngine::construct(not_object).err().unwrap();
        assert_eq!(error_name(&err), "TypeError");
        assert!(error_message(&err).contains("options must be an object"), "{}", error_message(&err));
    }
    for (spec, option) in [(r#"{"syncOnMount": 1}"#, "syncOnMount"), (r#"{"onSyncStart": {}}"#, "onSyncStart")] {
        let err = OfflineSync::new(json(spec)).err().unwrap();
        assert_eq!(error_name(&err), "TypeError");
        assert!(error_message(&err).contains(&format!("`{option}`")));
    }
}
