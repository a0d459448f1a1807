//! `mir14-tier`: tiered execution, the default engine of `mir14 run`.
//!
//! A run starts in the reference interpreter (`mir14-vm`) and moves hot code to Cranelift
//! (`mir14-codegen` through a [`JITModule`]), lazily and per function; nothing is translated
//! up front.
//!
//! - **Counting**: the interpreter counts, per function, its calls plus its taken back edges
//!   (the loop headers of the shared back-edge analysis). When the count exceeds the threshold
//!   ([`TierOptions::threshold`]; 0 compiles every function at its first call, `u64::MAX`
//!   never compiles anything), the function is compiled and its next call runs compiled code.
//! - **On-stack replacement**: a hot back edge in an interpreted activation compiles the
//!   function (for its later calls); once the function's interpreted activations have taken
//!   another threshold/8 back edges since, the next one compiles an OSR entry for that loop
//!   header (the function's code entered at the header, with the frame's registers as its
//!   values) and the rest of the activation runs there, so a long loop is never stuck in the
//!   interpreter, while activations that end soon are not worth an entry of their own.
//! - **Background compilation** ([`TierOptions::background`], the default above threshold
//!   0): a hot function (or a due OSR entry) is handed to a compile thread (`background`),
//!   which translates and compiles it while the interpreter keeps running it; the engine
//!   installs the finished code at its next tier check (a call of a hot function, a hot back
//!   edge), and the function's next call, or that back edge, switches to it. Only when code
//!   arrives depends on timing, and the switch point is invisible to the program (one depth
//!   count, one fuel count, one heap). At threshold 0, or with `background` off, the running
//!   thread compiles and waits, so switch points are deterministic. The thread is never
//!   joined: a run that ends while a compile is in flight does not wait for it.
//! - **Mixed frames**: compiled code calls MIR functions through a table of direct entries
//!   (one slot per function, empty until it is compiled); an empty slot calls `tier_enter`,
//!   which runs the callee in the interpreter (compiling it first once it is hot). Calls the
//!   runtime makes from compiled code come through the context's [`TierHooks`]. One
//!   [`Ctx`] (and so one runtime, heap, fuel count) serves both sides; the call depth lives in
//!   the runtime on the interpreter's side and in the context on the compiled side, and is
//!   handed over at every switch, so it is one count.
//! - **Collection**: every collection, wherever it starts, takes as roots the interpreter's
//!   registers of the values live in each interpreted frame and the root areas of the
//!   compiled frames (spec §5; both precise, see `mir14_rt::abi::RootArea`).
//!
//! # API
//!
//! [`TierInstance`] keeps a module ready to run tiered with its runtime and calls any function
//! with arguments (what `mir14-engine` uses for `Backend::Tiered`); what it compiled stays
//! compiled for later calls. [`run`], [`run_with_io`] and [`run_captured`] run `@main` once and
//! mirror `mir14_vm`'s and `mir14_jit`'s.

/// Whether Cranelift generates code for the host architecture (x86_64, aarch64, riscv64,
/// s390x): where it does, tiered execution is the default backend of the CLI and the engine;
/// elsewhere the interpreter is.
pub const HOST_SUPPORTED: bool = cfg!(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64",
    target_arch = "s390x"
));

use cranelift_jit::JITModule;
use cranelift_module::Module as _;
use mir14_codegen::{
    compile_function, define_compiled, CompiledFunction, FunctionIr, LazyModule, TierLinks,
    TranslateOptions,
};
use mir14_mir::{Block, FuncId, Module};
use mir14_rt::abi::{self as rtabi, ArrayEntry, Ctx, TierHooks, TRAP};
use mir14_rt::{Config, Io, Runtime, Trap, TrapKind, Val};
use mir14_vm::tier::{Program, Tier};
use mir14_vm::{Captured, Interp};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod background;
use background::{Compiler, Unit};

/// The threshold when none is given: a function is compiled after this many calls plus taken
/// back edges in the interpreter.
pub const DEFAULT_THRESHOLD: u64 = 1000;

/// The options of a tiered run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TierOptions {
    /// Calls plus taken back edges a function may spend in the interpreter before it is
    /// compiled (0: every function is compiled at its first call; `u64::MAX`: never).
    pub threshold: u64,
    /// Compile hot functions on a background thread while the interpreter keeps running
    /// them, switching to their code at a later tier check (see the crate docs); `false`
    /// compiles on the running thread, which waits. Threshold 0 always compiles on the running
    /// thread, at each function's first call.
    pub background: bool,
}

impl Default for TierOptions {
    /// [`DEFAULT_THRESHOLD`], compiling in the background.
    fn default() -> TierOptions {
        TierOptions {
            threshold: DEFAULT_THRESHOLD,
            background: true,
        }
    }
}

/// An OSR entry: `(ctx, vals) -> Val`.
type OsrEntry = unsafe extern "C" fn(*mut Ctx, *const Val) -> Val;

