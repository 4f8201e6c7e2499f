//! Faults, retries, failed entries and bad input, in real Chromium on real
//! IndexedDB against the reference server (started by scripts/test.sh with
//! `--enable-admin`, whose `/__admin/faults` injects the faults).
//!
//! After each fault the suite checks what the issue promises: the server holds
//! exactly the expected state, every mutation id was applied once (`applyCounts`),
//! the local store still has every unsynced change, and the error was reported
//! while it lasted. Answers of the wrong shape come from a fake backend (a
//! `fetch` stand-in for one made-up origin), since the real server never sends them.
#![cfg(target_arch = "wasm32")]
// Test code, not the shipped .wasm: clippy.toml's size rules (docs/performance.md item 18) do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "../common/mod.rs"]
mod common;
mod fixture;

mod auth;
mod bad_input;
mod failed_entries;
mod scheduling;
mod storage;
mod too_large;
mod transient;
mod wrong_shape;

/// What every section uses.
mod prelude {
    pub(crate) use crate::common::*;
    pub(crate) use crate::fixture::*;
    pub(crate) use offline_sync::{get_sync_engine, init_offline_sync, OfflineSync, SyncEngine};
    pub(crate) use wasm_bindgen::prelude::*;
    pub(crate) use wasm_bindgen_test::*;
}

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);
