//! One full sync: push the queue, pull pages, push again what was queued meanwhile.

use super::progress::Meter;
use super::{Engine, Ready, SyncKind, SyncResult};
use crate::failure::{protocol, ErrorKind, Result};
use crate::jsv;
use crate::records::meta::Offline;
use crate::store::{meta, pull_write};
use offline_sync_core::protocol::Scope;
use offline_sync_core::status::{Phase, Progress};
use std::cell::Cell;
use std::rc::Rc;

impl Engine {
    /// Runs one sync of the namespace as it was at `generation`; if local data is
    /// cleared meanwhile, it stops before writing anything more.
    pub(super) async fn run_sync(self: &Rc<Self>, generation: u32, kind: SyncKind) -> SyncResult {
        let start = jsv::now_ms();
        let mut r = SyncResult { kind, ..Default::default() };
        let outcome = self.sync_steps(&mut r, generation).await;
        r.duration_ms = jsv::now_ms() - start;
        match outcome {
            Ok(()) => r.success = true,
            Err(e) => {
                r.success = false;
                r.error = Some(e);
            }
        }
        r
    }

    async fn sync_steps(self: &Rc<Self>, r: &mut SyncResult, generation: u32) -> Result<()> {
        self.write_guard(generation)?;
        let ready = self.ready().await?;
        // Ask the app for its current token once per sync (and again after a 401).
        ready.transport.reset_auth();
        self.push_queue(&ready, generation, r).await?;
        if r.kind == SyncKind::Push {
            return self.note_synced(&ready, generation).await;
        }
        r.pulled += self.pull_scope(&ready, &Scope::All, generation, None).await?;
        if !ready.transport.all_scope_covers_courses() {
            // Lessons of a course live under it in a REST API: keep the scopes
            // (courses) downloaded for offline use fresh too.
            for rec in meta::offline(&ready.store, None).await?.iter() {
                if let Some(scope) = Offline::scope(&rec) {
                    r.pulled += self.pull_scope(&ready, &scope, generation, None).await?;
                }
            }
        }
        self.push_queue(&ready, generation, r).await?;
        self.note_synced(&ready, generation).await
    }

    /// Stores when this good sync ended, for `status.lastSyncAt` after a reload.
    async fn note_synced(&self, ready: &Ready, generation: u32) -> Result<()> {
        self.write_guard(generation)?;
        meta::put_last_sync_at(&ready.store, jsv::now_ms()).await
    }

    /// Pulls every page of a scope since its stored cursor. Each page is written in
    /// one transaction, with the cursor and the count so far, after it arrived: a
    /// pull interrupted by a reload goes on from its last page, and its progress
    /// counts on. Reports progress to `on_progress`, and to `status.progress` once
    /// a page says more follow.
    pub(super) async fn pull_scope(
        self: &Rc<Self>,
        ready: &Ready,
        scope: &Scope,
        generation: u32,
        on_progress: Option<&dyn Fn(&Progress)>,
    ) -> Result<u32> {
        // Live queries wait for the pull's end (up to a bound) instead of running after each page.
        let _pulling = self.watchers.pulling();
        let long = Cell::new(false);
        let sink = |p: &Progress| {
            if let Some(f) = on_progress {
                f(p);
            }
            if long.get() {
                self.progress(Some(*p));
            }
        };
        let mut cursor = meta::cursor(&ready.store, scope).await?;
        let mut before = meta::pulled(&ready.store, scope).await?;
        let mut total = 0;
        let size = self.options.pull_page_size;
        let mut page = match ready.transport.pull(scope, cursor.as_deref(), size).await {
            // The server refuses our stored cursor: it cannot have handed it out (its
            // database was restored from an older backup, or this is another server).
            // Pulling the scope again from the beginning recovers (docs/PROTOCOL.md,
            // pull); unsynced local edits are never overwritten by a pull.
            Err(e) if e.kind == ErrorKind::Permanent && cursor.is_some() => {
                cursor = None;
                before = 0;
                ready.transport.pull(scope, None, size).await?
            }
            other => other?,
        };
        long.set(before > 0);
        let mut meter = Meter::new(&sink, Phase::Pull, before);
        loop {
            self.write_guard(generation)?;
            let (n, remaining, more) = (page.changes.length(), page.remaining, page.has_more);
            let next_cursor = page.cursor.clone();
            let fetch_next = page.has_more && next_cursor.is_some() && next_cursor != cursor;
            // The next page is asked for while this one is written, so the network
            // and IndexedDB work at the same time (fetch and JSON are a fifth to a
            // quarter of a pull in the benchmark); its body is read once this one
            // is written, so two parsed pages are never on the heap together.
            // The cursor still goes in with its page.
            let mut changed = super::changes::Changes::of_records(&page.changes);
            if let Some(sweep) = &page.sweep {
                changed.add_type(&sweep.entity_type);
            }
            let write = async {
                let pulled = more.then_some(meter.loaded() + n);
                let mut n =
                    pull_write::write_page(&ready.store, &page.changes, scope, page.cursor.as_deref(), pulled).await?;
                if let Some(sweep) = &page.sweep {
                    self.write_guard(generation)?;
                    n += pull_write::sweep(&ready.store, sweep).await?;
                }
                Ok::<_, crate::failure::SyncError>(n)
            };
            let next = async {
                match fetch_next {
                    true => Some(ready.transport.pull_ahead(scope, next_cursor.as_deref(), size).await),
                    false => None,
                }
            };
            let (written, next) = futures_util::future::join(write, next).await;
            total += written?;
            long.set(long.get() || more);
            meter.page(n, remaining, !more);
            self.changed(changed);
            if !page.has_more {
                return Ok(total);
            }
            let Some(next) = next else {
                return Err(protocol("pull answer says `hasMore` but its cursor did not move"));
            };
            cursor = next_cursor;
            // This page's records go before the next is parsed: held while it is,
            // they would outlive a scavenge and be promoted for nothing.
            drop(page);
            page = next?.finish().await?;
            // Let the page breathe between pages: input and rendering run here.
            gloo_timers::future::TimeoutFuture::new(0).await;
        }
    }
}
