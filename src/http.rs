//! HTTP for every transport: fetch with a timeout on an
//! AbortSignal, the app's bearer token, one retry after a 401 with a fresh token,
//! and every failure classified.

use crate::failure::{ErrorKind, Result, SyncError};
use crate::jsv;
use offline_sync_core::backoff::parse_retry_after;
use offline_sync_core::error::classify_status;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global scope's `fetch`: a page's or a worker's.
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch_js(url: &str, init: &web_sys::RequestInit) -> std::result::Result<js_sys::Promise, JsValue>;
}

/// Where the token comes from: the app's `getAuthToken` callback (sync or async).
/// The token lives in memory only; it is never written to IndexedDB.
#[derive(Clone, Default)]
pub struct Auth {
    callback: Option<js_sys::Function>,
    token: Rc<RefCell<Option<String>>>,
}

impl Auth {
    pub fn new(callback: Option<js_sys::Function>) -> Self {
        Auth { callback, token: Rc::default() }
    }

    async fn token(&self, fresh: bool) -> Result<Option<String>> {
        if !fresh {
            if let Some(t) = self.token.borrow().clone() {
                return Ok(Some(t));
            }
        }
        let Some(cb) = &self.callback else { return Ok(None) };
        let auth_err = |m: String| SyncError::new(ErrorKind::Auth, m);
        let v =
            cb.call0(&JsValue::NULL).map_err(|e| auth_err(format!("getAuthToken threw: {}", jsv::error_text(&e))))?;
        let v = match v.dyn_into::<js_sys::Promise>() {
            Ok(p) => JsFuture::from(p)
                .await
                .map_err(|e| auth_err(format!("getAuthToken rejected: {}", jsv::error_text(&e))))?,
            Err(v) => v,
        };
        let token = if v.is_null() || v.is_undefined() {
            None
        } else {
            Some(
                v.as_string()
                    .ok_or_else(|| auth_err("getAuthToken must resolve a string, null or undefined".into()))?,
            )
        };
        *self.token.borrow_mut() = token.clone();
        Ok(token)
    }

    /// Forgets the cached token, so the next request asks the app again.
    pub fn reset(&self) {
        self.token.borrow_mut().take();
    }
}

#[derive(Clone)]
pub struct Http {
    pub timeout_ms: u32,
    pub client_id: String,
    pub auth: Auth,
}

/// A successful (2xx) answer with its JSON body parsed by the browser (or an
/// answer whose status the caller asked to see, see [`Http::send_passing`]).
pub struct Reply {
    pub status: u16,
    pub body: JsValue,
    pub headers: web_sys::Headers,
}

pub struct Req<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub body: Option<&'a str>,
    pub headers: &'a [(&'a str, &'a str)],
    /// `body` gzip-compressed, sent instead of it with `Content-Encoding: gzip`.
    pub gzipped: Option<&'a js_sys::Uint8Array>,
}

/// Statuses a caller wants back as a [`Reply`] instead of an error.
pub type Pass = fn(u16) -> bool;

impl Http {
    pub async fn send(&self, req: Req<'_>) -> Result<Reply> {
        self.send_passing(req, None).await
    }

    /// Like [`Http::send`], for REST resources: answers whose status `pass` accepts
    /// come back as replies (their JSON body, or null), and a 2xx may have an
    /// empty body (null).
    pub async fn send_passing(&self, req: Req<'_>, pass: Option<Pass>) -> Result<Reply> {
        self.head(&req, pass).await?.read(pass).await
    }

    /// Like [`Http::send`] (a 2xx body must be JSON), except that an answer
    /// whose status `pass` accepts comes back as a reply, with its JSON body or
    /// null, instead of an error: for a caller that acts on that status itself.
    pub async fn send_allowing(&self, req: Req<'_>, pass: Pass) -> Result<Reply> {
        self.head(&req, Some(pass)).await?.read(None).await
    }

    /// Sends the request and waits for the answer's head only: its body stays
    /// with the browser (off the JS heap) until [`Head::read`]. The timeout covers
    /// the wait for the head, and the body's read again.
    pub async fn send_ahead(&self, req: Req<'_>) -> Result<Head> {
        let mut head = self.head(&req, None).await?;
        head.timer = None;
        Ok(head)
    }

