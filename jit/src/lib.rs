//! `mir14-jit`: the Cranelift JIT backend, a thin driver over the shared translator.
//!
//! [`mir14_codegen::translate_module`] lowers a verified module to Cranelift IR, generic over
//! [`cranelift_module::Module`]; this crate drives it with a [`JITModule`] (binding every
//! runtime function of [`mir14_rt::abi::imports`] to its address) and runs `@main` on a thread
//! whose stack is large enough for the configured call depth. [`JitInstance`] keeps a compiled
//! module with its runtime and calls any function with arguments (what `mir14-engine` uses).

mod instance;

pub use instance::JitInstance;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use cranelift_module::default_libcall_names;
use mir14_codegen::{array_name, direct_name, translate_module, TranslateOptions};
use mir14_mir::Module as MirModule;
use mir14_rt::abi::{self as rtabi, ArrayEntry};
use mir14_rt::{Config, Io};
use std::time::{Duration, Instant};

/// A module compiled to native code in this process.
pub struct Compiled {
    module: Option<JITModule>,
    /// The array entry of each function, by `FuncId` index.
    pub entries: Vec<ArrayEntry>,
    /// The symbol tables the code was compiled against.
    pub symbols: rtabi::Symbols,
    /// How long translation and code generation took.
    pub compile_time: Duration,
    /// Each function entry's code: (address, size in bytes, symbol name), the direct and the
    /// array entry of every function.
    pub code: Vec<(usize, u32, String)>,
    /// The most native stack one MIR call of a function that can be active more than once at
    /// a time takes (from the real frame sizes).
    pub stack_per_call: u64,
    /// The native stack of the functions active at most once at a time (the sum of their
    /// frames; see `mir14_codegen::Translated::stack_once`).
    pub stack_once: u64,
}

impl Compiled {
    /// The native stack a run of this code with depth limit `max_depth` needs.
    pub fn stack_size(&self, max_depth: u64) -> usize {
        rtabi::stack_size_for(max_depth, self.stack_per_call)
            .saturating_add(self.stack_once as usize)
    }
}

impl Compiled {
    /// The lines of a perf map (`/tmp/perf-PID.map`, read by `perf report`): `ADDR SIZE NAME`
    /// in hex, one per function entry, named like the AOT symbols (`mir14.main`).
    pub fn perf_map(&self) -> String {
        let mut s = String::new();
        for (addr, size, name) in &self.code {
            s.push_str(&format!("{addr:x} {size:x} {name}\n"));
        }
        s
    }

    /// Appends [`Compiled::perf_map`] to `/tmp/perf-PID.map` of this process.
    pub fn write_perf_map(&self) -> Result<(), String> {
        use std::io::Write;
        let path = format!("/tmp/perf-{}.map", std::process::id());
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot write {path}: {e}"))?;
        f.write_all(self.perf_map().as_bytes())
            .map_err(|e| format!("cannot write {path}: {e}"))
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: no code of this module runs any more once `Compiled` is dropped.
            unsafe { m.free_memory() };
        }
    }
}

/// The host ISA for JIT code with Cranelift's `opt_level` (`none`, `speed`, ...); the IR
/// verifier runs as [`mir14_codegen::verify_ir`] says.
pub fn isa(opt_level: &str) -> Result<cranelift_codegen::isa::OwnedTargetIsa, String> {
    let mut fb = settings::builder();
    let set = |fb: &mut settings::Builder, k: &str, v: &str| {
        fb.set(k, v)
            .map_err(|e| format!("cranelift setting {k}={v}: {e}"))
    };
    set(&mut fb, "opt_level", opt_level)?;
    set(&mut fb, "is_pic", "false")?;
    set(&mut fb, "preserve_frame_pointers", "true")?;
    // The IR verifier costs more than code generation itself: debug builds (tests) only.
    let verify = if mir14_codegen::verify_ir() {
        "true"
    } else {
        "false"
    };
    set(&mut fb, "enable_verifier", verify)?;
    set(&mut fb, "use_colocated_libcalls", "false")?;
    if let Ok(r) = std::env::var("MIR14_REGALLOC") {
        set(&mut fb, "regalloc_algorithm", &r)?;
    }
    let isa_builder = cranelift_native::builder().map_err(|e| format!("host ISA: {e}"))?;
    isa_builder
        .finish(settings::Flags::new(fb))
        .map_err(|e| format!("host ISA: {e}"))
}

