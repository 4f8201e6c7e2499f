//! The push rules: how one batch of mutations is validated, checked for
//! conflicts, applied with `offline_sync_core::merge::apply`, and logged so a
//! retried batch is answered without being applied again.

use crate::batch::Item;
use crate::store::{Conn, Row, RowWrite, StoreError, StoreResult, Tx};
use offline_sync_core::merge;
use offline_sync_core::protocol::{Mutation, MutationResult, MutationStatus, Op};
use offline_sync_core::scope::ScopeDef;
use serde_json::Value;

/// Longest entity type, entity id, mutation id and client id accepted, in
/// characters (Unicode scalar values, what PROTOCOL.md counts), not bytes.
pub const MAX_ID_LEN: usize = 200;

pub fn valid_id(s: &str) -> bool {
    // No string of more than 4 * MAX_ID_LEN bytes can be short enough.
    !s.is_empty() && s.len() <= 4 * MAX_ID_LEN && s.chars().count() <= MAX_ID_LEN
}

pub struct PushOutcome {
    pub results: Vec<MutationResult<Value>>,
    /// Mutation ids whose effect was applied by this request (not replays).
    pub applied: Vec<String>,
}

/// Applies mutations of one push in one transaction: either every result is
/// committed (rows and log together) or, on a database error, nothing is.
/// `scopes`: the server's scope declarations (PROTOCOL.md §5).
pub fn push(
    conn: &mut dyn Conn,
    user: &str,
    client_id: &str,
    items: &[Item],
    scopes: &[ScopeDef],
) -> StoreResult<PushOutcome> {
    let mut tx = conn.transaction(user)?;
    let ids: Vec<&str> = items.iter().map(Item::mutation_id).filter(|id| valid_id(id)).collect();
    let keys: Vec<(&str, &str)> = items
        .iter()
        .filter_map(|i| match i {
            Item::Valid(m) => Some((m.entity_type.as_str(), m.entity_id.as_str())),
            Item::Malformed { .. } => None,
        })
        .collect();
    // One mutation has nothing to batch: its own lookups are as cheap.
    if items.len() > 1 {
        tx.prefetch(user, &ids, &keys)?;
    }
    let mut out = PushOutcome { results: Vec::with_capacity(items.len()), applied: Vec::new() };
    for item in items {
        let mutation_id = item.mutation_id();
        // An invalid mutation id cannot be a log key; answer without logging.
        if !valid_id(mutation_id) {
            out.results.push(rejected(mutation_id, format!("mutationId must be 1-{MAX_ID_LEN} characters")));
            continue;
        }
        if let Some(stored) = tx.logged_result(user, mutation_id)? {
            match serde_json::from_str(&stored) {
                Ok(r) => {
                    out.results.push(r);
                    continue;
                }
                // Cannot happen unless the db was edited by hand; fail loudly.
                Err(e) => return Err(StoreError(format!("logged result of {mutation_id:?}: {e}"))),
            }
        }
        let result = match item {
            Item::Valid(m) => apply_one(&mut *tx, user, client_id, m, scopes)?,
            Item::Malformed { error, .. } => rejected(mutation_id, error.clone()),
        };
        // A conflict changed nothing, so it is not logged: a resend of the same
        // mutation id is judged again against the row as it is then.
        if result.status != MutationStatus::Conflict {
            tx.log_result(user, mutation_id, &serde_json::to_string(&result)?)?;
        }
        if result.status == MutationStatus::Applied {
            out.applied.push(mutation_id.to_string());
        }
        out.results.push(result);
    }
    tx.commit()?;
    Ok(out)
}

fn rejected(mutation_id: &str, error: String) -> MutationResult<Value> {
    MutationResult {
        mutation_id: mutation_id.to_string(),
        status: MutationStatus::Rejected,
        entity: None,
        error: Some(error),
    }
}

fn validate(m: &Mutation<Value>) -> Result<(), String> {
    if !valid_id(&m.entity_type) {
        return Err(format!("entityType must be 1-{MAX_ID_LEN} characters"));
    }
    if !valid_id(&m.entity_id) {
        return Err(format!("entityId must be 1-{MAX_ID_LEN} characters"));
    }
    if matches!(m.op, Op::Create | Op::Update) && !matches!(m.data, Some(Value::Object(_))) {
        return Err(format!("{} needs an object as data", m.op.as_str()));
    }
    Ok(())
}

/// Whether a change may be applied to `row`: it was based on the row's current
/// version, or the row was last written by the same client (a client's own
/// chain of changes, sent before it learnt the versions, never conflicts).
pub fn may_apply(row: &Row, base_version: Option<u64>, client_id: &str) -> bool {
    base_version == Some(row.version) || row.modified_by_client.as_deref() == Some(client_id)
}

fn apply_one(
    tx: &mut dyn Tx,
    user: &str,
    client_id: &str,
    m: &Mutation<Value>,
    scopes: &[ScopeDef],
) -> StoreResult<MutationResult<Value>> {
    if let Err(e) = validate(m) {
        return Ok(rejected(&m.mutation_id, e));
    }
    let row = tx.get_row(user, &m.entity_type, &m.entity_id)?;
    let result = |status, entity: Option<&Row>| MutationResult {
        mutation_id: m.mutation_id.clone(),
        status,
        entity: entity.map(Row::to_entity),
        error: None,
    };
    match &row {
        Some(r) if !may_apply(r, m.base_version, client_id) => {
            return Ok(result(MutationStatus::Conflict, Some(r)));
        }
        None if m.op == Op::Update => return Ok(rejected(&m.mutation_id, "entity not found".into())),
        None if m.op == Op::Delete => return Ok(result(MutationStatus::Applied, None)),
        // Deleting a tombstone changes nothing: no new version, no new seq.
        Some(r) if r.deleted && m.op == Op::Delete => {
            return Ok(result(MutationStatus::Applied, Some(r)));
        }
        Some(r) if r.deleted && m.op == Op::Update => {
            return Ok(rejected(&m.mutation_id, "entity was deleted".into()));
        }
        _ => {}
    }
    let current = row.as_ref().and_then(Row::live_data);
    let new_data = match merge::apply(m.op, current, m.data.as_ref()) {
        Ok(d) => d,
        Err(e) => return Ok(rejected(&m.mutation_id, e)),
    };
    let w = RowWrite {
        entity_type: &m.entity_type,
        id: &m.entity_id,
        prev: row.as_ref(),
        data: new_data,
        client_id,
        scopes,
    };
    let written = tx.write_row(user, w)?;
    Ok(result(MutationStatus::Applied, Some(&written)))
}
