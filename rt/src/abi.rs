//! The C ABI between compiled code (JIT and AOT) and the runtime.
//!
//! Compiled code passes a `*mut Ctx` as the first argument of every runtime function and of
//! every compiled MIR function. MIR values travel as two `u64`s (tag, bits); runtime functions
//! return a [`Val`] (two registers). A returned tag of [`TRAP`] means that a trap is pending in
//! [`Ctx`]: compiled code records the innermost location with `mir14_rt_trap_at` and returns `TRAP` to
//! its caller, up to [`run_compiled`], which reports it exactly as the interpreter does.
//!
//! Every function here is `extern "C"` and never unwinds: runtime errors are traps (values),
//! and the runtime itself does not panic on any input a verified module can produce.
//!
//! # Garbage collection
//!
//! Runtime functions that may allocate are safepoints: on entry they ask the heap whether a
//! collection is due and, if so, collect with these roots: their own operands (precise), the
//! runtime's roots (pinned constants, the shadow root stack), and the native stack between the
//! collection point and the frame of [`run_compiled`], scanned conservatively after the
//! callee-saved registers are spilled into it (x86-64: rbx, rbp, r12–r15, rdi, rsi; aarch64:
//! x19–x29). Compiled code keeps every value live across a call in a stack slot or a
//! callee-saved register, so this finds all of them.

use crate::{Config, Host, Io, Runtime, Trap, Val};
use mir14_mir::{
    BinOp, Block, BoxClass, BoxId, CmpOp, Constant, ExternFn, FuncId, Inst, Module, Operator,
    TypeName, UnaryOp,
};
use std::collections::HashMap;

/// The tag compiled code returns while a trap is pending.
pub const TRAP: u64 = u64::MAX;

/// The array entry of a compiled function: `(ctx, args, nargs) -> Val`.
pub type ArrayEntry = unsafe extern "C" fn(*mut Ctx, *const Val, u64) -> Val;

/// The names compiled code refers to by index: string constants, field and method names.
/// Collected from the module in a fixed order, so compile time and run time agree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Symbols {
    /// String constants.
    pub strings: Vec<String>,
    /// Field names of `load`/`store`.
    pub fields: Vec<String>,
    /// Method names of method calls.
    pub methods: Vec<String>,
    index: [HashMap<String, u32>; 3],
}

impl Symbols {
    /// Collects every string constant, field name and method name of `m`.
    pub fn collect(m: &Module) -> Symbols {
        let mut s = Symbols::default();
        for f in m.functions.values() {
            for b in f.blocks.values() {
                for inst in &b.insts {
                    match inst {
                        Inst::Const {
                            value: Constant::Str(x),
                            ..
                        } => {
                            s.intern(0, x);
                        }
                        Inst::Load { field, .. } | Inst::Store { field, .. } => {
                            s.intern(1, field);
                        }
                        Inst::Call {
                            callee: mir14_mir::Callee::Method { method, .. },
                            ..
                        } => {
                            s.intern(2, method);
                        }
                        _ => {}
                    }
                }
            }
        }
        s
    }

    fn intern(&mut self, kind: usize, name: &str) -> u32 {
        if let Some(i) = self.index[kind].get(name) {
            return *i;
        }
        let list = match kind {
            0 => &mut self.strings,
            1 => &mut self.fields,
            _ => &mut self.methods,
        };
        let i = list.len() as u32;
        list.push(name.to_owned());
        self.index[kind].insert(name.to_owned(), i);
        i
    }

    /// The index of string constant `s` (0 if it was not collected).
    pub fn string(&self, s: &str) -> u32 {
        self.index[0].get(s).copied().unwrap_or(0)
    }

    /// The index of field name `s` (0 if it was not collected).
    pub fn field(&self, s: &str) -> u32 {
        self.index[1].get(s).copied().unwrap_or(0)
    }

    /// The index of method name `s` (0 if it was not collected).
    pub fn method(&self, s: &str) -> u32 {
        self.index[2].get(s).copied().unwrap_or(0)
    }
}

