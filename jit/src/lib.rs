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
use mir14_codegen::{translate_module, TranslateOptions};
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
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: no code of this module runs any more once `Compiled` is dropped.
            unsafe { m.free_memory() };
        }
    }
}

/// The host ISA with the given settings (`is_pic` must be false for the JIT).
fn isa(opt_level: &str) -> Result<cranelift_codegen::isa::OwnedTargetIsa, String> {
    let mut fb = settings::builder();
    let set = |fb: &mut settings::Builder, k: &str, v: &str| {
        fb.set(k, v)
            .map_err(|e| format!("cranelift setting {k}={v}: {e}"))
    };
    set(&mut fb, "opt_level", opt_level)?;
    set(&mut fb, "is_pic", "false")?;
    set(&mut fb, "preserve_frame_pointers", "true")?;
    // The IR verifier costs more than code generation itself; the translator is tested.
    set(&mut fb, "enable_verifier", "false")?;
    set(&mut fb, "use_colocated_libcalls", "false")?;
    let isa_builder = cranelift_native::builder().map_err(|e| format!("host ISA: {e}"))?;
    isa_builder
        .finish(settings::Flags::new(fb))
        .map_err(|e| format!("host ISA: {e}"))
}

/// Compiles a verified module. `fuel` must be true when the program will run with `--fuel`.
pub fn compile(mir: &MirModule, fuel: bool) -> Result<Compiled, String> {
    let start = Instant::now();
    let isa = isa(if std::env::var_os("MIR14_OPT_NONE").is_some() {
        "none"
    } else {
        "speed"
    })?;
    let mut jb = JITBuilder::with_isa(isa, default_libcall_names());
    for f in rtabi::imports() {
        jb.symbol(f.name, f.addr());
    }
    let arena =
        ArenaMemoryProvider::new_with_size(256 << 20).map_err(|e| format!("JIT memory: {e}"))?;
    jb.memory_provider(Box::new(arena));
    let mut module = JITModule::new(jb);
    let opts = TranslateOptions {
        fuel,
        ..TranslateOptions::from_env()
    };
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
    Ok(Compiled {
        module: Some(module),
        entries,
        symbols: t.symbols,
        compile_time: start.elapsed(),
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
    let compiled = compile(mir, config.fuel.is_some())?;
    let main = mir
        .function_by_name("main")
        .ok_or("the module has no @main function")?;
    let stack = rtabi::stack_size_for(config.max_depth);
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