/// The compiled side of a tiered instance (see the crate docs). Lives in a `Box` whose
/// address the context's hooks and the interpreter hold while a call runs.
struct Engine {
    ctx: *mut Ctx,
    /// The interpreter of the running call, as last handed to a hook (nested calls go through
    /// this pointer).
    interp: *mut Interp<'static>,
    /// The code (freed when the engine is dropped) and the translator, made when the first
    /// function gets hot (a run that never gets hot pays nothing for Cranelift).
    jit: Option<(JITModule, LazyModule)>,
    /// What the translator is made from.
    setup: Setup,
    /// Per function: the address of its direct entry, 0 until compiled. Compiled code reads it.
    table: Box<[usize]>,
    /// Per function: its array entry, once compiled.
    array: Vec<Option<ArrayEntry>>,
    /// Functions that are not compiled (a tail call, or a failed translation): they stay
    /// interpreted.
    failed: Vec<bool>,
    /// OSR entries by (function, loop header).
    osr: HashMap<(u32, u32), Option<OsrEntry>>,
    /// Compile in the background (the compile thread starts with the translator).
    background: bool,
    /// The compile thread, if compiling in the background.
    compiler: Option<Compiler>,
    /// Per function: its code is being compiled in the background.
    queued: Vec<bool>,
    /// Per function: it got hot at a back edge, and was queued there.
    loop_hot: Vec<bool>,
    /// OSR entries being compiled in the background.
    osr_queued: HashSet<(u32, u32)>,
    /// Time the compile thread spent on the code taken from it, for `MIR14_COMPILE_STATS`.
    thread_time: std::time::Duration,
    /// The part of `compile_time` spent making the JIT module and the translator.
    setup_time: std::time::Duration,
    /// Jobs handed to the compile thread.
    thread_jobs: usize,
    /// Tests: a tier check waits for the code in flight, so code compiled in the background
    /// arrives at the first tier check after it was requested.
    #[cfg(test)]
    wait_for_code: bool,
    /// Per function: hot back edges taken in interpreted activations once it was compiled
    /// (or, if it got hot at a back edge, queued for the compile thread).
    osr_heat: Vec<u64>,
    /// How many of those before an activation moves to compiled code at a loop header.
    osr_delay: u64,
    /// Time the engine's thread spent compiling (setup, translation, code generation unless
    /// in the background, installing), for `MIR14_COMPILE_STATS`.
    compile_time: std::time::Duration,
}

/// What the JIT side of an engine is made from, when it is first needed.
struct Setup {
    mir: Arc<Module>,
    /// Where each import resolved.
    targets: Vec<mir14_rt::ffi::ImportTarget>,
    fuel: bool,
    /// The setup failed: nothing is compiled.
    failed: bool,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if std::env::var_os("MIR14_COMPILE_STATS").is_some() {
            // Like the JIT's line (bench/compile_cost.py): what this instance compiled.
            let n = self.array.iter().filter(|a| a.is_some()).count();
            let insts: usize = self
                .array
                .iter()
                .zip(self.setup.mir.functions.values())
                .filter(|(a, _)| a.is_some())
                .map(|(_, f)| f.inst_count())
                .sum();
            eprintln!(
                "tier: compiled {n} of {} functions ({insts} MIR instructions) and {} OSR entries in {:.3} ms (setup {:.3} ms){}",
                self.array.len(),
                self.osr.len(),
                self.compile_time.as_secs_f64() * 1e3,
                self.setup_time.as_secs_f64() * 1e3,
                match &self.compiler {
                    Some(c) => format!(
                        " on the running thread and {:.3} ms on the compile thread ({} jobs, {} unfinished)",
                        self.thread_time.as_secs_f64() * 1e3,
                        self.thread_jobs,
                        c.in_flight()
                    ),
                    None => String::new(),
                }
            );
        }
        if let Some((jit, _)) = self.jit.take() {
            // SAFETY: no compiled code runs once the engine is dropped.
            unsafe { jit.free_memory() };
        }
    }
}

impl Engine {
    /// Makes the JIT module and the translator (and the compile thread, in the background
    /// mode) on first use; false if they cannot be made.
    fn translator(&mut self) -> bool {
        if self.jit.is_none() && !self.setup.failed {
            let start = std::time::Instant::now();
            let s = &self.setup;
            let links = TierLinks {
                table: self.table.as_ptr() as u64,
                enter: tier_enter as *const u8 as u64,
            };
            let topts = TranslateOptions {
                fuel: s.fuel,
                ..TranslateOptions::from_env()
            };
            let mut thread_isa = None;
            // `MIR14_OPT_NONE=1` (as for the JIT): cheaper code generation, slower code.
            let opt = if std::env::var_os("MIR14_OPT_NONE").is_some() {
                "none"
            } else {
                "speed"
            };
            let made = mir14_jit::isa(opt)
                .and_then(|isa| {
                    thread_isa = Some(isa.clone());
                    mir14_jit::jit_module(isa, &s.mir, &s.targets)
                })
                .and_then(|mut jit| {
                    LazyModule::new(&mut jit, Arc::clone(&s.mir), topts, links)
                        .map(|lazy| (jit, lazy))
                        .map_err(|e| format!("JIT setup failed: {e:?}"))
                });
            match made {
                Ok(j) => {
                    self.jit = Some(j);
                    if self.background {
                        self.compiler = thread_isa.and_then(|isa| {
                            Compiler::spawn(background::Setup {
                                isa,
                                mir: Arc::clone(&self.setup.mir),
                                opts: topts,
                                links,
                            })
                        });
                    }
                }
                Err(_) => self.setup.failed = true,
            }
            self.setup_time = start.elapsed();
        }
        self.jit.is_some()
    }

