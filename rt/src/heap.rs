//! The box heap and its garbage collector: every String, ArrayBox, MapBox and user box
//! instance is allocated here, and reclaimed by a tracing, non-moving mark-sweep collector.
//!
//! # Objects and pages
//!
//! Objects live in *pages*: 64 KiB blocks, aligned to their size, each holding slots of one
//! kind ([`StrObj`], [`ArrayObj`], [`MapObj`], [`UserObj`]) after a header of one state byte
//! per slot. A slot is exactly the payload, so the pointer in a [`Val`] is both the object's
//! identity and a pointer to its payload, and the state of the object at `p` is found from
//! `p` alone (page = `p` rounded down to 64 KiB, slot index). Each kind has a free
//! list of slots threaded through the free slots themselves; allocating is popping it (a new
//! page is carved into free slots when it is empty), so making an object never calls the
//! system allocator (a payload's own vectors still do). A slot's state is free, white
//! (allocated) or black (marked).
//!
//! # Collection
//!
//! Allocation only counts bytes; it never collects. A collection runs at a *safepoint*: a backend
//! calls [`Heap::should_collect`] (a compare) before an operation that may allocate and, when it
//! answers true, [`Heap::collect`] with its roots. Roots are:
//! - the precise roots the caller passes (the interpreter's live registers, the operands of the
//!   runtime call compiled code is making);
//! - for compiled code, every aligned word of a native stack range (conservative: a word is a
//!   pointer iff it is the address of an allocated slot: its page is found in a hash set of
//!   page addresses, then the offset must be a multiple of the page's slot size and the slot
//!   not free; callee-saved registers are spilled to the stack first, see [`crate::abi`]);
//! - pinned values ([`Heap::pin`]: string constants, interned type names), forever;
//! - the shadow root stack ([`Heap::push_root`] / [`Heap::pop_roots`]): values the runtime holds
//!   in Rust memory across a callback into MIR code.
//!
//! Marking is an explicit work list; sweeping walks the pages of each kind once, drops the
//! payloads of white objects, turns black ones white and rebuilds the free lists in address
//! order; empty pages beyond as many as are in use (at least a few per kind) go back to the
//! system allocator.
//! The cost of a collection is linear in the heap (live objects and the free slots between
//! them), with no sorting. The next collection is due after `max(MIN_THRESHOLD, live bytes)`
//! more bytes were allocated, so it is amortized over the allocations that made it necessary.
//! With `MIR14_GC_STRESS=1` in the environment every safepoint collects.
//!
//! # Strings
//!
//! A String object is `(ptr, len)` of UTF-8 text held in one of three ways:
//! - *inline*: up to [`INLINE`] bytes inside the object itself (no other memory);
//! - *owner*: the object owns a byte buffer of fixed capacity (a header `(cap, used)` and the
//!   bytes, one allocation) and is a view of its first `len` bytes;
//! - *view*: `len` bytes anywhere inside the buffer of another String object, its owner, which
//!   marking the view marks (so substrings share their text and never copy it).
//!
//! Bytes below a buffer's `used` mark never change, so every String is immutable. Appending to
//! a String that ends at its buffer's `used` mark writes the new bytes in place when they fit
//! (the result is a new view of the same buffer); otherwise the result gets a new buffer with
//! room to grow (twice its length). So `s = s + x` in a loop is amortized O(|x|) per append.
//! A result of at most [`INLINE`] bytes (a short substring, a one-character String, a short
//! concatenation) is always made inline; one-character Strings ([`Heap::char_str`]: every ASCII
//! character, the first [`WIDE_CHARS`] others) are made once per heap and reused. For non-ASCII
//! text, scalar-value indexes are mapped to byte offsets by a sampled index (the byte offset of
//! every [`SAMPLE`]-th scalar value; an interval of [`SAMPLE`] bytes is ASCII and needs no
//! scan), built on first use.
//!
//! Invariant relied on by every accessor: a `Val` whose tag is `STR`, `ARRAY`, `MAP` or `USER`
//! and that is reachable from a root holds a pointer made by this heap to a live object.

use crate::map::{FxHashMap, MapObj};
use crate::value::{Val, ARRAY, MAP, STR, USER};
use std::alloc::Layout;
use std::cell::{Cell, UnsafeCell};

/// Strings of at most this many bytes are stored inside their object.
pub const INLINE: usize = 23;
/// At most this many one-character Strings of non-ASCII characters are shared (and live as
/// long as the heap).
pub const WIDE_CHARS: usize = 4096;
/// The sampling interval of the scalar-value index of non-ASCII Strings.
pub const SAMPLE: usize = 16;

/// The header of a String buffer; `cap` bytes follow it.
#[repr(C)]
struct BufHead {
    cap: usize,
    /// Bytes `0..used` are initialized UTF-8 and never change.
    used: Cell<usize>,
}

/// Allocates a buffer with room for `cap` bytes, `used` = 0.
fn new_buf(cap: usize) -> *mut BufHead {
    let layout = buf_layout(cap);
    // SAFETY: the layout has non-zero size.
    let p = unsafe { std::alloc::alloc(layout) } as *mut BufHead;
    if p.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `p` is fresh memory for a header.
    unsafe {
        p.write(BufHead {
            cap,
            used: Cell::new(0),
        })
    };
    p
}

/// The layout of a buffer of capacity `cap`.
fn buf_layout(cap: usize) -> Layout {
    Layout::from_size_align(std::mem::size_of::<BufHead>() + cap, 8)
        .unwrap_or_else(|_| panic!("string of {cap} bytes is too large"))
}

/// The first byte of buffer `b`.
#[inline(always)]
fn buf_data(b: *const BufHead) -> *mut u8 {
    // SAFETY: the bytes follow the header in the same allocation.
    unsafe { (b as *mut u8).add(std::mem::size_of::<BufHead>()) }
}

/// The scalar-value index of a non-ASCII String: the byte offset of every [`SAMPLE`]-th scalar.
/// C layout: compiled code's inline `charAt` reads `chars`, `first` and `count` (see
/// [`CHAR_INDEX_CHARS_OFFSET`]).
#[derive(Debug)]
#[repr(C)]
struct CharIndex {
    chars: usize,
    /// The address of `samples[0]`.
    first: *const usize,
    /// `samples.len()`.
    count: usize,
    samples: Box<[usize]>,
    /// The last scalar index looked up in a sample interval that is not ASCII, and its byte
    /// offset: a scan loop asks for the next scalar, one step from there.
    cursor: Cell<(usize, usize)>,
}

