//! offline-sync: keeps a web app's data in IndexedDB, queues the changes made
//! offline and synchronises them with the backend.
//!
//! Layers, each using only those below it:
//! - [`core`] (crate `offline-sync-core`): pure rules, shared with the server.
//! - `records`: the shapes and field names of the records kept and sent.
//! - `store`, `http`, `transport`, `browser`: thin browser modules (wasm32 only).
//! - `engine`, `controller`: what a sync does, and when it runs.
//! - `api`: the wasm-bindgen surface (JS names, TS types, errors as JS `Error`s).

pub use offline_sync_core as core;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod controller;
#[cfg(target_arch = "wasm32")]
mod engine;
#[cfg(target_arch = "wasm32")]
mod failure;
#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(target_arch = "wasm32")]
mod jsv;
#[cfg(target_arch = "wasm32")]
mod records;
#[cfg(target_arch = "wasm32")]
mod store;
#[cfg(target_arch = "wasm32")]
mod task;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use api::*;

/// How many `query` runs (live queries' included) read a declared index rather than
/// every entity of the type: for tests, which check an index was used. Not exported
/// to JS.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub fn indexed_query_count() -> u32 {
    store::query::indexed_count()
}