    /// Whether `f` runs compiled now: compiles it if it is not compiled yet (in the background
    /// mode: starts compiling it, false until its code is installed); false if it cannot be.
    fn ensure_compiled(&mut self, f: FuncId) -> bool {
        let i = f.index();
        if self.array[i].is_some() {
            return true;
        }
        if self.failed[i] || self.queued[i] {
            return false;
        }
        let start = std::time::Instant::now();
        let ok = self.compile(f);
        self.compile_time += start.elapsed();
        ok
    }

    /// [`Engine::ensure_compiled`] for a function that is neither compiled nor queued.
    fn compile(&mut self, f: FuncId) -> bool {
        let i = f.index();
        if !self.translator() {
            self.failed[i] = true;
            return false;
        }
        let Some((jit, lazy)) = self.jit.as_mut() else {
            return false;
        };
        if !lazy.can_compile(f) {
            self.failed[i] = true;
            return false;
        }
        // In the background, the compile thread translates and compiles it.
        if let Some(c) = self.compiler.as_mut() {
            if c.submit(Unit::Func(f)) {
                self.queued[i] = true;
                self.thread_jobs += 1;
                return false;
            }
        }
        let code = lazy
            .build(jit, f)
            .map_err(|e| format!("{e:?}"))
            .and_then(|irs| compile_all(jit.isa(), Vec::from(irs)));
        self.install_function(f, code)
    }

    /// Defines `f`'s compiled direct and array entries and makes later calls use them; false
    /// (and `f` stays interpreted) if there is no code or it cannot be defined.
    fn install_function(&mut self, f: FuncId, code: Result<Vec<CompiledFunction>, String>) -> bool {
        let i = f.index();
        self.queued[i] = false;
        let Some((jit, lazy)) = self.jit.as_mut() else {
            return false;
        };
        // The code must be for `f`'s entries (the compile thread's ids are the engine's).
        let entries = [lazy.direct(f), lazy.array(f)];
        let for_f = code
            .as_ref()
            .is_ok_and(|c| c.iter().map(|c| c.id).eq(entries));
        let units = self.setup.mir.functions[f].depth_units();
        if !for_f || !fits_stack(&code, units) || !define_all(jit, code) {
            self.failed[i] = true;
            return false;
        }
        let d = jit.get_finalized_function(lazy.direct(f));
        let a = jit.get_finalized_function(lazy.array(f));
        self.table[i] = d as usize;
        // SAFETY: array entries are defined with the `ArrayEntry` signature.
        self.array[i] = Some(unsafe { std::mem::transmute::<*const u8, ArrayEntry>(a) });
        true
    }

    /// The OSR entry of `f` at `header`, compiled on first use (in the background mode: `None`
    /// until its code is installed).
    fn osr_entry(&mut self, f: FuncId, header: Block) -> Option<OsrEntry> {
        let key = (f.0, header.0);
        if let Some(e) = self.osr.get(&key) {
            return *e;
        }
        if self.osr_queued.contains(&key) {
            return None;
        }
        let start = std::time::Instant::now();
        let e = self.compile_osr(f, header);
        self.compile_time += start.elapsed();
        e
    }

    /// [`Engine::osr_entry`] for an entry that is neither compiled nor queued.
    fn compile_osr(&mut self, f: FuncId, header: Block) -> Option<OsrEntry> {
        let (jit, lazy) = self.jit.as_mut()?;
        let ir = if let Some(c) = self.compiler.as_mut() {
            // In the background: declared here, translated and compiled there.
            let Ok(id) = lazy.declare_osr(jit, f, header) else {
                self.osr.insert((f.0, header.0), None);
                return None;
            };
            if c.submit(Unit::Osr(f, header, id)) {
                self.osr_queued.insert((f.0, header.0));
                self.thread_jobs += 1;
                return None;
            }
            // No compile thread after all: translate the declared entry here.
            lazy.build_osr_as(jit, f, header, id)
        } else {
            lazy.build_osr(jit, f, header)
        };
        let code = ir
            .map_err(|e| format!("{e:?}"))
            .and_then(|ir| compile_all(jit.isa(), vec![ir]));
        self.install_osr(f, header, code)
    }

