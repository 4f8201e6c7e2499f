//! The local store: IndexedDB through rexie, one database per namespace.
//!
//! Server state (`entities`) and unsynced local state (`local`) live in separate
//! stores, so a pull writes server pages blindly and fast without ever touching a
//! local edit; reads lay the local view over the server's.

pub mod meta;
pub mod outbox;
pub mod pull_write;
pub mod schema;
pub mod view;

use crate::failure::{storage, Result};
use rexie::{Rexie, Transaction, TransactionMode};
use wasm_bindgen::JsValue;

pub struct Store {
    /// `None` once closed; a closed store answers every call with a clear error.
    db: std::cell::RefCell<Option<Rexie>>,
}

impl Store {
    pub async fn open(name: &str) -> Result<Store> {
        let db = schema::builder(name, schema::CURRENT_VERSION).build().await.map_err(|e| storage("open", e))?;
        Ok(Store { db: std::cell::RefCell::new(Some(db)) })
    }

    pub fn close(&self) {
        if let Some(db) = self.db.borrow_mut().take() {
            db.close();
        }
    }

    pub fn tx(&self, stores: &[&str], mode: TransactionMode) -> Result<Tx> {
        let db = self.db.borrow();
        let db = db.as_ref().ok_or_else(|| {
            crate::failure::SyncError::new(crate::failure::ErrorKind::Storage, "the local database was closed")
        })?;
        let inner = db.transaction(stores, mode).map_err(|e| storage("transaction", e))?;
        Ok(Tx { inner })
    }

    pub fn read(&self, stores: &[&str]) -> Result<Tx> {
        self.tx(stores, TransactionMode::ReadOnly)
    }

    pub fn write(&self, stores: &[&str]) -> Result<Tx> {
        self.tx(stores, TransactionMode::ReadWrite)
    }

    /// Wipes every store of the namespace in one transaction (sign-out).
    pub async fn clear_all(&self) -> Result<()> {
        let tx = self.write(schema::ALL_STORES)?;
        for s in schema::ALL_STORES {
            tx.store(s)?.clear().await.map_err(|e| storage("clear", e))?;
        }
        tx.commit().await
    }
}

/// A transaction. Never hold one across a fetch or a timer: IndexedDB commits it
/// as soon as it has no pending request.
pub struct Tx {
    inner: Transaction,
}

impl Tx {
    pub fn store(&self, name: &str) -> Result<rexie::Store> {
        self.inner.store(name).map_err(|e| storage("store", e))
    }

    /// Resolves once the transaction committed, so a reload right after loses nothing.
    pub async fn commit(self) -> Result<()> {
        let r = self.inner.done().await.map_err(|e| storage("commit", e))?;
        if r.is_committed() {
            Ok(())
        } else {
            Err(crate::failure::SyncError::new(
                crate::failure::ErrorKind::Storage,
                "IndexedDB transaction was aborted; nothing of it was written",
            ))
        }
    }

    pub async fn abort(self) {
        let _ = self.inner.abort().await;
    }
}

/// The compound key `[entityType, id]` of `entities` and `local`.
pub fn entity_key(entity_type: &str, id: &str) -> JsValue {
    let a = js_sys::Array::new_with_length(2);
    a.set(0, JsValue::from_str(entity_type));
    a.set(1, JsValue::from_str(id));
    a.into()
}
