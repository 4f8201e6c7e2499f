//! `SyncEngine`: the JS class over the page's engine.

use super::convert::{err, ids};
use crate::engine::Engine;
use offline_sync_core::protocol::Op;
use offline_sync_core::queue::EntryState;
use offline_sync_core::status::Progress;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct SyncEngine {
    inner: Rc<Engine>,
}

impl SyncEngine {
    fn watch_target(
        &self,
        et: String,
        target: crate::engine::watch::Target,
        on_result: JsValue,
        on_error: JsValue,
    ) -> Result<JsValue, JsValue> {
        let function = |v: JsValue, what: &str| {
            v.dyn_into::<js_sys::Function>()
                .map_err(|_| crate::failure::type_error(&format!("offline-sync: watch: {what} must be a function")))
        };
        let on_result = function(on_result, "onResult")?;
        let on_error = match on_error.is_undefined() || on_error.is_null() {
            true => None,
            false => Some(function(on_error, "onError")?),
        };
        let id = self.inner.watch(et, target, on_result, on_error);
        // Holds the engine weakly: a stop function kept around keeps nothing alive.
        let engine = Rc::downgrade(&self.inner);
        // Callable again (it then does nothing), as React's effect cleanups may be.
        Ok(Closure::<dyn FnMut()>::new(move || {
            if let Some(e) = engine.upgrade() {
                e.unwatch(id);
            }
        })
        .into_js_value())
    }

    pub(crate) fn new(inner: Rc<Engine>) -> Self {
        SyncEngine { inner }
    }

    /// `downloadCourse(courseId)` without options, for Rust callers.
    pub fn download_course(&self, course_id: JsValue) -> js_sys::Promise {
        self.download(course_id, JsValue::UNDEFINED)
    }

    /// `downloadCourse`/`downloadScope`: `onProgress` gets `{ phase, loaded, total }`
    /// a few times a second.
    fn download_in(&self, scope: JsValue, id: JsValue, options: JsValue) -> js_sys::Promise {
        let on_progress = match super::convert::on_progress(&options) {
            Ok(f) => f,
            Err(e) => return js_sys::Promise::reject(&e),
        };
        self.run(|e| async move {
            let report = |p: &Progress| {
                if let Some(f) = &on_progress {
                    if let Err(x) = f.call1(&JsValue::NULL, &crate::engine::progress_js(p)) {
                        web_sys::console::error_2(&JsValue::from_str("offline-sync: onProgress threw:"), &x);
                    }
                }
            };
            let sink: Option<&dyn Fn(&Progress)> = on_progress.as_ref().map(|_| &report as &dyn Fn(&Progress));
            e.download_scope(&scope, &id, sink).await.map(|_| JsValue::UNDEFINED).map_err(err)
        })
    }

    fn run<F, T>(&self, f: impl FnOnce(Rc<Engine>) -> F) -> js_sys::Promise
    where
        F: Future<Output = Result<T, JsValue>> + 'static,
        T: Into<JsValue>,
    {
        let fut = f(self.inner.clone());
        crate::task::promise(async move { fut.await.map(Into::into) })
    }
}

#[wasm_bindgen]
impl SyncEngine {
    /// An engine of its own, apart from the page's (`getSyncEngine()`): for a second
    /// namespace, a test, or a worker. Opens its database on first use.
    #[wasm_bindgen(constructor)]
    pub fn construct(
        #[wasm_bindgen(unchecked_param_type = "InitOptions | undefined")] options: JsValue,
    ) -> Result<SyncEngine, JsValue> {
        console_error_panic_hook::set_once();
        let (opts, cb, policies) = super::init::parse_options(&options)?;
        Ok(SyncEngine::new(Engine::new(opts, cb, policies)))
    }

    /// Pushes queued changes, pulls server changes in pages, then pushes what was
    /// queued meanwhile. Never rejects: a failed sync resolves `success: false`.
    /// While a sync runs, a second call joins it.
    #[wasm_bindgen(js_name = fullSync, unchecked_return_type = "Promise<SyncResult>")]
    pub fn full_sync(&self) -> js_sys::Promise {
        self.run(|e| async move { Ok::<_, JsValue>(e.full_sync().await.to_js()) })
    }

    /// Pulls a course and everything scoped under it, and remembers it as available
    /// offline. `onProgress` gets `{ phase, loaded, total }` a few times a second.
    #[wasm_bindgen(js_name = downloadCourse, unchecked_return_type = "Promise<void>")]
    pub fn download(
        &self,
        #[wasm_bindgen(js_name = courseId, unchecked_param_type = "string")] course_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DownloadOptions | undefined")] options: JsValue,
    ) -> js_sys::Promise {
        self.download_in(JsValue::from_str("course"), course_id, options)
    }

