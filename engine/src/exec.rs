//! The backends an instance can run on, behind one private trait.

use mir14_jit::JitInstance;
use mir14_mir::{FuncId, Module};
use mir14_rt::{Config, Runtime, Trap, Val};
use mir14_tier::{TierInstance, TierOptions};
use std::fmt;
use std::str::FromStr;

/// What an [`Engine`](crate::Engine) runs modules on. The default is [`Backend::Tiered`] where
/// Cranelift supports the host architecture (x86_64, aarch64, riscv64, s390x), else
/// [`Backend::Vm`], as for `mir14 run`.
///
/// A new backend is a new variant here and an implementation of the crate's `Executor` trait
/// made in `make`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Tiered execution (`mir14-tier`): the interpreter first; a function is compiled by
    /// Cranelift once it is hot (see [`Engine::tier_threshold`](crate::Engine::tier_threshold)),
    /// and a hot loop moves to compiled code at its header. What was compiled stays compiled
    /// for later calls of the instance.
    Tiered,
    /// The reference interpreter (`mir14-vm`).
    Vm,
    /// The Cranelift JIT (`mir14-jit`).
    Jit,
}

impl Backend {
    /// Every backend, the reference interpreter first.
    pub const ALL: [Backend; 3] = [Backend::Vm, Backend::Jit, Backend::Tiered];

    /// The backend's name as `mir14 run --backend` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Tiered => "tiered",
            Backend::Vm => "vm",
            Backend::Jit => "jit",
        }
    }
}

impl Default for Backend {
    /// [`Backend::Tiered`] where Cranelift supports the host, else [`Backend::Vm`].
    fn default() -> Backend {
        if mir14_tier::HOST_SUPPORTED {
            Backend::Tiered
        } else {
            Backend::Vm
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a backend's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownBackend(pub String);

impl fmt::Display for UnknownBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown backend `{}` (expected tiered, vm or jit)",
            self.0
        )
    }
}

impl std::error::Error for UnknownBackend {}

impl FromStr for Backend {
    type Err = UnknownBackend;
    fn from_str(s: &str) -> Result<Backend, UnknownBackend> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| UnknownBackend(s.to_owned()))
    }
}

/// A module made ready to run on one backend, with its runtime.
pub(crate) trait Executor {
    /// The runtime (heap, streams, limits) calls run with.
    fn runtime(&mut self) -> &mut Runtime;
    /// Sets the call depth limit of later calls.
    fn set_max_depth(&mut self, max_depth: u64);
    /// Calls `f` with `args` (heap values of this runtime) as an outermost MIR call.
    fn call(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap>;
}

/// Decodes or compiles `module` (verified) for `backend`.
pub(crate) fn make(
    backend: Backend,
    module: &Module,
    config: Config,
    fuel: bool,
    tier: TierOptions,
) -> Result<Box<dyn Executor>, String> {
    let io = crate::io::captured();
    match backend {
        Backend::Vm => {
            let mut rt = Box::new(Runtime::new(module, config, io));
            let loaded = mir14_vm::Loaded::new(module, &mut rt)?;
            Ok(Box::new(Vm { loaded, rt }))
        }
        Backend::Jit => Ok(Box::new(JitInstance::new(module, config, io, fuel)?)),
        Backend::Tiered => Ok(Box::new(TierInstance::new(module, config, io, fuel, tier)?)),
    }
}

/// The interpreter: the decoded program and the runtime it was decoded for.
struct Vm {
    // Declared first: the program's constants live in the runtime's heap.
    loaded: mir14_vm::Loaded,
    rt: Box<Runtime>,
}

impl Executor for Vm {
    fn runtime(&mut self) -> &mut Runtime {
        &mut self.rt
    }
    fn set_max_depth(&mut self, max_depth: u64) {
        self.rt.config.max_depth = max_depth;
    }
    fn call(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        self.rt.depth = 0;
        self.loaded.call(&mut self.rt, f, args)
    }
}

impl Executor for JitInstance {
    fn runtime(&mut self) -> &mut Runtime {
        JitInstance::runtime(self)
    }
    fn set_max_depth(&mut self, max_depth: u64) {
        JitInstance::set_max_depth(self, max_depth);
    }
    fn call(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        JitInstance::call(self, f, args)
    }
}

impl Executor for TierInstance {
    fn runtime(&mut self) -> &mut Runtime {
        TierInstance::runtime(self)
    }
    fn set_max_depth(&mut self, max_depth: u64) {
        TierInstance::set_max_depth(self, max_depth);
    }
    fn call(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        TierInstance::call(self, f, args)
    }
}
