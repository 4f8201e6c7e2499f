//! Writing a pulled page: every change and the cursor after it, in one transaction
//! that starts only after the page arrived.

use super::schema::{BY_TYPE, ENTITIES, LOCAL, META};
use super::{entity_key, idb, meta, Store};
use crate::failure::{protocol, storage, Result};
use crate::jsv;
use offline_sync_core::protocol::{field, Scope};
use wasm_bindgen::JsValue;

/// Checks the few fields IndexedDB keys on, so a malformed record is a clear
/// protocol error rather than an aborted transaction.
pub fn check_change(change: &JsValue, index: u32) -> Result<bool> {
    let bad = |what: &str| protocol(format!("server sent a malformed change (#{index}): {what}"));
    if !change.is_object() {
        return Err(bad("not an object"));
    }
    // Runs once per record of every page: the field names are JS strings made once,
    // and strings are checked in JS without copying them into Rust, so a large pull
    // leaves no per-record garbage for the collector.
    CHANGE_KEYS.with(|[entity_type, id, version, deleted, data]| {
        let get = |key: &JsValue| js_sys::Reflect::get(change, key).unwrap_or(JsValue::UNDEFINED);
        let non_empty =
            |v: JsValue| wasm_bindgen::JsCast::dyn_ref::<js_sys::JsString>(&v).is_some_and(|s| s.length() > 0);
        if !non_empty(get(entity_type)) {
            return Err(bad("`entityType` is not a non-empty string"));
        }
        if !non_empty(get(id)) {
            return Err(bad("`id` is not a non-empty string"));
        }
        let whole = |n: &f64| n.fract() == 0.0 && *n >= 0.0 && *n <= 9_007_199_254_740_991.0;
        if get(version).as_f64().filter(whole).is_none() {
            return Err(bad("`version` is not a whole number"));
        }
        let deleted = get(deleted);
        let deleted = if deleted.is_undefined() {
            false
        } else {
            deleted.as_bool().ok_or_else(|| bad("`deleted` is not a boolean"))?
        };
        if !deleted && !jsv::is_plain_object(&get(data)) {
            return Err(bad("`data` is not an object"));
        }
        Ok(deleted)
    })
}

thread_local! {
    static CHANGE_KEYS: [JsValue; 5] =
        [field::ENTITY_TYPE, field::ID, field::VERSION, field::DELETED, field::DATA].map(JsValue::from_str);
}

/// Writes the changes (server state only; local edits live elsewhere and are not
/// touched) and, when given, the cursor that follows them. Returns how many were written.
pub async fn write_page(store: &Store, changes: &js_sys::Array, scope: &Scope, cursor: Option<&str>) -> Result<u32> {
    let puts = js_sys::Array::new();
    let deletes = js_sys::Array::new();
    for (i, c) in changes.iter().enumerate() {
        if check_change(&c, i as u32)? {
            let et = jsv::get_str(&c, field::ENTITY_TYPE).unwrap_or_default();
            let id = jsv::get_str(&c, field::ID).unwrap_or_default();
            deletes.push(&entity_key(&et, &id));
        } else {
            puts.push(&c);
        }
    }
    let tx = store.write(&[ENTITIES, META])?;
    let entities = tx.store(ENTITIES)?;
    keep_etags(&entities, &puts).await?;
    // The page's requests go out together, the cursor's last; one round trip in all.
    let cursor_write = async {
        match cursor {
            Some(c) => meta::put_cursor(&tx, scope, c).await,
            None => Ok(()),
        }
    };
    let (put, del, cur) =
        futures_util::future::join3(entities.put_many(&puts), entities.delete_many(&deletes), cursor_write).await;
    put.and(del).map_err(|e| storage("write page", e))?;
    cur?;
    tx.commit().await?;
    Ok(puts.length() + deletes.length())
}

/// The `ETag` of a server record (REST), sent back as `If-Match`.
pub const F_ETAG: &str = "etag";

