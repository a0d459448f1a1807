//! Running compiled code: [`run_compiled`] (JIT and AOT alike), and the start-up entry of AOT
//! executables, [`mir14_rt_main`] (its table entry [`MAIN`] gives the AOT backend its
//! signature).

use super::{ArrayEntry, CompiledHost, Ctx, Symbols};
use crate::{Config, DebugInfo, Host, Io, Trap, Val};
use mir14_mir::{FuncId, Module};

/// The native stack the runtime's own frames can take between two compiled frames when it
/// calls a MIR function (a method reached by dynamic dispatch, `birth`, `toString`, a function
/// value), plus a margin for the runtime functions compiled code calls at the deepest frame.
pub const RUNTIME_REENTRY_STACK: u64 = 12 << 10;

/// The native stack a compiled run needs so that no program within `max_depth` MIR calls can
/// overflow it, from `per_call`, the most stack one MIR call of the compiled module can take
/// (measured from the real frame sizes by the translator): 64 MiB for the runtime plus
/// `max_depth * per_call`. The depth limit, not the frame layout, decides where a deep
/// recursion stops; a stack too large for the machine fails to start with a clear error.
pub fn stack_size_for(max_depth: u64, per_call: u64) -> usize {
    let bytes = (64u64 << 20).saturating_add(max_depth.saturating_mul(per_call));
    bytes.min(usize::MAX as u64 / 2) as usize
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
    let r = call_compiled(&mut ctx, main, &[]);
    ctx.rt.finish(r)
}

/// Calls compiled function `f` with `args` as an outermost MIR call on the current thread (whose
/// stack must be sized by [`stack_size_for`] the context's `max_depth`): the call counts depth and
/// fuel like any other. The argument count must match `f`'s parameters (the runtime does not
/// check it here), and every heap value in `args` must belong to `ctx`'s heap.
pub fn call_compiled(ctx: &mut Ctx, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
    // Compiled code runs in frames below this one: collections may free objects meanwhile.
    let marker = 0usize;
    let saved = ctx.stack_top;
    ctx.stack_top = std::hint::black_box(&marker) as *const usize as usize;
    let p: *mut Ctx = ctx;
    let mut host = CompiledHost { ctx: p };
    // SAFETY: `p` is live for the whole call (borrowed mutably by this function).
    let r = host.call_function(unsafe { &mut (*p).rt }, f, args);
    ctx.stack_top = saved;
    r
}

rt_functions! {
    /// The entry point of a standalone (AOT) executable, called by the C `main` that the AOT
    /// backend generates: rebuilds the module from its canonical text, runs `@main` (function
    /// `main_index`) on a thread with a stack for `max_depth` calls via [`run_compiled`] with the
    /// process's real streams and `argv[1..]` as the program arguments, flushes stdout, and returns
    /// the exit status exactly as the interpreter reports it.
    ///
    /// `fuel_enabled != 0` means the program was built with `--fuel fuel`; `stack_per_call` is
    /// the translator's bound on the native stack of one MIR call ([`stack_size_for`]);
    /// `max_heap` the memory limit (0: [`crate::default_max_heap`]). `debug` points to
    /// `debug_len` bytes of [`DebugInfo::encode`] text (the source positions of backtraces), or
    /// `debug_len` is 0 for none. `profile != 0`: the code was compiled with profiling calls
    /// and the run prints the profile table (`mir14 run --profile`). Never unwinds: an
    /// internal failure (which a verified module cannot cause) prints one `error:` line on stderr
    /// and returns status 101.
    ///
    /// # Safety
    /// `argv` must hold `argc` valid C strings; `text` must point to `len` bytes; `entries` to `n`
    /// array entries compiled from exactly that text by the shared translator.
    #[allow(clippy::too_many_arguments)]
    pub MAIN = fn mir14_rt_main(
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
        stack_per_call: u64,
        max_heap: u64,
        debug: *const u8,
        debug_len: usize,
        profile: u64,
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
        let debug = if debug_len == 0 {
            None
        } else {
            // SAFETY: guaranteed by the caller.
            let bytes = unsafe { std::slice::from_raw_parts(debug, debug_len) };
            std::str::from_utf8(bytes)
                .ok()
                .and_then(DebugInfo::decode)
                .map(std::sync::Arc::new)
        };
        let config = Config {
            max_depth,
            fuel: (fuel_enabled != 0).then_some(fuel),
            args,
            max_heap: if max_heap == 0 {
                crate::default_max_heap()
            } else {
                max_heap
            },
            debug,
            profile: profile != 0,
            ..Config::default()
        };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            aot_main(text, entries, main_index, config, stack_per_call)
        }));
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
}

/// The body of [`mir14_rt_main`]: rebuild the module and run it on a large-stack thread.
fn aot_main(
    text: &[u8],
    entries: &[ArrayEntry],
    main_index: u64,
    config: Config,
    stack_per_call: u64,
) -> Result<i32, String> {
    let text = std::str::from_utf8(text).map_err(|e| format!("corrupt embedded module: {e}"))?;
    let (module, _) = mir14_mir::parse(text).map_err(|d| {
        let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
        format!("corrupt embedded module: {first}")
    })?;
    if entries.len() != module.functions.len() || main_index as usize >= entries.len() {
        return Err("corrupt embedded module: entry table does not match".into());
    }
    // The linker resolved the C imports; nothing registers host functions here.
    if let Err(e) = crate::ffi::check_host_imports(&module, &config) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "error: {e}");
        return Ok(2);
    }
    let syms = Symbols::collect(&module);
    let main = FuncId(main_index as u32);
    let stack = stack_size_for(config.max_depth, stack_per_call);
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("mir14-main".into())
            .stack_size(stack)
            .spawn_scoped(s, || {
                let mut ctx = Box::new(Ctx::new(&module, config, Io::real(), entries, &syms));
                let r = call_compiled(&mut ctx, main, &[]);
                let status = ctx.rt.finish(r);
                // The process exits next: freeing every object one by one would only cost time.
                std::mem::forget(std::mem::take(&mut ctx.rt.heap));
                status
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