/// An empty [`JITModule`] for `isa` with every runtime function of
/// [`mir14_rt::abi::imports`] and every C import of `mir` (resolved to `targets` by
/// [`mir14_rt::ffi::resolve_imports`]) bound to its address (the tiered engine, `mir14-tier`,
/// defines functions into it one at a time).
pub fn jit_module(
    isa: cranelift_codegen::isa::OwnedTargetIsa,
    mir: &MirModule,
    targets: &[mir14_rt::ffi::ImportTarget],
) -> Result<JITModule, String> {
    let mut jb = JITBuilder::with_isa(isa, default_libcall_names());
    for f in rtabi::imports() {
        jb.symbol(f.name, f.addr());
    }
    for (d, t) in mir.imports.values().zip(targets) {
        if let mir14_rt::ffi::ImportTarget::C(addr) = t {
            jb.symbol(d.name.clone(), *addr as *const u8);
        }
    }
    let arena =
        ArenaMemoryProvider::new_with_size(256 << 20).map_err(|e| format!("JIT memory: {e}"))?;
    jb.memory_provider(Box::new(arena));
    Ok(JITModule::new(jb))
}

/// Compiles a verified module. `fuel` must be true when the program will run with `--fuel`.
/// Its C imports are resolved in the C library only (see [`compile_with`]).
pub fn compile(mir: &MirModule, fuel: bool) -> Result<Compiled, String> {
    compile_with(mir, fuel, &Config::default())
}

/// Compiles a verified module whose imports resolve with `config` (its `--lib` libraries and
/// host functions): every import is resolved first ([`mir14_rt::ffi::resolve_imports`]; the
/// error names the first missing one), and each C import's symbol is bound to its address, so
/// compiled code calls it directly. With `config.profile` the code carries the profiling calls.
pub fn compile_with(mir: &MirModule, fuel: bool, config: &Config) -> Result<Compiled, String> {
    let opts = TranslateOptions {
        fuel,
        profile: config.profile,
        ..TranslateOptions::from_env()
    };
    let start = Instant::now();
    let targets = mir14_rt::ffi::resolve_imports(mir, config)?;
    let isa = isa(if std::env::var_os("MIR14_OPT_NONE").is_some() {
        "none"
    } else {
        "speed"
    })?;
    let mut module = jit_module(isa, mir, &targets)?;
    let t = translate_module(&mut module, mir, opts)
        .map_err(|e| format!("JIT compilation failed: {e:?}"))?;
    module
        .finalize_definitions()
        .map_err(|e| format!("JIT finalization failed: {e:?}"))?;
    let entries = t
        .array
        .iter()
        .map(|id| {
            let p = module.get_finalized_function(*id);
            // SAFETY: every array entry was defined with the `ArrayEntry` signature.
            unsafe { std::mem::transmute::<*const u8, ArrayEntry>(p) }
        })
        .collect();
    let mut code = Vec::new();
    for ((f, (d, a)), sizes) in mir
        .functions
        .values()
        .zip(t.direct.iter().zip(&t.array))
        .zip(&t.sizes)
    {
        let name = &f.name;
        code.push((
            module.get_finalized_function(*d) as usize,
            sizes.0,
            direct_name(name),
        ));
        code.push((
            module.get_finalized_function(*a) as usize,
            sizes.1,
            array_name(name),
        ));
    }
    let compile_time = start.elapsed();
    if std::env::var_os("MIR14_COMPILE_STATS").is_some() {
        // For bench/compile_cost.py: the cost per 100 MIR instructions.
        let insts: usize = mir.functions.values().map(|f| f.inst_count()).sum();
        let ms = compile_time.as_secs_f64() * 1e3;
        eprintln!(
            "compile: {} functions, {insts} MIR instructions, {ms:.3} ms, {:.3} ms per 100 instructions",
            mir.functions.len(),
            ms * 100.0 / insts.max(1) as f64
        );
    }
    Ok(Compiled {
        module: Some(module),
        entries,
        symbols: t.symbols,
        compile_time,
        code,
        stack_per_call: t.stack_per_call,
        stack_once: t.stack_once,
    })
}

/// Compiles and runs `@main` with the process's real stdin, stdout and stderr; returns the exit
/// status (a trap has been reported on stderr). Compilation errors are returned as `Err`.
pub fn run(mir: &MirModule, config: &Config) -> Result<i32, String> {
    run_with_io(mir, config, Io::real)
}

/// Like [`run`], with the I/O made by `io` on the thread that runs the program.
pub fn run_with_io(
    mir: &MirModule,
    config: &Config,
    io: impl FnOnce() -> Io + Send,
) -> Result<i32, String> {
    run_with(mir, config, false, io)
}

