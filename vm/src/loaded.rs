//! A module decoded once for a caller-owned [`Runtime`], whose functions can then be called any
//! number of times with arguments (the embedding API of `mir14-engine` wraps it).

use crate::decode::{self, Program};
use crate::interp::{Interp, STACK_SIZE};
use mir14_mir::{FuncId, Module};
use mir14_rt::{Runtime, Trap, TrapKind, Val};

/// A verified module decoded for one [`Runtime`]: its names are interned and its string
/// constants allocated (and pinned) in that runtime, so it must only ever run with it.
pub struct Loaded {
    prog: Program,
}

/// Moves a pointer to a thread that runs while its owner waits for it.
struct SendPtr<T>(*mut T);
// SAFETY: used only by `Loaded::call`, which blocks until the thread has ended, so the pointee
// is never used from two threads at once.
unsafe impl<T> Send for SendPtr<T> {}

impl Loaded {
    /// Resolves the imports of `module` (verified) with `rt`'s configuration and decodes it for
    /// `rt`, which must have been made for the same module. The error is an import that does not
    /// resolve, or a module the interpreter cannot run (one the verifier would reject).
    pub fn new(module: &Module, rt: &mut Runtime) -> Result<Loaded, String> {
        // Every import resolves before anything runs (spec §Imports).
        let targets = mir14_rt::ffi::resolve_imports(module, &rt.config)?;
        rt.link_imports(&targets);
        Ok(Loaded {
            prog: decode::decode(module, rt)?,
        })
    }

    /// Calls function `f` with `args` as an outermost MIR call on a fresh thread with the
    /// interpreter's large native stack: depth and fuel are counted from `rt`'s current state and
    /// annotations checked; a wrong argument count traps `TypeError` like any call. Every heap
    /// value in `args` must belong to `rt`'s heap.
    pub fn call(&self, rt: &mut Runtime, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        let me = SendPtr(self as *const Loaded as *mut Loaded);
        let rtp = SendPtr(rt as *mut Runtime);
        let args = args.to_vec();
        let res = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("mir14-vm".into())
                .stack_size(STACK_SIZE)
                .spawn_scoped(s, move || {
                    let (me, rtp) = (me, rtp);
                    // SAFETY: this thread has exclusive use of both while the caller waits.
                    let (me, rt) = unsafe { (&*me.0, &mut *rtp.0) };
                    let mut interp = Interp::new(&me.prog, rt);
                    interp.call(rt, f, &args)
                })
                .map(|h| h.join())
        });
        match res {
            Ok(Ok(r)) => r,
            Ok(Err(p)) => std::panic::resume_unwind(p),
            // No thread could be made: report it as the overflow it prevents.
            Err(_) => Err(Trap::new(TrapKind::StackOverflow, "native stack exhausted")),
        }
    }
}
