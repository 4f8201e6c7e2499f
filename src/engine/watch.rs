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
use crate::jsv;
use crate::store::{query, view};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// How long a watcher waits for this engine's writes to end before it runs anyway.
const MAX_WAIT_MS: f64 = 250.0;

/// Up to this many changed entities outside a query's result are read and tested
/// against it; more run the query again.
const TEST_ONE_BY_ONE: u32 = 50;

pub enum Target {
    Query(query::Query),
    Entity(String),
}

pub struct Watcher {
    id: u32,
    entity_type: String,
    target: Target,
    on_result: js_sys::Function,
    on_error: Option<js_sys::Function>,
    /// The changes of its type since its last run (`jsv::pending_*`): `undefined`
    /// no run due, `null` any entity (and the first run), else a `Set` of ids.
    pending: RefCell<JsValue>,
    /// A task is waiting or running for it.
    active: Cell<bool>,
    /// The ids of the last result delivered, in order (a JS array).
    last: RefCell<JsValue>,
    /// The last result delivered (`undefined` before the first).
    rows: RefCell<JsValue>,
    alive: Cell<bool>,
}

#[derive(Default)]
pub struct Watchers {
    list: RefCell<Vec<Rc<Watcher>>>,
    next: Cell<u32>,
    /// Local writes begun and not yet done (a burst's end is when this is 0).
    in_flight: Cell<u32>,
    /// Pulls in progress here.
    pulling: Cell<u32>,
}

/// Counts a local write (or a pull) while it runs.
pub struct WriteGuard<'a>(&'a Cell<u32>);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

impl Watchers {
    pub fn writing(&self) -> WriteGuard<'_> {
        self.in_flight.set(self.in_flight.get() + 1);
        WriteGuard(&self.in_flight)
    }

    pub fn pulling(&self) -> WriteGuard<'_> {
        self.pulling.set(self.pulling.get() + 1);
        WriteGuard(&self.pulling)
    }

    /// Whether a watcher woken `waited` ms ago should wait on: while local writes
    /// are in flight (bounded), and until a pull in progress ends. A pull's pages
    /// land a few hundred ms apart; without indexes each full run reads the whole
    /// type, and 20 live queries re-run during a 100k pull (every 2 s) made it
    /// take minutes instead of 17 s (docs/performance.md, "Live queries").
    fn busy(&self, waited: f64) -> bool {
        (self.in_flight.get() > 0 && waited < MAX_WAIT_MS) || self.pulling.get() > 0
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
            pending: RefCell::new(JsValue::NULL),
            active: Cell::new(false),
            last: RefCell::new(js_sys::Array::new().into()),
            rows: RefCell::new(JsValue::UNDEFINED),
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
        let all: Vec<Rc<Watcher>> = self.watchers.list.borrow().iter().cloned().collect();
        for w in all {
            let ids = changes.of(&w.entity_type);
            if ids.is_undefined() {
                continue;
            }
            if let Target::Entity(id) = &w.target {
                if !jsv::pending_has(&ids, id) {
                    continue;
                }
            }
            let merged = jsv::pending_merge(&w.pending.borrow(), &ids);
            *w.pending.borrow_mut() = merged;
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
                let start = jsv::now_ms();
                gloo_timers::future::TimeoutFuture::new(0).await;
                while me.watchers.busy(jsv::now_ms() - start) {
                    // A pull lasts seconds: twenty watchers polling it every 1 ms
                    // were 20k wake-ups a second on the page's thread.
                    let pulling = me.watchers.pulling.get() > 0;
                    gloo_timers::future::TimeoutFuture::new(if pulling { 50 } else { 1 }).await;
                }
                let pending = w.pending.replace(JsValue::UNDEFINED);
                if pending.is_undefined() || !w.alive.get() {
                    break;
                }
                if let Err(e) = me.run_watcher(&w, pending).await {
                    if let (true, Some(f)) = (w.alive.get(), &w.on_error) {
                        let _ = f.call1(&JsValue::NULL, &to_js(&e));
                    }
                }
                if w.pending.borrow().is_undefined() {
                    break;
                }
            }
            w.active.set(false);
        });
    }

    /// Runs a watcher for the changes due (`pending`) and calls it back if its
    /// result may have changed. Reads the store as it is open (no reopening after
    /// the browser closed it: a failed run is reported, and the next change runs again).
    async fn run_watcher(self: &Rc<Self>, w: &Watcher, pending: JsValue) -> Result<()> {
        let store = &self.ready().await?.store;
        let et = &w.entity_type;
        let result = match &w.target {
            // `get_many` of one: one copy of the reading code in the .wasm.
            Target::Entity(id) => view::get_many(store, et, &js_sys::Array::of1(&JsValue::from_str(id))).await?.get(0),
            Target::Query(q) => {
                let was_in = jsv::pending_touches(&pending, &w.last.borrow());
                let few = jsv::pending_few(&pending, TEST_ONE_BY_ONE);
                let mut patched = JsValue::UNDEFINED;
                if !few.is_undefined() {
                    // A few entities changed: read them, not the whole type.
                    let few = js_sys::Array::from(&few);
                    let views = view::get_many(store, et, &few).await?;
                    if !was_in && !views.iter().any(|v| q.matches(&v)) {
                        // None was in the result, none is now.
                        return Ok(());
                    }
                    let rows = w.rows.borrow().clone();
                    if !rows.is_undefined() {
                        patched = q.patch(&rows, &w.last.borrow(), &few, &views);
                    }
                }
                let (rows, ids) = match patched.is_undefined() {
                    true => query::query_keyed(store, et, q).await?,
                    false => {
                        let p = js_sys::Array::from(&patched);
                        (js_sys::Array::from(&p.get(0)), p.get(1))
                    }
                };
                // A run for many changes, none in the result before or after, and
                // the same entities in the same order: nothing the app sees changed.
                if !was_in && !jsv::pending_touches(&pending, &ids) && jsv::same_ids(&w.last.borrow(), &ids) {
                    return Ok(());
                }
                *w.last.borrow_mut() = ids;
                // A copy: the app may sort or splice the array it gets.
                *w.rows.borrow_mut() = js_sys::Array::from(&rows).into();
                rows.into()
            }
        };
        if w.alive.get() {
            let _ = w.on_result.call1(&JsValue::NULL, &result);
        }
        Ok(())
    }
}
