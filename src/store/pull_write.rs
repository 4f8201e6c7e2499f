//! Writing a pulled page: every change and the cursor after it, in one transaction
//! that starts only after the page arrived.

use super::schema::{BY_DIRTY, BY_TYPE, ENTITIES, META};
use super::{entity_key, idb, key_parts, meta, view, Store};
use crate::failure::{storage, Result};
use crate::jsv;
use crate::records::answer::Sweep;
use crate::records::entity::{check_change, text_of, EntityRecord, CHANGE_KEYS};
use offline_sync_core::protocol::Scope;
use wasm_bindgen::JsValue;

/// Writes the changes (server state; the local view of an entity with unsynced
/// changes is kept) and, when given, the cursor that follows them with how many
/// changes the pull has written so far (`pulled`, `None` when it reached the end:
/// see `meta::pulled`). Returns how many were written.
pub async fn write_page(
    store: &Store,
    changes: &js_sys::Array,
    scope: &Scope,
    cursor: Option<&str>,
    pulled: Option<u32>,
) -> Result<u32> {
    let puts = js_sys::Array::new();
    let mut deleted = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        if check_change(&c, i as u32)? {
            deleted.push(key_of(&c));
        } else {
            puts.push(&c);
        }
    }
    let written = puts.length() + deleted.len() as u32;
    let tx = store.write(&[ENTITIES, META])?;
    let entities = tx.store(ENTITIES)?;
    let deletes = keep_local(&entities, &puts, deleted).await?;
    keep_etags(&entities, &puts).await?;
    // The page's requests go out together, the cursor's last; one round trip in all.
    let cursor_write = async {
        match cursor {
            Some(c) => {
                meta::put_cursor(&tx, scope, c).await?;
                meta::put_pulled(&tx, scope, pulled).await
            }
            None => Ok(()),
        }
    };
    let (put, del, cur) =
        futures_util::future::join3(entities.put_many(&puts), entities.delete_many(&deletes), cursor_write).await;
    put.and(del).map_err(|e| storage("write page", e))?;
    cur?;
    tx.commit().await?;
    Ok(written)
}

/// An entity's `(type, id)`, from its record or a change.
fn key_of(c: &JsValue) -> (String, String) {
    let r = EntityRecord(c);
    (r.entity_type().unwrap_or_default(), r.id().unwrap_or_default())
}

/// How many keys of `byDirty` a page write reads whole. Past that (a long queue
/// that could not be pushed), it reads its own records instead.
const DIRTY_READ_LIMIT: u32 = 1000;

/// The page's entities with unsynced changes keep their local part: a pulled record
/// takes it over, and a deletion leaves a record of it alone (its next push finds
/// out what became of it). Every other record of the page is written blind. Turns
/// `puts` into what to put and returns the keys to delete.
async fn keep_local(
    entities: &idb::Table,
    puts: &js_sys::Array,
    deleted: Vec<(String, String)>,
) -> Result<js_sys::Array> {
    let index = entities.index(BY_DIRTY).map_err(|e| storage("index", e))?;
    let dirty = index.get_all_keys(None, Some(DIRTY_READ_LIMIT)).await.map_err(|e| storage("read", e))?;
    if dirty.length() == 0 {
        return Ok(deleted.iter().map(|(et, id)| entity_key(et, id)).collect());
    }
    let marked: Option<offline_sync_core::keyed::KeySet<(String, String)>> =
        (dirty.length() < DIRTY_READ_LIMIT).then(|| dirty.iter().map(|k| key_parts(&k)).collect());
    let maybe = |k: &(String, String)| marked.as_ref().is_none_or(|m| m.contains(k));
    // (index in `puts`, or None for a deletion, and the key)
    let mut candidates: Vec<(Option<u32>, (String, String))> = Vec::new();
    for (i, c) in puts.iter().enumerate() {
        let k = key_of(&c);
        if maybe(&k) {
            candidates.push((Some(i as u32), k));
        }
    }
    let deletes = js_sys::Array::new();
    for k in deleted {
        if maybe(&k) {
            candidates.push((None, k));
        } else {
            deletes.push(&entity_key(&k.0, &k.1));
        }
    }
    let keys: js_sys::Array = candidates.iter().map(|(_, (et, id))| entity_key(et, id)).collect();
    let stored = entities.get_many(&keys).await.map_err(|e| storage("read", e))?;
    for ((at, (et, id)), rec) in candidates.iter().zip(stored.iter()) {
        let local = view::local_of(Some(&rec));
        match (at, local) {
            (Some(i), Some(l)) => EntityRecord(&puts.get(*i)).set_local(&l),
            (None, Some(l)) => {
                puts.push(&view::local_only(et, id, &l));
            }
            (None, None) => {
                deletes.push(&entity_key(et, id));
            }
            (Some(_), None) => {}
        }
    }
    Ok(deletes)
}

