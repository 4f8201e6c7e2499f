//! Our sync protocol (`docs/PROTOCOL.md`): batched push with mutation ids, paged
//! pull with an opaque cursor. Exactly-once comes from the server's mutation log.

use super::{PendingPage, PullPage};
use crate::failure::{protocol, ErrorKind, Result, SyncError};
use crate::http::{Http, Req};
use crate::jsv;
use crate::records::answer::Outcome;
use crate::records::entity::check_change;
use crate::records::queue::QueueEntry;
use offline_sync_core::batching::{body_bytes, split_batch};
use offline_sync_core::protocol::{field, MutationStatus, Scope, MAX_PUSH_BATCH, MAX_PUSH_BYTES, PULL_PATH, PUSH_PATH};
use wasm_bindgen::{JsCast, JsValue};

pub struct ProtocolTransport {
    pub http: Http,
    pub base_url: String,
    /// Whether large push bodies go gzip-compressed: until a server refuses one.
    pub gzip: std::cell::Cell<bool>,
}

/// Push bodies over this many bytes go gzip-compressed where the browser can
/// (`CompressionStream`): JSON changes shrink several times, on slow links that
/// is most of a push's time. Servers accept them since protocol 1.2.
const GZIP_OVER: usize = 4 * 1024;

async fn gzip(text: &str) -> Option<js_sys::Uint8Array> {
    let bytes = wasm_bindgen_futures::JsFuture::from(jsv::gzip_text(text)).await.ok()?;
    bytes.dyn_into::<js_sys::Uint8Array>().ok()
}

impl ProtocolTransport {
    /// Sends the records in one request, or, when they would be over the
    /// protocol's limits (`MAX_PUSH_BATCH` mutations, `MAX_PUSH_BYTES` bytes),
    /// in as few requests within them as they fit in, one after the other.
    pub async fn push(&self, records: &[JsValue]) -> Result<Vec<Outcome>> {
        let mutations = wire_mutations(records);
        let body = jsv::object();
        jsv::set(&body, field::CLIENT_ID, &JsValue::from_str(&self.http.client_id));
        jsv::set(&body, field::MUTATIONS, &mutations);
        let text = json(&body)?;
        if text.len() <= MAX_PUSH_BYTES && records.len() <= MAX_PUSH_BATCH {
            return self.send_push(&text, records).await;
        }
        let parts = mutations.iter().map(|m| json(&m)).collect::<Result<Vec<String>>>()?;
        let sizes: Vec<usize> = parts.iter().map(String::len).collect();
        let head = format!(
            "{{\"{}\":{},\"{}\":[",
            field::CLIENT_ID,
            json(&JsValue::from_str(&self.http.client_id))?,
            field::MUTATIONS
        );
        let envelope = head.len() + "]}".len();
        let mut out = Vec::with_capacity(records.len());
        for run in split_batch(&sizes, envelope, MAX_PUSH_BYTES, MAX_PUSH_BATCH) {
            let bytes = body_bytes(&sizes, envelope, run.clone());
            if bytes > MAX_PUSH_BYTES {
                out.push(Outcome::Rejected(format!(
                    "the change is too large to sync: {bytes} bytes as JSON, over the {MAX_PUSH_BYTES} bytes a push may carry"
                )));
                continue;
            }
            let text = format!("{head}{}]}}", parts[run.clone()].join(","));
            out.extend(self.send_push(&text, &records[run]).await?);
        }
        Ok(out)
    }

    /// One push request. A 413 (the server's own limit is lower than the
    /// protocol's) for a lone change refuses that change for good, with an
    /// error that says why; for several, the engine sends them one at a time.
    async fn send_push(&self, text: &str, records: &[JsValue]) -> Result<Vec<Outcome>> {
        let url = format!("{}{}", self.base_url, PUSH_PATH);
        let gzipped = match text.len() > GZIP_OVER && self.gzip.get() {
            true => gzip(text).await,
            false => None,
        };
        let req = |gzipped| Req { method: "POST", url: &url, body: Some(text), headers: &[], gzipped };
        let reply = match self.http.send_allowing(req(gzipped.as_ref()), |s| s == TOO_LARGE).await {
            // A server older than protocol 1.2 may not read a gzip body (HTTP's answer
            // to a content coding it does not know is 415): the same body once more
            // as it is, and none compressed from then on. A 400 is the batch's own.
            Err(e) if gzipped.is_some() && e.status == Some(415) => {
                self.gzip.set(false);
                self.http.send_allowing(req(None), |s| s == TOO_LARGE).await?
            }
            other => other?,
        };
        if reply.status != TOO_LARGE {
            return decode_push(&reply.body, records);
        }
        let detail = jsv::get_str(&reply.body, field::ERROR).unwrap_or_else(|| "request body too large".into());
        if records.len() == 1 {
            return Ok(vec![Outcome::Rejected(format!("the change is too large for the server (413: {detail})"))]);
        }
        Err(SyncError::new(ErrorKind::Permanent, format!("POST {url} answered 413: {detail}")))
    }