    async fn head(&self, req: &Req<'_>, pass: Option<Pass>) -> Result<Head> {
        let token = self.auth.token(false).await?;
        match self.head_once(req, token.as_deref(), pass).await {
            Err(e) if e.kind == ErrorKind::Auth && self.auth.callback.is_some() => {
                let fresh = self.auth.token(true).await?;
                self.head_once(req, fresh.as_deref(), pass).await.map_err(|e| {
                    if e.kind == ErrorKind::Auth {
                        SyncError::new(
                            ErrorKind::Auth,
                            format!(
                                "{} (after a fresh token from getAuthToken); nothing was dropped, sign in again",
                                e.message
                            ),
                        )
                    } else {
                        e
                    }
                })
            }
            other => other,
        }
    }

    /// A 2xx answer's head, or one whose status `pass` accepts; any other status
    /// is an error, with the server's words from its body.
    async fn head_once(&self, req: &Req<'_>, token: Option<&str>, pass: Option<Pass>) -> Result<Head> {
        let controller = web_sys::AbortController::new().map_err(|e| network(req, &jsv::error_text(&e)))?;
        let timer = arm(&controller, self.timeout_ms);
        let headers = js_sys::Array::new();
        let header = |k: &str, v: &str| {
            headers.push(&js_sys::Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)));
        };
        header("Accept", "application/json");
        header("X-Offline-Sync-Client", &self.client_id);
        if let Some(t) = token {
            header("Authorization", &format!("Bearer {t}"));
        }
        if req.body.is_some() {
            header("Content-Type", "application/json");
        }
        if req.gzipped.is_some() {
            header("Content-Encoding", "gzip");
        }
        for (k, v) in req.headers {
            header(k, v);
        }
        let init = web_sys::RequestInit::new();
        init.set_method(req.method);
        init.set_headers(&headers);
        match (req.gzipped, req.body) {
            (Some(bytes), _) => init.set_body(bytes),
            (None, Some(body)) => init.set_body(&JsValue::from_str(body)),
            (None, None) => {}
        }
        init.set_signal(Some(&controller.signal()));
        let sent = fetch_js(req.url, &init).map_err(|e| network(req, &jsv::error_text(&e)))?;
        let raw: web_sys::Response = JsFuture::from(sent)
            .await
            .map_err(|e| failed_fetch(req, &controller, &jsv::error_text(&e)))?
            .unchecked_into();
        let status = raw.status();
        if !(200..300).contains(&status) && !pass.is_some_and(|p| p(status)) {
            let text = read_text(&raw).await;
            return Err(http_error(req, status, &raw.headers(), &text));
        }
        let (method, url) = (req.method.to_string(), req.url.to_string());
        Ok(Head { raw, controller, timer: Some(timer), timeout_ms: self.timeout_ms, method, url, done: false })
    }
}

/// Aborts the request, with a `TimeoutError`, if it is not done in time. Dropping
/// the timer cancels it.
fn arm(controller: &web_sys::AbortController, timeout_ms: u32) -> gloo_timers::callback::Timeout {
    let abort = controller.clone();
    gloo_timers::callback::Timeout::new(timeout_ms, move || {
        let reason = js_sys::Error::new(&format!("timed out after {timeout_ms} ms"));
        reason.set_name("TimeoutError");
        abort.abort_with_reason(&reason);
    })
}

/// An answer whose status and headers have come, and whose body is still unread.
pub struct Head {
    raw: web_sys::Response,
    controller: web_sys::AbortController,
    timer: Option<gloo_timers::callback::Timeout>,
    timeout_ms: u32,
    method: String,
    url: String,
    /// Whether the body was read; an answer dropped unread (its pull failed
    /// before it got to it) is aborted, so the browser drops its connection and
    /// buffer now rather than when the collector finds the `Response`.
    done: bool,
}

impl Drop for Head {
    fn drop(&mut self) {
        if !self.done {
            self.controller.abort();
        }
    }
}