/// A record read from a list (REST) comes without its `ETag`; if it is unchanged,
/// the `ETag` it had still names it, so `If-Match` keeps working after a full sync.
async fn keep_etags(entities: &idb::Table, puts: &js_sys::Array) -> Result<()> {
    // Every record of every page is asked: plain reads, with names made once.
    let listed: Vec<JsValue> = CHANGE_KEYS.with(|[.., list_run, etag]| {
        puts.iter()
            .filter(|c| jsv::get_plain(c, list_run).is_string() && jsv::get_plain(c, etag).is_undefined())
            .collect()
    });
    if listed.is_empty() {
        return Ok(());
    }
    let keys: js_sys::Array = listed.iter().map(key_of).map(|(et, id)| entity_key(&et, &id)).collect();
    let stored = entities.get_many(&keys).await.map_err(|e| storage("read", e))?;
    let json = |v: &JsValue| js_sys::JSON::stringify(v).ok().map(String::from);
    for (c, old) in listed.iter().zip(stored.iter()) {
        if old.is_undefined() {
            continue;
        }
        let (c, old) = (EntityRecord(c), EntityRecord(&old));
        if let Some(tag) = old.etag() {
            if json(&c.data()) == json(&old.data()) {
                c.set_etag(&tag);
            }
        }
    }
    Ok(())
}

/// Removes the server records a complete list no longer has, except those with
/// unsynced local changes (their next push finds out what became of them).
/// Returns how many were removed.
pub async fn sweep(store: &Store, s: &Sweep) -> Result<u32> {
    let tx = store.write(&[ENTITIES])?;
    let entities = tx.store(ENTITIES)?;
    let only = idb::only(&JsValue::from_str(&s.entity_type)).map_err(|e| storage("key range", e))?;
    let by_type = entities.index(BY_TYPE).map_err(|e| storage("index", e))?;
    let server = by_type.get_all(Some(&only), None).await.map_err(|e| storage("read", e))?;
    let gone = js_sys::Array::new();
    for rec in server.iter() {
        if view::local_of(Some(&rec)).is_some() {
            continue;
        }
        let r = EntityRecord(&rec);
        let id = r.id().unwrap_or_default();
        let listed = r.list_run().as_deref() == Some(s.run.as_str());
        let in_scope = match &s.link {
            None => true,
            Some((f, value)) => text_of(&jsv::get(&r.data(), f)).as_deref() == Some(value.as_str()),
        };
        if listed || !in_scope {
            continue;
        }
        gone.push(&entity_key(&s.entity_type, &id));
    }
    entities.delete_many(&gone).await.map_err(|e| storage("delete", e))?;
    tx.commit().await?;
    Ok(gone.length())
}

#[cfg(test)]
mod tests {
    use super::super::outbox::{self, Change};
    use super::*;
    use offline_sync_core::protocol::Op;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn json(s: &str) -> JsValue {
        js_sys::JSON::parse(s).unwrap()
    }

    fn server(id: &str, version: u32, title: &str) -> JsValue {
        json(&format!(
            r#"{{"entityType":"course","id":"{id}","version":{version},"deleted":false,"data":{{"id":"{id}","title":"{title}"}}}}"#
        ))
    }

