//! The engine: one per page (or worker), owning the store and the transport.
//! `fullSync` = push the queue, pull pages, push what was queued meanwhile.

mod change;
pub mod changes;
mod conflict;
mod events;
mod local;
mod progress;
mod push;
mod recount;
mod remote;
pub mod result;
mod sync;
pub mod watch;

use crate::browser::broadcast::Channel;
use crate::browser::locks::{exclusive, Locked};
use crate::failure::{is_connection_closed, Result, SyncError};
use crate::http::{Auth, Http};
use crate::store::outbox::conflict::Policies;
use crate::store::{meta, outbox, Store};
use crate::transport::{Connect, Transport};
pub use events::{EngineEvent, Listener};
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use offline_sync_core::config::EngineOptions;
use offline_sync_core::protocol::Op;
use offline_sync_core::status::Progress;
pub use progress::to_js as progress_js;
use recount::Recount;
pub use result::{SyncKind, SyncResult};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;

/// An entity type or id argument, checked as every call checks it.
pub fn change_key(what: &str, v: &JsValue) -> Result<String> {
    change::key_arg(what, v)
}

/// The parts that exist once the database is open.
pub struct Ready {
    pub store: Store,
    pub transport: Transport,
    pub client_id: String,
    /// The database had no client id when this opening read it: it was empty.
    pub started_empty: bool,
    /// Set when `initOfflineSync` told the app of the empty start, so a second
    /// call with the same options (React's strict mode) does not tell it again.
    pub empty_announced: Cell<bool>,
    /// Status to and from the other tabs and the worker of this namespace.
    channel: Option<Channel>,
}

type ReadyFuture = Shared<LocalBoxFuture<'static, std::result::Result<Rc<Ready>, SyncError>>>;
type SyncFuture = Shared<LocalBoxFuture<'static, SyncResult>>;
type StoreFuture<T> = LocalBoxFuture<'static, Result<T>>;

pub struct Engine {
    pub options: EngineOptions,
    /// The token callback and the transport the app chose.
    connect: Connect,
    /// The conflict policies declared per entity type (`conflicts`).
    pub(crate) policies: Policies,
    ready: RefCell<Option<ReadyFuture>>,
    /// The sync in flight here, and what it does.
    running: RefCell<Option<(SyncFuture, SyncKind)>>,
    /// Bumped by `clear_local_data`, so a sync in flight never writes into a wiped namespace.
    generation: Cell<u32>,
    /// The last result another context announced, for a sync that joined theirs.
    remote_result: RefCell<Option<SyncResult>>,
    listeners: RefCell<Vec<(u32, Listener)>>,
    next_listener: Cell<u32>,
    /// The queue counts published after changes: `Idle`, or a count running, maybe
    /// with changes made since it started (`Again`).
    recount: Cell<Recount>,
    /// Live queries (`watch`).
    watchers: watch::Watchers,
    /// This engine, for the live queries a write path wakes.
    me: Weak<Engine>,
}

impl Engine {
    pub fn new(options: EngineOptions, connect: Connect, policies: Policies) -> Rc<Engine> {
        Rc::new_cyclic(|me| Engine {
            me: me.clone(),
            watchers: watch::Watchers::default(),
            options,
            connect,
            policies,
            ready: RefCell::new(None),
            running: RefCell::new(None),
            generation: Cell::new(0),
            remote_result: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            recount: Cell::new(Recount::Idle),
        })
    }

    pub fn connect(&self) -> &Connect {
        &self.connect
    }

    /// Opens the database once; every caller shares the same opening.
    pub async fn ready(self: &Rc<Self>) -> Result<Rc<Ready>> {
        let fut = {
            let mut slot = self.ready.borrow_mut();
            match &*slot {
                Some(f) => f.clone(),
                None => {
                    let me = self.clone();
                    let weak = Rc::downgrade(self);
                    let f = async move { me.open(weak).await.map(Rc::new) }.boxed_local().shared();
                    *slot = Some(f.clone());
                    f
                }
            }
        };
        let r = fut.await;
        if r.is_err() {
            // A failed open (blocked, quota) may succeed later: do not cache the failure.
            self.ready.borrow_mut().take();
        }
        r
    }

