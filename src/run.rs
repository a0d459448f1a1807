//! `mir14 run`: options, and the one place that dispatches a verified module to a backend.

use mir14_mir::Module;
use std::io::Write;

/// The call depth limit when `--max-depth` is not given (spec §5).
pub const DEFAULT_MAX_DEPTH: u64 = 100_000;

/// An executor of MIR14 (`--backend tiered|vm|jit|aot`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// Tiered (`mir14-tier`): the interpreter first, hot functions and loops compiled by
    /// Cranelift (the default)
    Tiered,
    /// The reference interpreter (`mir14-vm`).
    Vm,
    /// The Cranelift JIT (`mir14-jit`).
    Jit,
    /// Cranelift object code linked into a native executable (`mir14-aot`).
    Aot,
}

impl Backend {
    /// Every backend `mir14 parity` compares, the reference interpreter first.
    pub const ALL: [Backend; 4] = [Backend::Vm, Backend::Jit, Backend::Tiered, Backend::Aot];

    /// The backend's name as `--backend` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Tiered => "tiered",
            Backend::Vm => "vm",
            Backend::Jit => "jit",
            Backend::Aot => "aot",
        }
    }
}

/// The backend used when `--backend` is not given: `tiered` where Cranelift supports the
/// host architecture (x86_64, aarch64, riscv64, s390x), else `vm` (spec §9).
pub fn default_backend() -> Backend {
    if mir14_tier::HOST_SUPPORTED {
        Backend::Tiered
    } else {
        Backend::Vm
    }
}

/// Everything `mir14 run` passes to a backend besides the module.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOptions {
    /// `--backend`, if given (else [`default_backend`]).
    pub backend: Option<Backend>,
    /// `--fuel N`: units of fuel; `None` runs without fuel accounting.
    pub fuel: Option<u64>,
    /// `--max-depth N`: the call depth limit.
    pub max_depth: u64,
    /// `--max-heap BYTES`: the memory limit; `None` is [`mir14_rt::default_max_heap`].
    pub max_heap: Option<u64>,
    /// The program's arguments (after `--`), for `env.args()`.
    pub args: Vec<String>,
    /// `--tier-threshold N`: calls plus taken back edges before a function is compiled
    /// (tiered backend only).
    pub tier_threshold: u64,
    /// `--tier-sync` unset: the tiered backend compiles in a background thread.
    pub tier_background: bool,
    /// The source positions of backtraces.
    pub debug: Option<std::sync::Arc<mir14_rt::DebugInfo>>,
    /// `--trace`: each executed instruction (interpreter only).
    pub trace: bool,
    /// `--trace-calls`: calls and returns (interpreter only).
    pub trace_calls: bool,
    /// `--profile`: the profile table after the run.
    pub profile: bool,
    /// `--perf-map`: write /tmp/perf-PID.map (JIT only).
    pub perf_map: bool,
    /// `--lib LIB`: the libraries searched for imported C functions, in order.
    pub libs: Vec<String>,
}

impl RunOptions {
    /// The backend the run uses: `--backend`, else the interpreter when tracing (traced runs
    /// stay on the interpreter), else [`default_backend`]. An error names a flag that the
    /// requested backend cannot honour.
    pub fn resolve_backend(&self) -> Result<Backend, String> {
        let tracing = self.trace || self.trace_calls;
        let flag = if self.trace {
            "--trace"
        } else {
            "--trace-calls"
        };
        let backend = match self.backend {
            Some(b) => b,
            None if tracing => Backend::Vm,
            None => default_backend(),
        };
        if tracing && backend != Backend::Vm {
            return Err(format!(
                "`{flag}` runs on the interpreter: use `--backend vm` (not `{}`)",
                backend.name()
            ));
        }
        if self.perf_map && backend != Backend::Jit {
            return Err(format!(
                "`--perf-map` describes JIT code: use `--backend jit` (not `{}`)",
                backend.name()
            ));
        }
        Ok(backend)
    }
}

