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

use cranelift_jit::JITModule;
use mir14_codegen::{LazyModule, TierLinks, TranslateOptions};
use mir14_mir::{Block, FuncId, Module};
use mir14_rt::abi::{self as rtabi, ArrayEntry, Ctx, TierHooks, TRAP};
use mir14_rt::{Config, Io, Runtime, Trap, TrapKind, Val};
use mir14_vm::tier::{Program, Tier};
use mir14_vm::{Captured, Interp};
use std::collections::HashMap;
use std::sync::Arc;

/// The threshold when none is given: a function is compiled after this many calls plus taken
/// back edges in the interpreter.
pub const DEFAULT_THRESHOLD: u64 = 1000;

/// The options of a tiered run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TierOptions {
    /// Calls plus taken back edges a function may spend in the interpreter before it is
    /// compiled (0: every function is compiled at its first call; `u64::MAX`: never).
    pub threshold: u64,
}

impl Default for TierOptions {
    /// [`DEFAULT_THRESHOLD`].
    fn default() -> TierOptions {
        TierOptions {
            threshold: DEFAULT_THRESHOLD,
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
    /// Per function: hot back edges taken in interpreted activations once it was compiled.
    osr_heat: Vec<u64>,
    /// How many of those before an activation moves to compiled code at a loop header.
    osr_delay: u64,
    /// Time spent compiling (setup, functions, OSR entries), for `MIR14_COMPILE_STATS`.
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
                "tier: compiled {n} of {} functions ({insts} MIR instructions) and {} OSR entries in {:.3} ms",
                self.array.len(),
                self.osr.len(),
                self.compile_time.as_secs_f64() * 1e3
            );
        }
        if let Some((jit, _)) = self.jit.take() {
            // SAFETY: no compiled code runs once the engine is dropped.
            unsafe { jit.free_memory() };
        }
    }
}

impl Engine {
    /// The JIT module and the translator, made on first use; `None` if they cannot be made.
    fn translator(&mut self) -> Option<(&mut JITModule, &mut LazyModule)> {
        if self.jit.is_none() && !self.setup.failed {
            let s = &self.setup;
            let links = TierLinks {
                table: self.table.as_ptr() as u64,
                enter: tier_enter as *const u8 as u64,
            };
            let topts = TranslateOptions {
                fuel: s.fuel,
                ..TranslateOptions::from_env()
            };
            let made = mir14_jit::isa("speed")
                .and_then(|isa| mir14_jit::jit_module(isa, &s.mir, &s.targets))
                .and_then(|mut jit| {
                    LazyModule::new(&mut jit, Arc::clone(&s.mir), topts, links)
                        .map(|lazy| (jit, lazy))
                        .map_err(|e| format!("JIT setup failed: {e:?}"))
                });
            match made {
                Ok(j) => self.jit = Some(j),
                Err(_) => self.setup.failed = true,
            }
        }
        self.jit.as_mut().map(|(j, l)| (j, l))
    }

    /// Compiles `f` if it is not compiled yet; false if it cannot be.
    fn ensure_compiled(&mut self, f: FuncId) -> bool {
        let i = f.index();
        if self.array[i].is_some() {
            return true;
        }
        if self.failed[i] {
            return false;
        }
        let start = std::time::Instant::now();
        let ok = self.compile(f);
        self.compile_time += start.elapsed();
        ok
    }