    /// Pulls one instance of a declared scope (`downloadScope('course', id)` is
    /// `downloadCourse(id)`) and remembers it as available offline.
    #[wasm_bindgen(js_name = downloadScope, unchecked_return_type = "Promise<void>")]
    pub fn download_scope(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] scope: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DownloadOptions | undefined")] options: JsValue,
    ) -> js_sys::Promise {
        self.download_in(scope, id, options)
    }

    /// Queues a change and applies it to the local copy at once. Resolves with the
    /// mutation id after the change is durable.
    #[wasm_bindgen(js_name = queueMutation, unchecked_return_type = "Promise<string>")]
    pub fn queue_mutation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MutationType")] op: JsValue,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
        #[wasm_bindgen(js_name = entityId, unchecked_param_type = "string")] entity_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EntityData | null | undefined")] data: JsValue,
    ) -> js_sys::Promise {
        self.run(|e| async move { e.queue_mutation(&op, &entity_type, &entity_id, &data).await.map_err(err) })
    }

    /// The entity as the app sees it now (local changes included), or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "Promise<EntityData | undefined>")]
    pub fn get(
        &self,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> js_sys::Promise {
        self.run(|e| async move { e.get(&entity_type, &id).await.map_err(err) })
    }

    /// Every entity of a type as the app sees it now.
    #[wasm_bindgen(unchecked_return_type = "Promise<EntityData[]>")]
    pub fn list(
        &self,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
    ) -> js_sys::Promise {
        self.run(|e| async move { e.list(&entity_type).await.map(JsValue::from).map_err(err) })
    }

    /// The entities of a type as the app sees them (unsynced changes included)
    /// that match `query`: `{ where, orderBy, limit, offset }` (docs/queries.md).
    #[wasm_bindgen(unchecked_return_type = "Promise<EntityData[]>")]
    pub fn query(
        &self,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Query | undefined")] query: JsValue,
    ) -> js_sys::Promise {
        self.run(|e| async move { e.query(&entity_type, &query).await.map(JsValue::from).map_err(err) })
    }

    /// A live query: `onResult` gets the entities that match `query` now, then again
    /// whenever a change here, in another tab or in the service worker may have
    /// altered them (a burst of changes: once). Returns the function that stops it.
    /// A wrong query throws a `TypeError` at once (docs/queries.md).
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn watch(
        &self,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Query | undefined")] query: JsValue,
        #[wasm_bindgen(js_name = onResult, unchecked_param_type = "(result: EntityData[]) => void")] on_result: JsValue,
        #[wasm_bindgen(js_name = onError, unchecked_param_type = "((error: Error) => void) | undefined")]
        on_error: JsValue,
    ) -> Result<JsValue, JsValue> {
        let et = crate::engine::change_key("entity type", &entity_type).map_err(err)?;
        let q = crate::store::query::Query::parse(&query).map_err(err)?;
        self.watch_target(et, crate::engine::watch::Target::Query(q), on_result, on_error)
    }

    /// One entity, live: `onResult` gets its view (`undefined`: none) now, then after
    /// each change to it. Returns the function that stops it.
    #[wasm_bindgen(js_name = watchEntity, unchecked_return_type = "() => void")]
    pub fn watch_entity(
        &self,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(js_name = onResult, unchecked_param_type = "(entity: EntityData | undefined) => void")]
        on_result: JsValue,
        #[wasm_bindgen(js_name = onError, unchecked_param_type = "((error: Error) => void) | undefined")]
        on_error: JsValue,
    ) -> Result<JsValue, JsValue> {
        let et = crate::engine::change_key("entity type", &entity_type).map_err(err)?;
        let id = crate::engine::change_key("entity id", &id).map_err(err)?;
        self.watch_target(et, crate::engine::watch::Target::Entity(id), on_result, on_error)
    }

    /// Sets the whole entity locally and marks it dirty (queued for the server).
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn put(
        &self,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EntityData")] data: JsValue,
    ) -> js_sys::Promise {
        self.run(|e| async move { e.enqueue(Op::Create, &entity_type, &id, &data).await.map_err(err) })
    }

    /// Deletes the entity locally (a dirty tombstone until the server has it).
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn remove(
        &self,
        #[wasm_bindgen(js_name = entityType, unchecked_param_type = "string")] entity_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> js_sys::Promise {
        self.run(|e| async move { e.enqueue(Op::Delete, &entity_type, &id, &JsValue::NULL).await.map_err(err) })
    }

    /// Changes waiting for the server (failed ones not included; see `failed()`).
    #[wasm_bindgen(js_name = pendingCount, unchecked_return_type = "Promise<number>")]
    pub fn pending_count(&self) -> js_sys::Promise {
        self.run(|e| async move { e.counts().await.map(|(p, _)| JsValue::from_f64(p as f64)).map_err(err) })
    }

    /// The queue entries still waiting for the server, oldest first.
    #[wasm_bindgen(unchecked_return_type = "Promise<QueueEntry[]>")]
    pub fn pending(&self) -> js_sys::Promise {
        self.run(|e| async move { e.entries(EntryState::Pending).await.map(JsValue::from).map_err(err) })
    }

    /// Entries the server refused for good, set aside with their error.
    #[wasm_bindgen(unchecked_return_type = "Promise<QueueEntry[]>")]
    pub fn failed(&self) -> js_sys::Promise {
        self.run(|e| async move { e.entries(EntryState::Failed).await.map(JsValue::from).map_err(err) })
    }

    /// Puts failed entries (all, or those with these mutation ids) back in the queue.
    #[wasm_bindgen(js_name = retryFailed, unchecked_return_type = "Promise<number>")]
    pub fn retry_failed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[] | undefined")] ids_arg: JsValue,
    ) -> js_sys::Promise {
        self.run(
            |e| async move { e.retry_failed(ids(&ids_arg)?).await.map(|n| JsValue::from_f64(n as f64)).map_err(err) },
        )
    }

    /// Drops failed entries (all, or those with these mutation ids); the local copy
    /// goes back to the server's version plus any other queued changes.
    #[wasm_bindgen(js_name = discardFailed, unchecked_return_type = "Promise<number>")]
    pub fn discard_failed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[] | undefined")] ids_arg: JsValue,
    ) -> js_sys::Promise {
        self.run(
            |e| async move { e.discard_failed(ids(&ids_arg)?).await.map(|n| JsValue::from_f64(n as f64)).map_err(err) },
        )
    }

    /// Everything downloaded with `downloadScope`/`downloadCourse`.
    #[wasm_bindgen(js_name = offlineScopes, unchecked_return_type = "Promise<OfflineScope[]>")]
    pub fn offline_scopes(&self) -> js_sys::Promise {
        self.run(|e| async move { e.offline_scopes().await.map(JsValue::from).map_err(err) })
    }

    /// Local changes the server refused as stale, with the server's version that won.
    #[wasm_bindgen(unchecked_return_type = "Promise<Conflict[]>")]
    pub fn conflicts(&self) -> js_sys::Promise {
        self.run(|e| async move { e.conflicts().await.map(JsValue::from).map_err(err) })
    }

    /// Settles a held conflict: `'local'` sends the local change again on top of the
    /// server's version, `'server'` keeps the server's, an object is sent as the
    /// merged version. Resolves with the new mutation id (null for `'server'`).
    #[wasm_bindgen(js_name = resolveConflict, unchecked_return_type = "Promise<string | null>")]
    pub fn resolve_conflict(
        &self,
        #[wasm_bindgen(js_name = mutationId)] mutation_id: String,
        #[wasm_bindgen(unchecked_param_type = "'local' | 'server' | EntityData")] choice: JsValue,
    ) -> js_sys::Promise {
        self.run(|e| async move { e.settle_conflict(mutation_id, Some(choice)).await.map_err(err) })
    }

    /// Drops a conflict record without sending anything; whether there was one.
    #[wasm_bindgen(js_name = dismissConflict, unchecked_return_type = "Promise<boolean>")]
    pub fn dismiss_conflict(&self, #[wasm_bindgen(js_name = mutationId)] mutation_id: String) -> js_sys::Promise {
        self.run(|e| async move { e.settle_conflict(mutation_id, None).await.map_err(err) })
    }

    /// Courses downloaded with `downloadCourse`.
    #[wasm_bindgen(js_name = offlineCourses, unchecked_return_type = "Promise<OfflineCourse[]>")]
    pub fn offline_courses(&self) -> js_sys::Promise {
        self.run(|e| async move { e.offline_courses().await.map(JsValue::from).map_err(err) })
    }

    /// The id this browser profile syncs as.
    #[wasm_bindgen(js_name = clientId, unchecked_return_type = "Promise<string>")]
    pub fn client_id(&self) -> js_sys::Promise {
        self.run(|e| async move { e.client_id().await.map(JsValue::from).map_err(err) })
    }

    /// Whether the database was empty when the engine opened it (opening it now if
    /// it is not open): a first visit, or storage the browser deleted (Safari's
    /// 7-day rule, the user clearing site data), which look the same. The app can
    /// then offer to download again what the user had (docs/safari.md).
    #[wasm_bindgen(js_name = startedEmpty, unchecked_return_type = "Promise<boolean>")]
    pub fn started_empty(&self) -> js_sys::Promise {
        self.run(|e| async move { e.started_empty().await.map(JsValue::from).map_err(err) })
    }

    /// Wipes everything this namespace stored (for sign-out).
    #[wasm_bindgen(js_name = clearLocalData, unchecked_return_type = "Promise<void>")]
    pub fn clear_local_data(&self) -> js_sys::Promise {
        self.run(|e| async move { e.clear_local_data().await.map(|_| JsValue::UNDEFINED).map_err(err) })
    }

    /// Closes the database connection; the next call opens it again.
    pub fn close(&self) {
        self.inner.close();
    }
}
