//! The box heap and its garbage collector: every String, ArrayBox, MapBox and user box
//! instance is allocated here, and reclaimed by a tracing, non-moving mark-sweep collector.
//!
//! # Objects
//!
//! Each object is a `Box<GcBox<T>>` whose payload `T` ([`StrObj`], [`ArrayObj`], [`MapObj`],
//! [`UserObj`]) sits at offset 0, so the pointer in a [`Val`] is both the object's identity and
//! a pointer to its payload; the mark bit follows the payload. The heap keeps every object in a
//! list `(kind, pointer)`.
//!
//! # Collection
//!
//! Allocation only counts bytes; it never collects. A collection runs at a *safepoint*: a backend
//! calls [`Heap::should_collect`] (a compare) before an operation that may allocate and, when it
//! answers true, [`Heap::collect`] with its roots. Roots are:
//! - the precise roots the caller passes (the interpreter's live registers, the operands of the
//!   runtime call compiled code is making);
//! - for compiled code, every aligned word of a native stack range (conservative: a word is a
//!   pointer iff it equals the address of an object; callee-saved registers are spilled to the
//!   stack first, see [`crate::abi`]);
//! - pinned values ([`Heap::pin`]: string constants, interned type names), forever;
//! - the shadow root stack ([`Heap::push_root`] / [`Heap::pop_roots`]): values the runtime holds
//!   in Rust memory across a callback into MIR code.
//!
//! The next collection is due after `max(MIN_THRESHOLD, live bytes)` more bytes were allocated,
//! so the cost of a collection (proportional to the heap) is amortized over the allocations that
//! made it necessary. With `MIR14_GC_STRESS=1` in the environment every safepoint collects.
//! Swept objects go to a per-kind free list (up to [`FREE_CAP`] each) and are reused by the next
//! allocations of their kind before the allocator is asked.
//!
//! # Strings
//!
//! A String is a view `(buffer, length)` of a shared byte buffer ([`StrBuf`]) of fixed capacity.
//! Bytes below the buffer's `used` mark never change, so every view is immutable. Appending to
//! the view that ends at `used` writes the new bytes in place when they fit (the result is a new
//! view of the same buffer); otherwise the result gets a new buffer of twice the size. Appending
//! to any other view copies. So `s = s + x` in a loop is amortized O(|x|) per append.
//!
//! Invariant relied on by every accessor: a `Val` whose tag is `STR`, `ARRAY`, `MAP` or `USER`
//! and that is reachable from a root holds a pointer made by this heap to a live object.

use crate::map::MapObj;
use crate::value::{Val, ARRAY, MAP, STR, USER};
use std::cell::Cell;
use std::rc::Rc;

/// A fixed-capacity byte buffer shared by String views. Bytes `0..used` are initialized UTF-8
/// (at char boundaries wherever a view ends) and never change.
#[derive(Debug)]
pub struct StrBuf {
    ptr: *mut u8,
    cap: usize,
    used: Cell<usize>,
}

impl StrBuf {
    /// A buffer holding `s` with room for `cap` bytes (`cap >= s.len()`).
    fn with(s: &[u8], cap: usize) -> StrBuf {
        let mut v: Vec<u8> = Vec::with_capacity(cap.max(s.len()));
        v.extend_from_slice(s);
        StrBuf::from_vec(v)
    }

    /// A buffer taking over `v` (its capacity included).
    fn from_vec(v: Vec<u8>) -> StrBuf {
        let mut v = std::mem::ManuallyDrop::new(v);
        StrBuf {
            ptr: v.as_mut_ptr(),
            cap: v.capacity(),
            used: Cell::new(v.len()),
        }
    }
}

impl Drop for StrBuf {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`cap` came from a `Vec<u8>` that was never freed; length 0 drops no bytes.
        unsafe { drop(Vec::from_raw_parts(self.ptr, 0, self.cap)) }
    }
}

/// An immutable String object: a view of the first `len` bytes of a shared buffer.
#[derive(Debug)]
pub struct StrObj {
    buf: Rc<StrBuf>,
    len: usize,
    /// True when the text is ASCII, so that scalar-value indexes are byte indexes.
    pub ascii: bool,
    /// For non-ASCII text, the byte offset of each scalar value, built on first indexing.
    pub offsets: std::cell::OnceCell<Box<[usize]>>,
}

