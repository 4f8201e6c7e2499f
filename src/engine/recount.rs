//! The queue counts after local changes: published off the change's own path, one
//! count for a burst, and a background sync asked for when changes wait offline.

use super::{Engine, EngineEvent};
use std::rc::Rc;

/// How long the queue counts wait after a change for more changes to share them.
pub(super) const RECOUNT_DELAY_MS: u32 = 100;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Recount {
    Idle,
    Running,
    Again,
}

impl Engine {
    /// Publishes the queue counts after a change, off the change's own path: the
    /// change resolves as soon as it is durable, and the changes of the next
    /// `RECOUNT_DELAY_MS` share one count. Counting a long queue costs more than
    /// writing to it, and a count's transaction would hold up the next change.
    pub(super) fn recount(self: &Rc<Self>) {
        if self.recount.get() != Recount::Idle {
            self.recount.set(Recount::Again);
            return;
        }
        self.recount.set(Recount::Running);
        let me = self.clone();
        let generation = self.generation();
        crate::task::spawn(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(RECOUNT_DELAY_MS).await;
                if me.generation() != generation {
                    // Local data was cleared (sign-out): counting would open the
                    // database again and leave a fresh one behind.
                    me.recount.set(Recount::Idle);
                    return;
                }
                me.recount.set(Recount::Running);
                me.announce_queue().await;
                if me.recount.get() == Recount::Again {
                    continue;
                }
                me.recount.set(Recount::Idle);
                return;
            }
        });
    }

    pub(super) async fn announce_queue(self: &Rc<Self>) {
        self.announce_queue_then_sync(false).await;
    }

    /// Publishes the queue counts. With changes waiting and no way to send them now
    /// (offline, or `after_failure`), asks for a background sync, so they go out even
    /// if every tab is closed before the network comes back.
    pub(super) async fn announce_queue_then_sync(self: &Rc<Self>, after_failure: bool) {
        if let Ok((p, f)) = self.counts().await {
            self.announce_counts(p, f, after_failure).await;
        }
    }

    pub(super) async fn announce_counts(self: &Rc<Self>, pending: u32, failed: u32, after_failure: bool) {
        self.announce(EngineEvent::QueueChanged(pending, failed)).await;
        if pending > 0 && (after_failure || !crate::browser::is_online()) {
            crate::browser::background_sync::request_sync().await;
        }
    }
}
