//! The outbox in a real browser's IndexedDB.

use super::settle::CHAINED_READ_LIMIT;
use super::*;
use crate::records::answer::Outcome;
use crate::records::entity::F_ETAG;
use crate::store::entity_key;
use crate::store::schema::{self, CHAINED, ENTITIES};
use crate::store::view::{self, local_part, with_local};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn change(op: Op, json: &str) -> Change {
    let data = js_sys::JSON::parse(json).unwrap_or(JsValue::NULL);
    Change { op, entity_type: "course".into(), entity_id: "c".into(), data }
}

#[wasm_bindgen_test]
async fn a_change_made_after_a_push_read_the_queue_is_not_folded_into_what_was_read() {
    let store = Store::open(&format!("t-fold-{}", jsv::new_id())).await.unwrap();
    enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
    // Not read by a push yet: the user typing on folds into the same entry.
    enqueue(&store, &change(Op::Update, r#"{"title":"ab"}"#)).await.unwrap();
    let read = load_after(&store, None, None).await.unwrap();
    assert_eq!(read.len(), 1);
    // Read now, so it may be on its way: a further edit is an entry of its own,
    // and what was read stays what gets sent.
    enqueue(&store, &change(Op::Update, r#"{"title":"abc"}"#)).await.unwrap();
    let stored = load_after(&store, None, None).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(jsv::get_str(&QueueEntry(&stored[0].0).payload(), "title").as_deref(), Some("ab"));
    assert_eq!(canon_payload(&read[0].0), canon_payload(&stored[0].0));
    assert_eq!(jsv::get_str(&QueueEntry(&stored[1].0).payload(), "title").as_deref(), Some("abc"));
    store.close();
}

#[wasm_bindgen_test]
async fn a_local_record_without_its_entry_count_is_counted_from_the_queue() {
    let store = Store::open(&format!("t-count-{}", jsv::new_id())).await.unwrap();
    enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
    load_after(&store, None, None).await.unwrap();
    // As a record written by hand (or by some older writer) might be.
    let tx = store.write(&[ENTITIES]).unwrap();
    let part = local_part(Some(&js_sys::JSON::parse(r#"{"title":"a"}"#).unwrap()), 1);
    js_sys::Reflect::delete_property(part.unchecked_ref::<js_sys::Object>(), &JsValue::from_str("pending")).unwrap();
    let rec = with_local("course", "c", None, Some(&part)).unwrap();
    tx.store(ENTITIES).unwrap().put(&rec, None).await.unwrap();
    tx.commit().await.unwrap();
    enqueue(&store, &change(Op::Update, r#"{"title":"ab"}"#)).await.unwrap();
    let local = local_of(&store).await.unwrap();
    assert_eq!(jsv::get_u64(&local, "pending"), Some(2), "both entries counted");
    store.close();
}

fn json(s: &str) -> JsValue {
    js_sys::JSON::parse(s).unwrap()
}

/// The local part of `c`'s record.
async fn local_of(store: &Store) -> Option<JsValue> {
    let tx = store.read(&[ENTITIES]).unwrap();
    view::local_of(tx.store(ENTITIES).unwrap().get(&entity_key("course", "c")).await.unwrap().as_ref())
}

async fn chained_keys(store: &Store) -> u32 {
    let tx = store.read(&[CHAINED]).unwrap();
    tx.store(CHAINED).unwrap().get_all_keys(None, None).await.unwrap().length()
}

/// The server's answer to the first of `c`'s two entries: applied, at version 1.
async fn settle_first(store: &Store) {
    let queued = load_after(store, None, None).await.unwrap();
    assert_eq!(queued.len(), 2, "two entries of one entity");
    let applied = json(r#"{"entityType":"course","id":"c","version":1,"deleted":false,"data":{"id":"c","title":"a"}}"#);
    let first = queued[0].0.clone();
    let seq = queued[0].1.seq;
    settle(store, vec![(first, Outcome::Applied(Some(applied)))], Some((seq, seq)), &Default::default()).await.unwrap();
}

/// What must hold once the first of two entries settled: the second is still
/// queued, now based on the server's answer, and the local view still shows it.
async fn assert_second_kept_and_rebased(store: &Store) {
    let left = load_after(store, None, None).await.unwrap();
    assert_eq!(left.len(), 1, "the second entry is still queued");
    assert_eq!(left[0].1.base_version, Some(1), "rebased on the applied change");
    let local = local_of(store).await.expect("the local view of the unsynced change stays");
    assert_eq!(jsv::get_u64(&local, "pending"), Some(1));
    assert_eq!(jsv::get_str(&jsv::get(&local, "data"), "title").as_deref(), Some("abc"));
}

/// A store holding two entries of `c` (a push read the first before the second
/// was made, so they are not folded), `c` marked `chained` by the second.
async fn two_entries_of_c(name: &str) -> Store {
    let store = Store::open(&format!("{name}-{}", jsv::new_id())).await.unwrap();
    enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
    assert_eq!(chained_keys(&store).await, 0, "one entry: settled blind");
    load_after(&store, None, None).await.unwrap();
    enqueue(&store, &change(Op::Update, r#"{"title":"abc"}"#)).await.unwrap();
    assert_eq!(chained_keys(&store).await, 1, "the second entry marks the entity");
    store
}

#[wasm_bindgen_test]
async fn settling_the_first_of_two_entries_of_an_entity_keeps_and_rebases_the_second() {
    let store = two_entries_of_c("t-chain").await;
    settle_first(&store).await;
    assert_second_kept_and_rebased(&store).await;
    assert_eq!(chained_keys(&store).await, 0, "one entry left: no mark");
    store.close();
}

#[wasm_bindgen_test]
async fn with_more_chained_entities_than_a_settle_reads_whole_it_still_finds_its_own() {
    let store = two_entries_of_c("t-chain-many").await;
    // Marks that sort before `course/c`, as many as a settle reads whole.
    let tx = store.write(&[CHAINED]).unwrap();
    let marks = tx.store(CHAINED).unwrap();
    for n in 0..CHAINED_READ_LIMIT {
        marks.put(&JsValue::from_f64(1.0), Some(&entity_key("a", &format!("f{n}")))).await.unwrap();
    }
    tx.commit().await.unwrap();
    settle_first(&store).await;
    assert_second_kept_and_rebased(&store).await;
    store.close();
}

#[wasm_bindgen_test]
async fn a_version_2_database_marks_every_queued_entity_when_upgraded() {
    let name = format!("t-v2-{}", jsv::new_id());
    // Version 2 had every store of version 3 but `chained` (the last one).
    let v2 = &schema::V3[..schema::V3.len() - 1];
    assert!(v2.iter().all(|s| s.name != CHAINED));
    let db = idb::open(&name, 2, v2).await.unwrap();
    let t = idb::Transaction::begin(&db, &[QUEUE, schema::RETIRED_LOCAL], true).unwrap();
    let (queue, local) = (t.store(QUEUE).unwrap(), t.store(schema::RETIRED_LOCAL).unwrap());
    for (n, (op, data)) in
        [(Op::Create, r#"{"id":"c","title":"a"}"#), (Op::Update, r#"{"title":"abc"}"#)].iter().enumerate()
    {
        let rec = new_record(&change(*op, data), &format!("m{n}"), None);
        queue.put(&rec, None).await.unwrap();
    }
    // A record that names no entity (none of ours would): the upgrade passes it over.
    queue.put(&json(r#"{"note":"written by hand"}"#), None).await.unwrap();
    let old_local =
        r#"{"entityType":"course","id":"c","data":{"id":"c","title":"abc"},"deleted":false,"dirty":1,"pending":2}"#;
    local.put(&json(old_local), None).await.unwrap();
    t.done().await.unwrap();
    idb::close(&db);

    let store = Store::open(&name).await.unwrap();
    assert_eq!(chained_keys(&store).await, 1, "the queued entity is marked");
    settle_first(&store).await;
    assert_second_kept_and_rebased(&store).await;
    store.close();
}

#[wasm_bindgen_test]
async fn a_version_3_database_folds_its_local_views_into_the_entity_records() {
    let name = format!("t-v3-{}", jsv::new_id());
    let db = idb::open(&name, 3, schema::V3).await.unwrap();
    let t = idb::Transaction::begin(&db, &[ENTITIES, QUEUE, schema::RETIRED_LOCAL], true).unwrap();
    let (entities, queue, local) =
        (t.store(ENTITIES).unwrap(), t.store(QUEUE).unwrap(), t.store(schema::RETIRED_LOCAL).unwrap());
    // `c`: on the server and edited here; `n`: created here, without its count
    // (an older writer); `s`: only on the server.
    let server = |id: &str| {
        json(&format!(
            r#"{{"entityType":"course","id":"{id}","version":3,"deleted":false,"data":{{"id":"{id}","title":"server"}},"etag":"e3"}}"#
        ))
    };
    entities.put(&server("c"), None).await.unwrap();
    entities.put(&server("s"), None).await.unwrap();
    let mut edit = new_record(&change(Op::Update, r#"{"title":"mine"}"#), "m0", Some(3));
    queue.put(&edit, None).await.unwrap();
    edit =
        new_record(&Change { entity_id: "n".into(), ..change(Op::Create, r#"{"id":"n","title":"new"}"#) }, "m1", None);
    queue.put(&edit, None).await.unwrap();
    let old =
        r#"{"entityType":"course","id":"c","data":{"id":"c","title":"mine"},"deleted":false,"dirty":1,"pending":1}"#;
    local.put(&json(old), None).await.unwrap();
    local
        .put(&json(r#"{"entityType":"course","id":"n","data":{"id":"n","title":"new"},"deleted":false}"#), None)
        .await
        .unwrap();
    t.done().await.unwrap();
    idb::close(&db);

    let store = Store::open(&name).await.unwrap();
    let db = store.db().unwrap();
    let names = Array::from(&jsv::get(&db, "objectStoreNames"));
    assert!(names.length() > 0);
    assert!(!names.includes(&JsValue::from_str(schema::RETIRED_LOCAL), 0), "the retired store is gone");
    let title = |v: JsValue| jsv::get_str(&v, "title");
    assert_eq!(title(view::get(&store, "course", "c").await.unwrap()).as_deref(), Some("mine"));
    assert_eq!(title(view::get(&store, "course", "n").await.unwrap()).as_deref(), Some("new"));
    assert_eq!(title(view::get(&store, "course", "s").await.unwrap()).as_deref(), Some("server"));
    assert_eq!(view::list(&store, "course").await.unwrap().length(), 3);
    let tx = store.read(&[ENTITIES]).unwrap();
    let by_dirty = tx.store(ENTITIES).unwrap().index(schema::BY_DIRTY).unwrap();
    let dirty = by_dirty.get_all_keys(None, None);
    assert_eq!(dirty.await.unwrap().length(), 2, "both local views are marked, the one without a count too");
    let c = tx.store(ENTITIES).unwrap().get(&entity_key("course", "c")).await.unwrap().unwrap();
    assert_eq!(jsv::get_str(&c, F_ETAG).as_deref(), Some("e3"), "the server's state is kept beside it");
    drop(tx);
    // `c`'s one entry settles blind; `n`'s next change counts its entries from the queue.
    let queued = load_after(&store, None, None).await.unwrap();
    let applied =
        json(r#"{"entityType":"course","id":"c","version":4,"deleted":false,"data":{"id":"c","title":"mine"}}"#);
    let seq = queued[0].1.seq;
    settle(&store, vec![(queued[0].0.clone(), Outcome::Applied(Some(applied)))], Some((seq, seq)), &Default::default())
        .await
        .unwrap();
    assert!(local_of(&store).await.is_none(), "settled: no local view left");
    enqueue(&store, &Change { entity_id: "n".into(), ..change(Op::Update, r#"{"title":"newer"}"#) }).await.unwrap();
    let tx = store.read(&[ENTITIES]).unwrap();
    let n = tx.store(ENTITIES).unwrap().get(&entity_key("course", "n")).await.unwrap();
    assert_eq!(jsv::get_u64(&view::local_of(n.as_ref()).unwrap(), "pending"), Some(2));
    drop(tx);
    store.close();
}

#[wasm_bindgen_test]
async fn a_create_of_an_id_something_holds_takes_the_checked_path() {
    let store = Store::open(&format!("t-create-{}", jsv::new_id())).await.unwrap();
    // The server has the entity (say, created from another device and pulled).
    let tx = store.write(&[ENTITIES]).unwrap();
    let server = json(r#"{"entityType":"course","id":"c","version":4,"deleted":false,"data":{"id":"c","title":"s"}}"#);
    tx.store(ENTITIES).unwrap().put(&server, None).await.unwrap();
    tx.commit().await.unwrap();
    enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
    let q = load_after(&store, None, None).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].1.base_version, Some(4), "based on the server's version");
    assert_eq!(jsv::get_str(&QueueEntry(&q[0].0).base_data(), "title").as_deref(), Some("s"), "what the app saw");
    // A second create of an id with a local view: counted with the first.
    store.close();
    let store = Store::open(&format!("t-create2-{}", jsv::new_id())).await.unwrap();
    enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"a"}"#)).await.unwrap();
    load_after(&store, None, None).await.unwrap();
    enqueue(&store, &change(Op::Create, r#"{"id":"c","title":"b"}"#)).await.unwrap();
    let local = local_of(&store).await.unwrap();
    assert_eq!(jsv::get_u64(&local, "pending"), Some(2), "both entries counted");
    assert_eq!(chained_keys(&store).await, 1);
    store.close();
}

fn canon_payload(r: &JsValue) -> String {
    js_sys::JSON::stringify(&QueueEntry(r).payload()).map(String::from).unwrap_or_default()
}
