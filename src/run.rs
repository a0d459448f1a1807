//! `mir14 run`: options, and the one place that dispatches a verified module to a backend.

use mir14_mir::Module;
use std::io::Write;

/// The call depth limit when `--max-depth` is not given (spec §5).
pub const DEFAULT_MAX_DEPTH: u64 = 100_000;

/// An executor of MIR14 (`--backend vm|jit|aot`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The reference interpreter (`mir14-vm`).
    Vm,
    /// The Cranelift JIT (`mir14-jit`).
    Jit,
    /// Cranelift object code linked into a native executable (`mir14-aot`).
    Aot,
}

impl Backend {
    /// Every backend `mir14 parity` compares, the reference interpreter first.
    pub const ALL: [Backend; 3] = [Backend::Vm, Backend::Jit, Backend::Aot];

    /// The backend's name as `--backend` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Vm => "vm",
            Backend::Jit => "jit",
            Backend::Aot => "aot",
        }
    }
}

/// The backend used when `--backend` is not given: `jit` where Cranelift supports the host
/// architecture (x86_64, aarch64, riscv64, s390x), else `vm` (brief §13).
pub fn default_backend() -> Backend {
    if cfg!(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "s390x"
    )) {
        Backend::Jit
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
    /// The program's arguments (after `--`), for `env.args()`.
    pub args: Vec<String>,
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
        ..mir14_rt::Config::default()
    };
    let observe = mir14_vm::Observe {
        trace: opts.trace,
        trace_calls: opts.trace_calls,
    };
    match backend {
        Backend::Vm => mir14_vm::run_observed(module, &config, observe),
        Backend::Jit => {
            match mir14_jit::run_with(module, &config, opts.perf_map, mir14_rt::Io::real) {
                Ok(status) => status,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "error: {e}");
                    2
                }
            }
        }
        Backend::Aot => execute_aot(module, opts),
    }
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
