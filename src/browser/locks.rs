//! One sync at a time across every tab and the service worker: the Web Locks API.
//! web-sys gates `LockManager` behind unstable APIs, so the one call we need is
//! declared here.

use crate::jsv;
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    type LockManager;
    #[wasm_bindgen(method, catch, js_name = request)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &js_sys::Function,
    ) -> Result<js_sys::Promise, JsValue>;
}

pub enum Locked<T> {
    /// We held the lock and ran the work.
    Ran(T),
    /// Someone else held it; we waited until they let go and ran nothing.
    HeldElsewhere,
}

fn lock_manager() -> Option<LockManager> {
    let locks = jsv::get(&jsv::get(&js_sys::global(), "navigator"), "locks");
    (!locks.is_undefined() && !locks.is_null()).then(|| locks.unchecked_into())
}

/// A promise and the function that resolves it.
fn deferred() -> (js_sys::Promise, js_sys::Function) {
    let mut resolve = None;
    let p = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
    (p, resolve.unwrap_or_else(|| js_sys::Function::new_no_args("")))
}

/// Runs `work` holding the exclusive lock `name` if it is free. If another context
/// holds it, waits for it to be released and runs nothing. Where the browser has no
/// Web Locks (insecure origins, old browsers), runs `work` unguarded.
pub async fn exclusive<T, Fut: Future<Output = T>>(name: &str, work: impl FnOnce() -> Fut) -> Locked<T> {
    let Some(locks) = lock_manager() else { return Locked::Ran(work().await) };
    let (release, release_now) = deferred();
    let (acquired, answer) = deferred();
    let answer_cb = answer.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null() && !lock.is_undefined();
        let _ = answer_cb.call1(&JsValue::NULL, &JsValue::from_bool(got));
        // Holding the lock lasts until this promise settles.
        if got {
            release.into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let opts = jsv::object();
    jsv::set(&opts, "ifAvailable", &JsValue::TRUE);
    match locks.request(name, &opts, callback.unchecked_ref()) {
        Ok(p) => crate::task::spawn(async move {
            // A refused request (e.g. SecurityError) never calls back: unblock below.
            if JsFuture::from(p).await.is_err() {
                let _ = answer.call1(&JsValue::NULL, &JsValue::from_str("unsupported"));
            }
        }),
        Err(_) => return Locked::Ran(work().await),
    }
    let got = JsFuture::from(acquired).await.unwrap_or(JsValue::FALSE);
    if got == JsValue::TRUE || got.as_string().is_some() {
        let r = work().await;
        let _ = release_now.call0(&JsValue::NULL);
        return Locked::Ran(r);
    }
    // Held elsewhere: queue for the lock and let go at once; that resolves when the
    // holder is done.
    let noop = Closure::once_into_js(|_: JsValue| JsValue::UNDEFINED);
    if let Ok(p) = locks.request(name, &jsv::object(), noop.unchecked_ref()) {
        let _ = JsFuture::from(p).await;
    }
    Locked::HeldElsewhere
}
