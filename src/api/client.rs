//! `createOfflineSync(options)`: a client of its own (engine, status hub,
//! controllers), apart from the page's default one, the way TanStack Query has a
//! `QueryClient`. Two clients are two namespaces in one page: two users, an app
//! and its admin view, or a test's two devices.

use super::controller::OfflineSync;
use super::engine::SyncEngine;
use super::init::{parse_on_empty, parse_options, parse_worker, start};
use crate::controller::{triggers, Hub};
use crate::engine::Engine;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct OfflineSyncClient {
    hub: Rc<Hub>,
    worker: Option<String>,
    on_empty: Option<js_sys::Function>,
}

#[wasm_bindgen]
impl OfflineSyncClient {
    /// Validates the options (a `TypeError` names the bad one, as `initOfflineSync`
    /// does) and opens nothing: the database opens on `ready()` or first use.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "InitOptions | undefined")] options: JsValue,
    ) -> Result<OfflineSyncClient, JsValue> {
        console_error_panic_hook::set_once();
        let (opts, connect, policies) = parse_options(&options)?;
        let worker = parse_worker(&options)?;
        let on_empty = parse_on_empty(&options)?;
        Ok(OfflineSyncClient { hub: Hub::new(Engine::new(opts, connect, policies)), worker, on_empty })
    }

    /// Opens the database, asks for persistent storage, calls `onEmptyDatabase`
    /// when it started empty, registers the service worker if one was named, and
    /// sends what an earlier visit left queued.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn ready(&self) -> js_sys::Promise {
        crate::task::promise(start(self.hub.engine.clone(), self.worker.clone(), self.on_empty.clone()))
    }

    /// This client's engine.
    pub fn engine(&self) -> SyncEngine {
        SyncEngine::new(self.hub.engine.clone())
    }

    /// A sync controller of this client (what `useOfflineSync` uses under an
    /// `OfflineSyncProvider` of it).
    pub fn controller(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OfflineSyncOptions | undefined")] options: JsValue,
    ) -> Result<OfflineSync, JsValue> {
        OfflineSync::of_client(&options, Some(self.hub.clone()))
    }

    /// Stops this client's timer and listeners and closes its database; its
    /// controllers go quiet. What is queued stays queued for the next client.
    pub fn close(&self) {
        self.hub.retire();
        self.hub.engine.retire();
    }
}

/// Tells every client whether the page is online, overriding `navigator.onLine`
/// (TanStack Query's `onlineManager.setOnline`); `undefined` hands it back to the
/// browser. Going online starts a sync where `syncOnOnline` is set, as the
/// browser's `online` event does.
#[wasm_bindgen(js_name = setOnline)]
pub fn set_online(#[wasm_bindgen(unchecked_param_type = "boolean | undefined")] value: JsValue) {
    triggers::set_online(value.as_bool());
}

/// Tells every client whether the page is visible, overriding
/// `document.visibilityState`; `undefined` hands it back to the browser.
#[wasm_bindgen(js_name = setVisible)]
pub fn set_visible(#[wasm_bindgen(unchecked_param_type = "boolean | undefined")] value: JsValue) {
    triggers::set_visible(value.as_bool());
}