    /// [`Engine::ensure_compiled`] for a function that is not compiled yet.
    fn compile(&mut self, f: FuncId) -> bool {
        let i = f.index();
        let Some((jit, lazy)) = self.translator() else {
            self.failed[i] = true;
            return false;
        };
        let ok = lazy.can_compile(f)
            && lazy.define(jit, f).is_ok()
            && jit.finalize_definitions().is_ok();
        if !ok {
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

    /// The OSR entry of `f` at `header`, compiled on first use.
    fn osr_entry(&mut self, f: FuncId, header: Block) -> Option<OsrEntry> {
        let key = (f.0, header.0);
        if let Some(e) = self.osr.get(&key) {
            return *e;
        }
        let start = std::time::Instant::now();
        let e = self.compile_osr(f, header);
        self.compile_time += start.elapsed();
        self.osr.insert(key, e);
        e
    }

    /// [`Engine::osr_entry`] for an entry that is not compiled yet.
    fn compile_osr(&mut self, f: FuncId, header: Block) -> Option<OsrEntry> {
        let (jit, lazy) = self.translator()?;
        match lazy.define_osr(jit, f, header) {
            Ok(id) if jit.finalize_definitions().is_ok() => {
                let p = jit.get_finalized_function(id);
                // SAFETY: OSR entries are defined with `osr_signature`, i.e. `OsrEntry`.
                Some(unsafe { std::mem::transmute::<*const u8, OsrEntry>(p) })
            }
            _ => None,
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
        // Later calls run compiled code.
        if !self.ensure_compiled(f) {
            return None;
        }
        // This activation moves to compiled code only if it keeps looping: activations that
        // began before the function was compiled and end soon are not worth an OSR entry.
        let n = &mut self.osr_heat[f.index()];
        *n = n.saturating_add(1);
        if *n <= self.osr_delay {
            return None;
        }
        let entry = self.osr_entry(f, header)?;
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

    fn collect(&mut self, interp: &mut Interp<'_>, _rt: &mut Runtime) {
        self.interp = (interp as *mut Interp<'_>).cast::<Interp<'static>>();
        // SAFETY: the context is live for the call.
        unsafe { (*self.ctx).poll_gc() };
    }
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

/// The native stack one MIR activation of a tiered run may take: a compiled frame, or an
/// interpreter re-entered from compiled code, with the runtime functions between them.
const STACK_PER_CALL: u64 = rtabi::RUNTIME_REENTRY_STACK + (4 << 10);

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
        let stack = stack_size(self.ctx.max_depth);
        let me = SendPtr(self as *mut TierInstance);
        let args = args.to_vec();
        let res = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("mir14-tier".into())
                .stack_size(stack)
                .spawn_scoped(s, move || {
                    let me = me;
                    // SAFETY: this thread has exclusive use of the instance while the caller
                    // waits.
                    unsafe { (*me.0).call_here(f, &args) }
                })
                .map(|h| h.join())
        });
        match res {
            Ok(Ok(r)) => r,
            Ok(Err(p)) => std::panic::resume_unwind(p),
            Err(_) => Err(Trap::new(TrapKind::StackOverflow, "native stack exhausted")),
        }
    }

    /// [`TierInstance::call`] on the current thread.
    fn call_here(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        let ctxp: *mut Ctx = &mut *self.ctx;
        let ep: *mut Engine = &mut *self.engine;
        // SAFETY: the program is owned by `self` and outlives the interpreter below.
        let prog: &'static Program = unsafe { &*(&*self.prog as *const Program) };
        let mut interp = Interp::new(prog, &self.ctx.rt);
        // SAFETY: the engine outlives the interpreter's run below and is used only through it
        // and the context's hooks, which are removed before it returns.
        unsafe {
            (*ep).interp = &mut interp;
            interp.set_tier(ep, self.threshold, std::mem::take(&mut self.heat));
            (*ctxp).tier = Some(TierHooks {
                data: ep as *mut (),
                call: hook_call,
                roots: hook_roots,
            });
        }
        // Compiled code runs in frames below this one: collections may free objects meanwhile.
        let marker = 0usize;
        // SAFETY: as above; the runtime is reached through the context from here on.
        let r = unsafe {
            (*ctxp).set_stack_top(std::hint::black_box(&marker) as *const usize as usize);
            interp.call(&mut (*ctxp).rt, f, args)
        };
        self.heat = interp.take_heat();
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
            let got = run_captured(&m, config, TierOptions { threshold }, b"");
            assert_eq!(got, want, "threshold {threshold}");
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

    #[test]
    fn a_module_without_main_is_an_error() {
        let m = module("fn @f() {\nbb0:\n  ret\n}\n");
        let c = run_captured(&m, &config(), TierOptions::default(), b"");
        assert_eq!(c.status, 2);
        assert_eq!(c.stderr, b"error: module has no function @main\n");
    }
}
