//! The client behind `useOfflineSync`, `new OfflineSync()` and `createOfflineSync()`.
//!
//! A client is a `Hub`: one engine (one namespace, one database), its status, one
//! timer and one subscription to the page's online/visible sources (`triggers`),
//! however many components use the hook (the module this replaces ran timers per
//! instance). Each controller of the client contributes its options while it is
//! active. The page has a default client (`page.rs`, the one of `initOfflineSync`);
//! `createOfflineSync` makes others, held by the app (TanStack Query's `QueryClient`).

pub mod page;
mod snapshot;
pub mod triggers;

use triggers::Trigger;

use crate::engine::{Engine, EngineEvent, SyncKind, SyncResult};
use crate::jsv;
use offline_sync_core::config::ControllerOptions;
use offline_sync_core::schedule::{next_delay, LastSync};
use offline_sync_core::status::{Event, Status};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;

/// What an active controller wants from the hub.
#[derive(Clone)]
pub struct Member {
    pub options: ControllerOptions,
    /// Auto-sync on (starts as `autoSyncInterval > 0`; `startAutoSync`/`stopAutoSync` flip it).
    pub auto: bool,
    pub on_start: Option<js_sys::Function>,
    pub on_complete: Option<js_sys::Function>,
    /// `onConflict(conflict)`, once per conflict a sync here settled.
    pub on_conflict: Option<js_sys::Function>,
    pub notify: Vec<js_sys::Function>,
}

pub struct Hub {
    pub engine: Rc<Engine>,
    status: RefCell<Status>,
    snapshot: RefCell<Option<JsValue>>,
    members: RefCell<Vec<(u32, Member)>>,
    timer: RefCell<Option<gloo_timers::callback::Timeout>>,
    /// The push at once after local changes, restarted by each change (debounce).
    push_timer: RefCell<Option<gloo_timers::callback::Timeout>>,
    /// Its subscription to the page's online/visible sources (`triggers`).
    trigger_listener: Cell<Option<u32>>,
    last: Cell<LastSync>,
    engine_listener: Cell<Option<u32>>,
    me: Weak<Hub>,
}

/// The default client's hub (`page.rs`): the one of `initOfflineSync`.
pub fn hub() -> Rc<Hub> {
    page::default_client()
}

impl Hub {
    pub fn new(engine: Rc<Engine>) -> Rc<Hub> {
        Rc::new_cyclic(|me| Hub {
            engine,
            status: RefCell::new(Status::new(triggers::is_online())),
            snapshot: RefCell::new(None),
            members: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            push_timer: RefCell::new(None),
            trigger_listener: Cell::new(None),
            last: Cell::new(LastSync::default()),
            engine_listener: Cell::new(None),
            me: me.clone(),
        })
    }

    /// Adds or updates an active controller; the first one attaches the hub.
    pub fn join(&self, id: u32, member: Member) {
        let first = self.members.borrow().is_empty();
        {
            let mut members = self.members.borrow_mut();
            match members.iter_mut().find(|(i, _)| *i == id) {
                Some((_, m)) => *m = member,
                None => members.push((id, member)),
            }
        }
        if first {
            self.attach();
        }
        self.reschedule();
    }

    /// Hands over the members and detaches (the engine was replaced).
    pub(crate) fn retire(&self) -> Vec<(u32, Member)> {
        let members = std::mem::take(&mut *self.members.borrow_mut());
        if !members.is_empty() {
            self.detach();
        }
        members
    }

    pub fn leave(&self, id: u32) {
        self.members.borrow_mut().retain(|(i, _)| *i != id);
        if self.members.borrow().is_empty() {
            self.detach();
        } else {
            self.reschedule();
        }
    }

    pub fn update(&self, id: u32, f: impl FnOnce(&mut Member)) {
        if let Some((_, m)) = self.members.borrow_mut().iter_mut().find(|(i, _)| *i == id) {
            f(m);
        }
        self.reschedule();
    }

    /// Listeners, engine events and a first look at the queue counts.
    fn attach(&self) {
        let me = self.me.clone();
        let lid = self.engine.subscribe(Rc::new(move |ev| {
            if let Some(h) = me.upgrade() {
                h.on_engine(ev);
            }
        }));
        self.engine_listener.set(Some(lid));
        let me = self.me.clone();
        let tid = triggers::subscribe(Rc::new(move |t| {
            if let Some(h) = me.upgrade() {
                h.on_trigger(t);
            }
        }));
        self.trigger_listener.set(Some(tid));
        self.apply(Event::Online(triggers::is_online()));
        self.refresh_counts();
        self.restore_last_sync();
    }