/// Byte offset of a scalar-value index's number of scalar values.
pub const CHAR_INDEX_CHARS_OFFSET: i32 = std::mem::offset_of!(CharIndex, chars) as i32;
/// Byte offset of the address of a scalar-value index's first sample (byte offsets of every
/// [`SAMPLE`]-th scalar value, `usize`s).
pub const CHAR_INDEX_FIRST_OFFSET: i32 = std::mem::offset_of!(CharIndex, first) as i32;
/// Byte offset of a scalar-value index's number of samples.
pub const CHAR_INDEX_COUNT_OFFSET: i32 = std::mem::offset_of!(CharIndex, count) as i32;

/// An immutable String object (see the module docs): inline text, a buffer it owns, or a view
/// of another String's buffer. C layout: compiled code reads `ptr` and `len` at
/// [`STR_PTR_OFFSET`] and [`STR_LEN_OFFSET`].
#[derive(Debug)]
#[repr(C)]
pub struct StrObj {
    ptr: *const u8,
    len: usize,
    /// 0: inline; odd: owns the buffer at `base - 1`; even: a view of the owner at `base`.
    base: usize,
    /// True when the text is ASCII, so that scalar-value indexes are byte indexes.
    pub ascii: bool,
    /// Inline: the text. Otherwise, when not ASCII: the first word (unaligned) is the address
    /// of the [`CharIndex`], 0 until built.
    inline: UnsafeCell<[u8; INLINE]>,
}

impl StrObj {
    /// The text.
    #[inline(always)]
    pub fn as_str(&self) -> &str {
        // SAFETY: `ptr..ptr+len` is initialized UTF-8 that never changes while this object or
        // its owner lives (marking this view marks the owner).
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr, self.len)) }
    }

    /// The length in bytes.
    #[inline(always)]
    pub fn byte_len(&self) -> usize {
        self.len
    }

    /// The buffer holding the text (`None` when inline).
    #[inline]
    fn buf(&self) -> Option<*const BufHead> {
        if self.base == 0 {
            None
        } else if self.base & 1 == 1 {
            Some((self.base - 1) as *const BufHead)
        } else {
            // SAFETY: a view's owner is live while the view is (heap invariant).
            let owner = unsafe { &*(self.base as *const StrObj) };
            Some((owner.base - 1) as *const BufHead)
        }
    }

    /// The owner of this String's buffer (itself when it is an owner), as an address; 0 when
    /// inline.
    #[inline]
    fn owner(&self) -> usize {
        if self.base & 1 == 1 {
            self as *const StrObj as usize
        } else {
            self.base
        }
    }

    /// The scalar-value index of a non-ASCII String that is not inline (built on first use).
    fn char_idx(&self) -> &CharIndex {
        debug_assert!(!self.ascii && self.base != 0);
        let slot = self.inline.get() as *mut usize;
        // SAFETY: a non-inline String's inline bytes hold only the index address (unaligned);
        // once set it never changes until the String is dropped.
        unsafe {
            let p = slot.read_unaligned();
            if p != 0 {
                return &*(p as *const CharIndex);
            }
            let mut samples = Vec::with_capacity(self.len / SAMPLE + 1);
            let mut chars = 0;
            for (b, _) in self.as_str().char_indices() {
                if chars % SAMPLE == 0 {
                    samples.push(b);
                }
                chars += 1;
            }
            let samples = samples.into_boxed_slice();
            let x = Box::into_raw(Box::new(CharIndex {
                chars,
                first: samples.as_ptr(),
                count: samples.len(),
                samples,
                cursor: Cell::new((0, 0)),
            }));
            slot.write_unaligned(x as usize);
            &*x
        }
    }

    /// The length in Unicode scalar values.
    pub fn char_len(&self) -> usize {
        if self.ascii {
            self.len
        } else if self.base == 0 {
            count_chars(self.as_str().as_bytes())
        } else {
            self.char_idx().chars
        }
    }

    /// The byte offset of scalar index `i` (`i <= char_len`; `i == char_len` gives the end).
    pub fn byte_at(&self, i: usize) -> usize {
        if self.ascii {
            return i.min(self.len);
        }
        if self.base == 0 {
            // Inline: at most INLINE bytes to scan.
            return self
                .as_str()
                .char_indices()
                .nth(i)
                .map_or(self.len, |(b, _)| b);
        }
        let x = self.char_idx();
        if i >= x.chars {
            return self.len;
        }
        indexed_offset(x, self.as_str().as_bytes(), i)
    }

    /// The scalar value at scalar index `i`, `None` past the end: one index lookup (what
    /// `charAt` needs; `char_len` then `byte_at` would look twice).
    #[inline]
    pub fn char_at(&self, i: usize) -> Option<char> {
        let bytes = self.as_str().as_bytes();
        if self.ascii {
            return bytes.get(i).map(|&b| b as char);
        }
        if self.base == 0 {
            // Inline: at most INLINE bytes; step over `i` scalars.
            let (mut b, mut at) = (0, 0);
            while b < bytes.len() {
                if at == i {
                    return Some(decode_at(bytes, b));
                }
                b += utf8_width(bytes[b]);
                at += 1;
            }
            return None;
        }
        let x = self.char_idx();
        if i >= x.chars {
            return None;
        }
        let b = indexed_offset(x, bytes, i);
        Some(decode_at(bytes, b))
    }

    /// The scalar index of byte offset `b` (a char boundary).
    pub fn char_index(&self, b: usize) -> usize {
        if self.ascii {
            return b;
        }
        if self.base == 0 {
            return count_chars(&self.as_str().as_bytes()[..b.min(self.len)]);
        }
        let x = self.char_idx();
        let k = x.samples.partition_point(|&o| o <= b).saturating_sub(1);
        let from = x.samples.get(k).copied().unwrap_or(0);
        k * SAMPLE + count_chars(&self.as_str().as_bytes()[from..b.min(self.len)])
    }
}

/// The number of scalar values in UTF-8 bytes (the bytes that are not continuation bytes).
#[inline]
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&c| (c as i8) >= -0x40).count()
}

/// The byte offset of scalar index `i < x.chars` in `bytes` (the text `x` indexes): direct in an
/// ASCII sample interval; else stepped from the interval's sample, or from the cursor when it
/// lies in the same interval at or before `i` (then the cursor moves to `i`).
#[inline]
fn indexed_offset(x: &CharIndex, bytes: &[u8], i: usize) -> usize {
    let k = i / SAMPLE;
    let start = x.samples[k];
    // A sample interval of SAMPLE bytes is ASCII: the offset is direct.
    if x.samples.get(k + 1).is_some_and(|&e| e - start == SAMPLE) {
        return start + i % SAMPLE;
    }
    let (ci, cb) = x.cursor.get();
    let (mut at, mut b) = if ci <= i && ci / SAMPLE == k {
        (ci, cb)
    } else {
        (k * SAMPLE, start)
    };
    while at < i {
        b += utf8_width(bytes[b]);
        at += 1;
    }
    x.cursor.set((i, b));
    b
}

