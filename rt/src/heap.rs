//! The box heap: every String, ArrayBox, MapBox and user box instance is allocated here.
//!
//! Objects are allocated with `Box::into_raw` and their pointers travel inside [`Val`]s. The heap
//! records every object so that a collector can later take over; for now objects live until the
//! heap is dropped, which frees them all.
//!
//! Invariant relied on by every accessor: a `Val` whose tag is `STR`, `ARRAY`, `MAP` or `USER`
//! holds a pointer made by this heap, and the heap is still alive.

use crate::map::MapObj;
use crate::value::{Val, ARRAY, MAP, STR, USER};

/// An immutable String object.
#[derive(Debug)]
pub struct StrObj {
    /// The text.
    pub s: Box<str>,
    /// True when the text is ASCII, so that scalar-value indexes are byte indexes.
    pub ascii: bool,
    /// For non-ASCII text, the byte offset of each scalar value, built on first indexing.
    pub offsets: std::cell::OnceCell<Box<[usize]>>,
}

impl StrObj {
    /// The byte offsets of the scalar values (built once).
    pub fn char_offsets(&self) -> &[usize] {
        self.offsets
            .get_or_init(|| self.s.char_indices().map(|(b, _)| b).collect())
    }

    /// The length in Unicode scalar values.
    pub fn char_len(&self) -> usize {
        if self.ascii {
            self.s.len()
        } else {
            self.char_offsets().len()
        }
    }

    /// The byte offset of scalar index `i` (`i <= char_len`; `i == char_len` gives the end).
    pub fn byte_at(&self, i: usize) -> usize {
        if self.ascii {
            i.min(self.s.len())
        } else {
            self.char_offsets().get(i).copied().unwrap_or(self.s.len())
        }
    }

    /// The scalar index of byte offset `b` (a char boundary).
    pub fn char_index(&self, b: usize) -> usize {
        if self.ascii {
            b
        } else {
            self.char_offsets().partition_point(|&o| o < b)
        }
    }
}

/// A mutable ArrayBox object.
#[derive(Debug, Default)]
pub struct ArrayObj {
    /// The elements.
    pub items: Vec<Val>,
}

/// A user box instance: its box and its fields in declaration order.
#[derive(Debug)]
pub struct UserObj {
    /// The index of the box declaration (`BoxId`).
    pub box_id: u32,
    /// The field values, in the order the box declares them.
    pub fields: Vec<Val>,
}

/// Every heap object ever allocated (kind tag and raw pointer), freed on drop.
#[derive(Default)]
pub struct Heap {
    objects: Vec<(u64, *mut u8)>,
}

impl Heap {
    /// An empty heap.
    pub fn new() -> Heap {
        Heap::default()
    }

    /// The number of objects allocated so far.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when nothing has been allocated.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Allocates a String.
    pub fn alloc_str(&mut self, s: &str) -> Val {
        self.alloc_string(s.to_owned())
    }

    /// Allocates a String, taking ownership of the text.
    pub fn alloc_string(&mut self, s: String) -> Val {
        let ascii = s.is_ascii();
        let p = Box::into_raw(Box::new(StrObj {
            s: s.into_boxed_str(),
            ascii,
            offsets: std::cell::OnceCell::new(),
        }));
        self.objects.push((STR, p as *mut u8));
        Val {
            tag: STR,
            bits: p as u64,
        }
    }

    /// Allocates an ArrayBox holding `items`.
    pub fn alloc_array(&mut self, items: Vec<Val>) -> Val {
        let p = Box::into_raw(Box::new(ArrayObj { items }));
        self.objects.push((ARRAY, p as *mut u8));
        Val {
            tag: ARRAY,
            bits: p as u64,
        }
    }

    /// Allocates an empty MapBox.
    pub fn alloc_map(&mut self) -> Val {
        let p = Box::into_raw(Box::new(MapObj::default()));
        self.objects.push((MAP, p as *mut u8));
        Val {
            tag: MAP,
            bits: p as u64,
        }
    }

    /// Allocates an instance of user box `box_id` with `nfields` fields, all `void`.
    pub fn alloc_user(&mut self, box_id: u32, nfields: usize) -> Val {
        let p = Box::into_raw(Box::new(UserObj {
            box_id,
            fields: vec![Val::VOID; nfields],
        }));
        self.objects.push((USER, p as *mut u8));
        Val {
            tag: USER,
            bits: p as u64,
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        for &(kind, p) in &self.objects {
            // SAFETY: each pointer came from `Box::into_raw` of the type its kind names, and is
            // freed exactly once, here.
            unsafe {
                match kind {
                    STR => drop(Box::from_raw(p as *mut StrObj)),
                    ARRAY => drop(Box::from_raw(p as *mut ArrayObj)),
                    MAP => drop(Box::from_raw(p as *mut MapObj)),
                    _ => drop(Box::from_raw(p as *mut UserObj)),
                }
            }
        }
    }
}

/// The text of a String value. The caller guarantees `v.tag == STR` (heap invariant above).
#[inline(always)]
pub fn str_obj<'a>(v: Val) -> &'a StrObj {
    debug_assert_eq!(v.tag, STR);
    // SAFETY: heap invariant; Strings are immutable, so shared references never conflict.
    unsafe { &*(v.bits as *const StrObj) }
}

/// The text of a String value (`v.tag == STR`).
#[inline(always)]
pub fn str_of<'a>(v: Val) -> &'a str {
    &str_obj(v).s
}

/// The elements of an ArrayBox (`v.tag == ARRAY`). Do not hold the reference across a call that
/// may run MIR code (it may mutate the array).
#[inline(always)]
#[allow(clippy::mut_from_ref)]
pub fn array_mut<'a>(v: Val) -> &'a mut Vec<Val> {
    debug_assert_eq!(v.tag, ARRAY);
    // SAFETY: heap invariant; callers keep the reference short-lived and single.
    unsafe { &mut (*(v.bits as *mut ArrayObj)).items }
}

/// A MapBox object (`v.tag == MAP`). Same rule as [`array_mut`].
#[inline(always)]
pub fn map_mut<'a>(v: Val) -> &'a mut MapObj {
    debug_assert_eq!(v.tag, MAP);
    // SAFETY: heap invariant; callers keep the reference short-lived and single.
    unsafe { &mut *(v.bits as *mut MapObj) }
}

/// A user box instance (`v.tag == USER`). Same rule as [`array_mut`].
#[inline(always)]
pub fn user_mut<'a>(v: Val) -> &'a mut UserObj {
    debug_assert_eq!(v.tag, USER);
    // SAFETY: heap invariant; callers keep the reference short-lived and single.
    unsafe { &mut *(v.bits as *mut UserObj) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_indexes() {
        let mut h = Heap::new();
        // "a", "é" (2 bytes), "😀" (4 bytes), "b".
        let v = h.alloc_str("aé😀b");
        let o = str_obj(v);
        assert!(!o.ascii);
        assert_eq!(o.char_len(), 4);
        assert_eq!(
            (0..=4).map(|i| o.byte_at(i)).collect::<Vec<_>>(),
            vec![0, 1, 3, 7, 8]
        );
        assert_eq!(o.char_index(7), 3);
        assert_eq!(o.char_index(8), 4);
        let a = h.alloc_str("abc");
        assert!(str_obj(a).ascii);
        assert_eq!(str_obj(a).byte_at(3), 3);
        assert_eq!(h.len(), 2);
    }
}
