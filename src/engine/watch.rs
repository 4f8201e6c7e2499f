//! Live queries: a query (or one entity) watched, its callback called with the new
//! result whenever a change may have altered it, here or in another context of the
//! namespace (`changes`).
//!
//! Off the write paths: a change only marks the watchers of its entity type and
//! wakes each one's task; the task waits while this engine still has writes in
//! flight (a burst of changes shares one run, up to [`MAX_WAIT_MS`]), then runs.
//! A query runs again only if a changed entity was in its last result or may now
//! be in it: a few changed entities outside the result are read and tested first.

use super::changes::Changes;
use super::Engine;
use crate::failure::{to_js, Result};
use crate::store::{query, view};
use offline_sync_core::keyed::KeySet;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// How long a watcher waits for this engine's writes to end before it runs anyway.
const MAX_WAIT_MS: f64 = 250.0;
/// Up to this many changed entities outside a query's result are read and tested
/// against it; more run the query again.
const TEST_ONE_BY_ONE: usize = 50;

pub enum Target {
    Query(query::Query),
    Entity(String),
}

/// What changed of a watcher's type since its last run: `None` any entity.
type Pending = Option<KeySet<String>>;

pub struct Watcher {
    id: u32,
    entity_type: String,
    target: Target,
    on_result: js_sys::Function,
    on_error: Option<js_sys::Function>,
    /// `Some` while a run is due; the first run is due from the start.
    pending: RefCell<Option<Pending>>,
    /// A task is waiting or running for it.
    active: Cell<bool>,
    /// The ids of the last result delivered, in order.
    last: RefCell<Vec<String>>,
    alive: Cell<bool>,
}

#[derive(Default)]
pub struct Watchers {
    list: RefCell<Vec<Rc<Watcher>>>,
    next: Cell<u32>,
    /// Local writes begun and not yet done (a burst's end is when this is 0).
    in_flight: Cell<u32>,
}

/// Counts a local write while it runs.
pub struct WriteGuard<'a>(&'a Watchers);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.in_flight.set(self.0.in_flight.get().saturating_sub(1));
    }
}

impl Watchers {
    pub fn writing(&self) -> WriteGuard<'_> {
        self.in_flight.set(self.in_flight.get() + 1);
        WriteGuard(self)
    }
}

impl Engine {
    /// Watches `target` of `entity_type`; `on_result` gets the first result, then
    /// each new one. Returns the id for [`Engine::unwatch`].
    pub fn watch(
        self: &Rc<Self>,
        entity_type: String,
        target: Target,
        on_result: js_sys::Function,
        on_error: Option<js_sys::Function>,
    ) -> u32 {
        let w = &self.watchers;
        let id = w.next.get();
        w.next.set(id.wrapping_add(1));
        let watcher = Rc::new(Watcher {
            id,
            entity_type,
            target,
            on_result,
            on_error,
            pending: RefCell::new(Some(None)),
            active: Cell::new(false),
            last: RefCell::new(Vec::new()),
            alive: Cell::new(true),
        });
        w.list.borrow_mut().push(watcher.clone());
        self.wake(watcher);
        id
    }

    /// Stops a watcher: no callback after this, and the engine holds nothing of it.
    pub fn unwatch(&self, id: u32) {
        self.watchers.list.borrow_mut().retain(|w| {
            let keep = w.id != id;
            if !keep {
                w.alive.set(false);
            }
            keep
        });
    }

    /// Marks the watchers `changes` may concern, and wakes them.
    pub(super) fn notify_watchers(self: &Rc<Self>, changes: &Changes) {
        let hit: Vec<Rc<Watcher>> = self.watchers.list.borrow().iter().cloned().collect();
        for w in hit {
            let Some(ids) = changes.of(&w.entity_type) else { continue };
            if let Target::Entity(id) = &w.target {
                if ids.is_some_and(|ids| !ids.contains(id)) {
                    continue;
                }
            }
            {
                let mut p = w.pending.borrow_mut();
                match (&mut *p, ids) {
                    (None, ids) => *p = Some(ids.map(|s| s.iter().cloned().collect())),
                    (Some(None), _) => {}
                    (Some(mine), None) => *mine = None,
                    (Some(Some(mine)), Some(ids)) => ids.iter().for_each(|id| {
                        mine.insert(id.clone());
                    }),
                }
            }
            self.wake(w);
        }
    }

    fn wake(self: &Rc<Self>, w: Rc<Watcher>) {
        if w.active.replace(true) {
            return;
        }
        let me = self.clone();
        crate::task::spawn(async move {
            loop {
                // After a task's turn, and after this engine's writes in flight: the
                // rest of a burst lands before the query runs.
                let start = crate::jsv::now_ms();
                gloo_timers::future::TimeoutFuture::new(0).await;
                while me.watchers.in_flight.get() > 0 && crate::jsv::now_ms() - start < MAX_WAIT_MS {
                    gloo_timers::future::TimeoutFuture::new(1).await;
                }
                let Some(pending) = w.pending.borrow_mut().take() else { break };
                if !w.alive.get() {
                    break;
                }
                if let Err(e) = me.run_watcher(&w, pending).await {
                    if let (true, Some(f)) = (w.alive.get(), &w.on_error) {
                        let _ = f.call1(&JsValue::NULL, &to_js(&e));
                    }
                }
                if w.pending.borrow().is_none() {
                    break;
                }
            }
            w.active.set(false);
        });
    }

    async fn run_watcher(self: &Rc<Self>, w: &Watcher, pending: Pending) -> Result<()> {
        let first = pending.is_none() && w.last.borrow().is_empty();
        let et = w.entity_type.clone();
        let result = match &w.target {
            Target::Entity(id) => {
                let id = id.clone();
                self.with_store(|r| {
                    let (et, id) = (et.clone(), id.clone());
                    async move { view::get(&r.store, &et, &id).await }
                })
                .await?
            }
            Target::Query(q) => {
                let changed_in_result = match &pending {
                    None => true,
                    Some(ids) => {
                        let last = w.last.borrow();
                        last.iter().any(|id| ids.contains(id))
                    }
                };
                if !changed_in_result {
                    let ids = pending.as_ref().map(|s| s.iter().collect::<Vec<_>>()).unwrap_or_default();
                    if ids.len() <= TEST_ONE_BY_ONE {
                        // None of them was in the result: it changes only if one now matches.
                        let views = self
                            .with_store(|r| {
                                let (et, ids) = (et.clone(), ids.clone());
                                async move { view::get_many(&r.store, &et, &ids).await }
                            })
                            .await?;
                        if !views.iter().any(|v| q.matches(&v)) {
                            return Ok(());
                        }
                    }
                }
                let (rows, ids) = self
                    .with_store(|r| {
                        let et = et.clone();
                        async move { query::query_keyed(&r.store, &et, q).await }
                    })
                    .await?;
                // A run for many changes, none in the result before or after, and
                // the same entities in the same order: nothing the app sees changed.
                let touched = pending.as_ref().is_none_or(|p| ids.iter().any(|id| p.contains(id)));
                let same = *w.last.borrow() == ids;
                if !first && !changed_in_result && !touched && same {
                    return Ok(());
                }
                *w.last.borrow_mut() = ids;
                rows.into()
            }
        };
        if w.alive.get() {
            let _ = w.on_result.call1(&JsValue::NULL, &result);
        }
        Ok(())
    }
}
