//! Pushing the queue: batches leave in queue order, and while one is on the wire
//! the one before it is settled and the next one is picked, so IndexedDB work
//! overlaps the network instead of adding to it.
//!
//! What a push reads it sends as read: reading the queue records, in the same
//! transaction, that no change may be folded into those entries any more
//! (`outbox::load_after`); settling hands back the entries it rewrote.

use super::progress::Meter;
use super::{Engine, Ready, SyncResult};
use crate::failure::{ErrorKind, Result};
use crate::records::answer::Outcome;
use crate::records::queue::QueueEntry;
use crate::store::outbox;
use offline_sync_core::keyed::KeySet;
use offline_sync_core::queue::{sendable_except, EntryMeta, EntryState};
use offline_sync_core::status::{Phase, Progress};
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Queue entries a push reads at a time.
const QUEUE_WINDOW: u32 = 1000;

/// The part of the queue a push holds: read a window at a time, so a long queue
/// never sits in memory whole (its payloads made the garbage collector pause the page).
#[derive(Default)]
struct Window {
    records: Vec<JsValue>,
    metas: Vec<EntryMeta>,
    last_seq: Option<u64>,
    exhausted: bool,
}

impl Window {
    /// The next batch (at most `limit` entries, none of an entity in `held`), reading
    /// more of the queue while the window runs short.
    async fn pick(&mut self, ready: &Ready, limit: usize, held: &[(String, String)]) -> Result<Vec<JsValue>> {
        let held: Vec<(&str, &str)> = held.iter().map(|(t, i)| (t.as_str(), i.as_str())).collect();
        loop {
            let picked = sendable_except(&self.metas, limit, &held);
            // With a batch in flight, what waits on it may fill the window: the rest
            // of the queue is read once it is settled, not now.
            let full = !held.is_empty() && self.metas.len() >= QUEUE_WINDOW as usize;
            if picked.len() >= limit || self.exhausted || full {
                return Ok(picked.iter().map(|&i| self.records[i].clone()).collect());
            }
            let more = outbox::load_after(&ready.store, self.last_seq, Some(QUEUE_WINDOW)).await?;
            self.exhausted = more.len() < QUEUE_WINDOW as usize;
            if let Some((_, m)) = more.last() {
                self.last_seq = Some(m.seq);
            }
            for (rec, m) in more {
                self.records.push(rec);
                self.metas.push(m);
            }
        }
    }

    /// The span of queue positions `batch` covers, if the window has nothing else in
    /// it (new entries only ever come after it).
    fn span_of(&self, batch: &KeySet<u64>) -> Option<(u64, u64)> {
        let (lo, hi) = (*batch.first()?, *batch.last()?);
        let others = self.metas.iter().any(|m| m.seq >= lo && m.seq <= hi && !batch.contains(&m.seq));
        (!others).then_some((lo, hi))
    }

    /// Settled entries leave; refused ones stay, as failed, so they keep holding back
    /// later changes of their entity; rewritten ones are taken as they are now.
    fn settled(&mut self, done: &KeySet<u64>, refused: &KeySet<u64>, rewritten: Vec<JsValue>) {
        for r in rewritten {
            let Some(seq) = QueueEntry(&r).seq() else { continue };
            if let Some(i) = self.metas.iter().position(|m| m.seq == seq) {
                if let Some(m) = outbox::meta_of(&r) {
                    self.metas[i] = EntryMeta { state: self.metas[i].state, ..m };
                    self.records[i] = r;
                }
            }
        }
        let keep: Vec<bool> = self.metas.iter().map(|m| refused.contains(&m.seq) || !done.contains(&m.seq)).collect();
        for m in self.metas.iter_mut().filter(|m| refused.contains(&m.seq)) {
            m.state = EntryState::Failed;
        }
        let mut k = keep.iter();
        self.records.retain(|_| *k.next().unwrap_or(&true));
        let mut k = keep.iter();
        self.metas.retain(|_| *k.next().unwrap_or(&true));
    }
}

/// Progress of a push: the changes settled so far, towards the queue's length
/// when the push began (or more, if changes were queued meanwhile and sent too).
struct Count<'a> {
    meter: Meter<'a>,
    start: u32,
    total: u32,
}

impl Count<'_> {
    fn tick(&mut self, r: &SyncResult, last: bool) {
        let n = r.processed.saturating_sub(self.start).saturating_sub(self.meter.loaded());
        if n > 0 || last {
            self.meter.add(n, Some(self.total), last);
        }
    }
}

