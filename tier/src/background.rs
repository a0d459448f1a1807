//! The compile thread of a tiered engine (background compilation).
//!
//! When a function gets hot (or an OSR entry is due) the engine hands its id to a
//! [`Compiler`], whose thread translates it into Cranelift IR and generates its machine code
//! ([`mir14_codegen::compile_function`]: e-graph, register allocation, emission) while the
//! interpreter keeps running; at its next tier check the engine takes the finished code
//! ([`Compiler::try_finished`]) and defines it in its own module
//! ([`mir14_codegen::define_compiled`]). Translation needs the module's declarations: the
//! thread makes its own JIT module and translator from the same MIR, which declare every
//! import and entry with the same ids as the engine's (see [`LazyModule::new`]), so the
//! relocations of its code name the engine's functions; it never defines or runs anything in
//! its module. The thread touches nothing but what it owns, so it may outlive the engine:
//! dropping the [`Compiler`] closes its queue and the thread ends after its current job,
//! unjoined (a process that exits does not wait for it).

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_jit::JITModule;
use cranelift_module::FuncId as ClFuncId;
use mir14_codegen::{compile_function, CompiledFunction, LazyModule, TierLinks, TranslateOptions};
use mir14_mir::{Block, FuncId, Module};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// What a compile job makes code for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Unit {
    /// A function's direct and array entries.
    Func(FuncId),
    /// A function's OSR entry at a loop header, with its id in the engine's module.
    Osr(FuncId, Block, ClFuncId),
}

/// A finished job: its code (a function's direct and array entries, or one OSR entry), or
/// why there is none.
pub(crate) struct Finished {
    /// What the job was for.
    pub unit: Unit,
    /// The code, or why there is none.
    pub code: Result<Vec<CompiledFunction>, String>,
    /// The time the compile thread spent on it.
    pub time: Duration,
}

/// What the compile thread's translator is made from: the engine's.
pub(crate) struct Setup {
    /// The ISA of the engine's module.
    pub isa: OwnedTargetIsa,
    /// The program.
    pub mir: Arc<Module>,
    /// The engine's translation options.
    pub opts: TranslateOptions,
    /// The engine's table and entry function.
    pub links: TierLinks,
}

/// The native stack of the compile thread: generous, as for the engine's own thread (Cranelift
/// recurses on some shapes of code); only what is touched is ever committed.
const STACK: usize = 256 << 20;

/// A compile thread and the queues to and from it.
pub(crate) struct Compiler {
    jobs: mpsc::Sender<Unit>,
    done: mpsc::Receiver<Finished>,
    /// Jobs submitted and not yet taken back.
    in_flight: usize,
}

impl Compiler {
    /// Starts a compile thread translating and compiling as the engine would; `None` if no
    /// thread can be made (the engine then compiles on its own thread).
    pub fn spawn(setup: Setup) -> Option<Compiler> {
        let (jobs, rx) = mpsc::channel::<Unit>();
        let (tx, done) = mpsc::channel();
        std::thread::Builder::new()
            .name("mir14-compile".into())
            .stack_size(STACK)
            .spawn(move || {
                // The translator's module declares what the engine's does; its imports are
                // never resolved (nothing is finalized in it).
                let mut tr = mir14_jit::jit_module(setup.isa.clone(), &setup.mir, &[]).and_then(
                    |mut jit| {
                        LazyModule::new(&mut jit, Arc::clone(&setup.mir), setup.opts, setup.links)
                            .map(|lazy| (jit, lazy))
                            .map_err(|e| format!("JIT setup failed: {e:?}"))
                    },
                );
                // Functions before OSR entries: a function's code serves all its later calls,
                // an OSR entry one activation that is looping.
                let mut osr = std::collections::VecDeque::new();
                // Ends when the engine drops its sender, or is gone when a job finishes.
                while let Some(unit) = next_job(&rx, &mut osr) {
                    let start = Instant::now();
                    let code = match &mut tr {
                        Ok((jit, lazy)) => {
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                make(&*setup.isa, jit, lazy, unit)
                            }))
                            .unwrap_or_else(|_| Err("Cranelift panicked".into()))
                        }
                        Err(e) => Err(e.clone()),
                    };
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

    /// Queues `unit`; false if the thread is gone (the caller compiles it itself).
    pub fn submit(&mut self, unit: Unit) -> bool {
        let ok = self.jobs.send(unit).is_ok();
        self.in_flight += usize::from(ok);
        ok
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

/// The compile thread's next job: the first function job waiting, else the oldest OSR job
/// (waiting for one if there is none); `None` once the engine is gone and nothing is left.
fn next_job(rx: &mpsc::Receiver<Unit>, osr: &mut std::collections::VecDeque<Unit>) -> Option<Unit> {
    loop {
        let unit = match rx.try_recv() {
            Ok(u) => u,
            Err(mpsc::TryRecvError::Empty) => match osr.pop_front() {
                Some(u) => return Some(u),
                None => rx.recv().ok()?,
            },
            Err(mpsc::TryRecvError::Disconnected) => return None,
        };
        match unit {
            Unit::Func(_) => return Some(unit),
            Unit::Osr(..) => osr.push_back(unit),
        }
    }
}

/// Translates and compiles `unit` with the thread's translator.
fn make(
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    jit: &mut JITModule,
    lazy: &mut LazyModule,
    unit: Unit,
) -> Result<Vec<CompiledFunction>, String> {
    let err = |e| format!("{e:?}");
    let irs = match unit {
        Unit::Func(f) => Vec::from(lazy.build(jit, f).map_err(err)?),
        // Declared in the engine's module only (this one's ids stay the engine's).
        Unit::Osr(f, header, id) => vec![lazy.build_osr_as(jit, f, header, id).map_err(err)?],
    };
    irs.into_iter()
        .map(|ir| compile_function(isa, ir))
        .collect()
}