/// The context of a compiled run: the call depth (read and written inline by compiled code at
/// [`CTX_DEPTH`] and [`CTX_MAX_DEPTH`]), the runtime, the compiled functions and resolved symbols.
#[repr(C)]
pub struct Ctx {
    /// The number of active MIR activations (compiled code keeps it; spec §5).
    pub depth: u64,
    /// The depth limit (`--max-depth`).
    pub max_depth: u64,
    /// The runtime.
    pub rt: Runtime,
    entries: Vec<ArrayEntry>,
    strings: Vec<Val>,
    fields: Vec<u32>,
    methods: Vec<u32>,
    /// The highest native stack address compiled code of this run can use (set by
    /// [`run_compiled`]; 0 until then, and then no collection runs).
    stack_top: usize,
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
        let strings: Vec<Val> = syms.strings.iter().map(|s| rt.heap.alloc_str(s)).collect();
        // String constants live as long as the code that refers to them.
        for &s in &strings {
            rt.heap.pin(s);
        }
        let fields = syms.fields.iter().map(|s| rt.field_id(s)).collect();
        let methods = syms.methods.iter().map(|s| rt.method_id(s)).collect();
        let max_depth = rt.config.max_depth;
        Ctx {
            depth: 0,
            max_depth,
            rt,
            entries: entries.to_vec(),
            strings,
            fields,
            methods,
            stack_top: 0,
        }
    }
}

/// Collects garbage if a collection is due: the safepoint at the entry of a runtime function
/// that may allocate. `a` and `b` are the call's operands (precise roots).
#[inline(always)]
fn poll(cx: &mut Ctx, a: &[Val], b: &[Val]) {
    if cx.rt.heap.should_collect() {
        collect_compiled(cx, a, b);
    }
}

/// Spills the callee-saved registers into the stack, then collects with the operands, the
/// runtime's roots and the native stack from here up to [`Ctx::stack_top`] as roots.
#[inline(never)]
#[cold]
fn collect_compiled(cx: &mut Ctx, a: &[Val], b: &[Val]) {
    if cx.stack_top == 0 {
        // Not inside `run_compiled`: the stack extent is unknown, so nothing may be freed.
        return;
    }
    let mut regs = [0usize; 12];
    spill_callee_saved(&mut regs);
    let lo = std::hint::black_box(regs.as_ptr()) as usize;
    let hi = cx.stack_top.max(lo);
    let mut roots = Vec::with_capacity(a.len() + b.len());
    roots.extend_from_slice(a);
    roots.extend_from_slice(b);
    // SAFETY: the operands are values compiled code holds (live); `lo..hi` is this thread's
    // stack from this frame (which holds the spilled registers) up to `run_compiled`'s frame.
    unsafe { cx.rt.heap.collect(&roots, Some((lo, hi))) };
    std::hint::black_box(&regs);
}