impl StrObj {
    /// The text.
    #[inline(always)]
    pub fn as_str(&self) -> &str {
        // SAFETY: bytes `0..len` of the buffer are initialized UTF-8 and never change while the
        // buffer lives (this view holds it).
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.buf.ptr, self.len)) }
    }

    /// The byte offsets of the scalar values (built once).
    pub fn char_offsets(&self) -> &[usize] {
        self.offsets
            .get_or_init(|| self.as_str().char_indices().map(|(b, _)| b).collect())
    }

    /// The length in Unicode scalar values.
    pub fn char_len(&self) -> usize {
        if self.ascii {
            self.len
        } else {
            self.char_offsets().len()
        }
    }

    /// The byte offset of scalar index `i` (`i <= char_len`; `i == char_len` gives the end).
    pub fn byte_at(&self, i: usize) -> usize {
        if self.ascii {
            i.min(self.len)
        } else {
            self.char_offsets().get(i).copied().unwrap_or(self.len)
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

/// An object as allocated: the payload first (so the object's address is the payload's), then
/// the mark bit.
#[repr(C)]
struct GcBox<T> {
    value: T,
    mark: Cell<bool>,
}

/// Collection starts after this many bytes at least (and after the live size, when larger).
const MIN_THRESHOLD: usize = 4 << 20;
/// Per-object bookkeeping charged on top of the payload (allocator header, list entry).
const OBJ_OVERHEAD: usize = 32;
/// At most this many freed objects of each kind are kept for reuse instead of being returned
/// to the allocator.
const FREE_CAP: usize = 1 << 16;

/// The free-list index of a heap kind.
#[inline(always)]
fn kind_slot(kind: u64) -> usize {
    match kind {
        STR => 0,
        ARRAY => 1,
        MAP => 2,
        _ => 3,
    }
}

/// The heap: every live object, the collector's roots and its accounting.
pub struct Heap {
    /// Every object not yet freed: kind tag and address.
    objects: Vec<(u64, usize)>,
    /// How many leading entries of `objects` are sorted by address.
    sorted: usize,
    /// Values that are roots forever.
    pinned: Vec<Val>,
    /// The shadow root stack.
    roots: Vec<Val>,
    /// Bytes allocated since the last collection.
    allocated: usize,
    /// Collect when `allocated` reaches this.
    threshold: usize,
    /// Every safepoint collects.
    stress: bool,
    /// The number of collections so far.
    collections: u64,
    /// The marking work list (kept to reuse its memory).
    work: Vec<Val>,
    /// Memory of swept objects, per kind ([`kind_slot`]), reused by the next allocations of
    /// that kind (payload already dropped).
    free: [Vec<usize>; 4],
    /// The memory limit in bytes of live objects (`--max-heap`).
    limit: usize,
    /// Set by a collection that found more than `limit` bytes live.
    exhausted: bool,
}

impl Default for Heap {
    fn default() -> Heap {
        Heap::new()
    }
}

impl Heap {
    /// An empty heap; stress mode when `MIR14_GC_STRESS` is set to anything but `0` or empty.
    pub fn new() -> Heap {
        let stress = std::env::var_os("MIR14_GC_STRESS").is_some_and(|v| !v.is_empty() && v != "0");
        Heap::with_stress(stress)
    }

    /// An empty heap; `stress` makes every safepoint collect.
    pub fn with_stress(stress: bool) -> Heap {
        Heap {
            objects: Vec::new(),
            sorted: 0,
            pinned: Vec::new(),
            roots: Vec::new(),
            allocated: 0,
            threshold: if stress { 0 } else { MIN_THRESHOLD },
            stress,
            collections: 0,
            work: Vec::new(),
            free: Default::default(),
            limit: usize::MAX,
            exhausted: false,
        }
    }

    /// The number of objects not yet freed.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when no object is allocated.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The number of collections so far.
    pub fn collections(&self) -> u64 {
        self.collections
    }

    /// Turns stress mode (every safepoint collects) on or off.
    pub fn set_stress(&mut self, on: bool) {
        self.stress = on;
        self.threshold = if on { 0 } else { MIN_THRESHOLD };
    }

    /// True in stress mode (every safepoint collects).
    pub fn stress(&self) -> bool {
        self.stress
    }

    // ----- roots -----

    /// Makes `v` a root for the heap's whole life (string constants, interned names).
    pub fn pin(&mut self, v: Val) {
        if v.is_heap() {
            self.pinned.push(v);
        }
    }

    /// Pushes `v` on the shadow root stack: it stays alive until [`Heap::pop_roots`] pops it.
    #[inline]
    pub fn push_root(&mut self, v: Val) {
        if v.is_heap() {
            self.roots.push(v);
        }
    }

    /// The current height of the shadow root stack, for [`Heap::pop_roots`].
    #[inline]
    pub fn root_mark(&self) -> usize {
        self.roots.len()
    }

    /// Pops the shadow root stack back to `mark` (from [`Heap::root_mark`]).
    #[inline]
    pub fn pop_roots(&mut self, mark: usize) {
        self.roots.truncate(mark);
    }

    // ----- allocation -----

    #[inline]
    fn add<T>(&mut self, kind: u64, value: T, bytes: usize) -> Val {
        let g = GcBox {
            value,
            mark: Cell::new(false),
        };
        let p = match self.free[kind_slot(kind)].pop() {
            // SAFETY: free-list entries of this kind are allocations of `GcBox<T>` whose payload
            // was dropped; writing a new one makes the object live again.
            Some(p) => unsafe {
                std::ptr::write(p as *mut GcBox<T>, g);
                p
            },
            None => Box::into_raw(Box::new(g)) as usize,
        };
        self.objects.push((kind, p));
        self.allocated += bytes + std::mem::size_of::<GcBox<T>>() + OBJ_OVERHEAD;
        Val {
            tag: kind,
            bits: p as u64,
        }
    }

    fn add_str(&mut self, buf: Rc<StrBuf>, len: usize, ascii: bool, bytes: usize) -> Val {
        self.add(
            STR,
            StrObj {
                buf,
                len,
                ascii,
                offsets: std::cell::OnceCell::new(),
            },
            bytes,
        )
    }

    /// Allocates a String.
    pub fn alloc_str(&mut self, s: &str) -> Val {
        let buf = Rc::new(StrBuf::with(s.as_bytes(), s.len()));
        self.add_str(buf, s.len(), s.is_ascii(), s.len() + 48)
    }

    /// Allocates a String, taking ownership of the text.
    pub fn alloc_string(&mut self, s: String) -> Val {
        let (len, ascii) = (s.len(), s.is_ascii());
        let buf = Rc::new(StrBuf::from_vec(s.into_bytes()));
        let bytes = buf.cap + 48;
        self.add_str(buf, len, ascii, bytes)
    }

    /// The String `a` followed by `text` (`a.tag == STR`). When `a` ends where its buffer's
    /// used part ends and `text` fits, the bytes are written in place and the result shares the
    /// buffer; otherwise the result gets a buffer with room to grow (twice its length) if `a`
    /// was the end of its buffer, or an exact one if not. `a` and every other view are unchanged.
    pub fn append_str(&mut self, a: Val, text: &str) -> Val {
        let o = str_obj(a);
        let ascii = o.ascii && text.is_ascii();
        let len = o.len + text.len();
        let at_end = o.buf.used.get() == o.len;
        if at_end && o.buf.cap - o.len >= text.len() {
            // SAFETY: bytes `o.len..len` lie in the buffer's spare capacity, which no view
            // covers; `text` never overlaps them (it is UTF-8 of some view, below `used`, or
            // memory outside this buffer).
            unsafe {
                std::ptr::copy_nonoverlapping(text.as_ptr(), o.buf.ptr.add(o.len), text.len());
            }
            o.buf.used.set(len);
            let buf = o.buf.clone();
            return self.add_str(buf, len, ascii, text.len());
        }
        let cap = if at_end { (2 * len).max(16) } else { len };
        let mut v = Vec::with_capacity(cap);
        v.extend_from_slice(o.as_str().as_bytes());
        v.extend_from_slice(text.as_bytes());
        let buf = Rc::new(StrBuf::from_vec(v));
        self.add_str(buf, len, ascii, cap + 48)
    }

    /// Allocates an ArrayBox holding `items`.
    pub fn alloc_array(&mut self, items: Vec<Val>) -> Val {
        let bytes = items.capacity() * 16;
        self.add(ARRAY, ArrayObj { items }, bytes)
    }

    /// Allocates an empty MapBox.
    pub fn alloc_map(&mut self) -> Val {
        self.add(MAP, MapObj::default(), 64)
    }

    /// Allocates an instance of user box `box_id` with `nfields` fields, all `void`.
    pub fn alloc_user(&mut self, box_id: u32, nfields: usize) -> Val {
        self.add(
            USER,
            UserObj {
                box_id,
                fields: vec![Val::VOID; nfields],
            },
            nfields * 16,
        )
    }

    // ----- the memory limit -----

    /// Sets the memory limit: a collection that finds more than `bytes` live marks the heap
    /// exhausted ([`Heap::exhausted`]), and collections come often enough near the limit that
    /// the heap never holds much more than the limit of allocation without one.
    pub fn set_limit(&mut self, bytes: u64) {
        self.limit = usize::try_from(bytes).unwrap_or(usize::MAX);
        self.threshold = self.threshold.min(self.limit);
    }

    /// The memory limit in bytes.
    pub fn limit(&self) -> u64 {
        self.limit as u64
    }

    /// True when the last collection found more than the limit live: the backend traps
    /// `OutOfMemory` at its safepoint.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Counts `bytes` of growth of an existing object (an ArrayBox's storage) as allocation,
    /// so that growth alone brings the next collection (and the limit check) nearer.
    pub fn note_growth(&mut self, bytes: usize) {
        self.allocated = self.allocated.saturating_add(bytes);
    }

    // ----- collection -----

    /// True when a collection is due (always in stress mode). Backends call this at safepoints
    /// and then [`Heap::collect`].
    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        self.allocated >= self.threshold
    }

    /// Collects garbage. Roots: `roots` (valid values), the pinned values, the shadow root stack
    /// and, conservatively, every aligned word in the address range `stack` (`lo..hi`).
    ///
    /// # Safety
    /// Every heap value in `roots` must point to a live object of this heap, `stack` must be
    /// readable memory, and every value reachable from compiled code or the caller that is not
    /// in `roots`, the stack range or the runtime's roots must be dead.
    pub unsafe fn collect(&mut self, roots: &[Val], stack: Option<(usize, usize)>) {
        self.collections += 1;
        let mut work = std::mem::take(&mut self.work);
        // SAFETY (for every `mark` below): pinned values, shadow roots and the caller's roots
        // point to live objects (heap invariant; guaranteed by the caller).
        for &v in roots.iter().chain(&self.pinned).chain(&self.roots) {
            unsafe { mark(v, &mut work) };
        }
        if let Some((lo, hi)) = stack {
            self.sort_objects();
            let (min, max) = match (self.objects.first(), self.objects.last()) {
                (Some(a), Some(b)) => (a.1, b.1),
                _ => (1, 0),
            };
            let mut p = (lo + 7) & !7;
            while p + 8 <= hi {
                // SAFETY: the caller guarantees the range is readable; `p` is aligned.
                let w = unsafe { std::ptr::read_volatile(p as *const usize) };
                if w >= min && w <= max {
                    if let Ok(i) = self.objects.binary_search_by_key(&w, |o| o.1) {
                        let (kind, addr) = self.objects[i];
                        // SAFETY: `addr` is a live object of kind `kind`.
                        unsafe {
                            mark(
                                Val {
                                    tag: kind,
                                    bits: addr as u64,
                                },
                                &mut work,
                            )
                        };
                    }
                }
                p += 8;
            }
        }
        // Trace.
        while let Some(v) = work.pop() {
            // SAFETY: only marked live objects are pushed; their children are values of the
            // program, live by the heap invariant.
            unsafe { trace(v, &mut work) };
        }
        self.work = work;
        // Sweep: free the unmarked, clear the marks of the rest, measure the live size.
        let mut live = 0usize;
        let (mut seen, mut kept_sorted, sorted) = (0usize, 0usize, self.sorted);
        let free = &mut self.free;
        self.objects.retain(|&(kind, p)| {
            let in_prefix = seen < sorted;
            seen += 1;
            // SAFETY: every listed object is live until freed here, exactly once.
            unsafe {
                let m = mark_cell(kind, p);
                if m.get() {
                    m.set(false);
                    live += size_of_obj(kind, p);
                    kept_sorted += in_prefix as usize;
                    true
                } else {
                    let list = &mut free[kind_slot(kind)];
                    if list.len() < FREE_CAP {
                        drop_payload(kind, p);
                        list.push(p);
                    } else {
                        free_obj(kind, p);
                    }
                    false
                }
            }
        });
        // `retain` keeps order: the sorted prefix shrinks to the survivors of it.
        self.sorted = kept_sorted;
        self.allocated = 0;
        self.exhausted = live > self.limit;
        // The next collection comes after as much allocation again as is live, and no later
        // than when the limit could be crossed.
        self.threshold = if self.stress {
            0
        } else {
            live.max(MIN_THRESHOLD)
                .min(self.limit.saturating_sub(live).max(MIN_THRESHOLD / 16))
        };
    }

    /// Sorts `objects` by address: the new tail is sorted, then merged with the sorted prefix.
    fn sort_objects(&mut self) {
        if self.sorted >= self.objects.len() {
            return;
        }
        let s = self.sorted;
        self.objects[s..].sort_unstable_by_key(|o| o.1);
        if s > 0 && self.objects[s - 1].1 > self.objects[s].1 {
            let (a, b) = self.objects.split_at(s);
            let mut merged = Vec::with_capacity(a.len() + b.len());
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                if a[i].1 < b[j].1 {
                    merged.push(a[i]);
                    i += 1;
                } else {
                    merged.push(b[j]);
                    j += 1;
                }
            }
            merged.extend_from_slice(&a[i..]);
            merged.extend_from_slice(&b[j..]);
            self.objects = merged;
        }
        self.sorted = self.objects.len();
    }
}

