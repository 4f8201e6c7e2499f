//! Declared indexes in a real browser's IndexedDB: declaring them upgrades a
//! database in place (from the current schema and from version 3), with its data
//! and queue kept; a query that fits one reads it and gives the local view.

use super::idb;
use super::outbox::{enqueue, load_after, Change};
use super::query::{indexed_count, query, Query};
use super::schema::{self, ENTITIES, QUEUE};
use super::Store;
use crate::jsv;
use offline_sync_core::indexes::IndexDef;
use offline_sync_core::protocol::Op;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn json(s: &str) -> JsValue {
    js_sys::JSON::parse(s).unwrap()
}

fn by_course() -> Vec<IndexDef> {
    vec![IndexDef { entity_type: "lesson".into(), fields: vec!["courseId".into()] }]
}

fn server(id: &str, course: &str) -> JsValue {
    json(&format!(
        r#"{{"entityType":"lesson","id":"{id}","version":1,"deleted":false,"data":{{"id":"{id}","courseId":"{course}"}}}}"#
    ))
}

fn change(op: Op, id: &str, data: &str) -> Change {
    Change { op, entity_type: "lesson".into(), entity_id: id.into(), data: json(data) }
}

/// The ids `query` gives for course `course`, and whether it read an index.
async fn lessons_of(store: &Store, course: &str) -> (Vec<String>, bool) {
    let before = indexed_count();
    let q = Query::parse(&json(&format!(r#"{{"where":{{"courseId":"{course}"}}}}"#))).unwrap();
    let rows = query(store, "lesson", &q).await.unwrap();
    (rows.iter().filter_map(|r| jsv::get_str(&r, "id")).collect(), indexed_count() > before)
}

/// The names of `entities`' indexes, as the database has them.
fn index_names(store: &Store) -> Vec<String> {
    let db = store.db().unwrap();
    let call = |on: &JsValue, method: &str, arg: &str| {
        let f: js_sys::Function = js_sys::Reflect::get(on, &method.into()).unwrap().into();
        f.call1(on, &arg.into()).unwrap()
    };
    let entities = call(&call(&db, "transaction", ENTITIES), "objectStore", ENTITIES);
    js_sys::Array::from(&jsv::get(&entities, "indexNames")).iter().filter_map(|n| n.as_string()).collect()
}

/// What a store must give once `by_course` is declared over lessons `a` (server,
/// course A), `b` (server A, moved to B here), `c` (server A, deleted here), `d`
/// (created here in A) and `e` (server B): the local view, by the index.
async fn assert_local_view_by_index(store: &Store) {
    assert_eq!(lessons_of(store, "A").await, (vec!["a".to_string(), "d".to_string()], true));
    assert_eq!(lessons_of(store, "B").await, (vec!["b".to_string(), "e".to_string()], true));
    assert_eq!(load_after(store, None, None).await.unwrap().len(), 3, "the queue is intact");
}

async fn fill_server(db: &JsValue) {
    let t = idb::Transaction::begin(db, &[ENTITIES], true).unwrap();
    let entities = t.store(ENTITIES).unwrap();
    for (id, course) in [("a", "A"), ("b", "A"), ("c", "A"), ("e", "B")] {
        entities.put(&server(id, course), None).await.unwrap();
    }
    t.done().await.unwrap();
}

async fn change_locally(store: &Store) {
    enqueue(store, &change(Op::Update, "b", r#"{"courseId":"B"}"#)).await.unwrap();
    enqueue(store, &change(Op::Delete, "c", "null")).await.unwrap();
    enqueue(store, &change(Op::Create, "d", r#"{"id":"d","courseId":"A"}"#)).await.unwrap();
}

#[wasm_bindgen_test]
async fn declaring_an_index_upgrades_the_current_schema_in_place() {
    let name = format!("t-ix4-{}", jsv::new_id());
    let store = Store::open(&name).await.unwrap();
    fill_server(&store.db().unwrap()).await;
    change_locally(&store).await;
    assert_eq!(lessons_of(&store, "A").await, (vec!["a".to_string(), "d".to_string()], false), "no index: a scan");
    let version = jsv::get(&store.db().unwrap(), "version").as_f64();
    store.close();

    let store = Store::open_indexed(&name, by_course()).await.unwrap();
    assert_eq!(jsv::get(&store.db().unwrap(), "version").as_f64(), version.map(|v| v + 1.0), "upgraded in place");
    assert_local_view_by_index(&store).await;
    // Changes made now are in the index too.
    enqueue(&store, &change(Op::Update, "a", r#"{"courseId":"B"}"#)).await.unwrap();
    assert_eq!(lessons_of(&store, "A").await, (vec!["d".to_string()], true));
    store.close();

    // The same declaration again: no upgrade. None: the indexes go, the data stays.
    let store = Store::open_indexed(&name, by_course()).await.unwrap();
    assert_eq!(jsv::get(&store.db().unwrap(), "version").as_f64(), version.map(|v| v + 1.0));
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert!(index_names(&store).iter().all(|n| !n.starts_with("ix:")), "{:?}", index_names(&store));
    assert_eq!(lessons_of(&store, "A").await, (vec!["d".to_string()], false));
    assert_eq!(load_after(&store, None, None).await.unwrap().len(), 4);
    store.close();
}

#[wasm_bindgen_test]
async fn declaring_an_index_upgrades_a_version_3_database_in_place() {
    let name = format!("t-ix3-{}", jsv::new_id());
    let db = idb::open(&name, 3, schema::V3).await.unwrap();
    fill_server(&db).await;
    // Version 3 kept local views in their own store, with the queue beside them.
    let t = idb::Transaction::begin(&db, &[QUEUE, schema::RETIRED_LOCAL], true).unwrap();
    let local = t.store(schema::RETIRED_LOCAL).unwrap();
    for (id, view) in [("b", r#"{"id":"b","courseId":"B"}"#), ("c", "null"), ("d", r#"{"id":"d","courseId":"A"}"#)] {
        let deleted = view == "null";
        let rec =
            format!(r#"{{"entityType":"lesson","id":"{id}","data":{view},"deleted":{deleted},"dirty":1,"pending":1}}"#);
        local.put(&json(&rec), None).await.unwrap();
    }
    let queue = t.store(QUEUE).unwrap();
    for (n, (op, id, data)) in [
        (Op::Update, "b", r#"{"courseId":"B"}"#),
        (Op::Delete, "c", "null"),
        (Op::Create, "d", r#"{"id":"d","courseId":"A"}"#),
    ]
    .into_iter()
    .enumerate()
    {
        let rec = super::outbox::new_record(&change(op, id, data), &format!("m{n}"), Some(1));
        queue.put(&rec, None).await.unwrap();
    }
    t.done().await.unwrap();
    idb::close(&db);

    let store = Store::open_indexed(&name, by_course()).await.unwrap();
    assert!(index_names(&store).contains(&"ix:lesson:courseId:l".to_string()));
    assert_local_view_by_index(&store).await;
    store.close();
}