    async fn open(&self, me: std::rc::Weak<Engine>) -> Result<Ready> {
        let store = Store::open_indexed(&self.options.namespace, self.options.indexes.clone()).await?;
        let (client_id, started_empty) = meta::client_id(&store).await?;
        let http = Http {
            timeout_ms: self.options.request_timeout_ms,
            client_id: client_id.clone(),
            auth: Auth::new(self.connect.get_auth_token.clone()),
        };
        let transport: Transport = self.connect.transport(http, &self.options.api_base_url);
        let channel = Channel::open(&format!("offline-sync:{}", self.options.namespace), move |msg| {
            if let Some(e) = me.upgrade() {
                e.on_remote(&msg);
            }
        });
        Ok(Ready { store, transport, client_id, started_empty, empty_announced: Cell::new(false), channel })
    }

    /// Runs `f` on the open store; if the browser closed the connection under us,
    /// reopens once and runs it again (every `f` here is one transaction, so a retry
    /// never applies anything twice). `f`'s future is boxed so the reopen-and-retry
    /// is compiled once per result type, not into every caller's future.
    fn with_store<T: 'static, Fut>(self: &Rc<Self>, f: impl Fn(Rc<Ready>) -> Fut + 'static) -> StoreFuture<T>
    where
        Fut: Future<Output = Result<T>> + 'static,
    {
        self.retry_store(Box::new(move |r| f(r).boxed_local()))
    }

    fn retry_store<T: 'static>(self: &Rc<Self>, f: Box<dyn Fn(Rc<Ready>) -> StoreFuture<T>>) -> StoreFuture<T> {
        let me = self.clone();
        async move {
            match f(me.ready().await?).await {
                Err(e) if is_connection_closed(&e) => {
                    me.close();
                    f(me.ready().await?).await
                }
                other => other,
            }
        }
        .boxed_local()
    }

    /// Runs a full sync, or joins the one already running: in this engine, in
    /// another tab, or in the service worker (one Web Lock per namespace). A push
    /// at once in flight does not pull: the full sync follows it.
    pub async fn full_sync(self: &Rc<Self>) -> SyncResult {
        loop {
            let existing = self.running.borrow().clone();
            match existing {
                Some((f, SyncKind::Full)) => return f.await,
                Some((f, SyncKind::Push)) => {
                    f.await;
                }
                None => return self.start_sync(SyncKind::Full).await,
            }
        }
    }

    /// Sends the queue now, after the sync in flight if there is one (its last push
    /// may have read the queue before the change was made). `None` when nothing
    /// waits to be sent.
    pub async fn push_now(self: &Rc<Self>) -> Option<SyncResult> {
        loop {
            let existing = self.running.borrow().clone();
            if let Some((f, _)) = existing {
                f.await;
                continue;
            }
            if !self.has_pending().await {
                return None;
            }
            // Counting yielded: a sync may have started meanwhile; follow it too.
            if self.running.borrow().is_none() {
                return Some(self.start_sync(SyncKind::Push).await);
            }
        }
    }

    async fn start_sync(self: &Rc<Self>, kind: SyncKind) -> SyncResult {
        let me = self.clone();
        // The namespace as it is now: a clearLocalData() while this sync waits or
        // runs ends it, and nothing runs it again into the wiped store.
        let generation = self.generation();
        let f = async move {
            let lock = format!("offline-sync:{}", me.options.namespace);
            // Only the result of the sync we may end up waiting for counts.
            me.remote_result.borrow_mut().take();
            let mut joined_once = false;
            loop {
                let inner = me.clone();
                let outcome = exclusive(&lock, || async move {
                    inner.announce(EngineEvent::SyncStarted).await;
                    let mut r = inner.run_sync(generation, kind).await;
                    if r.error.as_ref().is_some_and(is_connection_closed) && inner.generation() == generation {
                        inner.close();
                        r = inner.run_sync(generation, kind).await;
                    }
                    // A sync asked for from here on (by a listener of the result,
                    // say) starts anew rather than joining this one.
                    inner.running.borrow_mut().take();
                    inner.announce(EngineEvent::SyncFinished(r.clone())).await;
                    if !r.success {
                        inner.announce_queue_then_sync(true).await;
                    }
                    r
                })
                .await;
                if let Locked::Ran(r) = outcome {
                    return r;
                }
                // The holder announces its result before it lets go of the lock,
                // but the lock may reach us before the message does: give it a moment.
                for _ in 0..20 {
                    if me.remote_result.borrow().is_some() {
                        break;
                    }
                    gloo_timers::future::TimeoutFuture::new(10).await;
                }
                let joined = me.remote_result.borrow_mut().take();
                // The sync we waited for may have read the queue before a change made
                // here, or been this context's own, ending (whose result is not sent
                // to us): if it did not fail (then ours would too) and changes still
                // wait, this sync runs once on its own.
                if !joined_once && joined.as_ref().is_none_or(|j| j.success) && me.has_pending().await {
                    joined_once = true;
                    continue;
                }
                me.running.borrow_mut().take();
                return SyncResult { kind, ..joined.unwrap_or(SyncResult { success: true, ..Default::default() }) };
            }
        }
        .boxed_local()
        .shared();
        *self.running.borrow_mut() = Some((f.clone(), kind));
        f.await
    }

    /// Pulls one instance of a declared scope (a course and its lessons) and
    /// remembers it as available offline; later syncs keep it fresh.
    pub async fn download_scope(
        self: &Rc<Self>,
        name: &JsValue,
        id: &JsValue,
        on_progress: Option<&dyn Fn(&Progress)>,
    ) -> Result<u32> {
        let scope = change::scope_arg(&self.options.scopes, name, id)?;
        let generation = self.generation();
        let ready = self.ready().await?;
        let n = self.pull_scope(&ready, &scope, generation, on_progress).await;
        self.progress(None);
        let n = n?;
        meta::mark_offline(&ready.store, &scope).await?;
        Ok(n)
    }

    pub async fn queue_mutation(
        self: &Rc<Self>,
        op: &JsValue,
        et: &JsValue,
        id: &JsValue,
        data: &JsValue,
    ) -> Result<String> {
        let op = change::op_arg(op)?;
        self.enqueue(op, et, id, data).await
    }

    pub async fn enqueue(self: &Rc<Self>, op: Op, et: &JsValue, id: &JsValue, data: &JsValue) -> Result<String> {
        let c = Rc::new(change::change(op, et, id, data, self.options.max_payload_bytes)?);
        let writing = self.watchers.writing();
        let done = self.with_store({
            let c = c.clone();
            move |r| {
                let c = c.clone();
                async move { outbox::enqueue(&r.store, &c).await }
            }
        });
        let mutation_id = done.await?;
        let mut changed = changes::Changes::default();
        changed.add(&c.entity_type, &c.entity_id);
        self.changed(changed);
        drop(writing);
        self.recount();
        self.emit(EngineEvent::Changed);
        Ok(mutation_id)
    }

    /// Closes the database for good: the page's engine was replaced. The queue
    /// count a change scheduled would otherwise open the database again, and
    /// recreate it if it was deleted meanwhile; a sync still running stops writing
    /// (the same guard as `clear_local_data`).
    pub fn retire(&self) {
        self.generation.set(self.generation.get() + 1);
        self.close();
    }

    /// Closes the database; the next call opens it again.
    pub fn close(&self) {
        if let Some(f) = self.ready.borrow_mut().take() {
            if let Some(Ok(ready)) = f.peek() {
                ready.store.close();
            }
        }
    }

    pub(crate) fn write_guard(&self, generation: u32) -> Result<()> {
        if self.generation.get() != generation {
            return Err(SyncError::new(
                crate::failure::ErrorKind::Storage,
                "local data was cleared while the sync ran; nothing more was written",
            ));
        }
        Ok(())
    }

    pub(crate) fn generation(&self) -> u32 {
        self.generation.get()
    }
}
