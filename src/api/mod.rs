//! The wasm-bindgen surface: JS names, TypeScript types, and the conversion of
//! values and errors. No logic lives here.

mod convert;
mod engine;
mod init;
mod types;

pub use engine::SyncEngine;
pub use init::{get_sync_engine, init_offline_sync};
