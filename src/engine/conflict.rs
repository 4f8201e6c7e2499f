//! Conflicts as the app sees them: what a push settled (`onConflict`,
//! `status.conflictCount`) and the app's resolutions (docs/conflicts.md).

use super::{Engine, EngineEvent};
use crate::failure::{input, Result};
use crate::store::outbox::conflict::{self, Choice};
use std::rc::Rc;
use wasm_bindgen::JsValue;

impl Engine {
    /// After a settle: tells the listeners of the conflicts it recorded and, when a
    /// policy queued changes again, asks for the push that sends them.
    pub(super) fn conflicts_settled(&self, records: Vec<JsValue>, requeued: u32) {
        if !records.is_empty() {
            self.emit(EngineEvent::Conflicts(records));
        }
        if requeued > 0 {
            self.emit(EngineEvent::Changed);
        }
    }

    /// `resolveConflict(id, 'local' | 'server' | data)`: the new mutation id, or
    /// null for `'server'`.
    pub async fn resolve_conflict(self: &Rc<Self>, id: &str, choice: &JsValue) -> Result<Option<String>> {
        let choice = match choice.as_string().as_deref() {
            Some("local") => Choice::Local,
            Some("server") => Choice::Server,
            _ if conflict::is_data(choice) => Choice::Data(choice.clone()),
            _ => {
                return Err(input(
                    "offline-sync: resolveConflict takes 'local', 'server' or the merged data (an object)".to_string(),
                ))
            }
        };
        let ready = self.ready().await?;
        let queued = conflict::resolve(&ready.store, id, choice).await?;
        self.announce(EngineEvent::Conflicts(Vec::new())).await;
        if queued.is_some() {
            self.recount();
            self.emit(EngineEvent::Changed);
        }
        Ok(queued)
    }

    /// `dismissConflict(id)`: whether there was such a conflict.
    pub async fn dismiss_conflict(self: &Rc<Self>, id: &str) -> Result<bool> {
        let ready = self.ready().await?;
        let held = conflict::dismiss(&ready.store, id).await?;
        self.announce(EngineEvent::Conflicts(Vec::new())).await;
        Ok(held)
    }

    /// Conflicts waiting for the app.
    pub async fn open_conflicts(self: &Rc<Self>) -> Result<u32> {
        self.with_store(|r| async move { conflict::open_count(&r.store).await }).await
    }
}
