//! One full sync: push the queue, pull pages, push again what was queued meanwhile.

use super::{Engine, Ready, SyncResult};
use crate::failure::{protocol, ErrorKind, Result};
use crate::jsv;
use crate::store::outbox::{self, Outcome};
use crate::store::{meta, pull_write};
use offline_sync_core::protocol::{Scope, MAX_PUSH_BATCH};
use offline_sync_core::queue::{sendable, EntryMeta, EntryState};
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Queue entries a push reads at a time.
const QUEUE_WINDOW: u32 = 1000;

impl Engine {
    /// Runs one sync of the namespace as it was at `generation`; if local data is
    /// cleared meanwhile, it stops before writing anything more.
    pub(super) async fn run_sync(self: &Rc<Self>, generation: u32) -> SyncResult {
        let start = jsv::now_ms();
        let mut r = SyncResult::default();
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
        r.pulled += self.pull_scope(&ready, &Scope::All, generation).await?;
        if !ready.transport.all_scope_covers_courses() {
            // Lessons of a course live under it in a REST API: keep the courses
            // downloaded for offline use fresh too.
            for course in meta::offline_courses(&ready.store).await?.iter() {
                if let Some(id) = crate::jsv::get_str(&course, "courseId") {
                    r.pulled += self.pull_scope(&ready, &Scope::Course(id), generation).await?;
                }
            }
        }
        self.push_queue(&ready, generation, r).await?;
        Ok(())
    }

    /// Sends the queue in order, in batches. A transient failure stops the sync with
    /// everything still queued; a permanent one sets only the offending entry aside.
    async fn push_queue(self: &Rc<Self>, ready: &Ready, generation: u32, r: &mut SyncResult) -> Result<()> {
        // The queue is read a window at a time: settled entries leave the window and
        // the next ones are read when it runs short, so a long queue never sits in
        // memory whole (its payloads made the garbage collector pause the page).
        let (mut records, mut metas): (Vec<JsValue>, Vec<EntryMeta>) = (Vec::new(), Vec::new());
        let (mut last_seq, mut exhausted) = (None, false);
        // After a request-level rejection, entries go one at a time to find the bad one.
        let mut batch_limit = MAX_PUSH_BATCH;
        loop {
            let mut picked = sendable(&metas, batch_limit);
            if picked.len() < batch_limit && !exhausted {
                let more = outbox::load_after(&ready.store, last_seq, Some(QUEUE_WINDOW)).await?;
                exhausted = more.len() < QUEUE_WINDOW as usize;
                if let Some((_, m)) = more.last() {
                    last_seq = Some(m.seq);
                }
                for (rec, m) in more {
                    records.push(rec);
                    metas.push(m);
                }
                // Failed entries stay in the window, so they still hold back later
                // changes of their entity that come in with the next window.
                picked = sendable(&metas, batch_limit);
            }
            if picked.is_empty() {
                if exhausted {
                    return Ok(());
                }
                continue;
            }
            let loaded: Vec<JsValue> = picked.iter().map(|&i| records[i].clone()).collect();
            self.write_guard(generation)?;
            let batch = outbox::mark_attempt(&ready.store, &loaded).await?;
            if batch.len() != loaded.len() {
                // Entries changed state since the load (discarded, set aside): start over from the store.
                return Box::pin(self.push_queue(ready, generation, r)).await;
            }
            let outcomes = match ready.transport.push(&batch).await {
                Ok(o) => o,
                Err(e) if e.kind == ErrorKind::Permanent && batch.len() > 1 => {
                    batch_limit = 1;
                    continue;
                }
                Err(e) if e.kind == ErrorKind::Permanent => vec![Outcome::Rejected(e.message.clone())],
                Err(e) => {
                    if self.generation() == generation {
                        r.failed += outbox::note_failure(&ready.store, &batch, &e, &self.options.backoff).await?;
                    }
                    return Err(e);
                }
            };
            self.write_guard(generation)?;
            let rejected: Vec<bool> = outcomes.iter().map(|o| matches!(o, Outcome::Rejected(_))).collect();
            let settled = outbox::settle(&ready.store, batch.into_iter().zip(outcomes).collect()).await?;
            r.pushed += settled.applied;
            r.conflicts += settled.conflicts;
            r.failed += settled.failed;
            r.processed += settled.applied + settled.conflicts + settled.failed;
            // Settled entries leave the snapshot; rejected ones stay, as failed, so
            // they keep holding back later changes of their entity.
            let mut keep = vec![true; metas.len()];
            for (&i, &rej) in picked.iter().zip(&rejected) {
                if rej {
                    metas[i].state = EntryState::Failed;
                } else {
                    keep[i] = false;
                }
            }
            let mut k = keep.iter();
            records.retain(|_| *k.next().unwrap_or(&true));
            let mut k = keep.iter();
            metas.retain(|_| *k.next().unwrap_or(&true));
        }
    }

    /// Pulls every page of a scope since its stored cursor. Each page is written in
    /// one transaction, with the cursor, after it arrived.
    pub(super) async fn pull_scope(self: &Rc<Self>, ready: &Ready, scope: &Scope, generation: u32) -> Result<u32> {
        let mut cursor = meta::cursor(&ready.store, scope).await?;
        let mut total = 0;
        let size = self.options.pull_page_size;
        let mut page = ready.transport.pull(scope, cursor.as_deref(), size).await?;
        loop {
            self.write_guard(generation)?;
            let next_cursor = page.cursor.clone();
            let fetch_next = page.has_more && next_cursor.is_some() && next_cursor != cursor;
            // The next page is fetched while this one is written, so the network and
            // IndexedDB work at the same time (fetch and JSON are a fifth to a quarter
            // of a pull in the benchmark).
            // The cursor still goes in with its page.
            let write = async {
                let mut n = pull_write::write_page(&ready.store, &page.changes, scope, page.cursor.as_deref()).await?;
                if let Some(sweep) = &page.sweep {
                    self.write_guard(generation)?;
                    n += pull_write::sweep(&ready.store, sweep).await?;
                }
                Ok::<_, crate::failure::SyncError>(n)
            };
            let next = async {
                match fetch_next {
                    true => Some(ready.transport.pull(scope, next_cursor.as_deref(), size).await),
                    false => None,
                }
            };
            let (written, next) = futures_util::future::join(write, next).await;
            total += written?;
            if !page.has_more {
                return Ok(total);
            }
            let Some(next) = next else {
                return Err(protocol("pull answer says `hasMore` but its cursor did not move"));
            };
            cursor = next_cursor;
            page = next?;
            // Let the page breathe between pages: input and rendering run here.
            gloo_timers::future::TimeoutFuture::new(0).await;
        }
    }
}