/// Stores the callee-saved registers into `buf`, so that values compiled code keeps in them
/// are seen by the conservative stack scan.
#[inline(always)]
fn spill_callee_saved(buf: &mut [usize; 12]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: writes 8 words into `buf`, which has 12.
    unsafe {
        std::arch::asm!(
            "mov [{0}], rbx",
            "mov [{0} + 8], rbp",
            "mov [{0} + 16], r12",
            "mov [{0} + 24], r13",
            "mov [{0} + 32], r14",
            "mov [{0} + 40], r15",
            "mov [{0} + 48], rdi",
            "mov [{0} + 56], rsi",
            in(reg) buf.as_mut_ptr(),
            options(nostack, preserves_flags)
        );
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: writes 11 words into `buf`, which has 12.
    unsafe {
        std::arch::asm!(
            "stp x19, x20, [{0}]",
            "stp x21, x22, [{0}, #16]",
            "stp x23, x24, [{0}, #32]",
            "stp x25, x26, [{0}, #48]",
            "stp x27, x28, [{0}, #64]",
            "str x29, [{0}, #80]",
            in(reg) buf.as_mut_ptr(),
            options(nostack, preserves_flags)
        );
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        // Other targets: rely on the registers having been saved by the frames in between.
        let _ = buf;
    }
}

/// Byte offset of [`Ctx::depth`].
pub const CTX_DEPTH: i32 = 0;
/// Byte offset of [`Ctx::max_depth`].
pub const CTX_MAX_DEPTH: i32 = 8;

/// The [`Host`] of compiled code: runs a module function through its array entry.
struct CompiledHost {
    ctx: *mut Ctx,
}

impl Host for CompiledHost {
    fn call_function(&mut self, _rt: &mut Runtime, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
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
fn ret(cx: &mut Ctx, r: Result<Val, Trap>) -> Val {
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
unsafe fn cx<'a>(ctx: *mut Ctx) -> (&'a mut Ctx, CompiledHost) {
    // SAFETY: guaranteed by the caller.
    (unsafe { &mut *ctx }, CompiledHost { ctx })
}

/// # Safety
/// `args` must point to `n` values (or be anything when `n == 0`).
#[inline]
unsafe fn slice<'a>(args: *const Val, n: u64) -> &'a [Val] {
    if n == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(args, n as usize) }
    }
}

#[inline]
fn v(tag: u64, bits: u64) -> Val {
    Val { tag, bits }
}

/// Entering function `f` at the depth limit: always traps `StackOverflow` at `f`'s entry.
#[no_mangle]
unsafe extern "C" fn mir14_rt_stack_overflow(ctx: *mut Ctx, f: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let msg = format!("call depth exceeded {}", cx.max_depth);
    let t = Trap::new(crate::TrapKind::StackOverflow, msg).at(FuncId(f as u32), Block(0));
    ret(cx, Err(t))
}

/// A taken back edge: one unit of fuel. Returns 0, or 1 with a trap pending.
#[no_mangle]
unsafe extern "C" fn mir14_rt_fuel(ctx: *mut Ctx) -> u64 {
    let (cx, _) = unsafe { cx(ctx) };
    match cx.rt.spend_fuel() {
        Ok(()) => 0,
        Err(t) => {
            cx.rt.pending = Some(t);
            1
        }
    }
}

/// Locates the pending trap at (function, block) unless it is located already.
#[no_mangle]
unsafe extern "C" fn mir14_rt_trap_at(ctx: *mut Ctx, f: u64, b: u64) {
    let (cx, _) = unsafe { cx(ctx) };
    if let Some(t) = cx.rt.pending.take() {
        cx.rt.pending = Some(t.at(FuncId(f as u32), Block(b as u32)));
    }
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_const_str(ctx: *mut Ctx, i: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    cx.strings.get(i as usize).copied().unwrap_or(Val::VOID)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_unary(ctx: *mut Ctx, op: u64, t: u64, b: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let r = cx.rt.unary(decode_unary(op), v(t, b));
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_binop(
    ctx: *mut Ctx,
    op: u64,
    at: u64,
    ab: u64,
    bt: u64,
    bb: u64,
) -> Val {
    let (cx, mut host) = unsafe { cx(ctx) };
    let (a, b) = (v(at, ab), v(bt, bb));
    poll(cx, &[a, b], &[]);
    let r = cx.rt.binop(&mut host, decode_binop(op), a, b);
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_compare(
    ctx: *mut Ctx,
    op: u64,
    at: u64,
    ab: u64,
    bt: u64,
    bb: u64,
) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let r = cx.rt.compare(decode_cmp(op), v(at, ab), v(bt, bb));
    ret(cx, r)
}

/// `kind`: 0 check, 1 cast, 2 typeof; `ty` from [`encode_type`].
#[no_mangle]
unsafe extern "C" fn mir14_rt_typeop(ctx: *mut Ctx, kind: u64, ty: u64, t: u64, b: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let x = v(t, b);
    poll(cx, &[x], &[]);
    let r = match (kind, decode_type(ty as i64)) {
        (0, Some(ty)) => Ok(Val::bool(cx.rt.has_type(x, ty))),
        (1, Some(ty)) => cx.rt.cast(x, ty),
        _ => Ok(cx.rt.type_of(x)),
    };
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_load(ctx: *mut Ctx, sym: u64, t: u64, b: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let fid = cx.fields.get(sym as usize).copied().unwrap_or(u32::MAX);
    let r = cx.rt.load_field(v(t, b), fid);
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_store(
    ctx: *mut Ctx,
    sym: u64,
    t: u64,
    b: u64,
    vt: u64,
    vb: u64,
) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let fid = cx.fields.get(sym as usize).copied().unwrap_or(u32::MAX);
    let r = cx
        .rt
        .store_field(v(t, b), fid, v(vt, vb))
        .map(|()| Val::VOID);
    ret(cx, r)
}

/// A Branch on a non-Bool: always traps.
#[no_mangle]
unsafe extern "C" fn mir14_rt_branch_fail(ctx: *mut Ctx, t: u64, b: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let msg = format!(
        "branch condition must be Bool, got {}",
        cx.rt.type_name(v(t, b))
    );
    ret(cx, Err(Trap::type_error(msg)))
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_new(ctx: *mut Ctx, class: u64, args: *const Val, n: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let args = unsafe { slice(args, n) };
    poll(cx, args, &[]);
    let r = match decode_class(class as i64) {
        Some(c) => cx.rt.new_builtin(c, args),
        None => Err(Trap::type_error("bad class")),
    };
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_new_user(ctx: *mut Ctx, b: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    poll(cx, &[], &[]);
    cx.rt.new_user(BoxId(b as u32))
}

/// Checks the receiver of a static method call `call %r.B::m(args)`; returns void or `TRAP`.
#[no_mangle]
unsafe extern "C" fn mir14_rt_check_receiver(
    ctx: *mut Ctx,
    b: u64,
    sym: u64,
    t: u64,
    bits: u64,
    n: u64,
) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let mid = cx.methods.get(sym as usize).copied().unwrap_or(u32::MAX);
    let r = cx
        .rt
        .resolve_static_method(v(t, bits), BoxId(b as u32), mid, n as usize)
        .map(|_| Val::VOID);
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_call_method(
    ctx: *mut Ctx,
    sym: u64,
    t: u64,
    b: u64,
    args: *const Val,
    n: u64,
) -> Val {
    let (cx, mut host) = unsafe { cx(ctx) };
    let args = unsafe { slice(args, n) };
    let mid = cx.methods.get(sym as usize).copied().unwrap_or(u32::MAX);
    let recv = v(t, b);
    poll(cx, &[recv], args);
    let r = cx.rt.call_method(&mut host, recv, mid, args);
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_call_value(
    ctx: *mut Ctx,
    t: u64,
    b: u64,
    args: *const Val,
    n: u64,
) -> Val {
    let (cx, mut host) = unsafe { cx(ctx) };
    let args = unsafe { slice(args, n) };
    let f = v(t, b);
    poll(cx, &[f], args);
    let r = cx.rt.call_value(&mut host, f, args);
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_extern(ctx: *mut Ctx, id: u64, args: *const Val, n: u64) -> Val {
    let (cx, mut host) = unsafe { cx(ctx) };
    let args = unsafe { slice(args, n) };
    poll(cx, args, &[]);
    let r = match ExternFn::ALL.get(id as usize) {
        Some(e) => cx.rt.call_extern(&mut host, *e, args),
        None => Err(Trap::type_error("bad extern")),
    };
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_check_params(ctx: *mut Ctx, f: u64, args: *const Val, n: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let args = unsafe { slice(args, n) };
    let r = cx
        .rt
        .check_params(FuncId(f as u32), args)
        .map(|()| Val::VOID);
    ret(cx, r)
}

#[no_mangle]
unsafe extern "C" fn mir14_rt_check_ret(ctx: *mut Ctx, f: u64, t: u64, b: u64) -> Val {
    let (cx, _) = unsafe { cx(ctx) };
    let r = cx
        .rt
        .check_return(FuncId(f as u32), v(t, b))
        .map(|()| Val::VOID);
    ret(cx, r)
}

/// Every runtime function compiled code may import, by symbol name.
pub fn symbols() -> Vec<(&'static str, *const u8)> {
    vec![
        (
            "mir14_rt_stack_overflow",
            mir14_rt_stack_overflow as *const u8,
        ),
        ("mir14_rt_fuel", mir14_rt_fuel as *const u8),
        ("mir14_rt_trap_at", mir14_rt_trap_at as *const u8),
        ("mir14_rt_const_str", mir14_rt_const_str as *const u8),
        ("mir14_rt_unary", mir14_rt_unary as *const u8),
        ("mir14_rt_binop", mir14_rt_binop as *const u8),
        ("mir14_rt_compare", mir14_rt_compare as *const u8),
        ("mir14_rt_typeop", mir14_rt_typeop as *const u8),
        ("mir14_rt_load", mir14_rt_load as *const u8),
        ("mir14_rt_store", mir14_rt_store as *const u8),
        ("mir14_rt_branch_fail", mir14_rt_branch_fail as *const u8),
        ("mir14_rt_new", mir14_rt_new as *const u8),
        ("mir14_rt_new_user", mir14_rt_new_user as *const u8),
        (
            "mir14_rt_check_receiver",
            mir14_rt_check_receiver as *const u8,
        ),
        ("mir14_rt_call_method", mir14_rt_call_method as *const u8),
        ("mir14_rt_call_value", mir14_rt_call_value as *const u8),
        ("mir14_rt_extern", mir14_rt_extern as *const u8),
        ("mir14_rt_check_params", mir14_rt_check_params as *const u8),
        ("mir14_rt_check_ret", mir14_rt_check_ret as *const u8),
    ]
}

/// The native stack a compiled run needs so that no program within `max_depth` MIR calls can
/// overflow it: a generous bound per activation (a compiled frame plus, for calls made through
/// the runtime, the runtime's own frames), capped at 16 GiB of address space.
pub fn stack_size_for(max_depth: u64) -> usize {
    const PER_CALL: u64 = 8 << 10;
    let bytes = (64u64 << 20).saturating_add(max_depth.saturating_mul(PER_CALL));
    bytes.min(16 << 30) as usize
}

/// Runs compiled `main` with a fresh runtime and reports the outcome like the interpreter:
/// flushes stdout, prints a trap line, and returns the exit status.
pub fn run_compiled(
    module: &Module,
    config: Config,
    io: Io,
    entries: &[ArrayEntry],
    syms: &Symbols,
    main: FuncId,
) -> i32 {
    let mut ctx = Box::new(Ctx::new(module, config, io, entries, syms));
    // Compiled code runs in frames below this one: the top of the conservatively scanned stack.
    let marker = 0usize;
    ctx.stack_top = std::hint::black_box(&marker) as *const usize as usize;
    let p: *mut Ctx = &mut *ctx;
    let mut host = CompiledHost { ctx: p };
    // SAFETY: `p` is live for the whole call; `main` takes no arguments.
    let r = host.call_function(unsafe { &mut (*p).rt }, main, &[]);
    ctx.rt.finish(r)
}

/// The entry point of a standalone (AOT) executable, called by the C `main` that the AOT
/// backend generates: rebuilds the module from its canonical text, runs `@main` (function
/// `main_index`) on a thread with a stack for `max_depth` calls via [`run_compiled`] with the
/// process's real streams and `argv[1..]` as the program arguments, flushes stdout, and returns
/// the exit status exactly as the interpreter reports it.
///
/// `fuel_enabled != 0` means the program was built with `--fuel fuel`. Never unwinds: an
/// internal failure (which a verified module cannot cause) prints one `error:` line on stderr
/// and returns status 101.
///
/// # Safety
/// `argv` must hold `argc` valid C strings; `text` must point to `len` bytes; `entries` to `n`
/// array entries compiled from exactly that text by the shared translator.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn mir14_rt_main(
    argc: std::ffi::c_int,
    argv: *const *const std::ffi::c_char,
    text: *const u8,
    len: usize,
    entries: *const ArrayEntry,
    n: usize,
    main_index: u64,
    max_depth: u64,
    fuel_enabled: u64,
    fuel: u64,
) -> std::ffi::c_int {
    ignore_sigpipe();
    let mut args = Vec::new();
    for i in 1..argc.max(0) as usize {
        // SAFETY: the C runtime passes `argc` valid, NUL-terminated strings.
        let p = unsafe { *argv.add(i) };
        if p.is_null() {
            break;
        }
        // SAFETY: as above.
        let a = unsafe { std::ffi::CStr::from_ptr(p) };
        args.push(a.to_string_lossy().into_owned());
    }
    // SAFETY: guaranteed by the caller (the generated `main` passes its own data).
    let text = unsafe { std::slice::from_raw_parts(text, len) };
    let entries: &[ArrayEntry] = if n == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(entries, n) }
    };
    let config = Config {
        max_depth,
        fuel: (fuel_enabled != 0).then_some(fuel),
        args,
    };
    let r = std::panic::catch_unwind(|| aot_main(text, entries, main_index, config));
    match r {
        Ok(Ok(status)) => status,
        Ok(Err(msg)) => {
            // Not `eprintln!`, which panics when stderr is closed.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "error: {msg}");
            101
        }
        Err(_) => 101,
    }
}

/// The body of [`mir14_rt_main`]: rebuild the module and run it on a large-stack thread.
fn aot_main(
    text: &[u8],
    entries: &[ArrayEntry],
    main_index: u64,
    config: Config,
) -> Result<i32, String> {
    let text = std::str::from_utf8(text).map_err(|e| format!("corrupt embedded module: {e}"))?;
    let (module, _) = mir14_mir::parse(text).map_err(|d| {
        let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
        format!("corrupt embedded module: {first}")
    })?;
    if entries.len() != module.functions.len() || main_index as usize >= entries.len() {
        return Err("corrupt embedded module: entry table does not match".into());
    }
    let syms = Symbols::collect(&module);
    let main = FuncId(main_index as u32);
    let stack = stack_size_for(config.max_depth);
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("mir14-main".into())
            .stack_size(stack)
            .spawn_scoped(s, || {
                run_compiled(&module, config, Io::real(), entries, &syms, main)
            })
            .map_err(|e| format!("cannot start the main thread: {e}"))?
            .join()
            .map_err(|_| "the runtime panicked".to_string())
    })
}

/// Ignores SIGPIPE like the Rust runtime does at start-up (a C `main` skips that), so that a
/// closed stdout is a write error in every backend rather than a signal in AOT executables.
fn ignore_sigpipe() {
    #[cfg(unix)]
    {
        extern "C" {
            fn signal(sig: std::ffi::c_int, handler: usize) -> usize;
        }
        const SIGPIPE: std::ffi::c_int = 13;
        const SIG_IGN: usize = 1;
        // SAFETY: installing SIG_IGN for SIGPIPE is always sound.
        unsafe {
            signal(SIGPIPE, SIG_IGN);
        }
    }
}

// ----- encodings shared by the translator and this module -----

/// Encodes a type name for `mir14_rt_typeop`: builtins 0..=8, operators 16 + index, user boxes
/// 1024 + box index.
pub fn encode_type(t: TypeName) -> i64 {
    match t {
        TypeName::Integer => 0,
        TypeName::Float => 1,
        TypeName::Bool => 2,
        TypeName::String => 3,
        TypeName::Void => 4,
        TypeName::Array => 5,
        TypeName::Map => 6,
        TypeName::Function => 7,
        TypeName::Any => 8,
        TypeName::Operator(op) => 16 + crate::op_index(op) as i64,
        TypeName::User(b) => 1024 + b.index() as i64,
    }
}

/// Decodes [`encode_type`].
pub fn decode_type(x: i64) -> Option<TypeName> {
    Some(match x {
        0 => TypeName::Integer,
        1 => TypeName::Float,
        2 => TypeName::Bool,
        3 => TypeName::String,
        4 => TypeName::Void,
        5 => TypeName::Array,
        6 => TypeName::Map,
        7 => TypeName::Function,
        8 => TypeName::Any,
        16..=33 => TypeName::Operator(crate::op_from_index((x - 16) as u64)?),
        1024.. => TypeName::User(BoxId((x - 1024) as u32)),
        _ => return None,
    })
}

/// Encodes a builtin class of `new` for `mir14_rt_new`: 0 ArrayBox, 1 MapBox, 8 + primitive type
/// code, 16 + operator index.
pub fn encode_class(c: BoxClass) -> i64 {
    match c {
        BoxClass::Array => 0,
        BoxClass::Map => 1,
        BoxClass::Primitive(t) => 8 + encode_type(t),
        BoxClass::Operator(op) => 16 + crate::op_index(op) as i64,
        BoxClass::User(b) => 1024 + b.index() as i64,
    }
}

/// Decodes [`encode_class`] (builtin classes only).
pub fn decode_class(x: i64) -> Option<BoxClass> {
    Some(match x {
        0 => BoxClass::Array,
        1 => BoxClass::Map,
        8..=12 => BoxClass::Primitive(decode_type(x - 8)?),
        16..=33 => BoxClass::Operator(crate::op_from_index((x - 16) as u64)?),
        _ => return None,
    })
}

/// Encodes an extern as its index in [`ExternFn::ALL`].
pub fn encode_extern(e: ExternFn) -> i64 {
    ExternFn::ALL.iter().position(|x| *x == e).unwrap_or(0) as i64
}

/// Encodes a unary operator as its index in [`UnaryOp::ALL`].
pub fn encode_unary(op: UnaryOp) -> i64 {
    UnaryOp::ALL.iter().position(|x| *x == op).unwrap_or(0) as i64
}

fn decode_unary(x: u64) -> UnaryOp {
    UnaryOp::ALL
        .get(x as usize)
        .copied()
        .unwrap_or(UnaryOp::Neg)
}

/// Encodes a BinOp as its index in [`BinOp::ALL`].
pub fn encode_binop(op: BinOp) -> i64 {
    crate::op_index(Operator::Bin(op)) as i64
}

fn decode_binop(x: u64) -> BinOp {
    BinOp::ALL.get(x as usize).copied().unwrap_or(BinOp::Add)
}

/// Encodes a comparison as its index in [`CmpOp::ALL`].
pub fn encode_cmp(op: CmpOp) -> i64 {
    CmpOp::ALL.iter().position(|x| *x == op).unwrap_or(0) as i64
}

fn decode_cmp(x: u64) -> CmpOp {
    CmpOp::ALL.get(x as usize).copied().unwrap_or(CmpOp::Eq)
}

// ----- speed (issue 7): ArrayBox fast paths -----
//
// The translator calls these instead of `mir14_rt_call_method` when type inference proved the
// receiver is an ArrayBox. They do exactly what the generic builtin method does, and hand every
// unusual case (a non-Integer or out-of-range index) to the generic call, so traps are the same.

/// `call %a.push(%v)` on a receiver known to be an ArrayBox (`a` is its bits).
#[no_mangle]
unsafe extern "C" fn mir14_rt_array_push(_ctx: *mut Ctx, a: u64, vt: u64, vb: u64) -> Val {
    crate::array_mut(v(crate::ARRAY, a)).push(v(vt, vb));
    Val::VOID
}

/// `call %a.get(%i)` on a receiver known to be an ArrayBox: the element when `%i` is an
/// in-range Integer, else the generic method call (which traps as the spec says).
#[no_mangle]
unsafe extern "C" fn mir14_rt_array_get(ctx: *mut Ctx, a: u64, it: u64, ib: u64) -> Val {
    let recv = v(crate::ARRAY, a);
    if it == crate::INT {
        if let Some(x) = crate::array_mut(recv).get(ib as usize) {
            return *x;
        }
    }
    let (cx, mut host) = unsafe { cx(ctx) };
    let mid = cx.rt.method_id("get");
    let r = cx.rt.call_method(&mut host, recv, mid, &[v(it, ib)]);
    ret(cx, r)
}

/// `call %a.length()` on a receiver known to be an ArrayBox.
#[no_mangle]
unsafe extern "C" fn mir14_rt_array_length(_ctx: *mut Ctx, a: u64) -> Val {
    Val::int(crate::array_mut(v(crate::ARRAY, a)).len() as i64)
}

/// The runtime functions of the block above, by symbol name (the JIT registers them next to
/// [`symbols`]).
pub fn speed_symbols() -> Vec<(&'static str, *const u8)> {
    vec![
        ("mir14_rt_array_push", mir14_rt_array_push as *const u8),
        ("mir14_rt_array_get", mir14_rt_array_get as *const u8),
        ("mir14_rt_array_length", mir14_rt_array_length as *const u8),
    ]
}

// ----- end of the speed block -----

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        for op in Operator::all() {
            let t = TypeName::Operator(op);
            assert_eq!(decode_type(encode_type(t)), Some(t));
            let c = BoxClass::Operator(op);
            assert_eq!(decode_class(encode_class(c)), Some(c));
        }
        for t in [
            TypeName::Integer,
            TypeName::Any,
            TypeName::User(BoxId(3)),
            TypeName::Function,
        ] {
            assert_eq!(decode_type(encode_type(t)), Some(t));
        }
        for t in [
            TypeName::Integer,
            TypeName::Float,
            TypeName::Bool,
            TypeName::String,
            TypeName::Void,
        ] {
            let c = BoxClass::Primitive(t);
            assert_eq!(decode_class(encode_class(c)), Some(c));
        }
        for op in BinOp::ALL {
            assert_eq!(decode_binop(encode_binop(op) as u64), op);
        }
        for op in CmpOp::ALL {
            assert_eq!(decode_cmp(encode_cmp(op) as u64), op);
        }
    }
}
