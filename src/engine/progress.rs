//! Progress of a long pull or push, for `downloadCourse`'s `onProgress` and
//! `status.progress`: a report at most every `EVERY_MS`, and always the last
//! one, so a UI re-renders a few times a second however fast pages come.

use crate::jsv;
use offline_sync_core::status::{Phase, Progress};
use wasm_bindgen::JsValue;

const EVERY_MS: f64 = 250.0;

/// Counts what a pull of one scope wrote (or a push settled), towards the total
/// the server gave (or the queue's length when the push began).
pub struct Meter<'a> {
    sink: &'a dyn Fn(&Progress),
    phase: Phase,
    loaded: u32,
    last_ms: f64,
}

impl<'a> Meter<'a> {
    /// `loaded` is where the count starts: what a pull interrupted by a reload had
    /// written already, so its progress counts on from there.
    pub fn new(sink: &'a dyn Fn(&Progress), phase: Phase, loaded: u32) -> Self {
        Meter { sink, phase, loaded, last_ms: f64::NEG_INFINITY }
    }

    pub fn loaded(&self) -> u32 {
        self.loaded
    }

    /// `n` more were done; `total` is what `loaded` counts towards now, if known
    /// (never below `loaded`). Reported if the last report is old enough, or `last`.
    pub fn add(&mut self, n: u32, total: Option<u32>, last: bool) {
        self.loaded += n;
        let total = if last { Some(self.loaded) } else { total.map(|t| t.max(self.loaded)) };
        let now = jsv::now_ms();
        if last || now - self.last_ms >= EVERY_MS {
            self.last_ms = now;
            (self.sink)(&Progress { phase: self.phase, loaded: self.loaded, total });
        }
    }

    /// A page of `n` changes was written; `remaining` is what the server says
    /// follows it (`None` when it does not say: the total stays unknown until the
    /// last page, after which nothing follows).
    pub fn page(&mut self, n: u32, remaining: Option<u32>, last: bool) {
        let total = remaining.map(|r| self.loaded + n + r);
        self.add(n, total, last);
    }
}

/// `{ phase, loaded, total }`, as `onProgress` and `status.progress` give it.
pub fn to_js(p: &Progress) -> JsValue {
    let o = jsv::object();
    jsv::set(&o, "phase", &JsValue::from_str(p.phase.name()));
    jsv::set(&o, "loaded", &JsValue::from_f64(p.loaded as f64));
    jsv::set(&o, "total", &p.total.map(|t| JsValue::from_f64(t as f64)).unwrap_or(JsValue::NULL));
    o
}
