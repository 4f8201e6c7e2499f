//! Queued changes, one request each, in order.

use super::client::Answer;
use super::record::{self, F_ETAG};
use super::RestTransport;
use crate::failure::{protocol, Result};
use crate::jsv;
use crate::store::outbox::{Outcome, F_BASE_DATA, F_BASE_ETAG, F_ENTITY, F_ENTITY_ID, F_PAYLOAD, F_TYPE};
use crate::store::pull_write::text_of;
use offline_sync_core::keyed::KeyMap;
use offline_sync_core::protocol::{field, Op};
use offline_sync_core::rest::plan::version_tag;
use offline_sync_core::rest::{classify_write, plan_write, Body, Method, Resource, WriteAnswer};
use wasm_bindgen::{JsCast, JsValue};

/// What earlier requests of this push changed, for the later ones: the server
/// ids of records created (a change naming the local id goes to the server id),
/// and the server's state of records written (a later change of the same record
/// is based on it: its body, its `If-Match`). The store learns the same when the
/// answers are settled.
#[derive(Default)]
struct Batch {
    rekeyed: Vec<(String, String, String)>,
    written: KeyMap<(String, String), Option<JsValue>>,
}

impl Batch {
    fn id(&self, et: &str, id: &str) -> String {
        self.rekeyed
            .iter()
            .find(|(t, old, _)| t == et && old == id)
            .map(|(_, _, new)| new.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// A copy of `v` whose top-level fields naming a re-keyed local id name its server id.
    fn rewrite(&self, v: &JsValue) -> JsValue {
        if self.rekeyed.is_empty() || !jsv::is_plain_object(v) {
            return v.clone();
        }
        let out = jsv::shallow_copy(v);
        for k in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()) {
            if let Some(s) = jsv::get_str(v, &k) {
                if let Some((_, _, new)) = self.rekeyed.iter().find(|(_, old, _)| *old == s) {
                    jsv::set(&out, &k, &JsValue::from_str(new));
                }
            }
        }
        out
    }
}

impl RestTransport {
    /// One request per record, in order. Stops after a rejection (later changes
    /// of that record must wait behind it) and before a request that failed, so
    /// what the server applied is settled now and the rest is sent again later.
    pub async fn push(&self, records: &[JsValue]) -> Result<Vec<Outcome>> {
        let mut batch = Batch::default();
        let mut out = Vec::with_capacity(records.len());
        for (i, rec) in records.iter().enumerate() {
            match self.push_one(rec, &mut batch).await {
                Ok(o) => {
                    let stop = matches!(o, Outcome::Rejected(_));
                    out.push(o);
                    if stop {
                        break;
                    }
                }
                Err(e) if i == 0 => return Err(e),
                // The next push starts with this record and meets the error then.
                Err(_) => break,
            }
        }
        Ok(out)
    }

    async fn push_one(&self, rec: &JsValue, batch: &mut Batch) -> Result<Outcome> {
        let et = jsv::get_str(rec, F_ENTITY).unwrap_or_default();
        let op = jsv::get_str(rec, F_TYPE).and_then(|t| Op::parse(&t)).unwrap_or(Op::Update);
        let Some(res) = self.config.resource(&et) else {
            return Ok(Outcome::Rejected(format!(
                "no REST resource for entity type {et:?}: add it to rest.resources in initOfflineSync"
            )));
        };
        let id = batch.id(&et, &jsv::get_str(rec, F_ENTITY_ID).unwrap_or_default());
        let payload = batch.rewrite(&jsv::get(rec, F_PAYLOAD));
        let (base, etag, exists) = match batch.written.get(&(et.clone(), id.clone())) {
            Some(Some(e)) => (jsv::get(e, field::DATA), jsv::get_str(e, F_ETAG), true),
            Some(None) => (JsValue::NULL, None, false),
            None => (
                batch.rewrite(&jsv::get(rec, F_BASE_DATA)),
                jsv::get_str(rec, F_BASE_ETAG),
                jsv::get_f64(rec, field::BASE_VERSION).is_some(),
            ),
        };
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
                let entity = record::entity(res, &new_id, &rec_data, answer.etag.as_deref());
                if new_id != id {
                    batch.rekeyed.push((et.clone(), id.clone(), new_id.clone()));
                }
                batch.written.insert((et, new_id), Some(entity.clone()));
                Ok(Outcome::Applied(Some(entity)))
            }
            WriteAnswer::Gone => {
                batch.written.insert((et, id), None);
                Ok(Outcome::Applied(None))
            }
            WriteAnswer::Conflict => Ok(Outcome::Conflict(self.current(res, &id, &what, &answer).await?)),
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