/// Runs `@main` of a verified module on the chosen backend, with the process's real stdin,
/// stdout and stderr, and returns the process exit status (spec §4: main's Integer result & 255,
/// 101 after a trap; 2 if no backend can run it).
///
/// This is the single dispatch point from the command line to the backends.
pub fn execute(module: &Module, opts: &RunOptions) -> i32 {
    let backend = match opts.resolve_backend() {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return 2;
        }
    };
    let config = mir14_rt::Config {
        max_depth: opts.max_depth,
        fuel: opts.fuel,
        args: opts.args.clone(),
        debug: opts.debug.clone(),
        profile: opts.profile,
        libs: opts.libs.clone(),
        max_heap: opts.max_heap.unwrap_or_else(mir14_rt::default_max_heap),
        ..mir14_rt::Config::default()
    };
    let observe = mir14_vm::Observe {
        trace: opts.trace,
        trace_calls: opts.trace_calls,
    };
    match backend {
        // Observation (trace, profile, perf map) runs on the backends' own entry points;
        // plain runs go through the embedding API. A profiled tiered run stays in the
        // interpreter (spec §9), like a traced one.
        Backend::Vm | Backend::Tiered if opts.trace || opts.trace_calls || opts.profile => {
            mir14_vm::run_observed(module, &config, observe)
        }
        Backend::Jit if opts.profile || opts.perf_map => {
            match mir14_jit::run_with(module, &config, opts.perf_map, mir14_rt::Io::real) {
                Ok(status) => status,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "error: {e}");
                    2
                }
            }
        }
        Backend::Tiered => execute_engine(module, mir14_engine::Backend::Tiered, &config, opts),
        Backend::Vm => execute_engine(module, mir14_engine::Backend::Vm, &config, opts),
        Backend::Jit => execute_engine(module, mir14_engine::Backend::Jit, &config, opts),
        Backend::Aot => execute_aot(module, opts),
    }
}

/// `--backend tiered|vm|jit`: runs `@main` in process through the embedding API
/// (`mir14-engine`) with the process's streams. A module the backend cannot load prints
/// `error: ...` and gives 2.
fn execute_engine(
    module: &Module,
    backend: mir14_engine::Backend,
    config: &mir14_rt::Config,
    opts: &RunOptions,
) -> i32 {
    let fail = |e: &dyn std::fmt::Display| {
        let _ = writeln!(std::io::stderr(), "error: {e}");
        2
    };
    let program = match mir14_engine::Program::new(module.clone()) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let engine = mir14_engine::Engine::new(backend)
        .consume_fuel(config.fuel.is_some())
        .debug_info(config.debug.clone())
        .tier_threshold(opts.tier_threshold)
        .tier_background(opts.tier_background);
    let imports = mir14_engine::Imports {
        libs: config.libs.clone(),
        host: mir14_rt::HostFunctions::new(),
    };
    let mut instance = match engine.instantiate_with(&program, imports) {
        Ok(i) => i,
        Err(e) => return fail(&e),
    };
    instance.inherit_stdio();
    instance.set_args(config.args.clone());
    instance.set_max_depth(config.max_depth);
    instance.set_max_heap(config.max_heap);
    if let Err(e) = instance.set_fuel(config.fuel) {
        return fail(&e);
    }
    instance
        .run_main()
        .unwrap_or_else(|| fail(&"module has no function @main"))
}

/// `--backend aot`: builds a standalone executable in a temporary directory and runs it with the
/// program arguments, the streams inherited; its exit status is the run's. A failure to build or
/// run it prints `error: ...` and gives status 2.
fn execute_aot(module: &Module, opts: &RunOptions) -> i32 {
    let aot = mir14_aot::AotOptions {
        max_depth: opts.max_depth,
        fuel: opts.fuel,
        debug: opts.debug.clone(),
        profile: opts.profile,
        libs: opts.libs.clone(),
        max_heap: opts.max_heap,
    };
    // Every import resolves before anything runs, with the other backends' message.
    if let Err(e) = mir14_aot::check_imports(module, &opts.libs) {
        let _ = writeln!(std::io::stderr(), "error: {e}");
        return 2;
    }
    match mir14_aot::run(module, &aot, &opts.args) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            2
        }
    }
}
