//! Rust side of `idb.js`: transactions and requests as futures.

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

type JsResult<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen(module = "/src/store/idb.js")]
extern "C" {
    #[wasm_bindgen(js_name = open)]
    fn open_js(name: &str, version: u32, stores: &JsValue, ixs: &JsValue) -> Promise;
    #[wasm_bindgen(catch, js_name = begin)]
    fn begin_js(db: &JsValue, names: &Array, write: bool) -> JsResult<JsValue>;
    #[wasm_bindgen(js_name = done)]
    fn done_js(t: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = close)]
    pub fn close(db: &JsValue);
    #[wasm_bindgen(js_name = abortTx)]
    fn abort_js(t: &JsValue);
    #[wasm_bindgen(catch, js_name = objectStore)]
    fn object_store_js(t: &JsValue, name: &str) -> JsResult<JsValue>;
    #[wasm_bindgen(catch, js_name = index)]
    fn index_js(s: &JsValue, name: &str) -> JsResult<JsValue>;
    #[wasm_bindgen(catch, js_name = get)]
    fn get_js(s: &JsValue, key: &JsValue) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = getAll)]
    fn get_all_js(s: &JsValue, range: &JsValue, count: Option<u32>) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = getAllKeys)]
    fn get_all_keys_js(s: &JsValue, range: &JsValue, count: Option<u32>) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = count)]
    fn count_js(s: &JsValue, range: &JsValue) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = put)]
    fn put_js(s: &JsValue, value: &JsValue, key: &JsValue) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = del)]
    fn del_js(s: &JsValue, key: &JsValue) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = clear)]
    fn clear_js(s: &JsValue) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = putMany)]
    fn put_many_js(s: &JsValue, values: &Array, slice_ms: Option<f64>) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = deleteMany)]
    fn delete_many_js(s: &JsValue, keys: &Array) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = getMany)]
    fn get_many_js(s: &JsValue, keys: &Array) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = readThenWrite)]
    fn read_then_write_js(db: &JsValue, names: &Array, reads: &Array, decide: &JsValue) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = addUnlessHeld)]
    fn add_unless_held_js(db: &JsValue, names: &Array, writes: &Array, result: &JsValue) -> JsResult<Promise>;
    #[wasm_bindgen(catch, js_name = only)]
    pub fn only(v: &JsValue) -> JsResult<JsValue>;
    #[wasm_bindgen(catch, js_name = between)]
    pub fn between(lo: &JsValue, hi: &JsValue) -> JsResult<JsValue>;
    #[wasm_bindgen(catch, js_name = above)]
    pub fn above(lo: &JsValue) -> JsResult<JsValue>;
}

async fn wait(p: JsResult<Promise>) -> JsResult<JsValue> {
    JsFuture::from(p?).await
}

fn names(stores: &[&str]) -> Array {
    stores.iter().map(|s| JsValue::from_str(s)).collect()
}

fn array(v: JsValue) -> Array {
    v.into()
}

/// One read of `read_then_write`: `how` is "get", "count" or "last".
pub fn read(store: &str, how: &str, key: &JsValue, index: Option<&str>) -> JsValue {
    let r = Array::of3(&JsValue::from_str(store), &JsValue::from_str(how), key);
    if let Some(i) = index {
        r.push(&JsValue::from_str(i));
    }
    r.into()
}

/// One write of a `read_then_write` plan: `how` is "put", "add" or "delete".
pub fn write(store: &str, how: &str, value: &JsValue) -> JsValue {
    Array::of3(&JsValue::from_str(store), &JsValue::from_str(how), value).into()
}

/// A put of `value` under `key`, in a store with out-of-line keys.
pub fn write_at(store: &str, value: &JsValue, key: &JsValue) -> JsValue {
    Array::of4(&JsValue::from_str(store), &JsValue::from_str("put"), value, key).into()
}

/// A transaction that reads, lets `decide` (a JS function, called with the results
/// so far) ask for more reads or plan the writes, and writes, with no await in
/// between; resolves with the plan's `result` once committed.
pub async fn read_then_write(db: &JsValue, stores: &[&str], reads: &Array, decide: &JsValue) -> JsResult<JsValue> {
    wait(read_then_write_js(db, &names(stores), reads, decide)).await
}