    pub async fn pull(&self, scope: &Scope, cursor: Option<&str>, limit: u32) -> Result<PullPage> {
        let url = self.pull_url(scope, cursor, limit);
        let reply = self.http.send(Req { method: "GET", url: &url, body: None, headers: &[], gzipped: None }).await?;
        decode_pull(&reply.body)
    }

    /// Asks for a page and waits for the answer's head; [`PendingPage::finish`]
    /// reads and decodes its body.
    pub async fn pull_ahead(&self, scope: &Scope, cursor: Option<&str>, limit: u32) -> Result<PendingPage> {
        let url = self.pull_url(scope, cursor, limit);
        let head =
            self.http.send_ahead(Req { method: "GET", url: &url, body: None, headers: &[], gzipped: None }).await?;
        Ok(PendingPage::Answer(head))
    }

    fn pull_url(&self, scope: &Scope, cursor: Option<&str>, limit: u32) -> String {
        let mut url = format!("{}{}?limit={limit}&scope={}", self.base_url, PULL_PATH, enc(&scope.key()));
        if let Some(c) = cursor {
            url.push_str(&format!("&cursor={}", enc(c)));
        }
        url
    }
}

/// Queue records as the protocol's `Mutation`s.
pub fn wire_mutations(records: &[JsValue]) -> js_sys::Array {
    let mutations = js_sys::Array::new();
    for r in records {
        let entry = QueueEntry(r);
        let m = jsv::object();
        jsv::set(&m, field::MUTATION_ID, &entry.mutation_id_js());
        jsv::set(&m, field::OP, &entry.op_js());
        jsv::set(&m, field::ENTITY_TYPE, &entry.entity_type_js());
        jsv::set(&m, field::ENTITY_ID, &entry.entity_id_js());
        jsv::set(&m, field::BASE_VERSION, &entry.base_version_js());
        jsv::set(&m, field::DATA, &entry.payload());
        mutations.push(&m);
    }
    mutations
}

/// A status the server answers a body over its limit with.
const TOO_LARGE: u16 = 413;

fn json(v: &JsValue) -> Result<String> {
    let text = js_sys::JSON::stringify(v).map_err(|e| {
        crate::failure::input(format!("a queued change cannot be sent as JSON: {}", jsv::error_text(&e)))
    })?;
    Ok(String::from(text))
}

fn enc(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

pub fn decode_push(body: &JsValue, records: &[JsValue]) -> Result<Vec<Outcome>> {
    let results = jsv::get(body, field::RESULTS);
    let results = results.dyn_into::<js_sys::Array>().map_err(|_| protocol("push answer has no `results` array"))?;
    if results.length() as usize != records.len() {
        return Err(protocol(format!("push answer has {} results for {} mutations", results.length(), records.len())));
    }
    let mut out = Vec::with_capacity(records.len());
    for (i, (res, rec)) in results.iter().zip(records).enumerate() {
        let sent = jsv::get_str(rec, field::MUTATION_ID).unwrap_or_default();
        if jsv::get_str(&res, field::MUTATION_ID).as_deref() != Some(sent.as_str()) {
            return Err(protocol(format!("push result #{i} is not for mutation {sent}")));
        }
        let status = jsv::get_str(&res, field::STATUS)
            .and_then(|s| MutationStatus::parse(&s))
            .ok_or_else(|| protocol(format!("push result #{i} has no valid `status`")))?;
        let entity = jsv::get(&res, field::ENTITY);
        let entity = if entity.is_null() || entity.is_undefined() {
            None
        } else {
            check_change(&entity, i as u32)?;
            Some(entity)
        };
        out.push(match status {
            MutationStatus::Applied => Outcome::Applied(entity),
            MutationStatus::Conflict => Outcome::Conflict(entity),
            MutationStatus::Rejected => {
                Outcome::Rejected(jsv::get_str(&res, field::ERROR).unwrap_or_else(|| "rejected by the server".into()))
            }
        });
    }
    Ok(out)
}

pub fn decode_pull(body: &JsValue) -> Result<PullPage> {
    let changes = jsv::get(body, field::CHANGES)
        .dyn_into::<js_sys::Array>()
        .map_err(|_| protocol("pull answer has no `changes` array"))?;
    let cursor = jsv::get_str(body, field::CURSOR).ok_or_else(|| protocol("pull answer has no string `cursor`"))?;
    let has_more =
        jsv::get_bool(body, field::HAS_MORE).ok_or_else(|| protocol("pull answer has no boolean `hasMore`"))?;
    // Optional (protocol 1.1): a count that is not a whole number is ignored, never guessed at.
    let remaining = jsv::get_u64(body, field::REMAINING).map(|n| n.min(u32::MAX as u64) as u32);
    Ok(PullPage { changes, cursor: Some(cursor), has_more, remaining, sweep: None })
}
