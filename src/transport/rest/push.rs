//! Queued changes, one request each, in order: the engine hands over one change
//! at a time and records its outcome before it hands over the next.

use super::client::Answer;
use super::record;
use super::RestTransport;
use crate::failure::{protocol, Result};
use crate::jsv;
use crate::records::answer::Outcome;
use crate::records::entity::text_of;
use crate::records::queue::QueueEntry;
use offline_sync_core::protocol::{field, Op};
use offline_sync_core::rest::plan::version_tag;
use offline_sync_core::rest::{classify_write, plan_write, Body, Method, Resource, WriteAnswer};
use wasm_bindgen::{JsCast, JsValue};

impl RestTransport {
    /// Sends the first record only: one request, whose outcome the engine writes
    /// to IndexedDB before it hands over the next one (`Transport::batch_limit`).
    /// So a reload at any moment re-sends at most the one change whose answer was
    /// not read, and each record arrives rebased on the answers before it (the
    /// server's id of a record created, its version and `ETag`).
    pub async fn push(&self, records: &[JsValue]) -> Result<Vec<Outcome>> {
        match records.first() {
            Some(rec) => Ok(vec![self.push_one(rec).await?]),
            None => Ok(Vec::new()),
        }
    }

    async fn push_one(&self, rec: &JsValue) -> Result<Outcome> {
        let entry = QueueEntry(rec);
        let et = entry.entity_type();
        let op = entry.op().unwrap_or(Op::Update);
        let Some(res) = self.config.resource(&et) else {
            return Ok(Outcome::Rejected(format!(
                "no REST resource for entity type {et:?}: add it to rest.resources in initOfflineSync"
            )));
        };
        let id = entry.entity_id();
        let payload = entry.payload();
        let base = entry.base_data();
        let etag = entry.base_etag();
        let exists = entry.base_version().is_some();
        let plan = match plan_write(res, op, exists) {
            Ok(p) => p,
            Err(m) => return Ok(Outcome::Rejected(m)),
        };
        // The record after the change: what a PUT sends, and where path fields come from.
        let full = match op {
            Op::Delete => base.clone(),
            Op::Create if !exists => jsv::shallow_copy(&payload),
            _ => jsv::merged(&base, &payload),
        };
        let path =
            plan.path.render(|name| if name == "id" { Some(id.clone()) } else { text_of(&jsv::get(&full, name)) });
        let path = match path {
            Ok(p) => p,
            Err(name) => {
                return Ok(Outcome::Rejected(format!(
                    "cannot build {} {} for {et} {id}: the record has no `{name}`",
                    plan.method.as_str(),
                    plan.path
                )))
            }
        };
        let url = format!("{}{}", self.base_url, path);
        let body = match plan.body {
            Body::None => None,
            Body::Change => Some(jsv::shallow_copy(&payload)),
            Body::Full => Some(jsv::shallow_copy(&full)),
        };
        if let (Some(b), Op::Create, false) = (&body, op, exists) {
            ids_for_create(res, b, &id);
        }
        let mut headers = vec![("Idempotency-Key", jsv::get_str(rec, field::MUTATION_ID).unwrap_or_default())];
        if plan.conditional && res.if_match {
            let from_version =
                || res.version_field.as_ref().and_then(|f| text_of(&jsv::get(&base, f))).map(|v| version_tag(&v));
            if let Some(tag) = etag.or_else(from_version) {
                headers.push(("If-Match", tag));
            }
        }
        let what = format!("{} {url}", plan.method.as_str());
        let answer = self.client.send(plan.method, &url, body.as_ref(), &headers).await?;
        let created = op == Op::Create && !exists;
        match classify_write(op, exists, answer.status) {
            WriteAnswer::Applied => {
                let (new_id, rec_data) = match record::single(res, &what, &answer.body)? {
                    Some((answered, data)) => {
                        if answered != id && !created {
                            return Err(protocol(format!(
                                "{what} answered a record with {} {answered:?}, not {id:?} (check `record` of rest.resources.{et})",
                                res.id_field
                            )));
                        }
                        (answered, data)
                    }
                    None if created && !res.client_ids => {
                        return Err(protocol(format!(
                            "{what} answered without a record at {}, so the id the server gave the new {et} is unknown (check `record` of rest.resources.{et})",
                            res.record
                        )))
                    }
                    // No record in the answer: the server holds what was sent.
                    None => {
                        let data = jsv::shallow_copy(&full);
                        if created {
                            jsv::set(&data, &res.id_field, &JsValue::from_str(&id));
                        }
                        (id.clone(), data)
                    }
                };
                Ok(Outcome::Applied(Some(record::entity(res, &new_id, &rec_data, answer.etag.as_deref()))))
            }
            WriteAnswer::Gone => Ok(Outcome::Applied(None)),
            WriteAnswer::Conflict => {
                let current = self.current(res, &id, &what, &answer).await?;
                // A server that ignores Idempotency-Key answers the resend of a write
                // it applied (its answer lost) with 412, or 409 to a POST: if it holds
                // every field this request sends, the change is in, and the changes
                // queued after it go on from there instead of losing to it.
                let holds =
                    |e: &JsValue| body.as_ref().is_some_and(|b| jsv::holds_fields(&jsv::get(e, field::DATA), b));
                match current {
                    Some(e) if holds(&e) => Ok(Outcome::Applied(Some(e))),
                    other => Ok(Outcome::Conflict(other)),
                }
            }
            WriteAnswer::Rejected => {
                Ok(Outcome::Rejected(format!("{what} answered {}{}", answer.status, record::detail(&answer.body))))
            }
        }
    }

    /// The server's record after a conflict: from the refusal itself when it
    /// carries it (as a 412 of the reference facade does), else read.
    async fn current(&self, res: &Resource, id: &str, what: &str, refusal: &Answer) -> Result<Option<JsValue>> {
        if let Ok(Some((answered, data))) = record::single(res, what, &refusal.body) {
            if answered == id {
                return Ok(Some(record::entity(res, id, &data, refusal.etag.as_deref())));
            }
        }
        let Some(item) = &res.item else { return Ok(None) };
        let path = item.render(|n| (n == "id").then(|| id.to_string())).map_err(|n| {
            protocol(format!("cannot read {} {id} after a conflict: `item` needs `{n}`", res.entity_type))
        })?;
        let url = format!("{}{}", self.base_url, path);
        let a = self.client.send(Method::Get, &url, None, &[]).await?;
        match a.status {
            200..=299 => Ok(record::single(res, &format!("GET {url}"), &a.body)?
                .map(|(_, data)| record::entity(res, id, &data, a.etag.as_deref()))),
            404 | 410 => Ok(None),
            s => Err(crate::failure::SyncError::new(
                crate::failure::ErrorKind::Permanent,
                format!("GET {url} answered {s}{}", record::detail(&a.body)),
            )),
        }
    }
}

/// A new record's id in its POST body: the local id when the backend takes ids
/// from clients; otherwise none at all (the server's id then re-keys the record).
fn ids_for_create(res: &Resource, body: &JsValue, id: &str) {
    if res.client_ids {
        if jsv::get(body, &res.id_field).is_undefined() {
            jsv::set(body, &res.id_field, &JsValue::from_str(id));
        }
        return;
    }
    for f in [res.id_field.as_str(), field::ID] {
        if text_of(&jsv::get(body, f)).as_deref() == Some(id) {
            let _ = js_sys::Reflect::delete_property(body.unchecked_ref::<js_sys::Object>(), &JsValue::from_str(f));
        }
    }
}
