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

/// Polls every future until all are done; their outputs in order. What
/// `futures_util::future::join_all` does for a few futures, without the
/// `FuturesOrdered` it switches to past 30 (the entities of a batch, up to 100,
/// each a few IndexedDB requests): polling all on each wake-up is cheap at
/// that size, and the queue and its task nodes were 3 KB of wasm.
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    use futures_util::future::MaybeDone;
    let mut all: Vec<Pin<Box<MaybeDone<F>>>> =
        futures.into_iter().map(|f| Box::pin(futures_util::future::maybe_done(f))).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for f in all.iter_mut() {
            done &= f.as_mut().poll(cx).is_ready();
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    all.iter_mut().filter_map(|f| f.as_mut().take_output()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    async fn join_all_runs_the_futures_together_and_answers_in_their_order() {
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        // Ending in the opposite order to the one they were given in.
        let delays = [30u32, 20, 10, 0];
        let out = join_all(delays.iter().map(|&ms| {
            let log = log.clone();
            async move {
                log.borrow_mut().push(format!("start {ms}"));
                gloo_timers::future::TimeoutFuture::new(ms).await;
                log.borrow_mut().push(format!("end {ms}"));
                ms
            }
        }))
        .await;
        assert_eq!(out, delays);
        // Together: every one started before any ended.
        assert_eq!(
            *log.borrow(),
            ["start 30", "start 20", "start 10", "start 0", "end 0", "end 10", "end 20", "end 30"]
        );
        assert!(join_all(Vec::<std::future::Ready<u8>>::new()).await.is_empty());
    }
}