/// The mark bit of object `p` of kind `kind`.
///
/// # Safety
/// `p` must be a live object of that kind.
unsafe fn mark_cell<'a>(kind: u64, p: usize) -> &'a Cell<bool> {
    // SAFETY: guaranteed by the caller.
    unsafe {
        match kind {
            STR => &(*(p as *const GcBox<StrObj>)).mark,
            ARRAY => &(*(p as *const GcBox<ArrayObj>)).mark,
            MAP => &(*(p as *const GcBox<MapObj>)).mark,
            _ => &(*(p as *const GcBox<UserObj>)).mark,
        }
    }
}

/// Marks `v` and queues it for tracing, if it is an unmarked heap value.
///
/// # Safety
/// A heap `v` must point to a live object.
#[inline]
unsafe fn mark(v: Val, work: &mut Vec<Val>) {
    if !v.is_heap() {
        return;
    }
    // SAFETY: guaranteed by the caller.
    let m = unsafe { mark_cell(v.tag, v.bits as usize) };
    if !m.get() {
        m.set(true);
        if v.tag != STR {
            work.push(v);
        }
    }
}

/// Marks the children of a marked container.
///
/// # Safety
/// `v` must be a live container.
unsafe fn trace(v: Val, work: &mut Vec<Val>) {
    // SAFETY (for every `mark`): children of live objects are live (heap invariant).
    match v.tag {
        ARRAY => {
            for &e in array_mut(v).iter() {
                unsafe { mark(e, work) };
            }
        }
        MAP => {
            let m = map_mut(v);
            let mut i = 0;
            while let Some(slot) = m.slot(i) {
                if let Some((k, x)) = slot {
                    unsafe {
                        mark(k, work);
                        mark(x, work);
                    }
                }
                i += 1;
            }
        }
        USER => {
            for &e in user_mut(v).fields.iter() {
                unsafe { mark(e, work) };
            }
        }
        _ => {}
    }
}