    async fn edit(store: &Store, op: Op, id: &str, data: &str) {
        let change = Change { op, entity_type: "course".into(), entity_id: id.into(), data: json(data) };
        outbox::enqueue(store, &change).await.unwrap();
    }

    async fn title(store: &Store, id: &str) -> Option<String> {
        jsv::get_str(&view::get(store, "course", id).await.unwrap(), "title")
    }

    async fn record(store: &Store, id: &str) -> Option<JsValue> {
        let tx = store.read(&[ENTITIES]).unwrap();
        tx.store(ENTITIES).unwrap().get(&entity_key("course", id)).await.unwrap()
    }

    /// `a` (on the server, edited here), `b` (created here) and `c` (only on the
    /// server) get a page that changes `a`, deletes `b` and changes `c`.
    async fn pull_over_unsynced_changes(store: &Store) {
        write_page(store, &js_sys::Array::of2(&server("a", 1, "s1"), &server("c", 1, "s1")), &Scope::All, None, None)
            .await
            .unwrap();
        edit(store, Op::Update, "a", r#"{"title":"mine"}"#).await;
        edit(store, Op::Create, "b", r#"{"id":"b","title":"new"}"#).await;
        let gone = json(r#"{"entityType":"course","id":"b","version":3,"deleted":true}"#);
        let page = js_sys::Array::of3(&server("a", 2, "s2"), &gone, &server("c", 2, "s2"));
        assert_eq!(write_page(store, &page, &Scope::All, Some("k"), None).await.unwrap(), 3);

        assert_eq!(title(store, "a").await.as_deref(), Some("mine"), "the unsynced edit still shows");
        let a = record(store, "a").await.unwrap();
        assert_eq!(jsv::get_u64(&a, "version"), Some(2), "under the server's new state");
        assert_eq!(title(store, "b").await.as_deref(), Some("new"), "a deletion leaves an unsynced create alone");
        assert_eq!(title(store, "c").await.as_deref(), Some("s2"));
        assert!(view::local_of(record(store, "c").await.as_ref()).is_none());
        assert_eq!(outbox::counts(store).await.unwrap().0, 2, "both changes still queued");
    }

    #[wasm_bindgen_test]
    async fn a_pulled_page_keeps_the_local_view_of_entities_with_unsynced_changes() {
        let store = Store::open(&format!("t-pull-local-{}", jsv::new_id())).await.unwrap();
        pull_over_unsynced_changes(&store).await;
        store.close();
    }

    #[wasm_bindgen_test]
    async fn with_more_unsynced_entities_than_a_page_reads_whole_it_still_keeps_its_own() {
        let store = Store::open(&format!("t-pull-many-{}", jsv::new_id())).await.unwrap();
        let tx = store.write(&[ENTITIES]).unwrap();
        let entities = tx.store(ENTITIES).unwrap();
        // Local views that sort before `course/a`, as many as a page reads whole.
        for n in 0..DIRTY_READ_LIMIT {
            let rec = view::with_local("a", &format!("f{n}"), None, Some(&view::local_part(None, 1))).unwrap();
            entities.put(&rec, None).await.unwrap();
        }
        tx.commit().await.unwrap();
        pull_over_unsynced_changes(&store).await;
        store.close();
    }

    #[wasm_bindgen_test]
    async fn a_server_record_cannot_pass_for_a_local_view() {
        let store = Store::open(&format!("t-pull-field-{}", jsv::new_id())).await.unwrap();
        let c = server("a", 1, "s1");
        jsv::set(
            &c,
            crate::records::entity::F_LOCAL,
            &json(r#"{"data":{"title":"forged"},"deleted":false,"dirty":1,"pending":1}"#),
        );
        write_page(&store, &js_sys::Array::of1(&c), &Scope::All, None, None).await.unwrap();
        assert_eq!(title(&store, "a").await.as_deref(), Some("s1"));
        store.close();
    }
}
