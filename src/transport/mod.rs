//! The one seam between the engine and a backend. Every backend answers the same
//! two questions: "here are queued changes, what became of each?" (push) and
//! "what changed since this cursor?" (pull).

pub mod protocol;

use crate::failure::Result;
use crate::store::outbox::Outcome;
use offline_sync_core::protocol::Scope;
use wasm_bindgen::JsValue;

/// A page of server changes, in the wire `Entity` shape, as the server sent them.
pub struct PullPage {
    pub changes: js_sys::Array,
    /// Where the next pull starts; `None` when the backend has no cursors.
    pub cursor: Option<String>,
    pub has_more: bool,
}

pub enum Transport {
    Protocol(protocol::ProtocolTransport),
}

impl Transport {
    /// Sends queue records in order; answers one outcome per record, in order.
    pub async fn push(&self, records: &[JsValue]) -> Result<Vec<Outcome>> {
        match self {
            Transport::Protocol(t) => t.push(records).await,
        }
    }

    pub async fn pull(&self, scope: &Scope, cursor: Option<&str>, limit: u32) -> Result<PullPage> {
        match self {
            Transport::Protocol(t) => t.pull(scope, cursor, limit).await,
        }
    }

    /// Forgets cached credentials (sign-out, namespace switch).
    pub fn reset_auth(&self) {
        match self {
            Transport::Protocol(t) => t.http.auth.reset(),
        }
    }
}
