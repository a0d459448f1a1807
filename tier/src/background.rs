//! The compile thread of a tiered engine (background compilation).
//!
//! The engine's thread translates a hot function into Cranelift IR (translation needs the
//! module's declarations) and hands it to a [`Compiler`], whose thread runs code generation
//! ([`mir14_codegen::compile_function`]: e-graph, register allocation, emission) while the
//! interpreter keeps running; at its next tier check the engine takes the finished code
//! ([`Compiler::try_finished`]) and defines it in its module. The thread touches nothing but
//! the IR it is given and the ISA it owns, so it may outlive the engine: dropping the
//! [`Compiler`] closes its queue and the thread ends after its current job, unjoined (a
//! process that exits does not wait for it).

use cranelift_codegen::isa::OwnedTargetIsa;
use mir14_codegen::{compile_function, CompiledFunction, FunctionIr};
use mir14_mir::{Block, FuncId};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a compile job makes code for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Unit {
    /// A function's direct and array entries.
    Func(FuncId),
    /// A function's OSR entry at a loop header.
    Osr(FuncId, Block),
}

/// A finished job: its code (in the order of the job's IR), or Cranelift's error.
pub(crate) struct Finished {
    /// What the job was for.
    pub unit: Unit,
    /// The code, or why there is none.
    pub code: Result<Vec<CompiledFunction>, String>,
    /// The time the compile thread spent on it.
    pub time: Duration,
}

/// A job: the IR of one [`Unit`].
type Job = (Unit, Vec<FunctionIr>);

/// The native stack of the compile thread: generous, as for the engine's own thread (Cranelift
/// recurses on some shapes of code); only what is touched is ever committed.
const STACK: usize = 256 << 20;

/// A compile thread and the queues to and from it.
pub(crate) struct Compiler {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<Finished>,
    /// Jobs submitted and not yet taken back.
    in_flight: usize,
}

impl Compiler {
    /// Starts a compile thread for `isa`; `None` if no thread can be made (the engine then
    /// compiles on its own thread).
    pub fn spawn(isa: OwnedTargetIsa) -> Option<Compiler> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (tx, done) = mpsc::channel();
        std::thread::Builder::new()
            .name("mir14-compile".into())
            .stack_size(STACK)
            .spawn(move || {
                // Ends when the engine drops its sender, or is gone when a job finishes.
                for (unit, irs) in rx {
                    let start = Instant::now();
                    let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        irs.into_iter()
                            .map(|ir| compile_function(&*isa, ir))
                            .collect::<Result<Vec<_>, String>>()
                    }))
                    .unwrap_or_else(|_| Err("Cranelift panicked".into()));
                    let time = start.elapsed();
                    if tx.send(Finished { unit, code, time }).is_err() {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Compiler {
            jobs,
            done,
            in_flight: 0,
        })
    }

    /// Queues the IR of `unit`; gives it back if the thread is gone (the caller compiles it
    /// itself).
    pub fn submit(&mut self, unit: Unit, irs: Vec<FunctionIr>) -> Result<(), Vec<FunctionIr>> {
        match self.jobs.send((unit, irs)) {
            Ok(()) => {
                self.in_flight += 1;
                Ok(())
            }
            Err(mpsc::SendError((_, irs))) => Err(irs),
        }
    }

    /// A finished job, if one is waiting (never blocks; free when nothing is in flight).
    pub fn try_finished(&mut self) -> Option<Finished> {
        if self.in_flight == 0 {
            return None;
        }
        let f = self.done.try_recv().ok()?;
        self.in_flight -= 1;
        Some(f)
    }

    /// Waits for the next finished job (tests); `None` when nothing is in flight.
    #[cfg(test)]
    pub fn wait_finished(&mut self) -> Option<Finished> {
        if self.in_flight == 0 {
            return None;
        }
        let f = self.done.recv().ok()?;
        self.in_flight -= 1;
        Some(f)
    }

    /// Jobs submitted whose code was not taken yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}