impl Head {
    /// Reads the body: JSON, parsed by the browser; null for a 204; with `pass`
    /// (REST), an empty body is null, and so is a body that is not JSON for a
    /// status `pass` accepted outside 2xx.
    pub async fn read(mut self, pass: Option<Pass>) -> Result<Reply> {
        let _timer = self.timer.take().unwrap_or_else(|| arm(&self.controller, self.timeout_ms));
        let reply = self.read_body(pass).await;
        self.done = true;
        reply
    }

    async fn read_body(&self, pass: Option<Pass>) -> Result<Reply> {
        let req = Req { method: &self.method, url: &self.url, body: None, headers: &[], gzipped: None };
        let (raw, controller) = (&self.raw, &self.controller);
        let status = raw.status();
        let headers = raw.headers();
        if !(200..300).contains(&status) {
            let text = read_text(raw).await;
            let body = js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL);
            return Ok(Reply { status, body, headers });
        }
        let body = if status == 204 {
            JsValue::NULL
        } else if pass.is_some() {
            let p = raw.text().map_err(|e| failed_fetch(&req, controller, &jsv::error_text(&e)))?;
            let text = JsFuture::from(p).await.map_err(|e| failed_fetch(&req, controller, &jsv::error_text(&e)))?;
            let text = text.as_string().unwrap_or_default();
            if text.trim().is_empty() {
                JsValue::NULL
            } else {
                js_sys::JSON::parse(&text).map_err(|e| invalid_json(&req, status, &e))?
            }
        } else {
            let p = raw.json().map_err(|e| failed_fetch(&req, controller, &jsv::error_text(&e)))?;
            JsFuture::from(p).await.map_err(|e| {
                if controller.signal().aborted() {
                    failed_fetch(&req, controller, &jsv::error_text(&e))
                } else if jsv::error_text(&e).starts_with("SyntaxError") {
                    invalid_json(&req, status, &e)
                } else {
                    network(&req, &jsv::error_text(&e))
                }
            })?
        };
        Ok(Reply { status, body, headers })
    }
}

fn invalid_json(req: &Req<'_>, status: u16, e: &JsValue) -> SyncError {
    let detail = jsv::error_text(e);
    SyncError::new(
        ErrorKind::Protocol,
        format!("{} {} answered {status} with a body that is not valid JSON ({detail})", req.method, req.url),
    )
}

fn network(req: &Req<'_>, detail: &str) -> SyncError {
    SyncError::new(ErrorKind::Network, format!("{} {} failed: network error ({detail})", req.method, req.url))
}

fn failed_fetch(req: &Req<'_>, controller: &web_sys::AbortController, detail: &str) -> SyncError {
    let signal = controller.signal();
    if signal.aborted() {
        let reason = jsv::error_text(&signal.reason());
        SyncError::new(
            ErrorKind::Network,
            format!("{} {} {}", req.method, req.url, reason.strip_prefix("TimeoutError: ").unwrap_or(&reason)),
        )
    } else {
        network(req, detail)
    }
}

async fn read_text(raw: &web_sys::Response) -> String {
    match raw.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn http_error(req: &Req<'_>, status: u16, headers: &web_sys::Headers, text: &str) -> SyncError {
    let kind = classify_status(status);
    // Prefer the server's own words: `{"error": "..."}` or `{"message": "..."}`.
    let detail = js_sys::JSON::parse(text)
        .ok()
        .and_then(|v| jsv::get_str(&v, "error").or_else(|| jsv::get_str(&v, "message")))
        .unwrap_or_else(|| text.chars().take(200).collect());
    let retry_after =
        headers.get("Retry-After").ok().flatten().and_then(|v| {
            parse_retry_after(&v, jsv::now_ms(), |d| Some(js_sys::Date::parse(d)).filter(|t| t.is_finite()))
        });
    let mut msg = format!("{} {} answered {status}", req.method, req.url);
    if !detail.is_empty() {
        msg.push_str(&format!(": {detail}"));
    }
    SyncError::new(kind, msg).with_retry_after(retry_after).with_status(Some(status))
}
