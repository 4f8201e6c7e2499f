//! offline-sync: the browser crate.
pub use offline_sync_core as core;
