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
#[derive(Clone, Copy, Debug)]
pub enum MapKey {
    /// An Integer key.
    Int(i64),
    /// A Bool key.
    Bool(bool),
    /// A String key: a String value, compared by its text.
    Str(Val),
}

impl MapKey {
    /// The key of a value, or `None` if its type cannot be a key.
    pub fn of(v: Val) -> Option<MapKey> {
        match v.tag {
            INT => Some(MapKey::Int(v.as_int())),
            BOOL => Some(MapKey::Bool(v.as_bool())),
            STR => Some(MapKey::Str(v)),
            _ => None,
        }
    }

    /// The key's hash.
    fn hash(&self) -> u64 {
        let mut h = FxHasher::default();
        match *self {
            MapKey::Int(i) => h.add(i as u64),
            MapKey::Bool(b) => h.add(0x100 | b as u64),
            MapKey::Str(s) => {
                h.write(str_of(s).as_bytes());
                h.add(0x200);
            }
        }
        h.finish()
    }

    /// True when `k` (a key value stored in a map) is this key.
    #[inline]
    fn matches(&self, k: Val) -> bool {
        match *self {
            MapKey::Int(i) => k.tag == INT && k.as_int() == i,
            MapKey::Bool(b) => k.tag == BOOL && k.as_bool() == b,
            MapKey::Str(s) => {
                k.tag == STR
                    && (k.bits == s.bits
                        || crate::ops::str_eq(str_of(k).as_bytes(), str_of(s).as_bytes()))
            }
        }
    }
}

/// The index bucket of hash `h` (before masking): its high bits folded into the low ones.
#[inline]
fn bucket(h: u64) -> usize {
    (h ^ (h >> 29)) as usize
}

/// Maps with at most this many slots are searched linearly, without a hash index.
const LINEAR: usize = 8;
/// An empty hash-index bucket.
const EMPTY: u32 = u32::MAX;

/// The key tag of a deleted entry (a tombstone).
const TOMB: u64 = u64::MAX;

/// A MapBox: entries `(key, value)` in insertion order (a deleted one is a tombstone whose key
/// tag is `TOMB`); for larger maps, each slot's key hash and an open-addressing index (linear
/// probing) from hash to slot. The key values themselves are the keys: nothing is copied.
#[derive(Debug, Default)]
pub struct MapObj {
    entries: Vec<(Val, Val)>,
    /// The key hash of every slot; empty while the map is small (no index).
    hashes: Vec<u64>,
    /// Slot numbers or `EMPTY`, a power-of-two length at least twice the slot count. Empty
    /// while the map has at most `LINEAR` slots.
    index: Vec<u32>,
    live: usize,
}

impl MapObj {
    /// The number of live entries.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when the map has no entry.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The slot holding `k`, if any.
    fn find(&self, k: &MapKey) -> Option<usize> {
        if self.index.is_empty() {
            // Tombstones never match: their key tag is no key type.
            return self.entries.iter().position(|&(key, _)| k.matches(key));
        }
        let h = k.hash();
        let mask = self.index.len() - 1;
        let mut b = bucket(h) & mask;
        loop {
            let i = self.index[b];
            if i == EMPTY {
                return None;
            }
            let i = i as usize;
            // A tombstone's bucket stays in the probe chain (it is skipped).
            if self.hashes[i] == h && k.matches(self.entries[i].0) {
                return Some(i);
            }
            b = (b + 1) & mask;
        }
    }

    /// Rebuilds the hashes and the index for the current slots (none while they are few).
    fn reindex(&mut self) {
        self.index.clear();
        self.hashes.clear();
        if self.entries.len() <= LINEAR {
            return;
        }
        self.hashes
            .extend(self.entries.iter().map(|&(key, _)| match MapKey::of(key) {
                Some(k) => k.hash(),
                None => 0,
            }));
        let size = (self.entries.len() * 2).next_power_of_two();
        self.index.resize(size, EMPTY);
        for i in 0..self.entries.len() {
            if self.entries[i].0.tag != TOMB {
                self.insert_index(i);
            }
        }
    }

    /// Puts slot `i` in the index.
    fn insert_index(&mut self, i: usize) {
        let mask = self.index.len() - 1;
        let mut b = bucket(self.hashes[i]) & mask;
        while self.index[b] != EMPTY {
            b = (b + 1) & mask;
        }
        self.index[b] = i as u32;
    }

    /// The value stored under `k`.
    pub fn get(&self, k: &MapKey) -> Option<Val> {
        self.find(k).map(|i| self.entries[i].1)
    }

    /// True when `k` is present.
    pub fn has(&self, k: &MapKey) -> bool {
        self.find(k).is_some()
    }

    /// Stores `v` under `k` (`key` is the original key value): an existing key keeps its place
    /// (and its first key value), a new key goes to the end.
    pub fn set(&mut self, k: MapKey, key: Val, v: Val) {
        if let Some(i) = self.find(&k) {
            self.entries[i].1 = v;
            return;
        }
        let i = self.entries.len();
        self.entries.push((key, v));
        self.live += 1;
        if self.entries.len() > LINEAR && self.entries.len() * 2 > self.index.len() {
            self.reindex();
        } else if !self.index.is_empty() {
            self.hashes.push(k.hash());
            self.insert_index(i);
        }
    }

    /// Removes `k`; true if it was present.
    pub fn delete(&mut self, k: &MapKey) -> bool {
        let Some(i) = self.find(k) else {
            return false;
        };
        self.entries[i].0 = Val { tag: TOMB, bits: 0 };
        self.entries[i].1 = Val::VOID;
        self.live -= 1;
        // Compact when tombstones outnumber live entries.
        if self.entries.len() > LINEAR && self.entries.len() > 2 * self.live {
            self.entries.retain(|e| e.0.tag != TOMB);
            self.reindex();
        }
        true
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.hashes.clear();
        self.index.clear();
        self.live = 0;
    }

    /// The live entries in insertion order.
    pub fn entries(&self) -> Vec<(Val, Val)> {
        self.entries
            .iter()
            .filter(|e| e.0.tag != TOMB)
            .copied()
            .collect()
    }

    /// The number of slots (live entries and tombstones).
    pub fn slots(&self) -> usize {
        self.entries.len()
    }

    /// The bytes the map holds outside its object (for the collector's accounting).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * 32 + self.hashes.capacity() * 8 + self.index.capacity() * 4
    }

    /// The `i`-th slot (`None` past the end; `Some(None)` for a tombstone), for iteration that
    /// may be interleaved with mutation (formatting calls user code).
    pub fn slot(&self, i: usize) -> Option<Option<(Val, Val)>> {
        let e = *self.entries.get(i)?;
        Some(if e.0.tag == TOMB { None } else { Some(e) })
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
        let other_one = h.alloc_str("1");
        assert_eq!(m.get(&MapKey::of(other_one).unwrap()), Some(Val::int(30)));
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
        // Past the linear limit, with an index: every key is found, deleted keys are not.
        for i in 0..1000 {
            m.set(MapKey::Int(i), Val::int(i), Val::int(-i));
        }
        for i in (0..1000).step_by(3) {
            assert!(m.delete(&MapKey::Int(i)));
        }
        for i in 0..1000 {
            assert_eq!(m.has(&MapKey::Int(i)), i % 3 != 0, "{i}");
        }
        assert!(!m.has(&MapKey::Bool(true)));
    }
}
