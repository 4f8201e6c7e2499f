//! A set and a map kept as sorted vectors, for the few keyed lookups of the
//! engine (the entries of a batch, the dirty records of a page). They stand in for
//! `HashSet` and `HashMap`: each key type of those instantiates hashbrown's table
//! and SipHash anew, about 4 KB gzipped of the shipped wasm for five key types,
//! while these hold at most a batch or a page of keys, where a binary search is
//! as quick as hashing.

/// A map ordered by key. Keys arrive mostly in order (queue positions, index
/// keys), so an insert is usually an append.
#[derive(Clone, Debug)]
pub struct KeyMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for KeyMap<K, V> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<K: Ord, V> KeyMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// Sets `key` to `value`, returning what it had.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, made by `make` if it has none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A set ordered by key.
#[derive(Clone, Debug)]
pub struct KeySet<K>(KeyMap<K, ()>);

impl<K> Default for KeySet<K> {
    fn default() -> Self {
        Self(KeyMap::default())
    }
}

impl<K: Ord> KeySet<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key`; false if it was there already.
    pub fn insert(&mut self, key: K) -> bool {
        self.0.insert(key, ()).is_none()
    }

    pub fn contains(&self, key: &K) -> bool {
        self.0.find(key).is_ok()
    }

    pub fn first(&self) -> Option<&K> {
        self.0.entries.first().map(|(k, _)| k)
    }

    pub fn last(&self) -> Option<&K> {
        self.0.entries.last().map(|(k, _)| k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys, in order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.0.entries.iter().map(|(k, _)| k)
    }
}

impl<K: Ord> FromIterator<K> for KeySet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        let mut s = Self::new();
        for k in iter {
            s.insert(k);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn a_map_replaces_and_keeps_one_value_a_key() {
        let mut m = KeyMap::new();
        assert_eq!(m.insert(("lesson", "2"), 1), None);
        assert_eq!(m.insert(("course", "9"), 2), None);
        assert_eq!(m.insert(("lesson", "2"), 3), Some(1));
        assert_eq!(m.get(&("lesson", "2")), Some(&3));
        assert_eq!(m.get(&("lesson", "9")), None);
        *m.get_or_insert_with(("course", "9"), || 0) += 10;
        assert_eq!(*m.get_or_insert_with(("quiz", "1"), || 7), 7);
        assert_eq!((m.len(), m.get(&("course", "9"))), (3, Some(&12)));
    }

    #[test]
    fn a_set_knows_its_ends() {
        let s: KeySet<u64> = [7, 3, 9, 3].into_iter().collect();
        assert_eq!((s.len(), s.first(), s.last()), (3, Some(&3), Some(&9)));
        assert!(s.contains(&7) && !s.contains(&4));
        assert!(KeySet::<u64>::new().is_empty());
    }

    proptest! {
        #[test]
        fn the_set_and_map_answer_as_the_standard_ones(ops in proptest::collection::vec((0u8..40, any::<u16>()), 0..200)) {
            let (mut m, mut std_m) = (KeyMap::new(), BTreeMap::new());
            let (mut s, mut std_s) = (KeySet::new(), BTreeSet::new());
            for (k, v) in ops {
                prop_assert_eq!(m.insert(k, v), std_m.insert(k, v));
                prop_assert_eq!(s.insert(k), std_s.insert(k));
            }
            for k in 0u8..40 {
                prop_assert_eq!(m.get(&k), std_m.get(&k));
                prop_assert_eq!(s.contains(&k), std_s.contains(&k));
            }
            prop_assert_eq!((s.first(), s.last()), (std_s.first(), std_s.last()));
            prop_assert_eq!(m.len(), std_m.len());
        }
    }
}