    /// Defines the compiled OSR entry of `f` at `header` and records it (`None`: there is no
    /// code, or it cannot be defined; the loop stays interpreted).
    fn install_osr(
        &mut self,
        f: FuncId,
        header: Block,
        code: Result<Vec<CompiledFunction>, String>,
    ) -> Option<OsrEntry> {
        let key = (f.0, header.0);
        self.osr_queued.remove(&key);
        let units = self.setup.mir.functions[f].depth_units();
        let (jit, _) = self.jit.as_mut()?;
        let id = code.as_ref().ok().and_then(|c| c.first()).map(|c| c.id);
        let e = match id {
            Some(id) if fits_stack(&code, units) && define_all(jit, code) => {
                let p = jit.get_finalized_function(id);
                // SAFETY: OSR entries are defined with `osr_signature`, i.e. `OsrEntry`.
                Some(unsafe { std::mem::transmute::<*const u8, OsrEntry>(p) })
            }
            _ => None,
        };
        self.osr.insert(key, e);
        e
    }

    /// Installs the code the compile thread has finished, if any (a tier check: the
    /// interpreter switches to it at the next call or back edge).
    fn install_finished(&mut self) {
        loop {
            let Some(c) = self.compiler.as_mut() else {
                return;
            };
            #[cfg(test)]
            let next = if self.wait_for_code {
                c.wait_finished()
            } else {
                c.try_finished()
            };
            #[cfg(not(test))]
            let next = c.try_finished();
            let Some(done) = next else {
                return;
            };
            let start = std::time::Instant::now();
            self.thread_time += done.time;
            match done.unit {
                Unit::Func(f) => {
                    self.install_function(f, done.code);
                }
                Unit::Osr(f, header, _) => {
                    self.install_osr(f, header, done.code);
                }
            }
            self.compile_time += start.elapsed();
        }
    }

    /// Picks up the result of compiled code: the value, or the pending trap.
    ///
    /// # Safety
    /// `self.ctx` must be live.
    unsafe fn result(&mut self, v: Val) -> Result<Val, Trap> {
        if v.tag == TRAP {
            // SAFETY: guaranteed by the caller.
            let pending = unsafe { (*self.ctx).rt.pending.take() };
            return Err(pending.unwrap_or_else(|| Trap::type_error("lost trap")));
        }
        Ok(v)
    }

    /// Runs `f` from compiled code (or the runtime called from it): in compiled code if it is
    /// compiled, else in the interpreter (which compiles it once it is hot). The depth moves
    /// from the context to the runtime and back.
    ///
    /// # Safety
    /// The engine's context and interpreter must be live.
    unsafe fn enter(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        let ctx = self.ctx;
        // SAFETY: guaranteed by the caller.
        unsafe {
            if let Some(entry) = self.array[f.index()] {
                let v = entry(ctx, args.as_ptr(), args.len() as u64);
                return self.result(v);
            }
            (*ctx).rt.depth = (*ctx).depth;
            let r = (*self.interp).call(&mut (*ctx).rt, f, args);
            (*ctx).depth = (*ctx).rt.depth;
            r
        }
    }
}