/// The approximate size in bytes of a live object, for the collection threshold.
///
/// # Safety
/// `p` must be a live object of kind `kind`.
unsafe fn size_of_obj(kind: u64, p: usize) -> usize {
    let v = Val {
        tag: kind,
        bits: p as u64,
    };
    OBJ_OVERHEAD
        + match kind {
            STR => std::mem::size_of::<GcBox<StrObj>>() + str_obj(v).len,
            ARRAY => std::mem::size_of::<GcBox<ArrayObj>>() + array_mut(v).capacity() * 16,
            MAP => std::mem::size_of::<GcBox<MapObj>>() + map_mut(v).slots() * 48,
            _ => std::mem::size_of::<GcBox<UserObj>>() + user_mut(v).fields.len() * 16,
        }
}

/// Drops the payload of object `p`, keeping its memory.
///
/// # Safety
/// `p` must be a live object of kind `kind`; afterwards it is uninitialized memory.
unsafe fn drop_payload(kind: u64, p: usize) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        match kind {
            STR => std::ptr::drop_in_place(p as *mut GcBox<StrObj>),
            ARRAY => std::ptr::drop_in_place(p as *mut GcBox<ArrayObj>),
            MAP => std::ptr::drop_in_place(p as *mut GcBox<MapObj>),
            _ => std::ptr::drop_in_place(p as *mut GcBox<UserObj>),
        }
    }
}

