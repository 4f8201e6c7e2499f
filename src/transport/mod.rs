//! The one seam between the engine and a backend. Every backend answers the same
//! two questions: "here are queued changes, what became of each?" (push) and
//! "what changed since this cursor?" (pull).

pub mod js;
pub mod protocol;
pub mod rest;

use crate::failure::Result;
use crate::http::Http;
use crate::records::answer::{Outcome, Sweep};
use offline_sync_core::config::ConfigError;
use offline_sync_core::protocol::{Scope, MAX_PUSH_BATCH};
use offline_sync_core::rest::{rest_option, transport_option, Custom, RestConfig};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// A page of server changes, in the wire `Entity` shape, as the server sent them.
pub struct PullPage {
    pub changes: js_sys::Array,
    /// Where the next pull starts; `None` when the backend has no cursors.
    pub cursor: Option<String>,
    pub has_more: bool,
    /// Changes after this page, when the backend says (protocol 1.1 `remaining`).
    pub remaining: Option<u32>,
    /// Set by transports that read whole lists (REST): after this page the list
    /// is complete, and server records it did not name are to be removed.
    pub sweep: Option<Sweep>,
}

/// A page asked for by [`Transport::pull_ahead`].
pub enum PendingPage {
    /// Our protocol's answer, its body not read yet.
    Answer(crate::http::Head),
    Page(PullPage),
}

impl PendingPage {
    pub async fn finish(self) -> Result<PullPage> {
        match self {
            PendingPage::Answer(head) => protocol::decode_pull(&head.read(None).await?.body),
            PendingPage::Page(page) => Ok(page),
        }
    }
}

pub enum Transport {
    Protocol(protocol::ProtocolTransport),
    Rest(rest::RestTransport),
    Js(js::JsTransport),
}

impl Transport {
    /// How many queued changes one push may carry. Our protocol and the app's
    /// `transport.push` take a batch in one request; REST sends one request per
    /// change, so it takes one: the engine writes each answer to IndexedDB before
    /// the next request leaves, and a reload re-sends only a change whose answer
    /// was never read.
    pub fn batch_limit(&self) -> usize {
        match self {
            Transport::Rest(_) => 1,
            Transport::Protocol(_) | Transport::Js(_) => MAX_PUSH_BATCH,
        }
    }

    /// Sends queue records in order (at most [`Transport::batch_limit`]); answers
    /// one outcome per record, in order.
    pub async fn push(&self, records: &[JsValue]) -> Result<Vec<Outcome>> {
        match self {
            Transport::Protocol(t) => t.push(records).await,
            Transport::Rest(t) => t.push(records).await,
            Transport::Js(t) => t.push(records).await,
        }
    }

    pub async fn pull(&self, scope: &Scope, cursor: Option<&str>, limit: u32) -> Result<PullPage> {
        match self {
            Transport::Protocol(t) => t.pull(scope, cursor, limit).await,
            Transport::Rest(t) => t.pull(scope, cursor).await,
            Transport::Js(t) => t.pull(scope, cursor, limit).await,
        }
    }

    /// Like [`Transport::pull`], in two steps: this one asks for the page and waits
    /// for the answer's head, [`PendingPage::finish`] reads its body. A pull asks
    /// for the next page while it writes the one before, and reads it after: the
    /// network works alongside IndexedDB, yet one parsed page at a time is on the
    /// JS heap. The app's own functions (REST `request`, `transport.pull`) answer
    /// whole pages, so theirs is read at once.
    pub async fn pull_ahead(&self, scope: &Scope, cursor: Option<&str>, limit: u32) -> Result<PendingPage> {
        match self {
            Transport::Protocol(t) => t.pull_ahead(scope, cursor, limit).await,
            _ => Ok(PendingPage::Page(self.pull(scope, cursor, limit).await?)),
        }
    }

    /// Whether pulling everything also brings what is scoped under each course. Our
    /// protocol's `all` does; a REST API lists lessons only under their course.
    pub fn all_scope_covers_courses(&self) -> bool {
        !matches!(self, Transport::Rest(_))
    }

    /// Forgets cached credentials (sign-out, namespace switch).
    pub fn reset_auth(&self) {
        match self {
            Transport::Protocol(t) => t.http.auth.reset(),
            Transport::Rest(t) => {
                if let Some(h) = t.client.http() {
                    h.auth.reset();
                }
            }
            Transport::Js(_) => {}
        }
    }
}

/// How the engine reaches the backend, from `initOfflineSync` options: the app's
/// token callback, and the protocol (default), REST resources (`rest`, through
/// our fetch or the app's `transport.request`), or the app's `transport.push`/`pull`.
#[derive(Clone, Default)]
pub struct Connect {
    pub get_auth_token: Option<js_sys::Function>,
    pub rest: Option<Rc<RestConfig>>,
    pub request: Option<js_sys::Function>,
    pub functions: Option<(js_sys::Function, js_sys::Function)>,
}

fn same_fn(a: &Option<js_sys::Function>, b: &Option<js_sys::Function>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => JsValue::from(a) == JsValue::from(b),
        _ => false,
    }
}

/// Same options: the same functions (by identity) and an equal REST configuration.
impl PartialEq for Connect {
    fn eq(&self, o: &Connect) -> bool {
        same_fn(&self.get_auth_token, &o.get_auth_token)
            && self.rest == o.rest
            && same_fn(&self.request, &o.request)
            && same_fn(&self.functions.as_ref().map(|f| f.0.clone()), &o.functions.as_ref().map(|f| f.0.clone()))
            && same_fn(&self.functions.as_ref().map(|f| f.1.clone()), &o.functions.as_ref().map(|f| f.1.clone()))
    }
}

impl Connect {
    /// Reads `rest` and `transport` of the options (validated in core; errors name
    /// the option path).
    pub fn from_options(
        options: &JsValue,
        get_auth_token: Option<js_sys::Function>,
    ) -> std::result::Result<Connect, ConfigError> {
        let opt = |name: &str| {
            js::JsTree(if options.is_object() { crate::jsv::get(options, name) } else { JsValue::UNDEFINED })
        };
        let rest = rest_option(&opt("rest"))?;
        let transport = opt("transport").0;
        let f = |name: &str| crate::jsv::get(&transport, name).unchecked_into::<js_sys::Function>();
        let mut c = Connect { get_auth_token, rest: rest.map(Rc::new), ..Connect::default() };
        match transport_option(&js::JsTree(transport.clone()), c.rest.is_some())? {
            Custom::None => {}
            Custom::Request => c.request = Some(f("request")),
            Custom::Functions => c.functions = Some((f("push"), f("pull"))),
        }
        Ok(c)
    }

    pub fn transport(&self, http: Http, base_url: &str) -> Transport {
        if let Some((push, pull)) = &self.functions {
            return Transport::Js(js::JsTransport { push: push.clone(), pull: pull.clone() });
        }
        match &self.rest {
            Some(config) => {
                let client = match &self.request {
                    Some(request) => rest::Client::App { request: request.clone(), client_id: http.client_id.clone() },
                    None => rest::Client::Fetch(http),
                };
                Transport::Rest(rest::RestTransport { config: config.clone(), client, base_url: base_url.to_string() })
            }
            None => Transport::Protocol(protocol::ProtocolTransport {
                http,
                base_url: base_url.to_string(),
                gzip: std::cell::Cell::new(true),
            }),
        }
    }
}