impl Tier for Engine {
    fn call(
        &mut self,
        interp: &mut Interp<'_>,
        _rt: &mut Runtime,
        f: FuncId,
        args: *const Val,
        n: usize,
    ) -> Option<Result<Val, Trap>> {
        self.interp = (interp as *mut Interp<'_>).cast::<Interp<'static>>();
        self.install_finished();
        if !self.ensure_compiled(f) {
            return None;
        }
        let entry = self.array[f.index()]?;
        let ctx = self.ctx;
        // SAFETY: the context is live for the call; the compiled entry reads `n` arguments.
        // Everything is reached through `ctx`, which compiled code also uses.
        unsafe {
            (*ctx).depth = (*ctx).rt.depth;
            let v = entry(ctx, args, n as u64);
            (*ctx).rt.depth = (*ctx).depth;
            Some(self.result(v))
        }
    }

    fn back_edge(
        &mut self,
        interp: &mut Interp<'_>,
        _rt: &mut Runtime,
        f: FuncId,
        header: Block,
        vals: *const Val,
    ) -> Option<Result<Val, Trap>> {
        self.interp = (interp as *mut Interp<'_>).cast::<Interp<'static>>();
        // Made ready by `wants_back_edge` just before.
        let entry = self.osr.get(&(f.0, header.0)).copied().flatten()?;
        let ctx = self.ctx;
        // SAFETY: as in `call`; the OSR entry reads every value of `f` from the frame's
        // registers before anything else runs.
        unsafe {
            (*ctx).depth = (*ctx).rt.depth;
            let v = entry(ctx, vals);
            (*ctx).rt.depth = (*ctx).depth;
            Some(self.result(v))
        }
    }

    fn wants_back_edge(&mut self, f: FuncId, header: Block) -> bool {
        self.install_finished();
        let i = f.index();
        let fresh = self.array[i].is_none() && !self.failed[i] && !self.queued[i];
        // Later calls run compiled code.
        let compiled = self.ensure_compiled(f);
        // In the background, a function that got hot in a loop (not by its calls: an activation
        // is looping) need not wait for its code before its OSR entry is requested: the two
        // compile independently.
        self.loop_hot[i] |= fresh && self.queued[i];
        let early_osr = self.queued[i] && self.loop_hot[i];
        if !(compiled || early_osr) {
            return false;
        }
        // This activation moves to compiled code only if it keeps looping: activations that
        // began before the function was compiled (or queued) and end soon are not worth an
        // OSR entry.
        let n = &mut self.osr_heat[i];
        *n = n.saturating_add(1);
        if *n <= self.osr_delay {
            return false;
        }
        self.osr_entry(f, header).is_some()
    }

    fn collect(&mut self, interp: &mut Interp<'_>, _rt: &mut Runtime) {
        self.interp = (interp as *mut Interp<'_>).cast::<Interp<'static>>();
        // SAFETY: the context is live for the call.
        unsafe { (*self.ctx).poll_gc() };
    }
}

/// Compiles `irs` for `isa` on this thread.
fn compile_all(
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    irs: Vec<FunctionIr>,
) -> Result<Vec<CompiledFunction>, String> {
    irs.into_iter()
        .map(|ir| compile_function(isa, ir))
        .collect()
}

/// Defines every function of `code` in `jit` and finalizes it; false if there is no code or
/// some of it cannot be defined.
fn define_all(jit: &mut JITModule, code: Result<Vec<CompiledFunction>, String>) -> bool {
    code.is_ok_and(|code| code.iter().all(|c| define_compiled(jit, c).is_ok()))
        && jit.finalize_definitions().is_ok()
}

/// The engine's entry for compiled code calling a function that is not compiled
/// ([`TierLinks::enter`]): runs it through the engine; a trap is left pending.
///
/// # Safety
/// `ctx` must be the live context of a tiered run; `args` must point to `n` values.
unsafe extern "C" fn tier_enter(ctx: *mut Ctx, f: u64, args: *const Val, n: u64) -> Val {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let Some(hooks) = (*ctx).tier else {
            (*ctx).rt.pending = Some(Trap::type_error("no tiered engine"));
            return Val { tag: TRAP, bits: 0 };
        };
        let args: &[Val] = if n == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(args, n as usize)
        };
        match (hooks.call)(hooks.data, ctx, FuncId(f as u32), args) {
            Ok(v) => v,
            Err(t) => {
                (*ctx).rt.pending = Some(t);
                Val { tag: TRAP, bits: 0 }
            }
        }
    }
}

/// [`TierHooks::call`]: a call made by the runtime from compiled code, or by [`tier_enter`].
///
/// # Safety
/// `data` must be the run's engine.
unsafe fn hook_call(data: *mut (), _ctx: *mut Ctx, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
    // SAFETY: guaranteed by the caller.
    unsafe { (*(data as *mut Engine)).enter(f, args) }
}

/// [`TierHooks::roots`]: the interpreter's live registers.
///
/// # Safety
/// `data` must be the run's engine.
unsafe fn hook_roots(data: *mut ()) -> (*const Val, usize) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let e = &mut *(data as *mut Engine);
        if e.interp.is_null() {
            return (std::ptr::null(), 0);
        }
        let r = (*e.interp).roots();
        (r.as_ptr(), r.len())
    }
}

/// The native stack compiled code may take per unit of call depth (spec §5): a function whose
/// compiled frames (direct and array entry, or an OSR entry) take more per depth unit stays
/// interpreted, so the stack below holds every run within the depth limit.
const FRAME_PER_UNIT: u64 = 32 << 10;

/// The native stack one unit of call depth of a tiered run may take: compiled frames, or an
/// interpreter re-entered from compiled code, with the runtime functions between them.
const STACK_PER_CALL: u64 = rtabi::RUNTIME_REENTRY_STACK + FRAME_PER_UNIT;

/// Whether `code`, compiled for function `f` of `units` depth units, fits the native stack a
/// tiered run reserves per unit ([`FRAME_PER_UNIT`]).
fn fits_stack(code: &Result<Vec<CompiledFunction>, String>, units: u64) -> bool {
    code.as_ref()
        .is_ok_and(|c| c.iter().map(|c| c.frame).sum::<u64>() <= FRAME_PER_UNIT * units)
}

/// The native stack of a call run by the interpreter alone (its frames are on the heap; this is
/// the interpreter's own thread stack).
const INTERPRETER_STACK: usize = 256 << 20;

/// The native stack of a tiered call: enough for `max_depth` activations (the interpreter
/// never moves to another thread in a tiered run).
fn stack_size(max_depth: u64) -> usize {
    rtabi::stack_size_for(max_depth, STACK_PER_CALL).clamp(256 << 20, 16 << 30)
}

/// Moves a pointer to a thread that runs while its owner waits for it.
struct SendPtr<T>(*mut T);
// SAFETY: used only by `TierInstance::call`, which blocks until the thread has ended, so the
// pointee is never used from two threads at once.
unsafe impl<T> Send for SendPtr<T> {}

/// A module ready to run tiered (nothing compiled yet) together with the context (runtime,
/// heap, streams) its calls run in. Values made by one instance must not be passed to another.
pub struct TierInstance {
    // Declared first: the program's constants live in the runtime's heap.
    prog: Box<Program>,
    // Then the context (and its heap), before the code is freed.
    ctx: Box<Ctx>,
    engine: Box<Engine>,
    threshold: u64,
    /// Per function: calls plus taken back edges in the interpreter so far.
    heat: Vec<u64>,
}