/// Returns the memory of a dropped object (a free-list entry) to the allocator.
///
/// # Safety
/// `p` must be a free-list entry of kind `kind`, not used afterwards.
unsafe fn dealloc_obj(kind: u64, p: usize) {
    use std::alloc::{dealloc, Layout};
    let layout = match kind {
        STR => Layout::new::<GcBox<StrObj>>(),
        ARRAY => Layout::new::<GcBox<ArrayObj>>(),
        MAP => Layout::new::<GcBox<MapObj>>(),
        _ => Layout::new::<GcBox<UserObj>>(),
    };
    // SAFETY: `p` was allocated by `Box::new` of a `GcBox` of this kind, with this layout.
    unsafe { dealloc(p as *mut u8, layout) }
}

/// Frees object `p`.
///
/// # Safety
/// `p` must be a live object of kind `kind`, made by `Box::into_raw` of its `GcBox`, and is not
/// used afterwards.
unsafe fn free_obj(kind: u64, p: usize) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        match kind {
            STR => drop(Box::from_raw(p as *mut GcBox<StrObj>)),
            ARRAY => drop(Box::from_raw(p as *mut GcBox<ArrayObj>)),
            MAP => drop(Box::from_raw(p as *mut GcBox<MapObj>)),
            _ => drop(Box::from_raw(p as *mut GcBox<UserObj>)),
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        for &(kind, p) in &self.objects {
            // SAFETY: every listed object is live and freed exactly once, here.
            unsafe { free_obj(kind, p) }
        }
        for (slot, list) in self.free.iter().enumerate() {
            let kind = [STR, ARRAY, MAP, USER][slot];
            for &p in list {
                // SAFETY: free-list entries are dropped objects of this kind, freed once, here.
                unsafe { dealloc_obj(kind, p) }
            }
        }
    }
}

