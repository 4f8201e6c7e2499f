//! The engine: one per page (or worker), owning the store and the transport.
//! `fullSync` = push the queue, pull pages, push what was queued meanwhile.

mod change;
pub mod changes;
mod conflict;
mod progress;
mod push;
mod remote;
pub mod result;
mod sync;
pub mod watch;

use crate::browser::broadcast::Channel;
use crate::browser::locks::{exclusive, Locked};
use crate::failure::{is_connection_closed, Result, SyncError};
use crate::http::{Auth, Http};
use crate::store::outbox::conflict::Policies;
use crate::store::{meta, outbox, view, Store};
use crate::transport::{Connect, Transport};
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use offline_sync_core::config::EngineOptions;
use offline_sync_core::protocol::Op;
use offline_sync_core::queue::EntryState;
use offline_sync_core::status::Progress;
pub use progress::to_js as progress_js;
pub use result::{SyncKind, SyncResult};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::{Rc, Weak};
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

/// How long the queue counts wait after a change for more changes to share them.
const RECOUNT_DELAY_MS: u32 = 100;

#[derive(Clone, Copy, PartialEq)]
enum Recount {
    Idle,
    Running,
    Again,
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
    /// never applies anything twice).
    async fn with_store<T, Fut>(self: &Rc<Self>, f: impl Fn(Rc<Ready>) -> Fut) -> Result<T>
    where
        Fut: Future<Output = Result<T>>,
    {
        match f(self.ready().await?).await {
            Err(e) if is_connection_closed(&e) => {
                self.close();
                f(self.ready().await?).await
            }
            other => other,
        }
    }

    pub fn subscribe(&self, l: Listener) -> u32 {
        let id = self.next_listener.get();
        self.next_listener.set(id + 1);
        self.listeners.borrow_mut().push((id, l));
        id
    }

