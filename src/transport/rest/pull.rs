//! A scope read as whole lists: one page per pull, the position in an opaque
//! cursor, and, at the end of each complete list, a sweep of what it no longer has.

use super::record;
use super::RestTransport;
use crate::failure::{protocol, ErrorKind, Result, SyncError};
use crate::jsv;
use crate::records::answer::Sweep;
use crate::records::entity::EntityRecord;
use crate::transport::PullPage;
use offline_sync_core::protocol::Scope;
use offline_sync_core::rest::plan::{self, ListCursor};
use offline_sync_core::rest::{Method, Pagination};
use wasm_bindgen::JsCast;

impl RestTransport {
    pub async fn pull(&self, scope: &Scope, cursor: Option<&str>) -> Result<PullPage> {
        let steps = plan::steps(&self.config, scope);
        let pos = ListCursor::resume(cursor, &steps).or_else(|| ListCursor::start(new_run(), &steps));
        let Some(pos) = pos else {
            // Nothing configured for this scope.
            return Ok(PullPage {
                changes: js_sys::Array::new(),
                cursor: Some(plan::DONE.into()),
                has_more: false,
                remaining: None,
                sweep: None,
            });
        };
        let step = steps[pos.step];
        let res = step.resource;
        let scope_id = plan::scope_id(scope);
        let path = step
            .path
            .path
            .render(|_| scope_id.map(str::to_string))
            .map_err(|n| protocol(format!("cannot read {}: `{n}` has no value", step.path.path)))?;
        let query = if step.path.single { None } else { plan::page_query(&res.pagination, pos.page) };
        let url = format!("{}{}", self.base_url, plan::with_query(&path, query.as_deref()));
        let what = format!("GET {url}");
        let answer = self.client.send(Method::Get, &url, None, &[]).await?;
        let changes = js_sys::Array::new();
        let mut more = false;
        let mut sweep = None;
        let mut remaining = None;
        let gone = matches!(answer.status, 404 | 410);
        if !gone && !(200..300).contains(&answer.status) {
            return Err(SyncError::new(
                ErrorKind::Permanent,
                format!("{what} answered {}{}", answer.status, record::detail(&answer.body)),
            ));
        }
        if step.path.single {
            match (gone, scope_id) {
                (true, Some(id)) => {
                    changes.push(&record::tombstone(&res.entity_type, id));
                }
                (true, None) => {}
                (false, _) => {
                    if let Some((id, data)) = record::single(res, &what, &answer.body)? {
                        changes.push(&record::entity(res, &id, &data, answer.etag.as_deref()));
                    }
                }
            }
        } else {
            if gone && scope_id.is_none() {
                // A full sync's list that is not there is a wrong path, not an empty list.
                return Err(SyncError::new(
                    ErrorKind::Permanent,
                    format!("{what} answered {}{}", answer.status, record::detail(&answer.body)),
                ));
            }
            if !gone {
                let list = record::at(&answer.body, &res.list).dyn_into::<js_sys::Array>().map_err(|_| {
                    protocol(format!(
                        "{what} answered without a list at {} (check `list` of rest.resources.{})",
                        res.list, res.entity_type
                    ))
                })?;
                for (i, r) in list.iter().enumerate() {
                    let id = record::id_of(res, &r).ok_or_else(|| {
                        protocol(format!(
                            "{what} answered a list whose item #{i} is not a record with an `{}`",
                            res.id_field
                        ))
                    })?;
                    let e = record::entity(res, &id, &r, None);
                    EntityRecord(&e).set_list_run(&pos.run);
                    changes.push(&e);
                }
                let total = match &res.pagination {
                    Pagination::Page { total_pages, .. } => record::at(&answer.body, total_pages).as_f64(),
                    Pagination::None => None,
                };
                more = plan::more_pages(&res.pagination, pos.page, total)
                    .map_err(|m| protocol(format!("{what} answered a page that {m}")))?;
                // What follows is known only when this list is the last the scope reads.
                if pos.step + 1 == steps.len() {
                    let count = match &res.pagination {
                        Pagination::Page { total: Some(at), .. } => record::at(&answer.body, at).as_f64(),
                        _ => None,
                    };
                    remaining = plan::remaining_in_list(&res.pagination, pos.page, list.length(), count);
                }
            }
            if !more {
                sweep = Some(Sweep {
                    entity_type: res.entity_type.clone(),
                    run: pos.run.clone(),
                    link: step.path.link.clone().zip(scope_id.map(str::to_string)),
                });
            }
        }
        let next = pos.advance(&steps, more);
        Ok(PullPage {
            changes,
            has_more: next.is_some(),
            remaining,
            cursor: Some(next.map(|c| c.encode()).unwrap_or_else(|| plan::DONE.into())),
            sweep,
        })
    }
}

/// Stamps the records of one reading of a scope.
// A `char` pattern: a byte scan, not the two-way substring search clippy.toml bans.
#[allow(clippy::disallowed_methods)]
fn new_run() -> String {
    jsv::new_id().replace('-', "")[..12].to_string()
}
