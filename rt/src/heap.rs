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
