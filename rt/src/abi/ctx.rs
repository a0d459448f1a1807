//! The context of a compiled run ([`Ctx`]) and the helpers every runtime function uses to
//! reach it, report traps and call back into compiled code.

use super::{ArrayEntry, Symbols, TRAP};
use crate::{Config, Host, Io, Runtime, Trap, Val};
use mir14_mir::{FuncId, Module};

/// The context of a compiled run: the call depth (read and written inline by compiled code at
/// [`CTX_DEPTH`] and [`CTX_MAX_DEPTH`]), the runtime, the compiled functions and resolved symbols.
#[repr(C)]
pub struct Ctx {
    /// The number of active MIR activations (compiled code keeps it; spec §5).
    pub depth: u64,
    /// The depth limit (`--max-depth`).
    pub max_depth: u64,
    /// The address of `strings[0]` (read inline by compiled code at [`CTX_STRINGS`]).
    pub(super) strings_ptr: *const Val,
    /// The address of the one-character ASCII Strings by code (read inline at [`CTX_CHARS`]).
    pub(super) chars_ptr: *const Val,
    /// The runtime.
    pub rt: Runtime,
    pub(super) entries: Vec<ArrayEntry>,
    pub(super) strings: Vec<Val>,
    pub(super) fields: Vec<u32>,
    pub(super) methods: Vec<u32>,
    /// The highest native stack address compiled code of this run can use (set by
    /// [`run_compiled`]; 0 until then, and then no collection runs).
    pub(super) stack_top: usize,
    /// The hooks of a tiered engine (interpreter and compiled code in one run), if any.
    pub tier: Option<TierHooks>,
    /// The root area of the innermost compiled frame that has one (0: none), read and written
    /// inline by compiled code at [`CTX_ROOTS`]: see [`RootArea`].
    pub(super) roots: usize,
}

/// The layout of a compiled frame's *root area* (a stack slot; spec §5 "Roots"): the address of
/// the previous frame's area (the chain's next link, 0 at its end), the number of values `n`,
/// then `n` values (tag, bits). A compiled function whose possibly-heap values are live across
/// a safepoint links its area into [`Ctx`] on entry and unlinks it on every way out (return,
/// tail call, trap); before each safepoint it stores the values live there. The collector
/// walks the chain: these are the compiled frames' roots, precisely.
#[repr(C)]
pub struct RootArea {
    /// The previous area (0: none).
    pub prev: usize,
    /// The number of values stored after this header.
    pub count: u64,
}

/// Byte offset of [`RootArea::prev`].
pub const ROOT_AREA_PREV: i32 = std::mem::offset_of!(RootArea, prev) as i32;
/// Byte offset of [`RootArea::count`].
pub const ROOT_AREA_COUNT: i32 = std::mem::offset_of!(RootArea, count) as i32;
/// Byte offset of the first value of a root area (values of 16 bytes follow).
pub const ROOT_AREA_VALUES: i32 = std::mem::size_of::<RootArea>() as i32;

/// How a tiered engine (`mir14-tier`) joins a compiled run: calls made by the runtime from
/// compiled code go to [`TierHooks::call`] (which picks compiled code or the interpreter), and
/// every collection adds the interpreter's registers from [`TierHooks::roots`].
#[derive(Copy, Clone)]
pub struct TierHooks {
    /// The engine, passed back to both hooks.
    pub data: *mut (),
    /// Runs module function `f` with `args` as a MIR call (depth, fuel, annotations).
    ///
    /// # Safety
    /// `data` must be the engine the hooks were made for, `ctx` its live context.
    pub call: unsafe fn(data: *mut (), ctx: *mut Ctx, f: FuncId, args: &[Val]) -> Result<Val, Trap>,
    /// The interpreter's live registers (precise roots) as `(pointer, count)`; the registers
    /// above them are cleared.
    ///
    /// # Safety
    /// `data` must be the engine the hooks were made for.
    pub roots: unsafe fn(data: *mut ()) -> (*const Val, usize),
}

