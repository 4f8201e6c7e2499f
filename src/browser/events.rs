//! An event listener that removes itself when dropped, so a controller's listeners
//! live exactly as long as it is active.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

pub struct EventListener {
    target: web_sys::EventTarget,
    kind: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl EventListener {
    pub fn new(target: &JsValue, kind: &'static str, f: impl FnMut(web_sys::Event) + 'static) -> Option<Self> {
        let target: web_sys::EventTarget = target.clone().dyn_into().ok()?;
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        target.add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref()).ok()?;
        Some(EventListener { target, kind, callback })
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref());
    }
}