    pub fn unsubscribe(&self, id: u32) {
        self.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    fn emit(&self, ev: EngineEvent) {
        let ls: Vec<Listener> = self.listeners.borrow().iter().map(|(_, l)| l.clone()).collect();
        for l in ls {
            l(&ev);
        }
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
            if !matches!(self.counts().await, Ok((pending, _)) if pending > 0) {
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
            let inner = me.clone();
            // Only the result of the sync we may end up waiting for counts.
            me.remote_result.borrow_mut().take();
            let outcome = exclusive(&lock, || async move {
                inner.announce(EngineEvent::SyncStarted).await;
                let mut r = inner.run_sync(generation, kind).await;
                if r.error.as_ref().is_some_and(is_connection_closed) && inner.generation() == generation {
                    inner.close();
                    r = inner.run_sync(generation, kind).await;
                }
                inner.running.borrow_mut().take();
                inner.announce(EngineEvent::SyncFinished(r.clone())).await;
                if !r.success {
                    inner.announce_queue_then_sync(true).await;
                }
                r
            })
            .await;
            me.running.borrow_mut().take();
            match outcome {
                Locked::Ran(r) => r,
                Locked::HeldElsewhere => {
                    // The holder announces its result before it lets go of the lock,
                    // but the lock may reach us before the message does: give it a moment.
                    for _ in 0..20 {
                        if me.remote_result.borrow().is_some() {
                            break;
                        }
                        gloo_timers::future::TimeoutFuture::new(10).await;
                    }
                    let r = me.remote_result.borrow().clone();
                    SyncResult { kind, ..r.unwrap_or(SyncResult { success: true, ..Default::default() }) }
                }
            }
        }
        .boxed_local()
        .shared();
        *self.running.borrow_mut() = Some((f.clone(), kind));
        f.await
    }

    /// Tells local listeners and the other contexts.
    async fn announce(self: &Rc<Self>, ev: EngineEvent) {
        if let Ok(ready) = self.ready().await {
            if let (Some(ch), Some(msg)) = (&ready.channel, remote::encode(&ev)) {
                ch.post(&msg);
            }
        }
        self.emit(ev);
    }

    /// Tells the live queries here and in the other contexts what a write changed.
    pub(crate) fn changed(&self, changes: changes::Changes) {
        if changes.is_empty() {
            return;
        }
        if let Some(Some(Ok(ready))) = self.ready.borrow().as_ref().map(|f| f.peek().cloned()) {
            if let Some(ch) = &ready.channel {
                ch.post(&changes.encode());
            }
        }
        if let Some(me) = self.me.upgrade() {
            me.notify_watchers(&changes);
        }
    }

    fn on_remote(&self, msg: &JsValue) {
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
        self.emit(EngineEvent::Progress(None));
        let n = n?;
        meta::mark_offline(&ready.store, &scope).await?;
        Ok(n)
    }

    /// What was downloaded for offline use: `{ scope, id, downloadedAt }` each.
    pub async fn offline_scopes(self: &Rc<Self>) -> Result<js_sys::Array> {
        self.with_store(|r| async move { meta::offline(&r.store, None).await }).await
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
        let done = self.with_store(|r| {
            let c = c.clone();
            async move { outbox::enqueue(&r.store, &c).await }
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

    /// Publishes the queue counts after a change, off the change's own path: the
    /// change resolves as soon as it is durable, and the changes of the next
    /// `RECOUNT_DELAY_MS` share one count. Counting a long queue costs more than
    /// writing to it, and a count's transaction would hold up the next change.
    fn recount(self: &Rc<Self>) {
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

    async fn announce_queue(self: &Rc<Self>) {
        self.announce_queue_then_sync(false).await;
    }

    /// Publishes the queue counts. With changes waiting and no way to send them now
    /// (offline, or `after_failure`), asks for a background sync, so they go out even
    /// if every tab is closed before the network comes back.
    async fn announce_queue_then_sync(self: &Rc<Self>, after_failure: bool) {
        if let Ok((p, f)) = self.counts().await {
            self.announce_counts(p, f, after_failure).await;
        }
    }

    async fn announce_counts(self: &Rc<Self>, pending: u32, failed: u32, after_failure: bool) {
        self.announce(EngineEvent::QueueChanged(pending, failed)).await;
        if pending > 0 && (after_failure || !crate::browser::is_online()) {
            crate::browser::background_sync::request_sync().await;
        }
    }

    pub async fn get(self: &Rc<Self>, et: &JsValue, id: &JsValue) -> Result<JsValue> {
        let (et, id) = (change::key_arg("entity type", et)?, change::key_arg("entity id", id)?);
        self.with_store(|r| {
            let (et, id) = (et.clone(), id.clone());
            async move { view::get(&r.store, &et, &id).await }
        })
        .await
    }

    /// The entities of a type as the app sees them that match a query
    /// (`{ where, orderBy, limit, offset }`), checked before anything is read.
    pub async fn query(self: &Rc<Self>, et: &JsValue, spec: &JsValue) -> Result<js_sys::Array> {
        let et = change::key_arg("entity type", et)?;
        let q = Rc::new(crate::store::query::Query::parse(spec)?);
        self.with_store(|r| {
            let (et, q) = (et.clone(), q.clone());
            async move { crate::store::query::query(&r.store, &et, &q).await }
        })
        .await
    }

    pub async fn list(self: &Rc<Self>, et: &JsValue) -> Result<js_sys::Array> {
        let et = change::key_arg("entity type", et)?;
        self.with_store(|r| {
            let et = et.clone();
            async move { view::list(&r.store, &et).await }
        })
        .await
    }

    pub async fn counts(self: &Rc<Self>) -> Result<(u32, u32)> {
        self.with_store(|r| async move { outbox::counts(&r.store).await }).await
    }

    pub async fn entries(self: &Rc<Self>, state: EntryState) -> Result<js_sys::Array> {
        self.with_store(|r| async move { outbox::in_state(&r.store, state).await }).await
    }

    pub async fn retry_failed(self: &Rc<Self>, ids: Option<Vec<String>>) -> Result<u32> {
        let ready = self.ready().await?;
        let n = outbox::retry_failed(&ready.store, ids).await?;
        self.announce_queue().await;
        if n > 0 {
            self.emit(EngineEvent::Changed);
        }
        Ok(n)
    }

    pub async fn discard_failed(self: &Rc<Self>, ids: Option<Vec<String>>) -> Result<u32> {
        let ready = self.ready().await?;
        // The entities whose view goes back: those of the entries discarded.
        let failed = outbox::in_state(&ready.store, EntryState::Failed).await?;
        let chosen = failed.iter().filter(|r| match &ids {
            None => true,
            Some(ids) => jsv_mutation_id(r).is_some_and(|m| ids.contains(&m)),
        });
        let changed = changes::Changes::of_entries(&chosen.collect::<js_sys::Array>());
        let n = outbox::discard_failed(&ready.store, ids).await?;
        self.changed(changed);
        self.announce_queue().await;
        Ok(n)
    }

    pub async fn conflicts(self: &Rc<Self>) -> Result<js_sys::Array> {
        self.with_store(|r| async move { outbox::conflicts(&r.store).await }).await
    }

    /// When the last good sync of this namespace ended, as stored (any context).
    pub async fn last_sync_at(self: &Rc<Self>) -> Result<Option<f64>> {
        self.with_store(|r| async move { meta::last_sync_at(&r.store).await }).await
    }

    pub async fn offline_courses(self: &Rc<Self>) -> Result<js_sys::Array> {
        self.with_store(|r| async move { meta::offline_courses(&r.store).await }).await
    }

    pub async fn client_id(self: &Rc<Self>) -> Result<String> {
        Ok(self.ready().await?.client_id.clone())
    }

    /// Whether the database was empty when the engine (last) opened it.
    pub async fn started_empty(self: &Rc<Self>) -> Result<bool> {
        Ok(self.ready().await?.started_empty)
    }

    /// Wipes the namespace (sign-out): every store, the client id and cursors, and
    /// the token cached in memory.
    pub async fn clear_local_data(self: &Rc<Self>) -> Result<()> {
        self.generation.set(self.generation.get() + 1);
        let ready = self.ready().await?;
        ready.transport.reset_auth();
        ready.store.clear_all().await?;
        self.changed(changes::Changes::everything());
        // The client id is gone with the data; the next open makes a new one.
        self.close();
        self.emit(EngineEvent::QueueChanged(0, 0));
        Ok(())
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

fn jsv_mutation_id(entry: &JsValue) -> Option<String> {
    crate::jsv::get_str(entry, offline_sync_core::protocol::field::MUTATION_ID)
}
