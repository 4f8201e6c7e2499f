//! `OfflineSync`: the framework-free controller class; `useOfflineSync` is a thin
//! React binding over it.

use crate::controller::{hub, Hub, Member};
use crate::failure::type_error;
use crate::jsv;
use offline_sync_core::config::controller_options;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

struct Inner {
    id: u32,
    /// The client of `createOfflineSync` this controller belongs to; `None` for the
    /// page's default client, looked up on each use (`initOfflineSync` may replace it).
    client: Option<Rc<Hub>>,
    member: RefCell<Member>,
    subscribers: RefCell<Vec<(u32, js_sys::Function)>>,
    next_sub: Cell<u32>,
    started: Cell<bool>,
    disposed: Cell<bool>,
    /// Whether this controller is a member of the page's hub now.
    joined: Cell<bool>,
}

impl Inner {
    fn wants_active(&self) -> bool {
        !self.disposed.get() && (self.started.get() || !self.subscribers.borrow().is_empty())
    }

    fn hub(&self) -> Rc<Hub> {
        self.client.clone().unwrap_or_else(hub)
    }

    fn member(&self) -> Member {
        let mut m = self.member.borrow().clone();
        m.notify = self.subscribers.borrow().iter().map(|(_, f)| f.clone()).collect();
        m
    }

    /// Joins or leaves the page's hub to match what is wanted now.
    fn settle(&self) {
        match (self.wants_active(), self.joined.get()) {
            (true, false) => {
                let h = self.hub();
                h.join(self.id, self.member());
                self.joined.set(true);
                if self.member.borrow().options.sync_on_mount {
                    h.trigger();
                }
            }
            (true, true) => self.hub().join(self.id, self.member()),
            (false, true) => {
                self.hub().leave(self.id);
                self.joined.set(false);
            }
            (false, false) => {}
        }
    }
}

fn parse(options: &JsValue) -> Result<Member, JsValue> {
    let get = super::convert::options_source(options, "useOfflineSync")?;
    let o = controller_options(&get).map_err(|e| type_error(&e.to_string()))?;
    let cb = |name: &str, has: bool| has.then(|| jsv::get(options, name).unchecked_into::<js_sys::Function>());
    Ok(Member {
        auto: o.auto_sync_interval_ms > 0,
        on_start: cb("onSyncStart", o.has_on_sync_start),
        on_complete: cb("onSyncComplete", o.has_on_sync_complete),
        on_conflict: cb("onConflict", o.has_on_conflict),
        options: o,
        notify: Vec::new(),
    })
}

#[wasm_bindgen]
pub struct OfflineSync {
    inner: Rc<Inner>,
}

impl OfflineSync {
    /// A controller of `client`, or of the page's default client.
    pub(crate) fn of_client(options: &JsValue, client: Option<Rc<Hub>>) -> Result<OfflineSync, JsValue> {
        console_error_panic_hook::set_once();
        let member = parse(options)?;
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        Ok(OfflineSync {
            inner: Rc::new(Inner {
                id,
                client,
                member: RefCell::new(member),
                subscribers: RefCell::new(Vec::new()),
                next_sub: Cell::new(0),
                started: Cell::new(false),
                disposed: Cell::new(false),
                joined: Cell::new(false),
            }),
        })
    }
}

#[wasm_bindgen]
impl OfflineSync {
    /// Validates the options (a `TypeError` names the bad one) and touches nothing:
    /// listeners and timers start with the first `subscribe` or `start()`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "OfflineSyncOptions | undefined")] options: JsValue,
    ) -> Result<OfflineSync, JsValue> {
        OfflineSync::of_client(&options, None)
    }

    /// Calls `listener` whenever the snapshot changes; returns the unsubscribe
    /// function. The first subscriber activates the controller, the last one leaving
    /// deactivates it (unless `start()` was called).
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: JsValue,
    ) -> Result<JsValue, JsValue> {
        let f: js_sys::Function =
            listener.dyn_into().map_err(|_| type_error("offline-sync: subscribe needs a listener function"))?;
        let sid = self.inner.next_sub.get();
        self.inner.next_sub.set(sid + 1);
        self.inner.subscribers.borrow_mut().push((sid, f));
        self.inner.settle();
        let inner = Rc::downgrade(&self.inner);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = inner.upgrade() {
                inner.subscribers.borrow_mut().retain(|(i, _)| *i != sid);
                inner.settle();
            }
        });
        Ok(unsubscribe.into_js_value())
    }

    /// `{ status, isOnline }`; the same object until something changed.
    #[wasm_bindgen(js_name = getSnapshot, unchecked_return_type = "OfflineSyncSnapshot")]
    pub fn get_snapshot(&self) -> JsValue {
        self.inner.hub().snapshot()
    }

    /// Syncs now; while a sync runs (here, in another controller, or through
    /// `getSyncEngine().fullSync()`), returns that one instead of starting another.
    #[wasm_bindgen(js_name = performSync, unchecked_return_type = "Promise<SyncResult>")]
    pub fn perform_sync(&self) -> js_sys::Promise {
        let h = self.inner.hub();
        crate::task::promise(async move { Ok(h.sync().await.to_js()) })
    }

    #[wasm_bindgen(js_name = startAutoSync)]
    pub fn start_auto_sync(&self) {
        self.set_auto(true);
    }

    #[wasm_bindgen(js_name = stopAutoSync)]
    pub fn stop_auto_sync(&self) {
        self.set_auto(false);
    }

    fn set_auto(&self, on: bool) {
        self.inner.member.borrow_mut().auto = on;
        if self.inner.joined.get() {
            self.inner.hub().update(self.inner.id, |m| m.auto = on);
        }
    }

    /// Activates the controller without a subscriber (framework-free use).
    pub fn start(&self) {
        self.inner.started.set(true);
        self.inner.settle();
    }

    /// Undoes `start()`; subscribers still keep it active.
    pub fn stop(&self) {
        self.inner.started.set(false);
        self.inner.settle();
    }

    /// Removes every listener and timer this controller caused; it stays inert.
    pub fn dispose(&self) {
        self.inner.disposed.set(true);
        self.inner.subscribers.borrow_mut().clear();
        self.inner.settle();
    }

    /// Takes options from a later render (new callbacks, intervals). Keeps the
    /// auto-sync switch unless the interval itself changed.
    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OfflineSyncOptions | undefined")] options: JsValue,
    ) -> Result<(), JsValue> {
        let mut next = parse(&options)?;
        {
            let cur = self.inner.member.borrow();
            if cur.options.auto_sync_interval_ms == next.options.auto_sync_interval_ms {
                next.auto = cur.auto;
            }
        }
        *self.inner.member.borrow_mut() = next;
        if self.inner.joined.get() {
            self.inner.settle();
        }
        Ok(())
    }
}
