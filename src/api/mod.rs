//! The wasm-bindgen surface: JS names, TypeScript types, and the conversion of
//! values and errors. No logic lives here.

mod client;
mod controller;
mod convert;
mod engine;
mod init;
mod types;
mod worker;

pub use client::{set_online, set_visible, OfflineSyncClient};
pub use controller::OfflineSync;
pub use engine::SyncEngine;
pub use init::{get_sync_engine, init_offline_sync};
pub use worker::{handle_sync_event, sync_tag};
