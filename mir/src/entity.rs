//! Entity references: `u32` ids into arenas, in the style of Cranelift's `cranelift-entity`.
//!
//! An entity id is only meaningful together with the arena that owns it: a [`Value`](crate::Value)
//! indexes its function's value arena, a [`FuncId`](crate::FuncId) the module's function list.

use std::fmt;
use std::marker::PhantomData;

/// A type usable as an arena index: a thin wrapper around a `u32`.
pub trait EntityRef: Copy + Eq {
    /// Makes the id of the `index`-th entity.
    fn new(index: usize) -> Self;
    /// The index of this entity in its arena.
    fn index(self) -> usize;
}

/// Declares an entity id type: a `u32` newtype implementing [`EntityRef`].
#[macro_export]
macro_rules! entity_id {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub struct $name(pub u32);

        impl $crate::entity::EntityRef for $name {
            fn new(index: usize) -> Self {
                $name(u32::try_from(index).expect("entity index overflows u32"))
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl $name {
            /// The index of this entity in its arena.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

/// A growable arena that owns entities of type `V`, indexed by ids of type `K`.
///
/// Entities are never removed: ids stay valid for the life of the arena.
#[derive(Clone, PartialEq)]
pub struct Arena<K: EntityRef, V> {
    items: Vec<V>,
    _key: PhantomData<K>,
}

impl<K: EntityRef, V> Arena<K, V> {
    /// An empty arena.
    pub fn new() -> Self {
        Arena {
            items: Vec::new(),
            _key: PhantomData,
        }
    }

    /// Adds an entity and returns its id.
    pub fn push(&mut self, value: V) -> K {
        let key = K::new(self.items.len());
        self.items.push(value);
        key
    }

    /// The number of entities.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the arena holds no entity.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// True when `key` names an entity of this arena.
    pub fn contains(&self, key: K) -> bool {
        key.index() < self.items.len()
    }

    /// The entity `key`, if it exists.
    pub fn get(&self, key: K) -> Option<&V> {
        self.items.get(key.index())
    }

    /// The entity `key`, mutably, if it exists.
    pub fn get_mut(&mut self, key: K) -> Option<&mut V> {
        self.items.get_mut(key.index())
    }

    /// All ids, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator + use<K, V> {
        (0..self.items.len()).map(K::new)
    }

    /// All entities, in order.
    pub fn values(&self) -> std::slice::Iter<'_, V> {
        self.items.iter()
    }

    /// All entities, mutably, in order.
    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, V> {
        self.items.iter_mut()
    }

    /// All (id, entity) pairs, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (K, &V)> + ExactSizeIterator {
        self.items.iter().enumerate().map(|(i, v)| (K::new(i), v))
    }

    /// All (id, entity) pairs, mutably, in order.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (K, &mut V)> + ExactSizeIterator {
        self.items
            .iter_mut()
            .enumerate()
            .map(|(i, v)| (K::new(i), v))
    }

    /// The entities as a slice, in id order.
    pub fn as_slice(&self) -> &[V] {
        &self.items
    }
}

impl<K: EntityRef, V> Default for Arena<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: EntityRef, V> std::ops::Index<K> for Arena<K, V> {
    type Output = V;
    fn index(&self, key: K) -> &V {
        &self.items[key.index()]
    }
}

impl<K: EntityRef, V> std::ops::IndexMut<K> for Arena<K, V> {
    fn index_mut(&mut self, key: K) -> &mut V {
        &mut self.items[key.index()]
    }
}

impl<K: EntityRef, V: fmt::Debug> fmt::Debug for Arena<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<K: EntityRef, V> FromIterator<V> for Arena<K, V> {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        Arena {
            items: iter.into_iter().collect(),
            _key: PhantomData,
        }
    }
}

/// A side table mapping entities of an arena to values of type `V`, defaulting to `V::default()`.
#[derive(Clone, Debug, PartialEq)]
pub struct SecondaryMap<K: EntityRef, V: Clone + Default> {
    items: Vec<V>,
    default: V,
    _key: PhantomData<K>,
}

impl<K: EntityRef, V: Clone + Default> SecondaryMap<K, V> {
    /// An empty map: every key maps to the default.
    pub fn new() -> Self {
        SecondaryMap {
            items: Vec::new(),
            default: V::default(),
            _key: PhantomData,
        }
    }

    /// A map pre-sized for `n` entities.
    pub fn with_capacity(n: usize) -> Self {
        SecondaryMap {
            items: vec![V::default(); n],
            default: V::default(),
            _key: PhantomData,
        }
    }
}

impl<K: EntityRef, V: Clone + Default> Default for SecondaryMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: EntityRef, V: Clone + Default> std::ops::Index<K> for SecondaryMap<K, V> {
    type Output = V;
    fn index(&self, key: K) -> &V {
        self.items.get(key.index()).unwrap_or(&self.default)
    }
}

impl<K: EntityRef, V: Clone + Default> std::ops::IndexMut<K> for SecondaryMap<K, V> {
    fn index_mut(&mut self, key: K) -> &mut V {
        let i = key.index();
        if i >= self.items.len() {
            self.items.resize(i + 1, V::default());
        }
        &mut self.items[i]
    }
}
