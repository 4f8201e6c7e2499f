//! Conflicts as the app sees them: what a push settled (`onConflict`,
//! `status.conflictCount`) and the app's resolutions (docs/conflicts.md).

use super::{Engine, EngineEvent};
use crate::failure::{input, Result};
use crate::store::outbox::conflict::{self, Choice};
use futures_util::future::{FutureExt, LocalBoxFuture};
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

    /// `resolveConflict(id, 'local' | 'server' | data)` (the new mutation id, or
    /// null for `'server'`) and, with no choice, `dismissConflict(id)` (whether
    /// there was one). One boxed future for both: each future the wasm surface
    /// awaits is inlined into its caller, and this one need not be twice.
    pub fn settle_conflict(
        self: &Rc<Self>,
        id: String,
        choice: Option<JsValue>,
    ) -> LocalBoxFuture<'static, Result<JsValue>> {
        let me = self.clone();
        async move {
            let choice = match choice {
                None => Choice::Dismiss,
                Some(c) => match c.as_string().as_deref() {
                    Some("local") => Choice::Local,
                    Some("server") => Choice::Server,
                    _ if conflict::is_data(&c) => Choice::Data(c),
                    _ => {
                        return Err(input(
                            "offline-sync: resolveConflict takes 'local', 'server' or the merged data (an object)",
                        ))
                    }
                },
            };
            let ready = me.ready().await?;
            let out = conflict::resolve(&ready.store, &id, choice).await?;
            me.announce(EngineEvent::Conflicts(Vec::new())).await;
            if out.is_string() {
                me.recount();
                me.emit(EngineEvent::Changed);
            }
            Ok(out)
        }
        .boxed_local()
    }

    /// Conflicts waiting for the app.
    pub async fn open_conflicts(self: &Rc<Self>) -> Result<u32> {
        self.with_store(move |r| async move { conflict::open_count(&r.store).await }).await
    }
}
