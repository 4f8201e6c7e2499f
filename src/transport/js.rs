//! The app's own transport: `transport: { push, pull }` in `initOfflineSync`, for
//! a backend neither the protocol nor the declarative REST resources can express.
//! The functions get and give the protocol's shapes (`docs/PROTOCOL.md`), and what
//! they give is checked like a server's answer: a wrong shape is a clear
//! `protocol` sync error, and nothing queued is lost.

use super::protocol::{decode_pull, decode_push};
use super::PullPage;
use crate::failure::{ErrorKind, Result, SyncError};
use crate::jsv;
use crate::records::answer::Outcome;
use crate::records::queue::QueueEntry;
use offline_sync_core::config::Raw;
use offline_sync_core::error::classify_status;
use offline_sync_core::protocol::{field, Op, Scope};
use offline_sync_core::rest::Tree;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub struct JsTransport {
    pub push: js_sys::Function,
    pub pull: js_sys::Function,
}

impl JsTransport {
    /// `push(mutations)` resolves `{ results }` (or the `results` array itself):
    /// one result per mutation, in order, as `POST /sync/push` answers; an
    /// `applied` result may leave out `entity` (the change as sent is kept).
    pub async fn push(&self, records: &[JsValue]) -> Result<Vec<Outcome>> {
        let mutations = super::protocol::wire_mutations(records);
        let v = call("push", &self.push, &js_sys::Array::of1(&mutations)).await?;
        let body = if js_sys::Array::is_array(&v) {
            let o = jsv::object();
            jsv::set(&o, field::RESULTS, &v);
            o
        } else {
            v
        };
        let outcomes = decode_push(&body, records).map_err(|e| wrong_shape("push", e))?;
        Ok(outcomes.into_iter().zip(records).map(|(o, r)| as_sent(o, r)).collect())
    }

    /// `pull(scope, cursor, limit)` resolves `{ changes, cursor, hasMore }`, as
    /// `GET /sync/pull` answers; `scope` is `'all'` or `'course:<id>'`, `cursor`
    /// what the last page gave (null at first).
    pub async fn pull(&self, scope: &Scope, cursor: Option<&str>, limit: u32) -> Result<PullPage> {
        let args = js_sys::Array::of3(
            &JsValue::from_str(&scope.key()),
            &cursor.map(JsValue::from_str).unwrap_or(JsValue::NULL),
            &JsValue::from_f64(limit as f64),
        );
        let v = call("pull", &self.pull, &args).await?;
        if !jsv::is_plain_object(&v) {
            return Err(wrong_shape(
                "pull",
                SyncError::new(ErrorKind::Protocol, "expected { changes, cursor, hasMore }".to_string()),
            ));
        }
        decode_pull(&v).map_err(|e| wrong_shape("pull", e))
    }
}

/// `applied` without an `entity`: the server holds the change as it was sent
/// (a protocol server always says; an app's function often does not).
fn as_sent(o: Outcome, rec: &JsValue) -> Outcome {
    let entry = QueueEntry(rec);
    let data = match (&o, entry.op()) {
        (Outcome::Applied(None), Some(Op::Create)) => jsv::shallow_copy(&entry.payload()),
        (Outcome::Applied(None), Some(Op::Update)) => jsv::merged(&entry.base_data(), &entry.payload()),
        _ => return o,
    };
    let e = jsv::object();
    jsv::set(&e, field::ENTITY_TYPE, &entry.entity_type_js());
    jsv::set(&e, field::ID, &entry.entity_id_js());
    let version = entry.base_version().unwrap_or(0);
    jsv::set(&e, field::VERSION, &JsValue::from_f64(version as f64));
    jsv::set(&e, field::DELETED, &JsValue::FALSE);
    jsv::set(&e, field::DATA, &data);
    Outcome::Applied(Some(e))
}

fn wrong_shape(name: &str, e: SyncError) -> SyncError {
    SyncError::new(ErrorKind::Protocol, format!("offline-sync: transport.{name} resolved a wrong shape: {}", e.message))
}

/// Calls an app function and awaits it if it returned a promise. A throw or a
/// rejection is a sync error of the `kind` it names (`'network'`, `'server'`,
/// `'rejected'`, `'auth'`), or of its HTTP `status`; otherwise a network failure
/// (retried later, nothing dropped).
async fn call(name: &str, f: &js_sys::Function, args: &js_sys::Array) -> Result<JsValue> {
    let settled = match f.apply(&JsValue::NULL, args) {
        Ok(v) => match v.dyn_into::<js_sys::Promise>() {
            Ok(p) => JsFuture::from(p).await,
            Err(v) => Ok(v),
        },
        Err(e) => Err(e),
    };
    // Checked and stored as it came, so read with reads that do not catch: a
    // clone makes it plain data (no getters, no proxies, nothing the app can
    // change afterwards).
    let answer = settled.map_err(|e| {
        let kind = match jsv::get_str(&e, "kind").as_deref() {
            Some("network") => Some(ErrorKind::Network),
            Some("server") => Some(ErrorKind::Transient),
            Some("rejected") => Some(ErrorKind::Permanent),
            Some("auth") => Some(ErrorKind::Auth),
            _ => None,
        };
        let status = jsv::get_f64(&e, "status").filter(|s| s.fract() == 0.0 && (400.0..=599.0).contains(s));
        let kind = kind.or(status.map(|s| classify_status(s as u16))).unwrap_or(ErrorKind::Network);
        SyncError::new(kind, format!("transport.{name} failed: {}", jsv::error_text(&e)))
    })?;
    jsv::structured_clone(&answer).map_err(|e| {
        wrong_shape(
            name,
            SyncError::new(ErrorKind::Protocol, format!("it cannot be copied as data ({})", jsv::error_text(&e))),
        )
    })
}

/// A JS options object as a [`Tree`] for core's validation.
pub struct JsTree(pub JsValue);

impl Tree for JsTree {
    fn raw(&self) -> Raw {
        jsv::raw(&self.0)
    }

    fn get(&self, key: &str) -> JsTree {
        if self.0.is_object() {
            JsTree(jsv::get(&self.0, key))
        } else {
            JsTree(JsValue::UNDEFINED)
        }
    }

    fn keys(&self) -> Vec<String> {
        if !jsv::is_plain_object(&self.0) {
            return Vec::new();
        }
        js_sys::Object::keys(self.0.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()).collect()
    }
}
