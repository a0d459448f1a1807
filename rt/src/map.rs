//! MapBox storage: insertion-ordered, O(1) average get/set/has/delete.
//!
//! Entries live in a vector in insertion order; deleted entries leave tombstones that are
//! compacted away when they outnumber the live entries. A hash index maps each key to its slot.

use crate::heap::str_of;
use crate::value::{Val, BOOL, INT, STR};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hasher (FxHash), for the runtime's internal tables.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` using [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A map key: Integer, Bool or String (by content). `1` and `"1"` are different keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MapKey {
    /// An Integer key.
    Int(i64),
    /// A Bool key.
    Bool(bool),
    /// A String key, by its text.
    Str(Box<str>),
}

impl MapKey {
    /// The key of a value, or `None` if its type cannot be a key.
    pub fn of(v: Val) -> Option<MapKey> {
        match v.tag {
            INT => Some(MapKey::Int(v.as_int())),
            BOOL => Some(MapKey::Bool(v.as_bool())),
            STR => Some(MapKey::Str(str_of(v).into())),
            _ => None,
        }
    }
}

/// A MapBox: entries in insertion order (with tombstones) and a key → slot index.
#[derive(Debug, Default)]
pub struct MapObj {
    entries: Vec<Option<(Val, Val)>>,
    index: FxHashMap<MapKey, usize>,
}

impl MapObj {
    /// The number of live entries.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when the map has no entry.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The value stored under `k`.
    pub fn get(&self, k: &MapKey) -> Option<Val> {
        let slot = *self.index.get(k)?;
        self.entries[slot].map(|(_, v)| v)
    }

    /// True when `k` is present.
    pub fn has(&self, k: &MapKey) -> bool {
        self.index.contains_key(k)
    }

    /// Stores `v` under `k` (`key` is the original key value): an existing key keeps its place,
    /// a new key goes to the end.
    pub fn set(&mut self, k: MapKey, key: Val, v: Val) {
        if let Some(&slot) = self.index.get(&k) {
            self.entries[slot] = Some((key, v));
        } else {
            self.index.insert(k, self.entries.len());
            self.entries.push(Some((key, v)));
        }
    }

    /// Removes `k`; true if it was present.
    pub fn delete(&mut self, k: &MapKey) -> bool {
        let Some(slot) = self.index.remove(k) else {
            return false;
        };
        self.entries[slot] = None;
        // Compact when tombstones outnumber live entries.
        let live = self.index.len();
        if self.entries.len() > 8 && self.entries.len() > 2 * live {
            self.entries.retain(|e| e.is_some());
            for (i, e) in self.entries.iter().enumerate() {
                if let Some((key, _)) = e {
                    if let Some(k) = MapKey::of(*key) {
                        self.index.insert(k, i);
                    }
                }
            }
        }
        true
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
    }

    /// The live entries in insertion order.
    pub fn entries(&self) -> Vec<(Val, Val)> {
        self.entries.iter().flatten().copied().collect()
    }

    /// The number of slots (live entries and tombstones).
    pub fn slots(&self) -> usize {
        self.entries.len()
    }

    /// The `i`-th slot (live or tombstone) and the number of slots, for iteration that may be
    /// interleaved with mutation (formatting calls user code).
    pub fn slot(&self, i: usize) -> Option<Option<(Val, Val)>> {
        self.entries.get(i).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::Heap;

    #[test]
    fn order_set_delete_reset() {
        let mut h = Heap::new();
        let mut m = MapObj::default();
        let a = h.alloc_str("a");
        let one_s = h.alloc_str("1");
        m.set(MapKey::Int(1), Val::int(1), Val::int(10));
        m.set(MapKey::of(a).unwrap(), a, Val::int(20));
        m.set(MapKey::of(one_s).unwrap(), one_s, Val::int(30));
        assert_eq!(m.len(), 3);
        // 1 and "1" are distinct keys.
        assert_eq!(m.get(&MapKey::Int(1)), Some(Val::int(10)));
        assert_eq!(m.get(&MapKey::Str("1".into())), Some(Val::int(30)));
        // Re-set keeps the place.
        m.set(MapKey::Int(1), Val::int(1), Val::int(11));
        let order: Vec<i64> = m.entries().iter().map(|e| e.1.as_int()).collect();
        assert_eq!(order, vec![11, 20, 30]);
        // Delete + set moves to the end.
        assert!(m.delete(&MapKey::Int(1)));
        assert!(!m.delete(&MapKey::Int(1)));
        m.set(MapKey::Int(1), Val::int(1), Val::int(12));
        let order: Vec<i64> = m.entries().iter().map(|e| e.1.as_int()).collect();
        assert_eq!(order, vec![20, 30, 12]);
        assert!(!m.has(&MapKey::Bool(false)));
    }

    #[test]
    fn compaction_keeps_order() {
        let mut m = MapObj::default();
        for i in 0..100 {
            m.set(MapKey::Int(i), Val::int(i), Val::int(i * 2));
        }
        for i in 0..90 {
            assert!(m.delete(&MapKey::Int(i)));
        }
        assert_eq!(m.len(), 10);
        let keys: Vec<i64> = m.entries().iter().map(|e| e.0.as_int()).collect();
        assert_eq!(keys, (90..100).collect::<Vec<_>>());
        assert_eq!(m.get(&MapKey::Int(95)), Some(Val::int(190)));
        m.set(MapKey::Int(3), Val::int(3), Val::int(0));
        assert_eq!(m.entries().last().unwrap().0.as_int(), 3);
    }
}