/// Writes made on the guess that the keys the `add`s among them write hold no
/// record, checked by IndexedDB in the same transaction: `Some(result)` once
/// committed, `None` (nothing written) when one did.
pub async fn add_unless_held(
    db: &JsValue,
    stores: &[&str],
    writes: &Array,
    result: &JsValue,
) -> JsResult<Option<JsValue>> {
    wait(add_unless_held_js(db, &names(stores), writes, result)).await.map(crate::jsv::defined)
}

/// An object store as created, for `open`'s upgrade.
pub struct StoreDef {
    pub name: &'static str,
    /// `None`: out-of-line keys.
    pub key_path: Option<&'static [&'static str]>,
    pub auto_increment: bool,
    pub indexes: &'static [(&'static str, &'static [&'static str])],
    /// When the store is created in an upgrade: one record (`1`) per record of this
    /// store, keyed by these fields of it.
    pub seed_from: Option<(&'static str, &'static [&'static str])>,
    /// A retired store folded into this one in an upgrade, and the field its
    /// records become (each merged into this store's record of the same key).
    pub absorbs: Option<(&'static str, &'static str)>,
}

impl StoreDef {
    /// Out-of-line keys, no index, no seed: the base the schema's entries fill in.
    pub const NEW: StoreDef =
        StoreDef { name: "", key_path: None, auto_increment: false, indexes: &[], seed_from: None, absorbs: None };
}

fn key_path(parts: &[&str]) -> JsValue {
    match parts {
        [one] => JsValue::from_str(one),
        many => many.iter().map(|p| JsValue::from_str(p)).collect::<Array>().into(),
    }
}

fn describe(stores: &[StoreDef]) -> JsValue {
    let out = Array::new();
    for s in stores {
        let d = crate::jsv::object();
        crate::jsv::set(&d, "name", &JsValue::from_str(s.name));
        crate::jsv::set(&d, "keyPath", &s.key_path.map(key_path).unwrap_or(JsValue::NULL));
        crate::jsv::set(&d, "autoIncrement", &JsValue::from_bool(s.auto_increment));
        let idx: Array = s.indexes.iter().map(|(n, kp)| Array::of2(&JsValue::from_str(n), &key_path(kp))).collect();
        crate::jsv::set(&d, "indexes", &idx);
        if let Some((from, fields)) = s.seed_from {
            let fields: Array = fields.iter().map(|f| JsValue::from_str(f)).collect();
            crate::jsv::set(&d, "seedFrom", &Array::of2(&JsValue::from_str(from), &fields));
        }
        if let Some((from, field)) = s.absorbs {
            crate::jsv::set(&d, "absorbs", &Array::of2(&JsValue::from_str(from), &JsValue::from_str(field)));
        }
        out.push(&d);
    }
    out.into()
}

/// Opens (creating or upgrading to `version`) the database with these stores.
#[cfg(test)]
pub async fn open(name: &str, version: u32, stores: &[StoreDef]) -> JsResult<JsValue> {
    open_indexed(name, version, stores, &Array::new()).await
}

/// [`open`] with the declared indexes of `entities` (`[name, keyPath]`s): another
/// set than the database has upgrades it past `version`.
pub async fn open_indexed(name: &str, version: u32, stores: &[StoreDef], ixs: &Array) -> JsResult<JsValue> {
    JsFuture::from(open_js(name, version, &describe(stores), ixs)).await
}

/// A transaction: commits by itself once no request is pending; `done` waits for that.
pub struct Transaction(JsValue);

impl Transaction {
    pub fn begin(db: &JsValue, stores: &[&str], write: bool) -> JsResult<Self> {
        begin_js(db, &names(stores), write).map(Transaction)
    }

    pub fn store(&self, name: &str) -> JsResult<Table> {
        object_store_js(&self.0, name).map(Table)
    }

    pub async fn done(&self) -> JsResult<()> {
        JsFuture::from(done_js(&self.0)).await.map(|_| ())
    }

    /// Nothing of it is written (a no-op once it committed).
    pub fn abort(&self) {
        abort_js(&self.0)
    }
}

/// An object store or one of its indexes.
pub struct Table(JsValue);

impl Table {
    pub fn index(&self, name: &str) -> JsResult<Table> {
        index_js(&self.0, name).map(Table)
    }

    pub async fn get(&self, key: &JsValue) -> JsResult<Option<JsValue>> {
        wait(get_js(&self.0, key)).await.map(crate::jsv::defined)
    }

    pub async fn get_all(&self, range: Option<&JsValue>, count: Option<u32>) -> JsResult<Array> {
        wait(get_all_js(&self.0, range.unwrap_or(&JsValue::UNDEFINED), count)).await.map(array)
    }

    pub async fn get_all_keys(&self, range: Option<&JsValue>, count: Option<u32>) -> JsResult<Array> {
        wait(get_all_keys_js(&self.0, range.unwrap_or(&JsValue::UNDEFINED), count)).await.map(array)
    }

    pub async fn count(&self, range: Option<&JsValue>) -> JsResult<u32> {
        wait(count_js(&self.0, range.unwrap_or(&JsValue::UNDEFINED))).await.map(|n| n.as_f64().unwrap_or(0.0) as u32)
    }

    /// Puts `value` (under `key`, for a store with out-of-line keys); answers its key.
    pub async fn put(&self, value: &JsValue, key: Option<&JsValue>) -> JsResult<JsValue> {
        wait(put_js(&self.0, value, key.unwrap_or(&JsValue::UNDEFINED))).await
    }

    /// Deletes a key or every key in a range.
    pub async fn delete(&self, key: &JsValue) -> JsResult<()> {
        wait(del_js(&self.0, key)).await.map(|_| ())
    }

    pub async fn clear(&self) -> JsResult<()> {
        wait(clear_js(&self.0)).await.map(|_| ())
    }

    pub async fn put_many(&self, values: &Array) -> JsResult<()> {
        wait(put_many_js(&self.0, values, None)).await.map(|_| ())
    }

    /// `put_many` in slices of `slice_ms` of main-thread time (0: a request each).
    #[cfg(test)]
    pub async fn put_many_in_slices(&self, values: &Array, slice_ms: f64) -> JsResult<()> {
        wait(put_many_js(&self.0, values, Some(slice_ms))).await.map(|_| ())
    }

    pub async fn delete_many(&self, keys: &Array) -> JsResult<()> {
        wait(delete_many_js(&self.0, keys)).await.map(|_| ())
    }

    /// The records at `keys`, in order (`undefined` where there is none).
    pub async fn get_many(&self, keys: &Array) -> JsResult<Array> {
        wait(get_many_js(&self.0, keys)).await.map(array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const STORES: &[StoreDef] = &[StoreDef { name: "s", key_path: Some(&["id"]), ..StoreDef::NEW }];

    fn records(n: u32) -> Array {
        (0..n)
            .map(|i| {
                let r = crate::jsv::object();
                crate::jsv::set(&r, "id", &JsValue::from_f64(i as f64));
                r
            })
            .collect()
    }

    #[wasm_bindgen_test]
    async fn a_batch_is_written_a_slice_at_a_time_and_whole_or_not_at_all() {
        let db = open(&format!("t-idb-{}", crate::jsv::new_id()), 1, STORES).await.unwrap();
        // Slices of no time at all: every request is issued from the success event
        // of the one before, in the same transaction.
        let t = Transaction::begin(&db, &["s"], true).unwrap();
        t.store("s").unwrap().put_many_in_slices(&records(250), 0.0).await.unwrap();
        t.done().await.unwrap();
        let t = Transaction::begin(&db, &["s"], false).unwrap();
        assert_eq!(t.store("s").unwrap().count(None).await.unwrap(), 250, "every slice was written");
        // A record without its key in a late slice: the batch fails, and with it the
        // transaction, the earlier slices and the clear before them included.
        let bad = records(250);
        bad.set(220, crate::jsv::object());
        let t = Transaction::begin(&db, &["s"], true).unwrap();
        let s = t.store("s").unwrap();
        s.clear().await.unwrap();
        assert!(s.put_many_in_slices(&bad, 0.0).await.is_err());
        assert!(t.done().await.is_err(), "the transaction was aborted");
        let t = Transaction::begin(&db, &["s"], false).unwrap();
        assert_eq!(t.store("s").unwrap().count(None).await.unwrap(), 250, "nothing of the failed batch stayed");
        close(&db);
    }
}
