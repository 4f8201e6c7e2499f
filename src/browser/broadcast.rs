//! Every tab's status follows the others: a `BroadcastChannel` per namespace carries
//! sync start, end (with its result) and queue counts between tabs and the worker.

use wasm_bindgen::prelude::*;

pub struct Channel {
    inner: web_sys::BroadcastChannel,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Channel {
    /// `None` where the scope has no BroadcastChannel; status then stays per tab.
    pub fn open(name: &str, mut on_message: impl FnMut(JsValue) + 'static) -> Option<Channel> {
        let inner = web_sys::BroadcastChannel::new(name).ok()?;
        let cb = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| on_message(e.data()));
        inner.set_onmessage(Some(cb.as_ref().unchecked_ref()));
        Some(Channel { inner, _on_message: cb })
    }

    pub fn post(&self, msg: &JsValue) {
        let _ = self.inner.post_message(msg);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.inner.set_onmessage(None);
        self.inner.close();
    }
}
