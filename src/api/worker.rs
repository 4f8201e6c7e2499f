//! The service-worker side: what `offline-sync/sw` calls from a `sync` (or
//! `periodicsync`) event.

use crate::browser::background_sync::{SyncEvent, PERIODIC_TAG, SYNC_TAG};
use crate::controller::page::current_engine;
use crate::jsv;
use wasm_bindgen::prelude::*;

/// Runs the full sync for a background `sync`/`periodicsync` event of our tag.
/// Resolves with the result when it succeeded, and also on the browser's last
/// attempt (`lastChance`: the queue stays intact for the next page start); rejects
/// otherwise, which tells the browser to try again later. Events of other tags
/// resolve `null` at once.
#[wasm_bindgen(js_name = handleSyncEvent, unchecked_return_type = "Promise<SyncResult | null>")]
pub fn handle_sync_event(
    #[wasm_bindgen(unchecked_param_type = "Event & { tag: string; lastChance?: boolean }")] event: JsValue,
) -> js_sys::Promise {
    let engine = current_engine();
    crate::task::promise(async move {
        let ev: SyncEvent = event.unchecked_into();
        if ev.tag() != SYNC_TAG && ev.tag() != PERIODIC_TAG {
            return Ok(JsValue::NULL);
        }
        let last_chance = jsv::get(&ev, "lastChance").as_bool().unwrap_or(false);
        let r = engine.full_sync().await;
        if r.success || last_chance {
            Ok(r.to_js())
        } else {
            let msg = r.error.map(|e| e.message).unwrap_or_else(|| "sync failed".into());
            Err(js_sys::Error::new(&format!("offline-sync background sync failed, the browser will retry: {msg}"))
                .into())
        }
    })
}

/// The background sync tag this module registers.
#[wasm_bindgen(js_name = syncTag)]
pub fn sync_tag() -> String {
    SYNC_TAG.to_string()
}