    /// The page went online or offline, or became visible or hidden.
    fn on_trigger(&self, t: Trigger) {
        match t {
            Trigger::Online(on) => {
                self.apply(Event::Online(on));
                if on {
                    // Coming back online cuts any backoff short.
                    self.last.set(LastSync::default());
                    if self.any(|m| m.options.sync_on_online) {
                        self.trigger();
                    } else {
                        self.reschedule();
                    }
                }
            }
            Trigger::Visible(true) if self.any(|m| m.options.sync_on_visibility) => self.trigger(),
            Trigger::Visible(_) => {}
        }
    }

    fn detach(&self) {
        if let Some(id) = self.trigger_listener.take() {
            triggers::unsubscribe(id);
        }
        self.timer.borrow_mut().take();
        self.push_timer.borrow_mut().take();
        if let Some(id) = self.engine_listener.take() {
            self.engine.unsubscribe(id);
        }
        self.apply(Event::Scheduled(None));
    }

    fn any(&self, f: impl Fn(&Member) -> bool) -> bool {
        self.members.borrow().iter().any(|(_, m)| f(m))
    }

    /// `lastSyncAt` as an earlier visit, another tab or the worker stored it.
    fn restore_last_sync(&self) {
        let me = self.me.clone();
        let engine = self.engine.clone();
        crate::task::spawn(async move {
            if let Ok(Some(at)) = engine.last_sync_at().await {
                if let Some(h) = me.upgrade() {
                    h.apply(Event::Restored { last_sync_at: at });
                }
            }
        });
    }

    fn refresh_counts(&self) {
        let me = self.me.clone();
        let engine = self.engine.clone();
        crate::task::spawn(async move {
            if let Ok((pending, failed)) = engine.counts().await {
                if let Some(h) = me.upgrade() {
                    h.apply(Event::Counts { pending, failed });
                }
            }
            if let Ok(n) = engine.open_conflicts().await {
                if let Some(h) = me.upgrade() {
                    h.apply(Event::Conflicts(n));
                }
            }
        });
    }

    /// Runs a sync (or joins the one running) and returns its result.
    pub async fn sync(self: &Rc<Self>) -> SyncResult {
        self.engine.full_sync().await
    }

    /// Starts a sync without waiting for it.
    pub fn trigger(&self) {
        if let Some(h) = self.me.upgrade() {
            crate::task::spawn(async move {
                h.sync().await;
            });
        }
    }

    /// A local change: pushes it once no other change came for the shortest
    /// `pushDelayMs` of the active controllers (so typing a title is one request).
    fn schedule_push(&self) {
        let delay = self.members.borrow().iter().map(|(_, m)| m.options.push_delay_ms).filter(|&d| d > 0).min();
        let Some(delay) = delay else { return };
        let me = self.me.clone();
        let t = gloo_timers::callback::Timeout::new(delay, move || {
            if let Some(h) = me.upgrade() {
                h.push_timer.borrow_mut().take();
                h.push_at_once();
            }
        });
        // Replacing the timer cancels the one armed by the change before.
        *self.push_timer.borrow_mut() = Some(t);
    }

    /// Offline, or while the last sync failed and waits for its retry, nothing is
    /// attempted: the change goes out with the sync a trigger runs (`online`,
    /// visibility, the timer's retry, `performSync`).
    fn push_at_once(&self) {
        if !self.status.borrow().is_online || !triggers::is_online() || self.last.get().failures > 0 {
            return;
        }
        let engine = self.engine.clone();
        crate::task::spawn(async move {
            engine.push_now().await;
        });
    }

