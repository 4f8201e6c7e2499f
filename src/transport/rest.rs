//! REST resources (`docs/rest.md`): queued changes become `POST`/`PUT`|`PATCH`/
//! `DELETE` on the app's own endpoints, in order, each with an `Idempotency-Key`
//! (its mutation id) and, when the record's `ETag` is known, `If-Match`; scopes are
//! read as whole lists, page by page. The rules (which request, what an answer
//! means, paging) are `offline_sync_core::rest`; this module only sends.

mod client;
mod pull;
mod push;
mod record;

pub use client::Client;

use offline_sync_core::rest::RestConfig;
use std::rc::Rc;

pub struct RestTransport {
    pub config: Rc<RestConfig>,
    pub client: Client,
    pub base_url: String,
}
