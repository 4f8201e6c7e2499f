//! The local store: IndexedDB through `idb.js`, one database per namespace.
//!
//! An entity's server state and its unsynced local view live in one record of
//! `entities` (the view in its `local` field), so settling a pushed change is one
//! put and a read one get. A pull writes its pages blindly except for the few
//! records with a local view, which the `byDirty` index names; those keep it.

pub mod idb;
pub mod meta;
pub mod outbox;
pub mod pull_write;
pub mod query;
#[cfg(test)]
mod query_tests;
pub mod schema;
pub mod view;

use crate::failure::{storage, Result};
use wasm_bindgen::JsValue;

pub struct Store {
    /// `None` once closed; a closed store answers every call with a clear error.
    db: std::cell::RefCell<Option<JsValue>>,
    /// The indexes the app declared (`query` looks up by them).
    pub indexes: Vec<offline_sync_core::indexes::IndexDef>,
}

impl Store {
    #[cfg(test)]
    pub async fn open(name: &str) -> Result<Store> {
        Store::open_indexed(name, Vec::new()).await
    }

    /// Opens the store with the app's declared indexes (another set than the
    /// database has upgrades it in place, `schema::declared`).
    pub async fn open_indexed(name: &str, indexes: Vec<offline_sync_core::indexes::IndexDef>) -> Result<Store> {
        let ixs = schema::declared(&indexes);
        let db = idb::open_indexed(name, schema::CURRENT_VERSION, schema::STORES, &ixs)
            .await
            .map_err(|e| storage("open", e))?;
        Ok(Store { db: std::cell::RefCell::new(Some(db)), indexes })
    }

    pub fn close(&self) {
        if let Some(db) = self.db.borrow_mut().take() {
            idb::close(&db);
        }
    }

    /// The open database (a closed store answers with a clear error).
    pub fn db(&self) -> Result<JsValue> {
        self.db.borrow().clone().ok_or_else(|| {
            crate::failure::SyncError::new(crate::failure::ErrorKind::Storage, "the local database was closed")
        })
    }

    fn tx(&self, stores: &[&str], write: bool) -> Result<Tx> {
        let inner = idb::Transaction::begin(&self.db()?, stores, write).map_err(|e| storage("transaction", e))?;
        Ok(Tx { inner, committing: std::cell::Cell::new(false) })
    }

    pub fn read(&self, stores: &[&str]) -> Result<Tx> {
        self.tx(stores, false)
    }

    pub fn write(&self, stores: &[&str]) -> Result<Tx> {
        self.tx(stores, true)
    }

    /// Wipes every store of the namespace in one transaction (sign-out).
    pub async fn clear_all(&self) -> Result<()> {
        let names: Vec<&str> = schema::STORES.iter().map(|s| s.name).collect();
        let tx = self.write(&names)?;
        // The record of the database's last upgrade stays: it tells a version
        // moved by declared indexes from one a newer release made (idb.js).
        let key = JsValue::from_str(crate::records::meta::UPGRADE);
        let upgrade = tx.store(schema::META)?.get(&key).await.map_err(|e| storage("read", e))?;
        for s in &names {
            tx.store(s)?.clear().await.map_err(|e| storage("clear", e))?;
        }
        if let Some(u) = upgrade {
            tx.store(schema::META)?.put(&u, Some(&key)).await.map_err(|e| storage("write", e))?;
        }
        tx.commit().await
    }
}

/// A transaction. Never hold one across a fetch or a timer: IndexedDB commits it
/// as soon as it has no pending request. One dropped without `commit` (an error
/// returned half-way) is aborted, so nothing of it is written.
pub struct Tx {
    inner: idb::Transaction,
    committing: std::cell::Cell<bool>,
}

impl Drop for Tx {
    fn drop(&mut self) {
        if !self.committing.get() {
            self.inner.abort();
        }
    }
}

impl Tx {
    pub fn store(&self, name: &str) -> Result<idb::Table> {
        self.inner.store(name).map_err(|e| storage("store", e))
    }

    /// Resolves once the transaction committed, so a reload right after loses nothing.
    /// An aborted transaction wrote nothing; its error says why.
    pub async fn commit(self) -> Result<()> {
        self.committing.set(true);
        self.inner.done().await.map_err(|e| storage("commit", e))
    }
}

/// The `(entityType, id)` of a compound key as IndexedDB answers it (`getAllKeys`).
pub fn key_parts(key: &JsValue) -> (String, String) {
    let k = js_sys::Array::from(key);
    (k.get(0).as_string().unwrap_or_default(), k.get(1).as_string().unwrap_or_default())
}

/// The compound key `[entityType, id]` of `entities` (and of `chained`).
pub fn entity_key(entity_type: &str, id: &str) -> JsValue {
    let a = js_sys::Array::new_with_length(2);
    a.set(0, JsValue::from_str(entity_type));
    a.set(1, JsValue::from_str(id));
    a.into()
}
