//! Rules of the outbox: which entries may be sent now, and how a new change folds
//! into the one before it.
//!
//! Order is global (changes leave in the order they were made). A failed entry
//! blocks every later entry of the same entity, so per-entity order holds while the
//! rest of the queue goes on.

use crate::keyed::KeySet;
use crate::protocol::Op;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryState {
    Pending,
    /// Set aside after a permanent failure; waits for `retryFailed`/`discardFailed`.
    Failed,
}

impl EntryState {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Pending => "pending",
            EntryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<EntryState> {
        match s {
            "pending" => Some(EntryState::Pending),
            "failed" => Some(EntryState::Failed),
            _ => None,
        }
    }
}

/// The part of a queue entry the rules need (the payload stays in JS).
#[derive(Clone, Debug, PartialEq)]
pub struct EntryMeta {
    pub seq: u64,
    pub entity_type: String,
    pub entity_id: String,
    pub op: Op,
    pub state: EntryState,
    pub attempts: u32,
    pub base_version: Option<u64>,
}

/// Picks, in queue order, up to `limit` pending entries whose entity is not held
/// back by an earlier failed entry. Returns their positions in `entries`.
pub fn sendable(entries: &[EntryMeta], limit: usize) -> Vec<usize> {
    sendable_except(entries, limit, &[])
}

/// `sendable`, holding back every entry of the entities in `held` as well (those of
/// a batch still on its way: their later entries wait until it is settled, as
/// settling rebases them).
pub fn sendable_except(entries: &[EntryMeta], limit: usize, held: &[(&str, &str)]) -> Vec<usize> {
    let mut blocked: KeySet<(&str, &str)> = held.iter().copied().collect();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let key = (e.entity_type.as_str(), e.entity_id.as_str());
        match e.state {
            EntryState::Failed => {
                blocked.insert(key);
            }
            EntryState::Pending if blocked.contains(&key) => {}
            EntryState::Pending => {
                if out.len() == limit {
                    break;
                }
                out.push(i);
            }
        }
    }
    out
}

/// What to do with a new change given the entry at the tail of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// Append a new entry.
    Append,
    /// Replace the tail's data with the new data and set its op to `op`.
    Replace { op: Op },
    /// Merge the new data's fields into the tail's data (both are patches of the same entity).
    MergeIntoTail { op: Op },
    /// The tail created an entity the server never saw and the new change deletes it: drop the tail, send nothing.
    DropTail,
}

/// Folding only ever touches the queue's last entry, and only one that was never
/// sent: a sent entry may have been applied already under its mutation id, so its
/// content must not change; and folding into an older entry would reorder changes
/// across entities.
pub fn fold(tail: Option<&EntryMeta>, entity_type: &str, entity_id: &str, op: Op) -> Fold {
    let Some(t) = tail else { return Fold::Append };
    if t.state != EntryState::Pending || t.attempts > 0 || t.entity_type != entity_type || t.entity_id != entity_id {
        return Fold::Append;
    }
    match (t.op, op) {
        (Op::Create, Op::Create) => Fold::Replace { op: Op::Create },
        (Op::Create, Op::Update) => Fold::MergeIntoTail { op: Op::Create },
        (Op::Update, Op::Update) => Fold::MergeIntoTail { op: Op::Update },
        (Op::Update, Op::Create) => Fold::Replace { op: Op::Create },
        (Op::Update, Op::Delete) => Fold::Replace { op: Op::Delete },
        (Op::Create, Op::Delete) if t.base_version.is_none() => Fold::DropTail,
        (Op::Create, Op::Delete) => Fold::Replace { op: Op::Delete },
        (Op::Delete, _) => Fold::Append,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(seq: u64, id: &str, state: EntryState) -> EntryMeta {
        EntryMeta {
            seq,
            entity_type: "course".into(),
            entity_id: id.into(),
            op: Op::Update,
            state,
            attempts: 0,
            base_version: Some(1),
        }
    }

    #[test]
    fn failed_entry_blocks_only_its_entity() {
        let q = vec![
            e(1, "a", EntryState::Pending),
            e(2, "b", EntryState::Failed),
            e(3, "a", EntryState::Pending),
            e(4, "b", EntryState::Pending),
            e(5, "c", EntryState::Pending),
        ];
        assert_eq!(sendable(&q, 10), vec![0, 2, 4]);
        assert_eq!(sendable(&q, 2), vec![0, 2]);
        assert_eq!(sendable(&q, 0), Vec::<usize>::new());
    }

    #[test]
    fn entities_of_a_batch_in_flight_are_held_back() {
        let q = vec![
            e(1, "a", EntryState::Pending),
            e(2, "b", EntryState::Pending),
            e(3, "a", EntryState::Pending),
            e(4, "c", EntryState::Pending),
        ];
        assert_eq!(sendable_except(&q, 10, &[("course", "a")]), vec![1, 3]);
        assert_eq!(sendable_except(&q, 1, &[("course", "a")]), vec![1]);
        assert_eq!(sendable_except(&q, 10, &[("lesson", "a")]), vec![0, 1, 2, 3]);
    }

    #[test]
    fn folds_only_into_unsent_tail_of_same_entity() {
        let mut t = e(1, "a", EntryState::Pending);
        assert_eq!(fold(Some(&t), "course", "a", Op::Update), Fold::MergeIntoTail { op: Op::Update });
        assert_eq!(fold(Some(&t), "course", "b", Op::Update), Fold::Append);
        assert_eq!(fold(Some(&t), "lesson", "a", Op::Update), Fold::Append);
        assert_eq!(fold(None, "course", "a", Op::Update), Fold::Append);
        t.attempts = 1;
        assert_eq!(fold(Some(&t), "course", "a", Op::Update), Fold::Append);
        t.attempts = 0;
        t.state = EntryState::Failed;
        assert_eq!(fold(Some(&t), "course", "a", Op::Update), Fold::Append);
    }

    #[test]
    fn create_then_delete_of_unseen_entity_cancels() {
        let mut t = e(1, "a", EntryState::Pending);
        t.op = Op::Create;
        t.base_version = None;
        assert_eq!(fold(Some(&t), "course", "a", Op::Delete), Fold::DropTail);
        t.base_version = Some(4);
        assert_eq!(fold(Some(&t), "course", "a", Op::Delete), Fold::Replace { op: Op::Delete });
        assert_eq!(fold(Some(&t), "course", "a", Op::Update), Fold::MergeIntoTail { op: Op::Create });
        t.op = Op::Delete;
        assert_eq!(fold(Some(&t), "course", "a", Op::Create), Fold::Append);
    }
}