impl TierInstance {
    /// Makes a verified module ready to run tiered (its imports resolved with `config`'s
    /// libraries and host functions; the error names the first missing one) with a runtime
    /// made with `config` and `io`. With `fuel` false no fuel checks are compiled, and the fuel
    /// of later calls is never counted. Nothing is compiled until it gets hot.
    pub fn new(
        mir: &Module,
        config: Config,
        io: Io,
        fuel: bool,
        opts: TierOptions,
    ) -> Result<TierInstance, String> {
        let targets = mir14_rt::ffi::resolve_imports(mir, &config)?;
        let table = vec![0usize; mir.functions.len()].into_boxed_slice();
        // The same tables as the translator's (`LazyModule::symbols`), made the same way.
        let symbols = rtabi::Symbols::collect(mir);
        let mut ctx = Box::new(Ctx::new(mir, config, io, &[], &symbols));
        ctx.rt.link_imports(&targets);
        let prog = Box::new(Program::decode(mir, &mut ctx.rt)?);
        let n = mir.functions.len();
        let engine = Box::new(Engine {
            ctx: &mut *ctx,
            interp: std::ptr::null_mut(),
            jit: None,
            setup: Setup {
                mir: Arc::new(mir.clone()),
                targets,
                fuel,
                failed: false,
            },
            table,
            array: vec![None; n],
            failed: vec![false; n],
            osr: HashMap::new(),
            // Threshold 0 compiles each function before its first call runs: deterministic.
            background: opts.background && opts.threshold > 0,
            compiler: None,
            queued: vec![false; n],
            loop_hot: vec![false; n],
            osr_queued: HashSet::new(),
            thread_time: std::time::Duration::ZERO,
            thread_jobs: 0,
            setup_time: std::time::Duration::ZERO,
            #[cfg(test)]
            wait_for_code: false,
            compile_time: std::time::Duration::ZERO,
            osr_heat: vec![0; n],
            osr_delay: opts.threshold / 8,
        });
        Ok(TierInstance {
            prog,
            ctx,
            engine,
            threshold: opts.threshold,
            heat: vec![0; n],
        })
    }

    /// The runtime (heap, streams, limits) of this instance.
    pub fn runtime(&mut self) -> &mut Runtime {
        &mut self.ctx.rt
    }

    /// `@main`, if the module has one.
    pub fn main(&self) -> Option<FuncId> {
        self.prog.main()
    }

    /// Sets the call depth limit of later calls.
    pub fn set_max_depth(&mut self, max_depth: u64) {
        self.ctx.max_depth = max_depth;
        self.ctx.rt.config.max_depth = max_depth;
    }

    /// How many functions are compiled so far.
    pub fn compiled_functions(&self) -> usize {
        self.engine.array.iter().filter(|a| a.is_some()).count()
    }

    /// Calls function `f` with `args` as an outermost MIR call, on a fresh thread whose stack is
    /// sized for the depth limit. A wrong argument count traps `TypeError` as in the interpreter.
    /// Every heap value in `args` must belong to this instance's heap.
    pub fn call(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        self.ctx.depth = 0;
        self.ctx.rt.depth = 0;
        let this = self as *mut TierInstance;
        let run = |stack: usize, tiered: bool| {
            let me = SendPtr(this);
            let args = args.to_vec();
            std::thread::scope(|s| {
                std::thread::Builder::new()
                    .name("mir14-tier".into())
                    .stack_size(stack)
                    .spawn_scoped(s, move || {
                        let me = me;
                        // SAFETY: this thread has exclusive use of the instance while the
                        // caller waits.
                        unsafe { (*me.0).call_here(f, &args, tiered) }
                    })
                    .map(|h| h.join())
            })
        };
        // The native stack compiled code may need; when the address space cannot hold it (a
        // `ulimit -v`), the call runs in the interpreter alone, whose frames are on the heap:
        // the same results, without compiled code.
        let res = match run(stack_size(self.ctx.max_depth), true) {
            Err(_) => run(INTERPRETER_STACK, false),
            ok => ok,
        };
        match res {
            Ok(Ok(r)) => r,
            Ok(Err(p)) => std::panic::resume_unwind(p),
            Err(_) => Err(Trap::new(TrapKind::StackOverflow, "native stack exhausted")),
        }
    }

    /// [`TierInstance::call`] on the current thread; `tiered` false runs the interpreter alone
    /// (no compiled code is entered or made).
    fn call_here(&mut self, f: FuncId, args: &[Val], tiered: bool) -> Result<Val, Trap> {
        let ctxp: *mut Ctx = &mut *self.ctx;
        let ep: *mut Engine = &mut *self.engine;
        // SAFETY: the program is owned by `self` and outlives the interpreter below.
        let prog: &'static Program = unsafe { &*(&*self.prog as *const Program) };
        let mut interp = Interp::new(prog, &self.ctx.rt);
        // SAFETY: the engine outlives the interpreter's run below and is used only through it
        // and the context's hooks, which are removed before it returns.
        if tiered {
            unsafe {
                (*ep).interp = &mut interp;
                interp.set_tier(ep, self.threshold, std::mem::take(&mut self.heat));
                (*ctxp).tier = Some(TierHooks {
                    data: ep as *mut (),
                    call: hook_call,
                    roots: hook_roots,
                });
            }
        }
        // Compiled code runs in frames below this one: collections may free objects meanwhile.
        let marker = 0usize;
        // SAFETY: as above; the runtime is reached through the context from here on.
        let r = unsafe {
            (*ctxp).set_stack_top(std::hint::black_box(&marker) as *const usize as usize);
            interp.call(&mut (*ctxp).rt, f, args)
        };
        if tiered {
            self.heat = interp.take_heat();
        }
        // SAFETY: as above.
        unsafe {
            (*ctxp).tier = None;
            (*ctxp).set_stack_top(0);
            (*ep).interp = std::ptr::null_mut();
        }
        r
    }
}