/// Like [`run_with_io`]; with `perf_map` the code's perf map is written to
/// `/tmp/perf-PID.map` first ([`Compiled::write_perf_map`]). `config.profile` compiles the
/// profiling calls in.
pub fn run_with(
    mir: &MirModule,
    config: &Config,
    perf_map: bool,
    io: impl FnOnce() -> Io + Send,
) -> Result<i32, String> {
    let compiled = compile_with(mir, config.fuel.is_some(), config)?;
    if perf_map {
        compiled.write_perf_map()?;
    }
    let main = mir
        .function_by_name("main")
        .ok_or("the module has no @main function")?;
    let stack = compiled.stack_size(config.max_depth);
    let status = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("mir14-jit".into())
            .stack_size(stack)
            .spawn_scoped(s, || {
                rtabi::run_compiled(
                    mir,
                    config.clone(),
                    io(),
                    &compiled.entries,
                    &compiled.symbols,
                    main,
                )
            })
            .map_err(|e| format!("cannot start the JIT thread: {e}"))?
            .join()
            .map_err(|_| "the JIT thread panicked".to_string())
    })?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perf_map_names_every_entry_after_its_mir_function() {
        let src = "box Point {}\n\nfn @Point.norm(%p) {\nbb0:\n  ret %p\n}\n\nfn @main() {\nbb0:\n  ret\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        mir14_mir::verify(&m).unwrap();
        let c = compile(&m, false).unwrap();
        let map = c.perf_map();
        let mut names = Vec::new();
        for line in map.lines() {
            let w: Vec<&str> = line.split(' ').collect();
            assert_eq!(w.len(), 3, "{line}");
            let addr = usize::from_str_radix(w[0], 16).unwrap();
            let size = usize::from_str_radix(w[1], 16).unwrap();
            assert!(addr != 0 && size > 0, "{line}");
            names.push(w[2]);
        }
        assert_eq!(
            names,
            [
                "mir14.Point.norm",
                "mir14_array.Point.norm",
                "mir14.main",
                "mir14_array.main"
            ]
        );
        // The entry named `mir14_array.main` is the one the runtime calls.
        let main_entry = c.entries[1] as usize;
        assert!(c
            .code
            .iter()
            .any(|(a, _, n)| *a == main_entry && n == "mir14_array.main"));
    }

    use mir14_rt::{FfiType, HostFunctions, HostValue};
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    fn parse(src: &str) -> MirModule {
        let (m, _) = mir14_mir::parse(src).expect("parses");
        mir14_mir::verify(&m).expect("verifies");
        m
    }

    #[test]
    fn host_functions_are_called_from_compiled_code() {
        let m = parse("import host.add(Integer, Float) -> Integer\nfn @main() {\nbb0:\n  %a = const 40\n  %b = const 2.5\n  %r = extern host.add(%a, %b)\n  %s = extern host.add(%r, %b)\n  ret %s\n}\n");
        let calls = Arc::new(AtomicI64::new(0));
        let c = Arc::clone(&calls);
        let mut host = HostFunctions::new();
        host.register(
            "add",
            &[FfiType::Integer, FfiType::Float],
            FfiType::Integer,
            move |a| {
                c.fetch_add(1, Ordering::SeqCst);
                match a {
                    [HostValue::Integer(i), HostValue::Float(x)] => {
                        Ok(HostValue::Integer(i + *x as i64))
                    }
                    _ => Ok(HostValue::Void),
                }
            },
        );
        let config = Config {
            host,
            ..Config::default()
        };
        let status = run_with_io(&m, &config, || Io::captured(Vec::new())).unwrap();
        assert_eq!(status, 44);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn c_functions_resolve_before_compilation() {
        let m = parse("import c.labs(Integer) -> Integer\nimport c.no_such_c_function_xyz() -> Void\nfn @main() {\nbb0:\n  ret\n}\n");
        let e = run_with_io(&m, &Config::default(), || Io::captured(Vec::new())).err();
        assert_eq!(
            e.as_deref(),
            Some("undefined C function c.no_such_c_function_xyz: no library given with --lib defines it")
        );
        let m = parse("import c.labs(Integer) -> Integer\nfn @main() {\nbb0:\n  %n = const -9\n  %r = extern c.labs(%n)\n  ret %r\n}\n");
        let status = run_with_io(&m, &Config::default(), || Io::captured(Vec::new())).unwrap();
        assert_eq!(status, 9);
    }
}