/// A record read from a list (REST) comes without its `ETag`; if it is unchanged,
/// the `ETag` it had still names it, so `If-Match` keeps working after a full sync.
async fn keep_etags(entities: &idb::Table, puts: &js_sys::Array) -> Result<()> {
    let listed: Vec<JsValue> =
        puts.iter().filter(|c| jsv::get(c, F_LIST_RUN).is_string() && jsv::get(c, F_ETAG).is_undefined()).collect();
    if listed.is_empty() {
        return Ok(());
    }
    let key = |c: &JsValue| {
        entity_key(
            &jsv::get_str(c, field::ENTITY_TYPE).unwrap_or_default(),
            &jsv::get_str(c, field::ID).unwrap_or_default(),
        )
    };
    let keys: js_sys::Array = listed.iter().map(key).collect();
    let stored = entities.get_many(&keys).await.map_err(|e| storage("read", e))?;
    let json = |v: &JsValue| js_sys::JSON::stringify(v).ok().map(String::from);
    for (c, old) in listed.iter().zip(stored.iter()) {
        if old.is_undefined() {
            continue;
        }
        if let Some(tag) = jsv::get_str(&old, F_ETAG) {
            if json(&jsv::get(c, field::DATA)) == json(&jsv::get(&old, field::DATA)) {
                jsv::set(c, F_ETAG, &JsValue::from_str(&tag));
            }
        }
    }
    Ok(())
}

/// The field that stamps each record of a complete list with the reading (run)
/// it came from.
pub const F_LIST_RUN: &str = "listRun";

/// The end of a complete list (REST): server records of `entity_type` (those of
/// one course, when `link` names the field and the course) that this reading
/// (`run`) did not name are gone from the server.
pub struct Sweep {
    pub entity_type: String,
    pub run: String,
    pub link: Option<(String, String)>,
}

/// A key-like value as text: a non-empty string, or a whole number.
pub fn text_of(v: &JsValue) -> Option<String> {
    offline_sync_core::rest::id_text(&jsv::raw(v))
}

/// Removes the server records a complete list no longer has, except those with
/// unsynced local changes (their next push finds out what became of them).
/// Returns how many were removed.
pub async fn sweep(store: &Store, s: &Sweep) -> Result<u32> {
    let tx = store.write(&[ENTITIES, LOCAL])?;
    let entities = tx.store(ENTITIES)?;
    let only = idb::only(&JsValue::from_str(&s.entity_type)).map_err(|e| storage("key range", e))?;
    let by_type = |name: &str| tx.store(name)?.index(BY_TYPE).map_err(|e| storage("index", e));
    let (server, dirty) = futures_util::future::join(
        by_type(ENTITIES)?.get_all(Some(&only), None),
        by_type(LOCAL)?.get_all_keys(Some(&only), None),
    )
    .await;
    let server = server.map_err(|e| storage("read", e))?;
    let dirty: std::collections::HashSet<String> = dirty
        .map_err(|e| storage("read", e))?
        .iter()
        .filter_map(|k| js_sys::Array::from(&k).get(1).as_string())
        .collect();
    let gone = js_sys::Array::new();
    for rec in server.iter() {
        let id = jsv::get_str(&rec, field::ID).unwrap_or_default();
        let listed = jsv::get_str(&rec, F_LIST_RUN).as_deref() == Some(s.run.as_str());
        let in_scope = match &s.link {
            None => true,
            Some((f, value)) => text_of(&jsv::get(&jsv::get(&rec, field::DATA), f)).as_deref() == Some(value.as_str()),
        };
        if listed || !in_scope || dirty.contains(&id) {
            continue;
        }
        gone.push(&entity_key(&s.entity_type, &id));
    }
    entities.delete_many(&gone).await.map_err(|e| storage("delete", e))?;
    tx.commit().await?;
    Ok(gone.length())
}
