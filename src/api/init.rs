//! `initOfflineSync(options)` and `getSyncEngine()`: one engine per page or worker.

use super::engine::SyncEngine;
use crate::controller::{page, triggers};
use crate::engine::Engine;
use crate::failure::{to_js, type_error};
use crate::jsv;
use crate::store::outbox::conflict::Policies;
use crate::transport::js::JsTree;
use crate::transport::Connect;
use offline_sync_core::config::{conflict_policy, engine_options, EngineOptions};
use offline_sync_core::indexes::indexes_option;
use offline_sync_core::scope::scopes_option;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The service worker URL option of `initOfflineSync`.
pub(crate) fn parse_worker(options: &JsValue) -> Result<Option<String>, JsValue> {
    let get = super::convert::options_source(options, "initOfflineSync")?;
    offline_sync_core::config::service_worker(&get).map_err(|e| type_error(&e.to_string()))
}

/// The `onEmptyDatabase` option of `initOfflineSync`, if the app gave one.
pub(crate) fn parse_on_empty(options: &JsValue) -> Result<Option<js_sys::Function>, JsValue> {
    let get = super::convert::options_source(options, "initOfflineSync")?;
    let given = offline_sync_core::config::on_empty_database(&get).map_err(|e| type_error(&e.to_string()))?;
    Ok(given.then(|| jsv::get(options, "onEmptyDatabase").unchecked_into()))
}

pub(crate) fn parse_options(options: &JsValue) -> Result<(EngineOptions, Connect, Policies), JsValue> {
    let get = super::convert::options_source(options, "initOfflineSync")?;
    let policies = parse_conflicts(options)?;
    let mut opts = engine_options(&get).map_err(|e| type_error(&e.to_string()))?;
    // `scopes` is nested: read as a tree, like `rest`.
    let scopes = jsv::get(options, "scopes");
    opts.scopes = scopes_option(&JsTree(scopes)).map_err(|e| type_error(&e.to_string()))?;
    let indexes = jsv::get(options, "indexes");
    opts.indexes = indexes_option(&JsTree(indexes)).map_err(|e| type_error(&e.to_string()))?;
    let cb = if opts.has_get_auth_token { Some(jsv::get(options, "getAuthToken").unchecked_into()) } else { None };
    // `rest` and `transport`: which backend, and how to reach it.
    let connect = Connect::from_options(options, cb).map_err(|e| type_error(&e.to_string()))?;
    Ok((opts, connect, policies))
}

/// `conflicts: { [entityType]: 'serverWins' | 'clientWins' | 'manual' | { merge } }`;
/// the rules (and the messages naming the entity) are core's.
fn parse_conflicts(options: &JsValue) -> Result<Policies, JsValue> {
    let mut out = Policies::default();
    let decl = if options.is_object() { jsv::get(options, "conflicts") } else { JsValue::UNDEFINED };
    if decl.is_undefined() || decl.is_null() {
        return Ok(out);
    }
    if !jsv::is_plain_object(&decl) {
        let got = jsv::raw(&decl).describe();
        return Err(type_error(&format!(
            "offline-sync: option `conflicts` must be an object of policies by entity type (got {got})"
        )));
    }
    for key in js_sys::Object::keys(decl.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()) {
        let v = jsv::get(&decl, &key);
        let merge = if jsv::is_plain_object(&v) { jsv::get(&v, "merge") } else { JsValue::UNDEFINED };
        let policy = conflict_policy(&key, &jsv::raw(&v), &jsv::raw(&merge)).map_err(|e| type_error(&e.to_string()))?;
        out.add(key, policy, merge.dyn_into::<js_sys::Function>().ok());
    }
    Ok(out)
}

/// Configures the page's engine and opens its database. Calling it again with the
/// same options is harmless; with other options it replaces the engine.
#[wasm_bindgen(js_name = initOfflineSync, unchecked_return_type = "Promise<void>")]
pub fn init_offline_sync(
    #[wasm_bindgen(unchecked_param_type = "InitOptions | undefined")] options: JsValue,
) -> js_sys::Promise {
    console_error_panic_hook::set_once();
    let parsed = parse_options(&options).and_then(|p| Ok((p, parse_worker(&options)?, parse_on_empty(&options)?)));
    let ((opts, cb, policies), worker, on_empty) = match parsed {
        Ok(p) => p,
        Err(e) => return js_sys::Promise::reject(&e),
    };
    // The engine is in place before this returns, so `getSyncEngine()` and
    // controllers created right after an un-awaited call already use it.
    let engine = page::configure(opts, cb, policies);
    crate::task::promise(start(engine, worker, on_empty))
}

/// What `initOfflineSync` and a client's `ready()` do once the engine exists: open
/// its database, ask for persistent storage, tell the app when the database
/// started empty, register the worker, and send what an earlier visit left queued.
pub(crate) async fn start(
    engine: Rc<Engine>,
    worker: Option<String>,
    on_empty: Option<js_sys::Function>,
) -> Result<JsValue, JsValue> {
    let ready = engine.ready().await.map_err(|e| to_js(&e))?;
    crate::browser::request_persistence();
    // Before the promise resolves, so the app knows by then. An empty database
    // is a first visit or one the browser wiped (Safari after 7 days unused):
    // the app may offer to download again what the user had.
    if let Some(f) = on_empty.filter(|_| ready.started_empty && !ready.empty_announced.replace(true)) {
        if let Err(e) = f.call0(&JsValue::UNDEFINED) {
            web_sys::console::error_2(&JsValue::from_str("offline-sync: onEmptyDatabase threw"), &e);
        }
    }
    if let Some(url) = worker {
        // In the background: a first visit does not wait for the worker. Without
        // it, syncing still works (next start, online, visibility); say why
        // background sync will not, and carry on.
        crate::task::spawn(async move {
            if let Err(e) = crate::browser::background_sync::register_worker(&url).await {
                web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "offline-sync: could not register the service worker {url}: {e}; background sync is off, changes still go out on the next start, on `online` and when the page becomes visible"
                )));
            }
        });
    }
    // Changes left from an earlier visit (a closed tab, a browser without
    // Background Sync) go out now, on this start.
    if matches!(engine.counts().await, Ok((p, _)) if p > 0) && triggers::is_online() {
        let e = engine.clone();
        crate::task::spawn(async move {
            e.full_sync().await;
        });
    }
    Ok(JsValue::UNDEFINED)
}

/// The page's engine: `fullSync`, `downloadCourse`, `queueMutation` and local reads.
#[wasm_bindgen(js_name = getSyncEngine)]
pub fn get_sync_engine() -> SyncEngine {
    SyncEngine::new(page::current_engine())
}
