//! The page's (or worker's) default client: the one `initOfflineSync` configures
//! and `getSyncEngine()`, `useOfflineSync` without a provider and the service
//! worker's sync use. Clients of their own (`createOfflineSync`) live apart from it,
//! held by whoever created them.
//!
//! It lives in the controller layer, so that nothing below the wasm-bindgen
//! surface reaches up into it (`docs/ARCHITECTURE.md`).

use super::Hub;
use crate::engine::Engine;
use crate::store::outbox::conflict::Policies;
use crate::transport::Connect;
use offline_sync_core::config::EngineOptions;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static DEFAULT: RefCell<Option<Rc<Hub>>> = const { RefCell::new(None) };
}

/// The default client, with default options if `initOfflineSync` was not called.
pub fn default_client() -> Rc<Hub> {
    console_error_panic_hook::set_once();
    DEFAULT.with(|d| {
        d.borrow_mut()
            .get_or_insert_with(|| {
                Hub::new(Engine::new(EngineOptions::default(), Connect::default(), Policies::default()))
            })
            .clone()
    })
}

/// The default client's engine.
pub fn current_engine() -> Rc<Engine> {
    default_client().engine.clone()
}

/// Makes the default client's engine the one these options describe: the same
/// engine when they are the ones it has, else a new one (the old one closed), to
/// which the active controllers move over at once.
pub fn configure(opts: EngineOptions, connect: Connect, policies: Policies) -> Rc<Engine> {
    let (client, moved) = DEFAULT.with(|slot| {
        let mut slot = slot.borrow_mut();
        match &*slot {
            Some(c) if c.engine.options == opts && c.engine.connect() == &connect && c.engine.policies == policies => {
                (c.clone(), Vec::new())
            }
            old => {
                let moved = match old {
                    Some(old) => {
                        old.engine.retire();
                        old.retire()
                    }
                    None => Vec::new(),
                };
                let c = Hub::new(Engine::new(opts, connect, policies));
                *slot = Some(c.clone());
                (c, moved)
            }
        }
    });
    for (id, m) in moved {
        client.join(id, m);
    }
    client.engine.clone()
}
