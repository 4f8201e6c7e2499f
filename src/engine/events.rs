//! What the engine tells: its events to local listeners (the controller's hub),
//! to the other tabs and the worker of the namespace (`BroadcastChannel`), and the
//! changes a write made to the live queries here and there.

use super::{changes, remote, Engine, SyncResult};
use crate::failure::SyncError;
use offline_sync_core::status::Progress;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// What the engine tells whoever shows status (the controller, other tabs).
#[derive(Clone)]
pub enum EngineEvent {
    SyncStarted,
    SyncFinished(SyncResult),
    /// The queue changed; carries (pending, failed). Also sent by other tabs.
    QueueChanged(u32, u32),
    /// Another tab or the service worker started a sync of this namespace.
    RemoteStarted,
    /// ... and finished it, with this error if it failed.
    RemoteFinished(Option<SyncError>),
    /// A local change was made here and is durable (for the push at once; other
    /// contexts are not told: each pushes its own changes).
    Changed,
    /// Conflicts were recorded or resolved: the records a settle here made (for
    /// `onConflict`; empty from another context or after a resolution).
    Conflicts(Vec<JsValue>),
    /// A long pull here went on (`Some`) or a download ended (`None`).
    Progress(Option<Progress>),
}

pub type Listener = Rc<dyn Fn(&EngineEvent)>;

impl Engine {
    pub fn subscribe(&self, l: Listener) -> u32 {
        let id = self.next_listener.get();
        self.next_listener.set(id + 1);
        self.listeners.borrow_mut().push((id, l));
        id
    }

    pub fn unsubscribe(&self, id: u32) {
        self.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    pub(super) fn emit(&self, ev: EngineEvent) {
        let ls: Vec<Listener> = self.listeners.borrow().iter().map(|(_, l)| l.clone()).collect();
        for l in ls {
            l(&ev);
        }
    }

    /// Tells local listeners and the other contexts, opening the store first (its
    /// channel comes with it) if it is not open yet.
    pub(super) async fn announce(self: &Rc<Self>, ev: EngineEvent) {
        let _ = self.ready().await;
        self.tell(ev);
    }

    /// Tells the live queries here and in the other contexts what a write changed.
    pub(crate) fn changed(&self, changes: changes::Changes) {
        if changes.is_empty() {
            return;
        }
        self.post(&changes.encode());
        if let Some(me) = self.me.upgrade() {
            me.notify_watchers(&changes);
        }
    }

    /// Tells the listeners here and in the other contexts (whose `status.progress`
    /// shows a first sync or a download another tab or the service worker runs)
    /// how far a long pull or push is, or (`None`) that it ended.
    pub(super) fn progress(&self, p: Option<Progress>) {
        self.tell(EngineEvent::Progress(p));
    }

    /// Tells local listeners and, what they hear of (`remote::encode`), the other
    /// contexts.
    fn tell(&self, ev: EngineEvent) {
        if let Some(m) = remote::encode(&ev) {
            self.post(&m);
        }
        self.emit(ev);
    }

    /// Posts to the other contexts of the namespace, if the store is open (a
    /// message is never worth waiting for it).
    fn post(&self, msg: &JsValue) {
        if let Some(Some(Ok(ready))) = self.ready.borrow().as_ref().map(|f| f.peek().cloned()) {
            if let Some(ch) = &ready.channel {
                ch.post(msg);
            }
        }
    }

    pub(super) fn on_remote(&self, msg: &JsValue) {
        if let Some(c) = changes::Changes::decode(msg) {
            if let Some(me) = self.me.upgrade() {
                me.notify_watchers(&c);
            }
            return;
        }
        let Some(ev) = remote::decode(msg) else { return };
        if let EngineEvent::RemoteFinished(error) = &ev {
            *self.remote_result.borrow_mut() =
                Some(SyncResult { success: error.is_none(), error: error.clone(), ..Default::default() });
        }
        self.emit(ev);
    }
}
