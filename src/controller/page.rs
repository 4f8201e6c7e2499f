//! The page's (or worker's) engine: the one `initOfflineSync` configures and
//! `getSyncEngine()`, `useOfflineSync` and the service worker's sync use.
//!
//! It lives in the controller layer, under the hub that follows it, so that
//! nothing below the wasm-bindgen surface reaches up into it (`docs/ARCHITECTURE.md`).

use crate::engine::Engine;
use crate::transport::Connect;
use offline_sync_core::config::EngineOptions;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static ENGINE: RefCell<Option<Rc<Engine>>> = const { RefCell::new(None) };
}

/// The page's engine, created with default options if `initOfflineSync` was not called.
pub fn current_engine() -> Rc<Engine> {
    console_error_panic_hook::set_once();
    ENGINE.with(|e| {
        e.borrow_mut().get_or_insert_with(|| Engine::new(EngineOptions::default(), Connect::default())).clone()
    })
}

/// Makes the page's engine the one these options describe: the same engine when
/// they are the ones it has, else a new one (the old one closed). Active
/// controllers move over to it at once.
pub fn configure(opts: EngineOptions, connect: Connect) -> Rc<Engine> {
    let engine = ENGINE.with(|slot| {
        let mut slot = slot.borrow_mut();
        match &*slot {
            Some(e) if e.options == opts && e.connect() == &connect => e.clone(),
            old => {
                if let Some(old) = old {
                    old.retire();
                }
                let e = Engine::new(opts, connect);
                *slot = Some(e.clone());
                e
            }
        }
    });
    super::hub();
    engine
}
