//! Pushing over the sync protocol in batches, in real Chromium against the
//! reference server: after the server refuses a whole batch (a request-level 4xx),
//! the refused batch's changes go one at a time to find the bad one, and the
//! changes after them go in whole batches again.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn after_a_refused_batch_is_searched_one_by_one_batches_are_whole_again() {
    let user = unique("pbatch");
    let e = engine(&unique("ns-"), &user);
    // 150 changes: a first batch of 100 (the protocol's batch size), then 50.
    for i in 0..150 {
        ok(e.put(JsValue::from_str("course"), JsValue::from_str(&format!("c{i:03}")), json(r#"{"t":1}"#))).await;
    }
    // The first push is refused whole, as a batch the server cannot take.
    faults(&user, r#"{"failNext": {"count": 1, "status": 400, "path": "push"}}"#).await;
    let r = sync(&e).await;
    assert_eq!(num(&r, "pushed"), 150.0, "{}", stringify(&r));
    // 1 refused batch, its 100 changes one by one (none is bad), then the last 50 in one.
    assert_eq!(num(&stats(&user).await, "pushRequests"), 102.0);
}
