//! How REST requests go out: our fetch (bearer token from `getAuthToken`, one
//! retry after a 401, timeout), or the app's own `transport.request` function
//! wrapping its HTTP client (which then does auth and refresh itself).

use crate::failure::{ErrorKind, Result, SyncError};
use crate::http::{Http, Req};
use crate::jsv;
use offline_sync_core::backoff::parse_retry_after;
use offline_sync_core::error::classify_status;
use offline_sync_core::rest::Method;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub enum Client {
    Fetch(Http),
    App { request: js_sys::Function, client_id: String },
}

/// An answer the transport interprets: a 2xx, or a 4xx the server will answer
/// the same way again (401, 408, 429 and 5xx are errors, retried later).
pub struct Answer {
    pub status: u16,
    pub body: JsValue,
    pub etag: Option<String>,
}

fn final_answer(status: u16) -> bool {
    classify_status(status) == ErrorKind::Permanent
}

impl Client {
    pub fn http(&self) -> Option<&Http> {
        match self {
            Client::Fetch(h) => Some(h),
            Client::App { .. } => None,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&JsValue>,
        headers: &[(&str, String)],
    ) -> Result<Answer> {
        match self {
            Client::Fetch(http) => {
                let text = match body {
                    Some(b) => Some(String::from(js_sys::JSON::stringify(b).map_err(|e| {
                        crate::failure::input(format!(
                            "a queued change cannot be sent as JSON: {}",
                            jsv::error_text(&e)
                        ))
                    })?)),
                    None => None,
                };
                let hs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let req = Req { method: method.as_str(), url, body: text.as_deref(), headers: &hs, gzipped: None };
                let reply = http.send_passing(req, Some(final_answer)).await?;
                let etag = reply.headers.get("ETag").ok().flatten();
                Ok(Answer { status: reply.status, body: reply.body, etag })
            }
            Client::App { request, client_id } => app_request(request, client_id, method, url, body, headers).await,
        }
    }
}

/// `request(method, url, body, headers)` resolving `{ status, data, headers }`. A
/// rejection that carries an HTTP status (`error.status`, or axios's
/// `error.response.status`) is that answer; any other is a network failure.
async fn app_request(
    request: &js_sys::Function,
    client_id: &str,
    method: Method,
    url: &str,
    body: Option<&JsValue>,
    headers: &[(&str, String)],
) -> Result<Answer> {
    let what = format!("{} {url}", method.as_str());
    let h = jsv::object();
    jsv::set(&h, "Accept", &JsValue::from_str("application/json"));
    jsv::set(&h, "X-Offline-Sync-Client", &JsValue::from_str(client_id));
    if body.is_some() {
        jsv::set(&h, "Content-Type", &JsValue::from_str("application/json"));
    }
    for (k, v) in headers {
        jsv::set(&h, k, &JsValue::from_str(v));
    }
    let args = js_sys::Array::of4(
        &JsValue::from_str(method.as_str()),
        &JsValue::from_str(url),
        body.unwrap_or(&JsValue::UNDEFINED),
        &h,
    );
    let called = request.apply(&JsValue::NULL, &args);
    let settled = match called {
        Ok(v) => match v.dyn_into::<js_sys::Promise>() {
            Ok(p) => JsFuture::from(p).await,
            Err(v) => Ok(v),
        },
        Err(e) => Err(e),
    };
    let (status, data, hs) = match settled {
        Ok(v) => {
            let status = jsv::get_f64(&v, "status")
                .filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s))
                .ok_or_else(|| {
                    SyncError::new(
                        ErrorKind::Protocol,
                        format!(
                            "offline-sync: transport.request resolved a wrong shape for {what}: expected {{ status, data, headers }} with a numeric HTTP status"
                        ),
                    )
                })?;
            (status as u16, jsv::get(&v, "data"), jsv::get(&v, "headers"))
        }
        Err(e) => {
            let response = jsv::get(&e, "response");
            let from = if jsv::get_f64(&response, "status").is_some() { response } else { e.clone() };
            match jsv::get_f64(&from, "status").filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s)) {
                Some(s) => (s as u16, jsv::get(&from, "data"), jsv::get(&from, "headers")),
                None => {
                    return Err(SyncError::new(
                        ErrorKind::Network,
                        format!("{what} failed: transport.request rejected ({})", jsv::error_text(&e)),
                    ))
                }
            }
        }
    };
    let etag = header(&hs, "etag");
    if (200..300).contains(&status) || final_answer(status) {
        return Ok(Answer { status, body: data, etag });
    }
    let detail = jsv::get_str(&data, "error").or_else(|| jsv::get_str(&data, "message"));
    let mut msg = format!("{what} answered {status}");
    if let Some(d) = detail {
        msg.push_str(&format!(": {d}"));
    }
    if status == 401 {
        msg.push_str(
            " (transport.request is expected to refresh the token itself); nothing was dropped, sign in again",
        );
    }
    let retry_after = header(&hs, "retry-after")
        .and_then(|v| parse_retry_after(&v, jsv::now_ms(), |d| Some(js_sys::Date::parse(d)).filter(|t| t.is_finite())));
    Err(SyncError::new(classify_status(status), msg).with_retry_after(retry_after))
}

/// A header from a `Headers` object or a plain object, by name in any case.
fn header(headers: &JsValue, name: &str) -> Option<String> {
    if let Some(h) = headers.dyn_ref::<web_sys::Headers>() {
        return h.get(name).ok().flatten();
    }
    if !headers.is_object() {
        return None;
    }
    let keys = js_sys::Object::keys(headers.unchecked_ref::<js_sys::Object>());
    keys.iter()
        .filter_map(|k| k.as_string())
        .find(|k| k.eq_ignore_ascii_case(name))
        .and_then(|k| jsv::get_str(headers, &k))
}