    fn on_engine(&self, ev: &EngineEvent) {
        match ev {
            EngineEvent::SyncStarted => {
                self.apply(Event::Started);
                for f in self.callbacks(|m| m.on_start.clone()) {
                    call(&f, None);
                }
            }
            EngineEvent::SyncFinished(r) => {
                let retryable = r.error.as_ref().is_some_and(|e| e.kind.is_retryable());
                let prev = self.last.get();
                self.last.set(match &r.error {
                    Some(e) if retryable => LastSync { failures: prev.failures + 1, retry_after_ms: e.retry_after_ms },
                    _ => LastSync::default(),
                });
                let (pending, failed) = (self.status.borrow().pending_count, self.status.borrow().failed_count);
                self.apply(Event::Finished { at: jsv::now_ms(), error: r.error.clone(), pending, failed });
                self.refresh_counts();
                // A push at once that went through leaves the timer of the next
                // pull as it was; a failure arms the retry.
                if r.kind == SyncKind::Full || !r.success {
                    self.reschedule();
                }
                let result = r.to_js();
                for f in self.callbacks(|m| m.on_complete.clone()) {
                    call(&f, Some(&result));
                }
            }
            EngineEvent::QueueChanged(pending, failed) => {
                self.apply(Event::Counts { pending: *pending, failed: *failed });
            }
            EngineEvent::Changed => self.schedule_push(),
            EngineEvent::Conflicts(records) => {
                for c in records {
                    for f in self.callbacks(|m| m.on_conflict.clone()) {
                        call(&f, Some(c));
                    }
                }
                self.refresh_counts();
            }
            EngineEvent::Progress(p) => self.apply(Event::Progress(*p)),
            EngineEvent::RemoteStarted => self.apply(Event::Started),
            EngineEvent::RemoteFinished(error) => {
                let (pending, failed) = (self.status.borrow().pending_count, self.status.borrow().failed_count);
                self.apply(Event::Finished { at: jsv::now_ms(), error: error.clone(), pending, failed });
                self.refresh_counts();
            }
        }
    }

    fn callbacks(&self, pick: impl Fn(&Member) -> Option<js_sys::Function>) -> Vec<js_sys::Function> {
        self.members.borrow().iter().filter_map(|(_, m)| pick(m)).collect()
    }

    /// Arms the one timer for the next automatic sync and publishes `nextSyncAt`.
    pub fn reschedule(&self) {
        let intervals: Vec<u32> = self
            .members
            .borrow()
            .iter()
            .filter(|(_, m)| m.auto)
            .map(|(_, m)| {
                if m.options.auto_sync_interval_ms > 0 {
                    m.options.auto_sync_interval_ms
                } else {
                    DEFAULT_MANUAL_INTERVAL
                }
            })
            .collect();
        let delay = next_delay(&intervals, self.last.get(), &self.engine.options.backoff, js_sys::Math::random());
        let Some(delay) = delay else {
            self.timer.borrow_mut().take();
            self.apply(Event::Scheduled(None));
            return;
        };
        let delay = delay.min(offline_sync_core::config::MAX_INTERVAL_MS as u64) as u32;
        let me = self.me.clone();
        let t = gloo_timers::callback::Timeout::new(delay, move || {
            if let Some(h) = me.upgrade() {
                h.timer.borrow_mut().take();
                h.trigger();
            }
        });
        *self.timer.borrow_mut() = Some(t);
        self.apply(Event::Scheduled(Some(jsv::now_ms() + delay as f64)));
    }

    /// Applies a status event; when the snapshot changed, drops the cached one and
    /// tells every subscriber.
    fn apply(&self, ev: Event) {
        let changed = self.status.borrow_mut().apply(ev);
        if changed {
            self.snapshot.borrow_mut().take();
            let subs: Vec<js_sys::Function> =
                self.members.borrow().iter().flat_map(|(_, m)| m.notify.iter().cloned()).collect();
            for f in subs {
                call(&f, None);
            }
        }
    }

    /// `{ status, isOnline }`, the same object until something changed.
    pub fn snapshot(&self) -> JsValue {
        if let Some(s) = self.snapshot.borrow().as_ref() {
            return s.clone();
        }
        let s = snapshot::build(&self.status.borrow());
        *self.snapshot.borrow_mut() = Some(s.clone());
        s
    }
}

/// `startAutoSync()` on a controller configured with `autoSyncInterval: 0` uses the
/// hook's default interval.
const DEFAULT_MANUAL_INTERVAL: u32 = offline_sync_core::config::DEFAULT_AUTO_SYNC_INTERVAL_MS;

/// Calls an app callback; a callback that throws is reported, never propagated
/// into the sync machinery.
fn call(f: &js_sys::Function, arg: Option<&JsValue>) {
    let r = match arg {
        Some(a) => f.call1(&JsValue::NULL, a),
        None => f.call0(&JsValue::NULL),
    };
    if let Err(e) = r {
        web_sys::console::error_2(&JsValue::from_str("offline-sync: a callback threw:"), &e);
    }
}
