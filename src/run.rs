//! `mir14 run`: options, and the one place that dispatches a verified module to a backend.

use mir14_mir::Module;
use std::io::Write;

/// The call depth limit when `--max-depth` is not given (spec §5).
pub const DEFAULT_MAX_DEPTH: u64 = 100_000;

/// An executor of MIR14.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The reference interpreter (`mir14-vm`).
    Vm,
    /// The Cranelift JIT (`mir14-jit`).
    Jit,
    /// Cranelift object code linked into a native executable (`mir14-aot`).
    Aot,
}

impl Backend {
    /// The backend named `vm`, `jit` or `aot`.
    pub fn from_name(name: &str) -> Option<Backend> {
        match name {
            "vm" => Some(Backend::Vm),
            "jit" => Some(Backend::Jit),
            "aot" => Some(Backend::Aot),
            _ => None,
        }
    }
}

/// The backend used when `--backend` is not given. The brief (§13) asks for `jit` where the
/// host supports it, else `vm`; only the interpreter is planned to be wired first, so this is
/// `vm` until the JIT exists.
pub fn default_backend() -> Backend {
    Backend::Vm
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
}

/// Runs `@main` of a verified module on the chosen backend, with the process's real stdin,
/// stdout and stderr, and returns the process exit status (spec §4: main's Integer result & 255,
/// 101 after a trap; 2 if no backend can run it).
///
/// This is the single dispatch point from the command line to the backends.
pub fn execute(module: &Module, opts: &RunOptions) -> i32 {
    let backend = opts.backend.unwrap_or_else(default_backend);
    if backend == Backend::Aot {
        return execute_aot(module, opts);
    }
    let _ = (module, backend);
    let _ = writeln!(std::io::stderr(), "error: no backend is available yet");
    2
}

/// `--backend aot`: builds a standalone executable in a temporary directory and runs it with the
/// program arguments, the streams inherited; its exit status is the run's. A failure to build or
/// run it prints `error: ...` and gives status 2.
fn execute_aot(module: &Module, opts: &RunOptions) -> i32 {
    let aot = mir14_aot::AotOptions {
        max_depth: opts.max_depth,
        fuel: opts.fuel,
    };
    match mir14_aot::run(module, &aot, &opts.args) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            2
        }
    }
}