fn entities(batch: &[JsValue]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in batch {
        let key = (QueueEntry(r).entity_type(), QueueEntry(r).entity_id());
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

fn seqs(batch: &[JsValue]) -> KeySet<u64> {
    batch.iter().filter_map(|r| QueueEntry(r).seq()).collect()
}

impl Engine {
    /// Sends the queue in order, in batches. A transient failure stops the sync with
    /// everything still queued; a permanent one sets only the offending entry aside.
    /// A queue longer than one request carries shows in `status.progress` as it goes.
    pub(super) async fn push_queue(self: &Rc<Self>, ready: &Ready, generation: u32, r: &mut SyncResult) -> Result<()> {
        let full = ready.transport.batch_limit();
        let (pending, _) = outbox::counts(&ready.store).await?;
        let long = pending as usize > full;
        let sink = |p: &Progress| {
            if long {
                self.progress(Some(*p));
            }
        };
        let mut count = Count { meter: Meter::new(&sink, Phase::Push, 0), start: r.processed, total: pending };
        let out = match full {
            1 => self.push_in_turn(ready, generation, r, &mut count).await,
            _ => self.push_batches(ready, generation, r, &mut count, full).await,
        };
        if long {
            if out.is_ok() {
                count.tick(r, true);
            }
            self.progress(None);
        }
        out
    }

    async fn push_batches(
        self: &Rc<Self>,
        ready: &Ready,
        generation: u32,
        r: &mut SyncResult,
        count: &mut Count<'_>,
        full: usize,
    ) -> Result<()> {
        // After a request-level refusal, the refused batch's entries go one at a time
        // to find the bad one (this many singles left); then batches are whole again.
        let mut singles_left = 0;
        let mut w = Window::default();
        let mut answered: Option<(Vec<JsValue>, Vec<Outcome>)> = None;
        let mut cur = self.prepare(ready, &mut w, full, &[], generation).await?;
        loop {
            if cur.is_empty() && answered.is_none() {
                return Ok(());
            }
            // Picked in the round before: local data may have been cleared since (a
            // sign-out), and its changes must not go out under whoever is signed in now.
            self.write_guard(generation)?;
            let held = entities(&cur);
            // Until the last single of a search, what follows is picked as a single too.
            let next_limit = if singles_left > 1 { 1 } else { full };
            let send = async {
                match cur.is_empty() {
                    true => None,
                    false => Some(ready.transport.push(&cur).await),
                }
            };
            let local = async {
                if let Some((batch, outcomes)) = answered.take() {
                    self.settle(ready, &mut w, batch, outcomes, generation, r).await?;
                }
                self.prepare(ready, &mut w, next_limit, &held, generation).await
            };
            let (answer, next) = futures_util::future::join(send, local).await;
            // A batch picked but not sent (`next`, when this one failed) stays queued.
            let next = next?;
            let sent = cur.len();
            match answer {
                None => cur = next,
                Some(Ok(outcomes)) => {
                    answered = Some((std::mem::take(&mut cur), outcomes));
                    cur = next;
                }
                Some(Err(e)) if e.kind == ErrorKind::Permanent && cur.len() > 1 => {
                    singles_left = sent;
                    cur = self.prepare(ready, &mut w, 1, &[], generation).await?;
                    continue;
                }
                Some(Err(e)) if e.kind == ErrorKind::Permanent => {
                    answered = Some((std::mem::take(&mut cur), vec![Outcome::Rejected(e.message.clone())]));
                    cur = next;
                    // The bad one is found.
                    singles_left = 0;
                }
                Some(Err(e)) => {
                    if self.generation() == generation {
                        r.failed += outbox::note_failure(&ready.store, &cur, &e, &self.options.backoff).await?;
                    }
                    return Err(e);
                }
            }
            if sent == 1 {
                singles_left = singles_left.saturating_sub(1);
            }
            count.tick(r, false);
        }
    }

    /// Sends the queue one change per request (REST), each answer written to
    /// IndexedDB, in the transaction that takes the change off the queue or sets it
    /// aside, before the next request leaves: a reload at any point re-sends only the
    /// change whose answer was never read. A failed send counts against that change
    /// alone; the ones behind it were never sent and keep their attempts.
    async fn push_in_turn(
        self: &Rc<Self>,
        ready: &Ready,
        generation: u32,
        r: &mut SyncResult,
        count: &mut Count<'_>,
    ) -> Result<()> {
        let mut w = Window::default();
        loop {
            let one = self.prepare(ready, &mut w, 1, &[], generation).await?;
            if one.is_empty() {
                return Ok(());
            }
            let outcomes = match ready.transport.push(&one).await {
                Ok(outcomes) => outcomes,
                Err(e) if e.kind == ErrorKind::Permanent => vec![Outcome::Rejected(e.message.clone())],
                Err(e) => {
                    if self.generation() == generation {
                        r.failed += outbox::note_failure(&ready.store, &one, &e, &self.options.backoff).await?;
                    }
                    return Err(e);
                }
            };
            self.settle(ready, &mut w, one, outcomes, generation, r).await?;
            count.tick(r, false);
        }
    }

    /// Picks the next batch.
    async fn prepare(
        &self,
        ready: &Ready,
        w: &mut Window,
        limit: usize,
        held: &[(String, String)],
        generation: u32,
    ) -> Result<Vec<JsValue>> {
        self.write_guard(generation)?;
        w.pick(ready, limit, held).await
    }

    async fn settle(
        &self,
        ready: &Ready,
        w: &mut Window,
        batch: Vec<JsValue>,
        outcomes: Vec<Outcome>,
        generation: u32,
        r: &mut SyncResult,
    ) -> Result<()> {
        self.write_guard(generation)?;
        let done = seqs(&batch);
        let refused: KeySet<u64> = batch
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o, Outcome::Rejected(_)))
            .filter_map(|(b, _)| QueueEntry(b).seq())
            .collect();
        let span = w.span_of(&done);
        // The entities answered, under the ids the server gave them too.
        let mut changed = super::changes::Changes::of_entries(&batch.iter().collect::<js_sys::Array>());
        for o in &outcomes {
            if let Outcome::Applied(Some(e)) | Outcome::Conflict(Some(e)) = o {
                changed.add_record(e);
            }
        }
        let (settled, rewritten) =
            outbox::settle(&ready.store, batch.into_iter().zip(outcomes).collect(), span, &self.policies).await?;
        self.changed(changed);
        r.pushed += settled.applied;
        r.conflicts += settled.conflicts;
        r.failed += settled.failed;
        r.processed += settled.applied + settled.conflicts + settled.failed;
        w.settled(&done, &refused, rewritten);
        self.conflicts_settled(settled.records, settled.requeued);
        Ok(())
    }
}