/// The String object of a String value. The caller guarantees `v.tag == STR` (heap invariant
/// above).
#[inline(always)]
pub fn str_obj<'a>(v: Val) -> &'a StrObj {
    debug_assert_eq!(v.tag, STR);
    // SAFETY: heap invariant; Strings are immutable, so shared references never conflict.
    unsafe { &*(v.bits as *const StrObj) }
}

/// The text of a String value (`v.tag == STR`).
#[inline(always)]
pub fn str_of<'a>(v: Val) -> &'a str {
    str_obj(v).as_str()
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
        let mut h = Heap::with_stress(false);
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

    #[test]
    fn appends_share_and_copy_without_aliasing() {
        let mut h = Heap::with_stress(false);
        let s0 = h.alloc_str("ab");
        // `s0`'s buffer is full: the first append copies into a growable buffer.
        let s1 = h.append_str(s0, "cd");
        assert_eq!(str_of(s1), "abcd");
        // `s1` ends its buffer: extended in place.
        let s2 = h.append_str(s1, "ef");
        assert!(Rc::ptr_eq(&str_obj(s1).buf, &str_obj(s2).buf));
        assert_eq!(str_of(s2), "abcdef");
        // Appending to the older prefix `s1` must copy and leave `s2` alone.
        let t = h.append_str(s1, "XY");
        assert!(!Rc::ptr_eq(&str_obj(t).buf, &str_obj(s2).buf));
        assert_eq!(str_of(t), "abcdXY");
        assert_eq!(str_of(s2), "abcdef");
        assert_eq!(str_of(s1), "abcd");
        assert_eq!(str_of(s0), "ab");
        // The newest view still extends in place; `t` does too, in its own buffer.
        let s3 = h.append_str(s2, "g");
        let t2 = h.append_str(t, "Z");
        assert_eq!(
            (str_of(s3), str_of(t2), str_of(s2)),
            ("abcdefg", "abcdXYZ", "abcdef")
        );
        // Appending a view of the same buffer to itself.
        let d = h.append_str(s3, str_of(s3));
        assert_eq!(str_of(d), "abcdefgabcdefg");
        assert_eq!(str_of(s3), "abcdefg");
        // Non-ASCII text keeps the flag right.
        let u = h.append_str(d, "é");
        assert!(!str_obj(u).ascii && str_obj(d).ascii);
        assert_eq!(str_obj(u).char_len(), 15);
    }

    #[test]
    fn many_appends_grow_geometrically() {
        let mut h = Heap::with_stress(false);
        let mut s = h.alloc_str("");
        let mut buffers = 0;
        let mut last = std::ptr::null();
        for _ in 0..10_000 {
            s = h.append_str(s, "ab");
            let p = Rc::as_ptr(&str_obj(s).buf);
            if p != last {
                buffers += 1;
                last = p;
            }
        }
        assert_eq!(str_of(s).len(), 20_000);
        // Doubling: about log2(20000 / 16) + 1 buffers, far fewer than appends.
        assert!(buffers <= 12, "{buffers} buffers");
    }

    #[test]
    fn collects_unreachable_objects_and_cycles() {
        let mut h = Heap::with_stress(false);
        let keep_s = h.alloc_str("kept");
        let keep = h.alloc_array(vec![keep_s]);
        // A two-node cycle of user boxes, unreachable.
        let a = h.alloc_user(0, 1);
        let b = h.alloc_user(0, 1);
        user_mut(a).fields[0] = b;
        user_mut(b).fields[0] = a;
        // A map reachable only through a pinned value keeps its keys and values.
        let m = h.alloc_map();
        let k = h.alloc_str("k");
        let val = h.alloc_array(vec![]);
        map_mut(m).set(crate::MapKey::of(k).unwrap(), k, val);
        h.pin(m);
        let _garbage = h.alloc_str("garbage");
        assert_eq!(h.len(), 8);
        // SAFETY: `keep` is live.
        unsafe { h.collect(&[keep], None) };
        // keep, keep_s, m, k, val survive.
        assert_eq!(h.len(), 5);
        assert_eq!(str_of(array_mut(keep)[0]), "kept");
        // Shadow roots keep values until popped.
        let t = h.alloc_str("t");
        let mark = h.root_mark();
        h.push_root(t);
        unsafe { h.collect(&[], None) };
        assert_eq!(h.len(), 4);
        assert_eq!(str_of(t), "t");
        h.pop_roots(mark);
        unsafe { h.collect(&[], None) };
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn conservative_words_keep_objects() {
        let mut h = Heap::with_stress(false);
        let xs: Vec<Val> = (0..50).map(|i| h.alloc_str(&i.to_string())).collect();
        // A fake "stack": the address of one object, an interior pointer and junk.
        let words: Vec<usize> = vec![xs[7].bits as usize, xs[9].bits as usize + 8, 12345];
        let lo = words.as_ptr() as usize;
        let hi = lo + words.len() * 8;
        // SAFETY: the range is the vector's memory.
        unsafe { h.collect(&[], Some((lo, hi))) };
        assert_eq!(h.len(), 1);
        assert_eq!(str_of(xs[7]), "7");
        // Sorting merges new objects with the sorted survivors.
        let more: Vec<Val> = (0..20).map(|i| h.alloc_str(&i.to_string())).collect();
        let words: Vec<usize> = vec![xs[7].bits as usize, more[3].bits as usize];
        let lo = words.as_ptr() as usize;
        unsafe { h.collect(&[], Some((lo, lo + 16))) };
        assert_eq!(h.len(), 2);
        assert_eq!(str_of(more[3]), "3");
    }

    #[test]
    fn swept_memory_is_reused() {
        let mut h = Heap::with_stress(false);
        let a = h.alloc_array(vec![Val::int(1)]);
        let u = h.alloc_user(3, 2);
        unsafe { h.collect(&[], None) };
        assert!(h.is_empty());
        // The next objects of each kind take the swept memory, freshly initialized.
        let b = h.alloc_array(vec![]);
        let v = h.alloc_user(1, 1);
        assert_eq!((b.bits, v.bits), (a.bits, u.bits));
        assert!(array_mut(b).is_empty());
        assert_eq!((user_mut(v).box_id, user_mut(v).fields.len()), (1, 1));
        unsafe { h.collect(&[b], None) };
        assert_eq!(h.len(), 1);
        assert!(array_mut(b).is_empty());
    }

    #[test]
    fn threshold_tracks_allocation() {
        let mut h = Heap::with_stress(false);
        assert!(!h.should_collect());
        for _ in 0..(MIN_THRESHOLD / 64) {
            h.alloc_str("x");
        }
        assert!(h.should_collect());
        unsafe { h.collect(&[], None) };
        assert!(!h.should_collect());
        assert!(h.is_empty());
        assert!(Heap::with_stress(true).should_collect());
    }
}
