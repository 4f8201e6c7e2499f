//! Futures handed to the browser's event loop. wasm-bindgen-futures' spawning
//! (`future_to_promise`, `spawn_local`) is generic over the future, so each call
//! site instantiated its own task, waker and panic guard: about 600 bytes of wasm
//! a site, over two dozen sites. Here each is instantiated once, for a boxed
//! future; the box is one allocation a call, next to the task's own.

use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::JsValue;

type Boxed<T> = Pin<Box<dyn Future<Output = T>>>;

/// `future_to_promise`: the promise settles with the future's result.
pub fn promise(fut: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> js_sys::Promise {
    promise_boxed(Box::pin(fut))
}

#[inline(never)]
fn promise_boxed(fut: Boxed<Result<JsValue, JsValue>>) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(fut)
}

/// `spawn_local`: runs the future to its end, nobody waiting for it.
pub fn spawn(fut: impl Future<Output = ()> + 'static) {
    spawn_boxed(Box::pin(fut))
}

#[inline(never)]
fn spawn_boxed(fut: Boxed<()>) {
    wasm_bindgen_futures::spawn_local(fut)
}