/// Runs `@main` with `io`, finishing the run (flush, trap line); returns the status and the
/// instance. The error is a module that cannot run.
fn run_main(
    mir: &Module,
    config: &Config,
    io: impl FnOnce() -> Io,
    opts: TierOptions,
) -> Result<(i32, TierInstance), String> {
    let mut inst = TierInstance::new(mir, config.clone(), io(), config.fuel.is_some(), opts)?;
    let Some(main) = inst.main() else {
        let rt = inst.runtime();
        rt.write_stderr(b"error: module has no function @main\n");
        return Ok((2, inst));
    };
    let r = inst.call(main, &[]);
    Ok((inst.runtime().finish(r), inst))
}

/// Runs `@main` of a verified module tiered with the process's real stdin, stdout and stderr;
/// prints a trap line itself and returns the exit status exactly as the interpreter does (2
/// when the module has no `@main` or cannot run).
pub fn run(mir: &Module, config: &Config, opts: TierOptions) -> i32 {
    run_with_io(mir, config, opts, Io::real)
}

/// Like [`run`], with the I/O made by `io`.
pub fn run_with_io(
    mir: &Module,
    config: &Config,
    opts: TierOptions,
    io: impl FnOnce() -> Io,
) -> i32 {
    match run_main(mir, config, io, opts) {
        Ok((status, _)) => status,
        Err(msg) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "error: {msg}");
            2
        }
    }
}