/// The scalar value whose UTF-8 sequence starts at byte `b` of `bytes` (valid UTF-8, `b` a
/// char boundary before the end).
#[inline]
fn decode_at(bytes: &[u8], b: usize) -> char {
    let b0 = bytes[b] as u32;
    let cont = |k: usize| (bytes[b + k] & 0x3f) as u32;
    let c = match utf8_width(bytes[b]) {
        1 => b0,
        2 => ((b0 & 0x1f) << 6) | cont(1),
        3 => ((b0 & 0x0f) << 12) | (cont(1) << 6) | cont(2),
        _ => ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
    };
    // SAFETY: valid UTF-8 decodes to a scalar value.
    unsafe { char::from_u32_unchecked(c) }
}

/// The byte length of the UTF-8 sequence starting with `b`.
#[inline(always)]
fn utf8_width(b: u8) -> usize {
    match b {
        0..=0x7f => 1,
        0x80..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

impl Drop for StrObj {
    fn drop(&mut self) {
        if self.base != 0 && !self.ascii {
            let x = {
                // SAFETY: a non-inline String's inline bytes hold the index address or 0.
                unsafe { (self.inline.get() as *const usize).read_unaligned() }
            };
            if x != 0 {
                // SAFETY: the index was made by `Box::into_raw` in `char_idx`, freed once here.
                drop(unsafe { Box::from_raw(x as *mut CharIndex) });
            }
        }
        if self.base & 1 == 1 {
            let b = (self.base - 1) as *mut BufHead;
            // SAFETY: an owner's buffer was made by `new_buf` with its capacity and is freed
            // once, here; views of it are dead (they would have marked this owner).
            unsafe { std::alloc::dealloc(b as *mut u8, buf_layout((*b).cap)) }
        }
    }
}

/// A mutable ArrayBox object.
#[derive(Debug, Default)]
pub struct ArrayObj {
    /// The elements.
    pub items: Vec<Val>,
}

/// A user box instance: its box and its fields in declaration order. C layout: compiled code
/// reads `box_id` at [`USER_BOX_OFFSET`] and the address of field slot 0 at
/// [`USER_FIELDS_OFFSET`] (fields at slot × 16, tag then bits).
#[derive(Debug)]
#[repr(C)]
pub struct UserObj {
    /// The index of the box declaration (`BoxId`).
    pub box_id: u32,
    /// The address of `fields[0]`: `fields` is never resized after the object is made.
    data: *mut Val,
    /// The field values, in the order the box declares them (never resized).
    pub fields: Vec<Val>,
}

/// Byte offset of a [`StrObj`]'s text pointer.
pub const STR_PTR_OFFSET: i32 = std::mem::offset_of!(StrObj, ptr) as i32;
/// Byte offset of a [`StrObj`]'s length in bytes.
pub const STR_LEN_OFFSET: i32 = std::mem::offset_of!(StrObj, len) as i32;
/// Byte offset of a [`StrObj`]'s `base` (0 when the text is inline).
pub const STR_BASE_OFFSET: i32 = std::mem::offset_of!(StrObj, base) as i32;
/// Byte offset of a [`StrObj`]'s inline bytes; in a non-ASCII String that is not inline their
/// first (unaligned) word is the address of its scalar-value index, 0 until built.
pub const STR_INLINE_OFFSET: i32 = std::mem::offset_of!(StrObj, inline) as i32;
/// Byte offset of a [`StrObj`]'s ASCII flag (one byte, 0 or 1).
pub const STR_ASCII_OFFSET: i32 = std::mem::offset_of!(StrObj, ascii) as i32;
/// Byte offset of a [`UserObj`]'s box index (a `u32`).
pub const USER_BOX_OFFSET: i32 = std::mem::offset_of!(UserObj, box_id) as i32;
/// Byte offset of a [`UserObj`]'s field-slot address.
pub const USER_FIELDS_OFFSET: i32 = std::mem::offset_of!(UserObj, data) as i32;

/// Slot states.
const FREE: u8 = 0;
const WHITE: u8 = 1;
const BLACK: u8 = 2;

/// The size and alignment of a page.
const PAGE: usize = 1 << 16;
/// Empty pages kept per kind after a sweep at least (and up to as many as the pages in use):
/// enough for the allocation between two collections of a small heap.
const SPARE_PAGES: usize = MIN_THRESHOLD / PAGE;
/// Collection starts after this many bytes at least (and after the live size, when larger).
const MIN_THRESHOLD: usize = 4 << 20;

/// The space index of a heap kind.
#[inline(always)]
fn kind_slot(kind: u64) -> usize {
    match kind {
        STR => 0,
        ARRAY => 1,
        MAP => 2,
        _ => 3,
    }
}

/// The heap kind of a space index.
const KINDS: [u64; 4] = [STR, ARRAY, MAP, USER];

/// The geometry of the pages of a space: slot size, slots per page, and the offset of the
/// first slot (the page starts with one state byte per slot).
#[derive(Clone, Copy)]
struct Geometry {
    size: usize,
    n: usize,
    hdr: usize,
}

/// The page geometry of a slot size.
const fn geometry_of(size: usize) -> Geometry {
    let mut n = PAGE / (size + 1);
    while n.div_ceil(64) * 64 + n * size > PAGE {
        n -= 1;
    }
    Geometry {
        size,
        n,
        hdr: n.div_ceil(64) * 64,
    }
}

/// The page geometry of each space.
const GEOMETRY: [Geometry; 4] = [
    geometry_of(std::mem::size_of::<StrObj>()),
    geometry_of(std::mem::size_of::<ArrayObj>()),
    geometry_of(std::mem::size_of::<MapObj>()),
    geometry_of(std::mem::size_of::<UserObj>()),
];

/// The page geometry of space `k`.
#[inline(always)]
fn space_geometry(k: usize) -> Geometry {
    GEOMETRY[k]
}

/// The objects of one kind: its pages and its free list.
#[derive(Default)]
struct Space {
    /// Page addresses.
    pages: Vec<usize>,
    /// The first free slot (0: none); each free slot's first word is the next one.
    free: usize,
}

/// The state byte of the slot at `p` in space `k`.
///
/// # Safety
/// `p` must be a slot of a page of space `k`.
#[inline(always)]
unsafe fn state<'a>(k: usize, p: usize) -> &'a Cell<u8> {
    let g = space_geometry(k);
    let page = p & !(PAGE - 1);
    let i = (p - page - g.hdr) / g.size;
    // SAFETY: guaranteed by the caller; the page starts with the slots' state bytes.
    unsafe { &*((page + i) as *const Cell<u8>) }
}

/// The heap: pages of objects, the collector's roots and its accounting.
pub struct Heap {
    spaces: [Space; 4],
    /// Every page's address and its space index.
    page_kind: FxHashMap<usize, u8>,
    /// The lowest page address and the end of the highest page (a quick filter for stack words).
    page_lo: usize,
    page_hi: usize,
    /// The number of allocated objects.
    count: usize,
    /// The one-character ASCII Strings made so far, by byte (void: not made yet).
    chars: Box<[Val; 128]>,
    /// The shared one-character Strings of other characters (at most [`WIDE_CHARS`]).
    wide_chars: FxHashMap<char, Val>,
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
            spaces: Default::default(),
            page_kind: FxHashMap::default(),
            page_lo: usize::MAX,
            page_hi: 0,
            count: 0,
            chars: Box::new([Val::VOID; 128]),
            wide_chars: FxHashMap::default(),
            pinned: Vec::new(),
            roots: Vec::new(),
            allocated: 0,
            threshold: if stress { 0 } else { MIN_THRESHOLD },
            stress,
            collections: 0,
            work: Vec::new(),
            limit: usize::MAX,
            exhausted: false,
        }
    }

    /// The number of objects not yet freed.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no object is allocated.
    pub fn is_empty(&self) -> bool {
        self.count == 0
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

    /// A free slot of space `k`, taken off its free list.
    #[inline(always)]
    fn slot(&mut self, k: usize) -> usize {
        if self.spaces[k].free == 0 {
            self.grow(k);
        }
        let p = self.spaces[k].free;
        // SAFETY: a free slot's first word is the next free slot.
        self.spaces[k].free = unsafe { *(p as *const usize) };
        self.count += 1;
        p
    }

    /// Adds a page to space `k`, its slots on the free list.
    #[cold]
    fn grow(&mut self, k: usize) {
        let layout = Layout::from_size_align(PAGE, PAGE).expect("page layout");
        // SAFETY: non-zero size.
        let page = unsafe { std::alloc::alloc(layout) } as usize;
        if page == 0 {
            std::alloc::handle_alloc_error(layout);
        }
        let g = space_geometry(k);
        // SAFETY: the header lies in the fresh page. Every slot's state is FREE.
        unsafe { std::ptr::write_bytes(page as *mut u8, FREE, g.hdr) };
        self.page_kind.insert(page, k as u8);
        self.page_lo = self.page_lo.min(page);
        self.page_hi = self.page_hi.max(page + PAGE);
        self.spaces[k].pages.push(page);
        let mut next = self.spaces[k].free;
        for i in (0..g.n).rev() {
            let p = page + g.hdr + i * g.size;
            // SAFETY: `p` is a slot of the fresh page.
            unsafe { *(p as *mut usize) = next };
            next = p;
        }
        self.spaces[k].free = next;
    }

    #[inline]
    fn add<T>(&mut self, kind: u64, value: T, bytes: usize) -> Val {
        let k = kind_slot(kind);
        let p = self.slot(k);
        // SAFETY: `p` is a free slot of this kind's space, sized and aligned for `T`.
        unsafe {
            std::ptr::write(p as *mut T, value);
            state(k, p).set(WHITE);
        }
        self.allocated += bytes + std::mem::size_of::<T>();
        Val {
            tag: kind,
            bits: p as u64,
        }
    }

    /// A String object `(ptr, len)` with `base` (see [`StrObj`]); `bytes` extra are charged.
    #[inline]
    fn add_str(
        &mut self,
        ptr: *const u8,
        len: usize,
        base: usize,
        ascii: bool,
        bytes: usize,
    ) -> Val {
        self.add(
            STR,
            StrObj {
                ptr,
                len,
                base,
                ascii,
                inline: UnsafeCell::new([0; INLINE]),
            },
            bytes,
        )
    }

    /// An inline String holding `a` followed by `b` (`a.len() + b.len() <= INLINE`); the
    /// shared one for a single ASCII character.
    fn inline_str(&mut self, a: &[u8], b: &[u8], ascii: bool) -> Val {
        if a.len() + b.len() == 1 && ascii {
            return self.char_str(a.first().or(b.first()).copied().unwrap_or(0) as char);
        }
        self.new_inline_str(a, b, ascii)
    }

    /// A new inline String holding `a` followed by `b` (`a.len() + b.len() <= INLINE`).
    fn new_inline_str(&mut self, a: &[u8], b: &[u8], ascii: bool) -> Val {
        let v = self.add_str(std::ptr::null(), a.len() + b.len(), 0, ascii, 0);
        // SAFETY: `v` is the String just made; its inline array has room for both parts.
        unsafe {
            let o = &mut *(v.bits as *mut StrObj);
            let inline = o.inline.get_mut();
            inline[..a.len()].copy_from_slice(a);
            inline[a.len()..a.len() + b.len()].copy_from_slice(b);
            o.ptr = inline.as_ptr();
        }
        v
    }

    /// A String owning a new buffer of capacity `cap` that holds `a` followed by `b`.
    fn owner_str(&mut self, a: &[u8], b: &[u8], cap: usize, ascii: bool) -> Val {
        let len = a.len() + b.len();
        let cap = cap.max(len);
        let buf = new_buf(cap);
        let data = buf_data(buf);
        // SAFETY: the buffer has room for `len` bytes; the parts are other memory.
        unsafe {
            std::ptr::copy_nonoverlapping(a.as_ptr(), data, a.len());
            std::ptr::copy_nonoverlapping(b.as_ptr(), data.add(a.len()), b.len());
            (*buf).used.set(len);
        }
        self.add_str(data, len, buf as usize + 1, ascii, cap + 16)
    }

    /// Allocates a String (a one-character ASCII String is the shared one of
    /// [`Heap::char_str`]).
    pub fn alloc_str(&mut self, s: &str) -> Val {
        if s.len() <= INLINE {
            self.inline_str(s.as_bytes(), &[], s.is_ascii())
        } else {
            self.owner_str(s.as_bytes(), &[], s.len(), s.is_ascii())
        }
    }

    /// Allocates a String, taking the text.
    pub fn alloc_string(&mut self, s: String) -> Val {
        self.alloc_str(&s)
    }

    /// The one-character String `c`: made once per heap for ASCII characters and for the first
    /// `WIDE_CHARS` other characters asked for; inline.
    #[inline]
    pub fn char_str(&mut self, c: char) -> Val {
        if c.is_ascii() {
            let v = self.chars[c as usize];
            if v.tag == STR {
                return v;
            }
            let v = self.new_inline_str(&[c as u8], &[], true);
            self.chars[c as usize] = v;
            self.pin(v);
            return v;
        }
        if let Some(&v) = self.wide_chars.get(&c) {
            return v;
        }
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        let v = self.new_inline_str(s.as_bytes(), &[], false);
        if self.wide_chars.len() < WIDE_CHARS {
            self.wide_chars.insert(c, v);
            self.pin(v);
        }
        v
    }

    /// Makes the 128 one-character ASCII Strings of [`Heap::char_str`] now and returns the
    /// address of their table (`Val`s of 16 bytes by character code; it does not move while
    /// the heap lives), for compiled code's inline `charAt`.
    pub fn ascii_chars(&mut self) -> *const Val {
        for c in 0..128u8 {
            self.char_str(c as char);
        }
        self.chars.as_ptr()
    }

    /// The substring of String `s` (`s.tag == STR`) between byte offsets `a <= b` (char
    /// boundaries): inline when short, else a view sharing `s`'s buffer.
    pub fn substr(&mut self, s: Val, a: usize, b: usize) -> Val {
        let o = str_obj(s);
        if a == 0 && b == o.len {
            return s;
        }
        let text = &o.as_str().as_bytes()[a..b];
        let ascii = o.ascii || text.is_ascii();
        if text.len() <= INLINE {
            return self.inline_str(text, &[], ascii);
        }
        // Longer than INLINE, so `s` is an owner or a view.
        let owner = o.owner();
        self.add_str(text.as_ptr(), text.len(), owner, ascii, 0)
    }

    /// The String `a` followed by `text` (`a.tag == STR`). A short result is made inline. When
    /// `a` ends where its buffer's used part ends and `text` fits, the bytes are written in
    /// place and the result is a view of the same buffer; otherwise the result gets a new
    /// buffer with room to grow (twice its length). `a` and every other String are unchanged.
    pub fn append_str(&mut self, a: Val, text: &str) -> Val {
        let o = str_obj(a);
        let ascii = o.ascii && text.is_ascii();
        let len = o.len + text.len();
        if text.is_empty() {
            return a;
        }
        if len <= INLINE {
            return self.inline_str(o.as_str().as_bytes(), text.as_bytes(), ascii);
        }
        if let Some(buf) = o.buf() {
            // SAFETY: the buffer lives while `a` does.
            let (data, cap, used) = unsafe { (buf_data(buf), (*buf).cap, &(*buf).used) };
            let end = o.ptr as usize + o.len - data as usize;
            if end == used.get() && cap - end >= text.len() {
                // SAFETY: bytes `end..end+text.len()` lie in the buffer's spare capacity,
                // which no String covers; `text` never overlaps them (it is text of some
                // String, below a `used` mark, or memory outside this buffer).
                unsafe {
                    std::ptr::copy_nonoverlapping(text.as_ptr(), data.add(end), text.len());
                }
                used.set(end + text.len());
                let (ptr, owner) = (o.ptr, o.owner());
                return self.add_str(ptr, len, owner, ascii, text.len());
            }
        }
        let (x, y) = (o.as_str().as_bytes(), text.as_bytes());
        self.owner_str(x, y, (2 * len).max(32), ascii)
    }

    /// `a` followed by `b` (both Strings) for an append site the translator proved owns its
    /// accumulator (`codegen/src/function/append.rs`): when `a` is `init` (the loop's starting
    /// constant) or not a buffer owner, a new owner String with room to grow; otherwise `a`
    /// itself, extended in place (its buffer grown, by doubling, when full). The caller
    /// guarantees that nothing else refers to an owner `a` other than `init`, so no String
    /// observably changes.
    pub fn append_in_place(&mut self, a: Val, b: Val, init: Val) -> Val {
        if a != init && self.append_fits(a, b) {
            return a;
        }
        let text = str_obj(b).as_str().as_bytes();
        let o = str_obj(a);
        if a == init || o.base & 1 == 0 {
            let len = o.len + text.len();
            let ascii = o.ascii && str_obj(b).ascii;
            return self.owner_str(o.as_str().as_bytes(), text, (2 * len).max(32), ascii);
        }
        // SAFETY: `a` is an owner String that only the caller refers to: its fields and the
        // spare capacity of its buffer may change.
        unsafe {
            let o = &mut *(a.bits as *mut StrObj);
            let buf = (o.base - 1) as *mut BufHead;
            let cap = (*buf).cap;
            let len = o.len + text.len();
            // A new buffer of twice the length; the old one has no other user.
            let new_cap = (2 * len).max(32);
            let nb = new_buf(new_cap);
            let data = buf_data(nb);
            std::ptr::copy_nonoverlapping(o.ptr, data, o.len);
            std::ptr::copy_nonoverlapping(text.as_ptr(), data.add(o.len), text.len());
            (*nb).used.set(len);
            std::alloc::dealloc(buf as *mut u8, buf_layout(cap));
            o.base = nb as usize + 1;
            o.ptr = data;
            self.allocated += new_cap + 16;
            o.len = len;
            if o.ascii && !str_obj(b).ascii {
                o.ascii = false;
            }
            if !o.ascii {
                // A scalar-value index built for the shorter text is stale.
                let slot = o.inline.get() as *mut usize;
                let p = slot.read_unaligned();
                if p != 0 {
                    drop(Box::from_raw(p as *mut CharIndex));
                    slot.write_unaligned(0);
                }
            }
        }
        a
    }

    /// [`Heap::append_in_place`] when `a` (not the loop's constant) is an owner whose buffer
    /// has room for `b`: writes `b`'s bytes in place and returns true (allocates nothing);
    /// otherwise false and nothing changed.
    #[inline]
    pub fn append_fits(&mut self, a: Val, b: Val) -> bool {
        let (o, t) = (str_obj(a), str_obj(b));
        if o.base & 1 == 0 {
            return false;
        }
        // Non-ASCII text only onto non-ASCII text without a scalar-value index (which would
        // go stale); `append_in_place` handles the rest.
        // SAFETY: a non-inline String's inline bytes hold the index address or 0.
        if !(o.ascii && t.ascii)
            && (o.ascii || unsafe { (o.inline.get() as *const usize).read_unaligned() } != 0)
        {
            return false;
        }
        let buf = (o.base - 1) as *mut BufHead;
        // SAFETY: `a` is an owner String that only the caller refers to (see
        // `append_in_place`); `b`'s bytes lie outside `a`'s spare capacity.
        unsafe {
            let used = (*buf).used.get();
            if used != o.len || (*buf).cap - used < t.len {
                return false;
            }
            let dst = buf_data(buf).add(used);
            if t.len <= 8 {
                // Short pieces (the common case): no memcpy call.
                for i in 0..t.len {
                    dst.add(i).write(t.ptr.add(i).read());
                }
            } else {
                std::ptr::copy_nonoverlapping(t.ptr, dst, t.len);
            }
            (*buf).used.set(used + t.len);
            (*(a.bits as *mut StrObj)).len = used + t.len;
        }
        self.allocated += t.len;
        true
    }

    /// The Strings `items` (every one's tag is `STR`) joined with `sep`, built in one buffer of
    /// the exact size.
    pub fn join_strs(&mut self, items: &[Val], sep: &str) -> Val {
        let n = items.len();
        let len =
            items.iter().map(|&v| str_obj(v).len).sum::<usize>() + sep.len() * n.saturating_sub(1);
        let ascii = sep.is_ascii() && items.iter().all(|&v| str_obj(v).ascii);
        if len <= INLINE {
            let mut tmp = [0u8; INLINE];
            let mut at = 0;
            for (i, &v) in items.iter().enumerate() {
                if i > 0 {
                    tmp[at..at + sep.len()].copy_from_slice(sep.as_bytes());
                    at += sep.len();
                }
                let t = str_of(v).as_bytes();
                tmp[at..at + t.len()].copy_from_slice(t);
                at += t.len();
            }
            return self.inline_str(&tmp[..at], &[], ascii);
        }
        let buf = new_buf(len);
        let data = buf_data(buf);
        let mut at = 0;
        for (i, &v) in items.iter().enumerate() {
            // SAFETY: the parts add up to `len` bytes, the buffer's capacity; they are other
            // memory.
            unsafe {
                if i > 0 {
                    std::ptr::copy_nonoverlapping(sep.as_ptr(), data.add(at), sep.len());
                    at += sep.len();
                }
                let t = str_of(v).as_bytes();
                std::ptr::copy_nonoverlapping(t.as_ptr(), data.add(at), t.len());
                at += t.len();
            }
        }
        // SAFETY: the buffer is live; `len` bytes are written.
        unsafe { (*buf).used.set(len) };
        self.add_str(data, len, buf as usize + 1, ascii, len + 16)
    }

    /// Allocates an ArrayBox holding `items`.
    pub fn alloc_array(&mut self, items: Vec<Val>) -> Val {
        let bytes = items.capacity() * 16;
        self.add(ARRAY, ArrayObj { items }, bytes)
    }

    /// Allocates an empty MapBox.
    pub fn alloc_map(&mut self) -> Val {
        self.add(MAP, MapObj::default(), 0)
    }

    /// Allocates an instance of user box `box_id` with `nfields` fields, all `void`.
    pub fn alloc_user(&mut self, box_id: u32, nfields: usize) -> Val {
        let mut fields = vec![Val::VOID; nfields];
        let data = fields.as_mut_ptr();
        self.add(
            USER,
            UserObj {
                box_id,
                data,
                fields,
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

    /// The object whose address is `w`, if `w` is the address of an allocated slot.
    #[inline]
    fn object_at(&self, w: usize) -> Option<Val> {
        if w < self.page_lo || w >= self.page_hi {
            return None;
        }
        let page = w & !(PAGE - 1);
        let k = *self.page_kind.get(&page)? as usize;
        let g = space_geometry(k);
        let off = w - page;
        if off < g.hdr || !(off - g.hdr).is_multiple_of(g.size) || (off - g.hdr) / g.size >= g.n {
            return None;
        }
        // SAFETY: `w` is a slot of a page of space `k`.
        if unsafe { state(k, w) }.get() == FREE {
            return None;
        }
        Some(Val {
            tag: KINDS[k],
            bits: w as u64,
        })
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
            let mut p = (lo + 7) & !7;
            while p + 8 <= hi {
                // SAFETY: the caller guarantees the range is readable; `p` is aligned.
                let w = unsafe { std::ptr::read_volatile(p as *const usize) };
                if let Some(v) = self.object_at(w) {
                    // SAFETY: `v` is an allocated object.
                    unsafe { mark(v, &mut work) };
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
        // Sweep.
        let mut live = 0usize;
        for k in 0..4 {
            live += self.sweep(k);
        }
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

    /// Sweeps space `k`: frees white objects, whitens black ones, rebuilds the free list in
    /// address order and returns spare empty pages. Returns the live size in bytes.
    fn sweep(&mut self, k: usize) -> usize {
        let g = space_geometry(k);
        let mut live = 0usize;
        let mut pages = std::mem::take(&mut self.spaces[k].pages);
        pages.sort_unstable();
        let mut empty = Vec::with_capacity(pages.len());
        let mut freed = 0;
        for &page in &pages {
            let mut used = 0;
            for i in 0..g.n {
                let p = page + g.hdr + i * g.size;
                // SAFETY: `p` is a slot of a page of space `k`, byte `i` of the page its state;
                // allocated slots hold live objects of that kind until dropped here, once.
                unsafe {
                    let st = &*((page + i) as *const Cell<u8>);
                    match st.get() {
                        BLACK => {
                            st.set(WHITE);
                            live += size_of_obj(KINDS[k], p);
                            used += 1;
                        }
                        WHITE => {
                            drop_payload(KINDS[k], p);
                            st.set(FREE);
                            freed += 1;
                        }
                        _ => {}
                    }
                }
            }
            empty.push(used == 0);
        }
        // Empty pages are kept, up to as many as the pages in use (the allocation until the
        // next collection will want them) and at least SPARE_PAGES; the rest are returned.
        let in_use = empty.iter().filter(|e| !**e).count();
        let mut spare = in_use.max(SPARE_PAGES);
        let mut kept = Vec::with_capacity(pages.len());
        for (&page, &e) in pages.iter().zip(&empty) {
            if e && spare == 0 {
                self.page_kind.remove(&page);
                let layout = Layout::from_size_align(PAGE, PAGE).expect("page layout");
                // SAFETY: the page was made by `grow` with this layout and holds no object.
                unsafe { std::alloc::dealloc(page as *mut u8, layout) };
            } else {
                spare -= e as usize;
                kept.push(page);
            }
        }
        self.count -= freed;
        // The free list, lowest address first.
        let mut next = 0usize;
        for &page in kept.iter().rev() {
            for i in (0..g.n).rev() {
                let p = page + g.hdr + i * g.size;
                // SAFETY: as above; a free slot's first word links the list.
                unsafe {
                    if *((page + i) as *const u8) == FREE {
                        *(p as *mut usize) = next;
                        next = p;
                    }
                }
            }
        }
        self.spaces[k].free = next;
        self.spaces[k].pages = kept;
        live
    }
}

/// Marks `v` and queues it for tracing, if it is an unmarked heap value. A String view marks
/// its owner.
///
/// # Safety
/// A heap `v` must point to a live object.
#[inline]
unsafe fn mark(v: Val, work: &mut Vec<Val>) {
    if !v.is_heap() {
        return;
    }
    let p = v.bits as usize;
    let k = kind_slot(v.tag);
    // SAFETY: guaranteed by the caller.
    let st = unsafe { state(k, p) };
    if st.get() != WHITE {
        return;
    }
    st.set(BLACK);
    if v.tag == STR {
        let base = str_obj(v).base;
        if base != 0 && base & 1 == 0 {
            // SAFETY: the owner of a live view is live.
            unsafe { state(0, base) }.set(BLACK);
        }
    } else {
        work.push(v);
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
    match kind {
        STR => {
            let o = str_obj(v);
            std::mem::size_of::<StrObj>()
                + if o.base & 1 == 1 {
                    // SAFETY: an owner's buffer is live.
                    unsafe { (*((o.base - 1) as *const BufHead)).cap }
                } else {
                    0
                }
        }
        ARRAY => std::mem::size_of::<ArrayObj>() + array_mut(v).capacity() * 16,
        MAP => std::mem::size_of::<MapObj>() + map_mut(v).heap_bytes(),
        _ => std::mem::size_of::<UserObj>() + user_mut(v).fields.len() * 16,
    }
}

/// Drops the payload of object `p`, keeping its slot.
///
/// # Safety
/// `p` must be a live object of kind `kind`; afterwards it is uninitialized memory.
unsafe fn drop_payload(kind: u64, p: usize) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        match kind {
            STR => std::ptr::drop_in_place(p as *mut StrObj),
            ARRAY => std::ptr::drop_in_place(p as *mut ArrayObj),
            MAP => std::ptr::drop_in_place(p as *mut MapObj),
            _ => std::ptr::drop_in_place(p as *mut UserObj),
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(PAGE, PAGE).expect("page layout");
        for (k, &kind) in KINDS.iter().enumerate() {
            let g = space_geometry(k);
            for &page in &self.spaces[k].pages {
                for i in 0..g.n {
                    let p = page + g.hdr + i * g.size;
                    // SAFETY: allocated slots hold live objects, dropped once, here; then the
                    // page (made by `grow` with this layout) is freed.
                    unsafe {
                        if state(k, p).get() != FREE {
                            drop_payload(kind, p);
                        }
                    }
                }
                // SAFETY: as above.
                unsafe { std::alloc::dealloc(page as *mut u8, layout) };
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
    fn sampled_index_over_long_text() {
        let mut h = Heap::with_stress(false);
        // 1000 scalars of mixed widths, so that lookups cross many samples.
        let text: String = (0..1000)
            .map(|i| ['a', 'é', '日', '😀'][(i * 7 + i / 3) % 4])
            .collect();
        let v = h.alloc_str(&text);
        let o = str_obj(v);
        let offsets: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        assert_eq!(o.char_len(), 1000);
        for (i, &b) in offsets.iter().enumerate() {
            assert_eq!(o.byte_at(i), b);
            assert_eq!(o.char_index(b), i);
        }
        assert_eq!(o.byte_at(1000), text.len());
        assert_eq!(o.char_index(text.len()), 1000);
        // A view of it gets its own index; both are freed by a collection.
        let (a, b) = (o.byte_at(100), o.byte_at(900));
        let view = h.substr(v, a, b);
        let vo = str_obj(view);
        assert_eq!(vo.char_len(), 800);
        assert_eq!(vo.byte_at(5), offsets[105] - offsets[100]);
        assert_eq!(vo.char_index(offsets[105] - offsets[100]), 5);
        unsafe { h.collect(&[], None) };
        assert!(h.is_empty());
        // The layout the page sizes assume.
        assert_eq!(std::mem::size_of::<StrObj>(), 48);
    }

    #[test]
    fn char_at_forwards_backwards_and_inline() {
        let mut h = Heap::with_stress(false);
        let text: String = (0..300)
            .map(|i| ['a', 'é', '日', '😀', 'z'][(i * 5 + i / 7) % 5])
            .collect();
        let chars: Vec<char> = text.chars().collect();
        let o = str_obj(h.alloc_str(&text));
        // A forward scan (the cursor steps one scalar), a backward one (the cursor is past the
        // index: from the sample), a jumping one, and past the end.
        for (i, &c) in chars.iter().enumerate() {
            assert_eq!(o.char_at(i), Some(c), "forward {i}");
        }
        for i in (0..chars.len()).rev() {
            assert_eq!(o.char_at(i), Some(chars[i]), "backward {i}");
            assert_eq!(o.byte_at(i), text.char_indices().nth(i).unwrap().0);
        }
        for i in (0..chars.len()).step_by(7).chain([3, 2, 250, 249, 251]) {
            assert_eq!(o.char_at(i), Some(chars[i]), "jump {i}");
        }
        assert_eq!(o.char_at(chars.len()), None);
        // Inline non-ASCII text.
        let short = str_obj(h.alloc_str("aé日😀b"));
        assert_eq!(short.base, 0);
        let want = ['a', 'é', '日', '😀', 'b'];
        for (i, c) in want.iter().enumerate() {
            assert_eq!(short.char_at(i), Some(*c));
        }
        assert_eq!(short.char_at(5), None);
    }

    #[test]
    fn inline_views_and_owners() {
        let mut h = Heap::with_stress(false);
        let short = h.alloc_str("short");
        assert_eq!(str_obj(short).base, 0);
        let long = h.alloc_str("a string longer than the inline limit");
        assert_eq!(str_obj(long).base & 1, 1);
        // A long substring is a view of the owner; a short one is inline.
        let view = h.substr(long, 2, 30);
        assert_eq!(str_of(view), "string longer than the inlin");
        assert_eq!(str_obj(view).base, long.bits as usize);
        let sub = h.substr(view, 0, 6);
        assert_eq!(str_of(sub), "string");
        assert_eq!(str_obj(sub).base, 0);
        // A view of a view points at the owner.
        let vv = h.substr(view, 1, 27);
        assert_eq!(str_obj(vv).base, long.bits as usize);
        // The view alone keeps the owner's text alive.
        unsafe { h.collect(&[vv], None) };
        assert_eq!(h.len(), 2);
        assert_eq!(str_of(vv), "tring longer than the inli");
        // One-character ASCII Strings are shared.
        let c1 = h.char_str('x');
        let c2 = h.char_str('x');
        assert_eq!(c1, c2);
        assert_eq!(h.alloc_str("x"), c1);
        assert_eq!(str_of(h.char_str('é')), "é");
    }

    #[test]
    fn appends_share_and_copy_without_aliasing() {
        let mut h = Heap::with_stress(false);
        let s0 = h.alloc_str("ab");
        // Short results are inline.
        let s1 = h.append_str(s0, "cd");
        assert_eq!(str_of(s1), "abcd");
        assert_eq!(str_obj(s1).base, 0);
        // Past the inline limit: a growable buffer.
        let s1 = h.append_str(s1, &"x".repeat(30));
        let s2 = h.append_str(s1, "ef");
        assert_eq!(str_obj(s2).base, s1.bits as usize);
        assert_eq!(str_of(s2), format!("abcd{}ef", "x".repeat(30)));
        // Appending to the older prefix `s1` must copy and leave `s2` alone.
        let t = h.append_str(s1, "XY");
        assert_ne!(str_obj(t).buf(), str_obj(s2).buf());
        assert!(str_of(t).ends_with("xXY"));
        assert!(str_of(s2).ends_with("xef"));
        assert!(str_of(s1).ends_with("xx"));
        assert_eq!(str_of(s0), "ab");
        // The newest view still extends in place; `t` does too, in its own buffer.
        let s3 = h.append_str(s2, "g");
        let t2 = h.append_str(t, "Z");
        assert_eq!(str_obj(s3).buf(), str_obj(s2).buf());
        assert!(str_of(s3).ends_with("xefg") && str_of(t2).ends_with("xXYZ"));
        assert!(str_of(s2).ends_with("xef"));
        // Appending a String of the same buffer to itself.
        let d = h.append_str(s3, str_of(s3));
        assert_eq!(str_of(d), format!("{0}{0}", str_of(s3)));
        // Non-ASCII text keeps the flag right.
        let u = h.append_str(d, "é");
        assert!(!str_obj(u).ascii && str_obj(d).ascii);
        assert_eq!(str_obj(u).char_len(), str_of(d).len() + 1);
    }

    #[test]
    fn many_appends_grow_geometrically() {
        let mut h = Heap::with_stress(false);
        let mut s = h.alloc_str("");
        let mut buffers = 0;
        let mut last = None;
        for _ in 0..10_000 {
            s = h.append_str(s, "ab");
            let b = str_obj(s).buf();
            if b != last {
                buffers += 1;
                last = b;
            }
        }
        assert_eq!(str_of(s).len(), 20_000);
        // Doubling: about log2(20000 / 32) + 1 buffers, far fewer than appends.
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
        let k = h.alloc_str("key");
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
        let t = h.alloc_str("tt");
        let mark = h.root_mark();
        h.push_root(t);
        unsafe { h.collect(&[], None) };
        assert_eq!(h.len(), 4);
        assert_eq!(str_of(t), "tt");
        h.pop_roots(mark);
        unsafe { h.collect(&[], None) };
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn conservative_words_keep_objects() {
        let mut h = Heap::with_stress(false);
        let xs: Vec<Val> = (0..50).map(|i| h.alloc_str(&format!("s{i}"))).collect();
        // A fake "stack": the address of one object, an interior pointer and junk.
        let words: Vec<usize> = vec![xs[7].bits as usize, xs[9].bits as usize + 8, 12345];
        let lo = words.as_ptr() as usize;
        let hi = lo + words.len() * 8;
        // SAFETY: the range is the vector's memory.
        unsafe { h.collect(&[], Some((lo, hi))) };
        assert_eq!(h.len(), 1);
        assert_eq!(str_of(xs[7]), "s7");
        // A word naming a freed slot keeps nothing; new objects are found.
        let more: Vec<Val> = (0..20).map(|i| h.alloc_str(&format!("m{i}"))).collect();
        let words: Vec<usize> = vec![xs[7].bits as usize, more[3].bits as usize];
        let lo = words.as_ptr() as usize;
        unsafe { h.collect(&[], Some((lo, lo + 16))) };
        assert_eq!(h.len(), 2);
        assert_eq!(str_of(more[3]), "m3");
        let words: Vec<usize> = vec![more[4].bits as usize];
        let lo = words.as_ptr() as usize;
        unsafe { h.collect(&[xs[7], more[3]], Some((lo, lo + 8))) };
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn swept_memory_is_reused() {
        let mut h = Heap::with_stress(false);
        let a = h.alloc_array(vec![Val::int(1)]);
        let u = h.alloc_user(3, 2);
        unsafe { h.collect(&[], None) };
        assert!(h.is_empty());
        // The next objects of each kind take the swept slots, freshly initialized.
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
    fn empty_pages_are_returned() {
        let mut h = Heap::with_stress(false);
        let n = (SPARE_PAGES + 40) * space_geometry(0).n;
        for i in 0..n {
            h.alloc_str(&format!("s{i}"));
        }
        assert!(h.spaces[0].pages.len() >= SPARE_PAGES + 40);
        unsafe { h.collect(&[], None) };
        assert!(h.is_empty());
        assert_eq!(h.spaces[0].pages.len(), SPARE_PAGES);
        assert_eq!(h.page_kind.len(), SPARE_PAGES);
        let s = h.alloc_str("again");
        assert_eq!(str_of(s), "again");
    }

    #[test]
    fn threshold_tracks_allocation() {
        let mut h = Heap::with_stress(false);
        assert!(!h.should_collect());
        for _ in 0..(MIN_THRESHOLD / 32) {
            h.alloc_str("xy");
        }
        assert!(h.should_collect());
        unsafe { h.collect(&[], None) };
        assert!(!h.should_collect());
        assert!(h.is_empty());
        assert!(Heap::with_stress(true).should_collect());
    }
}
