//! The local data as the app reads it (views, queries, the queue, conflicts,
//! offline scopes), failed entries retried or discarded, and sign-out.

use super::{change, changes, Engine, EngineEvent};
use crate::failure::Result;
use crate::store::{meta, outbox, view};
use offline_sync_core::queue::EntryState;
use std::rc::Rc;
use wasm_bindgen::JsValue;

impl Engine {
    pub async fn get(self: &Rc<Self>, et: &JsValue, id: &JsValue) -> Result<JsValue> {
        let (et, id) = (change::key_arg("entity type", et)?, change::key_arg("entity id", id)?);
        self.with_store(move |r| {
            let (et, id) = (et.clone(), id.clone());
            async move { view::get(&r.store, &et, &id).await }
        })
        .await
    }

    /// The entities of a type as the app sees them that match a query
    /// (`{ where, orderBy, limit, offset }`), checked before anything is read.
    pub async fn query(self: &Rc<Self>, et: &JsValue, spec: &JsValue) -> Result<js_sys::Array> {
        let et = change::key_arg("entity type", et)?;
        let q = Rc::new(crate::store::query::Query::parse(spec)?);
        self.with_store(move |r| {
            let (et, q) = (et.clone(), q.clone());
            async move { crate::store::query::query(&r.store, &et, &q).await }
        })
        .await
    }

    pub async fn list(self: &Rc<Self>, et: &JsValue) -> Result<js_sys::Array> {
        let et = change::key_arg("entity type", et)?;
        self.with_store(move |r| {
            let et = et.clone();
            async move { view::list(&r.store, &et).await }
        })
        .await
    }

    pub async fn counts(self: &Rc<Self>) -> Result<(u32, u32)> {
        self.with_store(move |r| async move { outbox::counts(&r.store).await }).await
    }

    /// Whether changes wait to be sent (false when the queue cannot be read).
    pub(super) async fn has_pending(self: &Rc<Self>) -> bool {
        matches!(self.counts().await, Ok((pending, _)) if pending > 0)
    }

    pub async fn entries(self: &Rc<Self>, state: EntryState) -> Result<js_sys::Array> {
        self.with_store(move |r| async move { outbox::in_state(&r.store, state).await }).await
    }

    pub async fn retry_failed(self: &Rc<Self>, ids: Option<Vec<String>>) -> Result<u32> {
        let ready = self.ready().await?;
        let n = outbox::retry_failed(&ready.store, ids).await?;
        self.announce_queue().await;
        if n > 0 {
            self.emit(EngineEvent::Changed);
        }
        Ok(n)
    }

    pub async fn discard_failed(self: &Rc<Self>, ids: Option<Vec<String>>) -> Result<u32> {
        let ready = self.ready().await?;
        // The entities whose view goes back: those of the entries discarded.
        let failed = outbox::in_state(&ready.store, EntryState::Failed).await?;
        let chosen = failed.iter().filter(|r| match &ids {
            None => true,
            Some(ids) => jsv_mutation_id(r).is_some_and(|m| ids.contains(&m)),
        });
        let changed = changes::Changes::of_entries(&chosen.collect::<js_sys::Array>());
        let n = outbox::discard_failed(&ready.store, ids).await?;
        self.changed(changed);
        self.announce_queue().await;
        Ok(n)
    }

    pub async fn conflicts(self: &Rc<Self>) -> Result<js_sys::Array> {
        self.with_store(move |r| async move { outbox::conflicts(&r.store).await }).await
    }

    /// When the last good sync of this namespace ended, as stored (any context).
    pub async fn last_sync_at(self: &Rc<Self>) -> Result<Option<f64>> {
        self.with_store(move |r| async move { meta::last_sync_at(&r.store).await }).await
    }

    /// What was downloaded for offline use: `{ scope, id, downloadedAt }` each.
    pub async fn offline_scopes(self: &Rc<Self>) -> Result<js_sys::Array> {
        self.with_store(move |r| async move { meta::offline(&r.store, None).await }).await
    }

    pub async fn offline_courses(self: &Rc<Self>) -> Result<js_sys::Array> {
        self.with_store(move |r| async move { meta::offline_courses(&r.store).await }).await
    }

    pub async fn client_id(self: &Rc<Self>) -> Result<String> {
        Ok(self.ready().await?.client_id.clone())
    }

    /// Whether the database was empty when the engine (last) opened it.
    pub async fn started_empty(self: &Rc<Self>) -> Result<bool> {
        Ok(self.ready().await?.started_empty)
    }

    /// Wipes the namespace (sign-out): every store, the client id and cursors, and
    /// the token cached in memory.
    pub async fn clear_local_data(self: &Rc<Self>) -> Result<()> {
        self.generation.set(self.generation.get() + 1);
        let ready = self.ready().await?;
        ready.transport.reset_auth();
        ready.store.clear_all().await?;
        self.changed(changes::Changes::everything());
        // The client id is gone with the data; the next open makes a new one.
        self.close();
        self.emit(EngineEvent::QueueChanged(0, 0));
        Ok(())
    }
}

fn jsv_mutation_id(entry: &JsValue) -> Option<String> {
    crate::jsv::get_str(entry, offline_sync_core::protocol::field::MUTATION_ID)
}