/// Like [`run`] with in-memory streams: stdin reads `stdin`; stdout and stderr are captured.
pub fn run_captured(mir: &Module, config: &Config, opts: TierOptions, stdin: &[u8]) -> Captured {
    match run_main(mir, config, || Io::captured(stdin.to_vec()), opts) {
        Ok((status, mut inst)) => {
            let rt = inst.runtime();
            Captured {
                stdout: rt.captured_stdout().to_vec(),
                stderr: rt.captured_stderr().to_vec(),
                status,
            }
        }
        Err(msg) => Captured {
            stdout: Vec::new(),
            stderr: format!("error: {msg}\n").into_bytes(),
            status: 2,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(src: &str) -> Module {
        let (m, _) = mir14_mir::parse(src).expect("parses");
        mir14_mir::verify(&m).expect("verifies");
        m
    }

    /// Runs `src` on the interpreter and tiered at several thresholds; all must agree.
    fn agree(src: &str, config: &Config) -> Captured {
        let m = module(src);
        let want = mir14_vm::run_captured(&m, config, b"");
        for threshold in [0, 1, 2, 3, 7, 100, u64::MAX] {
            for background in [false, true] {
                let opts = TierOptions {
                    threshold,
                    background,
                };
                let got = run_captured(&m, config, opts, b"");
                assert_eq!(got, want, "threshold {threshold}, background {background}");
            }
        }
        want
    }

    fn config() -> Config {
        Config {
            max_depth: 10_000,
            ..Config::default()
        }
    }

    const LOOP_AND_CALLS: &str = "fn @sq(%x) {\nbb0:\n  %y = binop mul %x, %x\n  ret %y\n}\n\n\
        fn @main() {\nentry:\n  %zero = const 0\n  %one = const 1\n  %n = const 50\n  %s0 = const \"\"\n  jump head\n\
        head:\n  %i = phi [entry: %zero], [body: %i1]\n  %acc = phi [entry: %zero], [body: %acc1]\n  \
        %str = phi [entry: %s0], [body: %str1]\n  %c = compare lt %i, %n\n  branch %c, body, done\n\
        body:\n  %q = call @sq(%i)\n  %acc1 = binop add %acc, %q\n  %str1 = binop add %str, %i\n  \
        %i1 = binop add %i, %one\n  jump head\n\
        done:\n  extern env.console.log(%acc)\n  extern env.console.log(%str)\n  ret %acc\n}\n";

    #[test]
    fn loops_and_calls_agree_at_every_threshold() {
        let c = agree(LOOP_AND_CALLS, &config());
        assert!(c.stdout.starts_with(b"40425\n0123"));
    }

    #[test]
    fn fuel_runs_out_at_the_same_place() {
        for fuel in [1, 5, 20, 60, 200] {
            let mut cfg = config();
            cfg.fuel = Some(fuel);
            let c = agree(LOOP_AND_CALLS, &cfg);
            assert!(fuel == 200 || c.status == 101, "fuel {fuel}");
        }
    }

    #[test]
    fn depth_limit_and_traps_agree() {
        let src = "fn @down(%n) {\nbb0:\n  %z = const 0\n  %c = compare eq %n, %z\n  branch %c, bb1, bb2\n\
            bb1:\n  %u = const \"x\"\n  %bad = binop sub %u, %n\n  ret %bad\nbb2:\n  %one = const 1\n  \
            %m = binop sub %n, %one\n  %r = call @down(%m)\n  ret %r\n}\n\n\
            fn @main() {\nbb0:\n  %n = const 40\n  %r = call @down(%n)\n  ret %r\n}\n";
        let c = agree(src, &config());
        assert_eq!(c.status, 101);
        let mut cfg = config();
        cfg.max_depth = 25;
        let c = agree(src, &cfg);
        assert!(String::from_utf8_lossy(&c.stderr).contains("StackOverflow"));
    }

    /// Runs `@main` of `src` on a tiered instance at `threshold` compiling in the background;
    /// `wait`: each tier check waits for the code in flight. Returns the output and the
    /// instance.
    fn run_background(src: &str, threshold: u64, wait: bool) -> (Captured, TierInstance) {
        let m = module(src);
        let opts = TierOptions {
            threshold,
            background: true,
        };
        let mut inst = TierInstance::new(&m, config(), Io::captured(Vec::new()), false, opts)
            .expect("instance");
        inst.engine.wait_for_code = wait;
        let main = inst.main().expect("main");
        let r = inst.call(main, &[]);
        let rt = inst.runtime();
        let status = rt.finish(r);
        let c = Captured {
            stdout: rt.captured_stdout().to_vec(),
            stderr: rt.captured_stderr().to_vec(),
            status,
        };
        (c, inst)
    }

    #[test]
    fn code_compiled_in_the_background_is_installed_at_a_tier_check() {
        let want = mir14_vm::run_captured(&module(LOOP_AND_CALLS), &config(), b"");
        let (got, inst) = run_background(LOOP_AND_CALLS, 2, true);
        assert_eq!(got, want);
        let e = &inst.engine;
        // `@sq` and `@main` went through the compile thread, and so did the OSR entry of
        // `@main`'s loop, whose activation moved to it at the next back edge.
        assert!(e.compiler.is_some());
        assert_eq!(inst.compiled_functions(), 2);
        assert_eq!(e.thread_jobs, 3);
        assert_eq!(e.osr.len(), 1);
        assert!(e.osr.values().all(|o| o.is_some()));
        assert!(e.queued.iter().all(|q| !q) && e.osr_queued.is_empty());
    }

    #[test]
    fn threshold_zero_compiles_on_the_running_thread() {
        let (got, inst) = run_background(LOOP_AND_CALLS, 0, false);
        assert!(got.stdout.starts_with(b"40425\n"));
        assert!(inst.engine.compiler.is_none());
        assert_eq!(inst.engine.thread_jobs, 0);
        assert_eq!(inst.compiled_functions(), 2);
    }

    #[test]
    fn an_instance_installs_code_that_arrives_after_its_call() {
        let want = mir14_vm::run_captured(&module(LOOP_AND_CALLS), &config(), b"");
        let (got, mut inst) = run_background(LOOP_AND_CALLS, 2, false);
        assert_eq!(got, want);
        assert!(inst.engine.thread_jobs >= 1);
        // Whatever was in flight when the call ended is installed at the next call's first
        // tier check, which then runs compiled code with the same result.
        inst.engine.wait_for_code = true;
        let main = inst.main().expect("main");
        let r = inst.call(main, &[]).expect("runs");
        assert_eq!(r.bits, 40425);
        assert_eq!(inst.compiled_functions(), 2);
        assert!(inst.engine.queued.iter().all(|q| !q));
        let out = inst.runtime().captured_stdout().to_vec();
        assert_eq!(out[..want.stdout.len()], want.stdout[..]);
        assert_eq!(out[want.stdout.len()..], want.stdout[..]);
    }

    #[test]
    fn a_long_loop_gives_the_same_output_whenever_its_code_arrives() {
        // About a million back edges and half a million calls: the code arrives during the run.
        let src = LOOP_AND_CALLS
            .replace("%n = const 50", "%n = const 500000")
            .replace(
                "%str1 = binop add %str, %i",
                "%str1 = binop add %str, %zero",
            );
        let want = mir14_vm::run_captured(&module(&src), &config(), b"");
        for wait in [false, true] {
            let (got, inst) = run_background(&src, 10, wait);
            assert_eq!(got, want, "wait {wait}");
            assert!(inst.engine.thread_jobs >= 2, "wait {wait}");
        }
    }

    #[test]
    fn a_module_without_main_is_an_error() {
        let m = module("fn @f() {\nbb0:\n  ret\n}\n");
        let c = run_captured(&m, &config(), TierOptions::default(), b"");
        assert_eq!(c.status, 2);
        assert_eq!(c.stderr, b"error: module has no function @main\n");
    }
}