impl Ctx {
    /// Builds the context for a run of `module`.
    pub fn new(
        module: &Module,
        config: Config,
        io: Io,
        entries: &[ArrayEntry],
        syms: &Symbols,
    ) -> Ctx {
        let mut rt = Runtime::new(module, config, io);
        // String constants live as long as the code that refers to them (pinned).
        let strings: Vec<Val> = syms.strings.iter().map(|s| rt.constant_str(s)).collect();
        let fields = syms.fields.iter().map(|s| rt.field_id(s)).collect();
        let methods = syms.methods.iter().map(|s| rt.method_id(s)).collect();
        let max_depth = rt.config.max_depth;
        Ctx {
            depth: 0,
            max_depth,
            strings_ptr: strings.as_ptr(),
            chars_ptr: rt.heap.ascii_chars(),
            rt,
            entries: entries.to_vec(),
            strings,
            fields,
            methods,
            stack_top: 0,
            tier: None,
            roots: 0,
        }
    }

    /// Sets the highest native stack address compiled code of this run can use (what
    /// [`super::run_compiled`] does for its own frame); a tiered engine calls it before running
    /// anything.
    pub fn set_stack_top(&mut self, top: usize) {
        self.stack_top = top;
    }

    /// Collects garbage now if a collection is due, with the runtime's roots, the tier's
    /// interpreter roots and the compiled frames' root areas (the safepoint of an interpreter
    /// running inside a tiered run).
    /// The caller checks [`Runtime::memory_trap`] afterwards.
    pub fn poll_gc(&mut self) {
        if self.rt.heap.should_collect() {
            super::gc::collect_compiled(self, &[], &[]);
        }
    }
}

/// Byte offset of [`Ctx::depth`].
pub const CTX_DEPTH: i32 = 0;
/// Byte offset of [`Ctx::max_depth`].
pub const CTX_MAX_DEPTH: i32 = 8;
/// Byte offset of the address of the innermost compiled frame's [`RootArea`] (0: none).
pub const CTX_ROOTS: i32 = std::mem::offset_of!(Ctx, roots) as i32;
/// Byte offset of the address of the string constants (`Val`s of 16 bytes, by symbol index):
/// compiled code reads a `const "..."` from there.
pub const CTX_STRINGS: i32 = std::mem::offset_of!(Ctx, strings_ptr) as i32;
/// Byte offset of the address of the 128 one-character ASCII Strings (`Val`s by character
/// code): compiled code's inline `charAt` reads from there.
pub const CTX_CHARS: i32 = std::mem::offset_of!(Ctx, chars_ptr) as i32;

/// The [`Host`] of compiled code: runs a module function through its array entry.
pub(super) struct CompiledHost {
    pub(super) ctx: *mut Ctx,
}

impl Host for CompiledHost {
    fn call_function(&mut self, _rt: &mut Runtime, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        // SAFETY: `ctx` is the live context of this run.
        if let Some(t) = unsafe { (*self.ctx).tier } {
            // SAFETY: the hooks were installed by the engine that owns this run.
            return unsafe { (t.call)(t.data, self.ctx, f, args) };
        }
        // SAFETY: `ctx` is the live context of this run; the entry table covers every function.
        let entry = unsafe { (&(*self.ctx).entries)[f.index()] };
        // SAFETY: compiled array entries read exactly `args.len()` values (arity was checked).
        let v = unsafe { entry(self.ctx, args.as_ptr(), args.len() as u64) };
        if v.tag == TRAP {
            // SAFETY: as above.
            let pending = unsafe { (*self.ctx).rt.pending.take() };
            return Err(pending.unwrap_or_else(|| Trap::type_error("lost trap")));
        }
        Ok(v)
    }
}

/// Stores the result of a runtime operation: the value, or the trap (pending) and `TRAP`.
#[inline]
pub(super) fn ret(cx: &mut Ctx, r: Result<Val, Trap>) -> Val {
    match r {
        Ok(v) => v,
        Err(t) => {
            cx.rt.pending = Some(t);
            Val { tag: TRAP, bits: 0 }
        }
    }
}

/// Reborrows the context and makes a host for callbacks.
///
/// # Safety
/// `ctx` must be the live context of the current run.
#[inline]
pub(super) unsafe fn cx<'a>(ctx: *mut Ctx) -> (&'a mut Ctx, CompiledHost) {
    // SAFETY: guaranteed by the caller.
    (unsafe { &mut *ctx }, CompiledHost { ctx })
}

/// The argument list `args[..n]`.
///
/// # Safety
/// `args` must point to `n` values (or be anything when `n == 0`).
#[inline]
pub(super) unsafe fn slice<'a>(args: *const Val, n: u64) -> &'a [Val] {
    if n == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(args, n as usize) }
    }
}

/// The value with `tag` and `bits`.
#[inline]
pub(super) fn v(tag: u64, bits: u64) -> Val {
    Val { tag, bits }
}
