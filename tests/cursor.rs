//! A stored pull cursor the server refuses (its database restored from an older
//! backup, or another server behind the same URL): the server answers 400, and
//! the engine pulls the scope again from the beginning instead of failing every
//! sync from then on. Real Chromium, real IndexedDB, the reference server.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export async function setCursor(name, scope, cursor) {
  const req = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const db = await req(indexedDB.open(name));
  const tx = db.transaction('meta', 'readwrite');
  await req(tx.objectStore('meta').put(cursor, 'cursor:' + scope));
  db.close();
}"#)]
extern "C" {
    #[wasm_bindgen(js_name = setCursor)]
    async fn set_cursor(name: &str, scope: &str, cursor: &str);
}

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

#[wasm_bindgen_test]
async fn a_cursor_the_server_never_handed_out_is_dropped_and_the_scope_pulled_again() {
    let user = unique("cursor");
    let ns = unique("ns-");
    let other = engine(&unique("ns-"), &user);
    ok(other.put(v("course"), v("c1"), json(r#"{"title":"before"}"#))).await;
    sync(&other).await;

    let a = engine(&ns, &user);
    sync(&a).await;
    assert_eq!(s(&ok(a.get(v("course"), v("c1"))).await, "title").as_deref(), Some("before"));
    ok(a.put(v("course"), v("mine"), json(r#"{"title":"unsynced"}"#))).await;
    a.close();
    // As after the server's database was restored from an older backup: the
    // client's cursor is past anything the server has handed out.
    set_cursor(&ns, "all", "999999999999").await;

    ok(other.queue_mutation(v("UPDATE"), v("course"), v("c1"), json(r#"{"title":"after"}"#))).await;
    sync(&other).await;
    let a = engine(&ns, &user);
    let r = sync(&a).await;
    assert_eq!(num(&r, "pushed"), 1.0, "{}", stringify(&r));
    assert_eq!(s(&ok(a.get(v("course"), v("c1"))).await, "title").as_deref(), Some("after"), "pulled again");
    assert_eq!(s(&ok(a.get(v("course"), v("mine"))).await, "title").as_deref(), Some("unsynced"));
    // And the cursor it stored now is one the server handed out: the next sync is clean.
    let r = sync(&a).await;
    assert_eq!(num(&r, "pulled"), 0.0, "{}", stringify(&r));
}
