//! A compiled module with its own runtime, whose functions can be called any number of times
//! with arguments (the embedding API of `mir14-engine` wraps it).

use crate::{compile_with, Compiled};
use mir14_mir::{FuncId, Module as MirModule};
use mir14_rt::abi::{self as rtabi, Ctx};
use mir14_rt::{Config, Io, Runtime, Trap, TrapKind, Val};

/// A module compiled to native code together with the context (runtime, heap, streams) its
/// calls run in. Values made by one instance must not be passed to another.
pub struct JitInstance {
    // Declared first: the context (and its heap) goes before the code is freed.
    ctx: Box<Ctx>,
    compiled: Compiled,
}

/// Moves a pointer to a thread that runs while its owner waits for it.
struct SendPtr<T>(*mut T);
// SAFETY: used only by `JitInstance::call`, which blocks until the thread has ended, so the
// pointee is never used from two threads at once.
unsafe impl<T> Send for SendPtr<T> {}

impl JitInstance {
    /// Compiles a verified module (its imports resolved with `config`'s libraries and host
    /// functions) and makes its runtime with `config` and `io`. With `fuel`
    /// false no fuel checks are compiled, and the fuel of later calls is never counted.
    pub fn new(mir: &MirModule, config: Config, io: Io, fuel: bool) -> Result<JitInstance, String> {
        let compiled = compile_with(mir, fuel, &config)?;
        let ctx = Box::new(Ctx::new(
            mir,
            config,
            io,
            &compiled.entries,
            &compiled.symbols,
        ));
        Ok(JitInstance { ctx, compiled })
    }

    /// How long compilation took.
    pub fn compile_time(&self) -> std::time::Duration {
        self.compiled.compile_time
    }

    /// The runtime (heap, streams, limits) of this instance.
    pub fn runtime(&mut self) -> &mut Runtime {
        &mut self.ctx.rt
    }

    /// Sets the call depth limit of later calls.
    pub fn set_max_depth(&mut self, max_depth: u64) {
        self.ctx.max_depth = max_depth;
        self.ctx.rt.config.max_depth = max_depth;
    }

    /// Calls function `f` with `args` as an outermost MIR call, on a fresh thread whose stack is
    /// sized for the depth limit. A wrong argument count traps `TypeError` as in the interpreter.
    /// Every heap value in `args` must belong to this instance's heap.
    pub fn call(&mut self, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        let rt = &self.ctx.rt;
        if f.index() >= rt.funcs.len() {
            return Err(Trap::type_error(format!("no function {}", f.0)));
        }
        rt.check_arity_named(&format!("@{}", rt.func_name(f)), f, 0, args.len())?;
        self.ctx.depth = 0;
        self.ctx.rt.depth = 0;
        let stack = self.compiled.stack_size(self.ctx.max_depth);
        let ctx = SendPtr(&mut *self.ctx as *mut Ctx);
        let args = args.to_vec();
        let res = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("mir14-jit".into())
                .stack_size(stack)
                .spawn_scoped(s, move || {
                    let ctx = ctx;
                    // SAFETY: this thread has exclusive use of the context while the caller waits.
                    rtabi::call_compiled(unsafe { &mut *ctx.0 }, f, &args)
                })
                .map(|h| h.join())
        });
        match res {
            Ok(Ok(r)) => r,
            Ok(Err(p)) => std::panic::resume_unwind(p),
            Err(_) => Err(Trap::new(TrapKind::StackOverflow, "native stack exhausted")),
        }
    }
}
